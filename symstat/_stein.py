"""Gaussian integration by parts (Stein's lemma) for non-polynomial integrands.

For zero-mean jointly Gaussian fields with covariance ``C``,

    E[h_a f(h)] = sum_b C_ab E[d_b f(h)]                      (Stein 1981, Lemma 1),

which removes one polynomial factor at a time. Steps and signs are differentiated in the
sense of distributions, ``d/dx Heaviside(x) = DiracDelta(x)`` and
``d/dx sign(x) = 2 DiracDelta(x)``; a Dirac delta then turns into the Gaussian density at
zero times a conditional average (see :mod:`symstat._closed_forms`). This module only does
the bookkeeping; the averages it produces go back to the engine.
"""

from __future__ import annotations

import sympy as sp

from ._trace import Step

__all__ = ["distributional_diff", "stein_step", "STEIN_REFERENCE"]

STEIN_REFERENCE = ("C. Stein, Ann. Statist. 9, 1135 (1981), Lemma 1 (Gaussian integration "
                   "by parts); distributional derivatives d sign = 2 delta, d Heaviside = delta")


def distributional_diff(expr: sp.Expr, field: sp.Symbol) -> sp.Expr:
    """``d expr / d field`` with steps and signs differentiated as distributions.

    >>> from symstat._symbols import hs
    >>> distributional_diff(hs * sp.Heaviside(-hs), hs)
    -hs*DiracDelta(hs) + Heaviside(-hs)
    >>> distributional_diff(sp.sign(hs), hs)
    2*DiracDelta(hs)
    """
    # SymPy already uses these conventions for Heaviside and sign; spelled out here so
    # that a change of convention upstream is caught by the doctest above.
    return sp.diff(expr, field)


def stein_step(gauss, powers: tuple[int, ...], factor: sp.Expr,
               trace: list[Step] | None) -> tuple[sp.Expr, sp.Expr]:
    """Remove one polynomial factor from ``prod h**powers * factor`` by Stein's lemma.

    Arguments:
        gauss: the :class:`~symstat.GaussianFields`.
        powers: the monomial's exponents, aligned with ``gauss.fields`` (not all zero).
        factor: the non-polynomial part.
        trace: list of steps, or ``None``.

    Returns:
        ``(integrand, rewritten)``: the original integrand and the sum
        ``sum_b C_ab d_b (h**(powers - e_a) factor)`` whose average equals its average.
    """
    fields = gauss.fields
    a = next(i for i, k in enumerate(powers) if k)
    rest = list(powers)
    rest[a] -= 1
    monomial = sp.Mul(*(h**k for h, k in zip(fields, rest)))
    inner = monomial * factor
    rewritten = sp.S.Zero
    for b, hb in enumerate(fields):
        c = gauss.cov[a, b]
        if c != 0:
            rewritten += c * distributional_diff(inner, hb)
    integrand = fields[a] * inner
    if trace is not None:
        trace.append(Step("stein", integrand, rewritten,
                          f"Gaussian integration by parts on {fields[a]}: "
                          f"E[{fields[a]} f] = sum_b C_{fields[a]},b E[d_b f]",
                          STEIN_REFERENCE))
    return integrand, rewritten
