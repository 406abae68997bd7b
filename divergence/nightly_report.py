"""The nightly job's HTML page: what is new, what persists, what was resolved, and trends.

One self-contained page: inline CSS and inline SVG charts, no scripts, nothing fetched, so
it opens offline and can be mailed or archived as it is. The nightly job writes it beside
its database::

    write_atomic(render_nightly_html(result), result.out_dir / "report.html")

``result`` is anything shaped like :class:`NightlyResultLike` (``divergence.nightly``'s
``NightlyResult`` is); this module does not import the nightly job.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd

from divergence.render import _CSS, _highlight

#: The most findings a section lists; the rest are counted, not shown.
TOP = 50
#: Statuses of a finding, in the order the page lists open ones (new before persisting).
STATUSES = ("new", "persisting", "resolved")
_RANK = {status: rank for rank, status in enumerate(STATUSES)}
_DATE_COLUMNS = {"first_seen", "last_seen", "resolved_on"}
#: Colours shared by the badges, the cards and the timeline.
_STATUS_COLOURS = {"new": "#b03a2e", "persisting": "#c77c0e", "resolved": "#2f6f9f"}
#: Disagreement (1 - agreement) from 0 to 1: light to dark red.
_RAMP = [(255, 245, 240), (252, 187, 161), (251, 106, 74), (203, 24, 29), (103, 0, 13)]
_NAN_FILL = "#d5dbe0"
_INK = "#1d2327"
_MUTED = "#5f6b76"


class NightlyResultLike(Protocol):
    """What the page reads from a nightly run.

    ``findings``: one row per finding (``finding_id``, ``status``, ``story_label`` if any,
    ``first_seen``, ``last_seen``, ``resolved_on`` and the report's pair columns);
    ``history``: one row per run date (``date``, ``new``, ``persisting``, ``resolved``,
    ``flagged``); ``agreement``: source x source agreement in [0, 1], NaN where two sources
    were never paired.
    """

    @property
    def date(self) -> str: ...

    @property
    def counts(self) -> Mapping[str, int]: ...

    @property
    def findings(self) -> pd.DataFrame: ...

    @property
    def history(self) -> pd.DataFrame: ...

    @property
    def agreement(self) -> pd.DataFrame: ...


# ---------------------------------------------------------------- values


def _missing(value: Any) -> bool:
    """None, NaN or NaT (lists and other containers are never missing)."""
    if value is None:
        return True
    if isinstance(value, list | tuple | dict | set) or hasattr(value, "__array__"):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


def _esc(value: Any) -> str:
    return html.escape(_text(value))


def _number(value: Any) -> float | None:
    if _missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _fmt(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:.2f}"


def _count(value: Any) -> int:
    number = _number(value)
    return 0 if number is None else int(number)


def _score(value: Any) -> float:
    """A score to sort by: missing ones last when sorting highest first."""
    number = _number(value)
    return -1.0 if number is None else number


def _day(value: Any) -> str:
    """A date as YYYY-MM-DD, whether it came as text, a date or a pandas Timestamp."""
    if _missing(value):
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d"))
    return str(value)[:10]


def _spans(value: Any) -> list[list[int]]:
    """``[start, end]`` offsets from a list (or array) of pairs, or their JSON text."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if _missing(value):
        return []
    return [[int(start), int(end)] for start, end in value]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _mark(text: str) -> str:
    return f"<mark>{text}</mark>"


def _highlighted(claim: Any, spans: Any) -> str:
    """The claim, escaped, with its evidence spans in ``<mark>``."""
    return _highlight(_text(claim), _spans(spans), _mark, html.escape)


def _kind(row: Mapping[str, Any]) -> str:
    return _text(row.get("kind")) or _text(row.get("label"))


# ---------------------------------------------------------------- sections


def _cards(result: NightlyResultLike) -> str:
    counts = dict(result.counts)
    statuses = result.findings["status"] if "status" in result.findings.columns else None
    for status in STATUSES:
        if status not in counts:  # fall back on the findings themselves
            counts[status] = int((statuses == status).sum()) if statuses is not None else 0
    cards = [(status, counts[status], status) for status in STATUSES] + [
        ("documents", counts.get("documents_new", 0), "new documents"),
        ("claims", counts.get("claims_new", 0), "new claims"),
    ]
    html_cards = "".join(
        f'<div class="card {key}" data-testid="count-{key}"><b>{_count(value)}</b>'
        f"<span>{html.escape(label)}</span></div>"
        for key, value, label in cards
    )
    work = [
        f"{_count(counts.get('pairs_scored', 0))} pairs scored",
        f"{_count(counts.get('embeddings_computed', 0))} embeddings computed",
        f"{_count(counts.get('embeddings_reused', 0))} reused",
    ]
    return f'<div class="cards">{html_cards}</div><p class="meta">{", ".join(work)}</p>'


def _sorted(findings: pd.DataFrame, statuses: Sequence[str], by: Sequence[str]) -> pd.DataFrame:
    """Findings with one of ``statuses``, ordered by ``by`` (``-divergence``, ``status``...)."""
    if not len(findings) or "status" not in findings.columns:
        return findings.iloc[0:0]
    chosen = findings[findings["status"].isin(list(statuses))].copy()
    keys, ascending = [], []
    for key in by:
        column = key.lstrip("-")
        if column == "status":
            chosen["_key_" + column] = chosen["status"].map(_RANK)
        elif column in chosen.columns:
            as_key = (
                _day if column in _DATE_COLUMNS else _score if column == "divergence" else _text
            )
            chosen["_key_" + column] = chosen[column].map(as_key)
        else:
            continue
        keys.append("_key_" + column)
        ascending.append(not key.startswith("-"))
    if keys:
        chosen = chosen.sort_values(keys, ascending=ascending, kind="stable")
    return chosen.drop(columns=keys)


def _side(row: Mapping[str, Any], side: str) -> str:
    """One claim with its source, speaker and outlet, evidence marked."""
    who = []
    speaker, outlet = _text(row.get(f"speaker_{side}")), _text(row.get(f"outlet_{side}"))
    if speaker:
        who.append(f'<span class="speaker">speaker: {html.escape(speaker)}</span>')
    if outlet:
        who.append(f'<span class="outlet">outlet: {html.escape(outlet)}</span>')
    return (
        f'<td class="claim"><div class="source">{_esc(row.get(f"source_{side}"))}</div>'
        f'<div class="who">{" · ".join(who)}</div>'
        f"<p>{_highlighted(row.get(f'claim_{side}'), row.get(f'spans_{side}'))}</p></td>"
    )


def _status_cell(row: Mapping[str, Any]) -> str:
    status = _text(row.get("status"))
    badge = f'<span class="badge {status if status in _RANK else ""}">{html.escape(status)}</span>'
    dates = [f"first seen {html.escape(_day(row.get('first_seen')))}"]
    if status == "resolved" and _day(row.get("resolved_on")):
        dates.append(f"resolved {html.escape(_day(row.get('resolved_on')))}")
    return f"<td>{badge}{''.join(f'<div class=when>{d}</div>' for d in dates)}</td>"


def _resolved_by(row: Mapping[str, Any]) -> str:
    """The claim that resolved a finding, when the job names it (``resolved_by``)."""
    text = _text(row.get("resolved_by"))
    return f'<div class="note resolved-by">resolved by: “{html.escape(text)}”</div>' if text else ""


def _story(row: Mapping[str, Any]) -> str:
    """The story (event) the finding belongs to, when the job names it (``story_label``)."""
    label = _text(row.get("story_label"))
    return f'<div class="note story">story: {html.escape(label)}</div>' if label else ""


def _scores_cell(row: Mapping[str, Any]) -> str:
    names = [("similarity", "similarity"), ("p_contradiction", "p(contradiction)"),
             ("p_entailment", "p(entailment)"), ("p_neutral", "p(neutral)")]  # fmt: skip
    lines = "".join(f"<div>{label} <b>{_fmt(row.get(key))}</b></div>" for key, label in names)
    return f'<td class="scores">{lines}</td>'


def _findings_table(frame: pd.DataFrame, testid: str, empty: str) -> str:
    if not len(frame):
        return f'<p class="meta" data-testid="{testid}-empty">{html.escape(empty)}</p>'
    rows = []
    for row in _records(frame.head(TOP)):
        rows.append(
            f'<tr data-testid="finding" data-finding-id="{_esc(row.get("finding_id"))}">'
            f"{_status_cell(row)}"
            f'<td class="num score">{_fmt(row.get("divergence"))}</td>'
            f'<td class="what"><span class="kind">{html.escape(_kind(row))}</span>'
            f'<div class="note">{_esc(row.get("note"))}</div>{_story(row)}'
            f"{_resolved_by(row)}</td>"
            f"{_side(row, 'a')}{_side(row, 'b')}{_scores_cell(row)}</tr>"
        )
    head = ("<tr><th>status</th><th>divergence</th><th>kind</th><th>claim A</th>"
            "<th>claim B</th><th>scores</th></tr>")  # fmt: skip
    more = (
        f'<p class="meta">Showing the first {TOP} of {len(frame)}.</p>' if len(frame) > TOP else ""
    )
    return (
        f'<table class="findings" data-testid="{testid}"><thead>{head}</thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


# ---------------------------------------------------------------- charts


def _ramp(disagreement: float) -> tuple[int, int, int]:
    """The heatmap colour of a disagreement in [0, 1]."""
    x = min(max(disagreement, 0.0), 1.0) * (len(_RAMP) - 1)
    low = min(int(x), len(_RAMP) - 2)
    t = x - low
    a, b = _RAMP[low], _RAMP[low + 1]
    r, g, bl = (round(a[i] + (b[i] - a[i]) * t) for i in range(3))
    return r, g, bl


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(width: float, height: float, label: str, body: str, testid: str) -> str:
    return (
        f'<svg data-testid="{testid}" role="img" aria-label="{html.escape(label)}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">'
        f"{body}</svg>"
    )


def _heatmap_svg(agreement: pd.DataFrame) -> str:
    """Source x source cells coloured by disagreement (1 - agreement); NaN cells grey."""
    rows = [str(s) for s in agreement.index]
    cols = [str(c) for c in agreement.columns]
    if not rows or not cols:
        return '<p class="meta" data-testid="heatmap-empty">No sources to compare yet.</p>'
    n = max(len(rows), len(cols))
    cell = 48 if n <= 8 else max(14, 400 // n)
    char = 6.8  # px per character at 12px
    left = 14 + char * max(len(_short(r)) for r in rows)
    top_len = char * max(len(_short(c)) for c in cols) * 0.71  # labels at 45 degrees
    top = 14 + top_len
    grid_w, grid_h = cell * len(cols), cell * len(rows)
    width = left + grid_w + max(16.0, top_len - cell / 2 + 8)
    legend_y = top + grid_h + 24
    height = legend_y + 44
    parts = []
    for j, col in enumerate(cols):
        x, y = left + (j + 0.5) * cell, top - 6
        parts.append(
            f'<text class="col-label" x="{x:.1f}" y="{y:.1f}" transform="rotate(-45 {x:.1f} {y:.1f})">'
            f"<title>{html.escape(col)}</title>{html.escape(_short(col))}</text>"
        )
    for i, row in enumerate(rows):
        y = top + (i + 0.5) * cell
        parts.append(
            f'<text class="row-label" x="{left - 8:.1f}" y="{y:.1f}" text-anchor="end" '
            f'dominant-baseline="middle"><title>{html.escape(row)}</title>'
            f"{html.escape(_short(row))}</text>"
        )
        for j, col in enumerate(cols):
            value = _number(agreement.iat[i, j])
            x, y0 = left + j * cell, top + i * cell
            if value is None:
                fill, ink, shown, tip = _NAN_FILL, _MUTED, "–", "never paired"
                cls = "cell nan"
            else:
                r, g, b = _ramp(1.0 - value)
                fill, ink = f"rgb({r},{g},{b})", "#fff" if 1.0 - value > 0.55 else _INK
                shown, tip, cls = f"{value:.2f}", f"agreement {value:.2f}", "cell"
            parts.append(
                f'<rect class="{cls}" data-a="{html.escape(row)}" data-b="{html.escape(col)}" '
                f'x="{x}" y="{y0:.1f}" width="{cell}" height="{cell}" fill="{fill}" '
                f'stroke="#fff" stroke-width="1"><title>{html.escape(row)} × '
                f"{html.escape(col)}: {tip}</title></rect>"
            )
            if cell >= 30:
                parts.append(
                    f'<text class="value" x="{x + cell / 2:.1f}" y="{y0 + cell / 2:.1f}" '
                    f'text-anchor="middle" dominant-baseline="middle" fill="{ink}">{shown}</text>'
                )
    stops = "".join(
        f'<stop offset="{k / (len(_RAMP) - 1):.2f}" stop-color="rgb({r},{g},{b})"/>'
        for k, (r, g, b) in enumerate(_RAMP)
    )
    lx = left
    parts.append(
        f'<defs><linearGradient id="disagreement-ramp">{stops}</linearGradient></defs>'
        f'<g class="legend" data-testid="heatmap-legend">'
        f'<rect class="legend-ramp" x="{lx:.1f}" y="{legend_y:.1f}" width="160" height="12" '
        f'fill="url(#disagreement-ramp)" stroke="#c8d0d7"/>'
        f'<text x="{lx:.1f}" y="{legend_y + 28:.1f}" fill="{_MUTED}">0 agree</text>'
        f'<text x="{lx + 160:.1f}" y="{legend_y + 28:.1f}" text-anchor="end" '
        f'fill="{_MUTED}">1 disagree</text>'
        f'<rect class="legend-nan" x="{lx + 184:.1f}" y="{legend_y:.1f}" width="12" height="12" '
        f'fill="{_NAN_FILL}"/><text x="{lx + 202:.1f}" y="{legend_y + 10:.1f}" '
        f'fill="{_MUTED}">never paired</text></g>'
    )
    width = max(width, lx + 300)
    return _svg(width, height, "disagreement between sources", "".join(parts), "heatmap")


def _nice_step(top: int, ticks: int = 5) -> int:
    """A 1, 2 or 5 x 10^k step giving at most ``ticks`` steps up to ``top``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top / (step * factor) <= ticks:
                return step * factor
        step *= 10


def _timeline_svg(history: pd.DataFrame) -> str:
    """Stacked bars per run date: persisting, new and resolved findings."""
    if not len(history) or "date" not in history.columns:
        return '<p class="meta" data-testid="timeline-empty">No runs recorded yet.</p>'
    days = _records(history.assign(_day=history["date"].map(_day)).sort_values("_day"))
    order = ["persisting", "new", "resolved"]  # bottom to top
    totals = [sum(_count(day.get(s)) for s in order) for day in days]
    step = _nice_step(max(max(totals), 1))
    y_max = step * math.ceil(max(max(totals), 1) / step)
    left, right, top, bottom = 56.0, 16.0, 34.0, 64.0
    width = 760.0
    plot_w = width - left - right
    plot_h = 200.0
    height = top + plot_h + bottom
    slot = plot_w / len(days)
    bar = min(slot * 0.7, 48.0)
    every = max(1, math.ceil(len(days) / 12))
    rotate = len(days) > 6
    parts = []
    for k in range(0, y_max + 1, step):  # y grid, ticks and their labels
        y = top + plot_h - plot_h * k / y_max
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8ec"/>'
            f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'fill="{_MUTED}">{k}</text>'
        )
    for index, (day, total) in enumerate(zip(days, totals, strict=True)):
        x = left + index * slot + (slot - bar) / 2
        y = top + plot_h
        values = {s: _count(day.get(s)) for s in STATUSES}
        tip = f"{day['_day']}: " + ", ".join(f"{values[s]} {s}" for s in STATUSES)
        rects = []
        for status in order:
            h = plot_h * values[status] / y_max
            y -= h
            if h > 0:
                rects.append(
                    f'<rect class="{status}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{_STATUS_COLOURS[status]}"/>'
                )
        parts.append(
            f'<g class="day" data-date="{html.escape(day["_day"])}" data-total="{total}">'
            f"<title>{html.escape(tip)}</title>{''.join(rects)}</g>"
        )
        if index % every == 0:
            cx, ly = left + (index + 0.5) * slot, top + plot_h + 16
            spin = f' transform="rotate(-35 {cx:.1f} {ly:.1f})"' if rotate else ""
            anchor = "end" if rotate else "middle"
            parts.append(
                f'<text class="date" x="{cx:.1f}" y="{ly:.1f}" text-anchor="{anchor}"{spin} '
                f'fill="{_INK}">{html.escape(day["_day"])}</text>'
            )
    axis_y = top + plot_h
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{axis_y}" y2="{axis_y}" stroke="{_MUTED}"/>'
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{axis_y}" stroke="{_MUTED}"/>'
        f'<text class="axis-label" x="{left + plot_w / 2:.1f}" y="{height - 6:.1f}" '
        f'text-anchor="middle" fill="{_INK}">run date</text>'
        f'<text class="axis-label" x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.1f})" fill="{_INK}">findings</text>'
    )
    legend = []
    for k, status in enumerate(STATUSES):
        lx = left + k * 110
        legend.append(
            f'<rect x="{lx}" y="8" width="12" height="12" fill="{_STATUS_COLOURS[status]}"/>'
            f'<text x="{lx + 18}" y="18" fill="{_INK}">{status}</text>'
        )
    parts.append(f'<g class="legend" data-testid="timeline-legend">{"".join(legend)}</g>')
    return _svg(width, height, "findings per run date", "".join(parts), "timeline")


# ---------------------------------------------------------------- page

_NIGHTLY_CSS = """
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:.5rem 0 .25rem}
.card{border:1px solid #dde3e8;border-radius:.5rem;padding:.5rem 1rem;min-width:7rem;background:#fbfcfd}
.card b{display:block;font-size:1.7rem;line-height:1.2;font-variant-numeric:tabular-nums}
.card span{color:#5f6b76;font-size:.85em}
.card.new b{color:#b03a2e} .card.persisting b{color:#c77c0e} .card.resolved b{color:#2f6f9f}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.8em;font-weight:600;color:#fff;background:#5f6b76}
.badge.new{background:#b03a2e} .badge.persisting{background:#c77c0e} .badge.resolved{background:#2f6f9f}
.when{color:#5f6b76;font-size:.8em;margin-top:.3rem;white-space:nowrap}
.who{color:#5f6b76;font-size:.82em} td.claim{width:30%} td.claim p{margin:.3rem 0 0}
td.what{min-width:9rem;max-width:12rem}
td.score{font-weight:600;font-size:1.05em} .scores{font-size:.8em;color:#3c4852;white-space:nowrap}
.scores b{font-weight:600;font-variant-numeric:tabular-nums}
svg{max-width:100%;height:auto;font:12px system-ui,-apple-system,Segoe UI,Roboto,sans-serif;display:block;margin-bottom:1rem}
h2{margin-top:2rem;border-bottom:1px solid #dde3e8;padding-bottom:.3rem}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}{_NIGHTLY_CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def render_nightly_html(result: NightlyResultLike) -> str:
    """The nightly page: counts, open and resolved findings, source heatmap and timeline.

    Open findings are listed highest divergence first (new before persisting on a tie),
    at most :data:`TOP` of them; every text is escaped and evidence spans are marked.
    """
    findings = result.findings
    open_ = _sorted(findings, ["new", "persisting"], ["-divergence", "status", "finding_id"])
    resolved = _sorted(findings, ["resolved"], ["-resolved_on", "-divergence", "finding_id"])
    n_sources = len(result.agreement.index)
    body = (
        f"<h1>divergence nightly report: {html.escape(_day(result.date))}</h1>"
        f"{_cards(result)}"
        f"<h2>Top divergences</h2>"
        f'<p class="meta">Open findings, highest divergence first; evidence is '
        f"<mark>marked</mark>.</p>"
        f"{_findings_table(open_, 'divergences', 'No open divergences.')}"
        f"<h2>Resolved</h2>"
        f'<p class="meta">Findings resolved in this run: a newer claim from one side no '
        f"longer diverges from the other.</p>"
        f"{_findings_table(resolved, 'resolved', 'Nothing resolved in this run.')}"
        f"<h2>Disagreement between sources</h2>"
        f'<p class="meta">{n_sources} sources; each cell is 1 - agreement of their paired '
        f"claims (darker: they disagree more).</p>{_heatmap_svg(result.agreement)}"
        f"<h2>Divergences over time</h2>"
        f'<p class="meta">Findings per run: new, still open (persisting) and resolved.</p>'
        f"{_timeline_svg(result.history)}"
    )
    return _page(f"divergence nightly {_day(result.date)}", body)
