"""Where the batch work runs: embedding texts and scoring text pairs, in-process or on Ray.

An :class:`Engine` does only the costly batch work: vectors for texts, and model
probabilities for pairs. Everything else (reading documents, claims, pairing, the typed
checks, the store) stays with the caller. :class:`LocalEngine`, the default, runs the
models in this process. :class:`RayEngine` runs them as Ray Data ``map_batches`` over a
pool of actors, each loading its model once; results come back in input order. Ray is an
optional extra (``pip install divergence[ray]``), imported only when a RayEngine starts.

>>> from divergence.engine import LocalEngine
>>> LocalEngine().score([("40 people died.", "33 people died.")], "checks").shape
(1, 3)
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from divergence import errors
from divergence.embeddings import Embedder, SentenceTransformerEmbedder, get_embedder
from divergence.errors import DivergenceError, EngineError, ModelError
from divergence.scoring import (
    CheckScorer,
    ContradictionScorer,
    CrossEncoderScorer,
    get_scorer,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("divergence")

#: Engine names, as ``divergence nightly --engine`` takes them.
ENGINES = ("local", "ray")
#: Rows handed back at a time by :meth:`Engine.embed_chunks` and :meth:`Engine.score_chunks`.
CHUNK = 512
#: Rows per Ray Data block (one actor call): two of the models' batches of 64.
RAY_BLOCK = 128
RAY_MISSING = "the Ray engine needs Ray: pip install divergence[ray]"
_ERRORS = EngineError.__module__
_RAISED = re.compile(rf"{re.escape(_ERRORS)}\.(\w+): (.+)")

EmbedderLike = Embedder | str | None
ScorerLike = ContradictionScorer | str | None
Progress = Callable[[int], None] | None


class Engine(ABC):
    """Runs embedding and scoring batches. Subclasses implement :meth:`embed` and
    :meth:`score`; the chunked helpers on top hand results back a part at a time, so a
    caller can commit each part as it comes.

    ``embedder`` and ``scorer`` are instances or names as :func:`get_embedder` and
    :func:`get_scorer` take them (``None``: the default).
    """

    name: str = "engine"

    @abstractmethod
    def embed(
        self, texts: Sequence[str], embedder: EmbedderLike = None, *, progress: Progress = None
    ) -> NDArray[np.float32]:
        """L2-normalised vectors of ``texts``, shape (len(texts), dim), in input order."""

    @abstractmethod
    def score(
        self,
        pairs: Sequence[tuple[str, str]],
        scorer: ScorerLike = None,
        *,
        progress: Progress = None,
    ) -> NDArray[np.float64]:
        """Model probabilities of ``pairs``, shape (len(pairs), 3), columns in
        :data:`divergence.scoring.LABELS` order, in input order."""

    def embed_chunks(
        self,
        texts: Sequence[str],
        embedder: EmbedderLike = None,
        *,
        chunk: int = CHUNK,
        progress: Progress = None,
    ) -> Iterator[NDArray[np.float32]]:
        """:meth:`embed`, ``chunk`` texts at a time, in order."""
        for start in range(0, len(texts), chunk):
            yield self.embed(texts[start : start + chunk], embedder, progress=progress)

    def score_chunks(
        self,
        pairs: Sequence[tuple[str, str]],
        scorer: ScorerLike = None,
        *,
        chunk: int = CHUNK,
        progress: Progress = None,
    ) -> Iterator[NDArray[np.float64]]:
        """:meth:`score`, ``chunk`` pairs at a time, in order."""
        for start in range(0, len(pairs), chunk):
            yield self.score(pairs[start : start + chunk], scorer, progress=progress)

    def close(self) -> None:  # noqa: B027 - optional: most engines hold nothing
        """Release what the engine holds (nothing, unless it started something)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class LocalEngine(Engine):
    """In this process, with the models loaded here (once per name)."""

    name = "local"

    def __init__(self) -> None:
        self._embedders: dict[str | None, Embedder] = {}
        self._scorers: dict[str | None, ContradictionScorer] = {}

    def _embedder(self, embedder: EmbedderLike) -> Embedder:
        if isinstance(embedder, Embedder):
            return embedder
        if embedder not in self._embedders:
            self._embedders[embedder] = get_embedder(embedder)
        return self._embedders[embedder]

    def _scorer(self, scorer: ScorerLike) -> ContradictionScorer:
        if isinstance(scorer, ContradictionScorer):
            return scorer
        if scorer not in self._scorers:
            self._scorers[scorer] = get_scorer(scorer)
        return self._scorers[scorer]

    def embed(
        self, texts: Sequence[str], embedder: EmbedderLike = None, *, progress: Progress = None
    ) -> NDArray[np.float32]:
        return self._embedder(embedder).embed(texts, progress=progress)

    def score(
        self,
        pairs: Sequence[tuple[str, str]],
        scorer: ScorerLike = None,
        *,
        progress: Progress = None,
    ) -> NDArray[np.float64]:
        return self._scorer(scorer).predict(pairs, progress=progress)


class RayEngine(Engine):
    """Ray Data ``map_batches`` over a fixed pool of actors, each loading its model once.

    ``address``: a running cluster (``auto``, ``ray://head:10001``, or ``$RAY_ADDRESS``);
    ``None`` starts a local Ray instance with ``num_cpus`` CPUs (default: all). When Ray is
    already initialised in this process, that instance is used as it is. Each actor takes
    ``cpus_per_actor`` CPUs and runs torch on that many threads; there are as many actors
    as the cluster's CPUs allow (at most ``num_cpus`` of them, when given), and never more
    than there are blocks of ``block`` rows to do. ``runtime_env`` is passed to ``ray.init``.

    Models travel by name: each actor calls :func:`get_embedder` / :func:`get_scorer` on
    its own machine and checks it got the same model id (custom Embedder or scorer
    subclasses are pickled instead). The engine shuts down only a Ray it started.
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        num_cpus: int | None = None,
        *,
        cpus_per_actor: int = 1,
        runtime_env: Mapping[str, Any] | None = None,
        block: int = RAY_BLOCK,
    ) -> None:
        if num_cpus is not None and num_cpus < 1:
            raise EngineError(f"invalid num_cpus {num_cpus!r}: expected at least 1")
        if cpus_per_actor < 1 or block < 1:
            raise EngineError(f"invalid cpus_per_actor {cpus_per_actor!r} or block {block!r}: "
                              "expected at least 1")  # fmt: skip
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.num_cpus = num_cpus
        self.cpus_per_actor = cpus_per_actor
        self.runtime_env = dict(runtime_env) if runtime_env else None
        self.block = block
        self._ray: Any = None
        self._started = False

    # ---- Ray, started or joined on first use ----

    def _connect(self) -> Any:
        if self._ray is not None:
            return self._ray
        ray = import_ray()
        if not ray.is_initialized():
            if (self.address or "").startswith("ray://") and not importlib.util.find_spec("grpc"):
                raise EngineError("ray:// addresses need Ray Client: pip install 'ray[client]'")
            quiet = not log.isEnabledFor(logging.INFO)  # Ray's notices only with -v
            options: dict[str, Any] = {
                "include_dashboard": False,
                "logging_level": logging.ERROR if quiet else logging.INFO,
                "log_to_driver": not quiet,  # the actors' own output stays in Ray's log files
            }
            if self.runtime_env:
                options["runtime_env"] = self.runtime_env
            if self.address is None:
                options["num_cpus"] = self.num_cpus
            else:
                options["address"] = self.address
            try:
                ray.init(**options)
            except Exception as e:  # unreachable head, version mismatch, ...: one line
                where = self.address or "a local instance"
                raise EngineError(f"cannot start Ray on {where}: {_one_line(e)}") from e
            self._started = True
        self._ray = ray
        return ray

    def capacity(self) -> int:
        """The most actors a job gets: the CPUs it may use over the CPUs per actor."""
        ray = self._connect()
        cpus = int(ray.cluster_resources().get("CPU", 1))
        if self.num_cpus is not None:
            cpus = min(cpus, self.num_cpus)
        return max(1, cpus // self.cpus_per_actor)

    def close(self) -> None:
        if self._started and self._ray is not None:
            self._ray.shutdown()
        self._ray, self._started = None, False

    # ---- the work ----

    def embed(
        self, texts: Sequence[str], embedder: EmbedderLike = None, *, progress: Progress = None
    ) -> NDArray[np.float32]:
        parts = list(self.embed_chunks(texts, embedder, chunk=max(1, len(texts)),
                                       progress=progress))  # fmt: skip
        return parts[0] if parts else np.zeros((0, 0), dtype=np.float32)

    def score(
        self,
        pairs: Sequence[tuple[str, str]],
        scorer: ScorerLike = None,
        *,
        progress: Progress = None,
    ) -> NDArray[np.float64]:
        parts = list(self.score_chunks(pairs, scorer, chunk=max(1, len(pairs)),
                                       progress=progress))  # fmt: skip
        return parts[0] if parts else np.zeros((0, 3))

    def embed_chunks(
        self,
        texts: Sequence[str],
        embedder: EmbedderLike = None,
        *,
        chunk: int = CHUNK,
        progress: Progress = None,
    ) -> Iterator[NDArray[np.float32]]:
        """One Ray job for all ``texts`` (one actor pool, models loaded once), handed back
        ``chunk`` rows at a time as soon as they are all done."""
        if not texts:
            return
        model, model_id = portable_embedder(embedder)
        longest_first = np.array([-len(t) for t in texts])  # as SentenceTransformerEmbedder
        for part in self._run(_EmbedBatches, {"model": model, "model_id": model_id},
                              {"text": list(texts)}, longest_first, chunk=chunk,
                              progress=progress):  # fmt: skip
            yield part.astype(np.float32, copy=False)

    def score_chunks(
        self,
        pairs: Sequence[tuple[str, str]],
        scorer: ScorerLike = None,
        *,
        chunk: int = CHUNK,
        progress: Progress = None,
    ) -> Iterator[NDArray[np.float64]]:
        """One Ray job for all ``pairs``, handed back ``chunk`` rows at a time."""
        if not pairs:
            return
        model, name = portable_scorer(scorer)
        columns = {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}
        shortest_first = np.array([len(a) + len(b) for a, b in pairs])  # as NLIScorer
        for part in self._run(_ScoreBatches, {"model": model, "name": name}, columns,
                              shortest_first, chunk=chunk, progress=progress):  # fmt: skip
            yield part.astype(np.float64, copy=False)

    def _run(
        self,
        udf: type,
        model: dict[str, Any],
        columns: Mapping[str, list[str]],
        sort_key: NDArray[Any],
        *,
        chunk: int,
        progress: Progress,
    ) -> Iterator[NDArray[Any]]:
        """``udf`` over ``columns`` on an actor pool; results in input order, ``chunk`` rows
        at a time. Rows carry their index, so the order blocks finish in does not matter.

        Within each chunk, rows are ordered by ``sort_key`` before being cut into blocks:
        a block pads to similar lengths, and the actors see the batches the local engine
        would (it sorts each chunk it is given the same way)."""
        import pandas as pd

        ray = self._connect()
        n = len(sort_key)
        frames = []
        for start in range(0, n, chunk):
            order = start + np.argsort(sort_key[start : start + chunk], kind="stable")
            for rows in np.array_split(order, range(self.block, len(order), self.block)):
                frames.append(pd.DataFrame({"i": rows.astype(np.int64),
                                            **{k: [v[r] for r in rows]
                                               for k, v in columns.items()}}))  # fmt: skip
        # Whole blocks only: a second actor costs a second model load, worth it only from
        # the second block on (small jobs on one actor measured 1.5-3x faster than on two).
        actors = min(self.capacity(), len(frames))
        log.info("ray: %d rows in %d blocks on %d actors of %d CPU%s", n, len(frames), actors,
                 self.cpus_per_actor, "s" * (self.cpus_per_actor != 1))  # fmt: skip
        out: NDArray[Any] | None = None
        done = np.zeros(n, dtype=bool)
        sent = 0
        with _quiet_data(ray):
            dataset = ray.data.from_pandas(frames).map_batches(
                udf,
                fn_constructor_kwargs={**model, "threads": self.cpus_per_actor},
                batch_size=None,  # one block, one call: blocks are never merged or cut
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=actors),
                num_cpus=self.cpus_per_actor,
            )
            try:
                for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                    index, values = np.asarray(batch["i"]), np.asarray(batch["out"])
                    if out is None:
                        out = np.empty((n, *values.shape[1:]), dtype=values.dtype)
                    out[index] = values
                    done[index] = True
                    if progress:
                        progress(len(index))
                    while sent < n and done[sent : sent + chunk].all():
                        yield out[sent : sent + chunk].copy()
                        sent = min(n, sent + chunk)
            except DivergenceError:
                raise
            except Exception as e:  # a worker's error comes back wrapped in Ray's
                raise _unwrap(e) from e
        if sent < n:
            raise EngineError(f"the Ray job returned {int(done.sum())} of {n} rows")


# ---- what travels to the actors ----


def portable_embedder(embedder: EmbedderLike) -> tuple[Embedder | str, str]:
    """What an actor needs to build the same embedder: a sentence-transformers model by
    name (each machine loads its own install), anything else pickled; and its model id."""
    resolved = embedder if isinstance(embedder, Embedder) else get_embedder(embedder)
    if isinstance(resolved, SentenceTransformerEmbedder):
        return resolved.model_id, resolved.model_id
    return resolved, resolved.model_id


def portable_scorer(scorer: ScorerLike) -> tuple[ContradictionScorer | str, str]:
    """As :func:`portable_embedder`, for scorers: the built-in kinds travel by name."""
    from divergence.nli import NLIScorer

    resolved = scorer if isinstance(scorer, ContradictionScorer) else get_scorer(scorer)
    if type(resolved) in (CheckScorer, CrossEncoderScorer, NLIScorer):
        return resolved.name, resolved.name
    return resolved, resolved.name


def limit_threads(threads: int) -> None:
    """Run native code on ``threads`` threads: an actor's share of its machine, no more."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # the actor's one thread per CPU suffices
    if "torch" in sys.modules:  # only models that use torch have imported it
        import torch

        torch.set_num_threads(threads)
        with suppress(RuntimeError):  # settable once per process, before parallel work
            torch.set_num_interop_threads(1)


class _EmbedBatches:
    """Ray Data callable class: one per actor, the embedder loaded once in ``__init__``."""

    def __init__(self, model: Embedder | str, model_id: str, threads: int) -> None:
        limit_threads(threads)
        self.embedder = model if isinstance(model, Embedder) else get_embedder(model)
        if self.embedder.model_id != model_id:
            raise ModelError(f"a Ray worker loaded embedding model {self.embedder.model_id!r} "
                             f"for {model_id!r}")  # fmt: skip
        self.embedder.embed(["warm-up"])  # load the model now, once
        limit_threads(threads)  # torch is imported by now

    def __call__(self, batch: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        vectors = self.embedder.embed([str(t) for t in batch["text"]])
        return {"i": batch["i"], "out": vectors}


class _ScoreBatches:
    """Ray Data callable class: one per actor, the scorer loaded once in ``__init__``."""

    def __init__(self, model: ContradictionScorer | str, name: str, threads: int) -> None:
        limit_threads(threads)
        self.scorer = model if isinstance(model, ContradictionScorer) else get_scorer(model)
        if self.scorer.name != name:  # e.g. the shipped model's files missing on this machine
            raise ModelError(f"a Ray worker loaded scorer {self.scorer.name!r} for {name!r}; "
                             "are the model files on every worker?")  # fmt: skip
        self.scorer.predict([("warm-up", "warm-up")])
        limit_threads(threads)

    def __call__(self, batch: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        pairs = [(str(a), str(b)) for a, b in zip(batch["a"], batch["b"], strict=True)]
        return {"i": batch["i"], "out": self.scorer.predict(pairs)}


# ---- helpers ----


def import_ray() -> Any:
    """The ``ray`` module, or an :class:`EngineError` saying how to install it."""
    try:
        ray = importlib.import_module("ray")
        importlib.import_module("ray.data")
    except ImportError:
        raise EngineError(RAY_MISSING) from None
    return ray


def get_engine(name: str | None = None, *, address: str | None = None) -> Engine:
    """An engine by name (``local``, the default, or ``ray``); ``address`` is Ray's."""
    name = name or "local"
    if name == "local":
        if address:
            raise EngineError("an address needs the ray engine")
        return LocalEngine()
    if name == "ray":
        import_ray()  # fail now, with the install hint, not in the middle of a night
        return RayEngine(address)
    raise EngineError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")


class Precomputed(ContradictionScorer):
    """Probabilities an engine computed, behind the scorer interface
    :func:`divergence.scoring.score_texts` takes (which adds the typed checks)."""

    def __init__(self, name: str, probabilities: NDArray[np.float64]) -> None:
        self.name = name
        self.probabilities = probabilities
        self.batch_size = max(1, len(probabilities))

    def predict_batch(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float64]:
        if len(pairs) != len(self.probabilities):
            raise ValueError(f"{len(pairs)} pairs for {len(self.probabilities)} rows")
        return self.probabilities


@contextmanager
def _quiet_data(ray: Any) -> Iterator[None]:
    """No Ray Data progress bars or execution banners on the driver while a job runs."""
    context = ray.data.DataContext.get_current()
    saved = {k: getattr(context, k) for k in ("enable_progress_bars", "print_on_execution_start")
             if hasattr(context, k)}  # fmt: skip
    for k in saved:
        setattr(context, k, False)
    data_log = logging.getLogger("ray.data")
    level = data_log.level
    if not log.isEnabledFor(logging.INFO):  # errors come back to the caller, as one line
        data_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(context, k, v)
        data_log.setLevel(level)


def _unwrap(error: BaseException) -> DivergenceError:
    """The divergence error a worker raised, else an EngineError with the last line of
    Ray's message. Ray passes a task's error on as ``cause``; an actor that failed to
    start comes back as text only, so its last line is read."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DivergenceError) and type(current).__module__ == _ERRORS:
            return current
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__
    line = _one_line(error)
    raised = _RAISED.match(line)
    if raised:
        kind = getattr(errors, raised.group(1), None)
        if isinstance(kind, type) and issubclass(kind, DivergenceError):
            return kind(raised.group(2))
    return EngineError(f"the Ray job failed: {line}")


def _one_line(error: BaseException) -> str:
    """The last non-blank line of an error's message: Ray's put the reason there."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
