"""Read a claim against a long text: keep only the text's sentences most relevant to the claim.

A cross-encoder sees at most ``max_length`` word pieces, so cutting a whole article at
128 pieces keeps its first paragraph and drops whatever the claim is about. Instead the
text is split into sentences, each is embedded (the bundled all-MiniLM-L6-v2 by
default), and the sentences closest to the claim are kept, in their original order,
up to a word budget. Training (for FNC-1's article bodies) and inference (the
contradiction scorer, ``score-pairs``, ``evaluate``) use this one helper, so the model
reads at inference what it was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from divergence.sentences import split_sentences

if TYPE_CHECKING:
    from divergence.embeddings import Embedder

#: Premises up to this many words are read whole (about 100-128 word pieces with a claim).
MAX_PREMISE_WORDS = 80
#: A premise is split into at most this many sentences; the rest is not considered.
MAX_SENTENCES = 200


def word_count(text: str) -> int:
    return len(text.split())


@dataclass
class PremiseSelector:
    """Shortens long premises to their sentences closest in meaning to the hypothesis.

    Sentence vectors are cached per premise, so one article read against many
    headlines is embedded once. ``embedder`` defaults to the bundled model, loaded on
    the first long premise (short inputs never load it).
    """

    max_words: int = MAX_PREMISE_WORDS
    embedder: Embedder | None = None
    _cache: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict, repr=False)

    def _embedder(self) -> Embedder:
        if self.embedder is None:
            from divergence.embeddings import get_embedder

            self.embedder = get_embedder()
        return self.embedder

    def _sentences(self, premise: str) -> tuple[list[str], np.ndarray]:
        cached = self._cache.get(premise)
        if cached is None:
            sentences = [premise[s:e] for s, e in split_sentences(premise)][:MAX_SENTENCES]
            sentences = sentences or [premise]
            cached = (sentences, self._embedder().embed(sentences))
            if len(self._cache) > 4096:  # bounded: a long-running scorer must not grow forever
                self._cache.clear()
            self._cache[premise] = cached
        return cached

    def select(self, premise: str, hypothesis: str) -> str:
        """``premise`` itself when short enough, else its most relevant sentences in order."""
        return self.select_many([(premise, hypothesis)])[0][0]

    def select_many(self, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """Every pair with its premise shortened where it is over the word budget."""
        long = [i for i, (a, _) in enumerate(pairs) if word_count(a) > self.max_words]
        if not long:
            return list(pairs)
        out = list(pairs)
        claims = self._embedder().embed([pairs[i][1] for i in long])
        for row, i in enumerate(long):
            premise, hypothesis = pairs[i]
            sentences, vectors = self._sentences(premise)
            out[i] = (self._pick(sentences, vectors @ claims[row]), hypothesis)
        return out

    def _pick(self, sentences: list[str], similarity: np.ndarray) -> str:
        """The best sentences (ties: earlier first) that fit the budget, in text order."""
        chosen: list[int] = []
        words = 0
        for k in sorted(range(len(sentences)), key=lambda k: (-float(similarity[k]), k)):
            n = word_count(sentences[k])
            if chosen and words + n > self.max_words:
                continue
            chosen.append(k)
            words += n
            if words >= self.max_words:
                break
        text = " ".join(sentences[k] for k in sorted(chosen))
        if word_count(text) > self.max_words:  # one very long sentence: keep its start
            text = " ".join(text.split()[: self.max_words])
        return text
