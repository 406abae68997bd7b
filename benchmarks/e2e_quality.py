"""End-to-end quality on real multi-outlet news, as a Markdown table for benchmarks/README.md.

Usage: python benchmarks/e2e_quality.py [--datasets ../shared/datasets] [--stories 20]
       [--scorer NAME] [--threshold 0.5] [--by speaker|outlet] [--top-k 3] [--seed 0] [--json OUT]
       [--sets emergent,fnc1,claimdiff,day] [--heldout-only] [--also 0.3,0.5]

Runs `divergence.compare` the way a user runs `divergence diff EVENT.jsonl`: one call per
story, on real articles written by others, read at run time from ../shared/datasets (never
copied into this repository), and matches what it flags against stances annotated by people:

- Emergent: rumours with a "for" and an "against" headline; each headline (a full stop
  added where it has no closing punctuation, see as_sentence) is a document of its own
  outlet. for x against is a gold divergence, for x for and against x against a gold
  agreement; "observing" headlines take part but are in no gold pair. Document level.
- FNC-1 train: one headline per rumour, with bodies that agree and disagree with it (up to
  --max-bodies); agree x disagree bodies diverge, same-stance bodies agree; "discuss"
  bodies are in no gold pair. Document level.
- ClaimDiff train: a topic's two articles, each rebuilt from its annotated claims (one a
  line); "B weakens A" is a gold divergence, every other annotated pair (B strengthens
  A, or neither) is a pair that should not be flagged. Claim level: texts match when
  equal, one contains the other, or rapidfuzz ratio >= 90.
- A mixed day: FNC-1 bodies of --day-stories rumours (5-8 each, whatever their stances,
  none of them in the FNC-1 set) in one shuffled input, ranked as one list.

Measures (functions below; tests/test_e2e_quality.py checks them on hand-made inputs):
recall of gold divergences among the flags; precision of a story's first 5 flags (of
fewer when fewer, 0 when none); reciprocal rank of the first hit (0 when none); the share
of gold-agreeing pairs flagged; flags per story; flags between documents of different
gold stories; seconds per compare() call. Pair counts are summed over a set's stories,
ranking measures averaged. Where the report has a ``findings`` table (with doc_a/doc_b or
claim_a/claim_b) the ranking is also measured on it, and where claims carry a ``story``
the pipeline's grouping is scored against the gold stories.

Fairness: documents carry opaque ids and a synthetic outlet each, and nothing in the input
names the story, the stance or the data set; the day's input is shuffled. Samples are
seeded per story, so a bigger --stories keeps the same stories first, and the day does not
depend on it. Emergent and FNC-1 are also training data of `make model` (its train split,
by premise hash): "recall, held-out docs" counts only gold pairs whose two documents are
outside that split, and --heldout-only builds every story from such documents. The
embedder and scorer are loaded once (load time printed apart); a story's seconds are its
compare() call.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import itertools
import json
import os
import random
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

TOP = 5  # precision is measured over the first TOP flags of a story
MIN_RATIO = 90  # rapidfuzz ratio at which two claim texts are the same claim
MIN_CONTAINED = 20  # a shorter text counts as contained only from this many characters
DAY_BODIES = (5, 8)  # bodies per story on the mixed day: 11 stories make ~70 documents

GoldPair = tuple[str, str]


# ---- metrics: plain inputs, no model --------------------------------------------------------


def normalise(text: str) -> str:
    return " ".join(text.split()).lower()


def same_claim(found: str, gold: str, *, min_ratio: float = MIN_RATIO) -> bool:
    """One claim text the pipeline made and one annotated: equal, one inside the other (the
    pipeline cuts sentences into clauses and may join two), or nearly equal."""
    a, b = normalise(found), normalise(gold)
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= MIN_CONTAINED and short in long:
        return True
    return fuzz.ratio(a, b) >= min_ratio


def match_doc_pairs(
    doc_a: Sequence[str], doc_b: Sequence[str], gold: Sequence[GoldPair]
) -> list[set[int]]:
    """For each pair of documents (a row of the report), the gold pairs it is, in either order."""
    index: dict[frozenset[str], set[int]] = defaultdict(set)
    for i, (a, b) in enumerate(gold):
        index[frozenset((a, b))].add(i)
    return [set(index.get(frozenset((a, b)), ())) for a, b in zip(doc_a, doc_b, strict=True)]


def match_claim_pairs(
    claim_a: Sequence[str],
    claim_b: Sequence[str],
    gold: Sequence[GoldPair],
    *,
    min_ratio: float = MIN_RATIO,
) -> list[set[int]]:
    """For each pair of claim texts, the gold claim pairs it matches, in either order."""
    texts = sorted({t for pair in gold for t in pair})
    cache: dict[str, frozenset[str]] = {}

    def matches(text: str) -> frozenset[str]:
        if text not in cache:
            cache[text] = frozenset(g for g in texts if same_claim(text, g, min_ratio=min_ratio))
        return cache[text]

    out = []
    for a, b in zip(claim_a, claim_b, strict=True):
        ma, mb = matches(a), matches(b)
        out.append({
            i for i, (ga, gb) in enumerate(gold)
            if (ga in ma and gb in mb) or (ga in mb and gb in ma)
        })  # fmt: skip
    return out


def covered(matches: Iterable[set[int]]) -> set[int]:
    """The gold pairs that at least one flagged pair matches."""
    return set().union(*matches)


def recall(matches: Sequence[set[int]], n_gold: int) -> float | None:
    """Share of the gold pairs matched by some flagged pair (None when there is no gold)."""
    return len(covered(matches)) / n_gold if n_gold else None


def precision_at_k(hits: Sequence[bool], k: int = TOP) -> float:
    """Share of hits among the first k flags (fewer when fewer were flagged; 0 when none were:
    flagging nothing must not look precise)."""
    top = list(hits[:k])
    return sum(top) / len(top) if top else 0.0


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first hit among the ranked flags, None when there is none."""
    return next((rank for rank, hit in enumerate(hits, 1) if hit), None)


def reciprocal_rank(hits: Sequence[bool]) -> float:
    """1 / rank of the first hit, 0 when no flag is a hit."""
    rank = first_hit_rank(hits)
    return 1.0 / rank if rank else 0.0


def cross_story_count(
    doc_a: Sequence[str], doc_b: Sequence[str], story_of: Mapping[str, str]
) -> int:
    """Flagged pairs whose two documents belong to different gold stories."""
    return sum(
        story_of.get(a) != story_of.get(b) for a, b in zip(doc_a, doc_b, strict=True)
    )  # fmt: skip


def cluster_pair_scores(
    predicted: Mapping[str, str], gold: Mapping[str, str]
) -> tuple[float | None, float | None]:
    """Pair-counting precision and recall of a grouping of documents into stories: of the
    document pairs put in one story, how many share a gold story, and the converse."""
    docs = sorted(set(predicted) & set(gold))
    same_pred = same_gold = both = 0
    for a, b in itertools.combinations(docs, 2):
        p, g = predicted[a] == predicted[b], gold[a] == gold[b]
        same_pred += p
        same_gold += g
        both += p and g
    return (both / same_pred if same_pred else None, both / same_gold if same_gold else None)


def ranked(frame: pd.DataFrame, score: str = "divergence") -> pd.DataFrame:
    """Rows most divergent first, ties in the report's own order."""
    if score not in frame.columns:
        return frame.reset_index(drop=True)
    return frame.sort_values(score, ascending=False, kind="stable").reset_index(drop=True)


# ---- stories from the datasets --------------------------------------------------------------


@dataclass
class Story:
    """One compare() input with its gold: pairs of document ids, or of claim texts."""

    set: str
    id: str
    documents: list[dict[str, str]]
    level: str  # "document" or "claim"
    divergent: list[GoldPair]
    agreeing: list[GoldPair]
    story_of: dict[str, str]  # document id -> gold story
    #: Per gold divergence: both sides outside the contradiction model's training split.
    divergent_heldout: list[bool] = field(default_factory=list)


def opaque(*parts: object) -> str:
    """A document id that says nothing about story, stance or row order."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:10]


def document(doc_id: str, text: str) -> dict[str, str]:
    return {"id": doc_id, "source": f"outlet-{doc_id}", "text": text}


def as_sentence(headline: str) -> str:
    """A headline with a full stop where it has no closing punctuation: the pipeline drops
    short unpunctuated lines as headlines by design, which would leave Emergent empty."""
    headline = " ".join(headline.split())
    return (
        headline
        if headline.rstrip("\"'”’)]").endswith((".", "!", "?", ":", ";"))
        else headline + "."
    )


def stance_pairs(
    stance: Mapping[str, str], against: str, agree_with: str
) -> tuple[list[GoldPair], list[GoldPair]]:
    """Gold document pairs of one story: agree_with x against diverge; same stance agrees."""
    divergent, agreeing = [], []
    for a, b in itertools.combinations(sorted(stance), 2):
        pair = {stance[a], stance[b]}
        if pair == {against, agree_with}:
            divergent.append((a, b))
        elif len(pair) == 1 and pair <= {against, agree_with}:
            agreeing.append((a, b))
    return divergent, agreeing


def pick(
    items: Sequence[tuple[str, str]], cap: int, rng: random.Random, against: str, agree_with: str
) -> list[tuple[str, str]]:
    """At most cap (id, stance) items: one against and two agreeing first where there are
    some (so each story has gold of both kinds), the rest at random."""
    pool = list(items)
    rng.shuffle(pool)
    first = [x for x in pool if x[1] == against][:1] + [x for x in pool if x[1] == agree_with][:2]
    rest = [x for x in pool if x not in first]
    chosen = (first + rest)[:cap]
    rng.shuffle(chosen)
    return chosen


def shuffled(items: Iterable[str], seed: object) -> list[str]:
    """A seeded order: a bigger --stories takes the same stories first, then more."""
    out = sorted(items)
    random.Random(f"{seed}").shuffle(out)
    return out


def training_split(path: Path) -> list[str] | None:
    """Per row of an NLI JSONL, the split the contradiction model's training puts it in
    (by the premise hash divergence.nlidata uses), or None if that cannot be told."""
    try:
        from divergence.nlidata import read_nli, split_of
    except ImportError:
        return None
    pairs = read_nli(path)
    rows = sum(1 for line in path.open(encoding="utf-8") if line.strip())
    return [split_of(p.group) for p in pairs] if len(pairs) == rows else None


def splits_of(path: Path, rows: int, heldout_only: bool) -> list[str | None]:
    splits = training_split(path)
    if splits is None and heldout_only:
        raise SystemExit(f"{path}: cannot tell the training split, so not --heldout-only")
    return list(splits) if splits else [None] * rows


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def emergent_stories(
    d: Path,
    n: int,
    seed: int,
    max_docs: int,
    heldout_only: bool,
    raw_headlines: bool = False,
    unseen: bool = False,
) -> list[Story]:
    path = d / "emergent" / "emergent.jsonl"
    rows = read_jsonl(path)
    splits = splits_of(path, len(rows), heldout_only)
    by_rumour: dict[str, list[tuple[str, str]]] = defaultdict(list)
    text, split = {}, {}
    for i, (r, s) in enumerate(zip(rows, splits, strict=True)):
        if (heldout_only and s == "train") or (unseen and s != "test"):
            continue
        doc_id = opaque("emergent", i)
        text[doc_id] = r["premise"] if raw_headlines else as_sentence(r["premise"])
        split[doc_id] = s
        by_rumour[r["hypothesis"]].append((doc_id, r["stance"]))
    eligible = sorted(
        h for h, docs in by_rumour.items() if {"for", "against"} <= {s for _, s in docs}
    )
    stories = []
    for k, rumour in enumerate(shuffled(eligible, f"{seed}:emergent")[:n]):
        # One generator per story: its documents do not depend on which stories came before.
        rng = random.Random(f"{seed}:emergent:{rumour}")
        chosen = pick(by_rumour[rumour], max_docs, rng, "against", "for")
        stance = dict(chosen)
        divergent, agreeing = stance_pairs(stance, "against", "for")
        stories.append(Story(
            "Emergent", f"emergent-{k}", [document(i, text[i]) for i, _ in chosen], "document",
            divergent, agreeing, dict.fromkeys(stance, rumour),
            [split[a] not in ("train", None) and split[b] not in ("train", None)
             for a, b in divergent],
        ))  # fmt: skip
    return stories


def fnc_stories(
    d: Path,
    n: int,
    day_stories: int,
    seed: int,
    max_docs: int,
    heldout_only: bool,
    unseen: bool = False,
) -> tuple[list[Story], Story]:
    """The FNC-1 set (one story per rumour) and the mixed day, on disjoint rumours."""
    path = d / "fnc1_related" / "fnc1_related_train.jsonl"
    rows = read_jsonl(path)
    splits = splits_of(path, len(rows), heldout_only)
    stance: dict[str, dict[str, str]] = defaultdict(dict)  # headline -> body -> stance
    text, split = {}, {}
    for r, s in zip(rows, splits, strict=True):
        if (heldout_only and s == "train") or (unseen and s != "test"):
            continue
        doc_id = opaque("fnc1", r["body_id"])
        text[doc_id], split[doc_id] = r["premise"], s
        stance[r["hypothesis"]][doc_id] = r["stance"]
    # Headlines that share a body report one rumour: a rumour is a connected component.
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for headline, bodies in stance.items():
        for body in bodies:
            parent[root("b:" + body)] = root("h:" + headline)
    # Per rumour: its headlines with both stances (the FNC-1 set needs gold divergences),
    # and its headlines with enough bodies for the mixed day (where, as on a real day, a
    # story need not hold a disagreement).
    disputed: dict[str, list[str]] = defaultdict(list)
    sizable: dict[str, list[str]] = defaultdict(list)
    for headline in sorted(stance):
        rumour = root("h:" + headline)
        if {"agree", "disagree"} <= set(stance[headline].values()):
            disputed[rumour].append(headline)
        if len(stance[headline]) >= DAY_BODIES[0]:
            sizable[rumour].append(headline)
    # The day first, so that it stays the same whatever --stories is; the set avoids its rumours.
    day_rumours = shuffled(sizable, f"{seed}:day")[:day_stories]
    order = [r for r in shuffled(disputed, f"{seed}:fnc1") if r not in day_rumours][:n]
    heldout = {i for i, s in split.items() if s not in ("train", None)}

    def story(k: int, headlines: list[str], cap: int | None, name: str, prefix: str) -> Story:
        rng = random.Random(f"{seed}:{name}:{headlines[0]}")
        headline = rng.choice(headlines)
        cap = rng.randint(*DAY_BODIES) if cap is None else cap
        chosen = pick(sorted(stance[headline].items()), cap, rng, "disagree", "agree")
        st = dict(chosen)
        divergent, agreeing = stance_pairs(st, "disagree", "agree")
        return Story(
            name, f"{prefix}-{k}", [document(i, text[i]) for i, _ in chosen], "document",
            divergent, agreeing, dict.fromkeys(st, f"{prefix}-{k}"),
            [a in heldout and b in heldout for a, b in divergent],
        )  # fmt: skip

    fnc = [story(k, disputed[r], max_docs, "FNC-1", "fnc1") for k, r in enumerate(order)]
    parts = [story(k, sizable[r], None, "mixed day", "day") for k, r in enumerate(day_rumours)]
    docs = [doc for p in parts for doc in p.documents]
    random.Random(f"{seed}:day").shuffle(docs)  # input order says nothing about the stories
    day = Story(
        "mixed day", "mixed-day", docs, "document",
        [g for p in parts for g in p.divergent], [g for p in parts for g in p.agreeing],
        {k: v for p in parts for k, v in p.story_of.items()},
        [h for p in parts for h in p.divergent_heldout],
    )  # fmt: skip
    return fnc, day


def claimdiff_stories(d: Path, n: int, seed: int, unseen: bool = False) -> list[Story]:
    from divergence.nlidata import split_of

    weak = json.loads((d / "claimdiff" / "ClaimDiff-weak-train.json").read_text("utf-8"))["data"]
    topics: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in weak:
        # The combiner fits on the topics outside the test split (divergence.combine_train).
        if not unseen or split_of(f"claimdiff:{r['topic']}") == "test":
            topics[r["topic"]].append(r)
    eligible = sorted(t for t, rs in topics.items() if any(int(r["relation"]) for r in rs))
    stories = []
    for k, topic in enumerate(shuffled(eligible, f"{seed}:claimdiff")[:n]):
        claims: dict[str, list[str]] = defaultdict(list)  # article title -> its claims, in order
        weakens: dict[frozenset[str], bool] = {}  # unordered claim pair -> either way weakens
        for r in topics[topic]:
            for side in "ab":
                if r[f"claim_{side}"] not in claims[r[f"article_{side}"]]:
                    claims[r[f"article_{side}"]].append(r[f"claim_{side}"])
            # A topic's articles swap sides, so many pairs are annotated in both directions:
            # one gold pair each, divergent if either direction weakens. Relation 0 means
            # B strengthens A (relation 1 in the strength set; the two are exclusive) or
            # neither; both are wrong to flag.
            key = frozenset((r["claim_a"], r["claim_b"]))
            weakens[key] = weakens.get(key, False) or bool(int(r["relation"]))
        pairs = {k: (min(k), max(k)) for k in weakens if len(k) == 2}
        divergent = [pair for k, pair in pairs.items() if weakens[k]]
        agreeing = [pair for k, pair in pairs.items() if not weakens[k]]
        # Each claim its own line: the pipeline reads a line as a paragraph, so the claim
        # boundaries it sees are the annotators' ones.
        docs = [document(opaque("claimdiff", topic, title), "\n".join(cs))
                for title, cs in sorted(claims.items())]  # fmt: skip
        stories.append(Story(
            "ClaimDiff", f"claimdiff-{k}", docs, "claim", divergent, agreeing,
            {doc["id"]: topic for doc in docs}, [True] * len(divergent),
        ))  # fmt: skip
    return stories


# ---- running and scoring one story ----------------------------------------------------------


@dataclass
class Result:
    """What one compare() call flagged, measured against its story's gold."""

    set: str
    story: str
    documents: int
    claims: int = 0
    pairs: int = 0  # scored
    flagged: int = 0
    gold_divergent: int = 0
    found: int = 0
    gold_heldout: int = 0
    found_heldout: int = 0
    gold_agreeing: int = 0
    agreeing_flagged: int = 0
    precision_at_5: float = 0.0
    reciprocal_rank: float = 0.0
    first_hit: int | None = None
    cross_story: int = 0
    seconds: float = 0.0
    #: CPU seconds of this process (all threads): steadier than wall time on a busy machine.
    cpu_seconds: float = 0.0
    #: Finding-level ranking, where the report has a findings table.
    findings: dict[str, Any] | None = None
    #: Pair-counting precision/recall of the pipeline's own stories, where it makes them.
    story_grouping: dict[str, float | None] | None = None
    note: str = ""


def match(story: Story, frame: pd.DataFrame, gold: Sequence[GoldPair]) -> list[set[int]]:
    if story.level == "document":
        return match_doc_pairs(list(frame["doc_a"]), list(frame["doc_b"]), gold)
    return match_claim_pairs(list(frame["claim_a"]), list(frame["claim_b"]), gold)


def finding_metrics(story: Story, report: Any) -> dict[str, Any] | None:
    """The same ranking measures over ``report.findings`` in its own order, if it has one."""
    findings = getattr(report, "findings", None)
    if not isinstance(findings, pd.DataFrame):
        return None
    need = {"doc_a", "doc_b"} if story.level == "document" else {"claim_a", "claim_b"}
    if not need <= set(findings.columns):
        return {"count": len(findings), "note": f"findings lack {sorted(need)}: not measured"}
    matches = match(story, findings.reset_index(drop=True), story.divergent)
    hits = [bool(m) for m in matches]
    out: dict[str, Any] = {
        "count": len(findings),
        "found": len(covered(matches)),
        "precision_at_5": precision_at_k(hits),
        "reciprocal_rank": reciprocal_rank(hits),
        "first_hit": first_hit_rank(hits),
    }
    if {"doc_a", "doc_b"} <= set(findings.columns):
        out["cross_story"] = cross_story_count(
            list(findings["doc_a"]), list(findings["doc_b"]), story.story_of
        )
    return out


def evaluate(story: Story, report: Any, seconds: float) -> Result:
    flagged = ranked(report.divergences)
    divergent = match(story, flagged, story.divergent)
    agreeing = match(story, flagged, story.agreeing)
    hits = [bool(m) for m in divergent]
    found = covered(divergent)
    result = Result(
        story.set, story.id, len(story.documents), len(report.claims), len(report.pairs),
        len(flagged), len(story.divergent), len(found), sum(story.divergent_heldout),
        sum(story.divergent_heldout[i] for i in found), len(story.agreeing),
        len(covered(agreeing)), precision_at_k(hits), reciprocal_rank(hits),
        first_hit_rank(hits),
        cross_story_count(list(flagged["doc_a"]), list(flagged["doc_b"]), story.story_of),
        seconds=round(seconds, 2), findings=finding_metrics(story, report),
    )  # fmt: skip
    claims = report.claims
    if "story" in claims.columns and len(claims):
        # A document's story is the one most of its claims were put in.
        predicted = {
            str(doc): str(group["story"].value_counts().index[0])
            for doc, group in claims.groupby("doc_id")
        }
        precision, recall_ = cluster_pair_scores(predicted, story.story_of)
        result.story_grouping = {
            "stories": len(set(predicted.values())), "precision": precision, "recall": recall_,
        }  # fmt: skip
    return result


def at_threshold(report: Any, threshold: float) -> Any:
    """The report seen at another flag level: the same scores, flagged where they reach it
    (its ``divergences`` and ``findings`` follow). Scoring is most of a run; this measures
    several thresholds from one (``--also``)."""
    pairs = report.pairs.copy()
    pairs["flagged"] = pairs["divergence"] >= threshold
    return dataclasses.replace(report, pairs=pairs)


def run(story: Story, options: Mapping[str, Any]) -> tuple[Result, Any]:
    import divergence

    start, cpu = time.perf_counter(), time.process_time()
    report: Any = None
    note = ""
    try:
        report = divergence.compare(story.documents, **options)
    except divergence.NothingToCompare as e:
        note = str(e)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if report is None:
        # Nothing to compare, so nothing flagged: every measure counts it as a miss.
        result = Result(
            story.set, story.id, len(story.documents), gold_divergent=len(story.divergent),
            gold_heldout=sum(story.divergent_heldout), gold_agreeing=len(story.agreeing),
            note=note,
        )  # fmt: skip
    else:
        result = evaluate(story, report, seconds)
    result.seconds, result.cpu_seconds = round(seconds, 2), round(cpu, 2)
    return result, report


# ---- totals and the table -------------------------------------------------------------------


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def totals(name: str, results: Sequence[Result]) -> dict[str, Any]:
    """A set's figures: pair counts summed over stories, ranking measures averaged over them."""
    gold = sum(r.gold_divergent for r in results)
    heldout = sum(r.gold_heldout for r in results)
    agree = sum(r.gold_agreeing for r in results)
    ranked_ = [r for r in results if r.gold_divergent]
    first = [r.first_hit for r in ranked_ if r.first_hit]
    return {
        "set": name,
        "stories": len(results),
        "documents": sum(r.documents for r in results),
        "gold_divergent": gold,
        "recall": sum(r.found for r in results) / gold if gold else None,
        "recall_heldout": sum(r.found_heldout for r in results) / heldout if heldout else None,
        "gold_heldout": heldout,
        "precision_at_5": mean(r.precision_at_5 for r in ranked_),
        "mrr": mean(r.reciprocal_rank for r in ranked_),
        "first_hit_mean": mean(first),
        "stories_with_hit": len(first),
        "gold_agreeing": agree,
        "agreeing_flagged": sum(r.agreeing_flagged for r in results) / agree if agree else None,
        "flagged_mean": mean(r.flagged for r in results),
        "flagged_max": max((r.flagged for r in results), default=0),
        "cross_story": sum(r.cross_story for r in results),
        "seconds": round(sum(r.seconds for r in results), 1),
        "seconds_max": max((r.seconds for r in results), default=0.0),
        "cpu_seconds": round(sum(r.cpu_seconds for r in results), 1),
    }


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


HEADER = (
    "| set | stories | docs | gold divergences | recall | recall, held-out docs | "
    "P@5 | MRR | first hit: mean rank (stories) | agreeing pairs flagged | "
    "flags per story: mean / max | cross-story flags | seconds: all / slowest | CPU s |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def table_row(t: Mapping[str, Any]) -> str:
    first = (
        f"{fmt(t['first_hit_mean'], 1)} ({t['stories_with_hit']}/{t['stories']})"
        if t["gold_divergent"] else "–"
    )  # fmt: skip
    return (
        f"| {t['set']} | {t['stories']} | {t['documents']} | {t['gold_divergent']} | "
        f"{fmt(t['recall'])} | {fmt(t['recall_heldout'])} ({t['gold_heldout']}) | "
        f"{fmt(t['precision_at_5'])} | {fmt(t['mrr'])} | {first} | "
        f"{fmt(t['agreeing_flagged'])} ({t['gold_agreeing']}) | "
        f"{fmt(t['flagged_mean'], 1)} / {t['flagged_max']} | {t['cross_story']} | "
        f"{t['seconds']:.0f} / {t['seconds_max']:.0f} | {t['cpu_seconds']:.0f} |"
    )


def kind_of(value: object) -> str:
    """A flag's kind; the model alone (no typed check) leaves it empty, None or NaN."""
    return value if isinstance(value, str) and value else "model"


def top_flags(story: Story, report: Any, n: int) -> list[dict[str, Any]]:
    """The day's first n flags, with whether their documents share a gold story."""
    if report is None:
        return []
    out = []
    for row in ranked(report.divergences).head(n).to_dict("records"):
        out.append({
            "divergence": round(float(row["divergence"]), 3), "kind": kind_of(row["kind"]),
            "same_story": story.story_of.get(row["doc_a"]) == story.story_of.get(row["doc_b"]),
            "gold_divergence": frozenset((row["doc_a"], row["doc_b"]))
            in {frozenset(g) for g in story.divergent},
            "claim_a": row["claim_a"], "claim_b": row["claim_b"],
        })  # fmt: skip
    return out


def kinds_by_story(story: Story, report: Any) -> dict[str, dict[str, int]]:
    """Flags per kind of finding (numeric, negation, model, ...), same story vs different."""
    out: dict[str, dict[str, int]] = {"same story": {}, "different stories": {}}
    if report is None:
        return out
    for row in report.divergences.itertuples():
        same = story.story_of.get(row.doc_a) == story.story_of.get(row.doc_b)
        where = "same story" if same else "different stories"
        kind = kind_of(row.kind)
        out[where][kind] = out[where].get(kind, 0) + 1
    return out


def day_by_story(day: Story, report: Any) -> list[dict[str, Any]]:
    """The mixed day read one gold story at a time, as a reader of findings by story would:
    per gold story its flags, and recall, P@5 and MRR over that story's flags in order."""
    if report is None:
        return []
    flagged = ranked(report.divergences)
    where = [
        day.story_of.get(a) if day.story_of.get(a) == day.story_of.get(b) else None
        for a, b in zip(flagged["doc_a"], flagged["doc_b"], strict=True)
    ]
    out = []
    for name in sorted(set(day.story_of.values())):
        mine = flagged[[w == name for w in where]].reset_index(drop=True)
        gold = [g for g in day.divergent if day.story_of.get(g[0]) == name]
        matches = match_doc_pairs(list(mine["doc_a"]), list(mine["doc_b"]), gold)
        hits = [bool(m) for m in matches]
        out.append({
            "story": name, "flags": len(mine), "gold": len(gold),
            "found": len(covered(matches)),
            "precision_at_5": precision_at_k(hits) if gold else None,
            "reciprocal_rank": reciprocal_rank(hits) if gold else None,
        })  # fmt: skip
    return out


def dump_pairs(story: Story, report: Any, folder: Path) -> None:
    """A story's scored pairs, best first, with their gold label: for reading what is flagged."""
    frame = ranked(report.pairs)
    divergent, agreeing = match(story, frame, story.divergent), match(story, frame, story.agreeing)
    labels = [
        "divergent" if d else "agreeing" if a else ""
        for d, a in zip(divergent, agreeing, strict=True)
    ]
    frame.insert(0, "gold", labels)
    same = [
        story.story_of.get(a) == story.story_of.get(b)
        for a, b in zip(frame["doc_a"], frame["doc_b"], strict=True)
    ]
    frame.insert(1, "same_gold_story", same)
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / f"{story.id}.csv", index=False)


def short(text: str, limit: int = 110) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).parents[2] / "shared" / "datasets"
    )
    parser.add_argument("--stories", type=int, default=20, help="stories per source set")
    parser.add_argument("--day-stories", type=int, default=11, help="stories in the mixed day")
    parser.add_argument("--max-docs", type=int, default=8, help="Emergent headlines per story")
    parser.add_argument("--max-bodies", type=int, default=5, help="FNC-1 bodies per story")
    parser.add_argument("--scorer", default=None, help="passed to compare (default: its own)")
    parser.add_argument("--threshold", type=float, default=None, help="passed to compare")
    parser.add_argument("--by", default=None, help="passed to compare: speaker or outlet")
    parser.add_argument("--top-k", type=int, default=None, help="passed to compare")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--sets", default="emergent,fnc1,claimdiff,day", help="comma-separated subset to run"
    )
    parser.add_argument(
        "--heldout-only", action="store_true",
        help="only documents outside the contradiction model's training split",
    )  # fmt: skip
    parser.add_argument(
        "--unseen", action="store_true",
        help="only documents neither the contradiction model nor the combiner was fitted on "
             "(the test split of divergence.nlidata.split_of; ClaimDiff topics in it)",
    )  # fmt: skip
    parser.add_argument(
        "--raw-headlines", action="store_true",
        help="Emergent headlines as printed, without the full stop added to each",
    )  # fmt: skip
    parser.add_argument(
        "--also", default="",
        help="comma-separated further thresholds, measured on the same scores (e.g. 0.3,0.5)",
    )  # fmt: skip
    parser.add_argument("--show", type=int, default=5, help="mixed day's top flags to print")
    parser.add_argument(
        "--dump", type=Path, default=None,
        help="write each story's scored pairs here as STORY.csv, gold labels added (keep it "
             "outside the repository: the texts are others')",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="write per-story metrics here")
    args = parser.parse_args()
    wanted = set(args.sets.split(","))

    from common import print_run_header

    import divergence
    from divergence.embeddings import get_embedder
    from divergence.scoring import get_scorer

    load_before = os.getloadavg()[0]
    import torch

    print_run_header("benchmarks/e2e_quality.py", torch.get_num_threads())
    print(f"divergence: {divergence.__file__} (version {divergence.__version__})")

    d = args.datasets
    sets: list[tuple[str, list[Story]]] = []
    if "emergent" in wanted:
        sets.append(
            ("Emergent", emergent_stories(d, args.stories, args.seed, args.max_docs,
                                          args.heldout_only, args.raw_headlines, args.unseen))
        )  # fmt: skip
    fnc, day = fnc_stories(
        d, args.stories, args.day_stories, args.seed, args.max_bodies, args.heldout_only,
        args.unseen,
    )  # fmt: skip
    if "fnc1" in wanted:
        sets.append(("FNC-1", fnc))
    if "claimdiff" in wanted:
        sets.append(("ClaimDiff", claimdiff_stories(d, args.stories, args.seed, args.unseen)))
    if "day" in wanted:
        sets.append(("mixed day", [day]))

    start = time.perf_counter()
    embedder, scorer = get_embedder(None), get_scorer(args.scorer)
    embedder.load()
    scorer.load()
    load_s = time.perf_counter() - start
    options: dict[str, Any] = {"embedder": embedder, "scorer": scorer}
    if args.threshold is not None:
        options["threshold"] = args.threshold
    if args.by is not None:
        options["by"] = args.by
    if args.top_k is not None:
        options["top_k"] = args.top_k
    print(
        f"scorer {scorer.name}, embedder {embedder.model_id}, threshold "
        f"{args.threshold if args.threshold is not None else 'compare default'}, "
        f"seed {args.seed}, {date.today().isoformat()}; models loaded once in {load_s:.1f} s\n",
        flush=True,
    )

    also = [float(t) for t in args.also.split(",") if t.strip()]
    at: dict[float, list[Result]] = {t: [] for t in also}
    results: list[Result] = []
    per_set: list[dict[str, Any]] = []
    day_top: list[dict[str, Any]] = []
    day_kinds: dict[str, dict[str, int]] = {}
    day_stories: list[dict[str, Any]] = []
    for name, stories in sets:
        mine = []
        for story in stories:
            result, report = run(story, options)
            mine.append(result)
            for t in also:
                at[t].append(evaluate(story, at_threshold(report, t), result.seconds)
                             if report is not None else result)  # fmt: skip
            print(
                f"  {story.id}: {result.documents} docs, {result.claims} claims, "
                f"{result.pairs} pairs, {result.flagged} flagged, found "
                f"{result.found}/{result.gold_divergent}, {result.seconds:.1f} s {result.note}",
                file=sys.stderr, flush=True,
            )  # fmt: skip
            if args.dump and report is not None:
                dump_pairs(story, report, args.dump)
            if story is day:
                day_top = top_flags(day, report, args.show)
                day_kinds = kinds_by_story(day, report)
                day_stories = day_by_story(day, report)
        results += mine
        per_set.append(totals(name, mine))
    per_set.append(totals("total", results))

    print(HEADER)
    for t in per_set:
        print(table_row(t))
    if any(r.findings for r in results):
        print("\nfinding level (report.findings, in its order):\n")
        print("| set | findings per story | P@5 | MRR | cross-story |\n|---|---:|---:|---:|---:|")
        for name, _ in sets:
            f = [r.findings for r in results if r.set == name and r.findings]
            measured = [x for x in f if "precision_at_5" in x]
            print(
                f"| {name} | {fmt(mean(x['count'] for x in f), 1)} | "
                f"{fmt(mean(x['precision_at_5'] for x in measured))} | "
                f"{fmt(mean(x['reciprocal_rank'] for x in measured))} | "
                f"{sum(x.get('cross_story', 0) for x in measured)} |"
            )
    if also:
        print(
            "\nother thresholds, on the same scores (recall / P@5 / MRR / agreeing flagged / "
            "flags per story mean, max; findings per story, finding P@5, finding MRR):\n"
        )
        print(
            "| threshold | set | recall | P@5 | MRR | agreeing flagged | flags per story | "
            "findings per story | finding P@5 | finding MRR |\n"
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        )
        for t in also:
            for name in [n for n, _ in sets] + ["total"]:
                mine = [r for r in at[t] if name in ("total", r.set)]
                x = totals(name, mine)
                f = [r.findings for r in mine if r.findings and "precision_at_5" in r.findings]
                print(
                    f"| {t:g} | {name} | {fmt(x['recall'])} | {fmt(x['precision_at_5'])} | "
                    f"{fmt(x['mrr'])} | {fmt(x['agreeing_flagged'])} | "
                    f"{fmt(x['flagged_mean'], 1)} / {x['flagged_max']} | "
                    f"{fmt(mean(y['count'] for y in f), 1)} | "
                    f"{fmt(mean(y['precision_at_5'] for y in f))} | "
                    f"{fmt(mean(y['reciprocal_rank'] for y in f))} |"
                )
    grouping = [r.story_grouping for r in results if r.set == "mixed day" and r.story_grouping]
    if grouping:
        g = grouping[0]
        print(
            f"\nmixed day, the pipeline's own stories: {g['stories']} (gold {args.day_stories}); "
            f"document-pair precision {fmt(g['precision'])}, recall {fmt(g['recall'])}"
        )
    if day_stories:
        scored = [x for x in day_stories if x["gold"]]
        print(
            f"\nmixed day, one gold story at a time: flags per story mean "
            f"{fmt(mean(x['flags'] for x in day_stories), 1)}, max "
            f"{max(x['flags'] for x in day_stories)}; over the {len(scored)} stories with a gold "
            f"divergence, P@5 {fmt(mean(x['precision_at_5'] for x in scored))}, MRR "
            f"{fmt(mean(x['reciprocal_rank'] for x in scored))}"
        )
    if day_top:
        print(f"\nmixed day, top {len(day_top)} flags:\n")
        for i, flag in enumerate(day_top, 1):
            tag = "same story" if flag["same_story"] else "DIFFERENT stories"
            tag += ", gold divergence" if flag["gold_divergence"] else ""
            print(f"{i}. {flag['divergence']:.2f} {flag['kind']} ({tag})")
            print(f"   A: {short(flag['claim_a'])}\n   B: {short(flag['claim_b'])}")
    for where, kinds in day_kinds.items():
        listed = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        print(f"mixed day, flags between documents of {where}, by kind: {listed or 'none'}")
    print(
        f"\nload average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} CPUs; compare() time {sum(r.seconds for r in results):.0f} s"
    )
    if args.json:
        args.json.write_text(json.dumps({
            "command": "python " + " ".join(shlex.quote(a) for a in sys.argv),
            "divergence": divergence.__file__, "date": date.today().isoformat(),
            "scorer": scorer.name, "embedder": embedder.model_id, "load_seconds": load_s,
            "options": {k: v for k, v in vars(args).items() if k != "json"},
            "totals": per_set, "stories": [asdict(r) for r in results],
            "mixed_day_top": day_top, "mixed_day_kinds": day_kinds,
            "mixed_day_stories": day_stories,
            "also": {str(t): [totals(n, [r for r in at[t] if n in ("total", r.set)])
                              for n in [n for n, _ in sets] + ["total"]] for t in also},
        }, indent=1, default=str) + "\n", encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()
