"""One calibrated score: how likely a person would call a pair of claims a real disagreement.

The contradiction model and the typed checks each see part of the picture: the model
reads meaning but not which number counts what; a check sees one number change but not
whether the rest of the sentence is about the same event. Taking the larger of them (as
divergence did before) let a typed check at 0.95 on noise outrank everything. Instead a
small logistic regression weighs them together, and isotonic regression on out-of-fold
outputs, its steps joined at their centres (:func:`~divergence.combine_train.centred_steps`),
turns its output into a calibrated probability. Both are stored as plain numbers
in a JSON file (data/models/divergence-combiner/combiner.json) with a card beside it,
so loading needs neither pickle nor scikit-learn.

Features (:data:`FEATURES`) come from the two texts, the model's probabilities for the
pair read with the longer text as premise (:func:`premise_first`), and the typed
findings, so any caller with those (the pipeline, ``score-pairs``, the nightly job)
computes exactly what training computed.

One read, not two: the combiner once also weighed the pair read the other way round (and
the max and min of both). On held-out real sets that ranked worse within each set than
the one read alone (mean ROC-AUC over ClaimDiff, Emergent, FNC-1, news-NLI and VitaminC
0.782 against 0.801 with the v3 model; benchmarks/README.md, "One read"), and it cost a
second pass of the model over every pair.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from divergence.checks import Finding, Kind, calls_false
from divergence.edits import restated
from divergence.errors import ModelError

COMBINER_NAME = "divergence-combiner"
COMBINER_FILE = "combiner.json"
ENV_COMBINER = "DIVERGENCE_COMBINER"
#: Typed check kinds whose strength is a feature of its own (0 when the check is silent).
CHECK_KINDS = (Kind.NUMERIC, Kind.NEGATION, Kind.CERTAINTY, Kind.DATE, Kind.ATTRIBUTION,
               Kind.EDIT)  # fmt: skip
FEATURES = (
    "p_contradiction", "p_entailment",
    *(f"check_{k.value}" for k in CHECK_KINDS),
    "checks_any", "token_similarity", "topic_overlap", "length_ratio",
    "check_x_topic", "contradiction_x_topic", "restated", "restated_x_contradiction",
    "called_false",
)  # fmt: skip


def default_combiner_path() -> Path:
    """``$DIVERGENCE_COMBINER``, else data/models/divergence-combiner/combiner.json."""
    env = os.environ.get(ENV_COMBINER)
    if env:
        return Path(env)
    root = Path(__file__).resolve().parent.parent
    return root / "data" / "models" / COMBINER_NAME / COMBINER_FILE


def premise_first(a: str, b: str) -> tuple[str, str]:
    """The pair as the model reads it for the combiner: the longer text (in words) as the
    premise, as in the data it learned from (article before headline, evidence before
    claim); the given order where they are as long."""
    return (b, a) if len(b.split()) > len(a.split()) else (a, b)


def features(
    a: str,
    b: str,
    probs: Sequence[float],
    findings: Sequence[Finding],
    overlap: float,
) -> list[float]:
    """The feature row of one pair. ``probs``: p(contradiction, entailment, neutral) for
    :func:`premise_first` of (a, b); ``overlap``: key-term overlap (divergence.terms)."""
    strength = {k: 0.0 for k in CHECK_KINDS}
    for f in findings:
        kind = Kind(f.kind)
        if kind in strength:
            strength[kind] = max(strength[kind], float(f.strength))
    checks_any = max(strength.values(), default=0.0)
    # A debunk ("X is a fake") against the story it debunks is told apart from a negated
    # word: the two are right at different rates (benchmarks/README.md, "A story called
    # false, weighed on its own").
    called = max((float(f.strength) for f in findings if calls_false(f)), default=0.0)
    p_c, p_e = float(probs[0]), float(probs[1])
    shorter, longer = sorted((len(a.split()), len(b.split())))
    # v2 read a reprint with one name spelled another way ("Islamic State" / "ISIS") as a
    # contradiction (p 0.96): the edit check knows better, the data says how much.
    same = float(restated(a, b))
    return [
        p_c, p_e,
        *(strength[k] for k in CHECK_KINDS),
        checks_any,
        fuzz.token_set_ratio(a.lower(), b.lower()) / 100,
        overlap,
        shorter / max(1, longer),
        checks_any * overlap,
        p_c * overlap,
        same,
        same * p_c,
        called,
    ]  # fmt: skip


@dataclass(frozen=True)
class Combiner:
    """Logistic weights over :data:`FEATURES` and an isotonic map to a calibrated probability."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    #: Centred isotonic calibration: raw logistic output -> probability, by linear
    #: interpolation between the centres of isotonic regression's steps.
    calibration_x: tuple[float, ...]
    calibration_y: tuple[float, ...]
    card: dict[str, Any]

    def raw(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = z @ np.asarray(self.weights) + self.intercept
        out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
        return out

    def predict(self, rows: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
        """Calibrated probabilities of a real disagreement, one per feature row."""
        matrix = np.asarray(rows, dtype=np.float64).reshape(-1, len(self.features))
        if not len(matrix):
            return np.zeros(0)
        out: np.ndarray = np.interp(self.raw(matrix), self.calibration_x, self.calibration_y)
        return out

    def applies_to(self, scorer_name: str) -> bool:
        """Whether this combiner was fitted on ``scorer_name``'s probabilities (the shipped
        model's ONNX variants give the same probabilities, within rounding)."""
        fitted = self.card.get("scorer")
        shipped = ("divergence-nli", "divergence-nli-onnx", "divergence-nli-int8")
        return fitted == scorer_name or (fitted in shipped and scorer_name in shipped)

    def to_json(self) -> str:
        return json.dumps(
            {"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
             "weights": list(self.weights), "intercept": self.intercept,
             "calibration_x": list(self.calibration_x),
             "calibration_y": list(self.calibration_y), "card": self.card},
            indent=1,
        ) + "\n"  # fmt: skip


def read_combiner(path: str | Path) -> Combiner:
    """A combiner from its JSON file; refuses one trained on other features."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        combiner = Combiner(
            tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]),
            tuple(data["weights"]), float(data["intercept"]), tuple(data["calibration_x"]),
            tuple(data["calibration_y"]), dict(data.get("card", {})),
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelError(f"{path}: not a divergence combiner ({type(e).__name__})") from None
    if combiner.features != FEATURES:
        raise ModelError(f"{path}: trained on other features than this divergence computes")
    return combiner


@lru_cache(maxsize=4)
def load_combiner(path: Path | None = None) -> Combiner | None:
    """The shipped combiner (cached), or None where it is missing (scores fall back to max)."""
    path = path or default_combiner_path()
    return read_combiner(path) if path.exists() else None
