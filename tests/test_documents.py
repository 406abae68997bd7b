"""Stage 1: reading documents from files, folders and stdin, and the one-line input errors."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from divergence.documents import FORMATS, Document, load_documents, record_document
from divergence.errors import InputError, UnknownFormat

BAD = Path(__file__).parent / "data" / "bad_documents"
CAIRO = Path(__file__).parent.parent / "data" / "examples" / "cairo-truce-talks-2024-04-08.txt"

SUFFIXES = ".csv, .htm, .html, .json, .jsonl, .md, .ndjson, .parquet, .text, .tsv, .txt"

RECORDS = [
    {
        "id": "reuters-1",
        "source": "Reuters",
        "text": "Israel and Hamas dampened hopes of a speedy truce on Monday.",
        "url": "https://reuters.example/1",
        "published": "2024-04-08",
        "title": "Hopes dim for Gaza truce",
    },
    {
        "id": "ahram-1",
        "source": "Al-Ahram",
        "text": "Egyptian state-linked media reported significant progress in Cairo.",
        "url": "https://ahram.example/1",
        "published": "2024-04-07",
        "title": "Progress in Cairo talks",
    },
]

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Gaza truce talks stall in Cairo | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="Gaza truce talks stall in Cairo">
<meta property="article:published_time" content="2024-04-08T10:00:00Z">
<link rel="canonical" href="https://news.example.com/world/gaza-truce-talks">
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav></header>
<main>
<article>
<h1>Gaza truce talks stall in Cairo</h1>
<p>Israel and Hamas both dampened hopes on Monday of a speedy breakthrough in Cairo talks
towards a Gaza truce and hostage release deal. Egyptian state-linked media had reported
significant progress in the negotiations over the weekend.</p>
<p>Israeli officials cautioned against premature optimism, stating that significant gaps
still exist between the parties. Hamas sources highlighted disagreements over the pace of
displaced Palestinians returning to Gaza City.</p>
<p>Negotiations in Cairo, attended by US, Qatari and Egyptian mediators, aim to broker a
ceasefire and secure the release of hostages held by Hamas.</p>
</article>
</main>
<footer><p>Copyright 2024 Example News. All rights reserved.</p></footer>
</body>
</html>
"""


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def assert_records_loaded(docs: list[Document]) -> None:
    assert [d.id for d in docs] == ["reuters-1", "ahram-1"]
    assert [d.source for d in docs] == ["Reuters", "Al-Ahram"]
    assert docs[0].text == RECORDS[0]["text"]
    assert docs[1].url == "https://ahram.example/1"
    assert docs[1].published == "2024-04-07"
    assert docs[0].title == "Hopes dim for Gaza truce"
    assert all(d.extra == {} for d in docs)


# ---- formats -----------------------------------------------------------------------------


def test_jsonl(tmp_path: Path) -> None:
    docs = load_documents(write_jsonl(tmp_path / "docs.jsonl", RECORDS))
    assert_records_loaded(docs)


def test_jsonl_skips_blank_lines_and_keeps_line_numbers_in_default_ids(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"source": "AP", "text": "Talks resumed."}\n\n\n{"source": "AFP", "text": "Talks stalled."}\n',
        encoding="utf-8",
    )
    docs = load_documents(path)
    assert [(d.id, d.source) for d in docs] == [("feed:1", "AP"), ("feed:4", "AFP")]


def test_ndjson_suffix_reads_as_jsonl(tmp_path: Path) -> None:
    docs = load_documents(write_jsonl(tmp_path / "docs.ndjson", RECORDS))
    assert_records_loaded(docs)


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(RECORDS, indent=2), encoding="utf-8")
    assert_records_loaded(load_documents(path))


def test_json_single_object_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"source": "AP", "text": "Talks resumed in Cairo."}))
    docs = load_documents(path)
    assert len(docs) == 1
    assert (docs[0].id, docs[0].source, docs[0].text) == ("one:1", "AP", "Talks resumed in Cairo.")


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "docs.csv"
    pd.DataFrame(RECORDS).to_csv(path, index=False)
    assert_records_loaded(load_documents(path))


def test_csv_default_ids_start_after_the_header(tmp_path: Path) -> None:
    path = tmp_path / "wire.csv"
    path.write_text(
        'source,text\nAP,"Talks resumed, officials said."\nAFP,Talks stalled.\n', encoding="utf-8"
    )
    docs = load_documents(path)
    assert [d.id for d in docs] == ["wire:2", "wire:3"]
    assert docs[0].text == "Talks resumed, officials said."


def test_tsv(tmp_path: Path) -> None:
    path = tmp_path / "docs.tsv"
    pd.DataFrame(RECORDS).to_csv(path, index=False, sep="\t")
    assert_records_loaded(load_documents(path))


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "docs.parquet"
    pd.DataFrame(RECORDS).to_parquet(path)
    assert_records_loaded(load_documents(path))


def test_parquet_missing_values_fall_back_to_defaults(tmp_path: Path) -> None:
    path = tmp_path / "sparse.parquet"
    pd.DataFrame(
        [
            {"source": "AP", "text": "Talks resumed in Cairo.", "title": "Talks resume"},
            {"source": None, "text": "Talks stalled in Cairo.", "title": None},
        ]
    ).to_parquet(path)
    docs = load_documents(path)
    assert [d.id for d in docs] == ["sparse:1", "sparse:2"]
    assert docs[1].source == "unknown"
    assert docs[1].title is None
    assert docs[0].title == "Talks resume"


def test_unreadable_parquet(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value).startswith(f"{path}: not a readable Parquet file (")


def test_empty_parquet(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    pd.DataFrame({"source": pd.Series([], dtype=str), "text": pd.Series([], dtype=str)}).to_parquet(
        path
    )
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value) == f"{path}: input is empty"


def test_txt_title_and_date_lines(tmp_path: Path) -> None:
    docs = load_documents(CAIRO)
    assert len(docs) == 1
    doc = docs[0]
    assert doc.id == doc.source == "cairo-truce-talks-2024-04-08"
    assert (
        doc.title
        == "Hopes Dim for Immediate Gaza Truce Deal as Israel-Hamas Talks Stumble in Cairo"
    )
    assert doc.published == "Mon Apr 08 2024"
    assert doc.text.startswith("GAZA: Israel and Palestinian resistance group Hamas")
    assert "Mon Apr 08 2024" not in doc.text
    assert doc.title not in doc.text


@pytest.mark.parametrize(
    "date_line",
    ["April 8, 2024", "8 April 2024", "2024-04-08", "Monday, April 8, 2024", "Apr. 8, 2024 10:32"],
)
def test_txt_date_line_formats(tmp_path: Path, date_line: str) -> None:
    path = tmp_path / "reuters.txt"
    path.write_text(f"Talks stall in Cairo\n{date_line}\n\nTalks stalled on Monday.\n")
    doc = load_documents(path)[0]
    assert (doc.title, doc.published, doc.text) == (
        "Talks stall in Cairo",
        date_line,
        "Talks stalled on Monday.",
    )


def test_txt_without_title(tmp_path: Path) -> None:
    path = tmp_path / "ap.txt"
    text = "Talks stalled in Cairo on Monday.\nHamas sources highlighted disagreements."
    path.write_text(text + "\n")
    doc = load_documents(path)[0]
    assert doc.title is None
    assert doc.published is None
    assert doc.text == text
    assert (doc.id, doc.source) == ("ap", "ap")


def test_txt_title_but_no_date_line(tmp_path: Path) -> None:
    path = tmp_path / "afp.txt"
    path.write_text("Talks stall in Cairo\n\nTalks stalled in Cairo on Monday.\n")
    doc = load_documents(path)[0]
    assert doc.title == "Talks stall in Cairo"
    assert doc.published is None
    assert doc.text == "Talks stalled in Cairo on Monday."


def test_txt_single_line_without_punctuation_is_the_body(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Talks stalled in Cairo on Monday\n")
    doc = load_documents(path)[0]
    assert doc.title is None
    assert doc.text == "Talks stalled in Cairo on Monday"


def test_txt_with_only_a_title_and_date(tmp_path: Path) -> None:
    path = tmp_path / "stub.txt"
    path.write_text("Talks stall in Cairo\nApril 8, 2024\n")
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value) == f"{path}: no text after the title"


@pytest.mark.parametrize("suffix", [".text", ".md"])
def test_other_text_suffixes(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bbc{suffix}"
    path.write_text("Talks stalled in Cairo on Monday.\n")
    doc = load_documents(path)[0]
    assert (doc.id, doc.text) == ("bbc", "Talks stalled in Cairo on Monday.")


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(RECORDS[0]).encode() + b"\n")
    assert load_documents(path)[0].id == "reuters-1"


def test_html_article(tmp_path: Path) -> None:
    path = tmp_path / "example-news.html"
    path.write_text(ARTICLE_HTML, encoding="utf-8")
    docs = load_documents(path)
    assert len(docs) == 1
    doc = docs[0]
    assert doc.id == "example-news"
    assert doc.source == "Example News"
    assert doc.title == "Gaza truce talks stall in Cairo"
    assert doc.url == "https://news.example.com/world/gaza-truce-talks"
    assert doc.published == "2024-04-08"
    assert "Egyptian state-linked media had reported" in doc.text
    assert "significant gaps still exist between the parties" in doc.text
    assert "secure the release of hostages held by Hamas." in doc.text
    assert "Sport" not in doc.text  # navigation is not article text


def test_htm_without_site_name_or_url_uses_the_stem(tmp_path: Path) -> None:
    html = (
        ARTICLE_HTML.replace('<meta property="og:site_name" content="Example News">\n', "")
        .replace(
            '<link rel="canonical" href="https://news.example.com/world/gaza-truce-talks">\n', ""
        )
        .replace(" | Example News", "")
    )
    path = tmp_path / "wire-story.htm"
    path.write_text(html, encoding="utf-8")
    doc = load_documents(path)[0]
    assert (doc.id, doc.source, doc.url) == ("wire-story", "wire-story", None)
    assert "Hamas sources highlighted disagreements" in doc.text


def test_html_with_no_article_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.html"
    path.write_text(
        "<html><head><title>Example News</title><script>var ads = [];</script></head>"
        "<body><div></div></body></html>"
    )
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value) == f"{path}: no article text found in the HTML"


def test_html_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from divergence import documents

    monkeypatch.setattr(documents, "MAX_HTML_BYTES", 100)
    path = tmp_path / "huge.html"
    path.write_text(ARTICLE_HTML)
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value) == f"{path}: HTML larger than 100 bytes"


def test_folder_of_files(tmp_path: Path) -> None:
    (tmp_path / "b-wire.jsonl").write_text(json.dumps(RECORDS[0]) + "\n")
    (tmp_path / "a-story.txt").write_text("Talks stall\n\nTalks stalled in Cairo on Monday.\n")
    (tmp_path / "c-page.html").write_text(ARTICLE_HTML)
    (tmp_path / "notes.xyz").write_text("ignored: unknown suffix")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nested.txt").write_text("Folders are not read recursively.\n")
    docs = load_documents(tmp_path)
    assert [d.id for d in docs] == ["a-story", "reuters-1", "c-page"]  # sorted by file name
    assert [d.source for d in docs] == ["a-story", "Reuters", "Example News"]


def test_several_paths(tmp_path: Path) -> None:
    one = write_jsonl(tmp_path / "one.jsonl", RECORDS[:1])
    two = write_jsonl(tmp_path / "two.jsonl", RECORDS[1:])
    assert [d.id for d in load_documents([one, str(two)])] == ["reuters-1", "ahram-1"]


def test_stdin_jsonl_from_string_io() -> None:
    stream = io.StringIO("".join(json.dumps(r) + "\n" for r in RECORDS))
    assert_records_loaded(load_documents("-", stdin=stream))


def test_stdin_default_ids() -> None:
    stream = io.StringIO('{"source": "AP", "text": "Talks resumed in Cairo."}\n')
    assert load_documents("-", stdin=stream)[0].id == "stdin:1"


def test_stdin_text_from_bytes_wrapper() -> None:
    raw = "Talks stall in Cairo\n\nApril 8, 2024\nTalks stalled in Cairo on Monday.\n"
    stream = io.TextIOWrapper(io.BytesIO(raw.encode("utf-8")), encoding="utf-8")
    docs = load_documents("-", stdin=stream)
    assert len(docs) == 1
    doc = docs[0]
    assert (doc.id, doc.source) == ("stdin", "stdin")
    assert (doc.title, doc.published) == ("Talks stall in Cairo", "April 8, 2024")
    assert doc.text == "Talks stalled in Cairo on Monday."


def test_stdin_invalid_utf8_in_bytes_wrapper() -> None:
    stream = io.TextIOWrapper(io.BytesIO(b"Talks \xff stalled."), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_documents("-", stdin=stream)
    assert str(info.value) == "<stdin>: invalid UTF-8 at byte 6"


def test_stdin_empty() -> None:
    with pytest.raises(InputError) as info:
        load_documents("-", stdin=io.StringIO("  \n"))
    assert str(info.value) == "<stdin>: input is empty"


def test_stdin_with_format_override() -> None:
    stream = io.StringIO(json.dumps(RECORDS))
    assert_records_loaded(load_documents("-", format="json", stdin=stream))


# ---- fields ------------------------------------------------------------------------------


def test_field_aliases(tmp_path: Path) -> None:
    record = {
        "outlet": "Al Jazeera",
        "content": "Hamas sources highlighted disagreements over displaced Palestinians.",
        "headline": "Hamas cites disagreements",
        "date": "2024-04-08",
        "link": "https://aljazeera.example/hamas",
        "doc_id": "aj-7",
    }
    doc = load_documents(write_jsonl(tmp_path / "aj.jsonl", [record]))[0]
    assert doc == Document(
        id="aj-7",
        source="Al Jazeera",
        text="Hamas sources highlighted disagreements over displaced Palestinians.",
        url="https://aljazeera.example/hamas",
        published="2024-04-08",
        title="Hamas cites disagreements",
    )
    assert doc.extra == {}


def test_field_names_are_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "caps.csv"
    path.write_text("Source,Text,Title\nAP,Talks resumed in Cairo.,Talks resume\n")
    doc = load_documents(path)[0]
    assert (doc.source, doc.text, doc.title) == ("AP", "Talks resumed in Cairo.", "Talks resume")
    assert doc.extra == {}


def test_first_alias_wins_and_the_other_is_kept(tmp_path: Path) -> None:
    record = {"source": "Reuters", "outlet": "Thomson Reuters", "text": "Talks resumed."}
    doc = load_documents(write_jsonl(tmp_path / "r.jsonl", [record]))[0]
    assert doc.source == "Reuters"
    assert doc.extra == {"outlet": "Thomson Reuters"}


def test_unknown_fields_kept_in_extra(tmp_path: Path) -> None:
    record = {
        "source": "AP",
        "text": "Talks resumed in Cairo.",
        "author": "Jane Doe",
        "word_count": 4,
        "tags": ["gaza", "cairo"],
    }
    doc = load_documents(write_jsonl(tmp_path / "ap.jsonl", [record]))[0]
    assert dict(doc.extra) == {"author": "Jane Doe", "word_count": 4, "tags": ["gaza", "cairo"]}


def test_missing_source_is_unknown_and_source_is_stripped(tmp_path: Path) -> None:
    records = [{"text": "Talks resumed."}, {"source": "  AFP ", "text": "Talks stalled."}]
    docs = load_documents(write_jsonl(tmp_path / "s.jsonl", records))
    assert [d.source for d in docs] == ["unknown", "AFP"]


def test_whole_numbers_for_id_and_published_become_strings(tmp_path: Path) -> None:
    record = {"id": 17, "source": "AP", "text": "Talks resumed.", "published": 20240408}
    doc = load_documents(write_jsonl(tmp_path / "n.jsonl", [record]))[0]
    assert (doc.id, doc.published) == ("17", "20240408")


def test_record_document_directly() -> None:
    doc = record_document({"content": "Talks resumed.", "site": "bbc.co.uk"}, "x:1", "x:1")
    assert (doc.id, doc.source, doc.text) == ("x:1", "bbc.co.uk", "Talks resumed.")
    with pytest.raises(InputError) as info:
        record_document("just a string", "x:2", "feed.jsonl:2")
    assert str(info.value) == "feed.jsonl:2: expected an object, got str"


# ---- format override ---------------------------------------------------------------------


def test_format_override_reads_an_unknown_suffix(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "export.dat", RECORDS)
    assert_records_loaded(load_documents(path, format="jsonl"))


def test_format_override_beats_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "story.json"
    path.write_text("Talks stall\n\nTalks stalled in Cairo on Monday.\n")
    doc = load_documents(path, format="txt")[0]
    assert (doc.title, doc.text) == ("Talks stall", "Talks stalled in Cairo on Monday.")


def test_unknown_format_override(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "docs.jsonl", RECORDS)
    with pytest.raises(UnknownFormat) as info:
        load_documents(path, format="yaml")
    assert str(info.value) == f"unknown format 'yaml' (expected one of {', '.join(FORMATS)})"
    assert str(info.value) == (
        "unknown format 'yaml' (expected one of jsonl, json, csv, tsv, parquet, txt, html)"
    )


# ---- bad input ---------------------------------------------------------------------------

#: The exact message for each file under tests/data/bad_documents; {path} is the path passed.
BAD_MESSAGES = {
    "array-of-number.json": "{path}:2: expected an object, got int",
    "blank-text.jsonl": "{path}:2: missing 'text' field",
    "duplicate-ids.jsonl": "duplicate document id 'a1'",
    "empty-array.json": "{path}: no documents",
    "empty-cell.csv": "{path}:3: missing 'text' field",
    "empty.jsonl": "{path}: input is empty",
    "invalid-utf8.jsonl": "{path}: invalid UTF-8 at byte 54",
    "malformed-line.jsonl": "{path}:3: invalid JSON: Expecting property name enclosed in double quotes",
    "missing-text.jsonl": "{path}:2: missing 'text' field",
    "not-an-object.jsonl": "{path}:2: expected an object, got list",
    "truncated.json": "{path}:3: invalid JSON: Expecting ',' delimiter",
    "whitespace-only.jsonl": "{path}: input is empty",
}


def test_every_bad_file_has_an_expected_message() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_MESSAGES)


@pytest.mark.parametrize("path", sorted(BAD.glob("*.*")), ids=lambda p: p.name)
def test_bad_file(path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_documents(str(path))
    message = str(info.value)
    assert message == BAD_MESSAGES[path.name].format(path=path)
    assert "\n" not in message
    assert type(info.value) is InputError


def test_invalid_utf8_offset_is_the_offending_byte() -> None:
    path = BAD / "invalid-utf8.jsonl"
    data = path.read_bytes()
    assert data[54] == 0xE2  # the truncated three-byte sequence the message points at
    with pytest.raises(InputError, match=r"at byte 54$"):
        load_documents(path)


def test_invalid_utf8_offset_after_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    data = b'\xef\xbb\xbf{"source": "AP", "text": "bad \xff byte"}\n'
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        load_documents(path)
    offset = data.index(b"\xff")
    assert str(info.value) == f"{path}: invalid UTF-8 at byte {offset}"


def test_csv_error_line_number_with_multiline_field(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text('source,text\nAP,"First line.\nSecond line.\nThird line."\nAFP,\n')
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value) == f"{path}:5: missing 'text' field"  # AFP's row is on line 5


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "story.docx"
    path.write_text("Talks stalled.")
    with pytest.raises(UnknownFormat) as info:
        load_documents(path)
    assert str(info.value) == (
        f"{path}: unknown format '.docx' (expected one of {SUFFIXES}, or pass --input-format)"
    )


def test_no_suffix(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("Talks stalled.")
    with pytest.raises(UnknownFormat) as info:
        load_documents(path)
    assert str(info.value) == (
        f"{path}: unknown format '(no suffix)' (expected one of {SUFFIXES}, or pass --input-format)"
    )


def test_unknown_format_is_an_input_error() -> None:
    assert issubclass(UnknownFormat, InputError)


def test_nonexistent_path(tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"
    with pytest.raises(InputError) as info:
        load_documents(path)
    assert str(info.value) == f"{path}: no such file"


@pytest.mark.parametrize("contents", [[], ["notes.xyz", "image.png"]])
def test_folder_with_no_readable_files(tmp_path: Path, contents: list[str]) -> None:
    for name in contents:
        (tmp_path / name).write_text("not an article")
    with pytest.raises(InputError) as info:
        load_documents(tmp_path)
    assert str(info.value) == f"{tmp_path}: folder holds no readable files ({SUFFIXES})"


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "one.jsonl", RECORDS[:1])
    write_jsonl(tmp_path / "two.jsonl", RECORDS[:1])
    with pytest.raises(InputError) as info:
        load_documents(tmp_path)
    assert str(info.value) == "duplicate document id 'reuters-1'"


def test_duplicate_default_ids_from_same_stem(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("Talks stalled in Cairo.\n")
    (tmp_path / "story.md").write_text("Talks resumed in Cairo.\n")
    with pytest.raises(InputError) as info:
        load_documents(tmp_path)
    assert str(info.value) == "duplicate document id 'story'"


def test_skip_invalid_json_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps(RECORDS[0]) + "\n{oops\n" + json.dumps(RECORDS[1]) + '\n{"text": \n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="divergence"):
        docs = load_documents(path, skip_invalid=True)
    assert [d.id for d in docs] == ["reuters-1", "ahram-1"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "divergence"]
    assert warnings == [f"{path}: skipped 2 invalid JSON lines"]


def test_skip_invalid_records(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(RECORDS[0]),
        json.dumps({"source": "AP"}),  # no text
        "[1, 2]",  # not an object
        "{broken",  # not JSON
        json.dumps(RECORDS[1]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="divergence"):
        docs = load_documents(path, skip_invalid=True)
    assert [d.id for d in docs] == ["reuters-1", "ahram-1"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "divergence"]
    assert sorted(warnings) == sorted(
        [f"{path}: skipped 1 invalid JSON line", f"{path}: skipped 2 invalid records"]
    )
    assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "divergence")


def test_skip_invalid_still_fails_when_nothing_is_left(tmp_path: Path) -> None:
    path = tmp_path / "allbad.jsonl"
    path.write_text('{"source": "AP"}\n{oops\n')
    with pytest.raises(InputError) as info:
        load_documents(path, skip_invalid=True)
    assert str(info.value) == f"{path}: no documents"


def test_skip_invalid_csv_rows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("source,text\nAP,Talks resumed.\nAFP,\nBBC,Talks stalled.\n")
    with caplog.at_level(logging.WARNING, logger="divergence"):
        docs = load_documents(path, skip_invalid=True)
    assert [d.source for d in docs] == ["AP", "BBC"]
    assert [r.getMessage() for r in caplog.records if r.name == "divergence"] == [
        f"{path}: skipped 1 invalid record"
    ]


def test_truncation_of_huge_documents(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = "Talks stalled in Cairo on Monday. " * 100
    path = write_jsonl(tmp_path / "long.jsonl", [{"id": "big", "source": "AP", "text": text}])
    with caplog.at_level(logging.WARNING, logger="divergence"):
        doc = load_documents(path, max_chars=500)[0]
    assert doc.text == text[:500]
    assert len(doc.text) == 500
    assert [r.getMessage() for r in caplog.records if r.name == "divergence"] == [
        f"document big truncated to 500 characters (it has {len(text)})"
    ]


def test_truncation_of_txt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "story.txt"
    body = "Hamas sources highlighted disagreements. " * 20
    path.write_text(body)
    with caplog.at_level(logging.WARNING, logger="divergence"):
        doc = load_documents(path, max_chars=100)[0]
    assert doc.text == body.strip()[:100]
    assert any(
        "document story truncated to 100 characters" in r.getMessage() for r in caplog.records
    )


def test_no_warning_below_the_limit(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_jsonl(tmp_path / "short.jsonl", RECORDS)
    with caplog.at_level(logging.WARNING, logger="divergence"):
        docs = load_documents(path, max_chars=len(str(RECORDS[1]["text"])))
    assert [d.text for d in docs] == [r["text"] for r in RECORDS]
    assert not [r for r in caplog.records if r.name == "divergence"]


# ---- limits ------------------------------------------------------------------------------


def test_readme_states_every_limit() -> None:
    from divergence import documents

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    limits = readme.split("\n## Limits\n", 1)[1]
    assert "\n## " not in limits  # the last section
    for value in (
        documents.MAX_FILE_BYTES,
        documents.MAX_HTML_BYTES,
        documents.MAX_HTML_TAGS,
        documents.MAX_DOCUMENT_CHARS,
        documents.MAX_CHARS,
        documents.MAX_LINE_CHARS,
        documents.MAX_CELL_CHARS,
        documents.MAX_JSON_DEPTH,
        documents.MAX_INT_DIGITS,
    ):
        assert f"{value:,}" in limits


def test_every_string_of_a_record_is_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    record = {
        "id": "x\u0007",
        "source": "AP\ud800",
        "text": "Talks\r\nstalled.\u2028Hamas said no.\u0000",
        "title": "T\u2029",
        "url": "u\u001b",
        "published": "2024-04-08\u0085",
        "tags": ["a\udfff", {"k\u0000": "v\r"}],
    }
    path.write_text(json.dumps(record) + "\n")
    doc = load_documents(path)[0]
    assert (doc.id, doc.source, doc.title, doc.url, doc.published) == (
        "x",
        "AP\ufffd",
        "T\n\n",
        "u",
        "2024-04-08\n",
    )
    assert doc.text == "Talks\nstalled.\nHamas said no."
    assert doc.extra == {"tags": ["a\ufffd", {"k": "v\n"}]}


def test_extra_nested_past_the_limit_from_python() -> None:
    cyclic: list[object] = []
    cyclic.append(cyclic)
    with pytest.raises(InputError) as info:
        record_document({"text": "Talks stalled.", "loop": cyclic}, "d:1", "document 1")
    assert str(info.value) == "document 1: a field nested deeper than 100 levels"


def test_load_documents_raises_only_input_errors(tmp_path: Path) -> None:
    """The Python API: operating-system and parser errors are InputError too."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    big = tmp_path / "big.json"
    big.write_text("[" + "1" * 5000 + "]")
    for path in (deep, big, tmp_path / ("x" * 300 + ".txt"), Path("/dev/null")):
        with pytest.raises(InputError):
            load_documents(path, format="json")


def test_numpy_whole_numbers_and_tuples_from_python() -> None:
    import collections

    import numpy as np

    point = collections.namedtuple("point", "x y")
    doc = record_document(
        {"id": np.int64(5), "text": "Talks stalled.", "at": point("a\x00", 2)}, "d:1", "d:1"
    )
    assert doc.id == "5"
    assert doc.extra == {"at": ("a", 2)}
