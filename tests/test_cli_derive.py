"""The command line of the symbolic pipeline: derive, check, integrate, rules; bad input.

Expressions printed as JSON are read back with ``sympy.sympify`` and compared with the
note's equations (Hara, Eqs. 5, 7, 9, 10, 11) symbolically.
"""

import json
import subprocess
import sys

import pytest
import sympy as sp

from symstat.cli import main

NAMES = {n: sp.Symbol(n) for n in "R Q T eta t R0 Q0 sigma lam".split()}
R, Q, eta, t, R0, Q0, sigma, lam = (NAMES[n] for n in "R Q eta t R0 Q0 sigma lam".split())


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def read(s):
    return sp.sympify(s, locals=NAMES)


def zero(e):
    return sp.simplify(e) == 0


def test_derive_json_reproduces_the_note(capsys):
    code, out, err = run(capsys, "derive", "linear-sgd", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    for key in ("rule", "order_parameters", "odes", "generalization_error", "solution",
                "eta_opt", "eta_crit"):
        assert key in data
    assert data["rule"] == "linear-sgd" and data["order_parameters"] == ["R", "Q"]
    assert zero(read(data["generalization_error"]) - (1 - 2 * R + Q) / 2)  # Eq. 5
    assert zero(read(data["odes"]["R"]) - eta * (1 - R))  # Eq. 7
    assert zero(read(data["odes"]["Q"]) - (2 * eta * (R - Q) + eta**2 * (1 - 2 * R + Q)))  # Eq. 9
    assert zero(read(data["solution"]["R"]) - (1 - (1 - R0) * sp.exp(-eta * t)))  # Eq. 10
    eq11 = 1 - 2 * (1 - R0) * sp.exp(-eta * t) + (Q0 - 2 * R0 + 1) * sp.exp(-eta * (2 - eta) * t)
    assert zero(read(data["solution"]["Q"]) - eq11)  # Eq. 11
    assert read(data["eta_opt"]) == 1 and read(data["eta_crit"]) == 2


def test_derive_custom_cubic_rule(capsys):
    code, out, _ = run(capsys, "derive", "--update", "ht - hs^3", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["solution"] is None and data["eta_opt"] is None
    # Isserlis by hand: <hs^3 ht> = 3QR, <hs^4> = 3Q^2, <hs^6> = 15 Q^3.
    assert zero(read(data["odes"]["R"]) - eta * (1 - 3 * Q * R))
    assert zero(read(data["odes"]["Q"]) - (2 * eta * (R - 3 * Q**2)
                                           + eta**2 * (1 - 6 * Q * R + 15 * Q**3)))


def test_derive_custom_with_noise_and_weight_decay(capsys):
    code, out, _ = run(capsys, "derive", "--update", "ht + zeta - hs", "--noise",
                       "--weight-decay", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert zero(read(data["odes"]["R"]) - (eta * (1 - R) - eta * lam * R))
    assert zero(read(data["odes"]["Q"]) - (2 * eta * (R - Q) + eta**2 * (1 - 2 * R + Q + sigma**2)
                                           - 2 * eta * lam * Q))
    assert zero(read(data["eta_opt"]) - (1 + lam))


def test_derive_text_and_latex(capsys):
    code, out, _ = run(capsys, "derive", "linear-sgd")
    assert code == 0 and "dR/dt" in out and "eta_crit" in out
    code, out, _ = run(capsys, "derive", "linear-sgd", "--format", "latex")
    assert code == 0 and r"\begin{align}" in out


def test_rules_lists_linear_sgd(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0 and any(line.startswith("linear-sgd ") for line in out.splitlines())


EQ11 = "1 - 2*(1 - R0)*exp(-eta*t) + (Q0 - 2*R0 + 1)*exp(-eta*(2 - eta)*t)"


def test_check_right_and_wrong(capsys):
    code, out, _ = run(capsys, "check", "linear-sgd", "--ode", "R=eta*(1 - R)",
                       "--ode", "Q=2*eta*(R - Q) + eta^2*(1 - 2*R + Q)",
                       "--solution", f"Q={EQ11}", "--eg", "(1 - 2*R + Q)/2")
    assert code == 0, out
    flipped = EQ11.replace("- 2*(1 - R0)", "+ 2*(1 - R0)")
    code, out, _ = run(capsys, "check", "linear-sgd", "--solution", f"Q={flipped}")
    assert code == 1 and "WRONG" in out and "residual" in out
    residual = read(out.split("residual (claimed - derived):")[1].strip())
    assert zero(residual - 4 * (1 - R0) * sp.exp(-eta * t))


@pytest.mark.parametrize("argv, fragment", [
    (["derive", "--update", "__import__('os').system('id')", "--format", "json"], "not a known function"),
    (["derive", "--update", "foo + hs"], "unknown name 'foo'"),
    (["derive", "--update", "ht - "], "not a valid expression"),
    (["derive", "--update", "tan(hs)*ht"], "tan"),  # poles: no closed form, no cubature
    (["derive", "nope"], "unknown rule 'nope'"),
    (["derive"], "give a RULE"),
    (["integrate", "linear-sgd", "--eta", "-1"], "must be a positive number, got '-1'"),
    (["integrate", "linear-sgd", "--eta", "abc"], "must be a positive number, got 'abc'"),
    (["integrate", "linear-sgd", "--eta", "1", "--noise"], "missing value for sigma"),
    (["check", "linear-sgd", "--ode", "X=1"], "'X' is not an order parameter"),
    (["check", "linear-sgd", "--ode", "R"], "must be NAME=EXPR"),
])
def test_bad_input_one_line_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert fragment in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_injection_runs_nothing_via_subprocess(tmp_path):
    marker = tmp_path / "pwned"
    proc = subprocess.run([sys.executable, "-m", "symstat", "derive", "--update",
                           f"__import__('os').system('touch {marker}')", "--format", "json"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and not marker.exists()
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


def test_integrate_json_matches_closed_form(capsys):
    code, out, _ = run(capsys, "integrate", "linear-sgd", "--eta", "1", "--points", "3",
                       "--format", "json")
    data = json.loads(out)
    import math
    eg = data["runs"][0]["eps_g"]
    assert eg[2] == pytest.approx(0.5 * math.exp(-10), rel=1e-9)  # Eq. 5 with Eqs. 10-11 at eta = 1
