"""CrossEncoderScorer against a real (untrained) CrossEncoder built from the bundled MiniLM.

The classifier head is random, so the probabilities mean nothing; what is tested is that
divergence reads the model's labels by name, whatever order the model stores them in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from divergence.embeddings import bundled_model_path
from divergence.errors import ModelError
from divergence.scoring import LABELS, CrossEncoderScorer, get_scorer, score_texts

pytestmark = pytest.mark.integration

#: The model's own label order, deliberately not divergence's (contradiction, entailment, neutral).
SHUFFLED = {0: "neutral", 1: "contradiction", 2: "entailment"}

PAIRS = [
    (
        "Egyptian media reported significant progress in the Cairo talks.",
        "Israeli officials said significant gaps still exist in the Cairo talks.",
    ),
    (
        "At least 40 people were killed in the strike.",
        "At least 33 people were killed in the strike.",
    ),
    ("Hamas accepted the proposal.", "Hamas accepted the proposal."),
    ("Talks resumed in Cairo on Monday.", "Rain is expected in London tomorrow."),
    ("Netanyahu said Israel is one step away from victory.", "Hamas denied the report."),
]


@pytest.fixture(scope="session")
def cross_encoder() -> Any:
    """A 3-label CrossEncoder on the bundled MiniLM, with a head that separates the classes."""
    import torch
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(str(bundled_model_path()), num_labels=3, device="cpu")
    model.config.id2label = dict(SHUFFLED)
    model.config.label2id = {name: index for index, name in SHUFFLED.items()}
    # A random head gives near-uniform output; distinct biases make a wrong column order show.
    biases = [name for name, _ in model.named_parameters() if name.endswith("classifier.bias")]
    assert len(biases) == 1
    with torch.no_grad():
        model.get_parameter(biases[0]).copy_(torch.tensor([1.5, -1.0, 0.25]))
    return model


@pytest.fixture(scope="session")
def model_dir(cross_encoder: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shuffled-nli")
    cross_encoder.save_pretrained(str(path))
    return path


@pytest.fixture(scope="session")
def scorer(model_dir: Path) -> CrossEncoderScorer:
    return CrossEncoderScorer(str(model_dir))


def test_saved_model_keeps_the_shuffled_labels(model_dir: Path) -> None:
    import json

    config = json.loads((model_dir / "config.json").read_text())
    assert {int(k): v for k, v in config["id2label"].items()} == SHUFFLED


def test_predict_rows_are_distributions(scorer: CrossEncoderScorer) -> None:
    probs = scorer.predict(PAIRS)
    assert probs.shape == (len(PAIRS), 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    assert ((probs >= 0.0) & (probs <= 1.0)).all()


def test_columns_are_read_by_label_name(scorer: CrossEncoderScorer, cross_encoder: Any) -> None:
    probs = scorer.predict(PAIRS)
    own = np.asarray(cross_encoder.predict(PAIRS, apply_softmax=True), dtype=np.float64)
    assert own.shape == (len(PAIRS), 3)
    by_name = {name: index for index, name in SHUFFLED.items()}
    expected = own[:, [by_name[label] for label in LABELS]]
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    # The order matters: read by index, the columns would be wrong.
    assert not np.allclose(probs, own, atol=1e-3)
    assert scorer._columns == [1, 2, 0]


def test_predict_in_batches_matches_one_batch(model_dir: Path, scorer: CrossEncoderScorer) -> None:
    small = CrossEncoderScorer(str(model_dir), batch_size=2)
    seen: list[int] = []
    probs = small.predict(PAIRS, progress=seen.append)
    assert seen == [2, 2, 1]
    np.testing.assert_allclose(probs, scorer.predict(PAIRS), atol=1e-5)


def test_score_texts_with_the_cross_encoder(scorer: CrossEncoderScorer) -> None:
    scores = score_texts(PAIRS, scorer=scorer)
    assert len(scores) == len(PAIRS)
    for score in scores:
        assert score.p_contradiction + score.p_entailment + score.p_neutral == pytest.approx(
            1.0, abs=1e-3
        )
        assert score.label in LABELS
        assert score.divergence >= score.p_contradiction
    # The typed checks still decide: 40 vs 33 is a contradiction whatever the model says.
    assert scores[1].label == "contradiction"
    assert {"numeric"} <= {f.kind.value for f in scores[1].findings}


def test_get_scorer_with_a_path(model_dir: Path) -> None:
    scorer = get_scorer(str(model_dir))
    assert isinstance(scorer, CrossEncoderScorer)
    assert scorer.predict(PAIRS[:2]).shape == (2, 3)


def test_directory_without_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    empty = tmp_path / "no-model"
    empty.mkdir()
    scorer = get_scorer(str(empty))
    assert isinstance(scorer, CrossEncoderScorer)  # nothing is loaded yet
    with pytest.raises(ModelError) as info:
        scorer.predict(PAIRS[:1])
    assert str(info.value).startswith(f"cannot load scorer {str(empty)!r}: ")
    assert "\n" not in str(info.value)


def test_model_without_nli_labels(tmp_path: Path) -> None:
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(str(bundled_model_path()), num_labels=3, device="cpu")
    path = tmp_path / "unlabelled"
    model.save_pretrained(str(path))
    with pytest.raises(ModelError) as info:
        CrossEncoderScorer(str(path)).predict(PAIRS[:1])
    assert str(info.value) == (
        "model labels (LABEL_0, LABEL_1, LABEL_2) do not name exactly one 'contradiction' label"
    )
