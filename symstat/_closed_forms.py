"""Closed-form Gaussian averages of steps, signs, erf and ReLU, and the numeric fallback.

The engine (:mod:`symstat._gauss`) hands every term ``monomial x factor`` with a
non-polynomial ``factor`` to the handlers registered here. They reduce it, one documented
step at a time, to entries of a table:

1. *rewrites* (:data:`REWRITES`), one per activation: ``sign(u)`` branches into
   ``Heaviside(u) (...)|_{sign=1} + Heaviside(-u) (...)|_{sign=-1}``, ``Max(0, u) -> u
   Heaviside(u)`` (ReLU), ``Abs(u) -> u (2 Heaviside(u) - 1)``, ``Heaviside(u)**k ->
   Heaviside(u)``;
2. a Gaussian factor ``exp(-h^T A h / 2)`` is absorbed into the measure;
3. a ``DiracDelta(u)`` becomes the density of ``u`` at 0 times a conditional average;
4. polynomial factors are removed by Stein's lemma (:mod:`symstat._stein`);
5. what is left, a product of steps ``Heaviside(u_j)`` and ``erf(v_k / sqrt 2)`` over
   linear forms ``u_j, v_k`` of the fields, is a table entry (:data:`CLOSED_FORMS`):
   orthant probabilities (1 to 3 forms) and Saad & Solla's ``I2``; ``erf`` mixed with steps
   goes through ``erf(v/sqrt 2) = 2 P(z < v) - 1`` with an independent ``z ~ N(0, 1)``.

Anything else (e.g. ``tanh``) becomes an unevaluated :class:`NumericAverage`, a SymPy
function of the covariance entries that :mod:`symstat._cubature` evaluates by
Gauss–Hermite cubature when the ODEs are lambdified. Adding an activation means adding a
rewrite or a table entry, not changing the engine.

>>> from symstat import GaussianFields
>>> from symstat._symbols import hs, ht, R, Q
>>> g = GaussianFields((hs, ht), sp.ImmutableMatrix([[Q, R], [R, 1]]))
>>> g.average(sp.sign(hs) * sp.sign(ht))
2*asin(R/sqrt(Q))/pi
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ._gauss import GaussianFields, register_average_handler
from ._stein import stein_step
from ._trace import Step

__all__ = ["ClosedForm", "CLOSED_FORMS", "REWRITES", "Rewrite", "register_closed_form",
           "register_rewrite", "NumericAverage", "numeric_averages", "orthant_probability",
           "CUBATURE_NODES", "NUMERIC_FUNCTIONS"]

SHEPPARD = ("W. F. Sheppard, Phil. Trans. R. Soc. A 192, 101 (1899): orthant probabilities "
            "1/4 + asin(rho)/(2 pi); trivariate: 1/8 + sum asin(rho_ij)/(4 pi)")
SAAD_SOLLA = ("D. Saad and S. A. Solla, Phys. Rev. E 52, 4225 (1995), Eq. (13) and Appendix: "
              "I2 = (2/pi) asin(C12 / sqrt((1 + C11)(1 + C22))) for g(x) = erf(x/sqrt 2)")
GAUSS_FACTOR = ("Gaussian integral: E[exp(-h^T A h/2) f(h)] = det(1 + A C)^(-1/2) E'[f], "
                "with covariance C' = C (1 + A C)^(-1)")
DELTA = ("Gaussian density at 0: E[delta(u) f(h)] = (2 pi Var u)^(-1/2) E[f(h) | u = 0] "
         "(conditional covariance C - C m m^T C / m^T C m)")
PROBIT = "erf(v/sqrt 2) = 2 P(z < v) - 1 with z ~ N(0, 1) independent of v"
SYMMETRY = "odd integrand under h -> -h: E[prod of an odd number of odd functions] = 0"


# --- linear and quadratic forms ----------------------------------------------------------------

def _linear(arg: sp.Expr, fields: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, ...] | None:
    """Coefficients ``m`` with ``arg = m . fields``, or None if ``arg`` is not such a form."""
    arg = sp.expand(arg)
    coeffs = []
    rest = arg
    for h in fields:
        c = arg.coeff(h, 1)
        if c.has(*fields):
            return None
        coeffs.append(c)
        rest -= c * h
    if sp.expand(rest) != 0 or all(c == 0 for c in coeffs):
        return None
    return tuple(coeffs)


def _quadratic(expo: sp.Expr, fields) -> sp.Matrix | None:
    """``A`` with ``expo = -h^T A h / 2`` (homogeneous quadratic), or None."""
    expo = sp.expand(expo)
    try:
        poly = sp.Poly(expo, *fields)
    except sp.PolynomialError:
        return None
    if any(sum(m) != 2 for m in poly.monoms()) or any(c.has(*fields) for c in poly.coeffs()):
        return None
    return -sp.hessian(expo, fields)


def _form_cov(gauss: GaussianFields, a, b) -> sp.Expr:
    return sp.cancel((sp.Matrix([a]) * gauss.cov * sp.Matrix(b))[0])


def _sqrt(x: sp.Expr) -> sp.Expr:
    return sp.sqrt(sp.factor(x))


def _correlation(S, i, j) -> sp.Expr:
    if sp.cancel(S[i, i] - S[j, j]) == 0:
        return sp.cancel(S[i, j] / S[i, i])
    return S[i, j] / (_sqrt(S[i, i]) * _sqrt(S[j, j]))


def orthant_probability(S: sp.Matrix) -> sp.Expr:
    """``P(u_1 > 0, ..., u_k > 0)`` for zero-mean Gaussian forms with covariance ``S``, k <= 3.

    A form of variance zero is 0 almost surely and counts ``Heaviside(0) = 1/2``.

    >>> orthant_probability(sp.Matrix([[1, 0], [0, 1]]))
    1/4

    Raises:
        ValueError: more than three forms (no closed form in general).
    """
    S = sp.Matrix(S)
    keep = [i for i in range(S.rows) if sp.cancel(S[i, i]) != 0]
    half = sp.Rational(1, 2) ** (S.rows - len(keep))
    S = S.extract(keep, keep)
    k = S.rows
    if k == 0:
        return half
    if k == 1:
        return half / 2
    if k == 2:
        return half * (sp.Rational(1, 4) + sp.asin(_correlation(S, 0, 1)) / (2 * sp.pi))
    if k == 3:
        return half * (sp.Rational(1, 8) + sum(sp.asin(_correlation(S, i, j))
                                               for i, j in ((0, 1), (0, 2), (1, 2))) / (4 * sp.pi))
    raise ValueError(f"no closed-form orthant probability for {k} forms")


# --- the table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClosedForm:
    """One table entry: ``apply(gauss, steps, erfs)`` averages ``prod Heaviside(steps_j .
    h) * prod erf(erfs_k . h / sqrt 2)`` (coefficient vectors) or returns ``None``."""

    name: str
    reference: str
    description: str
    apply: Callable[[GaussianFields, list, list], sp.Expr | None]


CLOSED_FORMS: list[ClosedForm] = []


def register_closed_form(entry: ClosedForm) -> ClosedForm:
    """Add a table entry; entries are tried in order."""
    CLOSED_FORMS.append(entry)
    return entry


def _cov_of(gauss, forms):
    return sp.Matrix(len(forms), len(forms), lambda i, j: _form_cov(gauss, forms[i], forms[j]))


def _odd_erf(gauss, steps, erfs):
    if not steps and len(erfs) % 2:
        return sp.S.Zero
    return None


def _erf_pair(gauss, steps, erfs):
    if steps or len(erfs) != 2:
        return None
    S = _cov_of(gauss, erfs)
    S1 = S + sp.eye(2)
    return 2 / sp.pi * sp.asin(_correlation(S1, 0, 1))


def _orthant(gauss, steps, erfs):
    if erfs or not 1 <= len(steps) <= 3:
        return None
    return orthant_probability(_cov_of(gauss, steps))


def _probit(gauss, steps, erfs):
    """Mixed steps and erfs: erf(v/sqrt 2) = 2 Heaviside(v - z) - 1, z ~ N(0, 1)."""
    if not erfs or not steps or len(steps) + len(erfs) > 3:
        return None
    forms = steps + erfs
    S = _cov_of(gauss, forms)
    for k in range(len(steps), len(forms)):
        S[k, k] += 1
    total = sp.S.Zero
    n_s, n_e = len(steps), len(erfs)
    for subset in itertools.product((0, 1), repeat=n_e):
        idx = list(range(n_s)) + [n_s + k for k, used in enumerate(subset) if used]
        weight = sp.Integer(2) ** sum(subset) * (-1) ** (n_e - sum(subset))
        total += weight * orthant_probability(S.extract(idx, idx))
    return total


register_closed_form(ClosedForm("odd-erf", "symmetry", SYMMETRY, _odd_erf))
register_closed_form(ClosedForm("erf-I2", SAAD_SOLLA,
                                "E[g(u) g(v)] for g(x) = erf(x/sqrt 2)", _erf_pair))
register_closed_form(ClosedForm("orthant", SHEPPARD,
                                "P(u_1 > 0, ..., u_k > 0), k <= 3 (sign and Heaviside)",
                                _orthant))
register_closed_form(ClosedForm("erf-probit", SHEPPARD + "; " + PROBIT,
                                "steps times erf(x/sqrt 2), via orthant probabilities",
                                _probit))


# --- rewrites (one per activation) --------------------------------------------------------------

@dataclass(frozen=True)
class Rewrite:
    """``rewrite(factor, fields)`` returns an equivalent expression, or None if it does not apply."""

    name: str
    description: str
    rewrite: Callable[[sp.Expr, tuple], sp.Expr | None]


REWRITES: list[Rewrite] = []


def register_rewrite(entry: Rewrite) -> Rewrite:
    REWRITES.append(entry)
    return entry


def _branch_sign(factor, fields):
    for s in sorted(factor.atoms(sp.sign), key=sp.default_sort_key):
        u = s.args[0]
        if _linear(u, fields) is not None:
            return (sp.Heaviside(u) * factor.subs(s, 1)
                    + sp.Heaviside(-u) * factor.subs(s, -1))
    return None


def _relu(factor, fields):
    reps = {}
    for m in factor.atoms(sp.Max):
        if len(m.args) == 2 and 0 in m.args:
            u = m.args[1] if m.args[0] == 0 else m.args[0]
            if _linear(u, fields) is not None:
                reps[m] = u * sp.Heaviside(u)
    return factor.xreplace(reps) if reps else None


def _abs(factor, fields):
    reps = {a: a.args[0] * (2 * sp.Heaviside(a.args[0]) - 1) for a in factor.atoms(sp.Abs)
            if _linear(a.args[0], fields) is not None}
    return factor.xreplace(reps) if reps else None


def _step_powers(factor, fields):
    reps = {p: p.base for p in factor.atoms(sp.Pow)
            if isinstance(p.base, sp.Heaviside) and p.exp.is_Integer and p.exp > 1}
    return factor.xreplace(reps) if reps else None


register_rewrite(Rewrite("sign", "branch on the sign: sign(u) = +1 where Heaviside(u), "
                         "-1 where Heaviside(-u)", _branch_sign))
register_rewrite(Rewrite("relu", "ReLU: Max(0, u) = u Heaviside(u) (arc-cosine kernels, "
                         "Cho & Saul 2009, follow by Stein's lemma)", _relu))
register_rewrite(Rewrite("abs", "Abs(u) = u (2 Heaviside(u) - 1)", _abs))
register_rewrite(Rewrite("step-power", "Heaviside(u)**k = Heaviside(u)", _step_powers))


# --- the handler ------------------------------------------------------------------------------

class GaussianFactor(sp.Function):
    """``exp(x)`` kept whole while the engine expands (``expand`` would otherwise move
    ``exp(-q)`` into denominators); internal to the handlers."""

    def fdiff(self, argindex=1):
        return self

    def _sympystr(self, printer):
        return f"exp({printer.doprint(self.args[0])})"


def _protect(expr: sp.Expr, fields) -> sp.Expr:
    """Replace ``exp(q(h))`` by :class:`GaussianFactor` so that expansion leaves it alone."""
    return expr.replace(lambda e: isinstance(e, sp.exp) and e.args[0].has(*fields),
                        lambda e: GaussianFactor(e.args[0]))


def _unprotect(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: isinstance(e, GaussianFactor), lambda e: sp.exp(e.args[0]))


def _monomial(gauss, powers):
    return sp.Mul(*(h**k for h, k in zip(gauss.fields, powers)))


def _classify(gauss, factor):
    """Split ``factor`` into steps, deltas, erfs and a Gaussian exponent, or None."""
    fields = gauss.fields
    steps, deltas, erfs = [], [], []
    expo = sp.S.Zero
    for f in sp.Mul.make_args(factor):
        base, k = f.as_base_exp()
        if not (k.is_Integer and k > 0):
            if isinstance(f, (sp.exp, GaussianFactor)):
                base, k = f, sp.Integer(1)
            else:
                return None
        k = int(k)
        if isinstance(base, (sp.exp, GaussianFactor)):
            expo += k * base.args[0]
        elif isinstance(base, sp.Heaviside):
            m = _linear(base.args[0], fields)
            if m is None:
                return None
            steps += [m] * k
        elif isinstance(base, sp.DiracDelta) and len(base.args) == 1 and k == 1:
            m = _linear(base.args[0], fields)
            if m is None:
                return None
            deltas.append(m)
        elif isinstance(base, sp.erf):
            m = _linear(base.args[0], fields)
            if m is None:
                return None
            erfs += [tuple(sp.sqrt(2) * c for c in m)] * k
        elif not base.has(*fields):
            return None  # a field-free factor should have gone to the coefficient
        else:
            return None
    return steps, deltas, erfs, expo


def _record(trace, kind, lhs, rhs, description, reference=""):
    if trace is not None:
        trace.append(Step(kind, lhs, rhs, description, reference))


@register_average_handler
def closed_form_handler(gauss: GaussianFields, powers: tuple, factor: sp.Expr,
                        trace: list[Step] | None) -> sp.Expr | None:
    """Average ``monomial * factor`` exactly, by rewrites, Stein's lemma and the table."""
    fields = gauss.fields
    monomial = _monomial(gauss, powers)
    integrand = monomial * factor
    for entry in REWRITES:
        new = entry.rewrite(factor, fields)
        if new is not None:
            if _classify_deep(gauss, new) is None:
                return None
            _record(trace, "closed-form", integrand, monomial * new, entry.description)
            return gauss.average(_protect(monomial * new, fields), trace=trace)
    parts = _classify(gauss, factor)
    if parts is None:
        return None
    steps, deltas, erfs, expo = parts
    if expo != 0:
        A = _quadratic(expo, fields)
        if A is None:
            return None
        C = sp.Matrix(gauss.cov)
        M = sp.eye(len(fields)) + A * C
        det = sp.factor(M.det())
        if det == 0:
            return None
        Cp = (C * M.inv()).applyfunc(sp.cancel)
        Cp = (Cp + Cp.T) / 2
        inner = sp.Mul(*[f for f in sp.Mul.make_args(integrand)
                         if not isinstance(f.as_base_exp()[0], (sp.exp, GaussianFactor))
                         and not isinstance(f, sp.exp)])
        new = GaussianFields(fields, sp.ImmutableMatrix(Cp.applyfunc(sp.cancel)))
        value = new.average(inner, trace=trace) / sp.sqrt(det)
        _record(trace, "closed-form", integrand, value, "absorb the Gaussian factor "
                f"exp({expo}) into the measure", GAUSS_FACTOR)
        return value
    if deltas:
        m = deltas[0]
        s = _form_cov(gauss, m, m)
        if s == 0:
            return None
        Cm = sp.Matrix(gauss.cov) * sp.Matrix(m)
        Cc = (sp.Matrix(gauss.cov) - Cm * Cm.T / s).applyfunc(sp.cancel)
        u = sum(c * h for c, h in zip(m, fields))
        rest, removed = [], False
        for f in sp.Mul.make_args(integrand):
            if (not removed and isinstance(f, sp.DiracDelta)
                    and _linear(f.args[0], fields) == m):
                removed = True
            else:
                rest.append(f)
        inner = sp.Mul(*rest)
        value = GaussianFields(fields, sp.ImmutableMatrix(Cc)).average(inner, trace=trace)
        value = value / sp.sqrt(2 * sp.pi * sp.factor(s))
        _record(trace, "closed-form", integrand, value,
                f"Dirac delta of {u}: Gaussian density at 0 times the conditional average",
                DELTA)
        return value
    if sum(powers) == 1 and len(erfs) == 1 and not steps and not expo:
        # One field times g(e.h) = erf(e.h/sqrt 2): Stein's lemma and the Gaussian integral
        # in one step, E[h_a g(e.h)] = (C e)_a sqrt(2/pi) / sqrt(1 + e^T C e).
        a, e = powers.index(1), erfs[0]
        Ce = sum((gauss.cov[a, b] * e[b] for b in range(len(fields))), sp.S.Zero)
        value = Ce * sp.sqrt(2 / sp.pi) / _sqrt(1 + _form_cov(gauss, e, e))
        _record(trace, "closed-form", integrand, value,
                "E[h_a g(u)] = Cov(h_a, u) sqrt(2/pi) / sqrt(1 + Var u) for g(x) = erf(x/sqrt 2)",
                SAAD_SOLLA + "; Stein's lemma")
        return value
    if any(powers):
        _, rewritten = stein_step(gauss, powers, factor, trace)
        return gauss.average(_protect(rewritten, fields), trace=trace)
    for entry in CLOSED_FORMS:
        value = entry.apply(gauss, steps, erfs)
        if value is not None:
            _record(trace, "closed-form", integrand, value, entry.description, entry.reference)
            return value
    return None


def _classify_deep(gauss, expr):
    """True-ish if every term of ``expr`` is built from functions the table knows."""
    known = (sp.Heaviside, sp.DiracDelta, sp.erf, sp.exp, sp.sign, sp.Max, sp.Abs,
             GaussianFactor)
    for f in expr.atoms(sp.Function):
        if not isinstance(f, known):
            return None
    return True


# --- the numeric fallback (symbolic side) ------------------------------------------------------

#: Functions the cubature fallback accepts (bounded or polynomially growing, piecewise
#: smooth); extend this tuple to allow more.
NUMERIC_FUNCTIONS: tuple = (sp.tanh, sp.exp, sp.erf, sp.Heaviside, sp.sign, sp.Max, sp.Min,
                            sp.Abs, sp.atan, sp.sin, sp.cos, sp.log, sp.cosh, sp.sinh)

#: Smooth functions whose polynomial prefactors Stein's lemma removes before the cubature.
SMOOTH_FUNCTIONS: tuple = (sp.tanh, sp.exp, sp.erf, sp.atan, sp.sin, sp.cos, sp.cosh, sp.sinh)

#: Nodes per dimension of the tensor Gauss–Hermite rule, by number of fields.
CUBATURE_NODES = {1: 160, 2: 96, 3: 32, 4: 16}


class NumericAverage(sp.Function):
    """An unevaluated Gaussian average ``E[integrand]``, a function of the covariance.

    Subclasses (one per integrand, made by :func:`numeric_average`) carry ``fields`` and
    ``integrand``; the arguments are the upper triangle of the fields' covariance, row by
    row. :mod:`symstat._cubature` evaluates it by Gauss–Hermite cubature.
    """

    fields: tuple = ()
    integrand: sp.Expr = sp.S.Zero
    numeric_name: str = ""
    short_name: str = ""

    @classmethod
    def eval(cls, *args):
        return None

    def _sympystr(self, printer):
        # A plain function call, so that ``sympify`` reads printed results back; what each
        # E_numK averages is listed by :func:`numeric_legend`.
        args = ", ".join(printer.doprint(a) for a in self.args)
        return f"{self.short_name}({args})"

    def _latex(self, printer, exp=None):
        body = (rf"\left\langle {printer.doprint(self.integrand)} \right\rangle_{{\mathrm{{num}}}}"
                rf"\left({', '.join(printer.doprint(a) for a in self.args)}\right)")
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _numpycode(self, printer):
        return f"{self.numeric_name}({', '.join(printer.doprint(a) for a in self.args)})"

    _scipycode = _pythoncode = _lambdacode = _numpycode


_NUMERIC: dict[tuple, type] = {}


def numeric_average(fields: tuple, integrand: sp.Expr) -> type:
    """The :class:`NumericAverage` subclass for ``E[integrand]`` over ``fields`` (cached)."""
    key = (tuple(fields), integrand)
    if key not in _NUMERIC:
        name = f"symstat_numavg_{len(_NUMERIC)}"
        _NUMERIC[key] = type(name, (NumericAverage,), {
            "fields": tuple(fields), "integrand": integrand, "numeric_name": name,
            "short_name": f"E_num{len(_NUMERIC) + 1}", "__module__": __name__})
    return _NUMERIC[key]


def registered_numeric_averages() -> dict[str, type]:
    """``{name: class}`` of every numeric average made so far (for lambdify)."""
    return {cls.numeric_name: cls for cls in _NUMERIC.values()}


def numeric_legend(expr) -> dict[str, dict]:
    """``{"E_numK": {"integrand": ..., "fields": [...]}}`` for the numeric averages in ``expr``.

    The arguments of ``E_numK(...)`` are the upper triangle of the covariance of its fields,
    row by row.
    """
    return {type(a).short_name: {"integrand": str(type(a).integrand),
                                 "fields": [f.name for f in type(a).fields]}
            for a in numeric_averages(expr)}


def numeric_averages(expr) -> list[sp.Expr]:
    """The :class:`NumericAverage` terms in ``expr`` (or in a sequence of expressions)."""
    exprs = expr if isinstance(expr, (list, tuple)) else [expr]
    found = set()
    for e in exprs:
        found |= {f for f in sp.sympify(e).atoms(sp.Function) if isinstance(f, NumericAverage)}
    return sorted(found, key=sp.default_sort_key)


@register_average_handler
def numeric_handler(gauss: GaussianFields, powers: tuple, factor: sp.Expr,
                    trace: list[Step] | None) -> sp.Expr | None:
    """The fallback: an unevaluated cubature average over the fields the term uses.

    Polynomial factors in front of smooth functions are first removed by Stein's lemma, so
    that e.g. ``E[hs tanh(ht)] = R E[1 - tanh(ht)^2]`` keeps its exact dependence on the
    order parameters and only a function of ``T`` is left to the cubature.
    """
    integrand = _unprotect(_monomial(gauss, powers) * factor)
    if integrand.atoms(sp.DiracDelta) or integrand.free_symbols - set(gauss.fields):
        return None
    if any(not isinstance(f, NUMERIC_FUNCTIONS) for f in integrand.atoms(sp.Function)):
        return None  # e.g. besselj: not vetted for cubature, reported as unsupported
    if any(powers) and all(isinstance(f, SMOOTH_FUNCTIONS) for f in factor.atoms(sp.Function)):
        _, rewritten = stein_step(gauss, powers, factor, trace)
        return gauss.average(rewritten, trace=trace)
    used = tuple(h for h in gauss.fields if integrand.has(h))
    if not used or len(used) > max(CUBATURE_NODES):
        return None
    idx = [gauss.index(h) for h in used]
    cov = gauss.cov.extract(idx, idx)
    args = [cov[i, j] for i in range(len(used)) for j in range(i, len(used))]
    value = numeric_average(used, integrand)(*args)
    n = CUBATURE_NODES[len(used)]
    _record(trace, "numeric", integrand, value,
            f"no closed form: tensor Gauss-Hermite cubature, {n} nodes per field over the "
            f"Cholesky factor of the covariance of {', '.join(map(str, used))} (exact for "
            f"polynomials of degree < {2 * n}; about 1e-8 absolute for tanh at order-one "
            f"variances)", "G. H. Golub and J. H. Welsch, Math. Comp. 23, 221 (1969)")
    return value
