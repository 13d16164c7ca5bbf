"""Numeric Gaussian averages by Gauss–Hermite cubature (the fallback of the closed forms).

``E[f(h)]`` for ``h ~ N(0, C)`` is computed on the tensor product of the probabilists'
Gauss–Hermite rule with ``n`` nodes per field, mapped through a factor ``L`` with
``L L^T = C`` (Cholesky; a symmetric square root when ``C`` is singular, e.g. at
correlation 1). The rule is exact for polynomials of degree < 2n in each field; for smooth
integrands it converges quickly but not geometrically fast when the integrand has complex
singularities (``tanh``): ``E[tanh(u)^4 tanh(v)^2]`` at unit covariance is off by 6e-7
with 48 nodes and by 4e-8 with 96 (the default in two dimensions). Every evaluation is
repeated with two thirds of the nodes; where the two differ by more than ``TOLERANCE``
(relative), a :class:`CubatureWarning` says so once per average, with the difference (an
upper estimate of the error of the finer rule): a non-smooth integrand is flagged, not
silently trusted. :func:`lambdify_modules` gives
:func:`symstat.numerics` the NumPy implementation of every
:class:`~symstat._closed_forms.NumericAverage` made so far.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import sympy as sp

from ._closed_forms import CUBATURE_NODES, registered_numeric_averages

__all__ = ["gauss_hermite_average", "covariance_factor", "lambdify_modules", "numeric_function",
           "CubatureWarning", "TOLERANCE"]

#: Relative difference between the full and the two-thirds rule above which a warning is given.
TOLERANCE = 1e-6


class CubatureWarning(RuntimeWarning):
    """A numeric Gaussian average whose cubature has not converged to ``TOLERANCE``."""


def covariance_factor(cov: np.ndarray) -> np.ndarray:
    """``L`` with ``L L^T = cov``: Cholesky, or the symmetric root if ``cov`` is singular."""
    cov = np.asarray(cov, dtype=float)
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh((cov + cov.T) / 2)
        if w.min() < -1e-10 * max(1.0, abs(w).max()):
            raise ValueError(f"covariance is not positive semi-definite: {cov.tolist()}") from None
        return v * np.sqrt(np.clip(w, 0.0, None))


def _rule(d: int, n: int):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / np.sqrt(2 * np.pi)
    grids = np.meshgrid(*([x] * d), indexing="ij")
    weights = np.ones_like(grids[0])
    for g in np.meshgrid(*([w] * d), indexing="ij"):
        weights = weights * g
    return np.stack([g.ravel() for g in grids]), weights.ravel()


_RULES: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}


def gauss_hermite_average(f: Callable, cov, n: int | None = None) -> float:
    """``E[f(h)]``, ``h ~ N(0, cov)``, by tensor Gauss–Hermite cubature with ``n`` nodes per field.

    >>> round(gauss_hermite_average(lambda a, b: (a * b) ** 2, [[1.0, 0.5], [0.5, 1.0]]), 12)
    1.5
    """
    cov = np.atleast_2d(np.asarray(cov, dtype=float))
    d = cov.shape[0]
    n = CUBATURE_NODES.get(d, 8) if n is None else n
    if (d, n) not in _RULES:
        _RULES[(d, n)] = _rule(d, n)
    z, w = _RULES[(d, n)]
    h = covariance_factor(cov) @ z
    values = np.broadcast_to(np.asarray(f(*h), dtype=float), w.shape)
    return float(values @ w)


def numeric_function(cls) -> Callable:
    """The NumPy implementation of one :class:`~symstat._closed_forms.NumericAverage` class:
    a function of the covariance's upper triangle (scalars or broadcasting arrays)."""
    fields = cls.fields
    d = len(fields)
    f = sp.lambdify(fields, cls.integrand, modules=["scipy", "numpy"])

    n = CUBATURE_NODES.get(d, 8)
    coarse = max(2, (2 * n) // 3)
    warned = []

    def scalar(*args):
        cov = np.empty((d, d))
        k = 0
        for i in range(d):
            for j in range(i, d):
                cov[i, j] = cov[j, i] = args[k]
                k += 1
        value = gauss_hermite_average(f, cov, n)
        diff = abs(value - gauss_hermite_average(f, cov, coarse))
        if diff > TOLERANCE * max(1.0, abs(value)) and not warned:
            warned.append(True)
            warnings.warn(f"numeric average E[{cls.integrand}] has not converged: {n} and "
                          f"{coarse} Gauss-Hermite nodes per field differ by {diff:.1e} at "
                          f"covariance {cov.tolist()}; trust it to about that",
                          CubatureWarning, stacklevel=2)
        return value

    def average(*args):
        if all(np.ndim(a) == 0 for a in args):
            return scalar(*args)
        arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
        out = np.empty(arrays[0].shape)
        for idx in np.ndindex(out.shape):
            out[idx] = scalar(*(a[idx] for a in arrays))
        return out

    average.__doc__ = f"E[{cls.integrand}] over {fields}, Gauss-Hermite cubature"
    return average


_FUNCTIONS: dict[str, Callable] = {}


def lambdify_modules() -> dict[str, Callable]:
    """``{name: implementation}`` for every numeric average, to pass to ``sympy.lambdify``."""
    for name, cls in registered_numeric_averages().items():
        if name not in _FUNCTIONS:
            _FUNCTIONS[name] = numeric_function(cls)
    return dict(_FUNCTIONS)
