"""``divergence train``: train the contradiction model on labelled pairs (CPU, seeded)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from divergence.cli import cli
from divergence.cli.options import progress_enabled, verbosity_options
from divergence.errors import ModelError
from divergence.nlidata import build_corpus, guess_format
from divergence.premise import MAX_PREMISE_WORDS, PremiseSelector
from divergence.render import write_atomic
from divergence.training import CHECKPOINT, TrainConfig, check_init, train

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
    metavar="FILE[:FORMAT]",
    help="Labelled pairs (nli or nli-2way JSONL, SICK.txt); repeat. Only their train/dev "
    "splits are read.",
)
@click.option(
    "--augment",
    "augment_from",
    multiple=True,
    metavar="FILE[:FORMAT]",
    help="News sentences to make labelled variants from (STS sts-*.csv, MRPC "
    "msr_paraphrase_*.txt, FILE.jsonl:premises for an NLI file's premise sentences).",
)
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Folder for the model.")
@click.option(
    "--resume",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Continue the interrupted run in this folder (its own data and settings).",
)
@click.option(
    "--init",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Start from this trained model's weights, not the bundled MiniLM (another epoch "
    "of a model at a lower --learning-rate).",
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
@click.option(
    "--max-augmented",
    type=click.IntRange(min=0),
    default=3000,
    show_default=True,
    help="At most this many augmented pairs of each kind (negation/number, modal, quantity, agent).",
)
@click.option(
    "--max-per-set",
    type=click.IntRange(min=1),
    default=None,
    help="At most this many training pairs from one file (a stable sample).",
)
@click.option(
    "--premise-words",
    type=click.IntRange(min=10),
    default=MAX_PREMISE_WORDS,
    show_default=True,
    help="Longer premises are cut to their sentences most relevant to the hypothesis.",
)
@click.option(
    "--checkpoint-every",
    type=click.FloatRange(min=1),
    default=_DEFAULTS.checkpoint_every,
    show_default=True,
    help="Seconds between checkpoints in OUT/checkpoint.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Use only this many training pairs."
)
@verbosity_options
def train_command(**options: Any) -> None:
    """Train the contradiction model and save it (a small delta over the bundled MiniLM).

    Progress and an ETA go to stderr and OUT/train.log; a checkpoint is kept in
    OUT/checkpoint, so an interrupted run continues with --resume OUT to the same weights.

    \b
    Example:
        divergence train --data snli.jsonl --data SICK.txt --augment sts-train.csv --out models/mine
        divergence train --resume models/mine
        divergence train --init models/mine --learning-rate 2e-5 --data snli.jsonl --out models/more
    """
    resume = options.pop("resume")
    if resume:
        options = _saved_options(Path(resume))
    elif not options["data"] or not options["out"]:
        raise click.UsageError("give --data and --out, or --resume DIR")
    _run(bool(resume), save=None if resume else dict(options), **options)


def _saved_options(folder: Path) -> dict[str, Any]:
    path = folder / CHECKPOINT / "options.json"
    if not path.exists():
        raise ModelError(f"{folder}: nothing to resume ({path} is missing)")
    options: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return options


def _run(
    resume: bool, *, save: dict[str, Any] | None, data: list[str], augment_from: list[str], out: str, epochs: int,
    batch_size: int, learning_rate: float, max_length: int, freeze_layers: int, seed: int,
    threads: int, time_budget: float | None, max_augmented: int, max_per_set: int | None,
    premise_words: int, checkpoint_every: float, limit: int | None,
    init: str | None = None,  # absent from the options of runs saved before --init
    **_verbosity: Any,
) -> None:  # fmt: skip
    if init is not None:
        check_init(init)  # now, not after the data is read and a folder is made
    sources = _with_format(tuple(data))
    augments = _with_format(tuple(augment_from))
    premises = PremiseSelector(max_words=premise_words)
    train_pairs, dev_pairs = build_corpus(
        sources, augment_from=augments, max_augmented=max_augmented, max_per_set=max_per_set,
        seed=seed, premises=premises,
    )  # fmt: skip
    if limit:
        train_pairs = train_pairs[:limit]
    if save is not None:  # only once the data reads: a bad input leaves no folder behind
        (Path(out) / CHECKPOINT).mkdir(parents=True, exist_ok=True)
        write_atomic(json.dumps(save, indent=2) + "\n", Path(out) / CHECKPOINT / "options.json")
    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, max_length=max_length,
        freeze_layers=freeze_layers, seed=seed, threads=threads, time_budget=time_budget,
        checkpoint_every=checkpoint_every, init=init,
    )  # fmt: skip
    result = train(
        train_pairs, dev_pairs, out, config=config, progress=progress_enabled(), resume=resume,
        log=lambda line: click.echo(line, err=True),
        sources={"data": [f"{p}:{f}" for p, f in sources],
                 "augment": [f"{p}:{f}" for p, f in augments], "max_augmented": max_augmented,
                 "max_per_set": max_per_set, "premise_words": premise_words},
    )  # fmt: skip
    click.echo(f"saved {result.out} (dev accuracy {result.dev_accuracy:.4f}, "
               f"temperature {result.temperature}, {result.seconds:.0f} s)")  # fmt: skip
