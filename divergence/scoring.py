"""Stage 4: score pairs: p(contradiction/entailment/neutral) and typed divergence checks."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz

from divergence.checks import Finding, Kind, combine, run_checks
from divergence.combine import Combiner, features, premise_first
from divergence.edits import MEANINGFUL, check_edit
from divergence.embeddings import Backend
from divergence.errors import ModelError, UnknownModel
from divergence.terms import key_terms, term_overlap

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("divergence")

#: Column order of every scorer's output.
LABELS = ("contradiction", "entailment", "neutral")
#: divergence's own trained model (see divergence.nli); "checks" is the rule-based scorer.
#: Unnamed, it runs on ONNX Runtime where the ``fast`` extra is installed
#: (:func:`default_scorer`).
DEFAULT_SCORER = "divergence-nli"
CHECKS_SCORER = "checks"
#: The shipped model's name on each backend: torch, or ONNX Runtime fp32 / dynamic int8
#: (those two need the ``fast`` extra). A ``divergence train`` folder takes the backends as
#: ``PATH@onnx`` / ``PATH@onnx-int8``.
SHIPPED_SCORERS = {
    Backend.TORCH: "divergence-nli",
    Backend.ONNX: "divergence-nli-onnx",
    Backend.ONNX_INT8: "divergence-nli-int8",
}
ENV_SCORER = "DIVERGENCE_SCORER"
#: A pair is flagged when its divergence score reaches this, where the score is not the
#: calibrated combiner's (another scorer's probabilities, or no combiner installed).
THRESHOLD = 0.5
#: The flag level on the calibrated score (a probability that a person would call the pair a
#: real disagreement), unless the combiner's card names its own: at about one chance in
#: three. On the real-news dev set (benchmarks/e2e_quality.py) it flags 3.2% of agreeing
#: pairs (target at most 5%; 0.25 flags 7.7%, 0.3 5.9%); findings are ranked by the score
#: either way, and --threshold trades precision for recall.
CALIBRATED_THRESHOLD = 0.35


def combiner_for(scorer_name: str) -> Combiner | None:
    """The shipped combiner when it weighs ``scorer_name``'s probabilities, else None."""
    from divergence.combine import load_combiner

    combiner = load_combiner()
    return combiner if combiner is not None and combiner.applies_to(scorer_name) else None


def score_identity(scorer: ContradictionScorer) -> str:
    """What a stored score depends on besides its pair: the scorer's weights and the combiner
    that weighs them. A nightly store keys its cached scores on it, so a store kept across
    an upgrade of the model or the combiner scores its pairs again instead of mixing old
    scores with new ones."""
    combiner = combiner_for(scorer.name)
    if combiner is None:
        return scorer.identity()
    digest = hashlib.sha256(combiner.to_json().encode()).hexdigest()[:16]
    return f"{scorer.identity()}+combiner:{digest}"


def default_threshold(scorer: ContradictionScorer) -> float:
    """The flag level for ``scorer``: the shipped combiner's when it weighs this scorer's
    probabilities, else :data:`THRESHOLD`."""
    combiner = combiner_for(scorer.name)
    if combiner is not None:
        return float(combiner.card.get("threshold", CALIBRATED_THRESHOLD))
    return THRESHOLD


class ContradictionScorer(ABC):
    """Scores text pairs; subclasses implement :meth:`predict_batch`."""

    name: str = "scorer"
    batch_size: int = 32

    def load(self) -> None:  # noqa: B027 - optional hook, most scorers load lazily
        """Load the model now rather than on the first batch."""

    def identity(self) -> str:
        """What its probabilities depend on, for caches of scores: the name, unless a
        subclass knows which weights it reads."""
        return self.name

    @abstractmethod
    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        """Probabilities for one batch, shape (len(pairs), 3), columns in :data:`LABELS` order."""

    def predict(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> NDArray[np.float64]:
        """Probabilities for any number of pairs, in batches."""
        out = [np.zeros((0, 3))]
        for i in range(0, len(pairs), self.batch_size):
            batch = pairs[i : i + self.batch_size]
            out.append(np.asarray(self.predict_batch(batch), dtype=np.float64))
            if progress:
                progress(len(batch))
        return np.vstack(out)


class CheckScorer(ContradictionScorer):
    """Rule-based scores from the typed checks alone (``--scorer checks``): fast, no model.

    ``p_contradiction`` is the combined strength of the typed findings, ``p_entailment``
    grows with word overlap when nothing diverges, ``p_neutral`` is the rest. These are
    rule-based scores, not calibrated probabilities; every one is explained by evidence.
    """

    name = "checks"
    batch_size = 256

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        rows = []
        for a, b in pairs:
            overlap = term_overlap(key_terms(a), key_terms(b))
            contradiction = combine(run_checks(a, b, overlap=overlap))
            lexical = fuzz.token_set_ratio(a.lower(), b.lower()) / 100
            entailment = (1 - contradiction) * max(0.0, (lexical - 0.6) / 0.4)
            rows.append((contradiction, entailment, 1 - contradiction - entailment))
        return np.array(rows, dtype=np.float64).reshape(-1, 3)


class CrossEncoderScorer(ContradictionScorer):
    """Any sentence-transformers CrossEncoder NLI model, by local path or hub name.

    Labels are read by name from the model's ``id2label`` (never assumed by index).
    """

    def __init__(self, name_or_path: str, *, device: str = "cpu", batch_size: int = 32) -> None:
        self.name = name_or_path
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._columns: list[int] | None = None

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import CrossEncoder

            from divergence.embeddings import quiet_model_loading

            quiet_model_loading()
            try:
                self._model = CrossEncoder(self.name, device=self.device)
            except Exception as e:  # hub errors, missing files, bad configs: all one message
                raise ModelError(f"cannot load scorer {self.name!r}: {type(e).__name__}") from e
            self._columns = label_columns(self._model.config.id2label)
        return self._model

    def load(self) -> None:
        self.model  # noqa: B018 - the property loads it

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        model = self.model
        logits = np.asarray(
            model.predict(
                list(pairs),
                batch_size=self.batch_size,
                activation_fn=_identity,
                show_progress_bar=False,
            ),
            dtype=np.float64,
        ).reshape(len(pairs), -1)
        assert self._columns is not None
        return softmax(logits)[:, self._columns]


def _identity(x: Any) -> Any:
    return x


def softmax(logits: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def label_columns(id2label: dict[int, str] | dict[str, str]) -> list[int]:
    """Output columns of a model for contradiction, entailment, neutral, found by label name."""
    by_name: dict[str, int] = {}
    for index, label in id2label.items():
        by_name[str(label).strip().lower()] = int(index)
    columns = []
    for wanted in LABELS:
        matches = [i for name, i in by_name.items() if name.startswith(wanted[:6])]
        if len(matches) != 1:
            found = ", ".join(str(v) for v in id2label.values())
            raise ModelError(f"model labels ({found}) do not name exactly one {wanted!r} label")
        columns.append(matches[0])
    return columns


def _shipped_model(backend: Backend = Backend.TORCH) -> ContradictionScorer:
    from divergence.nli import NLIScorer, default_model_dir

    if not default_model_dir().exists():
        log.warning("the shipped model is missing at %s: using the rule-based 'checks' scorer",
                    default_model_dir())  # fmt: skip
        return CheckScorer()
    return NLIScorer(backend=backend)


SCORERS: dict[str, Callable[[], ContradictionScorer]] = {
    CHECKS_SCORER: CheckScorer,
    **{name: partial(_shipped_model, backend) for backend, name in SHIPPED_SCORERS.items()},
}


def default_scorer() -> str:
    """The scorer's name when none is given: :data:`DEFAULT_SCORER`, the shipped model, on
    ONNX Runtime fp32 where the ``fast`` extra (onnxruntime, onnx) is installed, else on torch.

    The two run the same weights: on 1,521 test pairs of MultiNLI and SNLI their
    probabilities differ by at most 3e-6 and every label agrees, and ONNX Runtime reads
    1.7 times the pairs per second of torch on 2 cores (benchmarks/nli_speed.py). Name
    ``divergence-nli`` to keep torch.
    """
    # Compared, not assumed: where DEFAULT_SCORER is set to another scorer (the unit tests
    # set the rule-based one), that scorer is the default on every install.
    if SHIPPED_SCORERS[Backend.TORCH] == DEFAULT_SCORER and fast_extra_installed():
        return SHIPPED_SCORERS[Backend.ONNX]
    return DEFAULT_SCORER


def fast_extra_installed() -> bool:
    """Whether onnxruntime and onnx can be imported (found, not imported: that costs a second)."""
    return all(importlib.util.find_spec(module) is not None for module in ("onnxruntime", "onnx"))


def get_scorer(name: str | None = None) -> ContradictionScorer:
    """A scorer by registered name, a ``divergence train`` output folder (``@onnx`` or
    ``@onnx-int8`` after it picks that backend), or a CrossEncoder NLI model by path or hub name.

    ``None`` means ``$DIVERGENCE_SCORER`` or :func:`default_scorer`, the shipped model.
    """
    name = name or os.environ.get(ENV_SCORER) or default_scorer()
    if name in SCORERS:
        return SCORERS[name]()
    folder, at, backend = name.rpartition("@")
    if not at or backend not in (Backend.ONNX, Backend.ONNX_INT8) or Path(name).exists():
        folder, backend = name, Backend.TORCH.value
    if (Path(folder) / "divergence-model.json").exists():
        from divergence.nli import NLIScorer

        return NLIScorer(folder, backend=backend)
    if Path(name).exists() or "/" in name:
        return CrossEncoderScorer(name)
    raise UnknownModel(
        f"unknown scorer {name!r} (known: {', '.join(sorted(SCORERS))}; "
        "or a model folder or CrossEncoder path)"
    )


@dataclass(frozen=True)
class Score:
    """The verdict on one pair: model probabilities, typed findings and the final divergence."""

    p_contradiction: float
    p_entailment: float
    p_neutral: float
    label: str
    divergence: float
    kind: str | None
    findings: tuple[Finding, ...]


def typed_findings(
    a: str,
    b: str,
    *,
    overlap: float,
    speaker_a: str | None = None,
    speaker_b: str | None = None,
) -> tuple[Finding, ...]:
    """The typed checks and the edited-reprint check on one pair, strongest first."""
    checks = run_checks(a, b, overlap=overlap, speaker_a=speaker_a, speaker_b=speaker_b)
    edit = check_edit(a, b)  # an edited reprint: None unless the two are near-identical
    if edit is not None and edit.strength < MEANINGFUL:
        edit = None  # a synonym or another name for one party: shown nowhere, flagged never
    return tuple(sorted([*checks, *([edit] if edit else [])], key=lambda f: -f.strength))


def score_texts(
    pairs: Sequence[tuple[str, str]],
    *,
    scorer: ContradictionScorer,
    speakers: Sequence[tuple[str | None, str | None]] | None = None,
    threshold: float = THRESHOLD,
    progress: Callable[[int], None] | None = None,
    combiner: Combiner | bool | None = True,
) -> list[Score]:
    """Score text pairs with a model and the typed checks.

    ``divergence`` is the calibrated probability that a person would call the pair a real
    disagreement, from the shipped combiner (:mod:`divergence.combine`) over the model's
    probabilities, each typed check's strength and the pair's overlap. Pass
    ``combiner=False`` (or where no combiner is installed) for the older rule: the stronger
    of p(contradiction) and the typed findings' combined strength. ``kind`` names the
    strongest finding, or ``contradiction`` when only the model saw one. A pair at or
    above ``threshold`` (default: :func:`default_threshold`) is labelled contradiction,
    never entailment.

    The model reads each pair once, the longer text as premise
    (:func:`~divergence.combine.premise_first`), whether or not a combiner applies: a
    scorer that returns stored rows (the nightly job's) must hold them for that order.
    """
    from divergence.combine import load_combiner

    if threshold is None:
        threshold = default_threshold(scorer)
    model = load_combiner() if combiner is True else (combiner or None)
    if combiner is True and model is not None and not model.applies_to(scorer.name):
        model = None  # its weights mean nothing for another scorer's probabilities
    probs = scorer.predict([premise_first(a, b) for a, b in pairs], progress=progress)
    found: list[tuple[Finding, ...]] = []
    rows = []
    for index, (a, b) in enumerate(pairs):
        speaker_a, speaker_b = speakers[index] if speakers else (None, None)
        overlap = term_overlap(key_terms(a), key_terms(b))
        findings = typed_findings(a, b, overlap=overlap, speaker_a=speaker_a, speaker_b=speaker_b)
        found.append(findings)
        if model is not None:
            rows.append(features(a, b, probs[index], findings, overlap))
    learned = model.predict(np.array(rows)) if model is not None and rows else None
    out = []
    for index, findings in enumerate(found):
        p_c, p_e, p_n = (float(x) for x in probs[index])
        divergence = float(learned[index]) if learned is not None else max(p_c, combine(findings))
        if divergence >= threshold or (learned is None and p_c >= max(p_e, p_n)):
            label = "contradiction"
        else:
            label = max((("contradiction", p_c), ("entailment", p_e), ("neutral", p_n)),
                        key=lambda item: item[1])[0]  # fmt: skip
            if label == "contradiction" and learned is not None:
                label = "neutral"  # the calibrated score, not the model alone, flags a pair
        kind: str | None = findings[0].kind.value if findings else None
        if kind is None and label == "contradiction":
            kind = Kind.CONTRADICTION.value
        out.append(Score(round(p_c, 4), round(p_e, 4), round(p_n, 4), label,
                         round(divergence, 4), kind, findings))  # fmt: skip
    return out
