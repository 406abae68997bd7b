"""Quantities: value or range, qualifier, unit and what is counted, on the hard-case table."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from divergence.quantities import Qualifier, Quantity, comparable, conflict, key, quantities

TABLE = Path(__file__).parent / "data" / "quantities.tsv"


def table() -> list[list[str]]:
    lines = (line for line in TABLE.read_text().splitlines() if not line.startswith("#"))
    header, *rows = csv.reader(lines, delimiter="\t")
    assert header == ["sentence", "value", "qualifier", "unit", "noun", "verb"]
    return rows


@pytest.mark.parametrize(
    ("sentence", "value", "qualifier", "unit", "noun", "verb"), table(), ids=lambda v: v[:40]
)
def test_table(sentence: str, value: str, qualifier: str, unit: str, noun: str, verb: str) -> None:
    found = quantities(sentence)
    if value == "none":
        assert found == []
        return
    low, _, high = value.partition("..")
    (q,) = found
    assert (q.low, q.high) == (pytest.approx(float(low)), pytest.approx(float(high or low)))
    assert (q.qualifier.value, q.unit, q.noun, q.verb) == (qualifier, unit, noun, verb)
    assert sentence[q.start : q.end] == q.text


def test_table_is_big_enough() -> None:
    rows = table()
    assert len(rows) >= 40
    assert sum(row[1] == "none" for row in rows) >= 10


def only(text: str) -> Quantity:
    (q,) = quantities(text)
    return q


def test_span_covers_number_unit_and_currency_not_the_qualifier() -> None:
    text = "Nearly $2.5 billion was pledged."
    q = only(text)
    assert q.text == "$2.5 billion"
    assert text[q.start : q.end] == "$2.5 billion"
    assert q.qualifier is Qualifier.NEARLY


def test_several_quantities_in_order() -> None:
    found = quantities("In 2024, 40 people were killed and 1,200 wounded.")
    assert [q.text for q in found] == ["40", "1,200"]
    assert [q.verb for q in found] == ["killed", "injured"]


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("40 or more people", 40, 40),
        ("a dozen homes", 12, 12),
        ("Tens of thousands marched.", 10_000, 99_999),
        ("hundreds of thousands marched", 100_000, 999_999),
        ("several thousand troops", 2_000, 9_000),
        ("between 3,000 and 4,500 votes", 3_000, 4_500),
        ("two thirds of voters", 66.667, 66.667),
    ],
)
def test_amounts(text: str, low: float, high: float) -> None:
    q = only(text)
    assert (q.low, q.high) == (pytest.approx(low, rel=1e-3), pytest.approx(high, rel=1e-3))


def test_or_more_is_a_lower_bound() -> None:
    assert only("40 or more people were hurt").qualifier is Qualifier.AT_LEAST
    assert only("100+ homes").qualifier is Qualifier.AT_LEAST


@pytest.mark.parametrize(
    "text",
    ["one of the victims", "no one was hurt", "the 1990s", "a 19-year-old man", "at 10:30 am",
     "on 9/11", "Windows 10 users", "tel 0800 123 4567", "the 2-1 win", "Route 66"],
)  # fmt: skip
def test_not_quantities(text: str) -> None:
    assert quantities(text) == []


def test_key_folds_what_ignorecase_matches() -> None:
    assert key("ſix") == "six"
    assert key("\u212aILLED") == "killed"  # Kelvin sign
    assert key("İSTANBUL") == "istanbul"
    assert key("ıt") == "it"


def test_bounds_apply_qualifier_and_rounding() -> None:
    assert only("at least 50 hurt").bounds == (50, math.inf)
    assert only("fewer than 30 hurt").bounds == (0, 30)
    assert only("17 hurt").bounds == (17, 17)  # a precise figure: no slack
    low, high = only("2,000 hurt").bounds  # a round one: 5 %
    assert low == pytest.approx(1_900) and high == pytest.approx(2_100)


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ("at least 50 people were killed", "64 people were killed", True),
        ("at least 50 people were killed", "30 people were killed", False),
        ("almost 2,000 people fled", "1,962 people fled", True),
        ("almost 2,000 people fled", "2,400 people fled", False),
        ("more than 100 homes burned", "120 homes burned", True),
        ("up to 20 homes burned", "25 homes burned", False),
        ("70 percent of voters", "70% of voters", True),
        ("17 crew missing", "19 crew missing", False),
        ("about 120 trucks entered", "125 trucks entered", True),
        ("turnout was 4 percent", "turnout was 4.4 percent", True),  # rounded, not wrong
        ("turnout was 4.1 percent", "turnout was 4.4 percent", False),
        ("less than two kilometres from the site", "less than 1 km from the site", True),
        ("at least 40 people were killed", "at least 33 people were killed", False),
    ],
)
def test_conflict(a: str, b: str, agree: bool) -> None:
    qa, qb = only(a), only(b)
    assert comparable(qa, qb) is not None
    assert (conflict(qa, qb) is None) is agree


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("the raid killed 12", "the city of 400,000"),
        ("40 people were killed", "33 people were wounded"),
        ("12 soldiers were killed", "40 civilians were killed"),
        ("Turnout was 70 percent", "Unemployment was 5 percent"),
        ("$2 million in aid", "€3 million in aid"),
        ("the earthquake killed 300", "the raid killed 41"),
        ("40 people attended", "33 people came"),  # "people" alone ties nothing together
        ("74 percent of men washed", "59 percent of women washed"),
        ("it has killed 120 people since January", "the attack killed 12 people"),
    ],
)
def test_not_comparable(a: str, b: str) -> None:
    assert comparable(only(a), only(b)) is None


def test_comparable_says_what_is_counted() -> None:
    match = comparable(only("300 were dead"), only("41 people were killed"))
    assert match is not None and match.what == "killed"
    votes = comparable(only("he won 4,000 votes"), only("he won 5,000 votes"))
    assert votes is not None and votes.what == "votes"
