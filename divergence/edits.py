"""Edited reprints: one wire sentence from two sources, identical but for a few words.

Outlets reprint the same agency sentence, and sometimes change one thing in it: "17 crew
remain missing" becomes "19 crew remain missing", "likely" becomes "possibly", "was"
becomes "was not", "police" becomes "the army". :func:`~divergence.pairing.duplicate_groups`
folds such near-duplicates into one group so that pairing scores only its first claim;
this module compares the members of a group with each other so those edits are not lost.

- :func:`word_diff`: a word-level diff of two sentences (rapidfuzz ``Indel`` opcodes on
  normalised tokens), each changed segment with its character span in each sentence.
  Tokens are normalised before comparing, so punctuation, quotes, capitalisation,
  whitespace and outlet style ("per cent"/"%", "U.S."/"US", "Mr."/"Mr", "1,200"/"1200",
  "two"/"2", "wasn't"/"was not", "cease-fire"/"ceasefire", "colour"/"color") never show up.
- :func:`find_edits`: each changed segment classified (a number, a negation, a date, an
  antonym, an agent or a named entity, a modal or hedge, another word), or ``None`` when the
  sentences are not near-duplicates (those are ordinary pairs, scored elsewhere).
- :func:`check_edit`: the same as one :class:`~divergence.checks.Finding` of
  :attr:`Kind.EDIT <divergence.checks.Kind.EDIT>`, evidence spans on both sides, or ``None``
  when nothing meaningful changed: an added attribution tail (", Reuters reported"), a
  dropped adjective, a name spelled another way, a tense moved back in reported speech.
- :func:`reprint_pairs`: the candidate pairs of one corpus, from the pipeline's claims and
  duplicate groups: members of one group from different sources whose texts differ.

How it plugs into :func:`divergence.pipeline.compare`, after ``duplicate_groups``::

    from divergence.edits import check_edit, reprint_pairs

    groups = duplicate_groups(claims, vectors)
    for i, j in reprint_pairs(claims, groups, by=by):      # i < j, deterministic order
        finding = check_edit(claims[i].text, claims[j].text)
        if finding is not None:                            # Kind.EDIT, spans into each text
            ...  # a Pair(i, j, ...) whose Score has findings=(finding,) and a divergence of
                 # at least finding.strength; the pair is flagged like any other at threshold

Strengths (:data:`STRENGTH`): 0.9 and above for numbers, negations, dates, antonyms and
agents (police / the army); 0.6 for a modal or hedge; 0.45 for another name (news names
one party many ways: "Washington" for "the United States", "Saddam" for "Hussein"); 0.3
for any other one-word substitution. With the default threshold of 0.5 the checkable
edits and the hedges are flagged, names and other words are only shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import Indel, Levenshtein

from divergence.checks import Finding, Kind, Span
from divergence.claims import Claim
from divergence.memo import per_text

#: Two sentences are near-duplicates when this share of their normalised tokens is shared
#: (rapidfuzz Indel similarity over token lists).
MIN_TOKEN_SIMILARITY = 0.75
#: ... and they differ in at most this many segments; more is a rewrite, not an edit.
MAX_SEGMENTS = 4
#: Distinct texts compared per duplicate group (the first ones by claim order).
MAX_VARIANTS = 64
#: Earlier distinct texts of a group tried as the partner of a later one.
MAX_ANCHORS = 3
#: A substitution of more words than this a side, of no checkable kind, is a rewording.
MAX_WORD_CHANGE = 1


class ChangeType(str, Enum):
    """What an edit changed; a string enum, equal to its value ("number")."""

    NUMBER = "number"
    NEGATION = "negation"
    DATE = "date"
    ANTONYM = "antonym"
    AGENT = "agent"
    ENTITY = "entity"
    MODAL = "modal"
    WORD = "word"

    def __str__(self) -> str:
        return self.value


#: Strength of a finding by what changed: checkable facts high, hedges medium, the rest low.
STRENGTH = {
    ChangeType.NEGATION: 0.95,
    ChangeType.NUMBER: 0.9,
    ChangeType.DATE: 0.9,
    ChangeType.ANTONYM: 0.9,
    ChangeType.AGENT: 0.9,
    # Below the default threshold: outlets name one party many ways ("Washington" / "the
    # United States", "Saddam" / "Hussein", "Odai" / "Uday"); on MRPC paraphrases 8 of the
    # 9 name changes were such. Shown with its evidence, flagged only with a stronger change.
    ChangeType.ENTITY: 0.45,
    ChangeType.MODAL: 0.6,
    ChangeType.WORD: 0.3,
}


@dataclass(frozen=True)
class Change:
    """One changed segment of a word diff: ``span_a`` is ``None`` for an insertion into
    ``b``, ``span_b`` for a deletion from ``a``."""

    kind: Literal["replace", "insert", "delete"]
    span_a: Span | None
    span_b: Span | None


@dataclass(frozen=True)
class Edit:
    """A changed segment that matters, with its type and strength.

    ``evidence_a``/``evidence_b`` are never empty: an inserted word is shown with the word
    it follows on both sides ("was" against "was not").
    """

    type: ChangeType
    strength: float
    change: Change
    evidence_a: Span
    evidence_b: Span

    @property
    def note(self) -> str:
        return f"{self.type}: {self.evidence_a.text} vs {self.evidence_b.text}"


# ---- tokens ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    norm: str
    name: bool  # a capitalised word inside the sentence, or an acronym
    gap: str = ""  # the text between the previous token and this one: " ", ", ", ". "


_TOKEN = re.compile(
    r"(?i:[A-Z]{1,2}\$|\$[A-Z]{1,2}(?=\d))"  # A$, US$, $US: a currency is a style; "$" is kept
    r"|(?:[^\W\d_]\.){2,}"  # U.S., U.K. (the dots stay in the span)
    r"|\d+(?:[.,]\d+)*(?![^\W_]*(?<=\d)(?i:st|nd|rd|th|s)\b)"  # 17, 1,200, 52 of 52km; not 17th
    r"|[^\W_]+(?:['’][^\W_]+)*(?:-[^\W_]+(?:['’][^\W_]+)*)*"  # words, cease-fire, O'Brien
    r"|[$€£%&]"
)
_CLITIC = re.compile(r"(?i)(n['’]t|['’](?:s|re|ve|ll|d|m))$")
_CLITIC_NORM = {"n't": "not", "'s": "'s", "'re": "are", "'ve": "have", "'ll": "will",
                "'d": "would", "'m": "am"}  # fmt: skip
_STEM_BEFORE_NT = {"ca": "can", "wo": "will", "sha": "shall"}
#: Contractions some outlets print without the apostrophe ("dont", "havent").
_BARE_NT = frozenset({"dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "hasnt",
                      "havent", "hadnt", "wont", "cant", "couldnt", "wouldnt", "shouldnt"})  # fmt: skip
_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th",
             "sixth": "6th", "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th"}  # fmt: skip
_MONTH_ABBREVIATIONS = {
    "jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june",
    "jul": "july", "aug": "august", "sep": "september", "sept": "september", "oct": "october",
    "nov": "november", "dec": "december",
}  # fmt: skip
_SYMBOLS = {"%": "percent", "pct": "percent", "&": "and"}
_CURRENCY = re.compile(r"[A-Z]{1,2}\$|\$[A-Z]{1,2}", re.IGNORECASE)
#: Multi-word forms an outlet's style writes as one (the merged token spans all of them).
_PHRASES = {
    ("per", "cent"): "percent",
    ("united", "states"): "us",
    ("united", "kingdom"): "uk",
    ("united", "nations"): "un",
    ("european", "union"): "eu",
}
_QUOTE_START = set("\"“‘'([«")
# British and American spellings of one word, folded so that they compare equal. Each rule
# is kept narrow (stems of a few letters, word endings only) so that different words seldom
# fold together.
_SPELLING = (
    (re.compile(r"(?<=\w{2})our(?=s?$|ed$|ing$|ite$|ites$|able$)"), "or"),  # colour, labour
    (re.compile(r"(?<=\w{3})is(?=e$|es$|ed$|ing$|ation$|ations$)"), "iz"),  # organise
    (re.compile(r"(?<=\w{2})ys(?=e$|es$|ed$|ing$)"), "yz"),  # analyse
    (re.compile(r"(?<=\w{3})tre(?=s?$)"), "ter"),  # centre, metre
    (re.compile(r"(?<=[a-z]{2}[aeiou])ll(?=ed$|ing$|er$|ers$)"), "l"),  # travelled, cancelled
)


def _word_norm(word: str) -> str:
    """The comparison form of one word: lower case, straight quotes, no dots, digits for
    number words, one spelling."""
    if _CURRENCY.fullmatch(word):
        return "$"
    low = word.lower().replace("’", "'")
    if re.fullmatch(r"\d+(?:[.,]\d+)*", low):
        low = low.replace(",", "")
        return low.rstrip("0").rstrip(".") if "." in low else low.lstrip("0") or "0"
    low = low.replace(".", "")
    if low in _SYMBOLS:
        return _SYMBOLS[low]
    if low in _NUMBER_WORDS:
        return str(_NUMBER_WORDS[low])
    if low in _ORDINALS:
        return _ORDINALS[low]
    if len(low) >= 5:
        for pattern, replacement in _SPELLING:
            low = pattern.sub(replacement, low)
    return low


def _is_name(text: str, start: int, raw: str) -> bool:
    """A capitalised word not at the start of a sentence or a quote, or an acronym."""
    if sum(c.isupper() for c in raw) >= 2:
        return True
    if not raw[:1].isupper() or len(raw) < 2:
        return False
    k = start - 1
    while k >= 0 and text[k].isspace():
        k -= 1
    return k >= 0 and text[k] not in ".!?:;" and text[k] not in _QUOTE_START


def _pieces(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, norm) of each word, clitics ("n't", "'s") and hyphenated numbers split off."""
    for m in _TOKEN.finditer(text):
        # Hyphenated words in parts, so that "higher-income" / "lower-income" is higher /
        # lower and "30-year-old" holds 30; "cease-fire" / "ceasefire" is a segment equal in
        # style (see _same_in_style).
        offset = m.start()
        for part in m.group(0).split("-"):
            yield from _pieces_of_word(offset, part)
            offset += len(part) + 1


def _pieces_of_word(start: int, raw: str) -> Iterator[tuple[int, int, str]]:
    clitic = _CLITIC.search(raw) if len(raw) > 2 else None
    if raw.lower() == "cannot":
        yield start, start + 3, "can"
        yield start + 3, start + 6, "not"
    elif raw.lower() in _BARE_NT:
        stem = _word_norm(raw[:-2])
        yield start, start + len(raw) - 2, _STEM_BEFORE_NT.get(stem, stem)
        yield start + len(raw) - 2, start + len(raw), "not"
    elif clitic and clitic.start() > 0:
        stem = raw[: clitic.start()]
        key = clitic.group(1).lower().replace("’", "'")
        norm = _word_norm(stem)
        yield start, start + len(stem), _STEM_BEFORE_NT.get(norm, norm) if key == "n't" else norm
        yield start + clitic.start(), start + len(raw), _CLITIC_NORM[key]
    else:
        yield start, start + len(raw), _word_norm(raw)


@per_text(maxsize=4096)  # tokenising each pair's claims anew was half the checks' time
def _tokens(text: str) -> tuple[_Token, ...]:
    raw = [
        _Token(s, e, text[s:e], norm, _is_name(text, s, text[s:e])) for s, e, norm in _pieces(text)
    ]
    out: list[_Token] = []
    i = 0
    while i < len(raw):
        pair = (raw[i].norm, raw[i + 1].norm) if i + 1 < len(raw) else None
        if pair in _PHRASES:
            first, last = raw[i], raw[i + 1]
            out.append(_Token(first.start, last.end, text[first.start : last.end],
                              _PHRASES[pair], first.name or last.name))  # fmt: skip
            i += 2
            continue
        token = raw[i]
        if token.norm in _MONTH_ABBREVIATIONS and token.text[0].isupper():
            token = _Token(token.start, token.end, token.text,
                           _MONTH_ABBREVIATIONS[token.norm], False)  # fmt: skip
        elif token.text == "May" and token.name:  # the month; "may" the hedge stays "may"
            token = _Token(token.start, token.end, token.text, "month-may", False)
        out.append(token)
        i += 1
    ends = [0] + [t.end for t in out]
    return tuple(replace(t, gap=text[ends[k] : t.start]) for k, t in enumerate(out))


def normalised_text(text: str) -> str:
    """What :func:`word_diff` compares: two texts equal here are one reprint in two styles."""
    return "".join(t.norm for t in _tokens(text))


def token_similarity(a: str, b: str) -> float:
    """Share of normalised tokens the two texts have in common (Indel similarity, 0-1)."""
    return float(Indel.normalized_similarity([t.norm for t in _tokens(a)],
                                             [t.norm for t in _tokens(b)]))  # fmt: skip


# ---- diff ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Segment:
    i1: int
    i2: int
    j1: int
    j2: int


def _segments(ta: Sequence[_Token], tb: Sequence[_Token]) -> list[_Segment]:
    """Runs of tokens that differ, between the longest common subsequence of the two texts.

    Indel (insertions and deletions only) keeps every shared word matched; a deletion next
    to an insertion is one replaced segment. Segments that differ only in style (numbers
    written another way, "cease fire" against "ceasefire") are left out.
    """
    na, nb = [t.norm for t in ta], [t.norm for t in tb]
    found: list[_Segment] = []
    current: list[int] | None = None
    for op in Indel.opcodes(na, nb):
        if op.tag == "equal":
            if current:
                found.append(_Segment(*current))
            current = None
        elif current is None:
            current = [op.src_start, op.src_end, op.dest_start, op.dest_end]
        else:
            current[1], current[3] = op.src_end, op.dest_end
    if current:
        found.append(_Segment(*current))
    return [s for s in found if not _same_in_style(ta[s.i1 : s.i2], tb[s.j1 : s.j2])]


def _same_in_style(a: Sequence[_Token], b: Sequence[_Token]) -> bool:
    if "".join(t.norm for t in a).replace("'", "") == "".join(t.norm for t in b).replace("'", ""):
        return True  # cease fire / ceasefire, al Qaeda / al-Qaeda, Lowe's / Lowes
    if not a or not b or not all(_is_quantity_word(t.norm) for t in (*a, *b)):
        return False
    return _same_quantities(_quantities(a), _quantities(b))  # 1.2 million / 1,200,000


def _span(text: str, tokens: Sequence[_Token]) -> Span:
    start, end = tokens[0].start, tokens[-1].end
    return Span(start, end, text[start:end])


def _change(a: str, b: str, ta: Sequence[_Token], tb: Sequence[_Token], s: _Segment) -> Change:
    span_a = _span(a, ta[s.i1 : s.i2]) if s.i2 > s.i1 else None
    span_b = _span(b, tb[s.j1 : s.j2]) if s.j2 > s.j1 else None
    kind: Literal["replace", "insert", "delete"] = (
        "replace" if span_a and span_b else "insert" if span_b else "delete"
    )
    return Change(kind, span_a, span_b)


def word_diff(a: str, b: str) -> list[Change]:
    """The segments in which ``b`` differs from ``a``, word by word, in text order.

    Words are compared in a normalised form (see the module docstring), so differences of
    punctuation, quotes, case, whitespace and outlet style are not changes. Each span's
    ``text`` is the piece of its own sentence, from its first changed word to its last.

    >>> [(c.kind, c.span_a.text, c.span_b.text) for c in word_diff(
    ...     "17 crew remain missing, the U.S. Navy said.", "19 crew remain missing, the US navy said")]
    [('replace', '17', '19')]
    """
    ta, tb = _tokens(a), _tokens(b)
    return [_change(a, b, ta, tb, s) for s in _segments(ta, tb)]


# ---- vocabularies ---------------------------------------------------------------------------------
_NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor",
                        "without", "nowhere"})  # fmt: skip
#: Verbs that negate what follows ("failed to pass" / "did not pass" say the same thing).
_NEGATING = frozenset({"fail", "fails", "failed", "failing", "refuse", "refuses", "refused",
                       "unable", "lack", "lacks", "lacked", "lacking"})  # fmt: skip
#: What may come with an inserted negation or hedge: "no longer", "has not yet", "is likely to".
_COMPANIONS = frozenset({"longer", "yet", "ever", "even", "still", "if", "whether"})
_NEGATIVE_PREFIXES = ("un", "non", "in", "im", "il", "ir", "dis")
#: Hedges by strength (3 probable, 2 possible, 1 unlikely). Firm words ("will", "definitely")
#: are the unmarked case: a sentence without a hedge states its claim as fact.
_HEDGE_LEVEL = {
    "likely": 3, "probably": 3, "probable": 3, "expected": 3,
    "may": 2, "might": 2, "could": 2, "possibly": 2, "possible": 2, "perhaps": 2, "maybe": 2,
    "potentially": 2, "reportedly": 2, "allegedly": 2, "apparently": 2, "purportedly": 2,
    "presumably": 2, "believed": 2, "thought": 2, "suspected": 2, "seems": 2, "seemed": 2,
    "appears": 2, "appeared": 2, "unlikely": 1,
}  # fmt: skip
#: Hedges only before "to": "is expected to win" hedges, "had expected a report" does not.
_HEDGE_BEFORE_TO = frozenset({"expected", "believed", "thought", "suspected", "seems", "seemed",
                              "appears", "appeared"})  # fmt: skip


def _forms(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Words of opposite meaning, each side with its inflected forms.
_ANTONYMS = (
    (_forms("rise rises rising rose risen increase increases increased increasing gain gains "
            "gained climb climbs climbed jump jumps jumped surge surged soar soared grow grows "
            "grew grown advance advanced rally rallied up higher upward"),
     _forms("fall falls falling fell fallen decrease decreases decreased decreasing decline "
            "declines declined drop drops dropped slip slipped slide slid tumble tumbled plunge "
            "plunged sink sank shrink shrank shrunk down lower downward lose loses lost losing")),
    (_forms("win wins winning won victory"), _forms("lose loses losing lost defeat")),
    (_forms("confirm confirms confirmed confirming"), _forms("deny denies denied denying")),
    (_forms("accept accepts accepted approve approves approved approval endorse endorsed"),
     _forms("reject rejects rejected rejection veto vetoed")),
    (_forms("support supports supported backed"), _forms("oppose opposes opposed opposition")),
    (_forms("convicted guilty"), _forms("acquitted innocent cleared")),
    (_forms("open opens opened reopened"), _forms("close closes closed shut")),
    (_forms("allow allows allowed permit permitted legal lifted"),
     _forms("ban bans banned bar barred prohibit prohibited forbid forbidden")),
    (_forms("raise raises raised boost boosted hike hiked"),
     _forms("cut cuts lower lowered reduce reduced slash slashed")),
    (_forms("buy buys bought buying purchase purchased"), _forms("sell sells sold selling")),
    (_forms("hire hires hired"), _forms("fire fires fired laid")),
    (_forms("start starts started begin begins began begun"),
     _forms("end ends ended stop stops stopped finish finished")),
    (_forms("before earlier"), _forms("after later")),
    (_forms("above over more most maximum majority best strong stronger strongest"),
     _forms("below under less fewer least minimum minority worst weak weaker weakest")),
    (_forms("profit profits surplus"), _forms("loss losses deficit")),
    (_forms("success successful succeeded"), _forms("failure unsuccessful")),
    (_forms("true alive positive import imports imported include includes included upgrade "
            "upgraded expand expanded ahead"),
     _forms("false dead negative export exports exported exclude excludes excluded downgrade "
            "downgraded behind")),
)  # fmt: skip
#: Actors by kind: "police" / "officers" is one actor named twice, "police" / "the army" two.
_AGENT_CLASSES = {
    "police": "police policeman policemen officers cops constables",
    "military": "army military troops soldiers forces navy marines",
    "armed": "rebels militants insurgents guerrillas gunmen attackers terrorists fighters "
    "militia militias militiamen extremists jihadists",
    "crowd": "protesters protestors demonstrators rioters activists crowd mob",
    # "authorities" and "officials" are left out: outlets say them for the police as often
    # as for a government.
    "state": "government administration ministry cabinet regime",
    "court": "court judge jury justices tribunal",
    "prosecution": "prosecutors prosecution investigators detectives",
    "legislature": "parliament congress senate lawmakers legislators senators",
    "civilians": "civilians residents villagers locals bystanders",
    "company": "company firm business corporation employer management",
    "workers": "workers employees staff union unions strikers",
    "medics": "doctors medics nurses paramedics",
}
_AGENT = {word: cls for cls, words in _AGENT_CLASSES.items() for word in words.split()}
_MONTHS = frozenset({"january", "february", "march", "april", "month-may", "june", "july",
                     "august", "september", "october", "november", "december"})  # fmt: skip
_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                       "sunday"})  # fmt: skip
_YEAR_BEFORE = frozenset({"in", "since", "by", "during", "until", "till", "from", "of",
                          "through", "before", "after", "early", "late", "mid", "end"})  # fmt: skip
#: Words a reprint rewords freely: articles, auxiliaries (tense moves back in reported
#: speech), prepositions, pronouns, approximators, company suffixes.
_FILLER = _forms("""
    the a an this that these those is was are were be been being am has have had do does did
    will would shall must can to of in on at for by with from as into onto about around nearly
    almost some approximately roughly just only estimated and but or also while its it his her
    their they he she we i you him them 's which who whom whose there here then so such
    corp inc co ltd plc llc group if whether
""")
_PERSONAL = frozenset({"he", "she", "it", "they", "we", "i", "you"})
#: Titles: "Sen." / "Senator", "Mr" / "Dr" name no one by themselves.
_TITLES = _forms("""
    mr mrs ms miss dr sir dame sen senator rep gov governor insp inspector det detective chief
    lt col capt sgt prof professor rev president minister prime secretary mayor
""")
#: Words of an attribution ("..., Reuters reported", "according to police"): who told the
#: outlet is the attribution check's business, not an edit of the sentence.
_REPORTING = _forms("""
    said says say saying told tells reported reports reporting added adds stated states noted
    notes wrote writes according announced explained quoted statement spokesman spokeswoman
""")
#: Words a unit conversion changes next to a number: "90 miles" / "145 kilometres".
_UNITS = _forms("""
    miles mile kilometres kilometers kilometre kilometer km metres meters metre meter feet foot ft
    inches inch cm centimetres centimeters pounds pound lb lbs kilograms kilogram kg kilos tons
    tonnes ton tonne ounces ounce gallons gallon litres liters acres hectares degrees fahrenheit
    celsius mph kph knots dollars dollar euros euro yen sterling francs $ € £ am pm gmt utc edt
    est cdt cst mdt mst pdt pst bst cet time
""")
#: Country and demonym pairs no suffix rule joins.
_PLACE_ALIASES = {
    "american": "us", "america": "us", "americans": "us", "britain": "uk", "british": "uk",
    "england": "uk", "french": "france", "spanish": "spain", "dutch": "netherlands",
    "holland": "netherlands", "swiss": "switzerland", "greek": "greece", "turkish": "turkey",
    "welsh": "wales", "scottish": "scotland", "irish": "ireland", "filipino": "philippines",
    "danish": "denmark", "swedish": "sweden", "finnish": "finland", "polish": "poland",
    "norwegian": "norway", "peruvian": "peru", "thai": "thailand",
}  # fmt: skip
_DEMONYM_SUFFIXES = ("", "s", "i", "is", "n", "ns", "an", "ans", "ian", "ians", "ese", "ish",
                     "istan", "'s")  # fmt: skip
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9}
_VAGUE = {
    "dozens": (24.0, 99.0), "scores": (40.0, 99.0), "hundreds": (200.0, 999.0),
    "thousands": (2e3, 999e3), "millions": (2e6, 999e6), "billions": (2e9, 999e9),
}  # fmt: skip
_AT_LEAST = frozenset({"more", "over", "least", "above", "exceeding"})
_AT_MOST = frozenset({"less", "fewer", "under", "most", "below", "up"})
_ABOUT = frozenset({"about", "around", "nearly", "almost", "some", "approximately", "roughly",
                    "estimated", "close", "approx"})  # fmt: skip
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: Changed segments longer than this a side are rewordings, not edits.
MAX_EDIT_TOKENS = 3


def _is_number(norm: str) -> bool:
    return bool(_NUMBER.fullmatch(norm))


def _is_quantity_word(norm: str) -> bool:
    return _is_number(norm) or norm in _SCALES or norm in _VAGUE or norm in {"$", "€", "£"}


# ---- numbers ---------------------------------------------------------------------------------------
def _quantities(tokens: Sequence[_Token]) -> list[tuple[float, float]]:
    """The amounts in a run of tokens as (low, high) ranges: an exact figure covers what rounds
    to it (4.4 covers 4.38), "more than 15" everything above 15, "about 17" 10% either way."""
    out: list[tuple[float, float]] = []
    norms = [t.norm for t in tokens]
    for i, norm in enumerate(norms):
        if _is_number(norm):
            decimals = len(norm.partition(".")[2])
            value, unit = float(norm), 10.0**-decimals
            if i + 1 < len(norms) and norms[i + 1] in _SCALES:
                value, unit = value * _SCALES[norms[i + 1]], unit * _SCALES[norms[i + 1]]
            low, high = value - unit / 2, value + unit / 2
            before = set(norms[max(0, i - 2) : i])
            if before & _ABOUT:
                low, high = value * 0.9, value * 1.1
            elif before & _AT_LEAST and "most" not in before:
                high = float("inf")
            elif before & _AT_MOST:
                low = float("-inf")
            out.append((low, high))
        elif norm in _VAGUE:
            out.append(_VAGUE[norm])
        elif norm in _SCALES and (i == 0 or not _is_number(norms[i - 1])):
            out.append((_SCALES[norm], _SCALES[norm]))  # 1.5 [million] vs 1.5 [billion]
    return out


def _same_quantities(qa: list[tuple[float, float]], qb: list[tuple[float, float]]) -> bool:
    def meet(x: tuple[float, float], y: tuple[float, float]) -> bool:
        return x == y or (x[0] < y[1] and y[0] < x[1])  # 2 (1.5-2.5) and 3 (2.5-3.5) do not

    def covered(xs: list[tuple[float, float]], ys: list[tuple[float, float]]) -> bool:
        return all(any(meet(x, y) for y in ys) for x in xs)

    return bool(qa) and bool(qb) and covered(qa, qb) and covered(qb, qa)


# ---- classification ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Side:
    """One sentence's side of a changed segment: its tokens ``tokens[i1:i2]``."""

    tokens: Sequence[_Token]
    i1: int
    i2: int

    @property
    def part(self) -> Sequence[_Token]:
        return self.tokens[self.i1 : self.i2]

    @property
    def norms(self) -> list[str]:
        return [t.norm for t in self.part]

    def around(self, before: int, after: int) -> list[str]:
        """The norms of the segment with ``before`` and ``after`` tokens of context."""
        return [t.norm for t in self.tokens[max(0, self.i1 - before) : self.i2 + after]]


def _dates(side: _Side) -> dict[str, set[str]]:
    """Month, weekday, year and day-of-month mentions in a segment, by granularity."""
    out: dict[str, set[str]] = {}
    tokens = side.tokens
    for i in range(side.i1, side.i2):
        norm = tokens[i].norm
        if norm in _MONTHS:
            out.setdefault("month", set()).add(norm)
        elif norm in _WEEKDAYS or norm[:-1] in _WEEKDAYS:  # "Tuesdays debate"
            out.setdefault("weekday", set()).add(norm.removesuffix("s"))
        elif re.fullmatch(r"\d{1,2}(?:st|nd|rd|th)?", norm) and _next_to_month(tokens, i):
            out.setdefault("day", set()).add(norm.rstrip("stndrh"))
        elif re.fullmatch(r"(?:19|20)\d\d", tokens[i].text):  # "2,000 people" has its comma
            before = tokens[i - 1].norm if i else ""
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if (
                before in _YEAR_BEFORE
                or before in _MONTHS
                or after is None
                or not (after.text.isalpha() and after.text.islower())
            ):
                out.setdefault("year", set()).add(norm)
    return out


def _next_to_month(tokens: Sequence[_Token], i: int) -> bool:
    """Whether a number is the day of a month written next to it: "Aug. 15", "15 August"
    (not "In March, 67 percent")."""
    before = i > 0 and tokens[i - 1].norm in _MONTHS and tokens[i].gap.strip() in ("", ".")
    after = i + 1 < len(tokens) and tokens[i + 1].norm in _MONTHS and not tokens[i + 1].gap.strip()
    return before or after


def _negations(norms: Sequence[str]) -> int:
    return sum(n in _NEGATIONS or n in _NEGATING for n in norms)


def _negative_prefix(x: str, y: str) -> bool:
    """Whether one word is the other with a negative prefix: "likely" / "unlikely"."""
    short, long = sorted((x, y), key=len)
    return len(short) >= 4 and any(long == p + short for p in _NEGATIVE_PREFIXES)


def _antonym_pair(xs: Sequence[str], ys: Sequence[str]) -> tuple[str, str] | None:
    for left, right in _ANTONYMS:
        for x in xs:
            for y in ys:
                if (x in left and y in right and x not in right and y not in left) or (
                    x in right and y in left and x not in left and y not in right
                ):
                    return x, y
    return None


def _hedges(side: _Side) -> frozenset[int]:
    levels = set()
    for i in range(side.i1, side.i2):
        norm = side.tokens[i].norm
        if norm not in _HEDGE_LEVEL:
            continue
        following = side.tokens[i + 1].norm if i + 1 < len(side.tokens) else ""
        if norm in _HEDGE_BEFORE_TO and following != "to":
            continue
        if norm == "could" and following == "not":
            continue  # "could not" / "can't": inability, not a hedge
        levels.add(_HEDGE_LEVEL[norm])
    return frozenset(levels)


def _rest(
    norms: Sequence[str], drop: AbstractSet[str] = frozenset(), keep: AbstractSet[str] = frozenset()
) -> list[str]:
    """Content words (and ``keep``), without fillers, numbers and ``drop``."""
    return [
        n
        for n in norms
        if (n in keep or n not in _FILLER) and n not in drop and not _is_quantity_word(n)
    ]


def _alike(x: str, y: str) -> bool:
    """One word in two forms: "agree" / "agreed", "address" / "addressing"."""
    if x == y:
        return True
    common = next(
        (i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y))
    )
    return common >= 4 and common >= min(len(x), len(y)) - 3


def _similar(xs: Sequence[str], ys: Sequence[str]) -> bool:
    """Whether two runs of words say the same apart from what was dropped from them."""
    return all(any(_alike(x, y) for y in ys) for x in xs) and all(
        any(_alike(x, y) for x in xs) for y in ys
    )


def _place(norm: str) -> str:
    return _PLACE_ALIASES.get(norm, norm)


def _same_name(x: str, y: str) -> bool:
    """One name written two ways: "Israel" / "Israeli", "U.S." / "American", "Insp" /
    "Inspector", "Qaeda" / "Qaida"."""
    x, y = _place(x.replace("'", "")), _place(y.replace("'", ""))
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    if len(short) >= 3 and (long.startswith(short) or long.endswith(short)):
        return True  # "Neb" / "Nebraska", "CJD" / "vCJD"
    short, long = sorted((x.rstrip("aey") or x, y.rstrip("aey") or y), key=len)
    if len(short) >= 3 and long.startswith(short) and long[len(short) :] in _DEMONYM_SUFFIXES:
        return True
    if x[0] != y[0] or min(len(x), len(y)) < 5:
        return False  # "Iran" / "Iraq" are two countries
    allowed = 2 if min(len(x), len(y)) >= 8 else 1
    return Levenshtein.distance(x, y) <= allowed  # transliterations: Muhammad / Mohammed


def _names(tokens: Sequence[_Token]) -> list[_Token]:
    return [
        t
        for t in tokens
        if t.name and len(t.norm) > 1 and t.norm not in _TITLES and t.norm not in _FILLER
    ]  # an initial ("George W. Bush") names no one by itself


def _near(x: str, y: str) -> bool:
    return Levenshtein.distance(x, y) <= 1


def _initials(tokens: Sequence[_Token]) -> str:
    return "".join(t.norm[0] for t in tokens)


def _names_differ(a: _Side, b: _Side) -> bool:
    """Whether the names in two segments are different ones: neither side's names occur
    anywhere in the other sentence, nor are they its abbreviation or its longer form."""
    names_a, names_b = _names(a.part), _names(b.part)
    if not names_a or not names_b:
        return False
    joined_a, joined_b = "".join(t.norm for t in names_a), "".join(t.norm for t in names_b)
    if joined_a.startswith(joined_b) or joined_b.startswith(joined_a):
        return False  # "Wal-Mart" / "Wal-Mart Stores", "Solomon" / "Solomon Islands"
    for short, long in ((names_a, names_b), (names_b, names_a)):
        if len(short) == 1 and len(long) > 1:
            acronym, initials = short[0].norm, _initials(long)
            if acronym == initials or (len(acronym) >= 3 and _near(acronym, initials)):
                return False  # "ABA" / "American Basketball Association", "CWA" / "... Union"
    elsewhere_a = [t.norm for t in _names(a.tokens)]
    elsewhere_b = [t.norm for t in _names(b.tokens)]
    new_a = [t for t in names_a if not any(_same_name(t.norm, y) for y in elsewhere_b)]
    new_b = [t for t in names_b if not any(_same_name(t.norm, x) for x in elsewhere_a)]
    return bool(new_a) and bool(new_b)


def _attributed(side: _Side) -> bool:
    """Whether a segment names a speaker: "X said", "according to X", "..., said X." (not
    "said X were treating it as a crime", where X is the actor of what was said)."""
    following = side.tokens[side.i2] if side.i2 < len(side.tokens) else None
    before = [t.norm for t in side.tokens[max(0, side.i1 - 2) : side.i1]]
    clause_ends = following is None or bool(following.gap.strip())
    return (
        (following is not None and following.norm in _REPORTING)
        or before == ["according", "to"]
        or (before[-1:] in (["said"], ["says"]) and clause_ends)
    )


def _insertion(side: _Side) -> ChangeType | None:
    """Words only one sentence has: a negation or a hedge changes the claim, and only when
    nothing else comes with it ("not", "no longer", "is likely to"); added detail does not."""
    norms = side.norms
    allowed = _FILLER | _COMPANIONS
    negations = sum(n in _NEGATIONS for n in norms)  # "they failed" added is reworded, not negated
    if negations % 2 and all(n in allowed or n in _NEGATIONS for n in norms):
        return ChangeType.NEGATION
    if _hedges(side) and all(n in allowed or n in _HEDGE_LEVEL for n in norms):
        return ChangeType.MODAL
    return None


def _moved(ta: Sequence[_Token], tb: Sequence[_Token], s: _Segment) -> bool:
    """Whether the negations and hedges one sentence adds were only moved: both sentences
    hold them as often ("will perhaps be" / "perhaps will be")."""
    added = [t.norm for t in (*ta[s.i1 : s.i2], *tb[s.j1 : s.j2])]
    keys = {n for n in added if n in _NEGATIONS or n in _HEDGE_LEVEL}
    return bool(keys) and all(
        sum(t.norm == k for t in ta) == sum(t.norm == k for t in tb) for k in keys
    )


#: Tokens before a changed hedge in which the other sentence may already hedge the clause.
HEDGE_SCOPE = 6


def _hedged_already(ta: Sequence[_Token], tb: Sequence[_Token], s: _Segment) -> bool:
    """Whether the hedge one sentence gains is already in the other, just before the change:
    "might have tried to flee or to defend" / "may have tried to flee or perhaps defend"."""
    a, b = _Side(ta, s.i1, s.i2), _Side(tb, s.j1, s.j2)
    for gained, other in ((_hedges(b) - _hedges(a), a), (_hedges(a) - _hedges(b), b)):
        window = _Side(other.tokens, max(0, other.i1 - HEDGE_SCOPE), other.i1)
        if gained and gained <= _hedges(window):
            return True
    return False


def _unit_changed(a: _Side, b: _Side) -> bool:
    """A number converted with its unit ("90 miles" / "145 kilometres", "6 p.m. EDT" / "3 p.m.
    Arizona time"): the units in and just around the two segments differ."""
    units_a = {n for n in a.around(1, 3) if n in _UNITS}
    units_b = {n for n in b.around(1, 3) if n in _UNITS}
    return units_a != units_b


def _classify(ta: Sequence[_Token], tb: Sequence[_Token], s: _Segment) -> ChangeType | None:
    """What one changed segment changed, or ``None`` when it is nothing a reader can check.

    The checks run from the most specific; each typed change must be *the* change of its
    segment (the rest of the words alike), so a reworded phrase that happens to hold a
    hedge or a name is not mistaken for an edit of it.
    """
    a, b = _Side(ta, s.i1, s.i2), _Side(tb, s.j1, s.j2)
    if max(len(a.part), len(b.part)) > MAX_EDIT_TOKENS:
        return None  # a rewording
    if not a.part or not b.part:
        return _insertion(a if a.part else b)
    na, nb = a.norms, b.norms

    dates_a, dates_b = _dates(a), _dates(b)
    if dates_a or dates_b:
        shared = dates_a.keys() & dates_b.keys()
        if any(dates_a[k] != dates_b[k] for k in shared):
            return ChangeType.DATE
        return None  # "yesterday" / "on Tuesday", "Saturday" / "Aug. 16": not comparable

    qa, qb = _quantities(a.part), _quantities(b.part)
    if qa and qb:
        if _same_quantities(qa, qb) or _unit_changed(a, b):
            return None
        return ChangeType.NUMBER

    if _negations(na) % 2 != _negations(nb) % 2:
        drop = _NEGATIONS | _NEGATING
        return ChangeType.NEGATION if _similar(_rest(na, drop), _rest(nb, drop)) else None
    for x in na:
        for y in nb:
            if _negative_prefix(x, y) and _similar(_rest(na, {x}), _rest(nb, {y})):
                return ChangeType.NEGATION

    pair = _antonym_pair(na, nb)
    if pair is not None:
        return ChangeType.ANTONYM if _similar(_rest(na, {pair[0]}), _rest(nb, {pair[1]})) else None

    if _hedges(a) != _hedges(b):
        drop = frozenset(_HEDGE_LEVEL) | _COMPANIONS
        same = _similar(_rest(na, drop, keep=_PERSONAL), _rest(nb, drop, keep=_PERSONAL))
        return ChangeType.MODAL if same else None  # "it was" / "he could" is reworded

    if set(na + nb) & _REPORTING:
        return None  # "the agency said" / "Reuters reported"
    agents_a = {_AGENT[n] for n in na if n in _AGENT}
    agents_b = {_AGENT[n] for n in nb if n in _AGENT}
    names_a, names_b = _names(a.part), _names(b.part)
    if agents_a or agents_b or names_a or names_b:
        if _attributed(a) or _attributed(b):
            return None  # a different speaker, not a different actor
        actors = set(_AGENT) | {t.norm for t in names_a} | {t.norm for t in names_b} | _TITLES
        alike = _similar(_rest(na, actors), _rest(nb, actors))
        if agents_a and agents_b and not agents_a & agents_b and alike:
            return ChangeType.AGENT
        if _names_differ(a, b) and alike:
            return ChangeType.ENTITY
        return None  # "Microsoft" / "the company", "Bush" / "he": one actor named again

    rest_a, rest_b = _rest(na, _HEDGE_LEVEL.keys()), _rest(nb, _HEDGE_LEVEL.keys())
    if not rest_a or not rest_b or _similar(rest_a, rest_b):
        return None  # "may" / "might", "had expected" / "had been expecting"
    if len(na) == len(nb) == 1 and min(len(na[0]), len(nb[0])) >= 5 and _near(na[0], nb[0]):
        return None  # a typo: "Although" / "Athough"
    return ChangeType.WORD if max(len(na), len(nb)) <= MAX_WORD_CHANGE else None


def _with_anchor(text: str, side: _Side, anchored: bool) -> Span:
    """The changed words; for an insertion (``anchored``) the word before it is included on
    both sides (the word after, at the start), so they read "was" against "was not"."""
    tokens = side.tokens
    if not tokens:
        return Span(0, 0, "")
    if anchored:
        first = side.i1 - 1 if side.i1 > 0 else 0
        last = side.i2 if side.i1 > 0 else side.i2 + 1
        span = _span(text, tokens[first : min(last, len(tokens))])
    else:
        span = _span(text, side.part)
    start, end = span.start, span.end
    while start > 0 and _in_word(text[start - 1]):  # the whole of "can't", not "ca"
        start -= 1
    while end < len(text) and _in_word(text[end]):
        end += 1
    return Span(start, end, text[start:end])


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "'’"


def find_edits(a: str, b: str) -> list[Edit] | None:
    """The meaningful changes from ``a`` to ``b``, in text order, or ``None`` when the two are
    not near-duplicates (token similarity under :data:`MIN_TOKEN_SIMILARITY`, or more than
    :data:`MAX_SEGMENTS` changed segments). An empty list: only style or detail changed."""
    edits = _edits_between(a, b)
    return None if edits is None else list(edits)


# Scoring asks twice per pair, once for the edit check and once for the combiner's
# `restated` feature (about 0.5 ms each); the two calls come back to back.
@lru_cache(maxsize=256)
def _edits_between(a: str, b: str) -> tuple[Edit, ...] | None:
    ta, tb = _tokens(a), _tokens(b)
    na, nb = [t.norm for t in ta], [t.norm for t in tb]
    if not na or not nb or Indel.normalized_similarity(na, nb) < MIN_TOKEN_SIMILARITY:
        return None
    segments = _segments(ta, tb)
    if len(segments) > MAX_SEGMENTS:
        return None
    edits = []
    for s in segments:
        kind = _classify(ta, tb, s)
        if kind is None:
            continue
        insertion = s.i1 == s.i2 or s.j1 == s.j2
        if insertion and _moved(ta, tb, s):
            continue
        if kind is ChangeType.MODAL and _hedged_already(ta, tb, s):
            continue
        edits.append(
            Edit(
                kind,
                STRENGTH[kind],
                _change(a, b, ta, tb, s),
                _with_anchor(a, _Side(ta, s.i1, s.i2), insertion),
                _with_anchor(b, _Side(tb, s.j1, s.j2), insertion),
            )
        )
    return tuple(edits)


#: Edits weaker than this (another word, another name for the same party) are not findings.
MEANINGFUL = 0.5


def restated(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` reprinted with nothing meaningful changed: near-duplicates
    whose changes are all style, spelling, detail or another name for one party ("Islamic
    State" / "ISIS", "authorized" / "authorised", "spoke to the AP" / "spoke").

    Not a verdict: a reworded phrase can hide a real change ("was arrested" / "escaped an
    attempted arrest"), so the combiner weighs this against the model (a feature), rather
    than overruling it.
    """
    edits = find_edits(a, b)
    return edits is not None and all(e.strength < MEANINGFUL for e in edits)


def check_edit(a: str, b: str) -> Finding | None:
    """One sentence reprinted with a checkable change, as a :attr:`Kind.EDIT` finding.

    The evidence spans are the changed words on each side; the note names each change,
    strongest first ("number: 17 vs 19; negation: was vs was not"), and the strength is the
    strongest change's (:data:`STRENGTH`). Other word substitutions are named only when
    nothing stronger changed. ``None`` when the two are not near-duplicates or nothing
    meaningful changed.
    """
    edits = find_edits(a, b)
    if not edits:
        return None
    strongest = max(e.strength for e in edits)
    shown = [
        e for e in edits if e.type is not ChangeType.WORD or strongest <= STRENGTH[ChangeType.WORD]
    ]
    ranked = sorted(shown, key=lambda e: -e.strength)  # stable: text order among equals
    return Finding(
        Kind.EDIT,
        strongest,
        tuple(e.evidence_a for e in shown),
        tuple(e.evidence_b for e in shown),
        "; ".join(e.note for e in ranked),
    )


# ---- candidates ------------------------------------------------------------------------------------
def _cross_source(
    left: Sequence[int], right: Sequence[int], sources: Sequence[str]
) -> tuple[int, int] | None:
    """The first pair of claims, one from each list, whose sources differ (linear time)."""
    i = left[0]
    for j in right:
        if sources[j] != sources[i]:
            return (min(i, j), max(i, j))
    j = right[0]  # every claim of ``right`` shares i's source
    for i in left:
        if sources[i] != sources[j]:
            return (min(i, j), max(i, j))
    return None


def reprint_pairs(
    claims: Sequence[Claim],
    groups: Sequence[int],
    *,
    by: str = "speaker",
    max_variants: int = MAX_VARIANTS,
) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, sorted, of claims to :func:`check_edit`: members of one
    near-duplicate group (``groups`` from :func:`~divergence.pairing.duplicate_groups`)
    from different sources (``Claim.source(by)``) whose :func:`normalised_text` differs.

    A group is reduced to its distinct texts, in order of first appearance; each text after
    the first is paired once, with the first of the :data:`MAX_ANCHORS` earlier texts that
    some other source printed, so a quote reprinted a thousand times costs one pair per
    variant, and at most ``max_variants`` variants a group are compared.
    """
    sources = [c.source(by) for c in claims]
    members: dict[int, list[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, []).append(index)
    found: set[tuple[int, int]] = set()
    normalised: dict[str, str] = {}  # most reprints are word for word: tokenise each text once
    for indices in members.values():
        if len(indices) < 2:
            continue
        by_text: dict[str, list[int]] = {}
        for index in indices:
            text = claims[index].text
            if text not in normalised:
                normalised[text] = normalised_text(text)
            by_text.setdefault(normalised[text], []).append(index)
        variants = list(by_text.values())[: max_variants + 1]
        for m in range(1, len(variants)):
            for anchor in variants[: min(m, MAX_ANCHORS)]:
                pair = _cross_source(anchor, variants[m], sources)
                if pair is not None:
                    found.add(pair)
                    break
    return sorted(found)
