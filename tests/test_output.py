"""The one writer (divergence.output) and the command line's one-line errors: files replaced
atomically, links followed, devices and pipes written through, inputs never overwritten,
stdout closed or full, and usage errors on one line.
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import divergence
from divergence.cli import cli
from divergence.errors import BrokenPipe, OutputError, StdoutError
from divergence.nightly import MAX_WINDOW_DAYS
from divergence.output import check_not_input, emit, is_terminal, write_atomic, write_stream
from divergence.render import emit as render_emit
from divergence.render import write_atomic as render_write_atomic

ROOT = Path(__file__).parent.parent
NIGHT = Path(__file__).parent / "data" / "nightly" / "2024-04-08.jsonl"
DOCS = [
    {"id": "a1", "source": "Outlet A",
     "text": "At least 40 people were killed in the strike on Gaza City on Monday, officials said."},
    {"id": "b1", "source": "Outlet B",
     "text": "The strike on Gaza City on Monday killed 33 people, the ministry said."},
]  # fmt: skip
PAIR = {"a": "40 people died on Monday.", "b": "33 people died on Monday."}


def invoke(args: Sequence[str], **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def jsonl(records: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text(jsonl(DOCS), encoding="utf-8")
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def null_device(path: Path) -> Path:
    """A character device like /dev/null at ``path`` (as root), so no test touches /dev."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (OSError, AttributeError) as e:
        pytest.skip(f"cannot make a device node here: {e}")
    return path


class Reader(threading.Thread):
    """Reads a FIFO to its end, as a program on the other side of a named pipe would."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.data = path, b""

    def run(self) -> None:
        with open(self.path, "rb") as f:
            self.data = f.read()


# ---- the module: one writer, re-exported where it used to live ---------------------------------


def test_the_writer_is_importable_from_its_old_places() -> None:
    assert render_write_atomic is write_atomic is divergence.write_atomic
    assert render_emit is emit


# ---- regular files ------------------------------------------------------------------------------


def test_an_existing_file_is_replaced_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    inode = target.stat().st_ino
    write_atomic("new", target)
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != inode  # replaced, not written in place
    assert names(tmp_path) == ["report.json"]


def test_a_failed_replace_is_one_line_and_keeps_the_old_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("the old report", encoding="utf-8")

    def full(src: Any, dst: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError) as info:
        write_atomic("the new report", target)
    assert str(info.value) == f"cannot write {target}: No space left on device"
    assert target.read_text(encoding="utf-8") == "the old report"
    assert names(tmp_path) == ["report.html"]


def test_a_full_disk_while_writing_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    target = tmp_path / "report.csv"
    target.write_text("old", encoding="utf-8")
    real = tempfile.mkstemp

    def on_a_full_disk(**kwargs: Any) -> tuple[int, str]:
        fd, name = real(**kwargs)
        os.dup2(os.open("/dev/full", os.O_WRONLY), fd)  # every write fails as on a full disk
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", on_a_full_disk)
    with pytest.raises(OutputError) as info:
        write_atomic("x" * 100_000, target)
    assert str(info.value) == f"cannot write {target}: No space left on device"
    assert target.read_text(encoding="utf-8") == "old"
    assert names(tmp_path) == ["report.csv"]


def test_a_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root a read-only folder is still writable, so the refusal is simulated.
    def denied(**kwargs: Any) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(OutputError) as info:
        write_atomic("x", tmp_path / "report.html")
    assert str(info.value) == f"cannot write {tmp_path / 'report.html'}: Permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_really_read_only_folder(tmp_path: Path) -> None:  # pragma: no cover - not as root
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="Permission denied"):
            write_atomic("x", folder / "report.html")
    finally:
        folder.chmod(0o700)


def test_a_path_under_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    target = tmp_path / "file.txt" / "report.html"
    with pytest.raises(OutputError) as info:
        write_atomic("x", target)
    assert str(info.value) == f"cannot write {target}: Not a directory"


def test_a_name_too_long_and_one_just_short_enough(tmp_path: Path) -> None:
    too_long = tmp_path / ("r" * 300 + ".html")
    with pytest.raises(OutputError) as info:
        write_atomic("x", too_long)
    assert str(info.value) == f"cannot write {too_long}: File name too long"
    longest = tmp_path / ("r" * 250 + ".html")  # its temporary file needs a shorter name
    write_atomic("x", longest)
    assert longest.read_text(encoding="utf-8") == "x"
    assert names(tmp_path) == [longest.name]


def test_a_nul_byte_in_the_name(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="embedded null byte"):
        write_atomic("x", f"{tmp_path}/re\0port.html")


def test_unencodable_text_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    with pytest.raises(OutputError) as info:
        emit("half \ud800 written", target, None)
    assert (
        str(info.value)
        == f"cannot write {target}: the text is not valid Unicode (surrogates not allowed)"
    )
    assert names(tmp_path) == []


# ---- links, devices and pipes -----------------------------------------------------------------


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "today.html"
    real.write_text("yesterday's", encoding="utf-8")
    link = tmp_path / "report.html"
    link.symlink_to(real)
    write_atomic("today's", link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == "today's"
    assert names(tmp_path / "reports") == ["today.html"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "report.html"
    link.symlink_to(tmp_path / "new.html")
    write_atomic("x", link)
    assert link.is_symlink()
    assert (tmp_path / "new.html").read_text(encoding="utf-8") == "x"


def test_a_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop.html"
    loop.symlink_to(loop)
    with pytest.raises(OutputError) as info:
        write_atomic("x", loop)
    assert str(info.value) == f"cannot write {loop}: Too many levels of symbolic links"


def test_a_device_is_written_through_not_replaced(tmp_path: Path) -> None:
    device = null_device(tmp_path / "null")
    write_atomic("discarded", device)
    assert stat.S_ISCHR(device.stat().st_mode)  # still the device, not a regular file
    assert names(tmp_path) == ["null"]


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = Reader(fifo)
    reader.start()
    data = "line\n" * 50_000  # more than a pipe holds: the writer must wait for the reader
    for _ in range(500):  # the reader thread opens its end soon; until then: "nobody reads"
        try:
            write_atomic(data, fifo)
            break
        except OutputError:
            threading.Event().wait(0.01)
    reader.join(timeout=30)
    assert reader.data == data.encode()
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_fifo_nobody_reads_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError) as info:
        write_atomic("x", fifo)
    assert str(info.value) == f"cannot write {fifo}: nothing is reading this pipe"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        write_atomic("x", tmp_path)
    assert str(info.value) == f"{tmp_path}: is a folder"


# ---- inputs are never overwritten --------------------------------------------------------------


def test_an_input_is_refused_under_any_name(tmp_path: Path) -> None:
    source = tmp_path / "corpus.jsonl"
    source.write_text("precious", encoding="utf-8")
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(source)
    hard = tmp_path / "hard.jsonl"
    os.link(source, hard)
    for target in (source, alias, hard, tmp_path / "." / "corpus.jsonl"):
        with pytest.raises(OutputError) as info:
            write_atomic("report", target, inputs=["-", str(source)])
        assert str(info.value) == f"cannot write {target}: it is an input"
    assert source.read_text(encoding="utf-8") == "precious"
    check_not_input(tmp_path / "other.json", [source, "-", tmp_path / "missing"])  # fine


# ---- streams ----------------------------------------------------------------------------------


class Failing(io.StringIO):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def flush(self) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("stream", "error", "message"),
    [
        (None, StdoutError, "cannot write to standard output: it is closed"),
        (Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")), BrokenPipe,
         "standard output was closed by its reader"),
        (Failing(OSError(errno.ENOSPC, "No space left on device")), StdoutError,
         "cannot write to standard output: No space left on device"),
        (Failing(ValueError("I/O operation on closed file.")), StdoutError,
         "cannot write to standard output: it is closed"),
    ],
)  # fmt: skip
def test_stdout_trouble_is_one_line(stream: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        emit("report\n", None, stream)
    assert str(info.value) == message


def test_a_closed_stream_and_an_ascii_stream() -> None:
    closed = io.StringIO()
    closed.close()
    with pytest.raises(StdoutError, match="it is closed"):
        write_stream("x", closed)
    ascii_only = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    with pytest.raises(StdoutError) as info:
        write_stream("é", ascii_only)
    assert str(info.value) == (
        "cannot write to standard output: the text cannot be encoded (ordinal not in range(128))"
    )
    assert not is_terminal(None) and not is_terminal(closed) and not is_terminal(io.StringIO())


# ---- the command line: -o -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["diff", "claims"])
def test_cli_refuses_to_overwrite_an_input(corpus: Path, command: str) -> None:
    before = corpus.read_bytes()
    result = invoke([command, str(corpus), "-o", str(corpus), "-f", "json"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: cannot write {corpus}: it is an input\n"
    assert corpus.read_bytes() == before


@pytest.mark.parametrize("command", ["diff", "claims"])
def test_cli_refuses_an_input_before_doing_the_work(
    corpus: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_work(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("documents read before the output was checked")

    monkeypatch.setattr(f"divergence.cli.{command}.load_documents", no_work)
    result = invoke([command, str(corpus), "-o", str(corpus)])
    assert (result.exit_code, result.stderr) == (
        2,
        f"Error: cannot write {corpus}: it is an input\n",
    )


def test_cli_refuses_an_existing_file_inside_an_input_folder(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    one = folder / "one.txt"
    one.write_text("The storm killed 12 people on Monday, officials said.", encoding="utf-8")
    (folder / "two.txt").write_text("The storm killed 19 people on Monday.", encoding="utf-8")
    result = invoke(["claims", str(folder), "-o", str(one), "-f", "jsonl"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {one}: it is inside the input folder {folder}\n"
    assert one.read_text(encoding="utf-8").startswith("The storm killed 12")
    fresh = tmp_path / "claims.jsonl"  # outside the folder: written
    assert invoke(["claims", str(folder), "-o", str(fresh), "-f", "jsonl"]).exit_code == 0
    assert fresh.read_text(encoding="utf-8").count("\n") == 2


def test_score_pairs_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(jsonl([PAIR]), encoding="utf-8")
    result = invoke(["score-pairs", str(pairs), "-o", str(pairs), "--scorer", "checks"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {pairs}: it is an input\n"
    assert pairs.read_text(encoding="utf-8") == jsonl([PAIR])


def test_cli_output_under_a_regular_file(corpus: Path, tmp_path: Path) -> None:
    target = corpus / "report.html"
    result = invoke(["diff", str(corpus), "-o", str(target)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: cannot write {target}: Not a directory\n"


def test_cli_output_to_a_device_and_a_fifo(corpus: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = invoke(["claims", str(corpus), "-o", str(fifo), "-f", "jsonl"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {fifo}: nothing is reading this pipe\n"
    device = null_device(tmp_path / "null")
    assert invoke(["diff", str(corpus), "-o", str(device), "-f", "json"]).exit_code == 1
    assert stat.S_ISCHR(device.stat().st_mode)


def test_cli_a_newline_in_a_file_name_stays_on_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "two\nlines.jsonl"
    result = invoke(["claims", str(missing)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert "two\\nlines.jsonl" in result.stderr


@pytest.mark.parametrize(
    "brk", ["\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
)
def test_cli_any_line_break_in_a_file_name_stays_on_one_line(brk: str) -> None:
    # str.splitlines ends a line at each of these, and so do log readers that use it.
    result = invoke(["score-pairs", f"/nonexistent/a{brk}b.jsonl"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [result.stderr.rstrip("\n")]
    assert result.stderr.startswith("Error: ") and repr(brk)[1:-1] in result.stderr


def test_nightly_out_never_replaces_an_input(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    (out / "2024-04-08").mkdir(parents=True)
    source = out / "2024-04-08" / "findings.csv"
    source.write_text("id,source,text\nx1,Outlet,A sentence that was said.\n", encoding="utf-8")
    args = ["nightly", str(source), "--db", str(tmp_path / "n.db"), "--out", str(out),
            "--date", "2024-04-08", "--scorer", "checks"]  # fmt: skip
    result = invoke(args)
    assert result.exit_code == 2
    assert result.stderr == f"Error: cannot write {source}: it is an input\n"
    assert not (tmp_path / "n.db").exists()


def test_nightly_out_under_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    out = tmp_path / "file" / "reports"
    args = ["nightly", str(NIGHT), "--db", str(tmp_path / "n.db"), "--out", str(out),
            "--date", "2024-04-08", "--scorer", "checks"]  # fmt: skip
    result = invoke(args)
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"Error: {out / '2024-04-08'}: cannot create the folder (Not a directory)\n"
    )


# ---- the command line: usage errors on one line ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff"], "Missing argument 'INPUTS...'."),
        (["diff", "x.jsonl", "--threshold", "2"],
         "Invalid value for '--threshold': 2.0 is not in the range 0<=x<=1."),
        (["diff", "x.jsonl", "--top-k", "zero"],
         "Invalid value for '--top-k': 'zero' is not a valid integer range."),
        (["diff", "x.jsonl", "--top-kk", "3"], "No such option '--top-kk'. Did you mean '--top-k'?"),
        (["diff", "x.jsonl", "-f"], "Option '-f' requires an argument."),
        (["diff", "x.jsonl", "--threshold", "nan"],
         "Invalid value for '--threshold': 'nan' is not a number."),
        (["claims", "x.jsonl", "--min-checkworthiness", "NaN"],
         "Invalid value for '--min-checkworthiness': 'NaN' is not a number."),
        (["nightly", "x", "--min-topic", "nan"], "Invalid value for '--min-topic': 'nan' is not a number."),
        (["claims", "x.jsonl", "--min-checkworthiness", "2"],
         "Invalid value for '--min-checkworthiness': 2.0 is not in the range 0<=x<=1."),
        (["score-pairs", "/nonexistent/pairs.jsonl"],
         "/nonexistent/pairs.jsonl: no such file"),
        (["nightly", "x", "--window", "99999999999999999999d"],
         f"Invalid value for '--window': '99999999999999999999d' is more than {MAX_WINDOW_DAYS} days"),
        (["nightly", "x", "--address", "auto"], "--address needs --engine ray"),
        (["difff"], "No such command 'difff'. Did you mean 'diff'?"),
        (["--bogus"], "No such option '--bogus'."),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    result = invoke(args)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message}\n"


def test_help_still_works() -> None:
    assert invoke(["diff", "-h"]).stdout.startswith("Usage: cli diff [OPTIONS] INPUTS...")
    group = invoke([])
    assert "Usage: cli [OPTIONS] COMMAND [ARGS]..." in group.output


# ---- the command line: a real stdout, closed, full or gone (in a subprocess) -------------------


def run_claims(article: Path, shell_tail: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIVERGENCE_")}
    command = f"'{sys.executable}' -m divergence claims '{article}' -f jsonl {shell_tail}"
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120, check=False)  # fmt: skip


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(" ".join(d["text"] for d in DOCS) * 200, encoding="utf-8")
    return path


def test_stdout_full_or_closed_is_one_line(article: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    full = run_claims(article, "> /dev/full")
    assert (full.returncode, full.stderr) == (
        2, "Error: cannot write to standard output: No space left on device\n")  # fmt: skip
    closed = run_claims(article, ">&-")
    assert (closed.returncode, closed.stderr) == (
        2, "Error: cannot write to standard output: it is closed\n")  # fmt: skip


def test_a_reader_that_goes_away_is_a_quiet_exit_2(article: Path) -> None:
    # The reader closes the pipe at once; the writer gets EPIPE and says nothing.
    gone = run_claims(article, "| (exec 0<&-; sleep 1); exit ${PIPESTATUS[0]}")
    assert (gone.returncode, gone.stderr) == (2, "")
