"""The nightly store: one SQLite file of documents, claims, cached embeddings and scores,
findings with their day-by-day status, each night's stories, and a log of runs.

The file is in WAL mode, so readers (``pandas.read_sql`` in a notebook) see the last
committed state while a job writes, and every write transaction is short. The schema is
versioned with ``PRAGMA user_version``: :data:`MIGRATIONS` upgrades an older file in place,
and a file newer than this code raises :class:`StoreError`.

Nothing read back is trusted: opening runs ``PRAGMA integrity_check`` and compares the tables
with the schema, and every row read is checked (types, JSON, known kinds, vector lengths,
the claims a finding points at) so that a damaged file is refused with one line naming the
table and row, never misread or answered with a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import reprlib
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from divergence.checks import Finding, Kind, Span
from divergence.claims import Claim
from divergence.errors import StoreError
from divergence.scoring import LABELS, Score

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
_V3 = [
    # head: the first stories.TERM_WORDS words of the document's text, whitespace-joined,
    # all that story clustering reads of it (lead() and the key terms); NULL for documents
    # stored before version 3, whose text is then rebuilt from their claims.
    "ALTER TABLE documents ADD COLUMN head TEXT",
    """CREATE TABLE document_stories (
        date TEXT NOT NULL,               -- the night that grouped its window's documents
        doc_hash TEXT NOT NULL REFERENCES documents (hash),
        story TEXT NOT NULL,              -- stories.story_id() of the story's document hashes
        label TEXT NOT NULL,
        PRIMARY KEY (date, doc_hash)
    ) WITHOUT ROWID""",
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
    _statements(_V3),  # v3: documents grouped into stories, each night
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


@dataclass(frozen=True)
class _Column:
    name: str
    declared: str  # TEXT, INTEGER, REAL or BLOB
    required: bool  # NOT NULL, or a primary key


_SCHEMA: dict[str, list[_Column]] = {}


def _schema() -> dict[str, list[_Column]]:
    """Each table's columns at :data:`SCHEMA_VERSION`, read from an in-memory database."""
    if not _SCHEMA:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            for migration in MIGRATIONS:
                migration(conn)
            for table in _columns(conn):
                _SCHEMA[table] = [
                    _Column(str(r[1]), str(r[2]).upper(), bool(r[3] or r[5]))
                    for r in conn.execute(f"PRAGMA table_info({_quote(table)})")
                ]
        finally:
            conn.close()
    return _SCHEMA


def expected_columns() -> dict[str, list[str]]:
    """Each table's column names at :data:`SCHEMA_VERSION`."""
    return {table: [c.name for c in columns] for table, columns in _schema().items()}


def _columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {
        str(t): [str(r[1]) for r in conn.execute(f"PRAGMA table_info({_quote(str(t))})")]
        for t in names
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_schema(conn: sqlite3.Connection, name: str) -> None:
    """Raise :class:`StoreError` unless every table has exactly the columns of the schema."""
    found = _columns(conn)
    for table, columns in expected_columns().items():
        if table not in found:
            raise StoreError(f"{name}: corrupt database: table {table} is missing")
        if found[table] != columns:
            raise StoreError(
                f"{name}: corrupt database: table {table} has columns "
                f"{', '.join(found[table])}; expected {', '.join(columns)}"
            )


#: Tables without a rowid are named by their primary key in messages.
_ROW_KEYS = {"embeddings": ["model", "text_hash"], "finding_days": ["finding_id", "date"],
             "document_stories": ["date", "doc_hash"]}  # fmt: skip
_DATE_COLUMNS = {("documents", "first_seen"), ("documents", "window_date"),
                 ("findings", "first_seen"), ("findings", "last_seen"),
                 ("findings", "resolved_on"), ("finding_days", "date"), ("runs", "date"),
                 ("document_stories", "date")}  # fmt: skip
_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
#: The storage classes (``typeof``) each declared type holds.
_STORED = {"TEXT": ("text",), "INTEGER": ("integer",), "REAL": ("real", "integer"),
           "BLOB": ("blob",)}  # fmt: skip
_STORED_WORDS = {"text": "text", "integer": "an integer", "real": "a real number",
                 "blob": "a blob"}  # fmt: skip


def _enums() -> dict[tuple[str, str], tuple[str, ...]]:
    return {("findings", "status"): ("open", "lapsed", "resolved"),
            ("finding_days", "status"): DAY_STATUSES, ("runs", "status"): RUN_STATUSES}  # fmt: skip


def _condition(table: str, column: _Column) -> str:
    """The SQL condition every value of a column meets in a sound database."""
    quoted = _quote(column.name)
    allowed = ", ".join(f"'{t}'" for t in _STORED[column.declared])
    condition = f"typeof({quoted}) IN ({allowed})"
    if (table, column.name) in _DATE_COLUMNS:
        condition += f" AND {quoted} GLOB '{_DATE_GLOB}'"
    if (table, column.name) in _enums():
        condition += (
            f" AND {quoted} IN ({', '.join(repr(v) for v in _enums()[table, column.name])})"
        )
    return f"({condition})" if column.required else f"({quoted} IS NULL OR {condition})"


def _type_problem(table: str, values: Mapping[str, object]) -> str:
    """What is wrong with a row the type check picked out, in words."""
    for column in _schema()[table]:
        value = values[column.name]
        if value is None:
            if column.required:
                return f"{column.name} is NULL"
            continue
        stored = {int: "integer", float: "real", str: "text", bytes: "blob"}.get(type(value))
        if stored not in _STORED[column.declared]:
            expected = _STORED_WORDS[_STORED[column.declared][0]]
            return f"{column.name} is {_sql_type(value)}, expected {expected}"
        if (table, column.name) in _enums() and value not in _enums()[table, column.name]:
            return (
                f"{column.name} {reprlib.repr(value)} is not one of "
                f"{', '.join(_enums()[table, column.name])}"
            )
        if (table, column.name) in _DATE_COLUMNS:
            try:
                _day(value, column.name)
            except Corrupt as e:
                return str(e)
    return "a value of the wrong type"


def check_integrity(conn: sqlite3.Connection, name: str) -> None:
    """Raise :class:`StoreError` when ``PRAGMA integrity_check`` finds the file damaged.

    Not ``quick_check``: of 150 copies of a small store with one bit flipped, quick_check
    passed 6 that integrity_check refused (indexes that disagree with their tables, which
    would make queries miss rows without a word).
    """
    problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(5)")]
    if problems != ["ok"]:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise StoreError(
            f"{name}: the database fails its integrity check ({_one_line(problems[0])}{more}); "
            "restore it from a backup"
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
    """A document as the store keeps it (its text is not kept: its claims are, and its
    ``head``, the words story clustering reads; None when stored before schema version 3)."""

    hash: str
    id: str
    source: str
    url: str | None
    published: str | None
    title: str | None
    first_seen: str
    window_date: str
    head: str | None = None


@dataclass(frozen=True)
class DocumentStory:
    """The story a night put a document in: ``story`` is its id, ``label`` its key terms."""

    doc_hash: str
    story: str
    label: str


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
    """The inverse of :func:`findings_json`; raises ``ValueError`` (:class:`Corrupt`) for
    anything it did not write, rather than coercing it."""
    if not isinstance(text, str):
        raise Corrupt(f"findings are {_sql_type(text)}, expected JSON text")
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise Corrupt("findings are not JSON") from None
    if not isinstance(items, list):
        raise Corrupt("findings are not a JSON list")
    return tuple(_finding(f) for f in items)


def _finding(item: Any) -> Finding:
    if not isinstance(item, dict) or not {"kind", "strength", "note", "spans_a", "spans_b"} <= (
        item.keys()
    ):
        raise Corrupt("findings hold an entry without kind, strength, note and spans")
    kind = item["kind"]
    if not isinstance(kind, str) or kind not in _KINDS:
        raise Corrupt(f"findings name an unknown kind {reprlib.repr(kind)}")
    strength, note = item["strength"], item["note"]
    if not _is_number(strength) or not isinstance(note, str):
        raise Corrupt("findings hold a strength that is not a number or a note that is not text")
    return Finding(Kind(kind), float(strength), _spans(item["spans_a"]), _spans(item["spans_b"]),
                   note)  # fmt: skip


def _spans(value: Any) -> tuple[Span, ...]:
    if not isinstance(value, list):
        raise Corrupt("findings hold spans that are not a list")
    spans = []
    for span in value:
        if not (isinstance(span, list) and len(span) == 3 and _is_int(span[0])
                and _is_int(span[1]) and isinstance(span[2], str)):  # fmt: skip
            raise Corrupt("findings hold a span that is not [start, end, text]")
        spans.append(Span(span[0], span[1], span[2]))
    return tuple(spans)


# ---- checking what is read back ---------------------------------------------------------------

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_STORY = re.compile(r"s[0-9a-f]{8}")
_KINDS = frozenset(k.value for k in Kind)
DAY_STATUSES = ("new", "persisting", "resolved")
RUN_STATUSES = ("running", "done", "failed")


class Corrupt(ValueError):
    """A value read back from the store is not what the store writes; :class:`Store` names
    the table and row and raises :class:`StoreError`."""


def _sql_type(value: object) -> str:
    names = {type(None): "NULL", int: "an integer", float: "a real number", str: "text",
             bytes: "a blob"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))  # fmt: skip


def _text(value: object, column: str) -> str:
    if isinstance(value, str):
        return value
    raise Corrupt(f"{column} is {_sql_type(value)}, expected text")


def _maybe_text(value: object, column: str) -> str | None:
    return None if value is None else _text(value, column)


def _int(value: object, column: str) -> int:
    if _is_int(value):
        assert isinstance(value, int)
        return value
    raise Corrupt(f"{column} is {_sql_type(value)}, expected an integer")


def _real(value: object, column: str) -> float:
    if _is_number(value):
        assert isinstance(value, int | float)
        return float(value)
    raise Corrupt(f"{column} is {_sql_type(value)}, expected a finite number")


def _day(value: object, column: str) -> str:
    text = _text(value, column)
    try:
        if _DAY.fullmatch(text):
            datetime.strptime(text, "%Y-%m-%d")  # a real date: no 2024-02-30
            return text
    except ValueError:
        pass
    raise Corrupt(f"{column} {reprlib.repr(text)} is not a YYYY-MM-DD date")


def _story(value: object) -> str:
    text = _text(value, "story")
    if _STORY.fullmatch(text):
        return text
    raise Corrupt(f"story {reprlib.repr(text)} is not a story id (s and 8 hex digits)")


def _choice(value: object, column: str, allowed: Sequence[str | None]) -> str | None:
    if (value is None or isinstance(value, str)) and value in allowed:
        return value
    named = ", ".join(a for a in allowed if a is not None)
    raise Corrupt(f"{column} {reprlib.repr(value)} is not one of {named}")


def _json_object(value: object, column: str) -> dict[str, Any]:
    text = _text(value, column)
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        raise Corrupt(f"{column} are not JSON") from None
    if not isinstance(found, dict):
        raise Corrupt(f"{column} are not a JSON object")
    return found


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


def _utf8(name: str, raw: bytes) -> str:
    """A text value read back (the connection's text_factory), refused when not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        shown = raw[max(0, e.start - 20) : e.end + 20].decode("utf-8", "replace")
        raise StoreError(
            f"{name}: corrupt text (not UTF-8) near {reprlib.repr(shown)}; "
            "restore the database from a backup"
        ) from None


class Store:
    """The nightly database at ``path``, created and upgraded on open.

    ``readonly`` opens an existing file for reading only (no upgrade): for notebooks and
    dashboards next to a running job. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.name = name = str(path)
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
            raise StoreError(f"{name}: cannot open the database ({_one_line(str(e))})") from None
        # A flipped bit can leave a text value that is not UTF-8 in a file that passes
        # PRAGMA integrity_check; sqlite3 would raise a bare OperationalError on reading it.
        self.conn.text_factory = partial(_utf8, name)
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
            # A damaged file is refused before anything is read from it or written to it.
            check_integrity(self.conn, name)
            if not readonly:
                migrate(self.conn, name)
            check_schema(self.conn, name)
            self._check_types()
            self.conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise StoreError(
                f"{name}: cannot open as a divergence database ({_one_line(str(e))})"
            ) from None
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def _check_types(self) -> None:
        """Every value of every row has its column's type (and dates their form, statuses a
        known value), checked in SQL, one scan per table. A value of the wrong type would
        otherwise drop its row out of a query without a word (a window that compares dates)."""
        for table, schema in _schema().items():
            keys = _ROW_KEYS.get(table, ["rowid"])
            columns = [c.name for c in schema]
            conditions = " AND ".join(_condition(table, c) for c in schema)
            sql = (
                f"SELECT {', '.join([*keys, *map(_quote, columns)])} FROM {table}"
                f" WHERE NOT ({conditions}) LIMIT 1"
            )
            row = self.conn.execute(sql).fetchone()
            if row is not None:
                where = row[0] if len(keys) == 1 else ", ".join(map(reprlib.repr, row[: len(keys)]))
                values = dict(zip(columns, row[len(keys) :], strict=True))
                raise self._corrupt(table, where, _type_problem(table, values))

    def _corrupt(self, table: str, row: object, problem: str) -> StoreError:
        return StoreError(
            f"{self.name}: corrupt {table} row {row}: {problem}; restore the database from a backup"
        )

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
        """Any SELECT as a DataFrame; a failing one raises :class:`StoreError`."""
        try:
            return pd.read_sql_query(sql, self.conn, params=params)
        except (sqlite3.Error, pd.errors.DatabaseError) as e:
            cause = e.__cause__ if isinstance(e.__cause__, sqlite3.Error) else e
            raise StoreError(f"{self.name}: cannot read: {_one_line(str(cause))}") from None

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
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(d.hash, d.id, d.source, d.url, d.published, d.title, d.first_seen,
                  d.window_date, d.head) for d in documents],
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.key, c.doc_hash, c.seq, c.claim.id, c.claim.outlet, c.claim.speaker,
                  c.claim.text, c.text_hash, c.claim.start, c.claim.end, c.claim.checkworthiness,
                  c.claim.published) for c in claims],
            )  # fmt: skip

    def documents_by_hash(self, hashes: Iterable[str]) -> dict[str, StoredDocument]:
        """Stored documents by hash, every value checked."""
        found: dict[str, StoredDocument] = {}
        for chunk in _chunks(dict.fromkeys(hashes)):
            sql = (
                "SELECT hash, id, source, url, published, title, first_seen, window_date, head,"
                f" rowid FROM documents WHERE hash IN ({_marks(len(chunk))})"
            )
            for h, did, source, url, published, title, fs, wd, head, rowid in self.conn.execute(
                sql, chunk
            ):
                try:
                    found[h] = StoredDocument(
                        _text(h, "hash"), _text(did, "id"), _text(source, "source"),
                        _maybe_text(url, "url"), _maybe_text(published, "published"),
                        _maybe_text(title, "title"), _day(fs, "first_seen"),
                        _day(wd, "window_date"), _maybe_text(head, "head"),
                    )  # fmt: skip
                except Corrupt as e:
                    raise self._corrupt("documents", rowid, str(e)) from None
        return found

    _CLAIMS = (
        "SELECT c.key, c.doc_hash, c.seq, c.id, d.id, c.outlet, c.speaker, c.text, c.text_hash,"
        ' c.start, c."end", c.checkworthiness, c.published, d.first_seen, d.window_date,'
        " c.rowid FROM claims c JOIN documents d ON d.hash = c.doc_hash"
    )

    def _claim(self, row: Sequence[Any]) -> StoredClaim:
        """A row of :attr:`_CLAIMS`, every value checked."""
        key, doc_hash, seq, cid, doc_id, outlet, speaker, text, th, start, end, cw, pub, fs, wd = (
            row[:-1]
        )
        try:
            start, end = _int(start, "start"), _int(end, "end")
            if not 0 <= start <= end:
                raise Corrupt(f"offsets {start}..{end} are not a span")
            claim = Claim(_text(cid, "id"), _text(doc_id, "document id"),
                          _text(outlet, "outlet"), _maybe_text(speaker, "speaker"),
                          _text(text, "text"), start, end, _real(cw, "checkworthiness"),
                          _maybe_text(pub, "published"))  # fmt: skip
            return StoredClaim(_text(key, "key"), _text(doc_hash, "doc_hash"), _int(seq, "seq"),
                               claim, _text(th, "text_hash"), _day(fs, "its document's first_seen"),
                               _day(wd, "its document's window_date"))  # fmt: skip
        except Corrupt as e:
            raise self._corrupt("claims", row[-1], str(e)) from None

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
                found[th] = self._vector(model, th, dim, blob)
        return found

    def _vector(self, model: str, th: str, dim: object, blob: object) -> NDArray[np.float32]:
        try:
            n = _int(dim, "dim")
            if n < 1:
                raise Corrupt(f"dim is {n}, expected a positive integer")
            if not isinstance(blob, bytes):
                raise Corrupt(f"vector is {_sql_type(blob)}, expected a blob")
            if len(blob) != 4 * n:
                raise Corrupt(f"vector has {len(blob)} bytes; {n} dimensions need {4 * n}")
            vector = np.frombuffer(blob, dtype=np.float32).copy()
            if not np.isfinite(vector).all():
                raise Corrupt("vector holds NaN or infinite values")
        except Corrupt as e:
            row = f"for model {reprlib.repr(model)} and text {reprlib.repr(th)}"
            raise self._corrupt("embeddings", row, str(e)) from None
        return vector

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
                f" findings, rowid FROM pairs WHERE key IN ({_marks(len(chunk))})"
            )
            for key, p_c, p_e, p_n, label, divergence, kind, findings, rowid in self.conn.execute(
                sql, chunk
            ):
                try:
                    found[key] = Score(
                        _real(p_c, "p_contradiction"), _real(p_e, "p_entailment"),
                        _real(p_n, "p_neutral"), str(_choice(label, "label", LABELS)),
                        _real(divergence, "divergence"),
                        _choice(kind, "kind", (None, *sorted(_KINDS))),
                        findings_from_json(findings),
                    )  # fmt: skip
                except Corrupt as e:
                    raise self._corrupt("pairs", rowid, str(e)) from None
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
                days.setdefault(row[0], []).append(self._day_row(row))
        return days

    def _day_row(self, row: Sequence[Any]) -> FindingDay:
        fid, date, status, kind, divergence, resolved_by = row
        try:
            return FindingDay(
                _text(fid, "finding_id"), _day(date, "date"),
                str(_choice(status, "status", DAY_STATUSES)),
                _choice(kind, "kind", (None, *sorted(_KINDS))), _real(divergence, "divergence"),
                _maybe_text(resolved_by, "resolved_by"),
            )  # fmt: skip
        except Corrupt as e:
            where = f"for finding {reprlib.repr(fid)} on {reprlib.repr(date)}"
            raise self._corrupt("finding_days", where, str(e)) from None

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
            # A finding's claims must still be there (with their documents) to be compared.
            exists = (
                "EXISTS (SELECT 1 FROM claims c JOIN documents d ON d.hash = c.doc_hash"
                " WHERE c.key = f.{side})"
            )
            sql = (
                "SELECT f.id, f.claim_a, f.claim_b, f.source_a, f.source_b, f.topic,"
                f" f.similarity, f.overlap, f.rowid, {exists.format(side='claim_a')},"
                f" {exists.format(side='claim_b')} FROM findings f"
                f" WHERE f.id IN ({_marks(len(chunk))})"
            )
            for row in self.conn.execute(sql, chunk):
                fid, a, b, source_a, source_b, topic, similarity, overlap, rowid, *found = row
                try:
                    for side, key, there in zip("ab", (a, b), found, strict=True):
                        if not there:
                            raise Corrupt(f"claim_{side} {reprlib.repr(key)} is not stored")
                    first_seen, last_seen, resolved_on, resolved_by = _summarize(days[fid])
                    records[fid] = FindingRecord(
                        fid, _text(a, "claim_a"), _text(b, "claim_b"),
                        _text(source_a, "source_a"), _text(source_b, "source_b"),
                        _text(topic, "topic"), _real(similarity, "similarity"),
                        _real(overlap, "overlap"), first_seen, last_seen, resolved_on, resolved_by,
                    )  # fmt: skip
                except Corrupt as e:
                    raise self._corrupt("findings", rowid, str(e)) from None
        return dict(sorted(records.items()))

    def record_findings(
        self, day: str, new: Sequence[tuple[FindingRecord, str | None, float]],
        days: Sequence[FindingDay], *, stories: Sequence[DocumentStory] | None = None,
    ) -> None:  # fmt: skip
        """Replace the findings reported for ``day``, in one transaction.

        ``new`` are findings first seen that day (with kind and divergence), ``days`` every
        row reported for it. The summary columns of every finding touched are recomputed
        from its rows, so running a date again leaves the same state. ``stories``, when
        given, replaces the day's grouping of documents in the same transaction.
        """
        with self.transaction() as conn:
            if stories is not None:
                conn.execute("DELETE FROM document_stories WHERE date = ?", (day,))
                conn.executemany(
                    "INSERT INTO document_stories VALUES (?, ?, ?, ?)",
                    [(day, s.doc_hash, s.story, s.label) for s in stories],
                )
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

    def check_runs(self) -> None:
        """Raise :class:`StoreError` unless every logged run has a date, a known status and
        counts that are a JSON object of integers (the log is short: one row per attempt)."""
        for rowid, date, status, counts in self.conn.execute(
            "SELECT id, date, status, counts FROM runs"
        ):
            try:
                _day(date, "date")
                _choice(status, "status", RUN_STATUSES)
                if counts is not None:
                    found = _json_object(counts, "counts")
                    if not all(_is_int(v) for v in found.values()):
                        raise Corrupt("counts are not all integers")
            except Corrupt as e:
                raise self._corrupt("runs", rowid, str(e)) from None

    def mark_interrupted(self) -> list[str]:
        """Mark runs left 'running' (a killed job) as failed; returns their dates.

        Call it holding :meth:`exclusive`, which proves no such run is alive.
        """
        self.check_runs()
        with self.transaction() as conn:
            dates = sorted({r[0] for r in conn.execute(
                "SELECT date FROM runs WHERE status = 'running'")})  # fmt: skip
            conn.execute("UPDATE runs SET status = 'failed' WHERE status = 'running'")
        return dates

    def last_run_date(self) -> str | None:
        """The latest date any run was started for."""
        self.check_runs()
        value: str | None = self.conn.execute("SELECT MAX(date) FROM runs").fetchone()[0]
        return value

    def unfinished_dates(self, before: str) -> list[str]:
        """Dates before ``before`` whose runs all failed, after the last date that finished."""
        self.check_runs()
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
        # The story of claim_a's document on the night in question (NULL where that night
        # did not group it): the last night a finding was reported, or the date asked for.
        story = " LEFT JOIN document_stories s ON s.date = {night} AND s.doc_hash = a.doc_hash"
        if date is None:
            return self.query(
                "SELECT f.id AS finding_id, f.status, s.story, s.label AS story_label,"
                " f.first_seen, f.last_seen, f.resolved_on, f.kind, f.divergence, "
                + sides.format(table="findings f", resolved="f.resolved_by")
                + story.format(night="COALESCE(f.resolved_on, f.last_seen)")
                + " ORDER BY f.first_seen, f.id"
            )
        return self.query(
            "SELECT d.date, f.id AS finding_id, d.status, s.story, s.label AS story_label,"
            " f.first_seen, f.last_seen, f.resolved_on, d.kind, d.divergence, "
            + sides.format(
                table="finding_days d JOIN findings f ON f.id = d.finding_id",
                resolved="d.resolved_by",
            )
            + story.format(night="d.date")
            + " WHERE d.date = ? ORDER BY CASE d.status WHEN 'new' THEN 0"
            " WHEN 'persisting' THEN 1 ELSE 2 END, d.divergence DESC, f.id",
            (str(date),),
        )

    def stories(self, date: str | None = None) -> pd.DataFrame:
        """One row per night and story (``date``'s only, when given): ``date``, ``story``,
        ``label`` and its number of ``documents``. Every row is checked: its document must
        be stored and its story id be one :func:`divergence.stories.story_id` makes."""
        sql = (
            "SELECT s.date, s.doc_hash, s.story, s.label, d.hash IS NOT NULL"
            " FROM document_stories s LEFT JOIN documents d ON d.hash = s.doc_hash"
            + (" WHERE s.date = ?" if date is not None else "")
            + " ORDER BY s.date, s.story, s.doc_hash"
        )
        counts: dict[tuple[str, str, str], int] = {}
        for day, doc_hash, story, label, stored in self.conn.execute(
            sql, () if date is None else (str(date),)
        ):
            try:
                key = (_day(day, "date"), _story(story), _text(label, "label"))
                if not stored:
                    raise Corrupt(f"doc_hash {reprlib.repr(doc_hash)} is not stored")
            except Corrupt as e:
                where = f"{reprlib.repr(day)}, {reprlib.repr(doc_hash)}"
                raise self._corrupt("document_stories", where, str(e)) from None
            counts[key] = counts.get(key, 0) + 1
        return pd.DataFrame(
            [(*key, n) for key, n in counts.items()],
            columns=["date", "story", "label", "documents"],
        )

    def runs(self) -> pd.DataFrame:
        """The run log, every attempt, oldest first."""
        return self.query(
            "SELECT id, date, started, finished, status, options, counts, versions FROM runs"
            " ORDER BY id"
        )

    def history(self) -> pd.DataFrame:
        """One row per date that finished: its last finished run's counts, as columns."""
        self.check_runs()
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
