from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from divergence import embeddings, scoring
from divergence.embeddings import Embedder, SentenceTransformerEmbedder, bundled_model_path
from tests.fakes import HashingEmbedder

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parent.parent / "data" / "examples"


@pytest.fixture(autouse=True)
def fake_embedder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests get the hashing fake as the default embedder; integration tests the real one."""
    if request.node.get_closest_marker("integration"):
        real = request.getfixturevalue("real_embedder")
        monkeypatch.setitem(embeddings.EMBEDDERS, embeddings.DEFAULT_EMBEDDER, lambda: real)
    else:
        monkeypatch.setitem(embeddings.EMBEDDERS, embeddings.DEFAULT_EMBEDDER, HashingEmbedder)


@pytest.fixture(autouse=True)
def no_env_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embeddings.ENV_EMBEDDER, raising=False)
    monkeypatch.delenv("DIVERGENCE_SCORER", raising=False)


@pytest.fixture(autouse=True)
def rule_scorer_by_default(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests score with the fast rule-based checks; integration tests use the shipped model."""
    if not request.node.get_closest_marker("integration"):
        monkeypatch.setattr(scoring, "DEFAULT_SCORER", scoring.CHECKS_SCORER)


@pytest.fixture(autouse=True, scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One cache folder for the whole session: the default scorer exports the shipped model
    to ONNX there once (where the fast extra is installed), never into the user's cache."""
    path = tmp_path_factory.mktemp("cache")
    before = os.environ.get(embeddings.ENV_CACHE)
    os.environ[embeddings.ENV_CACHE] = str(path)
    yield path
    if before is None:
        del os.environ[embeddings.ENV_CACHE]
    else:
        os.environ[embeddings.ENV_CACHE] = before


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own for ONNX exports (``pytestmark =
    pytest.mark.usefixtures("own_cache")`` in a module): no test writes to the user's cache."""
    path = tmp_path / "cache"
    monkeypatch.setenv(embeddings.ENV_CACHE, str(path))
    return path


@pytest.fixture(scope="session")
def real_embedder() -> Iterator[Embedder]:
    """The bundled all-MiniLM-L6-v2, loaded once per test session."""
    embedder = SentenceTransformerEmbedder(str(bundled_model_path()))
    embedder.model  # noqa: B018 - load now, once
    yield embedder


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
