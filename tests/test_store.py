"""The nightly store: paths, schema migrations, WAL readers, caches and DataFrame readers."""

from __future__ import annotations

import reprlib
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from divergence.checks import Finding, Kind, Span
from divergence.claims import Claim
from divergence.errors import StoreError
from divergence.scoring import Score
from divergence.store import (
    MIGRATIONS,
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

TABLES = {"claims", "document_stories", "documents", "embeddings", "finding_days", "findings",
          "pairs", "runs"}  # fmt: skip


def sql(path: Path, statement: str) -> list[tuple[object, ...]]:
    """Run one statement on a connection of its own (autocommit), as another program would."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        return conn.execute(statement).fetchall()


def tables(path: Path) -> set[str]:
    return {str(r[0]) for r in sql(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}


def version(path: Path) -> int:
    return int(str(sql(path, "PRAGMA user_version")[0][0]))


def a_document(text: str = "Forty people were killed, officials said.") -> StoredDocument:
    h = document_hash("Outlet A", text)
    return StoredDocument(h, "a1", "Outlet A", None, "2024-04-08", None, "2024-04-08", "2024-04-08")


# ---- paths -----------------------------------------------------------------------------------


def test_user_dir_honours_divergence_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DIVERGENCE_HOME", str(tmp_path / "home"))
    assert user_dir() == tmp_path / "home"


def test_user_dir_defaults_to_local_share(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DIVERGENCE_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_dir() == tmp_path / ".local" / "share" / "divergence"


def test_db_path_resolution_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DIVERGENCE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DIVERGENCE_DB", raising=False)
    assert resolve_db() == tmp_path / "home" / "divergence.db"
    monkeypatch.setenv("DIVERGENCE_DB", str(tmp_path / "env.db"))
    assert resolve_db() == tmp_path / "env.db"
    assert resolve_db(tmp_path / "option.db") == tmp_path / "option.db"


# ---- schema ----------------------------------------------------------------------------------


def test_fresh_database_is_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "fresh.db"  # the folder is created
    Store(path).close()
    assert version(path) == SCHEMA_VERSION == len(MIGRATIONS) == 3
    assert tables(path) == TABLES


def test_older_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:  # as v1 created it
        MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO documents VALUES ('h1', 'a1', 'Outlet A', NULL, NULL, NULL,"
            " '2024-04-08', '2024-04-08')"
        )
    with pytest.raises(StoreError, match="version 1 is older than this divergence needs"):
        Store(path, readonly=True)  # a reader never upgrades
    with Store(path) as store:
        assert store.documents()["id"].tolist() == ["a1"]
    assert version(path) == SCHEMA_VERSION
    indexes = {r[0] for r in sql(path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"documents_window", "finding_days_date", "runs_date"} <= indexes


def test_version_2_database_gains_heads_and_stories(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    doc = a_document()
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:  # as v2 created it
        for migration in MIGRATIONS[:2]:
            migration(conn)
        conn.execute("PRAGMA user_version = 2")
        conn.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.hash, doc.id, doc.source, doc.url, doc.published, doc.title, doc.first_seen,
             doc.window_date),
        )  # fmt: skip
    with Store(path) as store:
        assert store.documents_by_hash([doc.hash]) == {doc.hash: doc}  # head None: not stored
        assert store.stories().empty
    assert version(path) == SCHEMA_VERSION == 3
    assert tables(path) == TABLES
    columns = [r[1] for r in sql(path, "PRAGMA table_info(documents)")]
    assert columns[-2:] == ["window_date", "head"]


def test_newer_database_raises_one_line(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    sql(path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError) as info:
        Store(path)
    assert str(info.value) == (
        f"{path}: database schema version {SCHEMA_VERSION + 1} is newer than this divergence "
        f"supports ({SCHEMA_VERSION}); upgrade divergence"
    )
    with pytest.raises(StoreError, match="is newer than"):
        Store(path, readonly=True)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(
        StoreError,
        match=r"notes.db: cannot open as a divergence database \(file is not a database\)",
    ):
        Store(path)


def test_failed_migration_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clash.db"
    sql(path, "CREATE TABLE runs (x)")  # someone else's table, with one of our names
    with pytest.raises(StoreError, match="table runs already exists"):
        Store(path)
    assert version(path) == 0
    assert tables(path) == {"runs"}


def test_readonly_needs_an_existing_current_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()
    Store(tmp_path / "ok.db").close()
    with Store(tmp_path / "ok.db", readonly=True) as store:
        assert store.documents().empty
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.add_documents([a_document()], [])


# ---- concurrency -----------------------------------------------------------------------------


def test_wal_mode_is_on(tmp_path: Path) -> None:
    Store(tmp_path / "wal.db").close()
    assert sql(tmp_path / "wal.db", "PRAGMA journal_mode") == [("wal",)]


def test_readers_read_while_a_write_transaction_is_open(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    with Store(path) as store:
        store.add_documents([a_document("First.")], [])
        reader = sqlite3.connect(path, timeout=0.1)  # "database is locked" if it had to wait
        with store.transaction() as conn:
            doc = a_document("Second.")
            conn.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.hash, "a2", doc.source, None, None, None, doc.first_seen, doc.window_date,
                 None),
            )  # fmt: skip
            # A notebook's reader sees the last committed state, without waiting.
            frame = pd.read_sql("SELECT id FROM documents ORDER BY id", reader)
            assert frame["id"].tolist() == ["a1"]
            with Store(path, readonly=True) as other:
                assert len(other.documents()) == 1
        frame = pd.read_sql("SELECT id FROM documents ORDER BY id", reader)
        assert frame["id"].tolist() == ["a1", "a2"]
        reader.close()


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "t.db") as store:
        with pytest.raises(RuntimeError), store.transaction() as conn:
            conn.execute(
                "INSERT INTO runs (date, started, status, options, versions)"
                " VALUES ('2024-04-08', 'now', 'running', '{}', '{}')"
            )
            raise RuntimeError("killed")
        assert store.runs().empty


def test_one_job_at_a_time(tmp_path: Path) -> None:
    with Store(tmp_path / "lock.db") as first, Store(tmp_path / "lock.db") as second:
        with (
            first.exclusive(),
            pytest.raises(StoreError, match="another nightly run is using this database"),
            second.exclusive(),
        ):
            pass  # pragma: no cover
        with second.exclusive():
            pass


# ---- caches ----------------------------------------------------------------------------------


def test_vectors_round_trip_as_float32(tmp_path: Path) -> None:
    vector = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    with Store(tmp_path / "v.db") as store:
        store.add_vectors("model-x", [(text_hash("a"), vector)])
        store.add_vectors("model-x", [(text_hash("a"), vector * 0)])  # first one wins
        found = store.vectors("model-x", [text_hash("a"), text_hash("b")])
        assert list(found) == [text_hash("a")]
        assert found[text_hash("a")].dtype == np.float32
        np.testing.assert_array_equal(found[text_hash("a")], vector)
        assert store.vectors("model-y", [text_hash("a")]) == {}


def test_scores_round_trip_with_evidence(tmp_path: Path) -> None:
    finding = Finding(Kind.NUMERIC, 0.69, (Span(9, 11, "40"),), (Span(50, 52, "33"),), "40 vs 33")
    score = Score(0.1, 0.2, 0.7, "contradiction", 0.69, "numeric", (finding,))
    key = score_key("checks", 0.5, "a", "b", "officials", None)
    assert key != score_key("checks", 0.6, "a", "b", "officials", None)
    assert key != score_key("checks", 0.5, "a", "b", None, None)
    assert key != score_key("other", 0.5, "a", "b", "officials", None)
    with Store(tmp_path / "s.db") as store:
        store.add_scores([ScoredPair(key, "checks", 0.5, "ha", "hb", score, "2024-04-08")])
        assert store.scores([key, "unknown"]) == {key: score}


def test_hashes() -> None:
    assert document_hash("A", "text") != document_hash("B", "text")
    assert finding_id("x", "y") == finding_id("y", "x") != finding_id("x", "z")
    assert len(text_hash("t")) == 64


# ---- readers ---------------------------------------------------------------------------------


def test_readers_on_an_empty_store(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.db") as store:
        assert list(store.documents().columns) == [
            "hash", "id", "source", "url", "published", "title", "first_seen", "window_date",
            "claims",
        ]  # fmt: skip
        assert store.findings().empty and "finding_id" in store.findings().columns
        assert store.findings("2024-04-08").empty
        assert list(store.history().columns) == ["date", "run", "started", "finished"]
        assert store.last_run_date() is None


def test_documents_and_claims(tmp_path: Path) -> None:
    doc = replace(a_document(), head="Forty people were killed, officials said.")
    claim = Claim("a1#1", "a1", "Outlet A", "officials", "Forty people were killed.", 0, 25, 0.9)
    stored = StoredClaim(f"{doc.hash}#1", doc.hash, 1, claim, text_hash(claim.text),
                         doc.first_seen, doc.window_date)  # fmt: skip
    with Store(tmp_path / "d.db") as store:
        store.add_documents([doc], [stored])
        assert store.known_documents([doc.hash, "other"]) == {doc.hash}
        assert store.window_claims("2024-04-08", "2024-04-02") == [stored]
        assert store.window_claims("2024-04-20", "2024-04-14") == []
        assert store.claims_by_key([stored.key]) == {stored.key: stored}
        assert store.count_first_seen("2024-04-08") == (1, 1)
        assert store.documents()["claims"].tolist() == [1]
        assert store.documents_by_hash([doc.hash, "other"]) == {doc.hash: doc}
        with pytest.raises(sqlite3.IntegrityError):  # the hash is the document's identity
            store.add_documents([doc], [])


# ---- a damaged database is refused with one line --------------------------------------------

DAY = "2024-04-08"
STORY = "s0123abcd"


def filled_document() -> StoredDocument:
    return a_document("Forty people were killed. Thirty-three people died.")


def filled(path: Path) -> Path:
    """A store with one of everything: two claims, a vector, a score, a finding, a run, a
    story."""
    doc = filled_document()
    claims = [
        StoredClaim(
            f"{doc.hash}#{n}",
            doc.hash,
            n,
            Claim(f"a1#{n}", "a1", "Outlet A", "officials", text, start, end, 0.9),
            text_hash(text),
            DAY,
            DAY,
        )
        for n, (text, start, end) in enumerate(
            [("Forty people were killed.", 0, 25), ("Thirty-three people died.", 26, 51)], 1
        )
    ]
    finding = Finding(Kind.NUMERIC, 0.7, (Span(0, 5, "Forty"),), (Span(0, 12, "Thirty-three"),), "")
    score = Score(0.1, 0.2, 0.7, "contradiction", 0.7, "numeric", (finding,))
    fid = finding_id(claims[0].text_hash, claims[1].text_hash)
    record = FindingRecord(fid, claims[0].key, claims[1].key, "officials", "officials", "topic",
                           0.8, 0.5, DAY, DAY, None, None)  # fmt: skip
    with Store(path) as store:
        store.add_documents([doc], claims)
        store.add_vectors("m", [(claims[0].text_hash, np.ones(3, dtype=np.float32))])
        store.add_scores([ScoredPair("k", "checks", 0.5, "ha", "hb", score, DAY)])
        grouping = [DocumentStory(doc.hash, STORY, "people, killed")]
        store.record_findings(DAY, [(record, "numeric", 0.7)],
                              [FindingDay(fid, DAY, "new", "numeric", 0.7)],
                              stories=grouping)  # fmt: skip
        run = store.start_run(DAY, {}, {})
        store.finish_run(run, {"new": 1})
    return path


def damaged(path: Path, *statements: str) -> Path:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")  # as a careless tool would
        for statement in statements:
            conn.execute(statement)
    return path


def read_all(store: Store) -> None:
    """Every reader the nightly job uses, over every row."""
    claims = store.window_claims("9999-12-31", "0001-01-01")
    store.claims_by_key([c.key for c in claims])
    store.vectors("m", [r[0] for r in store.conn.execute("SELECT text_hash FROM embeddings")])
    store.scores(["k"])
    store.finding_records(
        "9999-12-31", ids=[r[0] for r in store.conn.execute("SELECT id FROM findings")]
    )
    store.history()
    store.last_run_date()
    store.stories()
    store.documents_by_hash(r[0] for r in store.conn.execute("SELECT hash FROM documents"))


def test_a_sound_store_reads_back_everything(tmp_path: Path) -> None:
    with Store(filled(tmp_path / "ok.db")) as store:
        read_all(store)
        assert store.history()["new"].tolist() == [1]
        assert store.stories().values.tolist() == [[DAY, STORY, "people, killed", 1]]
        # the story of claim_a's document, that night
        assert store.findings()[["story", "story_label"]].values.tolist() == [
            [STORY, "people, killed"]
        ]
        assert store.findings(DAY)["story"].tolist() == [STORY]


def test_a_nights_grouping_is_replaced_with_its_findings(tmp_path: Path) -> None:
    path = filled(tmp_path / "g.db")
    with Store(path) as store:
        doc_hash = store.conn.execute("SELECT hash FROM documents").fetchone()[0]
        store.record_findings(DAY, [], [])  # no grouping given: the night's is kept
        assert len(store.stories(DAY)) == 1
        store.record_findings(DAY, [], [], stories=[DocumentStory(doc_hash, "s99999999", "x")])
        assert store.stories().values.tolist() == [[DAY, "s99999999", "x", 1]]
        assert store.findings().empty  # the findings first seen that night went with it


FIX = "; restore the database from a backup"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        # wrong types and forms: refused when the file is opened, naming table, row and column
        ("UPDATE claims SET speaker = x'00ff'", "corrupt claims row 1: speaker is a blob, expected text"),
        ("UPDATE claims SET text = x'3432'", "corrupt claims row 1: text is a blob, expected text"),
        ("UPDATE claims SET start = 'x'", "corrupt claims row 1: start is text, expected an integer"),
        ("UPDATE documents SET window_date = 'someday'",
         "corrupt documents row 1: window_date 'someday' is not a YYYY-MM-DD date"),
        ("UPDATE runs SET date = 20240408",  # stored as text '20240408'
         "corrupt runs row 1: date '20240408' is not a YYYY-MM-DD date"),
        ("UPDATE runs SET date = x'00'", "corrupt runs row 1: date is a blob, expected text"),
        # past the CHECK constraints: integrity_check may see these first, or the type check
        ("UPDATE runs SET status = 'paused'",
         "corrupt runs row 1: status 'paused' is not one of running, done, failed"),
        ("UPDATE finding_days SET status = 'maybe'",
         "corrupt finding_days row '{fid}', '2024-04-08': status 'maybe' is not one of new, "
         "persisting, resolved"),
        ("UPDATE pairs SET p_neutral = 'high'",
         "corrupt pairs row 1: p_neutral is text, expected a real number"),
        ("UPDATE embeddings SET vector = 'text'",
         "corrupt embeddings row 'm', {th}: vector is text, expected a blob"),
        ("UPDATE documents SET head = x'00'", "corrupt documents row 1: head is a blob, expected text"),
        ("UPDATE document_stories SET story = x'07'",
         "corrupt document_stories row '2024-04-08', {dh}: story is a blob, expected text"),
        ("UPDATE document_stories SET label = x'00'",
         "corrupt document_stories row '2024-04-08', {dh}: label is a blob, expected text"),
        ("UPDATE document_stories SET date = 'tonight'",
         "corrupt document_stories row 'tonight', {dh}: date 'tonight' is not a YYYY-MM-DD date"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_type_are_refused_on_open(
    tmp_path: Path, statement: str, message: str
) -> None:
    path = filled(tmp_path / "news.db")
    with Store(path) as store:
        fid = store.conn.execute("SELECT id FROM findings").fetchone()[0]
    damaged(path, statement)
    th = reprlib.repr(text_hash("Forty people were killed."))
    dh = reprlib.repr(filled_document().hash)
    for readonly in (False, True):
        with pytest.raises(StoreError) as info:
            Store(path, readonly=readonly)
        table = statement.split()[1]
        assert str(info.value) in (
            f"{path}: {message.format(th=th, fid=fid, dh=dh)}{FIX}",
            f"{path}: the database fails its integrity check (CHECK constraint failed in "
            f"{table}); restore it from a backup",
        )


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        # the right types, wrong contents: refused when read
        ("UPDATE pairs SET findings = 'not json'", "corrupt pairs row 1: findings are not JSON"),
        ("UPDATE pairs SET findings = '{}'", "corrupt pairs row 1: findings are not a JSON list"),
        ("""UPDATE pairs SET findings = '[{"kind": "weird", "strength": 1, "note": "",
            "spans_a": [], "spans_b": []}]'""",
         "corrupt pairs row 1: findings name an unknown kind 'weird'"),
        ("""UPDATE pairs SET findings = '[{"kind": "numeric", "strength": 1, "note": "",
            "spans_a": [[0, 5]], "spans_b": []}]'""",
         "corrupt pairs row 1: findings hold a span that is not [start, end, text]"),
        ("UPDATE pairs SET findings = '" + "[" * 5000 + "'", "corrupt pairs row 1: findings are not JSON"),
        ("UPDATE pairs SET kind = 'weird'",
         "corrupt pairs row 1: kind 'weird' is not one of attribution, certainty, contradiction, "
         "date, edit, negation, numeric"),
        ("UPDATE pairs SET label = 'maybe'",
         "corrupt pairs row 1: label 'maybe' is not one of contradiction, entailment, neutral"),
        ("UPDATE embeddings SET vector = x'0000'",
         "corrupt embeddings row for model 'm' and text {th}: vector has 2 bytes; "
         "3 dimensions need 12"),
        ("UPDATE claims SET start = 999 WHERE seq = 1",
         "corrupt claims row 1: offsets 999..25 are not a span"),
        ("UPDATE finding_days SET date = '2024-02-30'",
         "corrupt finding_days row for finding '{fid}' on '2024-02-30': "
         "date '2024-02-30' is not a YYYY-MM-DD date"),
        ("UPDATE runs SET counts = '{'", "corrupt runs row 1: counts are not JSON"),
        ("UPDATE runs SET counts = '[1]'", "corrupt runs row 1: counts are not a JSON object"),
        ("DELETE FROM claims WHERE seq = 1",
         "corrupt findings row 1: claim_a {key} is not stored"),
        ("UPDATE document_stories SET doc_hash = 'gone'",
         "corrupt document_stories row '2024-04-08', 'gone': doc_hash 'gone' is not stored"),
        ("UPDATE document_stories SET story = 'story 1'",
         "corrupt document_stories row '2024-04-08', {dh}: story 'story 1' is not a story id "
         "(s and 8 hex digits)"),
        ("UPDATE document_stories SET date = '2024-02-30'",
         "corrupt document_stories row '2024-02-30', {dh}: date '2024-02-30' is not a "
         "YYYY-MM-DD date"),
        ("UPDATE document_stories SET story = 7",  # TEXT affinity: stored as '7'
         "corrupt document_stories row '2024-04-08', {dh}: story '7' is not a story id "
         "(s and 8 hex digits)"),
    ],
)  # fmt: skip
def test_wrong_contents_are_refused_when_read(tmp_path: Path, statement: str, message: str) -> None:
    path = filled(tmp_path / "news.db")
    with Store(path) as store:
        key = store.conn.execute("SELECT claim_a FROM findings").fetchone()[0]
        fid = store.conn.execute("SELECT id FROM findings").fetchone()[0]
    damaged(path, statement)
    with Store(path) as store, pytest.raises(StoreError) as info:
        read_all(store)
    th = reprlib.repr(text_hash("Forty people were killed."))
    dh = reprlib.repr(filled_document().hash)
    expected = message.format(key=reprlib.repr(key), fid=fid, th=th, dh=dh)
    assert str(info.value) == f"{path}: {expected}{FIX}"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("DROP TABLE pairs", "corrupt database: table pairs is missing"),
        ("ALTER TABLE findings DROP COLUMN overlap",
         "corrupt database: table findings has columns id, claim_a, claim_b, source_a, source_b, "
         "topic, similarity, kind, divergence, first_seen, last_seen, status, resolved_on, "
         "resolved_by; expected id, claim_a, claim_b, source_a, source_b, topic, similarity, "
         "overlap, kind, divergence, first_seen, last_seen, status, resolved_on, resolved_by"),
        ("ALTER TABLE embeddings RENAME TO vectors", "corrupt database: table embeddings is missing"),
    ],
)  # fmt: skip
def test_missing_tables_and_columns(tmp_path: Path, statement: str, message: str) -> None:
    path = damaged(filled(tmp_path / "news.db"), statement)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert str(info.value) == f"{path}: {message}"


@pytest.mark.parametrize("column", ["documents.id", "claims.text", "findings.topic"])
def test_text_that_is_not_utf8_is_refused_when_read(tmp_path: Path, column: str) -> None:
    # One flipped bit in a text value passes PRAGMA integrity_check; sqlite3 raised a bare
    # OperationalError ("Could not decode to UTF-8") from the nightly job's first read.
    table, name = column.split(".")
    path = damaged(
        filled(tmp_path / "news.db"),
        f"UPDATE {table} SET {name} = CAST(X'636f75726965722dff616c6b73' AS TEXT)",
    )
    with Store(path) as store, pytest.raises(StoreError) as info:
        read_all(store)
        store.findings()
    assert str(info.value) == (f"{path}: corrupt text (not UTF-8) near 'courier-\ufffdalks'{FIX}")


def test_a_query_that_fails_is_one_line(tmp_path: Path) -> None:
    with Store(tmp_path / "q.db") as store, pytest.raises(StoreError) as info:
        store.query("SELECT * FROM nowhere")
    assert str(info.value) == f"{tmp_path / 'q.db'}: cannot read: no such table: nowhere"


def flip_in_index(path: Path) -> None:
    """Change one date inside an index page: the b-tree stays well formed, so quick_check
    passes, but the index no longer matches its table (a query by date would miss the row)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'documents_window'"
        ).fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    data = bytearray(path.read_bytes())
    page = data[(root - 1) * size : root * size]
    at = (root - 1) * size + page.rfind(DAY.encode()) + len(DAY) - 1
    data[at] = ord("9")  # 2024-04-08 -> 2024-04-09
    path.write_bytes(bytes(data))


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    path = filled(tmp_path / "news.db")
    flip_in_index(path)
    assert sql(path, "PRAGMA quick_check") == [("ok",)]  # why integrity_check is used
    for readonly in (False, True):
        with pytest.raises(StoreError) as info:
            Store(path, readonly=readonly)
        message = str(info.value)
        assert message.startswith(f"{path}: the database fails its integrity check (")
        assert message.endswith("); restore it from a backup") and "\n" not in message


def test_bit_flipped_copies_are_refused_or_read_soundly(tmp_path: Path) -> None:
    """Every copy with one bit flipped either fails with a StoreError or passes
    integrity_check; none is used damaged, none raises anything else."""
    path = filled(tmp_path / "news.db")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    rng = np.random.default_rng(7)
    refused = 0
    for n in range(40):
        copy = tmp_path / f"copy{n}.db"
        flipped = bytearray(data)
        at = int(rng.integers(100, len(flipped)))
        flipped[at] ^= 1 << int(rng.integers(8))
        copy.write_bytes(bytes(flipped))
        try:
            with Store(copy, readonly=True) as store:
                read_all(store)
        except StoreError as e:
            refused += 1
            assert "\n" not in str(e)
            continue
        assert sql(copy, "PRAGMA integrity_check") == [("ok",)]
    assert refused  # some flips land where they matter
