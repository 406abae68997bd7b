"""Neighbour search at scale: exact blocks against the faiss IVF index, and the memory
pairing takes, on synthetic clustered 384-d vectors.

Usage: python benchmarks/pairing_scale.py [--sizes 100000,1000000] [--queries 2000]
       [--probes 4,8,16,32] [--memory-claims 100000] [--threads 2]

For each size: recall@10 of the index against exact search on a seeded sample of
queries, for several numbers of probed lists, and the time for every row's top 10 both
ways (exact: measured on the sample and scaled to all rows, unless --full-exact-up-to
covers the size; ANN: index build plus a search of every row, measured). Then, in a fresh
subprocess, peak resident memory of duplicate_groups + find_pairs on --memory-claims
synthetic claims. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

#: Two levels of topics: PER_SUPER topic centres scatter around each super-topic centre
#: (noise TOPIC_NOISE), PER_CLUSTER points around each topic centre (noise NOISE). A
#: point's nearest neighbour then has a cosine near 0.4 and its 10th near 0.36, with
#: neighbouring topics close enough that an index cell does not hold a whole topic.
NOISE = 1.5
TOPIC_NOISE = 0.8
PER_CLUSTER = 100
PER_SUPER = 50


def clustered_vectors(
    n: int, dim: int = 384, seed: int = 0, chunk: int = 100_000
) -> tuple[np.ndarray, np.ndarray]:
    """n L2-normalised float32 vectors in two-level clusters, and their topic labels.
    Generated in chunks, so memory stays near the result's."""
    rng = np.random.default_rng(seed)
    topics = max(16, n // PER_CLUSTER)
    supers = rng.standard_normal((max(1, topics // PER_SUPER), dim), dtype=np.float32)
    supers /= np.linalg.norm(supers, axis=1, keepdims=True)
    centres = supers[rng.integers(0, len(supers), topics)]
    centres += rng.standard_normal((topics, dim), dtype=np.float32) * (TOPIC_NOISE / math.sqrt(dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    labels = rng.integers(0, topics, n)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        block = rng.standard_normal((stop - start, dim), dtype=np.float32)
        block *= NOISE / math.sqrt(dim)
        block += centres[labels[start:stop]]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out, labels


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.size


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which (unlike ru_maxrss) starts anew at
    exec, so the parent's size does not leak into a child's figure."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    from divergence.neighbours import IVFIndex, IVFParams, nearest

    k = args.k
    t = time.perf_counter()
    vectors, _ = clustered_vectors(n, args.dim, seed=args.seed)
    made = time.perf_counter() - t
    rng = np.random.default_rng(args.seed + 1)
    queries = np.sort(rng.choice(n, size=min(args.queries, n), replace=False))

    t = time.perf_counter()
    truth, _ = nearest(vectors, k, method="exact", rows=queries)
    exact_sample = time.perf_counter() - t
    if n <= args.full_exact_up_to:
        t = time.perf_counter()
        nearest(vectors, k, method="exact")
        exact_all, exact_how = time.perf_counter() - t, "measured"
    else:
        exact_all, exact_how = exact_sample * n / len(queries), f"{len(queries)} rows scaled"

    params = IVFParams.for_size(n)
    t = time.perf_counter()
    index = IVFIndex(vectors, params)
    build = time.perf_counter() - t
    sweep = []
    for probes in sorted({*args.probes, params.probes}):
        if probes > params.lists:
            continue
        t = time.perf_counter()
        found, _ = index.search(vectors[queries], k, probes=probes)
        seconds = time.perf_counter() - t
        sweep.append(
            {
                "probes": probes,
                "recall": recall(found, truth),
                "ms_per_query": 1e3 * seconds / len(queries),
            }
        )
    if args.sweep_only:
        print(json.dumps({"n": n, "exact_all_s": exact_all, "build_s": build, "sweep": sweep}))
        return {}
    if n <= args.ann_queries:
        del index  # the timed run builds its own
        t = time.perf_counter()
        found_all, _ = nearest(vectors, k, method="ann", params=params)
        ann_all, ann_how = time.perf_counter() - t, "measured"
        found = found_all[queries]
    else:  # build measured above; search timed on a sample of rows and scaled
        sample = np.sort(rng.choice(n, size=args.ann_queries, replace=False))
        t = time.perf_counter()
        index.search(vectors[sample], k)
        search = time.perf_counter() - t
        ann_all = build + search * n / len(sample)
        ann_how = f"build + {len(sample)} rows scaled"
        found, _ = index.search(vectors[queries], k)
    result = {
        "n": n,
        "dim": args.dim,
        "generate_s": made,
        "queries": len(queries),
        "exact_sample_s": exact_sample,
        "exact_all_s": exact_all,
        "exact_how": exact_how,
        "lists": params.lists,
        "probes": params.probes,
        "train_size": params.train_size,
        "build_s": build,
        "ann_all_s": ann_all,
        "ann_how": ann_how,
        "recall": recall(found, truth),
        "speedup": exact_all / ann_all,
        "sweep": sweep,
    }
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


# ---- memory of pairing, in a subprocess ---------------------------------------------------


def synthetic_claims(labels: np.ndarray, sources: int, seed: int) -> list[Any]:
    """A claim per vector: words of its cluster's small vocabulary plus two random words."""
    from divergence.claims import Claim

    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(w) for w in rng.choice(letters, size=(50_000, 7))]
    clusters = int(labels.max()) + 1
    own = rng.integers(0, len(vocab), size=(clusters, 8))
    claims = []
    for i, label in enumerate(labels.tolist()):
        words = [vocab[j] for j in rng.choice(own[label], size=4, replace=False)]
        words += [vocab[j] for j in rng.integers(0, len(vocab), size=2)]
        outlet = f"outlet{int(rng.integers(sources))}"
        text = " ".join(words).capitalize() + "."
        claims.append(Claim(f"c{i}", f"d{i}", outlet, None, text, 0, len(text), 0.5))
    return claims


def memory_child(n: int, args: argparse.Namespace) -> dict[str, Any]:
    from divergence.pairing import duplicate_groups, find_pairs

    vectors, labels = clustered_vectors(n, args.dim, seed=args.seed)
    claims = synthetic_claims(labels, args.sources, args.seed)
    before = rss_mb()
    peak_before = peak_rss_mb()
    t = time.perf_counter()
    groups = duplicate_groups(claims, vectors)
    grouped = time.perf_counter() - t
    pairing = find_pairs(claims, vectors, groups=groups)
    paired = time.perf_counter() - t - grouped
    s = pairing.stats
    return {
        "claims": n,
        "sources": args.sources,
        "vectors_mb": vectors.nbytes / 2**20,
        "square_gb": 4 * n * n / 2**30,
        "rss_before_mb": before,
        "peak_before_mb": peak_before,
        "peak_mb": peak_rss_mb(),
        "duplicates_s": grouped,
        "pairing_s": paired,
        "method": s.method,
        "neighbours": s.neighbours,
        "examined": s.examined,
        "pairs": s.pairs,
        "possible": s.possible,
        "truncated": s.truncated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--probes", default="4,8,16,32")
    parser.add_argument("--full-exact-up-to", type=int, default=0)
    parser.add_argument(
        "--ann-queries",
        type=int,
        default=20_000,
        help="above this many rows, ANN search is timed on a sample",
    )
    parser.add_argument("--memory-claims", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sweep-only", action="store_true", help="only the probes sweep")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.probes = [int(p) for p in args.probes.split(",") if p]

    if args.memory_child:
        print(json.dumps(memory_child(args.memory_claims, args)))
        return
    command = "python benchmarks/pairing_scale.py " + " ".join(sys.argv[1:])
    results = [bench_size(int(s), args) for s in args.sizes.split(",") if s]
    if args.sweep_only:
        return

    print(f"`{command}` ({os.cpu_count()} cores, {args.threads} threads)\n")
    print_tables(results)
    if args.memory_claims:
        print_memory(args)


def print_tables(results: list[dict[str, Any]]) -> None:
    if not results:
        return
    print("| vectors | exact, every row's top 10 | ANN build | ANN build + search, every row "
          "| speed-up | recall@10 | lists / probes |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['n']:,} x {r['dim']} | {r['exact_all_s']:,.1f} s ({r['exact_how']}) "
            f"| {r['build_s']:.1f} s | {r['ann_all_s']:,.1f} s ({r['ann_how']}) | {r['speedup']:.1f}x "
            f"| {r['recall']:.3f} | {r['lists']} / {r['probes']} |"
        )
    print("\nRecall@10 and search time by probed lists (same index, sampled queries):\n")
    print("| vectors | probes | recall@10 | ms per query |")
    print("|---:|---:|---:|---:|")
    for r in results:
        for s in r["sweep"]:
            print(f"| {r['n']:,} | {s['probes']} | {s['recall']:.3f} | {s['ms_per_query']:.3f} |")


def print_memory(args: argparse.Namespace) -> None:
    child = [sys.executable, __file__, "--memory-child", "--memory-claims",
             str(args.memory_claims), "--dim", str(args.dim), "--sources",
             str(args.sources), "--seed", str(args.seed)]  # fmt: skip
    out = subprocess.run(child, check=True, capture_output=True, text=True, env=os.environ)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    print("\nPeak memory of duplicate_groups + find_pairs (fresh process, VmHWM):\n")
    print("| claims | sources | vectors | an n x n float32 matrix | RSS before pairing "
          "| peak RSS | pairing time | method, neighbours | pairs examined | pairs to score "
          "| possible pairs |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    print(
        f"| {m['claims']:,} | {m['sources']} | {m['vectors_mb']:.0f} MiB | {m['square_gb']:.1f} GiB "
        f"| {m['rss_before_mb']:.0f} MiB | {m['peak_mb']:.0f} MiB "
        f"| {m['duplicates_s'] + m['pairing_s']:.0f} s | {m['method']}, {m['neighbours']} "
        f"| {m['examined']:,} | {m['pairs']:,} | {m['possible']:,} |"
    )
    if m["peak_before_mb"] > m["rss_before_mb"] + 1:
        print(f"\n(peak before pairing: {m['peak_before_mb']:.0f} MiB, from building the data)")


if __name__ == "__main__":
    threads = next((a.split("=")[1] for a in sys.argv if a.startswith("--threads=")), None)
    if threads is None and "--threads" in sys.argv:
        threads = sys.argv[sys.argv.index("--threads") + 1]
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, threads or "2")
    main()
