"""Pairs/s of divergence's NLIScorer backends (torch, ONNX fp32, ONNX int8) against plain
CrossEncoder.predict on the same model, the same pairs and the same threads, in one run;
with their accuracy on held-out NLI pairs.

Usage: python benchmarks/nli_speed.py [--pairs 512] [--threads 2] [--repeats 3] [--eval-pairs N]

The shipped model is exported once as an ordinary sentence-transformers CrossEncoder
folder, so every variant runs identical weights (the ONNX ones exported from them into
divergence's cache on first use). Speed: real pairs, MultiNLI (part A, test split) and
ClaimDiff news claims from ../shared/datasets, mixed. Each repeat times every variant
once, one after the other, so drift in machine load hits them all; the table shows the
median. Accuracy: 3-way argmax accuracy on the test splits of MultiNLI part A (530 pairs)
and SNLI dev (991), together; agreement is the share of those pairs whose argmax matches
the torch fp32 model's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import print_run_footer, print_run_header
from numpy.typing import NDArray

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
PLAIN = "CrossEncoder.predict (torch fp32, batch 32)"
FP32 = "NLIScorer torch"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--pairs", type=int, default=512, help="speed set size")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--eval-pairs", type=int, default=None, help="accuracy set size [all 1,521]"
    )
    args = parser.parse_args()

    import torch
    from sentence_transformers import CrossEncoder

    from divergence.embeddings import Backend, cache_dir
    from divergence.nli import NLIScorer, default_model_dir, export_cross_encoder
    from divergence.nlidata import LABELS, read_claimdiff, read_nli, split
    from divergence.scoring import label_columns

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    mnli = split(
        read_nli(args.datasets / "mnli_dev_matched" / "mnli_dev_matched_part_a.jsonl"), "test"
    )
    snli_file = args.datasets / "snli_dev" / "snli_1.0_dev.premise_hypothesis_label.jsonl"
    snli = split(read_nli(snli_file), "test")
    claimdiff = read_claimdiff(args.datasets / "claimdiff" / "ClaimDiff-weak-train.json")
    pool = [(p.a, p.b) for pair in zip(mnli, claimdiff, strict=False) for p in pair]
    pairs = pool[: args.pairs]
    labelled = (mnli + snli)[: args.eval_pairs]
    eval_pairs = [(p.a, p.b) for p in labelled]
    gold = np.array([LABELS.index(p.label) for p in labelled])

    scorers: dict[str, NLIScorer] = {}
    load_s: dict[str, float] = {}
    for backend in Backend:
        scorer = NLIScorer(threads=args.threads, backend=backend)
        start = time.perf_counter()
        scorer.load()  # and export, the first time
        load_s[backend.value] = time.perf_counter() - start
        scorers[FP32 if backend is Backend.TORCH else f"NLIScorer {backend.value}"] = scorer

    with tempfile.TemporaryDirectory() as tmp:
        folder = export_cross_encoder(default_model_dir().resolve(), Path(tmp) / "ce")
        plain = CrossEncoder(str(folder), device="cpu")
    columns = label_columns(plain.config.id2label)

    def plain_predict(texts: list[tuple[str, str]]) -> NDArray[np.float64]:
        logits = plain.predict(
            texts, batch_size=32, show_progress_bar=False, activation_fn=lambda x: x
        )
        return np.asarray(logits, dtype=np.float64)[:, columns]  # argmax is all we compare

    variants: dict[str, Callable[[list[tuple[str, str]]], Any]] = {PLAIN: plain_predict}
    variants.update({name: scorer.predict for name, scorer in scorers.items()})
    for fn in variants.values():  # warm up: first calls allocate
        fn(pairs[:32])
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):  # alternate, so drift in machine load hits all
        for name, fn in variants.items():
            start = time.perf_counter()
            fn(pairs)
            times[name].append(time.perf_counter() - start)

    outputs = {name: np.asarray(fn(eval_pairs)) for name, fn in variants.items()}
    predicted = {name: out.argmax(axis=1) for name, out in outputs.items()}
    reference = predicted[FP32]
    base_accuracy = float(np.mean(reference == gold))
    base_rate = len(pairs) / statistics.median(times[PLAIN])
    rows = [
        "| variant | pairs/s | ratio vs CrossEncoder.predict | accuracy (MNLI+SNLI test) "
        "| Δ accuracy vs fp32 (points) | argmax agreement with fp32 "
        "| largest probability difference from fp32 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in variants:
        rate = len(pairs) / statistics.median(times[name])
        accuracy = float(np.mean(predicted[name] == gold))
        agree = float(np.mean(predicted[name] == reference))
        # Plain predict gives logits without the card's temperature: only its argmax compares.
        gap = "" if name == PLAIN else f"{np.abs(outputs[name] - outputs[FP32]).max():.1e}"
        rows.append(
            f"| {name} | {rate:.1f} | {rate / base_rate:.2f}x | {accuracy:.4f} "
            f"| {100 * (accuracy - base_accuracy):+.2f} | {agree:.2%} | {gap} |"
        )

    print_run_header("benchmarks/nli_speed.py", args.threads)
    mean_chars = statistics.mean(len(a) + len(b) for a, b in pairs)
    print(
        f"speed set: {len(pairs)} pairs (MultiNLI part A test split and ClaimDiff, mixed; "
        f"mean {mean_chars:.0f} chars a pair), {args.repeats} repeats (median); "
        f"NLIScorer length-sorted, batch {scorers[FP32].batch_size} on torch, "
        f"{scorers['NLIScorer onnx'].batch_size} on ONNX Runtime"
    )
    print(
        f"accuracy set: {len(labelled)} pairs (the test splits of MultiNLI part A, "
        f"{len(mnli)}, and SNLI dev, {len(snli)}" + (", first ones)" if args.eval_pairs else ")")
    )
    print_run_footer(load_before, load_s, cache_dir())
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
