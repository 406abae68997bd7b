"""Property tests: claim extraction never raises and never crawls, whatever the text.

Issue 11's slow paths (a long run of spaces in split_clauses, four long digit runs in the
date check) took seconds to tens of seconds of CPU on 5,000-20,000 characters; the linear
code takes milliseconds. Two guards catch a return of them without timing anything finely:
hypothesis' deadline, generous because a busy shared machine stretches wall-clock time, and
a CPU-time budget per example (`cpu_bounded`), which a busy machine does not stretch.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from divergence.attribution import find_speaker, is_speaker_phrase, split_clauses
from divergence.claims import MAX_WORDS, checkworthiness, extract_claims
from divergence.documents import MAX_CHARS, MAX_DOCUMENT_CHARS, Document

FUZZ = settings(
    max_examples=50,
    deadline=timedelta(seconds=60),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: CPU seconds one example may use: about 20 times what 20,000 characters take.
CPU_BUDGET = 2.0


@contextmanager
def cpu_bounded() -> Iterator[None]:
    start = time.process_time()
    yield
    used = time.process_time() - start
    assert used < CPU_BUDGET, f"{used:.1f} s of CPU: a super-linear path?"


WORDS = [
    "said", "says", "told", "according", "to", "by", "was", "announced", "he", "she", "they",
    "it", "the", "a", "of", "for", "and", "but", "while", "after", "Israeli", "officials",
    "Hamas", "sources", "ministry", "Reuters", "CAIRO", "(Reuters)", "-", "—", ":", ",", ".",
    "“", "”", '"', "'", "’s", "U.S.", "Mr.", "not", "yet", "declined", "on", "Monday", "2024",
    "April", "8,", "significant", "progress", "in", "a", "statement", "spokesman", "\ud800",
    "\x00", "\u200b", "\n", "\t", "1" * 40,
]  # fmt: skip
#: News-like token soup: reporting verbs, names, quotes, datelines, pronouns and junk.
news_like = st.lists(st.sampled_from(WORDS), max_size=400).map(" ".join)
#: The pathological shapes of issue 11, with random text around them.
adversarial = st.one_of(
    st.tuples(st.integers(100, 20_000), st.text(max_size=50)).map(
        lambda t: f"Officials said{' ' * t[0]}{t[1]} the talks stalled."
    ),
    st.integers(500, 5_000).map(lambda n: " ".join(["7" * n] * 4)),
    st.integers(500, 5_000).map(lambda n: " ".join(["7" * n] * 4) + " x."),
    st.integers(1, 4_000).map(lambda n: "said " * n),
    st.integers(1, 4_000).map(lambda n: "“" * n + "”" * n),
    st.integers(1, 2_000).map(lambda n: "Mr. " * n + "said it."),
    st.integers(1, 2_000).map(lambda n: "according to " * n),
    st.integers(1, 2_000).map(lambda n: "A, " * n + "said X."),
    st.integers(1, 1_000).map(lambda n: "Reports " * n + "said."),
    st.just("\ud800 Israeli officials said \udfff the talks stalled \x00 on Monday."),
    # 20,000 characters: hypothesis draws no string that long, so a drawn one is repeated.
    st.text(min_size=1, max_size=400).map(lambda t: (t * (20_000 // len(t) + 1))[:20_000]),
    news_like.filter(bool).map(lambda t: (t * (20_000 // len(t) + 1))[:20_000]),
)
any_text = st.one_of(st.text(max_size=3_000), news_like, adversarial)


@FUZZ
@given(any_text)
def test_extract_claims_never_raises(text: str) -> None:
    doc = Document(id="d", source="Outlet", text=text)
    with cpu_bounded():
        claims = extract_claims([doc], min_checkworthiness=0.0)
    for claim in claims:
        assert claim.text == doc.text[claim.start : claim.end]
        assert len(claim.text.split()) <= MAX_WORDS
        if claim.speaker is not None:
            assert claim.speaker.strip()


@FUZZ
@given(any_text)
def test_find_speaker_returns_a_noun_phrase_of_the_text(text: str) -> None:
    with cpu_bounded():
        found = find_speaker(text)
    if found is not None:
        assert text[found.start : found.end] == found.speaker
        assert is_speaker_phrase(found.speaker)


@FUZZ
@given(any_text)
def test_split_clauses_spans_are_inside_the_text(text: str) -> None:
    with cpu_bounded():
        spans = split_clauses(text)
    for start, end, who in spans:
        assert 0 <= start <= end <= len(text)
        if who is not None:
            assert start <= who.start < who.end <= end
            assert text[who.start : who.end] == who.speaker


@FUZZ
@given(any_text)
def test_checkworthiness_is_a_score(text: str) -> None:
    with cpu_bounded():
        score = checkworthiness(text)
    assert 0.0 <= score <= 1.0


@pytest.mark.parametrize("size", [20_000, 300_000])
def test_a_long_run_of_spaces_is_read(size: int) -> None:
    text = "Israeli officials said" + " " * size + "the talks had stalled in Cairo on Monday."
    doc = Document(id="d", source="Outlet", text=text)
    with cpu_bounded():
        claims = extract_claims([doc], min_checkworthiness=0.0)
    assert all(c.text == text[c.start : c.end] for c in claims)


def test_a_document_past_the_limit_is_cut_with_a_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CLI tests may have pointed the library's logger at their own stream only.
    monkeypatch.setattr(logging.getLogger("divergence"), "propagate", True)
    caplog.set_level(logging.WARNING, logger="divergence")
    sentence = "Israeli officials said 33 hostages would be released in the first phase. "
    text = sentence * 100
    claims = extract_claims([Document(id="big", source="Outlet", text=text)], max_chars=2_000)
    assert claims and max(c.end for c in claims) <= 2_000
    assert "document big: claims read from its first 2000 characters" in caplog.text
    assert len(extract_claims([Document(id="big", source="Outlet", text=text)])) == 100


def test_the_default_limit_is_the_longest_document_accepted() -> None:
    default = inspect.signature(extract_claims).parameters["max_chars"].default
    assert default == MAX_DOCUMENT_CHARS >= MAX_CHARS
