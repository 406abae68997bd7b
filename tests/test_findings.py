"""divergence.findings: flagged pairs grouped into findings with their witnesses."""

from __future__ import annotations

import pandas as pd

from divergence.findings import FINDING_COLUMNS, findings_frame, group_findings


def claims(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """(id, group, source, text) rows."""
    return pd.DataFrame(rows, columns=["id", "group", "source", "text"])


CLAIMS = claims(
    ("c1", "c1", "Reuters", "17 crew remain missing."),
    ("c2", "c1", "AP", "17 crew remain missing."),  # a reprint of c1
    ("c3", "c3", "Local Times", "19 crew remain missing."),
    ("c4", "c4", "Coast guard", "No crew are missing."),
    ("c5", "c5", "Daily", "The storm hit on Monday."),
    ("c6", "c6", "Weekly", "The storm hit on Tuesday."),
)


def pair(
    a: str, b: str, score: float, story: str = "s1", kind: str = "numeric"
) -> dict[str, object]:
    text = dict(zip(CLAIMS["id"], CLAIMS["text"], strict=True))
    return {"claim_id_a": a, "claim_id_b": b, "divergence": score, "flagged": score >= 0.5,
            "claim_a": text[a], "claim_b": text[b], "doc_a": f"doc-{a}", "doc_b": f"doc-{b}",
            "story": story, "story_label": f"label {story}", "kind": kind,
            "evidence_a": "17", "evidence_b": "19", "note": "numeric: 17 vs 19"}  # fmt: skip


def test_one_disagreement_printed_by_several_outlets_is_one_finding() -> None:
    pairs = pd.DataFrame([pair("c1", "c3", 0.9), pair("c2", "c3", 0.85)])
    [finding] = group_findings(pairs, CLAIMS)
    assert finding.pairs == 2
    assert {finding.witnesses, finding.counter_witnesses} == {("AP", "Reuters"), ("Local Times",)}
    assert finding.divergence == 0.9 and finding.rank == 1 and finding.finding == "f1"
    # The strongest pair behind it, as the JSON pairs list names it.
    assert (finding.doc_a, finding.doc_b) == ("doc-c1", "doc-c3")
    assert (finding.claim_a, finding.claim_b) == (
        "17 crew remain missing.",
        "19 crew remain missing.",
    )


def test_one_claim_contested_by_several_is_one_finding_around_it() -> None:
    pairs = pd.DataFrame([pair("c1", "c3", 0.9), pair("c4", "c1", 0.7, kind="negation")])
    [finding] = group_findings(pairs, CLAIMS)
    assert finding.claim == "17 crew remain missing."
    assert finding.counter_claims == ("19 crew remain missing.", "No crew are missing.")
    assert finding.counter_witnesses == ("Coast guard", "Local Times")
    assert finding.kind == "numeric"


def test_unrelated_disagreements_are_separate_findings_ranked_by_score() -> None:
    pairs = pd.DataFrame([pair("c5", "c6", 0.6, kind="date"), pair("c1", "c3", 0.9)])
    found = group_findings(pairs, CLAIMS)
    assert [f.divergence for f in found] == [0.9, 0.6]
    assert [f.rank for f in found] == [1, 2]


def test_pairs_in_different_stories_never_share_a_finding() -> None:
    pairs = pd.DataFrame([pair("c1", "c3", 0.9, story="s1"), pair("c1", "c4", 0.8, story="s2")])
    found = group_findings(pairs, CLAIMS)
    assert sorted(f.story for f in found) == ["s1", "s2"]


def test_unflagged_pairs_make_no_findings() -> None:
    assert group_findings(pd.DataFrame([pair("c1", "c3", 0.2)]), CLAIMS) == []


def test_findings_frame_has_its_columns_even_when_empty() -> None:
    assert list(findings_frame([]).columns) == FINDING_COLUMNS
    frame = findings_frame(group_findings(pd.DataFrame([pair("c1", "c3", 0.9)]), CLAIMS))
    assert frame.loc[0, "witnesses"] == ("AP", "Reuters")


def test_grouping_is_deterministic_whatever_the_pair_order() -> None:
    rows = [pair("c1", "c3", 0.9), pair("c4", "c1", 0.7), pair("c5", "c6", 0.6)]
    first = group_findings(pd.DataFrame(rows), CLAIMS)
    assert first == group_findings(pd.DataFrame(rows[::-1]), CLAIMS)
