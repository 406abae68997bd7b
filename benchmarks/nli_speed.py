"""Pairs/s of divergence's NLIScorer against plain CrossEncoder.predict on the same model,
the same pairs and the same threads, in one run.

Usage: python benchmarks/nli_speed.py [--pairs 512] [--threads 2] [--repeats 3]

The shipped model is exported once as an ordinary sentence-transformers CrossEncoder
folder, so both sides run identical weights. Pairs are real: MultiNLI (part A, test
split) and ClaimDiff news claims from ../shared/datasets, mixed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets")
    parser.add_argument("--pairs", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch
    from sentence_transformers import CrossEncoder

    from divergence.nli import NLIScorer, default_model_dir, export_cross_encoder
    from divergence.nlidata import read_claimdiff, read_nli, split

    torch.set_num_threads(args.threads)
    mnli = split(read_nli(args.datasets / "mnli_dev_matched" / "mnli_dev_matched_part_a.jsonl"), "test")
    claimdiff = read_claimdiff(args.datasets / "claimdiff" / "ClaimDiff-weak-train.json")
    pool = [(p.a, p.b) for pair in zip(mnli, claimdiff, strict=False) for p in pair]
    pairs = pool[: args.pairs]

    ours = NLIScorer(threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = export_cross_encoder(default_model_dir().resolve(), Path(tmp) / "ce")
        plain = CrossEncoder(str(folder), device="cpu")
        plain.predict(pairs[:32], batch_size=32, show_progress_bar=False)  # warm up both
        ours.predict(pairs[:32])
        plain_times, our_times = [], []
        for _ in range(args.repeats):  # alternate, so drift in machine load hits both
            start = time.perf_counter()
            logits = plain.predict(pairs, batch_size=32, show_progress_bar=False, activation_fn=lambda x: x)
            plain_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            ours_logits = ours.logits(pairs)
            our_times.append(time.perf_counter() - start)
    plain_rate = len(pairs) / statistics.median(plain_times)
    our_rate = len(pairs) / statistics.median(our_times)
    agree = float(np.mean(np.asarray(logits).argmax(axis=1) == ours_logits.argmax(axis=1)))
    print(f"pairs: {len(pairs)}, threads: {args.threads}, repeats: {args.repeats} (median)")
    print(f"CrossEncoder.predict (batch 32): {plain_rate:.1f} pairs/s")
    print(f"NLIScorer (length-sorted, batch {ours.batch_size}): {our_rate:.1f} pairs/s")
    print(f"ratio: {our_rate / plain_rate:.2f}x; same argmax on {agree:.1%} of pairs; "
          f"max |logit difference| {np.max(np.abs(np.asarray(logits) - ours_logits)):.2e}")


if __name__ == "__main__":
    main()
