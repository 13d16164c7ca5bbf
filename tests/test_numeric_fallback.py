"""The numeric fallback says when it cannot be trusted (honest where it is numeric)."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from symstat import GaussianFields
from symstat._cubature import CubatureWarning, numeric_function
from symstat._closed_forms import numeric_averages

u, v = sp.symbols("u v", real=True)


def _numeric(expr, cov):
    gauss = GaussianFields((u, v), sp.ImmutableMatrix(cov))
    value = gauss.average(expr)
    (avg,) = numeric_averages(value)
    return numeric_function(type(avg))(*[float(a) for a in avg.args]), value


def test_smooth_integrand_is_accurate_and_silent(recwarn):
    # Reference: adaptive 1-d quadrature of E[tanh(u)^4] (independent of the cubature).
    got, _ = _numeric(sp.tanh(u) ** 4 * sp.exp(0 * v), [[1, 0], [0, 1]])
    ref, _ = integrate.quad(lambda x: np.tanh(x) ** 4 * np.exp(-x * x / 2) / np.sqrt(2 * np.pi),
                            -np.inf, np.inf, epsabs=1e-13)
    assert got == pytest.approx(ref, abs=1e-9)
    assert not [w for w in recwarn if issubclass(w.category, CubatureWarning)]


def test_singular_integrand_is_flagged():
    # log(u^2) is integrable but singular at 0: Gauss-Hermite converges slowly; it must say so.
    with pytest.warns(CubatureWarning, match="has not converged"):
        _numeric(sp.log(u**2) * sp.tanh(v) ** 2, [[1, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])


def test_stein_before_cubature_keeps_exact_overlap_dependence():
    # Stein's lemma: E[hs tanh(ht)] = R E[1 - tanh(ht)^2]: linear in R, free of Q, and only a
    # function of T goes to the cubature. Checked against Monte Carlo (4 standard errors).
    from symstat.numerics import _lambdify
    from symstat.symbols import Q, R, T, hs, ht
    g = GaussianFields((hs, ht), sp.ImmutableMatrix([[Q, R], [R, T]]))
    value = g.average(hs * sp.tanh(ht))
    assert sp.diff(value, R, 2) == 0 and value.subs(R, 0) == 0 and Q not in value.free_symbols
    numeric = float(_lambdify((Q, R, T), value, "")(0.8, 0.3, 1.0))
    rng = np.random.default_rng(3)
    L = np.linalg.cholesky([[0.8, 0.3], [0.3, 1.0]])
    a, b = L @ rng.standard_normal((2, 1_000_000))
    x = a * np.tanh(b)
    assert abs(x.mean() - numeric) <= 4 * x.std() / np.sqrt(x.size)
