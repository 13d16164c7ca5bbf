"""The Gaussian-average engine against independent references.

References: Isserlis' theorem (Isserlis 1918) as exact identities; Gauss–Hermite quadrature
(exact for polynomials of degree < 2n) over the Cholesky-factored covariance; Monte Carlo with
error bars (4 standard errors).
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from symstat import GaussianFields, UnsupportedAverageError, symbols as S

x1, x2, x3 = sp.symbols("x1 x2 x3", real=True)


def _cov(draw_vals, n):
    """A valid covariance from a random lower-triangular factor (positive definite)."""
    L = np.zeros((n, n))
    idx = 0
    for i in range(n):
        for j in range(i + 1):
            L[i, j] = draw_vals[idx]
            idx += 1
        L[i, i] = abs(L[i, i]) + 0.2
    return L @ L.T


def _gauss_hermite(powers, C, nodes=12):
    """E[prod x_a^k_a] for x = L z, z ~ N(0, I), by tensor Gauss–Hermite quadrature."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / np.sqrt(2 * np.pi)
    L = np.linalg.cholesky(C)
    n = len(powers)
    Z = np.stack(np.meshgrid(*[z] * n, indexing="ij")).reshape(n, -1)
    W = np.prod(np.stack(np.meshgrid(*[w] * n, indexing="ij")).reshape(n, -1), axis=0)
    X = L @ Z
    return float(np.sum(W * np.prod(X ** np.array(powers)[:, None], axis=0)))


@settings(max_examples=25, deadline=None)
@given(vals=st.lists(st.floats(-1.5, 1.5), min_size=6, max_size=6),
       powers=st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(0, 3)))
def test_moments_match_gauss_hermite_quadrature(vals, powers):
    C = _cov(vals, 3)
    Csym = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"c{min(i, j)}{max(i, j)}"))
    g = GaussianFields((x1, x2, x3), sp.ImmutableMatrix(Csym))
    value = g.average(x1 ** powers[0] * x2 ** powers[1] * x3 ** powers[2])
    numeric = float(value.subs({Csym[i, j]: C[i, j] for i in range(3) for j in range(3)}))
    reference = _gauss_hermite(powers, C)
    assert numeric == pytest.approx(reference, rel=1e-9, abs=1e-9)


@settings(max_examples=10, deadline=None)
@given(vals=st.lists(st.integers(-6, 6), min_size=3, max_size=3),
       coeffs=st.lists(st.integers(-3, 3), min_size=4, max_size=4))
def test_polynomial_average_matches_monte_carlo(vals, coeffs):
    # Exact rational covariance C = L L^T with L lower triangular, diagonal >= 1/4.
    a_, b_, c_ = (sp.Rational(v, 4) for v in vals)
    L = sp.Matrix([[abs(a_) + sp.Rational(1, 4), 0], [b_, abs(c_) + sp.Rational(1, 4)]])
    C = sp.ImmutableMatrix(L * L.T)
    a, b, c, d = coeffs
    expr = a * x1**2 * x2 + b * x1 * x2 + c * x2**4 + d * x1**3 * x2
    exact = float(GaussianFields((x1, x2), C).average(expr))
    rng = np.random.default_rng(7)
    Z = rng.standard_normal((2, 400_000))
    X = np.array(L.tolist(), dtype=float) @ Z
    f = sp.lambdify((x1, x2), expr, "numpy")(X[0], X[1]) * np.ones(Z.shape[1])
    stderr = f.std() / np.sqrt(f.size)
    assert abs(f.mean() - exact) <= 4 * stderr + 1e-12


def test_isserlis_single_field_double_factorial():
    # E[x^{2n}] = (2n-1)!! s^{2n}: an exact identity.
    s2 = sp.Symbol("s2", positive=True)
    g = GaussianFields((x1,), sp.ImmutableMatrix([[s2]]))
    for n in range(0, 7):
        assert sp.expand(g.average(x1 ** (2 * n)) - sp.factorial2(2 * n - 1) * s2**n) == 0
        assert g.average(x1 ** (2 * n + 1)) == 0


def test_isserlis_four_fields_three_pairings():
    # E[x1 x2 x3 x4] = C12 C34 + C13 C24 + C14 C23 (Isserlis 1918).
    xs = sp.symbols("y1:5", real=True)
    C = sp.Matrix(4, 4, lambda i, j: sp.Symbol(f"c{min(i, j) + 1}{max(i, j) + 1}"))
    g = GaussianFields(xs, sp.ImmutableMatrix(C))
    expected = C[0, 1] * C[2, 3] + C[0, 2] * C[1, 3] + C[0, 3] * C[1, 2]
    assert sp.expand(g.average(sp.Mul(*xs)) - expected) == 0


def test_note_eq5_averages():
    # Hara, Eq. 5 needs <t^2> = T, <t y> = R, <y^2> = Q.
    g = GaussianFields((S.hs, S.ht), sp.ImmutableMatrix([[S.Q, S.R], [S.R, S.T]]))
    assert g.average(S.ht**2) == S.T
    assert g.average(S.ht * S.hs) == S.R
    assert g.average(S.hs**2) == S.Q


def test_trace_records_wick_pairings():
    g = GaussianFields((S.hs, S.ht), sp.ImmutableMatrix([[S.Q, S.R], [S.R, S.T]]))
    steps = []
    g.average(S.hs**2 * S.ht**2, trace=steps)
    wick = [s for s in steps if s.kind == "wick"]
    assert len(wick) == 1 and len(wick[0].details) == 3  # 3 pairings of 4 factors
    total = sum(sp.Mul(*(c for _, _, c in p)) for p in wick[0].details)
    assert sp.expand(total - wick[0].rhs) == 0


def test_unsupported_function_is_named():
    g = GaussianFields((S.hs, S.ht), sp.ImmutableMatrix([[S.Q, S.R], [S.R, S.T]]))
    with pytest.raises(UnsupportedAverageError, match="besselj"):
        g.average(sp.besselj(0, S.hs) * S.ht)


def test_bad_covariance_shape():
    from symstat import SpecificationError
    with pytest.raises(SpecificationError, match="cov must be 2x2"):
        GaussianFields((x1, x2), sp.ImmutableMatrix([[1]]))
