"""The typed checks on a day's pairs: this tree against an earlier version, in one run.

Usage: python benchmarks/checks_speed.py --baseline /tmp/divergence-PARENT [--repeats 3]

Scoring runs the typed checks and the combiner's features on every pair, besides the
model. The pairs are the mixed day's (benchmarks/e2e_quality.py: FNC-1 bodies from 11
stories in one input, as the pipeline of this tree pairs them), written once to a
temporary file outside the repository. Each version, a checkout of its code (``git
worktree add DIR COMMIT``), times ``typed_findings`` and ``combine.features`` over every
pair in a fresh process, runs alternating; the processes also print a digest of what they
found, so a speed-up that changed a finding shows.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import versions_parser
from e2e_quality import fnc_stories

HERE = Path(__file__).resolve().parents[1]

WORKER = """
import hashlib, json, sys, time
from divergence.combine import features
from divergence.scoring import typed_findings
from divergence.terms import key_terms, term_overlap
pairs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
start, out = time.perf_counter(), []
for p in pairs:
    overlap = term_overlap(key_terms(p["a"]), key_terms(p["b"]))
    found = typed_findings(p["a"], p["b"], overlap=overlap, speaker_a=p["sa"], speaker_b=p["sb"])
    out.append((found, features(p["a"], p["b"], (0.3, 0.3, 0.4), found, overlap)))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "digest": hashlib.sha256(repr(out).encode()).hexdigest()}))
"""


def run(code: Path, pairs: Path) -> dict[str, float | str]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, "-c", WORKER, str(pairs)], env=env, cwd=code,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode:
        raise SystemExit(f"{code}: exit {done.returncode}\n{done.stderr[-2000:]}")
    result: dict[str, float | str] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = versions_parser(__doc__.splitlines()[0], repeats=3)
    args = parser.parse_args()

    import divergence

    _, day = fnc_stories(args.datasets, 0, args.day_stories, args.seed, 5, True)
    report = divergence.compare(day.documents, scorer="checks", threshold=1.0)
    pairs = report.pairs
    versions = {"earlier": args.baseline.resolve(), "this tree": HERE}
    runs: dict[str, list[dict[str, float | str]]] = {name: [] for name in versions}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pairs.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for a, b, sa, sb in zip(pairs["claim_a"], pairs["claim_b"], pairs["speaker_a"],
                                    pairs["speaker_b"], strict=True):  # fmt: skip
                speakers = [s if isinstance(s, str) else None for s in (sa, sb)]  # NaN: none
                f.write(json.dumps({"a": a, "b": b, "sa": speakers[0], "sb": speakers[1]}) + "\n")
        for _ in range(args.repeats):
            for name, code in versions.items():
                runs[name].append(run(code, path))
    print(f"command: python benchmarks/checks_speed.py {' '.join(sys.argv[1:])}")
    print(f"mixed day: {len(day.documents)} documents, {len(pairs):,} pairs\n")
    print("| version | runs | seconds (median) | pairs/s | findings digest |")
    print("|---|---:|---:|---:|---|")
    median = {}
    for name, results in runs.items():
        median[name] = statistics.median(float(r["seconds"]) for r in results)
        digest = str(results[-1]["digest"])[:12]
        print(f"| {name} | {len(results)} | {median[name]:.2f} | "
              f"{len(pairs) / median[name]:,.0f} | {digest} |")  # fmt: skip
    same = runs["earlier"][-1]["digest"] == runs["this tree"][-1]["digest"]
    print(f"\nspeed-up {median['earlier'] / median['this tree']:.2f}x; "
          f"findings and features {'identical' if same else 'DIFFERENT'}")  # fmt: skip


if __name__ == "__main__":
    main()
