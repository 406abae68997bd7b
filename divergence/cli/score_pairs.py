"""``divergence score-pairs``: score given text pairs (the contract outside evaluation uses)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import click
import numpy as np

from divergence.cli import cli
from divergence.cli.options import model_options, progress_enabled, verbosity_options
from divergence.documents import MAX_CHARS, read_json_lines
from divergence.embeddings import get_embedder
from divergence.errors import InputError
from divergence.output import check_not_input
from divergence.progress import progress_bar
from divergence.render import emit
from divergence.scoring import get_scorer, score_texts

log = logging.getLogger("divergence")


def read_pairs(path: str, skip_invalid: bool) -> list[dict[str, Any]]:
    """``{"id", "a", "b"}`` objects from JSON lines, with line numbers in every error."""
    name = "<stdin>" if path == "-" else path
    records, skipped = [], 0
    for lineno, record in read_json_lines(path):
        if isinstance(record, InputError):
            if not skip_invalid:
                raise record
            skipped += 1
            continue
        if not isinstance(record, dict):
            problem = "expected an object"
        elif not isinstance(record.get("a"), str) or not isinstance(record.get("b"), str):
            problem = "needs string fields 'a' and 'b'"
        elif max(len(record["a"]), len(record["b"])) > MAX_CHARS:
            problem = f"a text longer than {MAX_CHARS:,} characters"
        else:
            records.append(record)
            continue
        if not skip_invalid:
            raise InputError(f"{name}:{lineno}: {problem}")
        skipped += 1
    if skipped:
        log.warning("%s: skipped %d invalid line%s", name, skipped, "" if skipped == 1 else "s")
    return records


@cli.command(name="score-pairs")
@click.argument("pairs", default="-")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write JSON lines to this file (atomically) instead of stdout.",
)
@click.option("--skip-invalid", is_flag=True, help="Skip malformed lines (and say how many).")
@model_options
@verbosity_options
def score_pairs_command(
    pairs: str, output: str | None, skip_invalid: bool, embedder: str | None, scorer: str | None
) -> None:
    """Score text pairs given as JSON lines {"id", "a", "b"} (id optional).

    Each output line is the input object plus similarity (cosine), p_contradiction,
    p_entailment, p_neutral, label, divergence and kind.

    \b
    Example:
        echo '{"id": 1, "a": "40 people died.", "b": "33 people died."}' | divergence score-pairs
    """
    name = "<stdin>" if pairs == "-" else pairs
    check_not_input(output, [pairs])  # refused now, not after the work is done
    records = read_pairs(pairs, skip_invalid)
    if not records:
        raise InputError(f"{name}: no pairs to score")
    texts = [(r["a"], r["b"]) for r in records]
    model = get_embedder(embedder)
    with progress_bar(2 * len(texts), "embedding pairs", enabled=progress_enabled()) as update:
        va = model.embed([a for a, _ in texts], progress=update)
        vb = model.embed([b for _, b in texts], progress=update)
    similarity = np.sum(va * vb, axis=1)
    with progress_bar(len(texts), "scoring pairs", enabled=progress_enabled()) as update:
        scores = score_texts(texts, scorer=get_scorer(scorer), progress=update)
    lines = []
    for record, sim, score in zip(records, similarity.tolist(), scores, strict=True):
        out = {
            **record, "similarity": round(sim, 4), "p_contradiction": score.p_contradiction,
            "p_entailment": score.p_entailment, "p_neutral": score.p_neutral,
            "label": score.label, "divergence": score.divergence, "kind": score.kind,
        }  # fmt: skip
        lines.append(json.dumps(out, ensure_ascii=False) + "\n")
    emit("".join(lines), output, sys.stdout, inputs=[pairs])
