"""Stage 2: check-worthy claims from documents, each with its outlet, speaker and offsets."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from divergence.attribution import (
    REPORTING_VERBS,
    canonical_speakers,
    pronoun_subject,
    speaker_kind,
    split_clauses,
)
from divergence.documents import MAX_DOCUMENT_CHARS, Document
from divergence.sanitize import clean_text
from divergence.sentences import split_sentences

log = logging.getLogger("divergence")

MIN_WORDS = 4
MAX_WORDS = 120
#: Keep a sentence when its check-worthiness reaches this.
MIN_CHECKWORTHINESS = 0.3
#: A pronoun ("he said") resolves to the document's last speaker this many sentences back.
PRONOUN_REACH = 3

# "GAZA: ", "CAIRO (Reuters) - ", "WASHINGTON, April 8 (Reuters) - ", "OTTAWA — ": a place in
# capitals, an optional date and agency, then a colon or dash. Every repetition is bounded
# and each starts with a character the one before cannot match, so matching is linear.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'’]{1,20}(?:[ -][A-Z][A-Z.'’]{0,20}){0,3}"
    r"(?:,[ ]{1,3}[A-Z][a-z]{2,8}\.?(?:[ ]{1,3}\d{1,2})?)?"
    r"(?:[ ]{1,3}\([^()\n]{1,40}\))?[ ]{0,3}(?::|[ ][-—–]|[—–])[ ]{1,3}"
)
#: Words a date line is made of; a line of only these (and numbers) is not a claim.
_DATE_WORDS = frozenset({
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "jan", "feb", "mar",
    "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january",
    "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "st", "nd", "rd", "th", "am", "pm", "gmt", "utc", "est", "edt",
    "bst", "cet", "cest", "pst", "pdt", "et", "at", "of", "on", "published", "posted", "last",
    "modified",
})  # fmt: skip
_WORD_OR_NUMBER = re.compile(r"[a-z]+|\d+", re.IGNORECASE)
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

# A sentence that gives a hoax's or a fake story's words ("According to the latest death
# hoax, he was found dead"; "The fake news story reads: ...") reports what the outlet calls
# false: it is not the outlet's claim, and paired with "X is not dead" it is no disagreement.
_RUMOUR_WORDS = (
    r"(?:hoax(?:es)?|rumou?rs?|fake (?:news )?(?:story|report|article|post)s?|satire|spoof)"
)
_QUOTES_A_RUMOUR = re.compile(
    r"\baccording to (?:the |a |an |one )?(?:[\w'’-]{1,30} ){0,5}" + _RUMOUR_WORDS + r"\b"
    r"|\b(?:fake|false|bogus|hoax|satirical|spoof)(?: news)? (?:story|report|article|post|site|"
    r"website)s? (?:reads?|says?|said|claims?|claimed|reported|states?|stated|alleges?|alleged)\b",
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
    if stripped.endswith("?") or _BOILERPLATE.search(text) or _is_date_only(text):
        return 0.0
    if _QUOTES_A_RUMOUR.search(text):
        return 0.0
    if not clause and not stripped.endswith((".", "!", ":", ";")) and len(words) <= 15:
        return 0.0  # a headline, caption or list item rather than a sentence
    score = 0.1
    score += 0.3 if _NUMBER.search(text) else 0.0
    score += 0.25 if _PROPER.search(text) else 0.0
    score += 0.3 if _REPORTING.search(text) else 0.0
    score += 0.2 if _POSITION.search(text) else 0.0
    return round(min(score, 1.0), 3)


def _is_date_only(text: str) -> bool:
    """ "Monday, April 8, 2024", "8 April 2024, 10:32", "Apr 8, 2024 Updated 10:32 GMT".

    A token scan rather than one regex: the regex this replaces had overlapping digit runs
    and took about 20 s on a 5,000-character line of four long numbers.
    """
    if len(text) > 120:
        return False  # a date line is short; this also bounds the scan
    head, _, _ = text.lower().partition("updated")
    words = _WORD_OR_NUMBER.findall(head)
    if not any(w.isdigit() for w in words):
        return False
    return all(w.isdigit() or w in _DATE_WORDS for w in words)


def extract_claims(
    documents: Iterable[Document],
    *,
    min_checkworthiness: float = MIN_CHECKWORTHINESS,
    max_chars: int = MAX_DOCUMENT_CHARS,
) -> list[Claim]:
    """Split documents into sentences and keep the check-worthy ones, with attribution.

    A sentence that joins claims by different speakers ("Talks stalled after Egyptian media
    reported progress") is split into one claim per speaker. Speakers named in several
    forms ("Netanyahu", "Prime Minister Benjamin Netanyahu") are merged to the fullest.

    Time grows linearly with the text. Only a document's first ``max_chars`` characters are
    read (a warning says when more were cut): by default the longest document
    `load_documents` accepts, so a ``--max-chars`` raised on the command line still holds,
    while a huge Document made in Python is bounded too. Sentences over ``MAX_WORDS`` words
    are skipped. Text goes through :func:`divergence.sanitize.clean_text` first; a
    Document's text already has (it is cleaned when made), so offsets are into ``doc.text``.
    """
    claims: list[Claim] = []
    for doc in documents:
        claims.extend(_document_claims(doc, min_checkworthiness, max_chars))
    names = canonical_speakers(c.speaker for c in claims if c.speaker)
    return [replace(c, speaker=names[c.speaker]) if c.speaker else c for c in claims]


def _document_claims(doc: Document, min_score: float, max_chars: int) -> list[Claim]:
    text = clean_text(doc.text)
    if len(text) > max_chars:
        log.warning("document %s: claims read from its first %d characters (it has %d)",
                    doc.id, max_chars, len(text))  # fmt: skip
        text = text[:max_chars]
    claims: list[Claim] = []
    recent: list[tuple[int, str]] = []  # (sentence index, speaker), the latest last
    sentences = list(split_sentences(text))
    # A document of one sentence is that sentence: a headline or a post given on its own is
    # the claim, with or without a full stop (in an article, it would be a caption).
    alone = len(sentences) == 1
    for index, (s_start, s_end) in enumerate(sentences):
        dateline = _DATELINE.match(text[s_start:s_end])
        offset = s_start + (dateline.end() if dateline else 0)
        sentence = text[offset:s_end]
        if len(sentence.split(maxsplit=MAX_WORDS)) > MAX_WORDS:
            continue  # never a claim (see checkworthiness), and not worth reading for speakers
        clauses = split_clauses(sentence)
        for c_start, c_end, who in clauses:
            claim_text = sentence[c_start:c_end]
            speaker = who.speaker if who else _resolve(claim_text, index, recent)
            if speaker is not None:
                recent.append((index, speaker))
            score = checkworthiness(claim_text, clause=alone or len(clauses) > 1)
            if score < min_score:
                continue
            claims.append(
                Claim(
                    id=f"{doc.id}#{len(claims) + 1}",
                    doc_id=doc.id,
                    outlet=doc.source,
                    speaker=speaker,
                    text=claim_text,
                    start=offset + c_start,
                    end=offset + c_end,
                    checkworthiness=score,
                    published=doc.published,
                )
            )
    return claims


#: Which speakers a pronoun may stand for, by `speaker_kind`.
_AGREES = {
    "he": {"person", "unknown"},
    "she": {"person", "unknown"},
    "they": {"group", "org", "unknown"},
    "it": {"org", "unknown"},
}


def _resolve(text: str, index: int, recent: list[tuple[int, str]]) -> str | None:
    """The speaker a pronoun subject ("he said") stands for: the latest agreeing one within
    ``PRONOUN_REACH`` sentences, so "he" skips back past "the ministry" to the minister."""
    pronoun = pronoun_subject(text)
    if pronoun is None:
        return None
    for seen, speaker in reversed(recent):
        if index - seen > PRONOUN_REACH:
            break
        if speaker_kind(speaker) in _AGREES[pronoun]:
            return speaker
    return None
