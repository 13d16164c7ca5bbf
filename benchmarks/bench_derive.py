"""Benchmark: derive + solve of the note's rule against sympy.stats on the same averages.

symstat derives eps_g, dR/dt, dQ/dt and the closed form (Hara, Eqs. 5-11). The baseline is
``sympy.stats`` computing just the three averages <t^2>, <t y>, <y^2> the note needs
(correlated normals written as y = sqrt(Q) z1, t = R/sqrt(Q) z1 + sqrt(T - R^2/Q) z2).
Both run in this process, after the imports; the ratio is printed.

Run: python benchmarks/bench_derive.py
"""


import sympy as sp
from sympy.stats import E, Normal

import symstat
from _timing import best_of



def symstat_full():
    d = symstat.derive(symstat.get_rule("linear-sgd"))
    s = symstat.solve(d)
    assert s.eta_opt == 1 and s.eta_crit == 2


def sympy_stats_three_averages():
    R, Q, T = sp.symbols("R Q T", positive=True)
    z1, z2 = Normal("z1", 0, 1), Normal("z2", 0, 1)
    y = sp.sqrt(Q) * z1
    t = R / sp.sqrt(Q) * z1 + sp.sqrt(T - R**2 / Q) * z2
    return E(t**2), E(t * y), E(y**2)


if __name__ == "__main__":
    # First calls (SymPy's cache cold for these expressions), then the best of repeats.
    ours_cold = best_of(symstat_full, 1)
    base_cold = best_of(sympy_stats_three_averages, 1)
    ours = best_of(symstat_full, 5)
    base = best_of(sympy_stats_three_averages, 3)
    print("                                         first call   best of repeats")
    print(f"symstat derive+solve linear-sgd          {ours_cold:9.3f} s   {ours:9.3f} s")
    print(f"sympy.stats <t^2>, <ty>, <y^2> only      {base_cold:9.3f} s   {base:9.3f} s")
    print(f"ratio sympy.stats / symstat              {base_cold / ours_cold:9.1f}x   {base / ours:9.1f}x")
