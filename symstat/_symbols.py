"""The field's notation as SymPy symbols, with their assumptions.

Order parameters follow Saad & Solla (1995): ``Q_ik = w_i·w_k`` (student–student),
``R_in = w_i·B_n`` (student–teacher), ``T_nm = B_n·B_m`` (teacher–teacher). With one
student and one teacher unit they are the note's ``Q``, ``R`` and ``T``.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "R", "Q", "T", "eta", "t", "R0", "Q0", "sigma", "lam", "hs", "ht", "zeta",
    "student_field", "teacher_field", "order_parameter", "initial_value", "CANONICAL",
]

R = sp.Symbol("R", real=True)
Q = sp.Symbol("Q", nonnegative=True)
T = sp.Symbol("T", positive=True)
eta = sp.Symbol("eta", positive=True)
t = sp.Symbol("t", nonnegative=True)
R0 = sp.Symbol("R0", real=True)
Q0 = sp.Symbol("Q0", nonnegative=True)
sigma = sp.Symbol("sigma", positive=True)
lam = sp.Symbol("lam", nonnegative=True)

# Local fields: student hs = w_s·x / (scale), teacher ht = w_t·x, output noise zeta ~ N(0, sigma^2).
hs = sp.Symbol("hs", real=True)
ht = sp.Symbol("ht", real=True)
zeta = sp.Symbol("zeta", real=True)


def student_field(i: int, K: int) -> sp.Symbol:
    """Local field of student unit ``i`` (1-based); ``hs`` when ``K == 1``."""
    return hs if K == 1 else sp.Symbol(f"hs_{i}", real=True)


def teacher_field(n: int, M: int) -> sp.Symbol:
    """Local field of teacher unit ``n`` (1-based); ``ht`` when ``M == 1``."""
    return ht if M == 1 else sp.Symbol(f"ht_{n}", real=True)


def order_parameter(kind: str, a: int, b: int, K: int, M: int) -> sp.Symbol:
    """Order parameter ``Q_ik``, ``R_in`` or ``T_nm`` (1-based, Q and T symmetric).

    With K = M = 1 these are the note's ``Q``, ``R`` and ``T``.

    >>> order_parameter("Q", 2, 1, K=2, M=1)
    Q_12
    >>> order_parameter("R", 1, 1, K=1, M=1)
    R
    """
    if kind == "Q":
        if K == 1:
            return Q
        a, b = min(a, b), max(a, b)
        return sp.Symbol(f"Q_{a}{b}", nonnegative=True) if a == b else sp.Symbol(f"Q_{a}{b}", real=True)
    if kind == "R":
        return R if K == 1 and M == 1 else sp.Symbol(f"R_{a}{b}", real=True)
    if kind == "T":
        if M == 1:
            return T
        a, b = min(a, b), max(a, b)
        return sp.Symbol(f"T_{a}{b}", positive=True) if a == b else sp.Symbol(f"T_{a}{b}", real=True)
    raise ValueError(f"kind must be 'Q', 'R' or 'T', got {kind!r}")


def initial_value(symbol: sp.Symbol) -> sp.Symbol:
    """The symbol for an order parameter's value at t = 0: ``R -> R0``, ``Q_12 -> Q_12_0``."""
    if symbol == R:
        return R0
    if symbol == Q:
        return Q0
    return sp.Symbol(f"{symbol.name}_0", **symbol.assumptions0)


#: Names a user may type, mapped to the canonical symbols.
CANONICAL: dict[str, sp.Symbol] = {
    s.name: s for s in (R, Q, T, eta, t, R0, Q0, sigma, lam, hs, ht, zeta)
}
