"""A nightly re-run over an unchanged corpus, against the first run: the cache's speed-up.

Usage: python benchmarks/cache_rerun.py [--claims 10000] [--scorer divergence-nli]

Builds a corpus of real news and caption sentences from ../shared/datasets (MRPC, STS
Benchmark, SNLI premises), ten sentences per document spread over five outlets, runs
`divergence nightly` on it twice for the same date with the same database (the re-run
redoes the date: ingest, window, pairing, classification and report), and prints both
wall times, the ratio and what the second run reused. Both runs are in this process,
one after the other, with the same models already loaded.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path


def sentences(root: Path, want: int) -> list[str]:
    out: list[str] = []
    with (root / "mrpc" / "msr_paraphrase_train.txt").open(encoding="utf-8-sig") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 5 and row[0] in "01":
                out += [row[3], row[4]]
    for line in (root / "snli_dev" / "snli_1.0_dev.premise_hypothesis_label.jsonl").open():
        out.append(json.loads(line)["premise"])
    unique = [s.strip() for s in dict.fromkeys(out) if len(s.split()) >= 6]
    return [s if s.endswith(".") else s + "." for s in unique][:want]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--scorer", default=None)
    args = parser.parse_args()

    from divergence.embeddings import get_embedder
    from divergence.nightly import run_nightly
    from divergence.scoring import get_scorer

    texts = sentences(args.datasets, args.claims)
    outlets = ["Outlet A", "Outlet B", "Outlet C", "Outlet D", "Outlet E"]
    embedder, scorer = get_embedder(), get_scorer(args.scorer)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with corpus.open("w") as f:
            for i in range(0, len(texts), 10):
                doc = {"id": f"d{i}", "source": outlets[(i // 10) % 5], "published": "2024-04-08",
                       "text": " ".join(texts[i : i + 10])}  # fmt: skip
                f.write(json.dumps(doc) + "\n")
        times, results = [], []
        for _ in range(2):
            start = time.perf_counter()
            results.append(run_nightly([str(corpus)], db=Path(tmp) / "db.sqlite", out=Path(tmp) / "out",
                                       date="2024-04-08", embedder=embedder, scorer=scorer))  # fmt: skip
            times.append(time.perf_counter() - start)
    first, second = results
    print(
        f"corpus: {len(texts)} sentences in {len(texts) // 10} documents, 5 outlets; scorer {scorer.name}"
    )
    print("| run | seconds | embeddings computed | embeddings reused | pairs scored |")
    print("|---|---|---|---|---|")
    for name, t, r in [("first", times[0], first), ("re-run, unchanged corpus", times[1], second)]:
        c = r.counts
        print(
            f"| {name} | {t:.1f} | {c.get('embeddings_computed')} | {c.get('embeddings_reused')} | {c.get('pairs_scored')} |"
        )
    print(f"\nspeed-up of the re-run: {times[0] / times[1]:.1f}x")


if __name__ == "__main__":
    main()
