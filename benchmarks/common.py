"""What every speed benchmark prints above its table: how to re-run it and on what."""

from __future__ import annotations

import os
import platform
import shlex
import sys


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
