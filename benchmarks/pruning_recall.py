"""How many labelled contradictions survive pairing's pruning, with the real embedder.

Usage: python benchmarks/pruning_recall.py [--premises 1500] [--distractors 6000]
       [--sources 12] [--neighbours 32,64,128,256] [--no-score] [--threads 2]

A corpus is built from SNLI (dev) and MultiNLI (dev matched, part A) in ../shared/datasets:
each sampled premise and each of its hypotheses becomes a claim of a different source
(out of --sources outlets), and news sentences (ClaimDiff claims, STS-B main-news, MRPC)
are mixed in as distractor claims of random sources. Every claim is embedded with the
bundled model (divergence.embeddings.get_embedder()), grouped and paired as the pipeline
does, and each gold contradiction pair is looked up among the pairs sent to the scorer.

Recall is relative to the unpruned comparison, which scores every pair of claims from
different sources (so it holds every gold pair whose claims stay distinct). With
scoring on (the default), the gold contradiction pairs are also scored by the shipped
contradiction model, and recall is given over those it flags too: what pruning costs
the final output. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_corpus(
    datasets: Path, premises: int, distractors: int, sources: int, seed: int
) -> tuple[list[Any], list[tuple[int, int]], list[str]]:
    """Claims, the (premise, hypothesis) claim indices of gold contradictions and the
    data set each comes from."""
    from divergence.claims import Claim
    from divergence.nlidata import read_claimdiff, read_nli, read_sentences

    rng = random.Random(seed)
    labelled = read_nli(datasets / "snli_dev" / "snli_1.0_dev.premise_hypothesis_label.jsonl")
    labelled += read_nli(datasets / "mnli_dev_matched" / "mnli_dev_matched_part_a.jsonl")
    by_premise: dict[str, list[tuple[str, str]]] = {}
    origin: dict[str, str] = {}
    for pair in labelled:
        if pair.a.strip() and pair.b.strip():
            by_premise.setdefault(pair.a, []).append((pair.b, pair.label))
            origin[pair.a] = pair.origin.split("_")[0]
    eligible = sorted(
        p for p, hs in by_premise.items() if any(lab == "contradiction" for _, lab in hs)
    )
    chosen = rng.sample(eligible, min(premises, len(eligible)))

    news: list[str] = []
    for name in ("ClaimDiff-weak-train.json", "ClaimDiff-strength-train.json"):
        news += [t for p in read_claimdiff(datasets / "claimdiff" / name) for t in (p.a, p.b)]
    news += read_sentences(datasets / "stsbenchmark" / "sts-train.csv", "sts")
    news += read_sentences(datasets / "mrpc" / "msr_paraphrase_train.txt", "mrpc")
    news = sorted({t.strip() for t in news if len(t.split()) >= 5})

    outlets = [f"outlet{i:02d}" for i in range(sources)]
    claims: list[Any] = []
    index: dict[str, int] = {}

    def add(text: str, outlet: str) -> int:
        if text not in index:
            index[text] = len(claims)
            claims.append(
                Claim(f"c{len(claims)}", f"d{len(claims)}", outlet, None, text, 0, len(text), 0.5)
            )
        return index[text]

    gold: dict[tuple[int, int], str] = {}
    for premise in chosen:
        source = rng.choice(outlets)
        p = add(premise, source)
        for hypothesis, label in by_premise[premise]:
            h = add(hypothesis, rng.choice([o for o in outlets if o != claims[p].outlet]))
            if label == "contradiction" and claims[h].outlet != claims[p].outlet:
                gold.setdefault((p, h), origin[premise])
    for text in rng.sample(news, min(distractors, len(news))):
        add(text, rng.choice(outlets))
    pairs = sorted(gold)
    return claims, pairs, [gold[g] for g in pairs]


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--premises", type=int, default=1500)
    parser.add_argument("--distractors", type=int, default=6000)
    parser.add_argument("--sources", type=int, default=12)
    parser.add_argument("--neighbours", default="32,64,128,256")
    parser.add_argument(
        "--loose", default="0.15,0.0", help="min_similarity = min_topic values to compare"
    )
    parser.add_argument(
        "--wide", default="10,30", help="top_k values to compare, with no similarity floor"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-score", action="store_true", help="skip the contradiction model")
    args = parser.parse_args()
    command = "python benchmarks/pruning_recall.py " + " ".join(sys.argv[1:])

    import torch

    from divergence.embeddings import get_embedder
    from divergence.neighbours import IVFIndex, IVFParams, faiss_available, nearest
    from divergence.pairing import duplicate_groups, find_pairs
    from divergence.scoring import THRESHOLD, get_scorer, score_texts

    torch.set_num_threads(args.threads)
    claims, gold, origins = load_corpus(
        args.datasets, args.premises, args.distractors, args.sources, args.seed
    )
    t = time.perf_counter()
    vectors = get_embedder().embed([c.text for c in claims])
    embed_s = time.perf_counter() - t
    groups = duplicate_groups(claims, vectors)
    n = len(claims)

    # A gold pair is comparable when its claims stay distinct representatives of two
    # sources: exactly the gold pairs that the unpruned comparison scores.
    reps = [(min(groups[a], groups[b]), max(groups[a], groups[b])) for a, b in gold]
    comparable = [
        i for i, (a, b) in enumerate(reps) if a != b and claims[a].outlet != claims[b].outlet
    ]
    flagged: set[int] | None = None
    if not args.no_score:
        scorer = get_scorer("divergence-nli")
        texts = [(claims[gold[i][0]].text, claims[gold[i][1]].text) for i in comparable]
        scores = score_texts(texts, scorer=scorer, threshold=THRESHOLD)
        flagged = {i for i, s in zip(comparable, scores, strict=True) if s.divergence >= THRESHOLD}

    configs: list[tuple[str, dict[str, Any]]] = [
        ("exhaustive (every pair compared, as before)", {"method": "exact", "neighbours": n}),
        ("default (auto)", {}),
    ]
    if faiss_available():
        configs.append(("default neighbours, ANN index", {"method": "ann"}))
    configs += [(f"{k} exact neighbours", {"method": "exact", "neighbours": int(k)})
                for k in args.neighbours.split(",") if k]  # fmt: skip
    configs += [(f"default neighbours, min_similarity = min_topic = {x}",
                 {"min_similarity": float(x), "min_topic": float(x)})
                for x in args.loose.split(",") if x]  # fmt: skip
    configs += [(f"top_k = {t}, min_similarity = min_topic = 0, default neighbours",
                 {"top_k": int(t), "min_similarity": 0.0, "min_topic": 0.0})
                for t in args.wide.split(",") if t]  # fmt: skip

    rows: list[dict[str, Any]] = []
    exhaustive_kept: set[int] = set()
    for name, options in configs:
        t = time.perf_counter()
        pairing = find_pairs(claims, vectors, groups=groups, **options)
        seconds = time.perf_counter() - t
        keys = {(p.a, p.b) for p in pairing.pairs}
        kept = {i for i in comparable if reps[i] in keys}
        if not rows:
            exhaustive_kept = kept
        s = pairing.stats
        rows.append(
            {
                "name": name,
                "method": s.method,
                "neighbours": s.neighbours,
                "examined": s.examined,
                "pairs": s.pairs,
                "possible": s.possible,
                "seconds": seconds,
                "recall": len(kept) / len(comparable),
                "vs_exhaustive": len(kept & exhaustive_kept) / max(1, len(exhaustive_kept)),
                "flagged": len(kept & flagged) / max(1, len(flagged))
                if flagged is not None
                else None,
                "by_origin": {
                    o: sum(1 for i in kept if origins[i] == o)
                    / max(1, sum(1 for i in comparable if origins[i] == o))
                    for o in sorted(set(origins))
                },
            }
        )

    print(f"`{command}` ({os.cpu_count()} cores)\n")
    print(
        f"{n:,} claims from {args.sources} sources ({len(set(groups)):,} after grouping "
        f"near-duplicates); {len(comparable):,} gold contradiction pairs (SNLI + MultiNLI) "
        f"between distinct claims; embedding took {embed_s:.0f} s."
        + (
            f" The shipped model flags {len(flagged):,} of them at {THRESHOLD}."
            if flagged is not None
            else ""
        )
        + "\n"
    )
    print("| pairing | neighbours | candidates examined | pairs sent to the scorer | of all "
          "cross-source pairs | gold contradictions kept (recall vs unpruned) "
          "| vs exhaustive pairing | flagged contradictions kept | time |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    possible = rows[0]["possible"]
    print(
        f"| unpruned: every cross-source pair | - | - | {possible:,} | 100% | 1.000 | - | 1.000 | - |"
    )
    for r in rows:
        flagged_cell = "-" if r["flagged"] is None else f"{r['flagged']:.3f}"
        print(
            f"| {r['name']} ({r['method']}) | {r['neighbours']:,} | {r['examined']:,} "
            f"| {r['pairs']:,} | {100 * r['pairs'] / possible:.2f}% | {r['recall']:.3f} "
            f"| {r['vs_exhaustive']:.3f} | {flagged_cell} | {r['seconds']:.1f} s |"
        )
    print("\nRecall vs unpruned by data set: "
          + "; ".join(f"{r['name']}: " + ", ".join(f"{o} {v:.3f}" for o, v in r["by_origin"].items())
                      for r in rows[:2]))  # fmt: skip

    if faiss_available():
        truth, _ = nearest(vectors, 10, method="exact")
        t = time.perf_counter()
        found, _ = nearest(vectors, 10, method="ann")
        ann_s = time.perf_counter() - t
        params = IVFParams.for_size(n)
        print(
            f"\nANN index on these {n:,} real MiniLM vectors ({params.lists} lists, "
            f"{params.probes} probed): recall@10 against exact {recall_at(found, truth):.3f} "
            f"(build + search {ann_s:.1f} s). By probed lists:\n"
        )
        index = IVFIndex(vectors, params)
        print("| probes | recall@10 |\n|---:|---:|")
        for probes in (2, 4, 8, 16, 32, 64):
            if probes <= params.lists:
                found, _ = index.search(vectors, 10, probes=probes)
                print(f"| {probes} | {recall_at(found, truth):.3f} |")


if __name__ == "__main__":
    main()
