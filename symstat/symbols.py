"""The field's notation as SymPy symbols (public): ``R, Q, T, eta, t, R0, Q0, sigma, lam``,
the local fields ``hs, ht`` and the output noise ``zeta``.

>>> from symstat.symbols import R, eta
>>> eta.is_positive
True
"""

from ._symbols import *  # noqa: F401,F403
from ._symbols import __all__  # noqa: F401
