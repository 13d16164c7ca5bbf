"""Closed-form solution, fixed points, stability and learning rates of the ODEs.

For dynamics that are linear in the order parameters with constant coefficients,
``dx/dt = A x + b``, the solution is ``x(t) = x* + P exp(D t) P^{-1} (x(0) - x*)`` with
``A = P D P^{-1}`` and the fixed point ``x* = -A^{-1} b`` (the note's Eqs. 10-11). The
generalization error, linear in ``x``, decays with the modes ``j`` whose eigenvector it
sees (``grad eps_g · P_j != 0``); its asymptotic rate is ``min_j (-Re lambda_j)``, the
learning rate maximizing it is ``eta_opt`` and the smallest one where it reaches zero is
``eta_crit`` (the note: 1 and 2).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp
from sympy.matrices.exceptions import MatrixError

from ._closed_forms import numeric_averages
from ._derive import Derivation
from ._symbols import eta, initial_value, t

__all__ = ["Solution", "solve"]


@dataclass(frozen=True)
class Solution:
    """What can be said of the dynamics beyond the ODEs.

    Attributes:
        derivation: the :class:`~symstat.Derivation` solved.
        closed_form: the state as functions of ``t`` and the initial values
            (``R0``, ``Q0``, ...), in state order; ``None`` when there is none.
        generalization_error: ``eps_g(t)`` from the closed form, or ``None``.
        fixed_points: each a ``{order parameter: value}`` dict.
        jacobian: ``d rhs / d state`` (constant for linear dynamics).
        eigenvalues: of the Jacobian at the (first) fixed point, with multiplicity.
        decay_rate: asymptotic decay rate of ``eps_g - eps_g*`` as a function of ``eta``.
        eta_opt: learning rate of fastest asymptotic decay of ``eps_g``, or ``None``.
        eta_crit: smallest learning rate at which ``eps_g`` stops decaying, or ``None``.
        stability: the condition on the parameters under which the fixed point is stable.
        notes: why something is missing, in words.
    """

    derivation: Derivation
    closed_form: tuple[sp.Expr, ...] | None
    generalization_error: sp.Expr | None
    fixed_points: tuple[dict, ...]
    jacobian: sp.ImmutableMatrix
    eigenvalues: tuple[sp.Expr, ...]
    decay_rate: sp.Expr | None
    eta_opt: sp.Expr | None
    eta_crit: sp.Expr | None
    stability: sp.Basic | None
    notes: tuple[str, ...] = ()

    @property
    def solution(self) -> dict[sp.Symbol, sp.Expr] | None:
        """``{order parameter: closed form}``, or ``None``."""
        if self.closed_form is None:
            return None
        return dict(zip(self.derivation.state, self.closed_form))

    @property
    def initial_values(self) -> tuple[sp.Symbol, ...]:
        return tuple(initial_value(s) for s in self.derivation.state)

    def _repr_latex_(self) -> str:
        """ODEs, ``eps_g``, the closed form and the learning rates, for Jupyter."""
        from ._latex import latex_equations
        return "$$" + latex_equations(self.derivation, self) + "$$"

    def _repr_markdown_(self) -> str:
        """The same as Markdown with display math, plus the notes, for Jupyter."""
        from ._latex import latex_equations
        rule = self.derivation.rule
        notes = "".join(f"\n- {n}" for n in self.notes)
        return (f"**{rule.name}**" + (f": {rule.description}" if rule.description else "")
                + f"\n\n$$\n{latex_equations(self.derivation, self)}\n$$\n" + notes
                + ("\n" if notes else ""))


#: Largest number of order parameters for which a symbolic closed form is attempted
#: (eigen-decomposition of a symbolic matrix grows quickly beyond that).
MAX_CLOSED_FORM_STATE = 4


def _linear_system(derivation: Derivation):
    """``(A, b)`` if the rhs is affine in the state with state-free coefficients, else None."""
    x = sp.Matrix(derivation.state)
    f = sp.Matrix(derivation.rhs)
    A = f.jacobian(x)
    if any(s in A.free_symbols for s in derivation.state) or t in f.free_symbols:
        return None
    b = f.subs({s: 0 for s in derivation.state})
    return sp.ImmutableMatrix(A), sp.ImmutableMatrix(b)


def _tidy_exp(expr: sp.Expr) -> sp.Expr:
    """Collect a sum of exponentials, one term per exponent, each coefficient factored."""
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr, power_exp=False)):
        term = sp.powsimp(term, combine="exp")
        exps = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.exp)]
        exponent = sp.factor(sum((f.args[0] for f in exps), sp.S.Zero))
        coeff = sp.Mul(*[f for f in sp.Mul.make_args(term) if not isinstance(f, sp.exp)])
        groups[exponent] = groups.get(exponent, sp.S.Zero) + coeff
    out = sp.S.Zero
    for exponent, coeff in groups.items():
        out += sp.factor(coeff) * sp.exp(exponent)
    return out


def _sample_points(symbols, n=3, seed=1):
    rng = random.Random(seed)
    pts = []
    for _ in range(n):
        pts.append({s: sp.Rational(rng.randint(5, 95), 100) for s in symbols})
    return pts


def _pick(candidates, score, others, maximize=True):
    """The candidate with the largest (smallest) score at sample values of the other symbols."""
    best = None
    for pt in _sample_points(others):
        vals = []
        for c in candidates:
            v = score(c, pt)
            if v is not None:
                vals.append((v, c))
        if not vals:
            return None
        choice = (max if maximize else min)(vals, key=lambda vc: vc[0])[1]
        if best is None:
            best = choice
        elif sp.simplify(best - choice) != 0:
            return None  # the answer depends on the other parameters
    return best


def _learning_rates(rates: list[sp.Expr], others: list[sp.Symbol]):
    """``(eta_opt, eta_crit)`` for the slowest of the contributing decay rates."""
    if not rates or any(eta not in r.free_symbols for r in rates):
        return None, None

    def slowest(value, pt):
        vals = [complex(r.subs(pt).subs(eta, value).evalf()) for r in rates]
        if any(abs(v.imag) > 1e-12 for v in vals):
            return None
        return min(v.real for v in vals)

    roots = set()
    for r in rates:
        for root in sp.solve(r, eta):
            if root.is_positive is not False and root != 0:
                roots.add(root)
    eta_crit = _pick(sorted(roots, key=sp.default_sort_key),
                     lambda c, pt: float(c.subs(pt)) if c.subs(pt).is_real else None,
                     others, maximize=False) if roots else None
    candidates = set()
    for r in rates:
        candidates.update(sp.solve(sp.diff(r, eta), eta))
    for i, a in enumerate(rates):
        for b in rates[i + 1:]:
            candidates.update(sp.solve(a - b, eta))
    candidates = [c for c in candidates if c.is_positive is not False and c != 0]
    eta_opt = None
    if candidates:
        def score(c, pt):
            cv = c.subs(pt)
            if not cv.is_real or float(cv) <= 0:
                return None
            if eta_crit is not None and float(cv) >= float(eta_crit.subs(pt)):
                return None
            return slowest(cv, pt)
        eta_opt = _pick(sorted(candidates, key=sp.default_sort_key), score, others)
    return eta_opt, eta_crit


def solve(derivation: Derivation) -> Solution:
    """Solve the ODEs in closed form where possible; fixed points, stability, learning rates.

    Arguments:
        derivation: from :func:`symstat.derive`.

    Returns:
        A :class:`Solution`; its ``closed_form`` is ``None`` (with a note saying why) when
        the dynamics are not linear with constant coefficients: integrate them numerically
        with :func:`symstat.numerics.integrate`.

    >>> from symstat import derive, get_rule
    >>> s = solve(derive(get_rule("linear-sgd")))
    >>> s.eta_opt, s.eta_crit
    (1, 2)
    >>> s.generalization_error
    (Q0 - 2*R0 + 1)*exp(eta*t*(eta - 2))/2
    """
    state = derivation.state
    x = sp.Matrix(state)
    f = sp.Matrix(derivation.rhs)
    J = sp.ImmutableMatrix(f.jacobian(x))
    others = [p for p in derivation.parameters if p != eta]
    notes: list[str] = []
    numeric = numeric_averages(list(derivation.rhs) + [derivation.generalization_error])
    numeric_note = (f"{len(numeric)} average(s) have no closed form and are computed "
                    f"numerically (Gauss-Hermite cubature): " + "; ".join(map(str, numeric)))
    linear = _linear_system(derivation)
    if linear is None:
        notes.append("the ODEs are not linear in the order parameters with constant "
                      "coefficients: no closed form; integrate them numerically")
        if numeric:
            notes.append(numeric_note)
        return _nonlinear(derivation, J, notes, numeric=bool(numeric))

    A, b = linear
    if numeric:
        notes.append(numeric_note)
    if len(state) > MAX_CLOSED_FORM_STATE:
        notes.append(f"{len(state)} order parameters: a symbolic closed form is attempted only "
                     f"up to {MAX_CLOSED_FORM_STATE}; integrate the ODEs numerically")
        fixed = ()
        if A.det(method="berkowitz") != 0:
            fixed = (dict(zip(state, [sp.factor(v) for v in -A.LUsolve(b)])),)
        return Solution(derivation, None, None, fixed, J, (), None, None, None, None,
                        tuple(notes))
    if A.det() == 0:
        return _singular_linear(derivation, A, b, J, notes)
    xstar = sp.ImmutableMatrix([sp.factor(v) for v in -A.LUsolve(b)])
    fixed_points = (dict(zip(state, xstar)),)
    x0 = sp.Matrix([initial_value(s) for s in state])
    try:
        P, D = sp.Matrix(A).diagonalize()
        modes = [(D[j, j], P[:, j]) for j in range(len(state))]
        coeffs = P.inv() * (x0 - xstar)
        closed = xstar + sum((coeffs[j] * sp.exp(D[j, j] * t) * P[:, j]
                              for j in range(len(state))), sp.zeros(len(state), 1))
    except (MatrixError, ValueError, NotImplementedError):
        modes = None
        closed = xstar + (sp.Matrix(A) * t).exp() * (x0 - xstar)
        notes.append("the Jacobian is not diagonalizable: solution via the matrix exponential")
    closed_form = tuple(_tidy_exp(c) for c in closed)
    eg = derivation.generalization_error
    grad = sp.Matrix([eg]).jacobian(x)
    eg_t = None
    if not any(s in grad.free_symbols for s in state):
        eg_t = _tidy_exp(eg.subs(dict(zip(state, closed_form)), simultaneous=True))
    eigenvalues = tuple(sp.factor(e) for e in A.eigenvals(multiple=True))
    stability = None
    try:
        conditions = [sp.re(e) < 0 for e in set(eigenvalues)]
        if set().union(*(e.free_symbols for e in eigenvalues)) <= {eta}:
            stability = sp.reduce_inequalities(conditions, eta)
        else:
            stability = sp.And(*conditions)
    except (NotImplementedError, ValueError, TypeError):
        stability = sp.And(*[sp.re(e) < 0 for e in set(eigenvalues)])
    decay_rate = eta_opt = eta_crit = None
    if modes is not None and eg_t is not None:
        rates = []
        for lam_j, v in modes:
            if sp.cancel((grad * v)[0]) != 0:
                rate = sp.factor(-sp.re(lam_j) if not lam_j.is_real else -lam_j)
                if rate not in rates:
                    rates.append(rate)
        decay_rate = rates[0] if len(rates) == 1 else sp.Min(*rates) if rates else None
        eta_opt, eta_crit = _learning_rates(rates, others)
        if eta_opt is None:
            notes.append("no learning rate of fastest decay found")
        if eta_crit is None:
            notes.append("eps_g decays at every learning rate")
    return Solution(derivation, closed_form, eg_t, fixed_points, J, eigenvalues, decay_rate,
                    eta_opt, eta_crit, stability, tuple(notes))


def _singular_linear(derivation: Derivation, A, b, J, notes: list[str]) -> Solution:
    """``dx/dt = A x + b`` with singular ``A`` (e.g. the Hebb rule, whose overlaps drift):
    ``x(t) = exp(A t) x(0) + int_0^t exp(A u) du b``; no unique fixed point."""
    u = sp.Dummy("u", nonnegative=True)
    E = (sp.Matrix(A) * u).exp()
    x0 = sp.Matrix([initial_value(s) for s in derivation.state])
    drift = E.applyfunc(lambda e: sp.integrate(e, (u, 0, t))) * sp.Matrix(b)
    closed = tuple(_tidy_exp(c) for c in E.subs(u, t) * x0 + drift)
    eg_t = derivation.generalization_error.subs(dict(zip(derivation.state, closed)),
                                                simultaneous=True)
    notes.append("the linear system is singular (a zero eigenvalue): no unique fixed point")
    eigenvalues = tuple(sp.factor(e) for e in A.eigenvals(multiple=True))
    return Solution(derivation, closed, eg_t, (), J, eigenvalues, None, None, None, None,
                    tuple(notes))


def _is_zero(expr: sp.Expr) -> bool:
    expr = sp.sympify(expr)
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return False
    # A cheap exact attempt first; simplify only on what is left (large committee ODEs).
    if sp.cancel(sp.expand(expr)) == 0:
        return True
    return sp.simplify(expr) == 0


def _finite(expr: sp.Expr) -> bool:
    return not sp.sympify(expr).has(sp.zoo, sp.nan, sp.oo, -sp.oo)


def _nonlinear(derivation: Derivation, J: sp.ImmutableMatrix, notes: list[str], *,
               numeric: bool) -> Solution:
    """Fixed points and their stability for non-linear ODEs (no closed form).

    The candidate checked is perfect learning, ``R_in = T_in`` and ``Q_ik = T_ik`` (student
    = teacher, K = M); it is a fixed point when every right-hand side vanishes there. The
    stability is that of the Jacobian's eigenvalues, where the Jacobian is finite; at a
    non-analytic fixed point (e.g. the sign rules, ``sqrt(1 - R^2/Q)``) the approach is a
    power law, see :mod:`symstat._asymptotics`.
    """
    def done(fixed=(), eigen=(), stability=None):
        return Solution(derivation, None, None, tuple(fixed), J, tuple(eigen), None, None, None,
                        stability, tuple(notes))

    if numeric:
        notes.append("fixed points not searched symbolically (numeric averages)")
        return done()
    model = derivation.rule.model
    if model.K != model.M:
        notes.append("no candidate fixed point (K != M)")
        return done()
    Tm = model.T
    point = {model.R[i, n]: Tm[i, n] for i in range(model.K) for n in range(model.M)}
    point.update({model.Q[i, k]: Tm[i, k] for i in range(model.K) for k in range(i, model.K)})
    values = [r.subs(point) for r in derivation.rhs]
    if model.K == 1 and any(v.has(sp.nan, sp.zoo) for v in values):
        # 0/0 at R = T, Q = T (e.g. the AdaTron, sqrt(Q - R^2) in a denominator): the limit
        # along R = T (1 - x), x -> 0+, decides.
        x = sp.Dummy("x", positive=True)
        along = {model.R[0, 0]: Tm[0, 0] * (1 - x), model.Q[0, 0]: Tm[0, 0]}
        values = [sp.limit(r.subs(along), x, 0, "+") if v.has(sp.nan, sp.zoo) else v
                  for r, v in zip(derivation.rhs, values)]
    if not all(_is_zero(v) for v in values):
        notes.append("perfect learning (R = T, Q = T) is not a fixed point; no other fixed "
                     "point searched")
        return done()
    Jp = J.subs(point)
    if Jp.rows > MAX_CLOSED_FORM_STATE:
        notes.append(f"perfect learning is a fixed point; its {Jp.rows}x{Jp.cols} Jacobian is "
                     f"not diagonalized symbolically: evaluate solution.jacobian at numeric "
                     f"parameters")
        return done([point])
    if not all(_finite(e) for e in Jp):
        notes.append("the Jacobian is infinite at the fixed point R = T, Q = T (non-analytic "
                     "ODEs): the approach is a power law, see the asymptotics")
        return done([point])
    try:
        eigen = tuple(sp.factor(e) for e in sp.Matrix(Jp).eigenvals(multiple=True))
    except (MatrixError, NotImplementedError):
        notes.append(f"the {Jp.rows}x{Jp.cols} Jacobian at the fixed point has no eigenvalues "
                     f"in radicals: evaluate it at numeric parameters (solution.jacobian)")
        return done([point])
    try:
        if Jp.shape == (2, 2):  # Routh-Hurwitz: both eigenvalues in the left half-plane
            conditions = [sp.factor(Jp.trace()) < 0, sp.factor(Jp.det()) > 0]
        else:
            conditions = [sp.re(e) < 0 for e in set(eigen)]
        stability = (sp.reduce_inequalities(conditions, eta)
                     if set().union(*(c.free_symbols for c in conditions)) <= {eta}
                     else sp.And(*conditions))
    except (NotImplementedError, ValueError, TypeError):
        stability = sp.And(*[sp.re(e) < 0 for e in set(eigen)])
    return done([point], eigen, stability)
