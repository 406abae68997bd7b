"""Labelled variants of news sentences for what the public NLI data teaches too rarely.

Modal strength ("certainly" > "probably" > "possibly" > "unlikely"), quantities with
their qualifiers ("at least 50" is compatible with 64, "more than 100" is not) and
agents (who did it) decide many real disagreements between outlets, yet crowd-written
NLI pairs almost never turn on them. Each function here returns ``(variant, label)``
pairs for one sentence, labelled by the rule that made the variant:

- **modal**: a change within the confident side of the ladder (probably -> possibly) is
  ``neutral`` (the claims are not the same claim), a move across it (probably ->
  unlikely) is ``contradiction``;
- **quantity**: the same count said another way ("70 percent" / "70%", "1,962" / "nearly
  2,000", "64" / "at least 50") is ``entailment``, a bound it breaks is ``contradiction``;
- **agent**: another actor put in place of the one the sentence names ("was destroyed by
  the army" / "by rebels") is ``contradiction``.

The sentence is always the premise side of the returned pair; callers shuffle sides.
"""

from __future__ import annotations

import random
import re

# ---- modal ladder ----------------------------------------------------------------------------
#: Adverbs by strength: 3 certain, 2 probable, 1 possible, 0 unlikely.
_ADVERB_LEVEL = {
    "certainly": 3, "definitely": 3, "undoubtedly": 3, "clearly": 3,
    "probably": 2, "likely": 2, "almost certainly": 3,
    "possibly": 1, "perhaps": 1, "conceivably": 1,
}  # fmt: skip
_ADVERBS_AT = {3: ["certainly", "definitely"], 2: ["probably", "likely"], 1: ["possibly"]}
_MODAL_VERB_LEVEL = {"will": 3, "would": 2, "may": 1, "might": 1, "could": 1}
_MODAL_VERBS_AT = {3: ["will"], 1: ["may", "might", "could"]}
_ADVERB = re.compile(
    r"\b(almost certainly|" + "|".join(_ADVERB_LEVEL) + r")\b(?!\s+to\b)", re.IGNORECASE
)
# "will/may/might/could" + a bare verb; never "will not", "may be", which change more.
_MODAL_VERB = re.compile(r"\b(will|may|might|could)\s+(?!not\b|n't|be\b|have\b)(?=[a-z]{3,})")
_UNLIKELY_FRAME = re.compile(r"\b(is|are|was|were)\s+(likely|expected)\s+to\b")


def modal_variants(sentence: str, rng: random.Random) -> list[tuple[str, str]]:
    """Variants with the modal strength moved along the ladder, labelled as above."""
    out: list[tuple[str, str]] = []
    match = _ADVERB.search(sentence)
    if match:
        level = _ADVERB_LEVEL[match.group(1).lower()]
        other = rng.choice([k for k in _ADVERBS_AT if k != level])
        word = rng.choice(_ADVERBS_AT[other])
        if match.group(1)[0].isupper():
            word = word.capitalize()
        out.append((_replace(sentence, match, word), "neutral"))
    match = _MODAL_VERB.search(sentence)
    if match:
        level = _MODAL_VERB_LEVEL[match.group(1)]
        other = 1 if level >= 2 else 3
        out.append((_replace(sentence, match, rng.choice(_MODAL_VERBS_AT[other]) + " "), "neutral"))
    match = _UNLIKELY_FRAME.search(sentence)
    if match:  # "is likely to" -> "is unlikely to": across the ladder
        out.append((_replace(sentence, match, f"{match.group(1)} unlikely to"), "contradiction"))
    return out


def _replace(sentence: str, match: re.Match[str], text: str) -> str:
    return sentence[: match.start()] + text + sentence[match.end() :]


# ---- quantities ------------------------------------------------------------------------------
# A count followed by a noun or "percent": not a year, a decimal, an ordinal or part of a name.
_COUNT = re.compile(
    r"(?<![\w.,$£€-])(\d{1,3}(?:,\d{3})+|\d+)(?![\w,.]*\d)(?:\s+(percent|per cent)|%|(?=\s+[a-z]))"
)
_QUALIFIED = re.compile(r"\b(at least|more than|over|nearly|almost|about|around|up to)\s+$", re.I)


def quantity_variants(sentence: str, rng: random.Random) -> list[tuple[str, str]]:
    """One compatible restatement (entailment) and one broken bound (contradiction)."""
    candidates = [
        m
        for m in _COUNT.finditer(sentence)
        if not ("," not in m.group(1) and 1900 <= _value(m) <= 2100) and _value(m) >= 5
        and not _QUALIFIED.search(sentence[: m.start()])
    ]  # fmt: skip
    if not candidates:
        return []
    match = rng.choice(candidates)
    value = _value(match)
    head, tail = sentence[: match.start()], sentence[match.end() :]
    unit = " percent" if match.group(2) else ("%" if match.group(0).endswith("%") else "")
    if unit:
        other = "%" if unit == " percent" else " percent"
        broken = f"more than {value + 20}" if value <= 60 else f"less than {value - 20}"
        return [
            (f"{head}{match.group(1)}{other}{tail}", "entailment"),
            (f"{head}{broken}{unit}{tail}", "contradiction"),
        ]
    low, rounded = _below(value), _round(value)
    compatible = rng.choice(
        [f"at least {_fmt(low, match)}", f"more than {_fmt(low, match)}"]
        + ([f"nearly {_fmt(rounded, match)}", f"about {_fmt(rounded, match)}"]
           if rounded != value else [])
    )  # fmt: skip
    broken = rng.choice(
        [f"more than {_fmt(_above(value), match)}", f"fewer than {_fmt(low, match)}"]
    )
    return [(f"{head}{compatible}{tail}", "entailment"), (f"{head}{broken}{tail}", "contradiction")]


def _value(match: re.Match[str]) -> int:
    return int(match.group(1).replace(",", ""))


def _fmt(value: int, match: re.Match[str]) -> str:
    return f"{value:,}" if "," in match.group(1) or value >= 10_000 else str(value)


def _round(number: float) -> int:
    """The round number a reporter would write ("nearly 2,000" for 1,962)."""
    value = int(number)
    step: int = 10 ** max(1, len(str(value)) - 1)
    if value / step < 2:  # 1,962 -> 2,000 rather than 1,000; 64 -> 60
        step //= 2 if step >= 10 else 1
    return max(step, round(value / step) * step)


def _below(value: int) -> int:
    """A bound clearly under ``value`` (64 -> 50, 1,962 -> 1,500)."""
    rounded = _round(value * 0.8)
    return rounded if rounded < value else max(1, value // 2)


def _above(value: int) -> int:
    """A bound clearly over ``value`` (64 -> 100, 1,962 -> 3,000)."""
    return max(_round(value * 1.6), value + 5)


# ---- agents ----------------------------------------------------------------------------------
# "was destroyed by the army", "blown up by army units": a passive agent after a participle,
# up to four words, cut at the first function word, number or date word.
_BY_AGENT = re.compile(
    r"\b\w+(?:ed|en|wn|ht)(?:\s+(?:up|down|out|off))?\s+by\s+((?:[\w'-]+\s+){0,3}[\w'-]+)"
)
_AGENT_STOP = re.compile(
    r"\s+(?:on|in|at|after|before|during|near|and|or|with|as|for|from|to|of|who|which|that|"
    r"last|this|early|late|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"January|February|March|April|May|June|July|August|September|October|November|"
    r"December|\d[\w,.]*)\b.*$"
)
# A sentence opening with a proper-noun subject and a past-tense verb: "Russian forces shelled".
_SUBJECT = re.compile(
    r"^((?:The\s+)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,3}"
    r"(?:\s+(?:forces|troops|police|officials|army|militants|soldiers))?)\s+(?=[a-z]+ed\b)"
)
_NOT_AGENTS = {
    "The",
    "This",
    "That",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "A",
    "An",
    "But",
    "In",
    "On",
    "At",
    "After",
    "When",
    "While",
    "If",
    "As",
}


def agents_in(sentence: str) -> list[str]:
    """The actors a sentence names as doing something (passive agents, opening subjects)."""
    found = []
    for match in _BY_AGENT.finditer(sentence):
        agent = _AGENT_STOP.sub("", " " + match.group(1)).strip()
        if agent and not agent[0].isdigit() and agent.lower() not in {"the", "a", "an"}:
            found.append(agent)
    subject = _SUBJECT.match(sentence)
    if subject and subject.group(1).split()[0] not in _NOT_AGENTS:
        found.append(subject.group(1))
    return [a for a in found if a not in _NOT_AGENTS]


def agent_variants(sentence: str, pool: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """The sentence with one of its agents replaced by another actor from ``pool``."""
    agents = agents_in(sentence)
    if not agents or not pool:
        return []
    agent = rng.choice(agents)
    others = [p for p in pool if p.lower() not in sentence.lower()]
    if not others:
        return []
    start = sentence.find(agent)
    replacement = rng.choice(others)
    if start == 0:
        replacement = replacement[0].upper() + replacement[1:]
    elif replacement.startswith("The "):
        replacement = "the " + replacement[4:]
    return [(sentence[:start] + replacement + sentence[start + len(agent) :], "contradiction")]


# ---- restatements ----------------------------------------------------------------------------
# Wire copy reprinted by another outlet: the same facts with another spelling, another name
# for the same party, a contraction or a number written out. The agent and number variants
# above teach "one word changed, so they disagree"; these teach where that stops.
_SPELLINGS = [
    ("authorized", "authorised"), ("organized", "organised"), ("recognized", "recognised"),
    ("criticized", "criticised"), ("apologized", "apologised"), ("mobilized", "mobilised"),
    ("organization", "organisation"), ("defense", "defence"), ("center", "centre"),
    ("labor", "labour"), ("neighboring", "neighbouring"), ("favor", "favour"),
    ("airstrikes", "air strikes"), ("airstrike", "air strike"), ("ceasefire", "cease-fire"),
    ("percent", "per cent"), ("program", "programme"), ("toward", "towards"),
]  # fmt: skip
_ALIASES = [
    ("Islamic State", "ISIS"), ("the United States", "the U.S."), ("United States", "US"),
    ("the United Nations", "the UN"), ("United Nations", "U.N."),
    ("the European Union", "the EU"), ("Britain", "the UK"),
    ("the Pentagon", "the US Defense Department"),
]  # fmt: skip
_CONTRACTIONS = [
    ("did not", "didn't"), ("does not", "doesn't"), ("was not", "wasn't"),
    ("were not", "weren't"), ("is not", "isn't"), ("are not", "aren't"),
    ("has not", "hasn't"), ("have not", "haven't"), ("will not", "won't"), ("cannot", "can't"),
]  # fmt: skip
_NUMBER_WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine"]
_SWAPS = [*_SPELLINGS, *_ALIASES, *_CONTRACTIONS,
          *((w, str(n)) for n, w in enumerate(_NUMBER_WORDS, 2))]  # fmt: skip
_SWAP = [
    (re.compile(r"\b" + re.escape(x) + r"\b"), re.compile(r"\b" + re.escape(y) + r"\b"), x, y)
    for x, y in _SWAPS
]


def restated_variants(sentence: str, rng: random.Random) -> list[tuple[str, str]]:
    """The sentence with one or two words respelled, a party named another way, a
    contraction or a small number written the other way: ``entailment``."""
    options = []
    for left, right, x, y in _SWAP:
        if left.search(sentence):
            options.append((left, y))
        elif right.search(sentence):
            options.append((right, x))
    if not options:
        return []
    variant = sentence
    for pattern, text in rng.sample(options, min(len(options), rng.choice([1, 1, 2]))):
        variant = pattern.sub(text, variant, count=1)
    return [(variant, "entailment")]
