"""Typed divergence checks between two claims, each with the evidence spans that triggered it.

These are transparent rules, not a learned model: each finding says what it saw (a number,
a negation, a hedge, a date, a speaker) and where, so a reader can judge it in seconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz


class Kind(str, Enum):
    """The type of a divergence; plain strings are accepted wherever a Kind is."""

    NUMERIC = "numeric"
    NEGATION = "negation"
    CERTAINTY = "certainty"
    DATE = "date"
    ATTRIBUTION = "attribution"
    #: An edited reprint: one sentence from two sources, identical but for a few words.
    EDIT = "edit"
    CONTRADICTION = "contradiction"  # from an NLI model, with no typed check behind it

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Span:
    """A piece of a claim's text, by character offsets into that claim."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Finding:
    """One typed reason two claims diverge, with the spans on each side and its strength in [0, 1]."""

    kind: Kind
    strength: float
    spans_a: tuple[Span, ...]
    spans_b: tuple[Span, ...]
    note: str


def _spans(pattern: re.Pattern[str], text: str) -> list[Span]:
    return [Span(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]


def _terms(pattern_words: Sequence[str]) -> re.Pattern[str]:
    words = sorted(pattern_words, key=len, reverse=True)  # longest first: "premature optimism"
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


# ---- numbers -------------------------------------------------------------------------------
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_WORD_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "a dozen": 12,
}  # fmt: skip
# Vague quantities are ranges: "hundreds" is 200-999, so it never matches "thousands".
_VAGUE = {
    "dozens": (24, 99), "scores": (40, 99), "hundreds": (200, 999), "thousands": (2e3, 999e3),
    "tens of thousands": (2e4, 99e4), "hundreds of thousands": (2e5, 999e3), "millions": (2e6, 999e6),
}  # fmt: skip
_NUM = re.compile(
    r"(?P<vague>\b(?:tens of thousands|hundreds of thousands|dozens|scores|hundreds|thousands|millions)\b)"
    r"|(?P<num>(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion)\b)?(?P<pct>\s*(?:%|percent\b|per cent\b))?"
    r"|(?P<word>\b(?:" + "|".join(sorted(_WORD_NUM, key=len, reverse=True)) + r")\b)",
    re.IGNORECASE,
)
_UNIT_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_UNIT_SKIP = {"of", "more", "than", "at", "least", "about", "around", "nearly", "some", "over",
              "the", "were", "was", "had", "have", "been", "are", "a", "an", "and", "in", "on",
              "by", "to", "as", "with", "almost", "up", "roughly", "approximately"}  # fmt: skip
#: Units too general to tie two counts together without shared context ("40 people killed"
#: and "33 people wounded" count different things).
_GENERIC_UNITS = {"people", "persons", "%", "times", "percent"}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip


@dataclass(frozen=True)
class Quantity:
    """A number or vague amount, the noun right after it, and the words around it."""

    low: float
    high: float
    unit: str
    context: frozenset[str]
    span: Span


def quantities(text: str) -> list[Quantity]:
    """Numbers and vague amounts in a text, with the noun they count (their unit)."""
    found = []
    for m in _NUM.finditer(text):
        if m.group("vague"):
            low, high = _VAGUE[m.group("vague").lower()]
        elif m.group("word"):
            low = high = float(_WORD_NUM[m.group("word").lower()])
        else:
            value = float(m.group("num").replace(",", ""))
            if m.group("scale"):
                value *= _SCALE[m.group("scale").lower()]
            elif _is_date_number(text, m.start(), m.end(), value):
                continue
            low = high = value
        after = _content_words(text[m.end() : m.end() + 60])
        before = _content_words(text[max(0, m.start() - 40) : m.start()])
        unit = "%" if m.group("pct") else (after[0] if after else "")
        context = frozenset(after[:3] + before[-2:])
        found.append(Quantity(low, high, unit, context, Span(m.start(), m.end(), m.group(0))))
    return found


def _is_date_number(text: str, start: int, end: int, value: float) -> bool:
    """Years and days of months belong to the date check, not the number check."""
    around = text[max(0, start - 12) : end + 12].lower()
    if any(month in around for month in _MONTHS):
        return True
    return value.is_integer() and 1900 <= value <= 2100 and "," not in text[start:end]


def _content_words(text: str) -> list[str]:
    return [w for w in (w.lower() for w in _UNIT_WORD.findall(text)) if w not in _UNIT_SKIP]


def _alike(a: str, b: str) -> bool:
    return a == b or a.rstrip("s") == b.rstrip("s") or fuzz.ratio(a, b) >= 80


def _same_thing(qa: Quantity, qb: Quantity) -> bool:
    """Whether two quantities count the same thing: same unit, or shared words around them."""
    shared_context = any(_alike(x, y) for x in qa.context for y in qb.context)
    if qa.unit and qb.unit:  # both name what they count: it must be the same thing
        return _alike(qa.unit, qb.unit) and (qa.unit not in _GENERIC_UNITS or shared_context)
    return shared_context and (qa.unit == "%") == (qb.unit == "%")


def check_numbers(a: str, b: str) -> Finding | None:
    """Two counts of the same thing that disagree: 40 against 33, thousands against hundreds."""
    best: tuple[float, Quantity, Quantity] | None = None
    qb_all = quantities(b)
    for qa in quantities(a):
        for qb in qb_all:
            if not _same_thing(qa, qb):
                continue
            if qa.low <= qb.high and qb.low <= qa.high:
                continue  # ranges overlap: consistent
            gap = max(qa.low - qb.high, qb.low - qa.high)
            relative = gap / max(abs(qa.low), abs(qb.low), 1e-9)
            if relative < 0.05:
                continue  # rounding, not disagreement
            strength = min(0.95, 0.55 + 0.4 * min(1.0, relative * 2))
            if best is None or strength > best[0]:
                best = (strength, qa, qb)
    if best is None:
        return None
    strength, qa, qb = best
    unit = qa.unit or "amount"
    return Finding(Kind.NUMERIC, round(strength, 3), (qa.span,), (qb.span,),
                   f"{qa.span.text} vs {qb.span.text} {unit}")  # fmt: skip


# ---- negation ------------------------------------------------------------------------------
_NEGATION_STRONG = _terms([r"not", r"no", r"never", r"\w+n't", r"denied", r"denies", r"deny",
                           r"rejected", r"rejects", r"refused", r"refuses", r"none", r"nobody",
                           r"nothing", r"neither", r"nor", r"no longer", r"false", r"untrue"])  # fmt: skip
_NEGATION_WEAK = _terms(
    [r"without", r"failed to", r"fails to", r"lack of", r"lacks?", r"absence of"]
)


def check_negation(a: str, b: str, overlap: float) -> Finding | None:
    """One claim negates what the other asserts; stronger the more the rest of them agree."""
    strong_a, strong_b = _spans(_NEGATION_STRONG, a), _spans(_NEGATION_STRONG, b)
    weak_a, weak_b = _spans(_NEGATION_WEAK, a), _spans(_NEGATION_WEAK, b)
    if bool(strong_a) != bool(strong_b):
        base, spans_a, spans_b = 0.3, strong_a, strong_b
    elif not strong_a and bool(weak_a) != bool(weak_b):
        base, spans_a, spans_b = 0.2, weak_a, weak_b
    else:
        return None
    strength = base + 0.5 * overlap
    negated = "A" if spans_a else "B"
    return Finding(Kind.NEGATION, round(min(strength, 0.9), 3), tuple(spans_a), tuple(spans_b),
                   f"only claim {negated} is negated")  # fmt: skip


# ---- certainty, hedging, stance --------------------------------------------------------------
_POSITIVE = _terms([
    r"significant progress", r"progress", r"breakthrough", r"optimism", r"optimistic", r"hopeful",
    r"agreement (?:was|has been|had been) reached", r"(?:deal|agreement) is close",
    r"close to (?:a|an) (?:deal|agreement)", r"on track", r"constructive", r"positive",
    r"successful", r"success", r"imminent", r"resolved", r"momentum", r"advanced", r"raising expectations",
    r"agreed", r"welcomed",
])  # fmt: skip
_NEGATIVE = _terms([
    r"(?:significant |major |wide )?gaps? (?:still )?(?:exists?|remains?)", r"significant gaps",
    r"disagreements?", r"obstacles?", r"stall(?:ed|s)?", r"stumbled?", r"stumbles", r"deadlock(?:ed)?",
    r"impasse", r"sticking points?", r"premature optimism", r"premature", r"caution(?:ed|s)?",
    r"cautious", r"far from", r"setbacks?", r"challenges", r"collapsed?", r"failed", r"failure",
    r"dampened hopes", r"hopes dim(?:med)?", r"pessimis(?:m|tic)", r"unresolved", r"no progress",
    r"no breakthrough", r"stalemate", r"rejected", r"broke down", r"lingering",
])  # fmt: skip
# "(?-i:may)": the hedge, never the month "May".
_HEDGES = _terms([r"(?-i:may)", r"might", r"could", r"reportedly", r"allegedly", r"possibly", r"perhaps",
                  r"unconfirmed", r"unclear", r"appears? to", r"seems? to", r"likely",
                  r"expected to", r"believed to", r"suspected"])  # fmt: skip
_BOOSTERS = _terms([r"confirmed", r"definitely", r"certainly", r"clearly", r"undoubtedly",
                    r"officially", r"proven", r"without doubt", r"in fact"])  # fmt: skip
_NEGATOR_BEFORE = re.compile(
    r"\b(?:no|not|never|without|little|lack of|hardly)\s+(?:\w+\s+){0,2}$", re.I
)


def _stance(text: str) -> tuple[list[Span], list[Span]]:
    """Optimistic and cautionary spans; a negated optimistic term ("no progress") is cautionary."""
    negative = _spans(_NEGATIVE, text)
    taken = [(s.start, s.end) for s in negative]
    positive = []
    for span in _spans(_POSITIVE, text):
        if any(s < span.end and span.start < e for s, e in taken):
            continue  # inside "premature optimism" or "no progress"
        if _NEGATOR_BEFORE.search(text[max(0, span.start - 30) : span.start]):
            negative.append(span)
        else:
            positive.append(span)
    return positive, negative


def check_certainty(a: str, b: str) -> Finding | None:
    """Optimism against caution ("significant progress" vs "gaps still exist"), or a firm
    statement against a hedged one ("confirmed" vs "reportedly")."""
    pos_a, neg_a = _stance(a)
    pos_b, neg_b = _stance(b)
    if len(pos_a) > len(neg_a) and len(neg_b) > len(pos_b):
        hits = min(len(pos_a), len(neg_b))
        return Finding(Kind.CERTAINTY, round(min(0.9, 0.6 + 0.1 * (hits - 1)), 3),
                       tuple(pos_a), tuple(neg_b), "optimistic A vs cautionary B")  # fmt: skip
    if len(neg_a) > len(pos_a) and len(pos_b) > len(neg_b):
        hits = min(len(neg_a), len(pos_b))
        return Finding(Kind.CERTAINTY, round(min(0.9, 0.6 + 0.1 * (hits - 1)), 3),
                       tuple(neg_a), tuple(pos_b), "cautionary A vs optimistic B")  # fmt: skip
    hedge_a, hedge_b = _spans(_HEDGES, a), _spans(_HEDGES, b)
    boost_a, boost_b = _spans(_BOOSTERS, a), _spans(_BOOSTERS, b)
    if boost_a and hedge_b and not hedge_a and not boost_b:
        return Finding(Kind.CERTAINTY, 0.4, tuple(boost_a), tuple(hedge_b), "firm A vs hedged B")
    if hedge_a and boost_b and not boost_a and not hedge_b:
        return Finding(Kind.CERTAINTY, 0.4, tuple(hedge_a), tuple(boost_b), "hedged A vs firm B")
    return None


# ---- dates ---------------------------------------------------------------------------------
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE = re.compile(
    r"\b(?P<wd>" + "|".join(_WEEKDAYS) + r")\b"
    r"|\b(?P<m1>"
    + "|".join(_MONTHS)
    + r")\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y1>\d{4}))?\b"
    r"|\b(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>"
    + "|".join(_MONTHS)
    + r")(?:,?\s+(?P<y2>\d{4}))?\b"
    r"|\b(?P<iso>\d{4}-\d{2}-\d{2})\b"
    r"|\b(?:in|since|by|during)\s+(?P<y3>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)


def _dates(text: str) -> list[tuple[str, str, Span]]:
    """(granularity, normalised value, span) for each date mention."""
    out = []
    for m in _DATE.finditer(text):
        span = Span(m.start(), m.end(), m.group(0))
        if m.group("wd"):
            out.append(("weekday", m.group("wd").lower(), span))
        elif m.group("iso"):
            out.append(("day", m.group("iso"), span))
        elif m.group("y3"):
            out.append(("year", m.group("y3"), span))
        else:
            month = (m.group("m1") or m.group("m2")).lower()
            day = int(m.group("d1") or m.group("d2"))
            if not 1 <= day <= 31:
                continue
            year = m.group("y1") or m.group("y2") or ""
            out.append(
                ("day", f"{year}-{_MONTHS.index(month) + 1:02d}-{day:02d}".lstrip("-"), span)
            )
    return out


def _all_have_year(values: set[str]) -> bool:
    return all(len(v) == 10 for v in values)


def check_dates(a: str, b: str) -> Finding | None:
    """The same kind of date, different values: "on Monday" vs "on Tuesday"."""
    dates_a, dates_b = _dates(a), _dates(b)
    for kind in ("day", "weekday", "year"):
        values_a = {v for k, v, _ in dates_a if k == kind}
        values_b = {v for k, v, _ in dates_b if k == kind}
        if kind == "day" and not (_all_have_year(values_a) and _all_have_year(values_b)):
            # "April 8" and "2024-04-08" agree: compare on what both give
            values_a = {v[-5:] for v in values_a}
            values_b = {v[-5:] for v in values_b}
        if values_a and values_b and not values_a & values_b:
            spans_a = tuple(s for k, _, s in dates_a if k == kind)
            spans_b = tuple(s for k, _, s in dates_b if k == kind)
            return Finding(Kind.DATE, 0.55, spans_a, spans_b,
                           f"{spans_a[0].text} vs {spans_b[0].text}")  # fmt: skip
    return None


# ---- attribution ---------------------------------------------------------------------------
def check_attribution(
    a: str, b: str, speaker_a: str | None, speaker_b: str | None
) -> Finding | None:
    """The same statement put in the mouths of different speakers."""
    if not speaker_a or not speaker_b or speaker_a.lower() == speaker_b.lower():
        return None
    if speaker_a not in a or speaker_b not in b:
        return None
    rest_a = a.replace(speaker_a, " ").strip()
    rest_b = b.replace(speaker_b, " ").strip()
    if fuzz.ratio(rest_a.lower(), rest_b.lower()) < 85:
        return None
    ia, ib = a.index(speaker_a), b.index(speaker_b)
    return Finding(Kind.ATTRIBUTION, 0.6, (Span(ia, ia + len(speaker_a), speaker_a),),
                   (Span(ib, ib + len(speaker_b), speaker_b),),
                   f"same statement, attributed to {speaker_a} vs {speaker_b}")  # fmt: skip


CheckFunction = Callable[[str, str], "Finding | None"]


def run_checks(
    a: str,
    b: str,
    *,
    overlap: float = 0.0,
    speaker_a: str | None = None,
    speaker_b: str | None = None,
) -> list[Finding]:
    """All typed checks on one pair, strongest first."""
    findings = [
        check_numbers(a, b),
        check_negation(a, b, overlap),
        check_certainty(a, b),
        check_dates(a, b),
        check_attribution(a, b, speaker_a, speaker_b),
    ]
    return sorted((f for f in findings if f is not None), key=lambda f: -f.strength)


def combine(findings: Sequence[Finding]) -> float:
    """Several independent reasons add up (noisy-or): 1 - prod(1 - strength)."""
    return round(1.0 - math.prod(1.0 - f.strength for f in findings), 4)
