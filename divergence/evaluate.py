"""Measure a scorer on labelled pairs: accuracy, per-class P/R/F1, ROC-AUC, confusion, ECE."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from divergence.nlidata import LABELS, NOT_ENTAILMENT, LabeledPair
from divergence.scoring import ContradictionScorer, score_texts

ECE_BINS = 10


@dataclass(frozen=True)
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    """How a scorer did on one labelled set. Metrics a set cannot support are None.

    ``accuracy``/``per_class``/``macro_f1``/``confusion``/``ece`` need 3-way labels;
    ``roc_auc_contradiction`` (p_contradiction) and ``roc_auc_divergence`` (the final
    divergence score) rank contradiction-labelled pairs against the rest.
    """

    n: int
    scorer: str
    accuracy: float | None
    macro_f1: float | None
    #: Accuracy of the model's own argmax, before the typed checks can overrule it.
    model_accuracy: float | None = None
    per_class: dict[str, ClassMetrics] = field(default_factory=dict)
    confusion: list[list[int]] | None = None
    ece: float | None = None
    roc_auc_contradiction: float | None = None
    roc_auc_divergence: float | None = None
    labels: tuple[str, ...] = LABELS


def roc_auc(positive: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve by the rank-sum formula (ties get average ranks)."""
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_scores = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def expected_calibration_error(
    probs: np.ndarray, target: np.ndarray, bins: int = ECE_BINS
) -> float:
    """ECE of the top-class probability over equal-width confidence bins."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == target
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(total)


def evaluate(pairs: Sequence[LabeledPair], scorer: ContradictionScorer) -> Evaluation:
    """Score ``pairs`` with ``scorer`` (and the typed checks) and measure the result."""
    scores = score_texts([(p.a, p.b) for p in pairs], scorer=scorer)
    probs = np.array([[s.p_contradiction, s.p_entailment, s.p_neutral] for s in scores]).reshape(
        -1, 3
    )
    divergence = [s.divergence for s in scores]
    is_contradiction = [p.label == "contradiction" for p in pairs]
    auc_c = roc_auc(is_contradiction, probs[:, 0].tolist())
    auc_d = roc_auc(is_contradiction, divergence)

    three_way = [i for i, p in enumerate(pairs) if p.label in LABELS and p.label != NOT_ENTAILMENT]
    labels_seen = {pairs[i].label for i in three_way}
    if len(labels_seen) < 3:  # binary sets (FEVER, ClaimDiff): ranking metrics only
        return Evaluation(len(pairs), scorer.name, None, None, roc_auc_contradiction=auc_c,
                          roc_auc_divergence=auc_d)  # fmt: skip
    target = np.array([LABELS.index(pairs[i].label) for i in three_way])
    # The pipeline's own label: contradiction first (as score_texts decides it), then argmax.
    predicted = np.array([LABELS.index(scores[i].label) for i in three_way])
    confusion = np.zeros((3, 3), dtype=int)
    for t, p in zip(target, predicted, strict=True):
        confusion[t, p] += 1
    per_class = {}
    for k, name in enumerate(LABELS):
        tp = confusion[k, k]
        precision = tp / confusion[:, k].sum() if confusion[:, k].sum() else 0.0
        recall = tp / confusion[k].sum() if confusion[k].sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = ClassMetrics(round(float(precision), 4), round(float(recall), 4),
                                       round(float(f1), 4), int(confusion[k].sum()))  # fmt: skip
    return Evaluation(
        n=len(pairs),
        scorer=scorer.name,
        accuracy=round(float((predicted == target).mean()), 4),
        model_accuracy=round(float((probs[three_way].argmax(axis=1) == target).mean()), 4),
        macro_f1=round(float(np.mean([m.f1 for m in per_class.values()])), 4),
        per_class=per_class,
        confusion=confusion.tolist(),
        ece=round(expected_calibration_error(probs[three_way], target), 4),
        roc_auc_contradiction=None if auc_c is None else round(auc_c, 4),
        roc_auc_divergence=None if auc_d is None else round(auc_d, 4),
    )
