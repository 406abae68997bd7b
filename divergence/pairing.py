"""Stage 3: pair claims about the same topic from different sources.

Contradicting claims are often only moderately similar ("significant progress" against
"significant gaps still exist" has a cosine near 0.4), so pairing is about topic, not
paraphrase: cosine similarity plus fuzzy overlap of entities, numbers and key words.

Candidates come from a nearest-neighbour search (:mod:`divergence.neighbours`), a block of
rows at a time, never an n x n matrix. Up to :data:`EXHAUSTIVE_UP_TO` claims every claim
is compared with every other, exactly; above that each claim examines its
:func:`neighbour_count` nearest neighbours (exact search up to 100,000 claims, an ANN index
above), and :class:`PairingStats` says how many pairs that examined and kept.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz

from divergence.claims import Claim
from divergence.neighbours import Method, iter_nearest, resolve_method
from divergence.terms import key_terms, shared_terms, term_overlap

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("divergence.pairing")

#: Partners kept per claim and per other source.
TOP_K = 3
MIN_SIMILARITY = 0.25
MIN_TOPIC = 0.35
#: Claims this alike in wording (rapidfuzz ratio) are one quote reprinted: grouped, not paired.
DUPLICATE_RATIO = 90.0
#: Cosine from which two claims are tested for near-duplicate wording.
DUPLICATE_SIMILARITY = 0.85
#: Weight of cosine similarity against key-term overlap in the topic score.
COSINE_WEIGHT = 0.7
BLOCK_ROWS = 1024
#: Up to this many claims, every claim is compared with every other one (no pruning).
EXHAUSTIVE_UP_TO = 2048
#: Above it, each claim examines top_k x sources x NEIGHBOURS_PER_SLOT nearest neighbours,
#: at least MIN_NEIGHBOURS and at most MAX_NEIGHBOURS.
NEIGHBOURS_PER_SLOT = 2
MIN_NEIGHBOURS = 64
MAX_NEIGHBOURS = 256
#: Nearest neighbours searched for near-duplicates (identical texts are grouped regardless).
DUPLICATE_NEIGHBOURS = 32


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


@dataclass(frozen=True)
class PairingStats:
    """What pairing examined and kept: the pruning report.

    ``possible`` is every pair of representative claims from different sources (what an
    unpruned comparison would send to the scorer); ``examined`` counts the (claim, partner)
    candidates whose topic score was computed, a pair seen from both of its claims
    counting twice; ``pairs`` were kept and go to the scorer. ``truncated`` claims still
    had a neighbour at ``min_similarity`` or more in their last searched place, so partners
    beyond the ``neighbours`` searched may have been pruned.
    """

    claims: int
    representatives: int
    sources: int
    possible: int
    method: str
    neighbours: int
    examined: int
    pairs: int
    truncated: int

    @property
    def exhaustive(self) -> bool:
        """Whether every representative was compared with every other one."""
        return self.neighbours >= self.claims

    @property
    def pruned(self) -> float:
        """Share of the possible pairs not sent to the scorer."""
        return 1.0 - self.pairs / self.possible if self.possible else 0.0

    def describe(self) -> str:
        search = (
            "every pair compared"
            if self.exhaustive
            else f"{self.neighbours} {self.method} neighbours per claim, "
            f"{self.truncated:,} claims truncated"
        )
        return (
            f"{self.pairs:,} of {self.possible:,} possible cross-source pairs to score "
            f"({self.examined:,} candidates examined; {search})"
        )


@dataclass(frozen=True)
class Pairing:
    """Pairs (sorted by claim indices) and the counts of how they were found."""

    pairs: list[Pair]
    stats: PairingStats


def story_codes(stories: Sequence[Hashable] | None, n: int) -> NDArray[np.int64]:
    """Each claim's story as a small integer (all 0 without stories)."""
    if stories is None:
        return np.zeros(n, dtype=np.int64)
    if len(stories) != n:
        raise ValueError(f"{len(stories)} stories given for {n} claims")
    lookup: dict[Hashable, int] = {}
    return np.array([lookup.setdefault(s, len(lookup)) for s in stories], dtype=np.int64)


def topic_score(similarity: float, overlap: float) -> float:
    """Cosine similarity, lifted when the claims share many entities, numbers and key words.

    Overlap only ever raises the score: contradicting claims often share few words.
    """
    return max(similarity, COSINE_WEIGHT * similarity + (1 - COSINE_WEIGHT) * overlap)


def neighbour_count(n: int, *, top_k: int = TOP_K, sources: int = 2) -> int:
    """Nearest neighbours each of ``n`` claims examines: all of them up to
    :data:`EXHAUSTIVE_UP_TO`, else ``top_k`` x ``sources`` x :data:`NEIGHBOURS_PER_SLOT`
    within [:data:`MIN_NEIGHBOURS`, :data:`MAX_NEIGHBOURS`]."""
    if n <= EXHAUSTIVE_UP_TO:
        return n
    wanted = top_k * sources * NEIGHBOURS_PER_SLOT
    return min(n, MAX_NEIGHBOURS, max(MIN_NEIGHBOURS, wanted))


def duplicate_groups(
    claims: Sequence[Claim],
    vectors: NDArray[np.float32],
    *,
    method: Method | str = Method.AUTO,
    neighbours: int | None = None,
    stories: Sequence[Hashable] | None = None,
) -> list[int]:
    """For each claim, the index of the first claim it is a near-duplicate of (itself if none).

    Two claims are near-duplicates when their cosine reaches :data:`DUPLICATE_SIMILARITY`
    and their wording :data:`DUPLICATE_RATIO`; groups are the connected components, named
    by their first claim. Claims with the same lower-cased text are always tested; other
    near-duplicates are looked for among each claim's ``neighbours`` nearest (all claims
    up to :data:`EXHAUSTIVE_UP_TO`, else :data:`DUPLICATE_NEIGHBOURS`). With ``stories``
    (one per claim), only claims of one story are grouped.
    """
    n = len(claims)
    parent = list(range(n))
    story = story_codes(stories, n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    lowered = [c.text.lower() for c in claims]
    first: dict[tuple[int, str], int] = {}
    for i, text in enumerate(lowered):  # a quote reprinted more often than k is still one group
        j = first.setdefault((int(story[i]), text), i)
        if j != i and float(vectors[i] @ vectors[j]) >= DUPLICATE_SIMILARITY:
            union(j, i)
    if neighbours is None:
        neighbours = n if n <= EXHAUSTIVE_UP_TO else min(n, DUPLICATE_NEIGHBOURS)
    for rows, indices, sims in iter_nearest(vectors, neighbours, method=method):
        close = (sims >= DUPLICATE_SIMILARITY) & (indices >= 0)
        for r, c in zip(*np.nonzero(close), strict=True):
            i, j = int(rows[r]), int(indices[r, c])
            if i == j or story[i] != story[j] or find(i) == find(j):
                continue
            if fuzz.ratio(lowered[i], lowered[j]) >= DUPLICATE_RATIO:
                union(i, j)
    return [find(i) for i in range(n)]


def pair_claims(
    claims: Sequence[Claim],
    vectors: NDArray[np.float32],
    *,
    by: str = "speaker",
    top_k: int = TOP_K,
    min_similarity: float = MIN_SIMILARITY,
    min_topic: float = MIN_TOPIC,
    groups: Sequence[int] | None = None,
    method: Method | str = Method.AUTO,
    neighbours: int | None = None,
    stories: Sequence[Hashable] | None = None,
) -> list[Pair]:
    """Pairs of claims from different sources about the same topic.

    Each claim keeps its ``top_k`` best partners *in each other source*, so every pair of
    sources gets compared even when one source dominates the corpus. A candidate needs
    cosine >= ``min_similarity`` and :func:`topic_score` >= ``min_topic``. Only the
    representative of each near-duplicate group is paired. Partners are looked for among
    each claim's ``neighbours`` nearest (default :func:`neighbour_count`), found by
    ``method`` (see :func:`divergence.neighbours.nearest`). With ``stories`` (one per
    claim, e.g. its document's story id), claims of different stories are never paired.
    :func:`find_pairs` also returns the counts.
    """
    return find_pairs(
        claims, vectors, by=by, top_k=top_k, min_similarity=min_similarity,
        min_topic=min_topic, groups=groups, method=method, neighbours=neighbours,
        stories=stories,
    ).pairs  # fmt: skip


def find_pairs(
    claims: Sequence[Claim],
    vectors: NDArray[np.float32],
    *,
    by: str = "speaker",
    top_k: int = TOP_K,
    min_similarity: float = MIN_SIMILARITY,
    min_topic: float = MIN_TOPIC,
    groups: Sequence[int] | None = None,
    method: Method | str = Method.AUTO,
    neighbours: int | None = None,
    stories: Sequence[Hashable] | None = None,
) -> Pairing:
    """:func:`pair_claims`, with :class:`PairingStats` of what was examined and kept
    (also logged at INFO on the ``divergence.pairing`` logger)."""
    n = len(claims)
    if groups is None:
        groups = list(range(n))
    names = [c.source(by) for c in claims]
    lookup = {name: code for code, name in enumerate(sorted(set(names)))}
    sources = np.array([lookup[name] for name in names], dtype=np.int64)
    representative = np.array([groups[i] == i for i in range(n)], dtype=bool)
    rows = np.flatnonzero(representative)
    story = story_codes(stories, n)
    n_stories = int(story.max()) + 1 if n else 1
    # Representatives per (story, source): possible pairs are counted within each story.
    cells = np.bincount(
        story[rows] * len(lookup) + sources[rows], minlength=n_stories * len(lookup)
    )
    per_source = cells.reshape(n_stories, len(lookup))
    per_story = per_source.sum(axis=1)
    possible = int(((per_story**2 - (per_source**2).sum(axis=1)) // 2).sum())
    k = neighbour_count(n, top_k=top_k, sources=len(lookup)) if neighbours is None else neighbours
    k = max(0, min(k, n))
    chosen = resolve_method(n, method).value if n else Method.EXACT.value
    terms = [key_terms(c.text) for c in claims]
    found: dict[tuple[int, int], Pair] = {}
    examined = truncated = 0
    # Exact search scores contiguous blocks of all rows, as pairing always has, so that
    # similarities (and so near-ties) are bit for bit the same; the index searches only
    # the representatives.
    queries = rows if chosen == Method.ANN.value else None
    for block_rows, indices, sims in iter_nearest(vectors, k, method=chosen, rows=queries):
        if queries is None:
            keep = representative[block_rows]
            block_rows, indices, sims = block_rows[keep], indices[keep], sims[keep]
        if k < n and k:
            truncated += int(np.count_nonzero(sims[:, -1] >= min_similarity))
        safe = np.where(indices >= 0, indices, 0)
        eligible = (
            (indices >= 0)
            & representative[safe]
            & (sources[safe] != sources[block_rows][:, None])
            & (story[safe] == story[block_rows][:, None])
            & (sims >= min_similarity)
        )
        examined += int(np.count_nonzero(eligible))
        for r, i in enumerate(block_rows.tolist()):
            best: dict[int, list[tuple[float, int, float, float]]] = {}
            for c in np.flatnonzero(eligible[r]).tolist():
                j = int(indices[r, c])
                similarity = float(sims[r, c])
                overlap = term_overlap(terms[i], terms[j])
                score = topic_score(similarity, overlap)
                if score >= min_topic:
                    best.setdefault(int(sources[j]), []).append((score, j, overlap, similarity))
            for partners in best.values():
                partners.sort(key=lambda t: (-t[0], t[1]))
                for _, j, overlap, similarity in partners[:top_k]:
                    key = (min(i, j), max(i, j))
                    if key not in found:
                        topic = ", ".join(shared_terms(terms[key[0]], terms[key[1]])[:5])
                        found[key] = Pair(
                            key[0], key[1], round(similarity, 4), round(overlap, 4), topic
                        )
    stats = PairingStats(
        claims=n,
        representatives=int(rows.size),
        sources=len(lookup),
        possible=possible,
        method=chosen,
        neighbours=k,
        examined=examined,
        pairs=len(found),
        truncated=truncated,
    )
    log.info("pairing %d claims: %s", n, stats.describe())
    return Pairing([found[key] for key in sorted(found)], stats)
