"""Labelled sentence pairs for training and evaluating the contradiction model.

Readers for the public formats divergence trains and evaluates on (NLI JSONL, SICK,
ClaimDiff, FEVER), a deterministic train/dev/test split by a hash of each pair's group
(premise or topic, so one premise never sits on both sides of a split; SICK keeps its
own TRAIN/TRIAL/TEST sets, which share sentences across sets by design), and the
augmentation that turns news sentences into labelled contradictions.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from divergence.errors import InputError, UnknownFormat

#: The three NLI labels, in the order every scorer outputs them.
LABELS = ("contradiction", "entailment", "neutral")
#: A two-way label: the pair is *not* entailment (RTE), which the loss treats as such.
NOT_ENTAILMENT = "not_entailment"
EVAL_FORMATS = ("nli", "claimdiff", "sick")
SPLITS = ("train", "dev", "test")

_LABEL_NAMES = {
    "contradiction": "contradiction", "contradicts": "contradiction", "refutes": "contradiction",
    "entailment": "entailment", "entails": "entailment", "supports": "entailment",
    "neutral": "neutral", "not enough info": "neutral", "nei": "neutral",
    "not_entailment": NOT_ENTAILMENT, "not entailment": NOT_ENTAILMENT,
}  # fmt: skip


@dataclass(frozen=True)
class LabeledPair:
    """Premise ``a``, hypothesis ``b``, a label, where it came from and its split group."""

    a: str
    b: str
    label: str
    origin: str
    group: str


def label_name(raw: object) -> str:
    """A dataset's label mapped by name to one of :data:`LABELS` (or ``not_entailment``)."""
    name = _LABEL_NAMES.get(str(raw).strip().lower())
    if name is None:
        raise InputError(
            f"unknown label {raw!r} (expected one of {', '.join(sorted(_LABEL_NAMES))})"
        )
    return name


def split_of(group: str, *, dev: float = 0.1, test: float = 0.1) -> str:
    """``train``, ``dev`` or ``test`` for a group key, by a stable hash (no randomness)."""
    bucket = int(hashlib.sha256(group.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    if bucket < test:
        return "test"
    return "dev" if bucket < test + dev else "train"


def _clean(text: str) -> str:
    """Undo FEVER's tokenisation (-LRB-, spaces before punctuation)."""
    text = (
        text.replace("-LRB-", "(").replace("-RRB-", ")").replace("-LSB-", "[").replace("-RSB-", "]")
    )
    return re.sub(r"\s+([.,;:!?)\]])", r"\1", re.sub(r"([(\[])\s+", r"\1", text)).strip()


def read_nli(path: Path, origin: str | None = None) -> list[LabeledPair]:
    """JSONL pairs: premise/hypothesis/label, sentence1/sentence2/gold_label, a/b/label,
    or FEVER's claim with evidence (the evidence is the premise)."""
    pairs = []
    origin = origin or path.stem
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{lineno}: invalid JSON: {e.msg}") from None
        if "claim" in r:
            a, b = r.get("evidence") or r.get("evidence_sentence"), r["claim"]
        else:
            a = r.get("premise", r.get("sentence1", r.get("a")))
            b = r.get("hypothesis", r.get("sentence2", r.get("b")))
        raw = r.get("label", r.get("gold_label"))
        if not isinstance(a, str) or not isinstance(b, str) or raw is None:
            raise InputError(f"{path}:{lineno}: needs a premise, a hypothesis and a label")
        if str(raw).strip() in ("-", ""):
            continue  # SNLI's pairs without annotator agreement
        a, b = _clean(a), _clean(b)
        pairs.append(LabeledPair(a, b, label_name(raw), origin, a))
    return pairs


def read_sick(path: Path) -> list[LabeledPair]:
    """SICK.txt: tab-separated, with its own TRAIN/TRIAL/TEST column kept as the group."""
    pairs = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            label = label_name(row["entailment_label"])
            pairs.append(LabeledPair(row["sentence_A"], row["sentence_B"], label, "sick",
                                     f"sick:{row['SemEval_set'].strip().upper()}"))  # fmt: skip
    return pairs


def read_claimdiff(path: Path) -> list[LabeledPair]:
    """ClaimDiff: ``relation`` 1 means claim B weakens (or strengthens) claim A; grouped by topic.

    The label is ``contradiction`` for 1 and ``neutral`` for 0, for evaluating the
    divergence score, not for NLI training.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data["data"] if isinstance(data, dict) else data
    return [LabeledPair(r["claim_a"], r["claim_b"], "contradiction" if int(r["relation"]) else "neutral",
                        "claimdiff", f"claimdiff:{r['topic']}") for r in rows]  # fmt: skip


def read_pairs(path: str | Path, fmt: str) -> list[LabeledPair]:
    """Labelled pairs from a file in one of :data:`EVAL_FORMATS`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if fmt == "nli":
        return read_nli(path)
    if fmt == "sick":
        return read_sick(path)
    if fmt == "claimdiff":
        return read_claimdiff(path)
    raise UnknownFormat(f"unknown format {fmt!r} (expected one of {', '.join(EVAL_FORMATS)})")


def split(pairs: Iterable[LabeledPair], part: str) -> list[LabeledPair]:
    """The pairs of one split. SICK keeps its own sets (TRIAL is dev); others split by hash."""
    out = []
    for p in pairs:
        if p.group.startswith("sick:"):
            own = {"sick:TRAIN": "train", "sick:TRIAL": "dev", "sick:TEST": "test"}[p.group]
        else:
            own = split_of(p.group)
        if own == part:
            out.append(p)
    return out


# ---- augmentation ----------------------------------------------------------------------------
# An auxiliary followed by a space (so never the "can" of "can't") and not already negated.
_NEGATABLE = re.compile(
    r"\b(is|are|was|were|has|have|had|will|would|can|could|should|did|does|do)(?=\s)"
    r"(?!\s+(?:not\b|n['’]t))"
)
# A free-standing count: not part of a name ("COVID-19"), a decimal or an ordinal ("26th").
_NUMBER = re.compile(r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w,]*\d)(?![A-Za-z])")


def negate(sentence: str) -> str | None:
    """The sentence with its first auxiliary negated ("was" -> "was not"), or None."""
    match = _NEGATABLE.search(sentence)
    if not match:
        return None
    return f"{sentence[: match.end()]} not{sentence[match.end() :]}"


def change_number(sentence: str, rng: random.Random) -> str | None:
    """The sentence with one number changed by 20-90% (years left alone), or None."""
    candidates = [m for m in _NUMBER.finditer(sentence)
                  if not 1900 <= int(m.group(1).replace(",", "")) <= 2100]  # fmt: skip
    if not candidates:
        return None
    match = rng.choice(candidates)
    value = int(match.group(1).replace(",", ""))
    factor = rng.choice([0.1, 0.2, 0.5, 1.5, 2.0, 3.0])
    new = max(1, round(value * factor)) if value > 1 else value + rng.randint(2, 9)
    if new == value:
        new += 1
    text = f"{new:,}" if "," in match.group(1) else str(new)
    return f"{sentence[: match.start(1)]}{text}{sentence[match.end(1) :]}"


def augment(
    sentences: Sequence[str], *, seed: int = 0, origin: str = "augmented"
) -> list[LabeledPair]:
    """Contradictions made from news sentences by negating them or changing a number, so
    the model learns that these small edits flip a claim's meaning."""
    rng = random.Random(seed)
    out = []
    for s in sentences:
        for variant in (negate(s), change_number(s, rng)):
            if variant and variant != s:
                a, b = (s, variant) if rng.random() < 0.5 else (variant, s)
                out.append(LabeledPair(a, b, "contradiction", origin, s))
    return out


def paraphrases(path: str | Path) -> list[LabeledPair]:
    """MRPC pairs judged paraphrases, as entailment: the counterweight to :func:`augment`,
    so near-identical news sentences are not read as contradictions."""
    out = []
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 5 and row[0] == "1":
                out.append(LabeledPair(row[3], row[4], "entailment", "mrpc-paraphrase", row[3]))
    return out


def guess_format(path: str | Path) -> str:
    """The reader for a training or evaluation file, by its name."""
    name = Path(path).name.lower()
    if name.endswith(".jsonl"):
        return "nli"
    if name.startswith("sick") and name.endswith(".txt"):
        return "sick"
    if "claimdiff" in name and name.endswith(".json"):
        return "claimdiff"
    if name.startswith("sts-") and name.endswith(".csv"):
        return "sts"
    if name.startswith("msr_paraphrase"):
        return "mrpc"
    raise UnknownFormat(f"{path}: cannot tell its format from the name; give FILE:FORMAT")


def build_corpus(
    data: Sequence[tuple[str | Path, str]],
    *,
    augment_from: Sequence[tuple[str | Path, str]] = (),
    max_augmented: int = 3000,
    max_dev: int = 2000,
    seed: int = 0,
) -> tuple[list[LabeledPair], list[LabeledPair]]:
    """Train and dev pairs from labelled files (their test split is never read) plus
    augmentation from news sentences. Deterministic for a given seed."""
    rng = random.Random(seed)
    train: list[LabeledPair] = []
    dev: list[LabeledPair] = []
    for path, fmt in data:
        pairs = read_pairs(path, fmt)
        if fmt == "claimdiff":
            raise InputError(f"{path}: ClaimDiff labels are not NLI labels; use it with evaluate")
        train += split(pairs, "train")
        dev += split(pairs, "dev")
    sentences: list[str] = []
    made: list[LabeledPair] = []
    for path, fmt in augment_from:
        sentences += [s for s in read_sentences(path, fmt) if split_of(s) == "train"]
        if fmt == "mrpc":
            made += [p for p in paraphrases(path) if split_of(p.group) == "train"]
    made += augment(sorted(set(sentences)), seed=seed)
    rng.shuffle(made)
    train += made[:max_augmented]
    rng.shuffle(dev)
    return train, dev[:max_dev]


def read_sentences(path: str | Path, fmt: str) -> list[str]:
    """News sentences to augment: STS Benchmark (``sts``, main-news genre) or MRPC (``mrpc``)."""
    path = Path(path)
    sentences: list[str] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if fmt == "sts" and len(row) >= 7 and row[0] == "main-news":
                sentences += [row[5], row[6]]
            elif fmt == "mrpc" and len(row) >= 5 and row[0] in ("0", "1"):
                sentences += [row[3], row[4]]
    if fmt not in ("sts", "mrpc"):
        raise UnknownFormat(f"unknown sentence format {fmt!r} (expected sts or mrpc)")
    return list(dict.fromkeys(s.strip() for s in sentences if len(s.split()) >= 5))
