"""The contradiction model exported to ONNX (fp32, and dynamically quantized to int8).

The classifier is loaded as the torch backend loads it (base weights plus the trained
delta, fp32) and exported once into :func:`~divergence.embeddings.cache_dir` by the
embedder's export machinery; the graph outputs raw logits, so :class:`~divergence.nli.NLIScorer`
applies the temperature and label mapping itself, the same way for every backend.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from divergence.embeddings import cached_onnx, export_traced
from divergence.nli import CARD, WEIGHTS, file_sha256, read_classifier

#: Dynamic int8 as for the embedder (int8 weights per output channel, activations per
#: batch), but the fused attention's QKV projection is quantized too, and only the first
#: layer's FFN output projection stays fp32 (the pooler and classifier are Gemms: fp32).
#: Measured on the 1,521 MultiNLI + SNLI test-split pairs against torch fp32 (argmax
#: accuracy 0.7364), at the scorer's batch of 4, as Δ accuracy / argmax agreement / mean
#: |Δp|, and pairs/s on 2 shared AVX2 cores (MultiNLI + ClaimDiff, alternating runs):
#: this -0.13 points / 96.5% / 0.018, 86; nothing kept -0.72 / 96.5% / 0.020, 90;
#: attention in fp32 (as the embedder) -0.07 / 97.0% / 0.016, 76; also keeping layer 2's
#: FFN output -0.53 / 97.1% / 0.017. At batch 64: this +0.33, nothing kept -0.53.
#: ONNX fp32 itself: ±0.00 / 100%, probabilities within 1e-5. This is the fastest choice
#: within 0.5 points at both batch sizes.
QUANTIZE_OPS = ("MatMul", "Attention")
KEEP_FP32 = ("layer.0/output/dense/",)


def onnx_classifier(model_dir: Path, *, quantize: bool = False) -> Path:
    """The cached export of the model in ``model_dir`` (fp32, or int8), made on first use.

    The fingerprint covers the contents of the card and the delta weights (besides the
    folder's file sizes and times), so retraining into the same folder exports anew.
    """
    settings = f"nli\n{file_sha256(model_dir / CARD)}\n{file_sha256(model_dir / WEIGHTS)}\n"
    return cached_onnx(
        model_dir, partial(export_classifier, model_dir), quantize=quantize, keep=KEEP_FP32,
        ops=QUANTIZE_OPS, settings=settings, what="scorer",
    )  # fmt: skip


def export_classifier(model_dir: Path, out: Path) -> None:
    """The fp32 classifier as one graph from the three token inputs to its logits."""
    model, tokenizer, card = read_classifier(model_dir, attn_implementation="eager")
    export_traced(
        model, lambda m, inputs: m(**inputs).logits, tokenizer,
        example=(["an example premise for tracing the graph", "short"],
                 ["a hypothesis", "a longer hypothesis of some more words"]),
        output="logits", out=out, config=model.config, max_length=int(card["max_length"]),
        source=str(model_dir),
    )  # fmt: skip
