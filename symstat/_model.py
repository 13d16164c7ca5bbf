"""Teacher–student models and learning rules, as immutable data.

A student with K units learns from a teacher with M units on inputs ``x`` in R^N with
i.i.d. standard Gaussian components. The student's weight vectors ``w_i`` are updated on
every fresh example as

    w_i <- w_i + (eta / N) (F_i x - lam w_i),

where the *rule* ``F_i`` is a function of the local fields ``hs_i = w_i·x``,
``ht_n = B_n·x`` (teacher) and the teacher's output noise ``zeta ~ N(0, sigma^2)``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ._errors import SpecificationError
from ._symbols import order_parameter, sigma, student_field, teacher_field, zeta

__all__ = ["Activation", "TeacherStudent", "Rule"]


@dataclass(frozen=True)
class Activation:
    """A unit's transfer function ``g``, as a SymPy-callable.

    >>> from symstat import get_activation
    >>> get_activation("linear")(sp.Symbol("x"))
    x
    """

    name: str
    function: Callable[[sp.Expr], sp.Expr]
    description: str = ""

    def __call__(self, x: sp.Expr) -> sp.Expr:
        return self.function(x)


@dataclass(frozen=True)
class TeacherStudent:
    """A teacher–student scenario: K student units, M teacher units, their activations.

    Attributes:
        student, teacher: the activations (see :func:`symstat.get_activation`).
        K, M: the numbers of student and teacher units (the note has K = M = 1).
        noise: Gaussian output noise ``zeta ~ N(0, sigma^2)`` on the teacher.
        weight_decay: the ``-lam w`` term in the update.
        normalized_teacher: ``T = 1`` (``T_nm = delta_nm`` for M > 1), the note's
            convention; otherwise ``T`` (``T_nm``) stays a symbol.
    """

    student: Activation
    teacher: Activation
    K: int = 1
    M: int = 1
    noise: bool = False
    weight_decay: bool = False
    normalized_teacher: bool = True

    def __post_init__(self) -> None:
        for name in ("K", "M"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SpecificationError(f"{name} must be a positive integer, got {value!r}")
        for name in ("student", "teacher"):
            if not isinstance(getattr(self, name), Activation):
                raise SpecificationError(
                    f"{name} must be an Activation, got {getattr(self, name)!r}")

    @property
    def student_fields(self) -> tuple[sp.Symbol, ...]:
        return tuple(student_field(i, self.K) for i in range(1, self.K + 1))

    @property
    def teacher_fields(self) -> tuple[sp.Symbol, ...]:
        return tuple(teacher_field(n, self.M) for n in range(1, self.M + 1))

    @property
    def R(self) -> sp.ImmutableMatrix:
        """Student–teacher overlaps ``R_in`` (K x M)."""
        return sp.ImmutableMatrix(self.K, self.M,
                                  lambda i, n: order_parameter("R", i + 1, n + 1, self.K, self.M))

    @property
    def Q(self) -> sp.ImmutableMatrix:
        """Student–student overlaps ``Q_ik`` (K x K, symmetric)."""
        return sp.ImmutableMatrix(self.K, self.K,
                                  lambda i, k: order_parameter("Q", i + 1, k + 1, self.K, self.M))

    @property
    def T(self) -> sp.ImmutableMatrix:
        """Teacher–teacher overlaps ``T_nm`` (M x M): the identity if normalized."""
        if self.normalized_teacher:
            return sp.ImmutableMatrix(sp.eye(self.M))
        return sp.ImmutableMatrix(self.M, self.M,
                                  lambda n, m: order_parameter("T", n + 1, m + 1, self.K, self.M))

    @property
    def state(self) -> tuple[sp.Symbol, ...]:
        """The order parameters that evolve, in a fixed order: all ``R_in``, then ``Q_ik``, i <= k."""
        R, Q = self.R, self.Q
        return (tuple(R[i, n] for i in range(self.K) for n in range(self.M))
                + tuple(Q[i, k] for i in range(self.K) for k in range(i, self.K)))

    @property
    def fields(self) -> tuple[sp.Symbol, ...]:
        """The Gaussian fields averaged over: student, teacher, and the noise if on."""
        return self.student_fields + self.teacher_fields + ((zeta,) if self.noise else ())

    @property
    def covariance(self) -> sp.ImmutableMatrix:
        """Covariance of :attr:`fields`: ``[[Q, R], [R^T, T]]`` (plus ``sigma^2`` for the noise)."""
        top = self.Q.row_join(self.R)
        cov = top.col_join(self.R.T.row_join(self.T))
        if self.noise:
            cov = sp.diag(cov, sigma**2)
        return sp.ImmutableMatrix(cov)


@dataclass(frozen=True)
class Rule:
    """A learning rule: the factor ``F_i`` of each student unit, and the error it is judged by.

    Attributes:
        name: registry name, e.g. ``"linear-sgd"``.
        model: the :class:`TeacherStudent` scenario.
        update: ``(F_1, ..., F_K)``, expressions in the model's fields and ``zeta``.
        error: the per-example error whose average is ``eps_g``, noise-free.
        loss: the loss the rule descends (``F_i = -d loss / d hs_i``), or ``None``.
        description: one line.
        reference: where the rule comes from.
    """

    name: str
    model: TeacherStudent
    update: tuple[sp.Expr, ...]
    error: sp.Expr
    loss: sp.Expr | None = None
    description: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        if len(self.update) != self.model.K:
            raise SpecificationError(
                f"update must have one F per student unit (K = {self.model.K}), "
                f"got {len(self.update)}")
        allowed = set(self.model.student_fields) | set(self.model.teacher_fields) | {zeta}
        for label, expr in [("update", e) for e in self.update] + [("error", self.error)]:
            unknown = sorted(str(s) for s in sp.sympify(expr).free_symbols - allowed)
            if unknown:
                raise SpecificationError(
                    f"{label} {expr} of rule {self.name!r} uses {', '.join(unknown)}; "
                    f"only the fields {', '.join(str(s) for s in sorted(allowed, key=str))} "
                    f"are allowed")
        if zeta in self.error.free_symbols:
            raise SpecificationError(f"error {self.error} of rule {self.name!r} must not "
                                     f"contain the noise zeta (eps_g is noise-free)")

    @classmethod
    def from_loss(cls, name: str, model: TeacherStudent, loss: sp.Expr, *,
                  description: str = "", reference: str = "") -> Rule:
        """On-line gradient descent on ``loss``: ``F_i = -d loss / d hs_i``.

        The error of the rule is the loss with the noise switched off.

        >>> from symstat import get_activation, TeacherStudent
        >>> from symstat._symbols import hs, ht
        >>> lin = get_activation("linear")
        >>> Rule.from_loss("sgd", TeacherStudent(lin, lin), (hs - ht)**2 / 2).update
        (-hs + ht,)
        """
        loss = sp.sympify(loss)
        update = tuple(-sp.diff(loss, h) for h in model.student_fields)
        return cls(name, model, update, loss.subs(zeta, 0), loss, description, reference)

    def with_options(self, *, noise: bool | None = None, weight_decay: bool | None = None,
                     normalized_teacher: bool | None = None) -> Rule:
        """The same rule in a scenario with noise / weight decay / a general ``T`` switched."""
        changes = {k: v for k, v in dict(noise=noise, weight_decay=weight_decay,
                                         normalized_teacher=normalized_teacher).items()
                   if v is not None}
        rule = dataclasses.replace(self, model=dataclasses.replace(self.model, **changes))
        if rule.model.noise and not any(zeta in F.free_symbols for F in rule.update):
            warnings.warn(f"rule {self.name!r}: noise is on but the update does not contain "
                          f"zeta, so the noise has no effect", stacklevel=2)
        return rule

    @property
    def active_update(self) -> tuple[sp.Expr, ...]:
        """The update with ``zeta = 0`` when the model has no noise."""
        if self.model.noise:
            return self.update
        return tuple(F.subs(zeta, 0) for F in self.update)
