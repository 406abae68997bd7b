"""A deterministic stand-in for the embedding model, for fast unit tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from divergence.embeddings import Embedder


class HashingEmbedder(Embedder):
    """Bag of lower-cased words hashed into 384 dimensions: same words, same vector."""

    model_id = "fake-hashing"
    dim = 384

    def embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                out[row, int.from_bytes(digest[:4], "little") % self.dim] += 1.0
        return out


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, keeping every text it was asked to embed (to test caches)."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.texts.extend(texts)
        return super().embed_batch(texts)
