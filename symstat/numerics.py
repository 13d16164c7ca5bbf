"""The one module that crosses from symbols to numbers.

Lambdified right-hand sides and closed forms (NumPy, with common-subexpression
elimination), integration with :func:`scipy.integrate.solve_ivp`, and evaluation on grids
of ``t`` and ``eta``. Every function made here states its argument order (the *state
order* of the derivation) in its docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from ._derive import Derivation
from ._errors import SpecificationError
from ._model import Rule
from ._solve import Solution
from ._symbols import t as _t, zeta as _zeta

__all__ = ["check_parameters", "ode_function", "generalization_error_function",
           "closed_form_function", "evaluate_closed_form", "integrate", "Trajectory",
           "update_function", "error_function"]

_LOWER_BOUNDS = {"eta": (0.0, False), "T": (0.0, False), "sigma": (0.0, True),
                 "lam": (0.0, True)}


def _check_number(name: str, value, *, positive: bool = False, nonnegative: bool = False,
                  array: bool = False) -> float | np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecificationError(f"{name} must be a number, got {value!r}") from None
    if arr.ndim and not array:
        raise SpecificationError(f"{name} must be a single number, got {value!r}")
    if not np.all(np.isfinite(arr)):
        raise SpecificationError(f"{name} must be finite, got {value!r}")
    if positive and np.any(arr <= 0):
        raise SpecificationError(f"{name} must be positive, got {value!r}")
    if nonnegative and np.any(arr < 0):
        raise SpecificationError(f"{name} must be non-negative, got {value!r}")
    return arr if arr.ndim else float(arr)


def check_parameters(symbols: Sequence[sp.Symbol], values: Mapping, *,
                     array: bool = False) -> list:
    """The numeric values of ``symbols`` from ``values`` (keyed by name), validated.

    Every symbol must be given (there are no silent defaults); ``eta`` and ``T`` must be
    positive, ``sigma`` and ``lam`` non-negative.

    Raises:
        SpecificationError: a missing, extra, non-numeric or out-of-range value, named.
    """
    given = {str(k): v for k, v in values.items()}
    names = [s.name for s in symbols]
    missing = [n for n in names if n not in given]
    if missing:
        raise SpecificationError(f"missing value for {', '.join(missing)} "
                                 f"(needed: {', '.join(names)})")
    extra = sorted(set(given) - set(names))
    if extra:
        raise SpecificationError(f"unexpected parameter {', '.join(extra)} "
                                 f"(expected: {', '.join(names) or 'none'})")
    out = []
    for n in names:
        bound = _LOWER_BOUNDS.get(n)
        out.append(_check_number(n, given[n], positive=bound is not None and not bound[1],
                                 nonnegative=bound is not None and bound[1], array=array))
    return out


def _lambdify(args, exprs, doc: str) -> Callable:
    from ._cubature import lambdify_modules  # numeric averages (cubature) and scipy's erf
    fn = sp.lambdify(args, exprs, modules=[lambdify_modules(), "scipy", "numpy"], cse=True)
    fn.__doc__ = doc
    return fn


def ode_function(derivation: Derivation, parameters: Mapping) -> Callable:
    """``f(t, y)`` for ``solve_ivp``: the ODEs' right-hand side at fixed parameter values.

    Arguments:
        derivation: from :func:`symstat.derive`.
        parameters: ``{name: value}`` for every symbol in ``derivation.parameters``.

    >>> from symstat import derive, get_rule
    >>> f = ode_function(derive(get_rule("linear-sgd")), {"eta": 0.5})
    >>> f(0.0, [0.0, 0.0])
    array([0.5 , 0.25])
    """
    values = check_parameters(derivation.parameters, parameters)
    order = ", ".join(s.name for s in derivation.state)
    rhs = _lambdify(derivation.state + derivation.parameters, list(derivation.rhs),
                    f"d({order})/dt at ({order}, {', '.join(map(str, derivation.parameters))})")

    def f(t: float, y: Sequence[float]) -> np.ndarray:
        return np.asarray(rhs(*y, *values), dtype=float)

    f.__doc__ = f"d/dt of the state ({order}) of rule {derivation.rule.name!r}; y in that order."
    return f


def generalization_error_function(derivation: Derivation) -> Callable:
    """``eps_g(*state, *parameters)``, vectorized; argument order in its docstring."""
    args = derivation.state + derivation.parameters
    return _lambdify(args, derivation.generalization_error,
                     f"eps_g({', '.join(map(str, args))}) of rule {derivation.rule.name!r}")


def closed_form_function(solution: Solution) -> Callable:
    """The closed form, vectorized: ``f(t, *initial values, *parameters) -> (state..., eps_g)``.

    Raises:
        SpecificationError: the dynamics have no closed form.
    """
    if solution.closed_form is None:
        raise SpecificationError(f"rule {solution.derivation.rule.name!r} has no closed-form "
                                 f"solution ({'; '.join(solution.notes)})")
    d = solution.derivation
    args = (_t,) + solution.initial_values + d.parameters
    exprs = list(solution.closed_form) + [solution.generalization_error]
    names = ", ".join([s.name for s in d.state] + ["eps_g"])
    return _lambdify(args, exprs, f"({names}) at ({', '.join(map(str, args))})")


def evaluate_closed_form(solution: Solution, *, t, initial: Mapping, parameters: Mapping
                         ) -> dict[str, np.ndarray]:
    """The closed form on grids: arrays broadcast against each other (e.g. ``t[:, None]``,
    ``eta[None, :]``). Returns ``{name: array}`` for the state and ``"eps_g"``.

    >>> import numpy as np
    >>> from symstat import derive, get_rule, solve
    >>> s = solve(derive(get_rule("linear-sgd")))
    >>> out = evaluate_closed_form(s, t=np.array([0.0, 1.0])[:, None],
    ...                            initial={"R0": 0, "Q0": 0},
    ...                            parameters={"eta": np.array([1.0, 2.0])})
    >>> np.round(out["eps_g"], 4)
    array([[0.5   , 0.5   ],
           [0.1839, 0.5   ]])
    """
    f = closed_form_function(solution)
    t_arr = _check_number("t", t, array=True)
    init = check_parameters(solution.initial_values, initial, array=True)
    params = check_parameters(solution.derivation.parameters, parameters, array=True)
    values = f(t_arr, *init, *params)
    shape = np.broadcast_shapes(np.shape(t_arr), *(np.shape(v) for v in init + params))
    names = [s.name for s in solution.derivation.state] + ["eps_g"]
    return {n: np.broadcast_to(np.asarray(v, dtype=float), shape) for n, v in zip(names, values)}


@dataclass(frozen=True)
class Trajectory:
    """A numerical solution of the ODEs: ``state[name]`` and ``eps_g`` on the grid ``t``."""

    t: np.ndarray
    state: Mapping[str, np.ndarray]
    eps_g: np.ndarray
    parameters: Mapping[str, float]


def integrate(derivation: Derivation, *, initial: Mapping, t_eval, parameters: Mapping,
              rtol: float = 1e-9, atol: float = 1e-12, method: str = "LSODA") -> Trajectory:
    """Integrate the ODEs with :func:`scipy.integrate.solve_ivp`.

    Arguments:
        derivation: from :func:`symstat.derive`.
        initial: ``{name: value}`` for each order parameter (``{"R": 0, "Q": 0}``).
        t_eval: increasing times, starting at the initial time.
        parameters: ``{name: value}`` for every symbol in ``derivation.parameters``.

    Raises:
        SpecificationError: bad options, or the integration failed (e.g. blow-up).

    >>> import math
    >>> from symstat import derive, get_rule
    >>> traj = integrate(derive(get_rule("linear-sgd")), initial={"R": 0, "Q": 0},
    ...                  t_eval=[0, 1], parameters={"eta": 1.0})
    >>> round(float(traj.eps_g[-1]), 6) == round(0.5 * math.exp(-1), 6)
    True
    """
    y0 = check_parameters(derivation.state, initial)
    t_eval = _check_number("t_eval", t_eval, array=True)
    if t_eval.ndim != 1 or t_eval.size == 0 or np.any(np.diff(t_eval) <= 0):
        raise SpecificationError(f"t_eval must be a non-empty increasing 1-d sequence, got {t_eval!r}")
    f = ode_function(derivation, parameters)
    values = check_parameters(derivation.parameters, parameters)
    if t_eval.size == 1:
        ys = np.asarray(y0, dtype=float)[:, None]
    else:
        sol = solve_ivp(f, (t_eval[0], t_eval[-1]), y0, t_eval=t_eval, rtol=rtol, atol=atol,
                        method=method)
        if not sol.success:
            raise SpecificationError(f"integration of rule {derivation.rule.name!r} failed at "
                                     f"{dict(zip(map(str, derivation.parameters), values))}: "
                                     f"{sol.message}")
        ys = sol.y
    eg = generalization_error_function(derivation)(*ys, *values)
    return Trajectory(t_eval, {s.name: ys[i] for i, s in enumerate(derivation.state)},
                      np.broadcast_to(np.asarray(eg, dtype=float), t_eval.shape),
                      dict(zip(map(str, derivation.parameters), values)))


def update_function(rule: Rule) -> Callable:
    """The rule's ``F`` as a NumPy function ``F(hs..., ht..., zeta) -> F`` (tuple if K > 1).

    Argument order: the student fields, the teacher fields, then the noise ``zeta`` (always
    present; ignored when the rule has no noise). Used by the simulators, which need no
    SymPy at run time.

    >>> from symstat import get_rule
    >>> F = update_function(get_rule("linear-sgd"))
    >>> F(0.5, 1.0, 0.0)
    0.5
    """
    m = rule.model
    args = m.student_fields + m.teacher_fields + (_zeta,)
    exprs = rule.active_update
    fn = _lambdify(args, list(exprs) if m.K > 1 else exprs[0],
                   f"F({', '.join(map(str, args))}) of rule {rule.name!r}")
    return _broadcasting(fn, len(args), m.K)


def error_function(rule: Rule) -> Callable:
    """The per-example error as a NumPy function ``e(hs..., ht...)``."""
    m = rule.model
    args = m.student_fields + m.teacher_fields
    return _broadcasting(_lambdify(args, rule.error,
                                   f"error({', '.join(map(str, args))}) of rule {rule.name!r}"),
                         len(args), 1)


def _broadcasting(fn: Callable, nargs: int, nout: int) -> Callable:
    """Make a constant lambdified function return arrays of the arguments' shape."""

    def wrapped(*args):
        out = fn(*args)
        shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        if nout > 1:
            return tuple(np.broadcast_to(o, shape) if np.shape(o) != shape else o for o in out)
        return np.broadcast_to(out, shape) if np.shape(out) != shape else out

    wrapped.__doc__ = fn.__doc__
    return wrapped


