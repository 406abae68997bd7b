"""The nightly job on three simulated nights (tests/data/nightly/, see its README), and its
command. Unit tests run on the hashing fake embedder and the rule-based scorer; the killed
run at the end uses the real model in a subprocess.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import types
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result
from numpy.typing import NDArray

from divergence.cli import cli
from divergence.embeddings import DEFAULT_EMBEDDER, Embedder
from divergence.errors import InputError, StoreError
from divergence.nightly import (
    FINDING_COLUMNS,
    HISTORY_COLUMNS,
    MAX_WINDOW_DAYS,
    REPORT_MODULE,
    NightlyResult,
    parse_date,
    parse_window,
    run_nightly,
    window_date,
)
from divergence.scoring import CheckScorer
from divergence.store import SCHEMA_VERSION, Store
from tests.fakes import CountingEmbedder, HashingEmbedder

NIGHTLY = Path(__file__).parent / "data" / "nightly"
N1, N2, N3 = "2024-04-08", "2024-04-09", "2024-04-10"
#: Every table but the run log, which a re-run extends.
TABLES = ["documents", "claims", "embeddings", "pairs", "findings", "finding_days",
          "document_stories"]  # fmt: skip
WORK = {"documents_reused", "embeddings_computed", "embeddings_reused", "pairs_scored",
        "pairs_reused"}  # fmt: skip

TALKS = {"Egyptian officials", "Israeli officials"}
STRIKE = {"the civil defence agency", "the health ministry"}
AID = {"the Red Crescent", "Jerusalem Courier"}
CORRECTION = (
    "The death toll from the air strike on a school in Gaza City on Sunday has risen to "
    "40 people, the health ministry said."
)


@pytest.fixture(autouse=True)
def no_html_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTML page is divergence.nightly_report's: these tests run without it unless they
    add one, so they test the job alone."""
    monkeypatch.setitem(sys.modules, REPORT_MODULE, None)


def night(day: str) -> Path:
    return NIGHTLY / f"{day}.jsonl"


def run(tmp_path: Path, day: str, *, db: str = "news.db", **kwargs: Any) -> NightlyResult:
    kwargs.setdefault("scorer", "checks")
    return run_nightly(night(day), db=tmp_path / db, out=tmp_path / "out", date=day, **kwargs)


def sql(path: Path, statement: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        return conn.execute(statement).fetchall()


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(sql(path, f"SELECT * FROM {t}"), key=repr) for t in TABLES}


def sides(row: pd.Series) -> set[str]:
    return {str(row["source_a"]), str(row["source_b"])}


def by_status(result: NightlyResult) -> dict[str, list[set[str]]]:
    found: dict[str, list[set[str]]] = {}
    for _, row in result.findings.iterrows():
        found.setdefault(str(row["status"]), []).append(sides(row))
    return found


# ---- the nights ------------------------------------------------------------------------------


def test_two_nights_new_persisting_resolved(tmp_path: Path) -> None:
    first = run(tmp_path, N1)
    assert (first.counts["new"], first.counts["persisting"], first.counts["resolved"]) == (2, 0, 0)
    assert by_status(first) == {"new": [TALKS, STRIKE]}  # certainty 0.70, numeric 0.69
    assert first.findings["kind"].tolist() == ["certainty", "numeric"]

    second = run(tmp_path, N2)
    assert (second.counts["new"], second.counts["persisting"], second.counts["resolved"]) == (
        1,
        1,
        1,
    )
    assert by_status(second) == {"new": [AID], "persisting": [TALKS], "resolved": [STRIKE]}
    rows = {str(r["status"]): r for _, r in second.findings.iterrows()}
    assert (rows["new"]["first_seen"], rows["new"]["last_seen"]) == (N2, N2)
    assert (rows["persisting"]["first_seen"], rows["persisting"]["last_seen"]) == (N1, N2)
    resolved = rows["resolved"]
    assert (resolved["first_seen"], resolved["last_seen"], resolved["resolved_on"]) == (N1, N1, N2)
    assert resolved["resolved_by"] == CORRECTION
    assert resolved["kind"] == "numeric"  # the finding's own pair, 40 against 33
    # One article came again unchanged; the updated talks article is a new document.
    assert {k: second.counts[k] for k in ("documents_read", "documents_new",
            "documents_reused", "claims_new")} == {"documents_read": 5, "documents_new": 4,
            "documents_reused": 1, "claims_new": 6}  # fmt: skip
    finding_ids = first.findings["finding_id"].tolist()
    assert set(finding_ids) < set(second.findings["finding_id"])

    assert list(second.history.columns) == HISTORY_COLUMNS
    assert second.history[["date", "new", "persisting", "resolved", "flagged"]].values.tolist() == [
        [N1, 2, 0, 0, 2],
        [N2, 1, 1, 1, 2],
    ]
    assert list(second.agreement.index) == list(second.agreement.columns)
    assert set(second.agreement.index) >= TALKS | STRIKE | AID

    with Store(tmp_path / "news.db") as store:
        table = store.findings()
        assert dict(zip(table["finding_id"], table["status"], strict=True)) == {
            finding_ids[0]: "open", finding_ids[1]: "resolved",
            rows["new"]["finding_id"]: "open",
        }  # fmt: skip
        day = store.findings(N2)
        assert day["status"].tolist() == second.findings["status"].tolist()
        assert day["finding_id"].tolist() == second.findings["finding_id"].tolist()
        assert store.history()["date"].tolist() == [N1, N2]
        assert len(store.documents()) == 8


def test_third_night_resolved_stays_resolved(tmp_path: Path) -> None:
    for day in (N1, N2):
        run(tmp_path, day)
    third = run(tmp_path, N3)
    assert by_status(third) == {"persisting": [AID, TALKS]}
    assert third.counts["new"] == 0
    assert third.history["date"].tolist() == [N1, N2, N3]


def test_a_short_window_forgets_older_findings(tmp_path: Path) -> None:
    run(tmp_path, N1)
    second = run(tmp_path, N2, window_days=1)
    # Night 1's documents fall out of a one-day window: nothing to persist or to correct.
    assert by_status(second) == {"new": [AID]}
    with Store(tmp_path / "news.db") as store:
        assert sorted(store.findings()["status"]) == ["lapsed", "lapsed", "open"]
    # A week's window sees them again: the correction of night 2 is later than the 33.
    third = run(tmp_path, N3)
    assert by_status(third) == {"persisting": [AID, TALKS], "resolved": [STRIKE]}
    persisting = third.findings[third.findings["status"] == "persisting"]
    pairs = zip(persisting["first_seen"], persisting["last_seen"], strict=True)
    assert sorted(pairs) == [(N1, N3), (N2, N3)]
    resolved = third.findings[third.findings["status"] == "resolved"].iloc[0]
    assert (resolved["last_seen"], resolved["resolved_on"]) == (N1, N3)
    assert resolved["resolved_by"] == CORRECTION


def test_a_night_with_nothing_new(tmp_path: Path) -> None:
    run(tmp_path, N1)
    quiet = run_nightly([], db=tmp_path / "news.db", out=tmp_path / "out", date=N2,
                        scorer="checks")  # fmt: skip
    assert by_status(quiet) == {"persisting": [TALKS, STRIKE]}
    assert quiet.counts["documents_read"] == quiet.counts["embeddings_computed"] == 0


def test_documents_are_deduplicated_by_content(tmp_path: Path) -> None:
    text = "At least 40 people were killed in the strike on Gaza City, officials said."
    docs = [
        {"id": "a", "source": "Outlet A", "text": text},
        {"id": "again", "source": "Outlet A", "text": text},  # the same article, another id
        {"id": "b", "source": "Outlet B", "text": text},  # another outlet's copy is its own
    ]
    result = run_nightly(docs, db=tmp_path / "d.db", out=tmp_path / "out", date=N1)
    assert result.counts["documents_read"] == 2
    with Store(tmp_path / "d.db") as store:
        assert store.documents()["id"].tolist() == ["a", "b"]


def test_outputs_are_written_atomically(tmp_path: Path) -> None:
    run(tmp_path, N1)
    result = run(tmp_path, N2)
    folder = tmp_path / "out" / N2
    assert result.out_dir == folder and result.report is None
    assert sorted(p.name for p in folder.iterdir()) == [
        "findings.csv",
        "findings.parquet",
        "summary.json",
    ]  # fmt: skip  (no report.html without its module, no temporary files left)
    assert list(result.findings.columns) == FINDING_COLUMNS
    parquet = pd.read_parquet(folder / "findings.parquet")
    assert list(parquet.columns) == FINDING_COLUMNS
    assert parquet["finding_id"].tolist() == result.findings["finding_id"].tolist()
    assert parquet["spans_a"].map(len).tolist() == result.findings["spans_a"].map(len).tolist()
    csv = pd.read_csv(folder / "findings.csv")
    assert csv["status"].tolist() == ["new", "persisting", "resolved"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary == result.summary
    assert summary["date"] == N2 and summary["window_days"] == 7
    assert summary["counts"] == {"new": 1, "persisting": 1, "resolved": 1, "flagged": 2}
    assert summary["documents_new"] == 4 and summary["claims_new"] == 6
    # 4 new claims and 4 leads (the new documents'); 7 claims and 4 leads cached.
    assert summary["embeddings_computed"] == 8 and summary["embeddings_reused"] == 11
    assert summary["stories_window"] == 3 and summary["options"]["stories"] == "auto"
    assert summary["versions"]["schema"] == SCHEMA_VERSION
    assert summary["versions"]["embedder"] == HashingEmbedder.model_id
    assert summary["versions"]["scorer"] == "checks"


# ---- caches and re-runs ------------------------------------------------------------------------


class CountingScorer(CheckScorer):
    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        self.pairs.extend(pairs)
        return super().predict_batch(pairs)


def test_an_unchanged_corpus_is_never_embedded_or_scored_again(tmp_path: Path) -> None:
    embedder, scorer = CountingEmbedder(), CountingScorer()
    first = run(tmp_path, N1, embedder=embedder, scorer=scorer)
    # 7 claims and the leads of the 4 documents, to group them into stories
    assert (
        len(embedder.texts) == len(set(embedder.texts)) == first.counts["embeddings_computed"] == 11
    )
    assert len(scorer.pairs) == first.counts["pairs_scored"] > 0

    embedder.texts.clear()
    scorer.pairs.clear()
    again = run(tmp_path, N1, embedder=embedder, scorer=scorer)
    assert embedder.texts == [] and scorer.pairs == []
    assert again.counts["embeddings_computed"] == again.counts["pairs_scored"] == 0
    assert again.counts["embeddings_reused"] == 11

    second = run(tmp_path, N2, embedder=embedder, scorer=scorer)
    # Only the new texts: the article sent again and the updated one's old sentences are
    # cached; 4 new claims, and the leads of the 4 new documents (the updated one's is new).
    assert len(embedder.texts) == second.counts["embeddings_computed"] == 8
    assert CORRECTION in embedder.texts
    assert len(scorer.pairs) == second.counts["pairs_scored"]

    class Other(HashingEmbedder):
        model_id = "another-model"

    third = run(tmp_path, N2, embedder=Other())  # the cache is per model id
    assert third.counts["embeddings_computed"] == 11 + 8  # every claim and lead


def test_the_same_date_twice_leaves_the_same_state(tmp_path: Path) -> None:
    run(tmp_path, N1)
    first = run(tmp_path, N2)
    before = dump(tmp_path / "news.db")
    files = {n: (first.out_dir / n).read_bytes() for n in ("findings.csv", "findings.parquet")}

    again = run(tmp_path, N2)
    assert dump(tmp_path / "news.db") == before
    assert {n: (again.out_dir / n).read_bytes() for n in files} == files
    pd.testing.assert_frame_equal(again.findings, first.findings)
    assert {k: v for k, v in again.counts.items() if k not in WORK} == {
        k: v for k, v in first.counts.items() if k not in WORK
    }
    assert again.counts["pairs_scored"] == again.counts["embeddings_computed"] == 0
    # A re-run adds one row to the run log, and only that.
    assert sql(tmp_path / "news.db", "SELECT date, status FROM runs ORDER BY id") == [
        (N1, "done"), (N2, "done"), (N2, "done"),
    ]  # fmt: skip
    assert again.history["date"].tolist() == [N1, N2]


class FailingScorer(CheckScorer):
    """Stands in for a crash between ingest and classification."""

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        raise RuntimeError("out of memory")


def reference(tmp_path: Path, days: Sequence[str]) -> Path:
    for day in days:
        run(tmp_path / "reference", day)
    return tmp_path / "reference" / "news.db"


def test_a_failed_run_is_completed_by_the_next_run_of_its_date(tmp_path: Path) -> None:
    expected = dump(reference(tmp_path, [N1, N2]))
    run(tmp_path, N1)
    with pytest.raises(RuntimeError, match="out of memory"):
        run(tmp_path, N2, scorer=FailingScorer())
    db = tmp_path / "news.db"
    assert sql(db, "PRAGMA integrity_check") == [("ok",)]
    assert sql(db, "SELECT date, status FROM runs ORDER BY id") == [(N1, "done"), (N2, "failed")]
    assert sql(db, f"SELECT COUNT(*) FROM documents WHERE first_seen = '{N2}'") == [(4,)]
    assert sql(db, f"SELECT COUNT(*) FROM finding_days WHERE date = '{N2}'") == [(0,)]
    assert sql(db, f"SELECT COUNT(*) FROM document_stories WHERE date = '{N2}'") == [(0,)]
    assert not (tmp_path / "out" / N2).exists()

    run(tmp_path, N2)
    assert dump(db) == expected


def test_a_killed_run_is_redone_before_the_next_date(tmp_path: Path) -> None:
    expected_db = reference(tmp_path, [N1, N2, N3])
    run(tmp_path, N1)
    with pytest.raises(RuntimeError):
        run(tmp_path, N2, scorer=FailingScorer())
    db = tmp_path / "news.db"
    sql(db, "UPDATE runs SET status = 'running' WHERE date = '2024-04-09'")  # as SIGKILL leaves it

    third = run(tmp_path, N3)
    assert dump(db) == dump(expected_db)
    assert by_status(third) == {"persisting": [AID, TALKS]}
    redone = (tmp_path / "out" / N2 / "findings.csv").read_bytes()
    assert redone == (tmp_path / "reference" / "out" / N2 / "findings.csv").read_bytes()
    assert sql(db, "SELECT date, status FROM runs ORDER BY id") == [
        (N1, "done"), (N2, "failed"), (N2, "done"), (N3, "done"),
    ]  # fmt: skip


def test_dates_go_forward(tmp_path: Path) -> None:
    run(tmp_path, N2)
    with pytest.raises(StoreError) as info:
        run(tmp_path, N1)
    assert str(info.value) == (
        f"{tmp_path / 'news.db'}: the database already has a run for {N2}; "
        f"nightly runs go forward in time (asked for {N1})"
    )


# ---- the HTML page ---------------------------------------------------------------------------


def test_the_page_is_written_when_its_module_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = types.ModuleType(REPORT_MODULE)
    page.__spec__ = importlib.machinery.ModuleSpec(REPORT_MODULE, None)
    page.render_nightly_html = lambda result: f"<html>{result.date}: {len(result.findings)}</html>"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, REPORT_MODULE, page)
    result = run(tmp_path, N1)
    assert result.report == tmp_path / "out" / N1 / "report.html"
    assert result.report.read_text() == f"<html>{N1}: 2</html>"
    assert result.summary_line().endswith(f"report: {result.report})")


def test_the_real_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, REPORT_MODULE)
    pytest.importorskip(REPORT_MODULE)
    run(tmp_path, N1)
    result = run(tmp_path, N2)
    assert result.report is not None and "</html>" in result.report.read_text()


# ---- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("2024-04-07", "2024-04-07"),
        ("2024-04-07T23:10:00+02:00", "2024-04-07"),
        ("2024-05-01", N1),  # never later than the day it was first seen
        ("April 7, 2024", N1),
        ("2024-02-30", N1),
        (None, N1),
    ],
)
def test_window_date(published: str | None, expected: str) -> None:
    assert window_date(published, N1) == expected


def test_parse_date_and_window() -> None:
    assert parse_date(N1).isoformat() == N1
    assert parse_window("7d") == 7 and parse_window(3) == 3
    for bad in ("2024-4-8", "20240408", "2024-13-01", "yesterday"):
        with pytest.raises(InputError, match="expected YYYY-MM-DD"):
            parse_date(bad)
    for bad_window in ("7", "0d", "1w", "-1d", 0):
        with pytest.raises(InputError, match="expected a number of days"):
            parse_window(bad_window)


# ---- the command -------------------------------------------------------------------------------


def invoke(args: Sequence[str], **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def nightly_args(tmp_path: Path, day: str, *extra: str) -> list[str]:
    return ["nightly", str(night(day)), "--db", str(tmp_path / "news.db"),
            "--out", str(tmp_path / "out"), "--date", day, *extra]  # fmt: skip


def test_cli_exit_status_and_summary_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = invoke(nightly_args(tmp_path, N1))
    assert first.exit_code == 1, first.output
    assert first.stdout == (
        f"{N1}: 2 new, 0 persisting, 0 resolved (4 documents, 0 reused; "
        f"report: {out / N1 / 'findings.csv'})\n"
    )
    second = invoke(nightly_args(tmp_path, N2))
    assert (second.exit_code, second.stdout) == (1, (
        f"{N2}: 1 new, 1 persisting, 1 resolved (5 documents, 1 reused; "
        f"report: {out / N2 / 'findings.csv'})\n"
    ))  # fmt: skip
    third = invoke(nightly_args(tmp_path, N3, "--window", "7d"))
    assert (third.exit_code, third.stdout) == (0, (
        f"{N3}: 0 new, 2 persisting, 0 resolved (1 document, 0 reused; "
        f"report: {out / N3 / 'findings.csv'})\n"
    ))  # fmt: skip
    for day in (N1, N2, N3):
        assert (out / day / "findings.parquet").is_file()
        assert (out / day / "summary.json").is_file()


def stages(stderr: str) -> list[str]:
    return [
        line.split("  ")[0].strip() for line in stderr.splitlines() if line.rstrip().endswith("%")
    ]


def test_cli_profile_splits_the_time_and_a_cached_rerun_loads_no_model(tmp_path: Path) -> None:
    first = invoke([*nightly_args(tmp_path, N1), "--profile"])
    assert first.exit_code == 1, first.output
    assert stages(first.stderr) == [
        "read inputs", "ingest and extract claims", "read window", "load models", "embed",
        "find stories", "pair", "score", "classify", "record and write report",
    ]  # fmt: skip
    assert re.search(r"^pairs: \d+ in the window; [1-9]\d* sent to the scorer, 0 from the cache$",
                     first.stderr, re.M)  # fmt: skip
    again = invoke([*nightly_args(tmp_path, N1), "--profile"])  # the same date: all cached
    assert "load models" not in stages(again.stderr)
    assert re.search(r"^pairs: \d+ in the window; 0 sent to the scorer, [1-9]\d* from the cache$",
                     again.stderr, re.M)  # fmt: skip
    assert "total" not in invoke(nightly_args(tmp_path, N1)).stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--date", "2024-13-01", "Invalid value for '--date': '2024-13-01' is not a date in YYYY-MM-DD form"),
        ("--date", "tomorrow", "Invalid value for '--date': 'tomorrow' is not a date in YYYY-MM-DD form"),
        ("--window", "7", "Invalid value for '--window': '7' is not a number of days such as 7d"),
        ("--window", "0d", "Invalid value for '--window': '0d' is not a number of days such as 7d"),
        ("--window", "1w", "Invalid value for '--window': '1w' is not a number of days such as 7d"),
        ("--window", "99999999999999999999d",
         "Invalid value for '--window': '99999999999999999999d' is more than 3652059 days"),
    ],
)  # fmt: skip
def test_cli_bad_date_or_window(tmp_path: Path, option: str, value: str, message: str) -> None:
    args = ["nightly", str(night(N1)), "--db", str(tmp_path / "news.db"), option, value]
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {message}\n")
    assert not (tmp_path / "news.db").exists()


def test_cli_trouble_is_one_line_and_exit_2(tmp_path: Path) -> None:
    assert invoke(nightly_args(tmp_path, N2)).exit_code == 1
    backwards = invoke(nightly_args(tmp_path, N1))
    assert backwards.exit_code == 2
    assert backwards.stderr == (
        f"Error: {tmp_path / 'news.db'}: the database already has a run for {N2}; "
        f"nightly runs go forward in time (asked for {N1})\n"
    )
    missing = invoke(["nightly", str(tmp_path / "nope.jsonl"), "--db", str(tmp_path / "x.db")])
    assert (missing.exit_code, missing.stderr) == (
        2,
        f"Error: {tmp_path / 'nope.jsonl'}: no such file\n",
    )

    future = tmp_path / "future.db"
    sql(future, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    newer = invoke(["nightly", str(night(N1)), "--db", str(future), "--date", N1])
    assert newer.exit_code == 2
    assert newer.stderr == (
        f"Error: {future}: database schema version {SCHEMA_VERSION + 1} is newer than this "
        f"divergence supports ({SCHEMA_VERSION}); upgrade divergence\n"
    )


def test_cli_defaults_to_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIVERGENCE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DIVERGENCE_DB", raising=False)
    result = invoke(["nightly", str(night(N1)), "--date", N1, "-q"])
    assert result.exit_code == 1
    assert (tmp_path / "home" / "divergence.db").is_file()
    assert (tmp_path / "home" / "reports" / N1 / "findings.csv").is_file()

    monkeypatch.setenv("DIVERGENCE_DB", str(tmp_path / "env.db"))
    assert invoke(["nightly", str(night(N1)), "--date", N1]).exit_code == 1
    assert (tmp_path / "env.db").is_file()


def test_cli_help_ends_with_an_example() -> None:
    result = invoke(["nightly", "-h"])
    assert result.exit_code == 0
    assert "--window Nd" in result.stdout and "--db FILE" in result.stdout
    help_text = cli.commands["nightly"].help
    assert help_text is not None
    last_paragraph = help_text.strip().split("\n\n")[-1]
    assert last_paragraph.lstrip("\b\n ").startswith("Example")
    assert "divergence nightly " in last_paragraph


# ---- a killed job (real model, in a subprocess) ------------------------------------------------


class Bundled(Embedder):
    """The session's real model under the id the subprocess's bundled embedder has."""

    model_id = DEFAULT_EMBEDDER

    def __init__(self, real: Embedder) -> None:
        self.real = real

    def embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self.real.embed_batch(texts)


def rounded(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Tables without embeddings, floats to 3 places: two processes may differ in the last bits."""
    return {
        name: [tuple(round(v, 3) if isinstance(v, float) else v for v in row) for row in rows]
        for name, rows in tables.items()
        if name != "embeddings"
    }


def ingested_and_running(db: Path) -> bool:
    try:
        with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            (running,) = conn.execute(
                "SELECT COUNT(*) FROM runs WHERE status = 'running'"
            ).fetchone()
            (documents,) = conn.execute("SELECT COUNT(*) FROM documents").fetchone()
    except sqlite3.Error:  # not created yet
        return False
    return bool(running and documents)


@pytest.mark.integration
def test_a_killed_job_leaves_a_consistent_database(tmp_path: Path, real_embedder: Embedder) -> None:
    db, out = tmp_path / "killed.db", tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIVERGENCE_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "divergence", "nightly", str(night(N1)), "--db", str(db),
               "--out", str(out), "--date", N1, "--scorer", "checks", "-q"]  # fmt: skip
    job = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not ingested_and_running(db) and job.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if job.poll() is not None:
            pytest.fail(f"the job ended ({job.returncode}) before it could be killed: "
                        f"{job.stderr.read().decode() if job.stderr else ''}")  # fmt: skip
        job.send_signal(signal.SIGKILL)  # midway: documents stored, the model still loading
        job.wait(timeout=30)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
        if job.stderr:
            job.stderr.close()
    assert job.returncode == -signal.SIGKILL

    assert sql(db, "PRAGMA integrity_check") == [("ok",)]
    assert sql(db, "SELECT date, status FROM runs") == [(N1, "running")]  # never shown as done
    assert sql(db, "SELECT COUNT(*) FROM documents") == [(4,)]  # all of the ingest, or none
    assert not (out / N1).exists()

    embedder = Bundled(real_embedder)
    resumed = run_nightly(night(N1), db=db, out=out, date=N1, embedder=embedder, scorer="checks")
    fresh = run_nightly(night(N1), db=tmp_path / "fresh.db", out=tmp_path / "fresh-out",
                        date=N1, embedder=embedder, scorer="checks")  # fmt: skip
    assert sql(db, "SELECT date, status FROM runs ORDER BY id") == [(N1, "failed"), (N1, "done")]
    assert rounded(dump(db)) == rounded(dump(tmp_path / "fresh.db"))
    assert [r[:2] for r in dump(db)["embeddings"]] == [
        r[:2] for r in dump(tmp_path / "fresh.db")["embeddings"]
    ]
    assert resumed.counts["new"] == fresh.counts["new"]
    assert resumed.findings["finding_id"].tolist() == fresh.findings["finding_id"].tolist()


# ---- bad windows, edge dates and damaged databases ---------------------------------------------


def test_the_window_is_bounded() -> None:
    assert MAX_WINDOW_DAYS == 3652059  # every date a Python date can hold
    assert parse_window(f"{MAX_WINDOW_DAYS}d") == MAX_WINDOW_DAYS
    for too_long in ("99999999999999999999d", f"{MAX_WINDOW_DAYS + 1}d", MAX_WINDOW_DAYS + 1):
        with pytest.raises(InputError) as info:
            parse_window(too_long)
        assert str(info.value) == f"invalid window {too_long!r}: at most {MAX_WINDOW_DAYS} days"
    with pytest.raises(InputError, match="at most"):  # a million digits: refused, not converted
        parse_window("9" * 1_000_000 + "d")
    with pytest.raises(InputError, match="at most 3652059 days"):
        run_nightly([], db=":memory:", date=N1, window_days=MAX_WINDOW_DAYS + 1)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_whole_of_history_on_the_first_and_last_dates(tmp_path: Path, day: str) -> None:
    result = run_nightly(night(N1), db=tmp_path / "news.db", out=tmp_path / "out", date=day,
                         window_days=MAX_WINDOW_DAYS, scorer="checks")  # fmt: skip
    assert result.date == day
    assert result.counts["documents_read"] == 4
    assert (tmp_path / "out" / day / "summary.json").is_file()


def test_cli_a_damaged_database_is_one_line(tmp_path: Path) -> None:
    assert invoke(nightly_args(tmp_path, N1)).exit_code == 1
    db = tmp_path / "news.db"
    sql(db, "UPDATE pairs SET findings = 'not json' WHERE rowid = 1")
    again = invoke(nightly_args(tmp_path, N1))  # the same date: every score from the cache
    assert (again.exit_code, again.stdout) == (2, "")
    assert again.stderr == (
        f"Error: {db}: corrupt pairs row 1: findings are not JSON; restore the database from a "
        "backup\n"
    )
    sql(db, "DROP TABLE pairs")
    gone = invoke(nightly_args(tmp_path, N2))
    assert gone.stderr == f"Error: {db}: corrupt database: table pairs is missing\n"
    assert gone.exit_code == 2


def test_cli_a_corrupt_file_is_refused_before_it_is_used(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    db.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)
    result = invoke(nightly_args(tmp_path, N1))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {db}: ") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
