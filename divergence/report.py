"""Stage 5: the report: claims, scored pairs and a source x source agreement matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from divergence.checks import Span
from divergence.claims import Claim
from divergence.findings import findings_frame, group_findings
from divergence.pairing import Pair
from divergence.scoring import Score
from divergence.stories import Story

PAIR_COLUMNS = [
    "topic", "source_a", "claim_a", "source_b", "claim_b", "similarity", "overlap",
    "p_contradiction", "p_entailment", "p_neutral", "label", "kind", "divergence", "flagged",
    "evidence_a", "evidence_b", "note", "speaker_a", "outlet_a", "speaker_b", "outlet_b",
    "claim_id_a", "claim_id_b", "doc_a", "doc_b", "start_a", "end_a", "start_b", "end_b",
    "published_a", "published_b", "spans_a", "spans_b", "story", "story_label",
]  # fmt: skip
CLAIM_COLUMNS = [
    "id", "doc_id", "outlet", "speaker", "source", "text", "start", "end", "checkworthiness",
    "published", "group", "story", "story_label",
]  # fmt: skip
#: One row per story: its id, label, and how many documents, sources and claims it holds.
STORY_COLUMNS = ["story", "label", "documents", "sources", "claims"]


@dataclass
class Report:
    """Everything a comparison found, as DataFrames.

    ``claims``: one row per claim (``group`` is the id of the claim it duplicates, or its own).
    ``pairs``: one row per scored pair, most divergent first; ``divergences`` is the flagged
    subset. ``summary``: source x source agreement (1 - mean divergence of their pairs).
    ``stories``: one row per story (:data:`STORY_COLUMNS`); claims are only paired within
    one, and claims and pairs carry their ``story`` and ``story_label``.
    """

    claims: pd.DataFrame
    pairs: pd.DataFrame
    summary: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)
    #: Seconds per pipeline stage of the run that made this report.
    timings: dict[str, float] = field(default_factory=dict)
    stories: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STORY_COLUMNS))

    @property
    def findings(self) -> pd.DataFrame:
        """The flagged pairs grouped into findings (:mod:`divergence.findings`), best first."""
        return findings_frame(group_findings(self.pairs, self.claims))

    @property
    def divergences(self) -> pd.DataFrame:
        """The flagged pairs only."""
        return self.pairs[self.pairs["flagged"].astype(bool)].reset_index(drop=True)

    @property
    def sources(self) -> list[str]:
        return sorted(self.claims["source"].unique()) if len(self.claims) else []

    def _repr_html_(self) -> str:  # Jupyter shows the report as its HTML page's table
        from divergence.render import render_html_table

        return render_html_table(self)


def _evidence(spans: Sequence[Span]) -> str:
    return "; ".join(dict.fromkeys(s.text for s in spans))


def build_report(
    claims: Sequence[Claim],
    groups: Sequence[int],
    pairs: Sequence[Pair],
    scores: Sequence[Score],
    *,
    by: str,
    threshold: float,
    options: dict[str, Any] | None = None,
    stories: Sequence[Story] | None = None,
) -> Report:
    """Assemble the DataFrames from the pipeline's dataclasses (``stories``: those the
    claims' documents belong to; without them the story columns are empty)."""
    story_of = {doc_id: story for story in stories or () for doc_id in story.doc_ids}
    claim_rows = []
    for claim, group in zip(claims, groups, strict=True):
        row = asdict(claim)
        row["source"] = claim.source(by)
        row["group"] = claims[group].id
        story = story_of.get(claim.doc_id)
        row["story"], row["story_label"] = (story.id, story.label) if story else (None, None)
        claim_rows.append(row)
    claims_df = pd.DataFrame(claim_rows, columns=CLAIM_COLUMNS)

    rows = []
    for pair, score in zip(pairs, scores, strict=True):
        a, b = claims[pair.a], claims[pair.b]
        rows.append({
            "topic": pair.topic,
            "source_a": a.source(by), "claim_a": a.text,
            "source_b": b.source(by), "claim_b": b.text,
            "similarity": pair.similarity, "overlap": pair.overlap,
            "p_contradiction": score.p_contradiction, "p_entailment": score.p_entailment,
            "p_neutral": score.p_neutral, "label": score.label, "kind": score.kind,
            "divergence": score.divergence, "flagged": score.divergence >= threshold,
            "evidence_a": _evidence([s for f in score.findings for s in f.spans_a]),
            "evidence_b": _evidence([s for f in score.findings for s in f.spans_b]),
            "note": "; ".join(f"{f.kind.value}: {f.note}" for f in score.findings),
            "speaker_a": a.speaker, "outlet_a": a.outlet,
            "speaker_b": b.speaker, "outlet_b": b.outlet,
            "claim_id_a": a.id, "claim_id_b": b.id, "doc_a": a.doc_id, "doc_b": b.doc_id,
            "start_a": a.start, "end_a": a.end, "start_b": b.start, "end_b": b.end,
            "published_a": a.published, "published_b": b.published,
            "spans_a": [[s.start, s.end] for f in score.findings for s in f.spans_a],
            "spans_b": [[s.start, s.end] for f in score.findings for s in f.spans_b],
            "story": claims_df.at[pair.a, "story"],  # both claims of a pair share one story
            "story_label": claims_df.at[pair.a, "story_label"],
        })  # fmt: skip
    pairs_df = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    if len(pairs_df):
        pairs_df = pairs_df.sort_values(
            ["divergence", "claim_id_a", "claim_id_b"], ascending=[False, True, True], kind="stable"
        ).reset_index(drop=True)
    sources = sorted(claims_df["source"].unique()) if len(claims_df) else []
    return Report(
        claims_df, pairs_df, agreement_matrix(pairs_df, sources), dict(options or {}),
        stories=story_table(stories or (), claims_df),
    )  # fmt: skip


def story_table(stories: Sequence[Story], claims: pd.DataFrame) -> pd.DataFrame:
    """One row per story: its id, label, documents, and the sources and claims of its claims."""
    rows = []
    for story in stories:
        own = claims[claims["story"] == story.id]
        rows.append({
            "story": story.id, "label": story.label, "documents": len(story.doc_ids),
            "sources": int(own["source"].nunique()), "claims": len(own),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=STORY_COLUMNS)


def agreement_matrix(pairs: pd.DataFrame, sources: Sequence[str]) -> pd.DataFrame:
    """Source x source: 1 - mean divergence of their scored pairs (NaN where none were paired)."""
    matrix = pd.DataFrame(float("nan"), index=list(sources), columns=list(sources))
    if len(pairs):
        both = pd.concat([
            pairs[["source_a", "source_b", "divergence"]],
            pairs[["source_b", "source_a", "divergence"]].set_axis(
                ["source_a", "source_b", "divergence"], axis=1
            ),
        ])  # fmt: skip
        means = both.groupby(["source_a", "source_b"])["divergence"].mean()
        for (a, b), value in zip(means.index.tolist(), means.tolist(), strict=True):
            matrix.loc[a, b] = round(1 - float(value), 4)
    for source in sources:
        matrix.loc[source, source] = 1.0
    matrix.index.name = "source"
    return matrix
