"""Readers, the deterministic split and the augmentation of divergence.nlidata.

The fixtures in tests/data/nli are small unmodified excerpts of the public datasets
(see tests/data/nli/PROVENANCE.md), so every reader is exercised on real lines.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from divergence.errors import InputError, UnknownFormat
from divergence.nlidata import (
    LABELS,
    NOT_ENTAILMENT,
    LabeledPair,
    augment,
    build_corpus,
    change_number,
    guess_format,
    label_name,
    negate,
    paraphrases,
    read_claimdiff,
    read_nli,
    read_pairs,
    read_sentences,
    read_sick,
    split,
    split_of,
)

NLI = Path(__file__).parent / "data" / "nli"
SNLI = NLI / "snli_dev-sample.jsonl"
MNLI = NLI / "mnli_dev_matched-sample.jsonl"
RTE = NLI / "rte-sample.jsonl"
FEVER = NLI / "fever_symmetric_dev-sample.jsonl"
SICK = NLI / "SICK-sample.txt"
CLAIMDIFF = NLI / "ClaimDiff-weak-train-sample.json"
STS = NLI / "sts-train-sample.csv"
MRPC = NLI / "msr_paraphrase_train-sample.txt"


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def own_split(pair: LabeledPair) -> str:
    """The split a pair belongs to, computed here from its group (not by nlidata.split)."""
    if pair.group.startswith("sick:"):
        return {"sick:TRAIN": "train", "sick:TRIAL": "dev", "sick:TEST": "test"}[pair.group]
    return split_of(pair.group)


# ---------------------------------------------------------------- read_nli


def test_read_nli_premise_hypothesis_label() -> None:
    raw = records(SNLI)
    pairs = read_nli(SNLI)
    assert len(pairs) == len(raw) == 40
    for pair, r in zip(pairs, raw, strict=True):
        assert (pair.a, pair.b, pair.label) == (r["premise"], r["hypothesis"], r["label"])
        assert pair.origin == "snli_dev-sample"
        assert pair.group == pair.a
    assert Counter(p.label for p in pairs) == {"contradiction": 16, "neutral": 13, "entailment": 11}


def test_read_nli_origin_can_be_named() -> None:
    assert {p.origin for p in read_nli(SNLI, origin="snli")} == {"snli"}


def test_read_nli_strips_the_text() -> None:
    pairs = read_nli(MNLI)
    assert len(pairs) == 20
    # The first MNLI hypothesis ends with a space in the file.
    assert records(MNLI)[0]["hypothesis"] == "Everyone really likes the newest benefits "
    assert pairs[0].b == "Everyone really likes the newest benefits"
    assert pairs[0].a == "The new rights are nice enough"
    assert pairs[0].label == "neutral"


def test_read_nli_sentence1_sentence2_gold_label_skips_dashes(tmp_path: Path) -> None:
    rows = [
        {"sentence1": r["premise"], "sentence2": r["hypothesis"], "gold_label": r["label"]}
        for r in records(SNLI)[:6]
    ]
    # SNLI's own files mark pairs without annotator agreement with gold_label "-".
    rows.insert(2, {"sentence1": "A man sleeps.", "sentence2": "A man rests.", "gold_label": "-"})
    path = write_jsonl(tmp_path / "snli_1.0_dev.jsonl", rows)
    pairs = read_nli(path)
    assert len(pairs) == 6
    assert "A man sleeps." not in {p.a for p in pairs}
    assert [(p.a, p.b, p.label) for p in pairs] == [
        (r["premise"], r["hypothesis"], r["label"]) for r in records(SNLI)[:6]
    ]


def test_read_nli_a_b_label(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "pairs.jsonl", [{"a": "X is up.", "b": "X is down.", "label": "CONTRADICTION"}]
    )
    assert read_nli(path) == [
        LabeledPair("X is up.", "X is down.", "contradiction", "pairs", "X is up.")
    ]


def test_read_nli_fever_evidence_is_the_premise_and_text_is_detokenised() -> None:
    raw = records(FEVER)
    pairs = read_nli(FEVER)
    assert len(pairs) == 10
    assert Counter(p.label for p in pairs) == {"contradiction": 7, "entailment": 3}
    lost = pairs[3]
    assert raw[3]["claim"] == "Lost is a political party ."
    assert lost.a == (
        "Lost is an American television drama series that originally aired on the American "
        "Broadcasting Company (ABC) from September 22, 2004, to May 23, 2010, over six seasons, "
        "comprising a total of 121 episodes."
    )
    assert lost.b == "Lost is a political party."
    assert lost.label == "contradiction"  # REFUTES
    assert lost.group == lost.a
    assert pairs[1].b == "The Cretaceous ended."
    assert pairs[1].label == "entailment"  # SUPPORTS
    for pair in pairs:
        for text in (pair.a, pair.b):
            assert "-LRB-" not in text and "-RRB-" not in text
            assert " ." not in text and " ," not in text


def test_read_nli_rte_keeps_not_entailment() -> None:
    pairs = read_nli(RTE)
    assert Counter(p.label for p in pairs) == {"entailment": 6, NOT_ENTAILMENT: 4}
    assert pairs[0] == LabeledPair(
        "No Weapons of Mass Destruction Found in Iraq Yet.",
        "Weapons of Mass Destruction Found in Iraq.",
        NOT_ENTAILMENT,
        "rte-sample",
        "No Weapons of Mass Destruction Found in Iraq Yet.",
    )


def test_read_nli_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        SNLI.read_text(encoding="utf-8").splitlines()[0] + "\n{oops\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as e:
        read_nli(path)
    assert str(e.value) == (
        f"{path}:2: invalid JSON: Expecting property name enclosed in double quotes"
    )


def test_read_nli_missing_fields(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"premise": "A dog runs.", "label": "neutral"}])
    with pytest.raises(InputError) as e:
        read_nli(path)
    assert str(e.value) == f"{path}:1: needs a premise, a hypothesis and a label"


def test_read_nli_unknown_label(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "bad.jsonl", [{"premise": "A.", "hypothesis": "B.", "label": "maybe"}]
    )
    with pytest.raises(InputError, match=r"^unknown label 'maybe' \(expected one of "):
        read_nli(path)


# ---------------------------------------------------------------- read_sick


def test_read_sick_keeps_its_sets_as_groups() -> None:
    pairs = read_sick(SICK)
    assert len(pairs) == 30
    assert Counter(p.group for p in pairs) == {"sick:TRAIN": 10, "sick:TRIAL": 10, "sick:TEST": 10}
    assert {p.origin for p in pairs} == {"sick"}
    assert {p.label for p in pairs} <= set(LABELS)
    assert pairs[0] == LabeledPair(
        "A group of kids is playing in a yard and an old man is standing in the background",
        "A group of boys in a yard is playing and a man is standing in the background",
        "neutral",
        "sick",
        "sick:TRAIN",
    )
    assert pairs[10].group == "sick:TRIAL"
    assert pairs[10].label == "contradiction"
    assert pairs[10].b == "There is no boy playing outdoors and there is no man smiling"
    # The file has CRLF line ends: nothing of them may leak into the text.
    assert not any("\r" in p.a or "\r" in p.b for p in pairs)


# ---------------------------------------------------------------- read_claimdiff


def test_read_claimdiff_relation_and_topic() -> None:
    raw = json.loads(CLAIMDIFF.read_text(encoding="utf-8"))["data"]
    pairs = read_claimdiff(CLAIMDIFF)
    assert len(pairs) == len(raw) == 12
    for pair, r in zip(pairs, raw, strict=True):
        assert pair.a == r["claim_a"] and pair.b == r["claim_b"]
        assert pair.label == {1: "contradiction", 0: "neutral"}[r["relation"]]
        assert pair.group == f"claimdiff:{r['topic']}"
        assert pair.origin == "claimdiff"
    assert Counter(p.label for p in pairs) == {"contradiction": 6, "neutral": 6}
    assert {p.group for p in pairs} == {
        "claimdiff:Clinton’s Post-DNC Bounce",
        "claimdiff:Parents of Otto Warmbier Denounce Trump Comments, Say Kim Jong Un Is "
        "Responsible for Son's Death",
    }


def test_read_claimdiff_accepts_a_bare_list(tmp_path: Path) -> None:
    raw = json.loads(CLAIMDIFF.read_text(encoding="utf-8"))["data"]
    path = tmp_path / "claimdiff-list.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert read_claimdiff(path) == read_claimdiff(CLAIMDIFF)


# ---------------------------------------------------------------- read_pairs


@pytest.mark.parametrize(
    ("path", "fmt", "count"), [(SNLI, "nli", 40), (SICK, "sick", 30), (CLAIMDIFF, "claimdiff", 12)]
)
def test_read_pairs_by_format(path: Path, fmt: str, count: int) -> None:
    assert len(read_pairs(str(path), fmt)) == count


def test_read_pairs_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.jsonl"
    with pytest.raises(InputError) as e:
        read_pairs(path, "nli")
    assert str(e.value) == f"{path}: no such file"


def test_read_pairs_unknown_format() -> None:
    with pytest.raises(UnknownFormat) as e:
        read_pairs(SNLI, "sts")
    assert str(e.value) == "unknown format 'sts' (expected one of nli, nli-2way, claimdiff, sick)"


# ---------------------------------------------------------------- news sentences


def test_read_sentences_sts_main_news_only() -> None:
    sentences = read_sentences(STS, "sts")
    lines = STS.read_text(encoding="utf-8").splitlines()
    captions = [line.split("\t") for line in lines if line.startswith("main-captions")]
    news = [line.split("\t") for line in lines if line.startswith("main-news")]
    assert len(captions) == 4 and len(news) == 20
    # Every main-news sentence here has five words or more and none repeats.
    assert sentences == [s for row in news for s in (row[5], row[6])]
    assert not {s for row in captions for s in (row[5], row[6])} & set(sentences)
    assert "A plane is taking off." not in sentences


def test_read_sentences_mrpc_with_bom() -> None:
    sentences = read_sentences(MRPC, "mrpc")
    assert len(sentences) == 20
    # The first line starts with the file's BOM; its sentences are read all the same.
    assert MRPC.read_bytes().startswith(b"\xef\xbb\xbf1\t702876\t")
    assert sentences[0] == (
        'Amrozi accused his brother, whom he called "the witness", of deliberately '
        "distorting his evidence."
    )
    assert all(not s.startswith("\ufeff") for s in sentences)


def test_read_sentences_drops_short_and_repeated(tmp_path: Path) -> None:
    path = tmp_path / "sts-mini.csv"
    rows = [
        ["main-news", "MSRpar", "2012test", "0001", "3.0", "Too short here.", "The council met on Monday in Cairo."],
        ["main-news", "MSRpar", "2012test", "0002", "3.0", "The council met on Monday in Cairo.", "Four words only here."],
    ]  # fmt: skip
    path.write_text("".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    assert read_sentences(path, "sts") == ["The council met on Monday in Cairo."]


def test_read_sentences_unknown_format() -> None:
    with pytest.raises(UnknownFormat) as e:
        read_sentences(STS, "nli")
    assert str(e.value) == "unknown sentence format 'nli' (expected sts, mrpc, premises)"


def test_paraphrases_are_mrpc_quality_1_as_entailment() -> None:
    rows = [
        line.lstrip("\ufeff").split("\t") for line in MRPC.read_text(encoding="utf-8").splitlines()
    ]
    expected = [(r[3], r[4]) for r in rows if r[0] == "1"]
    pairs = paraphrases(MRPC)
    assert len(expected) == 6
    assert [(p.a, p.b) for p in pairs] == expected
    assert {p.label for p in pairs} == {"entailment"}
    assert {p.origin for p in pairs} == {"mrpc-paraphrase"}
    assert all(p.group == p.a for p in pairs)


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("CONTRADICTION", "contradiction"),
        ("Contradicts", "contradiction"),
        (" REFUTES ", "contradiction"),
        ("ENTAILMENT", "entailment"),
        ("Supports", "entailment"),
        ("entails", "entailment"),
        ("NEUTRAL", "neutral"),
        ("NOT ENOUGH INFO", "neutral"),
        ("NEI", "neutral"),
        ("not_entailment", NOT_ENTAILMENT),
        ("Not Entailment", NOT_ENTAILMENT),
    ],
)
def test_label_name(raw: str, name: str) -> None:
    assert label_name(raw) == name


@pytest.mark.parametrize(("raw", "shown"), [("maybe", "'maybe'"), (2, "2"), ("", "''")])
def test_label_name_unknown(raw: object, shown: str) -> None:
    with pytest.raises(InputError) as e:
        label_name(raw)
    assert str(e.value) == (
        f"unknown label {shown} (expected one of contradiction, contradicts, entailment, "
        "entails, nei, neutral, not enough info, not entailment, not_entailment, refutes, "
        "supports)"
    )


# ---------------------------------------------------------------- split


def test_split_of_is_deterministic_and_about_80_10_10() -> None:
    keys = [f"premise number {i}" for i in range(20000)]
    first = [split_of(k) for k in keys]
    assert first == [split_of(k) for k in keys]
    counts = Counter(first)
    assert set(counts) == {"train", "dev", "test"}
    assert abs(counts["train"] / len(keys) - 0.8) < 0.02
    assert abs(counts["dev"] / len(keys) - 0.1) < 0.02
    assert abs(counts["test"] / len(keys) - 0.1) < 0.02


def test_split_of_fractions() -> None:
    keys = [f"k{i}" for i in range(2000)]
    assert {split_of(k, dev=0.0, test=0.0) for k in keys} == {"train"}
    assert {split_of(k, dev=0.0, test=1.0) for k in keys} == {"test"}
    counts = Counter(split_of(k, dev=0.3, test=0.2) for k in keys)
    assert abs(counts["test"] / len(keys) - 0.2) < 0.04
    assert abs(counts["dev"] / len(keys) - 0.3) < 0.04
    # The test split is stable: it only grows when the test fraction grows.
    small = {k for k in keys if split_of(k, test=0.05) == "test"}
    large = {k for k in keys if split_of(k, test=0.2) == "test"}
    assert small and small < large


def test_split_keeps_sicks_own_sets() -> None:
    pairs = read_sick(SICK)
    assert split(pairs, "train") == [p for p in pairs if p.group == "sick:TRAIN"]
    assert split(pairs, "dev") == [p for p in pairs if p.group == "sick:TRIAL"]
    assert split(pairs, "test") == [p for p in pairs if p.group == "sick:TEST"]
    assert len(split(pairs, "dev")) == 10


def test_split_partitions_and_a_premise_never_sits_in_two_splits() -> None:
    # SICK is left out: it keeps its own sets, which share sentences (see the next test).
    pairs = read_nli(SNLI) + read_nli(MNLI) + read_nli(RTE) + read_nli(FEVER)
    parts = {part: split(pairs, part) for part in ("train", "dev", "test")}
    assert sum(len(v) for v in parts.values()) == len(pairs)
    assert all(parts.values())  # the fixtures reach every split
    where: dict[str, set[str]] = defaultdict(set)
    for part, members in parts.items():
        for p in members:
            where[p.a].add(part)
    assert all(len(v) == 1 for v in where.values())
    # SNLI has three hypotheses per premise: they all land together.
    snli = Counter(p.a for p in read_nli(SNLI))
    assert max(snli.values()) == 3


def test_split_follows_sick_sets_even_where_a_premise_is_shared() -> None:
    pairs = read_sick(SICK)
    shared = (
        "A group of children is playing in the house and there is no man standing in the background"
    )
    assert {p.group for p in pairs if p.a == shared} == {"sick:TRAIN", "sick:TEST"}
    assert {
        part for part in ("train", "dev", "test") for p in split(pairs, part) if p.a == shared
    } == {
        "train",
        "test",
    }


# ---------------------------------------------------------------- augmentation


@pytest.mark.parametrize(
    ("sentence", "negated"),
    [
        ("The minister was in Cairo on Monday.", "The minister was not in Cairo on Monday."),
        ("Talks will resume and officials have agreed.", "Talks will not resume and officials have agreed."),
        ("The ministry said the strike had killed 33 people.", "The ministry said the strike had not killed 33 people."),
        # The first auxiliary that is not already negated is the one negated.
        ("He did not say it was true.", "He did not say it was not true."),
    ],
)  # fmt: skip
def test_negate(sentence: str, negated: str) -> None:
    assert negate(sentence) == negated


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials met in Cairo on Monday.",  # no auxiliary
        "The minister was not in Cairo.",  # already negated
        "The minister wasn't in Cairo.",
        "The talks didn't resume.",
        "They cannot agree.",
    ],
)
def test_negate_nothing_to_negate(sentence: str) -> None:
    assert negate(sentence) is None


def test_negate_never_double_negates_a_contraction() -> None:
    # A real MRPC sentence (tests/data/nli/msr_paraphrase_train-sample.txt, last row).
    sentence = '"We can\'t change the past, but we can do a lot about the future," Sheehan said.'
    negated = negate(sentence)
    assert negated is None or "not't" not in negated


def test_change_number_leaves_years_alone() -> None:
    for seed in range(30):
        changed = change_number("In 2019, 40 people died in the floods.", random.Random(seed))
        assert changed is not None
        match = re.fullmatch(r"In 2019, (\d+) people died in the floods\.", changed)
        assert match, changed
        # 40 times one of 0.1, 0.2, 0.5, 1.5, 2, 3
        assert int(match.group(1)) in {4, 8, 20, 60, 80, 120}
    assert change_number("The war began in 1948 and ended in 1949.", random.Random(0)) is None
    assert change_number("No numbers at all here.", random.Random(0)) is None


def test_change_number_keeps_thousands_separators_and_decimals() -> None:
    for seed in range(20):
        changed = change_number("About 1,200 people fled the city.", random.Random(seed))
        assert changed is not None
        match = re.fullmatch(r"About ([\d,]+) people fled the city\.", changed)
        assert match, changed
        value = int(match.group(1).replace(",", ""))
        assert value in {120, 240, 600, 1800, 2400, 3600}
        assert match.group(1) == f"{value:,}"
        decimal = change_number("It cost $2.5 billion.", random.Random(seed))
        assert decimal is not None
        assert re.fullmatch(r"It cost \$\d+\.5 billion\.", decimal)
        assert decimal != "It cost $2.5 billion."


def test_change_number_small_values_always_change() -> None:
    for seed in range(20):
        changed = change_number("Only 1 person came.", random.Random(seed))
        assert changed is not None
        match = re.fullmatch(r"Only (\d+) person came\.", changed)
        assert match and 3 <= int(match.group(1)) <= 10


def test_change_number_keeps_ordinals_well_formed() -> None:
    suffix = {1: "st", 2: "nd", 3: "rd"}
    for seed in range(20):
        changed = change_number(
            "The vote is set for June 26th in the capital.", random.Random(seed)
        )
        if changed is None:
            continue
        for number, ending in re.findall(r"\b(\d+)(st|nd|rd|th)\b", changed):
            n = int(number)
            expected = "th" if 10 <= n % 100 <= 20 else suffix.get(n % 10, "th")
            assert ending == expected, changed


def test_augment_makes_contradictions_deterministically() -> None:
    sentences = read_sentences(STS, "sts")
    first = augment(sentences, seed=3)
    assert first == augment(sentences, seed=3)
    assert first
    assert {p.label for p in first} == {"contradiction"}
    assert {p.origin for p in first} == {"augmented"}
    for p in first:
        assert p.group in sentences
        assert p.group in (p.a, p.b)
        other = p.b if p.a == p.group else p.a
        assert other != p.group
        assert other == negate(p.group) or re.sub(r"\d", "#", other) != other
    # Both directions occur: the edited sentence is not always the hypothesis.
    assert any(p.a == p.group for p in first) and any(p.b == p.group for p in first)
    assert augment(sentences, seed=3, origin="news")[0].origin == "news"


def test_augment_skips_sentences_without_an_edit() -> None:
    assert augment(["Officials met in Cairo on Monday."]) == []
    made = augment(["The minister was in Cairo."], seed=0)
    assert [(p.label, {p.a, p.b}) for p in made] == [
        ("contradiction", {"The minister was in Cairo.", "The minister was not in Cairo."})
    ]


# ---------------------------------------------------------------- build_corpus


def test_build_corpus_rejects_claimdiff() -> None:
    with pytest.raises(InputError) as e:
        build_corpus([(str(CLAIMDIFF), "claimdiff")])
    assert str(e.value) == (
        f"{CLAIMDIFF}: ClaimDiff labels are not NLI labels; use it with evaluate"
    )


def test_build_corpus_never_returns_test_pairs() -> None:
    data = [(SNLI, "nli"), (MNLI, "nli"), (RTE, "nli"), (FEVER, "nli"), (SICK, "sick")]
    everything = [p for path, fmt in data for p in read_pairs(path, fmt)]
    test_pairs = {(p.a, p.b) for p in everything if own_split(p) == "test"}
    assert len(test_pairs) >= 10  # the fixtures do have test pairs to leave out
    train, dev = build_corpus(data, augment_from=[(STS, "sts"), (MRPC, "mrpc")], seed=5)
    assert not {(p.a, p.b) for p in train + dev} & test_pairs
    assert all(own_split(p) == "train" for p in train)
    assert all(own_split(p) == "dev" for p in dev)
    assert {p.origin for p in train} >= {"snli_dev-sample", "sick", "augmented"}
    expected_train = {(p.a, p.b) for p in everything if own_split(p) == "train"}
    assert expected_train <= {(p.a, p.b) for p in train}
    assert {(p.a, p.b) for p in dev} == {(p.a, p.b) for p in everything if own_split(p) == "dev"}
    # Paraphrases come in only from the train side of the split.
    assert all(split_of(p.group) == "train" for p in train if p.origin == "mrpc-paraphrase")


def test_build_corpus_is_deterministic_and_capped() -> None:
    data = [(SNLI, "nli"), (SICK, "sick")]
    augments = [(STS, "sts"), (MRPC, "mrpc")]
    first = build_corpus(data, augment_from=augments, seed=2)
    assert first == build_corpus(data, augment_from=augments, seed=2)
    train, dev = build_corpus(data, augment_from=augments, max_augmented=3, max_dev=4, seed=2)
    # Each generated kind is capped; MRPC's paraphrases (the counterweight) all come in.
    origins = Counter(p.origin for p in train)
    generated = {o: n for o, n in origins.items() if o.startswith("augmented")}
    assert generated and all(n <= 3 for n in generated.values())
    assert origins["mrpc-paraphrase"] == sum(
        split_of(p.group) == "train" for p in paraphrases(MRPC)
    )
    assert len(dev) == 4
    plain, _ = build_corpus(data, augment_from=augments, max_augmented=0, seed=2)
    assert {p.origin for p in plain} == {"snli_dev-sample", "sick", "mrpc-paraphrase"}


# ---------------------------------------------------------------- guess_format


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("snli_1.0_dev.jsonl", "nli"),
        ("data/RTE.JSONL", "nli"),
        ("fever_symmetric_dev.jsonl", "nli"),
        ("SICK.txt", "sick"),
        ("sick_test.TXT", "sick"),
        ("ClaimDiff-weak-train.json", "claimdiff"),
        ("sts-train.csv", "sts"),
        ("sts-dev.csv", "sts"),
        ("msr_paraphrase_train.txt", "mrpc"),
        (SICK.name, "sick"),
        (CLAIMDIFF.name, "claimdiff"),
        (STS.name, "sts"),
        (MRPC.name, "mrpc"),
        (SNLI.name, "nli"),
    ],
)
def test_guess_format(name: str, fmt: str) -> None:
    assert guess_format(name) == fmt


@pytest.mark.parametrize("name", ["pairs.json", "train.csv", "notes.txt", "file.weird", "stsb.csv"])
def test_guess_format_unknown(name: str) -> None:
    with pytest.raises(UnknownFormat) as e:
        guess_format(name)
    assert str(e.value) == f"{name}: cannot tell its format from the name; give FILE:FORMAT"


# ---------------------------------------------------------------- two-way sets and page groups


def test_two_way_sets_read_neutral_as_not_entailment(tmp_path: Path) -> None:
    path = tmp_path / "scitail.jsonl"
    rows = [
        {"premise": "Plants make food.", "hypothesis": "Plants eat.", "label": "neutral"},
        {"premise": "Plants make food.", "hypothesis": "Plants feed.", "label": "entailment"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert [p.label for p in read_pairs(path, "nli-2way")] == [NOT_ENTAILMENT, "entailment"]
    # Read as three-way, the same file keeps its neutral.
    assert [p.label for p in read_pairs(path, "nli")] == ["neutral", "entailment"]


def test_two_way_sets_refuse_a_contradiction_label(tmp_path: Path) -> None:
    path = tmp_path / "med.jsonl"
    path.write_text(
        json.dumps({"premise": "a", "hypothesis": "b", "label": "contradiction"}) + "\n"
    )
    with pytest.raises(InputError) as e:
        read_pairs(path, "nli-2way")
    assert str(e.value) == f"{path}:1: a two-way set has no contradiction label"


def test_pages_group_revisions_of_one_wikipedia_page(tmp_path: Path) -> None:
    path = tmp_path / "vitaminc.jsonl"
    rows = [
        {
            "premise": f"Revision {i} of the page.",
            "hypothesis": "The claim.",
            "label": "entailment",
            "page": "Some_Page",
        }
        for i in range(20)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    pairs = read_nli(path)
    assert {p.group for p in pairs} == {"page:Some_Page"}
    assert len({split_of(p.group) for p in pairs}) == 1  # all on one side of the split


def test_premise_sentences_come_from_train_split_articles_only(tmp_path: Path) -> None:
    path = tmp_path / "fnc.jsonl"
    articles = [
        f"Article number {i} says the minister resigned on Monday after the vote. "
        f"It adds that {i} people protested outside the parliament building."
        for i in range(40)
    ]
    rows = [
        {"premise": a, "hypothesis": "The minister resigned.", "label": "entailment"}
        for a in articles
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    sentences = read_sentences(path, "premises")
    train_articles = [a for a in articles if split_of(a) == "train"]
    assert sentences and len(train_articles) < len(articles)
    assert all(any(s in a for a in train_articles) for s in sentences)
    # The probes read the dev split's articles, which training never sees.
    dev = read_sentences(path, "premises", split="dev")
    dev_articles = [a for a in articles if split_of(a) == "dev"]
    assert dev and all(any(s in a for a in dev_articles) for s in dev)
    assert not set(dev) & set(sentences)
