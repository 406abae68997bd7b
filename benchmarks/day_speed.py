"""The mixed day end to end: this tree against an earlier version, on the same input, in one run.

Usage: python benchmarks/day_speed.py --baseline /tmp/divergence-d0590ee [--heldout-only]

The earlier version is a checkout of its code (``git worktree add /tmp/divergence-d0590ee
d0590ee``): its own package, its own bundled models, its own defaults. The mixed day is
the one of benchmarks/e2e_quality.py (FNC-1 bodies from 11 stories, shuffled into one
input), written once to a temporary JSONL file outside the repository. Each version runs
`divergence diff DAY.jsonl -f json -o OUT` in a fresh process, as a user would, so model
loading is part of the time; the runs alternate (earlier, this tree, earlier, ...) so that
other work on the machine falls on both. Prints wall and CPU seconds per run, pairs
scored and flagged, and the ratio of the medians.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from common import versions_parser
from e2e_quality import fnc_stories

HERE = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_diff(code: Path, day: Path, out: Path) -> dict[str, Any]:
    """One `divergence diff` of the day with the package found under ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    for var in ("DIVERGENCE_NLI_MODEL", "DIVERGENCE_COMBINER", "DIVERGENCE_SCORER"):
        env.pop(var, None)  # each version with its own bundled models and defaults
    command = [sys.executable, "-m", "divergence", "diff", str(day), "-f", "json", "-o", str(out)]
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run(command, env=env, cwd=code, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu
    if done.returncode not in (0, 1):
        raise SystemExit(f"{code}: exit {done.returncode}\n{done.stderr[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    return {"wall": wall, "cpu": cpu, "flagged": len(report["pairs"])}


def main() -> None:
    parser = versions_parser(__doc__.splitlines()[0], repeats=1)
    parser.add_argument("--heldout-only", action="store_true")
    args = parser.parse_args()

    _, day = fnc_stories(args.datasets, 0, args.day_stories, args.seed, 5, args.heldout_only)
    versions = {"earlier": args.baseline.resolve(), "this tree": HERE}
    times: dict[str, list[dict[str, Any]]] = {name: [] for name in versions}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "day.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for doc in day.documents:
                f.write(json.dumps(doc) + "\n")
        for k in range(args.repeats):
            for name, code in versions.items():
                result = run_diff(code, path, Path(tmp) / f"{k}-{name.replace(' ', '-')}.json")
                times[name].append(result)
                print(f"{name} run {k + 1}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s "
                      f"CPU, {result['flagged']} flagged", flush=True)  # fmt: skip

    print(f"\ncommand: python benchmarks/day_speed.py {' '.join(sys.argv[1:])}")
    print(f"mixed day: {len(day.documents)} documents, {args.day_stories} stories; "
          f"load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs\n")  # fmt: skip
    print("| version | runs | wall s (median) | CPU s (median) | pairs flagged |")
    print("|---|---:|---:|---:|---:|")
    median: dict[str, float] = {}
    for name, runs in times.items():
        median[name] = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        print(f"| {name} | {len(runs)} | {median[name]:.1f} | {cpu:.1f} | {runs[-1]['flagged']} |")
    print(
        f"\nspeed-up, this tree over the earlier version: {median['earlier'] / median['this tree']:.2f}x"
    )


if __name__ == "__main__":
    main()
