"""Property-based fuzzing of document loading: every format, every way in.

Documents are generated, written in each supported format (JSONL, JSON, CSV, TSV, Parquet,
txt, HTML), mutated byte by byte, and loaded from a file or from standard input. Whatever
comes in, loading gives documents whose strings are clean (see divergence.sanitize), or
raises InputError; any other exception, or an example past the deadline, fails. Valid
records written by the standard writers must come back with exactly their (clean) text.
"""

from __future__ import annotations

import csv
import html
import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from divergence.documents import (
    FORMATS,
    Document,
    load_documents,
    read_json_lines,
    record_document,
)
from divergence.errors import InputError
from divergence.sanitize import clean_text, is_blank

# Small budgets: the whole file runs in well under a minute on a loaded 2-core machine.
# The deadline is per example, generous for a busy machine: a slow path (trafilatura took
# minutes on a page of a million tags) fails it.
FUZZ = settings(
    max_examples=25,
    deadline=timedelta(seconds=10),
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters that broke something once, or could: surrogates, NUL and other controls, the
# separators str.splitlines knows, zero-width ones, and the syntax of each format.
SPECIAL = [
    "\ud800", "\udfff", "\ud83d", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\r", "\r\n",
    "\n", "\t", "\x0b", "\x0c", "\x1c", "\x1e", "\x1f", "\u2028", "\u2029", "\u200b", "\u200d",
    "\ufeff", "\u00ad", "\ufffd", '"', "'", ",", ";", "\\", "<", ">", "&", "{", "}", "[", "]",
    "<p>", "</p>", "<!--", "<script>", " ", "\u00a0", "\U0001f600", "\u0627", "Talks stalled. ",
]  # fmt: skip
WORDS = ["Talks", "stalled", "in", "Cairo", "on", "Monday", "officials", "said", "40", "33."]
FIELDS = [
    "id", "source", "text", "title", "url", "published", "date", "content", "body", "outlet",
    "headline", "Text", "SOURCE", "tags", "extra", "",
]  # fmt: skip

#: What no standard writer puts raw into a UTF-8 file: lone surrogates and NUL.
UNWRITABLE = frozenset(
    ["\ud800", "\udfff", "\ud83d", "\x00"]
)  # a list: ruff reads surrogates as one

chars = st.one_of(st.characters(), st.sampled_from(SPECIAL), st.sampled_from(WORDS))
texts = st.lists(chars, max_size=30).map("".join)
# Text a standard writer can put in every format.
plain = st.lists(
    st.sampled_from(WORDS + [s for s in SPECIAL if s not in UNWRITABLE]), min_size=1, max_size=20
).map("".join)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), texts,
    st.integers(min_value=10**1500, max_value=10**1500 + 5),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
records = st.builds(
    lambda base, more: {**base, **more},
    st.fixed_dictionaries({"text": texts}),
    st.dictionaries(st.sampled_from(FIELDS), st.one_of(texts, json_values), max_size=4),
)
# Junk that reached a limit or a special case in the past, spliced into the bytes.
BOMBS = [
    b"[" * 3000, b'{"a":' * 2000, b"9" * 5000, b"\x00", b"\x00\x00\x00\x00", b"\xff\xfe",
    b"\xef\xbb\xbf", "\ud800".encode("utf-8", "surrogatepass"), b"\xe2\x80", b'"', b"\r", b"\n",
    "\u2028".encode(), b"<p>" * 200, b"\t", b",", b"PAR1", b"<!DOCTYPE html>", b"}", b"]",
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def warm_up() -> None:
    """Import trafilatura and read one page before any example is timed."""
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        page.write_text(
            "<html><body><article><p>Talks stalled in Cairo.</p></article></body></html>"
        )
        load_or_refuse(page)


def encode(text: str) -> bytes:
    """Bytes as a careless writer would make them: a lone surrogate becomes invalid UTF-8."""
    return text.encode("utf-8", "surrogatepass")


def as_cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def serialise(fmt: str, rows: list[dict[str, Any]], draw: st.DrawFn) -> bytes:
    if fmt == "jsonl":
        ascii_only = draw(st.booleans())
        end = draw(st.sampled_from(["\n", "\r\n"]))
        return encode(end.join(json.dumps(r, ensure_ascii=ascii_only, default=str) for r in rows))
    if fmt == "json":
        value: Any = rows if draw(st.booleans()) else rows[0]
        return encode(json.dumps(value, ensure_ascii=draw(st.booleans()), default=str))
    if fmt in ("csv", "tsv"):
        columns = list(dict.fromkeys(k for r in rows for k in r))
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([as_cell(r.get(c, "")) for c in columns] for r in rows)
        return encode(out.getvalue())
    if fmt == "txt":
        return encode("\n".join(as_cell(v) for r in rows for v in r.values()))
    if fmt == "html":
        body = "".join(f"<p>{html.escape(as_cell(r.get('text')))}</p>" for r in rows)
        head = f"<title>{html.escape(as_cell(rows[0].get('title', '')))}</title>"
        return encode(f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>")
    assert fmt == "parquet"
    return parquet_bytes(draw)


def parquet_bytes(draw: st.DrawFn) -> bytes:
    """A table whose columns each hold one type (Parquet needs that), named like ours."""
    n = draw(st.integers(min_value=1, max_value=4))
    kinds = {
        "str": st.text(st.characters(codec="utf-8"), max_size=20),
        "int": st.integers(min_value=-(2**63), max_value=2**63 - 1),
        "float": st.floats(allow_nan=True),
        "bool": st.booleans(),
        "list": st.lists(st.text(max_size=5, alphabet="abc"), max_size=3),
    }
    # Mostly a text column of strings, so that some tables load; sometimes one of another type.
    cells = st.one_of(plain, plain, plain, st.none(), kinds["str"])
    columns = {"text": draw(st.lists(cells, min_size=n, max_size=n))}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        kind = draw(st.sampled_from(sorted(kinds)))
        columns[name] = draw(st.lists(st.none() | kinds[kind], min_size=n, max_size=n))
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


def mutate(data: bytes, draw: st.DrawFn) -> bytes:
    """Zero to three byte-level mutations: cut, splice, flip, duplicate, truncate."""
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        op = draw(st.sampled_from(["delete", "insert", "bomb", "flip", "repeat", "truncate"]))
        if op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 8)) :]
        elif op == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif op == "bomb":
            data = data[:at] + draw(st.sampled_from(BOMBS)) + data[at:]
        elif op == "flip" and at < len(data):
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif op == "repeat":
            data = data[:at] + data[at : at + 64] * draw(st.integers(2, 50)) + data[at:]
        elif op == "truncate":
            data = data[:at]
    return data


@st.composite
def inputs(draw: st.DrawFn, fmt: str) -> bytes:
    rows = draw(st.lists(records, min_size=1, max_size=4))
    return mutate(serialise(fmt, rows, draw), draw)


def assert_clean(docs: list[Document], max_chars: int) -> None:
    assert docs
    assert len({d.id for d in docs}) == len(docs)
    for doc in docs:
        for value in (doc.id, doc.source, doc.text, doc.url, doc.published, doc.title):
            if value is not None:
                assert isinstance(value, str)
                assert clean_text(value) == value
                value.encode("utf-8")  # never a lone surrogate
        assert not is_blank(doc.text)
        assert len(doc.text) <= max_chars
        assert doc.source and doc.source == doc.source.strip()
        json.dumps(dict(doc.extra), default=str).encode("utf-8")


def load_or_refuse(path: Any, **kwargs: Any) -> None:
    max_chars = kwargs.setdefault("max_chars", 500)
    try:
        docs = load_documents(path, **kwargs)
    except InputError as e:
        assert "\n" not in str(e)  # one line
        str(e).encode("utf-8", "backslashreplace")
        return
    assert_clean(docs, max_chars)


@pytest.mark.parametrize("fmt", FORMATS)
@FUZZ
@given(data=st.data())
def test_fuzzed_file(fmt: str, data: st.DataObject) -> None:
    raw = data.draw(inputs(fmt))
    skip_invalid = data.draw(st.booleans())
    suffix = {"jsonl": ".jsonl", "json": ".json", "csv": ".csv", "tsv": ".tsv",
              "parquet": ".parquet", "txt": ".txt", "html": ".html"}[fmt]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(raw)
        load_or_refuse(path, skip_invalid=skip_invalid)
        load_or_refuse(folder, skip_invalid=skip_invalid)


@FUZZ
@given(data=st.data())
def test_fuzzed_stdin(data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(FORMATS))
    raw = data.draw(inputs(fmt))
    told = data.draw(st.sampled_from([None, fmt, *FORMATS]))
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    load_or_refuse("-", stdin=stdin, format=told, skip_invalid=data.draw(st.booleans()))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return []


@FUZZ
@given(data=st.data())
def test_fuzzed_json_lines_of_score_pairs(data: st.DataObject) -> None:
    # score-pairs' input: each line a value with clean strings, or an InputError for the
    # caller to raise or count; the file as a whole readable or refused with one line.
    raw = data.draw(inputs("jsonl"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pairs.jsonl"
        path.write_bytes(raw)
        try:
            lines = read_json_lines(str(path))
        except InputError as e:
            assert "\n" not in str(e)
            return
    for lineno, value in lines:
        assert lineno >= 1
        if isinstance(value, InputError):
            assert str(value).startswith(f"{path}:{lineno}: ") and "\n" not in str(value)
            continue
        for text in _strings(value):
            assert clean_text(text) == text


@FUZZ
@given(record=st.one_of(records, json_values))
def test_fuzzed_python_record(record: Any) -> None:
    try:
        doc = record_document(record, "doc:1", "document 1", max_chars=500)
    except InputError:
        return
    assert_clean([doc], 500)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "tsv", "parquet"])
@FUZZ
@given(
    rows=st.lists(st.tuples(plain, plain), min_size=1, max_size=4),
    ascii_only=st.booleans(),
)
def test_valid_records_come_back_exactly(
    fmt: str, rows: list[tuple[str, str]], ascii_only: bool
) -> None:
    assume(all(not is_blank(text) for _, text in rows))
    records = [{"id": f"d{i}", "source": s, "text": t} for i, (s, t) in enumerate(rows)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"docs.{fmt}"
        if fmt == "jsonl":
            lines = (json.dumps(r, ensure_ascii=ascii_only) for r in records)
            path.write_bytes("\n".join(lines).encode())
        elif fmt == "json":
            path.write_bytes(json.dumps(records, ensure_ascii=ascii_only).encode())
        elif fmt == "parquet":
            pq.write_table(pa.Table.from_pylist(records), path)
        else:
            with path.open("w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(
                    f, ["id", "source", "text"], delimiter="\t" if fmt == "tsv" else ","
                )
                writer.writeheader()
                writer.writerows(records)
        docs = load_documents(path, max_chars=10_000)
    assert [d.id for d in docs] == [r["id"] for r in records]
    assert [d.text for d in docs] == [clean_text(r["text"]) for r in records]
    expected = [clean_text(r["source"]).strip() for r in records]
    assert [d.source for d in docs] == [s if not is_blank(s) else "unknown" for s in expected]


@FUZZ
@given(text=texts)
def test_json_escapes_are_cleaned(text: str) -> None:
    """Surrogates and NULs written as JSON escapes are valid JSON: they come back cleaned."""
    line = json.dumps({"source": "AP", "text": text})  # ensure_ascii: every odd one escaped
    stdin = io.TextIOWrapper(io.BytesIO(line.encode()), encoding="utf-8")
    if is_blank(text):
        with pytest.raises(InputError):
            load_documents("-", stdin=stdin)
        return
    (doc,) = load_documents("-", stdin=stdin, max_chars=10_000)
    assert doc.text == clean_text(text)
