"""The record of how a derivation was obtained: one :class:`Step` per operation.

Tracing is off by default and then costs nothing: the engine is handed ``None`` instead
of a list and never builds a step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

__all__ = ["Step", "Average"]


@dataclass(frozen=True)
class Step:
    """One step of a Gaussian average.

    Attributes:
        kind: ``"expand"`` (integrand split into terms), ``"wick"`` (Isserlis' theorem on a
            monomial, with its pairings in ``details``), ``"stein"`` (Gaussian integration by
            parts), ``"closed-form"`` (a table entry), ``"numeric"`` (cubature), or
            ``"collect"`` (the terms summed into the result).
        lhs: what is averaged (the integrand), or the expression before the step.
        rhs: its value, or the expression after the step.
        description: one line in words.
        reference: the source of a closed form or identity, where there is one.
        details: extra data, e.g. for ``"wick"`` a tuple of pairings, each a tuple of
            ``(field_a, field_b, covariance)`` triples.
    """

    kind: str
    lhs: sp.Basic
    rhs: sp.Basic
    description: str = ""
    reference: str = ""
    details: tuple = ()


@dataclass(frozen=True)
class Average:
    """A Gaussian average computed during a derivation: ``<integrand> = value``.

    ``label`` names its role (e.g. ``"<F ht>"``); ``steps`` is empty unless the derivation
    was traced.
    """

    label: str
    integrand: sp.Expr
    value: sp.Expr
    steps: tuple[Step, ...] = field(default=())
