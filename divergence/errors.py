"""Every error divergence raises on purpose: one line each, the docstring is the meaning."""

from __future__ import annotations


class DivergenceError(Exception):
    """Base class: a problem with the user's input or setup, reported as one line."""

    def __str__(self) -> str:  # a file name may hold a newline: the message stays one line
        return super().__str__().replace("\r", "\\r").replace("\n", "\\n")


class InputError(DivergenceError):
    """An input file or stream cannot be read as documents or pairs."""


class UnknownFormat(InputError):
    """The input's format cannot be told from its name or content."""


class NothingToCompare(DivergenceError):
    """The input holds fewer than two sources (or no story has two), so nothing is compared."""


class ModelError(DivergenceError):
    """A model could not be loaded or does not have the labels divergence needs."""


class UnknownModel(ModelError, KeyError):
    """A model name is neither registered nor a path on disk."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class StoreError(DivergenceError):
    """The nightly database cannot be opened, upgraded or used as asked."""


class OutputError(DivergenceError):
    """A report cannot be written in the requested format or place."""


class StdoutError(OutputError):
    """Standard output is closed or full, so the report cannot be written to it."""


class BrokenPipe(StdoutError):
    """The program reading standard output went away (a pager quit early)."""


class EngineError(DivergenceError):
    """The engine that runs embedding and scoring (Ray) is missing or cannot do the work."""
