"""divergence.memo: per-text caches that keep short texts only."""

from __future__ import annotations

from divergence.memo import MAX_CACHED_CHARS, per_text


def test_short_texts_are_parsed_once_long_ones_every_time() -> None:
    calls: list[str] = []

    @per_text(maxsize=8)
    def parse(text: str, limit: int | None = None) -> tuple[str, ...]:
        calls.append(text)
        return tuple(text.split()[:limit])

    short, long = "the council approved it", "word " * (MAX_CACHED_CHARS // 5 + 1)
    assert parse(short) == parse(short) == ("the", "council", "approved", "it")
    assert parse(short, 2) == ("the", "council")  # other arguments are part of the key
    assert calls == [short, short]
    assert parse(long) == parse(long)
    assert calls == [short, short, long, long]  # never kept: memory stays bounded
    assert parse.__name__ == "parse"
