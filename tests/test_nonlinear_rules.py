"""The classic on-line rules: derived ODEs vs hand derivations and the literature; asymptotics.

Hand derivations (sign teacher t = sign(ht), student sign(hs), T = 1, rho = R/sqrt(Q),
theta = arccos rho; Engel & Van den Broeck, Statistical Mechanics of Learning, ch. 9):
  Hebb:       <F ht> = sqrt(2/pi), <F hs> = sqrt(2/pi) R, <F^2> = 1.
  perceptron: <F ht> = (1 - rho)/sqrt(2 pi), <F hs> = -(sqrt Q - R)/sqrt(2 pi), <F^2> = theta/pi.
  AdaTron:    <F ht> = sqrt(Q) (sin th - th cos th)/pi, <F hs> = -<F^2> = -Q (th - sin th cos th)/pi.
erf SGD: Saad & Solla, Phys. Rev. E 52, 4225 (1995), Eqs. (9)-(13) with their I3, I4.
"""

import random

import numpy as np
import pytest
import sympy as sp

import symstat
from symstat._asymptotics import (asymptotics, derived_power_laws, integrate_schedule,
                                  optimal_learning_rate)
from symstat._closed_forms import numeric_averages
from symstat._symbols import Q, R, eta

pi = sp.pi


def equal(a, b, points=4):
    """Exact identity: simplify to 0, else agree to 30 digits at random rational points."""
    d = sp.sympify(a - b)
    if sp.simplify(d) == 0:
        return True
    rng = random.Random(3)
    for _ in range(points):
        q = sp.Rational(rng.randint(20, 300), 100)
        r = sp.Rational(rng.randint(-95, 95), 100) * sp.sqrt(q)
        val = d.subs({Q: q, R: r, eta: sp.Rational(rng.randint(1, 300), 100)})
        if abs(sp.N(val, 40)) > 1e-28:
            return False
    return True


def odes(name):
    return symstat.derive(symstat.get_rule(name)).odes


def test_hebbian_odes():
    o = odes("hebbian")
    assert equal(o[R], eta * sp.sqrt(2 / pi))
    assert equal(o[Q], 2 * eta * R * sp.sqrt(2 / pi) + eta**2)


def test_perceptron_odes():
    o = odes("perceptron")
    rho = R / sp.sqrt(Q)
    assert equal(o[R], eta * (1 - rho) / sp.sqrt(2 * pi))
    assert equal(o[Q], -2 * eta * (sp.sqrt(Q) - R) / sp.sqrt(2 * pi) + eta**2 * sp.acos(rho) / pi)


def test_adatron_odes():
    o = odes("adatron")
    th = sp.acos(R / sp.sqrt(Q))
    fh = sp.sqrt(Q) * (sp.sin(th) - th * sp.cos(th)) / pi
    f2 = Q * (th - sp.sin(th) * sp.cos(th)) / pi
    assert equal(o[R], eta * fh)
    assert equal(o[Q], -2 * eta * f2 + eta**2 * f2)


def test_sign_rules_generalization_error():
    for name in ("hebbian", "perceptron", "adatron"):
        eg = symstat.derive(symstat.get_rule(name)).generalization_error
        assert equal(eg, sp.acos(R / sp.sqrt(Q)) / pi)


def _I3(C11, C12, C13, C23, C33):
    lam3 = (1 + C11) * (1 + C33) - C13**2
    return 2 / pi / sp.sqrt(lam3) * (C23 * (1 + C11) - C12 * C13) / (1 + C11)


def _I4(C):
    """Saad & Solla (1995) Appendix: E[g'(a) g'(b) g(c) g(d)] for C = 4x4 covariance."""
    L4 = (1 + C[0][0]) * (1 + C[1][1]) - C[0][1] ** 2
    l0 = (L4 * C[2][3] - C[1][2] * C[1][3] * (1 + C[0][0]) - C[0][2] * C[0][3] * (1 + C[1][1])
          + C[0][1] * C[0][2] * C[1][3] + C[0][1] * C[0][3] * C[1][2])
    l1 = (L4 * (1 + C[2][2]) - C[1][2] ** 2 * (1 + C[0][0]) - C[0][2] ** 2 * (1 + C[1][1])
          + 2 * C[0][1] * C[0][2] * C[1][2])
    l2 = (L4 * (1 + C[3][3]) - C[1][3] ** 2 * (1 + C[0][0]) - C[0][3] ** 2 * (1 + C[1][1])
          + 2 * C[0][1] * C[0][3] * C[1][3])
    return 4 / pi**2 / sp.sqrt(L4) * sp.asin(l0 / sp.sqrt(l1 * l2))


def test_erf_sgd_matches_saad_solla():
    d = symstat.derive(symstat.get_rule("erf-sgd"))
    cov = {("s", "s"): Q, ("s", "t"): R, ("t", "s"): R, ("t", "t"): sp.Integer(1)}

    def C(names):
        return [[cov[(x, y)] for y in names] for x in names]

    def I3(x, y, z):  # E[g'(x) y g(z)]
        M = C([x, y, z])
        return _I3(M[0][0], M[0][1], M[0][2], M[1][2], M[2][2])

    dR = eta * (I3("s", "t", "t") - I3("s", "t", "s"))
    dQ = (2 * eta * (I3("s", "s", "t") - I3("s", "s", "s"))
          + eta**2 * (_I4(C(["s", "s", "t", "t"])) - 2 * _I4(C(["s", "s", "s", "t"]))
                      + _I4(C(["s", "s", "s", "s"]))))
    assert equal(d.odes[R], dR)
    assert equal(d.odes[Q], dQ)
    eg = (sp.asin(Q / (1 + Q)) + sp.asin(sp.Rational(1, 2))
          - 2 * sp.asin(R / sp.sqrt(2 * (1 + Q)))) / pi
    assert equal(d.generalization_error, eg)


def test_erf_sgd_fixed_point_and_stability_vs_jacobian():
    s = symstat.solve(symstat.derive(symstat.get_rule("erf-sgd")))
    assert s.fixed_points == ({R: 1, Q: 1},)
    # independent: numeric Jacobian of the ODEs by central differences at R = Q = 1
    f = symstat.numerics.ode_function(s.derivation, {"eta": 1.0})
    h = 1e-6
    J = np.column_stack([(f(0, np.array([1, 1.0]) + h * e) - f(0, np.array([1, 1.0]) - h * e))
                         / (2 * h) for e in np.eye(2)])
    lam = sorted(np.linalg.eigvals(J).real)
    ours = sorted(complex(sp.N(e.subs(eta, 1))).real for e in s.eigenvalues)
    assert np.allclose(lam, ours, atol=1e-6)
    assert bool(s.stability.subs(eta, 1)) and not bool(s.stability.subs(eta, 5))


@pytest.mark.slow
@pytest.mark.parametrize("name,exponent,prefactor", [
    ("hebbian", sp.Rational(-1, 2), 1 / sp.sqrt(2 * pi)),          # E&VdB: eps ~ 1/sqrt(2 pi alpha)
    ("perceptron", sp.Rational(-1, 3), sp.cbrt(sp.Rational(2, 3)) / pi),  # hand derivation
    ("adatron", sp.Integer(-1), sp.Rational(4, 3)),                # 3/(eta (3 - eta)) at eta = 3/2
])
def test_asymptotic_laws(name, exponent, prefactor):
    d = symstat.derive(symstat.get_rule(name))
    a = asymptotics(d, parameters={"eta": 1.5}, initial={"R": 0, "Q": 1})
    assert a.method == "derived" and a.law == "power"
    assert sp.simplify(a.exact[0] - exponent) == 0
    assert sp.simplify(a.exact[1] - prefactor) == 0
    # the integration agrees: fitted exponent within 0.01, prefactor within 2 %
    assert abs(a.fitted_exponent - float(exponent)) < 0.01
    assert abs(a.fitted_prefactor / float(prefactor) - 1) < 0.02


@pytest.mark.slow
def test_adatron_prefactor_symbolic_in_eta():
    laws = derived_power_laws(symstat.derive(symstat.get_rule("adatron")))
    assert any(sp.simplify(p - 3 / (eta * (3 - eta))).subs(eta, sp.Rational(3, 2)) == 0
               and e == -1 for e, p, _, _ in laws)


def test_optimal_learning_rate_and_schedule():
    d = symstat.derive(symstat.get_rule("linear-sgd"))
    assert optimal_learning_rate(d) == 1  # Hara's note: fastest decay at eta = 1
    t = np.linspace(0, 3, 7)
    a = integrate_schedule(d, sp.Integer(1), initial={"R": 0, "Q": 0}, t_eval=t, parameters={})
    b = integrate_schedule(d, lambda s: 1.0, initial={"R": 0, "Q": 0}, t_eval=t, parameters={})
    # Hara Eqs. (5), (10), (11) at eta = 1, R0 = Q0 = 0: eps_g = exp(-t)/2
    assert np.allclose(a.eps_g, np.exp(-t) / 2, atol=1e-8)
    assert np.allclose(b.eps_g, a.eps_g, atol=1e-10)


def test_tanh_derives_and_integrates_with_numeric_terms_flagged():
    tanh = symstat.get_activation("tanh")
    rule = symstat.sgd_rule("tanh-sgd", symstat.TeacherStudent(tanh, tanh))
    d = symstat.derive(rule, trace=True)
    assert numeric_averages(list(d.rhs))
    assert any(s.kind == "numeric" for av in d.averages for s in av.steps)
    s = symstat.solve(d)
    assert any("numerically" in n for n in s.notes)
    tr = symstat.numerics.integrate(d, initial={"R": 0, "Q": 1}, t_eval=[0, 1, 5],
                                    parameters={"eta": 1.0})
    assert np.all(np.isfinite(tr.eps_g)) and tr.eps_g[-1] < tr.eps_g[0]
