"""The contradiction model on ONNX Runtime: fp32 and dynamic int8, exported once and cached.

Tests that load the real model are marked ``integration`` and skip where onnxruntime is
not installed (the ``fast`` extra); the rest fake the export and need neither.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from divergence import embeddings, nli_onnx, scoring
from divergence.embeddings import Backend
from divergence.errors import ModelError
from divergence.nli import CARD, WEIGHTS, NLIScorer, default_model_dir
from divergence.nlidata import read_nli
from divergence.scoring import SHIPPED_SCORERS, get_scorer

NLI_DATA = Path(__file__).parent / "data" / "nli"
MISSING = "the {} scorer backend needs onnxruntime and onnx: pip install 'divergence[fast]'"
PAIRS = [
    ("A man is playing a guitar on stage.", "A person is making music."),
    ("The talks in Cairo collapsed without an agreement.", "An agreement was reached in Cairo."),
    ("At least 40 people were killed in the strike.", "At least 33 people were killed."),
    ("Hamas accepted the proposal.", "Hamas accepted the proposal."),
    ("Talks resumed in Cairo on Monday.", "Rain is expected in London tomorrow."),
    ("A dog runs.", "An animal is outside in the park chasing a ball."),
    # Longer than the card's max_length together: truncated longest-first, as torch does.
    (" ".join(["The delegation met officials to discuss the ceasefire."] * 20), "They met."),
]


pytestmark = pytest.mark.usefixtures("own_cache")  # see conftest.py


# ---- without the real model ----


def test_shipped_names_pick_the_backend_and_load_nothing() -> None:
    for backend, name in SHIPPED_SCORERS.items():
        scorer = get_scorer(name)
        assert isinstance(scorer, NLIScorer)
        assert (scorer.backend, scorer.name, scorer.model_dir) == (
            backend, name, default_model_dir()
        )  # fmt: skip
        assert scorer._onnx is None and scorer._loaded is None  # lazily loaded
    assert get_scorer("divergence-nli-onnx").batch_size < get_scorer("divergence-nli").batch_size


def test_a_trained_folder_takes_a_backend(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / CARD).write_text("{}", encoding="utf-8")
    for backend in Backend:
        scorer = NLIScorer(folder, backend=backend)
        again = get_scorer(scorer.name)  # how the Ray engine rebuilds it on a worker
        assert isinstance(again, NLIScorer)
        assert (again.model_dir, again.backend, again.name) == (folder, backend, scorer.name)
    assert NLIScorer(folder, backend="onnx-int8").name == f"{folder}@onnx-int8"


def test_an_unknown_backend_is_one_error() -> None:
    with pytest.raises(
        ModelError, match=r"^unknown scorer backend 'tf' \(known: torch, onnx, onnx-int8\)$"
    ):
        NLIScorer(backend="tf")


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_missing_onnxruntime_is_one_clear_error(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` now fails
    with pytest.raises(ModelError) as error:
        get_scorer(SHIPPED_SCORERS[Backend(backend)]).predict(PAIRS[:1])
    assert str(error.value) == MISSING.format(backend)


def test_the_default_scorer_is_onnx_fp32_where_the_fast_extra_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scoring, "DEFAULT_SCORER", "divergence-nli")  # unit tests use checks
    assert scoring.fast_extra_installed()  # make setup installs every extra
    default = get_scorer()
    assert isinstance(default, NLIScorer)
    assert (default.name, default.backend) == ("divergence-nli-onnx", Backend.ONNX)
    assert get_scorer("divergence-nli").backend is Backend.TORCH  # named, torch stays
    monkeypatch.setenv("DIVERGENCE_SCORER", "divergence-nli")
    assert get_scorer().name == "divergence-nli"
    monkeypatch.delenv("DIVERGENCE_SCORER")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # uninstalled: torch, no error
    assert not scoring.fast_extra_installed()
    assert scoring.default_scorer() == "divergence-nli"
    assert get_scorer().name == "divergence-nli"


def test_another_default_is_kept_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scoring, "DEFAULT_SCORER", "checks")
    assert scoring.default_scorer() == "checks"


def test_an_unwritable_cache_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "require_onnx", lambda *args, **kwargs: None)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(embeddings.ENV_CACHE, str(blocked))
    folder = embeddings.cache_dir() / "onnx" / "model-fp32"
    with pytest.raises(ModelError) as error:
        embeddings.cached_export(folder, lambda out: None, name="model", backend=Backend.ONNX)
    assert str(error.value) == (
        f"cannot write the ONNX export of 'model' into {folder.parent}: Not a directory; "
        "set DIVERGENCE_CACHE to a writable folder"
    )


@pytest.fixture
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """A model folder whose exports are faked (no torch, no onnx); the export calls."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / CARD).write_text('{"labels": ["contradiction", "entailment", "neutral"]}')
    (folder / WEIGHTS).write_bytes(b"delta v1")
    calls: list[str] = []

    def export(model_dir: Path, out: Path) -> None:
        calls.append("fp32")
        (out / embeddings.META_FILE).write_text("{}", encoding="utf-8")

    def quantize(source: Path, out: Path, **_: Any) -> None:
        calls.append(f"int8 of {source.name}")
        (out / embeddings.META_FILE).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(embeddings, "require_onnx", lambda *args, **kwargs: None)
    monkeypatch.setattr(nli_onnx, "export_classifier", export)
    monkeypatch.setattr(embeddings, "quantize_export", quantize)
    return folder, calls


def test_export_is_cached_until_the_model_changes(fake_model: tuple[Path, list[str]]) -> None:
    folder, calls = fake_model
    fp32 = nli_onnx.onnx_classifier(folder)
    int8 = nli_onnx.onnx_classifier(folder, quantize=True)
    assert nli_onnx.onnx_classifier(folder) == fp32
    assert nli_onnx.onnx_classifier(folder, quantize=True) == int8
    assert calls == ["fp32", f"int8 of {fp32.name}"]  # int8 is quantized from the fp32 export
    assert fp32.name.endswith("-fp32") and int8.name.endswith("-int8")
    (folder / WEIGHTS).write_bytes(b"delta v2")  # retrained
    assert nli_onnx.onnx_classifier(folder) not in (fp32, int8)
    changed = nli_onnx.onnx_classifier(folder)
    (folder / CARD).write_text('{"labels": ["contradiction", "entailment", "neutral"], "t": 2}')
    assert nli_onnx.onnx_classifier(folder) != changed
    assert calls.count("fp32") == 3


def test_a_failed_scorer_export_says_torch_needs_none(
    fake_model: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, _ = fake_model

    def broken(model_dir: Path, out: Path) -> None:
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(nli_onnx, "export_classifier", broken)
    with pytest.raises(ModelError) as error:
        nli_onnx.onnx_classifier(folder)
    assert str(error.value) == (
        f"cannot export {str(folder)!r} to ONNX: RuntimeError: unsupported operator; "
        "the torch backend needs no export"
    )


# ---- with the real model ----


@pytest.fixture(scope="module")
def onnx_scorers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Backend, NLIScorer]]:
    """The shipped model on both ONNX backends, exported once into a module's cache."""
    pytest.importorskip(
        "onnxruntime", reason="onnxruntime not installed: pip install 'divergence[fast]'"
    )
    pytest.importorskip("onnx", reason="onnx not installed: pip install 'divergence[fast]'")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(embeddings.ENV_CACHE, str(tmp_path_factory.mktemp("nli-onnx-cache")))
        scorers = {b: NLIScorer(backend=b, threads=2) for b in (Backend.ONNX, Backend.ONNX_INT8)}
        for scorer in scorers.values():
            scorer.load()  # export and load now, once
        yield scorers


@pytest.fixture(scope="module")
def torch_scorer() -> NLIScorer:
    return NLIScorer(threads=2)


@pytest.mark.integration
def test_onnx_fp32_matches_torch(
    onnx_scorers: dict[Backend, NLIScorer], torch_scorer: NLIScorer
) -> None:
    onnx = onnx_scorers[Backend.ONNX]
    assert len(PAIRS) > onnx.batch_size  # several batches, sorted and put back in order
    reference = torch_scorer.predict(PAIRS)
    probs = onnx.predict(PAIRS)
    assert probs.shape == (len(PAIRS), 3)
    np.testing.assert_allclose(probs, reference, atol=1e-4)
    np.testing.assert_allclose(onnx.logits(PAIRS), torch_scorer.logits(PAIRS), atol=1e-4)
    assert onnx.predict([]).shape == (0, 3)
    assert onnx.onnx.meta["inputs"] == ["input_ids", "attention_mask", "token_type_ids"]


@pytest.mark.integration
def test_int8_argmax_agrees_with_torch(
    onnx_scorers: dict[Backend, NLIScorer], torch_scorer: NLIScorer
) -> None:
    pairs = [(p.a, p.b) for name in ("snli_dev", "mnli_dev_matched")
             for p in read_nli(NLI_DATA / f"{name}-sample.jsonl")]  # fmt: skip
    assert len(pairs) == 60
    reference = torch_scorer.predict(pairs)
    probs = onnx_scorers[Backend.ONNX_INT8].predict(pairs)
    agree = np.mean(probs.argmax(axis=1) == reference.argmax(axis=1))
    assert agree >= 0.9, agree
    assert np.abs(probs - reference).mean() < 0.05
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.integration
def test_a_second_load_reuses_the_export(
    onnx_scorers: dict[Backend, NLIScorer], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = onnx_scorers[Backend.ONNX_INT8]
    folder = loaded.onnx.folder
    monkeypatch.setenv(embeddings.ENV_CACHE, str(folder.parent.parent))
    stamp = (folder / embeddings.ONNX_FILE).stat().st_mtime_ns

    def no_export(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(nli_onnx, "export_classifier", no_export)
    monkeypatch.setattr(embeddings, "quantize_export", no_export)
    again = get_scorer("divergence-nli-int8")
    assert isinstance(again, NLIScorer)
    np.testing.assert_allclose(again.predict(PAIRS), loaded.predict(PAIRS), atol=1e-6)
    assert again.onnx.folder == folder
    assert (folder / embeddings.ONNX_FILE).stat().st_mtime_ns == stamp
    # The folder names start with a weights fingerprint, so sort by their variant suffix.
    variants = sorted(p.name.rsplit("-", 1)[-1] for p in folder.parent.iterdir())
    assert variants == ["fp32", "int8"]  # no temp folder left behind
    quantized = json.loads((folder / embeddings.META_FILE).read_text())["quantized"]
    assert quantized["ops"] == list(nli_onnx.QUANTIZE_OPS)
    assert quantized["kept_fp32"] == ["/model/bert/encoder/layer.0/output/dense/MatMul"]
