"""Key terms, pairing of claims across sources, scoring of pairs and the agreement matrix."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from divergence.checks import combine
from divergence.claims import Claim
from divergence.errors import ModelError, UnknownModel
from divergence.pairing import Pair, duplicate_groups, find_pairs, pair_claims, topic_score
from divergence.report import agreement_matrix, build_report
from divergence.scoring import (
    LABELS,
    CheckScorer,
    ContradictionScorer,
    CrossEncoderScorer,
    get_scorer,
    label_columns,
    score_texts,
    softmax,
)
from divergence.terms import key_terms, shared_terms, term_overlap
from tests.fakes import HashingEmbedder


def claim(index: int, outlet: str, text: str, speaker: str | None = None) -> Claim:
    return Claim(
        id=f"{outlet}#{index}",
        doc_id=f"doc-{outlet}",
        outlet=outlet,
        speaker=speaker,
        text=text,
        start=0,
        end=len(text),
        checkworthiness=0.6,
    )


def embed(claims: Sequence[Claim]) -> np.ndarray:
    return HashingEmbedder().embed([c.text for c in claims])


# ---- terms -------------------------------------------------------------------------------


def test_key_terms() -> None:
    text = (
        "Israeli officials said the talks in Cairo had stalled, and 40 people were killed in 2024."
    )
    assert key_terms(text) == [
        "israeli",
        "officials",
        "talks",
        "cairo",
        "stalled",
        "40",
        "people",
        "killed",
        "2024",
    ]


def test_key_terms_lowercase_without_repeats_keeping_short_numbers() -> None:
    assert key_terms("Talks, talks and TALKS: 7 of 9 on Monday") == ["talks", "7", "9", "monday"]
    assert key_terms("") == []
    assert key_terms("He said it was so.") == []


def test_shared_terms_are_fuzzy_for_words_but_exact_for_numbers() -> None:
    a = ["israel", "talks", "truce", "40"]
    b = ["israeli", "talk", "ceasefire", "41"]
    assert shared_terms(a, b) == ["israel", "talks"]
    assert shared_terms(["2024"], ["2024"]) == ["2024"]
    assert shared_terms(["40"], ["400"]) == []
    assert shared_terms(["cairo"], []) == []


def test_term_overlap() -> None:
    assert term_overlap(["israel", "talks"], ["israeli", "talks", "cairo", "monday"]) == 1.0
    assert term_overlap(["israeli", "talks", "cairo", "monday"], ["israel", "talks"]) == 1.0
    assert term_overlap(["cairo", "truce"], ["rafah", "hostages", "truce"]) == 0.5
    assert term_overlap([], ["cairo"]) == 0.0
    assert term_overlap(["cairo"], []) == 0.0


def test_term_overlap_on_claim_texts() -> None:
    a = key_terms("Hamas sources highlighted disagreements over displaced Palestinians.")
    b = key_terms("Israeli officials said displaced Palestinians would not return.")
    overlap = term_overlap(a, b)
    assert 0.0 < overlap < 1.0
    assert overlap == term_overlap(b, a)


# ---- duplicate groups --------------------------------------------------------------------

QUOTE = "Netanyahu said Israel is one step away from victory in Gaza."


def test_duplicate_groups_groups_a_reprinted_quote() -> None:
    claims = [
        claim(1, "Reuters", QUOTE),
        claim(1, "AP", "Talks in Cairo stalled over the return of displaced Palestinians."),
        claim(1, "AFP", QUOTE.replace(".", "!")),
        claim(1, "BBC", "netanyahu said israel is one step away from victory in gaza"),
    ]
    assert duplicate_groups(claims, embed(claims)) == [0, 1, 0, 0]


def test_duplicate_groups_needs_close_wording_not_just_the_same_words() -> None:
    claims = [
        claim(1, "Reuters", "Israel said Hamas rejected the deal."),
        claim(1, "AP", "Hamas said Israel rejected the deal."),  # same bag of words
    ]
    vectors = embed(claims)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0)
    assert duplicate_groups(claims, vectors) == [0, 1]


def test_duplicate_groups_of_distinct_claims() -> None:
    claims = [
        claim(1, "Reuters", "Egyptian media reported significant progress in the talks."),
        claim(1, "AP", "Israeli officials said significant gaps still exist."),
        claim(1, "AFP", "Hamas sources highlighted disagreements over displaced Palestinians."),
    ]
    assert duplicate_groups(claims, embed(claims)) == [0, 1, 2]


# ---- pairing -----------------------------------------------------------------------------

TOPIC_CLAIMS = [
    claim(
        1,
        "Ahram",
        "Talks in Cairo made significant progress on the return of displaced Palestinians.",
    ),
    claim(
        1, "Haaretz", "Significant gaps still exist in the Cairo talks on displaced Palestinians."
    ),
    claim(1, "Jazeera", "Talks in Cairo stalled over the return of displaced Palestinians."),
    claim(
        2, "Ahram", "Cairo talks on displaced Palestinians returning made progress, mediators said."
    ),
    claim(2, "Haaretz", "The Cairo talks on the return of displaced Palestinians stalled again."),
    claim(3, "Ahram", "Rain is expected in London tomorrow afternoon."),
]


def test_pair_claims_never_pairs_a_source_with_itself() -> None:
    vectors = embed(TOPIC_CLAIMS)
    pairs = pair_claims(TOPIC_CLAIMS, vectors, min_similarity=0.0, min_topic=0.0)
    assert pairs
    for pair in pairs:
        assert TOPIC_CLAIMS[pair.a].source() != TOPIC_CLAIMS[pair.b].source()
        assert pair.a < pair.b


def test_pair_claims_pairs_the_same_topic_and_not_the_weather() -> None:
    vectors = embed(TOPIC_CLAIMS)
    pairs = pair_claims(TOPIC_CLAIMS, vectors)
    keys = {(p.a, p.b) for p in pairs}
    assert (0, 1) in keys
    assert (0, 2) in keys
    assert not any(5 in key for key in keys)
    for pair in pairs:
        assert pair.similarity == pytest.approx(float(vectors[pair.a] @ vectors[pair.b]), abs=1e-4)
        assert pair.topic_score == topic_score(pair.similarity, pair.overlap)
        assert "cairo" in pair.topic.split(", ")


def test_pair_claims_by_speaker_and_by_outlet() -> None:
    claims = [
        claim(
            1, "Reuters", "Israeli officials said the Cairo talks had stalled.", "Israeli officials"
        ),
        claim(
            2, "Reuters", "Hamas sources said the Cairo talks had made progress.", "Hamas sources"
        ),
    ]
    vectors = embed(claims)
    by_speaker = pair_claims(claims, vectors)
    assert [(p.a, p.b) for p in by_speaker] == [(0, 1)]
    assert pair_claims(claims, vectors, by="outlet") == []


def test_pair_claims_respects_min_similarity() -> None:
    vectors = embed(TOPIC_CLAIMS)
    everything = pair_claims(TOPIC_CLAIMS, vectors, min_similarity=-1.0, min_topic=-1.0)
    sims = sorted({p.similarity for p in everything})
    assert len(sims) > 2
    cut = (sims[len(sims) // 2 - 1] + sims[len(sims) // 2]) / 2
    kept = pair_claims(TOPIC_CLAIMS, vectors, min_similarity=cut, min_topic=-1.0)
    assert kept
    assert all(p.similarity >= cut for p in kept)
    assert {(p.a, p.b) for p in kept} == {(p.a, p.b) for p in everything if p.similarity >= cut}
    assert pair_claims(TOPIC_CLAIMS, vectors, min_similarity=1.01) == []


def test_pair_claims_respects_min_topic() -> None:
    vectors = embed(TOPIC_CLAIMS)
    strict = pair_claims(TOPIC_CLAIMS, vectors, min_similarity=0.0, min_topic=0.7)
    assert all(p.topic_score >= 0.7 - 1e-4 for p in strict)
    loose = pair_claims(TOPIC_CLAIMS, vectors, min_similarity=0.0, min_topic=0.0)
    assert len(strict) < len(loose)


def _ranked(claims: Sequence[Claim], vectors: np.ndarray, i: int, source: str) -> list[int]:
    """Partners of claim i in one source, best first, as pair_claims ranks them."""
    terms = [key_terms(c.text) for c in claims]
    scored = [
        (topic_score(float(vectors[i] @ vectors[j]), term_overlap(terms[i], terms[j])), j)
        for j, c in enumerate(claims)
        if c.source() == source
    ]
    return [j for _, j in sorted(scored, key=lambda t: (-t[0], t[1]))]


@pytest.mark.parametrize("top_k", [1, 2])
def test_pair_claims_keeps_top_k_per_other_source(top_k: int) -> None:
    texts = [
        "Talks in Cairo on displaced Palestinians stalled on Monday.",
        "Cairo talks made progress on hostages and displaced Palestinians.",
        "Mediators in Cairo pushed for a truce on hostages.",
        "Displaced Palestinians returning to Gaza City stalled the Cairo talks.",
    ]
    claims = [claim(i, "Ahram", t) for i, t in enumerate(texts)] + [
        claim(i, "Haaretz", t.replace("Cairo", "Egyptian")) for i, t in enumerate(texts)
    ]
    vectors = embed(claims)
    pairs = pair_claims(claims, vectors, top_k=top_k, min_similarity=-1.0, min_topic=-1.0)
    all_pairs = pair_claims(claims, vectors, top_k=len(claims), min_similarity=-1.0, min_topic=-1.0)
    assert len(all_pairs) == len(texts) ** 2
    assert len(pairs) < len(all_pairs)
    assert len(pairs) <= 2 * len(texts) * top_k
    keys = {(p.a, p.b) for p in pairs}
    for i, c in enumerate(claims):
        other = "Haaretz" if c.outlet == "Ahram" else "Ahram"
        for j in _ranked(claims, vectors, i, other)[:top_k]:
            assert (min(i, j), max(i, j)) in keys  # each claim's own best are kept
    for a, b in keys:  # and every pair is among the best of at least one of its claims
        assert (
            b in _ranked(claims, vectors, a, claims[b].outlet)[:top_k]
            or a in _ranked(claims, vectors, b, claims[a].outlet)[:top_k]
        )


def test_pair_claims_top_k_applies_to_each_other_source() -> None:
    claims = [
        claim(1, "Ahram", "Talks in Cairo stalled over displaced Palestinians."),
        claim(1, "Haaretz", "Talks in Cairo stalled over displaced Palestinians on Monday."),
        claim(1, "Jazeera", "Talks in Cairo stalled over displaced Palestinians again."),
        claim(1, "Times", "Talks in Cairo stalled over displaced Palestinians, officials said."),
    ]
    vectors = embed(claims)
    pairs = pair_claims(claims, vectors, top_k=1, min_similarity=0.0, min_topic=0.0)
    # One partner per other source still reaches every other source.
    assert {(p.a, p.b) for p in pairs} == set(itertools.combinations(range(4), 2))


def test_pair_claims_pairs_only_group_representatives() -> None:
    claims = [
        claim(1, "Reuters", QUOTE),
        claim(1, "AP", QUOTE),
        claim(1, "AFP", "Netanyahu said Israel was far from victory in Gaza, critics argued."),
    ]
    vectors = embed(claims)
    groups = duplicate_groups(claims, vectors)
    assert groups == [0, 0, 2]
    pairs = pair_claims(claims, vectors, groups=groups, min_similarity=0.0, min_topic=0.0)
    assert [(p.a, p.b) for p in pairs] == [(0, 2)]
    ungrouped = pair_claims(claims, vectors, min_similarity=0.0, min_topic=0.0)
    assert (0, 1) in {(p.a, p.b) for p in ungrouped}


def test_pair_claims_is_deterministic() -> None:
    first = pair_claims(TOPIC_CLAIMS, embed(TOPIC_CLAIMS))
    second = pair_claims(list(TOPIC_CLAIMS), embed(TOPIC_CLAIMS))
    assert first == second
    assert first == sorted(first, key=lambda p: (p.a, p.b))
    assert all(isinstance(p, Pair) for p in first)


def test_pair_claims_of_nothing() -> None:
    assert pair_claims([], np.zeros((0, 384), dtype=np.float32)) == []
    assert find_pairs([], np.zeros((0, 384), dtype=np.float32), stories=[]).stats.possible == 0


# ---- stories -----------------------------------------------------------------------------

TOLLS = [
    claim(1, "Reuters", "The earthquake killed 300 people, officials said."),
    claim(1, "AP", "The earthquake killed 157 people, officials said."),
    claim(1, "BBC", "The ferry sinking killed 41 people, officials said."),
    claim(1, "AFP", "The ferry sinking killed 12 people, officials said."),
]
TOLL_STORIES = ["quake", "quake", "ferry", "ferry"]


def test_pair_claims_never_pairs_across_stories() -> None:
    vectors = embed(TOLLS)
    everything = pair_claims(TOLLS, vectors, min_similarity=0.0, min_topic=0.0)
    assert {(p.a, p.b) for p in everything} == set(itertools.combinations(range(4), 2))
    within = pair_claims(TOLLS, vectors, min_similarity=0.0, min_topic=0.0, stories=TOLL_STORIES)
    assert {(p.a, p.b) for p in within} == {(0, 1), (2, 3)}
    # Any hashable story labels; one story for all is pairing without stories.
    assert pair_claims(TOLLS, vectors, stories=[7, 7, 7, 7]) == pair_claims(TOLLS, vectors)


def test_find_pairs_counts_possible_pairs_within_stories() -> None:
    vectors = embed(TOLLS)
    assert find_pairs(TOLLS, vectors).stats.possible == 6
    stats = find_pairs(TOLLS, vectors, stories=TOLL_STORIES).stats
    assert stats.possible == 2
    assert stats.pairs <= 2
    with pytest.raises(ValueError, match="3 stories given for 4 claims"):
        find_pairs(TOLLS, vectors, stories=TOLL_STORIES[:3])


def test_duplicate_groups_stay_within_a_story() -> None:
    claims = [
        claim(1, "Reuters", "The death toll is expected to rise, officials said."),
        claim(1, "AP", "The death toll is expected to rise, officials said."),
        claim(1, "BBC", "The death toll is expected to rise, officials said!"),
    ]
    vectors = embed(claims)
    assert duplicate_groups(claims, vectors) == [0, 0, 0]
    assert duplicate_groups(claims, vectors, stories=["quake", "ferry", "quake"]) == [0, 1, 0]


# ---- label columns -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id2label", "columns"),
    [
        ({0: "contradiction", 1: "entailment", 2: "neutral"}, [0, 1, 2]),
        ({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, [2, 0, 1]),
        ({0: "neutral", 1: "contradiction", 2: "entailment"}, [1, 2, 0]),
        ({"0": "Contradiction", "1": "Neutral", "2": "Entailment"}, [0, 2, 1]),
        ({2: "entailment", 0: "contradiction", 1: "neutral"}, [0, 2, 1]),
        ({0: "contradict", 1: "entails", 2: "neutral "}, [0, 1, 2]),
    ],
)
def test_label_columns_by_name(id2label: dict[int, str], columns: list[int]) -> None:
    assert label_columns(id2label) == columns
    names = [str(id2label[k]).lower() for k in sorted(id2label, key=int)]
    assert [names[c][:6] for c in columns] == [label[:6] for label in LABELS]


@pytest.mark.parametrize(
    ("id2label", "message"),
    [
        (
            {0: "entailment", 1: "neutral"},
            "model labels (entailment, neutral) do not name exactly one 'contradiction' label",
        ),
        (
            {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
            "model labels (LABEL_0, LABEL_1, LABEL_2) do not name exactly one 'contradiction' label",
        ),
        (
            {0: "contradiction", 1: "neutral", 2: "not_entailment"},
            "model labels (contradiction, neutral, not_entailment) do not name exactly one "
            "'entailment' label",
        ),
        (
            {0: "contradiction", 1: "contradicts", 2: "entailment", 3: "neutral"},
            "model labels (contradiction, contradicts, entailment, neutral) do not name exactly "
            "one 'contradiction' label",
        ),
    ],
)
def test_label_columns_missing_label(id2label: dict[int, str], message: str) -> None:
    with pytest.raises(ModelError) as info:
        label_columns(id2label)
    assert str(info.value) == message


def test_softmax_rows() -> None:
    logits = np.array([[0.0, 0.0, 0.0], [1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    probs = softmax(logits)
    assert probs.shape == (3, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(probs[0], [1 / 3] * 3)
    np.testing.assert_allclose(probs[1], [1.0, 0.0, 0.0], atol=1e-12)
    assert list(np.argsort(probs[2])) == [0, 1, 2]


# ---- CheckScorer -------------------------------------------------------------------------

PAIRS = [
    (
        "At least 40 people were killed in the strike.",
        "At least 33 people were killed in the strike.",
    ),
    ("Hamas accepted the proposal.", "Hamas accepted the proposal."),
    ("The talks resumed in Cairo.", "Rain is expected in London tomorrow."),
    (
        "Egyptian media reported significant progress in the talks.",
        "Israeli officials said significant gaps still exist in the talks.",
    ),
    ("Talks resumed on Monday.", "Talks resumed on Tuesday."),
    ("Hamas accepted the proposal.", "Hamas did not accept the proposal."),
    ("", ""),
]


def test_check_scorer_rows_are_distributions() -> None:
    probs = CheckScorer().predict(PAIRS)
    assert probs.shape == (len(PAIRS), 3)
    assert probs.dtype == np.float64
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert ((probs >= 0.0) & (probs <= 1.0)).all()


def test_check_scorer_columns() -> None:
    probs = CheckScorer().predict(PAIRS[:3])
    contradiction, entailment, neutral = (
        LABELS.index("contradiction"),
        LABELS.index("entailment"),
        LABELS.index("neutral"),
    )
    assert probs[0, contradiction] > 0.5  # 40 vs 33
    assert probs[1, entailment] == pytest.approx(1.0)  # the same sentence
    assert probs[2, neutral] == pytest.approx(1.0)  # unrelated


def test_check_scorer_batches_and_progress() -> None:
    scorer = CheckScorer()
    scorer.batch_size = 2
    seen: list[int] = []
    probs = scorer.predict(PAIRS, progress=seen.append)
    assert seen == [2, 2, 2, 1]
    np.testing.assert_allclose(probs, CheckScorer().predict(PAIRS))


def test_check_scorer_of_nothing() -> None:
    assert CheckScorer().predict([]).shape == (0, 3)


# ---- score_texts -------------------------------------------------------------------------


class FixedScorer(ContradictionScorer):
    """Returns the same probabilities for every pair."""

    def __init__(self, row: tuple[float, float, float]) -> None:
        self.row = row

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        return np.array([self.row] * len(pairs), dtype=np.float64).reshape(-1, 3)


def test_score_texts_labels_a_divergent_pair_contradiction() -> None:
    (score,) = score_texts(PAIRS[:1], scorer=CheckScorer())
    assert score.label == "contradiction"
    # A reprint with one number changed: an edit, and the numeric check agrees.
    assert score.kind in ("edit", "numeric")
    assert {"numeric"} <= {f.kind.value for f in score.findings}
    assert score.divergence >= 0.5
    assert all(f.spans_a[0].text == "40" for f in score.findings)
    assert score.p_contradiction + score.p_entailment + score.p_neutral == pytest.approx(
        1.0, abs=1e-3
    )


def test_score_texts_never_labels_a_divergent_pair_entailment() -> None:
    # The model is sure the pair agrees; the typed checks say otherwise.
    (score,) = score_texts(PAIRS[:1], scorer=FixedScorer((0.05, 0.9, 0.05)))
    assert score.p_entailment == pytest.approx(0.9)
    assert score.label == "contradiction"
    assert {"numeric"} <= {f.kind.value for f in score.findings}
    assert score.divergence == pytest.approx(combine(score.findings))


def test_score_texts_model_only_contradiction() -> None:
    (score,) = score_texts(
        [("The talks resumed in Cairo.", "Delegations returned to Cairo for talks.")],
        scorer=FixedScorer((0.7, 0.2, 0.1)),
    )
    assert score.findings == ()
    assert score.label == "contradiction"
    assert score.kind == "contradiction"
    assert score.divergence == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("row", "label"), [((0.1, 0.6, 0.3), "entailment"), ((0.1, 0.3, 0.6), "neutral")]
)
def test_score_texts_agreeing_pairs(row: tuple[float, float, float], label: str) -> None:
    (score,) = score_texts([PAIRS[1]], scorer=FixedScorer(row))
    assert score.label == label
    assert score.kind is None
    assert score.divergence == pytest.approx(0.1)


def test_score_texts_threshold() -> None:
    pair = [("Talks resumed on Monday.", "Talks resumed on Tuesday.")]  # a date finding, 0.55
    low = score_texts(pair, scorer=FixedScorer((0.1, 0.6, 0.3)))[0]
    high = score_texts(pair, scorer=FixedScorer((0.1, 0.6, 0.3)), threshold=0.99)[0]
    # The date check and the edited-reprint check (Monday vs Tuesday) add up, noisy-or.
    assert low.divergence == high.divergence == pytest.approx(combine(low.findings), abs=1e-4)
    assert {f.kind.value for f in low.findings} == {"date", "edit"}
    assert low.label == "contradiction"
    assert high.label == "entailment"
    assert high.kind in ("edit", "date")  # the findings are still reported


def test_score_texts_uses_speakers() -> None:
    pair = [
        (
            "Hamas said the talks had stalled over displaced Palestinians.",
            "Qatar said the talks had stalled over displaced Palestinians.",
        )
    ]
    without = score_texts(pair, scorer=CheckScorer())[0]
    with_speakers = score_texts(pair, scorer=CheckScorer(), speakers=[("Hamas", "Qatar")])[0]
    assert without.findings == ()
    assert [f.kind.value for f in with_speakers.findings] == ["attribution"]
    assert with_speakers.kind == "attribution"


# ---- get_scorer --------------------------------------------------------------------------


def test_get_scorer_unknown_name() -> None:
    with pytest.raises(UnknownModel) as info:
        get_scorer("nope")
    message = str(info.value)
    assert (
        message == "unknown scorer 'nope' (known: checks, divergence-nli, divergence-nli-int8, "
        "divergence-nli-onnx; or a model folder or CrossEncoder path)"
    )
    assert isinstance(info.value, ModelError)
    assert isinstance(info.value, KeyError)


def test_get_scorer_default_and_registered() -> None:
    assert isinstance(get_scorer(), CheckScorer)
    assert isinstance(get_scorer("checks"), CheckScorer)


def test_get_scorer_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIVERGENCE_SCORER", "nope-from-env")
    with pytest.raises(UnknownModel, match="'nope-from-env'"):
        get_scorer()
    assert isinstance(get_scorer("checks"), CheckScorer)  # an explicit name wins


def test_get_scorer_path_is_a_cross_encoder_loaded_lazily(tmp_path: Path) -> None:
    scorer = get_scorer(str(tmp_path))
    assert isinstance(scorer, CrossEncoderScorer)
    assert scorer.name == str(tmp_path)
    assert scorer._model is None
    hub = get_scorer("cross-encoder/nli-deberta-v3-small")
    assert isinstance(hub, CrossEncoderScorer)


# ---- report ------------------------------------------------------------------------------


def test_agreement_matrix_is_symmetric_with_ones_on_the_diagonal() -> None:
    pairs = pd.DataFrame(
        [
            {"source_a": "Ahram", "source_b": "Haaretz", "divergence": 0.6},
            {"source_a": "Haaretz", "source_b": "Ahram", "divergence": 0.2},
            {"source_a": "Ahram", "source_b": "Jazeera", "divergence": 0.1},
        ]
    )
    sources = ["Ahram", "Haaretz", "Jazeera", "Times"]
    matrix = agreement_matrix(pairs, sources)
    assert list(matrix.index) == list(matrix.columns) == sources
    assert matrix.index.name == "source"
    values = matrix.to_numpy()
    np.testing.assert_array_equal(np.isnan(values), np.isnan(values.T))
    mask = ~np.isnan(values)
    np.testing.assert_allclose(values[mask], values.T[mask])
    assert all(matrix.loc[s, s] == 1.0 for s in sources)
    assert matrix.loc["Ahram", "Haaretz"] == pytest.approx(1 - (0.6 + 0.2) / 2)
    assert matrix.loc["Jazeera", "Ahram"] == pytest.approx(0.9)
    assert math.isnan(matrix.loc["Haaretz", "Jazeera"])
    assert math.isnan(matrix.loc["Times", "Ahram"])


def test_agreement_matrix_without_pairs() -> None:
    empty = pd.DataFrame(columns=["source_a", "source_b", "divergence"])
    matrix = agreement_matrix(empty, ["A", "B"])
    assert matrix.loc["A", "A"] == matrix.loc["B", "B"] == 1.0
    assert math.isnan(matrix.loc["A", "B"]) and math.isnan(matrix.loc["B", "A"])


def test_build_report_end_to_end() -> None:
    claims = [
        claim(1, "Ahram", "Egyptian media reported significant progress in the Cairo talks."),
        claim(
            1, "Haaretz", "Israeli officials said significant gaps still exist in the Cairo talks."
        ),
        claim(1, "Jazeera", "Egyptian media reported significant progress in the Cairo talks."),
    ]
    vectors = embed(claims)
    groups = duplicate_groups(claims, vectors)
    pairs = pair_claims(claims, vectors, groups=groups)
    scores = score_texts(
        [(claims[p.a].text, claims[p.b].text) for p in pairs], scorer=CheckScorer()
    )
    report = build_report(claims, groups, pairs, scores, by="outlet", threshold=0.5)
    assert groups == [0, 1, 0]
    assert list(report.claims["group"]) == ["Ahram#1", "Haaretz#1", "Ahram#1"]
    assert len(report.pairs) == 1
    row = report.pairs.iloc[0]
    assert (row["source_a"], row["source_b"]) == ("Ahram", "Haaretz")
    assert row["kind"] == "certainty"
    assert bool(row["flagged"])
    assert row["evidence_a"] == "significant progress"
    assert row["evidence_b"] == "significant gaps still exist"
    assert len(report.divergences) == 1
    summary = report.summary
    assert summary.loc["Ahram", "Haaretz"] == summary.loc["Haaretz", "Ahram"]
    assert summary.loc["Ahram", "Haaretz"] == pytest.approx(1 - row["divergence"])
    assert report.sources == ["Ahram", "Haaretz", "Jazeera"]
