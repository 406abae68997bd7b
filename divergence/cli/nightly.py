"""``divergence nightly``: the incremental job for cron; exit 0 nothing new, 1 new findings, 2 trouble."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from divergence.cli import cli
from divergence.cli.options import (
    input_options,
    model_options,
    profile_option,
    progress_enabled,
    stories_option,
    verbosity_options,
)
from divergence.documents import load_documents
from divergence.engine import ENGINES, get_engine
from divergence.errors import InputError
from divergence.nightly import (
    MAX_WINDOW_DAYS,
    WINDOW_DAYS,
    parse_date,
    parse_window,
    run_nightly,
)
from divergence.output import check_not_input, emit
from divergence.pairing import MIN_SIMILARITY, MIN_TOPIC, TOP_K
from divergence.pipeline import By
from divergence.profiling import StageTimer
from divergence.scoring import CALIBRATED_THRESHOLD, THRESHOLD
from divergence.store import ENV_DB, user_dir

#: What each night writes to OUT/DATE/: never one of the inputs.
OUTPUT_FILES = ("findings.parquet", "findings.csv", "summary.json", "report.html")


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else parse_date(value).isoformat()
    except InputError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _window(ctx: click.Context, param: click.Parameter, value: str) -> int:
    try:
        return parse_window(value)
    except InputError:
        if re.fullmatch(r"\s*[1-9]\d*d\s*", value):
            raise click.BadParameter(f"{value!r} is more than {MAX_WINDOW_DAYS} days") from None
        raise click.BadParameter(f"{value!r} is not a number of days such as 7d") from None


@cli.command(name="nightly")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--db", type=click.Path(dir_okay=False), envvar=ENV_DB, default=None,
              help="The SQLite database to keep history in "
                   f"[env {ENV_DB}; default: $DIVERGENCE_HOME/divergence.db].")  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Write reports to OUT/DATE/ [default: $DIVERGENCE_HOME/reports].")  # fmt: skip
@click.option("--date", callback=_date, default=None, metavar="YYYY-MM-DD",
              help="The night's date [default: today].")  # fmt: skip
@click.option("--window", callback=_window, default=f"{WINDOW_DAYS}d", show_default=True,
              metavar="Nd", help="Compare against the documents of the last N days.")  # fmt: skip
@input_options
@model_options
@click.option("--by", type=click.Choice([b.value for b in By]), default=By.SPEAKER.value,
              show_default=True, help="Compare the speakers quoted, or the outlets printing them.")  # fmt: skip
@stories_option
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              envvar="DIVERGENCE_THRESHOLD",
              help=f"Flag pairs whose divergence reaches this [default: {CALIBRATED_THRESHOLD} on "
                   f"the calibrated score of the shipped model, {THRESHOLD} for other scorers].")  # fmt: skip
@click.option("--top-k", type=click.IntRange(min=1), default=TOP_K, show_default=True,
              help="Partners kept per claim and per other source.")  # fmt: skip
@click.option("--min-similarity", type=click.FloatRange(-1, 1), default=MIN_SIMILARITY,
              show_default=True, help="Least cosine similarity for two claims to be paired.")  # fmt: skip
@click.option("--min-topic", type=click.FloatRange(0, 1), default=MIN_TOPIC, show_default=True,
              help="Least topic score (cosine lifted by shared key terms) to be paired.")  # fmt: skip
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="Where embedding and scoring run: in this process, or on Ray actors "
                   "(pip install divergence[ray]; see docs/ray.md).")  # fmt: skip
@click.option("--address", default=None, metavar="ADDR",
              help="The Ray cluster for --engine ray: auto, or ray://HEAD:10001 "
                   "[default: $RAY_ADDRESS, else a local Ray on this machine's CPUs].")  # fmt: skip
@profile_option
@verbosity_options
def nightly_command(
    inputs: tuple[str, ...],
    db: str | None,
    out: str | None,
    date: str | None,
    window: int,
    input_format: str | None,
    skip_invalid: bool,
    max_chars: int,
    embedder: str | None,
    scorer: str | None,
    by: str,
    stories: str,
    threshold: float | None,
    top_k: int,
    min_similarity: float,
    min_topic: float,
    engine: str,
    address: str | None,
    profile: bool,
) -> None:
    """Add the day's articles to a database and report new, persisting and resolved divergences.

    INPUTS are files or folders as for ``diff``; articles already in the database are
    skipped, and claims, embeddings and scores are computed once and kept. New claims are
    compared against the last --window days, within the story (event) of their document.
    Writes findings.parquet, findings.csv, summary.json (and report.html) to OUT/DATE/ and
    prints one summary line.
    Exit status: 0 no new findings, 1 new findings, 2 trouble.

    \b
    Example:
        divergence nightly /srv/crawl/$(date +%F)/ --db news.db --out reports/
        divergence nightly /srv/crawl/$(date +%F)/ --db news.db --engine ray --address auto
    """
    if address and engine != "ray":
        raise click.UsageError("--address needs --engine ray")
    night = Path(out) if out else user_dir() / "reports"
    for name in OUTPUT_FILES:  # before any work: tonight's files must not replace an input
        check_not_input(night / parse_date(date).isoformat() / name, inputs)
    runner = get_engine(engine, address=address)  # before reading: a missing Ray fails fast
    timer = StageTimer()
    with timer.stage("read inputs"):
        documents = load_documents(
            inputs, format=input_format, skip_invalid=skip_invalid, max_chars=max_chars
        )
    with runner:
        result = run_nightly(
            documents, db=db, out=out, date=date, window_days=window, embedder=embedder,
            scorer=scorer, by=by, stories=stories, threshold=threshold, top_k=top_k,
            min_similarity=min_similarity, min_topic=min_topic, progress=progress_enabled(),
            engine=runner, timer=timer,
        )  # fmt: skip
    emit(result.summary_line() + "\n", None, sys.stdout)  # a closed or full stdout: one line
    if profile:
        c = result.counts
        click.echo(timer.table(), err=True)
        click.echo(f"pairs: {c['pairs_window']:,} in the window; {c['pairs_scored']:,} sent to "
                   f"the scorer, {c['pairs_reused']:,} from the cache", err=True)  # fmt: skip
    sys.exit(1 if result.counts["new"] else 0)
