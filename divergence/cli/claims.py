"""``divergence claims``: the check-worthy claims of documents, with speakers and offsets."""

from __future__ import annotations

import sys

import click
import pandas as pd

from divergence.claims import MIN_CHECKWORTHINESS, extract_claims
from divergence.cli import cli
from divergence.cli.options import input_options, output_options, resolve_format, verbosity_options
from divergence.documents import load_documents
from divergence.output import check_not_input
from divergence.render import emit, render_frame

COLUMNS = ["id", "outlet", "speaker", "text", "start", "end", "checkworthiness"]


@cli.command(name="claims")
@click.argument("inputs", nargs=-1, required=True)
@input_options
@output_options
@click.option(
    "--min-checkworthiness",
    type=click.FloatRange(0, 1),
    default=MIN_CHECKWORTHINESS,
    show_default=True,
    help="Keep sentences whose check-worthiness reaches this.",
)
@verbosity_options
def claims_command(
    inputs: tuple[str, ...],
    input_format: str | None,
    skip_invalid: bool,
    max_chars: int,
    fmt: str | None,
    output: str | None,
    min_checkworthiness: float,
) -> None:
    """List the check-worthy claims in documents, with outlet, speaker and offsets.

    \b
    Example:
        divergence claims data/examples/cairo-truce-talks-2024-04-08.txt -f jsonl
    """
    fmt = resolve_format(fmt, output)
    check_not_input(output, inputs)  # refused now, not after the work is done
    documents = load_documents(
        inputs, format=input_format, skip_invalid=skip_invalid, max_chars=max_chars
    )
    found = extract_claims(documents, min_checkworthiness=min_checkworthiness)
    frame = pd.DataFrame([c.__dict__ for c in found], columns=[*COLUMNS, "doc_id", "published"])
    if fmt in ("table", "markdown"):
        frame = frame[COLUMNS]
    emit(render_frame(frame, fmt, title=f"{len(found)} claims"), output,
         sys.stdout, inputs=inputs)  # fmt: skip
