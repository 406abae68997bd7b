"""Held-out quality of a scorer, as a Markdown table for benchmarks/README.md.

Usage: python benchmarks/quality.py [--scorer divergence-nli] [--datasets ../shared/datasets]

Every set here is data the shipped model never trained on: the test split of
divergence's deterministic premise-hash split (MultiNLI part A, SNLI dev), SICK's own
TEST set, the Symmetric FEVER test file, and ClaimDiff-weak's test-split topics (the
whole ClaimDiff file is also reported: the NLI model never saw any of it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from divergence.evaluate import evaluate
from divergence.nlidata import read_claimdiff, read_nli, read_sick, split
from divergence.scoring import get_scorer


def fever_unseen(d: Path) -> list:
    """The FEVER test pairs whose claim is not also in the dev file the model trained on."""
    seen = {p.b for p in read_nli(d / "fever_symmetric/fever_symmetric_dev.jsonl")}
    return [
        p for p in read_nli(d / "fever_symmetric/fever_symmetric_test.jsonl") if p.b not in seen
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--scorer", default=None)
    args = parser.parse_args()
    d = args.datasets
    sets = [
        (
            "MultiNLI part A, test split",
            split(read_nli(d / "mnli_dev_matched/mnli_dev_matched_part_a.jsonl"), "test"),
        ),
        (
            "SNLI dev, test split",
            split(read_nli(d / "snli_dev/snli_1.0_dev.premise_hypothesis_label.jsonl"), "test"),
        ),
        ("SICK TEST", split(read_sick(d / "sick/SICK.txt"), "test")),
        ("Symmetric FEVER test, claims unseen in training (refutes vs supports)", fever_unseen(d)),
        (
            "ClaimDiff-weak, test-split topics (weakens)",
            split(read_claimdiff(d / "claimdiff/ClaimDiff-weak-train.json"), "test"),
        ),
        (
            "ClaimDiff-weak, all (weakens)",
            read_claimdiff(d / "claimdiff/ClaimDiff-weak-train.json"),
        ),
    ]
    scorer = get_scorer(args.scorer)
    print(f"scorer: {scorer.name}\n")
    print(
        "| held-out set | pairs | accuracy | contradiction F1 | macro-F1 | ROC-AUC p_contradiction | ROC-AUC divergence | ECE |"
    )
    print("|---|---|---|---|---|---|---|---|")

    def f(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f}"

    for name, pairs in sets:
        r = evaluate(pairs, scorer)
        f1 = r.per_class["contradiction"].f1 if r.per_class else None
        print(
            f"| {name} | {r.n} | {f(r.accuracy)} | {f(f1)} | {f(r.macro_f1)} | "
            f"{f(r.roc_auc_contradiction)} | {f(r.roc_auc_divergence)} | {f(r.ece)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
