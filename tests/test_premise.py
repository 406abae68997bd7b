"""divergence.premise: long premises cut to their sentences most relevant to the claim."""

from __future__ import annotations

import numpy as np
import pytest

from divergence.premise import PremiseSelector, word_count
from tests.fakes import HashingEmbedder

ARTICLE = (
    "The city council met on Tuesday evening to discuss the annual budget. "
    "Residents complained about potholes on the main road for an hour. "
    "The mayor said the new bridge would open in March next year. "
    "A local bakery won a regional award for its bread. "
    "Engineers confirmed that the bridge passed its final safety inspection. "
    "The meeting ended shortly after ten o'clock."
)


def test_short_premises_are_read_whole() -> None:
    selector = PremiseSelector(max_words=80, embedder=HashingEmbedder())
    premise = "The bridge will open in March."
    assert selector.select(premise, "The bridge opens in March.") == premise


def test_long_premises_keep_the_relevant_sentences_in_text_order() -> None:
    selector = PremiseSelector(max_words=25, embedder=HashingEmbedder())
    chosen = selector.select(ARTICLE, "the bridge would open in March after its safety inspection")
    assert word_count(chosen) <= 25
    assert "bridge would open in March" in chosen
    # Sentences come back in the article's order, not by similarity.
    sentences = [s for s in ARTICLE.split(". ") if s.rstrip(".") in chosen]
    assert [chosen.index(s.rstrip(".")) for s in sentences] == sorted(
        chosen.index(s.rstrip(".")) for s in sentences
    )
    assert "bakery" not in chosen


def test_one_very_long_sentence_is_cut_to_the_budget() -> None:
    selector = PremiseSelector(max_words=10, embedder=HashingEmbedder())
    premise = " ".join(["word"] * 50) + "."
    assert word_count(selector.select(premise, "word word")) == 10


def test_select_many_embeds_each_article_once() -> None:
    embedder = HashingEmbedder()
    selector = PremiseSelector(max_words=20, embedder=embedder)
    pairs = [(ARTICLE, "the bridge opens"), (ARTICLE, "the budget"), ("short premise", "x")]
    out = selector.select_many(pairs)
    assert out[2] == pairs[2]
    assert [b for _, b in out] == [b for _, b in pairs]
    assert len(selector._cache) == 1


def test_selection_is_deterministic() -> None:
    first = PremiseSelector(max_words=20, embedder=HashingEmbedder()).select(ARTICLE, "the bridge")
    second = PremiseSelector(max_words=20, embedder=HashingEmbedder()).select(ARTICLE, "the bridge")
    assert first == second


@pytest.mark.integration
def test_the_real_embedder_finds_the_sentence_about_the_claim() -> None:
    selector = PremiseSelector(max_words=20)
    chosen = selector.select(ARTICLE, "The bakery's bread won a prize.")
    assert "bakery" in chosen
    assert np.isfinite(word_count(chosen))
