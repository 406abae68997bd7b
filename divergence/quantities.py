"""Quantities in a sentence: value or range, qualifier, unit, and what they count.

"At least 50 people were injured" is ``Quantity(50, inf-bounded, AT_LEAST, unit="",
noun="people", verb="injured")``; "hundreds of homes" is the range 200-999 counting homes;
"a third of the staff" is about 33.3 %. Identifiers (XR-7, COVID-19, F-16, Boeing 737,
Flight 370), years, times, dates, ordinals and phone-like digit runs are never quantities.
:func:`comparable` says whether two quantities count the same thing and :func:`conflict`
whether their values disagree once qualifiers and rounding are allowed for.

Hand-written on purpose. On the 72 hard cases of tests/data/quantities.tsv (value or
range right, and nothing else read as a quantity) the maintained parsers score:
quantulum3 0.10.0 36/72 (classifier off: its pickled model no longer loads with
today's scikit-learn), text2num 3.1.0 + a digit regex 28/72, number-parser 0.3.2 + a
digit regex 27/72, a digit regex alone 24/72, this module 72/72 (``PYTHONPATH=/tmp/qeval
python benchmarks/quality_checks.py --parsers`` after ``pip install --target /tmp/qeval
quantulum3 text2num number-parser``). None reads qualifiers or what is counted, all
three read identifiers, years and dates as amounts, and quantulum3 takes tens of
milliseconds a sentence; so none is a dependency. All of them, this module included,
return on 10,000 characters of mixed digits, commas and "ſ" in about a second.

The text is split once into tokens by a regular expression with no nested repetition
(linear time), and everything after that walks the token list with bounded windows.
Words are looked up by :func:`key` (NFKC, casefold, dotless i), so "ſix" and "Auguſt"
read as "six" and "august", and an unknown word is a miss, never an error.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from divergence.memo import per_text


class Qualifier(str, Enum):
    """How a number is qualified; ``low``/``high`` of a :class:`Quantity` already apply it."""

    EXACT = "exact"
    AT_LEAST = "at least"
    MORE_THAN = "more than"
    ABOUT = "about"
    NEARLY = "nearly"
    AT_MOST = "at most"
    FEWER_THAN = "fewer than"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Quantity:
    """One amount in a text: the range it allows, how it was said, what it counts, where."""

    low: float
    high: float
    qualifier: Qualifier
    unit: str  # "%", "USD", "km", "year", ... or "" for a plain count
    noun: str  # what is counted ("people", "votes"), "" when the sentence names nothing
    verb: str  # what happened to it ("killed", "missing"), "" when none is said
    start: int
    end: int
    text: str
    vague: bool = False  # "hundreds", "dozens": a range by convention, not a report
    precision: float = 0.5  # half the unit of the last digit written: 0.05 for "4.4"
    context: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def bounds(self) -> tuple[float, float]:
        """The values this quantity allows, its qualifier and rounding included."""
        low, high = self.low, self.high
        q = self.qualifier
        if q in (Qualifier.AT_LEAST, Qualifier.MORE_THAN):
            return low, math.inf
        if q in (Qualifier.AT_MOST, Qualifier.FEWER_THAN):
            return 0.0, high
        if q is Qualifier.ABOUT:
            return low * 0.9, high * 1.1
        if q is Qualifier.NEARLY:
            return low * 0.9, high
        tolerance = _rounding(low) if low == high else 0.0
        return low * (1 - tolerance), high * (1 + tolerance)


def key(word: str) -> str:
    """The lookup form of a word: NFKC, casefolded, dotted and dotless i made plain "i".

    ``re.IGNORECASE`` lets "ſ" match "s", "K" (Kelvin) match "k" and "İ"/"ı" match
    "i"; this maps each back to the ASCII letter so tables keyed by lower case find it.
    """
    if word.isascii():
        return word.lower()
    folded = unicodedata.normalize("NFKC", word).casefold()
    return folded.replace("i\u0307", "i").replace("ı", "i")


# ---- tokens --------------------------------------------------------------------------------
# A number ("1,234.5"), a run of letters, or one other visible character. No nested
# repetition over the same characters: one pass, linear in the text.
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+|\S")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")


class _Tok(NamedTuple):  # a tuple: made once per token, so cheap to make
    text: str
    key: str
    start: int
    end: int

    @property
    def is_num(self) -> bool:
        return self.text[:1].isascii() and self.text[:1].isdigit()

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalpha()


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(), key(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


# ---- vocabulary ----------------------------------------------------------------------------
def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _index(words: str, step: int = 1, first: int = 0) -> dict[str, int]:
    return {w: first + step * i for i, w in enumerate(words.split())}


_SMALL = _index("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                "fourteen fifteen sixteen seventeen eighteen nineteen")  # fmt: skip
_TENS = _index("twenty thirty forty fifty sixty seventy eighty ninety", step=10, first=20)
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_GLUED_SCALE = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
#: "hundreds" is 200-999 ("hundreds of thousands" is its own phrase); "thousands" is used
#: loosely for tens of thousands too, so it runs to just under a million.
_VAGUE_RANGE = {"hundreds": (200.0, 999.0), "thousands": (2e3, 999e3),
                "millions": (2e6, 999e6), "billions": (2e9, 999e9)}  # fmt: skip
_VAGUE_SCALE = {w: low / 2 for w, (low, _) in _VAGUE_RANGE.items()}
_FRACTIONS = {"half": 50.0, "third": 100 / 3, "thirds": 100 / 3, "quarter": 25.0,
              "quarters": 25.0, "fifth": 20.0, "fifths": 20.0, "tenth": 10.0}  # fmt: skip
#: "may" is left out: only "May" with a capital is the month (see _is_month).
_MONTHS = _set("january february march april june july august september october november "
               "december jan feb mar apr jun jul aug sep sept oct nov dec")  # fmt: skip
_QUALIFIER_PHRASES = {
    Qualifier.AT_LEAST: "at least|no fewer than|no less than|a minimum of|not less than",
    Qualifier.MORE_THAN: "more than|over|above|in excess of|upwards of|exceeding|just over|"
                         "well over|greater than|beyond",
    Qualifier.NEARLY: "nearly|almost|close to|just under|just shy of|nearing|approaching|"
                      "not quite",
    Qualifier.ABOUT: "about|around|approximately|roughly|some|an estimated|estimated|approx|"
                     "circa|about some|ca|an approximate|give or take",
    Qualifier.AT_MOST: "up to|at most|as many as|no more than|a maximum of|not more than",
    Qualifier.FEWER_THAN: "fewer than|less than|under|below",
}  # fmt: skip
#: The qualifiers by their last word, longest first: one dictionary look-up per number.
_QUALIFIERS_ENDING: dict[str, list[tuple[tuple[str, ...], Qualifier]]] = {}
for _qualifier_of, _phrases in _QUALIFIER_PHRASES.items():
    for _phrase in _phrases.split("|"):
        _QUALIFIERS_ENDING.setdefault(_phrase.split()[-1], []).append(
            ((*_phrase.split(),), _qualifier_of)
        )
for _ending in _QUALIFIERS_ENDING.values():
    _ending.sort(key=lambda pq: -len(pq[0]))
_CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
#: Unit words, each to its canonical unit.
_UNITS = {w: unit for unit, words in {
    "%": "% percent pct percentage", "USD": "dollars dollar usd", "EUR": "euros euro eur",
    "GBP": "pounds sterling gbp", "JPY": "yen", "CNY": "yuan", "INR": "rupees",
    "RUB": "roubles rubles", "km": "km kilometres kilometers kilometre kilometer",
    "mile": "miles mile", "m": "metres meters metre meter",
    "cm": "cm centimetres centimeters", "mm": "mm millimetres", "kg": "kg kilograms kilos",
    "tonne": "tonnes tons tonne ton", "litre": "litres liters", "barrel": "barrels",
    "hectare": "hectares", "acre": "acres", "degree": "degrees degree",
    "hour": "hours hour hrs", "day": "days day", "week": "weeks week",
    "month": "months month", "year": "years year", "minute": "minutes minute",
    "second": "seconds", "mph": "mph", "MW": "mw megawatts", "GW": "gw", "ft": "feet ft",
}.items() for w in words.split()}  # fmt: skip
#: Suffixes glued to a number that make it a measure ("5km"); any other glued word ("3rd",
#: "1990s", "10am", "A380") makes it an ordinal, a decade, a time or a name.
_GLUED_UNITS = _set("km kg cm mm m mph mw gw ft t g ml l")
#: A number after these names something ("Article 5", "Flight 370", "Version 2.0").
_ID_WORDS = _set(
    "article flight version route room gate platform level phase category grade chapter "
    "section resolution page line channel model type tier stage round no number apollo "
    "paragraph clause highway interstate road bus seat block unit lot exit terminal code id "
    "rule amendment bill act case item figure table episode season series vol volume part "
    "step top region district ward zone sector division squad group day week verse psalm ch "
    "sec art p pp fig tel phone ext"
)
_TIME_WORDS = _set("am pm gmt utc bst est edt cet pst hrs h o")
#: Human nouns too general to tie two counts together on their own.
_GENERIC = _set("people person persons individuals individual others them those human humans "
                "men women")  # fmt: skip
#: Of these, the words that are interchangeable ("40 people" and "40 persons"; not "men").
_ANYONE = _set("people person persons individuals individual human humans")
_PLURAL_IRREGULAR = _set("people crew staff police personnel children women men cattle "
                         "livestock aircraft sheep fish deer infantry youth clergy")  # fmt: skip
_DETERMINERS = _set("the a an them those these its their his her our all whom which this "
                    "that my your")  # fmt: skip
#: Words that end a noun phrase: function words, auxiliaries, adverbs of time and measure.
_STOP = _set(
    "of in on at from by to for with and or but as after before during since than into onto "
    "near across including were was are is be been being have has had will would could may "
    "might can should who which that when where while overnight today yesterday tonight "
    "tomorrow so far already still now again last this next each per a an the said says say "
    "according aboard abroad there here then also not no more less over under off out up "
    "down about around against within without between among toward towards through via "
    "because if whose do did does got get gets yet just only both either neither nor such "
    "some any many much other another those these them it its they he she we you i long "
    "wide deep high tall away old thick apart ahead behind later earlier ago plus "
    "respectively apiece"
)
_AUX = _set("were was are is be been being have has had reportedly still also all later now "
            "already allegedly believed feared reported confirmed thought presumed left found "
            "declared initially officially either")  # fmt: skip
#: Verbs of change or measure, and the little words around them: "rose to 41", "reached 70%".
_CHANGE = _set(
    "rose risen rise rises fell fallen falls climbed dropped increased decreased reached hit "
    "stood stands stand jumped soared declined grew grown slipped edged totalled totaled "
    "topped doubled tripled to at by from worth was is were are be been has have had now "
    "numbered number reportedly some of about than nearly almost least more up down an "
    "estimated the a amounted amounts totals total mounted increase decrease cut raised "
    "lowered put puts sits sat remains remained just over under around roughly "
    "approximately below above stay stayed peaked"
)
_REPORTING = _set("said says say told announced stated added according reported claimed "
                  "wrote tweeted posted declared estimated estimates showed shows figures "
                  "data")  # fmt: skip
#: What happened to what is counted, in a few broad classes; any other "-ed" word is its own.
_CONCEPTS = {
    "killed": "killed kill kills killing dead died die dies dying deaths death toll "
              "fatalities fatality perished slain lives murdered",
    "injured": "injured wounded hurt injuring wounding injuries injury",
    "missing": "missing unaccounted disappeared",
    "arrested": "arrested detained arrests detentions jailed imprisoned",
    "displaced": "displaced evacuated fled homeless uprooted evacuees",
    "released": "freed released liberated",
    "rescued": "rescued saved",
    "casualties": "casualties",
}  # fmt: skip
_CONCEPT = {w: c for c, words in _CONCEPTS.items() for w in words.split()}
_IRREGULAR_VERBS = _set("fled held lost hurt found won cast sold bought paid spent sent took "
                        "gave made built shot struck seized stole hit drew brought caught "
                        "fought")  # fmt: skip
#: Events: two counts of different events are never compared ("the raid" vs "the quake").
EVENTS = _set(
    "attack raid strike airstrike bombing earthquake quake flood floods flooding storm "
    "hurricane typhoon cyclone fire wildfire blaze crash explosion blast shooting war "
    "fighting clashes protest protests riot riots epidemic outbreak pandemic accident "
    "collapse landslide tsunami eruption famine siege offensive ambush shelling massacre "
    "stampede derailment heatwave drought election referendum vote invasion uprising"
)
#: A count "so far this year" is a running total, not one event's: never compared to one.
_CUMULATIVE = _set("since total overall cumulative altogether combined so")


# ---- parsing -------------------------------------------------------------------------------
def _rounding(value: float) -> float:
    """Relative slack a round number implies: 2,000 may be 1,962; 130 may be 133; 17 is 17."""
    if value <= 0 or not float(value).is_integer():
        return 0.0
    zeros = len(str(int(value))) - len(str(int(value)).rstrip("0"))
    return 0.0 if zeros == 0 else 0.025 if zeros == 1 else 0.05


def _digits(tok: _Tok) -> float | None:
    """The value of a digit token in thousands format ("1,234.5"), or None ("12,34", "1.2.3")."""
    if not _THOUSANDS.fullmatch(tok.text):
        return None
    if len(tok.text) > 12 or (tok.text.startswith("0") and not tok.text.startswith("0.")
                              and tok.text != "0"):  # fmt: skip
        return None  # IDs, phone numbers, zero-padded codes
    return float(tok.text.replace(",", ""))


def _adjacent(left: _Tok, right: _Tok) -> bool:
    return left.end == right.start


def _is_month(tok: _Tok) -> bool:
    return tok.key in _MONTHS or tok.text == "May"


@dataclass
class _Parsed:
    low: float
    high: float
    end: int  # index of the first token after the amount
    vague: bool = False
    percent: bool = False
    approx: bool = False  # fractions: "a third" is rarely exactly 33.3 %
    second: int = -1  # of a range, the index of its second number


def _word_number(toks: list[_Tok], i: int) -> _Parsed | None:
    """Spelled-out and mixed numbers: "Thirty-five", "one hundred and twenty",
    "4 million 310 thousand 55", "two dozen", "a million", "2.5 billion"."""
    total, current, last_scale, j, n = 0.0, None, math.inf, i, len(toks)
    used = False
    while j < n:
        tok = toks[j]
        if tok.is_num:
            value = _digits(tok)
            if value is None or current is not None or value >= last_scale:
                break
            if used and not value.is_integer():
                break
            current, used = value, True
        elif tok.key in _SMALL or tok.key in _TENS:
            value = float(_SMALL.get(tok.key, _TENS.get(tok.key, 0)))
            if current is not None:
                tens_then_unit = tok.key in _SMALL and current % 100 >= 20 and current % 10 == 0
                after_hundred = current % 100 == 0 and current >= 100
                if not (tens_then_unit or after_hundred) or value >= last_scale:
                    break
                current += value
            else:
                current = value
            used = True
        elif tok.key == "hundred" and (current is None or current < 100):
            current = (current or 1.0) * 100
            used = True
        elif tok.key in _SCALES and _SCALES[tok.key] < last_scale and (used or current is None):
            scale = _SCALES[tok.key]
            total += (current if current is not None else 1.0) * scale
            current, last_scale, used = None, scale, True
        elif tok.key == "dozen" and (current is None or current < 100):
            current = (current or 1.0) * 12
            used = True
        elif (
            tok.key in ("a", "an")
            and j == i
            and j + 1 < n
            and (toks[j + 1].key in _SCALES or toks[j + 1].key in ("hundred", "dozen"))
        ):
            current = None  # "a million": the scale word multiplies 1
        elif (
            tok.key == "and"
            and current is not None
            and current % 100 == 0
            and j + 1 < n
            and (toks[j + 1].key in _SMALL or toks[j + 1].key in _TENS)
        ):
            pass  # "one hundred and twenty"
        elif tok.text in "-‐–" and current is not None and current % 100 >= 20 and j + 1 < n \
                and _adjacent(toks[j - 1], tok) and _adjacent(tok, toks[j + 1]) \
                and toks[j + 1].key in _SMALL:  # fmt: skip
            pass  # "thirty-five"
        else:
            break
        j += 1
    if not used:
        return None
    value = total + (current or 0.0)
    while j > i and (toks[j - 1].key in ("and", "a", "an") or toks[j - 1].text in "-–"):
        j -= 1  # a trailing "and" or hyphen belongs to what follows
    return _Parsed(value, value, j)


def _amount_at(toks: list[_Tok], i: int) -> _Parsed | None:
    """A vague amount, a fraction or a number starting at token ``i``."""
    tok, n = toks[i], len(toks)
    nxt = toks[i + 1].key if i + 1 < n else ""
    # "tens of thousands", "hundreds of thousands", "dozens of", "scores of", "thousands"
    if tok.key in ("tens", "hundreds") and nxt == "of" and i + 2 < n \
            and toks[i + 2].key in _VAGUE_SCALE:  # fmt: skip
        unit = _VAGUE_SCALE[toks[i + 2].key] * (10 if tok.key == "tens" else 100)
        return _Parsed(unit, unit * 10 - 1, i + 3, vague=True)
    if tok.key in _VAGUE_RANGE:
        low, high = _VAGUE_RANGE[tok.key]
        return _Parsed(low, high, i + 1, vague=True)
    if tok.key in ("dozens", "scores") and nxt == "of":
        return _Parsed(24 if tok.key == "dozens" else 40, 99, i + 1, vague=True)
    if tok.key in ("several", "few") and nxt in _SCALES | {"hundred": 100.0}:
        unit = _SCALES.get(nxt, 100.0)
        return _Parsed(2 * unit, 9 * unit, i + 2, vague=True)
    # fractions of a whole, as percent: "a third of", "two thirds of", "half of"
    if tok.key == "half" and nxt == "of":
        return _Parsed(50.0, 50.0, i + 1, percent=True, approx=True)
    if tok.key in ("a", "one", *_SMALL) and nxt in _FRACTIONS and i + 2 < n \
            and toks[i + 2].key == "of":  # fmt: skip
        count = 1 if tok.key in ("a", "one") else _SMALL[tok.key]
        value = round(count * _FRACTIONS[nxt], 3)
        return _Parsed(value, value, i + 2, percent=True, approx=True) if value <= 100 else None
    if tok.key in ("a", "an") and nxt not in _SCALES and nxt not in ("hundred", "dozen"):
        return None
    return _word_number(toks, i)


def _qualifier(toks: list[_Tok], i: int) -> tuple[Qualifier, int]:
    """The qualifier written before token ``i``, and the index where it starts."""
    for phrase, qualifier in _QUALIFIERS_ENDING.get(toks[i - 1].key if i > 0 else "", ()):
        k = len(phrase)
        if i - k >= 0 and tuple(t.key for t in toks[i - k : i]) == phrase:
            return qualifier, i - k
    return Qualifier.EXACT, i


def _skip(toks: list[_Tok], i: int, text: str, start: int, title: bool) -> bool:
    """Whether the number at token ``i`` is a name, a date, a time or a code, not an amount."""
    tok, n = toks[i], len(toks)
    prev = toks[i - 1] if i > 0 else None
    nxt = toks[i + 1] if i + 1 < n else None
    if prev is not None and _adjacent(prev, tok) and prev.text not in _CURRENCY_SIGNS \
            and prev.text not in "(~+[\"'“‘":  # fmt: skip
        return True  # "XR-7", "COVID-19", "A380", "9/11", "No.10"
    if nxt is not None and _adjacent(tok, nxt):
        if nxt.is_word and nxt.key not in _GLUED_UNITS and nxt.key not in _GLUED_SCALE:
            return True  # "3rd", "1990s", "10am", "737MAX"
        if nxt.text in ":/" or nxt.is_num:
            return True  # "10:30", "12/05"
        if nxt.text in "-‐–" and i + 2 < n and _adjacent(nxt, toks[i + 2]) \
                and toks[i + 2].is_word:  # fmt: skip
            return True  # "a 19-year-old", "a 40-strong team"
    if nxt is not None and nxt.text in "-‐–" and _adjacent(tok, nxt) and i + 2 < n \
            and _adjacent(nxt, toks[i + 2]) and toks[i + 2].is_num:  # fmt: skip
        low, high = _digits(tok), _digits(toks[i + 2])
        if low is None or high is None or not low < high <= low * 1000:
            return True  # "555-0199", "5-4", "2022-23", "2023-05-12"
    if nxt is not None and nxt.is_num and text[tok.end : nxt.start] == " ":
        return True  # "0800 123 4567": a digit run, not two amounts
    if prev is not None and prev.is_num and text[prev.end : tok.start] == " ":
        return True
    if prev is not None and (_is_month(prev) or prev.key in _ID_WORDS):
        return True  # "March 3", "Article 5"
    if nxt is not None and (_is_month(nxt) or nxt.key in _TIME_WORDS):
        return True  # "3 March", "10 pm"
    if nxt is not None and nxt.key in ("a", "p") and i + 2 < n and toks[i + 2].text == ".":
        return True  # "5 p.m."
    if nxt is not None and nxt.key == "of" and i + 2 < n and _is_month(toks[i + 2]):
        return True  # "the 3 of March"
    if not title and prev is not None and prev.is_word and prev.text[:1].isupper() \
            and prev.key not in _NOT_NAMES:  # fmt: skip
        return True  # "Boeing 737", "Windows 10" (not "About 40", "The 10 victims")
    value = _digits(tok)
    if value is not None and value.is_integer() and 1800 <= value <= 2100 and "," not in tok.text:
        return start == i  # a year, unless a qualifier says it is an amount ("about 2000")
    return False


#: Capitalised words before a number that do not make it a name: "About 40", "The 10".
_NOT_NAMES = (
    {w for phrases in _QUALIFIER_PHRASES.values() for w in phrases.replace("|", " ").split()}
    | _STOP
    | _DETERMINERS
    | {"only", "just", "exactly", "precisely", "another", "all", "total", "killing", "killed"}
)


def _range_end(toks: list[_Tok], parsed: _Parsed, between: bool) -> _Parsed:
    """Extend "40-50", "40 to 50", "40,000 to 50,000", "between 40 and 50" into a range."""
    j, n = parsed.end, len(toks)
    if j + 1 >= n:
        return parsed
    joiner = toks[j]
    if joiner.key == "and" and not between:
        return parsed
    if joiner.text in "-‐–" and not (
        _adjacent(toks[j - 1], joiner) and _adjacent(joiner, toks[j + 1])
    ):
        return parsed
    if joiner.key not in ("to", "and", "or") and joiner.text not in "-‐–":
        return parsed
    other = _amount_at(toks, j + 1)
    if other is None or other.vague or other.percent:
        return parsed
    high = other.high
    if parsed.low < high <= parsed.low * 1000 or (between and parsed.low < high):
        return _Parsed(parsed.low, high, other.end, second=j + 1)
    return parsed


def _unit(toks: list[_Tok], i: int, end: int) -> tuple[str, float, int]:
    """Unit of the amount at tokens ``i``..``end``: (unit, scale factor, new end)."""
    n = len(toks)
    currency = ""
    if i > 0 and toks[i - 1].text in _CURRENCY_SIGNS:
        currency = _CURRENCY_SIGNS[toks[i - 1].text]
    if end < n and _adjacent(toks[end - 1], toks[end]) and toks[end].key in _GLUED_SCALE \
            and (currency or toks[end].key in ("bn", "tn", "mn")):  # fmt: skip
        return currency, _GLUED_SCALE[toks[end].key], end + 1  # "£3m", "$2bn"
    if currency:
        return currency, 1.0, end
    if end < n:
        word = toks[end].key
        if word == "per" and end + 1 < n and toks[end + 1].key == "cent":
            return "%", 1.0, end + 2
        if word == "percentage" and end + 1 < n and toks[end + 1].key == "points":
            return "pp", 1.0, end + 2
        if word in _UNITS:
            return _UNITS[word], 1.0, end + 1
        if word in _GLUED_UNITS and _adjacent(toks[end - 1], toks[end]):
            return _UNITS.get(word, word), 1.0, end + 1
    return "", 1.0, end


def _noun_after(toks: list[_Tok], j: int) -> tuple[str, int]:
    """The counted noun after an amount: "40 Palestinian civilians" -> civilians."""
    n = len(toks)
    if j < n and toks[j].key == "of":
        j += 1
        while j < n and toks[j].key in _DETERMINERS:
            j += 1
        # a part of a whole: "7 of 28 girls", "seven of the nine candidates" count girls
        while j < n and (toks[j].is_num or toks[j].key in _SMALL or toks[j].key in _TENS
                         or toks[j].key in ("first", "last")):  # fmt: skip
            j += 1
    words: list[_Tok] = []
    while j < n and len(words) < 3:
        tok = toks[j]
        if not tok.is_word or tok.key in _STOP or tok.key in _CONCEPT or tok.key in _UNITS \
                or tok.key in _CHANGE or tok.key in _AUX:  # fmt: skip
            break
        if words and (
            tok.key.endswith("ed") or tok.key in _IRREGULAR_VERBS or tok.key.endswith("ly")
        ):
            break
        words.append(tok)
        j += 1
    if not words:
        return "", j
    # the first plural is the head: "crew members" -> crew, "aid trucks" -> trucks
    for tok in words:
        if tok.key in _PLURAL_IRREGULAR or (tok.key.endswith("s") and not tok.key.endswith("ss")):
            return tok.key, j
    return words[0].key, j  # "half of the budget went": a singular head comes first


def _noun_before(toks: list[_Tok], i: int) -> str:
    """The subject of a measure: "Turnout was 70 percent", "the fine was €300,000"."""
    j = i - 1
    while j >= 0 and i - j <= 6 and toks[j].is_word and toks[j].key in _CHANGE:
        j -= 1
    if i - j >= 2 and j >= 0 and i - j <= 6 and toks[j].is_word and toks[j].key not in _STOP \
            and toks[j].key not in _REPORTING and not toks[j].key.endswith("ed"):  # fmt: skip
        return toks[j].key  # only after a copula or verb of change: not "sank 3 miles"
    return ""


def _verb_word(tok: _Tok) -> str:
    if tok.key in _CONCEPT:
        return _CONCEPT[tok.key]
    if tok.key in _REPORTING or tok.key in _CHANGE:
        return ""
    if (tok.key.endswith("ed") and len(tok.key) > 4) or tok.key in _IRREGULAR_VERBS:
        return tok.key
    return ""


def _verb(toks: list[_Tok], start: int, after: int) -> str:
    """What happened to the counted thing: the verb after the noun phrase, or before the amount."""
    n, j = len(toks), after
    while j < n and j - after < 5 and toks[j].is_word:
        if toks[j].key in _AUX and toks[j].key not in _CONCEPT:
            j += 1
            continue
        verb = _verb_word(toks[j])
        if verb:
            return verb
        break
    j = start - 1
    while j >= 0 and start - j <= 5 and toks[j].is_word:
        verb = _verb_word(toks[j])
        if verb:
            return verb
        if toks[j].key not in _CHANGE and toks[j].key not in _AUX:
            break
        j -= 1
    j = start - 1  # a death toll named earlier in the clause: "the toll ... has risen to 40"
    while (
        j >= 0 and start - j <= 20 and toks[j].text not in ",;.!?" and toks[j].key not in _REPORTING
    ):
        if toks[j].key in _CONCEPT:
            return _CONCEPT[toks[j].key]
        j -= 1
    return ""


def _context(toks: list[_Tok], start: int, end: int) -> frozenset[str]:
    """Content words within a few tokens of the amount, for "is this the same event?"."""
    window = toks[max(0, start - 10) : start] + toks[end : end + 10]
    return frozenset(
        t.key
        for t in window
        if t.is_word and ((len(t.key) > 2 and t.key not in _STOP) or t.key in _CUMULATIVE)
    )


def quantities(text: str, *, limit: int | None = None) -> list[Quantity]:
    """Every amount in ``text`` in order (the first ``limit`` of them); see the module
    docstring for what is not one."""
    return list(_quantities(text, limit))


@per_text(maxsize=4096)  # scoring reads each claim's amounts once per pair it is in
def _quantities(text: str, limit: int | None) -> tuple[Quantity, ...]:
    toks = _tokens(text)
    title = _title_case(toks)
    found: list[Quantity] = []
    i, n = 0, len(toks)
    while i < n and (limit is None or len(found) < limit):
        tok = toks[i]
        if not (tok.is_num or tok.key in _STARTS) or (
            tok.key == "one" and _one_is_pronoun(toks, i)
        ):
            i += 1
            continue
        parsed = _amount_at(toks, i)
        if parsed is None:
            i += 1
            continue
        sign = i > 0 and toks[i - 1].text in _CURRENCY_SIGNS  # "nearly $2.5 billion"
        qualifier, q_start = _qualifier(toks, i - 1 if sign else i)
        if (tok.is_num and _skip(toks, i, text, q_start, title)) or _compound_adjective(
            toks, parsed.end
        ):
            i = max(i + 1, parsed.end)
            continue
        quantity = _quantity(text, toks, i, parsed, qualifier, q_start)
        found.append(quantity)
        i = max(i + 1, _index_after(toks, quantity.end))
    return tuple(found)


def _title_case(toks: list[_Tok]) -> bool:
    """A headline in Title Case ("Mother Kills 25 Taliban Fighters"): capitals name nothing."""
    long_words = [t for t in toks if t.is_word and len(t.text) > 3]
    return len(long_words) >= 3 and sum(t.text[:1].isupper() for t in long_words) >= 0.6 * len(
        long_words
    )


def _compound_adjective(toks: list[_Tok], end: int) -> bool:
    """ "a seven-hour battle", "a two-year-old": the number describes, it does not count."""
    return (
        end + 1 < len(toks)
        and toks[end].text in "-‐–"
        and _adjacent(toks[end - 1], toks[end])
        and _adjacent(toks[end], toks[end + 1])
        and toks[end + 1].is_word
    )


def _index_after(toks: list[_Tok], offset: int) -> int:
    """The index of the first token starting at or after character ``offset``."""
    low, high = 0, len(toks)
    while low < high:
        mid = (low + high) // 2
        if toks[mid].start < offset:
            low = mid + 1
        else:
            high = mid
    return low


def _quantity(
    text: str, toks: list[_Tok], i: int, parsed: _Parsed, qualifier: Qualifier, q_start: int
) -> Quantity:
    """The amount at token ``i`` read in full: range, unit, qualifier, noun, verb, span."""
    n = len(toks)
    between = q_start == i and i > 0 and toks[i - 1].key == "between"
    first = i
    parsed = _range_end(toks, parsed, between)
    if i > 0 and toks[i - 1].key == "from" and parsed.second > 0:
        # "rose from 30 to 41": a change, not a range; the new figure is what counts
        first = parsed.second
        parsed = _Parsed(parsed.high, parsed.high, parsed.end)
    unit, scale, end = _unit(toks, first, parsed.end)
    if parsed.percent:
        unit = "%"
    if parsed.approx and qualifier is Qualifier.EXACT:
        qualifier = Qualifier.ABOUT
    noun_from = end
    if end + 1 < n and toks[end].key in ("or", "plus") and toks[end + 1].key in ("more", "so"):
        qualifier = Qualifier.AT_LEAST if toks[end + 1].key == "more" else Qualifier.ABOUT
        noun_from = end + 2  # "100 or more families"
    elif end < n and toks[end].text == "+" and _adjacent(toks[end - 1], toks[end]):
        qualifier = Qualifier.AT_LEAST
    lead = q_start - 1 if q_start > 0 and toks[q_start - 1].text in _CURRENCY_SIGNS else q_start
    span_start = first - 1 if first > 0 and toks[first - 1].text in _CURRENCY_SIGNS else first
    noun, after = _noun_after(toks, noun_from)
    if not noun and (parsed.percent or unit):
        noun = _noun_before(toks, lead)
    elif not noun and lead >= 2 and toks[lead - 1].key == "of" and toks[lead - 2].is_word \
            and toks[lead - 2].key not in _STOP:  # fmt: skip
        noun = toks[lead - 2].key  # "a city of 400,000"
    start, stop = toks[span_start].start, toks[end - 1].end
    return Quantity(
        low=parsed.low * scale, high=parsed.high * scale, qualifier=qualifier, unit=unit,
        noun=noun, verb=_verb(toks, lead, after), start=start, end=stop,
        text=text[start:stop], vague=parsed.vague,
        precision=_precision(toks[first : parsed.end], parsed.low * scale),
        context=_context(toks, lead, after),
    )  # fmt: skip


def _precision(toks: list[_Tok], value: float) -> float:
    """Half the unit of the last digit written: 0.5 for "17", 0.05 for "4.4", 50,000 for
    "2.5 million"; 0.5 when the figure is built of several parts."""
    number = next((t for t in toks if t.is_num), None)
    written = _digits(number) if number is not None else None
    if number is None or not written:
        return 0.5
    factor = value / written
    if factor not in (1.0, 1e3, 1e6, 1e9, 1e12):
        return 0.5  # "4 million 310 thousand 55"
    return 0.5 * 10.0 ** -len(number.text.partition(".")[2]) * factor


_STARTS = (set(_SMALL) | set(_TENS) | set(_VAGUE_SCALE) | {"a", "an", "tens", "dozens", "scores",
           "several", "few", "half", "hundred", "dozen"}) - {"zero"}  # fmt: skip


def _one_is_pronoun(toks: list[_Tok], i: int) -> bool:
    """ "one of them", "no one", "the one": not a count."""
    prev = toks[i - 1].key if i > 0 else ""
    nxt = toks[i + 1].key if i + 1 < len(toks) else ""
    return nxt in ("of", "another", "day", "time", "way") or prev in (
        "no", "any", "every", "each", "the", "this", "that", "which", "someone", "some",
        "only", "last", "next", "no-", "anyone",
    )  # fmt: skip


# ---- comparison ----------------------------------------------------------------------------
def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[-3:-2] in ("s", "x", "h"):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def same_word(a: str, b: str) -> bool:
    """Two nouns name the same thing: equal once plurals are dropped, or both mean people."""
    return _stem(a) == _stem(b) or (a in _ANYONE and b in _ANYONE)


@dataclass(frozen=True)
class Match:
    """Why two quantities count the same thing, and how sure that is in (0, 1]."""

    confidence: float
    what: str  # "killed", "votes", "%": for the note


def comparable(qa: Quantity, qb: Quantity) -> Match | None:
    """Whether two quantities count the same thing (see the module docstring); None if not.

    Same unit (or both plain counts); no conflicting noun or verb; and at least one real
    anchor: the same verb ("killed" / "dead"), the same specific noun ("votes"), or the same
    unit with the same subject ("turnout ... 70%"). Counts of different events ("the raid"
    vs "the earthquake") and a running total against one event's count never compare.
    """
    if qa.unit != qb.unit:
        return None
    noun_a, noun_b = qa.noun, qb.noun
    if noun_a and noun_b and not same_word(noun_a, noun_b):
        return None
    if qa.verb and qb.verb and qa.verb != qb.verb:
        return None
    events_a, events_b = qa.context & EVENTS, qb.context & EVENTS
    if events_a and events_b and not events_a & events_b:
        return None
    if bool(qa.context & _CUMULATIVE) != bool(qb.context & _CUMULATIVE):
        return None
    same_noun = bool(noun_a and noun_b)
    specific_noun = same_noun and noun_a not in _GENERIC
    same_verb = bool(qa.verb and qb.verb)
    if qa.unit:
        if same_noun:
            return Match(1.0 if same_verb or specific_noun else 0.9, noun_a)
        if same_verb:
            return Match(0.85, qa.verb)
        shared = len(qa.context & qb.context) / max(1, len(qa.context | qb.context))
        return Match(0.8, qa.unit) if shared >= 0.5 and not (noun_a or noun_b) else None
    if same_verb:
        return Match(1.0 if same_noun else 0.9, noun_a if specific_noun else qa.verb)
    if specific_noun:
        return Match(0.9, noun_a)
    return None


def _rounded(q: Quantity) -> tuple[float, float]:
    tolerance = _rounding(q.low) if q.low == q.high else 0.0
    return q.low * (1 - tolerance), q.high * (1 + tolerance)


def conflict(qa: Quantity, qb: Quantity) -> float | None:
    """How far apart two comparable quantities are (relative gap > 0), or None if they agree.

    Compatible bounds agree: "at least 50" / 64, "almost 2,000" / 1,962, "more than 100" /
    120. Two bounds the same way ("at least 40" / "at least 33") are two different tallies:
    their numbers are compared as if exact.
    """
    low_a, high_a = qa.bounds
    low_b, high_b = qb.bounds
    if qa.qualifier is qb.qualifier and qa.qualifier in (Qualifier.AT_LEAST, Qualifier.MORE_THAN):
        # two lower bounds: two tallies, compared by their figures with the slack a round
        # one implies (two upper bounds, "less than 2 km" / "less than 1 km", agree)
        low_a, high_a = _rounded(qa)
        low_b, high_b = _rounded(qb)
    # the less precise figure covers what rounds to it: "4 percent" / "4.4 percent"
    if qa.precision > qb.precision:
        low_a, high_a = low_a - qa.precision, high_a + qa.precision
    elif qb.precision > qa.precision:
        low_b, high_b = low_b - qb.precision, high_b + qb.precision
    if low_a <= high_b and low_b <= high_a:
        return None
    gap = max(low_a - high_b, low_b - high_a)
    return gap / max(abs(qa.low), abs(qb.low), 1e-9)
