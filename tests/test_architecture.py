"""The layout's promises: the symbolic core imports no NumPy/SciPy/matplotlib, the
simulator no SymPy, and every registered rule and activation is reachable from the CLI."""

import ast
import pathlib
import subprocess
import sys

import pytest

import symstat

PKG = pathlib.Path(symstat.__file__).parent
CORE = ["_symbols", "_parse", "_errors", "_trace", "_model", "_registry", "_gauss", "_stein",
        "_closed_forms", "_derive", "_solve", "_check", "_finite_n", "_export", "_latex",
        "symbols", "__init__"]
NUMERIC = {"numpy", "scipy", "matplotlib"}


def imported_modules(path):
    """Every module an import statement names, at any depth of the file."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module or ""


@pytest.mark.parametrize("module", CORE)
def test_symbolic_core_imports_no_numerics(module):
    names = {n.split(".")[0] for n in imported_modules(PKG / f"{module}.py")}
    assert not names & NUMERIC, f"{module} imports {names & NUMERIC}"


def test_simulator_imports_no_sympy():
    names = {n.split(".")[0] for n in imported_modules(PKG / "_simulate.py")}
    assert "sympy" not in names


def test_symbolic_api_runs_without_numpy():
    # Block NumPy entirely: deriving and solving every registered rule must still work.
    code = ("import sys; sys.modules['numpy'] = None; sys.modules['scipy'] = None\n"
            "import symstat\n"
            "for name in symstat.RULES:\n"
            "    symstat.solve(symstat.derive(symstat.RULES[name]))\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_every_rule_is_listed_by_the_cli(capsys):
    from symstat.cli import main
    assert main(["rules"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert listed == set(symstat.RULES)
