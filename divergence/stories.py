"""Stage 1b: group documents into stories, so claims are only paired within one event.

A day's feed mixes unrelated events, and two claims about different events can look alike
("the quake killed 300" against "the ferry sinking killed 41"). Documents are clustered
into stories first, by three signals:

- the embedding of each document's title and lead (its first sentences), with the
  pipeline's :class:`~divergence.embeddings.Embedder`;
- the key terms (:func:`divergence.terms.key_terms`) of the title and opening they share,
  TF-IDF weighted across the documents given, so a place name shared by two documents
  counts for more than "officials" shared by all of them. Numbers are left out: outlets
  on one event disagree about them, which is the point of divergence, and different
  events share them by chance; so are weekdays and months, which a day's stories share;
- the publication date: documents more than ``window_days`` apart (by calendar day, where
  both have a date divergence can read) are never one story.

The clustering is scikit-learn's average-linkage :class:`AgglomerativeClustering` over the
precomputed distance ``1 - similarity``, stopped at ``threshold``; documents outside each
other's window are pushed so far apart that no merge can include both. The default
threshold and weights were chosen on mixed days of about 70 FNC-1 article bodies or
Emergent headlines on 11 stories (``benchmarks/stories_quality.py``): at 0.7 no two FNC-1
stories were merged and few were split. Two events of one kind on one day (two
earthquakes in different countries) can still be merged. The distance matrix is n x n:
meant for a day's or a week's documents (thousands), not for an archive.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from divergence.documents import Document
from divergence.embeddings import Embedder, get_embedder
from divergence.terms import key_terms

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Distance (1 - similarity, average linkage) at which stories stop merging.
THRESHOLD = 0.7
#: Documents more than this many calendar days apart are never one story.
WINDOW_DAYS = 7
#: Weight of the lead embeddings' cosine against the shared key terms' TF-IDF cosine.
EMBEDDING_WEIGHT = 0.5
#: Sentences, and at most words, of the text embedded with the title (the lead).
LEAD_SENTENCES = 3
LEAD_WORDS = 100
#: Words of the text (after the title) whose key terms count. At least LEAD_WORDS: the
#: nightly store keeps only these words of a document (:func:`head`) and rebuilds the lead
#: from them.
TERM_WORDS = 400
#: Empty documents added to the TF-IDF fit: rarity is judged against a notional wider news
#: day, not only the documents given. Fitted on two articles alone, every term they share
#: would count for less than every term only one of them has, and two articles on one event
#: were split apart (benchmarks/README.md, "Stories of a few documents").
BACKGROUND_DOCUMENTS = 30
#: Key terms are compared by this many first letters: "Israel"/"Israeli", "quake"/"quakes".
STEM_CHARS = 6
#: Key terms in a story's label.
LABEL_TERMS = 4
#: The distance of two documents outside each other's window: so large that the average
#: over any merge holding them stays above any threshold.
_APART = 1e9

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+")
_WORD = re.compile(r"[\w][\w'’-]*")
_YEAR = re.compile(r"\b(?:1[89]|2\d)\d\d\b")
_DAY = re.compile(r"\b\d{1,2}\b")
_POSSESSIVE = re.compile(r"['’]s$")
_CALENDAR = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december""".split()  # noqa: SIM905
)


class StoryMode(str, Enum):
    """How claims are grouped before pairing; plain strings ("none") are accepted too.

    ``auto`` clusters documents into stories (:func:`find_stories`) and pairs claims only
    within one; ``none`` treats every document as one story.
    """

    AUTO = "auto"
    NONE = "none"


@dataclass(frozen=True)
class Story:
    """Documents on one event: ``id`` is a short hash of their sorted ids (the same documents
    always give the same id), ``label`` a few key terms they share, ``doc_ids`` in input order."""

    id: str
    label: str
    doc_ids: tuple[str, ...]


def story_id(doc_ids: Sequence[str]) -> str:
    """``s`` and 8 hex digits of a hash of the sorted document ids: independent of their
    order and of the other stories found alongside."""
    digest = hashlib.sha256("\n".join(sorted(doc_ids)).encode("utf-8")).hexdigest()
    return f"s{digest[:8]}"


def lead(document: Document) -> str:
    """The title and the first :data:`LEAD_SENTENCES` sentences, at most :data:`LEAD_WORDS`
    words of them: what says which event an article is about."""
    sentences = _SENTENCE_END.split(document.text.strip(), maxsplit=LEAD_SENTENCES)
    words = " ".join(sentences[:LEAD_SENTENCES]).split()[:LEAD_WORDS]
    return " ".join([*(document.title or "").split(), *words])


def head(text: str) -> str:
    """The first :data:`TERM_WORDS` words of a text, joined by single spaces: all that
    :func:`lead` and the key terms read of it, so a document with its text cut to its head
    (and its title kept) gives the same lead and key terms. Sentence ends are found at the
    whitespace after their punctuation, word by word, so joining by one space moves none,
    and the lead's :data:`LEAD_WORDS` are within the head's words."""
    return " ".join(text.split()[:TERM_WORDS])


def _term_text(document: Document) -> str:
    return " ".join([*(document.title or "").split(), *document.text.split()[:TERM_WORDS]])


def _stem(term: str) -> str:
    """A key term without its possessive ("Nepal's"), cut to :data:`STEM_CHARS` letters."""
    return _POSSESSIVE.sub("", term.lower().strip("'’"))[:STEM_CHARS]


def _stems(text: str) -> list[str]:
    """The stems of a text's key terms, without numbers, weekdays and months."""
    return [
        _stem(t)
        for t in key_terms(text)
        if not any(c.isdigit() for c in t) and _POSSESSIVE.sub("", t) not in _CALENDAR
    ]


def _day(published: str | None) -> float:
    """The calendar day (proleptic ordinal, UTC) of a publication date, NaN if unknown.

    Only dates with a year and a day are read: "April 2024" or "Monday" would be read as
    some day of pandas' choosing, and a wrong date is worse than none.
    """
    if not published or not _YEAR.search(published) or not _DAY.search(published):
        return math.nan
    stamp = pd.to_datetime(published, errors="coerce", utc=True)
    if pd.isna(stamp):
        return math.nan
    return float(stamp.toordinal())


def story_distances(
    documents: Sequence[Document],
    vectors: NDArray[np.float32],
    *,
    window_days: float = WINDOW_DAYS,
    embedding_weight: float = EMBEDDING_WEIGHT,
    background: int = BACKGROUND_DOCUMENTS,
) -> NDArray[np.float64]:
    """The n x n distances the clustering uses: 1 - (a weighted mean of the lead embeddings'
    cosine and the TF-IDF cosine of shared key terms), 0 for identical texts, and
    :data:`_APART` for documents more than ``window_days`` apart. ``background``: empty
    documents counted in the inverse document frequencies (:data:`BACKGROUND_DOCUMENTS`)."""
    cosine = np.clip(vectors.astype(np.float64) @ vectors.T.astype(np.float64), 0.0, 1.0)
    terms = _term_similarity(documents, background)
    similarity = embedding_weight * cosine + (1 - embedding_weight) * terms
    distance = 1.0 - similarity
    texts = pd.Series([f"{d.title or ''}\n{d.text}".strip().lower() for d in documents])
    codes = pd.factorize(texts)[0]
    # A reprinted article is one story whatever the embedder makes of it (empty ones too).
    distance[codes[:, None] == codes[None, :]] = 0.0
    days = np.array([_day(d.published) for d in documents], dtype=np.float64)
    with np.errstate(invalid="ignore"):  # NaN (no date) compares False: never kept apart
        apart = np.abs(days[:, None] - days[None, :]) > window_days
    distance[apart] = _APART
    np.fill_diagonal(distance, 0.0)
    return distance


def _term_similarity(documents: Sequence[Document], background: int) -> NDArray[np.float64]:
    """Cosine of the documents' TF-IDF vectors of key-term stems (0 where one has none),
    the inverse document frequencies counted with ``background`` more that share no term."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(documents)
    texts = [_term_text(d) for d in documents]
    vectorizer = TfidfVectorizer(analyzer=_stems, sublinear_tf=True)
    try:  # the background rows come last and are dropped: each text is analysed once
        matrix: Any = vectorizer.fit_transform([*texts, *[""] * background])[:n]
    except ValueError:  # no document has a single key term
        return np.zeros((n, n), dtype=np.float64)
    similarity: NDArray[np.float64] = np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)
    return similarity


def find_stories(
    documents: Sequence[Document],
    *,
    embedder: Embedder | str | None = None,
    threshold: float = THRESHOLD,
    window_days: float = WINDOW_DAYS,
) -> list[Story]:
    """Cluster documents into stories, in the order of their first document.

    Same input, same stories. One document, or documents all on one event, give one
    story; documents with no date are kept apart by nothing but their text. ``embedder``
    is an :class:`Embedder`, a model name, or ``None`` for the default.
    """
    docs = list(documents)
    if not docs:
        return []
    if len(docs) == 1:
        return _stories(docs, [[0]])
    embedder = get_embedder(embedder) if embedder is None or isinstance(embedder, str) else embedder
    vectors = embedder.embed([lead(d) for d in docs])
    distance = story_distances(docs, vectors, window_days=window_days)
    return stories_from_distances(docs, distance, threshold=threshold)


def stories_from_distances(
    documents: Sequence[Document], distance: NDArray[np.float64], *, threshold: float = THRESHOLD
) -> list[Story]:
    """Stories from a precomputed :func:`story_distances` matrix (reused across thresholds)."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(documents)
    if n < 2:
        return _stories(documents, [list(range(n))]) if n else []
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    labels = clustering.fit_predict(distance)
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels.tolist()):
        members.setdefault(label, []).append(index)
    return _stories(documents, list(members.values()))  # in first-document order


def single_story(documents: Sequence[Document]) -> Story:
    """Every document in one story (``stories="none"``: pairing as if all were one event)."""
    return _stories(documents, [list(range(len(documents)))])[0]


def _stories(documents: Sequence[Document], groups: Sequence[Sequence[int]]) -> list[Story]:
    """A :class:`Story` for each group of document indices."""
    texts = [_term_text(d) for d in documents]
    stems = [set(_stems(t)) for t in texts]
    everywhere = Counter(stem for doc_stems in stems for stem in doc_stems)
    out = []
    for rows in groups:
        doc_ids = tuple(documents[i].id for i in rows)
        # Documents by id: the label must not depend on the input order.
        ordered = sorted(rows, key=lambda i: documents[i].id)
        label = _label([texts[i] for i in ordered], [stems[i] for i in ordered], everywhere,
                       len(documents)) or _fallback_label([documents[i] for i in ordered])  # fmt: skip
        out.append(Story(story_id(doc_ids), label, doc_ids))
    return out


def _label(
    texts: Sequence[str], stems: Sequence[set[str]], everywhere: Counter[str], n: int
) -> str:
    """The :data:`LABEL_TERMS` key terms shared by most of the story's documents and rarest
    among all ``n`` documents (so "Kathmandu" before "officials"); ties go to the term
    mentioned most often. Each is spelled as most often written, so names keep capitals."""
    shared = Counter(stem for doc_stems in stems for stem in doc_stems)
    mentions: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    for text, doc_stems in zip(texts, stems, strict=True):
        for word in _WORD.findall(text):
            stem = _stem(word)
            if stem in doc_stems:
                mentions[stem] += 1
                spelled.setdefault(stem, Counter())[_POSSESSIVE.sub("", word.strip("'’"))] += 1

    def rank(stem: str) -> tuple[float, int, str]:
        idf = math.log((1 + n) / (1 + everywhere[stem])) + 1
        return (-shared[stem] / len(stems) * idf, -mentions[stem], stem)

    best = sorted(shared, key=rank)[:LABEL_TERMS]
    return ", ".join(
        min(spelled[s].items(), key=lambda kv: (-kv[1], kv[0]))[0] if s in spelled else s
        for s in best
    )


def _fallback_label(documents: Sequence[Document]) -> str:
    """For documents without a single key term: a title or the start of the text."""
    for doc in documents:
        text = (doc.title or "").strip() or doc.text.strip()
        if text:
            return text[:60]
    return "(empty)"
