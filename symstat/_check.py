"""Checking a claimed derivation: ODE right-hand sides, solutions, eps_g.

A claim is right when ``simplify(claimed - derived) == 0``. Where ``simplify`` cannot
decide, the residual is evaluated at random points; the result then says so.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from ._derive import Derivation
from ._errors import SpecificationError, UnknownNameError
from ._parse import parse_expression
from ._solve import Solution
from ._symbols import CANONICAL, t

__all__ = ["CheckItem", "CheckResult", "check_odes", "check_solution",
           "check_generalization_error"]


@dataclass(frozen=True)
class CheckItem:
    """One claimed expression against the derived one; ``residual = claimed - derived``."""

    name: str
    claimed: sp.Expr
    derived: sp.Expr
    residual: sp.Expr
    ok: bool
    method: str  # "symbolic" or "numeric"


@dataclass(frozen=True)
class CheckResult:
    """The verdict on a set of claims (``ok`` when every item is right)."""

    what: str
    items: tuple[CheckItem, ...]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    def __str__(self) -> str:
        lines = []
        for item in self.items:
            if item.ok:
                how = "" if item.method == "symbolic" else " (numerically at random points)"
                lines.append(f"{self.what} {item.name}: right{how}")
            else:
                lines.append(f"{self.what} {item.name}: WRONG\n"
                             f"  claimed:  {item.claimed}\n  derived:  {item.derived}\n"
                             f"  residual (claimed - derived): {item.residual}")
        return "\n".join(lines)


def _names(derivation: Derivation, extra=()) -> dict[str, sp.Symbol]:
    names = dict(CANONICAL)
    for s in derivation.state + derivation.parameters + tuple(extra) + (t,):
        names[s.name] = s
    return names


def _as_expr(value, names: Mapping[str, sp.Symbol], argument: str) -> sp.Expr:
    if isinstance(value, str):
        return parse_expression(value, names=names, argument=argument)
    expr = sp.sympify(value)
    # User-built symbols may lack our assumptions: map them by name.
    return expr.subs({s: names[s.name] for s in expr.free_symbols if s.name in names})


def _lookup(claims: Mapping, derivation: Derivation, names) -> dict[sp.Symbol, object]:
    state = {s.name: s for s in derivation.state}
    out = {}
    for key, value in claims.items():
        name = key.name if isinstance(key, sp.Symbol) else str(key)
        if name not in state:
            raise UnknownNameError(f"{name!r} is not an order parameter of rule "
                                   f"{derivation.rule.name!r} (they are: {', '.join(state)})")
        out[state[name]] = value
    if not out:
        raise SpecificationError("nothing to check: give at least one claimed expression")
    return out


def _compare(what: str, name: str, claimed: sp.Expr, derived: sp.Expr) -> CheckItem:
    residual = sp.simplify(claimed - derived)
    if residual == 0:
        return CheckItem(name, claimed, derived, sp.S.Zero, True, "symbolic")
    free = sorted(residual.free_symbols, key=str)
    rng = random.Random(0)
    try:
        for _ in range(8):
            point = {s: sp.Float(rng.uniform(0.1, 0.9)) for s in free}
            if abs(complex(residual.subs(point).evalf(30))) > 1e-20:
                return CheckItem(name, claimed, derived, residual, False, "symbolic")
    except (TypeError, ValueError):
        return CheckItem(name, claimed, derived, residual, False, "symbolic")
    return CheckItem(name, claimed, derived, residual, True, "numeric")


def check_odes(derivation: Derivation, claims: Mapping) -> CheckResult:
    """Check claimed ODE right-hand sides, e.g. ``{"R": "eta*(1 - R)"}``.

    Claims are strings (parsed with the whitelist) or SymPy expressions, under the rule's
    convention (the note's ``T = 1`` unless the rule has a general ``T``).

    >>> from symstat import derive, get_rule
    >>> d = derive(get_rule("linear-sgd"))
    >>> check_odes(d, {"Q": "2*eta*(R - Q) + eta**2*(1 - 2*R + Q)"}).ok
    True
    >>> print(check_odes(d, {"R": "eta*(1 + R)"}))
    ODE R: WRONG
      claimed:  eta*(R + 1)
      derived:  eta*(1 - R)
      residual (claimed - derived): 2*R*eta
    """
    names = _names(derivation)
    items = []
    for s, value in _lookup(claims, derivation, names).items():
        claimed = _as_expr(value, names, f"claimed d{s.name}/dt")
        items.append(_compare(f"d{s.name}/dt", s.name, claimed, derivation.odes[s]))
    return CheckResult("ODE", tuple(items))


def check_solution(solution: Solution, claims: Mapping) -> CheckResult:
    """Check a claimed solution ``{"R": "1 - (1 - R0)*exp(-eta*t)", ...}``.

    With a closed form, each claim is compared with it. Without one, the claims must cover
    every order parameter; they are checked by substitution into the ODEs and at ``t = 0``.
    """
    d = solution.derivation
    names = _names(d, solution.initial_values)
    claims = {s: _as_expr(v, names, f"claimed {s.name}(t)")
              for s, v in _lookup(claims, d, names).items()}
    items = []
    if solution.closed_form is not None:
        for s, claimed in claims.items():
            items.append(_compare("solution", s.name, claimed, solution.solution[s]))
        return CheckResult("solution", tuple(items))
    missing = [s.name for s in d.state if s not in claims]
    if missing:
        raise SpecificationError(f"rule {d.rule.name!r} has no closed form, so a claimed solution "
                                 f"must give every order parameter; missing: {', '.join(missing)}")
    subs = dict(claims)
    for s, x0 in zip(d.state, solution.initial_values):
        items.append(_compare("solution (ODE residual)", s.name, sp.diff(claims[s], t),
                              d.odes[s].subs(subs, simultaneous=True)))
        items.append(_compare("solution (at t = 0)", s.name, claims[s].subs(t, 0), x0))
    return CheckResult("solution", tuple(items))


def check_generalization_error(derivation: Derivation, claimed) -> CheckResult:
    """Check a claimed ``eps_g`` as a function of the order parameters (the note's Eq. 5)."""
    names = _names(derivation)
    expr = _as_expr(claimed, names, "claimed eps_g")
    return CheckResult("eps_g", (_compare("eps_g", "eps_g", expr,
                                          derivation.generalization_error),))
