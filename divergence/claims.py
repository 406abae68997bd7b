"""Stage 2: check-worthy claims from documents, each with its outlet, speaker and offsets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from divergence.attribution import (
    REPORTING_VERBS,
    canonical_speakers,
    is_pronoun_subject,
    split_clauses,
)
from divergence.documents import Document
from divergence.sentences import split_sentences

MIN_WORDS = 4
MAX_WORDS = 120
#: Keep a sentence when its check-worthiness reaches this.
MIN_CHECKWORTHINESS = 0.3
#: A pronoun ("he said") resolves to the document's last speaker this many sentences back.
PRONOUN_REACH = 3

_DATELINE = re.compile(
    r"^[A-Z][A-Z .'’-]{1,40}(?:\s*\([^)]{1,40}\))?\s*[:—–]\s+|^[A-Z][A-Z .'’-]{1,40},\s+[A-Z][a-z]+\s*[:—–]\s+"
)
_DATE_ONLY = re.compile(
    r"^[\W\d]*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?(?:[a-z]{3,9}\.?\s+)?\d{1,2}(?:st|nd|rd|th)?,?\s*(?:[a-z]{3,9}\.?,?\s*)?\d{0,4}[\W\d]*(?:updated.*)?$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"\b(?:subscribe|sign up|newsletter|cookies?|all rights reserved|copyright|click here|"
    r"read more|follow us|advertisement|share this|terms of use|privacy policy|getty images|"
    r"photo credit|image credit|reporting by|editing by|contributed reporting)\b|©",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d|\b(?:hundreds?|thousands?|millions?|billions?|dozens?|two|three|four|five|six|seven|"
    r"eight|nine|ten|twenty|thirty|forty|fifty|hundred|percent|half|third|quarter)\b",
    re.IGNORECASE,
)
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
_REPORTING = re.compile(r"\b(?:" + "|".join(re.escape(v) for v in REPORTING_VERBS) + r")\b", re.I)
_POSITION = re.compile(
    r"\b(?:will|would|must|should|cannot|can't|won't|not|no|never|progress|agreement|deal|"
    r"gaps?|killed|dead|wounded|injured|arrested|rejected|accepted|agreed|failed|increase[ds]?|"
    r"decrease[ds]?|rose|fell|won|lost|victory|ceasefire|truce|war|attack|support|oppose[ds]?|"
    r"plan|policy|law|vote|ban|deny|denies|denied|confirm(?:ed|s)?|disagreements?|obstacles?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """A check-worthy sentence (or clause) of a document.

    ``start``/``end`` are character offsets into the document's text; ``speaker`` is who
    the document attributes the claim to, ``None`` when it is the outlet's own narration.
    """

    id: str
    doc_id: str
    outlet: str
    speaker: str | None
    text: str
    start: int
    end: int
    checkworthiness: float
    published: str | None = None

    def source(self, by: str = "speaker") -> str:
        """The party this claim speaks for: its speaker (falling back to outlet), or its outlet."""
        if by == "outlet" or self.speaker is None:
            return self.outlet
        return self.speaker


def checkworthiness(text: str, *, clause: bool = False) -> float:
    """A 0-1 score of how much a sentence asserts something checkable; 0 for boilerplate.

    ``clause`` marks a part cut from a longer sentence, which may lack closing punctuation.
    """
    words = text.split()
    if len(words) < MIN_WORDS or len(words) > MAX_WORDS:
        return 0.0
    stripped = text.rstrip("”\"’')] ")
    if stripped.endswith("?") or _BOILERPLATE.search(text) or _DATE_ONLY.match(text.strip()):
        return 0.0
    if not clause and not stripped.endswith((".", "!", ":", ";")) and len(words) <= 15:
        return 0.0  # a headline, caption or list item rather than a sentence
    score = 0.1
    score += 0.3 if _NUMBER.search(text) else 0.0
    score += 0.25 if _PROPER.search(text) else 0.0
    score += 0.3 if _REPORTING.search(text) else 0.0
    score += 0.2 if _POSITION.search(text) else 0.0
    return round(min(score, 1.0), 3)


def extract_claims(
    documents: Iterable[Document], *, min_checkworthiness: float = MIN_CHECKWORTHINESS
) -> list[Claim]:
    """Split documents into sentences and keep the check-worthy ones, with attribution.

    A sentence that joins claims by different speakers ("Talks stalled after Egyptian media
    reported progress") is split into one claim per speaker. Speakers named in several
    forms ("Netanyahu", "Prime Minister Benjamin Netanyahu") are merged to the fullest.
    """
    claims: list[Claim] = []
    for doc in documents:
        claims.extend(_document_claims(doc, min_checkworthiness))
    names = canonical_speakers(c.speaker for c in claims if c.speaker)
    return [replace(c, speaker=names[c.speaker]) if c.speaker else c for c in claims]


def _document_claims(doc: Document, min_score: float) -> list[Claim]:
    claims: list[Claim] = []
    last_speaker: tuple[int, str] | None = None  # (sentence index, speaker)
    for index, (s_start, s_end) in enumerate(split_sentences(doc.text)):
        sentence = doc.text[s_start:s_end]
        dateline = _DATELINE.match(sentence)
        offset = s_start + (dateline.end() if dateline else 0)
        sentence = doc.text[offset:s_end]
        clauses = split_clauses(sentence)
        for c_start, c_end, who in clauses:
            text = sentence[c_start:c_end]
            speaker = who.speaker if who else None
            recent = last_speaker and index - last_speaker[0] <= PRONOUN_REACH
            if speaker is None and recent and last_speaker and is_pronoun_subject(text):
                speaker = last_speaker[1]
            if speaker is not None:
                last_speaker = (index, speaker)
            score = checkworthiness(text, clause=len(clauses) > 1)
            if score < min_score:
                continue
            claims.append(
                Claim(
                    id=f"{doc.id}#{len(claims) + 1}",
                    doc_id=doc.id,
                    outlet=doc.source,
                    speaker=speaker,
                    text=text,
                    start=offset + c_start,
                    end=offset + c_end,
                    checkworthiness=score,
                    published=doc.published,
                )
            )
    return claims
