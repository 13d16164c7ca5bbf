"""Reading expressions typed by a user, through a whitelist: nothing is ever evaluated.

The string is parsed by Python's :mod:`ast` and the tree is walked node by node; only
numbers, whitelisted names, arithmetic and calls of whitelisted functions are accepted.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import sympy as sp

from ._errors import ParseError, UnknownNameError
from ._symbols import CANONICAL

__all__ = ["parse_expression", "FUNCTIONS", "CONSTANTS"]

#: Functions a user may call in an expression.
FUNCTIONS: dict[str, object] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
    "tan": sp.tan, "tanh": sp.tanh, "atan": sp.atan, "asin": sp.asin, "acos": sp.acos,
    "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan, "erf": sp.erf,
    "sign": sp.sign, "Heaviside": sp.Heaviside, "theta": sp.Heaviside, "abs": sp.Abs,
    "Abs": sp.Abs, "relu": lambda x: sp.Max(0, x), "Max": sp.Max, "Min": sp.Min,
}
CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse_expression(text: str, *, names: Mapping[str, sp.Basic] | None = None,
                     argument: str = "expression") -> sp.Expr:
    """Parse ``text`` into a SymPy expression using only whitelisted names.

    Arguments:
        text: the expression, e.g. ``"eta*(1 - R)"``; ``^`` means power.
        names: the symbols allowed (default: symstat's canonical ones,
            ``R, Q, T, eta, t, R0, Q0, sigma, lam, hs, ht, zeta``).
        argument: the name of the argument it came from, quoted in errors.

    Returns:
        The expression; decimal numbers become exact ``Rational``.

    Raises:
        ParseError: malformed input or a construct outside the whitelist.
        UnknownNameError: a name that is neither an allowed symbol nor a function.

    >>> parse_expression("2*eta*(R - Q) + eta^2*(1 - 2*R + Q)")
    eta**2*(Q - 2*R + 1) + 2*eta*(-Q + R)
    >>> parse_expression("0.5*hs")
    hs/2
    """
    allowed = dict(CANONICAL if names is None else names)
    if not isinstance(text, str):
        raise ParseError(f"{argument} must be a string, got {type(text).__name__} {text!r}")
    if not text.strip():
        raise ParseError(f"{argument} is empty")
    try:
        # ``^`` is power here, with power's precedence (Python's ^ binds looser than +).
        tree = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ParseError(f"{argument} {text!r} is not a valid expression ({exc.msg})") from None

    def build(node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ParseError(f"{argument} {text!r}: only numbers are allowed as constants, "
                                 f"got {node.value!r}")
            if isinstance(node.value, int):
                return sp.Integer(node.value)
            return sp.Rational(repr(node.value))
        if isinstance(node, ast.Name):
            if node.id in allowed:
                return allowed[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id in FUNCTIONS:
                raise ParseError(f"{argument} {text!r}: function {node.id!r} must be called")
            raise UnknownNameError(
                f"{argument} {text!r}: unknown name {node.id!r} (allowed: "
                f"{', '.join(sorted(allowed))}; functions: {', '.join(sorted(FUNCTIONS))})")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](build(node.left), build(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise UnknownNameError(f"{argument} {text!r}: {what!r} is not a known function "
                                       f"(allowed: {', '.join(sorted(FUNCTIONS))})")
            if node.keywords:
                raise ParseError(f"{argument} {text!r}: keyword arguments are not allowed")
            args = [build(a) for a in node.args]
            try:
                return FUNCTIONS[node.func.id](*args)
            except TypeError as exc:
                raise ParseError(f"{argument} {text!r}: bad call of {node.func.id}: {exc}") from None
        raise ParseError(f"{argument} {text!r}: {type(node).__name__} is not allowed "
                         f"(only numbers, names, + - * / ** ^ and function calls)")

    return sp.sympify(build(tree))
