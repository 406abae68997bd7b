"""Render reports and tables as a terminal table, Markdown, CSV, JSON(L), Parquet or HTML.

Files are written by divergence.output (atomically); ``write_atomic`` and ``emit`` are
imported here too, where they used to live.
"""

from __future__ import annotations

import html
import io
import json
import math
import shutil
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

import pandas as pd

from divergence.output import emit as emit
from divergence.output import write_atomic as write_atomic
from divergence.report import Report


class Format(str, Enum):
    """Output formats; plain strings are accepted too."""

    TABLE = "table"
    MARKDOWN = "markdown"
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"
    HTML = "html"
    PARQUET = "parquet"


#: The columns a person reads; machine formats carry every column.
READABLE = [
    "divergence",
    "kind",
    "source_a",
    "claim_a",
    "source_b",
    "claim_b",
    "evidence_a",
    "evidence_b",
]
_SUFFIX_FORMATS = {".md": "markdown", ".csv": "csv", ".json": "json", ".jsonl": "jsonl",
                   ".html": "html", ".htm": "html", ".parquet": "parquet", ".txt": "table"}  # fmt: skip


def format_for_path(path: str | Path) -> str | None:
    """The format a file name asks for by its suffix, if any."""
    return _SUFFIX_FORMATS.get(Path(path).suffix.lower())


def _missing(value: Any) -> bool:
    """None, or the NaN pandas puts in its place in text columns."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _kind(row: Any) -> str:
    """A pair's divergence type, or its label when no typed check fired."""
    return str(row.label if _missing(row.kind) else row.kind)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts with JSON-safe values (NaN becomes None)."""
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", force_ascii=False))
    return rows


def _highlight(text: str, spans: Any, wrap: Callable[[str], str],
               escape: Callable[[str], str]) -> str:  # fmt: skip
    """``text`` with each evidence span (``[start, end]`` pairs) wrapped; overlaps merge."""
    merged: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, cursor = [], 0
    for start, end in merged:
        out.append(escape(text[cursor:start]))
        out.append(wrap(escape(text[start:end])))
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def render_frame(frame: pd.DataFrame, fmt: Format | str, *, title: str = "") -> str | bytes:
    """Any DataFrame in any format (used for claims; reports add their own layout)."""
    fmt = Format(fmt)
    if fmt is Format.CSV:
        flat = frame.copy()
        for col in flat.columns:
            if flat[col].map(lambda v: isinstance(v, list | dict)).any():
                flat[col] = flat[col].map(lambda v: json.dumps(v, ensure_ascii=False))
        return str(flat.to_csv(index=False, lineterminator="\n"))
    if fmt is Format.JSON:
        return json.dumps(_records(frame), ensure_ascii=False, indent=2) + "\n"
    if fmt is Format.JSONL:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(frame))
    if fmt is Format.PARQUET:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    if fmt is Format.MARKDOWN:
        return _markdown(frame) + "\n"
    if fmt is Format.HTML:
        body = frame.to_html(index=False, escape=True, border=0, classes="frame")
        return _page(title or "divergence", body)
    return _rich_table(frame, title)


def _markdown(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        if _missing(v):
            return ""
        text = f"{v:.2f}" if isinstance(v, float) else str(v)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return "\n".join(lines)


def _rich_table(frame: pd.DataFrame, title: str) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=True)
    for col in frame.columns:
        table.add_column(str(col), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(
            *("" if _missing(v) else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row)
        )
    buffer = io.StringIO()
    Console(file=buffer, width=160, force_terminal=False, color_system=None).print(table)
    return buffer.getvalue()


def render(
    report: Report, fmt: Format | str, *, all_pairs: bool = False, color: bool = False
) -> str | bytes:
    """A report's flagged divergences (every scored pair with ``all_pairs``) in one format.

    ``color`` styles the terminal table for a terminal; without it evidence is «marked».
    """
    fmt = Format(fmt)
    pairs = report.pairs if all_pairs else report.divergences
    if fmt is Format.JSON:
        document = {
            "options": report.options,
            "sources": report.sources,
            "pairs": _records(pairs),
            "findings": _records(report.findings),
            "stories": _records(report.stories),
            "agreement": json.loads(report.summary.to_json(orient="index")),
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if fmt is Format.HTML:
        return render_html(report, all_pairs=all_pairs)
    if fmt is Format.TABLE:
        if all_pairs:
            return _report_table(report, pairs, color)
        return _findings_table(report, color)
    if fmt is Format.MARKDOWN:
        return _markdown(pairs[READABLE]) + "\n" if len(pairs) else "No divergences.\n"
    return render_frame(pairs, fmt)


def _report_table(report: Report, pairs: pd.DataFrame, color: bool) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    n_sources = len(report.sources)
    n = len(report.divergences)
    title = f"{n} divergence{'s' * (n != 1)} across {n_sources} sources"
    if len(pairs) != n:
        title += f" ({len(pairs)} pairs shown)"
    table = Table(title=title, show_lines=True)
    for name, kwargs in [("score", {"justify": "right"}), ("kind", {}), ("source A", {}),
                         ("claim A", {"ratio": 1}), ("source B", {}), ("claim B", {"ratio": 1})]:  # fmt: skip
        table.add_column(name, overflow="fold", **kwargs)  # type: ignore[arg-type]

    def bold(s: str) -> str:
        return f"[bold reverse]{s}[/]" if color else f"«{s}»"

    for row in pairs.itertuples(index=False):
        table.add_row(
            f"{row.divergence:.2f}", _kind(row),
            escape(str(row.source_a)), _highlight(str(row.claim_a), row.spans_a, bold, escape),
            escape(str(row.source_b)), _highlight(str(row.claim_b), row.spans_b, bold, escape),
        )  # fmt: skip
    buffer = io.StringIO()
    width = shutil.get_terminal_size((160, 40)).columns if color else 160
    console = Console(file=buffer, width=width, force_terminal=color,
                      color_system="standard" if color else None)  # fmt: skip
    console.print(table if len(pairs) else f"No divergences across {n_sources} sources.")
    return buffer.getvalue()


def _findings_table(report: Report, color: bool) -> str:
    """The findings, one table per story, best first: what a fact-checker reads."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    findings = report.findings
    n, n_sources = len(findings), len(report.sources)
    buffer = io.StringIO()
    width = shutil.get_terminal_size((160, 40)).columns if color else 160
    console = Console(file=buffer, width=width, force_terminal=color,
                      color_system="standard" if color else None)  # fmt: skip
    if not n:
        console.print(f"No divergences across {n_sources} sources.")
        return buffer.getvalue()
    pairs = len(report.divergences)
    console.print(f"{n} finding{'s' * (n != 1)} ({pairs} flagged pair{'s' * (pairs != 1)}) "
                  f"across {n_sources} sources")  # fmt: skip

    def bold(s: str) -> str:
        return f"[bold reverse]{s}[/]" if color else f"«{s}»"

    by_story = findings.groupby(findings["story"].fillna(""), sort=False)
    for _, rows in by_story:
        label = rows["story_label"].iloc[0]
        table = Table(title=f"story: {escape(str(label))}" if isinstance(label, str) else None,
                      show_lines=True)  # fmt: skip
        for name, kwargs in [("#", {"justify": "right"}), ("score", {"justify": "right"}),
                             ("kind", {}), ("claim", {"ratio": 1}), ("printed by", {}),
                             ("against", {"ratio": 1}), ("printed by ", {})]:  # fmt: skip
            table.add_column(name, overflow="fold", **kwargs)  # type: ignore[arg-type]
        row: Any
        for row in rows.itertuples(index=False):
            counter = "\n".join(f"• {c}" for c in row.counter_claims)
            sides = [e for e in str(row.evidence or "").split(" | ") if e]
            evidence = "\n" + " vs ".join(bold(escape(e)) for e in sides) if sides else ""
            table.add_row(
                str(row.rank), f"{row.divergence:.2f}", escape(str(row.kind or "")),
                escape(str(row.claim)) + evidence, escape(", ".join(row.witnesses)),
                escape(counter), escape(", ".join(row.counter_witnesses)),
            )  # fmt: skip
        console.print(table)
    return buffer.getvalue()


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;color:#1d2327;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} .meta{color:#5f6b76;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%;margin-bottom:2rem} th,td{border-bottom:1px solid #dde3e8;padding:.5rem;vertical-align:top;text-align:left}
th{background:#f3f6f8;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
mark{background:#ffd966;padding:0 .1em;border-radius:2px} .source{font-weight:600;color:#0b5394} .outlet{color:#5f6b76;font-size:.85em}
.kind{display:inline-block;padding:.05rem .45rem;border-radius:1rem;background:#eef1f4;font-size:.85em} .note{color:#5f6b76;font-size:.85em}
table.matrix td{text-align:center;font-variant-numeric:tabular-nums}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def render_html_table(report: Report, *, all_pairs: bool = False) -> str:
    """The divergences as an HTML table with evidence highlighted (no page around it)."""
    pairs = report.pairs if all_pairs else report.divergences
    if not len(pairs):
        return "<p>No divergences.</p>"
    mark: Callable[[str], str] = lambda s: f"<mark>{s}</mark>"  # noqa: E731
    rows = []
    for row in pairs.itertuples(index=False):
        sides = []
        for claim, source, outlet, spans in [(row.claim_a, row.source_a, row.outlet_a, row.spans_a),
                                             (row.claim_b, row.source_b, row.outlet_b, row.spans_b)]:  # fmt: skip
            via = (
                f'<div class="outlet">via {html.escape(str(outlet))}</div>'
                if str(outlet) != str(source)
                else ""
            )
            sides.append(f'<td><div class="source">{html.escape(str(source))}</div>{via}'
                         f"{_highlight(str(claim), spans, mark, html.escape)}</td>")  # fmt: skip
        rows.append(
            f'<tr><td class="num">{row.divergence:.2f}</td>'
            f'<td><span class="kind">{html.escape(_kind(row))}</span>'
            f'<div class="note">{html.escape(str(row.note))}</div></td>{"".join(sides)}'
            f'<td class="num">{row.similarity:.2f}</td><td class="num">{row.p_contradiction:.2f}</td></tr>'
        )
    head = ("<tr><th>divergence</th><th>kind</th><th>claim A</th><th>claim B</th>"
            "<th>similarity</th><th>p(contradiction)</th></tr>")  # fmt: skip
    return f'<table class="divergences"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _matrix_html(summary: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in summary.columns)
    rows = []
    for source, values in summary.iterrows():
        cells = []
        for v in values:
            if isinstance(v, float) and math.isnan(v):
                cells.append('<td style="color:#aab4bd">–</td>')
            else:
                red = int(255 * (1 - float(v)))  # disagreement shows as red
                cells.append(
                    f'<td style="background:rgb(255,{255 - red // 2},{255 - red})">{float(v):.2f}</td>'
                )
        rows.append(f"<tr><th>{html.escape(str(source))}</th>{''.join(cells)}</tr>")
    return f'<table class="matrix"><thead><tr><th></th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _findings_html(report: Report) -> str:
    """One section per story: its findings, each claim with its witnesses against the rest."""
    findings = report.findings
    if not len(findings):
        return "<p>No divergences.</p>"
    esc = html.escape
    sections = []
    for _, rows in findings.groupby(findings["story"].fillna(""), sort=False):
        label = rows["story_label"].iloc[0]
        items = []
        row: Any
        for row in rows.itertuples(index=False):
            against = "".join(f"<li>{esc(c)}</li>" for c in row.counter_claims)
            items.append(
                f'<tr class="finding"><td class="num">{row.rank}</td>'
                f'<td class="num">{row.divergence:.2f}</td>'
                f'<td><span class="kind">{esc(str(row.kind or ""))}</span>'
                f'<div class="note">{esc(row.note)}</div></td>'
                f'<td>{esc(row.claim)}<div class="outlet">{esc(", ".join(row.witnesses))}</div></td>'
                f'<td><ul>{against}</ul><div class="outlet">{esc(", ".join(row.counter_witnesses))}'
                "</div></td></tr>"
            )
        head = ("<tr><th>#</th><th>score</th><th>kind</th><th>claim (printed by)</th>"
                "<th>against (printed by)</th></tr>")  # fmt: skip
        title = f"<h3>{esc(label)}</h3>" if isinstance(label, str) else ""
        sections.append(f'{title}<table class="findings"><thead>{head}</thead>'
                        f'<tbody>{"".join(items)}</tbody></table>')  # fmt: skip
    return "".join(sections)


def render_html(report: Report, *, all_pairs: bool = False) -> str:
    """A self-contained HTML page: counts, divergences side by side, agreement matrix."""
    n = len(report.divergences)
    options = ", ".join(f"{k}={v}" for k, v in report.options.items())
    body = (
        f'<h1>divergence report</h1><div class="meta">{n} divergence{"s" * (n != 1)} flagged among '
        f"{len(report.pairs)} scored pairs, {len(report.claims)} claims, {len(report.sources)} sources"
        f"<br>{html.escape(options)}</div>"
        f"<h2>Findings by story</h2>{_findings_html(report)}"
        f"<h2>{'Every scored pair' if all_pairs else 'Flagged pairs'}</h2>"
        f"{render_html_table(report, all_pairs=all_pairs)}"
        f'<h2>Agreement between sources</h2><p class="meta">1 = their paired claims agree, '
        f"0 = they diverge; – = never paired.</p>{_matrix_html(report.summary)}"
    )
    return _page("divergence report", body)
