"""What every speed benchmark prints above its table: how to re-run it and on what."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
from pathlib import Path


def print_run_header(script: str, threads: int) -> None:
    """The command line as run, and the machine, thread count and library versions."""
    import onnxruntime  # type: ignore[import-untyped]
    import torch

    command = "python " + " ".join(shlex.quote(a) for a in [script, *sys.argv[1:]])
    print(f"command: {command}")
    print(
        f"machine: {platform.processor() or platform.machine()}, threads {threads}, "
        f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}"
    )


def print_run_footer(load_before: float, load_s: dict[str, float], cache: object) -> None:
    """Machine load around the run (other work skews timings) and model load times."""
    print(
        f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs (other work on the machine skews the timings)"
    )
    print(
        f"model load (s, incl. a first ONNX export into {cache}): "
        + ", ".join(f"{k} {v:.1f}" for k, v in load_s.items())
    )


def versions_parser(description: str, *, repeats: int) -> argparse.ArgumentParser:
    """The options of a run of this tree against an earlier checkout on the mixed day:
    --datasets, --baseline, --day-stories, --seed, --repeats."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--baseline", type=Path, required=True, help="checkout of the earlier code")
    parser.add_argument("--day-stories", type=int, default=11)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=repeats, help="runs of each version")
    return parser
