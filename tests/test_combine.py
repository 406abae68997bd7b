"""divergence.combine and combine_train: one calibrated score over the model and the checks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from divergence.checks import Finding, Kind, Span, calls_false, check_negation
from divergence.combine import FEATURES, Combiner, features, premise_first, read_combiner
from divergence.combine_train import binary_ece, centred_steps, fit
from divergence.errors import ModelError
from divergence.scoring import CheckScorer, score_texts
from divergence.terms import key_terms, term_overlap

NOISE = Finding(Kind.NUMERIC, 0.95, (Span(0, 2, "12"),), (Span(0, 3, "400"),), "12 vs 400")


def synthetic(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows where the truth follows p_contradiction and the topic overlap, and a typed check
    fires as often on noise as on real disagreements."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    rows = []
    for label in y:
        p_c = rng.beta(5, 2) if label else rng.beta(1, 5)
        overlap = rng.beta(5, 2) if label else rng.beta(2, 3)
        findings = [NOISE] if rng.random() < 0.3 else []
        rows.append(features("a b c", "a b d", [p_c, 1 - p_c, 0.0], findings, overlap))
    return np.array(rows), y.astype(int)


def test_features_line_up_with_their_names() -> None:
    row = features("Twelve died.", "Twelve people died.", [0.2, 0.7, 0.1], [NOISE], 0.5)
    named = dict(zip(FEATURES, row, strict=True))
    assert named["p_contradiction"] == 0.2 and named["p_entailment"] == 0.7
    assert named["contradiction_x_topic"] == pytest.approx(0.1)
    assert named["check_numeric"] == 0.95 and named["check_negation"] == 0.0
    assert named["checks_any"] == 0.95 and named["check_x_topic"] == pytest.approx(0.475)
    assert 0 < named["token_similarity"] <= 1
    # "people" added, nothing checkable changed: a restatement.
    assert named["restated"] == 1.0 and named["restated_x_contradiction"] == pytest.approx(0.2)


def test_a_reprint_with_another_name_for_one_party_is_marked_restated() -> None:
    a = "Islamic State fighters seized the town in June, officials said."
    b = "ISIS fighters seized the town in June, officials said."
    named = dict(zip(FEATURES, features(a, b, [0.9, 0.05, 0.05], [], 1.0), strict=True))
    assert named["restated"] == 1.0
    assert named["restated_x_contradiction"] == pytest.approx(0.9)


def test_a_story_called_false_is_a_feature_of_its_own() -> None:
    # Both are negation findings; only the debunk of the story is `called_false`.
    debunk = check_negation("The mayor's three-headed cat is a fake.",
                            "Mayor shows off his three-headed cat.", 0.5)  # fmt: skip
    negated = check_negation("The council did not approve the budget.",
                             "The council approved the budget.", 0.5)  # fmt: skip
    assert debunk is not None and negated is not None
    assert calls_false(debunk) and not calls_false(negated)
    for finding, called in ((debunk, debunk.strength), (negated, 0.0)):
        row = features("a b", "a c", [0.3, 0.3, 0.4], [finding], 0.5)
        named = dict(zip(FEATURES, row, strict=True))
        assert named["check_negation"] == finding.strength
        assert named["called_false"] == called


def test_the_model_reads_the_longer_text_as_premise() -> None:
    headline = "Talks collapsed."
    body = "Negotiators said on Monday that the talks had collapsed after a week."
    assert premise_first(headline, body) == (body, headline)
    assert premise_first(body, headline) == (body, headline)
    assert premise_first("One two.", "Three four.") == ("One two.", "Three four.")


def test_fit_learns_that_a_check_on_noise_is_not_a_disagreement() -> None:
    x, y = synthetic()
    combiner, out_of_fold = fit(x, y)
    assert len(out_of_fold) == len(y)
    weights = dict(zip(FEATURES, combiner.weights, strict=True))
    assert weights["p_contradiction"] > abs(weights["check_numeric"])
    probs = combiner.predict(x)
    assert ((probs >= 0) & (probs <= 1)).all()
    # A loud typed check alone no longer makes a pair a near-certain disagreement.
    quiet, loud = x[(x[:, FEATURES.index("checks_any")] > 0) & (y == 0)], x[y == 1]
    assert combiner.predict(quiet).mean() < combiner.predict(loud).mean()


def test_a_feature_seen_on_a_handful_of_rows_gets_no_weight() -> None:
    # The attribution check fired on 1 fit pair of 9,488 and so put anything it fired on at
    # 1.00; a feature must fire MIN_FIRES times before it earns a weight of its own.
    x, y = synthetic()
    column = FEATURES.index("check_attribution")
    x[np.flatnonzero(y)[:3], column] = 0.6  # three disagreements, all with the check
    combiner, _ = fit(x, y)
    assert combiner.weights[column] == 0.0
    quiet = x[(y == 0) & (x[:, FEATURES.index("checks_any")] == 0)][:20]
    loud = quiet.copy()
    loud[:, column] = 0.6
    np.testing.assert_allclose(combiner.predict(loud), combiner.predict(quiet))


def test_calibration_holds_on_fresh_rows_of_the_same_kind() -> None:
    combiner, _ = fit(*synthetic(seed=1))
    x, y = synthetic(n=3000, seed=2)
    ece, table = binary_ece(combiner.predict(x), y)
    assert ece < 0.06
    assert sum(row["pairs"] for row in table) == 3000


def test_calibration_steps_become_knots_at_their_centres() -> None:
    raw = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    centres, levels = centred_steps(raw, np.array([0.0, 0.0, 0.5, 0.5, 0.5, 1.0]))
    np.testing.assert_allclose(centres, [0.15, 0.4, 0.6])
    np.testing.assert_allclose(levels, [0.0, 0.5, 1.0])


def test_calibrated_scores_rise_strictly_between_the_outer_steps() -> None:
    combiner, _ = fit(*synthetic(seed=1))
    inner = np.linspace(combiner.calibration_x[0], combiner.calibration_x[-1], 200)[1:-1]
    calibrated = np.interp(inner, combiner.calibration_x, combiner.calibration_y)
    assert np.all(np.diff(calibrated) > 0)  # no flat step: every flag level can fall anywhere
    assert len(set(np.round(combiner.predict(synthetic(seed=2)[0]), 6))) > 100


def test_binary_ece_of_a_perfectly_calibrated_constant_is_zero() -> None:
    y = np.array([1, 0, 0, 0] * 25)
    ece, table = binary_ece(np.full(100, 0.25), y)
    assert ece == pytest.approx(0.0)
    assert table == [{"bin": "0.2-0.3", "pairs": 100, "mean_probability": 0.25,
                      "observed_rate": 0.25}]  # fmt: skip


def test_json_round_trip(tmp_path: Path) -> None:
    combiner, _ = fit(*synthetic())
    combiner = Combiner(**{**combiner.__dict__, "card": {"scorer": "checks"}})
    path = tmp_path / "combiner.json"
    path.write_text(combiner.to_json(), encoding="utf-8")
    again = read_combiner(path)
    x, _ = synthetic(n=50, seed=3)
    np.testing.assert_allclose(again.predict(x), combiner.predict(x))
    assert again.applies_to("checks") and not again.applies_to("divergence-nli")


def test_read_combiner_refuses_other_features(tmp_path: Path) -> None:
    combiner, _ = fit(*synthetic())
    data = json.loads(combiner.to_json())
    data["features"] = [*data["features"][:-1], "something_else"]
    path = tmp_path / "combiner.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError) as e:
        read_combiner(path)
    assert str(e.value) == f"{path}: trained on other features than this divergence computes"


def test_read_combiner_refuses_garbage(tmp_path: Path) -> None:
    path = tmp_path / "combiner.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError) as e:
        read_combiner(path)
    assert str(e.value) == f"{path}: not a divergence combiner (JSONDecodeError)"


def test_score_texts_uses_a_combiner_fitted_on_its_scorer() -> None:
    combiner, _ = fit(*synthetic())
    combiner = Combiner(**{**combiner.__dict__, "card": {"scorer": "checks"}})
    pairs = [("The raid killed 12 people.", "The city of 400,000 mourned.")]
    learned = score_texts(pairs, scorer=CheckScorer(), combiner=combiner)[0]
    old = score_texts(pairs, scorer=CheckScorer(), combiner=False)[0]
    assert 0.0 <= learned.divergence <= 1.0
    assert learned.findings == old.findings
    a, b = pairs[0]
    overlap = term_overlap(key_terms(a), key_terms(b))
    row = features(a, b, [old.p_contradiction, old.p_entailment, old.p_neutral], old.findings,
                   overlap)  # fmt: skip
    assert learned.divergence == pytest.approx(round(float(combiner.predict([row])[0]), 4))


def test_the_calibrated_threshold_comes_with_an_applicable_combiner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from divergence import combine, scoring

    combiner, _ = fit(*synthetic())
    fitted = Combiner(**{**combiner.__dict__, "card": {"scorer": "divergence-nli"}})
    monkeypatch.setattr(combine, "load_combiner", lambda: fitted)
    assert scoring.combiner_for("divergence-nli-int8") is fitted  # an ONNX variant of it
    assert scoring.default_threshold(CheckScorer()) == scoring.THRESHOLD
    monkeypatch.setattr(combine, "load_combiner", lambda: None)  # no combiner shipped
    assert scoring.combiner_for("divergence-nli") is None


def test_score_texts_asks_the_model_once_per_pair_longer_text_first() -> None:
    from divergence.scoring import ContradictionScorer

    class Recording(ContradictionScorer):
        name = "recording"

        def __init__(self) -> None:
            self.asked: list[tuple[str, str]] = []

        def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
            self.asked += list(pairs)
            return np.tile([0.1, 0.8, 0.1], (len(pairs), 1))

    headline = "Talks collapsed."
    body = "Negotiators said on Monday that the talks had collapsed after a week."
    combiner, _ = fit(*synthetic())
    combiner = Combiner(**{**combiner.__dict__, "card": {"scorer": "recording"}})
    scorer = Recording()
    score_texts([(headline, body), (body, headline)], scorer=scorer, combiner=combiner)
    assert scorer.asked == [(body, headline), (body, headline)]


def test_cached_scores_are_keyed_on_the_weights_and_the_combiner(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from divergence import combine, scoring
    from divergence.nli import NLIScorer

    for run, accuracy in (("one", 0.6), ("two", 0.7), ("again", 0.6)):
        (tmp_path / run).mkdir()
        card = tmp_path / run / "divergence-model.json"
        card.write_text(f'{{"dev_accuracy": {accuracy}}}', encoding="utf-8")
    one, two, again = (NLIScorer(tmp_path / run).identity() for run in ("one", "two", "again"))
    digest = one.rpartition(":")[2]
    assert digest != two.rpartition(":")[2]  # another training, another identity
    assert digest == again.rpartition(":")[2]  # the same weights wherever they lie

    combiner, _ = fit(*synthetic())
    fitted = Combiner(**{**combiner.__dict__, "card": {"scorer": "checks"}})
    monkeypatch.setattr(combine, "load_combiner", lambda: fitted)
    with_combiner = scoring.score_identity(CheckScorer())
    refitted = Combiner(**{**fitted.__dict__, "intercept": fitted.intercept + 0.1})
    monkeypatch.setattr(combine, "load_combiner", lambda: refitted)
    assert scoring.score_identity(CheckScorer()) != with_combiner
    monkeypatch.setattr(combine, "load_combiner", lambda: None)
    assert scoring.score_identity(CheckScorer()) == "checks"
