"""``symstat rules``, ``derive``, ``check`` and ``integrate``."""

from __future__ import annotations

import argparse

import sympy as sp

from .._closed_forms import numeric_legend
from .._check import check_generalization_error, check_odes, check_solution
from .._derive import Derivation, derive
from .._errors import ParseError, SpecificationError
from .._parse import parse_expression
from .._export import derivation_to_dict
from .._registry import RULES
from .._solve import Solution, solve
from ._common import (add_rule_arguments, dumps, emit, finite_float, nonnegative_float,
                      positive_float, positive_int, rule_from_args)


def add_parser(sub) -> None:
    p = sub.add_parser("rules", help="list the built-in learning rules")
    p.set_defaults(func=_rules)

    p = sub.add_parser("derive", help="derive eps_g, the order-parameter ODEs and their solution")
    add_rule_arguments(p)
    p.add_argument("--format", choices=["text", "latex", "json"], default="text")
    p.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=_derive)

    p = sub.add_parser("check", help="check a claimed ODE, solution or eps_g (exit 0 right, 1 wrong)")
    add_rule_arguments(p)
    p.add_argument("--ode", action="append", default=[], metavar="NAME=EXPR",
                   help="a claimed right-hand side, e.g. R='eta*(1 - R)'")
    p.add_argument("--solution", action="append", default=[], metavar="NAME=EXPR",
                   help="a claimed solution, e.g. R='1 - (1 - R0)*exp(-eta*t)'")
    p.add_argument("--eg", metavar="EXPR", help="a claimed generalization error eps_g(R, Q)")
    p.set_defaults(func=_check)

    p = sub.add_parser("integrate", help="eps_g(t) and the order parameters, numerically")
    add_rule_arguments(p)
    p.add_argument("--eta", type=positive_float, action="append",
                   help="learning rate (repeat for several)")
    p.add_argument("--schedule", metavar="EXPR",
                   help="a learning-rate schedule eta(t) in t and the order parameters, "
                        "e.g. '2/(1 + t)', instead of --eta")
    p.add_argument("--optimal", action="store_true",
                   help="the learning rate that maximizes -d eps_g/dt at every time, "
                        "derived from the ODEs, instead of --eta")
    p.add_argument("--t-max", type=positive_float, default=10.0)
    p.add_argument("--points", type=positive_int, default=11, help="number of recorded times")
    p.add_argument("--R0", type=finite_float, default=0.0, help="R(0) (default: the note's 0)")
    p.add_argument("--Q0", type=nonnegative_float, default=0.0, help="Q(0) (default: the note's 0)")
    p.add_argument("--sigma", type=nonnegative_float, help="noise level, with --noise")
    p.add_argument("--lam", type=nonnegative_float, help="weight decay, with --weight-decay")
    p.add_argument("--T", type=positive_float, help="teacher norm, with --general-T")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.add_argument("--out", "-o", metavar="FILE")
    p.set_defaults(func=_integrate)


def _scheduled_run(d, args, t, init, params) -> dict:
    """One run with a learning rate eta(t, state): a typed schedule or the optimal one."""
    import numpy as np

    from .._asymptotics import integrate_schedule, optimal_learning_rate
    from .._symbols import t as t_symbol
    from ..numerics import _lambdify

    if args.optimal:
        rate = optimal_learning_rate(d)
    else:
        names = {s.name: s for s in d.state + d.parameters if s.name != "eta"}
        names["t"] = t_symbol
        rate = parse_expression(args.schedule, names=names, argument="--schedule")
    traj = integrate_schedule(d, rate, initial=init, t_eval=t, parameters=params)
    others = [p for p in d.parameters if p.name != "eta"]
    fn = _lambdify((t_symbol,) + d.state + tuple(others), rate, "eta(t, state)")
    eta_t = np.broadcast_to(np.asarray(fn(t, *[traj.state[s.name] for s in d.state],
                                          *[params[p.name] for p in others]), dtype=float),
                            t.shape)
    return {"eta": str(rate), "method": "solve_ivp, eta(t)",
            **{k: v.tolist() for k, v in dict(traj.state, eps_g=traj.eps_g).items()},
            "eta_t": eta_t.tolist()}


def _rules(args: argparse.Namespace) -> int:
    width = max(len(n) for n in RULES)
    for name, rule in RULES.items():
        print(f"{name:<{width}}  {rule.description}")
    return 0


def _text(d: Derivation, s: Solution) -> str:
    m = d.rule.model
    lines = [f"rule: {d.rule.name} - {d.rule.description}",
             f"update: F = {', '.join(str(F) for F in d.rule.active_update)}"
             + ("  (w <- w + eta/N (F x - lam w))" if m.weight_decay else "  (w <- w + eta/N F x)"),
             f"order parameters: {', '.join(s_.name for s_ in d.state)}"
             + ("  (T = 1)" if m.normalized_teacher and m.M == 1 else ""),
             f"generalization error: eps_g = {d.generalization_error}", "ODEs (t = m/N):"]
    lines += [f"  d{k.name}/dt = {v}" for k, v in d.odes.items()]
    legend = numeric_legend(list(d.rhs) + [d.generalization_error])
    if legend:
        lines.append("numeric averages (Gauss-Hermite cubature; arguments: the covariance of "
                     "the fields, upper triangle):")
        lines += [f"  {k} = <{v['integrand']}> over {', '.join(v['fields'])}"
                  for k, v in legend.items()]
    if s.solution is not None:
        init = ", ".join(f"{k.name}(0) = {v}" for k, v in zip(d.state, s.initial_values))
        lines.append(f"solution ({init}):")
        lines += [f"  {k.name}(t) = {v}" for k, v in s.solution.items()]
        lines.append(f"  eps_g(t) = {s.generalization_error}")
    for fp in s.fixed_points:
        lines.append("fixed point: " + ", ".join(f"{k.name} = {v}" for k, v in fp.items()))
    if s.eigenvalues:
        lines.append(f"Jacobian eigenvalues: {', '.join(map(str, s.eigenvalues))}")
    if s.stability is not None:
        lines.append(f"stable when: {s.stability}")
    if s.decay_rate is not None:
        lines.append(f"asymptotic decay rate of eps_g: {s.decay_rate}")
    lines.append(f"eta_opt = {s.eta_opt}   (fastest asymptotic decay of eps_g)")
    lines.append(f"eta_crit = {s.eta_crit}   (eps_g stops decaying)")
    lines += [f"note: {n}" for n in s.notes]
    return "\n".join(lines)


def _latex(d: Derivation, s: Solution) -> str:
    def name(sym):
        return sp.latex(sym)
    lines = [r"\begin{align}",
             rf"  \epsilon_g &= {sp.latex(d.generalization_error)} \\"]
    lines += [rf"  \frac{{d{name(k)}}}{{dt}} &= {sp.latex(v)} \\" for k, v in d.odes.items()]
    if s.solution is not None:
        lines += [rf"  {name(k)}(t) &= {sp.latex(v)} \\" for k, v in s.solution.items()]
        lines.append(rf"  \epsilon_g(t) &= {sp.latex(s.generalization_error)} \\")
    if s.eta_opt is not None:
        lines.append(rf"  \eta_{{\mathrm{{opt}}}} &= {sp.latex(s.eta_opt)} \\")
    if s.eta_crit is not None:
        lines.append(rf"  \eta_{{\mathrm{{crit}}}} &= {sp.latex(s.eta_crit)} \\")
    lines[-1] = lines[-1].rstrip(" \\")
    lines.append(r"\end{align}")
    return "\n".join(lines)


def _derive(args: argparse.Namespace) -> int:
    d = derive(rule_from_args(args))
    s = solve(d)
    if args.format == "json":
        text = dumps(derivation_to_dict(d, s))
    elif args.format == "latex":
        text = _latex(d, s)
    else:
        text = _text(d, s)
    emit(text, args.out)
    return 0


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, expr = item.partition("=")
        if not sep or not name.strip() or not expr.strip():
            raise ParseError(f"{option} must be NAME=EXPR, got {item!r}")
        out[name.strip()] = expr
    return out


def _check(args: argparse.Namespace) -> int:
    if not (args.ode or args.solution or args.eg):
        raise ParseError("check needs at least one of --ode NAME=EXPR, --solution NAME=EXPR, --eg EXPR")
    d = derive(rule_from_args(args))
    results = []
    if args.eg:
        results.append(check_generalization_error(d, args.eg))
    if args.ode:
        results.append(check_odes(d, _pairs(args.ode, "--ode")))
    if args.solution:
        results.append(check_solution(solve(d), _pairs(args.solution, "--solution")))
    for r in results:
        print(r)
    return 0 if all(r.ok for r in results) else 1


def _integrate(args: argparse.Namespace) -> int:
    import numpy as np

    from ..numerics import evaluate_closed_form, integrate

    d = derive(rule_from_args(args))
    s = solve(d)
    params = {}
    for opt, sym in (("sigma", "sigma"), ("lam", "lam"), ("T", "T")):
        value = getattr(args, opt)
        if value is not None:
            params[sym] = value
    t = np.linspace(0.0, args.t_max, args.points)
    init = {"R": args.R0, "Q": args.Q0}
    runs = []
    chosen = [o for o, v in (("--eta", args.eta), ("--schedule", args.schedule),
                             ("--optimal", args.optimal)) if v]
    if len(chosen) != 1:
        raise SpecificationError(f"give exactly one of --eta, --schedule, --optimal "
                                 f"(got {', '.join(chosen) or 'none'})")
    if args.schedule or args.optimal:
        runs.append(_scheduled_run(d, args, t, init, params))
    for eta in args.eta or []:
        p = dict(params, eta=eta)
        if s.closed_form is not None:
            out = evaluate_closed_form(s, t=t, initial={"R0": args.R0, "Q0": args.Q0}, parameters=p)
            method = "closed form"
        else:
            traj = integrate(d, initial=init, t_eval=t, parameters=p)
            out = dict(traj.state, eps_g=traj.eps_g)
            method = "solve_ivp"
        runs.append({"eta": eta, "method": method, **{k: v.tolist() for k, v in out.items()}})
    names = [x.name for x in d.state] + ["eps_g"] + (["eta_t"] if "eta_t" in runs[0] else [])
    if args.format == "json":
        text = dumps({"rule": d.rule.name, "t": t.tolist(), "R0": args.R0, "Q0": args.Q0,
                      "parameters": params, "runs": runs})
    elif args.format == "csv":
        rows = ["eta,t," + ",".join(names)]
        for run in runs:
            for i, ti in enumerate(t):
                rows.append(",".join([repr(run["eta"]), repr(float(ti))]
                                     + [repr(run[n][i]) for n in names]))
        text = "\n".join(rows)
    else:
        rows = []
        for run in runs:
            rows.append(f"eta = {run['eta']} ({run['method']})")
            rows.append("       t  " + "".join(f"{n:>12}" for n in names))
            for i, ti in enumerate(t):
                rows.append(f"{ti:8.3f}  " + "".join(f"{run[n][i]:12.6g}" for n in names))
        text = "\n".join(rows)
    emit(text, args.out)
    return 0
