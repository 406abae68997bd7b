"""The bundled examples end to end with the real all-MiniLM-L6-v2 (loaded once per session).

The demo's promise (data/examples/README.md): Egyptian state-linked media's "significant
progress" is flagged against the Israeli officials' "significant gaps still exist".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import divergence
from divergence.cli import cli
from divergence.scoring import CALIBRATED_THRESHOLD

pytestmark = pytest.mark.integration

EGYPT = "Egyptian state-linked media"
ISRAEL = "Israeli officials"


def the_demo_pair(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """The Egypt/Israel certainty pair, oriented so that side a is the Egyptian one."""
    found = []
    for p in pairs:
        if {p["source_a"], p["source_b"]} != {EGYPT, ISRAEL}:
            continue
        if p["source_a"] != EGYPT:
            p = {**p, **{f"{k}_a": p[f"{k}_b"] for k in ("source", "claim", "evidence")},
                 **{f"{k}_b": p[f"{k}_a"] for k in ("source", "claim", "evidence")}}  # fmt: skip
        found.append(p)
    assert found, f"no {EGYPT} / {ISRAEL} pair among {len(pairs)} pairs"
    certainty = [p for p in found if p["kind"] == "certainty"]
    assert certainty, [p["kind"] for p in found]
    return certainty[0]


def check_demo_pair(pair: dict[str, Any]) -> None:
    assert pair["label"] == "contradiction"
    assert pair["kind"] == "certainty"
    assert pair["flagged"] is True
    assert pair["divergence"] >= CALIBRATED_THRESHOLD  # the calibrated score's flag level
    assert "significant progress" in pair["evidence_a"].split("; ")
    assert "significant gaps still exist" in pair["evidence_b"].split("; ")
    assert "significant progress" in pair["claim_a"]
    assert "significant gaps still exist" in pair["claim_b"]


@pytest.mark.parametrize("example", ["cairo-multisource.jsonl", "cairo-truce-talks-2024-04-08.txt"])
def test_demo_flags_progress_against_gaps(examples_dir: Path, example: str) -> None:
    path = examples_dir / example
    result = CliRunner().invoke(cli, ["diff", str(path), "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["options"]["embedder"] != "fake-hashing"  # the real model
    assert {EGYPT, ISRAEL} <= set(document["sources"])
    assert all(p["flagged"] for p in document["pairs"])
    check_demo_pair(the_demo_pair(document["pairs"]))
    # The real disagreement comes first, and is the first finding.
    assert {document["pairs"][0]["source_a"], document["pairs"][0]["source_b"]} == {EGYPT, ISRAEL}
    top = document["findings"][0]
    assert any("significant progress" in c for c in [top["claim"], *top["counter_claims"]])
    # the speakers are found inside the text: in the single article they share one outlet
    pair = next(p for p in document["pairs"] if {p["source_a"], p["source_b"]} == {EGYPT, ISRAEL})
    if example.endswith(".txt"):
        assert pair["outlet_a"] == pair["outlet_b"] == path.stem
        assert {pair["speaker_a"], pair["speaker_b"]} == {EGYPT, ISRAEL}


def test_compare_report_summary_is_square(examples_dir: Path) -> None:
    report = divergence.compare(examples_dir / "cairo-multisource.jsonl")
    sources = report.sources
    assert len(sources) >= 2
    assert list(report.summary.index) == sources
    assert list(report.summary.columns) == sources
    assert report.summary.shape == (len(sources), len(sources))
    for source in sources:
        assert report.summary.loc[source, source] == 1.0
    assert (report.summary.fillna(0).values == report.summary.fillna(0).values.T).all()
    check_demo_pair(the_demo_pair(report.divergences.to_dict("records")))
