"""The ``divergence`` command line: a thin layer over the library.

Every error a user can cause is one line on stderr, ``Error: ...``, and exit status 2:
library errors, and click's usage errors too (a bad option value, a missing argument, an
unknown option or command), without click's usage block; ``-h`` shows that. One exception:
when the program reading standard output goes away (``divergence diff ... | head``), the
command exits with status 2 and says nothing, as Unix tools do when their reader quits.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Any

import click

from divergence import __version__
from divergence.errors import BrokenPipe, DivergenceError, StdoutError

#: Every character ``str.splitlines`` ends a line at, written as its escape ("\\n", "\\x1e").
_LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}


def one_line(message: str) -> str:
    """``message`` on one line: a newline (or any other line break) in a file name must not
    start a second one."""
    return message.translate(_LINE_BREAKS)


class CLIError(click.ClickException):
    """A user-facing error: one line on stderr and exit code 2, like ``diff``'s "trouble"."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def _usage_error(e: click.UsageError) -> CLIError:
    return CLIError(e.format_message())


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the interpreter's last flush of what
    could not be written raises no second error at exit. A no-op without a real stdout."""
    try:
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (AttributeError, OSError, ValueError):
        return
    try:
        os.dup2(null, fd)
    except OSError:
        pass
    finally:
        os.close(null)


class DivergenceGroup(click.Group):
    """Turns library and usage errors into one-line CLI errors at the boundary, nowhere else."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # ``divergence`` alone: the help, as click shows it
        except click.UsageError as e:  # an option of the group itself
            raise _usage_error(e) from e

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as e:  # parsing a command's arguments, or raised by it
            raise _usage_error(e) from e
        except CLIError:
            raise
        except click.ClickException as e:  # e.g. click.FileError, whose exit status is 1
            raise CLIError(e.format_message()) from e
        except BrokenPipe:
            _silence_stdout()
            ctx.exit(2)
        except StdoutError as e:
            _silence_stdout()
            raise CLIError(str(e)) from e
        except DivergenceError as e:
            raise CLIError(str(e)) from e


@click.group(cls=DivergenceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="divergence")
def cli() -> None:
    """Find where news sources disagree.

    Extracts check-worthy claims with their speakers, pairs claims about the same topic
    from different sources, and flags numeric, negation, certainty, date and attribution
    divergences with the evidence for each.

    \b
    Example:
        divergence diff data/examples/cairo-truce-talks-2024-04-08.txt
    """


from divergence.cli import claims, combiner, diff, evaluate, nightly, score_pairs, train  # noqa: E402  (commands register on import)


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that refuses NaN, which passes every range comparison (``--threshold nan``
    would otherwise flag nothing without a word)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if isinstance(number, float) and math.isnan(number):
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


def _refuse_nan(command: click.Command) -> None:
    """Every float option of every command refuses NaN, in one place at the boundary."""
    for param in command.params:
        kind = param.type
        if isinstance(kind, click.FloatRange) and not isinstance(kind, FiniteFloatRange):
            param.type = FiniteFloatRange(kind.min, kind.max, min_open=kind.min_open,
                                          max_open=kind.max_open, clamp=kind.clamp)  # fmt: skip
    for sub in getattr(command, "commands", {}).values():
        _refuse_nan(sub)


_refuse_nan(cli)

__all__ = [
    "CLIError",
    "claims",
    "cli",
    "combiner",
    "diff",
    "evaluate",
    "nightly",
    "score_pairs",
    "train",
]
