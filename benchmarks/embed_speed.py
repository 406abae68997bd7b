"""Sentences/s of divergence's embedding backends against plain SentenceTransformer.encode,
on the same sentences and the same threads, in one run; with their fidelity to fp32.

Usage: python benchmarks/embed_speed.py [--sentences 1000] [--threads 2] [--repeats 5]

Speed: STS Benchmark dev sentences and ClaimDiff news claims (longer), half each,
shuffled together. Each repeat times every variant once, one after the other, so drift in
machine load hits them all; the table shows the median, of wall time (sentences/s) and of
this process's CPU time (sentences/CPU-s: less swayed by other work on the machine, but
it counts the threads' spin-waiting as work). Fidelity: mean (and minimum)
cosine of each backend's embeddings to plain encode's fp32 ones, over the speed set and
all STS-B dev sentences; and Spearman correlation of pair cosine with the gold similarity
over the STS-B dev pairs (all 1,500). "bucketing off" rows embed in input order, batch by batch,
to show what sorting all texts by length before batching adds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import print_run_footer, print_run_header
from numpy.typing import NDArray

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def read_sts(path: Path) -> tuple[list[str], list[str], NDArray[np.float64]]:
    """STS-B rows: genre, file, year, id, score, sentence 1, sentence 2 (first 7 fields)."""
    a, b, gold = [], [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")[:7]
        if len(fields) == 7:
            gold.append(float(fields[4]))
            a.append(fields[5])
            b.append(fields[6])
    return a, b, np.asarray(gold)


def read_claims(path: Path) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data["data"] if isinstance(data, dict) else data
    return list(dict.fromkeys(text for r in rows for text in (r["claim_a"], r["claim_b"])))


def unit(vectors: Any) -> NDArray[np.float32]:
    v = np.asarray(vectors, dtype=np.float32)
    out: NDArray[np.float32] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--sentences", type=int, default=1000, help="speed set size")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--batch-size", type=int, default=None,
        help="for every variant [each its default: 32 for plain encode, divergence's own]",
    )  # fmt: skip
    parser.add_argument("--sts-pairs", type=int, default=None, help="STS-B dev pairs [all]")
    args = parser.parse_args()

    import torch
    from scipy.stats import spearmanr  # type: ignore[import-untyped]
    from sentence_transformers import SentenceTransformer

    from divergence.embeddings import (
        BUNDLED_NAMES,
        Backend,
        SentenceTransformerEmbedder,
        bundled_model_path,
        cache_dir,
    )

    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0]
    sts_a, sts_b, gold = read_sts(args.datasets / "stsbenchmark" / "sts-dev.csv")
    sts_a, sts_b, gold = sts_a[: args.sts_pairs], sts_b[: args.sts_pairs], gold[: args.sts_pairs]
    claims = read_claims(args.datasets / "claimdiff" / "ClaimDiff-weak-train.json")
    short = list(dict.fromkeys(sts_a + sts_b))
    half = args.sentences // 2
    speed_set = short[:half] + claims[: args.sentences - half]
    random.Random(0).shuffle(speed_set)
    sts_set = list(dict.fromkeys(sts_a + sts_b))
    mean_chars = statistics.mean(len(s) for s in speed_set)

    path = str(bundled_model_path())
    plain = SentenceTransformer(path, device="cpu")

    def plain_encode(texts: list[str]) -> NDArray[np.float32]:
        return unit(plain.encode(texts, batch_size=args.batch_size or 32, show_progress_bar=False))

    embedders: dict[str, SentenceTransformerEmbedder] = {}
    load_s: dict[str, float] = {}
    for backend in Backend:
        embedder = SentenceTransformerEmbedder(
            path, backend=backend, batch_size=args.batch_size, threads=args.threads
        )
        embedder.model_id = BUNDLED_NAMES[backend]
        start = time.perf_counter()
        embedder.model  # noqa: B018 - load (and export, the first time) now
        load_s[backend.value] = time.perf_counter() - start
        embedders[backend.value] = embedder

    def variant(embedder: SentenceTransformerEmbedder, bucket: bool) -> Callable[[list[str]], Any]:
        def run(texts: list[str]) -> NDArray[np.float32]:
            embedder.sort_by_length = bucket
            return embedder.embed(texts)

        return run

    variants: dict[str, Callable[[list[str]], Any]] = {"plain encode (torch fp32)": plain_encode}
    for name, embedder in embedders.items():
        variants[f"divergence {name}"] = variant(embedder, True)
    for name, embedder in embedders.items():
        variants[f"divergence {name}, bucketing off"] = variant(embedder, False)

    for fn in variants.values():  # warm up: first calls allocate
        fn(speed_set[:128])
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    outputs: dict[str, NDArray[np.float32]] = {}
    for _ in range(args.repeats):
        for name, fn in variants.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            outputs[name] = fn(speed_set)
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)

    reference = outputs["plain encode (torch fp32)"]
    ref_sts = plain_encode(sts_set)
    index = {s: i for i, s in enumerate(sts_set)}
    ia = [index[s] for s in sts_a]
    ib = [index[s] for s in sts_b]

    def sts_spearman(vectors: NDArray[np.float32]) -> float:
        return float(spearmanr((vectors[ia] * vectors[ib]).sum(axis=1), gold).statistic)

    base_rho = sts_spearman(ref_sts)
    base_rate = len(speed_set) / statistics.median(times["plain encode (torch fp32)"])
    base_cpu = len(speed_set) / statistics.median(cpu["plain encode (torch fp32)"])
    rows = [
        "| variant | sentences/s | ratio | sentences/CPU-s | ratio | mean cos to fp32 | min cos "
        "| STS-B Spearman | Δ Spearman |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| plain encode (torch fp32) | {base_rate:.1f} | 1.00x | {base_cpu:.1f} | 1.00x "
        f"| 1.0000 | 1.0000 | {base_rho:.4f} | |",
    ]
    for name, embedder in embedders.items():
        embedder.sort_by_length = True
        sts_vectors = embedder.embed(sts_set)
        cos = np.concatenate([
            (outputs[f"divergence {name}"] * reference).sum(axis=1),
            (sts_vectors * ref_sts).sum(axis=1),
        ])  # fmt: skip
        rho = sts_spearman(sts_vectors)
        for label in (f"divergence {name}", f"divergence {name}, bucketing off"):
            rate = len(speed_set) / statistics.median(times[label])
            cpu_rate = len(speed_set) / statistics.median(cpu[label])
            fidelity = (
                f"{cos.mean():.4f} | {cos.min():.4f} | {rho:.4f} | {rho - base_rho:+.4f}"
                if "off" not in label
                else "| | |"
            )
            rows.append(
                f"| {label} | {rate:.1f} | {rate / base_rate:.2f}x | {cpu_rate:.1f} "
                f"| {cpu_rate / base_cpu:.2f}x | {fidelity} |"
            )

    print_run_header("benchmarks/embed_speed.py", args.threads)
    print(
        f"speed set: {len(speed_set)} sentences ({half} STS-B dev, {len(speed_set) - half} "
        f"ClaimDiff claims; mean {mean_chars:.0f} chars), batch sizes: plain encode "
        f"{args.batch_size or 32}, "
        + ", ".join(f"{name} {e.batch_size}" for name, e in embedders.items())
        + ", "
        f"{args.repeats} repeats (median); fidelity also over {len(sts_set)} STS-B dev sentences"
    )
    print_run_footer(load_before, load_s, cache_dir())
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
