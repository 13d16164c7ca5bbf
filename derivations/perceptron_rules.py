"""Hebb, perceptron and AdaTron rules for a sign teacher: ODEs and asymptotic laws.

Literature: A. Engel and C. Van den Broeck, *Statistical Mechanics of Learning* (2001),
ch. 9 (on-line learning of a perceptron): the order-parameter ODEs of the Hebb,
perceptron and AdaTron rules (learning from the teacher's sign t = sign(ht), eps_g =
arccos(R/sqrt(Q))/pi) and their learning curves, eps_g ~ 1/sqrt(2 pi alpha) (Hebb),
~ alpha^(-1/3) (perceptron), ~ alpha^(-1) (AdaTron, 3/(eta (3 - eta)) alpha^-1).

Command: python derivations/perceptron_rules.py        Run time: about 30 s.
"""

import sympy as sp

import symstat
from symstat._asymptotics import asymptotics
from symstat._symbols import Q, R, eta

rho = R / sp.sqrt(Q)
th = sp.acos(rho)
pi = sp.pi
EXPECTED = {  # hand derivations following Engel & Van den Broeck ch. 9 (T = 1)
    "hebbian": (eta * sp.sqrt(2 / pi), 2 * eta * R * sp.sqrt(2 / pi) + eta**2,
                -sp.Rational(1, 2), 1 / sp.sqrt(2 * pi)),
    "perceptron": (eta * (1 - rho) / sp.sqrt(2 * pi),
                   -2 * eta * (sp.sqrt(Q) - R) / sp.sqrt(2 * pi) + eta**2 * th / pi,
                   -sp.Rational(1, 3), sp.cbrt(sp.Rational(2, 3)) / pi),
    "adatron": (eta * sp.sqrt(Q) * (sp.sin(th) - th * sp.cos(th)) / pi,
                (eta**2 - 2 * eta) * Q * (th - sp.sin(th) * sp.cos(th)) / pi,
                -sp.Integer(1), sp.Rational(4, 3)),
}


def close(a, b):
    pts = [{Q: sp.Rational(3, 2), R: sp.Rational(1, 2), eta: sp.Rational(7, 10)},
           {Q: sp.Rational(1, 3), R: -sp.Rational(1, 5), eta: 2}]
    return all(abs(sp.N((a - b).subs(p), 40)) < 1e-30 for p in pts)


def main():
    ok = True
    for name, (dR, dQ, exponent, prefactor) in EXPECTED.items():
        d = symstat.derive(symstat.get_rule(name))
        a = asymptotics(d, parameters={"eta": 1.5}, initial={"R": 0, "Q": 1})
        checks = {"dR/dt": close(d.odes[R], dR), "dQ/dt": close(d.odes[Q], dQ),
                  "eps_g": close(d.generalization_error, th / pi),
                  "exponent": a.exact is not None and a.exact[0] == exponent,
                  "prefactor (eta = 3/2)": a.exact is not None
                  and sp.simplify(a.exact[1] - prefactor) == 0}
        ok &= all(checks.values())
        print(f"{name}: eps_g ~ {a.exact[1] if a.exact else a.prefactor} t^({a.exponent}) "
              f"[{a.method}; fitted {a.fitted_prefactor:.4f} t^({a.fitted_exponent:.4f})]")
        for k, v in checks.items():
            print(f"  {k:24} {'agrees' if v else 'DISAGREES'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
