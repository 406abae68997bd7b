"""The contradiction model on held-out pairs of every kind its issue names, old and new side by side.

Usage: python benchmarks/nli_targets.py --scorer data/models/divergence-nli \
           [--scorer OLD_MODEL_DIR] [--datasets ../shared/datasets] [--max-pairs 3000] [--json OUT]

Every set is data the model never trained on: the test split of divergence's
deterministic split (by premise hash, by Wikipedia page for VitaminC, so one page's
revisions never straddle train and test) of sets it trains on, and whole sets it never
reads (XNLI English and ANLI dev: MultiNLI-protocol and adversarial; SciFact and
AVeriTeC: claim vs evidence). Metrics come from the model's own calibrated
probabilities (no typed checks):

- accuracy, contradiction F1 and macro-F1 of the argmax (3-way sets);
- ROC-AUC of p(contradiction), contradiction against entailment pairs ("C vs E": FNC-1's
  disagree vs agree, FEVER's refutes vs supports);
- ECE of the top-class probability (10 bins; 3-way sets);
- probes: the augmentation kinds (modal, quantity, agent, negation/number) made from
  news sentences of the *dev* split, which training never saw, accuracy per kind.

Sets larger than ``--max-pairs`` are cut to a stable random sample of that size.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from divergence.evaluate import expected_calibration_error, roc_auc
from divergence.nlidata import (
    LABELS,
    LabeledPair,
    augmented,
    read_claimdiff,
    read_nli,
    read_sentences,
    read_sick,
    split,
    split_of,
)
from divergence.scoring import get_scorer

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def held_out_sets(d: Path) -> list[tuple[str, list[LabeledPair]]]:
    """(name, pairs) of every held-out set, in table order."""

    def test(rel: str, *, two_way: bool = False) -> list[LabeledPair]:
        return split(read_nli(d / rel, two_way=two_way), "test")

    fever_dev_claims = {p.b for p in read_nli(d / "fever_symmetric/fever_symmetric_dev.jsonl")}
    return [
        ("MultiNLI part A, test split", test("mnli_dev_matched/mnli_dev_matched_part_a.jsonl")),
        ("LingNLI (MultiNLI premises), test split", test("lingnli/lingnli.jsonl")),
        ("XNLI English (never trained on)", read_nli(d / "xnli_en/xnli_en.jsonl")),
        ("ANLI dev R1-R3 (never trained on)", read_nli(d / "anli_dev/anli_dev.jsonl")),
        ("SNLI dev, test split", test("snli_dev/snli_1.0_dev.premise_hypothesis_label.jsonl")),
        ("SICK TEST", split(read_sick(d / "sick/SICK.txt"), "test")),
        ("VitaminC, test split (by page)", test("vitaminc_test/vitaminc_test.jsonl")),
        ("FNC-1 body vs headline, test split", test("fnc1_related/fnc1_related_train.jsonl")),
        ("Emergent headline vs claim, test split", test("emergent/emergent.jsonl")),
        (
            "Symmetric FEVER test, claims unseen",
            [
                p
                for p in read_nli(d / "fever_symmetric/fever_symmetric_test.jsonl")
                if p.b not in fever_dev_claims
            ],
        ),
        ("COVID-Fact, test split", test("covidfact/covidfact.jsonl")),
        ("Check-COVID, test split", test("check_covid/check_covid.jsonl")),
        (
            "SciFact rationale (never trained on)",
            read_nli(d / "scifact_rationale/scifact_rationale.jsonl"),
        ),
        ("AVeriTeC dev (never trained on)", read_nli(d / "averitec_dev/averitec_dev.jsonl")),
        (
            "ClaimDiff-weak, all (weakens = contradiction)",
            read_claimdiff(d / "claimdiff/ClaimDiff-weak-train.json"),
        ),
    ]


def probe_sets(d: Path, seed: int = 13) -> list[tuple[str, list[LabeledPair]]]:
    """Augmented pairs made from news sentences of the dev split (never trained on)."""
    sentences: list[str] = []
    for rel, fmt in (("stsbenchmark/sts-train.csv", "sts"), ("mrpc/msr_paraphrase_train.txt", "mrpc"),
                     ("fnc1_related/fnc1_related_train.jsonl", "premises")):  # fmt: skip
        if fmt == "premises":  # the dev split's articles, not the train split's
            sentences += read_sentences(d / rel, fmt, split="dev")
        else:
            sentences += [s for s in read_sentences(d / rel, fmt) if split_of(s) == "dev"]
    kinds = augmented(sorted(set(sentences)), seed=seed)
    out = []
    for kind, pairs in kinds.items():
        random.Random(seed).shuffle(pairs)
        out.append((f"probe: {kind} (dev-split news sentences)", pairs[:400]))
    return out


def metrics(pairs: Sequence[LabeledPair], probs: np.ndarray) -> dict[str, float | int | None]:
    labels = [p.label for p in pairs]
    three = [i for i, label in enumerate(labels) if label in LABELS]
    seen = {labels[i] for i in three}
    out: dict[str, float | int | None] = {"pairs": len(pairs)}
    c_vs_e = [i for i, label in enumerate(labels) if label in ("contradiction", "entailment")]
    out["auc_c_vs_e"] = roc_auc([labels[i] == "contradiction" for i in c_vs_e],
                                probs[c_vs_e, 0].tolist())  # fmt: skip
    predicted = probs.argmax(axis=1)
    if three:
        target = np.array([LABELS.index(labels[i]) for i in three])
        pred = predicted[three]
        out["accuracy"] = float((pred == target).mean())
        f1s = []
        for k in range(3):
            tp = float(((pred == k) & (target == k)).sum())
            prec = tp / max(1, (pred == k).sum())
            rec = tp / max(1, (target == k).sum())
            f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
        out["contradiction_f1"] = f1s[0]
        out["macro_f1"] = float(np.mean([f1s[k] for k in range(3) if LABELS[k] in seen]))
        out["ece"] = expected_calibration_error(probs[three], target) if len(seen) == 3 else None
    return out


def fmt(value: float | int | None) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--scorer", action="append", required=True, help="repeat to compare")
    parser.add_argument("--max-pairs", type=int, default=3000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--only", choices=["all", "held-out", "probes"], default="all",
        help="the held-out sets, the augmentation probes, or both [all]",
    )  # fmt: skip
    args = parser.parse_args()
    print("command: python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]]))

    sets = (held_out_sets(args.datasets) if args.only != "probes" else []) + (
        probe_sets(args.datasets) if args.only != "held-out" else []
    )
    for i, (name, pairs) in enumerate(sets):
        if len(pairs) > args.max_pairs:
            sets[i] = (name, random.Random(name).sample(pairs, args.max_pairs))
    results: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for name in args.scorer:
        scorer = get_scorer(name)
        started = time.monotonic()
        results[name] = {}
        for set_name, pairs in sets:
            probs = scorer.predict([(p.a, p.b) for p in pairs])
            results[name][set_name] = metrics(pairs, probs)
        print(f"scored with {name} in {time.monotonic() - started:.0f} s", file=sys.stderr)

    columns = ["accuracy", "contradiction_f1", "macro_f1", "auc_c_vs_e", "ece"]
    names = " / ".join(args.scorer)
    print(f"\nEach cell: {names}\n")
    print(
        "| held-out set | pairs | accuracy | contradiction F1 | macro-F1 | ROC-AUC C vs E | ECE |"
    )
    print("|---|---|---|---|---|---|---|")
    for set_name, pairs in sets:
        cells = [" / ".join(fmt(results[s][set_name].get(c)) for s in args.scorer) for c in columns]
        print(f"| {set_name} | {len(pairs)} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
