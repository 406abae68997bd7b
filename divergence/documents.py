"""Stage 1: read documents from JSONL, JSON, CSV, Parquet, .txt/.html files, folders or stdin.

Whatever the input, reading it either gives clean documents or raises one-line
:class:`InputError`: every file goes through one bounded reader (:func:`_read_file`,
:func:`_read_stream`) and every string through :func:`divergence.sanitize.clean_text`.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import logging
import numbers
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from divergence.errors import InputError, UnknownFormat
from divergence.sanitize import clean_text, is_blank

log = logging.getLogger("divergence")

# ---- limits (the README's "Limits" section states them; each is enforced in one place) ----

#: Documents longer than this are cut (and a warning says so): claims past it are not read.
MAX_CHARS = 200_000
#: The longest document accepted, in characters; longer is an error (not one article).
MAX_DOCUMENT_CHARS = 5_000_000
#: The largest file, or standard input, in bytes. A file is read whole, so this bounds memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: The longest JSONL line, in characters: one largest document written with \uXXXX escapes.
MAX_LINE_CHARS = 8 * MAX_DOCUMENT_CHARS
#: The longest CSV/TSV cell, in characters (the csv module's own default is 131,072).
MAX_CELL_CHARS = MAX_DOCUMENT_CHARS
#: The deepest JSON nesting of objects and arrays (deeper input crashes recursive code).
MAX_JSON_DEPTH = 100
#: The most digits in a JSON integer (Python refuses to convert past 4,300).
MAX_INT_DIGITS = 1_000
#: HTML larger than this is not handed to trafilatura, which can hang on huge pages.
MAX_HTML_BYTES = 5_000_000
#: HTML with more tags than this is read as plain text: trafilatura's time grows with tags.
MAX_HTML_TAGS = 50_000

FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "txt", "html")
_SUFFIXES = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
    ".parquet": "parquet", ".txt": "txt", ".text": "txt", ".md": "txt",
    ".html": "html", ".htm": "html",
}  # fmt: skip
# Column names seen in the wild, mapped to ours; the first listed wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "doc_id", "document_id", "uuid"),
    "source": ("source", "outlet", "publisher", "site", "sitename", "domain"),
    "url": ("url", "link", "href"),
    "published": ("published", "date", "published_at", "publish_date", "pubdate", "time"),
    "title": ("title", "headline"),
    "text": ("text", "content", "body", "article", "maintext"),
}
_FIELD_OF = {alias: key for key, aliases in _ALIASES.items() for alias in aliases}
_DATE_LINE = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+[a-z]{3,9}\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2})(?:[ T][\d:]+.*)?$",
    re.IGNORECASE,
)
# Standard input is sniffed: a leading tag or doctype is HTML; a first line of plain column
# names, one of them a text column, is a CSV/TSV header.
_HTML_START = re.compile(r"<(?:!doctype\s|!--|\?xml\s|[a-z][a-z0-9-]*(?:\s[^<>]*)?/?>)", re.I)
_HEADER_CELL = re.compile(r"(?:[\w.-]+(?: [\w.-]+)*)?")
_TAG = re.compile(r"<[a-zA-Z]")
_MISSING_TYPES = (float, date)  # NaN and NaT are the only values unequal to themselves


@dataclass(frozen=True)
class Document:
    """One article from one outlet. ``extra`` keeps any input fields divergence does not use."""

    id: str
    source: str
    text: str
    url: str | None = None
    published: str | None = None
    title: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        # However a Document is made, its strings are safe to print, encode, hash and store.
        for name in ("id", "source", "text", "url", "published", "title"):
            value = getattr(self, name)
            if isinstance(value, str) and (cleaned := clean_text(value)) is not value:
                object.__setattr__(self, name, cleaned)


def load_documents(
    paths: str | Path | Iterable[str | Path],
    *,
    format: str | None = None,
    skip_invalid: bool = False,
    max_chars: int = MAX_CHARS,
    stdin: IO[Any] | None = None,
) -> list[Document]:
    """Read documents from one or more paths (``-`` is standard input, or ``stdin``).

    ``format`` forces one of :data:`FORMATS`; by default it is told from the file suffix
    (folders are read file by file, stdin is sniffed). With ``skip_invalid`` bad records
    are skipped and counted in a warning instead of raising :class:`InputError`, which is
    the only exception bad input raises.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    docs: list[Document] = []
    for path in paths:
        docs.extend(_load_one(str(path), format, skip_invalid, max_chars, stdin))
    _check_unique_ids(docs)
    return docs


def _load_one(
    path: str, fmt: str | None, skip_invalid: bool, max_chars: int, stdin: IO[Any] | None
) -> list[Document]:
    if fmt is not None and fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if path == "-":
        data = _read_stream(sys.stdin if stdin is None else stdin)
        return _parse_data(data, fmt, "<stdin>", "stdin", skip_invalid, max_chars)
    mode = _mode(path)
    if stat.S_ISDIR(mode):
        files = _folder_files(path)
        if not files:
            raise InputError(
                f"{path}: folder holds no readable files ({', '.join(sorted(_SUFFIXES))})"
            )
        return [d for f in files for d in _load_one(str(f), fmt, skip_invalid, max_chars, None)]
    _check_regular(path, mode)
    p = Path(path)
    fmt = fmt or _SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise UnknownFormat(
            f"{path}: unknown format {p.suffix or '(no suffix)'!r} "
            f"(expected one of {', '.join(sorted(_SUFFIXES))}, or pass --input-format)"
        )
    return _parse_data(_read_file(path, fmt), fmt, path, p.stem, skip_invalid, max_chars)


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError) as e:
        raise _unreadable(path, e) from None


def read_json_lines(path: str, *, stdin: IO[Any] | None = None) -> list[tuple[int, Any]]:
    """``(line number, value)`` for each JSON line of a file, or of ``-`` (standard input),
    read with the limits of :func:`load_documents` and their strings cleaned
    (:func:`~divergence.sanitize.clean_text`): for inputs that are not documents, such as
    the pairs of ``divergence score-pairs``. A line that is not acceptable JSON gives an
    :class:`InputError` as its value, for the caller to raise or to count as skipped."""
    if path == "-":
        name, data = "<stdin>", _read_stream(sys.stdin if stdin is None else stdin)
    else:
        mode = _mode(path)
        if stat.S_ISDIR(mode):
            raise InputError(f"{path}: is a folder, not a JSON lines file")
        _check_regular(path, mode)
        name, data = path, _read_file(path, "jsonl")
    return [
        (lineno, v if isinstance(v, InputError) else _clean_extra(v, f"{name}:{lineno}", 1))
        for lineno, v in _jsonl_values(_decode(data, name), name)
    ]


# ---- the one bounded reader --------------------------------------------------------------


def _limit(fmt: str | None) -> tuple[int, str]:
    """The most bytes read for a format, and what the error calls the input."""
    return (MAX_HTML_BYTES, "HTML") if fmt == "html" else (MAX_FILE_BYTES, "input")


def _too_large(name: str, fmt: str | None) -> InputError:
    limit, what = _limit(fmt)
    return InputError(f"{name}: {what} larger than {limit:,} bytes")


def _read_file(path: str, fmt: str | None) -> bytes:
    """A regular file's bytes, never more than the limit and never blocking on a pipe."""
    limit, _ = _limit(fmt)
    # O_NONBLOCK: should the path have become a FIFO since it was checked, open() returns
    # at once instead of waiting forever for a writer, and fstat below refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError) as e:
        raise _unreadable(path, e) from None
    with os.fdopen(fd, "rb") as f:
        try:
            status = os.fstat(fd)
            _check_regular(path, status.st_mode)
            if status.st_size > limit:
                raise _too_large(path, fmt)
            data = f.read(limit + 1)  # a file still growing, or one whose size is not known
        except OSError as e:
            raise _unreadable(path, e) from None
    if len(data) > limit:
        raise _too_large(path, fmt)
    return data


def _read_stream(stream: IO[Any] | None) -> bytes | str:
    """Standard input (or any stream), at most :data:`MAX_FILE_BYTES`."""
    if stream is None:  # python started with stdin closed
        raise InputError("<stdin>: no standard input")
    source = getattr(stream, "buffer", stream)  # bytes, so that their encoding is checked here
    try:
        data = source.read(MAX_FILE_BYTES + 1)
    except UnicodeDecodeError as e:
        raise InputError(f"<stdin>: invalid {e.encoding} at byte {e.start}") from None
    except (OSError, ValueError) as e:  # ValueError: a closed stream
        raise _unreadable("<stdin>", e) from None
    if not isinstance(data, bytes | str):
        raise InputError(f"<stdin>: read {type(data).__name__}, not text")
    if len(data) > MAX_FILE_BYTES:
        raise _too_large("<stdin>", None)
    return data


def _check_regular(path: str, mode: int) -> None:
    """Refuse devices, pipes and sockets: /dev/zero never ends, a FIFO may never start."""
    if stat.S_ISREG(mode):
        return
    kinds = [
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ]
    kind = next((k for test, k in kinds if test(mode)), "not a file")
    raise InputError(f"{path}: not a regular file ({kind}); pass - to read standard input")


def _folder_files(path: str) -> list[Path]:
    """The files of a folder with a known suffix, by name; not recursive."""

    def is_file(entry: os.DirEntry[str]) -> bool:
        try:
            return entry.is_file()  # follows links: a link to a device is not a file
        except OSError:
            return False

    try:
        with os.scandir(path) as entries:
            return sorted(
                Path(e.path)
                for e in entries
                if os.path.splitext(e.name)[1].lower() in _SUFFIXES and is_file(e)
            )
    except OSError as e:
        raise _unreadable(path, e) from None


def _unreadable(name: str, e: OSError | ValueError) -> InputError:
    """An operating-system error as one line: "x.jsonl: permission denied"."""
    if isinstance(e, FileNotFoundError):
        return InputError(f"{name}: no such file")
    if isinstance(e, OSError) and e.strerror:  # "Permission denied": lower case mid-sentence
        return InputError(f"{name}: {e.strerror[:1].lower()}{e.strerror[1:]}")
    return InputError(f"{name}: {e or type(e).__name__}")


def _parse_data(
    data: bytes | str, fmt: str | None, name: str, stem: str, skip_invalid: bool, max_chars: int
) -> list[Document]:
    """Documents from a whole input; ``fmt`` is None for stdin, whose content is sniffed."""
    if fmt is None and isinstance(data, bytes) and data.startswith(b"PAR1"):
        fmt = "parquet"
    if fmt == "parquet":
        if isinstance(data, str):
            raise InputError(f"{name}: Parquet needs a binary stream, not text")
        return _parse_parquet(data, name, stem, skip_invalid, max_chars)
    text = _decode(data, name)
    fmt = fmt or _sniff(text)
    if fmt == "html" and len(data) > MAX_HTML_BYTES:
        raise _too_large(name, fmt)
    return _parse(text, fmt, name, stem, skip_invalid, max_chars)


def _sniff(text: str) -> str:
    """The format of standard input, told from its start (``--input-format`` overrides)."""
    head = text[:65536].lstrip()
    if head.startswith("{"):
        return "jsonl"
    if head.startswith("["):
        return "json"
    if _HTML_START.match(head):
        return "html"
    first = head.split("\n", 1)[0].rstrip("\r")
    for fmt, delimiter in (("tsv", "\t"), ("csv", ",")):
        if delimiter not in first:
            continue
        cells = next(csv.reader([first], delimiter=delimiter), [])
        if all(len(c) <= 64 and _HEADER_CELL.fullmatch(c) for c in cells) and any(
            c.lower() in _ALIASES["text"] for c in cells
        ):
            return fmt
    return "txt"


def _decode(data: bytes | str, name: str) -> str:
    """UTF-8 text (UTF-16 and UTF-32 only with a byte order mark), never binary or blank."""
    if isinstance(data, str):
        text = data
        _check_nul(text, name)
    else:
        encoding = "utf-8-sig"
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            encoding = "utf-32"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            _check_nul(data, name)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            # Offsets count from the file start, byte order mark included.
            bom = 3 if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8) else 0
            label = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
            raise InputError(f"{name}: invalid {label} at byte {e.start + bom}") from None
    if is_blank(text):
        raise InputError(f"{name}: input is empty")
    return text


def _check_nul(data: bytes | str, name: str) -> None:
    """No text file holds NUL: it is binary, or UTF-16/32 without a byte order mark."""
    if isinstance(data, bytes):
        at, unit, raw = data.find(0), "byte", data[:65536]
    else:  # a text stream given as stdin
        at, unit, raw = data.find("\x00"), "character", data[:65536].encode("latin-1", "replace")
    if at < 0:
        return
    even, odd = raw[0::2].count(0), raw[1::2].count(0)
    # UTF-16 puts a NUL beside each ASCII character, all on one side: even or odd bytes.
    if max(even, odd) >= max(2, len(raw) // 4) and min(even, odd) * 10 <= max(even, odd):
        raise InputError(
            f"{name}: looks like UTF-16 without a byte order mark (NUL bytes); save it as UTF-8"
        )
    raise InputError(f"{name}: binary data, not text (a NUL byte at {unit} {at})")


# ---- formats -----------------------------------------------------------------------------


def _parse(
    text: str, fmt: str, name: str, stem: str, skip_invalid: bool, max_chars: int
) -> list[Document]:
    if fmt == "txt":
        return [_text_document(text, stem, name, max_chars)]
    if fmt == "html":
        return [_html_document(text, stem, name, max_chars)]
    if fmt == "jsonl":
        records: Iterable[tuple[int, Any]] = _jsonl_records(text, name, skip_invalid)
    elif fmt == "json":
        loaded = _json_value(text, name, None)
        loaded = loaded if isinstance(loaded, list) else [loaded]
        records = ((i, r) for i, r in enumerate(loaded, 1))
    else:
        records = _csv_records(text, name, "\t" if fmt == "tsv" else ",", skip_invalid)
    return _from_records(records, name, stem, skip_invalid, max_chars)


class _BadJSON(Exception):
    """JSON that parses but that divergence refuses: a duplicate key, a number too long."""


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _BadJSON(f"a number longer than {MAX_INT_DIGITS:,} digits")
    return int(digits)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) < len(pairs):  # json keeps the last of two equal keys without a word
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _BadJSON(f"duplicate key {_shown(key)}")
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(parse_int=_parse_int, object_pairs_hook=_unique_keys)


def _json_value(text: str, name: str, lineno: int | None) -> Any:
    """One JSON value; ``lineno`` is the line it came from in a JSONL file."""
    where = name if lineno is None else f"{name}:{lineno}"
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{name}:{lineno or e.lineno}: invalid JSON: {e.msg}") from None
    except _BadJSON as e:
        raise InputError(f"{where}: invalid JSON: {e}") from None
    except RecursionError:  # the parser recurses; the depth check below is the real limit
        value = None
    if value is None or _too_deep(value):
        raise InputError(f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _jsonl_values(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` per non-blank line; the value is an :class:`InputError` for
    a line that is not acceptable JSON, for the caller to raise or count."""
    # Lines end at \n (or \r\n) only: U+2028 and the other str.splitlines breaks are valid
    # inside JSON strings and must not split a record.
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_LINE_CHARS:
                raise InputError(f"{name}:{lineno}: line longer than {MAX_LINE_CHARS:,} characters")
            yield lineno, _json_value(line, name, lineno)
        except InputError as e:
            yield lineno, e


def _jsonl_records(text: str, name: str, skip_invalid: bool) -> Iterator[tuple[int, Any]]:
    skipped = 0
    for lineno, value in _jsonl_values(text, name):
        if isinstance(value, InputError):
            if not skip_invalid:
                raise value
            skipped += 1
            continue
        yield lineno, value
    if skipped:
        log.warning(
            "%s: skipped %d invalid JSON line%s", name, skipped, "" if skipped == 1 else "s"
        )


def _csv_records(
    text: str, name: str, delimiter: str, skip_invalid: bool
) -> list[tuple[int, dict[str, str]]]:
    """Rows as dicts keyed by the header; each with the line it ends on (cells span lines)."""
    # strict: a quote never closed is an error, not the rest of the file in one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, dict[str, str]]] = []
    header: list[str] | None = None
    skipped, start = 0, 1  # start: the line the row being read starts on
    # The cell limit is process-wide in the csv module: raised for this read, then restored.
    previous = csv.field_size_limit(MAX_CELL_CHARS)
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                pass
            elif header is None:
                header = row
                _check_columns(header, f"{name}:{line}")
            elif len(row) != len(header):
                if not skip_invalid:
                    cells = f"{len(row)} cell{'' if len(row) == 1 else 's'}"
                    raise InputError(f"{name}:{line}: {cells}, but the header has {len(header)}")
                skipped += 1
            else:
                records.append((line, dict(zip(header, row, strict=True))))
            start = line + 1
    except csv.Error as e:
        message = str(e)
        if message.startswith("field larger than field limit"):
            raise InputError(
                f"{name}:{start}: a cell longer than {MAX_CELL_CHARS:,} characters"
            ) from None
        if message == "unexpected end of data":
            raise InputError(
                f"{name}:{start}: invalid CSV: a quote opened on this line is never closed"
            ) from None
        raise InputError(f"{name}:{reader.line_num}: invalid CSV: {message}") from None
    finally:
        csv.field_size_limit(previous)
    if skipped:
        log.warning(
            "%s: skipped %d row%s whose cells do not match the header",
            name, skipped, "" if skipped == 1 else "s",
        )  # fmt: skip
    return records


def _check_columns(columns: Iterable[Any], where: str) -> None:
    """Two columns of one name (in any case) would leave one of them unread."""
    seen: set[str] = set()
    for column in columns:
        key = str(column).lower()
        if key and key in seen:
            raise InputError(f"{where}: duplicate column {_shown(column)}")
        seen.add(key)


def _from_records(
    records: Iterable[tuple[int, Any]], name: str, stem: str, skip_invalid: bool, max_chars: int
) -> list[Document]:
    docs, skipped = [], 0
    for lineno, record in records:
        try:
            docs.append(record_document(record, f"{stem}:{lineno}", f"{name}:{lineno}", max_chars))
        except InputError:
            if not skip_invalid:
                raise
            skipped += 1
    if skipped:
        log.warning("%s: skipped %d invalid record%s", name, skipped, "" if skipped == 1 else "s")
    if not docs:
        raise InputError(f"{name}: no documents")
    return docs


def _parse_parquet(
    data: bytes, name: str, stem: str, skip_invalid: bool, max_chars: int
) -> list[Document]:
    import pyarrow.parquet as pq

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            table = pq.ParquetFile(io.BytesIO(data))
            columns = [c for c in table.schema_arrow.names if not c.startswith("__index_level_")]
            _check_columns(columns, name)
            if table.metadata.num_rows == 0:
                raise InputError(f"{name}: input is empty")
            read, index = 0, 0
            # Small batches, counted: a few compressed bytes can hold gigabytes of text.
            for batch in table.iter_batches(batch_size=64, columns=columns):
                read += batch.nbytes
                if read > MAX_FILE_BYTES:
                    raise InputError(
                        f"{name}: Parquet data larger than {MAX_FILE_BYTES:,} bytes uncompressed"
                    )
                for row in batch.to_pylist():
                    index += 1
                    yield index, row
        except InputError:
            raise
        except Exception as e:  # pyarrow raises several unrelated types for a bad file
            raise InputError(f"{name}: not a readable Parquet file ({type(e).__name__})") from None

    return _from_records(rows(), name, stem, skip_invalid, max_chars)


# ---- records and fields ------------------------------------------------------------------


def record_document(
    record: Any, default_id: str, where: str, max_chars: int = MAX_CHARS
) -> Document:
    """A Document from one record (a dict), reading fields under their common aliases.

    text, source, title and url must be strings; id and published may also be whole
    numbers, and published a date. Anything else is an :class:`InputError`, never a
    string made up from another type.
    """
    if not isinstance(record, Mapping):
        raise InputError(f"{where}: expected an object, got {type(record).__name__}")
    columns: dict[str, Any] = {}  # alias -> the record's own key
    for key in record:
        alias = str(key).lower()
        if alias in _FIELD_OF:
            if alias in columns:
                raise InputError(f"{where}: duplicate field {_shown(alias)}")
            columns[alias] = key
    picked = {name: _pick(record, columns, name, where) for name in _ALIASES}
    text, _ = picked["text"]
    if text is None or is_blank(text):
        raise InputError(f"{where}: missing 'text' field")
    used = {col for _, col in picked.values() if col is not None}
    doc_id = picked["id"][0]
    doc_id = default_id if doc_id is None or is_blank(doc_id) else doc_id
    source, url, published, title = (
        None if value is None or is_blank(value) else value
        for value, _ in (picked["source"], picked["url"], picked["published"], picked["title"])
    )
    return Document(
        id=doc_id,
        source=(source or "unknown").strip(),
        text=_document_text(text, doc_id, where, max_chars),
        url=url,
        published=published,
        title=title,
        extra={k: _clean_extra(v, where, 1) for k, v in record.items() if k not in used},
    )


def _pick(
    record: Mapping[Any, Any], columns: Mapping[str, Any], key: str, where: str
) -> tuple[str | None, Any]:
    """The value for one of our fields under any of its aliases, and the column it came from."""
    for alias in _ALIASES[key]:
        if alias in columns:
            value = _field_text(record[columns[alias]], key, columns[alias], where)
            if value is not None:
                return value, columns[alias]
    return None, None


def _field_text(value: Any, key: str, column: Any, where: str) -> str | None:
    """A field's value as clean text, None when missing; a type that is not text is refused."""
    if value is None or (isinstance(value, _MISSING_TYPES) and value != value):  # NaN, NaT
        return None
    if isinstance(value, str):
        return clean_text(value)
    numeric = key in ("id", "published")
    if numeric and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if abs(int(value)) < 10**MAX_INT_DIGITS:  # str() of a longer one raises ValueError
            return str(int(value))
        raise InputError(
            f"{where}: field {_shown(column)} is longer than {MAX_INT_DIGITS:,} digits"
        )
    # A Parquet integer column with gaps is read as floats: 17.0 is the id 17.
    elif key == "id" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    elif key == "published" and isinstance(value, date):
        return value.isoformat()
    expected = "a string or a whole number" if numeric else "a string"
    raise InputError(
        f"{where}: field {_shown(column)} must be {expected}, got {type(value).__name__}"
    )


def _clean_extra(value: Any, where: str, depth: int) -> Any:
    """An unused field with its strings cleaned, at any depth up to the JSON limit."""
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, Mapping | list | tuple):
        return value
    if depth > MAX_JSON_DEPTH:  # also ends a list that holds itself
        raise InputError(f"{where}: a field nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, Mapping):
        return {
            (clean_text(k) if isinstance(k, str) else k): _clean_extra(v, where, depth + 1)
            for k, v in value.items()
        }
    cleaned = [_clean_extra(v, where, depth + 1) for v in value]
    return cleaned if isinstance(value, list) else tuple(cleaned)


def _document_text(text: str, doc_id: str, where: str, max_chars: int) -> str:
    """Clean text within the limits: past MAX_DOCUMENT_CHARS an error, past max_chars cut."""
    text = clean_text(text)
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InputError(f"{where}: document longer than {MAX_DOCUMENT_CHARS:,} characters")
    if len(text) <= max_chars:
        return text
    log.warning("document %s truncated to %d characters (it has %d)", doc_id, max_chars, len(text))
    return text[:max_chars]


def _shown(value: Any) -> str:
    """A name from the input, quoted and short enough for a one-line error."""
    text = clean_text(str(value))
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _text_document(text: str, stem: str, name: str, max_chars: int) -> Document:
    """A plain article: a first line with no closing punctuation is its title, a date line its date."""
    title = published = None
    lines = list(itertools.dropwhile(is_blank, clean_text(text).strip().split("\n")))
    if (
        len(lines) > 1
        and len(lines[0]) < 200
        and not lines[0].rstrip().endswith((".", "!", "?", '"', "”"))
    ):
        title = lines[0].strip()
        lines = list(itertools.dropwhile(is_blank, lines[1:]))
        if lines and _DATE_LINE.match(lines[0].strip()):
            published = lines[0].strip()
            lines = lines[1:]
    body = "\n".join(lines).strip()
    if is_blank(body):
        raise InputError(f"{name}: no text after the title" if title else f"{name}: input is empty")
    return Document(
        id=stem,
        source=stem,
        text=_document_text(body, stem, name, max_chars),
        title=title,
        published=published,
    )


def _html_document(html: str, stem: str, name: str, max_chars: int) -> Document:
    import trafilatura  # heavy: imported only when HTML is read

    html = clean_text(html)  # lxml refuses NULs and control characters
    # Counting stops at the limit: checking a 5 MB page costs no more than a normal one.
    tags = sum(1 for _ in itertools.islice(_TAG.finditer(html), MAX_HTML_TAGS + 1))
    text: str | None
    try:
        if tags > MAX_HTML_TAGS:
            log.warning(
                "%s: more than %s tags: read as plain text, with no boilerplate removed",
                name, f"{MAX_HTML_TAGS:,}",
            )  # fmt: skip
            text, meta = trafilatura.html2txt(html), None
        else:
            text = trafilatura.extract(html, include_comments=False, include_tables=False)
            meta = trafilatura.extract_metadata(html) if text and not is_blank(text) else None
    except Exception as e:  # lxml and trafilatura raise many types on odd markup
        raise InputError(f"{name}: unreadable HTML ({type(e).__name__})") from None
    if not text or is_blank(text):
        raise InputError(f"{name}: no article text found in the HTML")
    site = meta.sitename if meta and meta.sitename and not is_blank(meta.sitename) else None
    return Document(
        id=stem,
        source=site or stem,
        text=_document_text(text, stem, name, max_chars),
        url=meta.url if meta else None,
        published=meta.date if meta else None,
        title=meta.title if meta else None,
    )


def _check_unique_ids(docs: list[Document]) -> None:
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            raise InputError(f"duplicate document id {_shown(doc.id)}")
        seen.add(doc.id)
