"""``symstat analyze``: JSON with the asymptotic law, fixed points and stability.

References: the perceptron rule's eps_g ~ (2/3)^(1/3)/pi t^(-1/3) (hand derivation from
Engel & Van den Broeck ch. 9 ODEs, see tests/test_nonlinear_rules.py); erf SGD's fixed
point R = Q = 1 (student = teacher, Saad & Solla 1995).
"""

import json
import math

from symstat.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_analyze_perceptron_json(capsys):
    code, out, _ = run(capsys, "analyze", "perceptron", "--eta", "1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    a = data["asymptotics"]
    assert a["method"] == "derived" and a["exponent"] == -1 / 3
    assert math.isclose(a["prefactor"], (2 / 3) ** (1 / 3) / math.pi, rel_tol=1e-12)


def test_analyze_erf_sgd_fixed_point(capsys):
    code, out, _ = run(capsys, "analyze", "erf-sgd", "--eta", "1", "--format", "json",
                       "--t-max", "100")
    data = json.loads(out)
    assert code == 0 and data["fixed_points"] == [{"R": 1.0, "Q": 1.0}]
    assert data["stable"] is True and data["asymptotics"]["law"] == "exponential"
    assert all(e["re"] < 0 for e in data["eigenvalues"])


def test_analyze_text_and_bad_input(capsys):
    code, out, _ = run(capsys, "analyze", "hebbian", "--eta", "0.5", "--t-max", "1000")
    assert code == 0 and "t^(-0.5)" in out
    code, _, err = run(capsys, "analyze", "hebbian", "--eta", "1", "--R0", "3")
    assert code == 2 and "R0" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "analyze", "nosuchrule", "--eta", "1")
    assert code == 2 and "nosuchrule" in err
