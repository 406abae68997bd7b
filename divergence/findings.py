"""Stage 6: findings: flagged pairs grouped into what a fact-checker acts on.

A flood of pairs hides the few real disagreements: one claim contested by three sources
shows up as three pairs, and one disagreement reprinted by five outlets as up to
twenty-five. A finding is one claim (with every source that printed it, its witnesses)
against the claims that contradict it (with theirs), ranked by the strongest pair
behind it. Pairs are grouped within a story only.

Grouping is greedy and deterministic: each flagged pair joins the finding of the claim
it touches that is contested most often (ties: higher score, then claim id), so a
finding is a star around one claim, never a chain through unrelated claims.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd

FINDING_COLUMNS = [
    "rank", "finding", "story", "story_label", "kind", "divergence", "claim", "witnesses",
    "counter_claims", "counter_witnesses", "pairs", "evidence", "note", "claim_ids",
    "claim_a", "claim_b", "doc_a", "doc_b",
]  # fmt: skip


@dataclass(frozen=True)
class Disagreement:
    """One finding: a claim, who printed it, the claims against it and who printed those."""

    rank: int
    finding: str
    story: str | None
    story_label: str | None
    kind: str | None
    divergence: float
    claim: str
    witnesses: tuple[str, ...]
    counter_claims: tuple[str, ...]
    counter_witnesses: tuple[str, ...]
    pairs: int
    evidence: str
    note: str
    claim_ids: tuple[str, ...]
    #: The strongest pair behind the finding: its two claims and their documents.
    claim_a: str
    claim_b: str
    doc_a: str
    doc_b: str


def group_findings(pairs: pd.DataFrame, claims: pd.DataFrame) -> list[Disagreement]:
    """Findings from a report's flagged ``pairs`` and its ``claims`` (for duplicate groups:
    a reprint of a claim is the same claim, printed by another witness)."""
    flagged = pairs[pairs["flagged"]] if "flagged" in pairs else pairs
    if not len(flagged):
        return []
    group_of = dict(zip(claims["id"], claims["group"], strict=True))
    members: dict[str, list[int]] = defaultdict(list)
    for row, group in enumerate(claims["group"]):
        members[group].append(row)
    rows: list[Any] = list(flagged.itertuples(index=False))
    sides = [(group_of.get(r.claim_id_a, r.claim_id_a), group_of.get(r.claim_id_b, r.claim_id_b))
             for r in rows]  # fmt: skip
    contested = Counter(g for pair in sides for g in set(pair))
    best: dict[str, float] = defaultdict(float)
    for r, (ga, gb) in zip(rows, sides, strict=True):
        best[ga] = max(best[ga], float(r.divergence))
        best[gb] = max(best[gb], float(r.divergence))

    def priority(group: str) -> tuple[int, float, str]:
        return (-contested[group], -best[group], group)

    by_anchor: dict[tuple[Any, str], list[int]] = defaultdict(list)
    for i, (ga, gb) in enumerate(sides):
        anchor = min((ga, gb), key=priority)
        by_anchor[rows[i].story, anchor].append(i)

    def witnesses(group: str) -> tuple[str, ...]:
        if group not in members:
            return ()
        return tuple(sorted({str(n) for n in claims.iloc[members[group]]["source"]}))

    text_of = dict(zip(claims["id"], claims["text"], strict=True))
    made = []
    for (story, anchor), index in by_anchor.items():
        index.sort(key=lambda i: (-float(rows[i].divergence), i))
        top = rows[index[0]]
        counters = list(dict.fromkeys(gb if ga == anchor else ga for ga, gb in (sides[i] for i in index)))  # fmt: skip
        kinds = Counter(rows[i].kind for i in index if rows[i].kind)
        made.append(
            Disagreement(
                rank=0,
                finding="",
                story=None if pd.isna(story) else str(story),
                story_label=None if pd.isna(top.story_label) else str(top.story_label),
                kind=top.kind if top.kind else (kinds.most_common(1)[0][0] if kinds else None),
                divergence=float(top.divergence),
                claim=text_of.get(anchor, anchor),
                witnesses=witnesses(anchor),
                counter_claims=tuple(text_of.get(g, g) for g in counters),
                counter_witnesses=tuple(sorted({w for g in counters for w in witnesses(g)})),
                pairs=len(index),
                evidence=" | ".join(e for e in (top.evidence_a, top.evidence_b) if e),
                note=str(top.note or ""),
                claim_ids=(anchor, *counters),
                claim_a=str(top.claim_a),
                claim_b=str(top.claim_b),
                doc_a=str(top.doc_a),
                doc_b=str(top.doc_b),
            )
        )
    made.sort(key=lambda d: (-d.divergence, -len(d.witnesses) - len(d.counter_witnesses),
                             d.claim_ids))  # fmt: skip
    return [replace(d, rank=k, finding=f"f{k}") for k, d in enumerate(made, 1)]


def findings_frame(findings: list[Disagreement]) -> pd.DataFrame:
    """The findings as a DataFrame (:data:`FINDING_COLUMNS`), best first."""
    return pd.DataFrame([asdict(f) for f in findings], columns=FINDING_COLUMNS)
