"""The nightly store: one SQLite file of documents, claims, cached embeddings and scores,
findings with their day-by-day status, and a log of runs.

The file is in WAL mode, so readers (``pandas.read_sql`` in a notebook) see the last
committed state while a job writes, and every write transaction is short. The schema is
versioned with ``PRAGMA user_version``: :data:`MIGRATIONS` upgrades an older file in place,
and a file newer than this code raises :class:`StoreError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from divergence.checks import Finding, Kind, Span
from divergence.claims import Claim
from divergence.errors import StoreError
from divergence.scoring import Score

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("divergence")

ENV_HOME = "DIVERGENCE_HOME"
ENV_DB = "DIVERGENCE_DB"
DB_NAME = "divergence.db"
#: Host parameters per query stay well under SQLite's limit (999 in old builds).
_CHUNK = 500


def user_dir() -> Path:
    """Where divergence keeps its data: ``$DIVERGENCE_HOME``, else ``$XDG_DATA_HOME/divergence``
    (``~/.local/share/divergence``)."""
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home)
    data = os.environ.get("XDG_DATA_HOME")
    return (Path(data) if data else Path.home() / ".local" / "share") / "divergence"


def resolve_db(db: str | Path | None = None) -> Path:
    """The database path: ``db``, else ``$DIVERGENCE_DB``, else ``user_dir() / "divergence.db"``."""
    if db:
        return Path(db)
    env = os.environ.get(ENV_DB)
    return Path(env) if env else user_dir() / DB_NAME


def text_hash(text: str) -> str:
    """The cache key of a text (sha256, hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_hash(source: str, text: str) -> str:
    """The dedupe key of a document: sha256 of its source and text."""
    return hashlib.sha256(f"{source}\x00{text}".encode()).hexdigest()


# ---- schema ----------------------------------------------------------------------------------

_V1 = [
    """CREATE TABLE documents (
        hash TEXT PRIMARY KEY,            -- document_hash(source, text): the dedupe key
        id TEXT NOT NULL,                 -- the input's id; an updated article keeps it
        source TEXT NOT NULL,
        url TEXT,
        published TEXT,
        title TEXT,
        first_seen TEXT NOT NULL,         -- date of the run that first read it
        window_date TEXT NOT NULL         -- its ISO published date (at most first_seen), else first_seen
    )""",
    """CREATE TABLE claims (
        key TEXT PRIMARY KEY,             -- document hash '#' seq
        doc_hash TEXT NOT NULL REFERENCES documents (hash),
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,                 -- as extract_claims names it: document id '#' n
        outlet TEXT NOT NULL,
        speaker TEXT,
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        checkworthiness REAL NOT NULL,
        published TEXT
    )""",
    """CREATE TABLE embeddings (
        model TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,             -- float32, native byte order
        PRIMARY KEY (model, text_hash)
    ) WITHOUT ROWID""",
    """CREATE TABLE pairs (
        key TEXT PRIMARY KEY,             -- score_key(): scorer, threshold, both speakers and texts
        scorer TEXT NOT NULL,
        threshold REAL NOT NULL,
        text_hash_a TEXT NOT NULL,
        text_hash_b TEXT NOT NULL,
        p_contradiction REAL NOT NULL,
        p_entailment REAL NOT NULL,
        p_neutral REAL NOT NULL,
        label TEXT NOT NULL,
        divergence REAL NOT NULL,
        kind TEXT,
        findings TEXT NOT NULL,           -- JSON: typed findings with their evidence spans
        scored_on TEXT NOT NULL
    )""",
    """CREATE TABLE findings (
        id TEXT PRIMARY KEY,              -- finding_id(): the two claim texts
        claim_a TEXT NOT NULL REFERENCES claims (key),
        claim_b TEXT NOT NULL REFERENCES claims (key),
        source_a TEXT NOT NULL,
        source_b TEXT NOT NULL,
        topic TEXT NOT NULL,
        similarity REAL NOT NULL,
        overlap REAL NOT NULL,
        kind TEXT,
        divergence REAL NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,          -- last date it was reported flagged
        status TEXT NOT NULL CHECK (status IN ('open', 'lapsed', 'resolved')),
        resolved_on TEXT,
        resolved_by TEXT REFERENCES claims (key)
    )""",
    """CREATE TABLE finding_days (
        finding_id TEXT NOT NULL REFERENCES findings (id),
        date TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('new', 'persisting', 'resolved')),
        kind TEXT,
        divergence REAL NOT NULL,
        resolved_by TEXT REFERENCES claims (key),
        PRIMARY KEY (finding_id, date)
    ) WITHOUT ROWID""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        date TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        options TEXT NOT NULL,
        counts TEXT,
        versions TEXT NOT NULL
    )""",
]
_V2 = [
    "CREATE INDEX documents_window ON documents (window_date)",
    "CREATE INDEX documents_first_seen ON documents (first_seen)",
    "CREATE INDEX claims_document ON claims (doc_hash, seq)",
    "CREATE INDEX findings_status ON findings (status, first_seen)",
    "CREATE INDEX finding_days_date ON finding_days (date, status)",
    "CREATE INDEX runs_date ON runs (date, status)",
]

Migration = Callable[[sqlite3.Connection], None]


def _statements(statements: Sequence[str]) -> Migration:
    # One statement at a time: executescript() would commit the migration's transaction.
    def migrate(conn: sqlite3.Connection) -> None:
        for sql in statements:
            conn.execute(sql)

    return migrate


#: Version n of the schema is reached by applying the first n of these, in order.
MIGRATIONS: list[Migration] = [
    _statements(_V1),  # v1: the tables
    _statements(_V2),  # v2: indexes for the nightly window and findings queries
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(conn: sqlite3.Connection, name: str) -> int:
    """Bring a database (autocommit connection) to :data:`SCHEMA_VERSION` in one transaction.

    Returns the version it had. Raises :class:`StoreError` for a newer database.
    """
    version = schema_version(conn)
    _check_not_newer(version, name)
    if version == SCHEMA_VERSION:
        return version
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = schema_version(conn)  # another process may have migrated meanwhile
        _check_not_newer(version, name)
        for migration in MIGRATIONS[version:]:
            migration(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    if version:
        log.info("%s: schema upgraded from version %d to %d", name, version, SCHEMA_VERSION)
    return version


def _check_not_newer(version: int, name: str) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{name}: database schema version {version} is newer than this divergence "
            f"supports ({SCHEMA_VERSION}); upgrade divergence"
        )


# ---- records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredDocument:
    """A document as the store keeps it (its text is not kept: its claims are)."""

    hash: str
    id: str
    source: str
    url: str | None
    published: str | None
    title: str | None
    first_seen: str
    window_date: str


@dataclass(frozen=True)
class StoredClaim:
    """A claim with its key in the store and the dates of its document."""

    key: str
    doc_hash: str
    seq: int
    claim: Claim
    text_hash: str
    first_seen: str
    window_date: str


@dataclass(frozen=True)
class ScoredPair:
    """A pair's score as cached: ``key`` is :func:`score_key`."""

    key: str
    scorer: str
    threshold: float
    text_hash_a: str
    text_hash_b: str
    score: Score
    scored_on: str


@dataclass(frozen=True)
class FindingRecord:
    """A finding as it stood before some date (from its day-by-day rows)."""

    id: str
    claim_a: str
    claim_b: str
    source_a: str
    source_b: str
    topic: str
    similarity: float
    overlap: float
    first_seen: str
    last_seen: str
    resolved_on: str | None
    resolved_by: str | None


@dataclass(frozen=True)
class FindingDay:
    """One finding's status on one date: new, persisting or resolved."""

    finding_id: str
    date: str
    status: str
    kind: str | None
    divergence: float
    resolved_by: str | None = None


def score_key(
    scorer: str, threshold: float, a: str, b: str, speaker_a: str | None, speaker_b: str | None
) -> str:
    """The cache key of a scored pair: the typed checks read the speakers, the label the threshold."""
    fields = [scorer, repr(float(threshold)), speaker_a, a, speaker_b, b]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def finding_id(text_hash_a: str, text_hash_b: str) -> str:
    """A finding is its two claim texts, in either order."""
    joined = "\x00".join(sorted((text_hash_a, text_hash_b)))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def findings_json(findings: Sequence[Finding]) -> str:
    return json.dumps(
        [
            {"kind": f.kind.value, "strength": f.strength, "note": f.note,
             "spans_a": [[s.start, s.end, s.text] for s in f.spans_a],
             "spans_b": [[s.start, s.end, s.text] for s in f.spans_b]}
            for f in findings
        ],
        ensure_ascii=False,
    )  # fmt: skip


def findings_from_json(text: str) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            Kind(f["kind"]),
            float(f["strength"]),
            tuple(Span(int(s), int(e), str(t)) for s, e, t in f["spans_a"]),
            tuple(Span(int(s), int(e), str(t)) for s, e, t in f["spans_b"]),
            str(f["note"]),
        )
        for f in json.loads(text)
    )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _chunks(items: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _summarize(days: Sequence[FindingDay]) -> tuple[str, str, str | None, str | None]:
    """first_seen, last_seen, resolved_on, resolved_by of a finding from its rows, by date."""
    first_seen = days[0].date
    last_seen = max((d.date for d in days if d.status != "resolved"), default=first_seen)
    if days[-1].status == "resolved":
        return first_seen, last_seen, days[-1].date, days[-1].resolved_by
    return first_seen, last_seen, None, None


# ---- the store -----------------------------------------------------------------------------------


class Store:
    """The nightly database at ``path``, created and upgraded on open.

    ``readonly`` opens an existing file for reading only (no upgrade): for notebooks and
    dashboards next to a running job. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False, timeout: float = 30.0) -> None:
        self.path = Path(path)
        name = str(path)
        if readonly and not self.path.is_file():
            raise StoreError(f"{name}: no such database")
        if not readonly:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"{name}: cannot create its folder ({e.strerror})") from None
        target = f"{self.path.resolve().as_uri()}?mode=ro" if readonly else str(self.path)
        try:
            # Autocommit: every transaction below is explicit and short.
            self.conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, uri=readonly)
        except sqlite3.Error as e:
            raise StoreError(f"{name}: cannot open the database ({e})") from None
        try:
            if readonly:
                version = schema_version(self.conn)
                _check_not_newer(version, name)
                if version < SCHEMA_VERSION:
                    raise StoreError(
                        f"{name}: database schema version {version} is older than this divergence "
                        f"needs ({SCHEMA_VERSION}); open it once for writing to upgrade it"
                    )
            else:
                mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    log.warning("%s: WAL journal not available (%s): readers may wait", name, mode)
                self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent with it
                migrate(self.conn, name)
            self.conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise StoreError(f"{name}: cannot open as a divergence database ({e})") from None
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all of it or none of it, even if the process is killed."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the job lock (``<db>.lock``): one nightly run per database at a time.

        Holding it also proves that a run still marked 'running' is a leftover of a crash.
        """
        if sys.platform == "win32":  # no flock: one job at a time is up to the scheduler
            yield
            return
        import fcntl

        lock = self.path.with_name(self.path.name + ".lock")
        try:
            handle = open(lock, "a")  # noqa: SIM115 - closed below, after the yield
        except OSError as e:
            raise StoreError(f"{lock}: cannot open the lock file ({e.strerror})") from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(
                    f"{self.path}: another nightly run is using this database"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> pd.DataFrame:
        """Any SELECT as a DataFrame."""
        return pd.read_sql_query(sql, self.conn, params=params)

    # ---- documents and claims ----

    def known_documents(self, hashes: Iterable[str]) -> set[str]:
        """Those of ``hashes`` already stored."""
        known: set[str] = set()
        for chunk in _chunks(dict.fromkeys(hashes)):
            sql = f"SELECT hash FROM documents WHERE hash IN ({_marks(len(chunk))})"
            known.update(row[0] for row in self.conn.execute(sql, chunk))
        return known

    def add_documents(
        self, documents: Sequence[StoredDocument], claims: Sequence[StoredClaim]
    ) -> None:
        """Store new documents with their claims, in one transaction."""
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(d.hash, d.id, d.source, d.url, d.published, d.title, d.first_seen,
                  d.window_date) for d in documents],
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.key, c.doc_hash, c.seq, c.claim.id, c.claim.outlet, c.claim.speaker,
                  c.claim.text, c.text_hash, c.claim.start, c.claim.end, c.claim.checkworthiness,
                  c.claim.published) for c in claims],
            )  # fmt: skip

    _CLAIMS = (
        "SELECT c.key, c.doc_hash, c.seq, c.id, d.id, c.outlet, c.speaker, c.text, c.text_hash,"
        ' c.start, c."end", c.checkworthiness, c.published, d.first_seen, d.window_date'
        " FROM claims c JOIN documents d ON d.hash = c.doc_hash"
    )

    @staticmethod
    def _claim(row: Sequence[Any]) -> StoredClaim:
        key, doc_hash, seq, cid, doc_id, outlet, speaker, text, th, start, end, cw, pub, fs, wd = (
            row
        )
        claim = Claim(cid, doc_id, outlet, speaker, text, start, end, cw, pub)
        return StoredClaim(key, doc_hash, seq, claim, th, fs, wd)

    def window_claims(self, day: str, since: str) -> list[StoredClaim]:
        """Claims of documents dated ``since`` to ``day``, plus those first seen on ``day``.

        Ordered oldest first (window date, first seen, document hash, position), so the
        representative of reprinted claims is the earliest one.
        """
        sql = (
            f"{self._CLAIMS} WHERE d.first_seen <= :day"
            " AND (d.window_date BETWEEN :since AND :day OR d.first_seen = :day)"
            " ORDER BY d.window_date, d.first_seen, d.hash, c.seq"
        )
        return [self._claim(r) for r in self.conn.execute(sql, {"day": day, "since": since})]

    def claims_by_key(self, keys: Iterable[str]) -> dict[str, StoredClaim]:
        found: dict[str, StoredClaim] = {}
        for chunk in _chunks(sorted(set(keys))):
            sql = f"{self._CLAIMS} WHERE c.key IN ({_marks(len(chunk))})"
            found.update((r[0], self._claim(r)) for r in self.conn.execute(sql, chunk))
        return found

    def count_first_seen(self, day: str) -> tuple[int, int]:
        """Documents and claims first seen on ``day``."""
        docs, claims = self.conn.execute(
            "SELECT COUNT(DISTINCT d.hash), COUNT(c.key) FROM documents d"
            " LEFT JOIN claims c ON c.doc_hash = d.hash WHERE d.first_seen = ?",
            (day,),
        ).fetchone()
        return int(docs), int(claims)

    # ---- caches ----

    def vectors(self, model: str, hashes: Iterable[str]) -> dict[str, NDArray[np.float32]]:
        """Cached embeddings by text hash, for one model id."""
        found: dict[str, NDArray[np.float32]] = {}
        for chunk in _chunks(dict.fromkeys(hashes)):
            sql = (
                "SELECT text_hash, dim, vector FROM embeddings"
                f" WHERE model = ? AND text_hash IN ({_marks(len(chunk))})"
            )
            for th, dim, blob in self.conn.execute(sql, [model, *chunk]):
                found[th] = np.frombuffer(blob, dtype=np.float32, count=dim).copy()
        return found

    def add_vectors(self, model: str, items: Iterable[tuple[str, NDArray[np.float32]]]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO embeddings VALUES (?, ?, ?, ?)",
                [(model, th, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
                 for th, v in items],
            )  # fmt: skip

    def scores(self, keys: Iterable[str]) -> dict[str, Score]:
        """Cached scores by :func:`score_key`."""
        found: dict[str, Score] = {}
        for chunk in _chunks(dict.fromkeys(keys)):
            sql = (
                "SELECT key, p_contradiction, p_entailment, p_neutral, label, divergence, kind,"
                f" findings FROM pairs WHERE key IN ({_marks(len(chunk))})"
            )
            for key, p_c, p_e, p_n, label, divergence, kind, findings in self.conn.execute(
                sql, chunk
            ):
                found[key] = Score(p_c, p_e, p_n, label, divergence, kind,
                                   findings_from_json(findings))  # fmt: skip
        return found

    def add_scores(self, pairs: Iterable[ScoredPair]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(p.key, p.scorer, p.threshold, p.text_hash_a, p.text_hash_b,
                  p.score.p_contradiction, p.score.p_entailment, p.score.p_neutral, p.score.label,
                  p.score.divergence, p.score.kind, findings_json(p.score.findings), p.scored_on)
                 for p in pairs],
            )  # fmt: skip

    # ---- findings ----

    def _days(self, ids: Iterable[str], before: str | None = None) -> dict[str, list[FindingDay]]:
        days: dict[str, list[FindingDay]] = {}
        for chunk in _chunks(sorted(set(ids))):
            sql = (
                "SELECT finding_id, date, status, kind, divergence, resolved_by FROM finding_days"
                f" WHERE finding_id IN ({_marks(len(chunk))})"
                + (" AND date < ?" if before else "")
                + " ORDER BY finding_id, date"
            )
            for row in self.conn.execute(sql, [*chunk, before] if before else chunk):
                days.setdefault(row[0], []).append(FindingDay(*row))
        return days

    def finding_records(
        self, before: str, *, ids: Iterable[str] | None = None, since: str | None = None
    ) -> dict[str, FindingRecord]:
        """Findings as they stood before date ``before``: those in ``ids``, or else those
        reported flagged on a date from ``since``. Findings with no row before it are left out.
        """
        if ids is None:
            ids = [
                row[0]
                for row in self.conn.execute(
                    "SELECT DISTINCT finding_id FROM finding_days"
                    " WHERE date >= ? AND date < ? AND status != 'resolved'",
                    (since or "", before),
                )
            ]
        days = self._days(ids, before)
        records: dict[str, FindingRecord] = {}
        for chunk in _chunks(sorted(days)):
            sql = (
                "SELECT id, claim_a, claim_b, source_a, source_b, topic, similarity, overlap"
                f" FROM findings WHERE id IN ({_marks(len(chunk))})"
            )
            for fid, a, b, source_a, source_b, topic, similarity, overlap in self.conn.execute(
                sql, chunk
            ):
                first_seen, last_seen, resolved_on, resolved_by = _summarize(days[fid])
                records[fid] = FindingRecord(
                    fid, a, b, source_a, source_b, topic, similarity, overlap,
                    first_seen, last_seen, resolved_on, resolved_by,
                )  # fmt: skip
        return dict(sorted(records.items()))

    def record_findings(
        self, day: str, new: Sequence[tuple[FindingRecord, str | None, float]],
        days: Sequence[FindingDay],
    ) -> None:  # fmt: skip
        """Replace the findings reported for ``day``, in one transaction.

        ``new`` are findings first seen that day (with kind and divergence), ``days`` every
        row reported for it. The summary columns of every finding touched are recomputed
        from its rows, so running a date again leaves the same state.
        """
        with self.transaction() as conn:
            touched = {r[0] for r in conn.execute(
                "SELECT finding_id FROM finding_days WHERE date = ?", (day,))}  # fmt: skip
            conn.execute("DELETE FROM finding_days WHERE date = ?", (day,))
            conn.execute("DELETE FROM findings WHERE first_seen >= ?", (day,))
            conn.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, NULL)",
                [(r.id, r.claim_a, r.claim_b, r.source_a, r.source_b, r.topic, r.similarity,
                  r.overlap, kind, divergence, r.first_seen, r.last_seen)
                 for r, kind, divergence in new],
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO finding_days VALUES (?, ?, ?, ?, ?, ?)",
                [(d.finding_id, d.date, d.status, d.kind, d.divergence, d.resolved_by)
                 for d in days],
            )  # fmt: skip
            touched |= {d.finding_id for d in days}
            touched |= {r[0] for r in conn.execute("SELECT id FROM findings WHERE status = 'open'")}
            updates = []
            for fid, rows in self._days(touched).items():
                first_seen, last_seen, resolved_on, resolved_by = _summarize(rows)
                status = "resolved" if resolved_on else "open" if rows[-1].date == day else "lapsed"
                updates.append((first_seen, last_seen, status, resolved_on, resolved_by,
                                rows[-1].kind, rows[-1].divergence, fid))  # fmt: skip
            conn.executemany(
                "UPDATE findings SET first_seen = ?, last_seen = ?, status = ?, resolved_on = ?,"
                " resolved_by = ?, kind = ?, divergence = ? WHERE id = ?",
                updates,
            )

    # ---- runs ----

    def start_run(self, day: str, options: Mapping[str, Any], versions: Mapping[str, Any]) -> int:
        """Log a run of ``day`` as 'running'; returns its id."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (date, started, status, options, versions)"
                " VALUES (?, ?, 'running', ?, ?)",
                (day, _now(), json.dumps(options, sort_keys=True),
                 json.dumps(versions, sort_keys=True)),
            )  # fmt: skip
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def finish_run(self, run_id: int, counts: Mapping[str, int]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET status = 'done', finished = ?, counts = ? WHERE id = ?",
                (_now(), json.dumps(counts, sort_keys=True), run_id),
            )

    def fail_run(self, run_id: int) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET status = 'failed', finished = ? WHERE id = ? AND status = 'running'",
                (_now(), run_id),
            )

    def mark_interrupted(self) -> list[str]:
        """Mark runs left 'running' (a killed job) as failed; returns their dates.

        Call it holding :meth:`exclusive`, which proves no such run is alive.
        """
        with self.transaction() as conn:
            dates = sorted({r[0] for r in conn.execute(
                "SELECT date FROM runs WHERE status = 'running'")})  # fmt: skip
            conn.execute("UPDATE runs SET status = 'failed' WHERE status = 'running'")
        return dates

    def last_run_date(self) -> str | None:
        """The latest date any run was started for."""
        value: str | None = self.conn.execute("SELECT MAX(date) FROM runs").fetchone()[0]
        return value

    def unfinished_dates(self, before: str) -> list[str]:
        """Dates before ``before`` whose runs all failed, after the last date that finished."""
        sql = (
            "SELECT DISTINCT date FROM runs WHERE date < ?"
            " AND date > COALESCE((SELECT MAX(date) FROM runs WHERE status = 'done'), '')"
            " ORDER BY date"
        )
        return [row[0] for row in self.conn.execute(sql, (before,))]

    # ---- reading, as DataFrames ----

    def documents(self) -> pd.DataFrame:
        """One row per stored document, with its number of claims."""
        return self.query(
            "SELECT d.hash, d.id, d.source, d.url, d.published, d.title, d.first_seen,"
            " d.window_date, COUNT(c.key) AS claims FROM documents d"
            " LEFT JOIN claims c ON c.doc_hash = d.hash GROUP BY d.hash"
            " ORDER BY d.first_seen, d.id, d.hash"
        )

    def findings(self, date: str | None = None) -> pd.DataFrame:
        """Every finding with its current status; or, given a ``date``, those reported that
        day with that day's status (new, persisting, resolved)."""
        sides = (
            "f.source_a, a.text AS claim_a, f.source_b, b.text AS claim_b, r.text AS resolved_by,"
            " f.topic FROM {table} JOIN claims a ON a.key = f.claim_a"
            " JOIN claims b ON b.key = f.claim_b LEFT JOIN claims r ON r.key = {resolved}"
        )
        if date is None:
            return self.query(
                "SELECT f.id AS finding_id, f.status, f.first_seen, f.last_seen, f.resolved_on,"
                " f.kind, f.divergence, "
                + sides.format(table="findings f", resolved="f.resolved_by")
                + " ORDER BY f.first_seen, f.id"
            )
        return self.query(
            "SELECT d.date, f.id AS finding_id, d.status, f.first_seen, f.last_seen,"
            " f.resolved_on, d.kind, d.divergence, "
            + sides.format(
                table="finding_days d JOIN findings f ON f.id = d.finding_id",
                resolved="d.resolved_by",
            )
            + " WHERE d.date = ? ORDER BY CASE d.status WHEN 'new' THEN 0"
            " WHEN 'persisting' THEN 1 ELSE 2 END, d.divergence DESC, f.id",
            (str(date),),
        )

    def runs(self) -> pd.DataFrame:
        """The run log, every attempt, oldest first."""
        return self.query(
            "SELECT id, date, started, finished, status, options, counts, versions FROM runs"
            " ORDER BY id"
        )

    def history(self) -> pd.DataFrame:
        """One row per date that finished: its last finished run's counts, as columns."""
        rows = self.conn.execute(
            "SELECT date, id, started, finished, counts FROM runs WHERE id IN"
            " (SELECT MAX(id) FROM runs WHERE status = 'done' GROUP BY date) ORDER BY date"
        ).fetchall()
        records = [
            {"date": date, "run": run, "started": started, "finished": finished,
             **json.loads(counts or "{}")}
            for date, run, started, finished, counts in rows
        ]  # fmt: skip
        frame = pd.DataFrame(records)
        if frame.empty:
            return pd.DataFrame(columns=["date", "run", "started", "finished"])
        return frame
