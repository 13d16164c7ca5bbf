"""Exact finite-N theory of the mean order parameters, for rules linear in the fields.

One step of ``w_i <- (1 - eta lam/N) w_i + (eta/N) F_i x`` on a fresh Gaussian ``x`` gives,
averaged over ``x`` exactly (no large-N limit),

    E[R_in'] = (1 - eta lam/N) R_in + (eta/N) <F_i ht_n>,
    E[Q_ik'] = (1 - eta lam/N)^2 Q_ik + (1 - eta lam/N)(eta/N) <F_i hs_k + F_k hs_i>
               + (eta/N)^2 <F_i F_k |x|^2>,

and, by Stein's lemma coordinate by coordinate (``E[x_j^2 g] = E[g] + E[x_j d_j g]``),

    <g |x|^2> = N <g> + < sum_a h_a d g / d h_a >,

with ``h_a`` running over the local fields of ``x`` (student and teacher). For the note's
linear rule ``F = ht - hs`` this is ``(N + 2) <F^2>``: the ``eta^2`` term carries the
factor ``(N + 2)/N``. When these averages are affine in the order parameters, the means
obey the closed linear recursion ``s_{m+1} = A s_m + b``, solved here in closed form; the
finite-N critical learning rate (``2N/(N + 2)`` for the note) is where the spectral radius
of ``A`` reaches 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ._derive import derive
from ._errors import NoClosedFormError
from ._gauss import GaussianFields
from ._model import Rule
from ._symbols import eta, initial_value, lam, t

__all__ = ["N", "m", "FiniteNTheory", "finite_n_theory"]

#: Input dimension and step counter (t = m / N).
N = sp.Symbol("N", positive=True, integer=True)
m = sp.Symbol("m", nonnegative=True, integer=True)


@dataclass(frozen=True)
class FiniteNTheory:
    """The exact mean dynamics of a linear rule at finite N.

    Attributes:
        rule: the rule.
        state: the order parameters (as in :func:`symstat.derive`).
        matrix, offset: ``A`` and ``b`` of the one-step recursion ``E s' = A E s + b``.
        recursion: ``{order parameter: its expected value after one step}``.
        fixed_point: ``(I - A)^{-1} b``, in state order.
        eigenvalues: of ``A`` (per-step growth factors of the modes).
        closed_form: ``E s_m`` in state order, in ``m``, the initial values and parameters.
        generalization_error: mean ``eps_g`` after ``m`` steps (exact: ``eps_g`` is affine).
        eta_crit: the smallest ``eta > 0`` at which an eigenvalue of ``A`` reaches modulus 1.
        initial_values, parameters: the symbols the closed form depends on (besides ``m``, ``N``).
    """

    rule: Rule
    state: tuple[sp.Symbol, ...]
    matrix: sp.ImmutableMatrix
    offset: sp.ImmutableMatrix
    recursion: dict
    fixed_point: tuple[sp.Expr, ...]
    eigenvalues: tuple[sp.Expr, ...]
    closed_form: tuple[sp.Expr, ...]
    generalization_error: sp.Expr
    eta_crit: sp.Expr | None
    initial_values: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]

    def at_time(self) -> tuple[sp.Expr, ...]:
        """The closed form with ``m = N t`` (state..., eps_g): the continuous-time reading."""
        return tuple(e.subs(m, N * t) for e in self.closed_form + (self.generalization_error,))


def _affine(expr: sp.Expr, state, rule: Rule, label: str):
    expr = sp.expand(expr)
    try:
        poly = sp.Poly(expr, *state)
    except sp.PolynomialError:
        poly = None
    if poly is None or poly.total_degree() > 1:
        raise NoClosedFormError(
            f"the finite-N mean recursion of rule {rule.name!r} is not closed: {label} = "
            f"{expr} is not affine in {', '.join(map(str, state))} (only rules linear in the "
            f"fields have an exact finite-N mean theory; use the reduced simulator)")
    return [poly.coeff_monomial(s) for s in state], poly.coeff_monomial(1)


def _smallest_positive(candidates):
    best = None
    for c in candidates:
        c = sp.factor(c)
        if c.is_positive is False or c == 0:
            continue
        if best is None or sp.factor(c - best).is_negative:
            best = c
    return best


def finite_n_theory(rule: Rule) -> FiniteNTheory:
    """Derive and solve the exact finite-N recursion of the mean order parameters.

    Arguments:
        rule: a rule whose averages ``<F ht>``, ``<F hs>``, ``<F F |x|^2>`` are affine in
            the order parameters (linear rules, with noise and weight decay options).

    Returns:
        A :class:`FiniteNTheory`; ``eta_crit`` is ``2N/(N + 2)`` for the note's rule.

    Raises:
        NoClosedFormError: the recursion is not closed (a rule nonlinear in the fields).

    >>> from symstat import get_rule
    >>> th = finite_n_theory(get_rule("linear-sgd"))
    >>> th.eta_crit
    2*N/(N + 2)
    """
    d = derive(rule)
    model = rule.model
    gauss = GaussianFields(model.fields, model.covariance)
    F = rule.active_update
    x_fields = model.student_fields + model.teacher_fields
    hs_, ht_ = model.student_fields, model.teacher_fields
    R, Q = model.R, model.Q
    decay = 1 - eta * lam / N if model.weight_decay else sp.Integer(1)
    step = eta / N

    def norm_x_average(g: sp.Expr) -> sp.Expr:
        # <g |x|^2> = N <g> + <sum_a h_a dg/dh_a>   (Stein's lemma on every coordinate of x)
        euler = sum((h * sp.diff(g, h) for h in x_fields), sp.Integer(0))
        return N * gauss.average(g) + gauss.average(sp.expand(euler))

    new: dict[sp.Symbol, sp.Expr] = {}
    for i in range(model.K):
        for n in range(model.M):
            new[R[i, n]] = decay * R[i, n] + step * gauss.average(F[i] * ht_[n])
    for i in range(model.K):
        for k in range(i, model.K):
            drift = gauss.average(F[i] * hs_[k]) + gauss.average(F[k] * hs_[i])
            new[Q[i, k]] = (decay**2 * Q[i, k] + decay * step * drift
                            + step**2 * norm_x_average(sp.expand(F[i] * F[k])))
    state = d.state
    rows, consts = [], []
    for s in state:
        coeffs, const = _affine(new[s], state, rule, f"E[{s}']")
        rows.append([sp.factor(c) for c in coeffs])
        consts.append(sp.factor(const))
    A = sp.ImmutableMatrix(rows)
    b = sp.ImmutableMatrix(consts)
    eg_coeffs, eg_const = _affine(d.generalization_error, state, rule, "eps_g")

    fixed = (sp.eye(len(state)) - A).LUsolve(b)
    fixed = tuple(sp.factor(sp.cancel(v)) for v in fixed)
    P, D = sp.Matrix(A).diagonalize()
    eigen = tuple(sp.factor(D[j, j]) for j in range(D.rows))
    powers = [sp.Dummy(f"mu{j}") for j in range(len(eigen))]  # stand for eigenvalue**m
    init = tuple(initial_value(s) for s in state)
    dev = sp.Matrix([i0 - f for i0, f in zip(init, fixed)])
    sol = P * sp.diag(*powers) * P.inv() * dev
    as_power = {p: sp.Pow(ev, m, evaluate=False) for p, ev in zip(powers, eigen)}

    def tidy(expr: sp.Expr) -> sp.Expr:
        return sp.collect(sp.expand(expr), powers, func=sp.factor).xreplace(as_power)

    raw = [sol[j] + fixed[j] for j in range(len(state))]
    closed = tuple(tidy(e) for e in raw)
    eg = tidy(sum((c * v for c, v in zip(eg_coeffs, raw)), eg_const))

    candidates = []
    for ev in eigen:
        for target in (1, -1):
            candidates += [r for r in sp.solve(sp.Eq(ev, target), eta)
                           if r.is_real is not False]
    eta_crit = _smallest_positive(candidates)
    params = [eta] + [p for p in d.parameters if p != eta]
    return FiniteNTheory(rule, state, A, b, new, fixed, eigen, closed, eg, eta_crit, init,
                         tuple(params))
