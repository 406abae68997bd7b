"""Per-text caches for the typed checks' parsing.

Scoring reads each claim once per pair it is in (a claim of a day's feed is in a dozen),
and re-parsing it every time was most of the typed checks' time (benchmarks/README.md,
"The mixed day end to end"). A claim is a sentence; a caller may still pass whole
articles (``score_texts``, ``quantities``), so only texts up to :data:`MAX_CACHED_CHARS`
are kept, and the memory a cache holds stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Concatenate, ParamSpec, TypeVar

#: Longer texts are parsed each time, never kept: a few long sentences' worth.
MAX_CACHED_CHARS = 2000

P = ParamSpec("P")
T = TypeVar("T")


def per_text(
    maxsize: int,
) -> Callable[[Callable[Concatenate[str, P], T]], Callable[Concatenate[str, P], T]]:
    """``lru_cache(maxsize)`` for a function whose first argument is a text (the others
    hashable), bypassed for texts over :data:`MAX_CACHED_CHARS`. The function must return
    something immutable: every caller shares it."""

    def decorate(function: Callable[Concatenate[str, P], T]) -> Callable[Concatenate[str, P], T]:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(text: str, /, *args: P.args, **kwargs: P.kwargs) -> T:
            if len(text) > MAX_CACHED_CHARS:
                return function(text, *args, **kwargs)
            return cached(text, *args, **kwargs)  # type: ignore[arg-type]

        return call

    return decorate
