"""Simulations at N = 1000 of the nonlinear rules agree with the integrated large-N ODEs.

Reference: the simulated order parameters' trial mean at t = 2 vs the ODE integration,
within 4 standard errors of the mean (plus an O(1/N) allowance of 3/N for finite-size
corrections), fixed seeds.
"""

import numpy as np
import pytest

import symstat
from symstat._simulate import NumericRule, simulate


@pytest.mark.slow
@pytest.mark.parametrize("name,eta", [("hebbian", 1.0), ("perceptron", 1.0),
                                      ("adatron", 1.5), ("erf-sgd", 1.0)])
@pytest.mark.parametrize("method", ["microscopic", "reduced"])
def test_simulation_matches_odes(name, eta, method):
    rule = symstat.get_rule(name)
    d = symstat.derive(rule)
    t = np.array([0.0, 1.0, 2.0])
    traj = symstat.numerics.integrate(d, initial={"R": 0.0, "Q": 1.0}, t_eval=t,
                                      parameters={"eta": eta})
    sim = simulate(NumericRule.from_rule(rule), N=1000, eta=eta, t=t, trials=40, seed=5,
                   R0=0.0, Q0=1.0, method=method)
    for k in ("R", "Q"):
        x = np.asarray(sim.state[k]).reshape(-1, len(t))[:, -1] if np.ndim(sim.state[k]) > 1 \
            else np.asarray(sim.state[k])
        mean, se = x.mean(), x.std(ddof=1) / np.sqrt(x.size)
        assert abs(mean - traj.state[k][-1]) <= 4 * se + 3e-3, (k, mean, se, traj.state[k][-1])
