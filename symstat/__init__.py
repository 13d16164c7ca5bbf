"""symstat: the statistical mechanics of on-line learning, by computer algebra.

>>> import symstat
>>> d = symstat.derive(symstat.get_rule("linear-sgd"))
>>> d.odes[symstat.symbols.R]
eta*(1 - R)
"""

from . import _symbols as symbols
from ._derive import Derivation, derive
from ._errors import (NoClosedFormError, ParseError, SpecificationError, SymstatError,
                      UnknownNameError, UnsupportedAverageError)
from ._gauss import GaussianFields, register_average_handler
from ._model import Activation, Rule, TeacherStudent
from ._parse import parse_expression
from ._registry import (ACTIVATIONS, RULES, custom_rule, get_activation, get_rule,
                        register_activation, register_rule, sgd_rule)
from ._trace import Average, Step
from ._solve import Solution, solve
from ._check import (CheckItem, CheckResult, check_generalization_error, check_odes,
                     check_solution)

__version__ = "0.1.0"

__all__ = [
    "symbols", "Derivation", "derive", "SymstatError", "ParseError", "UnknownNameError",
    "SpecificationError", "UnsupportedAverageError", "NoClosedFormError", "GaussianFields",
    "register_average_handler", "Activation", "Rule", "TeacherStudent", "parse_expression",
    "ACTIVATIONS", "RULES", "custom_rule", "get_activation", "get_rule", "register_activation",
    "register_rule", "sgd_rule", "Average", "Step", "Solution", "solve", "CheckItem", "CheckResult",
    "check_odes", "check_solution", "check_generalization_error",
]
