"""``symstat simulate`` and ``symstat reproduce hara``."""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import time
import warnings
from pathlib import Path

from .._errors import SpecificationError
from ._common import (add_rule_arguments, dumps, emit, finite_float, nonnegative_float,
                      positive_float, positive_int, rule_from_args, write_atomic)

HARA_ETAS = (0.2, 1.0, 1.9, 2.0)
TABLE_TIMES = (0.0, 1.0, 2.0, 5.0, 10.0)


def add_parser(sub) -> None:
    p = sub.add_parser("simulate", help="simulate the weights (or the exact reduced chain) "
                                        "at finite N: mean and standard error of eps_g, R, Q")
    add_rule_arguments(p)
    p.add_argument("--N", type=positive_int, default=100, help="input dimension (default 100)")
    p.add_argument("--eta", type=positive_float, action="append", required=True,
                   help="learning rate (repeat for several)")
    p.add_argument("--t-max", type=positive_float, default=10.0, help="last time t = m/N")
    p.add_argument("--points", type=positive_int, default=11,
                   help="recorded times, evenly spaced from 0 to t-max (default 11)")
    p.add_argument("--trials", type=positive_int, default=200)
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--reduced", action="store_true",
                   help="the exact reduced Markov chain of (R, Q): cost per step independent of N")
    p.add_argument("--R0", type=finite_float, default=0.0, help="R(0) (default: the note's 0)")
    p.add_argument("--Q0", type=nonnegative_float, default=0.0, help="Q(0) (default: the note's 0)")
    p.add_argument("--sigma", type=nonnegative_float, help="noise level, with --noise")
    p.add_argument("--lam", type=nonnegative_float, help="weight decay, with --weight-decay")
    p.add_argument("--raw-teacher", action="store_true",
                   help="keep the drawn teacher w_t,i ~ N(0, 1/N) unnormalized (with --general-T)")
    p.add_argument("--test-samples", type=positive_int,
                   help="also record the empirical error on this many held-out inputs")
    p.add_argument("--compare", action="store_true",
                   help="add the N -> infinity theory of eps_g (closed form or integrated ODEs), "
                        "z-scores and a verdict")
    p.add_argument("--tolerance", type=positive_float, default=4.0,
                   help="with --compare: largest acceptable |z|, in standard errors (default 4)")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.set_defaults(func=_simulate)

    p = sub.add_parser("reproduce", help="reproduce a paper's figure (hara: the note's Figure 1)")
    p.add_argument("paper", choices=["hara"], help="which paper")
    p.add_argument("--out", "-o", metavar="DIR", default=os.path.join("symstat-out", "hara"),
                   help="output folder (default symstat-out/hara)")
    p.add_argument("--trials", type=positive_int, default=200)
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--N", type=positive_int, default=100, help="input dimension (the note: 100)")
    p.set_defaults(func=_reproduce)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.on = sys.stderr.isatty()
        self.last = -1

    def __call__(self, fraction: float) -> None:
        if not self.on:
            return
        pct = int(100 * fraction)
        if pct == self.last:
            return
        self.last = pct
        bar = "#" * (pct // 4)
        sys.stderr.write(f"\r{self.label} [{bar:<25}] {pct:3d}%")
        if pct >= 100:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _num(x: float):
    """JSON-safe number: inf / NaN become null."""
    x = float(x)
    return x if math.isfinite(x) else None


def _simulate_args(args):
    import numpy as np

    from .._simulate import NumericRule

    rule = rule_from_args(args)
    t = np.linspace(0.0, args.t_max, args.points)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        sim = _run(NumericRule.from_rule(rule), N=args.N, eta=args.eta, t=t, trials=args.trials,
                   seed=args.seed, R0=args.R0, Q0=args.Q0, sigma=args.sigma, lam=args.lam,
                   teacher="raw" if args.raw_teacher else "normalized",
                   method="reduced" if args.reduced else "microscopic",
                   test_samples=args.test_samples or 0,
                   progress=_Progress(f"simulating {rule.name}"))
    for w in caught:
        print(f"symstat: warning: {w.message}", file=sys.stderr)
    return rule, sim


def _run(*args, **kwargs):
    from .._simulate import simulate
    return simulate(*args, **kwargs)


def _simulate(args: argparse.Namespace) -> int:
    rule, sim = _simulate_args(args)
    names = list(sim.state) + ["eps_g"] + (["test_error"] if sim.test_error is not None else [])
    runs = []
    for e, eta in enumerate(sim.eta):
        run = {"eta": float(eta)}
        run["eg_mean"] = [_num(v) for v in sim.mean("eps_g")[e]]
        run["eg_stderr"] = [_num(v) for v in sim.stderr("eps_g")[e]]
        for n in names:
            if n == "eps_g":
                continue
            run[f"{n}_mean"] = [_num(v) for v in sim.mean(n)[e]]
            run[f"{n}_stderr"] = [_num(v) for v in sim.stderr(n)[e]]
        run["diverged"] = int(sim.diverged[e])
        runs.append(run)
    comparison = _compare_with_theory(rule, sim, args) if args.compare else None
    if comparison is not None:
        for e, run in enumerate(runs):
            run["eg_theory"] = [_num(v) for v in comparison.theory[e]]
            run["z"] = [_num(v) for v in comparison.z[e]]
            run["max_abs_z"] = _num(comparison.max_abs_z[e])
            run["agree"] = bool(comparison.agree[e])
    if args.format == "json":
        text = dumps({"rule": rule.name, "method": sim.method, "N": sim.N, "trials": sim.trials,
                      "seed": sim.seed, "R0": args.R0, "Q0": args.Q0,
                      "teacher": sim.teacher, "t": sim.t.tolist(), "runs": runs,
                      **({"tolerance": args.tolerance} if comparison is not None else {})})
    elif args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        cols = ["eg_mean", "eg_stderr"] + [f"{n}_{s}" for n in names if n != "eps_g"
                                          for s in ("mean", "stderr")]
        cols += ["eg_theory", "z"] if comparison is not None else []
        w.writerow(["eta", "t"] + cols + ["diverged"])
        for run in runs:
            for i, ti in enumerate(sim.t):
                w.writerow([run["eta"], float(ti)] + [run[c][i] for c in cols] + [run["diverged"]])
        text = buf.getvalue()
    else:
        lines = [f"rule {rule.name}: {sim.method} simulation, N = {sim.N}, {sim.trials} trials, "
                 f"seed {sim.seed}"]
        for e, run in enumerate(runs):
            lines.append(f"eta = {run['eta']:g}" + (f"  ({run['diverged']} trials diverged)"
                                                   if run["diverged"] else ""))
            state = [n for n in names if n != "eps_g"]
            extra = ["theory", "z"] if comparison is not None else []
            lines.append(f"{'t':>8} {'eps_g':>12} {'stderr':>12}"
                         + "".join(f"{n:>12}" for n in state + extra))
            mean, se = sim.mean("eps_g")[e], sim.stderr("eps_g")[e]
            for i, ti in enumerate(sim.t):
                more = ([comparison.theory[e, i], comparison.z[e, i]]
                        if comparison is not None else [])
                lines.append(f"{ti:8.3f} {mean[i]:12.5g} {se[i]:12.3g}"
                             + "".join(f"{v:12.5g}" for v in
                                       [sim.mean(n)[e, i] for n in state] + more))
        if comparison is not None:
            lines.append(comparison.verdict())
        text = "\n".join(lines)
    emit(text, args.out)
    return 0


def _compare_with_theory(rule, sim, args):
    """The simulation against the theory of its rule at the recorded times: the exact
    finite-N mean where it exists (linear rules), else the N -> infinity ODEs."""
    from .._compare import compare, finite_n_curves, theory_curves
    from .._errors import NoClosedFormError
    from .._finite_n import finite_n_theory

    params = {k: v for k, v in (("sigma", args.sigma), ("lam", args.lam)) if v is not None}
    if not rule.model.normalized_teacher:
        params["T"] = 1.0
    try:
        exact = finite_n_theory(rule)
    except NoClosedFormError:
        exact = None
    if exact is not None:
        curves = finite_n_curves(exact, N=sim.N, t=sim.t, eta=sim.eta,
                                 initial={"R0": args.R0, "Q0": args.Q0}, parameters=params)
        label = f"the exact finite-N theory (N = {sim.N})"
    else:
        curves = theory_curves(rule, t=sim.t, eta=sim.eta,
                               initial={"R": args.R0, "Q": args.Q0}, parameters=params)
        label = f"the N -> infinity theory (the simulation has N = {sim.N}: O(1/N) apart)"
    return compare(sim, curves["eps_g"], tolerance=args.tolerance, label=label)


def _output_folder(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise SpecificationError(f"--out {path!r} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecificationError(f"--out {path!r} cannot be created: {exc.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise SpecificationError(f"--out {path!r} is not writable")
    return out


def _reproduce(args: argparse.Namespace) -> int:
    import numpy as np

    from .._compare import compare, finite_n_curves, theory_curves
    from .._figures import hara_figure, overlay_figure, render
    from .._finite_n import N as N_symbol, finite_n_theory
    from .._registry import get_rule
    from .._simulate import NumericRule, simulate

    out = _output_folder(args.out)
    started = time.perf_counter()
    rule = get_rule("linear-sgd")
    etas = np.array(HARA_ETAS)
    N = args.N
    t_fine = np.linspace(0.0, 10.0, 401)
    t_sim = np.arange(0, 10 * N + 1, max(1, N // 10)) / N          # every 0.1 (or every step)
    theory = theory_curves(rule, t=t_fine, eta=etas, initial={"R": 0.0, "Q": 0.0})
    fin_th = finite_n_theory(rule)
    finite = finite_n_curves(fin_th, N=N, t=t_fine, eta=etas, initial={"R0": 0.0, "Q0": 0.0})
    sim = simulate(NumericRule.from_rule(rule), N=N, eta=etas, t=t_sim, trials=args.trials,
                   seed=args.seed, progress=_Progress(f"simulating N = {N}"))
    th_sim = theory_curves(rule, t=sim.t, eta=etas, initial={"R": 0.0, "Q": 0.0})
    fin_sim = finite_n_curves(fin_th, N=N, t=sim.t, eta=etas, initial={"R0": 0.0, "Q0": 0.0})
    cmp_fin = compare(sim, fin_sim["eps_g"], label=f"the exact finite-N theory (N = {N})")
    cmp_inf = compare(sim, th_sim["eps_g"], label="the N -> infinity theory")

    mean, se = sim.mean("eps_g"), sim.stderr("eps_g")
    fig1 = hara_figure(t_fine, theory["eps_g"], sim.t, mean, etas, N=N, trials=sim.trials)
    fig2 = overlay_figure(t_fine, theory["eps_g"], sim.t, mean, se, etas, N=N,
                          trials=sim.trials, eg_finite=finite["eps_g"])
    files = {"figure1.png": render(fig1, "png"), "figure1.pdf": render(fig1, "pdf"),
             "figure1_overlay.png": render(fig2, "png"),
             "figure1_overlay.pdf": render(fig2, "pdf")}

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["eta", "t", "eg_theory", "eg_finite_N", "eg_mean", "eg_stderr", "z_finite_N",
                "R_mean", "Q_mean", "diverged"])
    for e, eta in enumerate(etas):
        for i, ti in enumerate(sim.t):
            w.writerow([float(eta), float(ti), th_sim["eps_g"][e, i], fin_sim["eps_g"][e, i],
                        mean[e, i], se[e, i], cmp_fin.z[e, i], sim.mean("R")[e, i],
                        sim.mean("Q")[e, i], int(sim.diverged[e])])
    files["hara.csv"] = buf.getvalue()
    runs = []
    for e, eta in enumerate(etas):
        runs.append({"eta": float(eta),
                     "eg_theory": [_num(v) for v in th_sim["eps_g"][e]],
                     "eg_finite_N": [_num(v) for v in fin_sim["eps_g"][e]],
                     "eg_mean": [_num(v) for v in mean[e]],
                     "eg_stderr": [_num(v) for v in se[e]],
                     "R_mean": [_num(v) for v in sim.mean("R")[e]],
                     "Q_mean": [_num(v) for v in sim.mean("Q")[e]],
                     "diverged": int(sim.diverged[e]),
                     "max_abs_z_finite_N": _num(cmp_fin.max_abs_z[e]),
                     "max_abs_z_infinite_N": _num(cmp_inf.max_abs_z[e])})
    files["hara.json"] = dumps({
        "paper": "K. Hara, 'Understanding machine learning with statistical mechanics', Fig. 1",
        "rule": rule.name, "N": N, "trials": sim.trials, "seed": sim.seed, "R0": 0.0, "Q0": 0.0,
        "eta_crit_infinite_N": 2.0,
        "eta_crit_finite_N": float(fin_th.eta_crit.subs(N_symbol, N)) if fin_th.eta_crit is not None
        else None,
        "tolerance_stderr": cmp_fin.tolerance, "t": sim.t.tolist(), "runs": runs}) + "\n"
    for name, data in files.items():
        write_atomic(out / name, data)

    idx = [int(np.argmin(np.abs(sim.t - tt))) for tt in TABLE_TIMES]
    lines = [f"Hara, Figure 1: linear perceptron, on-line SGD, N = {N}, R(0) = Q(0) = 0, "
             f"{sim.trials} trials (seed {sim.seed})",
             f"{'eta':>5} {'t':>5} {'theory N->inf':>14} {'exact N=' + str(N):>12} "
             f"{'simulation':>11} {'+-s.e.':>8} {'z':>6}"]
    for e, eta in enumerate(etas):
        for i in idx:
            lines.append(f"{eta:5.1f} {sim.t[i]:5.1f} {th_sim['eps_g'][e, i]:14.4f} "
                         f"{fin_sim['eps_g'][e, i]:12.4f} {mean[e, i]:11.4f} {se[e, i]:8.4f} "
                         f"{cmp_fin.z[e, i]:6.2f}")
    if fin_th.eta_crit is not None:
        lines.append(f"finite-N critical rate {fin_th.eta_crit} = "
                     f"{float(fin_th.eta_crit.subs(N_symbol, N)):.4f} (N -> infinity: 2)")
    lines.append(cmp_fin.verdict())
    lines.append(f"wrote {', '.join(str(out / n) for n in files)} "
                 f"in {time.perf_counter() - started:.1f} s")
    print("\n".join(lines))
    return 0
