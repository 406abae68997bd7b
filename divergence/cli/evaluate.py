"""``divergence evaluate``: measure a scorer on labelled pairs."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from divergence.cli import cli
from divergence.cli.options import verbosity_options
from divergence.evaluate import Evaluation, evaluate
from divergence.nlidata import EVAL_FORMATS, SPLITS, guess_format, read_pairs, split
from divergence.scoring import get_scorer


def _table(result: Evaluation, title: str) -> str:
    from rich.console import Console
    from rich.table import Table

    def fmt(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.4f}"

    summary = Table(title=title, show_header=False)
    for name, value in [("pairs", str(result.n)), ("scorer", result.scorer),
                        ("accuracy", fmt(result.accuracy)), ("model accuracy (argmax)", fmt(result.model_accuracy)),
                        ("macro-F1", fmt(result.macro_f1)),
                        ("ROC-AUC p_contradiction", fmt(result.roc_auc_contradiction)),
                        ("ROC-AUC divergence", fmt(result.roc_auc_divergence)),
                        ("expected calibration error", fmt(result.ece))]:  # fmt: skip
        summary.add_row(name, value)
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, color_system=None)
    console.print(summary)
    if result.per_class:
        classes = Table(title="per class")
        for col in ("label", "precision", "recall", "F1", "support"):
            classes.add_column(col, justify="left" if col == "label" else "right")
        for label, m in result.per_class.items():
            classes.add_row(label, fmt(m.precision), fmt(m.recall), fmt(m.f1), str(m.support))
        console.print(classes)
    if result.confusion:
        confusion = Table(title="confusion (rows: true, columns: predicted)")
        confusion.add_column("")
        for label in result.labels:
            confusion.add_column(label, justify="right")
        for label, row in zip(result.labels, result.confusion, strict=True):
            confusion.add_row(label, *(str(v) for v in row))
        console.print(confusion)
    return buffer.getvalue()


@cli.command(name="evaluate")
@click.option(
    "--data", "path", required=True, type=click.Path(dir_okay=False), help="Labelled pairs."
)
@click.option("--format", "fmt", type=click.Choice(EVAL_FORMATS), default=None,
              help="nli (JSONL premise/hypothesis/label, FEVER claim/evidence), claimdiff or sick "
                   "[default: from the file name].")  # fmt: skip
@click.option(
    "--split",
    "part",
    type=click.Choice([*SPLITS, "all"]),
    default="all",
    show_default=True,
    help="Evaluate one split of divergence's deterministic train/dev/test split, or all pairs.",
)
@click.option(
    "--scorer",
    envvar="DIVERGENCE_SCORER",
    default=None,
    help="Scorer to measure [default: the shipped divergence-nli model].",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N pairs.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@verbosity_options
def evaluate_command(path: str, fmt: str | None, part: str, scorer: str | None,
                     limit: int | None, as_json: bool) -> None:  # fmt: skip
    """Measure a scorer: accuracy, per-class P/R/F1, macro-F1, ROC-AUC, confusion, ECE.

    \b
    Example:
        divergence evaluate --data mnli.jsonl --split test
        divergence evaluate --data ClaimDiff-weak-train.json --format claimdiff --json
    """
    fmt = fmt or guess_format(path)
    pairs = read_pairs(path, fmt)
    if part != "all":
        pairs = split(pairs, part)
    pairs = pairs[:limit] if limit else pairs
    if not pairs:
        raise click.UsageError(f"no pairs in {path} ({part} split)")
    result = evaluate(pairs, get_scorer(scorer))
    if as_json:
        sys.stdout.write(json.dumps({"data": path, "format": fmt, "split": part, **asdict(result)},
                                    indent=2) + "\n")  # fmt: skip
    else:
        sys.stdout.write(_table(result, f"{Path(path).name} ({fmt}, {part} split)"))
