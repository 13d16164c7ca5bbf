"""Exact finite-N theory of the note's linear rule (K. Hara, Eqs. 4, 8, 10, 11; the
reference's "worth knowing": E[(t - y)^2 |x|^2] = (N + 2) E[(t - y)^2], eta_c = 2N/(N + 2))."""

import math

import numpy as np
import pytest
import sympy as sp

from symstat import NoClosedFormError, custom_rule, finite_n_curves, finite_n_theory, get_rule
from symstat._finite_n import N, m
from symstat.symbols import Q, Q0, R, R0, eta, lam, sigma


@pytest.fixture(scope="module")
def theory():
    return finite_n_theory(get_rule("linear-sgd"))


def test_recursion_is_the_exact_average_of_eq_8(theory):
    # Hara Eq. 4 / Eq. 8, averaged over Gaussian x exactly, by hand:
    # E R' = R + (eta/N)(1 - R);  E Q' = Q + 2(eta/N)(R - Q) + (eta/N)^2 (N + 2)(1 - 2R + Q)
    expected = {R: R + eta / N * (1 - R),
                Q: Q + 2 * eta / N * (R - Q) + eta**2 / N**2 * (N + 2) * (1 - 2 * R + Q)}
    for s, e in expected.items():
        assert sp.simplify(theory.recursion[s] - e) == 0


def test_noise_and_weight_decay_recursion():
    th = finite_n_theory(get_rule("linear-sgd", noise=True, weight_decay=True))
    a = 1 - eta * lam / N
    # w' = a w + (eta/N) (ht - hs + zeta) x, by hand: <F^2 |x|^2> = (N+2)(1-2R+Q) + N sigma^2
    expected = {R: a * R + eta / N * (1 - R),
                Q: a**2 * Q + 2 * a * eta / N * (R - Q)
                + eta**2 / N**2 * ((N + 2) * (1 - 2 * R + Q) + N * sigma**2)}
    for s, e in expected.items():
        assert sp.simplify(th.recursion[s] - e) == 0
    # the large-N limit of the critical rate: 2 (1 + lam), the weight-decay ODE's
    assert sp.simplify(sp.limit(th.eta_crit, N, sp.oo) - 2 * (1 + lam)) == 0


def test_critical_rate_is_2N_over_N_plus_2(theory):
    assert sp.simplify(theory.eta_crit - 2 * N / (N + 2)) == 0
    assert abs(float(theory.eta_crit.subs(N, 100)) - 1.9607843137) < 1e-9


def test_closed_form_solves_the_recursion(theory):
    # exact identity: s_{m+1} = A s_m + b and s_0 = (R0, Q0)
    s_m = sp.Matrix(theory.closed_form)
    s_next = s_m.subs(m, m + 1)
    resid = s_next - theory.matrix * s_m - theory.offset
    for r in resid:  # exact arithmetic at rational points
        for mm, nn, ee in ((0, 3, sp.Rational(1, 2)), (1, 50, sp.Rational(19, 10)),
                           (7, 100, 2), (12, 5, sp.Rational(7, 3))):
            assert r.subs({m: mm, N: nn, eta: ee, R0: sp.Rational(3, 10),
                           Q0: sp.Rational(7, 10)}) == 0
    assert [sp.simplify(v.subs(m, 0)) for v in theory.closed_form] == [R0, Q0]
    # eps_g is (1 - 2R + Q)/2 (Hara Eq. 5) of the mean state
    assert sp.simplify(theory.generalization_error
                       - (1 - 2 * s_m[0] + s_m[1]) / 2) == 0


def test_norm_identity_by_monte_carlo():
    # E[(t - y)^2 |x|^2] = (N + 2) E[(t - y)^2] for Gaussian x, N = 5: Monte Carlo, 6 s.e.
    rng = np.random.default_rng(1)
    n, dim = 400_000, 5
    wt, ws = rng.standard_normal(dim), rng.standard_normal(dim)
    x = rng.standard_normal((n, dim))
    d2 = (x @ (wt - ws)) ** 2
    sample = d2 * np.sum(x * x, axis=1)
    mean, se = sample.mean(), sample.std(ddof=1) / math.sqrt(n)
    exact = (dim + 2) * np.sum((wt - ws) ** 2)
    assert abs(mean - exact) < 6 * se


def test_large_N_limit_is_eqs_10_and_11(theory):
    # Hara Eqs. 10-11 with R0 = 0.2, Q0 = 0.5; the finite-N correction shrinks as 1/N
    t = np.array([0.5, 1.0, 3.0])
    gaps = []
    for n in (1000, 10000, 100000):
        out = finite_n_curves(theory, N=n, t=t, eta=[0.7, 1.5], initial={"R0": 0.2, "Q0": 0.5})
        e = np.array([0.7, 1.5])[:, None]
        R_ = 1 - (1 - 0.2) * np.exp(-e * t)
        Q_ = 1 - 2 * (1 - 0.2) * np.exp(-e * t) + (0.5 - 0.4 + 1) * np.exp(-e * (2 - e) * t)
        gaps.append(n * np.max(np.abs(np.r_[out["R"] - R_, out["Q"] - Q_])))
    assert gaps[2] < 1.1 * gaps[1] and gaps[1] < 1.1 * gaps[0] and gaps[2] > 0.5 * gaps[0]


def test_note_eta_2_at_N_100(theory):
    # eps_g(t=10) = (1/2) mu^1000, mu = 1 - 2 eta/N + eta^2 (N+2)/N^2 (the reference): ~1.11
    out = finite_n_curves(theory, N=100, t=[10.0], eta=[2.0], initial={"R0": 0, "Q0": 0})
    mu = 1 - 4 / 100 + 4 * 102 / 100**2
    assert out["eps_g"][0, 0] == pytest.approx(0.5 * mu**1000, rel=1e-12)
    assert 1.10 < out["eps_g"][0, 0] < 1.12


def test_nonlinear_rule_has_no_closed_recursion():
    with pytest.raises(NoClosedFormError, match="not closed"):
        finite_n_theory(custom_rule("ht - hs**3"))
