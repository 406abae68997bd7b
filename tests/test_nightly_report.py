"""divergence.nightly_report on a hand-built nightly result, and the page in a real browser."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from divergence.nightly_report import TOP, NightlyResultLike, render_nightly_html
from divergence.report import PAIR_COLUMNS

SCRIPT = "<script>alert(1)</script>"
EGYPT = (
    "Egyptian state-linked media had initially reported “significant progress” in the "
    "negotiations, raising expectations for a breakthrough."
)
ISRAEL = (
    "Israeli officials cautioned against premature optimism, stating that significant gaps "
    "still exist between the parties."
)
KILLED_40 = (
    f"At least 40 people were killed in the strike on Gaza City on Monday, officials said {SCRIPT}."
)
KILLED_33 = "The strike on Gaza City on Monday killed 33 people | the ministry said."
HAMAS = "Hamas sources highlighted disagreements over the pace of displaced Palestinians returning to Gaza City."
NETANYAHU = "Netanyahu declared that Israel is “one step away from victory” in Gaza."
ODD_SOURCE = 'Outlet "A" & <Co>'  # a source name that must be escaped everywhere


@dataclass
class FakeNightly:
    """What divergence.nightly's NightlyResult holds, built by hand."""

    date: str
    counts: dict[str, int]
    findings: pd.DataFrame
    history: pd.DataFrame
    agreement: pd.DataFrame
    out_dir: Path


def finding(
    finding_id: str,
    status: str,
    claims: tuple[str, str],
    evidence: tuple[list[str], list[str]],
    *,
    sources: tuple[str, str],
    divergence: float,
    kind: str,
    first_seen: str,
    resolved_on: str | None = None,
    outlets: tuple[str, str] = ("Example Wire", "Example Times"),
) -> dict[str, Any]:
    """One findings row: every report column, spans found from the evidence text."""
    row: dict[str, Any] = dict.fromkeys(PAIR_COLUMNS)
    for side, claim, words, source, outlet in zip(
        "ab", claims, evidence, sources, outlets, strict=True
    ):
        spans = [[claim.index(w), claim.index(w) + len(w)] for w in words]
        row |= {
            f"claim_{side}": claim, f"source_{side}": source, f"speaker_{side}": source,
            f"outlet_{side}": outlet, f"spans_{side}": spans, f"evidence_{side}": "; ".join(words),
        }  # fmt: skip
    row |= {
        "finding_id": finding_id, "status": status, "first_seen": first_seen,
        "last_seen": resolved_on or "2024-04-08", "resolved_on": resolved_on,
        "topic": 0.7, "similarity": 0.71, "overlap": 0.4, "p_contradiction": divergence,
        "p_entailment": 0.05, "p_neutral": round(0.95 - divergence, 2), "label": "contradiction",
        "kind": kind, "divergence": divergence, "flagged": True, "note": f"{kind}: differs",
    }  # fmt: skip
    return row


def findings_frame() -> pd.DataFrame:
    rows = [
        finding("f1", "new", (EGYPT, ISRAEL),
                (["significant progress", "raising expectations"],
                 ["cautioned", "premature optimism", "significant gaps still exist"]),
                sources=("Egyptian state-linked media", "Israeli officials"),
                divergence=0.8, kind="certainty", first_seen="2024-04-08"),
        finding("f2", "persisting", (KILLED_40, KILLED_33), (["40"], ["33"]),
                sources=(ODD_SOURCE, "Outlet B"), outlets=(ODD_SOURCE, "Outlet B"),
                divergence=0.9, kind="numeric", first_seen="2024-04-06"),
        finding("f3", "persisting", (ISRAEL, EGYPT), (["significant gaps still exist"], []),
                sources=("Israeli officials", "Egyptian state-linked media"),
                divergence=0.8, kind="certainty", first_seen="2024-04-07"),
        finding("f4", "resolved", (HAMAS, NETANYAHU), (["disagreements"], ["one step away"]),
                sources=("Hamas sources", "Israeli Prime Minister Benjamin Netanyahu"),
                divergence=0.6, kind="certainty", first_seen="2024-04-06",
                resolved_on="2024-04-08"),
    ]  # fmt: skip
    return pd.DataFrame(rows)


SOURCES = [
    "Egyptian state-linked media",
    "Hamas sources",
    "Israeli officials",
    "Israeli Prime Minister Benjamin Netanyahu",
    ODD_SOURCE,
]


def agreement_frame() -> pd.DataFrame:
    values = np.full((len(SOURCES), len(SOURCES)), 0.75)
    np.fill_diagonal(values, 1.0)
    values[0, 2] = values[2, 0] = 0.2  # Egyptian media vs Israeli officials: they disagree
    values[1, 3] = values[3, 1] = float("nan")  # never paired
    frame = pd.DataFrame(values, index=SOURCES, columns=SOURCES)
    frame.index.name = "source"
    return frame


HISTORY = pd.DataFrame(
    {
        "date": ["2024-04-06", "2024-04-07", "2024-04-08"],
        "new": [3, 1, 1],
        "persisting": [0, 2, 2],
        "resolved": [0, 1, 1],
        "flagged": [3, 3, 3],
    }
)
COUNTS = {
    "new": 1, "persisting": 2, "resolved": 1, "documents_new": 5, "claims_new": 14,
    "pairs_scored": 23, "embeddings_computed": 14, "embeddings_reused": 31,
}  # fmt: skip


@pytest.fixture
def result(tmp_path: Path) -> FakeNightly:
    return FakeNightly(
        "2024-04-08", dict(COUNTS), findings_frame(), HISTORY.copy(), agreement_frame(), tmp_path
    )


def section(page: str, testid: str, end: str) -> str:
    """The markup from the element with ``data-testid`` to the first ``end`` after it."""
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index(end, start)]


def mark_html(claim: str, spans: list[list[int]]) -> str:
    """Independent of _highlight: the claim escaped, non-overlapping spans in <mark>."""
    out, cursor = [], 0
    for start, end in sorted(spans):
        out += [html.escape(claim[cursor:start]), f"<mark>{html.escape(claim[start:end])}</mark>"]
        cursor = end
    return "".join(out) + html.escape(claim[cursor:])


def test_fake_result_satisfies_the_protocol(result: FakeNightly) -> None:
    typed: NightlyResultLike = result  # checked by mypy when tests are type-checked
    assert render_nightly_html(typed) == render_nightly_html(result)


# ---------------------------------------------------------------- page content


def test_page_is_self_contained(result: FakeNightly) -> None:
    page = render_nightly_html(result)
    assert page.startswith("<!DOCTYPE html>\n")
    assert page.endswith("</body></html>\n")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "@import" not in page and "@font-face" not in page
    assert "src=" not in page  # no images, frames or scripts to fetch
    assert set(re.findall(r"url\(([^)]*)\)", page)) == {"#disagreement-ramp"}


def test_escapes_script_and_markup_in_claims_and_sources(result: FakeNightly) -> None:
    page = render_nightly_html(result)
    assert SCRIPT not in page
    assert html.escape(SCRIPT) in page
    assert ODD_SOURCE not in page
    assert page.count(html.escape(ODD_SOURCE)) >= 4  # table source and outlet, heatmap labels
    assert "</mark> people | the ministry said." in page


def test_headline_counts(result: FakeNightly) -> None:
    page = render_nightly_html(result)
    for key, value in [("new", 1), ("persisting", 2), ("resolved", 1),
                       ("documents", 5), ("claims", 14)]:  # fmt: skip
        assert f'data-testid="count-{key}"><b>{value}</b>' in page
    assert "23 pairs scored, 14 embeddings computed, 31 reused" in page
    assert "<h1>divergence nightly report: 2024-04-08</h1>" in page


def test_open_findings_highest_divergence_first_new_before_persisting(
    result: FakeNightly,
) -> None:
    table = section(render_nightly_html(result), "divergences", "</table>")
    assert re.findall(r'data-finding-id="(\w+)"', table) == ["f2", "f1", "f3"]
    resolved = section(render_nightly_html(result), "resolved", "</table>")
    assert re.findall(r'data-finding-id="(\w+)"', resolved) == ["f4"]
    assert "resolved 2024-04-08" in resolved and "first seen 2024-04-06" in resolved


def test_resolved_findings_name_the_claim_that_resolved_them(result: FakeNightly) -> None:
    findings = result.findings.assign(resolved_by=None)
    findings.loc[findings["finding_id"] == "f4", "resolved_by"] = f"Hamas sources agreed {SCRIPT}"
    page = render_nightly_html(replace(result, findings=findings))
    resolved = section(page, "resolved", "</table>")
    assert f"resolved by: “Hamas sources agreed {html.escape(SCRIPT)}”" in resolved
    assert page.count("resolved by:") == 1


def test_findings_name_their_story(result: FakeNightly) -> None:
    findings = result.findings.assign(story_label=None)  # PAIR_COLUMNS' story_label: None
    findings.loc[findings["finding_id"] == "f1", "story_label"] = f"Cairo, talks {SCRIPT}"
    page = render_nightly_html(replace(result, findings=findings))
    table = section(page, "divergences", "</table>")
    row = table[table.index('data-finding-id="f1"') :].split("</tr>")[0]
    assert f'<div class="note story">story: Cairo, talks {html.escape(SCRIPT)}</div>' in row
    assert page.count("story:") == 1  # none for findings without a story


def test_each_row_shows_both_sides_status_and_scores(result: FakeNightly) -> None:
    table = section(render_nightly_html(result), "divergences", "</table>")
    row = table[table.index('data-finding-id="f1"') :].split("</tr>")[0]
    assert '<span class="badge new">new</span>' in row
    assert "first seen 2024-04-08" in row
    assert "speaker: Egyptian state-linked media" in row and "outlet: Example Wire" in row
    assert "speaker: Israeli officials" in row and "outlet: Example Times" in row
    assert '<span class="kind">certainty</span>' in row
    assert '<td class="num score">0.80</td>' in row
    for label, value in [("similarity", "0.71"), ("p(contradiction)", "0.80"),
                         ("p(entailment)", "0.05"), ("p(neutral)", "0.15")]:  # fmt: skip
        assert f"{html.escape(label)} <b>{value}</b>" in row
    assert '<span class="badge persisting">persisting</span>' in table


def test_marks_evidence_at_the_right_characters(result: FakeNightly) -> None:
    page = render_nightly_html(result)
    table = section(page, "divergences", "</table>")
    open_rows = result.findings[result.findings["status"] != "resolved"]
    spans = [s for side in ("spans_a", "spans_b") for row in open_rows[side] for s in row]
    assert table.count("<mark>") == len(spans) == 8
    for side in "ab":
        for claim, row_spans in zip(
            open_rows[f"claim_{side}"], open_rows[f"spans_{side}"], strict=True
        ):
            assert mark_html(claim, row_spans) in table
    assert "At least <mark>40</mark> people were killed" in table
    assert "killed <mark>33</mark> people" in table
    assert "reported “<mark>significant progress</mark>” in the negotiations" in table
    assert (
        "Israeli officials <mark>cautioned</mark> against <mark>premature optimism</mark>" in table
    )
    resolved = section(page, "resolved", "</table>")
    assert "highlighted <mark>disagreements</mark> over" in resolved


@pytest.mark.parametrize("as_stored", [json.dumps, tuple, np.array])
def test_spans_read_back_from_storage_mark_the_same(result: FakeNightly, as_stored: Any) -> None:
    """Spans may come back from SQLite as JSON text, or from Parquet as arrays."""
    expected = render_nightly_html(result)
    stored = result.findings.copy()
    for side in ("spans_a", "spans_b"):
        stored[side] = [as_stored(s) for s in stored[side]]
    assert render_nightly_html(replace(result, findings=stored)) == expected


def test_open_findings_are_capped(result: FakeNightly) -> None:
    base = result.findings.iloc[0].to_dict()
    many = pd.DataFrame(
        [base | {"finding_id": f"n{i:03d}", "divergence": i / 100} for i in range(TOP + 10)]
    )
    table = render_nightly_html(replace(result, findings=many))
    ids = re.findall(r'data-finding-id="(\w+)"', section(table, "divergences", "</table>"))
    assert len(ids) == TOP
    assert ids[0] == f"n{TOP + 9:03d}" and ids[-1] == "n010"
    assert f"Showing the first {TOP} of {TOP + 10}." in table


# ---------------------------------------------------------------- charts


def test_heatmap_has_one_rect_per_source_pair(result: FakeNightly) -> None:
    svg = section(render_nightly_html(result), "heatmap", "</svg>")
    cells = re.findall(r'<rect class="(cell[^"]*)" data-a="([^"]*)" data-b="([^"]*)"', svg)
    assert len(cells) == len(SOURCES) ** 2
    pairs = {(html.unescape(a), html.unescape(b)) for _, a, b in cells}
    assert pairs == {(a, b) for a in SOURCES for b in SOURCES}
    nan = [(a, b) for cls, a, b in cells if cls == "cell nan"]
    assert sorted(nan) == sorted([("Hamas sources", "Israeli Prime Minister Benjamin Netanyahu"),
                                  ("Israeli Prime Minister Benjamin Netanyahu", "Hamas sources")])  # fmt: skip
    for source in SOURCES:  # labels, long ones cut with the full name in a tooltip
        assert f"<title>{html.escape(source)}</title>" in svg
    assert 'data-testid="heatmap-legend"' in svg and "never paired" in svg


def test_heatmap_is_darker_where_sources_disagree(result: FakeNightly) -> None:
    svg = section(render_nightly_html(result), "heatmap", "</svg>")

    def fill(a: str, b: str) -> tuple[int, ...]:
        match = re.search(rf'data-a="{a}" data-b="{b}"[^>]*fill="rgb\((\d+),(\d+),(\d+)\)"', svg)
        assert match, (a, b)
        return tuple(int(v) for v in match.groups())

    same = fill("Hamas sources", "Hamas sources")  # agreement 1
    mild = fill("Hamas sources", "Israeli officials")  # 0.75
    strong = fill("Egyptian state-linked media", "Israeli officials")  # 0.2
    assert sum(same) > sum(mild) > sum(strong)
    assert strong[0] > strong[1] + 100  # red


def test_timeline_has_one_bar_per_date(result: FakeNightly) -> None:
    shuffled = replace(result, history=HISTORY.iloc[[2, 0, 1]])
    svg = section(render_nightly_html(shuffled), "timeline", "</svg>")
    days = re.findall(r'<g class="day" data-date="([^"]+)" data-total="(\d+)"', svg)
    assert days == [("2024-04-06", "3"), ("2024-04-07", "4"), ("2024-04-08", "4")]
    assert svg.count('<text class="date"') == 3
    assert ">run date</text>" in svg and ">findings</text>" in svg
    assert svg.count('<rect class="new"') == 3 and svg.count('<rect class="resolved"') == 2


def test_timeline_bars_are_to_scale(result: FakeNightly) -> None:
    svg = section(render_nightly_html(result), "timeline", "</svg>")
    heights = [float(h) for h in re.findall(r'<rect class="persisting"[^>]*height="([\d.]+)"', svg)]
    news = [float(h) for h in re.findall(r'<rect class="new"[^>]*height="([\d.]+)"', svg)]
    assert heights[0] == pytest.approx(heights[1]) == pytest.approx(2 * news[1], abs=0.2)
    assert news[0] == pytest.approx(3 * news[1], abs=0.2)


def test_many_dates_keep_the_axis_readable(result: FakeNightly) -> None:
    dates = pd.date_range("2024-01-01", periods=90, freq="D")
    history = pd.DataFrame({"date": dates, "new": 1, "persisting": 2, "resolved": 0, "flagged": 3})
    svg = section(render_nightly_html(replace(result, history=history)), "timeline", "</svg>")
    assert svg.count('<g class="day"') == 90
    assert 'data-date="2024-03-30"' in svg  # Timestamps shown as dates
    assert svg.count('<text class="date"') <= 12


# ---------------------------------------------------------------- empty


@pytest.mark.parametrize(
    "findings",
    [pd.DataFrame(columns=["finding_id", "status", *PAIR_COLUMNS]), pd.DataFrame()],
    ids=["no-rows", "no-columns"],
)
def test_empty_findings_still_render(result: FakeNightly, findings: pd.DataFrame) -> None:
    zero = dict.fromkeys(COUNTS, 0)
    page = render_nightly_html(replace(result, findings=findings, counts=zero))
    assert "No open divergences." in page and "Nothing resolved in this run." in page
    assert 'data-testid="count-new"><b>0</b>' in page
    assert 'data-testid="heatmap"' in page and 'data-testid="timeline"' in page
    assert page.endswith("</body></html>\n")


def test_first_night_with_nothing_at_all(tmp_path: Path) -> None:
    empty = FakeNightly("2024-04-08", {}, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), tmp_path)
    page = render_nightly_html(empty)
    for text in ["No open divergences.", "No sources to compare yet.", "No runs recorded yet."]:
        assert text in page
    assert 'data-testid="count-documents"><b>0</b>' in page


# ---------------------------------------------------------------- in a real browser

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not installed (Debian packages chromium and chromium-driver)"
)


def chromium(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Headless Chromium, offline-minded, a fresh profile each run."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", *args, url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


class DomIndex(HTMLParser):
    """Every element with the ``data-testid``s of the elements around it, and <mark> texts."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base"})

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.marks: list[str] = []
        self._stack: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        inside = tuple(t for _, t in self._stack if t)
        self.elements.append((tag, found, inside))
        if tag == "mark":
            self.marks.append("")
        if tag not in self.VOID:
            self._stack.append((tag, found.get("data-testid", "")))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1][0] == "mark":
            self.marks[-1] += data

    def count(self, tag: str, within: str, **attrs: str) -> int:
        return sum(
            1
            for t, found, inside in self.elements
            if t == tag
            and (not within or within in inside)
            and all(found.get(k) == v for k, v in attrs.items())
        )


def decode_png(data: bytes) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """An 8-bit RGB(A) PNG as a (height, width, channels) array, with zlib alone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, "only 8-bit RGB(A), not interlaced"
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(idat)
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + guess) & 0xFF
        rows.append(bytes(line))
        previous = line
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(height, width, bpp)


def read_png(path: Path) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """RGB pixels: with PIL when it is installed, else with the zlib decoder above."""
    try:
        from PIL import Image
    except ImportError:
        return decode_png(path.read_bytes())[:, :, :3]
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def test_png_decoder_matches_pil(tmp_path: Path) -> None:
    image_module = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    pixels = np.zeros((40, 60, 3), dtype=np.uint8)
    pixels[:, :, 0] = np.arange(60, dtype=np.uint8) * 4  # gradients favour sub/up/paeth filters
    pixels[:, :, 1] = (np.arange(40, dtype=np.uint8) * 6)[:, None]
    pixels[20:, 30:, :] = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)  # noise: none/avg
    for mode, channels in [("RGB", 3), ("RGBA", 4)]:
        path = tmp_path / f"{mode}.png"
        image_module.fromarray(pixels).convert(mode).save(path)
        decoded = decode_png(path.read_bytes())
        assert decoded.shape == (40, 60, channels)
        assert np.array_equal(decoded[:, :, :3], pixels)


@needs_chromium
def test_page_in_headless_chromium(result: FakeNightly, tmp_path: Path) -> None:
    page_path = tmp_path / "nightly.html"
    page_path.write_text(render_nightly_html(result), encoding="utf-8")
    url = page_path.as_uri()

    dom = DomIndex()
    dom.feed(chromium(url, tmp_path / "profile-dom", "--dump-dom").stdout.decode("utf-8"))
    assert dom.count("table", "", **{"data-testid": "divergences"}) == 1
    assert dom.count("tr", "divergences", **{"data-testid": "finding"}) == 3
    assert dom.count("mark", "divergences") == 8
    assert sorted(dom.marks) == sorted(
        ["significant progress", "raising expectations", "cautioned", "premature optimism",
         "significant gaps still exist", "40", "33", "significant gaps still exist",
         "marked", "disagreements", "one step away"]  # "marked" is the explanation's sample
    )  # fmt: skip
    assert dom.count("svg", "", **{"data-testid": "heatmap"}) == 1
    assert dom.count("rect", "heatmap", **{"class": "cell"}) == len(SOURCES) ** 2 - 2
    assert dom.count("rect", "heatmap", **{"class": "cell nan"}) == 2
    assert dom.count("svg", "", **{"data-testid": "timeline"}) == 1
    assert dom.count("g", "timeline", **{"class": "day"}) == len(HISTORY)
    assert dom.count("script", "") == 0

    shot = tmp_path / "nightly.png"
    chromium(url, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2000")
    pixels = read_png(shot)
    assert pixels.shape[:2] == (2000, 1280)
    packed = (pixels[:, :, 0].astype(np.uint32) << 16) | (pixels[:, :, 1].astype(np.uint32) << 8)
    packed |= pixels[:, :, 2]
    assert len(np.unique(packed)) > 50  # text, badges, heatmap and bars: many colours
    ink = (pixels < 235).any(axis=2).mean()
    assert 0.03 < ink < 0.6, f"share of non-white pixels: {ink:.3f}"
    red = (pixels[:, :, 0] > 150) & (pixels[:, :, 1] < 90) & (pixels[:, :, 2] < 90)
    assert red.sum() > 2000  # heatmap cells, badges and timeline bars drew in colour
