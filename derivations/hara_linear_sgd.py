"""K. Hara, "Understanding machine learning with statistical mechanics" (Nihon University),
linear perceptron trained by on-line SGD: the note's Eqs. 5, 7, 9, 10, 11, its claims about
eta = 1 and eta = 2, its Figure 1, and the finite-N correction it does not have.

Run:  python derivations/hara_linear_sgd.py [OUT_DIR]     (about 10 s; default symstat-out/hara)
Same figure from the command line:  symstat reproduce hara
"""

import sys

import numpy as np
import sympy as sp

import symstat
from symstat import (check_generalization_error, check_odes, check_solution, derive,
                     finite_n_curves, finite_n_theory, get_rule, simulate, solve)
from symstat._finite_n import N
from symstat.cli import main as cli
from symstat.symbols import eta


FAILED = []


def show(title, ok=None):
    print(f"{'[ok] ' if ok else '[!!] ' if ok is not None else ''}{title}")
    if ok is not None and not ok:
        FAILED.append(title)


rule = get_rule("linear-sgd")
d = derive(rule)
s = solve(d)
print("Model: y = w_s.x, t = w_t.x, update w_s += (eta/N)(t - y) x (Eqs. 1-4)\n")

r = check_generalization_error(d, "(1 - 2*R + Q)/2")
show(f"Eq. 5   eps_g = (1 - 2R + Q)/2            derived: {d.generalization_error}", r.ok)
r = check_odes(d, {"R": "eta*(1 - R)", "Q": "2*eta*(R - Q) + eta**2*(1 - 2*R + Q)"})
show(f"Eqs. 7, 9  dR/dt = {d.odes[symstat.symbols.R]},  dQ/dt = {d.odes[symstat.symbols.Q]}",
     r.ok)
r = check_solution(s, {"R": "1 - (1 - R0)*exp(-eta*t)",
                       "Q": "1 - 2*(1 - R0)*exp(-eta*t) + (Q0 - 2*R0 + 1)*exp(-eta*(2 - eta)*t)"})
show("Eqs. 10, 11 (closed-form R(t), Q(t))", r.ok)
show(f"fastest convergence at eta = 1: eta_opt = {s.eta_opt}", s.eta_opt == 1)
show(f"no decay from eta = 2 on: eta_crit = {s.eta_crit}", s.eta_crit == 2)

print("\nFinite N (not in the note): E[(t - y)^2 |x|^2] = (N + 2) E[(t - y)^2] gives the exact "
      "mean recursion")
th = finite_n_theory(rule)
for sym, expr in th.recursion.items():
    print(f"   E[{sym}'] = {sp.collect(sp.expand(expr), [eta**2, eta], sp.factor)}")
show(f"finite-N critical rate: {th.eta_crit}  (= {float(th.eta_crit.subs(N, 100)):.4f} at N = 100)",
     sp.simplify(th.eta_crit - 2 * N / (N + 2)) == 0)
print(f"   mean eps_g after m steps: {th.generalization_error}")

t = np.arange(11.0)
fin = finite_n_curves(th, N=100, t=t, eta=[2.0], initial={"R0": 0, "Q0": 0})["eps_g"][0]
sim = simulate(rule, N=100, eta=2.0, t=t, trials=400, seed=0, method="reduced")
m, se = sim.mean()[0], sim.stderr()[0]
print("\n   eta = 2.0, N = 100:   t   N->inf   exact N=100   simulation (400 trials, reduced)")
for i in (0, 2, 5, 10):
    print(f"                      {t[i]:4.0f}   {0.5:6.3f}   {fin[i]:11.4f}   {m[i]:.4f} +- {se[i]:.4f}")
show("the simulated eta = 2 curve rises as the finite-N theory says (|z| < 4 at every t)",
     bool(np.all(np.abs((m - fin)[1:] / se[1:]) < 4)))

print("\nThe note's Figure 1 (and the overlay with the finite-N theory):")
out = sys.argv[1] if len(sys.argv) > 1 else "symstat-out/hara"
cli(["reproduce", "hara", "--out", out])
if FAILED:
    raise SystemExit(f"{len(FAILED)} check(s) failed: {'; '.join(FAILED)}")
