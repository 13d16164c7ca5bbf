"""Learning-rate schedules and the optimal learning rate at each time, from the CLI.

References: Hara's note (eta_opt = 1 for the linear perceptron, eps_g = eps_g(0) e^{-t});
Barkai, Seung & Sompolinsky, NIPS 7 (1995) 303 and Biehl & Riegler, Europhys. Lett. 28
(1994) 525: with the optimal schedule the perceptron rule's eps_g decays like 1/t, and the
AdaTron's optimal rate 3/2 gives eps_g ~ 4/(3t).
"""

import json
import math

import pytest

from symstat.cli import main


def run(capsys, *argv):
    assert main(list(argv) + ["--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)["runs"][0]


def test_linear_sgd_optimal_is_eta_1(capsys):
    r = run(capsys, "integrate", "linear-sgd", "--optimal", "--t-max", "4", "--points", "5")
    assert all(e == pytest.approx(1.0) for e in r["eta_t"])
    for i, eg in enumerate(r["eps_g"]):
        assert eg == pytest.approx(0.5 * math.exp(-float(i)), rel=1e-6)


def test_typed_schedule(capsys):
    # eta(t) = 1/(1 + t): dR/dt = (1 - R)/(1 + t), R(0) = 0  =>  R = t/(1 + t) (exact).
    r = run(capsys, "integrate", "linear-sgd", "--schedule", "1/(1 + t)", "--t-max", "9",
            "--points", "4")
    for i, R in enumerate(r["R"]):
        t = 3.0 * i
        assert R == pytest.approx(t / (1 + t), rel=1e-6)


@pytest.mark.slow
def test_perceptron_optimal_schedule_decays_like_one_over_t(capsys):
    r = run(capsys, "integrate", "perceptron", "--optimal", "--R0", "0.1", "--Q0", "1",
            "--t-max", "1000", "--points", "3")
    exponent = math.log(r["eps_g"][2] / r["eps_g"][1]) / math.log(2)
    assert exponent == pytest.approx(-1.0, abs=0.03)


@pytest.mark.slow
def test_adatron_optimal_schedule_reaches_four_thirds(capsys):
    # (Beyond t ~ 1300 the optimal-rate formula loses its digits to cancellation near
    # R = sqrt(Q) in double precision, and the integration stops with a named error.)
    r = run(capsys, "integrate", "adatron", "--optimal", "--R0", "0.1", "--Q0", "1",
            "--t-max", "1000", "--points", "3")
    assert r["eps_g"][2] * 1000 == pytest.approx(4 / 3, rel=0.01)
