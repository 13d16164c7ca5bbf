"""A soft committee machine (Saad & Solla 1995): K = 2 erf(x/sqrt 2) students, M = 1 teacher.

The derived order-parameter ODEs (R_in, Q_ik in Saad & Solla's notation) are integrated
numerically and compared with both simulators of the actual weights, within 4 standard
errors at every recorded time; the t = 0 point, where all trials coincide, must give z = 0.
"""

import numpy as np
import pytest

import symstat
from symstat import NumericRule, compare, simulate, theory_curves


@pytest.fixture(scope="module")
def scm():
    erf = symstat.get_activation("erf")
    rule = symstat.sgd_rule("scm-erf", symstat.TeacherStudent(erf, erf, K=2, M=1))
    t = np.linspace(0, 2, 5)
    init = {"R_11": 0.1, "R_21": 0.0, "Q_11": 0.5, "Q_12": 0.1, "Q_22": 0.5}
    theory = theory_curves(rule, t=t, eta=[0.5], initial=init)
    return rule, t, theory


def test_state_is_saad_solla_order_parameters(scm):
    rule, _, _ = scm
    d = symstat.derive(rule)
    assert [s.name for s in d.state] == ["R_11", "R_21", "Q_11", "Q_12", "Q_22"]


@pytest.mark.slow
@pytest.mark.parametrize("method, N, trials", [("microscopic", 500, 100), ("reduced", 5000, 400)])
def test_simulation_matches_integrated_odes(scm, method, N, trials):
    rule, t, theory = scm
    sim = simulate(NumericRule.from_rule(rule), N=N, eta=0.5, t=t, trials=trials, seed=1,
                   R0=np.array([[0.1], [0.0]]), Q0=np.array([[0.5, 0.1], [0.1, 0.5]]),
                   method=method)
    result = compare(sim, theory["eps_g"], tolerance=4.0)
    assert result.z[0, 0] == 0.0
    assert result.ok, result.verdict()
