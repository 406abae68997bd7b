"""Property-based checks (hypothesis) of the promise: one line and exit 2 for trouble, nothing
lost. The writer, the command line's usage errors and the store's readers, each on a few
dozen generated cases (benchmarks/fuzz_campaign.py runs tens of thousands).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from divergence.cli import cli
from divergence.errors import OutputError, StoreError
from divergence.store import Store, expected_columns
from tests.test_store import filled, read_all

FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


@contextmanager
def folder() -> Iterator[Path]:
    # Not pytest's tmp_path: hypothesis runs the body many times per fixture.
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def one_line(message: str) -> bool:
    return bool(message) and "\n" not in message and "\r" not in message


# ---- the writer ------------------------------------------------------------------------------

names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
    min_size=1,
    max_size=90,
).filter(lambda n: n not in (".", "..")) | st.text("r", min_size=250, max_size=300)
payloads = st.text(st.characters(blacklist_categories=("Cs",)), max_size=500) | st.binary(
    max_size=500
)
failures = st.sampled_from([None, "mkstemp", "write", "chmod", "replace"])


@FAST
@given(name=names, data=payloads, old=st.none() | st.binary(max_size=50), failure=failures)
def test_the_writer_writes_everything_or_nothing(
    name: str, data: str | bytes, old: bytes | None, failure: str | None
) -> None:
    with folder() as root:
        target = root / name
        if old is not None:
            try:
                target.write_bytes(old)
            except OSError:  # a name the file system refuses: write_atomic must refuse it too
                old = None
        error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        patches = {
            "mkstemp": mock.patch("tempfile.mkstemp", side_effect=error),
            "write": mock.patch("os.fdopen", side_effect=error),
            "chmod": mock.patch("os.chmod", side_effect=error),
            "replace": mock.patch("os.replace", side_effect=error),
        }
        with patches[failure] if failure else mock.patch("os.sep", os.sep):
            try:
                from divergence.output import write_atomic

                write_atomic(data, target)
            except OutputError as e:
                assert one_line(str(e))
                written = False
            else:
                written = True
        assert failure is None or not written
        expected = data.encode() if isinstance(data, str) else data
        if written:
            assert target.read_bytes() == expected
        elif old is not None:
            assert target.read_bytes() == old  # the previous report survives
        assert [p.name for p in root.iterdir()] == ([name] if written or old is not None else [])


# ---- usage errors --------------------------------------------------------------------------------

COMMANDS = {
    "diff": ["--threshold", "--top-k", "--min-similarity", "--min-topic", "--by", "-f", "-o",
             "--max-chars", "--input-format", "--scorer", "--all", "-q"],
    "claims": ["--min-checkworthiness", "-f", "-o", "--input-format", "--max-chars"],
    "score-pairs": ["-o", "--skip-invalid", "--scorer"],
    "nightly": ["--window", "--date", "--by", "--threshold", "--engine", "--address", "--db",
                "--top-k"],
}  # fmt: skip
values = st.sampled_from(["nan", "-1", "2", "1e999", "", "abc", "7d", "0d", "2024-13-01",
                          "planet", "json", "pdf", "--bogus", "-", "3"]) | st.text(max_size=12)  # fmt: skip


@st.composite
def argv(draw: Any) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = [command]
    if draw(st.booleans()):
        args.append("/nonexistent/input.jsonl")  # never read: the run stops before any work
    for _ in range(draw(st.integers(0, 4))):
        args.append(draw(st.sampled_from([*COMMANDS[command], "--bogus", "-x"])))
        if draw(st.booleans()):
            args.append(draw(values))
    return args


@FAST
@given(args=argv())
def test_usage_errors_are_one_line(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, input="", catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.stderr
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) >= 1 and lines[-1].startswith("Error: "), result.stderr
        assert not any(line.startswith(("Usage:", "Try ")) for line in lines), result.stderr


# ---- the store's readers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = filled(tmp_path_factory.mktemp("store") / "template.db")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


cells = st.sampled_from([(t, c) for t, columns in expected_columns().items() for c in columns])
stored = (
    st.none() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=40)
    | st.binary(max_size=40) | st.sampled_from(["not json", "[]", "{}", "2024-02-30", "weird"])
)  # fmt: skip


@FAST
@given(cell=cells, value=stored)
def test_the_store_reads_soundly_or_refuses_in_one_line(
    template: Path, cell: tuple[str, str], value: Any
) -> None:
    table, column = cell
    with folder() as root:
        path = root / "news.db"
        shutil.copy(template, path)
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("PRAGMA ignore_check_constraints = ON")
            try:
                conn.execute(f'UPDATE {table} SET "{column}" = ?', (value,))
            except sqlite3.IntegrityError:  # NOT NULL, a duplicate key: nothing to read back
                return
        try:
            with Store(path, readonly=True) as store:
                read_all(store)
                store.documents(), store.findings(), store.runs()
        except StoreError as e:
            assert one_line(str(e)) and str(e).startswith(f"{path}: ")
