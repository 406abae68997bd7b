"""Edited reprints: the word diff, what counts as an edit, and which claims get compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from divergence.checks import Kind, Span
from divergence.claims import Claim
from divergence.edits import (
    MIN_TOKEN_SIMILARITY,
    STRENGTH,
    Change,
    ChangeType,
    check_edit,
    find_edits,
    normalised_text,
    reprint_pairs,
    restated,
    token_similarity,
    word_diff,
)

CASES = Path(__file__).parent / "data" / "edits.tsv"


def load_cases() -> list[tuple[int, str, str, str]]:
    """(line number, sentence a, sentence b, expected change) of each row of edits.tsv."""
    cases = []
    for number, line in enumerate(CASES.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        a, b, expected = line.split("\t")
        cases.append((number, a, b, expected))
    return cases


TABLE = [pytest.param(a, b, e, id=f"line{n}-{e}") for n, a, b, e in load_cases()]


def primary(a: str, b: str) -> str:
    """The strongest change check_edit names, or "none"."""
    finding = check_edit(a, b)
    return "none" if finding is None else finding.note.split(":", 1)[0]


def assert_spans_point_into(spans: tuple[Span, ...], text: str) -> None:
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.text.strip() == span.text and span.text


# ---- the table: both directions --------------------------------------------------------------


def test_the_table_is_big_and_varied() -> None:
    expected = [e for _, _, _, e in load_cases()]
    assert len(expected) >= 30
    assert {str(t) for t in ChangeType} | {"none"} == set(expected)


@pytest.mark.parametrize(("a", "b", "expected"), TABLE)
def test_edit_kind(a: str, b: str, expected: str) -> None:
    assert primary(a, b) == expected
    assert primary(b, a) == expected  # an edit is an edit whichever outlet printed first


@pytest.mark.parametrize(("a", "b", "expected"), TABLE)
def test_finding_evidence_and_strength(a: str, b: str, expected: str) -> None:
    finding = check_edit(a, b)
    if expected == "none":
        assert finding is None
        return
    assert finding is not None
    assert finding.kind is Kind.EDIT
    assert finding.strength == STRENGTH[ChangeType(expected)]
    assert finding.spans_a and len(finding.spans_a) == len(finding.spans_b)
    assert_spans_point_into(finding.spans_a, a)
    assert_spans_point_into(finding.spans_b, b)
    assert (
        finding.note.startswith(f"{expected}: {finding.spans_a[0].text} vs ")
        or len(finding.spans_a) > 1
    )


# ---- notes, strengths, evidence --------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "note"),
    [
        ("17 crew remain missing, the U.S. Navy said.",
         "19 crew remain missing, the US navy said.", "number: 17 vs 19"),
        ("The minister was aware of the plan, officials said.",
         "The minister was not aware of the plan, officials said.", "negation: was vs was not"),
        ("The deal will likely be signed next week in Cairo.",
         "The deal will possibly be signed next week in Cairo.", "modal: likely vs possibly"),
        ("The ship was seized by police on Monday off the coast.",
         "The ship was seized by the army on Monday off the coast.", "agent: police vs the army"),
        ("Shares in the airline rose 3 percent in early trading.",
         "Shares in the airline fell 3 percent in early trading.", "antonym: rose vs fell"),
        ("The minister wasn't aware of the plan before it was announced.",
         "The minister was aware of the plan before it was announced.",
         "negation: wasn't vs was"),
        ("Police said the suspects were behind the attack on the base.",
         "Police said the suspects were probably behind the attack on the base.",
         "modal: were vs were probably"),
    ],
)  # fmt: skip
def test_note_names_what_changed(a: str, b: str, note: str) -> None:
    finding = check_edit(a, b)
    assert finding is not None
    assert finding.note == note


def test_strength_bands() -> None:
    high = [ChangeType.NUMBER, ChangeType.NEGATION, ChangeType.DATE, ChangeType.ANTONYM,
            ChangeType.AGENT]  # fmt: skip
    assert all(STRENGTH[t] >= 0.9 for t in high)
    assert 0.5 <= STRENGTH[ChangeType.MODAL] < 0.9
    assert STRENGTH[ChangeType.WORD] < STRENGTH[ChangeType.ENTITY] < 0.5  # names vary by outlet
    assert STRENGTH[ChangeType.WORD] < 0.5


def test_two_changes_both_shown_strongest_first() -> None:
    a = "Seventeen crew remain missing and the search has been called off, the navy said."
    b = "Nineteen crew remain missing and the search has not been called off, the navy said."
    finding = check_edit(a, b)
    assert finding is not None
    assert finding.note == "negation: has vs has not; number: Seventeen vs Nineteen"
    assert [s.text for s in finding.spans_a] == ["Seventeen", "has"]  # text order
    assert [s.text for s in finding.spans_b] == ["Nineteen", "has not"]
    assert finding.strength == STRENGTH[ChangeType.NEGATION]


def test_a_weak_substitution_is_not_named_beside_a_strong_change() -> None:
    a = "Seventeen crew remain missing after the serious accident, the navy said."
    b = "Nineteen crew remain missing after the grave accident, the navy said."
    finding = check_edit(a, b)
    assert finding is not None
    assert finding.note == "number: Seventeen vs Nineteen"
    assert len(finding.spans_a) == 1


def test_find_edits_separates_not_near_duplicate_from_no_change() -> None:
    assert (
        find_edits("Talks resumed in Cairo on Monday.", "Fighting went on in Gaza all week.")
        is None
    )
    assert (
        find_edits("The deal was signed on Monday.", "The deal was signed on Monday, AP said.")
        == []
    )
    edits = find_edits("The deal was signed on Monday.", "The deal was not signed on Monday.")
    assert edits is not None and [e.type for e in edits] == [ChangeType.NEGATION]
    assert edits[0].change == Change("insert", None, Span(13, 16, "not"))


TAIL = " and the interior ministry said the curfew would stay in force for the rest of the week."


def test_too_many_changes_is_a_rewrite_not_an_edit() -> None:
    a = (
        "Police in the capital arrested at least 17 men on Monday after riots near the stadium"
        + TAIL
    )
    b = (
        "Troops in the capital detained at least 19 men on Sunday after clashes near the stadium"
        + TAIL
    )
    assert token_similarity(a, b) >= MIN_TOKEN_SIMILARITY  # similar enough, but five changes
    assert len(word_diff(a, b)) == 5
    assert check_edit(a, b) is None
    four = b.replace("Troops", "Police")
    finding = check_edit(a, four)
    assert finding is not None and finding.note.startswith("number: 17 vs 19; date: Monday")


def test_not_near_duplicates() -> None:
    a = "Police arrested 17 men after the riots."
    b = "Police arrested 19 men after the riots near the stadium on Monday night."
    assert token_similarity(a, b) < MIN_TOKEN_SIMILARITY
    assert find_edits(a, b) is None


def test_identical_and_empty() -> None:
    text = "Seventeen crew remain missing after the ferry sank."
    assert check_edit(text, text) is None
    assert check_edit("", text) is None
    assert check_edit("", "") is None
    assert word_diff(text, text) == []


# ---- word_diff ----------------------------------------------------------------------------------


def assert_changes_point_into(changes: list[Change], a: str, b: str) -> None:
    for change in changes:
        if change.span_a is not None:
            assert a[change.span_a.start : change.span_a.end] == change.span_a.text
        if change.span_b is not None:
            assert b[change.span_b.start : change.span_b.end] == change.span_b.text
        assert (change.span_a is None) == (change.kind == "insert")
        assert (change.span_b is None) == (change.kind == "delete")


def test_word_diff_replace() -> None:
    a = "Officials said 17 crew remain missing after the storm."
    b = "Officials said 19 crew remain missing after the storm."
    assert word_diff(a, b) == [Change("replace", Span(15, 17, "17"), Span(15, 17, "19"))]


def test_word_diff_insert_and_delete_in_text_order() -> None:
    a = "The heavy fighting forced families to flee, the agency said."
    b = "The fighting forced many families to flee, the agency said on Monday."
    changes = word_diff(a, b)
    assert [(c.kind, c.span_a and c.span_a.text, c.span_b and c.span_b.text) for c in changes] == [
        ("delete", "heavy", None),
        ("insert", None, "many"),
        ("insert", None, "on Monday"),
    ]
    assert_changes_point_into(changes, a, b)


def test_word_diff_multiword_replace_spans_whole_run() -> None:
    a = "The ship was seized by police, officials said."
    b = "The ship was seized by the Yemeni army, officials said."
    (change,) = word_diff(a, b)
    assert change.kind == "replace"
    assert change.span_a == Span(23, 29, "police")
    assert change.span_b == Span(23, 38, "the Yemeni army")


def test_word_diff_span_keeps_punctuation_inside_the_run() -> None:
    a = "Prices rose in Paris, Berlin and Rome last month."
    b = "Prices rose in Madrid, Lisbon and Rome last month."
    (change,) = word_diff(a, b)
    assert change.span_a is not None and change.span_a.text == "Paris, Berlin"
    assert change.span_b is not None and change.span_b.text == "Madrid, Lisbon"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Unemployment rose to 5.4 per cent, Mr. Smith said.", "unemployment rose to 5.4% , Mr Smith said"),
        ("The U.S. and the United Kingdom signed it.", "The US and the U.K. signed it."),
        ("“It was a mistake,” she said.", "\"It was a mistake\", she said."),
        ("The cease-fire held; 1,200 people left.", "The ceasefire held: 1200 people left."),
        ("Two men didn't return.", "2 men did not return."),
        ("The colour of the centre was analysed.", "The color of the center was analyzed."),
        ("Cuts of $1.2 million were made.", "Cuts of $1,200,000 were made."),
    ],
)  # fmt: skip
def test_word_diff_ignores_style(a: str, b: str) -> None:
    assert word_diff(a, b) == []
    assert word_diff(b, a) == []


def test_word_diff_contraction_spans_stay_inside_the_word() -> None:
    a = "The minister wasn't aware of it."
    b = "The minister was aware of it."
    (change,) = word_diff(a, b)
    assert change == Change("delete", Span(16, 19, "n't"), None)


@pytest.mark.parametrize(("a", "b", "expected"), TABLE)
def test_word_diff_spans_on_the_table(a: str, b: str, expected: str) -> None:
    assert_changes_point_into(word_diff(a, b), a, b)


# ---- normalisation and similarity ---------------------------------------------------------------


def test_normalised_text_folds_style_not_meaning() -> None:
    assert normalised_text("The U.S. cut 1,200 jobs.") == normalised_text("the US cut 1200 jobs")
    assert normalised_text("The U.S. cut 1,200 jobs.") != normalised_text(
        "The U.S. cut 1,300 jobs."
    )
    assert normalised_text("It wasn't.") == normalised_text("It was not.")
    assert normalised_text("It was.") != normalised_text("It was not.")


def test_token_similarity() -> None:
    assert token_similarity("a b c d", "a b c d") == 1.0
    assert token_similarity("17 crew remain missing.", "19 crew remain missing.") == 0.75
    assert token_similarity("Talks resumed.", "Fighting went on.") == 0.0


# ---- reprint_pairs --------------------------------------------------------------------------------


def claim(index: int, outlet: str, text: str, speaker: str | None = None) -> Claim:
    return Claim(
        id=f"{outlet}#{index}", doc_id=outlet, outlet=outlet, speaker=speaker, text=text,
        start=0, end=len(text), checkworthiness=1.0,
    )  # fmt: skip


ORIGINAL = "Seventeen crew remain missing after the ferry sank, the coast guard said."
RESTYLED = "Seventeen crew remain missing after the ferry sank, the Coast Guard said"
EDITED = "Nineteen crew remain missing after the ferry sank, the coast guard said."
OTHER = "Rescue teams searched the coast through the night."


def test_reprint_pairs_skips_restyled_copies_and_singletons() -> None:
    claims = [
        claim(0, "Reuters", ORIGINAL),
        claim(1, "AP", RESTYLED),
        claim(2, "BBC", OTHER),
        claim(3, "AFP", EDITED),
    ]
    groups = [0, 0, 2, 0]
    assert reprint_pairs(claims, groups) == [(0, 3)]
    assert check_edit(claims[0].text, claims[3].text) is not None


def test_reprint_pairs_needs_two_sources() -> None:
    claims = [claim(0, "Reuters", ORIGINAL), claim(1, "Reuters", EDITED)]
    assert reprint_pairs(claims, [0, 0]) == []


def test_reprint_pairs_finds_another_source_when_the_first_is_the_same() -> None:
    claims = [
        claim(0, "Reuters", ORIGINAL),
        claim(1, "Reuters", EDITED),  # Reuters corrected its own figure
        claim(2, "AP", RESTYLED),
    ]
    assert reprint_pairs(claims, [0, 0, 0]) == [(1, 2)]


def test_reprint_pairs_by_speaker_or_outlet() -> None:
    claims = [
        claim(0, "Reuters", ORIGINAL, speaker="the coast guard"),
        claim(1, "Reuters", EDITED, speaker="the navy"),
    ]
    assert reprint_pairs(claims, [0, 0], by="speaker") == [(0, 1)]
    assert reprint_pairs(claims, [0, 0], by="outlet") == []


def test_reprint_pairs_one_pair_per_variant_in_a_big_group() -> None:
    claims = [claim(i, f"outlet{i}", ORIGINAL) for i in range(2000)]
    claims += [claim(2000, "late1", EDITED), claim(2001, "late2", EDITED)]
    claims += [claim(2002, "late3", ORIGINAL.replace("ferry", "boat"))]
    pairs = reprint_pairs(claims, [0] * len(claims))
    assert pairs == [(0, 2000), (0, 2002)]


def test_reprint_pairs_caps_variants_and_is_deterministic() -> None:
    claims = [claim(0, "first", ORIGINAL)]
    claims += [claim(i, f"o{i}", ORIGINAL.replace("Seventeen", str(i))) for i in range(1, 200)]
    groups = [0] * len(claims)
    pairs = reprint_pairs(claims, groups, max_variants=10)
    assert pairs == [(0, i) for i in range(1, 11)]
    assert reprint_pairs(claims, groups, max_variants=10) == pairs


def test_reprint_pairs_keeps_groups_apart_and_sorts() -> None:
    claims = [
        claim(0, "A", OTHER),
        claim(1, "A", ORIGINAL),
        claim(2, "B", OTHER.replace("night", "day")),
        claim(3, "B", EDITED),
    ]
    assert reprint_pairs(claims, [0, 1, 0, 1]) == [(0, 2), (1, 3)]
    assert reprint_pairs([], []) == []


def test_the_documented_plug_in_path() -> None:
    """duplicate_groups -> reprint_pairs -> check_edit, as the module docstring shows."""
    from divergence.pairing import duplicate_groups
    from tests.fakes import HashingEmbedder

    wire = (
        "Seventeen crew members remain missing after the cargo ferry sank in heavy seas off "
        "the southern coast late on Tuesday, the coast guard said in a statement."
    )
    claims = [
        claim(0, "Reuters", wire),
        claim(1, "AP", wire.replace("Seventeen", "Nineteen")),
        claim(2, "AFP", wire.replace("coast guard", "Coast Guard")),
        claim(3, "BBC", "Rescue teams searched the coast through the night with two helicopters."),
    ]
    vectors = HashingEmbedder().embed([c.text for c in claims])
    groups = duplicate_groups(claims, vectors)
    assert groups == [0, 0, 0, 3]  # the reprints are one group, so pairing never compares them
    pairs = reprint_pairs(claims, groups, by="outlet")
    assert pairs == [(0, 1)]
    findings = [check_edit(claims[i].text, claims[j].text) for i, j in pairs]
    assert [f.note if f else None for f in findings] == ["number: Seventeen vs Nineteen"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Reprints with nothing meaningful changed (sentences written for this test).
        ("Islamic State fighters seized the town in June, officials said.",
         "ISIS fighters seized the town in June, officials said.", True),
        ("The official spoke to the AP on condition of anonymity as he was not authorized.",
         "The official spoke on condition of anonymity as he was not authorised.", True),
        # A checkable change: an edit, not a restatement.
        ("17 crew remain missing after the ferry sank.",
         "19 crew remain missing after the ferry sank.", False),
        ("The strike was probably carried out by the army.",
         "The strike was possibly carried out by the army.", False),
        # Not near-duplicates at all.
        ("17 crew remain missing after the ferry sank.", "The storm hit on Monday.", False),
    ],
)  # fmt: skip
def test_restated_means_a_reprint_with_nothing_meaningful_changed(
    a: str, b: str, expected: bool
) -> None:
    assert restated(a, b) is expected
