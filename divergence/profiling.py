"""Wall-clock time per pipeline stage, for ``--profile``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class StageTimer:
    """Adds up seconds per named stage, in the order stages first ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def table(self) -> str:
        """One line per stage with seconds and share of the total, then the total."""
        total = sum(self.seconds.values()) or 1e-9
        width = max((len(n) for n in self.seconds), default=5)
        lines = [f"{name:<{width}}  {secs:8.3f} s  {100 * secs / total:5.1f}%"
                 for name, secs in self.seconds.items()]  # fmt: skip
        lines.append(f"{'total':<{width}}  {total:8.3f} s")
        return "\n".join(lines)
