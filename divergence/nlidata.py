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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from divergence.errors import InputError, UnknownFormat

if TYPE_CHECKING:
    from divergence.premise import PremiseSelector

#: The three NLI labels, in the order every scorer outputs them.
LABELS = ("contradiction", "entailment", "neutral")
#: A two-way label: the pair is *not* entailment (RTE), which the loss treats as such.
NOT_ENTAILMENT = "not_entailment"
#: ``nli-2way``: JSONL whose ``neutral`` means "not entailment" (SciTail, MED monotonicity).
EVAL_FORMATS = ("nli", "nli-2way", "claimdiff", "sick")
#: Formats of sentence files to augment from: STS-B, MRPC, or the premises of an NLI JSONL.
SENTENCE_FORMATS = ("sts", "mrpc", "premises")
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


def read_nli(path: Path, origin: str | None = None, *, two_way: bool = False) -> list[LabeledPair]:
    """JSONL pairs: premise/hypothesis/label, sentence1/sentence2/gold_label, a/b/label,
    or FEVER's claim with evidence (the evidence is the premise).

    ``two_way``: the set has no contradiction class and its ``neutral`` means "not
    entailment" (it may be a contradiction), so it is read as ``not_entailment``. Pairs
    are grouped by premise, or by Wikipedia ``page`` where the record has one (VitaminC's
    revisions of one page share claims, which must not straddle a split).
    """
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
        label = label_name(raw)
        if two_way and label == "contradiction":
            raise InputError(f"{path}:{lineno}: a two-way set has no contradiction label")
        if two_way and label == "neutral":
            label = NOT_ENTAILMENT
        page = r.get("page")
        group = f"page:{page}" if isinstance(page, str) and page else a
        pairs.append(LabeledPair(a, b, label, origin, group))
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
    if fmt in ("nli", "nli-2way"):
        return read_nli(path, two_way=fmt == "nli-2way")
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


def augmented(sentences: Sequence[str], *, seed: int = 0) -> dict[str, list[LabeledPair]]:
    """Every kind of labelled variant of ``sentences``, by kind: ``negation-number``
    (:func:`augment`), ``modal``, ``quantity``, ``agent`` and ``restated``
    (:mod:`divergence.augment`).
    Sides are shuffled so the model learns each change in both directions."""
    from divergence.augment import (
        agent_variants,
        agents_in,
        modal_variants,
        quantity_variants,
        restated_variants,
    )

    rng = random.Random(seed)
    pool = sorted({a for s in sentences for a in agents_in(s)})
    kinds: dict[str, list[LabeledPair]] = {"negation-number": augment(sentences, seed=seed)}
    for kind in ("modal", "quantity", "agent", "restated"):
        made = []
        for s in sentences:
            if kind == "modal":
                variants = modal_variants(s, rng)
            elif kind == "quantity":
                variants = quantity_variants(s, rng)
            elif kind == "restated":
                variants = restated_variants(s, rng)
            else:
                variants = agent_variants(s, pool, rng)
            for variant, label in variants:
                if variant == s:
                    continue
                # A bound or a weaker modal read one way round only: keep the premise fixed
                # for entailment, shuffle sides for the symmetric labels.
                a, b = (s, variant) if label == "entailment" or rng.random() < 0.5 else (variant, s)
                made.append(LabeledPair(a, b, label, f"augmented-{kind}", s))
        kinds[kind] = made
    return kinds


def build_corpus(
    data: Sequence[tuple[str | Path, str]],
    *,
    augment_from: Sequence[tuple[str | Path, str]] = (),
    max_augmented: int = 3000,
    max_dev: int = 2000,
    max_per_set: int | None = None,
    seed: int = 0,
    premises: PremiseSelector | None = None,
) -> tuple[list[LabeledPair], list[LabeledPair]]:
    """Train and dev pairs from labelled files (their test split is never read) plus
    augmentation from news sentences. Deterministic for a given seed.

    ``max_per_set`` caps the training pairs taken from one file (a stable sample);
    ``max_augmented`` caps each kind of augmentation; ``premises`` shortens long premises
    (whole articles) to their sentences most relevant to the hypothesis.
    """
    rng = random.Random(seed)
    train: list[LabeledPair] = []
    dev: list[LabeledPair] = []
    for path, fmt in data:
        pairs = read_pairs(path, fmt)
        if fmt == "claimdiff":
            raise InputError(f"{path}: ClaimDiff labels are not NLI labels; use it with evaluate")
        own = split(pairs, "train")
        if max_per_set is not None and len(own) > max_per_set:
            own = random.Random(f"{seed}:{Path(path).name}").sample(own, max_per_set)
        train += own
        dev += split(pairs, "dev")
    sentences: list[str] = []
    made: list[LabeledPair] = []
    for path, fmt in augment_from:
        sentences += [s for s in read_sentences(path, fmt) if split_of(s) == "train"]
        if fmt == "mrpc":
            made += [p for p in paraphrases(path) if split_of(p.group) == "train"]
    for pairs in augmented(sorted(set(sentences)), seed=seed).values():
        rng.shuffle(pairs)
        made += pairs[:max_augmented]
    rng.shuffle(made)
    train += made
    rng.shuffle(dev)
    dev = dev[:max_dev]
    if premises is not None:
        train, dev = shorten(train, premises), shorten(dev, premises)
    return train, dev


def shorten(pairs: Sequence[LabeledPair], premises: PremiseSelector) -> list[LabeledPair]:
    """The pairs with each long premise cut down to its sentences relevant to the hypothesis."""
    short = premises.select_many([(p.a, p.b) for p in pairs])
    return [p if a == p.a else replace(p, a=a) for p, (a, _) in zip(pairs, short, strict=True)]


def read_sentences(path: str | Path, fmt: str, *, split: str = "train") -> list[str]:
    """News sentences to augment: STS Benchmark (``sts``, main-news genre), MRPC (``mrpc``)
    or the sentences of an NLI JSONL's premises (``premises``: FNC-1's news articles, only
    those of ``split``; the probes of benchmarks/nli_targets.py read the dev split's)."""
    path = Path(path)
    sentences: list[str] = []
    if fmt == "premises":
        from divergence.sentences import split_sentences

        # Only articles of one split: a test article's sentences must not be trained on.
        texts = dict.fromkeys(p.a for p in read_nli(path) if split_of(p.group) == split)
        for text in texts:
            sentences += [text[s:e] for s, e in split_sentences(text)]
        return list(dict.fromkeys(s.strip() for s in sentences if 6 <= len(s.split()) <= 40))
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if fmt == "sts" and len(row) >= 7 and row[0] == "main-news":
                sentences += [row[5], row[6]]
            elif fmt == "mrpc" and len(row) >= 5 and row[0] in ("0", "1"):
                sentences += [row[3], row[4]]
    if fmt not in SENTENCE_FORMATS:
        raise UnknownFormat(
            f"unknown sentence format {fmt!r} (expected {', '.join(SENTENCE_FORMATS)})"
        )
    return list(dict.fromkeys(s.strip() for s in sentences if len(s.split()) >= 5))
