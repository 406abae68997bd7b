"""Sentence segmentation with pysbd, guarded against its slow paths, keeping character offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

#: pysbd is super-linear on long unbroken text; paragraphs are cut into windows this long.
MAX_SEGMENT_CHARS = 5_000
_PARAGRAPH = re.compile(r"\S(?:.*\S)?", re.MULTILINE)  # one non-blank line
_HARD_BREAK = re.compile(r"(?<=[.!?;])\s+")


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` character offsets of each sentence in ``text``, in order."""
    for para in _PARAGRAPH.finditer(text):
        for start, end in _windows(para.start(), para.end(), text):
            yield from _segment(text, start, end)


def _windows(start: int, end: int, text: str) -> Iterator[tuple[int, int]]:
    """Cut a long paragraph at sentence-like breaks (or hard at the limit) before pysbd sees it."""
    while end - start > MAX_SEGMENT_CHARS:
        limit = start + MAX_SEGMENT_CHARS
        breaks = [m.end() for m in _HARD_BREAK.finditer(text, start, limit)]
        cut = breaks[-1] if breaks else limit
        yield start, cut
        start = cut
    yield start, end


def _segment(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cursor = start
    for sentence in _segmenter().segment(text[start:end]):
        stripped = sentence.strip()
        if not stripped:
            continue
        # pysbd returns substrings; locate each one to keep exact offsets.
        found = text.find(stripped, cursor, end)
        if found < 0:
            continue
        cursor = found + len(stripped)
        yield found, cursor
