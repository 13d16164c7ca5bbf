"""The microscopic and reduced simulators against independent references: the exact
finite-N mean theory (symstat._finite_n, checked in test_finite_n.py against K. Hara's
Eqs. 4, 8 averaged by hand), each other in distribution, and exact identities.
Tolerances are stated in standard errors (z-scores); seeds are fixed."""

import ast
import inspect
import math
import warnings

import numpy as np
import pytest

from symstat import (NumericRule, SpecificationError, compare, custom_rule, finite_n_curves,
                     finite_n_theory, get_rule, simulate)
import symstat._simulate as simmod

ETAS = [0.2, 1.0, 1.9, 2.0]
TOL = 4.0  # standard errors


@pytest.fixture(scope="module")
def sgd():
    return NumericRule.from_rule(get_rule("linear-sgd"))


@pytest.fixture(scope="module")
def theory():
    return finite_n_theory(get_rule("linear-sgd"))


def _check_finite_n(sim, theory, N):
    fin = finite_n_curves(theory, N=N, t=sim.t, eta=sim.eta, initial={"R0": 0, "Q0": 0})
    c = compare(sim, fin["eps_g"], tolerance=TOL, label=f"finite-N theory N={N}")
    assert c.ok, c.verdict()
    return c


def test_note_setup_N100_agrees_with_exact_finite_N_theory(sgd, theory):
    sim = simulate(sgd, N=100, eta=ETAS, t=np.arange(11.0), trials=300, seed=11)
    _check_finite_n(sim, theory, 100)
    # eta = 2.0: eps_g(10) ~ 1.11 (finite N), not the N -> infinity 0.5
    m, se = sim.mean()[3, -1], sim.stderr()[3, -1]
    assert abs(m - 1.112) < TOL * se
    assert m - 0.5 > 10 * se


@pytest.mark.slow
def test_note_setup_N1000_microscopic(sgd, theory):
    sim = simulate(sgd, N=1000, eta=ETAS, t=np.arange(11.0), trials=40, seed=12)
    _check_finite_n(sim, theory, 1000)


def test_note_setup_N1000_reduced(sgd, theory):
    sim = simulate(sgd, N=1000, eta=ETAS, t=np.arange(11.0), trials=400, seed=13,
                   method="reduced")
    _check_finite_n(sim, theory, 1000)


def _z_moments(a, b):
    """z-scores of the difference of means and of variances of two independent samples."""
    def var_se(x):
        v = x.var(ddof=1)
        m4 = np.mean((x - x.mean()) ** 4)
        return v, math.sqrt(max(m4 - v * v, 1e-300) / x.size)
    zm = (a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    va, sa = var_se(a)
    vb, sb = var_se(b)
    return zm, (va - vb) / math.hypot(sa, sb)


@pytest.mark.parametrize("rule, eta", [(get_rule("linear-sgd"), 1.5),
                                       (custom_rule("ht - hs + 0.1*hs**2"), 0.8)])
def test_reduced_agrees_with_microscopic_in_distribution(rule, eta):
    nr = NumericRule.from_rule(rule)
    kw = dict(N=40, eta=eta, t=[0.5, 1.0, 2.0, 3.0], trials=1500, R0=0.1, Q0=0.3)
    micro = simulate(nr, seed=1, **kw)
    red = simulate(nr, seed=2, method="reduced", **kw)
    for name in ("R", "Q"):
        for k in range(4):
            zm, zv = _z_moments(micro.state[name][:, 0, k], red.state[name][:, 0, k])
            assert abs(zm) < TOL and abs(zv) < TOL, (name, k, zm, zv)


@pytest.mark.parametrize("method", ["microscopic", "reduced"])
def test_same_seed_same_numbers_whatever_the_chunking(method):
    nr = NumericRule.from_rule(get_rule("linear-sgd", noise=True))
    kw = dict(N=30, eta=[0.5, 1.5], t=[0, 0.5, 2.0], trials=9, seed=5, sigma=0.3, method=method,
              test_samples=16)
    runs = [simulate(nr, chunk_size=c, **kw) for c in (None, 1, 4)]
    for r in runs[1:]:
        for name in ("R", "Q"):
            assert np.array_equal(r.state[name], runs[0].state[name])
        assert np.array_equal(r.test_error, runs[0].test_error)
    # and a learning rate's numbers do not depend on the others run with it
    alone = simulate(nr, **dict(kw, eta=[1.5]))
    assert np.allclose(alone.state["Q"][:, 0], runs[0].state["Q"][:, 1], rtol=1e-9, atol=0)


@pytest.mark.parametrize("method", ["microscopic", "reduced"])
def test_divergence_is_a_result(sgd, method):
    kw = dict(N=20, t=[0, 1, 2, 10], trials=6, seed=3, method=method)
    with pytest.warns(RuntimeWarning, match=r"eta = 60: 6 of 6 trials diverged"):
        sim = simulate(sgd, eta=[1.0, 60.0], **kw)
    assert list(sim.diverged) == [0, 6]
    assert np.all(np.isinf(sim.eps_g[:, 1, -1])) and np.all(np.isnan(sim.state["R"][:, 1, -1]))
    assert np.all(np.isfinite(sim.eps_g[:, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alone = simulate(sgd, eta=[1.0], **kw)
    assert np.allclose(alone.state["Q"][:, 0], sim.state["Q"][:, 0], rtol=1e-9, atol=0)


@pytest.mark.parametrize("method", ["microscopic", "reduced"])
def test_start_is_placed_exactly(sgd, method):
    sim = simulate(sgd, N=25, eta=1.0, t=[0, 1], trials=5, seed=0, R0=0.4, Q0=0.9, method=method)
    assert np.allclose(sim.state["R"][:, 0, 0], 0.4, atol=1e-12)
    assert np.allclose(sim.state["Q"][:, 0, 0], 0.9, atol=1e-12)
    with pytest.raises(SpecificationError, match="impossible"):
        simulate(sgd, N=25, eta=1.0, t=[0, 1], trials=1, seed=0, R0=0.9, Q0=0.5, method=method)


def test_test_error_estimates_eps_g(sgd):
    # held-out Monte Carlo of <(y - t)^2 / 2> equals eps_g(R, Q) (Hara Eq. 5) per trial
    sim = simulate(sgd, N=50, eta=1.0, t=[0.5, 1.0], trials=20, seed=4, test_samples=4000)
    diff = sim.test_error - sim.eps_g
    z = diff.mean() / (diff.std(ddof=1) / math.sqrt(diff.size))
    assert abs(z) < TOL


def test_raw_teacher(sgd):
    with pytest.raises(SpecificationError, match="general T"):
        simulate(sgd, N=10, eta=1.0, t=[0, 1], trials=1, seed=0, teacher="raw")
    nr = NumericRule.from_rule(get_rule("linear-sgd", normalized_teacher=False))
    sim = simulate(nr, N=50, eta=1.0, t=[0, 3], trials=400, seed=0, teacher="raw",
                   method="reduced")
    # E R_m = T (1 - (1 - eta/N)^m) (Hara Eq. 6 averaged at finite N), E T = E chi^2_N / N = 1
    r = sim.state["R"][:, 0, -1]
    assert abs(r.mean() - (1 - (1 - 1 / 50) ** 150)) < TOL * r.std(ddof=1) / math.sqrt(r.size)
    assert abs(sim.parameters["sigma"]) == 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(N=0), "N must be a positive integer"), (dict(trials=0), "trials"),
    (dict(eta=-1.0), "eta must be positive"), (dict(t=[1, 0]), "t must be increasing"),
    (dict(method="magic"), "method"), (dict(sigma=0.1), "sigma"), (dict(seed=-1), "seed"),
    (dict(t=[0, 0.001]), "finer than one step")])
def test_bad_arguments_are_named(sgd, kwargs, match):
    base = dict(N=10, eta=1.0, t=[0, 1], trials=2, seed=0)
    with pytest.raises(SpecificationError, match=match):
        simulate(sgd, **{**base, **kwargs})


def test_simulator_module_imports_no_sympy():
    tree = ast.parse(inspect.getsource(simmod))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top for a in n.names] + [n.module or "" for n in top
                                                     if isinstance(n, ast.ImportFrom)]
    assert not any("sympy" in x or x in ("numerics", "_derive") for x in names)
