"""Stage 1: read documents from JSONL, JSON, CSV, Parquet, .txt/.html files, folders or stdin."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from divergence.errors import InputError, UnknownFormat

log = logging.getLogger("divergence")

#: Documents longer than this are cut (and a warning says so): claims past it are not read.
MAX_CHARS = 200_000
#: HTML larger than this is not handed to trafilatura, which can hang on huge pages.
MAX_HTML_BYTES = 5_000_000

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
_DATE_LINE = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+[a-z]{3,9}\.?,?\s+\d{4}|\d{4}-\d{2}-\d{2})(?:[ T][\d:]+.*)?$",
    re.IGNORECASE,
)


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


def load_documents(
    paths: str | Path | Iterable[str | Path],
    *,
    format: str | None = None,
    skip_invalid: bool = False,
    max_chars: int = MAX_CHARS,
    stdin: io.TextIOBase | None = None,
) -> list[Document]:
    """Read documents from one or more paths (``-`` is standard input).

    ``format`` forces one of :data:`FORMATS`; by default it is told from the file suffix
    (folders are read file by file, stdin is sniffed). With ``skip_invalid`` bad records
    are skipped and counted in a warning instead of raising :class:`InputError`.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    docs: list[Document] = []
    for path in paths:
        docs.extend(_load_one(str(path), format, skip_invalid, max_chars, stdin))
    _check_unique_ids(docs)
    return docs


def _load_one(
    path: str, fmt: str | None, skip_invalid: bool, max_chars: int, stdin: io.TextIOBase | None
) -> list[Document]:
    if fmt is not None and fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if path == "-":
        stream = stdin if stdin is not None else sys.stdin
        text = _decode(
            stream.buffer.read() if hasattr(stream, "buffer") else stream.read(), "<stdin>"
        )
        start = text.lstrip()[:1]
        fmt = fmt or {"{": "jsonl", "[": "json"}.get(start, "txt")
        return _parse(text, fmt, "<stdin>", "stdin", skip_invalid, max_chars)
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in _SUFFIXES)
        if not files:
            raise InputError(
                f"{path}: folder holds no readable files ({', '.join(sorted(_SUFFIXES))})"
            )
        return [d for f in files for d in _load_one(str(f), fmt, skip_invalid, max_chars, None)]
    if not p.exists():
        raise InputError(f"{path}: no such file")
    fmt = fmt or _SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise UnknownFormat(
            f"{path}: unknown format {p.suffix or '(no suffix)'!r} "
            f"(expected one of {', '.join(sorted(_SUFFIXES))}, or pass --input-format)"
        )
    if fmt == "parquet":
        return _parse_parquet(p, skip_invalid, max_chars)
    data = p.read_bytes()
    if fmt == "html" and len(data) > MAX_HTML_BYTES:
        raise InputError(f"{path}: HTML larger than {MAX_HTML_BYTES:,} bytes")
    return _parse(_decode(data, path), fmt, path, p.stem, skip_invalid, max_chars)


def _decode(data: bytes | str, name: str) -> str:
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # offsets count from the file start
            raise InputError(f"{name}: invalid UTF-8 at byte {e.start + bom}") from None
    if not text.strip():
        raise InputError(f"{name}: input is empty")
    return text


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
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{name}:{e.lineno}: invalid JSON: {e.msg}") from None
        loaded = loaded if isinstance(loaded, list) else [loaded]
        records = ((i, r) for i, r in enumerate(loaded, 1))
    else:
        delimiter = "\t" if fmt == "tsv" else ","
        rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        # line_num after reading a row is the line it ends on; quoted fields can span lines.
        records = ((rows.line_num, r) for r in rows)
    return _from_records(records, name, stem, skip_invalid, max_chars)


def _jsonl_records(text: str, name: str, skip_invalid: bool) -> Iterator[tuple[int, Any]]:
    skipped = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as e:
            if not skip_invalid:
                raise InputError(f"{name}:{lineno}: invalid JSON: {e.msg}") from None
            skipped += 1
    if skipped:
        log.warning(
            "%s: skipped %d invalid JSON line%s", name, skipped, "" if skipped == 1 else "s"
        )


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


def _pick(record: Mapping[str, Any], key: str) -> tuple[str | None, str | None]:
    """The value for one of our fields under any of its aliases, and the column it came from."""
    lowered = {str(k).lower(): k for k in record}
    for alias in _ALIASES[key]:
        if alias in lowered:
            value = record[lowered[alias]]
            if value is None or (isinstance(value, float) and value != value):  # None or NaN
                continue
            return str(value), lowered[alias]
    return None, None


def record_document(
    record: Any, default_id: str, where: str, max_chars: int = MAX_CHARS
) -> Document:
    """A Document from one record (a dict), reading fields under their common aliases."""
    if not isinstance(record, Mapping):
        raise InputError(f"{where}: expected an object, got {type(record).__name__}")
    text, text_key = _pick(record, "text")
    if text is None or not text.strip():
        raise InputError(f"{where}: missing 'text' field")
    picked = {key: _pick(record, key) for key in _ALIASES if key != "text"}
    used = {text_key} | {col for _, col in picked.values() if col is not None}
    doc_id = picked["id"][0] or default_id
    return Document(
        id=doc_id,
        source=(picked["source"][0] or "unknown").strip(),
        text=_cap(text, doc_id, max_chars),
        url=picked["url"][0],
        published=picked["published"][0],
        title=picked["title"][0],
        extra={k: v for k, v in record.items() if k not in used},
    )


def _text_document(text: str, stem: str, name: str, max_chars: int) -> Document:
    """A plain article: a first line with no closing punctuation is its title, a date line its date."""
    title = published = None
    lines = text.strip().splitlines()
    if (
        len(lines) > 1
        and len(lines[0]) < 200
        and not lines[0].rstrip().endswith((".", "!", "?", '"', "”"))
    ):
        title = lines[0].strip()
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines = lines[1:]
        if lines and _DATE_LINE.match(lines[0].strip()):
            published = lines[0].strip()
            lines = lines[1:]
    body = "\n".join(lines).strip()
    if not body:
        raise InputError(f"{name}: no text after the title")
    return Document(
        id=stem, source=stem, text=_cap(body, stem, max_chars), title=title, published=published
    )


def _html_document(html: str, stem: str, name: str, max_chars: int) -> Document:
    import trafilatura  # heavy: imported only when HTML is read

    text = trafilatura.extract(html, include_comments=False, include_tables=False)
    if not text or not text.strip():
        raise InputError(f"{name}: no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    source = (meta.sitename if meta and meta.sitename else None) or stem
    return Document(
        id=stem,
        source=source,
        text=_cap(text, stem, max_chars),
        url=meta.url if meta else None,
        published=meta.date if meta else None,
        title=meta.title if meta else None,
    )


def _parse_parquet(path: Path, skip_invalid: bool, max_chars: int) -> list[Document]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as e:  # pyarrow raises several unrelated types for a bad file
        raise InputError(f"{path}: not a readable Parquet file ({type(e).__name__})") from None
    if frame.empty:
        raise InputError(f"{path}: input is empty")
    records = ((i, row) for i, row in enumerate(frame.to_dict(orient="records"), 1))
    return _from_records(records, str(path), path.stem, skip_invalid, max_chars)


def _cap(text: str, doc_id: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    log.warning("document %s truncated to %d characters (it has %d)", doc_id, max_chars, len(text))
    return text[:max_chars]


def _check_unique_ids(docs: list[Document]) -> None:
    seen: set[str] = set()
    for doc in docs:
        if doc.id in seen:
            raise InputError(f"duplicate document id {doc.id!r}")
        seen.add(doc.id)
