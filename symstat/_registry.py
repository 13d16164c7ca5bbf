"""The one place where activations and learning rules are registered.

Everything that iterates over "all rules" (the CLI's ``symstat rules``, the shared test
battery) reads :data:`RULES`; a new rule is added, documented and tested by one call of
:func:`register_rule`.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from ._errors import SpecificationError, UnknownNameError
from ._model import Activation, Rule, TeacherStudent
from ._parse import parse_expression
from ._symbols import hs, ht, zeta

__all__ = ["ACTIVATIONS", "RULES", "register_activation", "register_rule", "get_activation",
           "get_rule", "custom_rule", "sgd_rule"]

ACTIVATIONS: dict[str, Activation] = {}
RULES: dict[str, Rule] = {}


def register_activation(activation: Activation) -> Activation:
    if activation.name in ACTIVATIONS:
        raise SpecificationError(f"activation {activation.name!r} is already registered")
    ACTIVATIONS[activation.name] = activation
    return activation


def register_rule(rule: Rule) -> Rule:
    if rule.name in RULES:
        raise SpecificationError(f"rule {rule.name!r} is already registered")
    RULES[rule.name] = rule
    return rule


def get_activation(name: str) -> Activation:
    """The registered activation ``name`` (``"linear"``, ...).

    Raises:
        UnknownNameError: no such activation; the message lists the known ones.
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"unknown activation {name!r} (known: "
                               f"{', '.join(sorted(ACTIVATIONS))})") from None


def get_rule(name: str, *, noise: bool = False, weight_decay: bool = False,
             normalized_teacher: bool = True) -> Rule:
    """The registered rule ``name``, with output noise / weight decay / general T switched.

    >>> get_rule("linear-sgd").update  # zeta: the teacher's output noise
    (-hs + ht + zeta,)
    >>> get_rule("linear-sgd").active_update  # noise off
    (-hs + ht,)

    Raises:
        UnknownNameError: no such rule; the message lists the known ones.
    """
    try:
        rule = RULES[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"unknown rule {name!r} (known: {', '.join(sorted(RULES))})") from None
    return rule.with_options(noise=noise, weight_decay=weight_decay,
                             normalized_teacher=normalized_teacher)


def sgd_rule(name: str, model: TeacherStudent, *, description: str = "",
             reference: str = "") -> Rule:
    """On-line gradient descent on the squared error of a soft committee machine.

    Loss ``(sum_i g(hs_i) - sum_n g~(ht_n) - zeta)^2 / 2``, with ``zeta`` the teacher's
    output noise; ``F_i = -d loss / d hs_i`` (Saad & Solla 1995, with M = K = 1 the note's
    Eq. 2 and Eq. 4).
    """
    y = sum(model.student(h) for h in model.student_fields)
    target = sum(model.teacher(h) for h in model.teacher_fields) + zeta
    return Rule.from_loss(name, model, (y - target) ** 2 / 2,
                          description=description, reference=reference)


def custom_rule(update: str | sp.Expr, *, error: str | sp.Expr | None = None,
                name: str = "custom", noise: bool = False, weight_decay: bool = False,
                normalized_teacher: bool = True) -> Rule:
    """A single-unit rule typed by the user, linear teacher and student.

    Arguments:
        update: ``F`` in ``hs``, ``ht`` (local fields), ``zeta`` (output noise) and numbers.
        error: the per-example error in ``hs``, ``ht``; default ``(hs - ht)^2 / 2``.

    >>> custom_rule("ht - hs**3").update
    (-hs**3 + ht,)

    Raises:
        ParseError, UnknownNameError: the expression cannot be read.
    """
    names: Mapping[str, sp.Symbol] = {"hs": hs, "ht": ht, "zeta": zeta}
    F = update if isinstance(update, sp.Basic) else parse_expression(update, names=names,
                                                                      argument="update")
    err = ((hs - ht) ** 2 / 2 if error is None else
           error if isinstance(error, sp.Basic) else
           parse_expression(error, names={"hs": hs, "ht": ht}, argument="error"))
    linear = get_activation("linear")
    model = TeacherStudent(linear, linear, noise=noise, weight_decay=weight_decay,
                           normalized_teacher=normalized_teacher)
    return Rule(name, model, (sp.sympify(F),), sp.sympify(err),
                description="user-defined rule F = " + str(F))


# --- built-in activations -----------------------------------------------------------------
register_activation(Activation("linear", lambda x: x, "g(x) = x"))

# --- built-in rules ----------------------------------------------------------------------------
_linear = get_activation("linear")
register_rule(sgd_rule(
    "linear-sgd", TeacherStudent(_linear, _linear),
    description="linear perceptron, on-line gradient descent on (y - t)^2/2 (Hara, Eqs. 1-4)",
    reference="K. Hara, 'Understanding machine learning with statistical mechanics', Eqs. 1-11"))

# --- nonlinear activations and the classic perceptron rules (issue 4) ----------------------
register_activation(Activation("sign", sp.sign, "g(x) = sign(x)"))
register_activation(Activation("heaviside", sp.Heaviside, "g(x) = Heaviside(x), with g(0) = 1/2"))
register_activation(Activation("erf", lambda x: sp.erf(x / sp.sqrt(2)), "g(x) = erf(x/sqrt(2))"))
register_activation(Activation("relu", lambda x: sp.Max(0, x), "g(x) = max(0, x)"))
register_activation(Activation("tanh", sp.tanh, "g(x) = tanh(x) (averages by cubature)"))

_sign = get_activation("sign")
_sign_model = TeacherStudent(_sign, _sign)
# Noise on a sign teacher: t = sign(ht + zeta), zeta ~ N(0, sigma^2) on the teacher's field
# (Engel & Van den Broeck, Statistical Mechanics of Learning, sec. 5.4); eps_g stays the
# noise-free disagreement of student and teacher, arccos(R / sqrt(Q T)) / pi.
_t = sp.sign(ht + zeta)
_EVDB = "A. Engel and C. Van den Broeck, Statistical Mechanics of Learning (2001), ch. 9"
_disagree = (1 - sp.sign(hs) * sp.sign(ht)) / 2
register_rule(Rule("hebbian", _sign_model, (_t,), _disagree,
                   description="Hebb rule for a sign perceptron: F = t, t = sign(ht + zeta)",
                   reference=_EVDB + ", Eqs. (9.7)-(9.10)"))
register_rule(Rule("perceptron", _sign_model, (_t * sp.Heaviside(-_t * hs),), _disagree,
                   description="perceptron rule, learns on errors only: F = t Heaviside(-t hs)",
                   reference=_EVDB + " (Rosenblatt's rule, on-line)"))
register_rule(Rule("adatron", _sign_model, (-hs * sp.Heaviside(-_t * hs),), _disagree,
                   description="AdaTron rule: F = -hs Heaviside(-t hs) (start from w != 0)",
                   reference=_EVDB + " (AdaTron, Anlauf & Biehl 1989, on-line)"))
_erf = get_activation("erf")
register_rule(sgd_rule(
    "erf-sgd", TeacherStudent(_erf, _erf),
    description="one erf(x/sqrt 2) unit, erf teacher, on-line gradient descent on (y - t)^2/2",
    reference="M. Biehl and H. Schwarze, J. Phys. A 28, 643 (1995); D. Saad and S. A. Solla, "
              "Phys. Rev. E 52, 4225 (1995), K = M = 1"))
_tanh = get_activation("tanh")
register_rule(sgd_rule(
    "tanh-sgd", TeacherStudent(_tanh, _tanh),
    description="one tanh unit, tanh teacher, on-line gradient descent: averages by cubature",
    reference="no closed form: numeric Gaussian averages (Gauss-Hermite cubature)"))
