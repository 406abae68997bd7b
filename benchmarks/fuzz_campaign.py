"""Fuzz campaign: tens of thousands of generated and mutated inputs over every input path.

Usage: python benchmarks/fuzz_campaign.py [--cases 20000] [--seed 0] [--paths documents,diff]
           [--workers 2] [--timeout 10] [--wall-timeout 120] [--memory-mb 2048] [--errors 5]
           [--save DIR]
       python benchmarks/fuzz_campaign.py --replay documents:1234   # one case, in this process

The promise checked: bad input or a bad environment gets one line ``Error: ...`` on stderr
and exit status 2 (a :class:`~divergence.errors.DivergenceError` with a one-line message
from Python), never a traceback, a hang or a runaway allocation, and nothing is lost (no
half-written output, the previous report survives, an input is never overwritten).

Paths (``--paths``, comma-separated; all by default, cases shared equally):

- ``documents``: ``load_documents`` on files of every format (JSONL, JSON, CSV, TSV, Parquet,
  text, HTML, folders, unknown suffixes, devices and FIFOs as inputs), generated and then
  often byte-mutated, with random ``format``/``skip_invalid``/``max_chars``;
- ``stdin``: ``divergence claims -`` with any of those bytes on standard input;
- ``claims``: ``divergence claims FILE`` with random options and output formats;
- ``diff``: ``divergence diff`` on small generated corpora, option values fuzzed too;
- ``extract``: ``extract_claims`` on Documents and dicts built in Python;
- ``checks``: ``divergence.checks.run_checks`` on generated sentence pairs;
- ``score-pairs``: ``divergence score-pairs`` on generated and mutated JSON lines;
- ``nightly``: ``divergence nightly`` on generated nights, with fresh, reused and damaged
  databases, edge dates, windows and ``--out`` folders;
- ``store``: :class:`~divergence.store.Store` and all its readers on databases damaged every
  way (values of the wrong type, bad JSON, short vectors, dangling findings, dropped tables
  and columns, bit flips, truncation, foreign files);
- ``output``: ``-o`` / ``--out`` at read-only folders, paths under a file, 300-byte names,
  symlinks, loops, FIFOs, device nodes, the inputs themselves, a file size limit (a full
  disk), and a real standard output that is full (``/dev/full``), closed, a broken pipe or
  ASCII-only.

Each case runs in a child forked from this process after ``divergence`` is imported (the
fake hashing embedder of tests/fakes.py and the rule-based ``checks`` scorer keep it fast),
under ``resource.setrlimit(RLIMIT_AS)`` (``--memory-mb`` more than the parent maps), a
CPU-time limit (``--timeout``, ``RLIMIT_CPU``: a busy machine does not make slow cases look
hung) and a wall-clock limit for cases blocked without using the CPU (``--wall-timeout``;
the parent kills them after a stack dump). Commands run through click's CliRunner, except
the real-stdout cases, which set up file descriptors 0-2 themselves.

Outcomes, one row per path:

- **ok**: exit 0/1 (or a value returned) and no misread found;
- **clean error**: exit 2 with exactly one ``Error: ...`` line on stderr (warnings above it
  allowed), or a DivergenceError with a one-line message;
- **bad error**: exit 2 with click's usage block, several lines or an empty message, any
  other exit status, or an exception at interpreter exit (a failed final flush);
- **crash**: an uncaught exception (a traceback), or death by a signal;
- **hang**: past ``--timeout`` CPU seconds, or blocked past ``--wall-timeout`` seconds;
- **memory**: MemoryError under the limit (or killed by the kernel's OOM killer);
- **misread**: succeeded but wrong in a way the campaign can see: a non-string value
  stringified into a document field (``123``, ``None``, ``nan``, ``[1, 2]``), claim offsets
  that do not point at the claim's text, evidence spans outside their sentence, a NaN or
  infinite option accepted, pairs lost or changed by ``score-pairs``, a damaged database read
  without a word, an input overwritten, a previous report lost or a temporary file left.

Below the table, each distinct crash, bad error, hang, memory and misread is listed once
with its count and signature (exception type, message and the innermost frame inside
``divergence/``; for a hang, where its stack was) and a ``--replay PATH:SEED`` to run that
case again here, with the full traceback. ``--save DIR`` also keeps the input files of
those cases; ``--errors N`` lists the most frequent clean errors of each path, to see that
cases get past the first check. The table's last column is the mean CPU seconds per case.

About 0.05 CPU seconds per case: 20,000 cases take about half an hour on two cores (longer
on a busy machine); run it under ``nice -n 19`` next to other work.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import io
import json
import math
import os
import random
import re
import resource
import select
import shutil
import signal
import sqlite3
import stat
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # divergence and tests.fakes from this checkout

OUTCOMES = ("ok", "clean error", "bad error", "crash", "hang", "memory", "misread")
PATHS = ("documents", "stdin", "claims", "diff", "extract", "checks", "score-pairs",
         "nightly", "store", "output")  # fmt: skip
NIGHTS = ROOT / "tests" / "data" / "nightly"


@dataclass
class Outcome:
    """What one case did: its outcome, a signature to group it by, and a detail line."""

    outcome: str
    signature: str = ""
    detail: str = ""
    cpu: float = 0.0  # CPU seconds the case took (its child process), building it included


@dataclass
class Case:
    """One generated input: its kind (generator name) and how to run it in a folder."""

    kind: str
    run: Callable[[], Outcome]
    files: list[Path] = field(default_factory=list)


# ================================================================ nasty values

WORDS = ("officials", "said", "the", "ministry", "killed", "people", "talks", "progress",
         "not", "never", "denied", "confirmed", "Monday", "April", "Gaza", "Cairo", "according",
         "to", "may", "could", "reported", "at", "least", "hundreds", "thousands", "and")  # fmt: skip
SENTENCES = (
    "At least 40 people were killed in the strike on Monday, officials said.",
    "The strike killed 33 people, the health ministry said on Tuesday.",
    "Egyptian officials reported significant progress in the truce talks.",
    "Israeli officials said significant gaps still exist between the parties.",
    "The ministry denied that any talks took place on 8 April 2024.",
    "Hundreds of families fled, according to the United Nations.",
    "Thousands of families fled, the Red Crescent said.",
    "The army said it did not strike the school.",
    "Police may have arrested up to 1,200 protesters, witnesses said.",
)
NASTY = (
    "", " ", "\n", "\t", "\r\n", "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\u2028", "\u2029",
    "\ufeff", "\u202eevil", "e\u0301", "\U0001f1fa\U0001f1f3", "\u200b", "0", "-1", "NaN",
    "None", "null", "true", "[]", "{}", "<script>alert(1)</script>", "&amp;&#0;&#x110000;",
    "\\", '"', "'", ",", ";", "%s%n", "{0}", "${HOME}", "\ud7ff\ue000", "\U0010ffff", "\ud800",
    "a\udc80b",
    "1" * 5000 + " people were killed.", "9" * 400 + " vs 3", "40 vs 33", "1e999 people",
    "0x1F people", "Jan 32, 2024", "2024-13-45", "31/02/2024", "99999-01-01", "-0",
    "word " * 3000, "a" * 20_000, "Officials said: \"" * 200, "(" * 500 + ")" * 10,
    "Mr. Dr. St. U.S. e.g. i.e. " * 50, ". . . . " * 400, "?" * 1000, "!" * 1000,
)  # fmt: skip


def nasty_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 6)))
    if roll < 0.65:
        return rng.choice(NASTY)
    if roll < 0.8:
        parts = [rng.choice(SENTENCES), rng.choice(NASTY), rng.choice(SENTENCES)]
        return "".join(parts)
    if roll < 0.9:
        return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 300)))
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 80))]
    return " ".join(words) + rng.choice([".", "", "?", "!", " said officials."])


def nasty_value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON-able value of any type; strings most of the time."""
    roll = rng.random()
    if roll < 0.55 or depth > 3:
        return nasty_text(rng)
    return rng.choice([
        0, -1, 1, 2**63, -(2**63) - 1, 10**30, 0.5, -0.0, 1e308, float("nan"), float("inf"),
        True, False, None, [], {}, [nasty_text(rng)], {"text": nasty_text(rng)},
        [nasty_value(rng, depth + 1) for _ in range(rng.randint(0, 3))],
        {nasty_text(rng)[:20]: nasty_value(rng, depth + 1)},
    ])  # fmt: skip


FIELDS = ("id", "source", "text", "url", "published", "title")
ALIASES = ("outlet", "content", "body", "headline", "date", "link", "doc_id", "article",
           "site", "publisher", "maintext", "time")  # fmt: skip


def record(
    rng: random.Random, index: int, sources: Sequence[str], *, clean: bool = False
) -> dict[str, Any]:
    """A document record: mostly plausible, with random fields missing, odd or aliased
    (``clean``: every field a string, so that the case goes past loading)."""
    rec: dict[str, Any] = {"id": f"d{index}", "source": rng.choice(sources),
                           "text": nasty_text(rng) if rng.random() < 0.3 else
                           " ".join(rng.sample(SENTENCES, rng.randint(1, 4)))}  # fmt: skip
    if rng.random() < 0.5:
        rec["published"] = rng.choice(["2024-04-08", "2024-04-09T10:00:00Z", "yesterday",
                                       "0001-01-01", "9999-12-31", "", nasty_text(rng)])  # fmt: skip
    if rng.random() < 0.3:
        rec["url"] = rng.choice(["https://x.example/a", "", "javascript:alert(1)"])
    if rng.random() < 0.3:
        rec["title"] = nasty_text(rng)
    if clean:
        return rec
    for _ in range(rng.choice([0, 0, 0, 1, 2])):  # a field with a value of the wrong type
        rec[rng.choice(FIELDS)] = nasty_value(rng)
    if rng.random() < 0.1:
        rec.pop(rng.choice(FIELDS), None)
    if rng.random() < 0.1:
        rec[rng.choice(ALIASES)] = nasty_value(rng)
    if rng.random() < 0.05:
        rec[nasty_text(rng)[:30]] = nasty_value(rng)
    return rec


def records(rng: random.Random, *, clean: bool = False) -> list[dict[str, Any]]:
    sources = rng.sample(["Outlet A", "Outlet B", "Outlet C", "Outlet D"], rng.randint(1, 3))
    return [record(rng, i, sources, clean=clean) for i in range(rng.randint(0, 6))]


def dumps(value: Any, rng: random.Random) -> str:
    """JSON, sometimes with ASCII escapes (which is how lone surrogates get in)."""
    try:
        return json.dumps(value, ensure_ascii=rng.random() < 0.5, allow_nan=True)
    except (ValueError, TypeError, RecursionError):
        return json.dumps(str(value))


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Byte-level mutations: flips, inserts, deletions, duplicated or truncated ranges."""
    out = bytearray(data)
    tokens = [b"\x00", b'"', b"\n", b"\r", b"{", b"}", b"[", b",", b"\\ud800", b"\xff\xfe",
              b"\xef\xbb\xbf", b"\xc3", b"NaN", b"1e999", b"\t", b"<", b"\x1a"]  # fmt: skip
    for _ in range(rng.randint(1, 8)):
        roll = rng.random()
        pos = rng.randint(0, len(out))
        if roll < 0.25 and out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
        elif roll < 0.5:
            out[pos:pos] = rng.choice(tokens)
        elif roll < 0.65 and out:
            del out[pos : pos + rng.randint(1, 64)]
        elif roll < 0.8 and out:
            start = rng.randrange(len(out))
            out[pos:pos] = out[start : start + rng.randint(1, 256)] * rng.randint(1, 4)
        elif roll < 0.9:
            del out[pos:]
        else:
            out[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    return bytes(out)


# ================================================================ files of every format


def as_jsonl(recs: list[dict[str, Any]], rng: random.Random) -> bytes:
    lines = [dumps(r, rng) for r in recs]
    if rng.random() < 0.2:
        lines.insert(rng.randint(0, len(lines)), rng.choice(["", "   ", "[1, 2]", "42", "{"]))
    newline = "\r\n" if rng.random() < 0.1 else "\n"
    text = newline.join(lines) + (newline if rng.random() < 0.8 else "")
    return text.encode("utf-8", "surrogatepass")


def as_json(recs: list[dict[str, Any]], rng: random.Random) -> bytes:
    shape = rng.random()
    if shape < 0.6:
        value: Any = recs
    elif shape < 0.8:
        value = {rng.choice(["documents", "articles", "data", "items"]): recs}
    elif shape < 0.9:
        value = recs[0] if recs else {}
    else:
        value = rng.choice([42, "text", None, [[[]]], json.loads("[" * 50 + "]" * 50)])
    text = dumps(value, rng)
    if rng.random() < 0.05:  # deeper than any recursive reader can take
        text = "[" * 100_000 + "]" * 100_000
    return text.encode("utf-8", "surrogatepass")


def as_csv(recs: list[dict[str, Any]], rng: random.Random, delimiter: str = ",") -> bytes:
    import csv

    columns = sorted({k for r in recs for k in r}) or ["text"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    if rng.random() < 0.9:
        writer.writerow(columns)
    for r in recs:
        row = [r.get(c, "") for c in columns]
        if rng.random() < 0.1:
            row = row[: rng.randint(0, len(row))] + ["extra"] * rng.randint(0, 2)
        writer.writerow(["" if v is None else v if isinstance(v, str) else dumps(v, rng)
                         for v in row])  # fmt: skip
    text = buffer.getvalue()
    if rng.random() < 0.05:
        text = '"' + "x" * 300_000 + "\n"  # an unterminated quoted field
    return text.encode("utf-8", "surrogatepass")


def as_parquet(
    recs: list[dict[str, Any]], rng: random.Random
) -> tuple[bytes, list[dict[str, Any]] | None]:
    """A Parquet file with columns of any type, and its rows as stored."""
    import pandas as pd

    columns: dict[str, Any] = {}
    n = max(len(recs), 1)

    def storable(value: Any) -> Any:  # Parquet holds UTF-8 only: no lone surrogates
        if isinstance(value, str):
            return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return value

    for key in sorted({k for r in recs for k in r} | {"text", "source"}):
        kind = rng.random()
        if kind < 0.7:
            columns[key] = [storable(str(r.get(key, ""))) if r.get(key) is not None else None
                            for r in recs]  # fmt: skip
        elif kind < 0.8:
            columns[key] = [rng.randint(-5, 10**6) for _ in range(n)]
        elif kind < 0.85:
            columns[key] = [rng.choice([1.5, float("nan"), None]) for _ in range(n)]
        elif kind < 0.9:
            columns[key] = [[storable(nasty_text(rng)[:20])] for _ in range(n)]
        elif kind < 0.95:
            columns[key] = [nasty_text(rng).encode("utf-8", "surrogatepass")[:50] for _ in range(n)]
        else:
            columns[key] = [{"a": rng.randint(0, 9)} for _ in range(n)]
    buffer = io.BytesIO()
    try:  # column names are strings too, and pandas stores them in Arrow: UTF-8 only
        frame = pd.DataFrame({storable(k): (v + [None] * n)[:n] for k, v in columns.items()})
        frame.to_parquet(buffer, index=False)
    except Exception:  # a mix pyarrow cannot store: store the texts alone
        buffer = io.BytesIO()
        pd.DataFrame({"text": [storable(nasty_text(rng))], "source": ["A"]}).to_parquet(
            buffer, index=False
        )
        return buffer.getvalue(), None
    return buffer.getvalue(), frame.to_dict(orient="records")


def as_text(rng: random.Random) -> bytes:
    text = "\n\n".join(nasty_text(rng) for _ in range(rng.randint(0, 5)))
    encoding = rng.choice(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])
    return text.encode(encoding, "replace") if encoding != "utf-8" else text.encode(
        "utf-8", "surrogatepass")  # fmt: skip


def as_html(rng: random.Random) -> bytes:
    body = "".join(f"<p>{nasty_text(rng)}</p>" for _ in range(rng.randint(0, 6)))
    roll = rng.random()
    if roll < 0.1:
        body = "<div>" * 20_000 + "deep" + "</div>" * 20_000
    elif roll < 0.2:
        body = "<br>" * 60_000
    elif roll < 0.3:
        body = "<script>" + "x" * 100_000
    title = f"<title>{nasty_text(rng)[:200]}</title>" if rng.random() < 0.7 else ""
    charset = rng.choice(["", '<meta charset="utf-8">', '<meta charset="x-bogus">',
                          '<meta charset="utf-16">'])  # fmt: skip
    return f"<!doctype html><html><head>{charset}{title}</head><body>{body}</body></html>".encode(
        "utf-8", "surrogatepass")  # fmt: skip


FORMAT_SUFFIX = {"jsonl": ".jsonl", "json": ".json", "csv": ".csv", "tsv": ".tsv",
                 "parquet": ".parquet", "txt": ".txt", "html": ".html"}  # fmt: skip


def input_bytes(fmt: str, rng: random.Random) -> tuple[bytes, list[dict[str, Any]] | None]:
    """Bytes of one file in ``fmt``, and the records in them when they are intact."""
    recs = records(rng)
    if fmt == "jsonl":
        data, known = as_jsonl(recs, rng), recs
    elif fmt == "json":
        data = as_json(recs, rng)
        try:
            value = json.loads(data.decode("utf-8", "surrogatepass"))
        except (ValueError, RecursionError):
            value = None
        inner = value if isinstance(value, list) else (
            next(iter(value.values()), None) if isinstance(value, dict) and len(value) == 1 else None
        )  # fmt: skip
        known = recs if inner == recs and recs else None
    elif fmt in ("csv", "tsv"):
        data, known = as_csv(recs, rng, "," if fmt == "csv" else "\t"), None
    elif fmt == "parquet":
        data, known = as_parquet(recs, rng)
    elif fmt == "txt":
        data, known = as_text(rng), None
    else:
        data, known = as_html(rng), None
    roll = rng.random()
    if roll < 0.35:
        return mutate(data, rng), None
    if roll < 0.38:
        return b"", None
    if roll < 0.41:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096))), None
    if roll < 0.43:
        return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04",
                           b"PAR1" + b"\x00" * 12 + b"PAR1", b"\x1f\x8b\x08"]) + data, None  # fmt: skip
    return data, known


def write_inputs(rng: random.Random, folder: Path) -> tuple[list[str], str, dict[str, Any]]:
    """Input paths for one case (files, a folder, odd things), their kind, and what is known."""
    folder.mkdir(parents=True, exist_ok=True)
    roll = rng.random()
    fmt = rng.choice(list(FORMAT_SUFFIX))
    if roll < 0.04:  # not a regular file: a FIFO, a device, a missing path, a folder loop
        odd = rng.choice(["fifo", "dev-zero", "dev-null", "missing", "loop", "dir-fifo"])
        if odd == "fifo":
            os.mkfifo(folder / "in.jsonl")
            return [str(folder / "in.jsonl")], "odd/fifo", {}
        if odd == "dev-zero":
            return ["/dev/zero"], "odd/dev-zero", {}
        if odd == "dev-null":
            return ["/dev/null"], "odd/dev-null", {}
        if odd == "missing":
            return [str(folder / "nope" / "x.jsonl")], "odd/missing", {}
        if odd == "loop":
            (folder / "d").mkdir()
            (folder / "d" / "self").symlink_to(folder / "d")
            (folder / "d" / "a.txt").write_text(SENTENCES[0], encoding="utf-8")
            return [str(folder / "d")], "odd/folder-loop", {}
        (folder / "d").mkdir()
        os.mkfifo(folder / "d" / "pipe.jsonl")
        (folder / "d" / "a.txt").write_text(SENTENCES[0], encoding="utf-8")
        return [str(folder / "d")], "odd/folder-with-fifo", {}
    if roll < 0.14:  # a folder of mixed files
        sub = folder / "corpus"
        sub.mkdir()
        for i in range(rng.randint(0, 4)):
            f = rng.choice(list(FORMAT_SUFFIX))
            data, _ = input_bytes(f, rng)
            (
                sub / f"f{i}{rng.choice([FORMAT_SUFFIX[f], FORMAT_SUFFIX[f], '.bin', ''])}"
            ).write_bytes(data)
        return [str(sub)], "folder", {}
    data, known = input_bytes(fmt, rng)
    suffix = (
        FORMAT_SUFFIX[fmt] if rng.random() < 0.85 else rng.choice([".dat", "", ".JSONL", ".Txt"])
    )
    name = rng.choice(["in", "in put", "ïn", "-in", "in\nput"]) if rng.random() < 0.1 else "in"
    path = folder / f"{name}{suffix}"
    path.write_bytes(data)
    paths = [str(path)]
    if rng.random() < 0.15:  # a second file, maybe the same one twice
        again = rng.random() < 0.3
        other = path if again else folder / f"second{FORMAT_SUFFIX[fmt]}"
        if not again:
            other.write_bytes(input_bytes(fmt, rng)[0])
        paths.append(str(other))
        known = None
    return paths, f"{fmt}{'' if known is None else '-intact'}", {"records": known, "fmt": fmt}


# ================================================================ outcomes


def one_line(message: str) -> bool:
    return bool(message.strip()) and "\n" not in message and "\r" not in message


def signature(exc: BaseException, tb: Any) -> str:
    """Type, message and the innermost frame inside divergence/ (else the innermost)."""
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if f"{os.sep}divergence{os.sep}" in f.filename]
    frame = (ours or frames or [None])[-1]
    where = ""
    if frame is not None:
        name = frame.filename
        with contextlib.suppress(ValueError):
            name = str(Path(name).relative_to(ROOT))
        where = f" at {name}:{frame.lineno} in {frame.name}"
    message = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {message}{where}"


def from_exception(exc: BaseException, tb: Any) -> Outcome:
    from divergence.errors import DivergenceError

    if isinstance(exc, MemoryError):
        return Outcome("memory", signature(exc, tb))
    if isinstance(exc, DivergenceError):
        if one_line(str(exc)):
            return Outcome("clean error", detail=str(exc)[:200])
        return Outcome("bad error", f"{type(exc).__name__} not one line: {str(exc)[:80]!r}")
    return Outcome("crash", signature(exc, tb), "".join(traceback.format_exception(exc)))


def python_call(fn: Callable[[], Any], check: Callable[[Any], str | None] | None = None) -> Outcome:
    try:
        value = fn()
    except Exception as exc:  # classified, never re-raised: the campaign counts them
        return from_exception(exc, exc.__traceback__)
    problem = check(value) if check else None
    return Outcome("misread", problem) if problem else Outcome("ok")


def cli_outcome(code: int | None, stderr: str, exc_info: Any = None) -> Outcome:
    if exc_info is not None:
        exc, tb = exc_info[1], exc_info[2]
        if not isinstance(exc, SystemExit):
            return from_exception(exc, tb)
    if code in (0, 1):
        if "Traceback (most recent call last)" in stderr or "Exception ignored" in stderr:
            return Outcome("bad error", f"exit {code} with a traceback on stderr")
        return Outcome("ok")
    lines = stderr.splitlines()
    if code == 2:
        errors = [line for line in lines if line.startswith("Error: ")]
        noise = [line for line in lines if line.startswith(("Usage:", "Try ", "Traceback",
                                                              "Exception ignored"))]  # fmt: skip
        if (
            len(errors) == 1
            and lines[-1].startswith("Error: ")
            and not noise
            and len(errors[0]) > 7
        ):
            return Outcome("clean error", detail=errors[0][:200])
        first = lines[0][:80] if lines else "(nothing on stderr)"
        shape = "usage block" if noise and noise[0].startswith(("Usage:", "Try ")) else (
            f"{len(lines)} lines")  # fmt: skip
        return Outcome("bad error", f"exit 2, {shape}: {first}")
    first = lines[-1][:100] if lines else "(nothing on stderr)"
    return Outcome("bad error", f"exit {code}: {first}")


def invoke(args: Sequence[str], stdin: bytes | None = None) -> tuple[Outcome, Any]:
    from click.testing import CliRunner

    from divergence.cli import cli

    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=True)
    exc_info = result.exc_info if result.exception is not None else None
    return cli_outcome(result.exit_code, result.stderr, exc_info), result


# ================================================================ misreads


def stringified(value: Any) -> set[str]:
    """What a non-string value looks like after str() or json.dumps(): a misread if seen."""
    if isinstance(value, str):
        return set()
    forms = {str(value), repr(value)}
    with contextlib.suppress(TypeError, ValueError):
        forms.add(json.dumps(value))
    return {f for f in forms if f}


def documents_misread(docs: Any, known: list[dict[str, Any]] | None) -> str | None:
    """A document field that is not text, or that holds a non-string input value turned
    into text (whole numbers in ``id`` and ``published`` are read on purpose)."""
    for doc in docs:
        for name in ("id", "source", "text", "url", "published", "title"):
            value = getattr(doc, name)
            if value is not None and not isinstance(value, str):
                return f"Document.{name} is {type(value).__name__}"
    if known is None:
        return None
    by_id = {r["id"]: r for r in known if isinstance(r.get("id"), str)}
    for doc in docs:
        rec = by_id.get(doc.id)
        if rec is None:
            continue
        for name in ("source", "text", "title", "url", "published"):
            value, raw = getattr(doc, name), rec.get(name)
            if name not in rec or value is None or isinstance(raw, str):
                continue
            if name == "published" and isinstance(raw, int) and not isinstance(raw, bool):
                continue
            if value in stringified(raw) or value.strip().lower() in ("nan", "none", "nat"):
                return f"non-string {name} ({type(raw).__name__}) stringified"
    return None


def claims_misread(docs: Any, claims: Any) -> str | None:
    texts = {d.id: d.text for d in docs}
    for c in claims:
        text = texts.get(c.doc_id)
        if text is None:
            return "a claim of no document"
        if not (0 <= c.start <= c.end <= len(text)) or text[c.start : c.end] != c.text:
            return "claim offsets do not point at the claim's text"
    return None


def findings_misread(a: str, b: str, findings: Any) -> str | None:
    for f in findings:
        if not (isinstance(f.strength, float | int) and 0 <= f.strength <= 1):
            return f"strength {f.strength!r} outside [0, 1]"
        for side, text in (("a", a), ("b", b)):
            for span in getattr(f, f"spans_{side}"):
                if not (0 <= span.start <= span.end <= len(text)):
                    return "an evidence span outside its sentence"
                if text[span.start : span.end] != span.text:
                    return "an evidence span's text differs from the sentence at its offsets"
    return None


# ================================================================ the paths


def path_documents(rng: random.Random, tmp: Path) -> Case:
    from divergence.documents import FORMATS, load_documents

    paths, kind, info = write_inputs(rng, tmp / "in")
    fmt = rng.choice([None, None, None, *FORMATS])
    skip = rng.random() < 0.3
    max_chars = rng.choice([200_000, 200_000, 100, 1000, 10**9])
    known = info.get("records") if fmt in (None, info.get("fmt")) else None

    def run() -> Outcome:
        return python_call(
            lambda: load_documents(paths, format=fmt, skip_invalid=skip, max_chars=max_chars),
            lambda docs: documents_misread(docs, known if not skip else None),
        )

    return Case(f"documents/{kind}", run, [Path(p) for p in paths])


def path_stdin(rng: random.Random, tmp: Path) -> Case:
    fmt = rng.choice(list(FORMAT_SUFFIX))
    data, _ = input_bytes(fmt, rng)
    args = ["claims", "-", "-f", rng.choice(["jsonl", "json", "csv", "table"])]
    if rng.random() < 0.3:
        args += ["--input-format", rng.choice(list(FORMAT_SUFFIX))]
    if rng.random() < 0.2:
        args.append("--skip-invalid")
    (tmp / "stdin.bin").write_bytes(data)
    return Case(f"stdin/{fmt}", lambda: invoke(args, data)[0], [tmp / "stdin.bin"])


def fuzzed_option(rng: random.Random, name: str, good: Sequence[str]) -> tuple[list[str], bool]:
    """An option with a good value, or a bad one; the flag says a NaN/inf was given."""
    roll = rng.random()
    if roll < 0.75:
        return [name, rng.choice(good)], False
    bad = rng.choice(["nan", "NaN", "inf", "-inf", "", "abc", "1e999", "-1", "2", "0x10",
                      "99999999999999999999", "\x00", "1_000", "٣"])  # fmt: skip
    return [name, bad], bad.lower().lstrip("-") in ("nan", "inf", "1e999")


def path_claims(rng: random.Random, tmp: Path) -> Case:
    paths, kind, _ = write_inputs(rng, tmp / "in")
    args = ["claims", *paths, "-f", rng.choice(["jsonl", "json", "csv", "table", "markdown",
                                                  "html", "parquet", "pdf"])]  # fmt: skip
    option, nan = fuzzed_option(rng, "--min-checkworthiness", ["0", "0.5", "1"])
    args += option if rng.random() < 0.5 else []
    if rng.random() < 0.3:
        args += ["-o", str(tmp / rng.choice(["out.jsonl", "out.parquet", "out.html", "out"]))]

    def run() -> Outcome:
        outcome, _ = invoke(args)
        if nan and option[0] in args and outcome.outcome == "ok":
            return Outcome("misread", f"{option[0]} {option[1]!r} accepted")
        return outcome

    return Case(f"claims/{kind}", run, [Path(p) for p in paths])


def corpus(rng: random.Random, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    roll = rng.random()
    if roll < 0.2:
        return write_inputs(rng, folder)[0]
    recs = records(rng, clean=roll < 0.7)  # half of them reach pairing, scoring and output
    path = folder / "corpus.jsonl"
    path.write_bytes(as_jsonl(recs, rng))
    return [str(path)]


def path_diff(rng: random.Random, tmp: Path) -> Case:
    paths = corpus(rng, tmp / "in")
    args = ["diff", *paths, "--scorer", "checks", "-q"]
    nan_given: list[str] = []
    for name, good in (("--threshold", ["0.5", "0", "1"]), ("--top-k", ["1", "3", "50"]),
                       ("--min-similarity", ["-1", "0.2", "1"]), ("--min-topic", ["0", "0.3"]),
                       ("--max-chars", ["100", "200000"])):  # fmt: skip
        if rng.random() < 0.3:
            option, nan = fuzzed_option(rng, name, good)
            args += option
            if nan:
                nan_given.append(" ".join(option))
    if rng.random() < 0.3:
        args += ["--by", rng.choice(["speaker", "outlet", "planet"])]
    if rng.random() < 0.3:
        args += ["-f", rng.choice(["table", "markdown", "csv", "json", "jsonl", "html", "parquet"])]
    if rng.random() < 0.2:
        args += ["-o", str(tmp / rng.choice(["r.html", "r.parquet", "r.json", "r"]))]
    if rng.random() < 0.1:
        args.append("--all")
    if rng.random() < 0.05:
        args.append(rng.choice(["--bogus", "--threshold", "-f", "--by"]))

    def run() -> Outcome:
        outcome, _ = invoke(args)
        if nan_given and outcome.outcome == "ok":
            return Outcome("misread", f"{nan_given[0].split()[0]} NaN/inf accepted")
        return outcome

    return Case("diff", run, [Path(p) for p in paths])


def path_extract(rng: random.Random, tmp: Path) -> Case:
    from divergence.claims import extract_claims
    from divergence.documents import Document
    from divergence.pipeline import as_documents

    if rng.random() < 0.5:
        docs_in: list[Any] = [
            Document(f"d{i}", rng.choice(["A", "B", nasty_text(rng)[:40] or "C"]), nasty_text(rng))
            for i in range(rng.randint(1, 4))
        ]
        kind = "documents"
    else:
        docs_in = [record(rng, i, ["A", "B"]) for i in range(rng.randint(1, 4))]
        if rng.random() < 0.05:
            docs_in.append(rng.choice([None, 42, "text", ["x"]]))
        kind = "dicts"
    minimum = rng.choice([0.0, 0.3, 1.0])

    def run() -> Outcome:
        docs: list[Any] = []

        def go() -> Any:
            docs.extend(as_documents(docs_in))
            return extract_claims(docs, min_checkworthiness=minimum)

        known = [d for d in docs_in if isinstance(d, dict)]
        return python_call(go, lambda claims: documents_misread(docs, known or None)
                           or claims_misread(docs, claims))  # fmt: skip

    return Case(f"extract/{kind}", run)


def path_checks(rng: random.Random, tmp: Path) -> Case:
    from divergence.checks import run_checks

    a, b = nasty_text(rng), nasty_text(rng)
    if rng.random() < 0.3:  # numbers, dates and negations of every shape
        numbers = ["40", "33", "1,200", "1.5 million", "1e999", "10^9999", "-0", "½", "٣٣",
                   "2**64", "9" * 500, "0.0000001", "hundreds", "thousands", "dozens"]  # fmt: skip
        a = f"At least {rng.choice(numbers)} people were killed on {rng.choice(['Monday', '8 April 2024', '32 Jan'])}, officials said."
        b = f"{rng.choice(['The ministry said', 'Police did not confirm'])} {rng.choice(numbers)} people died."
    overlap = rng.choice([0.0, 0.5, 1.0, rng.random()])  # pairing's range; outside it is
    # out of contract (run_checks does not check it: -1 gives a negative strength)
    speakers = [None, "officials", "", nasty_text(rng)[:30]]
    sa, sb = rng.choice(speakers), rng.choice(speakers)

    def run() -> Outcome:
        return python_call(lambda: run_checks(a, b, overlap=overlap, speaker_a=sa, speaker_b=sb),
                           lambda found: findings_misread(a, b, found))  # fmt: skip

    return Case("checks", run)


def path_score_pairs(rng: random.Random, tmp: Path) -> Case:
    from divergence.sanitize import clean_text

    pairs = []
    for _i in range(rng.randint(0, 6)):
        pair: dict[str, Any] = {"a": nasty_text(rng), "b": nasty_text(rng)}
        if rng.random() < 0.5:
            pair["id"] = nasty_value(rng)
        if rng.random() < 0.1:
            pair[rng.choice(["a", "b"])] = nasty_value(rng)
        if rng.random() < 0.05:
            pair = rng.choice([[1, 2], "x", 42, None])  # type: ignore[assignment]
        pairs.append(pair)
    lines = [dumps(p, rng) for p in pairs]
    hostile = rng.random() < 0.1
    if hostile:  # what the document reader's limits are for: each once crashed score-pairs
        lines.insert(rng.randint(0, len(lines)), rng.choice([
            "[" * 100_000 + "]" * 100_000, '{"a": ' + "7" * 5_000 + ', "b": "x"}',
            '{"a": "x", "a": "y", "b": "z"}', '{"a": "' + "w " * 150_000 + '", "b": "y"}',
        ]))  # fmt: skip
    text = "".join(line + "\n" for line in lines).encode("utf-8", "surrogatepass")
    mutated = hostile or rng.random() < 0.3
    if mutated:
        text = mutate(text, rng)
    skip = rng.random() < 0.3
    path = tmp / "pairs.jsonl"
    path.write_bytes(text)
    source = ["-"] if rng.random() < 0.3 else [str(path)]
    args = ["score-pairs", *source, "--scorer", "checks", *(["--skip-invalid"] if skip else [])]
    out = tmp / "scored.jsonl"
    if rng.random() < 0.3:
        args += ["-o", str(out)]

    def run() -> Outcome:
        outcome, result = invoke(args, text if source == ["-"] else None)
        if outcome.outcome != "ok" or mutated or skip:
            return outcome
        written = out.read_text(encoding="utf-8") if "-o" in args else result.stdout
        rows = [json.loads(line) for line in written.split("\n") if line]  # not splitlines:
        # U+2028 inside a JSON string is a line break to splitlines but not to JSON lines
        valid = [p for p in pairs if isinstance(p, dict) and isinstance(p.get("a"), str)
                 and isinstance(p.get("b"), str)]  # fmt: skip
        if len(rows) != len(valid):
            return Outcome("misread", "score-pairs output has a different number of pairs")
        for row, pair in zip(rows, valid, strict=True):
            a_in = json.loads(json.dumps(pair["a"]))
            # Texts are cleaned as documents are (lone surrogates, control characters).
            if row.get("a") != clean_text(a_in):
                return Outcome("misread", "score-pairs changed a pair's text")
            probs = [row.get(k) for k in ("p_contradiction", "p_entailment", "p_neutral")]
            if not all(isinstance(p, float | int) and math.isfinite(p) for p in probs):
                return Outcome("misread", "score-pairs wrote a non-finite probability")
        return outcome

    return Case(f"score-pairs/{'mutated' if mutated else 'generated'}", run, [path])


# ---- the nightly job and its store


def template_db(root: Path) -> Path:
    """A database with two real nights in it (the fake embedder, the checks scorer), made in
    a child so that this process, which every case is forked from, starts no thread pools."""
    db = root / "template.db"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            from divergence.nightly import run_nightly

            for day in ("2024-04-08", "2024-04-09"):
                run_nightly(NIGHTS / f"{day}.jsonl", db=db, out=root / "template-out", date=day,
                            scorer="checks")  # fmt: skip
            with contextlib.closing(sqlite3.connect(db)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if status != 0 or not db.is_file():
        raise SystemExit("fuzz campaign: could not build the template database")
    return db


TEMPLATE: Path | None = None
#: Value corruptions: (table, column, SQL value, refused when the file is opened). The others
#: are refused when their row is read; read_everything reads every row.
TYPED = [
    ("pairs", "findings", "'not json'", False), ("pairs", "findings", "x'00'", True),
    ("pairs", "findings", "'[{\"kind\": \"weird\"}]'", False), ("pairs", "findings", "'{}'", False),
    ("pairs", "findings",
     "'[{\"kind\":\"numeric\",\"strength\":\"x\",\"note\":1,\"spans_a\":[[1]],\"spans_b\":[]}]'",
     False),
    ("pairs", "kind", "'weird'", False), ("pairs", "label", "'maybe'", False),
    ("pairs", "p_neutral", "'high'", True), ("pairs", "divergence", "x'01'", True),
    ("embeddings", "vector", "x'0000'", False), ("embeddings", "vector", "'text'", True),
    ("embeddings", "dim", "-3", False), ("embeddings", "dim", "'x'", True),
    ("claims", "speaker", "x'00ff'", True), ("claims", "text", "x'3432'", True),
    ("claims", "start", "'x'", True), ("claims", "start", "999999", False),
    ("claims", "checkworthiness", "'high'", True),
    ("documents", "first_seen", "'someday'", True), ("documents", "window_date", "20240408", True),
    ("findings", "similarity", "'close'", True), ("findings", "topic", "x'00'", True),
    ("finding_days", "status", "'weird'", True), ("finding_days", "date", "'2024-02-30'", False),
    ("finding_days", "divergence", "'big'", True),
    ("runs", "counts", "'{'", False), ("runs", "counts", "'[1, 2]'", False),
    ("runs", "date", "20240408", True), ("runs", "status", "'paused'", True),
    ("runs", "counts", "'{\"new\": \"x\"}'", False),
]  # fmt: skip
#: Structural damage: name -> (refused by read_everything, refused when the file is opened).
STRUCTURAL = {
    "drop-table": (True, True), "drop-column": (True, True), "rename-table": (True, True),
    "extra-column": (True, True), "dangling-finding": (True, False), "orphan-claim": (True, False),
    "version-0": (True, True), "version-99": (True, True), "garbage-file": (True, True),
    "foreign-db": (True, True), "index-date": (True, True), "bit-flip": (False, False),
    "truncate": (False, False), "zero-page": (False, False), "empty-file": (False, False),
    "wal-garbage": (False, False),
}  # fmt: skip


def flip_index_date(db: Path) -> None:
    """One date inside the documents_window index changed: a well-formed b-tree whose index
    disagrees with its table (quick_check passes it; integrity_check does not)."""
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'documents_window'"
        ).fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    data = bytearray(db.read_bytes())
    page = data[(root - 1) * size : root * size]
    at = page.rfind(b"2024-04-0")
    if at >= 0:
        data[(root - 1) * size + at + 9] = ord("7")
    db.write_bytes(bytes(data))


def damage(db: Path, rng: random.Random) -> tuple[str, bool, bool]:
    """Damage a copy of the template: what was done, and whether the store must refuse it
    when every row is read, and already when the file is opened."""
    if rng.random() < 0.5:
        table, column, value, at_open = rng.choice(TYPED)
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
            conn.execute("PRAGMA ignore_check_constraints = ON")
            try:
                conn.execute(f"UPDATE {table} SET {column} = {value} WHERE rowid IN "
                             f"(SELECT rowid FROM {table} ORDER BY random() LIMIT 1)")  # fmt: skip
            except sqlite3.OperationalError:  # WITHOUT ROWID: one row, by its primary key
                a, b = {"embeddings": ("model", "text_hash"),
                        "finding_days": ("finding_id", "date")}[table]  # fmt: skip
                one = conn.execute(f"SELECT {a}, {b} FROM {table} ORDER BY random() LIMIT 1")
                conn.execute(f"UPDATE {table} SET {column} = {value} WHERE {a} = ? AND {b} = ?",
                             one.fetchone())  # fmt: skip
        return f"{table}.{column}", True, at_open
    what = rng.choice(sorted(STRUCTURAL))
    must, at_open = STRUCTURAL[what]
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        if what == "drop-table":
            conn.execute(f"DROP TABLE {rng.choice(['pairs', 'claims', 'runs', 'finding_days'])}")
        elif what == "drop-column":
            conn.execute("ALTER TABLE findings DROP COLUMN overlap")
        elif what == "rename-table":
            conn.execute("ALTER TABLE embeddings RENAME TO vectors")
        elif what == "extra-column":
            conn.execute("ALTER TABLE documents ADD COLUMN extra TEXT")
        elif what == "dangling-finding":
            conn.execute("DELETE FROM claims WHERE key IN (SELECT claim_a FROM findings)")
        elif what == "orphan-claim":
            conn.execute("DELETE FROM documents")
        elif what == "version-0":
            conn.execute("PRAGMA user_version = 0")
        elif what == "version-99":
            conn.execute("PRAGMA user_version = 99")
        elif what == "foreign-db":
            conn.execute("DROP TABLE runs")
            conn.execute("CREATE TABLE notes (x)")
    if what == "index-date":
        flip_index_date(db)
        return what, must, at_open
    data = bytearray(db.read_bytes())
    if what == "bit-flip":
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(100, len(data))
            data[i] ^= 1 << rng.randrange(8)
    elif what == "truncate":
        del data[rng.randrange(len(data)) :]
    elif what == "zero-page":
        page = rng.randrange(1, max(len(data) // 4096, 2))
        data[page * 4096 : (page + 1) * 4096] = bytes(4096)
    elif what == "garbage-file":
        data = bytearray(b"\x01" + os.urandom(rng.randint(0, 100_000)))
    elif what == "empty-file":
        data = bytearray()
    db.write_bytes(bytes(data))
    if what == "wal-garbage":
        Path(f"{db}-wal").write_bytes(os.urandom(rng.randint(32, 20_000)))
    return what, must, at_open


def read_everything(db: Path, readonly: bool) -> Any:
    """Every reader of the store, over every row."""
    from divergence.store import Store

    with Store(db, readonly=readonly) as store:
        store.documents(), store.findings(), store.findings("2024-04-09"), store.runs()
        store.history(), store.last_run_date(), store.unfinished_dates("9999-12-31")
        claims = store.window_claims("9999-12-31", "0001-01-01")
        store.claims_by_key([c.key for c in claims])
        hashes = [r[0] for r in store.conn.execute("SELECT text_hash FROM embeddings")]
        models = {r[0] for r in store.conn.execute("SELECT model FROM embeddings")}
        for model in models:
            store.vectors(model, hashes)
        store.scores([r[0] for r in store.conn.execute("SELECT key FROM pairs")])
        ids = [r[0] for r in store.conn.execute("SELECT id FROM findings")]
        store.finding_records("9999-12-31", ids=ids)
        return store.findings()


def path_store(rng: random.Random, tmp: Path) -> Case:
    assert TEMPLATE is not None
    db = tmp / "news.db"
    shutil.copy(TEMPLATE, db)
    what, must, _ = damage(db, rng)
    readonly = rng.random() < 0.3

    def run() -> Outcome:
        outcome = python_call(lambda: read_everything(db, readonly))
        if outcome.outcome == "ok" and must:
            return Outcome("misread", f"a damaged database read without a word ({what})")
        return outcome

    return Case(f"store/{what}", run, [db])


def path_nightly(rng: random.Random, tmp: Path) -> Case:
    assert TEMPLATE is not None
    inputs = [str(NIGHTS / "2024-04-10.jsonl")] if rng.random() < 0.3 else corpus(rng, tmp / "in")
    db = tmp / "news.db"
    kind = "fresh"
    must = False
    if rng.random() < 0.5:
        shutil.copy(TEMPLATE, db)
        kind = "reused"
        if rng.random() < 0.5:
            what, _, must = damage(db, rng)
            must = must or what.startswith("runs.")  # the run log is read whole, every night
            kind = f"damaged/{what}"
    # Mostly dates and windows that work, so that most cases reach the job and its store.
    date = rng.choice(["2024-04-10", "2024-04-09", "2024-04-08", "0001-01-01", "9999-12-31"])
    if rng.random() < 0.15:
        date = rng.choice(["2024-02-30", "2024-4-10", "today", "", "10000-01-01"])
    window = rng.choice(["7d", "1d", "30d", "3652059d"])
    if rng.random() < 0.15:
        window = rng.choice(["3652060d", "99999999999999999999d", "0d", "-1d", "7", "1w",
                             "1" * 5000 + "d", "٧d"])  # fmt: skip
    args = ["nightly", *inputs, "--db", str(db), "--out", str(tmp / "out"), "--date", date,
            "--window", window, "--scorer", "checks", "-q"]  # fmt: skip
    if rng.random() < 0.2:
        args += ["--by", rng.choice(["outlet", "speaker"])]
    twice = rng.random() < 0.2

    def run() -> Outcome:
        outcome, _ = invoke(args)
        if twice and outcome.outcome == "ok":
            outcome, _ = invoke(args)
        if outcome.outcome == "ok":
            if must:
                return Outcome("misread", f"nightly used a damaged database ({kind})")
            with contextlib.closing(sqlite3.connect(db)) as conn:
                if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                    return Outcome("misread", "the database fails integrity_check after a run")
            summaries = list((tmp / "out").glob("*/summary.json"))
            if not summaries:
                return Outcome("misread", "a run that succeeded wrote no summary.json")
            json.loads(summaries[0].read_text(encoding="utf-8"))
        return outcome

    return Case(f"nightly/{kind}", run, [db, *(Path(p) for p in inputs)])


# ---- output: -o, --out and a real standard output


def output_target(rng: random.Random, tmp: Path, input_path: Path) -> tuple[str, str]:
    """A target for -o of one odd kind, and that kind."""
    out = tmp / "out"
    out.mkdir()
    kind = rng.choice(["plain", "read-only-dir", "under-file", "name-300", "name-250",
                       "symlink", "dangling", "loop", "fifo", "device", "folder", "input",
                       "input-link", "missing-dir", "newline", "dash"])  # fmt: skip
    target = out / "report.json"
    if kind == "read-only-dir":
        (out / "ro").mkdir()
        target = out / "ro" / "report.json"
        (out / "ro").chmod(0o555)
    elif kind == "under-file":
        (out / "file").write_text("x", encoding="utf-8")
        target = out / "file" / "report.json"
    elif kind == "name-300":
        target = out / ("r" * 300 + ".json")
    elif kind == "name-250":
        target = out / ("r" * 245 + ".json")
    elif kind == "symlink":
        (out / "real.json").write_text("old", encoding="utf-8")
        target.symlink_to(out / "real.json")
    elif kind == "dangling":
        target.symlink_to(out / "nowhere.json")
    elif kind == "loop":
        target.symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        try:
            os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except OSError:
            kind = "plain"
    elif kind == "folder":
        target.mkdir()
    elif kind == "input":
        return str(input_path), kind
    elif kind == "input-link":
        target.symlink_to(input_path)
    elif kind == "missing-dir":
        target = out / "nope" / "report.json"
    elif kind == "newline":
        target = out / "rep\nort.json"
    elif kind == "dash":
        return "-", kind
    if kind in ("plain", "read-only-dir", "name-250") and rng.random() < 0.5:
        with contextlib.suppress(OSError):
            target.write_text("the previous report", encoding="utf-8")
    return str(target), kind


def snapshot(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Each entry's mode and (for regular files) content, links not followed."""
    found: dict[str, tuple[int, bytes | None]] = {}
    for top, dirs, files in os.walk(folder):  # links are not followed
        for name in [*dirs, *files]:
            path = Path(top) / name
            mode = path.lstat().st_mode
            data = path.read_bytes() if stat.S_ISREG(mode) else None
            found[str(path.relative_to(folder))] = (stat.S_IFMT(mode), data)
    return found


def output_misread(before: dict[str, Any], after: dict[str, Any], outcome: Outcome,
                   input_before: bytes, input_path: Path, kind: str) -> str | None:  # fmt: skip
    if input_path.read_bytes() != input_before:
        return "an input was overwritten"
    if any(name.endswith(".tmp") for name in after):
        return "a temporary file was left behind"
    for name, (mode, _) in before.items():
        if name in after and after[name][0] != mode:
            return f"-o {kind}: {name} changed type (a link, FIFO or device replaced)"
    if outcome.outcome != "ok":
        for name, (mode, data) in before.items():
            if mode == stat.S_IFREG and after.get(name, (0, None))[1] != data:
                return f"-o {kind}: the previous report did not survive a failed write"
    return None


def real_stdout(args: Sequence[str], mode: str, tmp: Path) -> Outcome:
    """Run the command line with file descriptors 0-2 set up as a real process has them."""
    from divergence.cli import cli

    err_path = tmp / "stderr.txt"
    err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(err_fd, 2)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    if mode == "closed":
        os.close(1)
        sys.stdout = None  # type: ignore[assignment]  # what Python does when fd 1 is closed
    else:
        if mode == "full":
            fd = os.open("/dev/full", os.O_WRONLY)
        else:  # a broken pipe: the reading end is closed before anything is written
            read_end, fd = os.pipe()
            os.close(read_end)
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as Python sets it up
        os.dup2(fd, 1)
        encoding = "ascii" if mode == "ascii" else "utf-8"
        if mode == "ascii":
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=encoding)
    code: Any = 0
    try:
        cli.main(list(args), prog_name="divergence", standalone_mode=True)
    except SystemExit as e:
        code = e.code
    except Exception as exc:
        return from_exception(exc, exc.__traceback__)
    # What the interpreter does at exit: flush stdout; a failure there prints a second error.
    late = ""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except Exception as exc:
        late = f"Exception ignored on flushing sys.stdout: {exc!r}"
    sys.stderr.flush()
    stderr = err_path.read_text(encoding="utf-8", errors="replace") + late
    if mode == "broken-pipe" and code == 2 and not stderr:  # quiet, by design (cli/__init__)
        return Outcome("clean error", detail="(a quiet exit 2: the reader went away)")
    return cli_outcome(code if isinstance(code, int) else 1, stderr)


def path_output(rng: random.Random, tmp: Path) -> Case:
    docs = tmp / "in" / "corpus.jsonl"
    docs.parent.mkdir()
    docs.write_bytes(as_jsonl([record(rng, i, ["Outlet A", "Outlet B"]) for i in range(3)], rng))
    command = rng.choice(["diff", "claims", "score-pairs", "nightly"])
    if command == "score-pairs":
        docs.write_text(json.dumps({"a": SENTENCES[0], "b": SENTENCES[1]}) + "\n", encoding="utf-8")
    base = {"diff": ["diff", str(docs), "--scorer", "checks", "-q"],
            "claims": ["claims", str(docs)],
            "score-pairs": ["score-pairs", str(docs), "--scorer", "checks", "-q"],
            "nightly": ["nightly", str(docs), "--db", str(tmp / "n.db"), "--date", "2024-04-08",
                        "--scorer", "checks", "-q"]}[command]  # fmt: skip
    stdout_mode = rng.choice(["full", "closed", "broken-pipe", "ascii"])
    if rng.random() < 0.25 and command != "nightly":
        if stdout_mode == "ascii":
            docs.write_bytes(as_jsonl([{"id": "x", "source": "Outlet A", "text": SENTENCES[0] + " Ünïcödé."},
                                       {"id": "y", "source": "Outlet B", "text": SENTENCES[1]}], rng))  # fmt: skip
        return Case(
            f"output/stdout-{stdout_mode}/{command}",
            lambda: real_stdout(
                [*base, *(["-f", "json"] if command != "score-pairs" else [])], stdout_mode, tmp
            ),
            [docs],
        )
    target, kind = output_target(rng, tmp, docs)
    option = "--out" if command == "nightly" else "-o"
    args = [*base, option, target]
    if command in ("diff", "claims") and rng.random() < 0.5:
        args += ["-f", rng.choice(["json", "html", "csv", "parquet"])]
    fsize = rng.random() < 0.15

    def run() -> Outcome:
        before, input_before = snapshot(tmp / "out"), docs.read_bytes()
        if fsize:  # a full disk: writes past 2 kB fail with EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
            resource.setrlimit(resource.RLIMIT_FSIZE, (2048, hard))  # the soft limit only
        outcome, _ = invoke(args)
        if fsize:
            resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
        problem = output_misread(before, snapshot(tmp / "out"), outcome, input_before, docs, kind)
        return Outcome("misread", problem) if problem else outcome

    return Case(f"output/{kind}{'+full-disk' if fsize else ''}/{command}", run, [docs])


BUILDERS: dict[str, Callable[[random.Random, Path], Case]] = {
    "documents": path_documents, "stdin": path_stdin, "claims": path_claims, "diff": path_diff,
    "extract": path_extract, "checks": path_checks, "score-pairs": path_score_pairs,
    "nightly": path_nightly, "store": path_store, "output": path_output,
}  # fmt: skip


# ================================================================ running cases


def prepare(workdir: Path) -> None:
    """Import everything once, in the parent: the children are forked from it."""
    global TEMPLATE
    import click.testing  # noqa: F401 - imported once, before the fork
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    from divergence import embeddings, scoring
    from divergence.cli import cli  # noqa: F401
    from tests.fakes import HashingEmbedder

    embeddings.EMBEDDERS[embeddings.DEFAULT_EMBEDDER] = HashingEmbedder
    scoring.DEFAULT_SCORER = scoring.CHECKS_SCORER
    os.environ.pop(embeddings.ENV_EMBEDDER, None)
    os.environ.pop("DIVERGENCE_SCORER", None)
    os.environ.pop("DIVERGENCE_DB", None)
    os.environ["DIVERGENCE_HOME"] = str(workdir / "home")
    TEMPLATE = template_db(workdir)


def case_seed(seed: int, path: str, index: int) -> int:
    return random.Random(f"{seed}:{path}:{index}").randrange(2**62)


def build(path: str, seed: int, tmp: Path) -> Case:
    return BUILDERS[path](random.Random(seed), tmp)


def vm_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass
class Running:
    path: str
    seed: int
    pid: int
    fd: int
    tmp: Path
    started: float
    data: bytes = b""
    closed: bool = False
    cpu: float = 0.0  # CPU seconds it used, from wait4
    cpu_limit: int = 10

    def cpu_limited(self) -> bool:
        return self.cpu >= self.cpu_limit


def child(path: str, seed: int, tmp: Path, write_fd: int, memory: int, cpu_limit: int) -> None:
    """In the forked child: limits, quiet descriptors, build and run the case, report."""
    code = 0
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.setpgrp()  # the parent kills the whole group on a hang
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # The time limit is CPU time, so that a busy machine does not turn slow cases into
        # hangs: SIGXCPU at the limit, SIGKILL a second later.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit, cpu_limit + 1))
        # Where a hung case was: its stack, written on SIGXCPU (the CPU limit) or on SIGUSR1
        # (sent by the parent at the wall-clock limit), before it is killed.
        tmp.mkdir(parents=True)
        stack = open(tmp.parent / f"{tmp.name}.stack", "w")  # noqa: SIM115 - open until exit
        faulthandler.register(signal.SIGXCPU, file=stack, all_threads=False)
        faulthandler.register(signal.SIGUSR1, file=stack, all_threads=False)
        begun = resource.getrusage(resource.RUSAGE_SELF)
        os.chdir(tmp)
        try:
            case = build(path, seed, tmp)
        except Exception as exc:  # a bug in the campaign's generators
            failed = Outcome("crash", "campaign: " + signature(exc, exc.__traceback__))
            case = Case(f"{path}/unbuilt", lambda: failed)
        os.write(write_fd, (json.dumps({"kind": case.kind}) + "\n").encode())
        try:
            outcome = case.run()
        except MemoryError as exc:
            outcome = Outcome("memory", signature(exc, exc.__traceback__))
        except BaseException as exc:  # a bug in the campaign itself, or SystemExit
            outcome = Outcome("crash", "campaign: " + signature(exc, exc.__traceback__))
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = used.ru_utime - begun.ru_utime + used.ru_stime - begun.ru_stime
        line = json.dumps({"outcome": outcome.outcome, "signature": outcome.signature,
                           "detail": outcome.detail[-4000:], "cpu": cpu})  # fmt: skip
        view = memoryview((line + "\n").encode())
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:
        code = 3
    finally:
        os._exit(code)


def start(path: str, seed: int, tmp: Path, memory: int, cpu_limit: int) -> Running:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_fd)
        child(path, seed, tmp, write_fd, memory, cpu_limit)
    os.close(write_fd)
    return Running(path, seed, pid, read_fd, tmp, time.monotonic(), cpu_limit=cpu_limit)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a running process has used so far (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hung_at(job: Running) -> str:
    """`` at FILE:LINE in FUNC``: the innermost divergence frame of a hung case's stack dump."""
    try:
        dump = (job.tmp.parent / f"{job.tmp.name}.stack").read_text(errors="replace")
    except OSError:
        return ""
    frames = re.findall(r'File "([^"]+)", line (\d+) in (\S+)', dump)
    ours = [f for f in frames if f"{os.sep}divergence{os.sep}" in f[0]]
    if not (ours or frames):
        return ""
    name, line, func = (ours or frames)[0]  # faulthandler lists the innermost frame first
    with contextlib.suppress(ValueError):
        name = str(Path(name).relative_to(ROOT))
    return f" at {name}:{line} in {func}"


def finish(job: Running, status: int | None) -> tuple[str, Outcome]:
    lines = [json.loads(x) for x in job.data.decode("utf-8", "replace").splitlines() if x.strip()
             and x.startswith("{")]  # fmt: skip
    kind = next((x["kind"] for x in lines if "kind" in x), job.path)
    result = next((x for x in lines if "outcome" in x), None)
    if status is None:  # the CPU it had used tells a blocked case from one slowed by load
        return kind, Outcome("hang", f"blocked past the wall-clock limit{hung_at(job)} ({kind})",
                             f"{job.cpu:.1f} CPU s used", job.cpu)  # fmt: skip
    if result is not None:
        return kind, Outcome(
            result["outcome"], result["signature"], result["detail"], result.get("cpu", 0.0)
        )
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        if sig == "SIGXCPU" or (sig == "SIGKILL" and job.cpu_limited()):
            return kind, Outcome("hang", f"past the CPU time limit{hung_at(job)} ({kind})")
        if sig == "SIGKILL":
            return kind, Outcome("memory", f"killed by SIGKILL (out of memory?) in {kind}")
        return kind, Outcome("crash", f"died of {sig} in {kind}")
    return kind, Outcome("crash", f"exited {os.WEXITSTATUS(status)} without a result in {kind}")


def campaign(args: argparse.Namespace) -> int:
    paths = [p.strip() for p in args.paths.split(",") if p.strip()] if args.paths else list(PATHS)
    unknown = [p for p in paths if p not in BUILDERS]
    if unknown:
        print(f"unknown paths: {', '.join(unknown)} (known: {', '.join(PATHS)})", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="divergence-fuzz-"))
    started = time.monotonic()
    try:
        prepare(workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    memory = vm_bytes() + args.memory_mb * 1024 * 1024
    per_path = {p: args.cases // len(paths) + (i < args.cases % len(paths))
                for i, p in enumerate(paths)}  # fmt: skip
    queue: Iterator[tuple[str, int, int]] = iter(
        [
            (p, i, case_seed(args.seed, p, i))
            for i in range(max(per_path.values(), default=0))
            for p in paths
            if i < per_path[p]
        ]
    )
    table: dict[str, Counter[str]] = {p: Counter() for p in paths}
    cpu: Counter[str] = Counter()
    errors: dict[str, Counter[str]] = {p: Counter() for p in paths}
    found: dict[tuple[str, str, str], list[Any]] = {}
    running: dict[int, Running] = {}
    done = 0
    pending = True
    try:
        while pending or running:
            while pending and len(running) < args.workers:
                item = next(queue, None)
                if item is None:
                    pending = False
                    break
                path, index, seed = item
                job = start(path, seed, workdir / f"case-{path}-{index}", memory, args.timeout)
                running[job.fd] = job
            if not running:
                continue
            ready, _, _ = select.select(list(running), [], [], 0.05)
            for fd in ready:
                chunk = os.read(fd, 65536)
                if chunk:
                    running[fd].data += chunk
                else:
                    running[fd].closed = True
            now = time.monotonic()
            for fd, job in list(running.items()):
                status: int | None
                if job.closed:
                    _, status, usage = os.wait4(job.pid, 0)
                    job.cpu = usage.ru_utime + usage.ru_stime
                elif now - job.started > args.wall_timeout:
                    job.cpu = cpu_seconds(job.pid)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(job.pid, signal.SIGUSR1)  # dump its stack first
                        time.sleep(0.5)
                        os.killpg(job.pid, signal.SIGKILL)
                    os.waitpid(job.pid, 0)
                    status = None
                else:
                    continue
                os.close(fd)
                del running[fd]
                kind, outcome = finish(job, status)
                table[job.path][outcome.outcome] += 1
                cpu[job.path] += outcome.cpu
                if outcome.outcome == "clean error":
                    message = outcome.detail.replace(str(job.tmp), "<case>")
                    errors[job.path][message[:90]] += 1
                if outcome.outcome not in ("ok", "clean error"):
                    key = (outcome.outcome, job.path, outcome.signature or kind)
                    entry = found.setdefault(key, [0, job.seed, kind, outcome.detail])
                    entry[0] += 1
                    if args.save and entry[0] == 1:
                        keep = Path(args.save) / f"{job.path}-{job.seed}"
                        with contextlib.suppress(OSError):
                            shutil.copytree(job.tmp, keep, symlinks=True,
                                            ignore_dangling_symlinks=True)  # fmt: skip
                Path(f"{job.tmp}.stack").unlink(missing_ok=True)
                shutil.rmtree(job.tmp, ignore_errors=True)
                if job.tmp.exists():  # a read-only folder left by the case
                    for sub in job.tmp.rglob("*"):
                        with contextlib.suppress(OSError):
                            sub.chmod(0o700)
                    shutil.rmtree(job.tmp, ignore_errors=True)
                done += 1
                if args.progress and done % args.progress == 0:
                    rate = done / (time.monotonic() - started)
                    print(f"  {done}/{args.cases} cases, {rate:.1f}/s", file=sys.stderr)
    finally:
        for job in running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(job.pid, signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)
    report(table, cpu, errors, found, time.monotonic() - started, args)
    return 0


def report(
    table: dict[str, Counter[str]],
    cpu: Counter[str],
    errors: dict[str, Counter[str]],
    found: dict[tuple[str, str, str], list[Any]],
    seconds: float,
    args: argparse.Namespace,
) -> None:
    total: Counter[str] = Counter()
    for counts in table.values():
        total.update(counts)
    cpu["total"] = sum(cpu.values())
    width = max(len(p) for p in [*table, "total"])
    header = (f"{'path':<{width}}  {'cases':>6}  " + "  ".join(f"{o:>11}" for o in OUTCOMES)
              + f"  {'cpu s/case':>10}")  # fmt: skip
    n = sum(total.values())
    print(f"fuzz campaign: {n} cases, seed {args.seed}, {args.workers} workers, {seconds:.0f} s "
          f"wall ({n / max(seconds, 1e-9):.1f} cases/s); limits {args.timeout} CPU s, {args.wall_timeout:g} s wall and "
          f"{args.memory_mb} MB per case")  # fmt: skip
    if n:
        print(f"CPU {cpu['total']:.0f} s in all: 20,000 such cases need about "
              f"{cpu['total'] / n * 20_000 / args.workers / 60:.0f} min on {args.workers} free cores")  # fmt: skip
    print()
    print(header)
    print("-" * len(header))
    for path, counts in [*table.items(), ("total", total)]:
        cells = "  ".join(f"{counts[o]:>11}" for o in OUTCOMES)
        per_case = cpu[path] / max(sum(counts.values()), 1)
        print(f"{path:<{width}}  {sum(counts.values()):>6}  {cells}  {per_case:>10.2f}")
    if args.errors:
        print(f"\nthe {args.errors} most frequent clean errors per path:")
        for path, messages in errors.items():
            for message, count in messages.most_common(args.errors):
                print(f"{count:>6}  {path:<11}  {message}")
    if not found:
        print("\nno crash, bad error, hang, memory or misread found")
        return
    print("\nfindings (count, outcome, path, signature; replay one with --replay PATH:SEED):")
    order = {o: i for i, o in enumerate(OUTCOMES)}
    for (outcome, path, sig), (count, seed, kind, detail) in sorted(
        found.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], -kv[1][0])
    ):
        print(f"{count:>6}  {outcome:<9}  {path:<11}  {sig}")
        note = f" ({detail})" if outcome == "hang" and detail else ""
        print(f"{'':>6}  {'':<9}  {'':<11}  case {kind}{note}; --replay {path}:{seed}")


def replay(spec: str, args: argparse.Namespace) -> int:
    """One case in this process: its kind, its input files kept, its outcome and traceback."""
    path, _, seed_text = spec.partition(":")
    workdir = Path(tempfile.mkdtemp(prefix="divergence-fuzz-replay-"))
    prepare(workdir)
    tmp = workdir / "case"
    tmp.mkdir()
    os.chdir(tmp)
    case = build(path, int(seed_text), tmp)
    outcome = case.run()
    print(f"case {case.kind}: {outcome.outcome}")
    if outcome.signature:
        print(outcome.signature)
    if outcome.detail:
        print(outcome.detail)
    print(f"inputs kept in {tmp}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="cases in all [20000]")
    parser.add_argument("--seed", type=int, default=0, help="the campaign's seed [0]")
    parser.add_argument("--paths", default="", help=f"comma-separated, of: {', '.join(PATHS)}")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="cases run at once [CPUs]")  # fmt: skip
    parser.add_argument("--timeout", type=int, default=10, help="CPU seconds per case [10]")
    parser.add_argument("--wall-timeout", type=float, default=120.0,
                        help="wall-clock seconds per case, for cases blocked without "
                             "using CPU [120]")  # fmt: skip
    parser.add_argument("--memory-mb", type=int, default=2048,
                        help="memory per case beyond what the parent maps [2048]")  # fmt: skip
    parser.add_argument("--progress", type=int, default=1000, help="report every N cases [1000]")
    parser.add_argument("--save", default="", help="keep the inputs of each finding's first case")
    parser.add_argument("--errors", type=int, default=0, metavar="N",
                        help="also list the N most frequent clean errors of each path")  # fmt: skip
    parser.add_argument("--replay", default="", metavar="PATH:SEED", help="run one case here")
    args = parser.parse_args()
    if args.replay:
        return replay(args.replay, args)
    return campaign(args)


if __name__ == "__main__":
    sys.exit(main())
