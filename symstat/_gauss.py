"""Exact Gaussian averages over jointly Gaussian local fields.

The fields ``h = (h_1, ..., h_n)`` have zero mean and a symbolic covariance ``C`` built
from the order parameters. The average of a polynomial is computed monomial by monomial
with Isserlis' (Wick's) theorem, implemented as the recursion of Gaussian integration by
parts (Stein's lemma), ``E[h_a f(h)] = sum_b C_ab E[d_b f(h)]``.

Terms with a non-polynomial factor (a step, a sign, an erf, ...) are handed to the
*average handlers* in :data:`AVERAGE_HANDLERS`, tried in order; a handler returns the
average or ``None``. Extending the engine to a new function means registering a handler
with :func:`register_average_handler`, not changing this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from ._errors import SpecificationError, UnsupportedAverageError
from ._trace import Step

__all__ = ["GaussianFields", "AVERAGE_HANDLERS", "register_average_handler", "wick_pairings"]

#: A handler: ``handler(gauss, powers, factor, trace) -> Expr | None`` averages
#: ``prod_a h_a**powers[a] * factor`` where ``factor`` is a product of non-polynomial
#: functions of the fields (``powers`` is a tuple aligned with ``gauss.fields``).
AverageHandler = Callable[["GaussianFields", tuple, sp.Expr, "list[Step] | None"], "sp.Expr | None"]

AVERAGE_HANDLERS: list[AverageHandler] = []


def register_average_handler(handler: AverageHandler) -> AverageHandler:
    """Add ``handler`` to the engine (usable as a decorator); later ones are tried last."""
    AVERAGE_HANDLERS.append(handler)
    return handler


def wick_pairings(factors: Sequence[int]) -> list[tuple[tuple[int, int], ...]]:
    """All perfect matchings of the positions ``0..len(factors)-1`` (Isserlis' pairings).

    >>> len(wick_pairings([0, 0, 1, 1]))
    3
    """
    positions = list(range(len(factors)))
    if len(positions) % 2:
        return []

    def match(rest):
        if not rest:
            yield ()
            return
        first, others = rest[0], rest[1:]
        for j, partner in enumerate(others):
            for tail in match(others[:j] + others[j + 1:]):
                yield ((first, partner),) + tail

    return list(match(positions))


@dataclass(frozen=True)
class GaussianFields:
    """Zero-mean jointly Gaussian fields with a (symbolic) covariance matrix.

    Arguments:
        fields: the field symbols, e.g. ``(hs, ht)``.
        cov: their covariance, an ``ImmutableMatrix`` (e.g. ``[[Q, R], [R, T]]``).

    >>> from symstat._symbols import hs, ht, R, Q, T
    >>> g = GaussianFields((hs, ht), sp.ImmutableMatrix([[Q, R], [R, T]]))
    >>> g.average((ht - hs)**2 / 2)
    Q/2 - R + T/2
    """

    fields: tuple[sp.Symbol, ...]
    cov: sp.ImmutableMatrix

    def __post_init__(self) -> None:
        n = len(self.fields)
        if len(set(self.fields)) != n:
            raise SpecificationError(f"fields must be distinct, got {self.fields}")
        if self.cov.shape != (n, n):
            raise SpecificationError(f"cov must be {n}x{n} for fields {self.fields}, "
                                     f"got shape {self.cov.shape}")
        if (self.cov - self.cov.T) != sp.zeros(n, n):
            raise SpecificationError(f"cov must be symmetric, got {self.cov}")

    # --- the public entry -------------------------------------------------------------
    def average(self, expr: sp.Expr, *, trace: list[Step] | None = None) -> sp.Expr:
        """The exact Gaussian average ``<expr>`` over the fields.

        Arguments:
            expr: a SymPy expression in the fields (and field-free parameters).
            trace: a list to append the :class:`~symstat._trace.Step` s to, or ``None``.

        Returns:
            The average, expanded.

        Raises:
            UnsupportedAverageError: a non-polynomial function no handler can average;
                the message names it.
        """
        expr = sp.sympify(expr)
        expanded = sp.expand(expr, power_exp=False, power_base=False, log=False)
        terms = sp.Add.make_args(expanded)
        if trace is not None and len(terms) > 1:
            trace.append(Step("expand", expr, expanded,
                              f"expand the integrand into {len(terms)} terms"))
        memo: dict[tuple[int, ...], sp.Expr] = {}
        result = sp.S.Zero
        grouped: dict[tuple[tuple[int, ...], sp.Expr], sp.Expr] = {}
        for term in terms:
            if term == 0:
                continue
            coeff, powers, factor = self._split(term)
            key = (powers, factor)
            grouped[key] = grouped.get(key, sp.S.Zero) + coeff
        for (powers, factor), coeff in grouped.items():
            if factor == 1:
                value = self._moment(powers, memo, trace)
            else:
                value = self._nonpolynomial(powers, factor, trace)
            result += coeff * value
        result = sp.expand(result)
        if trace is not None:
            trace.append(Step("collect", expr, result, "sum the averaged terms"))
        return result

    # --- pieces -------------------------------------------------------------------------
    def index(self, field: sp.Symbol) -> int:
        return self.fields.index(field)

    def _split(self, term: sp.Expr) -> tuple[sp.Expr, tuple[int, ...], sp.Expr]:
        """``term = coeff * prod h**powers * factor`` with ``factor`` non-polynomial."""
        coeff, rest = term.as_independent(*self.fields, as_Add=False)
        powers = [0] * len(self.fields)
        other = []
        for f in sp.Mul.make_args(rest):
            base, exp = f.as_base_exp()
            if base in self.fields and exp.is_Integer and exp > 0:
                powers[self.fields.index(base)] += int(exp)
            else:
                other.append(f)
        return coeff, tuple(powers), sp.Mul(*other)

    def _moment(self, powers: tuple[int, ...], memo: dict, trace: list[Step] | None) -> sp.Expr:
        value = self.moment(powers, memo)
        if trace is not None and sum(powers) > 0:
            monomial = sp.Mul(*(h**k for h, k in zip(self.fields, powers)))
            seq = [a for a, k in enumerate(powers) for _ in range(k)]
            matchings = wick_pairings(seq)
            pairings = tuple(
                tuple((self.fields[seq[i]], self.fields[seq[j]], self.cov[seq[i], seq[j]])
                      for i, j in p)
                for p in matchings[:105])
            trace.append(Step("wick", monomial, value,
                              f"Isserlis' theorem: sum over {len(matchings)} pairings",
                              "Isserlis (1918); Wick (1950)", pairings))
        return value

    def moment(self, powers: tuple[int, ...], memo: dict | None = None) -> sp.Expr:
        """``E[prod_a h_a**powers[a]]`` by Stein's recursion (Isserlis' theorem)."""
        memo = {} if memo is None else memo
        if powers in memo:
            return memo[powers]
        total_degree = sum(powers)
        if total_degree == 0:
            return sp.S.One
        if total_degree % 2:
            return sp.S.Zero
        a = next(i for i, k in enumerate(powers) if k)
        rest = list(powers)
        rest[a] -= 1
        value = sp.S.Zero
        for b, kb in enumerate(rest):
            if kb and self.cov[a, b] != 0:
                lower = rest.copy()
                lower[b] -= 1
                value += kb * self.cov[a, b] * self.moment(tuple(lower), memo)
        memo[powers] = value
        return value

    def _nonpolynomial(self, powers: tuple[int, ...], factor: sp.Expr,
                       trace: list[Step] | None) -> sp.Expr:
        for handler in AVERAGE_HANDLERS:
            value = handler(self, powers, factor, trace)
            if value is not None:
                return value
        functions = sorted({str(f.func) for f in factor.atoms(sp.Function)} | (
            {str(factor)} if not factor.atoms(sp.Function) else set()))
        raise UnsupportedAverageError(
            f"cannot average {factor} over Gaussian fields {self.fields}: no closed form or "
            f"handler for {', '.join(functions)} (supported: polynomials"
            f"{'' if not AVERAGE_HANDLERS else ' and registered functions'})")


def marginal_fields(fields: Sequence[sp.Symbol], gauss: GaussianFields) -> GaussianFields:
    """The sub-family of ``gauss`` restricted to ``fields`` (their marginal law)."""
    idx = [gauss.index(f) for f in fields]
    return GaussianFields(tuple(fields), gauss.cov.extract(idx, idx).as_immutable())


