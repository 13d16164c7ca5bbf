"""``symstat analyze``: asymptotic law of eps_g, fixed points and stability, for one eta."""

from __future__ import annotations

import argparse

import sympy as sp

from .._derive import derive
from .._solve import solve
from ._common import (add_rule_arguments, dumps, emit, finite_float, nonnegative_float,
                      positive_float, rule_from_args)


def add_parser(sub) -> None:
    p = sub.add_parser("analyze", help="large-t law of eps_g (exponent, prefactor), fixed "
                                       "points and stability, at one learning rate")
    add_rule_arguments(p)
    p.add_argument("--eta", type=positive_float, required=True, help="learning rate")
    p.add_argument("--R0", type=finite_float, default=0.0, help="R(0) (default 0)")
    p.add_argument("--Q0", type=positive_float, default=1.0,
                   help="Q(0) (default 1: from w_s = 0 the AdaTron never moves)")
    p.add_argument("--t-max", type=positive_float, default=1e4,
                   help="integrate to this t; the fit uses the last decade (default 1e4)")
    p.add_argument("--sigma", type=nonnegative_float, help="noise level, with --noise")
    p.add_argument("--lam", type=nonnegative_float, help="weight decay, with --weight-decay")
    p.add_argument("--T", type=positive_float, help="teacher norm, with --general-T")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--out", "-o", metavar="FILE")
    p.set_defaults(func=_analyze)


def _num(x):
    x = sp.sympify(x)
    return float(x) if x.is_number and x.is_real else str(x)


def _analyze(args: argparse.Namespace) -> int:
    from .._asymptotics import asymptotics
    from .._closed_forms import numeric_averages
    from .._errors import SpecificationError

    rule = rule_from_args(args)
    if rule.model.K != 1 or rule.model.M != 1:
        raise SpecificationError(f"analyze handles one student and one teacher unit; rule "
                                 f"{rule.name!r} has K = {rule.model.K}, M = {rule.model.M}")
    if args.R0**2 > args.Q0 * (args.T or 1.0):
        raise SpecificationError(f"--R0 {args.R0} and --Q0 {args.Q0} violate R0^2 <= Q0 T")
    d = derive(rule)
    s = solve(d)
    params = {"eta": args.eta}
    for opt in ("sigma", "lam", "T"):
        if getattr(args, opt) is not None:
            params[opt] = getattr(args, opt)
    a = asymptotics(d, parameters=params, initial={"R": args.R0, "Q": args.Q0},
                    t_max=args.t_max, solution=s)
    vals = {p: params[p.name] for p in d.parameters if p.name in params}
    fixed = [{k.name: _num(v) for k, v in fp.items()} for fp in s.fixed_points]
    eig = [complex(sp.N(e.subs(vals))) for e in s.eigenvalues]
    stable = None
    if s.stability is not None:
        cond = s.stability.subs(vals)
        stable = bool(cond) if cond in (sp.true, sp.false) else None
    numeric = [str(n) for n in numeric_averages(list(d.rhs) + [d.generalization_error])]
    data = {
        "rule": d.rule.name, "eta": args.eta, "R0": args.R0, "Q0": args.Q0,
        "parameters": params,
        "odes": {k.name: str(v) for k, v in d.odes.items()},
        "eps_g": str(d.generalization_error),
        "asymptotics": a.to_dict(),
        "fixed_points": fixed,
        "eigenvalues": [{"re": e.real, "im": e.imag} for e in eig],
        "stability": None if s.stability is None else str(s.stability),
        "stable": stable,
        "numeric_terms": numeric,
        "notes": list(s.notes),
    }
    if args.format == "json":
        text = dumps(data)
    else:
        lines = [f"rule: {d.rule.name} (eta = {args.eta}, R(0) = {args.R0}, Q(0) = {args.Q0})",
                 f"eps_g = {d.generalization_error}"]
        lines += [f"  d{k}/dt = {v}" for k, v in data["odes"].items()]
        if a.law == "power":
            lines.append(f"asymptotics ({a.method}): eps_g ~ {a.prefactor:.6g} t^({a.exponent:.6g})"
                         + (f"   exact: {a.exact[1]} t^({a.exact[0]})" if a.exact else ""))
        elif a.law == "exponential":
            lines.append(f"asymptotics ({a.method} rate): eps_g - {a.limit:.6g} ~ "
                         f"{a.prefactor} exp(-{a.rate:.6g} t)")
        else:
            lines.append("asymptotics: eps_g does not decay")
        for fp in fixed:
            lines.append("fixed point: " + ", ".join(f"{k} = {v}" for k, v in fp.items()))
        if eig:
            lines.append("eigenvalues: " + ", ".join(f"{e.real:.6g}{e.imag:+.6g}i" for e in eig))
        if s.stability is not None:
            lines.append(f"stable when: {s.stability}  (here: {stable})")
        if numeric:
            lines.append(f"numeric terms (Gauss-Hermite cubature): {', '.join(numeric)}")
        lines += [f"note: {n}" for n in list(s.notes) + list(a.notes)]
        text = "\n".join(lines)
    emit(text, args.out)
    return 0
