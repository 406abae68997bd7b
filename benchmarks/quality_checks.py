"""Quality of the typed checks on public data they were never tuned on.

Usage:
  python benchmarks/quality_checks.py [--datasets ../shared/datasets] [--no-cosine]
  python benchmarks/quality_checks.py --typed [--since REF]        # old vs new, per kind
  python benchmarks/quality_checks.py --parsers                    # quantity parsers

The default prints ROC-AUC of the ``checks`` scorer's divergence (and, for comparison, of
plain cosine similarity from the bundled embedder, negated) for: ClaimDiff-weak ("claim B
weakens claim A"), Symmetric FEVER dev+test (refuting vs supporting evidence) and SNLI dev
(contradiction vs the rest), plus contradiction precision/recall at the default threshold.

``--typed`` runs the typed checks of the last commit (``git show HEAD:divergence/checks.py``,
or of ``--since REF``)
and of the working tree on the same pairs and prints how often each kind fires: on
paraphrases (MRPC label 1; STS-B main-news pairs scored >= 4) every firing is a false
alarm; on ClaimDiff, Emergent and FNC-1 it compares related pairs that differ with those
that agree. It also times each check on adversarial 10,000-character inputs and counts
the inputs on which a check raised.

``--parsers`` scores quantity parsers on tests/data/quantities.tsv: this project's
:mod:`divergence.quantities` and whichever of quantulum3, text2num and number-parser are
importable (they are not dependencies: ``pip install --target /tmp/qeval quantulum3
text2num number-parser`` and ``PYTHONPATH=/tmp/qeval``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib.util
import json
import re
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("numeric", "negation", "certainty", "date", "attribution")
Pairs = list[tuple[str, str]]


# ---- ROC-AUC of the checks scorer (the default) ---------------------------------------------
def claimdiff(root: Path, name: str = "weak") -> tuple[Pairs, list[int]]:
    path = root / "claimdiff" / f"ClaimDiff-{name}-train.json"
    rows = json.loads(path.read_text())["data"]
    return [(r["claim_a"], r["claim_b"]) for r in rows], [int(r["relation"]) for r in rows]


def fever(root: Path) -> tuple[Pairs, list[int]]:
    pairs, labels = [], []
    for name in ("fever_symmetric_dev.jsonl", "fever_symmetric_test.jsonl"):
        for line in (root / "fever_symmetric" / name).read_text().splitlines():
            r = json.loads(line)
            pairs.append((r["evidence"], r["claim"]))
            labels.append(int(r["label"] == "REFUTES"))
    return pairs, labels


def snli(root: Path) -> tuple[Pairs, list[int]]:
    pairs, labels = [], []
    for path in sorted((root / "snli_dev").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            r = json.loads(line)
            if r["label"] in ("entailment", "neutral", "contradiction"):
                pairs.append((r["premise"], r["hypothesis"]))
                labels.append(int(r["label"] == "contradiction"))
    return pairs, labels


def auc_table(datasets: Path, cosine: bool) -> None:
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    from divergence.embeddings import get_embedder
    from divergence.scoring import THRESHOLD, CheckScorer, score_texts

    embedder = get_embedder() if cosine else None
    print(f"| data | pairs | positives | ROC-AUC divergence | ROC-AUC -cosine | P | R | "
          f"F1 (threshold {THRESHOLD:.2f}) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, load in [
        ("ClaimDiff-weak (B weakens A)", claimdiff),
        ("Symmetric FEVER dev+test (refutes)", fever),
        ("SNLI dev (contradiction)", snli),
    ]:
        pairs, labels = load(datasets)
        scores = score_texts(pairs, scorer=CheckScorer())
        divergence = np.array([s.divergence for s in scores])
        y = np.array(labels)
        auc = roc_auc_score(y, divergence)
        cos_auc = float("nan")
        if embedder is not None:
            va = embedder.embed([a for a, _ in pairs])
            vb = embedder.embed([b for _, b in pairs])
            cos_auc = roc_auc_score(y, -np.sum(va * vb, axis=1))
        p, r, f, _ = precision_recall_fscore_support(
            y, divergence >= THRESHOLD, average="binary", zero_division=0
        )
        print(f"| {name} | {len(y)} | {int(y.sum())} | {auc:.3f} | {cos_auc:.3f} | {p:.3f} | "
              f"{r:.3f} | {f:.3f} |")  # fmt: skip


# ---- old vs new typed checks ----------------------------------------------------------------
def mrpc(root: Path) -> Pairs:
    pairs = []
    for name in ("msr_paraphrase_train.txt", "msr_paraphrase_test.txt"):
        for line in (root / "mrpc" / name).read_text(encoding="utf-8-sig").splitlines():
            cols = line.split("\t")
            if len(cols) == 5 and cols[0] == "1":
                pairs.append((cols[3], cols[4]))
    return pairs


def sts_news(root: Path) -> Pairs:
    pairs = []
    for name in ("sts-train.csv", "sts-dev.csv"):
        for line in (root / "stsbenchmark" / name).read_text().splitlines():
            cols = line.split("\t")
            if len(cols) >= 7 and cols[0] == "main-news" and float(cols[4]) >= 4.0:
                pairs.append((cols[5], cols[6]))
    return pairs


def claimdiff_split(root: Path) -> tuple[Pairs, Pairs]:
    """ClaimDiff weak + strength train: (relation 1, relation 0) pairs."""
    related: Pairs = []
    unrelated: Pairs = []
    for name in ("weak", "strength"):
        pairs, labels = claimdiff(root, name)
        for pair, label in zip(pairs, labels, strict=True):
            (related if label else unrelated).append(pair)
    return related, unrelated


def stance_split(path: Path, *, best_sentence: bool) -> tuple[Pairs, Pairs]:
    """(contradiction, entailment) pairs of an NLI-format JSONL; for FNC-1 the body sentence
    closest to the headline stands for the body (the checks compare sentences)."""
    from rapidfuzz import fuzz

    against: Pairs = []
    agree: Pairs = []
    for line in path.read_text().splitlines():
        r = json.loads(line)
        if r["label"] not in ("contradiction", "entailment"):
            continue
        premise = r["premise"]
        if best_sentence:
            sentences = re.split(r"(?<=[.!?])\s{1,5}", premise[:20_000])
            premise = max(sentences, key=lambda s: fuzz.token_set_ratio(s, r["hypothesis"]))
        (against if r["label"] == "contradiction" else agree).append((premise, r["hypothesis"]))
    return against, agree


def old_checks(ref: str = "HEAD") -> types.ModuleType:
    """The typed checks as of commit ``ref``, loaded from ``git show`` into a module."""
    source = subprocess.run(["git", "show", f"{ref}:divergence/checks.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout  # fmt: skip
    module = types.ModuleType("old_checks")
    sys.modules["old_checks"] = module  # dataclasses look their module up there
    exec(compile(source, "old_checks.py", "exec"), module.__dict__)
    return module


def fire_rates(run: Callable[..., list[Any]], pairs: Pairs) -> tuple[dict[str, float], int]:
    """Per kind, the share of pairs with a finding of that kind; and how many raised."""
    counts = dict.fromkeys((*KINDS, "any"), 0)
    errors = 0
    for a, b in pairs:
        try:
            kinds = {str(f.kind) for f in run(a, b, overlap=0.5)}
        except Exception:
            errors += 1
            continue
        for kind in kinds & set(KINDS):
            counts[kind] += 1
        counts["any"] += bool(kinds & set(KINDS))
    return {k: 100 * v / max(1, len(pairs)) for k, v in counts.items()}, errors


ADVERSARIAL = {
    "digits": "1" * 10_000,
    "digit runs and spaces": " ".join(["7" * 2_500] * 4),
    "digits, commas": "1," * 5_000,
    "spaces between digits": "1" + " " * 9_998 + "2",
    "long s": "ſ" * 10_000,
    "words with long s": "ſix thouſands Auguſt 5 " * 435,
    "mixed": ("12, 3 ſix 40-50 May 4th 1,000,000 at least K " * 230),
    "months and digits": ("May 1 " * 1_700),
}


def adversarial(module: Any) -> None:
    for name, text in ADVERSARIAL.items():
        start = time.perf_counter()
        try:
            module.run_checks(text, text[::-1], overlap=0.5)
            outcome = "ok"
        except Exception as e:
            outcome = type(e).__name__
        print(f"  {name:<24} {len(text):>6} chars  {time.perf_counter() - start:6.2f} s  {outcome}")


def typed_table(datasets: Path, since: str = "HEAD") -> None:
    from divergence import checks as new

    old = old_checks(since)
    related, unrelated = claimdiff_split(datasets)
    e_against, e_agree = stance_split(datasets / "emergent" / "emergent.jsonl", best_sentence=False)
    f_against, f_agree = stance_split(
        datasets / "fnc1_related" / "fnc1_related_train.jsonl", best_sentence=True
    )
    sets: list[tuple[str, Pairs]] = [
        ("MRPC paraphrases (label 1)", mrpc(datasets)),
        ("STS-B main-news, score >= 4", sts_news(datasets)),
        ("ClaimDiff relation 1", related),
        ("ClaimDiff relation 0", unrelated),
        ("Emergent against", e_against),
        ("Emergent for", e_agree),
        ("FNC-1 disagree (closest body sentence)", f_against),
        ("FNC-1 agree (closest body sentence)", f_agree),
    ]
    print(f"% of pairs on which each kind fires, old ({since}) -> new (working tree); errors: "
          "pairs on which the checks raised\n")  # fmt: skip
    print("| pairs | n | " + " | ".join(KINDS) + " | any | errors |")
    print("|---|---|" + "---|" * (len(KINDS) + 2))
    for name, pairs in sets:
        before, errors_before = fire_rates(old.run_checks, pairs)
        after, errors_after = fire_rates(new.run_checks, pairs)
        cells = [f"{before[k]:.1f} -> {after[k]:.1f}" for k in (*KINDS, "any")]
        print(f"| {name} | {len(pairs)} | " + " | ".join(cells)
              + f" | {errors_before} -> {errors_after} |")  # fmt: skip
    for label, module in (("old", old), ("new", new)):
        print(f"\nadversarial inputs, {label} checks:")
        adversarial(module)


# ---- quantity parsers -----------------------------------------------------------------------
def table_rows() -> list[list[str]]:
    path = ROOT / "tests" / "data" / "quantities.tsv"
    lines = (line for line in path.read_text().splitlines() if not line.startswith("#"))
    return list(csv.reader(lines, delimiter="\t"))[1:]


def _expected(value: str) -> list[tuple[float, float]]:
    if value == "none":
        return []
    low, _, high = value.partition("..")
    return [(float(low), float(high or low))]


_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


def _digit_values(text: str) -> list[tuple[float, float]]:
    values = []
    for m in _DIGITS.finditer(text):
        try:
            values.append((float(m.group().replace(",", "")),) * 2)
        except ValueError:
            continue
    return values


def parsers() -> dict[str, Callable[[str], list[tuple[float, float]]]]:
    from divergence.quantities import quantities

    found: dict[str, Callable[[str], list[tuple[float, float]]]] = {
        "divergence.quantities": lambda t: [(q.low, q.high) for q in quantities(t)],
        "a digit regex alone": _digit_values,
    }
    if importlib.util.find_spec("quantulum3"):
        from quantulum3 import classifier
        from quantulum3 import parser as q3

        classifier.USE_CLF = False  # its pickled model does not load with today's scikit-learn
        found["quantulum3"] = lambda t: [(float(q.value),) * 2 for q in q3.parse(t)]
    if importlib.util.find_spec("text_to_num"):
        from text_to_num import alpha2digit

        found["text2num + digit regex"] = lambda t: _digit_values(alpha2digit(t, "en"))
    if importlib.util.find_spec("number_parser"):
        from number_parser import parse

        found["number-parser + digit regex"] = lambda t: _digit_values(parse(t))
    return found


def _close(got: Iterable[tuple[float, float]], want: list[tuple[float, float]]) -> bool:
    got = list(got)
    return len(got) == len(want) and all(
        abs(g - w) <= 1e-3 * max(1.0, abs(w))
        for pg, pw in zip(got, want, strict=True)
        for g, w in zip(pg, pw, strict=True)
    )


def parser_table() -> None:
    rows = table_rows()
    long_text = ADVERSARIAL["mixed"]
    print(f"| parser | value or range right (of {len(rows)}) | seconds for the table | "
          f"seconds on {len(long_text):,} mixed characters |")  # fmt: skip
    print("|---|---|---|---|")
    for name, parse in parsers().items():
        start, right = time.perf_counter(), 0
        for row in rows:
            with contextlib.suppress(Exception):  # a parser that raises gets the row wrong
                right += _close(parse(row[0]), _expected(row[1]))
        took = time.perf_counter() - start
        start = time.perf_counter()
        try:
            parse(long_text)
        except Exception as e:
            print(f"  ({name} raised {type(e).__name__} on the long input)", file=sys.stderr)
        print(f"| {name} | {right} | {took:.2f} | {time.perf_counter() - start:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--no-cosine", action="store_true", help="skip the embedding baseline")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--typed", action="store_true", help="old vs new typed checks, per kind")
    parser.add_argument("--since", default="HEAD", help="--typed: the commit to compare with")
    mode.add_argument("--parsers", action="store_true", help="quantity parsers on the table")
    args = parser.parse_args()
    if args.typed:
        typed_table(args.datasets, args.since)
    elif args.parsers:
        parser_table()
    else:
        auc_table(args.datasets, cosine=not args.no_cosine)


if __name__ == "__main__":
    main()
