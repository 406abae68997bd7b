"""Stories: documents grouped by event, so claims are only paired within one story."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from divergence import compare
from divergence.cli import cli
from divergence.documents import Document
from divergence.errors import InputError, NothingToCompare
from divergence.report import CLAIM_COLUMNS, PAIR_COLUMNS, STORY_COLUMNS, build_report
from divergence.stories import (
    Story,
    StoryMode,
    find_stories,
    lead,
    single_story,
    story_distances,
    story_id,
)
from tests.fakes import HashingEmbedder

DAY = "2024-04-08"


def doc(
    id: str, source: str, title: str | None, text: str, published: str | None = DAY
) -> Document:
    return Document(id=id, source=source, text=text, title=title, published=published)


QUAKE_REUTERS = doc(
    "quake-reuters", "Reuters", "Earthquake kills hundreds in western Nepal",
    "A powerful earthquake struck western Nepal late on Friday, killing at least 300 people, "
    "officials in Kathmandu said. Rescuers dug through collapsed mud-brick houses in Jajarkot "
    "district. The quake had a magnitude of 6.4, Nepal's seismological centre said.",
)  # fmt: skip
QUAKE_AP = doc(
    "quake-ap", "AP", "Nepal quake: Jajarkot toll rises",
    "The earthquake in western Nepal killed at least 157 people in Jajarkot, officials in "
    "Kathmandu said. The tremor flattened homes across the district and rescuers were still "
    "searching the rubble. Officials said the quake killed 157 people.",
)  # fmt: skip
FERRY_BBC = doc(
    "ferry-bbc", "BBC", "Ferry sinks off Zanzibar",
    "A passenger ferry capsized off Zanzibar and 41 people were killed, the Tanzanian coast "
    "guard said. The vessel was carrying 120 passengers from Dar es Salaam to Pemba. Divers "
    "recovered bodies from the wreck of the ferry.",
)  # fmt: skip
FERRY_AFP = doc(
    "ferry-afp", "AFP", "Zanzibar ferry disaster",
    "At least 12 people died when a ferry sank off Zanzibar, Tanzanian police said. The ferry "
    "from Dar es Salaam overturned in rough seas near Pemba. Survivors said the ferry was "
    "overloaded with passengers.",
)  # fmt: skip
MIXED_DAY = [QUAKE_REUTERS, FERRY_BBC, QUAKE_AP, FERRY_AFP]


def members(stories: Sequence[Story]) -> set[frozenset[str]]:
    return {frozenset(s.doc_ids) for s in stories}


def fake_stories(docs: Sequence[Document], **options: float) -> list[Story]:
    return find_stories(docs, embedder=HashingEmbedder(), **options)


# ---- find_stories --------------------------------------------------------------------------


def test_a_quake_and_a_ferry_on_one_day_are_two_stories() -> None:
    stories = fake_stories(MIXED_DAY)
    assert members(stories) == {
        frozenset({"quake-reuters", "quake-ap"}),
        frozenset({"ferry-bbc", "ferry-afp"}),
    }
    # In the order of their first document, each listing its documents in input order.
    assert [s.doc_ids for s in stories] == [
        ("quake-reuters", "quake-ap"),
        ("ferry-bbc", "ferry-afp"),
    ]


def test_stories_are_deterministic_and_do_not_depend_on_input_order() -> None:
    first = fake_stories(MIXED_DAY)
    assert fake_stories(list(MIXED_DAY)) == first
    shuffled = fake_stories([FERRY_AFP, QUAKE_AP, FERRY_BBC, QUAKE_REUTERS])
    assert {(s.id, s.label, frozenset(s.doc_ids)) for s in shuffled} == {
        (s.id, s.label, frozenset(s.doc_ids)) for s in first
    }


def test_story_ids_are_short_hashes_of_the_sorted_document_ids() -> None:
    assert story_id(["b", "a"]) == story_id(["a", "b"])
    assert story_id(["a", "b"]) != story_id(["a", "c"])
    assert story_id(["a"]).startswith("s") and len(story_id(["a"])) == 9
    quake = next(s for s in fake_stories(MIXED_DAY) if "quake-ap" in s.doc_ids)
    assert quake.id == story_id(["quake-ap", "quake-reuters"])


def test_labels_name_what_the_documents_share_not_their_numbers() -> None:
    quake, ferry = fake_stories(MIXED_DAY)
    assert {"Nepal", "Jajarkot"} <= set(quake.label.split(", "))  # capitals as written
    assert {"Zanzibar", "ferry"} <= set(ferry.label.split(", "))
    assert len(ferry.label.split(", ")) == 4
    assert not any(c.isdigit() for c in quake.label + ferry.label)


def test_one_event_told_in_different_words_is_one_story() -> None:
    # Few words in common beyond the names: the names carry it.
    a = doc(
        "a", "Guardian", None,
        "Mount Marapi erupted on Sunday, sending ash three kilometres into the sky above West "
        "Sumatra. Eleven climbers were found dead near the crater, Indonesian rescuers said.",
    )  # fmt: skip
    b = doc(
        "b", "Jakarta Post", "Marapi volcano: climbers killed",
        "Rescue teams in West Sumatra recovered the bodies of hikers caught by the Marapi "
        "eruption. The Indonesian volcano spewed a column of ash, and 11 died, police said.",
    )  # fmt: skip
    assert members(fake_stories([a, b])) == {frozenset({"a", "b"})}
    # ... and it stays one story on a day that also has a quake and a ferry.
    assert frozenset({"a", "b"}) in members(fake_stories([*MIXED_DAY, a, b]))


def test_one_event_weeks_apart_is_two_stories_within_the_window_one() -> None:
    early = doc("early", "Reuters", QUAKE_REUTERS.title, QUAKE_REUTERS.text, "2024-03-01")
    two_days = doc("two-days", "AP", QUAKE_AP.title, QUAKE_AP.text, "2024-03-03")
    weeks = doc("weeks", "AP", QUAKE_AP.title, QUAKE_AP.text, "2024-03-25")
    assert members(fake_stories([early, two_days])) == {frozenset({"early", "two-days"})}
    assert members(fake_stories([early, weeks])) == {frozenset({"early"}), frozenset({"weeks"})}
    assert len(fake_stories([early, weeks], window_days=30)) == 1
    assert len(fake_stories([early, two_days], window_days=1)) == 2


def test_the_window_is_never_bridged_by_documents_in_between() -> None:
    # Day 1 and day 10 are each within a week of day 5, but not of each other.
    days = ["2024-03-01", "2024-03-05", "2024-03-10"]
    docs = [doc(f"d{i}", f"o{i}", QUAKE_AP.title, QUAKE_AP.text, day) for i, day in enumerate(days)]
    stories = fake_stories(docs)
    assert all(not {"d0", "d2"} <= set(s.doc_ids) for s in stories)


def test_dates_in_other_formats_and_time_zones() -> None:
    a = doc(
        "a", "Reuters", QUAKE_REUTERS.title, QUAKE_REUTERS.text, "Mon, 01 Apr 2024 23:30:00 GMT"
    )
    b = doc("b", "AP", QUAKE_AP.title, QUAKE_AP.text, "April 8, 2024")
    c = doc("c", "AFP", QUAKE_AP.title, QUAKE_AP.text, "2024-04-09T01:00:00+05:00")  # Apr 8 UTC
    assert len(fake_stories([a, b], window_days=7)) == 1
    assert len(fake_stories([a, b], window_days=6)) == 2
    assert len(fake_stories([a, c], window_days=6)) == 2
    assert len(fake_stories([b, c], window_days=0)) == 1


def test_documents_without_dates_are_grouped_by_their_text_alone() -> None:
    undated = [doc(d.id, d.source, d.title, d.text, None) for d in MIXED_DAY]
    assert members(fake_stories(undated)) == members(fake_stories(MIXED_DAY))
    # A date that cannot be read (or only to the month) is no date: never keeps anything apart.
    vague = [
        doc("x", "Reuters", QUAKE_REUTERS.title, QUAKE_REUTERS.text, "yesterday"),
        doc("y", "AP", QUAKE_AP.title, QUAKE_AP.text, "2023-01-01"),
        doc("z", "AFP", QUAKE_AP.title, QUAKE_AP.text, "April 2024"),
    ]
    stories = fake_stories(vague)
    assert frozenset({"x", "y", "z"}) in members(stories)


def test_a_single_document_is_one_story() -> None:
    (story,) = find_stories([QUAKE_AP])  # no embedder needed, none loaded
    assert story == Story(story_id(["quake-ap"]), story.label, ("quake-ap",))
    assert "Jajarkot" in story.label
    assert find_stories([]) == []


def test_identical_documents_are_one_story() -> None:
    copies = [doc(f"copy{i}", f"Outlet {i}", QUAKE_AP.title, QUAKE_AP.text) for i in range(3)]
    assert members(fake_stories([*copies, FERRY_BBC])) == {
        frozenset({"copy0", "copy1", "copy2"}),
        frozenset({"ferry-bbc"}),
    }


def test_all_documents_on_one_event_are_one_story() -> None:
    more = doc(
        "quake-bbc", "BBC", "Nepal earthquake: rescuers search Jajarkot rubble",
        "Rescuers in Jajarkot district of western Nepal searched for survivors of the "
        "earthquake, officials in Kathmandu said. The quake destroyed thousands of homes.",
    )  # fmt: skip
    assert len(fake_stories([QUAKE_REUTERS, QUAKE_AP, more])) == 1


def test_empty_documents_do_not_break_clustering() -> None:
    empty = doc("empty", "Blank", None, "")
    blank = doc("blank", "Blank", "  ", "   ")
    stories = fake_stories([empty, QUAKE_AP, blank, FERRY_BBC])
    assert members(stories) == {
        frozenset({"empty", "blank"}),  # identical (empty) texts
        frozenset({"quake-ap"}),
        frozenset({"ferry-bbc"}),
    }
    assert all(s.label for s in stories)
    assert len(fake_stories([empty, blank])) == 1


def test_the_threshold_trades_splitting_for_merging() -> None:
    assert len(fake_stories(MIXED_DAY, threshold=0.0)) == 4  # nothing is close enough
    assert len(fake_stories(MIXED_DAY, threshold=2.0)) == 1  # everything is


def test_distances_are_symmetric_with_a_zero_diagonal() -> None:
    vectors = HashingEmbedder().embed([lead(d) for d in MIXED_DAY])
    distance = story_distances(MIXED_DAY, vectors)
    assert distance.shape == (4, 4)
    assert np.allclose(distance, distance.T)
    assert np.all(np.diag(distance) == 0)
    assert distance[0, 2] < distance[0, 1]  # quake-quake closer than quake-ferry


def test_two_articles_alone_are_as_close_as_among_a_days_others() -> None:
    # Fitted on two documents alone, TF-IDF would count every term they share for less than
    # every term only one has; the background documents keep their distance near the one
    # the same two get among a day's other stories.
    pair = [QUAKE_REUTERS, QUAKE_AP]
    vectors = HashingEmbedder().embed([lead(d) for d in pair])
    alone = story_distances(pair, vectors, background=0)[0, 1]
    default = story_distances(pair, vectors)[0, 1]
    day = story_distances(MIXED_DAY, HashingEmbedder().embed([lead(d) for d in MIXED_DAY]))
    assert default < alone
    assert abs(default - day[0, 2]) < abs(alone - day[0, 2])


def test_lead_is_the_title_and_the_first_sentences() -> None:
    text = "One. Two? Three! Four. " + "word " * 300
    assert lead(doc("x", "X", "Title here", text)) == "Title here One. Two? Three!"
    assert len(lead(doc("y", "Y", None, "word " * 300)).split()) == 100


def test_single_story_holds_every_document() -> None:
    story = single_story(MIXED_DAY)
    assert story.doc_ids == tuple(d.id for d in MIXED_DAY)
    assert story.id == story_id([d.id for d in MIXED_DAY])


def test_story_mode_accepts_plain_strings() -> None:
    assert StoryMode("none") is StoryMode.NONE
    with pytest.raises(ValueError):
        StoryMode("sometimes")


# ---- the pipeline ----------------------------------------------------------------------------


def test_compare_pairs_claims_only_within_a_story() -> None:
    auto = compare(MIXED_DAY, by="outlet", stories="auto")
    none = compare(MIXED_DAY, by="outlet", stories=StoryMode.NONE)
    story_of_doc = {d: s for s, d in zip(auto.claims["story"], auto.claims["doc_id"], strict=True)}
    assert auto.pairs["story"].nunique() == 2  # the quake's tolls are still compared
    assert all(
        story_of_doc[a] == story_of_doc[b] == story
        for a, b, story in zip(auto.pairs["doc_a"], auto.pairs["doc_b"], auto.pairs["story"], strict=True)
    )  # fmt: skip
    topics = {d.id: d.id.split("-")[0] for d in MIXED_DAY}
    crossing = [
        (a, b) for a, b in zip(none.pairs["doc_a"], none.pairs["doc_b"], strict=True)
        if topics[a] != topics[b]
    ]  # fmt: skip
    assert crossing, "without stories, the quake's death toll is paired with the ferry's"
    assert set(auto.pairs["claim_id_a"] + auto.pairs["claim_id_b"]) < set(
        none.pairs["claim_id_a"] + none.pairs["claim_id_b"]
    )
    assert auto.options["stories"] == "auto" and auto.options["story_count"] == 2
    assert none.options["story_count"] == 1
    assert none.claims["story"].nunique() == 1


APART = (
    "the 2 documents tell 2 different stories, none with claims from two sources: nothing to "
    "compare (with stories set to none, claims are paired across stories)"
)


def test_two_stories_of_one_source_each_have_nothing_to_compare() -> None:
    # Not "no divergences": nothing was compared, and the message says why.
    with pytest.raises(NothingToCompare) as info:
        compare([QUAKE_REUTERS, FERRY_BBC], by="outlet")
    assert str(info.value) == APART
    across = compare([QUAKE_REUTERS, FERRY_BBC], by="outlet", stories="none")
    assert across.options["story_count"] == 1
    assert set(across.claims["outlet"]) == {"Reuters", "BBC"}


def test_report_carries_story_columns_at_the_end() -> None:
    report = compare(MIXED_DAY, by="outlet")
    assert list(report.claims.columns) == CLAIM_COLUMNS
    assert CLAIM_COLUMNS[-2:] == ["story", "story_label"]
    assert list(report.pairs.columns) == PAIR_COLUMNS
    assert PAIR_COLUMNS[-2:] == ["story", "story_label"]
    assert list(report.stories.columns) == STORY_COLUMNS
    stories = report.stories.set_index("story")
    assert set(stories.index) == set(report.claims["story"])
    assert stories["documents"].tolist() == [2, 2]
    assert stories["sources"].tolist() == [2, 2]
    assert stories["claims"].sum() == len(report.claims)
    labels = dict(zip(report.claims["story"], report.claims["story_label"], strict=True))
    assert labels == stories["label"].to_dict()


def test_build_report_without_stories_leaves_the_columns_empty() -> None:
    report = compare(MIXED_DAY, by="outlet")
    plain = build_report([], [], [], [], by="outlet", threshold=0.5)
    assert list(plain.claims.columns) == CLAIM_COLUMNS
    assert list(plain.stories.columns) == STORY_COLUMNS and plain.stories.empty
    assert isinstance(report.stories, pd.DataFrame)


def test_compare_rejects_an_unknown_story_mode_or_side_in_one_line() -> None:
    # As the nightly job does: a user's mistake, not a ValueError from deep inside.
    with pytest.raises(InputError) as info:
        compare(MIXED_DAY, stories="sometimes")
    assert str(info.value) == "invalid stories 'sometimes': expected auto or none"
    with pytest.raises(InputError) as info:
        compare(MIXED_DAY, by="outlets")
    assert str(info.value) == "invalid by 'outlets': expected speaker or outlet"


# ---- the command line ------------------------------------------------------------------------


@pytest.fixture
def mixed_day(tmp_path: Path) -> Path:
    path = tmp_path / "day.jsonl"
    rows = [
        {"id": d.id, "source": d.source, "title": d.title, "text": d.text, "published": d.published}
        for d in MIXED_DAY
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["auto", "none"])
def test_diff_stories_option(mixed_day: Path, mode: str) -> None:
    args = ["diff", str(mixed_day), "--by", "outlet", "--all", "-f", "jsonl", "--stories", mode]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert rows and all(list(r)[-2:] == ["story", "story_label"] for r in rows)
    crossing = [r for r in rows if r["doc_a"].split("-")[0] != r["doc_b"].split("-")[0]]
    assert (not crossing) if mode == "auto" else crossing
    assert len({r["story"] for r in rows}) == (2 if mode == "auto" else 1)


def test_diff_of_two_stories_says_nothing_was_compared(tmp_path: Path) -> None:
    paths = []
    for d in (QUAKE_REUTERS, FERRY_BBC):
        paths.append(tmp_path / f"{d.id}.txt")
        paths[-1].write_text(f"{d.title}\n\n{d.text}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", *map(str, paths), "--by", "outlet"])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"divergence: {APART}\n"


def test_diff_stories_option_is_checked() -> None:
    result = CliRunner().invoke(cli, ["diff", "x.jsonl", "--stories", "maybe"])
    assert result.exit_code == 2
    assert "Invalid value for '--stories'" in result.output


# ---- the real model ------------------------------------------------------------------------


@pytest.mark.integration
def test_real_model_separates_three_events_told_by_several_outlets() -> None:
    marapi_a = doc(
        "marapi-guardian", "Guardian", "Indonesia's Marapi volcano erupts",
        "Mount Marapi on Sumatra erupted on Sunday, sending a column of ash three kilometres "
        "high. Eleven climbers were found dead near the crater, rescuers said.",
    )  # fmt: skip
    marapi_b = doc(
        "marapi-post", "Jakarta Post", "Hikers killed as Sumatran volcano spews ash",
        "Search teams in West Sumatra recovered the bodies of hikers caught by the eruption of "
        "Marapi. Twelve people are still missing on the mountain, police said.",
    )  # fmt: skip
    docs = [QUAKE_REUTERS, marapi_a, FERRY_BBC, QUAKE_AP, marapi_b, FERRY_AFP]
    embedder_stories = find_stories(docs)  # the bundled model (see tests/conftest.py)
    assert members(embedder_stories) == {
        frozenset({"quake-reuters", "quake-ap"}),
        frozenset({"marapi-guardian", "marapi-post"}),
        frozenset({"ferry-bbc", "ferry-afp"}),
    }
    report = compare(docs, by="outlet", scorer="checks")
    assert report.options["story_count"] == 3
    topic = {d.id: d.id.split("-")[0] for d in docs}
    assert all(
        topic[a] == topic[b]
        for a, b in zip(report.pairs["doc_a"], report.pairs["doc_b"], strict=True)
    )
