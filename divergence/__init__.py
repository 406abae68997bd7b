"""divergence: find where news sources disagree.

>>> import divergence
>>> report = divergence.compare("data/examples/cairo-truce-talks-2024-04-08.txt")  # doctest: +SKIP
>>> report.divergences[["source_a", "source_b", "kind", "divergence"]]  # doctest: +SKIP
"""

from __future__ import annotations

from divergence.checks import Finding, Kind, Span, run_checks
from divergence.claims import Claim, extract_claims
from divergence.documents import Document, load_documents
from divergence.embeddings import Embedder, SentenceTransformerEmbedder, get_embedder
from divergence.engine import Engine, LocalEngine, RayEngine
from divergence.errors import (
    BrokenPipe,
    DivergenceError,
    EngineError,
    InputError,
    ModelError,
    NothingToCompare,
    OutputError,
    StdoutError,
    StoreError,
    UnknownFormat,
    UnknownModel,
)
from divergence.findings import Disagreement
from divergence.neighbours import Method, nearest
from divergence.nightly import NightlyResult, run_nightly
from divergence.nli import NLIScorer
from divergence.pairing import Pair, Pairing, PairingStats, find_pairs, pair_claims
from divergence.pipeline import By, compare
from divergence.render import Format, render, write_atomic
from divergence.report import Report
from divergence.scoring import (
    CheckScorer,
    ContradictionScorer,
    CrossEncoderScorer,
    Score,
    get_scorer,
    score_texts,
)
from divergence.store import Store, user_dir
from divergence.stories import Story, StoryMode, find_stories

__version__ = "0.1.0"

__all__ = [
    "BrokenPipe",
    "By",
    "CheckScorer",
    "Claim",
    "ContradictionScorer",
    "CrossEncoderScorer",
    "Disagreement",
    "DivergenceError",
    "Document",
    "Embedder",
    "Engine",
    "EngineError",
    "Finding",
    "Format",
    "InputError",
    "Kind",
    "LocalEngine",
    "Method",
    "ModelError",
    "NLIScorer",
    "NightlyResult",
    "NothingToCompare",
    "OutputError",
    "Pair",
    "Pairing",
    "PairingStats",
    "RayEngine",
    "Report",
    "Score",
    "SentenceTransformerEmbedder",
    "Span",
    "StdoutError",
    "Store",
    "StoreError",
    "Story",
    "StoryMode",
    "UnknownFormat",
    "UnknownModel",
    "__version__",
    "compare",
    "extract_claims",
    "find_pairs",
    "find_stories",
    "get_embedder",
    "get_scorer",
    "load_documents",
    "nearest",
    "pair_claims",
    "render",
    "run_checks",
    "run_nightly",
    "score_texts",
    "user_dir",
    "write_atomic",
]
