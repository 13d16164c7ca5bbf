"""symstat's Gaussian averages vs ``sympy.stats`` on the same set, as time ratios.

Each average is over two correlated standard normals u, v with correlation 1/2 (a number,
to give sympy.stats its best chance). sympy.stats runs in a subprocess with a time-out;
symstat runs in this process. Prints one line per average and the ratio
(sympy.stats time / symstat time); "timeout" or "failed" when sympy.stats gives no answer.

    python benchmarks/bench_averages.py [--timeout SECONDS]
"""

import argparse
import subprocess
import sys
import time

import sympy as sp

from symstat import GaussianFields

AVERAGES = {
    "E[u v]": "u*v",
    "E[sign(u) sign(v)]": "sign(u)*sign(v)",
    "E[u Heaviside(v)]": "u*Heaviside(v)",
    "E[Max(0,u) Max(0,v)]": "Max(0, u)*Max(0, v)",
    "E[erf(u/sqrt2) v]": "erf(u/sqrt(2))*v",
    "E[erf(u/sqrt2) erf(v/sqrt2)]": "erf(u/sqrt(2))*erf(v/sqrt(2))",
}

CHILD = """
import sys, time, sympy as sp
from sympy.stats import Normal, E
z1, z2 = Normal('z1', 0, 1), Normal('z2', 0, 1)
u = z1
v = sp.Rational(1, 2) * z1 + sp.sqrt(3) / 2 * z2
t0 = time.perf_counter()
val = E(sp.sympify(sys.argv[1], locals={'u': u, 'v': v}))
val = sp.N(val)
print(time.perf_counter() - t0, val)
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args()
    u, v = sp.symbols("u v", real=True)
    gauss = GaussianFields((u, v), sp.ImmutableMatrix([[1, sp.Rational(1, 2)],
                                                       [sp.Rational(1, 2), 1]]))
    print(f"{'average':32} {'symstat [s]':>12} {'sympy.stats [s]':>16} {'ratio':>10}  value")
    for label, text in AVERAGES.items():
        expr = sp.sympify(text, locals={"u": u, "v": v})
        t0 = time.perf_counter()
        value = gauss.average(expr)
        ours = time.perf_counter() - t0
        try:
            out = subprocess.run([sys.executable, "-c", CHILD, text], capture_output=True,
                                 text=True, timeout=args.timeout)
            if out.returncode == 0 and out.stdout.strip():
                theirs_s, their_val = out.stdout.split(maxsplit=1)
                theirs = float(theirs_s)
                agree = (abs(complex(sp.N(value)) - complex(sp.sympify(their_val))) < 1e-8
                         if "Integral" not in their_val else False)
                ratio = f"{theirs / ours:10.0f}x" + ("" if agree else " (no value)")
                theirs = f"{theirs:16.3f}"
            else:
                theirs, ratio = f"{'failed':>16}", f"{'-':>10}"
        except subprocess.TimeoutExpired:
            theirs, ratio = f"{'>' + format(args.timeout, 'g') + ' timeout':>16}", \
                f"{'>' + format(args.timeout / ours, '.0f') + 'x':>10}"
        print(f"{label:32} {ours:12.4f} {theirs} {ratio}  {sp.N(value, 8)}")


if __name__ == "__main__":
    main()
