"""The whole pipeline in one call: documents -> claims -> pairs -> scores -> report."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from divergence.claims import MIN_CHECKWORTHINESS, extract_claims
from divergence.documents import Document, load_documents, record_document
from divergence.embeddings import Embedder, get_embedder
from divergence.errors import InputError, NothingToCompare
from divergence.pairing import MIN_SIMILARITY, MIN_TOPIC, TOP_K, duplicate_groups, find_pairs
from divergence.profiling import StageTimer
from divergence.progress import progress_bar
from divergence.report import Report, build_report
from divergence.scoring import THRESHOLD, ContradictionScorer, get_scorer, score_texts

log = logging.getLogger("divergence")


class By(str, Enum):
    """Whom a claim speaks for when pairing: the speaker it quotes, or the outlet printing it."""

    SPEAKER = "speaker"
    OUTLET = "outlet"


def as_documents(documents: Iterable[Document | Mapping[str, Any]] | str | Path) -> list[Document]:
    """Documents from Document objects, dicts with the same fields, or a path to load."""
    if isinstance(documents, str | Path):
        return load_documents(documents)
    out = []
    for index, item in enumerate(documents, 1):
        if isinstance(item, Document):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(record_document(item, f"doc{index}", f"document {index}"))
        else:
            raise InputError(
                f"document {index}: expected a Document or a dict, got {type(item).__name__}"
            )
    return out


def compare(
    documents: Iterable[Document | Mapping[str, Any]] | str | Path,
    *,
    by: By | str = By.SPEAKER,
    embedder: Embedder | str | None = None,
    scorer: ContradictionScorer | str | None = None,
    top_k: int = TOP_K,
    min_similarity: float = MIN_SIMILARITY,
    min_topic: float = MIN_TOPIC,
    threshold: float = THRESHOLD,
    min_checkworthiness: float = MIN_CHECKWORTHINESS,
    progress: bool = False,
    timer: StageTimer | None = None,
) -> Report:
    """Find where sources disagree.

    ``documents`` are :class:`Document` objects, dicts with ``text`` and ``source``, or a
    path. Claims are attributed to their speaker (``by="speaker"``, the default) or to the
    outlet; pairs of claims from different sources are scored and those whose divergence
    reaches ``threshold`` are flagged. Raises :class:`NothingToCompare` when fewer than
    two sources make claims. ``timer`` collects seconds per stage (load, extract, embed,
    pair, score, report); the report carries them in ``timings`` either way.
    """
    timer = timer or StageTimer()
    by = By(by).value
    with timer.stage("load documents"):
        docs = as_documents(documents)
    with timer.stage("extract claims"):
        claims = extract_claims(docs, min_checkworthiness=min_checkworthiness)
    sources = sorted({c.source(by) for c in claims})
    log.info("%d documents: %d claims from %d sources", len(docs), len(claims), len(sources))
    if len(sources) < 2:
        found = f"only one source ({sources[0]})" if sources else "no check-worthy claims"
        raise NothingToCompare(f"{found}: nothing to compare")
    with timer.stage("load models"):
        embedder = (
            get_embedder(embedder) if embedder is None or isinstance(embedder, str) else embedder
        )
        scorer = get_scorer(scorer) if scorer is None or isinstance(scorer, str) else scorer
        embedder.load()  # now, so the split of time is honest
        scorer.load()

    with (
        timer.stage("embed"),
        progress_bar(len(claims), "embedding claims", enabled=progress) as update,
    ):
        vectors = embedder.embed([c.text for c in claims], progress=update)
    with timer.stage("pair"):
        groups = duplicate_groups(claims, vectors)
        pairing = find_pairs(
            claims, vectors, by=by, top_k=top_k, min_similarity=min_similarity,
            min_topic=min_topic, groups=groups,
        )  # fmt: skip
        pairs = pairing.pairs
    log.info("%d pairs to score (%d near-duplicate claims grouped)", len(pairs),
             sum(g != i for i, g in enumerate(groups)))  # fmt: skip
    with (
        timer.stage("score"),
        progress_bar(len(pairs), "scoring pairs", enabled=progress) as update,
    ):
        scores = score_texts(
            [(claims[p.a].text, claims[p.b].text) for p in pairs],
            scorer=scorer,
            speakers=[(claims[p.a].speaker, claims[p.b].speaker) for p in pairs],
            threshold=threshold,
            progress=update,
        )
    options = {
        "by": by, "embedder": embedder.model_id, "scorer": scorer.name, "top_k": top_k,
        "min_similarity": min_similarity, "min_topic": min_topic, "threshold": threshold,
        "documents": len(docs), "pairing": pairing.stats.describe(),
    }  # fmt: skip
    with timer.stage("report"):
        report = build_report(
            claims, groups, pairs, scores, by=by, threshold=threshold, options=options
        )
    report.timings = dict(timer.seconds)
    log.info("%d divergences flagged at threshold %.2f", len(report.divergences), threshold)
    return report
