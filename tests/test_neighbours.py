"""Neighbour search (exact blocks and the ANN index) and pairing built on it."""

from __future__ import annotations

import importlib.util
import logging
import sys
import tracemalloc
from collections.abc import Sequence

import numpy as np
import pytest
from rapidfuzz import fuzz

from divergence import neighbours as nb
from divergence.claims import Claim
from divergence.neighbours import IVFParams, Method, iter_nearest, nearest, resolve_method
from divergence.pairing import (
    DUPLICATE_RATIO,
    EXHAUSTIVE_UP_TO,
    Pair,
    duplicate_groups,
    find_pairs,
    neighbour_count,
    pair_claims,
    topic_score,
)
from divergence.terms import key_terms, shared_terms, term_overlap
from tests.fakes import HashingEmbedder

needs_faiss = pytest.mark.skipif(
    importlib.util.find_spec("faiss") is None, reason="faiss (the 'ann' extra) is not installed"
)


def normalised(rows: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def clustered(rows: int, dim: int = 64, clusters: int = 50, seed: int = 0) -> np.ndarray:
    """Points around random centres, cosine to their centre about 0.6."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise = rng.standard_normal((rows, dim)).astype(np.float32) * (1.3 / np.sqrt(dim))
    v = centres[rng.integers(0, clusters, rows)] + noise
    out: np.ndarray = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    return out


def brute_force(v: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    sims = v @ v.T
    order = np.lexsort((np.broadcast_to(np.arange(len(v)), sims.shape), -sims), axis=1)[:, :k]
    return order, np.take_along_axis(sims, order, axis=1)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


# ---- exact search ------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "block_rows"), [(1, 7), (5, 64), (10, None), (300, 50)])
def test_exact_equals_brute_force(k: int, block_rows: int | None) -> None:
    v = normalised(300)
    indices, scores = nearest(v, k, method="exact", block_rows=block_rows)
    truth, truth_scores = brute_force(v, k)
    assert indices.shape == scores.shape == (300, min(k, 300))
    assert indices.dtype == np.int64 and scores.dtype == np.float32
    np.testing.assert_array_equal(indices, truth)
    np.testing.assert_allclose(scores, truth_scores, rtol=0, atol=1e-6)
    assert (indices[:, 0] == np.arange(300)).all()  # each row is its own nearest


def test_exact_rows_subset_and_ties_by_index() -> None:
    v = np.repeat(normalised(10), 3, axis=0)  # every vector three times: ties everywhere
    indices, scores = nearest(v, 3, method="exact", rows=[4, 0, 29])
    assert indices.tolist() == [[3, 4, 5], [0, 1, 2], [27, 28, 29]]
    np.testing.assert_allclose(scores, 1.0, atol=1e-6)


def test_exact_edge_cases() -> None:
    v = normalised(5)
    assert nearest(v, 0)[0].shape == (5, 0)
    assert nearest(v, 99)[0].shape == (5, 5)  # k is capped at n
    empty = np.zeros((0, 8), dtype=np.float32)
    indices, scores = nearest(empty, 3)
    assert indices.shape == scores.shape == (0, 0)
    with pytest.raises(ValueError, match="k must be >= 0"):
        nearest(v, -1)
    with pytest.raises(ValueError, match="block_rows must be positive"):
        nearest(v, 2, method="exact", block_rows=0)


def test_exact_respects_block_rows() -> None:
    v = normalised(1000)
    sizes = [len(rows) for rows, _, _ in iter_nearest(v, 4, method="exact", block_rows=96)]
    assert sizes == [96] * 10 + [40]


def test_exact_blocks_shrink_to_the_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nb, "BLOCK_BYTES", 12 * 1000 * 100)  # 100 rows of 1000 columns
    assert nb.exact_block_rows(1000) == 100
    assert nb.exact_block_rows(1000, 7) == 7  # an explicit size is kept
    v = normalised(1000)
    assert {len(r) for r, _, _ in iter_nearest(v, 3, method="exact")} == {100}


def test_exact_memory_is_bounded_by_the_block() -> None:
    n, block = 6000, 100
    v = normalised(n, dim=16)
    tracemalloc.start()
    try:
        nearest(v, 8, method="exact", block_rows=block)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    full = n * n * 4  # one n x n float32 matrix: 144 MB
    assert peak < 14 * block * n + 2 * n * 8 * 8 + 2**20
    assert peak < full / 10


def test_exact_is_deterministic() -> None:
    v = normalised(500)
    first, second = nearest(v, 10, method="exact"), nearest(v.copy(), 10, method="exact")
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


# ---- method selection --------------------------------------------------------------------


def test_resolve_method(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    assert resolve_method(10) is Method.EXACT
    assert resolve_method(10, "ann") is Method.ANN
    assert resolve_method(10**9, Method.EXACT) is Method.EXACT
    with pytest.raises(ValueError):
        resolve_method(10, "nope")
    monkeypatch.setattr(nb, "ANN_THRESHOLD", 5)
    monkeypatch.setattr(nb, "faiss_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="divergence"):
        assert resolve_method(10) is Method.EXACT
    assert "faiss is not installed" in caplog.text


@needs_faiss
def test_auto_uses_the_index_above_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nb, "ANN_THRESHOLD", 100)
    assert resolve_method(100) is Method.EXACT
    assert resolve_method(101) is Method.ANN


def test_ann_without_faiss_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss now raises ImportError
    assert not nb.faiss_available()
    with pytest.raises(ImportError, match=r"pip install 'divergence\[ann\]'"):
        nearest(normalised(10), 2, method="ann")


# ---- ANN ---------------------------------------------------------------------------------


@needs_faiss
def test_ann_recall_at_10() -> None:
    v = clustered(4000)
    truth, _ = nearest(v, 10, method="exact")
    found, scores = nearest(v, 10, method="ann")
    assert found.shape == (4000, 10)
    assert recall(found, truth) >= 0.95
    valid = found >= 0
    exact_scores = np.einsum("ij,ikj->ik", v, v[np.where(valid, found, 0)])
    np.testing.assert_allclose(scores[valid], exact_scores[valid], atol=1e-5)
    assert (np.diff(scores, axis=1) <= 0).all()  # best first


@needs_faiss
def test_ann_is_deterministic() -> None:
    v = clustered(3000, seed=3)
    first = nearest(v, 10, method="ann", block_rows=512)
    second = nearest(v.copy(), 10, method="ann")
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@needs_faiss
def test_ann_pads_rows_it_cannot_fill() -> None:
    v = clustered(200, clusters=20)
    indices, scores = nearest(
        v, 50, method="ann", params=IVFParams(lists=20, probes=1, train_size=200)
    )
    padded = indices < 0
    assert padded.any()
    assert np.isneginf(scores[padded]).all()
    # padding only ever at the end of a row
    assert (np.sort(padded, axis=1) == padded).all()


@needs_faiss
def test_ann_rows_subset() -> None:
    v = clustered(2000)
    all_rows = nearest(v, 5, method="ann")
    some = nearest(v, 5, method="ann", rows=[10, 1999, 0])
    np.testing.assert_array_equal(some[0], all_rows[0][[10, 1999, 0]])


# ---- pairing on top of it: unchanged on small inputs -------------------------------------

OUTLETS = ["Ahram", "Haaretz", "Jazeera", "Reuters", "AP", "Times"]
SPEAKERS = [None, None, "Hamas sources", "Israeli officials", "Qatari mediators"]
TOPICS = [
    ["Cairo", "talks", "truce", "hostages", "displaced", "Palestinians", "progress", "gaps"],
    ["Rafah", "crossing", "aid", "trucks", "fuel", "border", "Egypt"],
    ["strike", "killed", "people", "hospital", "Gaza", "City", "wounded"],
    ["London", "rain", "weather", "tomorrow", "afternoon", "forecast"],
    ["election", "vote", "parliament", "coalition", "minister", "budget"],
]
FILLER = ["said", "the", "on", "in", "of", "after", "while", "reported", "stated", "officials"]


def synthetic_claims(n: int, seed: int = 0) -> list[Claim]:
    rng = np.random.default_rng(seed)
    claims: list[Claim] = []
    for index in range(n):
        if claims and rng.random() < 0.08:  # a reprinted quote, sometimes lightly edited
            text = claims[int(rng.integers(len(claims)))].text
            text = text.replace(".", "!") if rng.random() < 0.5 else text
        else:
            topic = TOPICS[int(rng.integers(len(TOPICS)))]
            words = [str(w) for w in rng.choice(topic, size=int(rng.integers(3, 7)))]
            words += [str(w) for w in rng.choice(FILLER, size=3)]
            if rng.random() < 0.3:
                words.append(str(int(rng.integers(1, 60))))
            rng.shuffle(words)
            text = " ".join(words).capitalize() + "."
        outlet = OUTLETS[int(rng.integers(len(OUTLETS)))]
        speaker = SPEAKERS[int(rng.integers(len(SPEAKERS)))]
        claims.append(Claim(f"{outlet}#{index}", f"doc-{outlet}", outlet, speaker, text, 0, 1, 0.5))
    return claims


def old_duplicate_groups(claims: Sequence[Claim], vectors: np.ndarray) -> list[int]:
    """duplicate_groups as it was before neighbour search: every pair above 0.85."""
    parent = list(range(len(claims)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, len(claims), 1024):
        sims = vectors[start : start + 1024] @ vectors.T
        rows, cols = np.nonzero(sims >= 0.85)
        for r, j in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if j > i and (
                fuzz.ratio(claims[i].text.lower(), claims[j].text.lower()) >= DUPLICATE_RATIO
            ):
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(len(claims))]


def old_pair_claims(
    claims: Sequence[Claim],
    vectors: np.ndarray,
    *,
    by: str = "speaker",
    top_k: int = 3,
    min_similarity: float = 0.25,
    min_topic: float = 0.35,
    groups: Sequence[int],
) -> list[Pair]:
    """pair_claims as it was before neighbour search: every row against every column."""
    n = len(claims)
    sources = np.array([c.source(by) for c in claims], dtype=object)
    representative = np.array([groups[i] == i for i in range(n)])
    terms = [key_terms(c.text) for c in claims]
    found: dict[tuple[int, int], Pair] = {}
    for start in range(0, n, 1024):
        block = vectors[start : start + 1024] @ vectors.T
        for r in range(block.shape[0]):
            i = start + r
            if not representative[i]:
                continue
            sims = block[r]
            eligible = representative & (sources != sources[i]) & (sims >= min_similarity)
            best: dict[str, list[tuple[float, int, float]]] = {}
            for j in np.flatnonzero(eligible).tolist():
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


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Claim], np.ndarray]:
    claims = synthetic_claims(400)
    return claims, HashingEmbedder().embed([c.text for c in claims])


def test_small_inputs_are_compared_exhaustively(corpus: tuple[list[Claim], np.ndarray]) -> None:
    claims, _ = corpus
    assert neighbour_count(len(claims), sources=8) == len(claims) <= EXHAUSTIVE_UP_TO
    assert neighbour_count(10 * EXHAUSTIVE_UP_TO, top_k=3, sources=8) == 64
    assert neighbour_count(10 * EXHAUSTIVE_UP_TO, top_k=3, sources=20) == 120
    assert neighbour_count(10 * EXHAUSTIVE_UP_TO, top_k=3, sources=5000) == 256


def test_duplicate_groups_unchanged_on_small_inputs(
    corpus: tuple[list[Claim], np.ndarray],
) -> None:
    claims, vectors = corpus
    groups = duplicate_groups(claims, vectors)
    assert groups == old_duplicate_groups(claims, vectors)
    assert sum(g != i for i, g in enumerate(groups)) > 10  # the corpus has reprints
    exhaustive = duplicate_groups(claims, vectors, method="exact", neighbours=len(claims))
    assert groups == exhaustive
    # few neighbours still group every reprint: identical texts are grouped regardless
    assert duplicate_groups(claims, vectors, neighbours=2) == groups


@pytest.mark.parametrize("by", ["speaker", "outlet"])
def test_pair_claims_unchanged_on_small_inputs(
    corpus: tuple[list[Claim], np.ndarray], by: str
) -> None:
    claims, vectors = corpus
    groups = duplicate_groups(claims, vectors)
    new = pair_claims(claims, vectors, by=by, groups=groups)
    exhaustive = pair_claims(
        claims, vectors, by=by, groups=groups, method="exact", neighbours=len(claims)
    )
    assert len(new) > 100
    assert new == exhaustive
    assert new == old_pair_claims(claims, vectors, by=by, groups=groups)


def test_pruned_pairing_keeps_most_pairs_and_every_filter(
    corpus: tuple[list[Claim], np.ndarray],
) -> None:
    claims, vectors = corpus
    groups = duplicate_groups(claims, vectors)
    full = find_pairs(claims, vectors, groups=groups)
    pruned = find_pairs(claims, vectors, groups=groups, neighbours=60)
    assert full.stats.exhaustive and full.stats.truncated == 0
    assert not pruned.stats.exhaustive and pruned.stats.neighbours == 60
    assert pruned.stats.examined < full.stats.examined
    kept = {(p.a, p.b) for p in pruned.pairs}
    assert len(kept & {(p.a, p.b) for p in full.pairs}) >= 0.8 * len(full.pairs)
    for p in pruned.pairs:
        assert claims[p.a].source() != claims[p.b].source()
        assert groups[p.a] == p.a and groups[p.b] == p.b
        assert p.similarity >= 0.25 - 1e-4 and p.topic_score >= 0.35 - 1e-4


def test_find_pairs_counts(corpus: tuple[list[Claim], np.ndarray]) -> None:
    claims, vectors = corpus
    groups = duplicate_groups(claims, vectors)
    pairing = find_pairs(claims, vectors, groups=groups)
    stats = pairing.stats
    reps = [i for i in range(len(claims)) if groups[i] == i]
    possible = sum(
        claims[i].source() != claims[j].source() for x, i in enumerate(reps) for j in reps[x + 1 :]
    )
    assert stats.claims == len(claims) and stats.representatives == len(reps)
    assert stats.possible == possible
    assert stats.pairs == len(pairing.pairs) < stats.possible
    assert stats.examined <= 2 * stats.possible
    assert stats.method == "exact"
    assert 0.0 < stats.pruned < 1.0
    assert f"{stats.pairs:,} of {stats.possible:,} possible" in stats.describe()


def test_find_pairs_logs_the_counts(
    corpus: tuple[list[Claim], np.ndarray], caplog: pytest.LogCaptureFixture
) -> None:
    claims, vectors = corpus
    with caplog.at_level(logging.INFO, logger="divergence"):
        stats = find_pairs(claims[:50], vectors[:50]).stats
    assert f"pairing 50 claims: {stats.describe()}" in caplog.text


@needs_faiss
def test_pair_claims_with_the_index(corpus: tuple[list[Claim], np.ndarray]) -> None:
    claims, vectors = corpus
    groups = duplicate_groups(claims, vectors, method="ann")
    pairing = find_pairs(claims, vectors, groups=groups, method="ann", neighbours=100)
    assert pairing.stats.method == "ann"
    exact = {(p.a, p.b) for p in pair_claims(claims, vectors, groups=groups)}
    assert len({(p.a, p.b) for p in pairing.pairs} & exact) >= 0.8 * len(exact)
