"""Bad input never crashes, hangs or is silently misread (issue 11, the input side).

One regression test per failure a fuzzing campaign found in reading documents: each input
now gives clean documents, or one-line :class:`InputError` (``Error: ...`` and exit status 2
on the command line), or, with ``--skip-invalid``, a warning that counts what was skipped.
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from divergence import documents
from divergence.cli import cli
from divergence.documents import (
    MAX_CELL_CHARS,
    MAX_DOCUMENT_CHARS,
    MAX_INT_DIGITS,
    MAX_JSON_DEPTH,
    Document,
    load_documents,
    record_document,
)
from divergence.errors import InputError
from divergence.sanitize import clean_text, is_blank
from divergence.store import document_hash, text_hash

TALKS = "Talks stalled in Cairo on Monday, officials said."
TWO = [
    {"id": "a", "source": "AP", "text": TALKS},
    {"id": "b", "source": "AFP", "text": "Talks resumed in Cairo on Tuesday, Hamas said."},
]


def message(path: Any, **kwargs: Any) -> str:
    """The one-line error that loading ``path`` raises."""
    with pytest.raises(InputError) as info:
        load_documents(path, **kwargs)
    text = str(info.value)
    assert "\n" not in text
    return text


def stdin_message(data: bytes, **kwargs: Any) -> str:
    return message("-", stdin=io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"), **kwargs)


def from_stdin(data: bytes, **kwargs: Any) -> list[Document]:
    return load_documents("-", stdin=io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"), **kwargs)


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "divergence"]


def invoke(args: Sequence[str], input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


# ---- the sanitiser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Talks stalled.", "Talks stalled."),
        ("lone \ud800 high", "lone \ufffd high"),
        ("lone \udfff low", "lone \ufffd low"),
        ("reversed \udc00\ud800", "reversed \ufffd\ufffd"),
        ("paired \ud83d\ude00", "paired \U0001f600"),  # two code points that make one character
        ("ends high \ud83d", "ends high \ufffd"),
        ("nul\x00 bell\x07 esc\x1b del\x7f c1\x9b", "nul bell esc del c1"),
        ("crlf\r\nmac\rnext\x85ls\u2028end", "crlf\nmac\nnext\nls\nend"),
        ("para\u2029graph", "para\n\ngraph"),
        ("vt\x0bff\x0cfs\x1cgs\x1drs\x1eus\x1fend", "vt\nff\nfs\ngs\nrs\nus end"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("zero\u200bwidth and \ufeffBOM stay", "zero\u200bwidth and \ufeffBOM stay"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean
    assert clean_text(clean) == clean  # idempotent
    clean.encode("utf-8")  # never raises


def test_clean_text_returns_clean_text_itself() -> None:
    text = "Nothing to clean here.\n" * 1000
    assert clean_text(text) is text


@pytest.mark.parametrize(
    ("text", "blank"),
    [
        ("", True),
        (" \t\n", True),
        ("\u200b\u200c\u200d\u2060\ufeff", True),
        ("\x00\x01\u00ad\u200e\u202e", True),
        ("\u3000\u00a0", True),
        ("\u200bx", False),
        ("\ufffd", False),
        (".", False),
    ],
)
def test_is_blank(text: str, blank: bool) -> None:
    assert is_blank(text) is blank
    assert is_blank(clean_text(text)) is blank


def test_document_cleans_its_strings_however_it_is_made() -> None:
    doc = Document(id="a\x00", source="AP\ud800", text="x\r\ny", title="t\u2028", url="u\x07")
    assert (doc.id, doc.source, doc.text, doc.title, doc.url) == (
        "a",
        "AP\ufffd",
        "x\ny",
        "t\n",
        "u",
    )


# ---- CSV and TSV -------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "sep"), [(".csv", ","), (".tsv", "\t")])
def test_a_cell_longer_than_the_csv_module_default(tmp_path: Path, suffix: str, sep: str) -> None:
    long_text = "Talks stalled in Cairo. " * 9000  # 216,000 characters: csv's default is 131,072
    path = tmp_path / f"long{suffix}"
    pd.DataFrame([{"source": "AP", "text": long_text}]).to_csv(path, index=False, sep=sep)
    limit = csv.field_size_limit()
    doc = load_documents(path, max_chars=len(long_text))[0]
    assert doc.text == long_text
    assert csv.field_size_limit() == limit  # the process-wide limit is put back


def test_a_cell_past_the_cell_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_CELL_CHARS", 1000)
    path = tmp_path / "cells.csv"
    path.write_text(f"source,text\nAP,{'x' * 1000}\nAFP,{'y' * 1001}\n")
    assert message(path) == f"{path}:3: a cell longer than 1,000 characters"


def test_the_cell_limit_is_the_document_limit() -> None:
    assert MAX_CELL_CHARS == MAX_DOCUMENT_CHARS > csv.field_size_limit()


def test_csv_unterminated_quote_is_an_error_not_a_swallowed_file(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('source,text\nAP,"Talks stalled.\nAFP,Talks resumed.\nBBC,Talks went on.\n')
    assert message(path) == f"{path}:2: invalid CSV: a quote opened on this line is never closed"
    assert message(path, skip_invalid=True) == message(path)  # the rows after it are unknown


def test_csv_text_after_a_closing_quote(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('source,text\nAP,"Talks" stalled.\n')
    assert message(path) == f"{path}:2: invalid CSV: ',' expected after '\"'"


def test_csv_multiline_quoted_cells_still_read(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('source,text\nAP,"Talks stalled.\n\nHamas said ""no""."\nAFP,Talks resumed.\n')
    docs = load_documents(path)
    assert [d.text for d in docs] == ['Talks stalled.\n\nHamas said "no".', "Talks resumed."]
    assert [d.id for d in docs] == ["multi:4", "multi:5"]


@pytest.mark.parametrize(
    ("header", "column"),
    [("text,source,text", "text"), ("Text,source,text", "text"), ("source,text,Source", "Source")],
)
def test_csv_duplicate_columns(tmp_path: Path, header: str, column: str) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(f"{header}\nTalks stalled.,AP,Talks resumed.\n")
    assert message(path) == f"{path}:1: duplicate column {column!r}"


def test_csv_ragged_rows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text(
        "id,source,text\na,AP,Talks stalled.\nb,AFP\nc,BBC,Talks resumed.\nd,DW,Talks,went on\n"
    )
    assert message(path) == f"{path}:3: 2 cells, but the header has 3"
    with caplog.at_level(logging.WARNING, logger="divergence"):
        docs = load_documents(path, skip_invalid=True)
    assert [d.id for d in docs] == ["a", "c"]
    assert warnings_of(caplog) == [f"{path}: skipped 2 rows whose cells do not match the header"]


def test_csv_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n\nsource,text\n\nAP,Talks stalled.\n  \nAFP,Talks resumed.\n\n")
    docs = load_documents(path)
    assert [(d.id, d.source) for d in docs] == [("blank:5", "AP"), ("blank:7", "AFP")]


# ---- JSON --------------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_json_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    assert message(path) == f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels"


def test_jsonl_line_nested_100000_deep(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(TWO[0]) + "\n" + '{"text": ' + DEEP + "}\n" + json.dumps(TWO[1]))
    assert message(path) == f"{path}:2: JSON nested deeper than 100 levels"
    with caplog.at_level(logging.WARNING, logger="divergence"):
        assert [d.id for d in load_documents(path, skip_invalid=True)] == ["a", "b"]
    assert warnings_of(caplog) == [f"{path}: skipped 1 invalid JSON line"]


def test_stdin_nested_100000_deep() -> None:
    assert stdin_message(DEEP.encode()) == "<stdin>: JSON nested deeper than 100 levels"
    assert (
        stdin_message(b"{" + b'"a":{' * 50_000) == "<stdin>:1: JSON nested deeper than 100 levels"
    )


def test_json_depth_limit_is_exact(tmp_path: Path) -> None:
    def record(depth: int) -> str:  # the record object itself is one level
        return '{"text": "Talks stalled.", "x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"

    path = tmp_path / "limit.jsonl"
    path.write_text(record(MAX_JSON_DEPTH) + "\n")
    value, depth = load_documents(path)[0].extra["x"], 2
    while value:
        value, depth = value[0], depth + 1
    assert depth == MAX_JSON_DEPTH
    path.write_text(record(MAX_JSON_DEPTH + 1) + "\n")
    assert message(path) == f"{path}:1: JSON nested deeper than 100 levels"


def test_json_integer_of_5000_digits(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('[{"id": ' + "7" * 5000 + ', "text": "Talks stalled."}]')
    assert message(path) == f"{path}: invalid JSON: a number longer than 1,000 digits"
    path = tmp_path / "big.jsonl"
    path.write_text('{"text": "Talks stalled.", "n": -' + "1" * 5000 + "}\n")
    assert message(path) == f"{path}:1: invalid JSON: a number longer than 1,000 digits"
    path.write_text('{"id": ' + "9" * MAX_INT_DIGITS + ', "text": "Talks stalled."}\n')
    assert load_documents(path)[0].id == "9" * MAX_INT_DIGITS


def test_huge_integer_id_from_python() -> None:
    with pytest.raises(InputError) as info:
        record_document({"id": 10**5000, "text": "Talks stalled."}, "d:1", "document 1")
    assert str(info.value) == "document 1: field 'id' is longer than 1,000 digits"


def test_json_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text('{"source": "AP", "text": "Talks stalled.", "text": "Talks resumed."}\n')
    assert message(path) == f"{path}:1: invalid JSON: duplicate key 'text'"
    path.write_text('{"source": "AP", "Text": "Talks stalled.", "text": "Talks resumed."}\n')
    assert message(path) == f"{path}:1: duplicate field 'text'"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_jsonl_splits_only_on_newlines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, separator: str
) -> None:
    # json.dumps with ensure_ascii=False writes these raw, inside the strings: valid JSONL.
    records = [{"id": "a", "source": "AP", "text": f"Talks{separator}stalled."}, TWO[1]]
    path = tmp_path / "sep.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), newline="")
    assert separator in path.read_bytes().decode()
    with caplog.at_level(logging.WARNING, logger="divergence"):
        docs = load_documents(path, skip_invalid=True)
    assert not warnings_of(caplog)  # nothing skipped
    assert [d.id for d in docs] == ["a", "b"]
    assert docs[0].text == ("Talks\n\nstalled." if separator == "\u2029" else "Talks\nstalled.")


def test_jsonl_raw_control_characters_in_strings_are_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "raw.jsonl"
    path.write_text('{"text": "Talks\x1cstalled."}\n{"text": "Talks resumed."}\n', newline="")
    assert message(path) == f"{path}:1: invalid JSON: Invalid control character at"


def test_jsonl_crlf_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\r\n" for r in TWO))
    assert [d.id for d in load_documents(path)] == ["a", "b"]


def test_jsonl_line_past_the_line_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_LINE_CHARS", 200)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(TWO[0]) + "\n" + json.dumps({"text": "x" * 300}) + "\n")
    assert message(path) == f"{path}:2: line longer than 200 characters"


# ---- values that are not strings ---------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"text": ["Talks stalled."]}, "field 'text' must be a string, got list"),
        ({"text": True}, "field 'text' must be a string, got bool"),
        ({"text": 42}, "field 'text' must be a string, got int"),
        ({"content": {"body": "Talks."}}, "field 'content' must be a string, got dict"),
        ({"text": TALKS, "source": 7}, "field 'source' must be a string, got int"),
        ({"text": TALKS, "title": ["a"]}, "field 'title' must be a string, got list"),
        ({"text": TALKS, "url": False}, "field 'url' must be a string, got bool"),
        ({"text": TALKS, "id": True}, "field 'id' must be a string or a whole number, got bool"),
        ({"text": TALKS, "id": 1.5}, "field 'id' must be a string or a whole number, got float"),
        (
            {"text": TALKS, "doc_id": [1]},
            "field 'doc_id' must be a string or a whole number, got list",
        ),
        (
            {"text": TALKS, "date": 2024.5},
            "field 'date' must be a string or a whole number, got float",
        ),
    ],
)
def test_non_string_values_are_refused(
    tmp_path: Path, record: dict[str, Any], expected: str
) -> None:
    path = tmp_path / "types.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert message(path) == f"{path}:1: {expected}"


def test_non_string_records_are_skipped_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "types.jsonl"
    path.write_text(
        "\n".join(json.dumps(r) for r in [TWO[0], {"text": ["x"]}, {"text": True}, TWO[1]])
    )
    with caplog.at_level(logging.WARNING, logger="divergence"):
        assert [d.id for d in load_documents(path, skip_invalid=True)] == ["a", "b"]
    assert warnings_of(caplog) == [f"{path}: skipped 2 invalid records"]


def test_numbers_allowed_for_id_and_published(tmp_path: Path) -> None:
    path = tmp_path / "numbers.jsonl"
    path.write_text(json.dumps({"id": 17, "published": 20240408, "text": TALKS}) + "\n")
    doc = load_documents(path)[0]
    assert (doc.id, doc.published) == ("17", "20240408")


def test_parquet_values_are_not_stringified(tmp_path: Path) -> None:
    path = tmp_path / "lists.parquet"
    pd.DataFrame([{"source": "AP", "text": ["Talks", "stalled."]}]).to_parquet(path)
    assert message(path) == f"{path}:1: field 'text' must be a string, got list"
    path = tmp_path / "flags.parquet"
    pd.DataFrame([{"source": True, "text": TALKS}]).to_parquet(path)
    assert message(path) == f"{path}:1: field 'source' must be a string, got bool"


def test_parquet_ids_dates_and_gaps(tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    pd.DataFrame(
        {
            "id": [7, None],  # an int column with a gap is float64 in pandas
            "text": [TALKS, "Talks resumed."],
            "published": pd.to_datetime(["2024-04-08", None]),
            "tags": [["gaza", "cairo"], []],
        }
    ).to_parquet(path)
    docs = load_documents(path)
    assert [d.id for d in docs] == ["7", "typed:2"]
    assert [d.published for d in docs] == ["2024-04-08T00:00:00", None]
    assert docs[0].extra == {"tags": ["gaza", "cairo"]}


def test_parquet_duplicate_columns(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([["a"], ["b"]], names=["text", "Text"]), path)
    assert message(path) == f"{path}: duplicate column 'Text'"


def test_parquet_data_past_the_file_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.parquet"
    # One repeated text compresses to almost nothing; uncompressed it is past the limit.
    pd.DataFrame({"text": ["Talks stalled. " * 1000] * 200}).to_parquet(path)
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 100_000)
    assert path.stat().st_size < 100_000
    assert message(path) == f"{path}: Parquet data larger than 100,000 bytes uncompressed"


# ---- encodings, NULs and blank text ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.jsonl"
    path.write_bytes("".join(json.dumps(r) + "\n" for r in TWO).encode(encoding))
    assert message(path) == (
        f"{path}: looks like UTF-16 without a byte order mark (NUL bytes); save it as UTF-8"
    )
    txt = tmp_path / "wide.txt"
    txt.write_bytes(TALKS.encode(encoding))
    assert message(txt).endswith(
        ": looks like UTF-16 without a byte order mark (NUL bytes); save it as UTF-8"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_bom_are_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "wide.jsonl"
    path.write_bytes(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in TWO).encode(encoding)
    )
    assert path.read_bytes().startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    assert [d.text for d in load_documents(path)] == [r["text"] for r in TWO]


def test_nul_only_file(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(b"\x00" * 1000)
    assert message(path) == f"{path}: binary data, not text (a NUL byte at byte 0)"


def test_nul_in_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"source,text\nAP,Talks\x00 stalled.\n")
    assert message(path) == f"{path}: binary data, not text (a NUL byte at byte 20)"


def test_nul_escapes_in_json_are_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "escaped.jsonl"
    path.write_text('{"source": "A\\u0000P", "text": "Talks\\u0000 stalled.\\u001b"}\n')
    doc = load_documents(path)[0]
    assert (doc.source, doc.text) == ("AP", "Talks stalled.")


@pytest.mark.parametrize(
    "blank", ["\u200b", "\u200b\u200d \ufeff\u2060", "\\u0000\\u0001", "\\u00ad\\n"]
)
def test_text_that_shows_nothing_is_missing(tmp_path: Path, blank: str) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text(json.dumps(TWO[0]) + '\n{"source": "AP", "text": "' + blank + '"}\n')
    assert message(path) == f"{path}:2: missing 'text' field"
    assert [d.id for d in load_documents(path, skip_invalid=True)] == ["a"]


@pytest.mark.parametrize("content", ["\u200b\u200b\n", "\u200b\n\ufeff\u2060\n"])
def test_zero_width_only_txt(tmp_path: Path, content: str) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(content, encoding="utf-8")
    assert message(path) == f"{path}: input is empty"


def test_blank_source_and_title_are_missing() -> None:
    doc = record_document({"text": TALKS, "source": "\u200b ", "title": "\x00"}, "d:1", "d:1")
    assert (doc.source, doc.title) == ("unknown", None)


def test_txt_is_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(
        "Talks stall\r\n\r\nTalks stalled\x07 in Cairo.\u2028Hamas said no.\r\n".encode()
    )
    doc = load_documents(path)[0]
    assert (doc.title, doc.text) == ("Talks stall", "Talks stalled in Cairo.\nHamas said no.")


# ---- lone surrogates, through claims, diff and the nightly hash ---------------------------

SURROGATE_RECORDS = (
    '{"id": "a\\ud800", "source": "AP\\udc00", "title": "T\\ud83d", '
    '"text": "At least 40 people were killed in the strike, officials said. \\ud800"}\n'
    '{"id": "b", "source": "AFP", "text": "The strike killed 33 people, the ministry said. \\udfff"}\n'
)


def test_lone_surrogates_become_replacement_characters() -> None:
    docs = from_stdin(SURROGATE_RECORDS.encode())
    assert [(d.id, d.source, d.title) for d in docs] == [
        ("a\ufffd", "AP\ufffd", "T\ufffd"),
        ("b", "AFP", None),
    ]
    assert docs[0].text.endswith("officials said. \ufffd")
    for doc in docs:  # the nightly job hashes these
        assert len(document_hash(doc.source, doc.text)) == len(text_hash(doc.text)) == 64


def test_lone_surrogates_on_the_command_line(tmp_path: Path) -> None:
    claims = invoke(["claims", "-", "-f", "jsonl"], input=SURROGATE_RECORDS)
    assert claims.exit_code == 0, claims.stderr
    assert "\ufffd" in claims.stdout
    diff = invoke(["diff", "-", "-f", "json", "--scorer", "checks"], input=SURROGATE_RECORDS)
    assert diff.exit_code in (0, 1), diff.stderr
    assert not diff.stderr.startswith("Error")


# ---- files, folders, devices and pipes ---------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_for_real(tmp_path: Path) -> None:
    path = tmp_path / "locked.jsonl"
    path.write_text(json.dumps(TWO[0]) + "\n")
    path.chmod(0)
    assert message(path) == f"{path}: permission denied"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.jsonl"
    path.write_text(json.dumps(TWO[0]) + "\n")

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(documents.os, "open", refuse)
    assert message(path) == f"{path}: permission denied"


def test_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(documents.os, "scandir", refuse)
    assert message(tmp_path) == f"{tmp_path}: permission denied"


def test_path_component_of_300_bytes(tmp_path: Path) -> None:
    path = tmp_path / ("x" * 300 + ".jsonl")
    assert message(path) == f"{path}: file name too long"


def test_path_with_a_nul(tmp_path: Path) -> None:
    assert message(f"{tmp_path}/a\x00.jsonl") == f"{tmp_path}/a\x00.jsonl: embedded null byte"


def test_symlink_loop(tmp_path: Path) -> None:
    path = tmp_path / "loop.jsonl"
    path.symlink_to(path)
    assert message(path) == f"{path}: too many levels of symbolic links"


def test_symlink_to_dev_zero_is_refused_not_read(tmp_path: Path) -> None:
    path = tmp_path / "zero.jsonl"
    path.symlink_to("/dev/zero")
    expected = f"{path}: not a regular file (a character device); pass - to read standard input"
    assert message(path) == expected
    assert message("/dev/zero", format="txt") == expected.replace(str(path), "/dev/zero")


def test_folder_skips_links_to_devices(tmp_path: Path) -> None:
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "story.txt").write_text(TALKS + "\n")
    assert [d.id for d in load_documents(tmp_path)] == ["story"]


def test_fifo_with_no_writer_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(message(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=60)  # a guard against the old hang, not a measure of speed
    if reader.is_alive():  # free the thread before failing: give the FIFO a writer
        os.close(os.open(fifo, os.O_WRONLY))
        pytest.fail("reading a FIFO with no writer blocked")
    assert found == [f"{fifo}: not a regular file (a named pipe); pass - to read standard input"]


def test_file_past_the_file_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(TWO[0]) + "\n" + json.dumps(TWO[1]) + "\n")
    assert message(path) == f"{path}: input larger than 100 bytes"
    assert stdin_message(path.read_bytes()) == "<stdin>: input larger than 100 bytes"


def test_document_past_the_document_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_CHARS", 1000)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(TWO[0]) + "\n" + json.dumps({"text": "x" * 1001}) + "\n")
    assert message(path) == f"{path}:2: document longer than 1,000 characters"
    assert [d.id for d in load_documents(path, skip_invalid=True)] == ["a"]
    txt = tmp_path / "long.txt"
    txt.write_text("x" * 1001)
    assert message(txt) == f"{txt}: document longer than 1,000 characters"


def test_document_between_the_cut_and_the_limit_is_cut(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "long.txt"
    path.write_text("Talks stalled. " * 20_000)  # 300,000 characters: past MAX_CHARS only
    with caplog.at_level(logging.WARNING, logger="divergence"):
        doc = load_documents(path)[0]
    assert len(doc.text) == documents.MAX_CHARS
    assert warnings_of(caplog) == ["document long truncated to 200000 characters (it has 299999)"]


# ---- HTML --------------------------------------------------------------------------------


def test_html_of_a_million_tags_is_read_as_plain_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tags.html"
    path.write_text("<html><body>" + "<p>" * 1_000_000 + "</body></html>")  # 3 MB
    assert path.stat().st_size < documents.MAX_HTML_BYTES
    with caplog.at_level(logging.WARNING, logger="divergence"):
        assert message(path) == f"{path}: no article text found in the HTML"
    assert warnings_of(caplog) == [
        f"{path}: more than 50,000 tags: read as plain text, with no boilerplate removed"
    ]


def test_html_past_the_tag_limit_keeps_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents, "MAX_HTML_TAGS", 5)
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>T</title><script>var ads = 1;</script></head><body>"
        + "".join(f"<p>Paragraph {i} says talks stalled.</p>" for i in range(10))
        + "</body></html>"
    )
    doc = load_documents(path)[0]
    assert "Paragraph 0 says talks stalled." in doc.text
    assert "Paragraph 9 says talks stalled." in doc.text
    assert "ads" not in doc.text
    assert (doc.id, doc.source, doc.title) == ("page", "page", None)


def test_html_with_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "odd.html"
    body = "<p>Talks stalled in Cairo on Monday, officials said. \x1b\x07 Hamas disagreed.</p>"
    path.write_text(f"<html><body><article>{body * 5}</article></body></html>")
    doc = load_documents(path)[0]
    assert "\x1b" not in doc.text and "\x07" not in doc.text
    assert "Hamas disagreed." in doc.text


# ---- standard input ----------------------------------------------------------------------

STDIN_HTML = (
    "<!DOCTYPE html><html><head><title>Talks | Wire</title></head><body><article>"
    "<p>Israel and Hamas both dampened hopes on Monday of a speedy breakthrough in Cairo.</p>"
    "<p>Israeli officials cautioned against premature optimism, saying gaps still exist.</p>"
    "<p>Hamas sources highlighted disagreements over the return of displaced Palestinians.</p>"
    "</article></body></html>"
)


@pytest.mark.parametrize("lead", ["", "\n  ", "\ufeff"])
def test_stdin_html_is_sniffed(lead: str) -> None:
    doc = from_stdin((lead + STDIN_HTML).encode())[0]
    assert doc.id == "stdin"
    assert doc.text.startswith("Israel and Hamas both dampened hopes")
    assert "<p>" not in doc.text


@pytest.mark.parametrize(
    ("data", "sources"),
    [
        ('source,text\nAP,Talks stalled.\nAFP,"Talks, resumed."\n', ["AP", "AFP"]),
        ("id,outlet,content\n1,AP,Talks stalled.\n", ["AP"]),
        ("source\ttext\nAP\tTalks stalled.\nAFP\tTalks resumed.\n", ["AP", "AFP"]),
        (",Source,Body\n0,AP,Talks stalled.\n", ["AP"]),  # a pandas index column
    ],
)
def test_stdin_csv_and_tsv_are_sniffed(data: str, sources: list[str]) -> None:
    assert [d.source for d in from_stdin(data.encode())] == sources


@pytest.mark.parametrize(
    "data",
    [
        "Talks stall, text says\nTalks stalled in Cairo on Monday.\n",
        "<3 the talks stalled\n",
        "Body, text and more\nTalks stalled.\n",
        "text\nTalks stalled in Cairo.\n",
    ],
)
def test_stdin_prose_stays_text(data: str) -> None:
    docs = from_stdin(data.encode())
    assert [d.id for d in docs] == ["stdin"]


def test_stdin_format_override_beats_sniffing() -> None:
    doc = from_stdin(b"source,text\nAP,Talks stalled.\n", format="txt")[0]
    assert doc.text == "AP,Talks stalled."


def test_stdin_parquet_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    pd.DataFrame(TWO).to_parquet(path)
    assert [d.id for d in from_stdin(path.read_bytes())] == ["a", "b"]


def test_stdin_closed() -> None:
    closed = io.BytesIO(b"x")
    closed.close()
    assert message("-", stdin=closed) == "<stdin>: I/O operation on closed file."


def test_stdin_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", None)
    assert message("-") == "<stdin>: no standard input"


def test_stdin_as_text_stream_with_nul() -> None:
    assert message("-", stdin=io.StringIO("Talks\x00 stalled.")) == (
        "<stdin>: binary data, not text (a NUL byte at character 5)"
    )


# ---- the command line: one line, exit status 2 -------------------------------------------


def test_cli_deeply_nested_json_on_stdin() -> None:
    result = invoke(["claims", "-"], input=DEEP)
    assert result.exit_code == 2
    assert result.stderr == "Error: <stdin>: JSON nested deeper than 100 levels\n"
    assert result.stdout == ""


def test_cli_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    result = invoke(["diff", str(fifo)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {fifo}: not a regular file (a named pipe); pass - to read standard input\n"
    )


def test_cli_ragged_csv(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("source,text\nAP,Talks stalled.\nAFP\n")
    result = invoke(["claims", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}:3: 1 cell, but the header has 2\n"


def test_cli_ragged_csv_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text('source,text\nAP,"Talks stalled in Cairo on Monday, officials said."\nAFP\n')
    result = invoke(["claims", str(path), "--skip-invalid", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"warning: {path}: skipped 1 row whose cells do not match the header\n"


@pytest.mark.parametrize(
    ("args", "data", "expected"),
    [
        (["claims", "-"], "[" * 5000, "<stdin>: JSON nested deeper than 100 levels"),
        (
            ["claims", "-"],
            '{"text": ' + "1" * 5000 + "}",
            "<stdin>:1: invalid JSON: a number longer than 1,000 digits",
        ),
        (
            ["claims", "-"],
            '{"text": ["Talks stalled."]}',
            "<stdin>:1: field 'text' must be a string, got list",
        ),
        (["claims", "-"], "\u200b\u200b", "<stdin>: input is empty"),
        (
            ["claims", "-", "--input-format", "csv"],
            'source,text\nAP,"Talks\n',
            "<stdin>:2: invalid CSV: a quote opened on this line is never closed",
        ),
    ],
)
def test_cli_stdin_errors(args: list[str], data: str, expected: str) -> None:
    result = invoke(args, input=data)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {expected}\n"


def test_cli_binary_stdin() -> None:
    result = invoke(["claims", "-"], input="Talks stalled.".encode("utf-16-le"))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: <stdin>: looks like UTF-16 without a byte order mark (NUL bytes); save it as UTF-8\n"
    )


def test_cli_dev_zero() -> None:
    result = invoke(["claims", "/dev/zero", "--input-format", "txt"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: /dev/zero: not a regular file (a character device); pass - to read standard input\n"
    )
