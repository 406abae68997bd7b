"""The embedding backends: torch, ONNX Runtime fp32, ONNX Runtime int8 (exported once, cached)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from divergence import embeddings
from divergence.embeddings import (
    BUNDLED_NAMES,
    Backend,
    Embedder,
    OnnxEncoder,
    SentenceTransformerEmbedder,
    bundled_model_path,
    cache_dir,
    get_embedder,
    onnx_export,
)
from divergence.errors import ModelError

HAVE_ONNX = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))
needs_onnx = pytest.mark.skipif(
    not HAVE_ONNX, reason="onnxruntime/onnx not installed: pip install 'divergence[fast]'"
)
MISSING = "the onnx embedding backend needs onnxruntime and onnx: pip install 'divergence[fast]'"

SENTENCES = [
    "Egyptian state-linked media reported significant progress in the Cairo truce talks.",
    "Israeli officials cautioned that significant gaps still exist between the parties.",
    "Hamas sources said the delegation would return to Cairo on Tuesday.",
    "At least 33 people were killed in the strikes, the health ministry said.",
    "The talks collapsed without an agreement.",
    "A man is playing a guitar.",
]


pytestmark = pytest.mark.usefixtures("own_cache")  # see conftest.py


# ---- without the real model ----


def test_cache_dir_from_env_else_home(
    own_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert cache_dir() == own_cache
    monkeypatch.delenv(embeddings.ENV_CACHE)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "divergence"


def test_model_ids_differ_per_backend() -> None:
    ids = {SentenceTransformerEmbedder("models/m", backend=b).model_id for b in Backend}
    assert ids == {"models/m", "models/m@onnx", "models/m@onnx-int8"}
    registered = {get_embedder(name).model_id for name in BUNDLED_NAMES.values()}
    assert len(registered) == len(Backend)


def test_registered_names_pick_the_backend_and_load_nothing() -> None:
    for backend, name in BUNDLED_NAMES.items():
        if backend is Backend.TORCH:
            continue  # the fixtures swap the default name for a fake
        embedder = get_embedder(name)
        assert isinstance(embedder, SentenceTransformerEmbedder)
        assert (embedder.backend, embedder.model_id) == (backend, name)
        assert embedder.name_or_path == str(bundled_model_path())
        assert embedder._model is None  # lazily loaded


def test_a_model_id_rebuilds_its_embedder() -> None:
    path = str(bundled_model_path())
    for backend in Backend:
        embedder = SentenceTransformerEmbedder(path, backend=backend)
        again = get_embedder(embedder.model_id)
        assert isinstance(again, SentenceTransformerEmbedder)
        assert (again.name_or_path, again.backend) == (path, backend)


def test_backend_accepts_plain_strings_and_names_the_known_ones() -> None:
    assert SentenceTransformerEmbedder("m", backend="onnx-int8").backend is Backend.ONNX_INT8
    with pytest.raises(
        ModelError, match=r"unknown embedding backend 'tf' \(known: torch, onnx, onnx-int8\)"
    ):
        SentenceTransformerEmbedder("m", backend="tf")


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_missing_onnxruntime_is_one_clear_error(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now fails
    embedder = SentenceTransformerEmbedder(str(bundled_model_path()), backend=backend)
    with pytest.raises(ModelError) as error:
        embedder.embed(["a sentence"])
    assert str(error.value) == MISSING.replace("the onnx ", f"the {backend} ")
    assert "\n" not in str(error.value)


class StubModel:
    """Stands in for a loaded model: a vector per text from its hash; records its batches,
    cut at ``batch_size`` when given, as ``SentenceTransformer.encode`` cuts one call."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def encode(
        self, texts: Sequence[str], batch_size: int | None = None, **_: Any
    ) -> NDArray[np.float32]:
        step = batch_size or max(1, len(texts))
        self.batches.extend(list(texts[i : i + step]) for i in range(0, len(texts), step))
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest(), dtype=np.uint8) for t in texts]
        return np.asarray(rows, dtype=np.float32)


@pytest.mark.parametrize("backend", list(Backend))
def test_length_buckets_keep_the_input_order(backend: Backend) -> None:
    texts = [f"text {'x' * ((i * 37) % 101)} {i}" for i in range(50)]
    embedder = SentenceTransformerEmbedder("m", backend=backend, batch_size=8)
    embedder._model = stub = StubModel()
    calls: list[int] = []
    bucketed = embedder.embed(texts, progress=calls.append)
    assert sum(calls) == len(texts)
    assert all(len(b) <= 8 for b in stub.batches)
    lengths = [len(t) for b in stub.batches for t in b]
    assert lengths == sorted(lengths, reverse=True)  # longest first, as sentence-transformers
    embedder.sort_by_length = False
    plain = embedder.embed(texts)
    np.testing.assert_allclose(bucketed, plain, rtol=1e-6)
    assert embedder.embed([]).shape == (0, 0)


def fake_export(calls: list[str], fail: bool = False) -> Any:
    def export(name_or_path: str, out: Path) -> None:
        calls.append(name_or_path)
        (out / embeddings.ONNX_FILE).write_bytes(b"half a model")
        if fail:
            raise RuntimeError("killed mid-export")
        (out / embeddings.META_FILE).write_text("{}", encoding="utf-8")

    return export


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A model folder whose export is faked (no torch, no onnx needed)."""
    folder = tmp_path / "tiny-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(embeddings, "require_onnx", lambda *args, **kwargs: None)
    return folder


def test_export_is_cached_per_model(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(embeddings, "export_fp32", fake_export(calls))
    first = onnx_export(str(model_dir))
    assert onnx_export(str(model_dir)) == first
    assert calls == [str(model_dir)]
    (model_dir / "config.json").write_text('{"changed": true}', encoding="utf-8")
    assert onnx_export(str(model_dir)) != first  # the model changed: export anew
    assert len(calls) == 2


def test_a_failed_export_leaves_nothing_behind(
    model_dir: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "export_fp32", fake_export([], fail=True))
    with pytest.raises(ModelError, match=r"cannot export .*: RuntimeError: killed mid-export"):
        onnx_export(str(model_dir))
    assert list((own_cache / "onnx").iterdir()) == []
    calls: list[str] = []
    monkeypatch.setattr(embeddings, "export_fp32", fake_export(calls))
    assert (onnx_export(str(model_dir)) / embeddings.META_FILE).exists()
    assert calls == [str(model_dir)]


def test_only_local_folders_are_exported(model_dir: Path) -> None:
    with pytest.raises(ModelError, match="export local models only"):
        onnx_export("sentence-transformers/all-MiniLM-L6-v2")


# ---- with the real model ----


@pytest.fixture(scope="session")
def onnx_models(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[Backend, SentenceTransformerEmbedder]]:
    """The bundled model on both ONNX backends, exported once into a session cache."""
    if not HAVE_ONNX:
        pytest.skip("onnxruntime/onnx not installed: pip install 'divergence[fast]'")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(embeddings.ENV_CACHE, str(tmp_path_factory.mktemp("onnx-cache")))
        models: dict[Backend, SentenceTransformerEmbedder] = {}
        for backend in (Backend.ONNX, Backend.ONNX_INT8):
            embedder = SentenceTransformerEmbedder(
                str(bundled_model_path()), backend=backend, threads=1
            )
            embedder.model  # noqa: B018 - export and load now, once
            models[backend] = embedder
        yield models


@needs_onnx
@pytest.mark.integration
@pytest.mark.parametrize(("backend", "least"), [(Backend.ONNX, 0.9999), (Backend.ONNX_INT8, 0.99)])
def test_onnx_embeddings_match_torch(
    onnx_models: dict[Backend, SentenceTransformerEmbedder],
    real_embedder: Embedder,
    backend: Backend,
    least: float,
) -> None:
    reference = real_embedder.embed(SENTENCES)
    vectors = onnx_models[backend].embed(SENTENCES)
    assert vectors.shape == reference.shape == (len(SENTENCES), 384)
    cosines = (vectors * reference).sum(axis=1)
    assert cosines.min() >= least, cosines
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


@needs_onnx
@pytest.mark.integration
def test_onnx_export_is_reused(
    onnx_models: dict[Backend, SentenceTransformerEmbedder], monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = onnx_models[Backend.ONNX_INT8].model
    assert isinstance(encoder, OnnxEncoder)
    folder = encoder.folder
    monkeypatch.setenv(embeddings.ENV_CACHE, str(folder.parent.parent))
    stamp = folder.stat().st_mtime_ns, (folder / embeddings.ONNX_FILE).stat().st_mtime_ns

    def no_export(*args: Any) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(embeddings, "export_fp32", no_export)
    monkeypatch.setattr(embeddings, "quantize_export", no_export)
    again = SentenceTransformerEmbedder(str(bundled_model_path()), backend=Backend.ONNX_INT8)
    np.testing.assert_allclose(
        again.embed(SENTENCES), onnx_models[Backend.ONNX_INT8].embed(SENTENCES)
    )
    assert again.model.folder == folder
    assert (folder.stat().st_mtime_ns, (folder / embeddings.ONNX_FILE).stat().st_mtime_ns) == stamp
    names = sorted(p.name for p in folder.parent.iterdir())
    assert len(names) == 2 and not any(n.startswith(".") for n in names)  # fp32, int8; no temp
    meta = json.loads((folder / embeddings.META_FILE).read_text(encoding="utf-8"))
    assert meta["quantized"]["weights"] == embeddings.QUANTIZE_WEIGHTS


@needs_onnx
@pytest.mark.integration
def test_onnx_threads_are_set(onnx_models: dict[Backend, SentenceTransformerEmbedder]) -> None:
    encoder = onnx_models[Backend.ONNX].model
    options = encoder.session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads) == (1, 1)
