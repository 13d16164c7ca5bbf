"""Theory against simulation: the N -> infinity curves, the exact finite-N curves, z-scores.

The theory curves are evaluated on the simulation's grid (``[eta, t]`` arrays), and
:func:`compare` reports at every recorded time the simulated mean, its standard error,
``z = (mean - theory) / stderr``, the largest ``|z|`` and a verdict: agreement when
``|z| <= tolerance`` everywhere (default 4 standard errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._derive import derive
from ._errors import SpecificationError
from ._finite_n import FiniteNTheory, N as _N, m as _m
from ._model import Rule
from ._simulate import Simulation
from ._solve import solve
from .numerics import _lambdify, check_parameters, evaluate_closed_form, integrate

__all__ = ["Comparison", "compare", "theory_curves", "finite_n_curves"]


def theory_curves(rule: Rule, *, t, eta, initial: Mapping, parameters: Mapping | None = None
                  ) -> dict[str, np.ndarray]:
    """The N -> infinity theory on a grid: ``{name: array [eta, t]}`` for the state and eps_g.

    Uses the closed form when there is one, else integrates the ODEs.

    Arguments:
        rule: the rule. t: times. eta: learning rates.
        initial: ``{"R": R0, "Q": Q0}`` (state names). parameters: ``sigma``, ``lam``, ``T``.

    >>> from symstat import get_rule
    >>> out = theory_curves(get_rule("linear-sgd"), t=[0, 1], eta=[1.0], initial={"R": 0, "Q": 0})
    >>> bool(abs(out["eps_g"][0, 1] - 0.5 * np.exp(-1)) < 1e-12)
    True
    """
    parameters = dict(parameters or {})
    d = derive(rule)
    s = solve(d)
    t = np.asarray(t, dtype=float)
    etas = np.atleast_1d(np.asarray(eta, dtype=float))
    names = [x.name for x in d.state] + ["eps_g"]
    if s.closed_form is not None:
        init = {iv.name: initial[x.name] for iv, x in zip(s.initial_values, d.state)}
        out = evaluate_closed_form(s, t=t[None, :], initial=init,
                                   parameters=dict(parameters, eta=etas[:, None]))
        return {n: np.broadcast_to(out[n], (etas.size, t.size)).copy() for n in names}
    result = {n: np.empty((etas.size, t.size)) for n in names}
    for e, value in enumerate(etas):
        try:
            traj = integrate(d, initial=initial, t_eval=t, parameters=dict(parameters, eta=value))
        except SpecificationError:  # blow-up: the theory diverges too
            for n in names:
                result[n][e] = np.nan
            continue
        for n in names[:-1]:
            result[n][e] = traj.state[n]
        result["eps_g"][e] = traj.eps_g
    return result


def finite_n_curves(theory: FiniteNTheory, *, N: int, t, eta, initial: Mapping,
                    parameters: Mapping | None = None) -> dict[str, np.ndarray]:
    """The exact finite-N mean curves after ``m = round(N t)`` steps: ``{name: [eta, t]}``.

    Arguments:
        theory: from :func:`symstat.finite_n_theory`. N: input dimension.
        t, eta: grids. initial: ``{"R0": .., "Q0": ..}``. parameters: ``sigma``, ``lam``, ``T``.

    >>> from symstat import get_rule, finite_n_theory
    >>> th = finite_n_theory(get_rule("linear-sgd"))
    >>> out = finite_n_curves(th, N=100, t=[10.0], eta=[2.0], initial={"R0": 0, "Q0": 0})
    >>> round(float(out["eps_g"][0, 0]), 2)
    1.11
    """
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise SpecificationError(f"N must be a positive integer, got {N!r}")
    parameters = dict(parameters or {})
    others = [p for p in theory.parameters if p.name != "eta"]
    init = check_parameters(theory.initial_values, initial)
    vals = check_parameters(others, parameters)
    args = (_m, _N) + theory.initial_values + theory.parameters
    f = _lambdify(args, list(theory.closed_form) + [theory.generalization_error],
                  "finite-N mean state and eps_g")
    steps = np.rint(np.asarray(t, dtype=float) * N)[None, :]
    etas = np.atleast_1d(np.asarray(eta, dtype=float))[:, None]
    values = f(steps, float(N), *init, etas, *vals)
    names = [s.name for s in theory.state] + ["eps_g"]
    shape = (etas.size, steps.size)
    return {n: np.broadcast_to(np.asarray(v, dtype=float), shape).copy()
            for n, v in zip(names, values)}


@dataclass(frozen=True)
class Comparison:
    """Simulation against a theory, at every recorded time (arrays ``[eta, t]``).

    Attributes:
        quantity: e.g. ``"eps_g"``; label: which theory.
        t, eta: the grid. mean, stderr: over the simulated trials. theory: the prediction.
        z: ``(mean - theory) / stderr`` (0 where both the spread and the gap are nil).
        max_abs_z: the largest ``|z|`` per learning rate. tolerance: in standard errors.
        agree: per learning rate, ``max |z| <= tolerance``.
    """

    quantity: str
    label: str
    t: np.ndarray
    eta: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    theory: np.ndarray
    z: np.ndarray
    max_abs_z: np.ndarray
    tolerance: float
    agree: np.ndarray

    @property
    def ok(self) -> bool:
        return bool(np.all(self.agree))

    def verdict(self) -> str:
        lines = []
        for e, value in enumerate(self.eta):
            lines.append(f"eta = {value:g}: max |z| = {self.max_abs_z[e]:.2f} over "
                         f"{self.t.size} times -> "
                         f"{'agrees' if self.agree[e] else 'DISAGREES'} with {self.label} "
                         f"(tolerance {self.tolerance:g} standard errors)")
        return "\n".join(lines)


def compare(simulation: Simulation, theory, *, quantity: str = "eps_g", tolerance: float = 4.0,
            label: str = "theory") -> Comparison:
    """Compare a simulated quantity with a theory curve at every recorded time.

    Arguments:
        simulation: from :func:`symstat.simulate`.
        theory: an array ``[eta, t]`` on the simulation's grid (e.g. ``theory_curves(...)[q]``).
        quantity: ``"eps_g"``, ``"R"``, ``"Q"``, ``"test_error"``.
        tolerance: the largest acceptable ``|z|``, in standard errors.

    Raises:
        SpecificationError: shapes do not match, or a bad tolerance.
    """
    if not (np.isfinite(tolerance) and tolerance > 0):
        raise SpecificationError(f"tolerance must be a positive number, got {tolerance!r}")
    mean, se = simulation.mean(quantity), simulation.stderr(quantity)
    theory = np.asarray(theory, dtype=float)
    if theory.shape != mean.shape:
        raise SpecificationError(f"theory has shape {theory.shape}, the simulation's "
                                 f"{quantity} has {mean.shape} ([eta, t])")
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = mean - theory
        # Rounding floor: where every trial has the same value (t = 0) the sample spread is
        # rounding noise (~1e-17), which must not turn a rounding-size gap into a large z.
        floor = 1e-12 * np.maximum(1.0, np.abs(theory))
        z = gap / np.maximum(se, floor)
        nil = (se <= floor) & (np.abs(gap) <= floor)
        z = np.where(nil, 0.0, z)
    z = np.where(np.isnan(z), np.inf, z)
    worst = np.max(np.abs(z), axis=1)
    return Comparison(quantity, label, simulation.t, simulation.eta, mean, se, theory, z, worst,
                      float(tolerance), worst <= tolerance)

