"""The end-to-end benchmark's metrics on hand-made inputs: no model, no datasets."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from divergence.report import Report

# benchmarks/ is a folder of scripts, not a package: load the module from its file.
_PATH = Path(__file__).parent.parent / "benchmarks" / "e2e_quality.py"
_SPEC = importlib.util.spec_from_file_location("e2e_quality", _PATH)
assert _SPEC and _SPEC.loader
e2e = importlib.util.module_from_spec(_SPEC)
sys.modules["e2e_quality"] = e2e  # dataclasses look their module up by name
_SPEC.loader.exec_module(e2e)


def test_doc_pairs_match_in_either_order() -> None:
    gold = [("d1", "d2"), ("d3", "d4")]
    assert e2e.match_doc_pairs(["d2", "d1", "d3"], ["d1", "d3", "d4"], gold) == [{0}, set(), {1}]


def test_recall_counts_each_gold_pair_once() -> None:
    matches = [{0}, {0}, set(), {2}]  # gold 0 flagged twice, gold 1 never
    assert e2e.recall(matches, 3) == pytest.approx(2 / 3)
    assert e2e.recall([], 0) is None


def test_precision_at_5() -> None:
    assert e2e.precision_at_k([True, False, True, False, False, True, True]) == pytest.approx(0.4)
    assert e2e.precision_at_k([True, False]) == pytest.approx(0.5)  # fewer than 5 flags
    assert e2e.precision_at_k([]) == 0.0  # nothing flagged is not precise


def test_reciprocal_rank_and_first_hit() -> None:
    assert e2e.reciprocal_rank([False, False, True, True]) == pytest.approx(1 / 3)
    assert e2e.first_hit_rank([False, False, True]) == 3
    assert e2e.reciprocal_rank([False, False]) == 0.0
    assert e2e.first_hit_rank([]) is None


def test_cross_story_count() -> None:
    story_of = {"a1": "A", "a2": "A", "b1": "B"}
    assert e2e.cross_story_count(["a1", "a1", "b1"], ["a2", "b1", "a2"], story_of) == 2


def test_claim_matching_containment_and_fuzz() -> None:
    gold = [("The minister said talks had failed.", "Officials say talks are progressing well.")]
    found_a = ["officials say talks  are progressing well", "Talks had failed."]
    found_b = ["The minister said talks had failed", "Something else entirely, at length."]
    assert e2e.match_claim_pairs(found_a, found_b, gold) == [{0}, set()]
    # A short clause is not matched by containment alone.
    assert not e2e.same_claim("talks", "The minister said talks had failed.")


def test_ranked_and_evaluate_on_a_fake_report() -> None:
    story = e2e.Story(
        "test", "s", [{"id": i} for i in ("a", "b", "c")], "document",
        divergent=[("a", "b")], agreeing=[("a", "c")], story_of=dict.fromkeys("abc", "S"),
        divergent_heldout=[True],
    )  # fmt: skip
    pairs = pd.DataFrame({
        "doc_a": ["a", "c", "b"], "doc_b": ["c", "a", "a"], "claim_a": ["x"] * 3,
        "claim_b": ["y"] * 3, "divergence": [0.9, 0.2, 0.7], "flagged": [True, False, True],
    })  # fmt: skip
    report = SimpleNamespace(
        pairs=pairs, divergences=pairs[pairs["flagged"]].reset_index(drop=True),
        claims=pd.DataFrame({"doc_id": ["a", "b", "c"]}),
    )  # fmt: skip
    result = e2e.evaluate(story, report, 1.0)
    assert (result.flagged, result.found, result.first_hit) == (2, 1, 2)
    assert result.reciprocal_rank == pytest.approx(0.5)
    assert result.agreeing_flagged == 1
    assert result.cross_story == 0
    total = e2e.totals("test", [result])
    assert total["recall"] == 1.0 and total["agreeing_flagged"] == 1.0


def test_a_report_seen_at_another_threshold_flags_only_what_reaches_it() -> None:
    pairs = pd.DataFrame({
        "claim_id_a": ["c1", "c1"], "claim_id_b": ["c2", "c3"], "divergence": [0.3, 0.6],
        "flagged": [True, True], "claim_a": ["a", "a"], "claim_b": ["b", "c"],
        "doc_a": ["d1", "d1"], "doc_b": ["d2", "d3"], "story": ["s", "s"],
        "story_label": ["l", "l"], "kind": [None, None], "evidence_a": ["", ""],
        "evidence_b": ["", ""], "note": ["", ""],
    })  # fmt: skip
    claims = pd.DataFrame({"id": ["c1", "c2", "c3"], "group": ["c1", "c2", "c3"],
                           "source": ["A", "B", "C"], "text": ["a", "b", "c"]})  # fmt: skip
    report = Report(claims=claims, pairs=pairs, summary=pd.DataFrame())
    seen = e2e.at_threshold(report, 0.5)
    assert list(seen.divergences["doc_b"]) == ["d3"]
    assert list(seen.findings["doc_b"]) == ["d3"]
    assert pairs["flagged"].all()  # the report itself is left as it was


def test_the_mixed_day_read_one_gold_story_at_a_time() -> None:
    day = e2e.Story(
        "mixed day", "day", [{"id": i} for i in ("a1", "a2", "a3", "b1", "b2")], "document",
        divergent=[("a1", "a2")], agreeing=[("a1", "a3")],
        story_of={"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B"},
    )  # fmt: skip
    flagged = pd.DataFrame({
        "doc_a": ["a1", "b1", "a1", "a3"], "doc_b": ["a3", "b2", "a2", "b1"],
        "divergence": [0.9, 0.8, 0.7, 0.95],
    })  # fmt: skip
    rows = e2e.day_by_story(day, SimpleNamespace(divergences=flagged))
    by_story = {r["story"]: r for r in rows}
    # The cross-story flag (a3, b1) counts in neither story.
    assert by_story["A"]["flags"] == 2 and by_story["B"]["flags"] == 1
    assert by_story["A"]["found"] == 1 and by_story["A"]["reciprocal_rank"] == pytest.approx(0.5)
    assert by_story["A"]["precision_at_5"] == pytest.approx(0.5)
    assert by_story["B"]["gold"] == 0 and by_story["B"]["precision_at_5"] is None
    assert e2e.day_by_story(day, None) == []
