"""The shared battery: every registered rule is derived and checked against Monte Carlo.

A new rule is tested by being added to ``symstat.RULES``. For each rule, the derived
right-hand sides ``eta <F ht>``, ``2 eta <F hs> + eta^2 <F^2>`` and ``eps_g = <error>`` are
compared with Monte Carlo averages of the rule's own numeric ``F`` and error over Gaussian
fields with the covariance ``[[Q, R], [R, T]]`` (within 5 standard errors), and the perfect
student (R = Q = T = 1) must have ``eps_g = 0``.
"""

import numpy as np
import pytest
import sympy as sp

import symstat
from symstat import derive
from symstat.numerics import error_function, generalization_error_function, ode_function, update_function

RULE_NAMES = sorted(symstat.RULES)
POINT = {"R": 0.45, "Q": 0.8}  # a valid overlap: R^2 < Q T


def _params(d, eta=0.4):
    values = {"eta": eta, "sigma": 0.3, "lam": 0.0, "T": 1.0}
    return {p.name: values[p.name] for p in d.parameters}


@pytest.fixture(scope="module", params=RULE_NAMES)
def derivation(request):
    return derive(symstat.RULES[request.param])


def _only_single_unit(d):
    if d.rule.model.K != 1 or d.rule.model.M != 1:
        pytest.skip("Monte Carlo battery covers K = M = 1 rules")


def test_derives_with_consistent_shapes(derivation):
    d = derivation
    assert len(d.state) == len(d.rhs) == len(d.rule.model.state)
    assert d.parameters[0] == symstat.symbols.eta
    assert all(s in d.rule.model.state for s in d.state)


def test_perfect_student_has_zero_error(derivation):
    d = derivation
    _only_single_unit(d)
    eg = generalization_error_function(d)
    values = dict(_params(d))
    assert abs(float(eg(1.0, 1.0, *values.values()))) < 1e-9


@pytest.mark.parametrize("noise", [False, True])
def test_odes_and_error_match_monte_carlo(derivation, noise):
    rule = derivation.rule
    if noise:
        if not any(symstat.symbols.zeta in F.free_symbols for F in rule.update):
            pytest.skip(f"rule {rule.name!r} has no noise term")
        rule = rule.with_options(noise=True)
    d = derive(rule) if noise else derivation
    _only_single_unit(d)
    params = _params(d)
    eta, sigma = params["eta"], params.get("sigma", 0.0)
    rng = np.random.default_rng(12345)
    n = 1_000_000
    R, Q, T = POINT["R"], POINT["Q"], 1.0
    L = np.linalg.cholesky(np.array([[Q, R], [R, T]]))
    hs, ht = L @ rng.standard_normal((2, n))
    zeta = sigma * rng.standard_normal(n) if noise else np.zeros(n)
    F = np.asarray(update_function(rule)(hs, ht, zeta), dtype=float)
    samples = {"R": eta * F * ht, "Q": 2 * eta * F * hs + eta**2 * F**2}
    rhs = ode_function(d, params)(0.0, [POINT[s.name] for s in d.state])
    for name, value in zip([s.name for s in d.state], rhs):
        x = samples[name]
        se = x.std() / np.sqrt(n)
        assert abs(x.mean() - value) <= 5 * se + 1e-9, (name, x.mean(), value, se)
    e = np.asarray(error_function(rule)(hs, ht), dtype=float) * np.ones(n)
    eg = generalization_error_function(d)(POINT["R"], POINT["Q"], *params.values())
    assert abs(e.mean() - float(eg)) <= 5 * e.std() / np.sqrt(n) + 1e-9


def test_json_expressions_read_back_with_sympify(derivation):
    # Every expression string of `symstat derive --format json` is read back by sympify with
    # the documented names; numeric averages appear as calls E_numK(...) listed in
    # "numeric_averages". Read back, each equals the derived expression.
    from sympy.core.function import AppliedUndef

    from symstat._closed_forms import numeric_averages
    from symstat._export import derivation_to_dict

    data = derivation_to_dict(derivation)
    names = {n: sp.Symbol(n) for n in "R Q T eta t R0 Q0 sigma lam".split()}
    names.update({s.name: sp.Symbol(s.name) for s in derivation.state})
    classes = {type(a).short_name: type(a)
               for a in numeric_averages(list(derivation.rhs) + [derivation.generalization_error])}
    assert set(data.get("numeric_averages", {})) == set(classes)

    def read(text):
        expr = sp.sympify(text, locals=names)
        return expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in classes,
                            lambda e: classes[e.func.__name__](*e.args))

    def plain(expr):
        return expr.xreplace({s: sp.Symbol(s.name) for s in expr.free_symbols})

    pairs = [(data["odes"][s.name], r) for s, r in derivation.odes.items()]
    pairs.append((data["generalization_error"], derivation.generalization_error))
    for text, derived in pairs:
        assert sp.simplify(read(text) - plain(derived)) == 0
