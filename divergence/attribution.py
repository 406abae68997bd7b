"""Who a sentence attributes its claim to: reporting verbs, "according to", clause splits.

A speaker is a noun phrase naming a person, office, organisation, country, outlet or group
("Israeli officials", "the health ministry", "Reuters"). A sentence is read as word tokens;
a candidate is grown a bounded number of tokens from a reporting verb (its subject, or its
object after an inverted "said" or a passive "by") or from "according to", and kept only
when `is_speaker_phrase` accepts it. When in doubt there is no speaker and the claim falls
back to its outlet: a wrong speaker makes false sources, false pairs and false findings.
Every pass is linear in the text's length: one tokenising regex, bounded walks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from divergence.speaker_words import (
    ABBREVIATIONS,
    APPOSITION_CUES,
    AUXILIARIES,
    BE,
    BOUNDARY_WORDS,
    CONNECTORS,
    DETERMINERS,
    FUNCTION_WORDS,
    GROUP_HEADS,
    INVERTIBLE,
    MEDIA_NOUNS,
    MODALS,
    MODIFIERS,
    NEGATIVE_DETERMINERS,
    NEGATIVE_GOVERNORS,
    NEGATORS,
    NOT_AGENT_NOUNS,
    NOUN_CUES,
    ORG_HEADS,
    PERSON_HEADS,
    POSITIVE_GOVERNORS,
    PREPOSITIONS,
    PRONOUNS,
    REPORT_NOUNS,
    REPORTING_VERBS,
    RESOLVABLE_PRONOUNS,
    SPEAKER_VERBS,
    TIME_WORDS,
    UNSPECIFIC,
)

__all__ = [
    "MAX_SPEAKER_WORDS",
    "REPORTING_VERBS",
    "Attribution",
    "canonical_speakers",
    "find_speaker",
    "is_pronoun_subject",
    "is_speaker_phrase",
    "pronoun_subject",
    "speaker_kind",
    "split_clauses",
]

MAX_SPEAKER_WORDS = 9
#: Tokens looked at left of a verb for its auxiliaries, times and a parenthetical.
_CHAIN_LIMIT = 12
#: Tokens looked at left of "and said" for the subject of the first verb.
_CLAUSE_LIMIT = 40
# A word (letters/digits joined by ' ’ & - or a "." before lower case, as in "Naij.com"), or
# one other visible character. Zero-width characters count as space. Each repetition starts
# with a separator the run before it cannot match, so the match is linear.
_TOKEN = re.compile(r"[^\W_]+(?:(?:['’&-]|\.(?=[a-z]))[^\W_]+)*|[^\s\u200b-\u200d\u2060\ufeff]")
#: What may stand right before an inverted verb: '"We will win," said the minister.'
_CLOSING = frozenset({'"', "”", "’", "'", ",", ":", "—", "–", "-"})
#: Verb forms that are also nouns: "media reports said", "his claims were".
_AMBIGUOUS_VERBS = frozenset(
    {"reports", "claims", "states", "notes", "signals", "highlights", "claim"}
)
# Clause boundaries at which one sentence may hold two attributed claims. The lookbehind
# replaces an alternation of overlapping space runs that made long runs of spaces quadratic.
_SPLIT = re.compile(
    r"(?<![^\s,;])(?P<marker>while|whereas|but|after|although|though)\s", re.IGNORECASE
)
_VERBS: dict[str, list[tuple[str, ...]]] = {}
for _phrase in SPEAKER_VERBS:
    _first, *_rest = _phrase.split()
    _VERBS.setdefault(_first, []).append(tuple(_rest))


@dataclass(frozen=True)
class Attribution:
    """A speaker found in a text: its name and the character span of that name."""

    speaker: str
    start: int
    end: int


class _Tok(NamedTuple):
    text: str
    low: str
    start: int
    end: int


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m[0], m[0].lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _role(toks: list[_Tok], i: int) -> str:
    """What a token can be in a noun phrase: name, head, mod, det, conn, and, dot, ..."""
    tok = toks[i]
    if not tok.text[0].isalnum():
        return "dot" if tok.text == "." else "and" if tok.text == "&" else "punct"
    low = tok.low
    if low in PRONOUNS and not (tok.text.isupper() and len(low) > 1):  # "US" is a name
        return "pron"
    if "'" in low.replace("’", "'") and low.replace("’", "'").partition("'")[0] in _CONTRACTED:
        return "pron"  # "I'm", "We're", "There's"
    capital = tok.text[0].isupper()
    if capital and i > 0 and _in_name(toks[i - 1]):
        return "name"  # "Theresa May", "the Washington Post": a capital inside a name
    if low in DETERMINERS or tok.text.isdigit():
        return "det"
    if low == "and":
        return "and"
    if low in CONNECTORS or _postmodifier(toks, i):
        return "conn"
    if low in BOUNDARY_WORDS:
        return "boundary"
    if low in FUNCTION_WORDS or low in TIME_WORDS or low.endswith(("n't", "n’t")):
        return "stop"
    if low in REPORT_NOUNS:
        return "report"
    if low in UNSPECIFIC:
        return "vague"
    if capital or tok.text[0].isdigit():
        return "name"
    last = low.rpartition("-")[2]  # "ex-wife", "co-founder"
    if last in PERSON_HEADS or last in GROUP_HEADS or last in ORG_HEADS or _agent_noun(low):
        return "head"
    if low in MODIFIERS or _modifier(low):
        return "mod"
    return "stop"


def _postmodifier(toks: list[_Tok], i: int) -> bool:
    """A word of "familiar with", "close to", "briefed on": joined like a preposition."""
    low = toks[i].low
    after = toks[i + 1].low if i + 1 < len(toks) else ""
    before = toks[i - 1].low if i > 0 else ""
    return (low, after) in _POSTMODIFIERS or (before, low) in _POSTMODIFIERS


_POSTMODIFIERS = frozenset({
    ("familiar", "with"), ("close", "to"), ("briefed", "on"), ("involved", "in"),
    ("knowledgeable", "about"), ("privy", "to"), ("loyal", "to"), ("linked", "to"),
})  # fmt: skip
_CONTRACTED = PRONOUNS | {"there", "here", "that", "what", "who", "let", "this"}
_OPENERS = BOUNDARY_WORDS | FUNCTION_WORDS | PRONOUNS | CONNECTORS | TIME_WORDS | {"and"}


def _in_name(before: _Tok) -> bool:
    """Whether a capitalised word after ``before`` continues a name begun there."""
    low = before.low
    return before.text[0].isupper() and low not in _OPENERS and "'" not in low.replace("’", "'")


def _agent_noun(low: str) -> bool:
    """A role noun by its ending: "volcanologist", "investigators", "historian"."""
    low = low.rpartition("-")[2]  # "co-founder", but not "mid-November"
    if len(low) < 6 or low in NOT_AGENT_NOUNS or low.removesuffix("s") in NOT_AGENT_NOUNS:
        return False
    return low.endswith(("ist", "ists", "ian", "ians", "er", "ers", "or", "ors"))


def _modifier(low: str) -> bool:
    """An adjective or noun modifier by its form: "state-linked", "regional", "diplomatic"."""
    if "-" in low or low.endswith(("'s", "’s")):
        return True
    if low in _NOT_MODIFIERS:
        return False
    if len(low) >= 6 and low.endswith(("al", "ic", "ary", "ent")):
        return True
    return len(low) >= 8 and low.endswith("ive")


# Verbs and nouns with an adjective's ending: "Documents reveal officials said" has no modifier.
_NOT_MODIFIERS = frozenset({
    "reveal", "appeal", "conceal", "signal", "perceive", "conceive", "prevent", "represent",
    "comment", "present", "resent", "lament", "proposal", "withdrawal", "approval", "arrival",
    "removal", "refusal", "denial", "survival", "statement", "agreement", "document", "moment",
    "element", "payment", "treatment", "incident", "accident", "event", "content",
})  # fmt: skip


def _abbreviation_dot(toks: list[_Tok], i: int) -> bool:
    """A "." that ends "Mr." or a "U.S."-style initial rather than a sentence."""
    if i == 0 or toks[i - 1].end != toks[i].start:
        return False
    before = toks[i - 1]
    return before.text[0].isupper() and (len(before.text) == 1 or before.low in ABBREVIATIONS)


def _unknown(tok: _Tok) -> bool:
    """A lower-case word in no list: a noun or a verb, which only its neighbours tell."""
    low = tok.low
    return (
        tok.text.islower()
        and low not in FUNCTION_WORDS
        and low not in TIME_WORDS
        and not low.endswith(("ly", "n't", "n’t"))
        and "'" not in low
    )


def _free(toks: list[_Tok], i: int) -> bool:
    """An unknown word between a determiner, modifier or name and a head: "the statistics
    office", "the UN refugee agency"."""
    return (
        0 < i < len(toks) - 1
        and _role(toks, i) == "stop"
        and _unknown(toks[i])
        and _role(toks, i - 1) in ("det", "mod", "name")
        and _role(toks, i + 1) in ("head", "name")
    )


def _complement(toks: list[_Tok], i: int, a: int = 0) -> bool:
    """An unknown noun ending "Residents of the village": after a head, a connector and an
    optional determiner or modifier (none before token ``a``)."""
    if _role(toks, i) not in ("stop", "vague", "report") or not _unknown(toks[i]):
        return False
    if toks[i].low in MEDIA_NOUNS:
        return False  # "said the mayor in an interview": an adverbial, not part of the name
    j = i - 1
    while j > a and i - j <= 2 and _role(toks, j) in ("det", "mod"):
        j -= 1
    return j > a and _role(toks, j) == "conn" and _after_head(toks, j, a)


def _after_head(toks: list[_Tok], j: int, a: int = 0) -> bool:
    """Whether the connector at ``j`` (one of at most two: "familiar with") follows a head."""
    if j - 1 > a and _role(toks, j - 1) == "conn":
        j -= 1
    return j > a and _head_like(toks, j - 1)


def _head_like(toks: list[_Tok], i: int) -> bool:
    """Whether token ``i`` can end a noun phrase (so a connector may join it to the next)."""
    role = _role(toks, i)
    return role in ("name", "head") or (role == "dot" and _abbreviation_dot(toks, i))


# ---- validation ---------------------------------------------------------------------------


def is_speaker_phrase(text: str) -> bool:
    """Whether ``text`` reads as a noun phrase naming a speaker, as `find_speaker` requires."""
    toks = _tokens(text)
    return bool(toks) and _valid(toks, 0, len(toks)) and text == text.strip()


def _valid(toks: list[_Tok], a: int, b: int) -> bool:
    span = toks[a:b]
    words = [t for t in span if t.text[0].isalnum()]
    if not words or len(words) > MAX_SPEAKER_WORDS or span[0].text == ".":
        return False
    roles = [_role(toks, i) for i in range(a, b)]
    if span[0].low in NEGATIVE_DETERMINERS or roles[0] in ("conn", "and", "report", "vague"):
        return False
    if all(r in ("head", "mod") for r in roles) and span[-1].low not in GROUP_HEADS:
        return False  # "group", "daily newspaper": a singular noun with no determiner was cut
    for i, role in zip(range(a, b), roles, strict=True):
        if role in ("pron", "punct", "boundary"):
            return False
        if role == "stop" and not (_complement(toks, i, a) if i == b - 1 else _free(toks, i)):
            return False
        if role == "dot" and not _abbreviation_dot(toks, i):
            return False
        if role == "det" and i > a and roles[i - a - 1] not in ("conn", "and", "det"):
            return False  # a determiner starts a noun phrase, it never sits inside one
    if not (_head_like(toks, b - 1) or _complement(toks, b - 1, a)):
        return False
    if span[0].low in ("his", "her", "their", "its", "our", "my", "your"):
        return roles[-1] == "name"  # "his father John Foley", not the unresolved "his spokesman"
    first_conn = next((i for i, r in enumerate(roles) if r == "conn"), None)
    if first_conn is not None and not (
        _head_like(toks, a + first_conn - 1) or roles[first_conn - 1] == "det"
    ):
        return False  # "A look at Phelps": the head before "at" names no one
    return " ".join(w.low for w in words) not in UNSPECIFIC


def _attribution(text: str, toks: list[_Tok], a: int, b: int) -> Attribution | None:
    """The speaker spanning tokens ``a:b``, after peeling "a report in" off "the Express"."""
    while a < b and toks[a].low in ("both", "all"):
        a += 1
    for i in range(a, min(b, a + 6)):
        if _role(toks, i) == "conn":
            if _role(toks, i - 1) == "report" and toks[i].low in ("in", "from", "by", "of", "at"):
                a = i + 1  # "A statement from the ministry" speaks for the ministry
            break
    if a >= b or not _valid(toks, a, b):
        return None
    start, end = toks[a].start, toks[b - 1].end
    # Read alone, the phrase must pass too: a word's role may hang on the word before it.
    if not is_speaker_phrase(text[start:end]):
        return None
    return Attribution(text[start:end], start, end)


# ---- noun phrase walks --------------------------------------------------------------------


def _left_np(toks: list[_Tok], k: int) -> tuple[int, int] | None:
    """The noun phrase ending at token ``k``, as a token span, walking left a bounded way."""
    i, stop = k, "start"
    while i >= 0 and k - i <= MAX_SPEAKER_WORDS + 2:
        role = _role(toks, i)
        if (
            role in ("name", "head", "mod", "report", "vague")
            or (role == "dot" and _abbreviation_dot(toks, i))
            or (i == k and _complement(toks, i))
            or (i < k and _free(toks, i))
        ):
            i -= 1
        elif role == "det":
            i -= 1
            if i >= 1 and _joins(toks, i):
                continue  # "A spokesman for the ministry", "one of the officials"
            stop = "det"
            break
        elif role in ("conn", "and") and i < k and i >= 1 and _joins(toks, i):
            i -= 1
        else:
            stop = role
            break
    start = i + 1
    if start > k:
        return None
    ands = [j for j in range(start, k + 1) if toks[j].low in ("and", "&")]
    if stop == "start" and i >= 0:
        return None  # the walk ran out before the phrase began: too long to be a speaker
    before = toks[i].low if i >= 0 else ""
    if (
        before in PREPOSITIONS
        or before in CONNECTORS
        or stop == "conn"
        or (stop == "stop" and before in FUNCTION_WORDS)
    ):
        # "A former hostage held by the group said", "episodes of the Teletubbies, ...,
        # revealed": a preposition's object is never the subject.
        if not ands:
            return None
        start = ands[-1] + 1
    elif stop in ("stop", "and") and ands:
        # "There was a shooting at Parliament and police said": after a verb, an "and"
        # joins clauses, and only the last conjunct is the subject.
        start = ands[-1] + 1
    return (start, k + 1) if start <= k else None


def _joins(toks: list[_Tok], i: int) -> bool:
    """Whether the connector at ``i`` joins two parts of one noun phrase."""
    if _role(toks, i) not in ("conn", "and"):
        return False
    if _after_head(toks, i):
        return True
    after = toks[i + 1].low if i + 1 < len(toks) else ""
    return toks[i].low == "of" and _role(toks, i - 1) == "det" and after in _OF_WHOLE


_OF_WHOLE = frozenset({"the", "his", "her", "their", "its"})


def _right_np(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """The noun phrase starting at token ``i``, cut back to its last head."""
    j, last = i, -1
    while j < len(toks) and j - i <= MAX_SPEAKER_WORDS + 2:
        role = _role(toks, j)
        joined = j == i or _role(toks, j - 1) in ("conn", "and", "det")
        if role == "det" and joined:
            pass
        elif role in ("name", "head") or (role == "dot" and _abbreviation_dot(toks, j)):
            last = j
        elif role in ("mod", "report", "vague") or (j > i and _free(toks, j)):
            pass
        elif j > i and _complement(toks, j, i):
            last = j  # "residents of the area"
            break
        elif role in ("conn", "and") and j + 1 < len(toks) and j > i:
            if _role(toks, j + 1) not in ("det", "name", "head", "mod"):
                break
        else:
            break
        j += 1
    return (i, last + 1) if last >= i else None


def _author(toks: list[_Tok], i: int) -> int:
    """Where the author starts in "data compiled by the UN", "a report published by X"; ``i``
    when the phrase at ``i`` is no such document."""
    j = i
    while j < len(toks) and j - i < 4 and _role(toks, j) in ("det", "mod", "report", "vague"):
        j += 1
    document = j > i and _role(toks, j - 1) in ("report", "vague")
    if document and j + 1 < len(toks) and toks[j].low.endswith("ed") and toks[j + 1].low == "by":
        return j + 2
    return i


def _names_a_document(toks: list[_Tok], span: tuple[int, int]) -> bool:
    """ "according to his Twitter account", "a Facebook update": a name that modifies a
    lower-case noun after it names the document, not a speaker."""
    last, nxt = span[1] - 1, span[1]
    if nxt >= len(toks) or _role(toks, last) != "name" or not _unknown(toks[nxt]):
        return False
    role = _role(toks, nxt)
    return role in ("report", "vague") or (
        role == "stop" and not toks[nxt].low.endswith(("ed", "s"))
    )


# ---- finding the speaker ------------------------------------------------------------------


def find_speaker(text: str) -> Attribution | None:
    """The party ``text`` attributes its claim to, or ``None`` when it reads as the outlet's own.

    The first reporting verb with a named subject wins ("Israeli officials said Hamas denied
    it" is the officials' claim); a pronoun subject ("he said") gives ``None``, for the
    caller to resolve from context; "according to X" is the fallback.
    """
    found = _read(text)
    return found if isinstance(found, Attribution) else None


def pronoun_subject(text: str) -> str | None:
    """The pronoun ("he", "she", "they", "it") a reporting verb has for subject, if any."""
    found = _read(text)
    return found if isinstance(found, str) else None


def is_pronoun_subject(text: str) -> bool:
    """True when a reporting verb's subject is a pronoun ("he said"), to resolve from context."""
    return pronoun_subject(text) is not None


def _read(text: str) -> Attribution | str | None:
    toks = _tokens(text)
    according: Attribution | None = None
    for i, tok in enumerate(toks):
        if tok.low == "according" and i + 1 < len(toks) and toks[i + 1].low == "to":
            span = _right_np(toks, _author(toks, i + 2))
            if according is None and span and not _names_a_document(toks, span):
                according = _attribution(text, toks, *span)
            continue
        size = _verb_size(toks, i)
        if size:
            found = _subject(text, toks, i, size)
            if found is not None:
                return found
    return according


def _verb_size(toks: list[_Tok], i: int) -> int:
    """How many tokens a reporting verb at ``i`` spans (0: none). Case-sensitive on purpose:
    a capitalised "States" or "Reports" is a name, not a verb."""
    tok = toks[i]
    for rest in _VERBS.get(tok.text, ()):
        following = tuple(t.low for t in toks[i + 1 : i + 1 + len(rest)])
        if following == rest:
            if tok.text in _AMBIGUOUS_VERBS and _is_noun(toks, i):
                return 0
            return 1 + len(rest)
    return 0


def _is_noun(toks: list[_Tok], i: int) -> bool:
    """ "media reports suggested", "his claims were": the verb form used as a noun."""
    before = toks[i - 1].low if i > 0 else ""
    after = toks[i + 1].low if i + 1 < len(toks) else ""
    if after in BE or after in ("of", "have") or (i + 1 < len(toks) and toks[i + 1].text in _VERBS):
        return True  # "Iraqi reports said", "the claims were"
    return before in NOUN_CUES or before in DETERMINERS


def _subject(text: str, toks: list[_Tok], i: int, size: int) -> Attribution | str | None:
    """Who speaks through the reporting verb at token ``i``, a pronoun, or ``None``."""
    j, passive, governed = i - 1, False, False
    while j >= 0 and i - j <= _CHAIN_LIMIT:
        low = toks[j].low if toks[j].text.islower() else ""  # "May said" is Theresa May
        if low in NEGATORS or low in MODALS or low.endswith(("n't", "n’t")):
            return None  # "officials have yet to say", "Hamas did not deny", "X will announce"
        if low == "to":
            governor = toks[j - 1].low if j > 0 else ""
            if governor in NEGATIVE_GOVERNORS or governor not in POSITIVE_GOVERNORS:
                return None  # "declined to comment", "is expected to announce"
            governed, j = True, j - 2
            if j >= 0 and toks[j].low == "went":  # "went on to say"
                j -= 1
            continue
        if low in BE and not governed:
            passive = True
        elif not (low in AUXILIARIES or low in BE or _adverb(toks, j)):
            skipped = _skip_adverbial(toks, j)
            if skipped == j:
                break
            j = skipped
            continue
        j -= 1
    after = i + size
    if passive:  # "it was announced by the ministry"; without an agent, nobody is named
        by = after < len(toks) and toks[after].low == "by"
        span = _right_np(toks, after + 1) if by else None
        if span is None or _names_a_document(toks, span):
            return None
        return _attribution(text, toks, *span)
    found = _pre_verb(text, toks, j)
    if found is not None:
        return found
    if toks[i].text in INVERTIBLE and (j < 0 or toks[j].text in _CLOSING):
        if after < len(toks) and toks[after].low in RESOLVABLE_PRONOUNS:
            return toks[after].low  # '"The deal is dead," said he'
        span = _right_np(toks, after)
        if span is None or (span[1] < len(toks) and not _ends_clause(toks, span[1])):
            return None  # "..., said Ebola arrived": the verb's object, not an inverted subject
        return _attribution(text, toks, *span)
    return None


def _ends_clause(toks: list[_Tok], i: int) -> bool:
    """Whether token ``i`` may follow an inverted subject: "said X." / "said X on Monday"."""
    return _role(toks, i) in ("punct", "dot") or toks[i].low in _AFTER_INVERTED


_AFTER_INVERTED = frozenset({"on", "in", "at", "late", "earlier", "last", "this", "today", "who"})


def _adverb(toks: list[_Tok], j: int) -> bool:
    tok = toks[j]
    return tok.text.islower() and tok.low.endswith("ly") and _role(toks, j) not in ("head", "mod")


def _skip_adverbial(toks: list[_Tok], j: int) -> int:
    """Step left over "on Monday", "this week", "in a statement", "on Twitter", "(CDC)"."""
    low = toks[j].low
    if low in TIME_WORDS and low != "day":
        k = j - 1
        while (
            k >= 0
            and j - k < 5
            and (toks[k].low in TIME_WORDS or toks[k].low in _TIME_LEAD or toks[k].text.isdigit())
        ):
            k -= 1
        return k
    if j >= 2 and low in MEDIA_NOUNS and toks[j - 2].low == "in" and _role(toks, j - 1) == "det":
        return j - 3
    if j >= 1 and toks[j - 1].low == "on" and low in _PLATFORMS:
        return j - 2
    if toks[j].text == ")" and j >= 2 and toks[j - 2].text == "(" and toks[j - 1].text.isupper():
        return j - 3  # "The Centers for Disease Control and Prevention (CDC) said"
    return j


_TIME_LEAD = frozenset({"on", "last", "this", "late", "early", "earlier", "later", "next"})
_PLATFORMS = frozenset(
    {"twitter", "facebook", "instagram", "telegram", "television", "tv", "radio"}
)


def _pre_verb(text: str, toks: list[_Tok], k: int) -> Attribution | str | None:
    """The subject ending at token ``k``: a noun phrase, a pronoun, or ``None``."""
    if k < 0:
        return None
    low = toks[k].low
    if low in RESOLVABLE_PRONOUNS:
        return low
    if toks[k].text in (",", "—", "–"):
        return _parenthetical(text, toks, k)
    if low == "and" and k > 0 and not _head_like(toks, k - 1):
        return _clause_subject(text, toks, k)
    span = _left_np(toks, k)
    if span is None:
        return None
    boundary = toks[span[0] - 1].low if span[0] > 0 else ""
    if boundary in ("if", "unless", "whether"):
        return None  # a condition, not a statement
    return _attribution(text, toks, *span)


def _parenthetical(text: str, toks: list[_Tok], k: int, depth: int = 2) -> Attribution | None:
    """ "Mohammed Emwazi, the west Londoner, said": step back over the aside to its subject,
    and over a second aside before it ("X, a veteran of two wars, who was there, told")."""
    for c in range(k - 1, max(k - 16, 0), -1):
        if toks[c].text in ('"', "“", "”", "'", "’", ".", ";", ":"):
            return None  # a quote, not an aside
        if toks[c].text == toks[k].text:
            cue = toks[c + 1]
            if not (
                cue.low in APPOSITION_CUES or cue.low.endswith("ing") or _valid(toks, c + 1, k)
            ):
                return None
            span = _left_np(toks, c - 1)
            if span is None:
                return _parenthetical(text, toks, c, depth - 1) if depth > 1 else None
            return _attribution(text, toks, *span)
    return None


def _clause_subject(text: str, toks: list[_Tok], k: int) -> Attribution | None:
    """ "Lawyers argued the company was not liable and said ...": the first verb's subject."""
    start = k - 1
    while start >= 0 and _role(toks, start) not in ("punct", "boundary"):
        if k - start >= _CLAUSE_LIMIT:
            return None
        start -= 1
    span = _right_np(toks, start + 1)
    if span is None or span[1] >= k or _role(toks, span[1]) != "stop":
        return None  # the clause must open with a noun phrase followed by its verb
    return _attribution(text, toks, *span)


# ---- clauses and names --------------------------------------------------------------------


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
        while body < end and text[body].isspace():
            body += 1
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


def speaker_kind(name: str) -> str:
    """ "person", "group" or "org" by the name's head word, "unknown" for a bare proper name.

    Pronouns resolve only to an agreeing speaker: "he" not to "the ministry".
    """
    words = [w.lower() for w in name.split()]
    # "A spokesman for the ministry" is a person: the head comes before the first connector.
    before = [w for w, nxt in itertools.pairwise(words) if nxt in CONNECTORS]
    head = before[0] if before else words[-1] if words else ""
    for kind, heads in (("person", PERSON_HEADS), ("group", GROUP_HEADS), ("org", ORG_HEADS)):
        if head in heads:
            return kind
    return "unknown"


def canonical_speakers(names: Iterable[str]) -> dict[str, str]:
    """Map each speaker name to the fullest form of the same name seen.

    "Netanyahu" becomes "Israeli Prime Minister Benjamin Netanyahu" when both occur; a
    name without a proper noun ("officials", a sentence-initial "Police") is never merged
    into a longer one, nor is any name into "a senior US official", one unnamed person.
    Names differing only in case ("The ministry", "the ministry") share one form.
    """
    unique = sorted(set(names), key=lambda n: (-len(n), n))
    words = {name: set(name.lower().split()) for name in unique}
    # Longer names by word, in the order of `unique`: a fuller form of a name holds every
    # one of its words, so only the names sharing its rarest word need comparing.
    holding: dict[str, list[str]] = {}
    for name in unique:
        if name.split() and name.split()[0].lower() not in _INDEFINITE:
            for word in words[name]:
                holding.setdefault(word, []).append(name)
    mapping: dict[str, str] = {}
    by_case: dict[str, str] = {}
    for name in unique:
        mapping[name] = by_case.setdefault(name.lower(), name)
        if not words[name] or not names_someone(name):
            continue
        rarest = min(words[name], key=lambda w: len(holding.get(w, ())))
        for longer in holding.get(rarest, ()):
            if len(longer) <= len(name):
                break
            if words[name] <= words[longer]:
                mapping[name] = mapping[longer]
                break
    return mapping


_INDEFINITE = frozenset({"a", "an", "one", "another", "some", "several", "two", "three"})


def names_someone(name: str) -> bool:
    """Whether a speaker is named: "Sgt Gill Cherry", "the Interior Ministry", "Reuters",
    but not "an official", "the official", "police" or "a security source": a capitalised
    word other than a sentence-initial common one ("Police", "Officials")."""
    toks = _tokens(name)
    return any(_role(toks, i) == "name" and toks[i].low not in _COMMON for i in range(len(toks)))


_COMMON = PERSON_HEADS | GROUP_HEADS | ORG_HEADS | MODIFIERS
