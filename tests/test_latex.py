"""LaTeX documents of derivations (issue 5).

References used here:
- K. Hara, "Understanding machine learning with statistical mechanics" (the note;
  /work/shared/reference/hara.md): Eqs. 2, 4, 5, 7, 9, 10, 11, the fixed point R = Q = 1,
  and the learning rates eta = 1 (fastest) and eta = 2 (critical).
- Isserlis (1918): E[h_1 ... h_2n] = sum over pairings of products of covariances
  (an exact identity checked on every Wick step of every registered rule).
- The round trip: every labelled equation parses back (SymPy's LaTeX parser) to an
  expression symbolically equal to the derived one, for every rule in the registry.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp

import symstat
from symstat import (RULES, SpecificationError, UnknownNameError, custom_rule, derive,
                     get_rule, latex_document, read_equations, solve)
from symstat._symbols import Q, Q0, R, R0, eta, hs, ht, t
from symstat.cli import main

try:  # SymPy's LaTeX parser needs antlr4-python3-runtime 4.11 (the "test" extra)
    from sympy.parsing.latex import parse_latex
    parse_latex("x")
    HAVE_PARSER = True
except ImportError:
    HAVE_PARSER = False

needs_parser = pytest.mark.skipif(
    not HAVE_PARSER, reason="SymPy's LaTeX parser needs antlr4-python3-runtime==4.11.* "
                            "(pip install -e '.[test]')")
HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftoppm") is not None
needs_tex = pytest.mark.skipif(
    not HAVE_TEX, reason="no TeX engine here (pdflatex and pdftoppm missing; .ci/run installs "
                         "texlive-latex-base and poppler-utils, so CI always runs these)")

RULE_NAMES = sorted(RULES)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    diff = sp.sympify(a) - sp.sympify(b)
    return sp.expand(diff) == 0 or sp.simplify(diff) == 0


def _expected(d, s) -> dict[str, sp.Expr]:
    """Every labelled equation of the document, as derived (the round trip's reference)."""
    rule = d.rule
    exp: dict[str, sp.Expr] = {"eps_g": d.generalization_error}
    if rule.loss is not None:
        exp["loss"] = rule.loss if rule.model.noise else rule.loss.subs(symstat.symbols.zeta, 0)
    for i, F in enumerate(rule.active_update, 1):
        exp[f"update:{i}"] = F
    for k, a in enumerate(d.averages, 1):
        exp[f"avg:{k}"] = a.value
    for x, r in d.odes.items():
        exp[f"ode:{x.name}"] = r
    if s.solution is not None:
        exp.update({f"sol:{x.name}": v for x, v in s.solution.items()})
        if s.generalization_error is not None:
            exp["sol:eps_g"] = s.generalization_error
    for k, fp in enumerate(s.fixed_points, 1):
        exp.update({f"fp:{k}:{x.name}": v for x, v in fp.items()})
        exp[f"fp:{k}:eps_g"] = d.generalization_error.subs(fp, simultaneous=True)
    exp.update({f"eig:{j}": e for j, e in enumerate(s.eigenvalues, 1)})
    if s.decay_rate is not None and not isinstance(s.decay_rate, (sp.Min, sp.Max)):
        exp["decay"] = s.decay_rate
    if s.eta_opt is not None:
        exp["eta_opt"] = s.eta_opt
    if s.eta_crit is not None:
        exp["eta_crit"] = s.eta_crit
    return exp


def _mismatches(tex: str, expected: dict[str, sp.Expr]) -> list[str]:
    got = read_equations(tex)
    bad = [f"missing {k}" for k in expected if k not in got]
    bad += [f"unexpected {k}" for k in got if k not in expected]
    bad += [k for k in expected if k in got and not _same(got[k], expected[k])]
    return bad


@pytest.fixture(scope="module")
def documents():
    """``{rule name: (derivation, solution, LaTeX)}``, built once."""
    out = {}
    for name in RULE_NAMES:
        d = derive(get_rule(name), trace=True)
        s = solve(d)
        out[name] = (d, s, latex_document(s))
    return out


# --- the note's equations -----------------------------------------------------------------
@needs_parser
def test_linear_sgd_document_has_every_equation_of_the_note(documents):
    d, s, tex = documents["linear-sgd"]
    eq = read_equations(tex)
    note = {
        "loss": (hs - ht) ** 2 / 2,                                   # Eq. 2
        "update:1": ht - hs,                                          # Eq. 4: t - y
        "eps_g": (1 - 2 * R + Q) / 2,                                 # Eq. 5
        "ode:R": eta * (1 - R),                                       # Eq. 7
        "ode:Q": 2 * eta * (R - Q) + eta**2 * (1 - 2 * R + Q),        # Eq. 9
        "sol:R": 1 - (1 - R0) * sp.exp(-eta * t),                     # Eq. 10
        "sol:Q": (1 - 2 * (1 - R0) * sp.exp(-eta * t)                 # Eq. 11
                  + (Q0 - 2 * R0 + 1) * sp.exp(-eta * (2 - eta) * t)),
        "fp:1:R": 1, "fp:1:Q": 1, "fp:1:eps_g": 0,                    # fixed point, eps_g = 0
        "eta_opt": 1, "eta_crit": 2,                                  # -eta(2 - eta) at 1; >= 2
    }
    for label, value in note.items():
        assert _same(eq[label], value), (label, eq[label], value)
    # Eqs. 6 and 8 (the one-step updates of R and Q) are in the document, with eta/N, 2 eta/N,
    # eta^2/N^2 and x.x; Eq. 3 as the average of the error.
    assert r"R^{m+1} &= R^{m} + \frac{\eta}{N} F h_{t}" in tex
    assert r"\frac{\eta^{2}}{N^{2}} F^{2} \boldsymbol{x} \cdot \boldsymbol{x}" in tex
    assert r"\frac{2\eta}{N} F h_{s}" in tex
    # sections in the note's order
    sections = re.findall(r"\\section\{([^}]*)\}", tex)
    assert sections == ["Model and update rule", "Order parameters", "Generalization error",
                        "Gaussian averages, step by step", "Order-parameter equations",
                        "Solution", "Fixed points and stability",
                        "Optimal and critical learning rates"]


# --- round trip ------------------------------------------------------------------------------
@needs_parser
@pytest.mark.parametrize("name", RULE_NAMES)
def test_round_trip_every_rule(documents, name):
    d, s, tex = documents[name]
    expected = _expected(d, s)
    assert len(expected) >= 4 + len(d.state)
    assert _mismatches(tex, expected) == []


def _corrupt(tex, label, old, new):
    """``tex`` with ``old`` replaced by ``new`` inside the equation labelled ``label``."""
    start = tex.index(rf"\label{{symstat:{label}}}")
    end = tex.index(r"\end{equation}", start)
    block = tex[start:end]
    assert old in block
    return tex[:start] + block.replace(old, new) + tex[end:]


@needs_parser
def test_corrupted_equations_fail_the_round_trip(documents):
    d, s, tex = documents["linear-sgd"]
    expected = _expected(d, s)
    bad = _corrupt(tex, "ode:R", r"\left(1 - R\right)", r"\left(1 + R\right)")
    assert _mismatches(bad, expected) == ["ode:R"]
    # a wrong exponent in Eq. 11
    bad = _corrupt(tex, "sol:Q", r"\eta - 2", r"\eta - 3")
    assert _mismatches(bad, expected) == ["sol:Q"]
    # a dropped equation
    bad = tex.replace(r"\label{symstat:eta_crit}", "")
    assert _mismatches(bad, expected) == ["missing eta_crit"]


@needs_parser
def test_renamed_symbols_and_time_round_trip():
    rule = get_rule("linear-sgd")
    tex = latex_document(rule, symbols={"R": "r", "eta": r"\gamma"}, time=r"\alpha")
    assert r"\frac{dr}{d\alpha}" in tex and r"r(\alpha)" in tex
    assert r"\frac{dR}{dt}" not in tex
    d = derive(rule, trace=True)
    assert _mismatches(tex, _expected(d, solve(d))) == []


def test_bad_symbol_names_are_refused():
    rule = get_rule("linear-sgd")
    with pytest.raises(UnknownNameError, match="'W'"):
        latex_document(rule, symbols={"W": "w"})
    with pytest.raises(SpecificationError, match="'R'"):
        latex_document(rule, symbols={"R": "r}"})
    with pytest.raises(SpecificationError, match="'t'"):
        latex_document(rule, time="")
    with pytest.raises(SpecificationError, match="Rule, Derivation or Solution"):
        latex_document("linear-sgd")


# --- the steps ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", RULE_NAMES)
def test_every_wick_step_is_isserlis(documents, name):
    """Each Wick step's value is the sum over its pairings of products of covariances."""
    d, _, tex = documents[name]
    n = 0
    for a in d.averages:
        for st in a.steps:
            if st.kind == "wick" and st.details:
                total = sp.Add(*[sp.Mul(*[c for _, _, c in p]) for p in st.details])
                assert sp.expand(total - st.rhs) == 0, (a.label, st)
                n += 1
    assert tex.count(r"\subsection*") == len(d.averages)
    if any(st.kind == "wick" for a in d.averages for st in a.steps):
        assert n > 0 and "Isserlis' theorem" in tex


def test_every_step_kind_is_rendered(documents):
    d, _, tex = documents["linear-sgd"]
    kinds = {st.kind for a in d.averages for st in a.steps}
    assert kinds == {"expand", "wick", "collect"}
    # <(hs - ht)^2 / 2>: the expansion by linearity and its three moments
    assert (r"\frac{1}{2} \left\langle h_{s}^{2} \right\rangle + \frac{1}{2} "
            r"\left\langle h_{t}^{2} \right\rangle - \left\langle h_{s} h_{t} \right\rangle"
            in tex)
    assert r"\left\langle h_{s} h_{t} \right\rangle &= \left\langle h_{s} h_{t} \right\rangle = R" in tex
    # a step kind the renderer has never seen still shows up, with its description
    from symstat._latex import _Writer, _default_names
    step = symstat.Step("mystery", hs * ht, R, "a new kind of step", "Someone (2030)")
    avg = symstat.Average("<F ht>", hs * ht, R, (step,))
    w = _Writer(d, solve(d), _default_names(d))
    w.average(1, avg)
    out = "\n".join(w.out)
    assert "a new kind of step" in out and "Someone (2030)" in out and "mystery" in out


# --- compiling ------------------------------------------------------------------------------
def _pages(pdf, tmp_path, dpi=50) -> list[np.ndarray]:
    """The PDF's pages as grey images (0 black .. 255 white), via pdftoppm -gray (PGM)."""
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True)
    pages = []
    for f in sorted(tmp_path.glob("page-*.pgm")):
        data = f.read_bytes()
        m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        w, h = int(m.group(1)), int(m.group(2))
        pages.append(np.frombuffer(data[m.end():m.end() + w * h], np.uint8).reshape(h, w))
    return pages


def _check_rendering(tex: str, tmp_path) -> None:
    pdf, log = symstat.compile_pdf(tex, tmp_path / "doc.pdf")
    overfull = [ln for ln in log.splitlines() if ln.startswith("Overfull \\hbox")]
    assert overfull == []
    dpi = 50
    pages = _pages(pdf, tmp_path, dpi)
    assert pages
    ink = (pages[0] < 128).mean()
    assert ink > 0.005, f"page 1 is blank ({ink:.4%} ink)"
    # margins are 2.5 cm: nothing may run into the outer 1.5 cm of any page
    strip = int(1.5 / 2.54 * dpi)
    for k, page in enumerate(pages, 1):
        assert (page[:, -strip:] < 128).sum() == 0, f"page {k}: ink in the right margin"


@needs_tex
@pytest.mark.parametrize("name", RULE_NAMES)
def test_every_rule_compiles_without_overfull_lines(documents, name, tmp_path):
    _check_rendering(documents[name][2], tmp_path)


@needs_tex
def test_long_user_rule_breaks_lines_and_compiles(tmp_path):
    terms = ["ht", "-hs"] + [f"{k}/{k + 2}*hs**{a}*ht**{b}" if k % 2 else
                             f"-{k}/{k + 3}*hs**{a}*ht**{b}"
                             for k, (a, b) in enumerate([(1, 2), (2, 1), (3, 0), (0, 3),
                                                         (2, 2), (1, 3), (3, 1), (4, 0)], 1)]
    rule = custom_rule(" + ".join(terms).replace("+ -", "- "))
    assert len(sp.Add.make_args(rule.update[0])) == 10
    tex = latex_document(rule)
    assert r"\begin{split}" in tex and r"\Bigl(" in tex      # long equations were broken
    _check_rendering(tex, tmp_path)
    if HAVE_PARSER:
        d = derive(rule, trace=True)
        assert _mismatches(tex, _expected(d, solve(d))) == []


# --- command line -------------------------------------------------------------------------
def test_cli_latex_stdout_and_fragment(capsys):
    assert main(["latex", "linear-sgd"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(r"\documentclass") and r"\end{document}" in out
    assert main(["latex", "linear-sgd", "--fragment"]) == 0
    out = capsys.readouterr().out
    assert r"\documentclass" not in out and r"\section{Solution}" in out


def test_cli_latex_errors_are_one_line(capsys, monkeypatch, tmp_path):
    assert main(["latex", "linear-sgd", "--fragment", "--pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--fragment" in err and len(err.splitlines()) == 1
    assert main(["latex", "linear-sgd", "--symbol", "W=w"]) == 2
    err = capsys.readouterr().err.strip()
    assert "'W'" in err and len(err.splitlines()) == 1
    assert main(["latex", "linear-sgd", "--symbol", "R"]) == 2
    assert "NAME=LATEX" in capsys.readouterr().err
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["latex", "linear-sgd", "--pdf", "-o", str(tmp_path / "x.tex")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no TeX engine" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.tex").exists()


@needs_tex
def test_cli_latex_pdf_default_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["latex", "linear-sgd", "--pdf"]) == 0
    assert (tmp_path / "linear-sgd.tex").read_text().startswith(r"\documentclass")
    assert (tmp_path / "linear-sgd.pdf").read_bytes()[:5] == b"%PDF-"


@needs_tex
def test_cli_latex_user_rule_pdf(tmp_path):
    out = tmp_path / "sub" / "custom.tex"
    assert main(["latex", "--update", "ht - hs - hs**3/3", "--time", r"\alpha",
                 "-o", str(out), "--pdf"]) == 0
    assert out.with_suffix(".pdf").stat().st_size > 1000
    assert r"\frac{dR}{d\alpha}" in out.read_text()


# --- notebooks ------------------------------------------------------------------------------
@needs_parser
def test_notebook_reprs_show_the_note_equations():
    d = derive(get_rule("linear-sgd"))
    s = solve(d)
    for text in (d._repr_latex_(), d._repr_markdown_(), s._repr_latex_(), s._repr_markdown_()):
        assert r"\begin{aligned}" in text
    rows = {}
    body = s._repr_latex_().split(r"\begin{aligned}")[1].split(r"\end{aligned}")[0]
    for line in body.split(r"\\"):
        lhs, rhs = line.split("&=")
        rows[lhs.strip()] = parse_latex(rhs.replace(r"\left", "").replace(r"\right", ""))
    sub = {sp.Symbol("eta"): eta, sp.Symbol("R"): R, sp.Symbol("Q"): Q}
    # eta (1 - R) parses as a function application eta(1 - R): undo that
    ode_r = rows[r"\frac{dR}{dt}"]
    ode_r = ode_r.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef),
                          lambda e: sp.Symbol(e.func.__name__) * e.args[0])
    assert _same(ode_r.subs(sub), eta * (1 - R))                       # the note's Eq. 7
    assert _same(rows[r"\epsilon_{g}"].subs(sub), (1 - 2 * R + Q) / 2)  # the note's Eq. 5
    assert rows[r"\eta_{\mathrm{crit}}"] == 2 and rows[r"\eta_{\mathrm{opt}}"] == 1
