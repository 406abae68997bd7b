"""Typed divergence checks between two claims, each with the evidence spans that triggered it.

These are transparent rules, not a learned model: each finding says what it saw (a number,
a negation, a hedge, a date, a speaker or an agent) and where, so a reader can judge it in
seconds. They aim at precision on real news: a check fires only where a fact-checker would
see a disagreement about the same thing, and its ``strength`` is near 1 only for a clear one.

- **numeric**: two amounts of the same thing that cannot both hold, read by
  :mod:`divergence.quantities` (qualifiers, ranges, units and what is counted);
- **negation**: one claim negates what the other asserts;
- **certainty**: optimism against caution, or one statement at two rungs of the modal
  ladder ("probably" vs "possibly", "confirmed" vs "unlikely");
- **date**: one event on two dates; when someone *said* something is not compared;
- **attribution**: one statement put in the mouths of two speakers, or one action on one
  target done by two different agents ("blown up by army units" vs "rebels sabotaged").

Every pattern is linear in its input (no nested repetition over the same characters, every
gap bounded), and every table lookup goes through :func:`divergence.quantities.key`, so
text that ``re.IGNORECASE`` matches ("ſix", "Auguſt", the Kelvin sign) never raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz

from divergence.attribution import names_someone
from divergence.memo import per_text
from divergence.quantities import (
    EVENTS,
    Qualifier,
    Quantity,
    comparable,
    conflict,
    key,
    quantities,
)


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
    return list(_matches(text, pattern))


# Each check's cue words are searched once per pair a claim is in; the matches are kept.
@per_text(maxsize=16384)
def _matches(text: str, pattern: re.Pattern[str]) -> tuple[Span, ...]:
    return tuple(Span(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text))


def _terms(pattern_words: Sequence[str]) -> re.Pattern[str]:
    words = sorted(pattern_words, key=len, reverse=True)  # longest first: "premature optimism"
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


# ---- numbers -------------------------------------------------------------------------------
_MAX_AMOUNTS = 40


def check_numbers(a: str, b: str) -> Finding | None:
    """Two amounts of the same thing that cannot both be true: "17 crew missing" vs "19 crew
    missing", thousands vs hundreds. What counts as the same thing, and which bounds and
    approximations agree ("at least 50" and 64), is :mod:`divergence.quantities`'s call.

    Strength grows with the relative gap (0.55 to 0.95) and shrinks when the match is weak
    (only a verb or a unit ties the two together), when either is a vague amount
    ("hundreds"), when both are bounds the same way ("at least 40" / "at least 33"), and
    when little else around the two numbers is shared.
    """
    best: tuple[float, Quantity, Quantity, str] | None = None
    # A claim is a sentence: past a few dozen amounts it is a table, and every pair of them
    # would cost time for nothing.
    found_a, found_b = quantities(a, limit=_MAX_AMOUNTS), quantities(b, limit=_MAX_AMOUNTS)
    matches = {(i, j): comparable(qa, qb) for i, qa in enumerate(found_a)
               for j, qb in enumerate(found_b)}  # fmt: skip
    gaps = {ij: conflict(found_a[ij[0]], found_b[ij[1]]) for ij, m in matches.items() if m}
    # "65 cases on May 22 and 55 on May 23" on both sides is no 65-vs-55 disagreement: a
    # figure the other claim also gives, for the same thing, is agreed on
    agreed_a = {i for (i, _), gap in gaps.items() if gap is None}
    agreed_b = {j for (_, j), gap in gaps.items() if gap is None}
    for (i, j), gap in gaps.items():
        match = matches[(i, j)]
        if gap is None or match is None or i in agreed_a or j in agreed_b:
            continue
        qa, qb = found_a[i], found_b[j]
        strength = 0.55 + 0.4 * min(1.0, gap * 2)
        if _exact(qa) and _exact(qb):
            strength = max(strength, 0.75)  # 17 vs 19 missing: small, but no doubt
        strength *= match.confidence
        if (
            qa.vague
            or qb.vague
            or (qa.qualifier is qb.qualifier and qa.qualifier is not Qualifier.EXACT)
        ):
            strength *= 0.85
        shared = len(qa.context & qb.context) / max(1, min(len(qa.context), len(qb.context)))
        strength *= 0.8 + 0.2 * min(1.0, shared * 2)
        if best is None or strength > best[0]:
            best = (strength, qa, qb, match.what)
    if best is None:
        return None
    strength, qa, qb, what = best
    return Finding(Kind.NUMERIC, round(min(strength, 0.95), 3),
                   (Span(qa.start, qa.end, qa.text),), (Span(qb.start, qb.end, qb.text),),
                   f"{what}: {qa.text} vs {qb.text}")  # fmt: skip


def _exact(q: Quantity) -> bool:
    """A precise report: an exact, non-round number ("17", "1,962"), not "40" or "hundreds"."""
    return (
        q.qualifier is Qualifier.EXACT and not q.vague and q.low == q.high and q.bounds[0] == q.low
    )


# ---- negation ------------------------------------------------------------------------------
_NEGATION_STRONG = _terms([r"not", r"no", r"never", r"\w{1,20}n't", r"denied", r"denies", r"deny",
                           r"rejected", r"rejects", r"refused", r"refuses", r"none", r"nobody",
                           r"nothing", r"neither", r"nor", r"no longer", r"false", r"untrue"])  # fmt: skip
_NEGATION_WEAK = _terms(
    [r"without", r"failed to", r"fails to", r"lack of", r"lacks?", r"absence of"]
)


#: Auxiliary verbs: skipped by a negation's scope, and where a clause's subject ends.
_AUXILIARY = frozenset(
    ["is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does",
     "did", "will", "would", "can", "could", "shall", "should", "may", "might", "must"]
)  # fmt: skip
#: Words a negation's scope skips to reach what it negates ("did not even accept the ...").
_SCOPE_SKIP = _AUXILIARY | frozenset(
    ["a", "an", "the", "to", "of", "any", "even", "yet", "so", "that", "this", "these",
     "those", "it", "its", "their", "his", "her", "there", "he", "she", "they", "we"]
)  # fmt: skip
_SCOPE_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+")
#: After the cue, "false" and "untrue" follow what they negate ("the report is false").
_NEGATES_BEFORE = frozenset({"false", "untrue"})
_THAT_CLAUSE = re.compile(r"\s{1,3}that\b", re.IGNORECASE)
#: Punctuation right after a cue ("No, ...", "No!"): an answer, not a negation.
_ANSWER = re.compile(r"\s{0,2}[,!?;:.\u2014\u2013]")


def _word_key(word: str) -> str:
    # Five letters match "approved"/"approve" and "accept"/"accepted" without a stemmer.
    return word.lower()[:5]


def _word_keys(text: str) -> set[str]:
    return {_word_key(w) for w in _SCOPE_WORD.findall(text)}


def _negated_words(text: str, cue: Span) -> list[str]:
    """The content words the cue negates, nearest first: those after it, or for "false" those
    before it."""
    if cue.text.lower() in _NEGATES_BEFORE:
        words = _SCOPE_WORD.findall(text[max(0, cue.start - 100) : cue.start])[::-1]
    elif _ANSWER.match(text, cue.end) and not _NEGATION_STRONG.search(text, cue.end):
        # "No, it's the Batmobile!" answers and negates nothing; "No, a bird did not poop on
        # Putin" is a debunking headline's form.
        return []
    else:
        words = _SCOPE_WORD.findall(text[cue.end : cue.end + 100])
    return [w for w in words if w.lower() not in _SCOPE_SKIP][:5]


def _clause_subject_head(text: str, cue: Span) -> str | None:
    """The last word of the subject of the that-clause after ``cue`` ("wife" in "denied that
    al-Baghdadi's wife had been arrested"), or None where no auxiliary ends it soon."""
    that = _THAT_CLAUSE.match(text, cue.end)
    if not that:
        return None
    # The words the other claim's keys are made of (_word_keys), so the head can match one.
    words = _SCOPE_WORD.findall(text[that.end() : that.end() + 80])[:7]
    for k, word in enumerate(words):
        if word.lower() in _AUXILIARY:
            subject = [w for w in words[:k] if w.lower() not in _SCOPE_SKIP]
            return subject[-1] if subject else None
    return None


def _reaches_clause(text: str, cue: Span, words: Sequence[str], keys: set[str]) -> bool:
    """Whether a denied that-clause reaches the other claim (``keys``) past its subject's
    first word, and through its subject's head where one is found: "denied that
    al-Baghdadi's wife had been arrested" is about the wife, not any arrest."""
    if not keys.intersection(_word_key(w) for w in words[1:]):
        return False
    head = _clause_subject_head(text, cue)
    return head is None or _word_key(head) in keys


def _in_scope(cues: Sequence[Span], negated: str, other: str) -> list[Span]:
    """The cues whose negated word the other claim asserts. On real labelled news pairs this
    keeps the check's firings on contradictions and drops most on agreeing pairs ("Bale will
    not play Jobs" / "Bale drops out of the Jobs biopic"): benchmarks/README.md, "Negation
    in scope"."""
    keys = _word_keys(other)
    out = []
    for cue in cues:
        words = _negated_words(negated, cue)
        if not words or _word_key(words[0]) not in keys:
            continue
        # "denied that al-Baghdadi's wife had been arrested" negates the arrest, not the
        # man the clause starts with: the clause must reach the other claim past its subject.
        if _THAT_CLAUSE.match(negated, cue.end) and not _reaches_clause(negated, cue, words, keys):
            continue
        out.append(cue)
    return out


#: The note of a negation finding where one claim calls the story false (:func:`called_false`).
CALLS_FALSE = "only claim {} calls it false"


def calls_false(finding: Finding) -> bool:
    """Whether a negation finding is one claim calling the story false, not a negated word."""
    return finding.kind == Kind.NEGATION and finding.note in (
        CALLS_FALSE.format("A"), CALLS_FALSE.format("B"),
    )  # fmt: skip


def check_negation(a: str, b: str, overlap: float) -> Finding | None:
    """One claim negates what the other asserts (the negated word is in both), or calls the
    story false (:func:`called_false`); stronger the more the rest of them agree."""
    strong_a, strong_b = _spans(_NEGATION_STRONG, a), _spans(_NEGATION_STRONG, b)
    weak_a, weak_b = _spans(_NEGATION_WEAK, a), _spans(_NEGATION_WEAK, b)
    spans_a: list[Span] = []
    spans_b: list[Span] = []
    if bool(strong_a) != bool(strong_b):
        base, spans_a, spans_b = 0.3, strong_a, strong_b
    elif not strong_a and bool(weak_a) != bool(weak_b):
        base, spans_a, spans_b = 0.2, weak_a, weak_b
    spans_a, spans_b = _in_scope(spans_a, a, b), _in_scope(spans_b, b, a)
    if _retold(b if spans_a else a):
        spans_a = spans_b = []  # "Culkin is not dead" / "a fake story claimed he died": agree
    note = "only claim {} is negated"
    if not spans_a and not spans_b:
        false_a, false_b = called_false(a, b), called_false(b, a)
        if bool(false_a) == bool(false_b):
            return None
        base, spans_a, spans_b, note = 0.3, false_a, false_b, CALLS_FALSE
    strength = base + 0.5 * overlap
    return Finding(Kind.NEGATION, round(min(strength, 0.9), 3), tuple(spans_a), tuple(spans_b),
                   note.format("A" if spans_a else "B"))  # fmt: skip


# A debunking headline rarely negates the rumour's own words: "Woman with three breasts is a
# fake", "Priest's claim dismissed as hoax", "NASA raises doubts about reports of meteorite",
# "The Hairgate is not a thing". These call the story itself false.
_CALLED_FALSE = _terms(
    [r"hoax(?:es)?", r"fake[ds]?", r"fabricat(?:ed|ion)", r"bogus", r"phon(?:e)?y", r"myths?",
     r"debunk(?:ed|s|ing)?", r"satir(?:e|ical)", r"false(?:ly)?", r"untrue", r"misleading",
     r"not (?:real|true|a thing)", r"no evidence", r"unfounded", r"baseless", r"made up",
     r"never happened", r"(?:raises?|raised|raising|casts?|casting) doubts?",
     r"doubts? (?:cast|raised|over|about|on)", r"dismissed as", r"discredited", r"refuted?",
     r"denies", r"denied", r"deny", r"denying", r"duped", r"fooled", r"fell for",
     r"actually believed?"]
)  # fmt: skip
#: "fake passports", "bogus charges": the word says what is false. It calls the story false
#: only where that is a report of it or what the other claim is about.
_ATTRIBUTIVE = frozenset(["fake", "faked", "fakes", "fabricated", "bogus", "phony", "phoney",
                          "false", "falsely", "misleading"])  # fmt: skip
_REPORTS = frozenset(
    ["news", "report", "reports", "story", "stories", "claim", "claims", "video", "videos",
     "photo", "photos", "picture", "pictures", "image", "images", "post", "posts", "tweet",
     "tweets", "rumor", "rumors", "rumour", "rumours", "article", "account", "quote", "site",
     "allegation", "allegations", "accusation", "accusations"]
)  # fmt: skip
#: What a denial calls false by naming it: a report of the story, or a reported plan ("Saudi
#: airline denies plan to separate men and women" against "Saudia to ban gender-mixing").
_DENIABLE = _REPORTS | {"plan", "plans"}
#: "was denied entry", "were denied bail": a be-verb before "denied" makes it passive.
_BE_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being|get|got)\s{1,3}$", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s{1,3}([A-Za-z][A-Za-z\-]{0,40})")
#: Words by which a claim retells a rumour rather than asserts it.
_HEARSAY = _terms(
    [r"rumou?r(?:s|ed)?", r"unconfirmed", r"unsubstantiated", r"unverified", r"alleg(?:ed|edly)",
     r"reportedly", r"purported(?:ly)?", r"supposed(?:ly)?", r"speculat(?:ion|ed|es|ing)",
     r"sharing a story"]
)  # fmt: skip
#: "is no hoax", "was not faked", "isn't a fake": the story is affirmed, not called false.
_NEGATED_CUE = re.compile(r"\b(?:no|not|never|\w{1,10}n't)\s{1,3}(?:(?:a|an|being)\s{1,3})?$", re.I)


def _before(text: str, span: Span) -> str:
    return text[max(0, span.start - 16) : span.start]


def _retold(text: str) -> bool:
    """Whether ``text`` calls a story false or retells it as hearsay, asserting nothing."""
    return bool(_CALLED_FALSE.search(text) or _HEARSAY.search(text))


def called_false(text: str, other: str) -> list[Span]:
    """Where ``text`` calls a story false or unfounded (hoax, fake, raises doubts, denies...)
    and ``other`` neither does nor negates anything; the evidence spans, else []."""
    if _retold(other) or _NEGATION_STRONG.search(other):
        # Both say no ("Culkin not dead" / "the death report is a hoax"), or the other only
        # retells the rumour ("unconfirmed reports say he was found dead").
        return []
    cues = [c for c in _spans(_CALLED_FALSE, text) if not _NEGATED_CUE.search(_before(text, c))]
    if any(c.text.lower().startswith("den") for c in cues) and len(cues) > 1:
        return []  # "denies the surgery was a hoax": which way it points takes a parser
    keys = _word_keys(other)
    out = []
    for cue in cues:
        word = cue.text.lower()
        if word.startswith("den"):
            # "denied reports of a shooting" calls a story false, and "denies the selfie"
            # against "took a selfie" denies what the other says; "denied that al-Baghdadi's
            # wife was arrested" against "IS declared a caliphate" does not, and "was denied
            # entry" is no denial.
            words = [w.lower() for w in _negated_words(text, cue)]
            if _THAT_CLAUSE.match(text, cue.end):
                reaches = _reaches_clause(text, cue, words, keys)
            else:
                reaches = any(w in _DENIABLE or _word_key(w) in keys for w in words)
            if _BE_BEFORE.search(_before(text, cue)) or not reaches:
                continue
        if word in _ATTRIBUTIVE:
            after = _NEXT_WORD.match(text, cue.end)
            noun = after.group(1).lower() if after else ""
            told = not noun or noun in _SCOPE_SKIP or noun in _REPORTS
            if not told and _word_key(noun) not in keys:
                continue  # "caught with fake passports": not the story that is false
        out.append(cue)
    return out


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
_NEGATOR_BEFORE = re.compile(
    r"\b(?:no|not|never|without|little|lack of|hardly)\s{1,3}(?:\w{1,30}\s{1,3}){0,2}$", re.I
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
    """Optimism against caution ("significant progress" vs "gaps still exist"), else the same
    statement at two rungs of the modal ladder (:func:`check_modal`)."""
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
    return check_modal(a, b)


# ---- modal ladder --------------------------------------------------------------------------
#: How sure a claim says it is: 3 certain, 2 probable, 1 possible, 0 unlikely, -1 ruled out.
#: Evidential hedges ("reportedly") sit between possible and probable.
_LADDER = {
    3.0: ["certainly", "definitely", "undoubtedly", "surely", "without doubt", "no doubt",
          "beyond doubt", "confirmed", "proven", "in fact", "unquestionably", "conclusively"],
    2.5: ["almost certainly", "all but certain", "virtually certain"],
    2.0: ["probably", "likely", "most likely", "very likely", "highly likely", "presumably",
          "in all likelihood", "probable"],
    1.5: ["reportedly", "allegedly", "suspected", "believed to", "appears to", "appear to",
          "seems to", "seem to", "apparently", "purportedly", "supposedly"],
    1.0: ["possibly", "perhaps", "maybe", "may", "might", "could", "conceivably",
          "potentially", "possible", "not certain", "not sure", "not confirmed",
          "unconfirmed", "uncertain", "unclear", "not clear", "not necessarily"],
    0.5: ["may not", "might not"],
    0.0: ["unlikely", "doubtful", "improbable", "not likely", "probably not", "likely not",
          "is questionable", "not expected to"],
    -1.0: ["certainly not", "definitely not", "ruled out", "impossible", "not possible",
           "no chance"],
}  # fmt: skip
_RUNG = {phrase: level for level, phrases in _LADDER.items() for phrase in phrases}
# Bounded gaps between words (\s{1,3}), alternatives longest first; "may" only in lower case,
# so the month "May" is never a hedge.
_MODAL = re.compile(
    r"\b(?:"
    + "|".join(
        re.escape(p).replace(r"\ ", r"\s{1,3}").replace("may", "(?-i:may)")
        for p in sorted(_RUNG, key=len, reverse=True)
    )
    + r")\b",
    re.IGNORECASE,
)
#: A claim with no modal at all asserts: firmer than "probably", less than "confirmed".
_ASSERTED = 2.5


def _rungs(text: str) -> tuple[set[float], list[Span]]:
    spans = _spans(_MODAL, text)
    levels = {_RUNG.get(" ".join(key(s.text).split()), math.nan) for s in spans}
    return {v for v in levels if not math.isnan(v)}, spans


def _without(text: str, spans: Sequence[Span]) -> str:
    for span in sorted(spans, key=lambda s: -s.start):
        text = text[: span.start] + " " + text[span.end :]
    return text


def check_modal(a: str, b: str) -> Finding | None:
    """The same statement at different rungs of the modal ladder: "probably caused" vs
    "possibly caused" (moderate), "confirmed" vs "unlikely" (strong).

    Both claims must say one rung each (a claim with none asserts, compared only against
    "unlikely" or below), and the rest of them must match closely (rapidfuzz token-set
    ratio >= 80 once the modal words are taken out): otherwise the hedge may belong to
    another part of the sentence. Strength: 0.15 + 0.2 per rung apart, at most 0.85,
    scaled down as the rest of the claims differ.
    """
    levels_a, spans_a = _rungs(a)
    levels_b, spans_b = _rungs(b)
    if len(levels_a) > 1 or len(levels_b) > 1 or not (levels_a or levels_b):
        return None  # no modal, or rungs that disagree within one claim
    level_a = next(iter(levels_a), _ASSERTED)
    level_b = next(iter(levels_b), _ASSERTED)
    if (not levels_a and level_b > 0) or (not levels_b and level_a > 0):
        return None  # bare assertion against a hedge: too common in paraphrase to flag
    distance = abs(level_a - level_b)
    if distance < 1:
        return None
    similar = fuzz.token_set_ratio(key(_without(a, spans_a)), key(_without(b, spans_b)))
    if similar < 80:
        return None
    strength = min(0.85, 0.15 + 0.2 * distance) * (0.6 + 0.4 * (similar - 80) / 20)
    word_a = spans_a[0].text if spans_a else "(asserted)"
    word_b = spans_b[0].text if spans_b else "(asserted)"
    return Finding(Kind.CERTAINTY, round(strength, 3), tuple(spans_a), tuple(spans_b),
                   f"{word_a} vs {word_b}")  # fmt: skip


# ---- dates ---------------------------------------------------------------------------------
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_RE = "|".join(m if m != "may" else "(?-i:May)" for m in _MONTHS)
_SP = r"[ \t]{1,3}"  # bounded: a run of spaces never makes the pattern backtrack
_DATE = re.compile(
    r"\b(?P<wd>" + "|".join(_WEEKDAYS) + r")\b"
    r"|\b(?P<m1>" + _MONTH_RE + r")\.?" + _SP + r"(?P<d1>[0-9]{1,2})(?:st|nd|rd|th)?\b"
    r"(?:,?" + _SP + r"(?P<y1>[0-9]{4})\b)?"
    r"|\b(?P<d2>[0-9]{1,2})(?:st|nd|rd|th)?" + _SP + r"(?:of" + _SP + r")?(?P<m2>"
    + _MONTH_RE + r")\b(?:,?" + _SP + r"(?P<y2>[0-9]{4})\b)?"
    r"|\b(?P<iso>[0-9]{4}-[0-9]{2}-[0-9]{2})\b"
    r"|\b(?:in|since|by|during)" + _SP + r"(?P<y3>(?:19|20)[0-9]{2})\b",
    re.IGNORECASE,
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]{1,40}")
_REPORTING = {"said", "says", "say", "told", "tells", "announced", "announces", "stated",
              "added", "reported", "confirmed", "wrote", "tweeted", "posted", "declared",
              "claimed", "insisted", "warned", "noted", "explained", "acknowledged", "admitted",
              "denied", "revealed", "disclosed", "testified", "conceded", "argued", "briefed",
              "according", "statement", "interview", "briefing", "speaking", "spoke", "saying",
              "stressed", "urged", "vowed", "pledged", "promised", "predicted",
              "suggested", "comment", "reached", "contacted"}  # fmt: skip
#: Words that may stand between a reporting verb and its date: "said in a statement on
#: Monday", "told reporters late on Friday", "told Reuters Tuesday".
_REPORT_FILLER = {"on", "late", "early", "last", "this", "in", "a", "an", "the", "to", "at",
                  "for", "statement", "interview", "briefing", "news", "conference", "press",
                  "reporters", "journalists", "media", "television", "radio", "parliament",
                  "lawmakers", "evening", "morning", "afternoon", "night", "earlier", "later",
                  "written", "separate", "joint", "televised", "speech", "address"}  # fmt: skip
_DATE_STOP = {"the", "a", "an", "on", "in", "of", "at", "to", "by", "for", "and", "or", "was",
              "were", "is", "are", "been", "has", "had", "have", "that", "this", "with", "from",
              "since", "during", "last", "next", "late", "early", "its", "their", "his", "her",
              "it", "they", "he", "she", "be", "will", "would", "not", "but", "as"}  # fmt: skip


_MAX_DATES = 20


@dataclass(frozen=True)
class _Date:
    granularity: str  # "day", "weekday", "year"
    value: str
    span: Span
    event: frozenset[str]  # what happened then, as stemmed content words around the date


def _words(text: str) -> list[str]:
    return [key(w) for w in _WORD.findall(text)]


def _reported(text: str, span: Span) -> bool:
    """Whether a date tells when someone spoke ("said on Monday", "told Reuters Friday",
    "On Friday, the ministry said"), not when the claimed thing happened."""
    for word in reversed(_WORD.findall(text[max(0, span.start - 80) : span.start])[-6:]):
        if key(word) in _REPORTING:
            return True
        if key(word) not in _REPORT_FILLER and not word[:1].isupper():
            break
    if _CLAUSE_START.search(text[max(0, span.start - 12) : span.start]):
        # a date opening its clause belongs to the reporting verb after it, unless an event
        # comes first: "On Monday, 12 people were killed, officials said"
        for word in _words(text[span.end : span.end + 80])[:6]:
            if word in _REPORTING:
                return True
            if word.endswith("ed") or word in _EVENT_WORDS:
                return False
    return False


_CLAUSE_START = re.compile(r"(?:^|[.;:!?\"“]\s{0,3})(?:(?:on|late|early|last)\s{1,3})?$", re.I)
_EVENT_WORDS = {
    "attack",
    "raid",
    "strike",
    "vote",
    "election",
    "talks",
    "meeting",
    "died",
    "killed",
    "held",
    "crash",
    "explosion",
    "blast",
    "began",
    "started",
    "ended",
}


def _date_mentions(text: str) -> list[_Date]:
    """Each date in a text with what it is the date of; dates of speaking are left out."""
    out: list[_Date] = []
    for m in _DATE.finditer(text):
        if len(out) == _MAX_DATES:
            break  # a claim is a sentence: past this it is a calendar
        span = Span(m.start(), m.end(), m.group(0))
        if m.group("wd"):
            granularity, value = "weekday", key(m.group("wd"))
        elif m.group("iso"):
            granularity, value = "day", m.group("iso")
        elif m.group("y3"):
            granularity, value = "year", m.group("y3")
        else:
            month = key(m.group("m1") or m.group("m2") or "")
            day = int(m.group("d1") or m.group("d2") or 0)
            if month not in _MONTHS or not 1 <= day <= 31:
                continue
            year = m.group("y1") or m.group("y2") or ""
            granularity = "day"
            value = f"{year}-{_MONTHS.index(month) + 1:02d}-{day:02d}".lstrip("-")
        if _reported(text, span):
            continue
        # the few words on either side say what happened then
        around = _words(text[max(0, span.start - 40) : span.start])[-4:] + _words(
            text[span.end : span.end + 40])[:4]  # fmt: skip
        event = frozenset(
            _stem(w) for w in around
            if len(w) > 2 and w not in _DATE_STOP and w not in _REPORTING
            and w not in _WEEKDAYS and w not in _MONTHS
        )  # fmt: skip
        out.append(_Date(granularity, value, span, event))
    return out


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _all_have_year(values: set[str]) -> bool:
    return all(len(v) == 10 for v in values)


def check_dates(a: str, b: str) -> Finding | None:
    """The same event on different dates: "talks resumed on Monday" vs "on Tuesday".

    Dates of speaking ("said on Monday") are ignored, and two dates are compared only when
    the words around them share something (the same event), at the same granularity.
    """
    dates_a, dates_b = _date_mentions(a), _date_mentions(b)
    for granularity in ("day", "weekday", "year"):
        in_a = [d for d in dates_a if d.granularity == granularity]
        in_b = [d for d in dates_b if d.granularity == granularity]
        if not in_a or not in_b:
            continue
        values_a, values_b = {d.value for d in in_a}, {d.value for d in in_b}
        if granularity == "day" and not (_all_have_year(values_a) and _all_have_year(values_b)):
            # "April 8" and "2024-04-08" agree: compare on what both give
            values_a, values_b = {v[-5:] for v in values_a}, {v[-5:] for v in values_b}
        if values_a & values_b:
            continue
        pairs = [(da, db) for da in in_a for db in in_b if da.event & db.event]
        if pairs:
            da, db = pairs[0]
            return Finding(Kind.DATE, 0.55, (da.span,), (db.span,),
                           f"{da.span.text} vs {db.span.text}")  # fmt: skip
    return None


# ---- attribution ---------------------------------------------------------------------------
def check_attribution(
    a: str, b: str, speaker_a: str | None, speaker_b: str | None
) -> Finding | None:
    """The same statement put in the mouths of different speakers, else the same action
    done by different agents (:func:`check_agents`)."""
    return _same_statement(a, b, speaker_a, speaker_b) or check_agents(a, b)


def _same_statement(a: str, b: str, speaker_a: str | None, speaker_b: str | None) -> Finding | None:
    if not speaker_a or not speaker_b or not _different_speakers(speaker_a, speaker_b):
        return None
    if speaker_a not in a or speaker_b not in b:
        return None
    rest_a = a.replace(speaker_a, " ").strip()
    rest_b = b.replace(speaker_b, " ").strip()
    if fuzz.ratio(key(rest_a), key(rest_b)) < 85:
        return None
    ia, ib = a.index(speaker_a), b.index(speaker_b)
    return Finding(Kind.ATTRIBUTION, 0.6, (Span(ia, ia + len(speaker_a), speaker_a),),
                   (Span(ib, ib + len(speaker_b), speaker_b),),
                   f"same statement, attributed to {speaker_a} vs {speaker_b}")  # fmt: skip


_SPEAKER_FILLER = frozenset({"the", "a", "an", "one", "of", "from", "for", "at", "in", "'s", "’s"})


def _different_speakers(speaker_a: str, speaker_b: str) -> bool:
    """Two speakers that cannot be one: both named, and neither name within the other.

    "an official" vs "the official", "a Yemeni security official" vs "a security
    official", "Sgt Gill Cherry" vs "Sgt Gill Cherry of Cumbria Police" may all be one
    person, so a statement put in their mouths is no misattribution.
    """
    if not (names_someone(speaker_a) and names_someone(speaker_b)):
        return False
    words_a = {key(w) for w in speaker_a.split()} - _SPEAKER_FILLER
    words_b = {key(w) for w in speaker_b.split()} - _SPEAKER_FILLER
    return not (words_a <= words_b or words_b <= words_a)


# ---- agents --------------------------------------------------------------------------------
#: Actions whose doer outlets dispute, by class: any two of one class are the same action.
_ACTIONS = {
    "attack": ["blown up", "blew up", "destroyed", "destroy", "sabotaged", "bombed", "shelled",
               "attacked", "targeted", "damaged", "demolished", "burned",
               "burnt", "torched", "set on fire", "set ablaze", "raided", "stormed",
               "fired on", "fired at", "shot down", "downed", "looted", "razed", "detonated",
               "ambushed", "killed", "shot dead", "assassinated", "executed", "murdered",
               "wounded", "poisoned"],
    "seize": ["kidnapped", "abducted", "seized", "captured", "hijacked", "took hostage"],
    "cyber": ["hacked", "leaked", "breached"],
    "carry": ["carried out", "orchestrated", "perpetrated", "committed", "staged", "ordered",
              "launched", "planned", "organised", "organized", "masterminded"],
}  # fmt: skip
_ACTION_CLASS = {verb: cls for cls, verbs in _ACTIONS.items() for verb in verbs}
_ACTION_ALT = "|".join(
    re.escape(v).replace(r"\ ", r"\s{1,3}") for v in sorted(_ACTION_CLASS, key=len, reverse=True)
)
_NP = r"[\w'’-]{1,30}(?:\s{1,3}[\w'’-]{1,30}){0,4}"  # up to five words, each bounded
_PASSIVE = re.compile(
    r"\b(?:was|were|been|being|is|are|be|got)\s{1,3}(?:\w{1,20}ly\s{1,3})?(?P<verb>"
    + _ACTION_ALT
    + r")\s{1,3}by\s{1,3}(?P<agent>"
    + _NP
    + ")",
    re.IGNORECASE,
)
_ACTIVE = re.compile(r"\b(?P<verb>" + _ACTION_ALT + r")\s{1,3}(?P<object>" + _NP + ")", re.I)
_CLAIMED = re.compile(
    r"\b(?:claimed|claims|claim|accepted|took)\s{1,3}responsibility\s{1,3}for\s{1,3}(?P<object>"
    + _NP
    + ")",
    re.IGNORECASE,
)
_BLAMED = re.compile(
    r"\bblamed\s{1,3}(?P<first>" + _NP + r")\s{1,3}(?P<how>for|on)\s{1,3}(?P<second>" + _NP + ")",
    re.IGNORECASE,
)
_BEHIND = re.compile(r"\b(?:was|were|is|are)\s{1,3}(?:behind|responsible\s{1,3}for)\s{1,3}"
                     r"(?P<object>" + _NP + ")", re.IGNORECASE)  # fmt: skip
#: Where a noun phrase ends.
_NP_STOP = {"in", "on", "at", "with", "after", "during", "near", "from", "for", "and", "or",
            "who", "that", "which", "when", "while", "as", "said", "says", "told", "to", "of",
            "into", "over", "because", "since", "before", "early", "late", "last", "this",
            "killing", "leaving", "but", "by", "was", "were", "had", "has", "have", "is", "are",
            "according", "amid", "outside", "inside", "across", "along", "around", "under",
            "following", "despite", "earlier", "yesterday", "today", "overnight"}  # fmt: skip
_NP_DROP = {"the", "a", "an", "its", "their", "his", "her", "some", "several", "two", "three",
            "units", "unit", "members", "member", "elements", "loyal", "suspected", "alleged",
            "reportedly", "allegedly", "also", "had", "have", "has", "apparently"}  # fmt: skip
#: Agents too vague to dispute: "unknown attackers" against "the rebels" is no conflict.
_VAGUE_AGENTS = {"unknown", "unidentified", "assailants", "attackers", "someone", "people",
                 "men", "suspects", "perpetrators", "individuals", "he", "she", "they", "it",
                 "we", "who", "gunmen", "group", "groups", "others", "somebody", "i", "you",
                 "police", "authorities", "officials"}  # fmt: skip
#: Different words for one actor: "army units" and "soldiers" are the same side.
_ACTOR_GROUPS = {
    "military": "army armies troops soldiers soldier military forces force navy marines airforce "
                "paratroopers commandos artillery jets warplanes aircraft drones tanks",
    "insurgents": "rebels rebel insurgents insurgent militants militant fighters guerrillas "
                  "jihadists separatists militia militias",
}  # fmt: skip
_ACTOR = {w: g for g, words in _ACTOR_GROUPS.items() for w in words.split()}


@dataclass(frozen=True)
class _Agent:
    """Who did what to what: the words of each, and the agent's span for the evidence."""

    words: frozenset[str]
    action: str  # the class in _ACTIONS, or "responsible" for claims and blame
    target: frozenset[str]
    span: Span


def _phrase(text: str, start: int, end: int) -> tuple[frozenset[str], Span] | None:
    """The noun phrase in ``text[start:end]``, cut at the first word that ends one."""
    kept: list[tuple[int, int]] = []
    for m in _WORD.finditer(text, start, end):
        word = key(m.group())
        if word in _NP_STOP or m.group()[:1].isdigit():
            break
        if word not in _NP_DROP:
            kept.append((m.start(), m.end()))
    if not kept:
        return None
    words = frozenset(key(text[s:e]) for s, e in kept)
    return words, Span(kept[0][0], kept[-1][1], text[kept[0][0] : kept[-1][1]])


def _subject(text: str, end: int) -> tuple[frozenset[str], Span] | None:
    """The words right before ``end`` back to the start of their clause (at most five);
    a time said between subject and verb is passed over ("rebels on Friday attacked")."""
    taken: list[tuple[int, int]] = []
    for m in reversed(list(_WORD.finditer(text, max(0, end - 80), end))):
        word = key(m.group())
        between = text[m.end() : taken[-1][0] if taken else end]
        if any(c in between for c in ',;:.!?"“”()'):
            break
        if not taken and word in _WHEN:
            continue
        if word in _NP_STOP or word in _REPORTING:
            break
        taken.append((m.start(), m.end()))
        if len(taken) == 5:
            break
    kept = [(s, e) for s, e in reversed(taken) if key(text[s:e]) not in _NP_DROP]
    if not kept:
        return None
    words = frozenset(key(text[s:e]) for s, e in kept)
    return words, Span(kept[0][0], kept[-1][1], text[kept[0][0] : kept[-1][1]])


@per_text(maxsize=4096)  # scoring asks once per pair a claim is in
def _agents(text: str) -> tuple[_Agent, ...]:
    """Who the text says did an action, by passive "by", active subject, "claimed
    responsibility for", "blamed X for Y" / "blamed Y on X", and "X was behind Y"."""
    found = []
    for m in _PASSIVE.finditer(text):
        agent, target = _phrase(text, m.start("agent"), m.end("agent")), _subject(text, m.start())
        if agent and target:
            action = _ACTION_CLASS.get(" ".join(key(m.group("verb")).split()), "")
            found.append(_Agent(agent[0], action, target[0], agent[1]))
    for m in _ACTIVE.finditer(text):
        before = text[max(0, m.start() - 12) : m.start()]
        if re.search(r"\b(?:was|were|been|being|is|are|be|got)\s{1,3}$", before, re.I):
            continue  # a passive, read above
        agent, target = _subject(text, m.start()), _phrase(text, m.start("object"), m.end())
        if agent and target:
            action = _ACTION_CLASS.get(" ".join(key(m.group("verb")).split()), "")
            found.append(_Agent(agent[0], action, target[0], agent[1]))
    for m in _CLAIMED.finditer(text):
        agent, target = _subject(text, m.start()), _phrase(text, m.start("object"), m.end())
        if agent and target:
            found.append(_Agent(agent[0], "responsible", target[0], agent[1]))
    for m in _BEHIND.finditer(text):
        agent, target = _subject(text, m.start()), _phrase(text, m.start("object"), m.end())
        if agent and target:
            found.append(_Agent(agent[0], "responsible", target[0], agent[1]))
    for m in _BLAMED.finditer(text):
        first = _phrase(text, m.start("first"), m.end("first"))
        second = _phrase(text, m.start("second"), m.end("second"))
        if first and second:  # "blamed X for Y" or "blamed Y on X"
            agent, target = (first, second) if key(m.group("how")) == "for" else (second, first)
            found.append(_Agent(agent[0], "responsible", target[0], agent[1]))
    return tuple(found)


_WHEN = {*_WEEKDAYS, *_MONTHS, "yesterday", "today", "also", "reportedly", "allegedly",
         "then", "later", "earlier", "subsequently", "overnight", "on", "last", "late",
         "early", "night", "morning", "evening", "afternoon", "again", "first", "finally",
         "deliberately"}  # fmt: skip


_MAX_AGENTS = 20


def _same_actor(a: frozenset[str], b: frozenset[str]) -> bool:
    stems_a, stems_b = {_stem(w) for w in a}, {_stem(w) for w in b}
    groups_a = {_ACTOR[w] for w in a if w in _ACTOR}
    groups_b = {_ACTOR[w] for w in b if w in _ACTOR}
    return bool(stems_a & stems_b or groups_a & groups_b)


def _vague(agent: frozenset[str]) -> bool:
    """Too vague to dispute ("unknown attackers", "they"), or an event, not an actor ("the
    earthquake killed 300")."""
    return not agent - _VAGUE_AGENTS or bool(agent & ({"unknown", "unidentified"} | EVENTS))


def check_agents(a: str, b: str) -> Finding | None:
    """The same action on the same target, done by different agents: "the bridge was blown
    up by army units" vs "the rebels sabotaged the bridge".

    Agents are the same when they share a word or a side ("army units", "soldiers");
    vague ones ("unknown attackers", "they") are never in conflict. Strength 0.65 for two
    actions of one class on one target, 0.55 when a side only claims or blames.
    """
    agents_b = _agents(b)[:_MAX_AGENTS]  # a claim is a sentence: a few agents at most
    words_a, words_b = {_stem(w) for w in _words(a)}, {_stem(w) for w in _words(b)}
    for x in _agents(a)[:_MAX_AGENTS]:
        for y in agents_b:
            if _vague(x.words) or _vague(y.words) or _same_actor(x.words, y.words):
                continue
            if {_stem(w) for w in x.words} & words_b or {_stem(w) for w in y.words} & words_a:
                continue  # each claim names the other's agent too: no clean disagreement
            if not {_stem(w) for w in x.target} & {_stem(w) for w in y.target}:
                continue
            actions = {x.action, y.action}
            if len(actions - {"responsible", "carry"}) > 1:
                continue  # different actions: "kidnapped" vs "shelled"
            strength = 0.55 if "responsible" in actions else 0.65
            return Finding(Kind.ATTRIBUTION, strength, (x.span,), (y.span,),
                           f"done by {x.span.text} vs {y.span.text}")  # fmt: skip
    return None


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
