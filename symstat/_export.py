"""Plain-data views of results, for JSON: every expression as a string ``sympify`` reads back."""

from __future__ import annotations


from ._closed_forms import numeric_legend
from ._derive import Derivation
from ._solve import Solution

__all__ = ["derivation_to_dict"]


def _s(expr) -> str | None:
    return None if expr is None else str(expr)


def derivation_to_dict(derivation: Derivation, solution: Solution | None = None) -> dict:
    """The derivation (and its solution) as a JSON-ready dict.

    Keys: ``rule``, ``order_parameters``, ``parameters``, ``convention``, ``odes``,
    ``generalization_error``, ``solution`` (or ``None``), ``generalization_error_solution``,
    ``fixed_points``, ``eigenvalues``, ``stability``, ``decay_rate``, ``eta_opt``,
    ``eta_crit``, ``notes``; and ``numeric_averages`` (``{"E_numK": {"integrand", "fields"}}``)
    when some averages are computed by cubature. Expression strings use the names ``R, Q, T, eta, t, R0, Q0,
    sigma, lam`` (and ``Q_12``, ``R_11``, ... for committee machines).

    >>> from symstat import derive, get_rule, solve
    >>> d = derive(get_rule("linear-sgd"))
    >>> derivation_to_dict(d, solve(d))["eta_crit"]
    '2'
    """
    rule = derivation.rule
    m = rule.model
    out = {
        "rule": rule.name,
        "description": rule.description,
        "model": {"K": m.K, "M": m.M, "student": m.student.name, "teacher": m.teacher.name,
                  "noise": m.noise, "weight_decay": m.weight_decay,
                  "normalized_teacher": m.normalized_teacher},
        "update": [str(F) for F in rule.active_update],
        "order_parameters": [s.name for s in derivation.state],
        "parameters": [s.name for s in derivation.parameters],
        "convention": ({"T": "1"} if m.normalized_teacher and m.M == 1 else
                       {"T_nm": "delta_nm"} if m.normalized_teacher else {}),
        "odes": {s.name: str(r) for s, r in derivation.odes.items()},
        "generalization_error": str(derivation.generalization_error),
    }
    legend = numeric_legend(list(derivation.rhs) + [derivation.generalization_error])
    if legend:
        out["numeric_averages"] = legend
    if solution is not None:
        out.update({
            "solution": (None if solution.solution is None else
                         {s.name: str(v) for s, v in solution.solution.items()}),
            "generalization_error_solution": _s(solution.generalization_error),
            "fixed_points": [{s.name: str(v) for s, v in fp.items()}
                             for fp in solution.fixed_points],
            "eigenvalues": [str(e) for e in solution.eigenvalues],
            "stability": _s(solution.stability),
            "decay_rate": _s(solution.decay_rate),
            "eta_opt": _s(solution.eta_opt),
            "eta_crit": _s(solution.eta_crit),
            "notes": list(solution.notes),
        })
    return out


