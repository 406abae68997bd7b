"""``divergence diff``: flag where sources disagree; exit 0 none, 1 some, 2 trouble."""

from __future__ import annotations

import sys

import click

from divergence.cli import cli
from divergence.cli.options import (
    input_options,
    model_options,
    output_options,
    profile_option,
    progress_enabled,
    resolve_format,
    stories_option,
    verbosity_options,
)
from divergence.documents import load_documents
from divergence.errors import NothingToCompare
from divergence.output import check_not_input, is_terminal
from divergence.pairing import MIN_SIMILARITY, MIN_TOPIC, TOP_K
from divergence.pipeline import By, compare
from divergence.profiling import StageTimer
from divergence.render import emit, render
from divergence.scoring import CALIBRATED_THRESHOLD, THRESHOLD


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@input_options
@output_options
@model_options
@click.option(
    "--by",
    type=click.Choice([b.value for b in By]),
    default=By.SPEAKER.value,
    show_default=True,
    help="Compare the speakers quoted, or the outlets printing them.",
)
@stories_option
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=None,
    envvar="DIVERGENCE_THRESHOLD",
    help=f"Flag pairs whose divergence reaches this [default: {CALIBRATED_THRESHOLD} on the "
    f"calibrated score of the shipped model, {THRESHOLD} for other scorers].",
)
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    default=TOP_K,
    show_default=True,
    help="Partners kept per claim and per other source.",
)
@click.option(
    "--min-similarity",
    type=click.FloatRange(-1, 1),
    default=MIN_SIMILARITY,
    show_default=True,
    help="Least cosine similarity for two claims to be paired.",
)
@click.option(
    "--min-topic",
    type=click.FloatRange(0, 1),
    default=MIN_TOPIC,
    show_default=True,
    help="Least topic score (cosine lifted by shared key terms) to be paired.",
)
@click.option(
    "--all", "all_pairs", is_flag=True, help="Output every scored pair, not only flagged ones."
)
@profile_option
@verbosity_options
def diff(
    inputs: tuple[str, ...],
    input_format: str | None,
    skip_invalid: bool,
    max_chars: int,
    fmt: str | None,
    output: str | None,
    embedder: str | None,
    scorer: str | None,
    by: str,
    stories: str,
    threshold: float | None,
    top_k: int,
    min_similarity: float,
    min_topic: float,
    all_pairs: bool,
    profile: bool,
) -> None:
    """Compare documents and flag where their sources disagree.

    INPUTS are files (.jsonl .json .csv .tsv .parquet .txt .html), folders of them, or -
    for standard input. Exit status: 0 no divergence, 1 divergences flagged, 2 trouble.

    \b
    Examples:
        divergence diff a.txt b.txt
        divergence diff corpus.jsonl --by outlet -o report.html
    """
    fmt = resolve_format(fmt, output)
    check_not_input(output, inputs)  # refused now, not after the work is done
    timer = StageTimer()
    with timer.stage("read inputs"):
        documents = load_documents(
            inputs, format=input_format, skip_invalid=skip_invalid, max_chars=max_chars
        )
    try:
        report = compare(
            documents, by=by, embedder=embedder, scorer=scorer, top_k=top_k,
            min_similarity=min_similarity, min_topic=min_topic, threshold=threshold,
            progress=progress_enabled(), timer=timer, stories=stories,
        )  # fmt: skip
    except NothingToCompare as e:
        click.echo(f"divergence: {e}", err=True)
        sys.exit(0)
    stdout = sys.stdout
    color = output is None and is_terminal(stdout)
    with timer.stage("render"):
        emit(render(report, fmt, all_pairs=all_pairs, color=color), output, stdout,
             inputs=inputs)  # fmt: skip
    if profile:
        click.echo(timer.table(), err=True)
        click.echo(f"pairing: {report.options['pairing']}", err=True)
    sys.exit(1 if len(report.divergences) else 0)
