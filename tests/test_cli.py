"""The ``divergence`` command line, driven through click's CliRunner.

Every test here runs with the hashing fake embedder (see tests/conftest.py), so pairing is
deterministic and fast; tests/test_demo.py runs the real model on the bundled examples.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from divergence import __version__
from divergence.cli import cli
from divergence.cli.claims import COLUMNS as CLAIM_COLUMNS
from divergence.report import PAIR_COLUMNS

GAZA_A = "At least 40 people were killed in the strike on Gaza City on Monday, officials said."
GAZA_B = "The strike on Gaza City on Monday killed 33 people, the ministry said."
GAZA_C = "Rescuers said 28 people died in the strike on Gaza City on Monday."
FILLER_A = "The weather in Paris was mild and sunny for most of the week."
FILLER_B = "The museum will reopen its modern art wing next spring."
FILLER_C = "A new bakery opened downtown selling bread and pastries."

DIVERGENT = [
    {"id": "a1", "source": "Outlet A", "text": f"{GAZA_A} {FILLER_A}"},
    {"id": "b1", "source": "Outlet B", "text": f"{GAZA_B} {FILLER_B}"},
    {"id": "c1", "source": "Outlet C", "text": f"{GAZA_C} {FILLER_C}"},
]
# Two outlets on unrelated topics: claims on both sides, nothing to disagree about.
CALM = [
    {"id": "m1", "source": "Outlet M",
     "text": "The museum will reopen its modern art wing next spring, the director said."},
    {"id": "f1", "source": "Outlet F",
     "text": "Football fans celebrated the championship win in Madrid late into the night, police said."},
]  # fmt: skip
SOLO = [
    {"id": "s1", "source": "Solo",
     "text": "The council approved the new budget of 5 million dollars on Tuesday."},
]  # fmt: skip

NUMERIC_PAIR = {
    "id": 1,
    "a": "At least 40 people were killed in the strike, officials said.",
    "b": "The strike killed 33 people, the ministry said.",
    "extra": "kept as is",
}
SAME_PAIR = {
    "a": "The talks made significant progress.",
    "b": "The talks made significant progress.",
}
SCORE_FIELDS = {
    "similarity",
    "p_contradiction",
    "p_entailment",
    "p_neutral",
    "label",
    "divergence",
    "kind",
}


def invoke(
    args: Sequence[str], input: str | bytes | io.BytesIO | None = None, **kwargs: Any
) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False, **kwargs)


def jsonl(records: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    path.write_text(jsonl(records), encoding="utf-8")
    return path


def named_stdin(text: str) -> io.BytesIO:
    """Standard input as a real process has it: a binary stream named ``<stdin>``."""
    stream = io.BytesIO(text.encode("utf-8"))
    stream.name = "<stdin>"  # type: ignore[attr-defined]
    return stream


@pytest.fixture
def divergent(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "divergent.jsonl", DIVERGENT)


@pytest.fixture
def calm(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "calm.jsonl", CALM)


@pytest.fixture
def pairs_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "pairs.jsonl", [NUMERIC_PAIR, SAME_PAIR])


# ---------------------------------------------------------------- help and version


@pytest.mark.parametrize("option", ["-h", "--help"])
@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str, option: str) -> None:
    result = invoke([command, option])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: cli {command} ")
    assert "Example" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_docstring_ends_with_an_example(command: str) -> None:
    help_text = cli.commands[command].help
    assert help_text is not None
    last_paragraph = help_text.strip().split("\n\n")[-1]
    assert last_paragraph.lstrip("\b\n ").startswith("Example")
    assert "divergence " in last_paragraph


@pytest.mark.parametrize("option", ["-h", "--help"])
def test_group_help(option: str) -> None:
    result = invoke([option])
    assert result.exit_code == 0
    assert "Find where news sources disagree." in result.stdout
    assert "Example" in result.stdout
    for command in cli.commands:
        assert command in result.stdout


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"divergence, version {__version__}\n"


# ---------------------------------------------------------------- diff: formats


def check_table(out: str) -> None:
    assert re.search(r"^\d findings? \(3 flagged pairs\) across 5 sources$", out, re.MULTILINE)
    assert "«40»" in out and "«33»" in out and "«28»" in out


def check_markdown(out: str) -> None:
    lines = out.splitlines()
    assert lines[0] == (
        "| divergence | kind | source_a | claim_a | source_b | claim_b | evidence_a | evidence_b |"
    )
    assert lines[1] == "|" + "---|" * 8
    assert len(lines) == 2 + 3
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines[2:])
    assert any(GAZA_A in line and GAZA_B in line for line in lines)


def check_csv(out: str) -> None:
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == PAIR_COLUMNS
    assert {"source_a", "claim_a", "divergence"} <= set(rows[0])
    assert len(rows) == 3
    assert all(float(r["divergence"]) >= 0.5 for r in rows)
    assert all(json.loads(r["spans_a"]) for r in rows)


def check_json(out: str) -> None:
    document = json.loads(out)
    assert set(document) == {"options", "sources", "pairs", "findings", "stories", "agreement"}
    assert document["sources"] == ["Outlet A", "Outlet B", "Rescuers", "officials", "the ministry"]
    assert sum(f["pairs"] for f in document["findings"]) == len(document["pairs"])
    assert len(document["pairs"]) == 3
    assert {p["kind"] for p in document["pairs"]} == {"numeric"}
    assert document["options"]["by"] == "speaker"
    assert document["options"]["embedder"] == "fake-hashing"


def check_jsonl(out: str) -> None:
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 3
    assert all(list(r) == PAIR_COLUMNS for r in rows)
    divergences = [r["divergence"] for r in rows]
    assert divergences == sorted(divergences, reverse=True)


def check_html(out: str) -> None:
    assert out.startswith("<!DOCTYPE html>")
    assert out.rstrip().endswith("</html>")
    assert "<mark>40</mark>" in out and "<mark>33</mark>" in out and "<mark>28</mark>" in out
    assert "<script src" not in out
    assert "https://" not in out and "http://" not in out


CHECKS: dict[str, Callable[[str], None]] = {
    "table": check_table,
    "markdown": check_markdown,
    "csv": check_csv,
    "json": check_json,
    "jsonl": check_jsonl,
    "html": check_html,
}


@pytest.mark.parametrize("fmt", sorted(CHECKS))
@pytest.mark.parametrize("via", ["path", "stdin"])
def test_diff_formats(divergent: Path, via: str, fmt: str) -> None:
    if via == "path":
        result = invoke(["diff", str(divergent), "-f", fmt])
    else:
        result = invoke(["diff", "-", "-f", fmt], input=divergent.read_text())
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    CHECKS[fmt](result.stdout)


@pytest.mark.parametrize("via", ["path", "stdin"])
def test_diff_parquet_needs_a_file(divergent: Path, tmp_path: Path, via: str) -> None:
    out = tmp_path / "report.parquet"
    if via == "path":
        result = invoke(["diff", str(divergent), "-f", "parquet", "-o", str(out)])
    else:
        result = invoke(["diff", "-", "-f", "parquet", "-o", str(out)], input=jsonl(DIVERGENT))
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    frame = pd.read_parquet(out)
    assert list(frame.columns) == PAIR_COLUMNS
    assert len(frame) == 3
    assert set(frame["kind"]) == {"numeric"}
    assert frame["flagged"].all()
    spans = [list(map(list, s)) for s in frame["spans_a"]]
    assert len(spans) == 3 and all(spans)  # each flagged pair carries its evidence spans


def test_diff_stdin_and_file_give_the_same_report(divergent: Path) -> None:
    from_file = invoke(["diff", str(divergent), "-f", "json"])
    from_stdin = invoke(["diff", "-", "-f", "json"], input=divergent.read_text())
    assert from_file.stdout == from_stdin.stdout


def test_diff_default_format_is_table(divergent: Path) -> None:
    result = invoke(["diff", str(divergent)])
    assert result.exit_code == 1
    check_table(result.stdout)


def test_diff_reads_several_inputs(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", DIVERGENT[:1])
    b = write_jsonl(tmp_path / "b.jsonl", DIVERGENT[1:2])
    result = invoke(["diff", str(a), str(b), "-f", "json", "--by", "outlet"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["sources"] == ["Outlet A", "Outlet B"]
    assert document["options"]["documents"] == 2
    assert [(p["evidence_a"], p["evidence_b"]) for p in document["pairs"]] == [("40", "33")]


def test_diff_reads_plain_text_articles(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(GAZA_A + "\n", encoding="utf-8")
    (tmp_path / "two.txt").write_text(GAZA_B + "\n", encoding="utf-8")
    result = invoke(["diff", str(tmp_path / "one.txt"), str(tmp_path / "two.txt"), "-f", "json",
                     "--by", "outlet"])  # fmt: skip
    assert result.exit_code == 1
    assert json.loads(result.stdout)["sources"] == ["one", "two"]


def test_diff_input_format_overrides_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "corpus.data"
    path.write_text(jsonl(DIVERGENT), encoding="utf-8")
    result = invoke(["diff", str(path), "--input-format", "jsonl", "-f", "jsonl"])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 3


# ---------------------------------------------------------------- diff: exit codes and options


def test_diff_exit_0_when_nothing_diverges(calm: Path) -> None:
    # Two unrelated events are two stories, never paired: --stories none pairs them anyway.
    result = invoke(["diff", str(calm), "-f", "json", "--all", "--stories", "none"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert len(document["pairs"]) >= 1  # paired, scored, not flagged
    assert not any(p["flagged"] for p in document["pairs"])
    table = invoke(["diff", str(calm), "--stories", "none"])
    assert table.exit_code == 0
    assert table.stdout == "No divergences across 2 sources.\n"
    # As two stories, nothing is compared: said so, not reported as "no divergences".
    apart = invoke(["diff", str(calm)])
    assert (apart.exit_code, apart.stdout) == (0, "")
    assert apart.stderr.startswith("divergence: the 2 documents tell 2 different stories, none")


def test_diff_threshold_1_flags_nothing(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "--threshold", "1.0", "-f", "json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["pairs"] == []
    assert document["options"]["threshold"] == 1.0
    markdown = invoke(["diff", str(divergent), "--threshold", "1", "-f", "markdown"])
    assert markdown.exit_code == 0
    assert markdown.stdout == "No divergences.\n"


def test_diff_threshold_from_environment(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "-f", "json"], env={"DIVERGENCE_THRESHOLD": "1"})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["options"]["threshold"] == 1.0


def test_diff_all_outputs_unflagged_pairs_but_exit_follows_flags(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "--threshold", "1.0", "--all", "-f", "jsonl"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    assert not any(r["flagged"] for r in rows)


def test_diff_single_source_has_nothing_to_compare(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "solo.jsonl", SOLO)
    result = invoke(["diff", str(path)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "divergence: only one source (Solo): nothing to compare\n"


def test_diff_no_claims_has_nothing_to_compare(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "short.jsonl", [{"source": "A", "text": "Hello there."},
                                                  {"source": "B", "text": "Goodbye now."}])  # fmt: skip
    result = invoke(["diff", str(path)])
    assert result.exit_code == 0
    assert result.stderr == "divergence: no check-worthy claims: nothing to compare\n"


def test_diff_by_outlet_vs_by_speaker(divergent: Path) -> None:
    by_speaker = json.loads(invoke(["diff", str(divergent), "-f", "json"]).stdout)
    by_outlet = json.loads(invoke(["diff", str(divergent), "-f", "json", "--by", "outlet"]).stdout)
    assert by_speaker["options"]["by"] == "speaker"
    assert by_outlet["options"]["by"] == "outlet"
    assert by_outlet["sources"] == ["Outlet A", "Outlet B", "Outlet C"]
    speaker_pairs = {frozenset((p["source_a"], p["source_b"])) for p in by_speaker["pairs"]}
    outlet_pairs = {frozenset((p["source_a"], p["source_b"])) for p in by_outlet["pairs"]}
    assert speaker_pairs == {
        frozenset(("officials", "the ministry")),
        frozenset(("officials", "Rescuers")),
        frozenset(("the ministry", "Rescuers")),
    }
    assert outlet_pairs == {
        frozenset(("Outlet A", "Outlet B")),
        frozenset(("Outlet A", "Outlet C")),
        frozenset(("Outlet B", "Outlet C")),
    }
    for p in by_outlet["pairs"]:
        assert (p["source_a"], p["source_b"]) == (p["outlet_a"], p["outlet_b"])
    for p in by_speaker["pairs"]:
        assert (p["source_a"], p["source_b"]) == (p["speaker_a"], p["speaker_b"])
    agreement = by_outlet["agreement"]
    assert set(agreement) == set(by_outlet["sources"])
    assert all(agreement[s][s] == 1.0 for s in agreement)


def test_diff_top_k_is_passed_on(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "-f", "json", "--top-k", "1"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["options"]["top_k"] == 1


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--threshold", "2"], "--threshold"),
        (["--threshold", "-0.1"], "--threshold"),
        (["--top-k", "0"], "--top-k"),
        (["--min-similarity", "1.5"], "--min-similarity"),
        (["--min-topic", "-1"], "--min-topic"),
        (["--max-chars", "10"], "--max-chars"),
        (["--by", "planet"], "--by"),
        (["-f", "pdf"], "-f"),
    ],
)
def test_diff_option_ranges_are_usage_errors(divergent: Path, args: list[str], option: str) -> None:
    result = invoke(["diff", str(divergent), *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    # One line, no usage block (issue 11): "Error: Invalid value for '--top-k': ..."
    assert result.stderr.startswith(f"Error: Invalid value for '{option}")
    assert result.stderr.count("\n") == 1


def test_diff_needs_an_input() -> None:
    result = invoke(["diff"])
    assert result.exit_code == 2
    assert "Error: Missing argument 'INPUTS...'." in result.stderr


def test_diff_unknown_scorer(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "--scorer", "nope"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == "Error: unknown scorer 'nope' (known: checks, divergence-nli, divergence-nli-int8, "
        "divergence-nli-onnx; or a model folder or CrossEncoder path)\n"
    )


def test_diff_unknown_scorer_from_environment(divergent: Path) -> None:
    result = invoke(["diff", str(divergent)], env={"DIVERGENCE_SCORER": "nope"})
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: unknown scorer 'nope' (known: checks, divergence-nli, divergence-nli-int8, "
        "divergence-nli-onnx; or a model folder or CrossEncoder path)\n"
    )


def test_diff_unknown_model(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "--model", "nope"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == "Error: unknown embedding model 'nope' (known: all-MiniLM-L6-v2, all-MiniLM-L6-v2-int8, all-MiniLM-L6-v2-onnx)\n"
    )


def test_diff_is_deterministic(divergent: Path) -> None:
    first = invoke(["diff", str(divergent), "-f", "json"])
    second = invoke(["diff", str(divergent), "-f", "json"])
    assert first.exit_code == second.exit_code == 1
    assert first.stdout_bytes == second.stdout_bytes


def test_diff_output_files_are_deterministic(divergent: Path, tmp_path: Path) -> None:
    outputs = []
    for name in ["one.html", "two.html"]:
        assert invoke(["diff", str(divergent), "-o", str(tmp_path / name)]).exit_code == 1
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


# ---------------------------------------------------------------- diff: -o FILE


def parquet_check(path: Path) -> None:
    assert len(pd.read_parquet(path)) == 3


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("report.html", lambda p: check_html(p.read_text(encoding="utf-8"))),
        ("report.HTM", lambda p: check_html(p.read_text(encoding="utf-8"))),
        ("report.json", lambda p: check_json(p.read_text(encoding="utf-8"))),
        ("report.jsonl", lambda p: check_jsonl(p.read_text(encoding="utf-8"))),
        ("report.csv", lambda p: check_csv(p.read_text(encoding="utf-8"))),
        ("report.md", lambda p: check_markdown(p.read_text(encoding="utf-8"))),
        ("report.txt", lambda p: check_table(p.read_text(encoding="utf-8"))),
        ("report.out", lambda p: check_table(p.read_text(encoding="utf-8"))),
        ("report.parquet", parquet_check),
    ],
)
def test_diff_output_format_from_suffix(
    divergent: Path, tmp_path: Path, name: str, check: Callable[[Path], None]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = invoke(["diff", str(divergent), "-o", str(folder / name)])
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    check(folder / name)
    assert [p.name for p in folder.iterdir()] == [name]  # no leftover .*.tmp
    assert list(folder.glob(".*.tmp")) == []


def test_diff_explicit_format_beats_the_suffix(divergent: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    result = invoke(["diff", str(divergent), "-o", str(out), "-f", "json"])
    assert result.exit_code == 1
    check_json(out.read_text(encoding="utf-8"))


def test_diff_output_replaces_an_existing_file(divergent: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("old contents", encoding="utf-8")
    result = invoke(["diff", str(divergent), "-o", str(out)])
    assert result.exit_code == 1
    check_json(out.read_text(encoding="utf-8"))
    assert list(tmp_path.glob(".*.tmp")) == []


def test_diff_output_dash_means_stdout(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "-o", "-", "-f", "json"])
    assert result.exit_code == 1
    check_json(result.stdout)


def test_diff_output_to_a_missing_folder(divergent: Path, tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "report.json"
    result = invoke(["diff", str(divergent), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {out}: folder {out.parent} does not exist\n"
    assert not out.parent.exists()


def test_diff_parquet_to_stdout_is_an_error(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "-f", "parquet"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "Error: parquet output is binary: write it to a file with -o FILE\n"


# ---------------------------------------------------------------- diff: input errors


def test_diff_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.jsonl"
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: no such file\n"


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"])
def test_diff_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}: input is empty\n"


def test_diff_empty_stdin() -> None:
    result = invoke(["diff", "-"], input="")
    assert result.exit_code == 2
    assert result.stderr == "Error: <stdin>: input is empty\n"


def test_diff_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "notes.xyz"
    path.write_text(jsonl(DIVERGENT), encoding="utf-8")
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}: unknown format '.xyz' (expected one of .csv, .htm, .html, .json, "
        ".jsonl, .md, .ndjson, .parquet, .text, .tsv, .txt, or pass --input-format)\n"
    )


def test_diff_no_suffix(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text(GAZA_A, encoding="utf-8")
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: unknown format '(no suffix)' (expected")


def test_diff_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    data = '{"source": "A", "text": "Talks resumed in Caf\u00e9 Riche on Monday."}\n'
    encoded = data.encode("latin-1")
    path.write_bytes(encoded)
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: invalid UTF-8 at byte {encoded.index(0xE9)}\n"


def test_diff_malformed_json_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(jsonl(DIVERGENT[:1]) + "not json\n" + jsonl(DIVERGENT[1:]), encoding="utf-8")
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}:2: invalid JSON: Expecting value\n"


def test_diff_malformed_json_line_counts_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(jsonl(DIVERGENT[:1]) + "\n\n{oops\n", encoding="utf-8")
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {path}:4: invalid JSON: Expecting property name enclosed in double quotes\n"
    )


def test_diff_malformed_json_on_stdin() -> None:
    result = invoke(["diff", "-"], input=jsonl(DIVERGENT[:1]) + "not json\n")
    assert result.exit_code == 2
    assert result.stderr == "Error: <stdin>:2: invalid JSON: Expecting value\n"


def test_diff_missing_text_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [DIVERGENT[0], {"source": "B", "title": "Talks"}])
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}:2: missing 'text' field\n"


def test_diff_duplicate_ids(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [DIVERGENT[0], {**DIVERGENT[1], "id": "a1"}])
    result = invoke(["diff", str(path)])
    assert result.exit_code == 2
    assert result.stderr == "Error: duplicate document id 'a1'\n"


@pytest.fixture
def with_bad_lines(tmp_path: Path) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        jsonl(DIVERGENT[:1]) + "not json\n" + jsonl(DIVERGENT[1:2]) + "{oops\n"
        + jsonl([{"source": "Outlet C", "title": "no text"}]) + jsonl(DIVERGENT[2:]),
        encoding="utf-8",
    )  # fmt: skip
    return path


def test_diff_skip_invalid_warns_with_counts(with_bad_lines: Path) -> None:
    result = invoke(["diff", str(with_bad_lines), "--skip-invalid", "-f", "json"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"warning: {with_bad_lines}: skipped 2 invalid JSON lines\n"
        f"warning: {with_bad_lines}: skipped 1 invalid record\n"
    )
    document = json.loads(result.stdout)
    assert document["options"]["documents"] == 3
    assert len(document["pairs"]) == 3


def test_diff_skip_invalid_quiet_hides_the_warning(with_bad_lines: Path) -> None:
    result = invoke(["diff", str(with_bad_lines), "--skip-invalid", "--quiet", "-f", "json"])
    assert result.exit_code == 1
    assert result.stderr == ""
    assert len(json.loads(result.stdout)["pairs"]) == 3


def test_diff_without_skip_invalid_stops_at_the_first_bad_line(with_bad_lines: Path) -> None:
    result = invoke(["diff", str(with_bad_lines), "--quiet"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {with_bad_lines}:2: invalid JSON: Expecting value\n"


def test_diff_max_chars_truncates_with_a_warning(tmp_path: Path) -> None:
    long = {"id": "long", "source": "Outlet L", "text": GAZA_A + " " + FILLER_A * 3}
    path = write_jsonl(tmp_path / "long.jsonl", [long, DIVERGENT[1]])
    result = invoke(["diff", str(path), "--max-chars", "150", "-f", "json", "--by", "outlet"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"warning: document long truncated to 150 characters (it has {len(long['text'])})\n"
    )


# ---------------------------------------------------------------- claims


def test_claims_table(divergent: Path) -> None:
    result = invoke(["claims", str(divergent)])
    assert result.exit_code == 0
    assert "5 claims" in result.stdout
    for text in [GAZA_A, GAZA_B, GAZA_C]:
        assert text in result.stdout
    header = next(line for line in result.stdout.splitlines() if "checkworthiness" in line)
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == CLAIM_COLUMNS


def test_claims_table_leaves_missing_speakers_blank(divergent: Path) -> None:
    result = invoke(["claims", str(divergent)])
    assert result.exit_code == 0
    narration = next(line for line in result.stdout.splitlines() if FILLER_A[:40] in line)
    cells = [cell.strip() for cell in narration.split("│")]
    assert cells[2:4] == ["Outlet A", ""]


def test_claims_jsonl_offsets_match_the_text(divergent: Path) -> None:
    result = invoke(["claims", str(divergent), "-f", "jsonl"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    texts = {d["id"]: d["text"] for d in DIVERGENT}
    assert len(rows) == 5  # the bakery sentence is not check-worthy
    for row in rows:
        assert list(row) == [*CLAIM_COLUMNS, "doc_id", "published"]
        assert texts[row["doc_id"]][row["start"] : row["end"]] == row["text"]
        assert row["id"].startswith(row["doc_id"] + "#")
    speakers = {row["text"]: row["speaker"] for row in rows}
    assert speakers[GAZA_A] == "officials"
    assert speakers[GAZA_B] == "the ministry"
    assert speakers[FILLER_A] is None


def test_claims_csv(divergent: Path) -> None:
    result = invoke(["claims", str(divergent), "-f", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [*CLAIM_COLUMNS, "doc_id", "published"]
    assert [r["outlet"] for r in rows] == ["Outlet A"] * 2 + ["Outlet B"] * 2 + ["Outlet C"]
    assert rows[0]["text"] == GAZA_A


def test_claims_from_stdin(divergent: Path) -> None:
    from_stdin = invoke(["claims", "-", "-f", "jsonl"], input=divergent.read_text())
    from_file = invoke(["claims", str(divergent), "-f", "jsonl"])
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout == from_file.stdout


def test_claims_from_plain_text_on_stdin() -> None:
    result = invoke(["claims", "-", "-f", "jsonl"], input=f"{GAZA_A} {GAZA_B}\n")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == [GAZA_A, GAZA_B]
    assert {r["outlet"] for r in rows} == {"stdin"}
    assert rows[1]["start"] == len(GAZA_A) + 1


def test_claims_min_checkworthiness(divergent: Path) -> None:
    result = invoke(["claims", str(divergent), "-f", "jsonl", "--min-checkworthiness", "1"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(r["checkworthiness"] == 1.0 for r in rows)
    assert len(rows) < 5


def test_claims_output_file(divergent: Path, tmp_path: Path) -> None:
    out = tmp_path / "claims.csv"
    result = invoke(["claims", str(divergent), "-o", str(out)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith(",".join(CLAIM_COLUMNS))


def test_claims_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    result = invoke(["claims", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}:1: invalid JSON: Expecting value\n"


# ---------------------------------------------------------------- score-pairs


def check_scored(lines: list[dict[str, Any]], inputs: list[dict[str, Any]]) -> None:
    assert len(lines) == len(inputs)
    for line, given in zip(lines, inputs, strict=True):
        assert list(line)[: len(given)] == list(given)
        assert {k: line[k] for k in given} == given
        assert set(line) - set(given) == SCORE_FIELDS
        total = line["p_contradiction"] + line["p_entailment"] + line["p_neutral"]
        assert total == pytest.approx(1.0, abs=1e-3)
        assert -1.0 <= line["similarity"] <= 1.0
        assert 0.0 <= line["divergence"] <= 1.0
        assert line["label"] in {"contradiction", "entailment", "neutral"}


def test_score_pairs_from_a_file(pairs_file: Path) -> None:
    result = invoke(["score-pairs", str(pairs_file)])
    assert result.exit_code == 0
    assert result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    check_scored(lines, [NUMERIC_PAIR, SAME_PAIR])
    numeric, same = lines
    assert numeric["id"] == 1 and numeric["extra"] == "kept as is"
    assert numeric["kind"] == "numeric"
    assert numeric["label"] == "contradiction"
    assert numeric["divergence"] >= 0.5
    assert "id" not in same  # id is optional, and none is made up
    assert same["kind"] is None
    assert same["label"] == "entailment"
    assert same["similarity"] == pytest.approx(1.0, abs=1e-3)


def test_score_pairs_output_keeps_the_input_field_order(pairs_file: Path) -> None:
    result = invoke(["score-pairs", str(pairs_file)])
    first = json.loads(result.stdout.splitlines()[0])
    assert list(first) == ["id", "a", "b", "extra", "similarity", "p_contradiction",
                           "p_entailment", "p_neutral", "label", "divergence", "kind"]  # fmt: skip


def test_score_pairs_from_stdin() -> None:
    result = invoke(["score-pairs"], input=named_stdin(jsonl([NUMERIC_PAIR])))
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    check_scored(lines, [NUMERIC_PAIR])
    assert lines[0]["kind"] == "numeric"
    explicit = invoke(["score-pairs", "-"], input=named_stdin(jsonl([NUMERIC_PAIR])))
    assert explicit.stdout == result.stdout


def test_score_pairs_from_unnamed_stdin() -> None:
    result = invoke(["score-pairs"], input=jsonl([NUMERIC_PAIR]))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["kind"] == "numeric"


def test_score_pairs_same_scores_from_file_and_stdin(pairs_file: Path) -> None:
    from_file = invoke(["score-pairs", str(pairs_file)])
    from_stdin = invoke(["score-pairs"], input=named_stdin(pairs_file.read_text()))
    assert from_file.stdout == from_stdin.stdout


def test_score_pairs_malformed_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(jsonl([NUMERIC_PAIR]) + "not json\n", encoding="utf-8")
    result = invoke(["score-pairs", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}:2: invalid JSON: Expecting value\n"


def test_score_pairs_malformed_line_on_stdin() -> None:
    result = invoke(["score-pairs"], input=named_stdin(jsonl([NUMERIC_PAIR]) + "\n{oops\n"))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: <stdin>:3: invalid JSON: Expecting property name enclosed in double quotes\n"
    )


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": 2, "a": "only one side"}', "needs string fields 'a' and 'b'"),
        ('{"a": "x", "b": 3}', "needs string fields 'a' and 'b'"),
        ('["x", "y"]', "expected an object"),
    ],
)
def test_score_pairs_bad_record(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(jsonl([NUMERIC_PAIR]) + line + "\n", encoding="utf-8")
    result = invoke(["score-pairs", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}:2: {problem}\n"


def test_score_pairs_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(jsonl([NUMERIC_PAIR]).encode() + b'{"a": "caf\xe9", "b": "x"}\n')
    result = invoke(["score-pairs", str(path)])
    assert result.exit_code == 2
    # Read as documents are: the file is decoded whole, so the error gives the byte.
    at = len(jsonl([NUMERIC_PAIR]).encode()) + len(b'{"a": "caf')
    assert result.stderr == f"Error: {path}: invalid UTF-8 at byte {at}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[" * 100_000 + "]" * 100_000 + "\n", "{path}:1: JSON nested deeper than 100 levels"),
        ('{"a": ' + "1" * 5000 + ', "b": "x"}\n',
         "{path}:1: invalid JSON: a number longer than 1,000 digits"),
        ('{"a": "x", "a": "y", "b": "z"}\n', "{path}:1: invalid JSON: duplicate key 'a'"),
        ('{"a": "' + "x" * 200_001 + '", "b": "y"}\n',
         "{path}:1: a text longer than 200,000 characters"),
    ],
)  # fmt: skip
def test_score_pairs_reads_with_the_document_limits(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(content, encoding="utf-8")
    result = invoke(["score-pairs", str(path), "--scorer", "checks"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "Error: " + message.format(path=path) + "\n"


def test_score_pairs_refuses_devices_and_folders(tmp_path: Path) -> None:
    result = invoke(["score-pairs", "/dev/zero", "--scorer", "checks"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: /dev/zero: not a regular file (a character device); pass - to read standard input\n"
    )
    result = invoke(["score-pairs", str(tmp_path), "--scorer", "checks"])
    assert result.stderr == f"Error: {tmp_path}: is a folder, not a JSON lines file\n"


def test_score_pairs_a_lone_surrogate_is_replaced_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"a": "\\ud800 5 people died.", "b": "7 people died."}\n', encoding="utf-8")
    result = invoke(["score-pairs", str(path), "--scorer", "checks"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["a"] == "\ufffd 5 people died."


def test_score_pairs_skip_invalid_counts_skipped_lines(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        "not json\n" + jsonl([NUMERIC_PAIR]) + '{"a": "x"}\n' + "[1]\n" + jsonl([SAME_PAIR]),
        encoding="utf-8",
    )
    result = invoke(["score-pairs", str(path), "--skip-invalid"])
    assert result.exit_code == 0
    assert result.stderr == f"warning: {path}: skipped 3 invalid lines\n"
    check_scored([json.loads(line) for line in result.stdout.splitlines()],
                 [NUMERIC_PAIR, SAME_PAIR])  # fmt: skip
    quiet = invoke(["score-pairs", str(path), "--skip-invalid", "-q"])
    assert quiet.stderr == ""
    assert quiet.stdout == result.stdout


def test_score_pairs_skip_invalid_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(jsonl([NUMERIC_PAIR]) + "nope\n", encoding="utf-8")
    result = invoke(["score-pairs", str(path), "--skip-invalid"])
    assert result.exit_code == 0
    assert result.stderr == f"warning: {path}: skipped 1 invalid line\n"


@pytest.mark.parametrize("content", ["", "\n  \n\n"])
def test_score_pairs_empty_input(tmp_path: Path, content: str) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(content, encoding="utf-8")
    result = invoke(["score-pairs", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}: input is empty\n"  # as for documents


def test_score_pairs_empty_stdin() -> None:
    result = invoke(["score-pairs"], input=named_stdin(""))
    assert result.exit_code == 2
    assert result.stderr == "Error: <stdin>: input is empty\n"


def test_score_pairs_nothing_valid_with_skip_invalid(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text("nope\n", encoding="utf-8")
    result = invoke(["score-pairs", str(path), "--skip-invalid"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"warning: {path}: skipped 1 invalid line\nError: {path}: no pairs to score\n"
    )


def test_score_pairs_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.jsonl"
    result = invoke(["score-pairs", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: no such file\n"  # as diff and claims say it


def test_score_pairs_output_file(pairs_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "scored.jsonl"
    result = invoke(["score-pairs", str(pairs_file), "-o", str(out)])
    assert result.exit_code == 0
    assert result.stdout == ""
    check_scored([json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()],
                 [NUMERIC_PAIR, SAME_PAIR])  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.jsonl", "scored.jsonl"]
    assert out.read_text(encoding="utf-8") == invoke(["score-pairs", str(pairs_file)]).stdout


def test_score_pairs_unknown_scorer(pairs_file: Path) -> None:
    result = invoke(["score-pairs", str(pairs_file), "--scorer", "nope"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: unknown scorer 'nope' (known: checks, divergence-nli, divergence-nli-int8, "
        "divergence-nli-onnx; or a model folder or CrossEncoder path)\n"
    )


def test_score_pairs_unknown_model(pairs_file: Path) -> None:
    result = invoke(["score-pairs", str(pairs_file), "--model", "nope"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: unknown embedding model 'nope' (known: all-MiniLM-L6-v2, all-MiniLM-L6-v2-int8, all-MiniLM-L6-v2-onnx)\n"
    )


def test_score_pairs_is_deterministic(pairs_file: Path) -> None:
    first = invoke(["score-pairs", str(pairs_file)])
    second = invoke(["score-pairs", str(pairs_file)])
    assert first.stdout_bytes == second.stdout_bytes


def test_errors_are_click_exceptions_with_exit_2() -> None:
    from divergence.cli import CLIError

    assert issubclass(CLIError, click.ClickException)
    assert CLIError("x").exit_code == 2


# ---------------------------------------------------------------- --profile


def test_diff_profile_prints_every_stage_and_the_pairing_counts(divergent: Path) -> None:
    result = invoke(["diff", str(divergent), "--profile", "-f", "json"])
    assert result.exit_code == 1
    json.loads(result.stdout)  # the report itself is untouched
    lines = result.stderr.splitlines()
    stages = [line.split("  ")[0].strip() for line in lines if line.rstrip().endswith("%")]
    assert stages == ["read inputs", "load documents", "extract claims", "load models",
                      "find stories", "embed", "pair", "score", "report", "render"]  # fmt: skip
    assert lines[-2].startswith("total ")
    assert lines[-1].startswith("pairing: ") and "possible cross-source pairs to score" in lines[-1]


def test_diff_without_profile_prints_no_timings(divergent: Path) -> None:
    assert invoke(["diff", str(divergent), "-f", "json"]).stderr == ""
