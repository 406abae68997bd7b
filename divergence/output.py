"""The one writer of reports: files atomically, devices and pipes directly, stdout carefully.

Every way a write can fail ends as an :class:`~divergence.errors.OutputError` with one
line, and nothing is ever half-written:

- a **regular file** (or a new name) is written to a temporary file beside it, then
  ``os.replace``\\d over it: the previous report survives any failure, and the temporary
  file is removed;
- a **symbolic link** is resolved and its target written the same way, so the link stays
  a link (``report.html -> reports/today.html``);
- a **device or FIFO** (``/dev/null``, ``/dev/stdout``, a named pipe) is written through,
  never replaced by a regular file (which, as root, would replace ``/dev/null`` itself);
  a FIFO nobody reads is an error, not a hang;
- a path naming one of the **inputs** is refused before anything is written;
- **standard output** that is closed, full or whose reader went away raises
  :class:`~divergence.errors.StdoutError` (:class:`~divergence.errors.BrokenPipe` for the
  last: the command line exits quietly then, as ``| head`` users expect).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from divergence.errors import BrokenPipe, OutputError, StdoutError

#: Longest file name (in bytes) reused in a temporary name; most filesystems allow 255.
_TMP_NAME_BYTES = 120


def _reason(e: OSError) -> str:
    """The system's words for an error ("Permission denied"), else the exception's text."""
    return e.strerror or str(e) or type(e).__name__


def _temporary_prefix(name: str) -> str:
    # ".<name>." plus mkstemp's 8 characters and ".tmp" must still fit in a file name.
    if len(os.fsencode(name)) > _TMP_NAME_BYTES:
        name = "divergence"
    return f".{name}."


def check_not_input(path: str | Path | None, inputs: Iterable[str | Path]) -> None:
    """Raise :class:`OutputError` when ``path`` is the same file as one of ``inputs``.
    No path, or ``-`` (standard output), is never an input.

    Links count (the same file under another name is refused too); standard input (``-``)
    and inputs that do not exist are never the same file. An existing file inside an input
    folder is refused too: it may be one of the documents read from there, and a report
    left there would be read as a document by the next run.
    """
    if path is None or str(path) == "-":
        return
    for source in inputs:
        if str(source) == "-":
            continue
        try:
            same = os.path.samefile(source, path)
            inside = (
                os.path.isdir(source)
                and os.path.isfile(path)
                and Path(os.path.realpath(path)).is_relative_to(os.path.realpath(source))
            )
        except (OSError, ValueError):  # either does not exist, or an unusable name
            continue
        if same:
            raise OutputError(f"cannot write {path}: it is an input")
        if inside:
            raise OutputError(f"cannot write {path}: it is inside the input folder {source}")


def _write_through(data: bytes, path: str | Path) -> None:
    """Write to a device or FIFO as it is: open it without creating or replacing anything."""
    # Non-blocking open: a FIFO with no reader fails at once (ENXIO) instead of hanging.
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # then write it all, waiting for a slow reader
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _replace_atomically(data: bytes, target: Path, mode: int | None) -> None:
    """A temporary file beside ``target``, then ``os.replace``; removed on any failure."""
    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=_temporary_prefix(target.name), suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is None:  # a new file gets the usual mode; mkstemp makes 0600
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(data: str | bytes, path: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    """Write a whole file or nothing, never over one of ``inputs``.

    A regular file (or a symlink's target) is replaced atomically; a device or FIFO is
    written through. Raises :class:`OutputError` with one line for every failure; an
    exception that is not about the file system (an interrupt, unencodable text) is left
    as it is, after the temporary file is removed.
    """
    name = str(path)
    check_not_input(path, inputs)
    try:
        info: os.stat_result | None = os.stat(path)  # follows symlinks: what is written
    except FileNotFoundError:
        info = None
    except OSError as e:  # a symlink loop, a name too long, a parent that is a file
        raise OutputError(f"cannot write {name}: {_reason(e)}") from None
    except ValueError as e:  # an embedded NUL byte
        raise OutputError(f"cannot write {name!r}: {e}") from None
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{name}: is a folder")
        if info is not None and not stat.S_ISREG(info.st_mode):
            _write_through(payload, path)
            return
        # A link (even one to a file that does not exist yet) is written at its target.
        target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
        parent = target.parent
        if not parent.exists():
            raise OutputError(f"{name}: folder {parent} does not exist")
        if not parent.is_dir():
            raise OutputError(f"{name}: {parent} is not a folder")
        _replace_atomically(payload, target, stat.S_IMODE(info.st_mode) if info else None)
    except OSError as e:
        if e.errno == errno.ENXIO and info is not None and stat.S_ISFIFO(info.st_mode):
            raise OutputError(f"cannot write {name}: nothing is reading this pipe") from None
        raise OutputError(f"cannot write {name}: {_reason(e)}") from None


def write_stream(data: str, stream: TextIO | None) -> None:
    """Write all of ``data`` to a text stream and flush it, with one-line errors."""
    if stream is None or getattr(stream, "closed", False):
        raise StdoutError("cannot write to standard output: it is closed")
    try:
        stream.write(data)
        stream.flush()  # now, not at exit: a full disk or a gone reader is reported here
    except UnicodeEncodeError as e:  # a stream in ASCII (LANG=C) and text that is not
        raise StdoutError(
            f"cannot write to standard output: the text cannot be encoded ({e.reason})"
        ) from None
    except BrokenPipeError:
        raise BrokenPipe("standard output was closed by its reader") from None
    except OSError as e:
        raise StdoutError(f"cannot write to standard output: {_reason(e)}") from None
    except ValueError:  # "I/O operation on closed file"
        raise StdoutError("cannot write to standard output: it is closed") from None


def emit(
    data: str | bytes,
    path: str | Path | None,
    stream: TextIO | None,
    *,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Write rendered output to ``path`` (see :func:`write_atomic`), or to ``stream`` when no
    path is given (or ``-``). ``inputs`` are never overwritten."""
    if path is not None and str(path) != "-":
        try:
            write_atomic(data, path, inputs=inputs)
        except UnicodeEncodeError as e:  # lone surrogates from a JSON escape such as "\ud800"
            raise OutputError(
                f"cannot write {path}: the text is not valid Unicode ({e.reason})"
            ) from None
        return
    if isinstance(data, bytes):
        raise OutputError("parquet output is binary: write it to a file with -o FILE")
    write_stream(data, stream)


def is_terminal(stream: TextIO | None) -> bool:
    """Whether ``stream`` is an open terminal; False for None or a closed stream."""
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False
