"""Progress bars on stderr, shown only to a person at a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(total: int, description: str, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yield an ``update(n)`` callable; a tqdm bar on stderr when enabled and stderr is a tty."""
    if not enabled or total == 0 or not sys.stderr.isatty():
        yield lambda n: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=description, unit="it", file=sys.stderr, leave=False) as bar:
        yield bar.update
