"""The whole pipeline in one call: documents -> claims -> pairs -> scores -> report."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from divergence.claims import MIN_CHECKWORTHINESS, extract_claims
from divergence.documents import Document, load_documents, record_document
from divergence.edits import reprint_pairs
from divergence.embeddings import Embedder, get_embedder
from divergence.errors import InputError, NothingToCompare
from divergence.pairing import (
    MIN_SIMILARITY,
    MIN_TOPIC,
    TOP_K,
    Pair,
    duplicate_groups,
    find_pairs,
)
from divergence.profiling import StageTimer
from divergence.progress import progress_bar
from divergence.report import Report, build_report
from divergence.scoring import ContradictionScorer, default_threshold, get_scorer, score_texts
from divergence.stories import StoryMode, find_stories, single_story

log = logging.getLogger("divergence")


class By(str, Enum):
    """Whom a claim speaks for when pairing: the speaker it quotes, or the outlet printing it."""

    SPEAKER = "speaker"
    OUTLET = "outlet"


E = TypeVar("E", bound=Enum)


def as_choice(kind: type[E], value: E | str, name: str) -> E:
    """``value`` as a member of ``kind``; anything else is one :class:`InputError` naming the
    choices (``compare(by="outlets")`` is a user's mistake, not a traceback)."""
    try:
        return kind(value)
    except ValueError:
        known = " or ".join(str(member.value) for member in kind)
        raise InputError(f"invalid {name} {value!r}: expected {known}") from None


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
    threshold: float | None = None,
    min_checkworthiness: float = MIN_CHECKWORTHINESS,
    progress: bool = False,
    timer: StageTimer | None = None,
    stories: StoryMode | str = StoryMode.AUTO,
) -> Report:
    """Find where sources disagree.

    ``documents`` are :class:`Document` objects, dicts with ``text`` and ``source``, or a
    path. Claims are attributed to their speaker (``by="speaker"``, the default) or to the
    outlet; pairs of claims from different sources are scored and those whose divergence
    reaches ``threshold`` are flagged. Raises :class:`NothingToCompare` when fewer than
    two sources make claims, or when no story has claims from two. With
    ``stories="auto"`` (the default) documents are first grouped into stories
    (:func:`~divergence.stories.find_stories`) and claims are only paired within one;
    ``"none"`` pairs across all documents as if they were one story.
    ``timer`` collects seconds per stage (load, extract, stories, embed, pair, score,
    report); the report carries them in ``timings`` either way.
    """
    timer = timer or StageTimer()
    by = as_choice(By, by, "by").value
    mode = as_choice(StoryMode, stories, "stories")
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
    if threshold is None:  # the calibrated score's own flag level, where it applies
        threshold = default_threshold(scorer)
    with timer.stage("find stories"):
        grouped = find_stories(docs, embedder=embedder) if mode is StoryMode.AUTO else []
        grouped = grouped or [single_story(docs)]
    story_of = {doc_id: story.id for story in grouped for doc_id in story.doc_ids}
    claim_stories = [story_of[c.doc_id] for c in claims]
    log.info("%d stories (%s)", len(grouped), mode.value)
    story_sources: dict[str, set[str]] = {}
    for claim, story_id in zip(claims, claim_stories, strict=True):
        story_sources.setdefault(story_id, set()).add(claim.source(by))
    if max(map(len, story_sources.values())) < 2:
        # Not "no divergences": nothing was compared, and the user should know why.
        raise NothingToCompare(
            f"the {len(docs)} documents tell {len(grouped)} different stories, none with "
            "claims from two sources: nothing to compare (with stories set to none, claims "
            "are paired across stories)"
        )

    with (
        timer.stage("embed"),
        progress_bar(len(claims), "embedding claims", enabled=progress) as update,
    ):
        vectors = embedder.embed([c.text for c in claims], progress=update)
    with timer.stage("pair"):
        groups = duplicate_groups(claims, vectors, stories=claim_stories)
        pairing = find_pairs(
            claims, vectors, by=by, top_k=top_k, min_similarity=min_similarity,
            min_topic=min_topic, groups=groups, stories=claim_stories,
        )  # fmt: skip
        # Near-duplicates from different sources are grouped, not paired: their edits
        # (a changed number, negation, modal or agent) are compared word by word instead.
        paired = {(p.a, p.b) for p in pairing.pairs}
        reprints = [
            Pair(i, j, round(float(vectors[i] @ vectors[j]), 4), 1.0, "edited reprint")
            for i, j in reprint_pairs(claims, groups, by=by)
            if (i, j) not in paired and claim_stories[i] == claim_stories[j]
        ]
        pairs = [*pairing.pairs, *reprints]
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
        "documents": len(docs), "pairing": pairing.stats.describe(), "stories": mode.value,
        "story_count": len(grouped),
    }  # fmt: skip
    with timer.stage("report"):
        report = build_report(
            claims, groups, pairs, scores, by=by, threshold=threshold, options=options,
            stories=grouped,
        )  # fmt: skip
    report.timings = dict(timer.seconds)
    log.info("%d divergences flagged at threshold %.2f", len(report.divergences), threshold)
    return report
