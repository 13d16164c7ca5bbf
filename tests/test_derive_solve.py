"""The note's equations, derived by symstat from the update rule alone, checked by number.

Reference: K. Hara, "Understanding machine learning with statistical mechanics" (restated in
shared/reference/hara.md), Eqs. 5, 7, 9, 10, 11 and its claims about eta = 1 and eta = 2.
Other rules are checked against hand derivations with Isserlis' theorem written out below.
"""

import numpy as np
import pytest
import sympy as sp

import symstat
from symstat import custom_rule, derive, get_rule, solve
from symstat.numerics import evaluate_closed_form, integrate
from symstat.symbols import Q, Q0, R, R0, T, eta, lam, sigma, t


def zero(expr):
    return sp.simplify(expr) == 0


@pytest.fixture(scope="module")
def hara():
    d = derive(get_rule("linear-sgd"))
    return d, solve(d)


def test_eq5_generalization_error(hara):
    d, _ = hara
    assert zero(d.generalization_error - (1 - 2 * R + Q) / 2)  # Hara Eq. 5


def test_eq7_dR(hara):
    d, _ = hara
    assert zero(d.odes[R] - eta * (1 - R))  # Hara Eq. 7


def test_eq9_dQ(hara):
    d, _ = hara
    assert zero(d.odes[Q] - (2 * eta * (R - Q) + eta**2 * (1 - 2 * R + Q)))  # Hara Eq. 9


def test_eq10_eq11_solution(hara):
    _, s = hara
    assert zero(s.solution[R] - (1 - (1 - R0) * sp.exp(-eta * t)))  # Hara Eq. 10
    eq11 = 1 - 2 * (1 - R0) * sp.exp(-eta * t) + (Q0 - 2 * R0 + 1) * sp.exp(-eta * (2 - eta) * t)
    assert zero(s.solution[Q] - eq11)  # Hara Eq. 11


def test_fixed_point_and_rates(hara):
    _, s = hara
    assert s.fixed_points == ({R: 1, Q: 1},)  # Hara: R = 1, Q = 1, eps_g = 0
    assert s.eta_opt == 1  # exponent -eta(2 - eta) stationary at eta = 1
    assert s.eta_crit == 2  # second exponential stops decaying at eta = 2
    assert {sp.factor(e) for e in s.eigenvalues} == {-eta, sp.factor(-eta * (2 - eta))}


def test_eta2_keeps_eps_g_constant(hara):
    # hara.md, "Worth knowing": at eta = 2 the large-N theory gives eps_g(t) = eps_g(0).
    _, s = hara
    assert zero(s.generalization_error.subs(eta, 2) - (1 - 2 * R0 + Q0) / 2)


def test_general_T_is_one_option_away():
    d = derive(get_rule("linear-sgd", normalized_teacher=False))
    assert zero(d.odes[R] - eta * (T - R))
    assert zero(d.odes[Q] - (2 * eta * (R - Q) + eta**2 * (T - 2 * R + Q)))
    assert zero(d.generalization_error - (T - 2 * R + Q) / 2)
    s = solve(d)
    assert s.fixed_points[0] == {R: T, Q: T}
    assert (s.eta_opt, s.eta_crit) == (1, 2)


def test_noise_hand_derivation():
    # F = ht + zeta - hs, zeta ~ N(0, sigma^2) independent: <F^2> = 1 - 2R + Q + sigma^2.
    d = derive(get_rule("linear-sgd", noise=True))
    assert zero(d.odes[R] - eta * (1 - R))
    assert zero(d.odes[Q] - (2 * eta * (R - Q) + eta**2 * (1 - 2 * R + Q + sigma**2)))
    s = solve(d)
    # Residual error eps_g* = eta sigma^2 / (2 (2 - eta)) (fixed point Q* = 1 + eta sigma^2/(2-eta)).
    assert zero(s.fixed_points[0][Q] - (1 + eta * sigma**2 / (2 - eta)))
    eg_star = d.generalization_error.subs(s.fixed_points[0])
    assert zero(eg_star - eta * sigma**2 / (2 * (2 - eta)))


def test_weight_decay_hand_derivation():
    # w <- w + eta/N ((t - y) x - lam w): extra -eta lam R and -2 eta lam Q.
    d = derive(get_rule("linear-sgd", weight_decay=True))
    assert zero(d.odes[R] - (eta * (1 - R) - eta * lam * R))
    assert zero(d.odes[Q] - (2 * eta * (R - Q) + eta**2 * (1 - 2 * R + Q) - 2 * eta * lam * Q))
    s = solve(d)
    assert zero(s.fixed_points[0][R] - 1 / (1 + lam))
    # Rates eta(1+lam) and eta(2+2lam-eta) both reach eps_g; the slower is fastest at 1+lam.
    assert zero(s.eta_opt - (1 + lam)) and zero(s.eta_crit - 2 * (1 + lam))


def test_cubic_rule_hand_derivation():
    # F = ht - hs^3: <hs^3 ht> = 3QR, <hs^4> = 3Q^2, <hs^6> = 15Q^3 (Isserlis).
    d = derive(custom_rule("ht - hs**3"))
    assert zero(d.odes[R] - eta * (1 - 3 * Q * R))
    assert zero(d.odes[Q] - (2 * eta * (R - 3 * Q**2) + eta**2 * (1 - 6 * Q * R + 15 * Q**3)))
    s = solve(d)
    assert s.closed_form is None and s.notes  # not linear: says so, numerics carry on
    traj = integrate(d, initial={"R": 0, "Q": 0}, t_eval=np.linspace(0, 5, 6),
                     parameters={"eta": 0.1})
    assert np.all(np.isfinite(traj.eps_g))


def test_committee_machine_linear_K2_M1():
    # Soft committee machine with linear units, K = 2, M = 1, normalized teacher:
    # F_i = ht - hs_1 - hs_2, so dR_i/dt = eta (1 - R_11 - R_21),
    # dQ_ik/dt = eta (R_i + R_k - Q_i1 - Q_i2 - Q_k1 - Q_k2) + eta^2 (1 - 2 R_1 - 2 R_2 + Q_11 + 2 Q_12 + Q_22).
    lin = symstat.get_activation("linear")
    model = symstat.TeacherStudent(lin, lin, K=2, M=1)
    d = derive(symstat.sgd_rule("scm", model))
    R1, R2 = sp.Symbol("R_11", real=True), sp.Symbol("R_21", real=True)
    Q11, Q12, Q22 = (sp.Symbol("Q_11", nonnegative=True), sp.Symbol("Q_12", real=True),
                     sp.Symbol("Q_22", nonnegative=True))
    assert [s.name for s in d.state] == ["R_11", "R_21", "Q_11", "Q_12", "Q_22"]
    Qm = {(1, 1): Q11, (1, 2): Q12, (2, 1): Q12, (2, 2): Q22}
    Rv = {1: R1, 2: R2}
    eg2 = 1 - 2 * R1 - 2 * R2 + Q11 + 2 * Q12 + Q22
    for i in (1, 2):
        assert zero(d.odes[Rv[i]] - eta * (1 - R1 - R2))
        for k in (i, 2):
            if k < i:
                continue
            expected = eta * (Rv[i] + Rv[k] - Qm[i, 1] - Qm[i, 2] - Qm[k, 1] - Qm[k, 2]) + eta**2 * eg2
            assert zero(d.odes[Qm[i, k]] - expected)
    assert zero(d.generalization_error - eg2 / 2)


@pytest.mark.parametrize("options", [{}, {"noise": True}, {"weight_decay": True}])
def test_closed_form_matches_numerical_integration(options):
    d = derive(get_rule("linear-sgd", **options))
    s = solve(d)
    params = {"eta": 0.7}
    if options.get("noise"):
        params["sigma"] = 0.3
    if options.get("weight_decay"):
        params["lam"] = 0.05
    t_eval = np.linspace(0, 8, 17)
    closed = evaluate_closed_form(s, t=t_eval, initial={"R0": 0.2, "Q0": 0.5}, parameters=params)
    traj = integrate(d, initial={"R": 0.2, "Q": 0.5}, t_eval=t_eval, parameters=params)
    np.testing.assert_allclose(closed["R"], traj.state["R"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(closed["Q"], traj.state["Q"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(closed["eps_g"], traj.eps_g, rtol=1e-7, atol=1e-9)


def test_results_are_immutable(hara):
    d, s = hara
    import dataclasses
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.rhs = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.eta_opt = 3


def test_trace_is_recorded_only_on_request():
    assert derive(get_rule("linear-sgd")).averages == ()
    traced = derive(get_rule("linear-sgd"), trace=True)
    labels = [a.label for a in traced.averages]
    assert "eps_g" in labels and all(a.steps for a in traced.averages)
    for a in traced.averages:  # each recorded value is the average of its integrand
        g = symstat.GaussianFields(traced.rule.model.fields, traced.rule.model.covariance)
        assert sp.expand(g.average(a.integrand) - a.value) == 0


def test_hebbian_closed_form_and_law():
    # Hebb rule, sign teacher: <t ht> = <|ht|> = sqrt(2/pi), <t hs> = sqrt(2/pi) R, t^2 = 1
    # (Engel & Van den Broeck, Statistical Mechanics of Learning, ch. 9), a singular linear
    # system: R = R0 + eta c t, Q = Q0 + 2 eta c (R0 t + eta c t^2/2) + eta^2 t, c = sqrt(2/pi);
    # eps_g = arccos(R/sqrt(Q))/pi ~ 1/sqrt(2 pi t) for large t.
    s = solve(derive(get_rule("hebbian")))
    c = sp.sqrt(2 / sp.pi)
    assert zero(s.solution[R] - (R0 + eta * c * t))
    assert zero(s.solution[Q] - (Q0 + 2 * eta * c * (R0 * t + eta * c * t**2 / 2) + eta**2 * t))
    eg = s.generalization_error.subs({R0: 0, Q0: 0, eta: 1})
    assert zero(sp.limit(eg * sp.sqrt(t), t, sp.oo) - 1 / sp.sqrt(2 * sp.pi))
    assert s.fixed_points == () and s.eta_opt is None


def test_large_linear_committee_integrates_like_the_note_at_K_eta():
    # A linear soft committee machine, K = 3, M = 1: the sum u = w_1 + w_2 + w_3 obeys the
    # note's Eq. 4 with learning rate K eta, so eps_g(t) = eps_g(0) exp(-K eta (2 - K eta) t)
    # (Hara, Eqs. 5, 10, 11 with eta -> K eta). Nine order parameters: no symbolic closed
    # form is attempted, the ODEs are integrated.
    lin = symstat.get_activation("linear")
    d = derive(symstat.sgd_rule("scm3", symstat.TeacherStudent(lin, lin, K=3, M=1)))
    s = solve(d)
    assert s.closed_form is None and any("integrate" in n for n in s.notes)
    t_eval = np.linspace(0, 4, 9)
    traj = integrate(d, initial={x.name: 0.0 for x in d.state}, t_eval=t_eval,
                     parameters={"eta": 0.2})
    K, e = 3, 0.2
    np.testing.assert_allclose(traj.eps_g, 0.5 * np.exp(-K * e * (2 - K * e) * t_eval),
                               rtol=1e-7)


def test_adatron_perfect_student_is_a_fixed_point():
    # With w_s parallel to w_t the AdaTron never errs, so F = -hs Theta(-t hs) = 0 and
    # R = Q = T = 1 is fixed; its ODEs are 0/0 there (sqrt(Q - R^2) in a denominator).
    s = solve(derive(get_rule("adatron")))
    assert s.fixed_points == ({R: 1, Q: 1},)
