"""``divergence train-combiner``: fit the calibrated score on labelled news-like pairs."""

from __future__ import annotations

from pathlib import Path

import click

from divergence.cli import cli
from divergence.cli.options import verbosity_options
from divergence.combine import COMBINER_NAME
from divergence.combine_train import train_combiner
from divergence.scoring import get_scorer


@cli.command(name="train-combiner")
@click.option(
    "--datasets",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    required=True,
    help="The folder of public labelled sets (../shared/datasets).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data/models") / COMBINER_NAME,
    show_default=True,
    help="Folder for combiner.json and card.json.",
)
@click.option("--scorer", default=None, help="The contradiction model whose outputs it weighs.")
@click.option("--seed", type=int, default=13, show_default=True)
@verbosity_options
def train_combiner_command(datasets: Path, out: Path, scorer: str | None, seed: int) -> None:
    """Fit the combiner that turns the model's probabilities (the longer text read as premise)
    and the typed checks into one calibrated probability of a real disagreement, and save it.

    \b
    Example:
        divergence train-combiner --datasets ../shared/datasets --out data/models/divergence-combiner
    """
    card = train_combiner(
        datasets, out, get_scorer(scorer), seed=seed, log=lambda line: click.echo(line, err=True)
    )
    click.echo(f"saved {out / 'combiner.json'} (held-out ROC-AUC {card['held_out_auc']:.3f}, "
               f"ECE {card['held_out_ece']:.3f}; max() baseline ROC-AUC "
               f"{card['held_out_auc_max_baseline']:.3f})")  # fmt: skip
