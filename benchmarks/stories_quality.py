"""How well find_stories separates a mixed day of news into its events.

Usage: python benchmarks/stories_quality.py [--datasets ../shared/datasets] [--days 5]
       [--groups 11] [--per-group 7] [--thresholds 0.6,0.65,0.7,0.75,0.8]

A "day" is built from public data whose story of each document is known:

- FNC-1 (fnc1_related_train.jsonl): article bodies filed under headlines. Bodies sharing a
  headline cover one story; a body filed under several headlines joins them, so a story
  is a connected component of the body-headline graph.
- Emergent: headlines (``premise``) reporting one rumour (``hypothesis``) are one story;
  the few headlines filed under two rumours are left out.

Each day draws ``--groups`` stories with at least 4 documents and up to ``--per-group``
documents of each (about 70), with a seeded generator (day d uses seed d), shuffled, all
published on one date. find_stories runs with the bundled embedder at each threshold;
the table gives the mean over the days of: the adjusted Rand index and purity against the
known stories, the stories found, the document pairs of different stories put in one
(wrongly merged: their claims would be paired) and the pairs of one story split apart
(their claims are never compared). "none" is every document in one story, as pairing
was before stories.

A fact-checker's input is often two articles (``divergence diff a.txt b.txt``), so the
second table takes ``--two`` random pairs of documents of one story (a split loses every
pair between them) and as many of two different stories (a merge lets their claims be
paired), for each ``--backgrounds`` value (empty documents counted in the TF-IDF's
document frequencies, divergence.stories.BACKGROUND_DOCUMENTS), all in one run.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

from divergence.documents import Document
from divergence.embeddings import get_embedder
from divergence.stories import (
    BACKGROUND_DOCUMENTS,
    EMBEDDING_WEIGHT,
    THRESHOLD,
    WINDOW_DAYS,
    lead,
    stories_from_distances,
    story_distances,
)

Group = list[tuple[str, str]]  # (document id, text) of one story


def fnc_groups(root: Path) -> list[Group]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    bodies: dict[str, str] = {}
    path = root / "fnc1_related" / "fnc1_related_train.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        bodies[row["body_id"]] = row["premise"]
        a, b = find("h:" + row["hypothesis"]), find("b:" + row["body_id"])
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, Group] = defaultdict(list)
    for body_id in sorted(bodies, key=int):
        groups[find("b:" + body_id)].append((f"fnc-{body_id}", bodies[body_id]))
    return [groups[key] for key in sorted(groups)]


def emergent_groups(root: Path) -> list[Group]:
    rows = [
        json.loads(line)
        for line in (root / "emergent" / "emergent.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rumours: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        rumours[row["premise"]].add(row["hypothesis"])
    groups: dict[str, Group] = defaultdict(list)
    seen: set[str] = set()
    for row in rows:
        headline = row["premise"]
        if len(rumours[headline]) == 1 and headline not in seen:
            seen.add(headline)
            groups[row["hypothesis"]].append((f"em-{row['eop_pair_id']}", headline))
    return [groups[key] for key in sorted(groups)]


def mixed_day(
    groups: Sequence[Group], seed: int, n_groups: int, per_group: int
) -> tuple[list[Document], list[int]]:
    """About n_groups x per_group documents, shuffled, and the story index of each."""
    rng = np.random.default_rng(seed)
    big = [g for g in groups if len(g) >= 4]
    docs, truth = [], []
    for story, index in enumerate(sorted(rng.choice(len(big), n_groups, replace=False))):
        group = big[index]
        for k in sorted(rng.choice(len(group), min(per_group, len(group)), replace=False)):
            doc_id, text = group[k]
            docs.append(Document(id=doc_id, source=f"outlet{k}", text=text, published="2024-04-08"))
            truth.append(story)
    order = rng.permutation(len(docs))
    return [docs[i] for i in order], [truth[i] for i in order]


def measure(truth: Sequence[int], found: Sequence[int]) -> dict[str, float]:
    t, f = np.asarray(truth), np.asarray(found)
    purity = sum(Counter(t[f == c].tolist()).most_common(1)[0][1] for c in set(f.tolist()))
    upper = np.triu_indices(len(t), 1)
    same_found = (f[:, None] == f[None, :])[upper]
    same_truth = (t[:, None] == t[None, :])[upper]
    return {
        "ari": float(adjusted_rand_score(t, f)),
        "purity": purity / len(t),
        "stories": float(len(set(f.tolist()))),
        "merged": float(np.count_nonzero(same_found & ~same_truth)),
        "split": float(np.count_nonzero(~same_found & same_truth)),
    }


def two_documents(
    groups: Sequence[Group], count: int, seed: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``count`` pairs of texts of one story and ``count`` of two different stories."""
    rng = np.random.default_rng(seed)
    several = [g for g in groups if len(g) >= 2]
    same, different = [], []
    for index in rng.choice(len(several), min(count, len(several)), replace=False):
        i, j = rng.choice(len(several[index]), 2, replace=False)
        same.append((several[index][i][1], several[index][j][1]))
    for _ in range(count):
        g, h = rng.choice(len(several), 2, replace=False)
        first, second = several[g], several[h]
        different.append((first[rng.integers(len(first))][1], second[rng.integers(len(second))][1]))
    return same, different


def one_story(texts: tuple[str, str], embedder: Any, background: int) -> bool:
    docs = [Document(id=f"d{i}", source=f"outlet{i}", text=t) for i, t in enumerate(texts)]
    vectors = embedder.embed([lead(d) for d in docs])
    distance = story_distances(docs, vectors, background=background)
    return len(stories_from_distances(docs, distance)) == 1


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--days", type=int, default=5, help="mixed days (seeds 0..days-1)")
    parser.add_argument("--groups", type=int, default=11, help="stories per day")
    parser.add_argument("--per-group", type=int, default=7, help="most documents per story")
    parser.add_argument("--thresholds", default="0.6,0.65,0.7,0.75,0.8")
    parser.add_argument("--weight", type=float, default=EMBEDDING_WEIGHT,
                        help="weight of the embedding cosine against shared key terms")  # fmt: skip
    parser.add_argument("--two", type=int, default=300,
                        help="two-document inputs of each kind (0: skip that table)")  # fmt: skip
    parser.add_argument("--backgrounds", default=f"0,{BACKGROUND_DOCUMENTS}",
                        help="background documents to compare on the two-document inputs")  # fmt: skip
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    embedder = get_embedder()
    print(
        f"{args.days} mixed days of {args.groups} stories x up to {args.per_group} documents; "
        f"embedder {embedder.model_id}, embedding weight {args.weight}, window {WINDOW_DAYS} "
        f"days, default threshold {THRESHOLD}\n"
    )
    print("| data | threshold | docs/day | ARI | purity | stories found | wrongly merged pairs "
          "| split pairs | seconds/day |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, groups in (
        ("FNC-1 bodies", fnc_groups(args.datasets)),
        ("Emergent headlines", emergent_groups(args.datasets)),
    ):
        results: dict[str, list[dict[str, float]]] = defaultdict(list)
        sizes, seconds = [], []
        for seed in range(args.days):
            docs, truth = mixed_day(groups, seed, args.groups, args.per_group)
            sizes.append(len(docs))
            start = time.perf_counter()
            vectors = embedder.embed([lead(d) for d in docs])
            distance = story_distances(docs, vectors, embedding_weight=args.weight)
            seconds.append(time.perf_counter() - start)
            results["none"].append(measure(truth, [0] * len(docs)))
            for threshold in thresholds:
                start = time.perf_counter()
                stories = stories_from_distances(docs, distance, threshold=threshold)
                if threshold == THRESHOLD:
                    seconds[-1] += time.perf_counter() - start
                story_of = {d: s for s, story in enumerate(stories) for d in story.doc_ids}
                results[f"{threshold:g}"].append(measure(truth, [story_of[d.id] for d in docs]))
        for key, rows in results.items():
            mean = {m: float(np.mean([r[m] for r in rows])) for m in rows[0]}
            timing = f"{np.mean(seconds):.1f}" if key == f"{THRESHOLD:g}" else ""
            print(
                f"| {name} | {key} | {np.mean(sizes):.0f} | {mean['ari']:.3f} "
                f"| {mean['purity']:.3f} | {mean['stories']:.1f} | {mean['merged']:.1f} "
                f"| {mean['split']:.1f} | {timing} |"
            )
    if not args.two:
        return
    backgrounds = [int(b) for b in args.backgrounds.split(",")]
    print(f"\nTwo documents, default threshold {THRESHOLD}: {args.two} inputs of each kind\n")
    print("| data | background documents | one story split | two stories merged |")
    print("|---|---:|---:|---:|")
    for name, groups in (
        ("FNC-1 bodies", fnc_groups(args.datasets)),
        ("Emergent headlines", emergent_groups(args.datasets)),
    ):
        same, different = two_documents(groups, args.two, seed=0)
        for background in backgrounds:
            split = np.mean([not one_story(p, embedder, background) for p in same])
            merged = np.mean([one_story(p, embedder, background) for p in different])
            print(f"| {name} | {background} | {split:.3f} | {merged:.3f} |")


if __name__ == "__main__":
    main()
