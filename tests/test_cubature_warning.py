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
