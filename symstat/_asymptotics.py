"""Large-t behaviour of eps_g, the optimal learning rate at each time, and schedules eta(t).

*Power laws* ``eps_g ~ A t^(-a)`` (sign student and teacher, eps_g = arccos(rho)/pi with
``rho = R / sqrt(Q)``): in the variables ``x = 1 - rho`` and ``l = sqrt(Q)`` the ODEs are
expanded in powers of ``x`` and an ansatz ``x = c t^(-alpha)``, ``l = b t^beta`` is sought by
dominant balance (a small grid of rational exponents; the leading terms of each equation
either balance the time derivative or cancel). A balance whose law agrees with the
integrated ODEs is reported as ``method = "derived"`` (exact exponent and prefactor);
otherwise the exponent and prefactor are fitted to the integration over the last decade
of ``t`` (``method = "fitted"``). *Exponential* approach to a fixed point with a finite
Jacobian: the rate comes from its eigenvalues (derived), the prefactor from the fit.

The optimal learning rate maximizes ``-d eps_g / dt``, which is quadratic in ``eta`` for
these ODEs: ``rhs = eta a + eta^2 b`` gives ``eta* = -(grad eps_g . a) / (2 grad eps_g . b)``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from ._derive import Derivation
from ._errors import SpecificationError
from ._symbols import Q as _Q, R as _R, eta, t as _t

__all__ = ["Asymptotics", "asymptotics", "derived_power_laws", "optimal_learning_rate",
           "with_learning_rate", "integrate_schedule"]

_x = sp.Symbol("x", positive=True)
_l = sp.Symbol("l", positive=True)
_a = sp.Symbol("c", positive=True)
_b = sp.Symbol("b", positive=True)
_GRID = [sp.Rational(p, q) for p, q in ((1, 4), (1, 3), (1, 2), (2, 3), (1, 1), (3, 2), (2, 1))]


@dataclass(frozen=True)
class Asymptotics:
    """The large-t law of ``eps_g - eps_g(inf)``.

    Attributes:
        law: ``"power"`` (``prefactor * t**exponent``), ``"exponential"``
            (``prefactor * exp(-rate t)``) or ``"none"``.
        exponent, prefactor: numbers (``exponent`` is ``None`` for an exponential law).
        method: ``"derived"`` (from the ODEs) or ``"fitted"`` (from the integration).
        rate: the exponential rate, or ``None``.
        exact: the derived exponent and prefactor as SymPy expressions, or ``None``.
        fitted_exponent, fitted_prefactor: the fit over the last decade (always given).
        limit: ``eps_g(inf)`` used.
        notes: in words.
    """

    law: str
    exponent: float | None
    prefactor: float | None
    method: str
    rate: float | None = None
    exact: tuple | None = None
    fitted_exponent: float | None = None
    fitted_prefactor: float | None = None
    limit: float = 0.0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("law", "exponent", "prefactor", "method", "rate",
                                                "fitted_exponent", "fitted_prefactor", "limit")}
        out["exact"] = None if self.exact is None else {"exponent": str(self.exact[0]),
                                                        "prefactor": str(self.exact[1])}
        out["notes"] = list(self.notes)
        return out


# --- optimal learning rate and schedules ---------------------------------------------------------

def optimal_learning_rate(derivation: Derivation) -> sp.Expr:
    """``eta*(state)`` maximizing ``-d eps_g/dt`` at each time.

    >>> from symstat import derive, get_rule
    >>> optimal_learning_rate(derive(get_rule("linear-sgd")))
    1

    Raises:
        SpecificationError: the ODEs are not quadratic in eta with a positive eta^2 cost.
    """
    grad = [sp.diff(derivation.generalization_error, s) for s in derivation.state]
    first = second = sp.S.Zero
    for g, r in zip(grad, derivation.rhs):
        poly = sp.Poly(sp.expand(r), eta)
        if poly.degree() > 2:
            raise SpecificationError(f"the ODEs of rule {derivation.rule.name!r} are not "
                                     f"quadratic in eta")
        first += g * poly.coeff_monomial(eta)
        second += g * poly.coeff_monomial(eta**2)
    if sp.cancel(second) == 0:
        raise SpecificationError(f"rule {derivation.rule.name!r}: eps_g is linear in eta, "
                                 f"no optimal learning rate")
    return sp.factor(sp.cancel(-first / (2 * second)))


def with_learning_rate(derivation: Derivation, rate: sp.Expr) -> Derivation:
    """The same ODEs with ``eta`` replaced by ``rate`` (in the state and/or ``t``)."""
    rate = sp.sympify(rate)
    rhs = tuple(r.subs(eta, rate) for r in derivation.rhs)
    params = tuple(p for p in derivation.parameters if p != eta)
    params += tuple(sorted(rate.free_symbols - set(derivation.state) - set(params) - {_t},
                           key=str))
    return dataclasses.replace(derivation, rhs=rhs, parameters=params)


def integrate_schedule(derivation: Derivation, schedule, *, initial: Mapping, t_eval,
                       parameters: Mapping, rtol: float = 1e-9, atol: float = 1e-12):
    """Integrate the ODEs with a learning rate ``eta(t)`` (or ``eta(t, state)``).

    Arguments:
        derivation: from :func:`symstat.derive`.
        schedule: a SymPy expression in ``t`` and/or the order parameters (e.g.
            ``optimal_learning_rate(d)`` or ``2/(1 + t)``), or a Python callable ``eta(t)``.
        initial, t_eval: as for :func:`symstat.numerics.integrate`.
        parameters: every parameter except ``eta``.

    Returns:
        A :class:`symstat.numerics.Trajectory` (its ``parameters`` lack ``eta``).

    >>> from symstat import derive, get_rule
    >>> tr = integrate_schedule(derive(get_rule("linear-sgd")), sp.Integer(1),
    ...                         initial={"R": 0, "Q": 0}, t_eval=[0, 1], parameters={})
    >>> round(float(tr.eps_g[-1]), 6) == round(0.5 * math.exp(-1), 6)
    True
    """
    import numpy as np
    from scipy.integrate import solve_ivp

    from . import numerics

    others = tuple(p for p in derivation.parameters if p != eta)
    values = numerics.check_parameters(others, parameters)
    y0 = numerics.check_parameters(derivation.state, initial)
    t_eval = np.asarray(t_eval, dtype=float)
    if t_eval.ndim != 1 or t_eval.size < 2 or np.any(np.diff(t_eval) <= 0):
        raise SpecificationError(f"t_eval must be an increasing 1-d sequence of >= 2 times, "
                                 f"got {t_eval!r}")
    args = derivation.state + (eta,) + others
    rhs = numerics._lambdify(args, list(derivation.rhs), "rhs")
    if callable(schedule) and not isinstance(schedule, sp.Basic):
        rate = lambda t, y: float(schedule(t))  # noqa: E731
    else:
        expr = sp.sympify(schedule)
        extra = expr.free_symbols - set(derivation.state) - {_t} - set(others)
        if extra:
            raise SpecificationError(f"schedule {expr} uses {', '.join(map(str, extra))}; "
                                     f"allowed: t and the order parameters")
        fn = numerics._lambdify((_t,) + derivation.state + others, expr, "eta(t, state)")
        rate = lambda t, y: float(fn(t, *y, *values))  # noqa: E731

    def f(t, y):
        with np.errstate(divide="ignore", invalid="ignore"):  # reported below, by name
            e = rate(t, y)
        if not math.isfinite(e) or e < 0:
            raise SpecificationError(f"schedule gave eta = {e} at t = {t}")
        return np.asarray(rhs(*y, e, *values), dtype=float)

    sol = solve_ivp(f, (t_eval[0], t_eval[-1]), y0, t_eval=t_eval, rtol=rtol, atol=atol,
                    method="LSODA")
    if not sol.success:
        raise SpecificationError(f"integration with a schedule failed: {sol.message}")
    eg = numerics._lambdify(derivation.state + others, derivation.generalization_error, "eps_g")
    egv = np.broadcast_to(np.asarray(eg(*sol.y, *values), dtype=float), t_eval.shape)
    return numerics.Trajectory(t_eval, {s.name: sol.y[i] for i, s in enumerate(derivation.state)},
                               egv, dict(zip(map(str, others), values)))


# --- power laws by dominant balance --------------------------------------------------------------

def _sign_error(derivation: Derivation) -> sp.Expr | None:
    """eps_g as a function of x = 1 - R/sqrt(Q), if it depends on nothing else."""
    m = derivation.rule.model
    if (m.K, m.M) != (1, 1) or not m.normalized_teacher or derivation.state != (_R, _Q):
        return None
    eg = derivation.generalization_error.subs({_R: (1 - _x) * _l, _Q: _l**2})
    eg = sp.simplify(eg)
    return None if eg.has(_l) else eg


def _expand(expr: sp.Expr, order: int = 3) -> list[tuple[sp.Expr, sp.Expr, sp.Expr]]:
    """Terms ``coeff * x**p * l**q`` of ``expr`` to order ``x**order``."""
    series = sp.expand(sp.series(expr, _x, 0, order).removeO())
    terms = []
    for term in sp.Add.make_args(series):
        coeff, rest = term.as_independent(_x, _l, as_Add=False)
        powers = sp.powsimp(rest).as_powers_dict()
        p, q = powers.get(_x, sp.S.Zero), powers.get(_l, sp.S.Zero)
        if set(powers) - {_x, _l, sp.S.One} or sp.powsimp(rest) != _x**p * _l**q:
            return []
        terms.append((coeff, p, q))
    return terms


def derived_power_laws(derivation: Derivation, eta_value=None) -> list[tuple]:
    """Candidate laws ``(exponent, prefactor, alpha, beta)`` of eps_g from dominant balance.

    Every candidate is exact (SymPy expressions, in ``eta`` unless ``eta_value`` is given);
    :func:`asymptotics` keeps the one the integrated ODEs confirm.
    """
    eg = _sign_error(derivation)
    if eg is None:
        return []
    rR, rQ = derivation.rhs
    if eta_value is not None:
        rR, rQ = rR.subs(eta, eta_value), rQ.subs(eta, eta_value)
    sub = {_R: (1 - _x) * _l, _Q: _l**2}
    rR, rQ = rR.subs(sub), rQ.subs(sub)
    rho = 1 - _x
    dx = -(rR / _l - rho * rQ / (2 * _l**2))
    dl = rQ / (2 * _l)
    try:
        tx, tl = _expand(dx), _expand(dl)
        te = _expand(eg)
    except (ValueError, NotImplementedError, TypeError, sp.PoleError):
        return []
    if not tx or not te:
        return []
    gamma = min(p for _, p, _ in te)
    e0 = sum(c for c, p, _ in te if p == gamma)
    out = []
    for alpha in _GRID:
        for beta in [sp.S.Zero] + _GRID:
            eqs = []
            ok = True
            for terms, lhs_exp, lhs in ((tx, -alpha - 1, -alpha * _a),
                                        (tl, beta - 1, beta * _b)):
                nonzero = [(c, p, q) for c, p, q in terms if c != 0]
                if not nonzero:
                    if lhs != 0:
                        ok = False
                    continue
                exps = [-p * alpha + q * beta for _, p, q in nonzero]
                top = max(exps)
                lead = sum(c * _a**p * _b**q for (c, p, q), e in zip(nonzero, exps) if e == top)
                if beta == 0 and lhs is not None and terms is tl:
                    if top >= -1 and sp.simplify(lead) != 0:
                        ok = False
                    continue
                if top > lhs_exp:
                    eqs.append(lead)
                elif top == lhs_exp:
                    eqs.append(lead - lhs)
                else:
                    ok = False
            if not ok or not eqs:
                continue
            unknowns = [s for s in (_a, _b) if any(e.has(s) for e in eqs)]
            if _b in unknowns and beta == 0:
                continue
            try:
                sols = sp.solve(eqs, unknowns, dict=True)
            except (NotImplementedError, ValueError, TypeError):
                continue
            for sol in sols:
                if _a not in sol:
                    continue
                c = sol[_a]
                if c.free_symbols - {eta} or (c.is_positive is False):
                    continue
                out.append((sp.nsimplify(-alpha * gamma), sp.simplify(e0 * c**gamma),
                            alpha, beta))
    return out


# --- the driver ---------------------------------------------------------------------------------

def _fit(t, e):
    import numpy as np
    lt, le = np.log(t), np.log(e)
    slope, intercept = np.polyfit(lt, le, 1)
    return float(slope), float(math.exp(intercept))


def asymptotics(derivation: Derivation, *, parameters: Mapping, initial: Mapping,
                t_max: float = 1e4, solution=None) -> Asymptotics:
    """The large-t law of eps_g at one learning rate and start.

    Arguments:
        derivation: from :func:`symstat.derive`.
        parameters: ``{name: value}`` for every parameter (``eta``, ...).
        initial: ``{name: value}`` of the order parameters at t = 0.
        t_max: the integration runs to ``t_max``; the fit uses ``[t_max/10, t_max]``.
        solution: the :class:`~symstat.Solution` if already computed.

    Returns:
        An :class:`Asymptotics`.
    """
    import numpy as np

    from . import numerics
    from ._solve import solve

    t = np.concatenate([[0.0], np.geomspace(1e-2, t_max, 400)])
    traj = numerics.integrate(derivation, initial=initial, t_eval=t, parameters=parameters)
    eg = np.asarray(traj.eps_g, dtype=float)
    notes = []
    sol = solution if solution is not None else solve(derivation)
    limit = 0.0
    exp_rate = None
    if sol.fixed_points and sol.eigenvalues:
        vals = {p: parameters[str(p)] for p in derivation.parameters}
        lam = [complex(sp.N(e.subs(vals))) for e in sol.eigenvalues]
        if all(v.real < 0 for v in lam):
            fp = sol.fixed_points[0]
            limit = float(derivation.generalization_error.subs(fp).subs(vals))
            grad = [sp.diff(derivation.generalization_error, s).subs(fp).subs(vals)
                    for s in derivation.state]
            Jn = np.array(sol.jacobian.subs(fp).subs(vals).evalf(), dtype=float)
            w, V = np.linalg.eig(Jn)
            g = np.array([float(x) for x in grad])
            linear = [-w[j].real for j in range(len(w))
                      if abs(g @ V[:, j]) > 1e-9 * (1 + np.linalg.norm(g))]
            exp_rate = float(min(linear + [-2 * max(w.real)]))
            notes.append("rate = min(-lambda_j over the modes eps_g sees to first order, "
                         "2 x slowest mode)")
    tail = slice(int(np.searchsorted(t, t_max / 10)), None)
    dev = eg - limit
    if exp_rate is not None:
        # fit where eps_g - eps_g(inf) is still resolved by the integration (rtol 1e-9)
        mask = (dev > 1e-9) & (dev < 1e-6)
        prefactor = None
        fitted_rate = None
        if mask.sum() >= 5:
            slope, icpt = np.polyfit(t[mask], np.log(dev[mask]), 1)
            fitted_rate, prefactor = float(-slope), float(math.exp(icpt))
        notes.append(f"fitted rate {fitted_rate}" if fitted_rate is not None else
                     "eps_g converged below resolution")
        return Asymptotics("exponential", None, prefactor, "derived", exp_rate, None, None,
                           prefactor, limit, tuple(notes))
    if np.any(dev[tail] <= 0):
        return Asymptotics("none", None, None, "fitted", notes=("eps_g does not decay",))
    f_exp, f_pre = _fit(t[tail], dev[tail])
    eta_value = sp.nsimplify(parameters["eta"]) if "eta" in parameters else None
    for exponent, prefactor, alpha, beta in derived_power_laws(derivation, eta_value):
        ex, pre = float(exponent), float(sp.N(prefactor))
        predicted = pre * t_max**ex
        if abs(ex - f_exp) < 0.05 and abs(predicted / dev[-1] - 1) < 0.1:
            notes.append(f"dominant balance x = 1 - R/sqrt(Q) ~ t^-{alpha}, sqrt(Q) ~ t^{beta}")
            return Asymptotics("power", ex, pre, "derived", None, (exponent, prefactor),
                               f_exp, f_pre, limit, tuple(notes))
    notes.append("no dominant balance confirmed by the integration: fitted over "
                 f"t in [{t_max / 10:g}, {t_max:g}]")
    return Asymptotics("power", f_exp, f_pre, "fitted", None, None, f_exp, f_pre, limit,
                       tuple(notes))
