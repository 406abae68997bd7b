"""The nightly job: read the day's articles into the store, compare what is new against the
last days, and say which divergences are new, which persist and which were resolved.

Everything costly is done once and cached in the store (see divergence.store): a document's
claims when it is first read, a text's embedding per model id, a pair's score per scorer.

The classification of a night ``D`` with a window of ``N`` days (docs/nightly.md has more):

- **window**: the claims of documents dated ``D-N+1`` .. ``D`` (their ISO ``published``
  date, else the date first seen), plus every document first seen on ``D``; the window's
  documents are grouped into stories (:mod:`divergence.stories`, unless ``stories="none"``)
  and pairs of window claims are formed within each story (pairing, embedding and scoring
  reuse the caches);
- **active**: findings reported new or persisting on a day of the window before ``D``;
- **resolved**: an active finding where a window claim from the same source as one side,
  *later* than that side (by date, then by the night it arrived) and with other words,
  pairs with the other side's claim and is neither flagged nor labelled a contradiction:
  the source corrected itself or came round;
- **persisting**: otherwise, an active finding whose two claims are still in the window
  and whose pair is still flagged (an earlier finding flagged again after a gap, too);
- **new**: a flagged window pair, one claim first seen on ``D``, never reported before.

A resolved finding stays resolved. An active one neither resolved nor flagged today lapses
(``status = 'lapsed'`` in the store) and persists again if it comes back.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import platform
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date as Date
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from divergence.attribution import canonical_speakers
from divergence.claims import MIN_CHECKWORTHINESS, Claim, extract_claims
from divergence.combine import premise_first
from divergence.documents import Document, load_documents
from divergence.embeddings import Embedder, get_embedder
from divergence.engine import Engine, LocalEngine, Precomputed, get_engine
from divergence.errors import InputError, OutputError, StoreError
from divergence.pairing import MIN_SIMILARITY, MIN_TOPIC, TOP_K, Pair, duplicate_groups, find_pairs
from divergence.pipeline import By, as_choice, as_documents
from divergence.profiling import StageTimer
from divergence.progress import progress_bar
from divergence.render import render_frame, write_atomic
from divergence.report import PAIR_COLUMNS, agreement_matrix, build_report
from divergence.scoring import (
    ContradictionScorer,
    Score,
    default_threshold,
    get_scorer,
    score_identity,
    score_texts,
)
from divergence.store import (
    SCHEMA_VERSION,
    DocumentStory,
    FindingDay,
    FindingRecord,
    ScoredPair,
    Store,
    StoredClaim,
    StoredDocument,
    document_hash,
    finding_id,
    resolve_db,
    score_key,
    text_hash,
    user_dir,
)
from divergence.stories import (
    Story,
    StoryMode,
    head,
    lead,
    single_story,
    stories_from_distances,
    story_distances,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("divergence")

#: Days of history each night compares against, today included.
WINDOW_DAYS = 7
#: The longest window: every date a Python date can hold (so "all of history" is 3652059d).
MAX_WINDOW_DAYS = Date.max.toordinal()
STATUSES = ("new", "persisting", "resolved")
_STORY_COLUMNS = ["story", "story_label"]
FINDING_COLUMNS = [
    "finding_id", "status", *_STORY_COLUMNS, "first_seen", "last_seen", "resolved_on",
    "resolved_by", *(c for c in PAIR_COLUMNS if c not in _STORY_COLUMNS),
]  # fmt: skip
HISTORY_COLUMNS = [
    "date",
    "new",
    "persisting",
    "resolved",
    "flagged",
    "documents_new",
    "claims_new",
]
#: Rendered by another module when it is installed; the job writes everything else without it.
REPORT_MODULE = "divergence.nightly_report"
#: Texts embedded, and pairs scored, per committed batch: a killed run keeps what it finished.
CHUNK = 512

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WINDOW = re.compile(r"([1-9]\d*)d")

Inputs = Iterable[Document | Mapping[str, Any] | str | Path] | str | Path


@dataclass(frozen=True, eq=False)  # DataFrames neither compare nor hash: identity equality
class NightlyResult:
    """One night's outcome.

    ``findings``: one row per finding reported for ``date`` (:data:`FINDING_COLUMNS`: its
    id, status new/persisting/resolved, the story of claim A's document that night (None
    when it is not in the window), dates, then the pair as in a report). ``history``:
    one row per night (:data:`HISTORY_COLUMNS`). ``agreement``: source x source agreement
    over the window's pairs. ``summary`` is what ``summary.json`` holds; ``report`` the
    HTML page when one was written.
    """

    date: str
    counts: dict[str, int]
    findings: pd.DataFrame
    history: pd.DataFrame
    agreement: pd.DataFrame
    out_dir: Path
    db: Path
    summary: dict[str, Any]
    report: Path | None = None

    def summary_line(self) -> str:
        """One line for a log: ``2024-04-09: 1 new, 1 persisting, 1 resolved (...)``."""
        c = self.counts
        read = f"{c['documents_read']} document{'s' * (c['documents_read'] != 1)}"
        target = self.report or self.out_dir / "findings.csv"
        return (
            f"{self.date}: {c['new']} new, {c['persisting']} persisting, {c['resolved']} resolved"
            f" ({read}, {c['documents_reused']} reused; report: {target})"
        )


def parse_date(value: str | Date | None) -> Date:
    """A night's date from ``YYYY-MM-DD`` (today when None)."""
    if value is None:
        return Date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, Date):
        return value
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return Date.fromisoformat(value)
    except ValueError:
        raise InputError(f"invalid date {value!r}: expected YYYY-MM-DD") from None


def parse_window(value: str | int) -> int:
    """A window in days from ``Nd`` (``7d``), or an int, at most :data:`MAX_WINDOW_DAYS`."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        days = value
    else:
        match = _WINDOW.fullmatch(str(value).strip())
        if not match:
            raise InputError(f"invalid window {value!r}: expected a number of days such as 7d")
        # A bound before int(): a million digits would take seconds to convert.
        digits = match.group(1)
        days = int(digits) if len(digits) <= len(str(MAX_WINDOW_DAYS)) else MAX_WINDOW_DAYS + 1
    if days > MAX_WINDOW_DAYS:
        raise InputError(f"invalid window {value!r}: at most {MAX_WINDOW_DAYS} days")
    return days


@dataclass(frozen=True)
class _Settings:
    embedder: Embedder
    scorer: ContradictionScorer
    engine: Engine
    out: Path
    by: str
    stories: StoryMode
    window_days: int
    threshold: float
    top_k: int
    min_similarity: float
    min_topic: float
    min_checkworthiness: float
    progress: bool
    timer: StageTimer

    def options(self) -> dict[str, Any]:
        return {
            "by": self.by, "stories": self.stories.value, "window_days": self.window_days,
            "threshold": self.threshold, "top_k": self.top_k,
            "min_similarity": self.min_similarity, "min_topic": self.min_topic,
            "min_checkworthiness": self.min_checkworthiness,
        }  # fmt: skip

    def versions(self) -> dict[str, Any]:
        from divergence import __version__  # at call time: the package imports this module

        return {
            "divergence": __version__, "schema": SCHEMA_VERSION,
            "embedder": self.embedder.model_id, "scorer": self.scorer.name,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        }  # fmt: skip


def run_nightly(
    inputs: Inputs,
    *,
    db: str | Path | None = None,
    out: str | Path | None = None,
    date: str | Date | None = None,
    window_days: int = WINDOW_DAYS,
    embedder: Embedder | str | None = None,
    scorer: ContradictionScorer | str | None = None,
    by: By | str = By.SPEAKER,
    stories: StoryMode | str = StoryMode.AUTO,
    threshold: float | None = None,
    top_k: int = TOP_K,
    min_similarity: float = MIN_SIMILARITY,
    min_topic: float = MIN_TOPIC,
    min_checkworthiness: float = MIN_CHECKWORTHINESS,
    progress: bool = False,
    engine: Engine | str | None = None,
    timer: StageTimer | None = None,
) -> NightlyResult:
    """Run the nightly job for ``date`` (today by default) on ``inputs``.

    ``inputs`` are paths (files, folders) or Documents/dicts; documents already stored are
    recognised by content and skipped. ``db`` defaults to ``$DIVERGENCE_DB``, else
    ``user_dir() / "divergence.db"``; reports go to ``out/<date>/`` (default
    ``user_dir() / "reports"``). Dates must not go backwards; running a date again redoes
    it and leaves the same state. A date whose run was killed is redone first.

    ``engine`` runs the embedding of new texts and the scoring of new pairs: ``"local"``
    (the default: in this process) or ``"ray"`` (a local Ray instance, or ``$RAY_ADDRESS``),
    or an :class:`~divergence.engine.Engine` such as ``RayEngine("ray://head:10001")``,
    which the caller closes. Everything else runs here; the results are the same.
    ``stories="auto"`` (the default) groups the window's documents into stories and pairs
    claims only within one; ``"none"`` pairs across them all, as one story.
    ``timer`` collects seconds per stage (ingest, load models, embed, pair, score, ...).
    """
    day = parse_date(date)
    if window_days < 1:
        raise InputError(f"invalid window {window_days!r}: expected at least 1 day")
    if window_days > MAX_WINDOW_DAYS:
        raise InputError(f"invalid window {window_days!r}: at most {MAX_WINDOW_DAYS} days")
    mode = as_choice(StoryMode, stories, "stories")
    documents = _documents(inputs)
    runner = engine if isinstance(engine, Engine) else get_engine(engine)
    the_scorer = get_scorer(scorer) if scorer is None or isinstance(scorer, str) else scorer
    if threshold is None:  # the calibrated score's own flag level, where it applies
        threshold = default_threshold(the_scorer)
    settings = _Settings(
        embedder=get_embedder(embedder) if embedder is None or isinstance(embedder, str) else embedder,
        scorer=the_scorer,
        engine=runner,
        out=Path(out) if out else user_dir() / "reports",
        by=as_choice(By, by, "by").value, stories=mode, window_days=window_days, threshold=threshold,
        top_k=top_k, min_similarity=min_similarity, min_topic=min_topic,
        min_checkworthiness=min_checkworthiness, progress=progress,
        timer=timer or StageTimer(),
    )  # fmt: skip
    path = resolve_db(db)
    try:
        return _run_dates(path, settings, day, documents)
    except sqlite3.Error as e:  # e.g. locked past the timeout by another writer
        raise StoreError(f"{path}: database error ({' '.join(str(e).split())})") from e
    finally:
        if runner is not engine:  # made here from a name: ours to close
            runner.close()


def _run_dates(
    path: Path, settings: _Settings, day: Date, documents: list[Document]
) -> NightlyResult:
    with Store(path) as store, store.exclusive():
        for left in store.mark_interrupted():
            log.warning("the run of %s was interrupted (marked failed)", left)
        last = store.last_run_date()
        if last is not None and day.isoformat() < last:
            raise StoreError(
                f"{path}: the database already has a run for {last}; "
                f"nightly runs go forward in time (asked for {day.isoformat()})"
            )
        for unfinished in store.unfinished_dates(before=day.isoformat()):
            log.warning("redoing %s, whose run did not finish", unfinished)
            _run(store, path, settings, Date.fromisoformat(unfinished), [])
        return _run(store, path, settings, day, documents)


def _documents(inputs: Inputs) -> list[Document]:
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    items = list(inputs)
    paths = [i for i in items if isinstance(i, str | Path)]
    given = [i for i in items if not isinstance(i, str | Path)]
    return (load_documents(paths) if paths else []) + as_documents(given)


def _run(
    store: Store, path: Path, s: _Settings, day: Date, documents: Sequence[Document]
) -> NightlyResult:
    run_id = store.start_run(day.isoformat(), s.options(), s.versions())
    try:
        result = _Night(store, path, s, day).run(documents)
    except BaseException:
        with suppress(sqlite3.Error):  # a leftover 'running' row is treated the same next time
            store.fail_run(run_id)
        raise
    store.finish_run(run_id, result.counts)
    return result


class _Night:
    """One date's work: ingest, window, embed, pair, score, classify, write."""

    def __init__(self, store: Store, path: Path, s: _Settings, day: Date) -> None:
        self.store, self.path, self.s = store, path, s
        self.day = day.isoformat()
        # A window reaching back past year 1 starts there (date arithmetic would overflow).
        back = min(s.window_days - 1, day.toordinal() - 1)
        self.since = (day - timedelta(days=back)).isoformat()
        self.counts: dict[str, int] = {}

    def run(self, documents: Sequence[Document]) -> NightlyResult:
        stage = self.s.timer.stage
        with stage("ingest and extract claims"):
            self.ingest(documents)
        with stage("read window"):
            window, stored, claims, active = self.read_window()
            docs = self.window_documents(window)
        n = len(window)
        # Leads are embedded only to be clustered: not for one document, nor with stories="none".
        clustered = self.s.stories is StoryMode.AUTO and len(docs) > 1
        leads = [lead(d) for d in docs] if clustered else []
        cached = self.embed(
            {**{c.text_hash: c.claim.text for c in window}, **{text_hash(t): t for t in leads}}
        )
        vectors = _matrix(cached, [c.text_hash for c in window])
        with stage("find stories"):
            if clustered:
                lead_vectors = _matrix(cached, [text_hash(t) for t in leads])
                grouping = stories_from_distances(docs, story_distances(docs, lead_vectors))
            else:
                grouping = [single_story(docs)] if docs else []
            story_of = {h: story for story in grouping for h in story.doc_ids}
            claim_stories = [story_of[c.doc_hash].id for c in window]
        with stage("pair"):
            groups = duplicate_groups(claims[:n], vectors, stories=claim_stories) if n else []
            pairing = find_pairs(
                claims[:n], vectors, by=self.s.by, top_k=self.s.top_k,
                min_similarity=self.s.min_similarity, min_topic=self.s.min_topic, groups=groups,
                stories=claim_stories,
            )  # fmt: skip
            pairs = pairing.pairs
            log.info("%s: %s", self.day, pairing.stats.describe())
        index = {c.key: i for i, c in enumerate(stored)}
        own = {fid: (index[r.claim_a], index[r.claim_b]) for fid, r in active.items()}
        scores = self.score(stored, claims, [(p.a, p.b) for p in pairs] + list(own.values()))
        with stage("classify"):
            rows = self.classify(stored, claims, groups, pairs, scores, active, own)
            # Agreement over every window pair; only sources that were paired get a row.
            light = pd.DataFrame(
                [(claims[p.a].source(self.s.by), claims[p.b].source(self.s.by),
                  scores[p.a, p.b].divergence) for p in pairs],
                columns=["source_a", "source_b", "divergence"],
            )  # fmt: skip
            paired = sorted(set(light["source_a"]) | set(light["source_b"]))
        self.counts.update(
            claims_window=n,
            sources_window=len({c.source(self.s.by) for c in claims[:n]}),
            stories_window=len(grouping),
            pairs_window=len(pairs),
        )
        with stage("record and write report"):
            return self.finish(stored, claims, rows, scores, agreement_matrix(light, paired),
                               story_of)  # fmt: skip

    def read_window(
        self,
    ) -> tuple[list[StoredClaim], list[StoredClaim], list[Claim], dict[str, FindingRecord]]:
        """The window's claims; those plus the claims of still-active findings outside it,
        as pipeline claims; and the active findings."""
        window = self.store.window_claims(self.day, self.since)
        active = self.store.finding_records(self.day, since=self.since)
        active = {k: r for k, r in active.items() if r.resolved_on is None}
        outside = {k for r in active.values() for k in (r.claim_a, r.claim_b)}
        outside -= {c.key for c in window}
        stored = window + sorted(self.store.claims_by_key(outside).values(), key=lambda c: c.key)
        # Speakers named alike across the window, as extract_claims does within a batch.
        names = canonical_speakers(c.claim.speaker for c in window if c.claim.speaker)
        claims = [
            replace(c.claim, id=c.key, speaker=names.get(c.claim.speaker, c.claim.speaker))
            if c.claim.speaker else replace(c.claim, id=c.key)
            for c in stored
        ]  # fmt: skip
        return window, stored, claims, active

    def window_documents(self, window: Sequence[StoredClaim]) -> list[Document]:
        """The documents of the window's claims, in window order, as story clustering reads
        them: the document hash as id (input ids repeat across outlets, and an article
        updated in place keeps its id), the stored head as text."""
        claim_texts: dict[str, list[str]] = {}
        for c in window:  # a document's claims come together, in seq order
            claim_texts.setdefault(c.doc_hash, []).append(c.claim.text)
        stored = self.store.documents_by_hash(claim_texts)
        docs = []
        for h, texts in claim_texts.items():
            d = stored[h]
            # Stored before schema v3, without a head: its claims, in order, are all that is
            # left of its text (check-worthy sentences only, so its lead is only close).
            text = d.head if d.head is not None else head(" ".join(texts))
            docs.append(Document(id=h, source=d.source, text=text, title=d.title,
                                 published=d.published))  # fmt: skip
        return docs

    # ---- stages ----

    def load(self, model: Embedder | ContradictionScorer) -> None:
        """Load a model before its first use here, so --profile shows loading apart; only
        when something is to be computed (a cached re-run loads nothing) and in this
        process (a Ray engine loads models in its actors)."""
        if isinstance(self.s.engine, LocalEngine):
            with self.s.timer.stage("load models"):
                model.load()

    def ingest(self, documents: Sequence[Document]) -> None:
        """Store documents not seen before, with their claims (extracted once, here)."""
        unique: dict[str, Document] = {}
        for doc in documents:  # the same article twice in the input is read once
            unique.setdefault(document_hash(doc.source, doc.text), doc)
        known = self.store.known_documents(unique)
        fresh_docs: list[StoredDocument] = []
        fresh_claims: list[StoredClaim] = []
        for h, doc in unique.items():
            if h in known:
                continue
            when = window_date(doc.published, self.day)
            fresh_docs.append(StoredDocument(h, doc.id, doc.source, doc.url, doc.published,
                                             doc.title, self.day, when,
                                             head(doc.text)))  # fmt: skip
            # One document at a time: its claims depend on it alone, never on what came with it.
            for seq, claim in enumerate(
                extract_claims([doc], min_checkworthiness=self.s.min_checkworthiness), 1
            ):
                fresh_claims.append(StoredClaim(f"{h}#{seq}", h, seq, claim,
                                                text_hash(claim.text), self.day, when))  # fmt: skip
        if fresh_docs:
            self.store.add_documents(fresh_docs, fresh_claims)
        documents_new, claims_new = self.store.count_first_seen(self.day)
        self.counts.update(
            documents_read=len(unique), documents_new=documents_new,
            documents_reused=len(known), claims_new=claims_new,
        )  # fmt: skip
        log.info("%s: %d documents read, %d already stored; %d claims first seen today",
                 self.day, len(unique), len(known), claims_new)  # fmt: skip

    def embed(self, texts: Mapping[str, str]) -> dict[str, NDArray[np.float32]]:
        """Vectors of texts by their hash (the window's claims, the leads of its documents):
        from the cache, computing only what is missing."""
        model = self.s.embedder.model_id
        cached = self.store.vectors(model, texts)
        missing = [h for h in texts if h not in cached]
        if missing:
            self.load(self.s.embedder)
        with (
            self.s.timer.stage("embed"),
            progress_bar(len(missing), "embedding", enabled=self.s.progress) as update,
        ):
            start = 0
            for vectors in self.s.engine.embed_chunks(
                [texts[h] for h in missing], self.s.embedder, chunk=CHUNK, progress=update
            ):
                chunk, start = missing[start : start + len(vectors)], start + len(vectors)
                self.store.add_vectors(model, zip(chunk, vectors, strict=True))
                cached.update(zip(chunk, vectors, strict=True))
        self.counts.update(embeddings_computed=len(missing),
                           embeddings_reused=len(texts) - len(missing))  # fmt: skip
        dims = sorted({v.shape[0] for v in cached.values()})
        if len(dims) > 1:
            raise StoreError(
                f"{self.path}: embeddings stored for model {model!r} have {dims} dimensions; "
                "two different models share that id"
            )
        return cached

    def score(
        self, stored: Sequence[StoredClaim], claims: Sequence[Claim],
        wanted: Sequence[tuple[int, int]],
    ) -> dict[tuple[int, int], Score]:  # fmt: skip
        """Scores of the wanted pairs: from the cache, scoring only what is missing."""
        name, threshold = self.s.scorer.name, self.s.threshold
        identity = score_identity(self.s.scorer)
        keys = {
            (i, j): score_key(identity, threshold, claims[i].text, claims[j].text,
                              claims[i].speaker, claims[j].speaker)
            for i, j in wanted
        }  # fmt: skip
        cached = self.store.scores(keys.values())
        missing: dict[str, tuple[int, int]] = {}
        for ij, key in keys.items():
            if key not in cached:
                missing.setdefault(key, ij)
        todo = list(missing.items())
        if todo:
            self.load(self.s.scorer)
        with (
            self.s.timer.stage("score"),
            progress_bar(len(todo), "scoring pairs", enabled=self.s.progress) as update,
        ):
            start = 0
            # The engine runs the model, each pair read as score_texts reads it (the longer
            # text as premise); the typed checks and the combiner run here.
            texts = [premise_first(claims[i].text, claims[j].text) for _, (i, j) in todo]
            for probabilities in self.s.engine.score_chunks(
                texts, self.s.scorer, chunk=CHUNK, progress=update
            ):
                chunk = todo[start : start + len(probabilities)]
                start += len(probabilities)
                found = score_texts(
                    [(claims[i].text, claims[j].text) for _, (i, j) in chunk],
                    scorer=Precomputed(name, probabilities),
                    speakers=[(claims[i].speaker, claims[j].speaker) for _, (i, j) in chunk],
                    threshold=threshold,
                )
                self.store.add_scores(
                    ScoredPair(key, name, threshold, stored[i].text_hash, stored[j].text_hash,
                               score, self.day)
                    for (key, (i, j)), score in zip(chunk, found, strict=True)
                )  # fmt: skip
                cached.update((key, score) for (key, _), score in zip(chunk, found, strict=True))
        self.counts.update(pairs_scored=len(todo),
                           pairs_reused=len(set(keys.values())) - len(todo))  # fmt: skip
        return {ij: cached[k] for ij, k in keys.items()}

    def classify(
        self,
        stored: Sequence[StoredClaim],
        claims: Sequence[Claim],
        groups: Sequence[int],
        pairs: Sequence[Pair],
        scores: Mapping[tuple[int, int], Score],
        active: Mapping[str, FindingRecord],
        own: Mapping[str, tuple[int, int]],
    ) -> list[_Row]:
        """Today's rows: each active finding resolved, persisting or lapsed; new ones added."""
        n, by, threshold = len(groups), self.s.by, self.s.threshold
        fresh = [c.first_seen == self.day for c in stored[:n]]

        def flagged(i: int, j: int) -> bool:
            return scores[i, j].divergence >= threshold

        # Window claims by text, as the representatives pair_claims paired them through.
        in_window: dict[str, set[int]] = {}
        for i in range(n):
            in_window.setdefault(stored[i].text_hash, set()).add(groups[i])
        partners: dict[int, list[int]] = {}
        for p in pairs:
            partners.setdefault(p.a, []).append(p.b)
            partners.setdefault(p.b, []).append(p.a)

        def later(c: int, x: int) -> bool:
            return (stored[c].window_date, stored[c].first_seen) > (
                stored[x].window_date, stored[x].first_seen)  # fmt: skip

        def resolver(x: int, y: int) -> int | None:
            """The first window claim from x's source, later than x, paired with y's text
            and neither flagged nor labelled a contradiction: x's source corrected or aligned."""
            found = []
            for rep in sorted(in_window.get(stored[y].text_hash, ())):
                for c in partners.get(rep, []):
                    score = scores[min(c, rep), max(c, rep)]
                    if (claims[c].source(by) == claims[x].source(by) and later(c, x)
                            and stored[c].text_hash != stored[x].text_hash
                            and score.divergence < threshold
                            and score.label != "contradiction"):  # fmt: skip
                        found.append(c)
            return min(found, default=None)

        rows: list[_Row] = []
        for fid, record in active.items():
            a, b = own[fid]
            geometry = Pair(a, b, record.similarity, record.overlap, record.topic)
            by_a, by_b = resolver(a, b), resolver(b, a)
            if by_a is not None or by_b is not None:
                fixer = min(c for c in (by_a, by_b) if c is not None)
                rows.append(_Row(fid, "resolved", geometry, record.first_seen,
                                 record.last_seen, self.day, fixer))  # fmt: skip
            elif (stored[a].text_hash in in_window and stored[b].text_hash in in_window
                  and flagged(a, b)):  # fmt: skip
                rows.append(_Row(fid, "persisting", geometry, record.first_seen, self.day))

        candidates: dict[str, Pair] = {}
        for p in pairs:
            if (fresh[p.a] or fresh[p.b]) and flagged(p.a, p.b):
                fid = finding_id(stored[p.a].text_hash, stored[p.b].text_hash)
                if fid not in active:
                    candidates.setdefault(fid, p)
        known = self.store.finding_records(self.day, ids=candidates)
        for fid, p in candidates.items():
            earlier = known.get(fid)
            if earlier is None:
                rows.append(_Row(fid, "new", p, self.day, self.day))
            elif earlier.resolved_on is None:  # lapsed earlier, flagged again
                rows.append(_Row(fid, "persisting", p, earlier.first_seen, self.day))
        # a resolved finding stays resolved: its texts flagged again are not reported
        return rows

    def finish(
        self,
        stored: Sequence[StoredClaim],
        claims: Sequence[Claim],
        rows: Sequence[_Row],
        scores: Mapping[tuple[int, int], Score],
        agreement: pd.DataFrame,
        story_of: Mapping[str, Story],
    ) -> NightlyResult:
        """Record the day's findings and grouping, then write its files; the run is done
        after both."""
        new = [
            (FindingRecord(r.id, stored[r.pair.a].key, stored[r.pair.b].key,
                           claims[r.pair.a].source(self.s.by), claims[r.pair.b].source(self.s.by),
                           r.pair.topic, r.pair.similarity, r.pair.overlap, self.day, self.day,
                           None, None),
             scores[r.pair.a, r.pair.b].kind, scores[r.pair.a, r.pair.b].divergence)
            for r in rows if r.status == "new"
        ]  # fmt: skip
        days = [
            FindingDay(r.id, self.day, r.status, scores[r.pair.a, r.pair.b].kind,
                       scores[r.pair.a, r.pair.b].divergence,
                       stored[r.resolved_by].key if r.resolved_by is not None else None)
            for r in rows
        ]  # fmt: skip
        grouping = [DocumentStory(h, story.id, story.label) for h, story in story_of.items()]
        self.store.record_findings(self.day, new, days, stories=grouping)

        findings = self.findings_frame(stored, claims, rows, scores, story_of)
        for status in STATUSES:
            self.counts[status] = sum(r.status == status for r in rows)
        self.counts["flagged"] = self.counts["new"] + self.counts["persisting"]
        counts = dict(sorted(self.counts.items()))
        summary = {
            "date": self.day,
            "window_days": self.s.window_days,
            "counts": {k: counts[k] for k in (*STATUSES, "flagged")},
            **{k: counts[k] for k in ("documents_read", "documents_new", "documents_reused",
                                      "claims_new", "claims_window", "stories_window",
                                      "pairs_window", "pairs_scored", "pairs_reused",
                                      "embeddings_computed", "embeddings_reused")},
            "options": self.s.options(),
            "versions": self.s.versions(),
        }  # fmt: skip
        history = self.store.history()
        today = pd.DataFrame([{"date": self.day, **counts}])
        history = pd.concat([history[history["date"] != self.day] if len(history) else None, today])
        history = history.reindex(columns=HISTORY_COLUMNS).sort_values("date")
        history = history.reset_index(drop=True)

        out_dir = self.s.out / self.day
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"{out_dir}: cannot create the folder ({e.strerror})") from None
        render = _html_renderer()
        result = NightlyResult(
            date=self.day, counts=counts, findings=findings, history=history,
            agreement=agreement, out_dir=out_dir, db=self.path, summary=summary,
            report=out_dir / "report.html" if render else None,
        )  # fmt: skip
        write_atomic(render_frame(findings, "parquet"), out_dir / "findings.parquet")
        write_atomic(render_frame(findings, "csv"), out_dir / "findings.csv")
        write_atomic(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                     out_dir / "summary.json")  # fmt: skip
        if render is not None and result.report is not None:
            write_atomic(render(result), result.report)
        return result

    def findings_frame(
        self,
        stored: Sequence[StoredClaim],
        claims: Sequence[Claim],
        rows: Sequence[_Row],
        scores: Mapping[tuple[int, int], Score],
        story_of: Mapping[str, Story],
    ) -> pd.DataFrame:
        """The day's rows as a report's pairs, with the finding's id, status, story and dates
        first. The story is claim A's document's tonight (None out of the window)."""
        involved = sorted({i for r in rows for i in (r.pair.a, r.pair.b)})
        at = {
            i: k for k, i in enumerate(involved)
        }  # only these claims: sources x sources stays small
        report = build_report(
            [claims[i] for i in involved], list(range(len(involved))),
            [replace(r.pair, a=at[r.pair.a], b=at[r.pair.b]) for r in rows],
            [scores[r.pair.a, r.pair.b] for r in rows], by=self.s.by, threshold=self.s.threshold,
        )  # fmt: skip
        # build_report knows no stories here (its claims' doc ids are input ids, which may
        # repeat): the story columns come from tonight's grouping, by document hash.
        frame = report.pairs.drop(columns=_STORY_COLUMNS)
        stories = [story_of.get(stored[r.pair.a].doc_hash) for r in rows]
        # build_report names claims by the ids given (store keys, unique); join on them.
        meta = pd.DataFrame(
            [{"claim_id_a": claims[r.pair.a].id, "claim_id_b": claims[r.pair.b].id,
              "finding_id": r.id, "status": r.status,
              "story": story.id if story else None, "story_label": story.label if story else None,
              "first_seen": r.first_seen, "last_seen": r.last_seen, "resolved_on": r.resolved_on,
              "resolved_by": None if r.resolved_by is None else claims[r.resolved_by].text}
             for r, story in zip(rows, stories, strict=True)],
            columns=["claim_id_a", "claim_id_b", *FINDING_COLUMNS[:8]],
        )  # fmt: skip
        frame = frame.merge(meta, on=["claim_id_a", "claim_id_b"], how="inner", validate="1:1")
        readable = {c.key: c.claim.id for c in stored}
        for side in ("a", "b"):
            frame[f"claim_id_{side}"] = frame[f"claim_id_{side}"].map(readable)
        frame["order"] = frame["status"].map({s: i for i, s in enumerate(STATUSES)})
        frame = frame.sort_values(
            ["order", "divergence", "finding_id"], ascending=[True, False, True], kind="stable"
        )
        return frame[FINDING_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class _Row:
    """A finding reported today: indices into the night's claims, and its dates."""

    id: str
    status: str
    pair: Pair
    first_seen: str
    last_seen: str
    resolved_on: str | None = None
    resolved_by: int | None = None


def _matrix(
    vectors: Mapping[str, NDArray[np.float32]], hashes: Sequence[str]
) -> NDArray[np.float32]:
    """The vectors of ``hashes``, one row each, in order."""
    if not hashes:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([vectors[h] for h in hashes]).astype(np.float32)


def window_date(published: str | None, first_seen: str) -> str:
    """The date the window places a document on: its ISO published date, never later than
    the day it was first seen; else that day."""
    match = _DAY.match(published.strip()) if published else None
    if match:
        with suppress(ValueError):
            return min(Date.fromisoformat(match.group(0)).isoformat(), first_seen)
    return first_seen


def _html_renderer() -> Callable[[NightlyResult], str] | None:
    """``divergence.nightly_report.render_nightly_html`` when that module is installed."""
    if importlib.util.find_spec(REPORT_MODULE) is None:
        return None
    # import_module, not a from-import: mypy must pass whether or not the module exists yet.
    module = importlib.import_module(REPORT_MODULE)
    return cast(Callable[[NightlyResult], str], module.render_nightly_html)
