"""Quality of the default `checks` scorer on public data it was never tuned on.

Usage: python benchmarks/quality_checks.py [--datasets ../shared/datasets] [--no-cosine]

Prints ROC-AUC of the divergence score (and, for comparison, of plain cosine similarity
from the bundled embedder, negated) for: ClaimDiff-weak ("claim B weakens claim A"),
Symmetric FEVER dev+test (refuting vs supporting evidence) and SNLI dev (contradiction vs
the rest), plus contradiction precision/recall at the default threshold.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from divergence.embeddings import get_embedder
from divergence.scoring import THRESHOLD, CheckScorer, score_texts


def claimdiff(root: Path) -> tuple[list[tuple[str, str]], list[int]]:
    rows = json.loads((root / "claimdiff" / "ClaimDiff-weak-train.json").read_text())["data"]
    return [(r["claim_a"], r["claim_b"]) for r in rows], [int(r["relation"]) for r in rows]


def fever(root: Path) -> tuple[list[tuple[str, str]], list[int]]:
    pairs, labels = [], []
    for name in ("fever_symmetric_dev.jsonl", "fever_symmetric_test.jsonl"):
        for line in (root / "fever_symmetric" / name).read_text().splitlines():
            r = json.loads(line)
            pairs.append((r["evidence"], r["claim"]))
            labels.append(int(r["label"] == "REFUTES"))
    return pairs, labels


def snli(root: Path) -> tuple[list[tuple[str, str]], list[int]]:
    pairs, labels = [], []
    for path in sorted((root / "snli_dev").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            r = json.loads(line)
            if r["label"] in ("entailment", "neutral", "contradiction"):
                pairs.append((r["premise"], r["hypothesis"]))
                labels.append(int(r["label"] == "contradiction"))
    return pairs, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--no-cosine", action="store_true", help="skip the embedding baseline")
    args = parser.parse_args()
    embedder = None if args.no_cosine else get_embedder()
    print(
        f"| data | pairs | positives | ROC-AUC divergence | ROC-AUC -cosine | P | R | F1 (threshold {THRESHOLD:.2f}) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, load in [
        ("ClaimDiff-weak (B weakens A)", claimdiff),
        ("Symmetric FEVER dev+test (refutes)", fever),
        ("SNLI dev (contradiction)", snli),
    ]:
        pairs, labels = load(args.datasets)
        scores = score_texts(pairs, scorer=CheckScorer())
        divergence = np.array([s.divergence for s in scores])
        y = np.array(labels)
        auc = roc_auc_score(y, divergence)
        cos_auc = float("nan")
        if embedder is not None:
            va = embedder.embed([a for a, _ in pairs])
            vb = embedder.embed([b for _, b in pairs])
            cos_auc = roc_auc_score(y, -np.sum(va * vb, axis=1))
        p, r, f, _ = precision_recall_fscore_support(
            y, divergence >= THRESHOLD, average="binary", zero_division=0
        )
        print(
            f"| {name} | {len(y)} | {int(y.sum())} | {auc:.3f} | {cos_auc:.3f} | {p:.3f} | {r:.3f} | {f:.3f} |"
        )


if __name__ == "__main__":
    main()
