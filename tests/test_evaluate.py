"""divergence.evaluate's metrics, and the ``divergence evaluate`` / ``train`` commands.

The metrics are checked against values worked out by hand in the comments; the scorer
is a fake that returns fixed probabilities per pair, on texts the typed checks find
nothing in, so the pipeline's label is the model's argmax.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from numpy.typing import NDArray

from divergence.cli import cli
from divergence.evaluate import ClassMetrics, evaluate, expected_calibration_error, roc_auc
from divergence.nlidata import LABELS, NOT_ENTAILMENT, LabeledPair, read_nli, split_of
from divergence.scoring import ContradictionScorer, score_texts

NLI = Path(__file__).parent / "data" / "nli"
SNLI = NLI / "snli_dev-sample.jsonl"
CLAIMDIFF = NLI / "ClaimDiff-weak-train-sample.json"


def invoke(args: Sequence[str]) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# ---------------------------------------------------------------- roc_auc


def test_roc_auc_without_ties() -> None:
    # Positives 0.9 and 0.4 against negatives 0.1 and 0.6: 3 of 4 pairs ordered right.
    assert roc_auc([True, False, True, False], [0.9, 0.1, 0.4, 0.6]) == pytest.approx(0.75)


def test_roc_auc_with_ties() -> None:
    # Pairs (pos, neg): (0.5, 0.5) counts 1/2, (0.5, 0.2), (0.8, 0.5), (0.8, 0.2) count 1.
    assert roc_auc([True, False, True, False], [0.5, 0.5, 0.8, 0.2]) == pytest.approx(0.875)
    # Three-way tie across classes: positives 0.3, 0.3; negatives 0.3, 0.1, 0.3.
    # Each positive: two ties (1/2 each) and one win -> 2 per positive, 4 of 6.
    assert roc_auc([True, False, True, False, False], [0.3, 0.3, 0.3, 0.1, 0.3]) == pytest.approx(
        4 / 6
    )
    assert roc_auc([True, False, False, True], [0.2, 0.2, 0.2, 0.2]) == pytest.approx(0.5)


def test_roc_auc_perfect_and_reversed() -> None:
    assert roc_auc([False, False, True, True], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert roc_auc([True, True, False, False], [0.1, 0.2, 0.3, 0.4]) == 0.0


@pytest.mark.parametrize("positive", [[True, True, True], [False, False], []])
def test_roc_auc_needs_both_classes(positive: list[bool]) -> None:
    assert roc_auc(positive, [0.5] * len(positive)) is None


# ---------------------------------------------------------------- ECE


def test_expected_calibration_error_by_hand() -> None:
    probs = np.array(
        [
            [0.82, 0.10, 0.08],  # confidence 0.82, predicts 0: right
            [0.88, 0.10, 0.02],  # confidence 0.88, predicts 0: wrong
            [0.10, 0.25, 0.65],  # confidence 0.65, predicts 2: right
            [0.30, 0.35, 0.35],  # confidence 0.35, predicts 1 (first maximum): right
        ]
    )
    target = np.array([0, 1, 2, 1])
    # Bin (0.8, 0.9]: 2/4 * |0.85 - 1/2| = 0.175; bin (0.6, 0.7]: 1/4 * |0.65 - 1| = 0.0875;
    # bin (0.3, 0.4]: 1/4 * |0.35 - 1| = 0.1625.  Total 0.425.
    assert expected_calibration_error(probs, target) == pytest.approx(0.425)


def test_expected_calibration_error_is_zero_when_calibrated() -> None:
    # Confidence 0.5 and half of them right.
    probs = np.array([[0.5, 0.3, 0.2]] * 4)
    assert expected_calibration_error(probs, np.array([0, 0, 1, 2])) == pytest.approx(0.0)


# ---------------------------------------------------------------- evaluate()


class FixedScorer(ContradictionScorer):
    """Fixed probabilities per pair (columns in LABELS order); counts its calls."""

    name = "fixed"
    batch_size = 2

    def __init__(self, table: dict[tuple[str, str], tuple[float, float, float]]) -> None:
        self.table = table
        self.seen: list[tuple[str, str]] = []

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        self.seen += list(pairs)
        return np.array([self.table[p] for p in pairs], dtype=np.float64).reshape(-1, 3)


# Plain sentences with no numbers, negations, dates or hedges: the typed checks stay silent.
CASES = [
    # (label, probabilities c/e/n) -> predicted
    ("contradiction", (0.7, 0.2, 0.1)),  # contradiction
    ("contradiction", (0.2, 0.5, 0.3)),  # entailment
    ("entailment", (0.1, 0.8, 0.1)),  # entailment
    ("entailment", (0.1, 0.3, 0.6)),  # neutral
    ("neutral", (0.2, 0.2, 0.6)),  # neutral
    ("neutral", (0.6, 0.1, 0.3)),  # contradiction
    ("neutral", (0.1, 0.2, 0.7)),  # neutral
]
WORDS = ["red", "green", "blue", "yellow", "purple", "orange", "silver"]


def fixed_set(
    cases: Sequence[tuple[str, tuple[float, float, float]]],
) -> tuple[list[LabeledPair], FixedScorer]:
    pairs = [
        LabeledPair(f"The {w} kite flew over the park.", f"A {w} boat sailed along the river.",
                    label, "test", f"g{i}")
        for i, (w, (label, _)) in enumerate(zip(WORDS, cases, strict=False))
    ]  # fmt: skip
    scorer = FixedScorer({(p.a, p.b): probs for p, (_, probs) in zip(pairs, cases, strict=True)})
    return pairs, scorer


def test_the_fixed_pairs_trigger_no_typed_check() -> None:
    pairs, scorer = fixed_set(CASES)
    scores = score_texts([(p.a, p.b) for p in pairs], scorer=scorer)
    assert all(s.findings == () for s in scores)
    assert [s.divergence for s in scores] == [probs[0] for _, probs in CASES]


def test_evaluate_three_way_by_hand() -> None:
    pairs, scorer = fixed_set(CASES)
    result = evaluate(pairs, scorer)
    assert scorer.seen == [(p.a, p.b) for p in pairs]
    assert result.n == 7
    assert result.scorer == "fixed"
    # rows: true contradiction, entailment, neutral; columns: predicted, same order
    assert result.confusion == [[1, 1, 0], [0, 1, 1], [1, 0, 2]]
    assert result.accuracy == 0.5714  # 4 of 7
    assert result.model_accuracy == 0.5714
    assert result.per_class == {
        "contradiction": ClassMetrics(precision=0.5, recall=0.5, f1=0.5, support=2),
        "entailment": ClassMetrics(precision=0.5, recall=0.5, f1=0.5, support=2),
        "neutral": ClassMetrics(precision=0.6667, recall=0.6667, f1=0.6667, support=3),
    }
    assert result.macro_f1 == 0.5556  # (0.5 + 0.5 + 0.6667) / 3
    # Confidences 0.7 (right), 0.5 (wrong), 0.8 (right), 0.6 (wrong), 0.6 (right),
    # 0.6 (wrong), 0.7 (right): bins 0.5 -> 0.5, 0.6 -> 3 * |0.6 - 1/3| = 0.8,
    # 0.7 -> 2 * 0.3 = 0.6, 0.8 -> 0.2; (0.5 + 0.8 + 0.6 + 0.2) / 7 = 0.3.
    assert result.ece == 0.3
    # Contradictions score 0.7 and 0.2 against 0.1, 0.1, 0.2, 0.6, 0.1:
    # 5 wins for 0.7; 3 wins and one tie for 0.2 -> 8.5 of 10.
    assert result.roc_auc_contradiction == 0.85
    assert result.roc_auc_divergence == 0.85
    assert result.labels == LABELS


def test_evaluate_ignores_not_entailment_in_three_way_metrics() -> None:
    cases = [*CASES[:6], (NOT_ENTAILMENT, (0.1, 0.2, 0.7))]
    pairs, scorer = fixed_set(cases)
    result = evaluate(pairs, scorer)
    assert result.n == 7
    assert result.confusion == [[1, 1, 0], [0, 1, 1], [1, 0, 1]]
    assert result.accuracy == 0.5  # 3 of the 6 three-way pairs
    assert result.per_class["neutral"].support == 2
    # not_entailment is not a contradiction: a negative in the ranking.
    assert result.roc_auc_contradiction == 0.85


def test_evaluate_binary_sets_rank_only() -> None:
    # FEVER-like: contradiction (REFUTES) against entailment (SUPPORTS).
    cases = [
        ("contradiction", (0.8, 0.1, 0.1)),
        ("entailment", (0.3, 0.6, 0.1)),
        ("contradiction", (0.2, 0.5, 0.3)),
        ("entailment", (0.1, 0.8, 0.1)),
    ]
    pairs, scorer = fixed_set(cases)
    result = evaluate(pairs, scorer)
    assert result.accuracy is None and result.macro_f1 is None and result.model_accuracy is None
    assert result.confusion is None and result.ece is None and result.per_class == {}
    # 0.8 beats 0.3 and 0.1; 0.2 beats 0.1 only: 3 of 4.
    assert result.roc_auc_contradiction == pytest.approx(0.75)
    assert result.roc_auc_divergence == pytest.approx(0.75)


def test_evaluate_claimdiff_like_set() -> None:
    cases = [
        ("contradiction", (0.4, 0.3, 0.3)),
        ("neutral", (0.1, 0.2, 0.7)),
        ("neutral", (0.5, 0.2, 0.3)),
    ]
    pairs, scorer = fixed_set(cases)
    result = evaluate(pairs, scorer)
    assert result.accuracy is None
    assert result.roc_auc_contradiction == pytest.approx(0.5)  # beats 0.1, loses to 0.5


def test_evaluate_without_contradictions_has_no_auc() -> None:
    pairs, scorer = fixed_set([(NOT_ENTAILMENT, (0.2, 0.3, 0.5)), ("entailment", (0.1, 0.8, 0.1))])
    result = evaluate(pairs, scorer)
    assert result.roc_auc_contradiction is None and result.roc_auc_divergence is None
    assert result.accuracy is None


# ---------------------------------------------------------------- divergence evaluate


def test_cli_evaluate_json() -> None:
    result = invoke(["evaluate", "--data", str(SNLI), "--scorer", "checks", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"accuracy", "per_class", "confusion", "ece", "roc_auc_contradiction"} <= set(report)
    assert report["data"] == str(SNLI)
    assert report["format"] == "nli"
    assert report["split"] == "all"
    assert report["scorer"] == "checks"
    assert report["n"] == 40
    assert 0.0 <= report["accuracy"] <= 1.0
    assert sum(map(sum, report["confusion"])) == 40
    # true-class supports: 16 contradictions, 11 entailments, 13 neutral pairs
    assert [sum(row) for row in report["confusion"]] == [16, 11, 13]
    assert {k: v["support"] for k, v in report["per_class"].items()} == {
        "contradiction": 16,
        "entailment": 11,
        "neutral": 13,
    }
    assert 0.0 <= report["roc_auc_contradiction"] <= 1.0


def test_cli_evaluate_table() -> None:
    result = invoke(["evaluate", "--data", str(SNLI), "--scorer", "checks"])
    assert result.exit_code == 0
    assert "confusion" in result.stdout
    assert "snli_dev-sample.jsonl (nli, all split)" in result.stdout
    assert "per class" in result.stdout
    assert "macro-F1" in result.stdout


def test_cli_evaluate_split_and_limit() -> None:
    test_count = sum(
        split_of(json.loads(line)["premise"]) == "test"
        for line in SNLI.read_text(encoding="utf-8").splitlines()
    )
    assert test_count == 6
    result = invoke(["evaluate", "--data", str(SNLI), "--scorer", "checks", "--split", "test", "--json"])  # fmt: skip
    assert result.exit_code == 0
    assert json.loads(result.stdout)["n"] == test_count
    result = invoke(["evaluate", "--data", str(SNLI), "--scorer", "checks", "--limit", "5", "--json"])  # fmt: skip
    assert json.loads(result.stdout)["n"] == 5


def test_cli_evaluate_claimdiff() -> None:
    result = invoke(
        ["evaluate", "--data", str(CLAIMDIFF), "--format", "claimdiff", "--scorer", "checks", "--json"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["format"] == "claimdiff"
    assert report["n"] == 12
    assert report["accuracy"] is None and report["confusion"] is None
    assert isinstance(report["roc_auc_contradiction"], float)
    table = invoke(["evaluate", "--data", str(CLAIMDIFF), "--scorer", "checks"])
    assert table.exit_code == 0
    assert "(claimdiff, all split)" in table.stdout
    assert "n/a" in table.stdout
    assert "confusion" not in table.stdout


def test_cli_evaluate_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"
    result = invoke(["evaluate", "--data", str(path), "--scorer", "checks"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}: no such file\n"


def test_cli_evaluate_empty_split_is_a_usage_error(tmp_path: Path) -> None:
    lines = [
        line
        for line in SNLI.read_text(encoding="utf-8").splitlines()
        if split_of(json.loads(line)["premise"]) != "test"
    ]
    path = tmp_path / "no-test.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(read_nli(path)) == 34
    result = invoke(["evaluate", "--data", str(path), "--scorer", "checks", "--split", "test"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: no pairs in {path} (test split)\n"  # one line, no usage


def test_cli_evaluate_unknown_format_from_name(tmp_path: Path) -> None:
    path = tmp_path / "pairs.weird"
    path.write_text("{}\n", encoding="utf-8")
    result = invoke(["evaluate", "--data", str(path), "--scorer", "checks"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}: cannot tell its format from the name; give FILE:FORMAT\n"
    )


# ---------------------------------------------------------------- divergence train


def test_cli_train_unknown_format() -> None:
    result = invoke(["train", "--data", "file.weird", "--out", "x"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: file.weird: cannot tell its format from the name; give FILE:FORMAT\n"
    )


def test_cli_train_rejects_claimdiff(tmp_path: Path) -> None:
    result = invoke(["train", "--data", str(CLAIMDIFF), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {CLAIMDIFF}: ClaimDiff labels are not NLI labels; use it with evaluate\n"
    )
    assert not (tmp_path / "m").exists()


def test_cli_train_init_must_be_a_model(tmp_path: Path) -> None:
    # Refused before the data is read: no folder is left behind.
    (tmp_path / "empty").mkdir()
    args = ["train", "--data", f"{SNLI}:nli", "--out", str(tmp_path / "m"), "--init"]
    result = invoke([*args, str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {tmp_path / 'empty'}: not a divergence model (no divergence-model.json); "
        "run `divergence train`\n"
    )
    assert not (tmp_path / "m").exists()
    missing = invoke([*args, str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


@pytest.mark.integration
def test_cli_train_tiny(tmp_path: Path) -> None:
    out = tmp_path / "model"
    result = invoke(
        ["train", "--data", f"{SNLI}:nli", "--out", str(out), "--limit", "16", "--epochs", "1",
         "--batch-size", "8", "--max-length", "32", "--seed", "3", "--quiet"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"saved {out} (dev accuracy ")
    card = json.loads((out / "divergence-model.json").read_text(encoding="utf-8"))
    assert card["train_examples"] == 16
    assert card["dev_examples"] == 6  # the dev split of the 40 SNLI lines
    assert card["config"]["max_length"] == 32 and card["config"]["seed"] == 3
    assert card["sources"]["data"] == [f"{SNLI}:nli"]
    assert (out / "model.safetensors").is_file()
