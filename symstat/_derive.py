"""From a learning rule to the order-parameter ODEs and the generalization error.

In the limit N -> infinity with t = m/N, the update ``w_i <- w_i + (eta/N)(F_i x - lam w_i)``
gives (Saad & Solla 1995; the note's Eqs. 6-9 for K = M = 1)

    dR_in/dt = eta <F_i ht_n> - eta lam R_in,
    dQ_ik/dt = eta <F_i hs_k + F_k hs_i> + eta^2 <F_i F_k> - 2 eta lam Q_ik,

because ``x·x / N -> 1``; and ``eps_g = <error>`` (the note's Eq. 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ._gauss import GaussianFields
from ._model import Rule
from ._symbols import eta, lam, sigma
from ._trace import Average, Step

__all__ = ["Derivation", "derive"]


@dataclass(frozen=True)
class Derivation:
    """The large-N dynamics of a rule.

    Attributes:
        rule: the rule derived.
        state: the order parameters, in the order used everywhere (``(R, Q)`` for K = M = 1).
        rhs: their time derivatives ``d state / dt``, in the same order.
        generalization_error: ``eps_g`` as a function of the order parameters.
        parameters: the other symbols the ODEs depend on (``eta``; ``T``, ``sigma``,
            ``lam`` when switched on).
        averages: every Gaussian average used, with its steps if traced.
    """

    rule: Rule
    state: tuple[sp.Symbol, ...]
    rhs: tuple[sp.Expr, ...]
    generalization_error: sp.Expr
    parameters: tuple[sp.Symbol, ...]
    averages: tuple[Average, ...] = ()

    @property
    def odes(self) -> dict[sp.Symbol, sp.Expr]:
        """``{order parameter: d/dt of it}``, in state order."""
        return dict(zip(self.state, self.rhs))

    @property
    def equations(self) -> tuple[sp.Eq, ...]:
        """The ODEs as ``Eq(Derivative(R(t), t), ...)`` objects, for display."""
        from ._symbols import t
        funcs = {s: sp.Function(s.name)(t) for s in self.state}
        return tuple(sp.Eq(sp.Derivative(funcs[s], t), r.subs(funcs)) for s, r in self.odes.items())

    def _repr_latex_(self) -> str:
        """The ODEs and ``eps_g`` in the field's notation, for Jupyter."""
        from ._latex import latex_equations
        return "$$" + latex_equations(self) + "$$"

    def _repr_markdown_(self) -> str:
        """The rule, its ODEs and ``eps_g`` as Markdown with display math, for Jupyter."""
        from ._latex import latex_equations
        head = f"**{self.rule.name}**" + (f": {self.rule.description}" if self.rule.description
                                          else "")
        return f"{head}\n\n$$\n{latex_equations(self)}\n$$\n"


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Collect in eta and lam, factoring each coefficient (cheap; no ``simplify``)."""
    expr = sp.expand(expr)
    return sp.collect(expr, [eta**2, eta], evaluate=True, func=sp.factor)


def derive(rule: Rule, *, trace: bool = False) -> Derivation:
    """Derive the order-parameter ODEs and ``eps_g`` of ``rule`` in the large-N limit.

    Arguments:
        rule: a :class:`~symstat.Rule`, e.g. ``get_rule("linear-sgd")``.
        trace: record every Gaussian average with its steps (Wick pairings, ...).

    Returns:
        A :class:`Derivation`.

    Raises:
        UnsupportedAverageError: an average the engine cannot compute; it names the function.

    >>> from symstat import get_rule
    >>> d = derive(get_rule("linear-sgd"))
    >>> d.odes
    {R: eta*(1 - R), Q: eta**2*(Q - 2*R + 1) - 2*eta*(Q - R)}
    >>> d.generalization_error
    Q/2 - R + 1/2
    """
    model = rule.model
    gauss = GaussianFields(model.fields, model.covariance)
    F = rule.active_update
    hs_, ht_ = model.student_fields, model.teacher_fields
    R, Q = model.R, model.Q
    records: list[Average] = []

    def avg(label: str, integrand: sp.Expr) -> sp.Expr:
        steps: list[Step] | None = [] if trace else None
        value = gauss.average(integrand, trace=steps)
        if trace:
            records.append(Average(label, integrand, value, tuple(steps)))
        return value

    K, M = model.K, model.M
    rhs: dict[sp.Symbol, sp.Expr] = {}
    sub = (lambda i: f"_{i + 1}") if K > 1 else (lambda i: "")
    tsub = (lambda n: f"_{n + 1}") if M > 1 else (lambda n: "")
    for i in range(K):
        for n in range(M):
            value = eta * avg(f"<F{sub(i)} ht{tsub(n)}>", F[i] * ht_[n])
            if model.weight_decay:
                value -= eta * lam * R[i, n]
            rhs[R[i, n]] = _tidy(value)
    cross_cache: dict[tuple[int, int], sp.Expr] = {}
    for i in range(K):
        for k in range(i, K):
            for a, b in ((i, k), (k, i)):
                if (a, b) not in cross_cache:
                    cross_cache[(a, b)] = avg(f"<F{sub(a)} hs{sub(b)}>", F[a] * hs_[b])
            drift = cross_cache[(i, k)] + cross_cache[(k, i)]
            value = eta * drift + eta**2 * avg(f"<F{sub(i)} F{sub(k)}>", F[i] * F[k])
            if model.weight_decay:
                value -= 2 * eta * lam * Q[i, k]
            rhs[Q[i, k]] = _tidy(value)
    eg = avg("eps_g", rule.error)
    state = model.state
    parameters = [eta]
    if not model.normalized_teacher:
        parameters += sorted(set(model.T.free_symbols), key=str)
    if model.noise:
        parameters.append(sigma)
    if model.weight_decay:
        parameters.append(lam)
    return Derivation(rule, state, tuple(rhs[s] for s in state), eg, tuple(parameters),
                      tuple(records))
