"""Option bundles shared by several commands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import click

from divergence.documents import FORMATS, MAX_CHARS
from divergence.render import Format
from divergence.stories import StoryMode

F = TypeVar("F", bound=Callable[..., Any])


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(f: F) -> F:
        for decorator in reversed(decorators):
            f = decorator(f)
        return f

    return apply


class _ClickHandler(logging.Handler):
    """Library warnings ("skipped 2 invalid JSON lines") as one line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def setup_logging(quiet: bool, verbose: bool) -> None:
    log = logging.getLogger("divergence")
    log.handlers = [h for h in log.handlers if not isinstance(h, _ClickHandler)]
    log.addHandler(_ClickHandler())
    log.setLevel(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)
    log.propagate = False


def progress_enabled() -> bool:
    """Progress bars show unless --quiet (they also need stderr to be a terminal)."""
    return logging.getLogger("divergence").getEffectiveLevel() <= logging.WARNING


def _logging_callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.ensure_object(dict)
    ctx.obj[param.name] = value
    setup_logging(bool(ctx.obj.get("quiet")), bool(ctx.obj.get("verbose")))
    return value


verbosity_options = _compose(
    click.option("-q", "--quiet", is_flag=True, expose_value=False, is_eager=True,
                 callback=_logging_callback, help="Only errors on stderr: no warnings, no progress."),
    click.option("-v", "--verbose", is_flag=True, expose_value=False, is_eager=True,
                 callback=_logging_callback, help="Say more about each stage on stderr."),
)  # fmt: skip

input_options = _compose(
    click.option("--input-format", type=click.Choice(FORMATS), default=None,
                 help="Read inputs as this format instead of guessing from the suffix."),
    click.option("--skip-invalid", is_flag=True,
                 help="Skip malformed records (and say how many) instead of stopping."),
    click.option("--max-chars", type=click.IntRange(min=100), default=MAX_CHARS, show_default=True,
                 help="Cut longer documents to this many characters (with a warning)."),
)  # fmt: skip

output_options = _compose(
    click.option("-f", "--format", "fmt", type=click.Choice([f.value for f in Format]), default=None,
                 help="Output format [default: from the -o suffix, else table]."),
    click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                 help="Write to this file (atomically) instead of stdout."),
)  # fmt: skip

model_options = _compose(
    click.option("--model", "embedder", envvar="DIVERGENCE_EMBEDDER", default=None,
                 help="Embedding model: a name or a sentence-transformers path "
                      "[env DIVERGENCE_EMBEDDER; default: bundled all-MiniLM-L6-v2]."),
    click.option("--scorer", envvar="DIVERGENCE_SCORER", default=None,
                 help="Contradiction scorer: divergence-nli, divergence-nli-onnx, "
                      "divergence-nli-int8 (ONNX Runtime: the fast extra), checks, a `divergence "
                      "train` folder (PATH@onnx, PATH@onnx-int8 for ONNX Runtime) or a "
                      "CrossEncoder NLI model name or path "
                      "[env DIVERGENCE_SCORER; default: divergence-nli-onnx where the fast "
                      "extra is installed, else divergence-nli]."),
)  # fmt: skip


stories_option = click.option(
    "--stories", type=click.Choice([m.value for m in StoryMode]), default=StoryMode.AUTO.value,
    show_default=True,
    help="auto: group documents into stories (events) and pair claims only within one; "
         "none: pair claims across all documents.",
)  # fmt: skip


profile_option = click.option(
    "--profile", is_flag=True, help="Print the seconds spent in each stage on stderr."
)


def resolve_format(fmt: str | None, output: str | None) -> str:
    """The explicit format, else the one the output file's suffix names, else a table."""
    from divergence.render import format_for_path

    if fmt:
        return fmt
    return (format_for_path(output) if output else None) or Format.TABLE.value
