"""The ``divergence`` command line: a thin layer over the library."""

from __future__ import annotations

from typing import Any

import click

from divergence import __version__
from divergence.errors import DivergenceError


class CLIError(click.ClickException):
    """A user-facing error: one line on stderr and exit code 2, like ``diff``'s "trouble"."""

    exit_code = 2


class DivergenceGroup(click.Group):
    """Turns library errors into one-line CLI errors at the boundary, nowhere else."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
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


from divergence.cli import claims, diff, evaluate, nightly, score_pairs, train  # noqa: E402  (commands register on import)

__all__ = ["CLIError", "claims", "cli", "diff", "evaluate", "nightly", "score_pairs", "train"]
