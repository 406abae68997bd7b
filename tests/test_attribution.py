"""Speakers: the hard cases of tests/data/speakers.tsv, and what a speaker may be."""

from __future__ import annotations

from pathlib import Path

import pytest

from divergence.attribution import (
    canonical_speakers,
    find_speaker,
    is_speaker_phrase,
    pronoun_subject,
    speaker_kind,
    split_clauses,
)
from divergence.claims import extract_claims
from divergence.documents import Document

TABLE = Path(__file__).parent / "data" / "speakers.tsv"


def read_table(path: Path = TABLE) -> list[tuple[str, str, str]]:
    """(sentence, expected speaker or "", context or "") rows; "#" lines are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            sentence, expected, context = [*line.split("\t"), "", ""][:3]
            rows.append((sentence, expected, context))
    return rows


def speaker_of(sentence: str, context: str = "") -> str:
    """The speaker the library gives ``sentence``: alone by find_speaker, after a context by
    extract_claims (which resolves pronouns), "" for none."""
    if not context:
        found = find_speaker(sentence)
        return found.speaker if found else ""
    text = f"{context} {sentence}"
    doc = Document(id="t", source="Outlet", text=text)
    own = [c for c in extract_claims([doc], min_checkworthiness=0.0) if c.start > len(context)]
    return (own[0].speaker or "") if own else ""


def test_the_table_is_big_and_covers_every_case() -> None:
    rows = read_table()
    assert len(rows) >= 60
    assert sum(1 for _, expected, _ in rows if not expected) >= 20  # negatives
    assert sum(1 for *_, context in rows if context) >= 8  # pronouns with context
    assert len({sentence for sentence, _, _ in rows}) == len(rows)


@pytest.mark.parametrize(("sentence", "expected", "context"), read_table())
def test_speaker_table(sentence: str, expected: str, context: str) -> None:
    assert speaker_of(sentence, context) == expected
    found = find_speaker(sentence)
    if found is not None:  # whatever is found is a noun phrase of the text
        assert sentence[found.start : found.end] == found.speaker
        assert is_speaker_phrase(found.speaker)


@pytest.mark.parametrize(
    "phrase",
    [
        "Israeli officials",
        "the health ministry",
        "Reuters",
        "a senior US official",
        "President Biden",
        "the company",
        "police",
        "A spokesman for the ministry",
        "Secretary of State Antony Blinken",
        "Dr. Sarah Klein of the U.N. agency",
        "his father John Foley",
    ],
)
def test_is_speaker_phrase(phrase: str) -> None:
    assert is_speaker_phrase(phrase)


@pytest.mark.parametrize(
    "phrase",
    [
        "the company was not liable and",
        "he made no mention of",
        "According to",
        "- the Council",
        "he",
        "It",
        "the",
        "of",
        "His spokesman",  # whose? an unresolved pronoun
        "A look at Phelps",
        "reports",
        "Media reports",
        "No US official",
        "Israeli officials ",
        "group",  # a bare singular noun: a cut-off phrase
        "I'm",
        "",
    ],
)
def test_is_not_speaker_phrase(phrase: str) -> None:
    assert not is_speaker_phrase(phrase)


@pytest.mark.parametrize(
    ("sentence", "pronoun"),
    [
        ("He said the talks had stalled.", "he"),
        ('"The deal is dead," she said.', "she"),
        ("They warned that the ceasefire would not hold.", "they"),
        ("It added that 12 of them were children.", "it"),
        ("We said no to the offer.", None),  # "we" and "I" belong to quotes
        ("Israeli officials said the talks had stalled.", None),
        ("He said Hamas had denied the report.", "he"),  # the first verb's subject decides
    ],
)
def test_pronoun_subject(sentence: str, pronoun: str | None) -> None:
    assert pronoun_subject(sentence) == pronoun


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("A spokesman for the ministry", "person"),
        ("the health ministry", "org"),
        ("Israeli officials", "group"),
        ("Netanyahu", "unknown"),
    ],
)
def test_speaker_kind(name: str, kind: str) -> None:
    assert speaker_kind(name) == kind


def test_pronoun_skips_a_speaker_that_does_not_agree() -> None:
    text = (
        "Interior Minister Omar Haddad said the border would close at midnight. "
        "The ministry later said exceptions would be made for medical cases. "
        "He added that the border would reopen within a week."
    )
    claims = extract_claims([Document(id="d", source="Outlet", text=text)])
    assert [c.speaker for c in claims] == [
        "Interior Minister Omar Haddad",
        "The ministry",
        "Interior Minister Omar Haddad",
    ]


def test_split_clauses_with_a_long_run_of_spaces_keeps_offsets() -> None:
    text = "Talks stalled after" + " " * 2_000 + "Egyptian media reported progress."
    spans = split_clauses(text)
    assert [(text[s:e], who.speaker if who else None) for s, e, who in spans] == [
        ("Talks stalled", None),
        ("Egyptian media reported progress.", "Egyptian media"),
    ]


def test_canonical_speakers_keeps_generic_and_unnamed_apart() -> None:
    mapping = canonical_speakers(
        ["Police", "Anbar police", "US", "a senior US official", "The official", "the official"]
    )
    assert mapping["Police"] == "Police"  # capitalised at a sentence start, still no name
    assert mapping["US"] == "US"  # one unnamed official is not the United States
    assert mapping["The official"] == mapping["the official"]
