"""Unit tests of divergence.render on a Report built by compare() with the fake embedder."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from divergence import compare
from divergence.errors import OutputError
from divergence.render import (
    READABLE,
    Format,
    emit,
    format_for_path,
    render,
    render_frame,
    render_html,
    render_html_table,
    write_atomic,
)
from divergence.report import PAIR_COLUMNS, Report
from tests.fakes import HashingEmbedder

SCRIPT = "<script>alert(1)</script>"
CLAIM_A = (
    f"At least 40 people were killed in the strike on Gaza City on Monday, officials said {SCRIPT}."
)
CLAIM_B = "The strike on Gaza City on Monday killed 33 people | the ministry said."
CLAIM_C = "Rescuers said 28 people died in the strike on Gaza City on Monday."
CLAIM_D = (
    "Football fans celebrated the championship win in Madrid late into the night, police said."
)
DOCUMENTS = [
    {"id": "a1", "source": "Outlet A",
     "text": f"{CLAIM_A} The weather in Paris was mild and sunny for most of the week."},
    {"id": "b1", "source": "Outlet B",
     "text": f"{CLAIM_B} The museum will reopen its modern art wing next spring."},
    {"id": "c1", "source": "Outlet C", "text": CLAIM_C},
    {"id": "d1", "source": "Outlet D", "text": CLAIM_D},  # paired, never divergent
]  # fmt: skip


@pytest.fixture
def report() -> Report:
    # One story, so the football claim is paired too (stories would keep it apart).
    return compare(DOCUMENTS, by="outlet", embedder=HashingEmbedder(), stories="none")


@pytest.fixture
def by_speaker() -> Report:
    return compare(DOCUMENTS, by="speaker", embedder=HashingEmbedder(), stories="none")


def test_the_fixture_report_is_what_these_tests_assume(report: Report) -> None:
    assert report.sources == ["Outlet A", "Outlet B", "Outlet C", "Outlet D"]
    assert len(report.divergences) == 3
    assert len(report.pairs) == 5
    assert set(report.divergences["kind"]) == {"numeric"}
    assert list(report.pairs["label"]) == ["contradiction"] * 3 + ["neutral"] * 2
    assert CLAIM_A in set(report.divergences["claim_a"])


# ---------------------------------------------------------------- every format


@pytest.mark.parametrize("all_pairs", [False, True])
@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders(report: Report, fmt: Format, all_pairs: bool) -> None:
    out = render(report, fmt, all_pairs=all_pairs)
    expected = 5 if all_pairs else 3
    if fmt is Format.PARQUET:
        assert isinstance(out, bytes)
        frame = pd.read_parquet(io.BytesIO(out))
        assert list(frame.columns) == PAIR_COLUMNS
        assert len(frame) == expected
        return
    assert isinstance(out, str)
    assert out.endswith("\n")
    if fmt is Format.JSON:
        assert len(json.loads(out)["pairs"]) == expected
    elif fmt is Format.JSONL:
        assert len(out.splitlines()) == expected
    elif fmt is Format.CSV:
        assert len(list(csv.DictReader(io.StringIO(out)))) == expected
    elif fmt is Format.MARKDOWN:
        assert len(out.splitlines()) == 2 + expected
    elif fmt is Format.HTML:
        assert out.count('<tr><td class="num">') == expected
    else:
        assert "«28»" in out


@pytest.mark.parametrize("fmt", [f.value for f in Format])
def test_formats_given_as_strings(report: Report, fmt: str) -> None:
    assert render(report, fmt) == render(report, Format(fmt))


def test_unknown_format_is_rejected(report: Report) -> None:
    with pytest.raises(ValueError, match="'pdf' is not a valid Format"):
        render(report, "pdf")


def test_json_document(report: Report) -> None:
    document = json.loads(render(report, Format.JSON))
    assert list(document) == ["options", "sources", "pairs", "findings", "stories", "agreement"]
    assert len(document["findings"]) == len(report.findings)
    assert document["options"] == report.options
    assert document["sources"] == report.sources
    assert [p["claim_id_a"] for p in document["pairs"]] == list(report.divergences["claim_id_a"])
    for a in report.sources:
        for b in report.sources:
            value = report.summary.loc[a, b]
            if math.isnan(value):
                assert document["agreement"][a][b] is None
            else:
                assert document["agreement"][a][b] == value


def test_jsonl_rows_carry_every_column(report: Report) -> None:
    rows = [json.loads(line) for line in render(report, "jsonl", all_pairs=True).splitlines()]
    assert all(list(r) == PAIR_COLUMNS for r in rows)
    assert [r["flagged"] for r in rows] == [True, True, True, False, False]
    assert rows[-1]["kind"] is None  # NaN and None become null
    assert rows[0]["spans_a"] == [list(s) for s in report.divergences["spans_a"][0]]


def test_parquet_round_trip_keeps_values(report: Report) -> None:
    frame = pd.read_parquet(io.BytesIO(render(report, "parquet")))  # type: ignore[arg-type]
    assert list(frame["claim_a"]) == list(report.divergences["claim_a"])
    assert list(frame["divergence"]) == list(report.divergences["divergence"])
    assert [[list(s) for s in spans] for spans in frame["spans_b"]] == list(
        report.divergences["spans_b"]
    )


# ---------------------------------------------------------------- html


def test_html_escapes_claim_text(report: Report) -> None:
    page = render(report, "html")
    assert isinstance(page, str)
    assert SCRIPT not in page
    assert "<script" not in page
    assert html.escape(SCRIPT) in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_html_is_self_contained(report: Report) -> None:
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>\n")
    assert page.endswith("</body></html>\n")
    assert "<style>" in page
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "<script" not in page


def test_html_counts_and_options(report: Report) -> None:
    page = render_html(report)
    assert "3 divergences flagged among 5 scored pairs" in page
    assert f"{len(report.claims)} claims, 4 sources" in page
    assert html.escape("by=outlet, embedder=fake-hashing, scorer=checks") in page


def mark_html(claim: str, spans: list[list[int]]) -> str:
    out, cursor = [], 0
    for start, end in spans:
        out += [html.escape(claim[cursor:start]), f"<mark>{html.escape(claim[start:end])}</mark>"]
        cursor = end
    return "".join(out) + html.escape(claim[cursor:])


def test_html_marks_evidence_at_the_right_characters(report: Report) -> None:
    table = render_html_table(report)
    rows = report.divergences
    assert table.count("<mark>") == sum(len(s) for s in rows["spans_a"]) + sum(
        len(s) for s in rows["spans_b"]
    )
    for row in rows.itertuples():
        for claim, spans, evidence in [(row.claim_a, row.spans_a, row.evidence_a),
                                       (row.claim_b, row.spans_b, row.evidence_b)]:  # fmt: skip
            assert mark_html(claim, spans) in table
            assert [claim[s:e] for s, e in spans] == evidence.split("; ")
    assert "At least <mark>40</mark> people were killed" in table
    assert "killed <mark>33</mark> people" in table
    assert "Rescuers said <mark>28</mark> people" in table


def with_spans(report: Report, spans_a: list[list[int]]) -> Report:
    """The report with the first divergence's claim A spans replaced."""
    pairs = report.pairs.copy()
    first = pairs.index[pairs["flagged"]][0]
    pairs["spans_a"] = [
        spans_a if i == first else s for i, s in zip(pairs.index, pairs["spans_a"], strict=True)
    ]
    return Report(report.claims, pairs, report.summary, report.options)


def test_overlapping_spans_merge(report: Report) -> None:
    claim = report.divergences["claim_a"][0]
    changed = with_spans(report, [[20, 25], [4, 9], [0, 6], [9, 12]])
    table = render_html_table(changed)
    # [0, 6] and [4, 9] overlap, [9, 12] touches: one mark; [20, 25] stays apart
    expected = (f"<mark>{html.escape(claim[0:12])}</mark>{html.escape(claim[12:20])}"
                f"<mark>{html.escape(claim[20:25])}</mark>{html.escape(claim[25:])}")  # fmt: skip
    assert expected in table
    before = str(render(report, "table", all_pairs=True)).count("«")
    assert str(render(changed, "table", all_pairs=True)).count("«") == before + 1


def test_nested_spans_merge(report: Report) -> None:
    claim = report.divergences["claim_a"][0]
    table = render_html_table(with_spans(report, [[2, 30], [5, 10]]))
    assert f"<mark>{html.escape(claim[2:30])}</mark>{html.escape(claim[30:])}" in table


def test_marked_evidence_is_escaped_inside_the_mark(report: Report) -> None:
    row = report.divergences.index[report.divergences["claim_a"] == CLAIM_A][0]
    pairs = report.pairs.copy()
    start = CLAIM_A.index(SCRIPT)
    target = pairs.index[pairs["flagged"]][row]
    pairs["spans_a"] = [[[start, start + len(SCRIPT)]] if i == target else s
                        for i, s in zip(pairs.index, pairs["spans_a"], strict=True)]  # fmt: skip
    table = render_html_table(Report(report.claims, pairs, report.summary, report.options))
    assert f"<mark>{html.escape(SCRIPT)}</mark>" in table
    assert SCRIPT not in table


def test_html_names_the_outlet_of_a_quoted_speaker(by_speaker: Report) -> None:
    table = render_html_table(by_speaker, all_pairs=True)
    assert '<div class="source">officials</div><div class="outlet">via Outlet A</div>' in table
    # "X | the ministry said." names its speaker (a wire-style tail after the claim)
    assert '<div class="source">the ministry</div><div class="outlet">via Outlet B</div>' in table
    assert '<div class="source">police</div><div class="outlet">via Outlet D</div>' in table


def test_html_agreement_matrix(report: Report) -> None:
    page = render_html(report)
    matrix = page[page.index('<table class="matrix">') :]
    assert matrix.count("<tr><th>") == 1 + len(report.sources)  # the header, one row each
    for source in report.sources:
        assert f"<th>{source}</th>" in matrix
    assert "–" in matrix  # Outlet A and Outlet D were never paired
    assert math.isnan(report.summary.loc["Outlet A", "Outlet D"])
    assert f">{report.summary.loc['Outlet A', 'Outlet B']:.2f}</td>" in matrix


def test_html_without_divergences(report: Report) -> None:
    calm = Report(report.claims, report.pairs.assign(flagged=False), report.summary, report.options)
    assert render_html_table(calm) == "<p>No divergences.</p>"
    assert "0 divergences flagged among 5 scored pairs" in render_html(calm)


def test_repr_html_is_the_table(report: Report) -> None:
    assert report._repr_html_() == render_html_table(report)


# ---------------------------------------------------------------- markdown, csv, table


def test_markdown_escapes_pipes(report: Report) -> None:
    out = render(report, "markdown")
    assert isinstance(out, str)
    assert out.splitlines()[0] == "| " + " | ".join(READABLE) + " |"
    assert CLAIM_B.replace("|", "\\|") in out
    for line in out.splitlines():
        unescaped = line.replace("\\|", "")
        assert unescaped.count("|") == len(READABLE) + 1


def test_markdown_cells() -> None:
    frame = pd.DataFrame({"a": ["x|y", "two\nlines", None], "b": [0.123456, float("nan"), 2.0]})
    assert render_frame(frame, "markdown") == (
        "| a | b |\n|---|---|\n| x\\|y | 0.12 |\n| two lines |  |\n|  | 2.00 |\n"
    )


def test_markdown_without_divergences(report: Report) -> None:
    calm = Report(report.claims, report.pairs.assign(flagged=False), report.summary, report.options)
    assert render(calm, "markdown") == "No divergences.\n"


def test_csv_serialises_list_columns_as_json(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))  # type: ignore[arg-type]
    assert list(rows[0]) == PAIR_COLUMNS
    for row, spans_a, spans_b in zip(rows, report.divergences["spans_a"],
                                     report.divergences["spans_b"], strict=True):  # fmt: skip
        assert json.loads(row["spans_a"]) == spans_a
        assert json.loads(row["spans_b"]) == spans_b
    assert json.loads(rows[0]["spans_a"])  # the evidence of the top pair, as [[start, end]]


def test_csv_frame_with_lists_and_dicts() -> None:
    frame = pd.DataFrame({"name": ["x", "y"], "tags": [["a", "é"], []], "meta": [{"k": 1}, {}]})
    out = render_frame(frame, "csv")
    assert out == 'name,tags,meta\nx,"[""a"", ""é""]","{""k"": 1}"\ny,[],{}\n'
    rows = list(csv.DictReader(io.StringIO(str(out))))
    assert json.loads(rows[0]["tags"]) == ["a", "é"]
    assert json.loads(rows[0]["meta"]) == {"k": 1}


def test_csv_leaves_plain_columns_alone() -> None:
    frame = pd.DataFrame({"text": ["[not a list]"], "n": [3]})
    assert render_frame(frame, "csv") == "text,n\n[not a list],3\n"


def test_table_marks_evidence_with_guillemets(report: Report) -> None:
    out = render(report, "table")
    assert isinstance(out, str)
    assert "2 findings (3 flagged pairs) across 4 sources" in out
    assert "«40»" in out and "«33»" in out and "«28»" in out
    assert "\x1b[" not in out


def test_table_in_colour_uses_terminal_styles(report: Report) -> None:
    out = render(report, "table", color=True)
    assert isinstance(out, str)
    assert "\x1b[" in out
    assert "«" not in out


def test_table_escapes_rich_markup(report: Report) -> None:
    pairs = report.pairs.assign(source_b="[bold]B[/bold]")
    out = render(Report(report.claims, pairs, report.summary, report.options), "table",
                 all_pairs=True)  # fmt: skip
    assert "[bold]B[/bold]" in str(out)
    claims = report.claims.assign(source="[bold]B[/bold]")
    findings = render(Report(claims, report.pairs, report.summary, report.options), "table")
    assert "[bold]B[/bold]" in str(findings)


def test_table_without_divergences(report: Report) -> None:
    calm = Report(report.claims, report.pairs.assign(flagged=False), report.summary, report.options)
    assert render(calm, "table") == "No divergences across 4 sources.\n"


@pytest.mark.parametrize("fmt", ["table", "html"])
def test_pairs_without_a_kind_show_their_label(report: Report, fmt: str) -> None:
    out = str(render(report, fmt, all_pairs=True))
    if fmt == "html":  # the pair table, after the findings
        out = out[out.index('<table class="divergences">') :]
        kinds = [part.split("<")[0] for part in out.split('<span class="kind">')[1:]]
    else:
        kinds = [line.split("│")[2].strip() for line in out.splitlines() if "│  0.00 │" in line]
    assert kinds.count("numeric") == (3 if fmt == "html" else 0)
    assert kinds.count("neutral") == 2
    assert "nan" not in kinds


def test_table_title_counts_flagged_pairs_only(report: Report) -> None:
    assert "3 divergences across 4 sources" in str(render(report, "table", all_pairs=True))


def test_render_frame_table_and_html() -> None:
    frame = pd.DataFrame({"id": ["a#1"], "text": ["<b>bold</b> claim"], "score": [0.5]})
    table = render_frame(frame, "table", title="1 claims")
    assert "1 claims" in table and "<b>bold</b> claim" in table and "0.50" in table
    page = render_frame(frame, "html", title="claims & more")
    assert isinstance(page, str)
    assert "<title>claims &amp; more</title>" in page
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in page


# ---------------------------------------------------------------- files


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("r.md", "markdown"), ("r.CSV", "csv"), ("r.json", "json"), ("r.jsonl", "jsonl"),
     ("r.html", "html"), ("r.htm", "html"), ("r.parquet", "parquet"), ("r.txt", "table"),
     ("r.pdf", None), ("report", None)],
)  # fmt: skip
def test_format_for_path(name: str, fmt: str | None) -> None:
    assert format_for_path(name) == fmt
    assert format_for_path(Path("some/folder") / name) == fmt


def test_write_atomic_writes_text_and_bytes(tmp_path: Path) -> None:
    write_atomic("héllo\n", tmp_path / "a.txt")
    write_atomic(b"\x00\x01", tmp_path / "b.bin")
    assert (tmp_path / "a.txt").read_bytes() == "héllo\n".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_write_atomic_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    write_atomic("new", target)
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_atomic_leaves_the_old_file_when_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("the old report", encoding="utf-8")
    seen: list[str] = []

    def failing_replace(src: Any, dst: Any) -> None:
        seen.append(str(src))
        assert Path(src).read_text(encoding="utf-8") == "the new report"  # written in full
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match="disk full"):  # one line for the user, not OSError
        write_atomic("the new report", target)
    assert target.read_text(encoding="utf-8") == "the old report"
    assert len(seen) == 1
    assert Path(seen[0]).parent == tmp_path
    assert Path(seen[0]).name.startswith(".report.html.")
    assert not Path(seen[0]).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_atomic_leaves_the_old_file_when_encoding_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic("half \ud800 written", target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_write_atomic_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.txt"

    def interrupt(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic("data", target)
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_to_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "report.json"
    with pytest.raises(OutputError) as info:
        write_atomic("x", target)
    assert str(info.value) == f"{target}: folder {target.parent} does not exist"


def test_write_atomic_to_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        write_atomic("x", tmp_path)
    assert str(info.value) == f"{tmp_path}: is a folder"


def test_emit_to_a_stream_or_a_file(tmp_path: Path) -> None:
    stream = io.StringIO()
    emit("text\n", None, stream)
    emit("more\n", "-", stream)
    assert stream.getvalue() == "text\nmore\n"
    emit("file\n", tmp_path / "out.txt", stream)
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "file\n"
    assert stream.getvalue() == "text\nmore\n"


def test_emit_refuses_binary_on_a_stream() -> None:
    stream = io.StringIO()
    with pytest.raises(OutputError) as info:
        emit(b"PAR1", None, stream)
    assert str(info.value) == "parquet output is binary: write it to a file with -o FILE"
    assert stream.getvalue() == ""
