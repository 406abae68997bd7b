"""The nightly store: paths, schema migrations, WAL readers, caches and DataFrame readers."""

from __future__ import annotations

import sqlite3
from contextlib import closing
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

TABLES = {"claims", "documents", "embeddings", "finding_days", "findings", "pairs", "runs"}


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
    assert version(path) == SCHEMA_VERSION == len(MIGRATIONS) == 2
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
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.hash, "a2", doc.source, None, None, None, doc.first_seen, doc.window_date),
            )
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
    doc = a_document()
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
        with pytest.raises(sqlite3.IntegrityError):  # the hash is the document's identity
            store.add_documents([doc], [])
