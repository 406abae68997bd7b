"""divergence.augment: labelled variants for modal strength, quantities and agents."""

from __future__ import annotations

import random

import pytest

from divergence.augment import (
    agent_variants,
    agents_in,
    modal_variants,
    quantity_variants,
    restated_variants,
)
from divergence.edits import restated


def rng() -> random.Random:
    return random.Random(0)


def test_modal_within_the_confident_side_is_neutral() -> None:
    variants = modal_variants("The agency says the drug probably causes harm.", rng())
    assert variants == [("The agency says the drug possibly causes harm.", "neutral")] or all(
        label == "neutral" and "probably" not in text for text, label in variants
    )


def test_modal_across_the_ladder_is_contradiction() -> None:
    variants = dict(modal_variants("The company is likely to cut 300 jobs.", rng()))
    assert variants["The company is unlikely to cut 300 jobs."] == "contradiction"
    # "likely to" is a frame, not the adverb "likely": never "is possibly to".
    assert not any("possibly to" in text for text in variants)


def test_modal_verbs_move_between_will_and_may() -> None:
    [(text, label)] = modal_variants("Officials said the talks will collapse next week.", rng())
    assert label == "neutral"
    assert text.split(" talks ")[1].split()[0] in ("may", "might", "could")


@pytest.mark.parametrize(
    "sentence",
    ["Officials met in Cairo.", "He may be right.", "They will not attend."],
)
def test_no_modal_variant_where_the_change_would_say_more(sentence: str) -> None:
    assert modal_variants(sentence, rng()) == []


def test_quantity_restated_compatibly_is_entailment_and_a_broken_bound_contradiction() -> None:
    variants = quantity_variants("The death toll rose to 1,962 people on Sunday.", random.Random(1))
    labels = {label: text for text, label in variants}
    assert set(labels) == {"entailment", "contradiction"}
    entailed = labels["entailment"]
    assert any(q in entailed for q in ("nearly 2,000", "about 2,000", "at least", "more than"))
    assert "1,962" not in labels["contradiction"]


def test_percent_is_restated_with_the_sign() -> None:
    variants = dict(quantity_variants("Turnout reached 70 percent of voters.", rng()))
    assert variants["Turnout reached 70% of voters."] == "entailment"
    assert "less than 50 percent" in next(
        t for t, lab in variants.items() if lab == "contradiction"
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "The XR-7 engine was built in 2019.",  # identifiers and years are not counts
        "At least 64 people died.",  # already qualified: left alone
        "COVID-19 cases were reported.",
        "Only 3 people came.",  # too small to restate
    ],
)
def test_quantities_that_are_not_plain_counts_are_left_alone(sentence: str) -> None:
    assert quantity_variants(sentence, rng()) == []


@pytest.mark.parametrize(
    ("sentence", "agents"),
    [
        ("The bridge was blown up by army units on Tuesday.", ["army units"]),
        ("The attack was carried out by Hamas in 2014.", ["Hamas"]),
        ("Russian forces shelled the city overnight.", ["Russian forces"]),
        ("He was hit by a car.", []),
        ("In Cairo officials talked.", []),
    ],
)
def test_agents_in(sentence: str, agents: list[str]) -> None:
    assert agents_in(sentence) == agents


def test_agent_swap_is_contradiction_and_keeps_the_sentence() -> None:
    [(text, label)] = agent_variants(
        "The bridge was blown up by army units on Tuesday.", ["the rebels"], rng()
    )
    assert (text, label) == ("The bridge was blown up by the rebels on Tuesday.", "contradiction")


def test_agent_swap_never_uses_an_agent_already_named() -> None:
    assert agent_variants("Hamas attacked the post.", ["Hamas"], rng()) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Islamic State fighters seized the town in June, officials said on Monday.",
         "ISIS fighters seized the town in June, officials said on Monday."),
        ("He was not authorized to speak.", {"He wasn't authorized to speak.",
                                             "He was not authorised to speak.",
                                             "He wasn't authorised to speak."}),
        ("Five people died in the air strikes.", {"Five people died in the airstrikes."}),
    ],
)  # fmt: skip
def test_restated_variants_are_entailment_and_the_edit_check_agrees(
    sentence: str, expected: str | set[str]
) -> None:
    [(variant, label)] = restated_variants(sentence, rng())
    assert label == "entailment"
    assert variant in ({expected} if isinstance(expected, str) else expected)
    # What the model is taught to read as the same claim, the edit check calls a reprint
    # with nothing meaningful changed.
    assert restated(sentence, variant)


def test_a_sentence_with_nothing_to_respell_has_no_restatement() -> None:
    assert restated_variants("The storm hit the coast on Monday.", rng()) == []
