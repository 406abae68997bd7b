"""How often edited-reprint findings fire on real near-duplicate news sentences (MRPC).

Usage: python benchmarks/edits_quality.py [--datasets ../shared/datasets] [--split train]
       [--show N] [--label 0|1] [--seed S] [--min-strength X]

MRPC holds pairs of sentences from different outlets' stories on one event, labelled 1
when they are paraphrases (same meaning) and 0 when not. Among the near-duplicate pairs
(token similarity >= MIN_TOKEN_SIMILARITY, the gate of divergence.edits) it counts how many
get an ``edit`` finding, by the type of the strongest change, for each label. A precise
checker flags few paraphrases with a high-strength change (a real edit between two
paraphrases is possible, but rare) and more non-paraphrases. ``--show N`` prints N flagged
pairs of ``--label`` (a seeded sample of those at or above ``--min-strength``) to read.

MRPC has no gold edits, so recall is measured on edits made on purpose: every MRPC sentence
that allows it gets one checkable edit (a count + 2, "not" added, "will" -> "may", rose ->
fell, police -> troops, Monday -> Tuesday), which should be found as that kind, and one
style edit ("per cent", "US", "1234", curly quotes, lower case, ", Reuters reported"),
which should be found as nothing.
"""

from __future__ import annotations

import argparse
import random
import re
import shlex
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from divergence.edits import MIN_TOKEN_SIMILARITY, ChangeType, check_edit, token_similarity
from divergence.scoring import THRESHOLD


def mrpc(root: Path, split: str) -> list[tuple[int, str, str]]:
    """(label, sentence 1, sentence 2) rows of an MRPC file (BOM and header skipped)."""
    path = root / "mrpc" / f"msr_paraphrase_{split}.txt"
    rows = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("\t")
        if len(fields) != 5 or not fields[0].isdigit():
            continue  # the header line, or a malformed one
        rows.append((int(fields[0]), fields[3], fields[4]))
    return rows


_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*$")
_MONTH_AFTER = re.compile(r"\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")
_COUNT = re.compile(r"(?<![\w.,/:$-])(\d{1,3})(?![\w.,/:%-])")
_AUX = re.compile(r"\b(is|was|are|were|has|had|will|would)(?= )(?! not\b)")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_OPPOSITE = {"rose": "fell", "fell": "rose", "increased": "decreased", "decreased": "increased",
             "won": "lost", "higher": "lower", "lower": "higher", "gained": "lost"}  # fmt: skip
_ACTOR = {"police": "troops", "troops": "police", "rebels": "soldiers", "soldiers": "rebels",
          "protesters": "police"}  # fmt: skip


def _sub_first(pattern: str, text: str, make: Callable[[re.Match[str]], str]) -> str | None:
    edited, n = re.subn(pattern, make, text, count=1)
    return edited if n else None


def _count_plus_two(text: str) -> str | None:
    for m in _COUNT.finditer(text):
        if not _MONTH.search(text[: m.start()]) and not _MONTH_AFTER.match(text[m.end() :]):
            # a day of a month is the date check's
            return text[: m.start()] + str(int(m.group(1)) + 2) + text[m.end() :]
    return None


def _next_weekday(m: re.Match[str]) -> str:
    return _WEEKDAYS[(_WEEKDAYS.index(m.group(0)) + 1) % 7]


def _with_tail(text: str) -> str | None:
    body = text.rstrip()
    return body[:-1] + ", Reuters reported." if body.endswith(".") else None


#: Edits made to real sentences, each with the change it should be found as ("none": style).
SYNTHETIC: list[tuple[str, str, Callable[[str], str | None]]] = [
    ("a count + 2", "number", _count_plus_two),
    ("'not' after is/was/has/will...", "negation",
     lambda t: _sub_first(_AUX.pattern, t, lambda m: m.group(0) + " not")),
    ("will -> may", "modal", lambda t: _sub_first(r"\bwill\b", t, lambda m: "may")),
    ("rose/fell, won/lost...", "antonym",
     lambda t: _sub_first(r"\b(?:" + "|".join(_OPPOSITE) + r")\b(?!')", t,
                          lambda m: _OPPOSITE[m.group(0)])),
    ("police/troops, rebels/soldiers...", "agent",
     lambda t: _sub_first(r"\b(?:" + "|".join(_ACTOR) + r")\b", t, lambda m: _ACTOR[m.group(0)])),
    ("weekday + 1", "date", lambda t: _sub_first("|".join(_WEEKDAYS), t, _next_weekday)),
    ("percent -> per cent, % -> percent", "none",
     lambda t: re.sub(r"\s?%", " percent", t.replace("percent", "per cent"))
     if "percent" in t or "%" in t else None),
    ("U.S. -> US", "none", lambda t: t.replace("U.S.", "US") if "U.S." in t else None),
    ("1,234 -> 1234", "none", lambda t: _sub_first(r"(?<=\d),(?=\d{3})", t, lambda m: "")),
    ("straight -> curly quotes", "none",
     lambda t: re.sub(r'"([^"]*)"', r"“\1”", t) if '"' in t else None),
    ("all lower case", "none", lambda t: t.lower() if t != t.lower() else None),
    ("', Reuters reported' added", "none", _with_tail),
]  # fmt: skip


def synthetic(sentences: list[str]) -> None:
    """Each edit of SYNTHETIC made to every sentence it applies to: is it found as its kind?"""
    print("\n| edit made to a real sentence | expected | sentences | found as expected | "
          "another kind | nothing |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for name, expected, edit in SYNTHETIC:
        outcomes: Counter[str] = Counter()
        for text in sentences:
            edited = edit(text)
            if edited is None or edited == text:
                continue
            finding = check_edit(text, edited)
            found = "none" if finding is None else finding.note.split(":", 1)[0]
            outcomes[
                "expected" if found == expected else "nothing" if found == "none" else "other"
            ] += 1
        n = sum(outcomes.values())
        cells = " | ".join(f"{outcomes[k]} ({outcomes[k] / max(n, 1):.1%})"
                           for k in ("expected", "other", "nothing"))  # fmt: skip
        print(f"| {name} | {expected} | {n} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--split", choices=["train", "test"], default="train")
    parser.add_argument("--show", type=int, default=0, help="flagged pairs to print")
    parser.add_argument("--label", type=int, choices=[0, 1], default=1, help="of pairs shown")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--min-strength", type=float, default=THRESHOLD)
    args = parser.parse_args()
    print("command: python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]]))

    rows = mrpc(args.datasets, args.split)
    near = [(y, a, b) for y, a, b in rows if token_similarity(a, b) >= MIN_TOKEN_SIMILARITY]
    by_label: dict[int, Counter[str]] = {0: Counter(), 1: Counter()}
    flagged: dict[int, list[tuple[str, str, str, float]]] = {0: [], 1: []}
    for label, a, b in near:
        finding = check_edit(a, b)
        if finding is None:
            continue
        primary = finding.note.split(":", 1)[0]
        by_label[label][primary] += 1
        if finding.strength >= args.min_strength:
            by_label[label]["_strong"] += 1
            flagged[label].append((a, b, finding.note, finding.strength))

    totals = Counter(y for y, _, _ in rows)
    near_totals = Counter(y for y, _, _ in near)
    print(f"MRPC {args.split}: {len(rows)} pairs, {len(near)} near-duplicates "
          f"(token similarity >= {MIN_TOKEN_SIMILARITY})\n")  # fmt: skip
    print(
        "| label | pairs | near-duplicates | any edit | strength >= "
        f"{args.min_strength:.2f} | " + " | ".join(str(t) for t in ChangeType) + " |"
    )
    print("|---|---|---|---|---|" + "---|" * len(ChangeType))
    for label, name in ((1, "1 paraphrase"), (0, "0 not paraphrase")):
        counts = by_label[label]
        n = near_totals[label]
        edits = sum(v for k, v in counts.items() if k != "_strong")
        strong = counts["_strong"]
        cells = " | ".join(str(counts[str(t)]) for t in ChangeType)
        print(f"| {name} | {totals[label]} | {n} | {edits} ({edits / max(n, 1):.1%}) | "
              f"{strong} ({strong / max(n, 1):.1%}) | {cells} |")  # fmt: skip

    synthetic(sorted({s for _, a, b in rows for s in (a, b)}))

    if args.show:
        sample = flagged[args.label][:]
        random.Random(args.seed).shuffle(sample)
        kind = "paraphrases" if args.label else "non-paraphrases"
        print(f"\n{min(args.show, len(sample))} of {len(sample)} flagged {kind} "
              f"(strength >= {args.min_strength:.2f}, seed {args.seed}):")  # fmt: skip
        for k, (a, b, note, strength) in enumerate(sample[: args.show], 1):
            print(f"\n{k:2d}. [{strength:.2f}] {note}\n    A: {a}\n    B: {b}")


if __name__ == "__main__":
    main()
