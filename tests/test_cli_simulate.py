"""``symstat simulate`` and ``symstat reproduce hara``: outputs, validation, whole files."""

import json

import pytest

from symstat import finite_n_curves, finite_n_theory, get_rule
from symstat.cli import main


def run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_json(capsys, tmp_path):
    path = tmp_path / "sim.json"
    code, out, err = run(["simulate", "linear-sgd", "--N", "100", "--eta", "1.0", "--eta", "2.0",
                          "--t-max", "10", "--trials", "100", "--seed", "0", "--format", "json",
                          "--out", str(path)], capsys)
    assert code == 0, err
    data = json.loads(path.read_text())
    for key in ("rule", "N", "trials", "seed", "t", "runs"):
        assert key in data
    assert data["N"] == 100 and data["trials"] == 100 and len(data["t"]) == 11
    assert [r["eta"] for r in data["runs"]] == [1.0, 2.0]
    th = finite_n_theory(get_rule("linear-sgd"))
    fin = finite_n_curves(th, N=100, t=data["t"], eta=[1.0, 2.0], initial={"R0": 0, "Q0": 0})
    for e, r in enumerate(data["runs"]):
        for key in ("eg_mean", "eg_stderr", "R_mean", "Q_mean"):
            assert len(r[key]) == 11
        assert r["diverged"] == 0
        z = [(m - f) / s for m, f, s in zip(r["eg_mean"], fin["eps_g"][e], r["eg_stderr"]) if s]
        assert max(abs(x) for x in z) < 4  # exact finite-N theory, 4 standard errors


def test_simulate_reduced_csv_and_text(capsys):
    code, out, err = run(["simulate", "linear-sgd", "--eta", "0.5", "--trials", "20",
                          "--reduced", "--format", "csv", "--N", "1000"], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0].startswith("eta,t,eg_mean,eg_stderr") and len(lines) == 12
    code, out, err = run(["simulate", "--update", "ht - hs", "--eta", "0.5", "--trials", "5"],
                         capsys)
    assert code == 0 and "eps_g" in out


def test_simulate_divergence_is_reported(capsys):
    code, out, err = run(["simulate", "linear-sgd", "--N", "20", "--eta", "60", "--trials", "3",
                          "--format", "json"], capsys)
    assert code == 0
    run0 = json.loads(out)["runs"][0]
    assert run0["diverged"] == 3 and run0["eg_mean"][-1] is None


@pytest.mark.parametrize("args, word", [
    (["--N", "0"], "--N"), (["--trials", "0"], "--trials"), (["--t-max", "0"], "--t-max"),
    (["--eta", "-1"], "--eta"), (["--eta", "nan"], "--eta"), (["--seed", "-2"], "--seed"),
    (["--sigma", "0.1"], "sigma")])
def test_simulate_validation_one_line(capsys, args, word):
    argv = ["simulate", "linear-sgd", "--trials", "2"] + (["--eta", "1"] if "--eta" not in args
                                                           else []) + args
    code, out, err = run(argv, capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and word in err


def test_reproduce_hara(capsys, tmp_path):
    out_dir = tmp_path / "hara"
    code, out, err = run(["reproduce", "hara", "--out", str(out_dir), "--trials", "40",
                          "--seed", "1"], capsys)
    assert code == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == sorted(["figure1.png", "figure1.pdf", "figure1_overlay.png",
                            "figure1_overlay.pdf", "hara.csv", "hara.json"])
    assert (out_dir / "figure1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out_dir / "figure1.pdf").read_bytes()[:5] == b"%PDF-"
    data = json.loads((out_dir / "hara.json").read_text())
    assert [r["eta"] for r in data["runs"]] == [0.2, 1.0, 1.9, 2.0]
    assert data["eta_crit_finite_N"] == pytest.approx(200 / 102)
    assert all(r["max_abs_z_finite_N"] < 4 for r in data["runs"])
    assert "0.2" in out and "10.0" in out and "agrees" in out
    assert err == ""  # no progress bar when stderr is not a terminal


def test_reproduce_bad_folder_is_one_line_and_writes_nothing(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(["reproduce", "hara", "--out", str(blocker), "--trials", "2"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--out" in err
    assert blocker.read_text() == "x"
    code, out, err = run(["reproduce", "hara", "--trials", "0"], capsys)
    assert code == 2 and "--trials" in err
