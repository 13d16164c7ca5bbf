"""On-line gradient descent for one erf(x/sqrt 2) unit learning an erf teacher.

Literature: M. Biehl and H. Schwarze, J. Phys. A 28, 643 (1995); D. Saad and S. A. Solla,
Phys. Rev. E 52, 4225 (1995), Eqs. (9)-(13) and Appendix (the averages I2, I3, I4), with
K = M = 1 and T = 1: eps_g = (1/pi)[asin(Q/(1+Q)) + pi/6 - 2 asin(R/sqrt(2(1+Q)))]; the
perfect-learning fixed point R = Q = 1 and its stability (eta below a maximal rate).

Command: python derivations/erf_sgd.py        Run time: about 5 s.
"""

import sympy as sp

import symstat
from symstat._symbols import Q, R, eta

pi = sp.pi


def I3(C11, C12, C13, C23, C33):  # Saad & Solla (1995), Appendix
    lam3 = (1 + C11) * (1 + C33) - C13**2
    return 2 / pi / sp.sqrt(lam3) * (C23 * (1 + C11) - C12 * C13) / (1 + C11)


def I4(C):  # Saad & Solla (1995), Appendix
    L4 = (1 + C[0][0]) * (1 + C[1][1]) - C[0][1] ** 2
    l0 = (L4 * C[2][3] - C[1][2] * C[1][3] * (1 + C[0][0]) - C[0][2] * C[0][3] * (1 + C[1][1])
          + C[0][1] * C[0][2] * C[1][3] + C[0][1] * C[0][3] * C[1][2])
    l1 = (L4 * (1 + C[2][2]) - C[1][2] ** 2 * (1 + C[0][0]) - C[0][2] ** 2 * (1 + C[1][1])
          + 2 * C[0][1] * C[0][2] * C[1][2])
    l2 = (L4 * (1 + C[3][3]) - C[1][3] ** 2 * (1 + C[0][0]) - C[0][3] ** 2 * (1 + C[1][1])
          + 2 * C[0][1] * C[0][3] * C[1][3])
    return 4 / pi**2 / sp.sqrt(L4) * sp.asin(l0 / sp.sqrt(l1 * l2))


def main():
    cov = {"ss": Q, "st": R, "ts": R, "tt": 1}
    C = lambda names: [[cov[x + y] for y in names] for x in names]  # noqa: E731

    def i3(x, y, z):
        M = C(x + y + z)
        return I3(M[0][0], M[0][1], M[0][2], M[1][2], M[2][2])

    dR = eta * (i3("s", "t", "t") - i3("s", "t", "s"))
    dQ = (2 * eta * (i3("s", "s", "t") - i3("s", "s", "s"))
          + eta**2 * (I4(C("sstt")) - 2 * I4(C("ssst")) + I4(C("ssss"))))
    eg = (sp.asin(Q / (1 + Q)) + pi / 6 - 2 * sp.asin(R / sp.sqrt(2 * (1 + Q)))) / pi
    d = symstat.derive(symstat.get_rule("erf-sgd"))
    s = symstat.solve(d)
    pts = [{Q: sp.Rational(3, 2), R: sp.Rational(1, 2), eta: sp.Rational(7, 10)},
           {Q: sp.Rational(1, 3), R: -sp.Rational(1, 5), eta: 2}]
    checks = {
        "dR/dt (Saad & Solla I3)": all(abs(sp.N((d.odes[R] - dR).subs(p), 40)) < 1e-30 for p in pts),
        "dQ/dt (Saad & Solla I3, I4)": all(abs(sp.N((d.odes[Q] - dQ).subs(p), 40)) < 1e-30
                                           for p in pts),
        "eps_g": sp.simplify(d.generalization_error - eg) == 0,
        "fixed point R = Q = 1": s.fixed_points == ({R: 1, Q: 1},),
    }
    print(f"stability of R = Q = 1: {s.stability}")
    for k, v in checks.items():
        print(f"  {k:30} {'agrees' if v else 'DISAGREES'}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
