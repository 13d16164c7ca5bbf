"""The exception hierarchy: every error a user can cause is a :class:`SymstatError`."""

from __future__ import annotations

__all__ = [
    "SymstatError",
    "ParseError",
    "UnknownNameError",
    "UnsupportedAverageError",
    "SpecificationError",
    "NoClosedFormError",
]


class SymstatError(Exception):
    """Base class of all errors raised by symstat on bad input or impossible requests."""


class ParseError(SymstatError, ValueError):
    """An expression typed by the user could not be read."""


class UnknownNameError(SymstatError, KeyError):
    """A rule, activation, symbol or function name that symstat does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SpecificationError(SymstatError, ValueError):
    """A model, rule or numeric option with an invalid value."""


class UnsupportedAverageError(SymstatError, NotImplementedError):
    """The Gaussian average of a function that the engine cannot (yet) compute."""


class NoClosedFormError(SymstatError):
    """A closed-form result was requested where none exists."""
