"""Whitelist parsing, the checker's verdicts, and numeric option validation."""

import numpy as np
import pytest
import sympy as sp

from symstat import (ParseError, SpecificationError, UnknownNameError, check_generalization_error,
                     check_odes, check_solution, custom_rule, derive, get_rule, parse_expression,
                     solve)
from symstat.numerics import check_parameters, integrate, ode_function, update_function
from symstat.symbols import Q, R, eta


def test_parse_precedence_and_exact_numbers():
    e = parse_expression("eta^2*(1 - 2*R + Q) + 0.5*R")
    assert sp.expand(e - (eta**2 * (1 - 2 * R + Q) + sp.Rational(1, 2) * R)) == 0
    assert parse_expression("0.1").is_Rational  # exact: 1/10, not a float


@pytest.mark.parametrize("text, error", [
    ("__import__('os')", UnknownNameError), ("(lambda: 1)()", UnknownNameError),
    ("R.__class__", ParseError), ("[1, 2]", ParseError), ("'a'", ParseError),
    ("R if Q else T", ParseError), ("", ParseError), ("exp", ParseError),
    ("exp(x=1)", ParseError), ("True", ParseError),
])
def test_parse_refuses(text, error):
    with pytest.raises(error):
        parse_expression(text)


def test_check_note_eq11_right_and_flipped_sign_wrong():
    s = solve(derive(get_rule("linear-sgd")))
    eq11 = "1 - 2*(1 - R0)*exp(-eta*t) + (Q0 - 2*R0 + 1)*exp(-eta*(2 - eta)*t)"  # Hara Eq. 11
    assert check_solution(s, {"Q": eq11}).ok
    bad = check_solution(s, {"Q": eq11.replace("(Q0 - 2*R0 + 1)", "(Q0 + 2*R0 + 1)")})
    assert not bad.ok
    t, R0 = sp.Symbol("t"), sp.Symbol("R0")
    residual = bad.items[0].residual.subs({x: sp.Symbol(x.name) for x in bad.items[0].residual.free_symbols})
    assert sp.simplify(residual - 4 * R0 * sp.exp(sp.Symbol("eta") * t * (sp.Symbol("eta") - 2))) == 0


def test_check_accepts_user_symbols_without_assumptions():
    d = derive(get_rule("linear-sgd"))
    Rp, etap = sp.symbols("R eta")  # plain symbols, as a user would make them
    assert check_odes(d, {"R": etap * (1 - Rp)}).ok
    assert check_generalization_error(d, "(1 - 2*R + Q)/2").ok


def test_check_solution_without_closed_form_by_substitution():
    # dR/dt = eta (1 - 3QR) etc. has no closed form; R = Q = 0 for all t is not a solution.
    s = solve(derive(custom_rule("ht - hs**3")))
    assert s.solution is None
    result = check_solution(s, {"R": "0", "Q": "0"})
    assert not result.ok
    with pytest.raises(SpecificationError, match="missing: Q"):
        check_solution(s, {"R": "0"})


def test_numeric_parameters_are_validated_and_named():
    d = derive(get_rule("linear-sgd", noise=True))
    with pytest.raises(SpecificationError, match="missing value for sigma"):
        check_parameters(d.parameters, {"eta": 1.0})
    with pytest.raises(SpecificationError, match="eta must be positive, got -1"):
        ode_function(d, {"eta": -1, "sigma": 0.1})
    with pytest.raises(SpecificationError, match="sigma must be a number, got 'x'"):
        ode_function(d, {"eta": 1, "sigma": "x"})
    with pytest.raises(SpecificationError, match="unexpected parameter lam"):
        ode_function(d, {"eta": 1, "sigma": 0.1, "lam": 0.1})
    with pytest.raises(SpecificationError, match="t_eval must be"):
        integrate(d, initial={"R": 0, "Q": 0}, t_eval=[1, 0], parameters={"eta": 1, "sigma": 0})


def test_update_function_is_the_rule_numerically():
    F = update_function(get_rule("linear-sgd"))
    x = np.linspace(-2, 2, 5)
    np.testing.assert_allclose(F(x, 2 * x, np.zeros_like(x)), x)
    assert np.shape(update_function(custom_rule("1 + 0*hs"))(x, x, x)) == x.shape
    assert "hs, ht, zeta" in update_function(get_rule("linear-sgd")).__doc__


def test_ode_function_matches_hand_values():
    f = ode_function(derive(get_rule("linear-sgd")), {"eta": 0.5})
    # Hara Eqs. 7, 9 at R = 0.2, Q = 0.3, eta = 0.5.
    np.testing.assert_allclose(f(0.0, [0.2, 0.3]),
                               [0.5 * 0.8, 2 * 0.5 * (0.2 - 0.3) + 0.25 * (1 - 0.4 + 0.3)])
    assert "(R, Q)" in f.__doc__
