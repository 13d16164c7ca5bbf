"""``symstat simulate --compare``: simulation against theory, with z-scores and a verdict.

The references are independent of the simulator: the exact finite-N mean (derived
symbolically, hara.md "Worth knowing") for the note's rule, and the N -> infinity ODEs for
the perceptron rule (Engel & Van den Broeck ch. 9); the tolerance is 4 standard errors.
"""

import json

import pytest

from symstat.cli import main


def run_json(capsys, *argv):
    assert main(list(argv) + ["--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_note_eta2_agrees_with_finite_N_theory(capsys):
    data = run_json(capsys, "simulate", "linear-sgd", "--N", "100", "--eta", "2.0",
                    "--t-max", "10", "--points", "6", "--trials", "200", "--seed", "1",
                    "--compare")
    run = data["runs"][0]
    assert run["agree"] and run["max_abs_z"] <= data["tolerance"] == 4.0
    assert run["eg_theory"][-1] == pytest.approx(1.11, abs=0.01)  # not the N -> inf 0.5


@pytest.mark.slow
def test_perceptron_reduced_agrees_with_odes(capsys):
    data = run_json(capsys, "simulate", "perceptron", "--N", "10000", "--eta", "1",
                    "--t-max", "3", "--points", "4", "--trials", "300", "--R0", "0",
                    "--Q0", "1", "--reduced", "--compare")
    assert data["runs"][0]["agree"], data["runs"][0]["z"]


def test_compare_detects_a_wrong_theory(capsys):
    # At N = 100 and eta = 1.9 the N -> infinity theory is O(1/N) off; with the finite-N
    # theory it agrees. A deliberately tight tolerance must turn the verdict into DISAGREES.
    assert main(["simulate", "linear-sgd", "--N", "100", "--eta", "1.9", "--t-max", "10",
                 "--points", "3", "--trials", "200", "--compare", "--tolerance", "1e-6"]) == 0
    assert "DISAGREES" in capsys.readouterr().out
