"""Key terms of a claim (entities, numbers, content words) and their fuzzy overlap."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

_WORD = re.compile(r"[\w][\w'’-]*")
_STOP = frozenset(
    """
    a about above after again against all also an and any are as at be because been before being
    between both but by can could did do does during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just more most no nor not
    of off on once only or other our out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your said says say told
    according
    """.split()  # noqa: SIM905
)


def key_terms(text: str) -> list[str]:
    """Entities, numbers and content words of a text, lower-cased, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text):
        lowered = word.lower().strip("'’")
        if (lowered not in _STOP and len(lowered) > 2) or lowered.isdigit():
            seen.setdefault(lowered, None)
    return list(seen)


def shared_terms(a: Sequence[str], b: Sequence[str]) -> list[str]:
    """Terms of ``a`` with a close match in ``b`` ("Israel"/"Israeli", "talk"/"talks")."""
    shared = []
    for term in a:
        if term in b or (
            not term.isdigit() and process.extractOne(term, b, scorer=fuzz.ratio, score_cutoff=85)
        ):
            shared.append(term)
    return shared


def term_overlap(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of the shorter claim's key terms found in the other claim."""
    if not a or not b:
        return 0.0
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shared_terms(shorter, longer)) / len(shorter)
