"""Scale-out efficiency of the Ray engine: throughput on k actors over k times one actor.

Usage: python benchmarks/ray_scaling.py [--sentences 4000] [--workers 1 2] [--task embed|score]

Embeds real sentences (SNLI dev premises and hypotheses from ../shared/datasets, unique,
in file order) with the bundled all-MiniLM-L6-v2 through ``RayEngine`` on a local Ray
instance with as many CPUs as the largest k, one CPU (and one torch thread) per actor.
``--task score`` scores SNLI premise/hypothesis pairs with the shipped divergence-nli model
instead. Efficiency is ``throughput(k) / (k * throughput(1))``:

- **end to end**: sentences over the wall time of one ``engine.embed`` call, which starts
  the actor pool and loads a model in every actor (what a nightly run pays);
- **steady**: the same with the time of a one-block job (pool start and model load)
  subtracted: what the actors achieve once running.

An in-process ``LocalEngine`` with torch on k threads is measured alongside for
reference. On a machine with C cores k cannot usefully exceed C, and the driver and Ray's
own processes share those cores: on a 2-core machine k = 2 is the ceiling.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SNLI = "snli_dev/snli_1.0_dev.premise_hypothesis_label.jsonl"


def read_snli(path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Unique sentences, and premise/hypothesis pairs, in file order."""
    sentences: dict[str, None] = {}
    pairs: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            sentences.setdefault(row["premise"])
            sentences.setdefault(row["hypothesis"])
            pairs.append((row["premise"], row["hypothesis"]))
    return list(sentences), pairs


def timed(job: Callable[[int], object], items: int) -> float:
    start = time.perf_counter()
    job(items)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--datasets", type=Path, default=DATASETS)
    parser.add_argument("--sentences", type=int, default=4000, help="items to process")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--task", choices=["embed", "score"], default="embed")
    parser.add_argument("--repeats", type=int, default=2, help="runs per setting (median)")
    args = parser.parse_args(argv)

    import ray
    import torch

    from divergence.engine import LocalEngine, RayEngine
    from divergence.scoring import DEFAULT_SCORER

    sentences, all_pairs = read_snli(args.datasets / SNLI)
    texts = sentences[: args.sentences]
    pairs = all_pairs[: args.sentences]
    n = len(texts) if args.task == "embed" else len(pairs)
    unit = "sentences/s" if args.task == "embed" else "pairs/s"

    def runner(engine: LocalEngine | RayEngine) -> Callable[[int], object]:
        def run(items: int) -> object:
            if args.task == "embed":
                return engine.embed(texts[:items], None)
            return engine.score(pairs[:items], DEFAULT_SCORER)

        return run

    ks = sorted(set(args.workers))
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    ray.init(num_cpus=max(ks), include_dashboard=False, logging_level=logging.ERROR)
    startups: dict[int, list[float]] = {k: [] for k in ks}
    totals: dict[int, list[float]] = {k: [] for k in ks}
    try:
        for _ in range(args.repeats):  # settings interleaved, so drift in load hits all
            for k in ks:
                engine = RayEngine(num_cpus=k)
                # One block per actor: about pool start + model load + one block.
                startups[k].append(timed(runner(engine), engine.block * k))
                totals[k].append(timed(runner(engine), n))
    finally:
        ray.shutdown()
    rows: list[tuple[str, int, float, float | None]] = []  # (engine, k, end-to-end, steady)
    for k in ks:
        total, startup = statistics.median(totals[k]), statistics.median(startups[k])
        steady = (n - RayEngine().block * k) / max(total - startup, 1e-9)
        rows.append(("ray", k, n / total, steady))
    local_runs: dict[int, list[float]] = {k: [] for k in ks}
    run = runner(LocalEngine())
    run(64)  # load the model once, outside the timing
    for _ in range(args.repeats):
        for k in ks:
            torch.set_num_threads(k)
            local_runs[k].append(timed(run, n))
    rows += [("local", k, n / statistics.median(local_runs[k]), None) for k in ks]
    load_after = os.getloadavg()[0]

    one = {kind: rate for kind, k, rate, _ in rows if k == 1}
    one_steady = next((s for e, k, _, s in rows if e == "ray" and k == 1), None)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])])
    print(f"{n} {'SNLI dev sentences' if args.task == 'embed' else 'SNLI dev pairs'}, "
          f"{args.task} ({'bundled all-MiniLM-L6-v2' if args.task == 'embed' else DEFAULT_SCORER}); "
          f"{cores} cores, {platform.processor() or platform.machine()}; "
          f"Ray {ray.__version__}, torch {torch.__version__}; median of {args.repeats}; "
          f"1-min load average {load_before:.1f} before, {load_after:.1f} after")  # fmt: skip
    print()
    print(f"| engine | k | {unit} (end to end) | efficiency | {unit} (steady) | efficiency |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, k, rate, steady in rows:
        efficiency = rate / (k * one[kind])
        if steady is not None and one_steady is not None:
            tail = f"{steady:.1f} | {steady / (k * one_steady):.2f}"
        else:
            tail = "- | -"
        label = (
            f"Ray, {k} actor{'s' * (k != 1)} x 1 CPU"
            if kind == "ray"
            else f"in-process, {k} thread{'s' * (k != 1)}"
        )
        print(f"| {label} | {k} | {rate:.1f} | {efficiency:.2f} | {tail} |")
    print()
    print(f"command: `{command}`")
    if max(ks) >= cores:
        print(f"note: this machine has {cores} cores, so k = {cores} is the ceiling; the driver "
              "and Ray's own processes share them with the actors.")  # fmt: skip


if __name__ == "__main__":
    main()
