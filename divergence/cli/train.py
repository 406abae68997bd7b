"""``divergence train``: train the contradiction model on labelled pairs (CPU, seeded)."""

from __future__ import annotations

import click

from divergence.cli import cli
from divergence.cli.options import progress_enabled, verbosity_options
from divergence.nlidata import build_corpus, guess_format
from divergence.training import TrainConfig, train

_DEFAULTS = TrainConfig()


def _with_format(values: tuple[str, ...]) -> list[tuple[str, str]]:
    """FILE or FILE:FORMAT, the format guessed from the name when not given."""
    out = []
    for value in values:
        path, _, fmt = (
            value.partition(":") if ":" in value and not value.endswith(":") else (value, "", "")
        )
        out.append((path, fmt or guess_format(path)))
    return out


@cli.command(name="train")
@click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    metavar="FILE[:FORMAT]",
    help="Labelled pairs (nli JSONL, SICK.txt); repeat. Only their train/dev splits are read.",
)
@click.option(
    "--augment",
    "augment_from",
    multiple=True,
    metavar="FILE[:FORMAT]",
    help="News sentences to make contradictions from (STS sts-*.csv, MRPC msr_paraphrase_*.txt).",
)
@click.option(
    "--out", type=click.Path(file_okay=False), required=True, help="Folder for the model."
)
@click.option("--epochs", type=click.IntRange(min=1), default=_DEFAULTS.epochs, show_default=True)
@click.option(
    "--batch-size", type=click.IntRange(min=1), default=_DEFAULTS.batch_size, show_default=True
)
@click.option(
    "--learning-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=_DEFAULTS.learning_rate,
    show_default=True,
)
@click.option(
    "--max-length",
    type=click.IntRange(min=16, max=512),
    default=_DEFAULTS.max_length,
    show_default=True,
)
@click.option(
    "--freeze-layers",
    type=click.IntRange(0, 6),
    default=_DEFAULTS.freeze_layers,
    show_default=True,
    help="Lowest encoder layers to keep as in the base model.",
)
@click.option("--seed", type=int, default=_DEFAULTS.seed, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=_DEFAULTS.threads, show_default=True)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=1),
    default=None,
    help="Stop after this many seconds (the best epoch so far is kept).",
)
@click.option("--max-augmented", type=click.IntRange(min=0), default=3000, show_default=True)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Use only this many training pairs."
)
@verbosity_options
def train_command(
    data: tuple[str, ...], augment_from: tuple[str, ...], out: str, epochs: int, batch_size: int,
    learning_rate: float, max_length: int, freeze_layers: int, seed: int, threads: int,
    time_budget: float | None, max_augmented: int, limit: int | None,
) -> None:  # fmt: skip
    """Train the contradiction model and save it (a small delta over the bundled MiniLM).

    \b
    Example:
        divergence train --data snli.jsonl --data SICK.txt --augment sts-train.csv --out models/mine
    """
    sources = _with_format(data)
    augments = _with_format(augment_from)
    train_pairs, dev_pairs = build_corpus(sources, augment_from=augments,
                                          max_augmented=max_augmented, seed=seed)  # fmt: skip
    if limit:
        train_pairs = train_pairs[:limit]
    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, max_length=max_length,
        freeze_layers=freeze_layers, seed=seed, threads=threads, time_budget=time_budget,
    )  # fmt: skip
    result = train(
        train_pairs, dev_pairs, out, config=config, progress=progress_enabled(),
        log=lambda line: click.echo(line, err=True),
        sources={"data": [f"{p}:{f}" for p, f in sources],
                 "augment": [f"{p}:{f}" for p, f in augments], "max_augmented": max_augmented},
    )  # fmt: skip
    click.echo(f"saved {result.out} (dev accuracy {result.dev_accuracy:.4f}, "
               f"temperature {result.temperature}, {result.seconds:.0f} s)")  # fmt: skip
