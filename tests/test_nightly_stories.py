"""Stories in the nightly job: claims are paired only within the story (event) of their
documents, each night's grouping is kept in the store, and a version 2 store upgrades.

The two events below are invented for these tests (an earthquake, a ferry): their claims
look alike ("At least N people were killed in the ..., X said"), so a night without
stories flags the earthquake's toll against the ferry's.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from divergence.cli import cli
from divergence.documents import Document
from divergence.errors import InputError, StoreError
from divergence.nightly import REPORT_MODULE, NightlyResult, run_nightly
from divergence.store import MIGRATIONS, Store, document_hash, expected_columns
from divergence.stories import (
    LEAD_WORDS,
    TERM_WORDS,
    _term_text,
    find_stories,
    head,
    lead,
    story_id,
)
from tests.fakes import CountingEmbedder, HashingEmbedder

DAY = "2024-05-14"
QUAKE_A = {
    "id": "quake-1", "source": "Valley Post", "published": DAY,
    "title": "Earthquake shakes northern Nepal",
    "text": "A strong earthquake shook the hills of northern Nepal on Tuesday. At least 300 "
            "people were killed in the earthquake, the army said. Rescue teams dug through "
            "collapsed houses near Jumla.",
}  # fmt: skip
QUAKE_B = {
    "id": "quake-2", "source": "Mountain Herald", "published": DAY,
    "title": "Nepal earthquake toll",
    "text": "The earthquake in northern Nepal killed 120 people, the interior ministry said. "
            "Villages near Jumla were cut off by landslides.",
}  # fmt: skip
FERRY = {
    "id": "ferry-1", "source": "Coast Times", "published": DAY,
    "title": "Ferry capsizes off Zanzibar",
    "text": "A crowded passenger ferry capsized off the coast of Zanzibar on Tuesday. At least "
            "41 people were killed in the sinking, the coast guard said. Divers searched the "
            "wreck for survivors.",
}  # fmt: skip
DOCS = [QUAKE_A, QUAKE_B, FERRY]
NIGHTLY = Path(__file__).parent / "data" / "nightly"
N1, N2 = "2024-04-08", "2024-04-09"


@pytest.fixture(autouse=True)
def no_html_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, REPORT_MODULE, None)  # the job alone, as test_nightly


def run(tmp_path: Path, docs: Any = None, *, day: str = DAY, **kwargs: Any) -> NightlyResult:
    kwargs.setdefault("scorer", "checks")
    return run_nightly(DOCS if docs is None else docs, db=tmp_path / "news.db",
                       out=tmp_path / "out", date=day, **kwargs)  # fmt: skip


def sql(path: Path, statement: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        return conn.execute(statement).fetchall()


def event(doc_id: object) -> str:
    return str(doc_id).split("-")[0]


def hashes(*docs: dict[str, str]) -> list[str]:
    return [document_hash(d["source"], d["text"]) for d in docs]


def grouping(db: Path, day: str = DAY) -> dict[str, tuple[str, str]]:
    """Each document's input id, with its story and label, on ``day``."""
    rows = sql(db, "SELECT d.id, s.story, s.label FROM document_stories s JOIN documents d"
                   f" ON d.hash = s.doc_hash WHERE s.date = '{day}'")  # fmt: skip
    return {r[0]: (r[1], r[2]) for r in rows}


# ---- pairing within stories ----------------------------------------------------------------


def test_unrelated_events_are_two_stories_and_never_paired(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.counts["stories_window"] == 2
    pairs = list(zip(result.findings["doc_a"], result.findings["doc_b"], strict=True))
    assert pairs == [("quake-2", "quake-1")]  # the tolls within the earthquake: 120 vs 300
    row = result.findings.iloc[0]
    assert row["story"] == story_id(hashes(QUAKE_A, QUAKE_B))
    assert "Nepal" in row["story_label"]
    assert list(result.findings.columns[:4]) == ["finding_id", "status", "story", "story_label"]


def test_stories_none_pairs_across_events_as_before(tmp_path: Path) -> None:
    result = run(tmp_path, stories="none")
    assert result.counts["stories_window"] == 1
    assert result.summary["options"]["stories"] == "none"
    crossing = [(a, b) for a, b in zip(result.findings["doc_a"], result.findings["doc_b"],
                                       strict=True) if event(a) != event(b)]  # fmt: skip
    assert crossing == [("ferry-1", "quake-1")]  # 41 killed in the sinking vs 300 in the quake
    one = (story_id(hashes(*DOCS)), result.findings["story_label"][0])
    assert set(zip(result.findings["story"], result.findings["story_label"], strict=True)) == {one}
    assert set(grouping(tmp_path / "news.db").values()) == {one}


def test_an_unknown_stories_mode_is_refused() -> None:
    with pytest.raises(InputError) as info:
        run_nightly([], db=":memory:", date=DAY, stories="some")
    assert str(info.value) == "invalid stories 'some': expected auto or none"
    with pytest.raises(InputError) as info:
        run_nightly([], db=":memory:", date=DAY, by="outlets")
    assert str(info.value) == "invalid by 'outlets': expected speaker or outlet"


# ---- the store keeps the grouping ----------------------------------------------------------


def test_the_store_keeps_each_nights_grouping(tmp_path: Path) -> None:
    result = run(tmp_path)
    db = tmp_path / "news.db"
    found = grouping(db)
    assert found["quake-1"] == found["quake-2"] != found["ferry-1"]
    assert found["quake-1"][0] == story_id(hashes(QUAKE_A, QUAKE_B))
    assert found["ferry-1"][0] == story_id(hashes(FERRY))
    with Store(db, readonly=True) as store:
        stories = store.stories(DAY)
        assert sorted(zip(stories["story"], stories["documents"], strict=True)) == sorted(
            [(found["quake-1"][0], 2), (found["ferry-1"][0], 1)]
        )
        night = store.findings(DAY)
        assert night["story"].tolist() == result.findings["story"].tolist()
        assert night["story_label"].tolist() == result.findings["story_label"].tolist()
        assert store.findings()["story"].tolist() == result.findings["story"].tolist()
        assert store.documents_by_hash(hashes(FERRY))[hashes(FERRY)[0]].head == head(FERRY["text"])


def test_the_same_inputs_give_the_same_stories(tmp_path: Path) -> None:
    first = run(tmp_path / "a")
    reordered = run(tmp_path / "b", DOCS[::-1])
    assert grouping(tmp_path / "a" / "news.db") == grouping(tmp_path / "b" / "news.db")
    pd.testing.assert_frame_equal(first.findings, reordered.findings)
    again = run(tmp_path / "a")  # the same night again: the same rows, replaced
    assert grouping(tmp_path / "a" / "news.db") == grouping(tmp_path / "b" / "news.db")
    pd.testing.assert_frame_equal(again.findings, first.findings)


def test_the_grouping_is_find_stories_on_the_whole_documents(tmp_path: Path) -> None:
    """The store keeps only each document's head; the stories are those of the full text."""
    long = {**FERRY, "id": "ferry-2", "source": "Island Daily",
            "text": FERRY["text"] + " The harbour stayed closed." * 150}  # fmt: skip
    docs = [*DOCS, long]
    run(tmp_path, docs)
    expected = find_stories(
        [Document(id=document_hash(d["source"], d["text"]), source=d["source"], text=d["text"],
                  title=d["title"], published=d["published"]) for d in docs],
        embedder=HashingEmbedder(),
    )  # fmt: skip
    stored = sql(tmp_path / "news.db", f"SELECT doc_hash, story, label FROM document_stories"
                                       f" WHERE date = '{DAY}'")  # fmt: skip
    assert {r[0]: (r[1], r[2]) for r in stored} == {
        h: (s.id, s.label) for s in expected for h in s.doc_ids
    }
    assert len(expected) == 2


def test_leads_are_embedded_once_and_kept(tmp_path: Path) -> None:
    embedder = CountingEmbedder()
    run(tmp_path, embedder=embedder)
    leads = [lead(Document(id="x", source=d["source"], text=d["text"], title=d["title"]))
             for d in DOCS]  # fmt: skip
    assert set(leads) <= set(embedder.texts)
    embedder.texts.clear()
    again = run(tmp_path, embedder=embedder)
    assert embedder.texts == [] and again.counts["embeddings_computed"] == 0
    assert again.counts["stories_window"] == 2


# ---- what a head keeps -------------------------------------------------------------------------


def as_doc(text: str, title: str | None = "A title") -> Document:
    return Document(id="d", source="s", text=text, title=title)


LONG_SENTENCE = " ".join(f"word{i}" for i in range(150)) + "."


@pytest.mark.parametrize(
    "text",
    [
        "One sentence.",
        "First one.  Second\n\none!\tThird “quoted.”   Fourth (aside.) Fifth?",
        f"{LONG_SENTENCE} Short one. {LONG_SENTENCE}",
        " ".join(f"Sentence {i} ends here." for i in range(300)),  # 1,200 words
        "  leading and trailing space  \n",
        f"{' '.join(['x'] * 399)} last. {' '.join(['y'] * 50)}",
    ],
)
def test_a_head_gives_the_lead_and_key_terms_of_the_whole_text(text: str) -> None:
    assert TERM_WORDS >= LEAD_WORDS
    whole, cut = as_doc(text), as_doc(head(text))
    assert lead(cut) == lead(whole)
    assert _term_text(cut) == _term_text(whole)
    assert len(head(text).split()) <= TERM_WORDS


words = st.sampled_from(["The", "toll", "rose", "40.", "said.”", "(again.)", "Why?", "no!",
                         "Nepal’s", "…", "a.b", "'quoted.'", "x"])  # fmt: skip
spaces = st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", "\n\n", "\u2003"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(words, spaces), max_size=600), st.none() | st.text(max_size=20))
def test_a_head_reads_as_the_whole_text(parts: list[tuple[str, str]], title: str | None) -> None:
    text = "".join(w + s for w, s in parts)
    whole, cut = as_doc(text, title), as_doc(head(text), title)
    assert lead(cut) == lead(whole)
    assert _term_text(cut) == _term_text(whole)


# ---- a version 2 store -------------------------------------------------------------------------


def test_a_version_2_store_upgrades_in_place_and_a_night_runs_on_it(tmp_path: Path) -> None:
    night = lambda day: NIGHTLY / f"{day}.jsonl"  # noqa: E731
    fresh = tmp_path / "fresh"
    run(fresh, night(N1), day=N1)
    expected = run(fresh, night(N2), day=N2)

    old = tmp_path / "old"
    run(old, night(N1), day=N1)
    db = old / "news.db"
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:  # back to what v2 wrote
        conn.execute("DROP TABLE document_stories")
        conn.execute("ALTER TABLE documents DROP COLUMN head")
        conn.execute("PRAGMA user_version = 2")
    v2 = sqlite3.connect(":memory:", isolation_level=None)
    for migration in MIGRATIONS[:2]:
        migration(v2)
    assert [r[1] for r in v2.execute("PRAGMA table_info(documents)")] == [
        r[1] for r in sql(db, "PRAGMA table_info(documents)")
    ]
    v2.close()

    second = run(old, night(N2), day=N2)
    assert sql(db, "PRAGMA user_version") == [(3,)]
    assert {t: [r[1] for r in sql(db, f"PRAGMA table_info({t})")] for t in expected_columns()} == (
        expected_columns()
    )
    # Night 1's documents have no head (their text is rebuilt from their claims); night 2's do.
    assert sql(db, "SELECT first_seen, COUNT(*) FROM documents WHERE head IS NULL"
                   " GROUP BY first_seen") == [(N1, 4)]  # fmt: skip
    assert second.counts["stories_window"] == expected.counts["stories_window"] == 3
    # The same stories (ids are their documents'), labelled from what is left of the text.
    columns = ["finding_id", "status", "story"]
    pd.testing.assert_frame_equal(second.findings[columns], expected.findings[columns])
    assert sql(db, f"SELECT COUNT(*) FROM document_stories WHERE date = '{N2}'") == [(8,)]


# ---- a failed write leaves nothing ---------------------------------------------------------------


def test_the_grouping_is_written_with_the_findings_or_not_at_all(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    Store(db).close()
    sql(db, "CREATE TRIGGER boom BEFORE INSERT ON finding_days BEGIN"
            " SELECT RAISE(ABORT, 'disk on fire'); END")  # fmt: skip
    with pytest.raises(StoreError, match="disk on fire"):
        run(tmp_path)
    assert sql(db, "SELECT COUNT(*) FROM document_stories") == [(0,)]
    assert sql(db, "SELECT status FROM runs") == [("failed",)]
    sql(db, "DROP TRIGGER boom")
    assert run(tmp_path).counts["stories_window"] == 2
    assert len(grouping(db)) == 3


# ---- the command -------------------------------------------------------------------------------


def test_cli_stories_option(tmp_path: Path) -> None:
    inputs = tmp_path / "night.jsonl"
    inputs.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    for mode, crossing in (("auto", False), ("none", True)):
        args = ["nightly", str(inputs), "--db", str(tmp_path / f"{mode}.db"),
                "--out", str(tmp_path / mode), "--date", DAY, "--scorer", "checks",
                "--stories", mode]  # fmt: skip
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 1, result.output
        findings = pd.read_csv(tmp_path / mode / DAY / "findings.csv")
        events = {(event(a), event(b)) for a, b in zip(findings["doc_a"], findings["doc_b"],
                                                       strict=True)}  # fmt: skip
        assert (("ferry", "quake") in events) is crossing
    bad = CliRunner().invoke(cli, ["nightly", str(inputs), "--stories", "all"])
    assert bad.exit_code == 2 and "Invalid value for '--stories'" in bad.stderr
    assert "--stories [auto|none]" in CliRunner().invoke(cli, ["nightly", "-h"]).stdout
