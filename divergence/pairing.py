"""Stage 3: pair claims about the same topic from different sources.

Contradicting claims are often only moderately similar ("significant progress" against
"significant gaps still exist" has a cosine near 0.4), so pairing is about topic, not
paraphrase: cosine similarity plus fuzzy overlap of entities, numbers and key words.
Similarities are computed a block of rows at a time, never as an n x n matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz

from divergence.claims import Claim
from divergence.terms import key_terms, shared_terms, term_overlap

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Partners kept per claim and per other source.
TOP_K = 3
MIN_SIMILARITY = 0.25
MIN_TOPIC = 0.35
#: Claims this alike in wording (rapidfuzz ratio) are one quote reprinted: grouped, not paired.
DUPLICATE_RATIO = 90.0
#: Weight of cosine similarity against key-term overlap in the topic score.
COSINE_WEIGHT = 0.7
BLOCK_ROWS = 1024


@dataclass(frozen=True)
class Pair:
    """Two claims from different sources about the same topic (indices into the claim list)."""

    a: int
    b: int
    similarity: float
    overlap: float
    topic: str

    @property
    def topic_score(self) -> float:
        return topic_score(self.similarity, self.overlap)


def topic_score(similarity: float, overlap: float) -> float:
    """Cosine similarity, lifted when the claims share many entities, numbers and key words.

    Overlap only ever raises the score: contradicting claims often share few words.
    """
    return max(similarity, COSINE_WEIGHT * similarity + (1 - COSINE_WEIGHT) * overlap)


def duplicate_groups(claims: Sequence[Claim], vectors: NDArray[np.float32]) -> list[int]:
    """For each claim, the index of the first claim it is a near-duplicate of (itself if none)."""
    parent = list(range(len(claims)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, len(claims), BLOCK_ROWS):
        sims = vectors[start : start + BLOCK_ROWS] @ vectors.T
        rows, cols = np.nonzero(sims >= 0.85)  # cheap prefilter before the exact wording test
        for r, j in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if j <= i:
                continue
            if fuzz.ratio(claims[i].text.lower(), claims[j].text.lower()) >= DUPLICATE_RATIO:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(len(claims))]


def pair_claims(
    claims: Sequence[Claim],
    vectors: NDArray[np.float32],
    *,
    by: str = "speaker",
    top_k: int = TOP_K,
    min_similarity: float = MIN_SIMILARITY,
    min_topic: float = MIN_TOPIC,
    groups: Sequence[int] | None = None,
) -> list[Pair]:
    """Pairs of claims from different sources about the same topic.

    Each claim keeps its ``top_k`` best partners *in each other source*, so every pair of
    sources gets compared even when one source dominates the corpus. A candidate needs
    cosine >= ``min_similarity`` and :func:`topic_score` >= ``min_topic``. Only the
    representative of each near-duplicate group is paired.
    """
    n = len(claims)
    if groups is None:
        groups = list(range(n))
    sources = np.array([c.source(by) for c in claims], dtype=object)
    representative = np.array([groups[i] == i for i in range(n)])
    terms = [key_terms(c.text) for c in claims]
    found: dict[tuple[int, int], Pair] = {}
    for start in range(0, n, BLOCK_ROWS):
        block = vectors[start : start + BLOCK_ROWS] @ vectors.T
        for r in range(block.shape[0]):
            i = start + r
            if not representative[i]:
                continue
            sims = block[r]
            eligible = representative & (sources != sources[i]) & (sims >= min_similarity)
            candidates = np.flatnonzero(eligible)
            best: dict[str, list[tuple[float, int, float]]] = {}
            for j in candidates.tolist():
                overlap = term_overlap(terms[i], terms[j])
                score = topic_score(float(sims[j]), overlap)
                if score >= min_topic:
                    best.setdefault(sources[j], []).append((score, j, overlap))
            for partners in best.values():
                partners.sort(key=lambda t: (-t[0], t[1]))
                for _, j, overlap in partners[:top_k]:
                    key = (min(i, j), max(i, j))
                    if key not in found:
                        topic = ", ".join(shared_terms(terms[key[0]], terms[key[1]])[:5])
                        found[key] = Pair(
                            key[0], key[1], round(float(sims[j]), 4), round(overlap, 4), topic
                        )
    return [found[k] for k in sorted(found)]
