"""symstat: the statistical mechanics of on-line learning, by computer algebra.

The symbolic stages (rules, Gaussian averages, ODEs, solution, checks, LaTeX) import no
NumPy; the numeric ones (:mod:`symstat.numerics`, simulation, comparison, asymptotics) are
loaded on first use.

>>> import symstat
>>> d = symstat.derive(symstat.get_rule("linear-sgd"))
>>> d.odes[symstat.symbols.R]
eta*(1 - R)
"""

import importlib

from . import symbols
from ._errors import (NoClosedFormError, ParseError, SpecificationError, SymstatError,
                      UnknownNameError, UnsupportedAverageError)
from ._trace import Average, Step
from ._gauss import GaussianFields, register_average_handler
from . import _closed_forms  # noqa: F401  (registers the closed-form and cubature handlers)
from ._model import Activation, Rule, TeacherStudent
from ._parse import parse_expression
from ._registry import (ACTIVATIONS, RULES, custom_rule, get_activation, get_rule,
                        register_activation, register_rule, sgd_rule)
from ._derive import Derivation, derive
from ._solve import Solution, solve
from ._check import (CheckItem, CheckResult, check_generalization_error, check_odes,
                     check_solution)
from ._finite_n import FiniteNTheory, finite_n_theory
from ._latex import compile_pdf, latex_document, latex_equations, read_equations

__version__ = "0.1.0"

# Numeric names, imported on first use (they need NumPy/SciPy): name -> module.
_LAZY = {
    "NumericRule": "._simulate", "Simulation": "._simulate", "simulate": "._simulate",
    "Comparison": "._compare", "compare": "._compare", "finite_n_curves": "._compare",
    "theory_curves": "._compare",
    "Asymptotics": "._asymptotics", "asymptotics": "._asymptotics",
    "optimal_learning_rate": "._asymptotics", "with_learning_rate": "._asymptotics",
    "integrate_schedule": "._asymptotics",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name == "numerics":
        return importlib.import_module(".numerics", __name__)
    raise AttributeError(f"module 'symstat' has no attribute {name!r}")


__all__ = [
    "symbols", "Derivation", "derive", "SymstatError", "ParseError", "UnknownNameError",
    "SpecificationError", "UnsupportedAverageError", "NoClosedFormError", "GaussianFields",
    "register_average_handler", "Activation", "Rule", "TeacherStudent", "parse_expression",
    "ACTIVATIONS", "RULES", "custom_rule", "get_activation", "get_rule", "register_activation",
    "register_rule", "sgd_rule", "Average", "Step", "Solution", "solve", "CheckItem", "CheckResult",
    "check_odes", "check_solution", "check_generalization_error",
    "latex_document", "latex_equations", "read_equations", "compile_pdf",
    "FiniteNTheory", "finite_n_theory", *_LAZY,
]
