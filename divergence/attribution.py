"""Who a sentence attributes its claim to: reporting verbs, "according to", clause splits."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

REPORTING_VERBS = (
    "said", "says", "say", "reported", "reports", "stated", "states", "cautioned", "cautions",
    "declared", "declares", "warned", "warns", "highlighted", "highlights", "signalled",
    "signaled", "signals", "announced", "announces", "claimed", "claims", "told", "added",
    "noted", "notes", "insisted", "insists", "denied", "denies", "confirmed", "confirms",
    "stressed", "stresses", "argued", "argues", "suggested", "suggests", "acknowledged",
    "maintained", "asserted", "alleged", "explained", "emphasized", "emphasised", "indicated",
    "revealed", "estimated", "wrote", "tweeted", "disputed", "rejected", "accused", "predicted",
    "urged", "contended", "countered", "admitted", "affirmed", "observed", "pointed out",
    "issued a warning", "issued a statement", "dismissed", "disclosed", "conceded", "believes",
)  # fmt: skip
_AUX = r"(?:(?:had|has|have|was|were|also|initially|later|earlier|reportedly|repeatedly|publicly|then|previously|again|not|never|flatly|quickly|separately)\s+)*"
_VERB = "|".join(
    sorted((re.escape(v).replace(r"\ ", r"\s+") for v in REPORTING_VERBS), key=len, reverse=True)
)
# Case-sensitive: a capitalised "States" or "Reports" is a name, not a verb.
_PRE = re.compile(rf"\b{_AUX}(?P<verb>{_VERB})\b")
_POST = re.compile(
    r"(?:^|[,”\"’]\s*)(?P<verb>said|says|added|told|wrote|noted|explained|warned)\s+(?P<np>[^,.;:“”\"]+)",
    re.IGNORECASE,
)
_ACCORDING = re.compile(r"\baccording\s+to\s+(?P<np>[^,.;:“”\"]+)", re.IGNORECASE)
# Where a speaker's noun phrase starts: after the last of these before the verb.
_NP_START = re.compile(
    r"(?:[,;:“”\"(]|\b(?:that|after|while|whereas|but|as|when|because|although|though|since|and then)\b)\s*",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:(?:however|meanwhile|moreover|separately|earlier|later|instead|also|both|still|"
    r"on \w+day|in a statement|in an interview)\b,?\s*)+",
    re.IGNORECASE,
)
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "who", "which", "this", "that"}
#: Words that name no one: "reports suggested" is not an attribution.
_UNSPECIFIC = {
    "reports", "report", "statements", "statement", "there", "one", "some", "many", "others",
    "study", "data", "figures", "the report", "the statement", "media reports", "it",
}  # fmt: skip
_GENERIC_HEADS = {
    "officials", "official", "sources", "source", "spokesman", "spokeswoman", "spokesperson",
    "ministry", "police", "witnesses", "media", "authorities", "analysts", "experts", "diplomats",
    "government", "army", "military", "residents", "group", "agency", "office", "minister",
    "president", "leaders", "negotiators", "mediators", "medics", "doctors", "observers",
}  # fmt: skip
_STOP_WORDS = {"a", "an", "the", "of", "and", "in", "for", "on", "to", "from", "with", "at"}
# Clause boundaries at which one sentence may hold two attributed claims.
_SPLIT = re.compile(
    r"(?:^|,\s+|;\s+|\s+)(?P<marker>while|whereas|but|after|although|though)\s+", re.IGNORECASE
)
MAX_SPEAKER_WORDS = 9


@dataclass(frozen=True)
class Attribution:
    """A speaker found in a text: its name and the character span of that name."""

    speaker: str
    start: int
    end: int


def find_speaker(text: str) -> Attribution | None:
    """The party ``text`` attributes its claim to, or ``None`` when it reads as the outlet's own."""
    for match in _ACCORDING.finditer(text):
        found = _clean_np(text, match.start("np"), match.end("np"))
        if found:
            return found
    for match in _PRE.finditer(text):
        before = text[: match.start()]
        starts = [m.end() for m in _NP_START.finditer(before)]
        start = starts[-1] if starts else 0
        found = _clean_np(text, start, match.start())
        if found:
            return found
    for match in _POST.finditer(text):
        found = _clean_np(text, match.start("np"), match.end("np"))
        if found:
            return found
    return None


def _clean_np(text: str, start: int, end: int) -> Attribution | None:
    chunk = text[start:end]
    lead = _LEADING.match(chunk)
    if lead:
        start += lead.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in " \t\n’'":
        end -= 1
    phrase = text[start:end]
    words = phrase.split()
    if not words or len(words) > MAX_SPEAKER_WORDS:
        return None
    lowered = phrase.lower()
    if lowered in _UNSPECIFIC or lowered in _PRONOUNS or words[-1].lower() in _PRONOUNS:
        return None
    named = any(w[0].isupper() for w in words if w.lower() not in _STOP_WORDS)
    generic = words[-1].lower().removesuffix("’s").removesuffix("'s") in _GENERIC_HEADS
    if not (named or generic):
        return None
    return Attribution(phrase, start, end)


def is_pronoun_subject(text: str) -> bool:
    """True when a reporting verb's subject is a pronoun ("he said"), to resolve from context."""
    for match in _PRE.finditer(text):
        words = text[: match.start()].split()
        if words and words[-1].lower() in _PRONOUNS:
            return True
    return bool(re.search(r"[,”\"]\s*(?:he|she|they)\s+(?:said|added)\b", text, re.IGNORECASE))


def split_clauses(text: str) -> list[tuple[int, int, Attribution | None]]:
    """Cut a sentence where it joins claims by different speakers.

    Returns ``(start, end, attribution)`` spans. A clause with no speaker that follows one
    with a speaker continues it ("X said A, but B" stays one claim); one that comes first
    is the outlet's own ("Talks stalled after X reported progress" is two claims).
    """
    cuts = [0]
    for m in _SPLIT.finditer(text):
        if m.start() > 0:
            cuts.append(m.start())
        elif (comma := text.find(", ", m.end())) > 0:
            cuts.append(comma + 2)  # "While X, Y said Z": the leading clause ends at its comma
    cuts.append(len(text))
    spans: list[tuple[int, int, Attribution | None]] = []
    for start, end in itertools.pairwise(cuts):
        marker = _SPLIT.match(text, start)
        body = marker.end() if marker else start
        found = find_speaker(text[body:end])
        attribution = (
            Attribution(found.speaker, found.start + body, found.end + body) if found else None
        )
        spans.append((body, end, attribution))
    merged: list[tuple[int, int, Attribution | None]] = []
    for start, end, who in spans:
        if merged and ((who is None and merged[-1][2] is not None) or _same(who, merged[-1][2])):
            prev = merged.pop()
            merged.append((prev[0], end, prev[2] or who))
        else:
            merged.append((start, end, who))
    # A leading subordinate clause with no speaker ("While reports suggested X, Y said Z")
    # merges forward only when nothing else in the sentence is attributed.
    if all(who is None for _, _, who in merged):
        return [(0, len(text), None)]
    return [(s, _rstrip(text, s, e), who) for s, e, who in merged]


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " ,;":
        end -= 1
    return end


def _same(a: Attribution | None, b: Attribution | None) -> bool:
    return a is not None and b is not None and a.speaker.lower() == b.speaker.lower()


def canonical_speakers(names: Iterable[str]) -> dict[str, str]:
    """Map each speaker name to the fullest form of the same name seen.

    "Netanyahu" becomes "Israeli Prime Minister Benjamin Netanyahu" when both occur; a
    name without a proper noun ("officials") is never merged into a longer one.
    """
    unique = sorted(set(names), key=lambda n: (-len(n), n))
    mapping: dict[str, str] = {}
    for name in unique:
        mapping[name] = name
        has_proper = any(w[0].isupper() for w in name.split() if w.lower() not in _STOP_WORDS)
        if not has_proper:
            continue
        for longer in unique:
            if len(longer) <= len(name):
                break
            if set(name.lower().split()) <= set(longer.lower().split()):
                mapping[name] = mapping[longer]
                break
    return mapping
