"""LaTeX documents of a derivation, shown step by step, in the field's notation.

:func:`latex_document` writes the sections of Hara's note (model and update rule, order
parameters, generalization error, the Gaussian averages with their steps, the ODEs, their
solution, fixed points and stability, optimal and critical learning rates) as an amsmath
document with numbered equations. Every result equation carries a machine-readable
``\\label{symstat:...}`` and the document lists its symbols in ``% symstat:symbol`` comments,
so that :func:`read_equations` parses the equations back with SymPy's LaTeX parser: the
round trip that checks what is printed is what was derived.

Long right-hand sides are broken across lines (``split``, with ``\\Bigl( ... \\Bigr)`` where
a bracket spans lines), so user rules with many terms still fit the page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ._derive import Derivation, derive
from ._errors import SpecificationError, SymstatError, UnknownNameError
from ._model import Rule
from ._solve import Solution, solve
from ._symbols import hs, ht, initial_value, lam, sigma, t, zeta
from ._closed_forms import CUBATURE_NODES, NumericAverage, numeric_average
from ._trace import Average, Step

__all__ = ["latex_document", "latex_equations", "read_equations", "compile_pdf"]

#: Width budget of one displayed line, in (roughly) characters of math at 10pt.
LINE_WIDTH = 58
#: Wick steps with more pairings than this are summarized by their count.
MAX_PAIRINGS_SHOWN = 6
_LABEL = "symstat"


# --- printing -----------------------------------------------------------------------------
class _Printer(LatexPrinter):
    """SymPy's LaTeX printer, in a form SymPy's LaTeX parser reads back.

    Functions the parser does not know are printed ``\\operatorname{erf}\\left(x\\right)``
    (no braces around the argument); inverse trigonometric functions as ``\\arcsin``.
    """

    def __init__(self, names: Mapping[sp.Symbol, str]):
        super().__init__({"symbol_names": dict(names), "inv_trig_style": "full"})
        self.numeric: dict[type, int] = {}  # numeric-average class -> its number k

    def _print(self, expr, **kwargs):
        if isinstance(expr, NumericAverage):  # \mathcal{E}_k(covariance entries)
            k = self.numeric.setdefault(type(expr), len(self.numeric) + 1)
            args = ", ".join(self._print(a) for a in expr.args)
            tex = rf"\mathcal{{E}}_{{{k}}}\left({args}\right)"
            exp = kwargs.get("exp")
            return tex if exp is None else rf"{tex}^{{{exp}}}"
        return super()._print(expr, **kwargs)

    def _operator(self, name: str, expr, exp=None) -> str:
        args = ", ".join(self._print(a) for a in expr.args)
        tex = rf"\operatorname{{{name}}}\left({args}\right)"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_erf(self, expr, exp=None):
        return self._operator("erf", expr, exp)

    def _print_erfc(self, expr, exp=None):
        return self._operator("erfc", expr, exp)

    def _print_sign(self, expr, exp=None):
        return self._operator("sign", expr, exp)

    def _print_Heaviside(self, expr, exp=None):
        tex = rf"\Theta\left({self._print(expr.args[0])}\right)"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Abs(self, expr, exp=None):
        tex = rf"\left|{self._print(expr.args[0])}\right|"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

    # -- pieces that a line may be broken between ------------------------------------------
    def pieces(self, expr: sp.Expr, budget: int = LINE_WIDTH) -> list[str]:
        """``expr`` as LaTeX pieces; a line break is allowed between any two of them."""
        tex = self.doprint(expr)
        if _width(tex) <= budget:
            return [tex]
        if expr.is_Add:
            out: list[str] = []
            for i, term in enumerate(self._as_ordered_terms(expr)):
                sign = "+" if i else ""
                if term.could_extract_minus_sign():
                    sign, term = "-", -term
                sub = self.pieces(term, budget)
                sub[0] = f"{sign} {sub[0]}".strip()
                out.extend(sub)
            return out
        if expr.is_Mul:
            adds = [f for f in sp.Mul.make_args(expr) if f.is_Add]
            if adds:
                big = max(adds, key=lambda f: len(self.doprint(f)))
                rest = sp.Mul(*[f for f in sp.Mul.make_args(expr) if f is not big])
                sign = ""
                if rest.could_extract_minus_sign():
                    sign, rest = "-", -rest
                head = "" if rest == 1 else self.doprint(rest)
                inner = self.pieces(big, budget)
                inner[0] = rf"\Bigl({inner[0]}"
                inner[-1] = rf"{inner[-1]}\Bigr)"
                first = " ".join(p for p in (sign, head, inner[0]) if p)
                return [first] + inner[1:]
        return [tex]


_WORDS = {"arcsin", "arccos", "arctan", "sin", "cos", "tan", "sinh", "cosh", "tanh", "exp",
          "log", "ln", "min", "max", "det", "operatorname"}


def _width(tex: str) -> float:
    """A rough printed width of ``tex`` in characters (fractions count their wider part)."""
    i, n, w = 0, len(tex), 0.0

    def group(j: int) -> tuple[str, int]:
        depth, k = 0, j
        while k < n:
            if tex[k] == "{":
                depth += 1
            elif tex[k] == "}":
                depth -= 1
                if depth == 0:
                    return tex[j + 1:k], k + 1
            k += 1
        return tex[j + 1:], n

    while i < n:
        c = tex[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            name = m.group(1)
            i += len(m.group(0))
            if name == "frac" and i < n and tex[i] == "{":
                a, i = group(i)
                b, i = group(i) if i < n and tex[i] == "{" else ("", i)
                w += max(_width(a), _width(b)) + 0.5
            elif name in ("operatorname", "text", "mathrm"):
                if i < n and tex[i] == "{":
                    a, i = group(i)
                    w += 0.8 * len(a)
            elif name in ("left", "right", "Bigl", "Bigr", "bigl", "bigr", "quad", "qquad",
                          "notag", "nonumber", "displaystyle"):
                w += 2 if name.endswith("quad") else 0
            elif name in (",", ";", "!", " "):
                w += 0.3
            elif name in _WORDS:
                w += len(name) + 0.5
            elif name == "sqrt":
                w += 1.5
            else:
                w += 1.2
        elif c in "^_":
            i += 1
            if i < n and tex[i] == "{":
                a, i = group(i)
                w += 0.7 * _width(a)
            else:
                w += 0.7
                i += 1
        elif c in "{} &":
            i += 1
        elif c in "+-=<>":
            w += 2
            i += 1
        else:
            w += 1
            i += 1
    return w


def _pack(pieces: list[str], first: float, rest: float) -> list[str]:
    """Greedily pack ``pieces`` into lines of width ``first``, then ``rest``."""
    lines: list[str] = []
    current, used, budget = "", 0.0, first
    for p in pieces:
        wp = _width(p)
        if current and used + wp > budget:
            lines.append(current)
            current, used, budget = "", 0.0, rest
        current = f"{current} {p}".strip()
        used += wp + 0.5
    if current:
        lines.append(current)
    lines = lines or [""]
    # a piece that cannot be broken (a function of a huge argument) is scaled to fit
    out = []
    for k, line in enumerate(lines):
        budget = first if k == 0 else rest
        if _width(line) > 1.05 * max(budget, 1):
            frac = max(0.25, min(0.9, 0.9 * budget / LINE_WIDTH))
            line = rf"\resizebox{{{frac:.2f}\linewidth}}{{!}}{{$\displaystyle {line}$}}"
        out.append(line)
    return out


def _compact(expr: sp.Expr) -> sp.Expr:
    """``expr`` factored when that prints about as short (``(Q - 2R + 1)/2``), else as it is."""
    factored = sp.factor(expr)
    return factored if len(str(factored)) <= len(str(expr)) + 4 else expr


def _cont(line: str) -> str:
    """A continuation line: ``{}`` keeps a leading sign binary."""
    return "{}" + line if line[:1] in "+-" else line


def _tex_text(text: str) -> str:
    """Escape running text for LaTeX."""
    repl = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
    return "".join(repl.get(c, c) for c in text)


# --- symbol names -------------------------------------------------------------------------
def _default_names(derivation: Derivation) -> dict[sp.Symbol, str]:
    model = derivation.rule.model
    names: dict[sp.Symbol, str] = {t: "t", zeta: r"\zeta", sigma: r"\sigma", lam: r"\lambda"}
    if model.K == 1 and model.M == 1:
        names[hs], names[ht] = "h_{s}", "h_{t}"
    else:  # Saad & Solla (1995): x_i = w_i . xi (student), y_n = B_n . xi (teacher)
        for i, h in enumerate(model.student_fields, 1):
            names[h] = f"x_{{{i}}}"
        for n, h in enumerate(model.teacher_fields, 1):
            names[h] = f"y_{{{n}}}"
    plain = _Printer({})
    for s in derivation.state:
        names[s] = plain.doprint(s)
        names[initial_value(s)] = f"{names[s]}(0)"
    for p in derivation.parameters:
        names.setdefault(p, plain.doprint(p))
    return names


def _check_tex(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecificationError(f"the LaTeX for {name!r} must be a non-empty string, "
                                 f"got {value!r}")
    bad = sorted(set(value) & set("%$#&\n\r"))
    depth = 0
    for c in value:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            break
    if bad or depth != 0:
        raise SpecificationError(f"the LaTeX for {name!r} must be balanced math without "
                                 f"{' '.join('%$#&')} or newlines, got {value!r}")
    return value.strip()


def _names(derivation: Derivation, symbols: Mapping[str, str] | None,
           time: str | None) -> dict[sp.Symbol, str]:
    names = _default_names(derivation)
    by_name = {s.name: s for s in names}
    wanted = dict(symbols or {})
    if time is not None:
        wanted["t"] = time
    for key, value in wanted.items():
        if key not in by_name:
            raise UnknownNameError(f"cannot rename symbol {key!r}: not in this derivation "
                                   f"(known: {', '.join(sorted(by_name))})")
        value = _check_tex(key, value)
        names[by_name[key]] = value
        if by_name[key] in derivation.state:
            names[initial_value(by_name[key])] = f"{value}(0)"
    return names


# --- the document ---------------------------------------------------------------------------
class _Writer:
    def __init__(self, derivation: Derivation, solution: Solution,
                 names: dict[sp.Symbol, str]):
        self.d, self.s = derivation, solution
        self.model = derivation.rule.model
        self.names = names
        self.p = _Printer(names)
        self.out: list[str] = []
        self.single = self.model.K == 1 and self.model.M == 1
        self.tv = names[t]

    # -- helpers ------------------------------------------------------------------------------
    def notes(self) -> list[str]:
        """The solution's notes, with the list of numeric averages left to its own section."""
        out = []
        for n in self.s.notes:
            if "computed numerically" in n:
                n = "some averages have no closed form and are computed numerically (see the section Numerical averages)"
            out.append(n)
        return out

    def tex(self, expr) -> str:
        return self.p.doprint(sp.sympify(expr))

    def text(self, *lines: str) -> None:
        self.out.extend(line for line in lines if line)

    def equation(self, lhs: str, rhs: sp.Expr | list[str], label: str | None = None,
                 middle: str | None = None) -> None:
        """A numbered equation ``lhs [= middle] = rhs``, broken across lines if long."""
        pieces = rhs if isinstance(rhs, list) else self.p.pieces(sp.sympify(rhs))
        if middle is not None and _width(lhs) + _width(middle) + 2 <= 0.5 * LINE_WIDTH:
            lhs, middle = f"{lhs} = {middle}", None
        lines = _pack(pieces, LINE_WIDTH - _width(lhs) - 2, LINE_WIDTH - 4)
        head = r"\begin{equation}" + (rf"\label{{{_LABEL}:{label}}}" if label else "")
        if middle is not None:
            lines = _pack(pieces, LINE_WIDTH - _width(lhs) - 2, LINE_WIDTH - _width(lhs) - 4)
            body = (r"\begin{split}" + "\n" + f"{lhs} &= {middle} \\\\\n&= {lines[0]}"
                    + "".join(f" \\\\\n&\\quad {_cont(line)}" for line in lines[1:])
                    + "\n" + r"\end{split}")
        elif len(lines) == 1:
            body = f"{lhs} = {lines[0]}"
        else:
            body = (r"\begin{split}" + "\n" + f"{lhs} &= {lines[0]}"
                    + "".join(f" \\\\\n&\\quad {_cont(line)}" for line in lines[1:])
                    + "\n" + r"\end{split}")
        self.out.extend([head, body, r"\end{equation}"])

    def rows(self, rows: list) -> None:
        """An unnumbered ``align*``: rows ``(lhs, rhs pieces)`` or ``\\intertext`` strings.

        ``lhs`` is a string, or pieces (a long one then gets lines of its own).
        """
        lines: list[str] = []
        # align* lines up the "=" of all rows: every rhs shares the widest lhs's budget
        lhs_widths = [_width(r[0]) if isinstance(r[0], str) else sum(_width(x) for x in r[0])
                      for r in rows if not isinstance(r, str)]
        widest = max((w for w in lhs_widths if w <= 0.4 * LINE_WIDTH), default=0.0)
        for row in rows:
            if isinstance(row, str):
                lines.append(rf"\intertext{{{row}}}")
                continue
            lhs, pieces = row
            if any(_width(x) > 12 * LINE_WIDTH for x in pieces):
                # an intermediate expression too large to typeset: say so, keep the result
                pieces = [rf"\text{{(an expression of {sum(len(x) for x in pieces)} "
                          rf"characters, not shown)}}"]
            if isinstance(lhs, list):
                if sum(_width(x) for x in lhs) > 0.4 * LINE_WIDTH:
                    # a long left-hand side gets lines of its own, then "= ..." below it
                    lines.extend(f"&{line}" for line in _pack(lhs, LINE_WIDTH - 4,
                                                                LINE_WIDTH - 4))
                    lhs = ""
                else:
                    lhs = " ".join(lhs)
            packed = _pack(pieces, LINE_WIDTH - max(widest, _width(lhs)) - 2,
                           LINE_WIDTH - max(widest, _width(lhs)) - 4)
            lines.append(f"{lhs} &= {packed[0]}")
            lines.extend(rf"&\quad {_cont(line)}" for line in packed[1:])
        body = []
        for k, line in enumerate(lines):
            nxt = lines[k + 1] if k + 1 < len(lines) else None
            end = "" if nxt is None or line.startswith(r"\intertext") else r" \\"
            body.append(line + end)
        self.out.extend([r"\begin{align*}", *body, r"\end{align*}"])

    def avg(self, inner: str) -> str:
        return rf"\left\langle {inner} \right\rangle"

    def avg_pieces(self, expr: sp.Expr) -> list[str]:
        pieces = self.p.pieces(expr, LINE_WIDTH - 8)
        if len(pieces) == 1:
            return [self.avg(pieces[0])]
        pieces[0] = r"\Bigl\langle " + pieces[0]
        pieces[-1] = pieces[-1] + r" \Bigr\rangle"
        return pieces

    def F(self, i: int | None = None) -> str:
        return "F" if i is None or self.model.K == 1 else f"F_{{{i}}}"

    def label_tex(self, label: str) -> str:
        """``"<F_1 hs_2>"`` as ``\\langle F_1 x_2 \\rangle``; ``"eps_g"`` as ``\\epsilon_g``."""
        if label == "eps_g":
            return r"\epsilon_{g}"
        by_name = {s.name: v for s, v in self.names.items()}
        tokens = []
        for tok in label.strip("<>").split():
            m = re.fullmatch(r"F(?:_(\d+))?", tok)
            if m:
                tokens.append("F" if m.group(1) is None else f"F_{{{m.group(1)}}}")
            elif tok in by_name:
                tokens.append(by_name[tok])
            else:
                tokens.append(rf"\mathrm{{{_tex_text(tok)}}}")
        if len(tokens) == 2 and tokens[0] == tokens[1]:
            return self.avg(f"{tokens[0]}^{{2}}")
        return self.avg(r" \, ".join(tokens))

    def linear_pieces(self, expr: sp.Expr) -> list[str]:
        """``sum_j c_j m_j`` as ``sum_j c_j <m_j>`` (linearity of the average), as pieces."""
        fields = self.model.fields
        out = []
        for i, term in enumerate(sp.Add.make_args(sp.expand(expr))):
            coeff, mono = term.as_independent(*fields, as_Add=False)
            sign = "+" if i else ""
            if coeff.could_extract_minus_sign():
                sign, coeff = "-", -coeff
            c = "" if coeff == 1 else (rf"\left({self.tex(coeff)}\right)" if coeff.is_Add
                                       else self.tex(coeff))
            out.append(" ".join(x for x in (sign, c, self.avg(self.tex(mono))) if x))
        return out

    # -- sections --------------------------------------------------------------------------------
    def model_section(self) -> None:
        m, rule = self.model, self.d.rule
        xv = r"\boldsymbol{x}" if self.single else r"\boldsymbol{\xi}"
        self.out.append(r"\section{Model and update rule}")
        desc = _tex_text(rule.description) if rule.description else ""
        self.text(
            f"Rule \\texttt{{{_tex_text(rule.name)}}}" + (f": {desc}." if desc else "."),
            *([f"Reference: {_tex_text(rule.reference)}."] if rule.reference else []),
            f"Inputs ${xv} \\in \\mathbb{{R}}^N$ have independent components of zero mean and "
            f"unit variance, a fresh ${xv}$ at every step $m$.")
        g = sp.Symbol("u")
        if self.single:
            hs_, ht_ = self.names[hs], self.names[ht]
            self.text(f"A student with weights $\\boldsymbol{{w}}_s$ learns from a teacher with "
                      f"weights $\\boldsymbol{{w}}_t$; their local fields are "
                      f"${hs_} = \\boldsymbol{{w}}_s \\cdot {xv}$ and "
                      f"${ht_} = \\boldsymbol{{w}}_t \\cdot {xv}$, and the outputs")
            self.out += [r"\begin{equation}",
                         rf"y = {self.tex(m.student(hs))}, \qquad "
                         rf"y^{{*}} = {self.tex(m.teacher(ht))}"
                         + (r" + \zeta" if m.noise else ""), r"\end{equation}"]
            if m.student.description or m.teacher.description:
                self.text(f"(student: {_tex_text(m.student.description or m.student.name)}; "
                          f"teacher: {_tex_text(m.teacher.description or m.teacher.name)}).")
        else:
            xs = ", ".join(self.names[h] for h in m.student_fields)
            ys = ", ".join(self.names[h] for h in m.teacher_fields)
            self.text(f"A soft committee machine with $K = {m.K}$ hidden units "
                      f"$\\boldsymbol{{w}}_i$ learns from a teacher with $M = {m.M}$ units "
                      f"$\\boldsymbol{{B}}_n$ (Saad \\& Solla 1995). The local fields are "
                      f"$x_i = \\boldsymbol{{w}}_i \\cdot {xv}$ (${xs}$) and "
                      f"$y_n = \\boldsymbol{{B}}_n \\cdot {xv}$ (${ys}$), and the outputs")
            y = sum(m.student(h) for h in m.student_fields)
            ystar = sum(m.teacher(h) for h in m.teacher_fields)
            self.equation("y", y)
            self.equation("y^{*}", ystar + (zeta if m.noise else 0))
            self.text(f"with $g(u) = {self.tex(m.student(g))}$ (student) and "
                      f"$\\tilde g(u) = {self.tex(m.teacher(g))}$ (teacher).")
        if m.noise:
            self.text(r"The teacher's output carries Gaussian noise $\zeta$ of variance "
                      r"$\sigma^2$.")
        active_loss = None
        if rule.loss is not None:
            active_loss = rule.loss if m.noise else rule.loss.subs(zeta, 0)
            self.text("The rule descends the loss")
            self.equation(r"\epsilon", active_loss, "loss")
        self.text("The generalization error is the average of the per-example error"
                  + (" (the loss without noise)" if active_loss is not None else "")
                  + " over the input distribution:")
        self.equation(r"\epsilon_{g}", self.avg_pieces(rule.error))
        fi = "_i" if m.K > 1 else "_s"
        decay = r" - \lambda \boldsymbol{w}" + fi if m.weight_decay else ""
        self.text("At every step the student moves along the input,")
        self.out += [r"\begin{equation}",
                     rf"\boldsymbol{{w}}{fi}^{{m+1}} = \boldsymbol{{w}}{fi}^{{m}} + "
                     rf"\frac{{\eta}}{{N}} \left({'F_i' if m.K > 1 else 'F'} {xv}{decay}\right),",
                     r"\end{equation}"]
        self.text("with")
        for i, Fi in enumerate(self.d.rule.active_update, 1):
            self.equation(self.F(i), Fi, f"update:{i}")

    def order_parameter_section(self) -> None:
        m = self.model
        self.out.append(r"\section{Order parameters}")
        tv = self.tv
        if self.single:
            Tdef = r"T = \boldsymbol{w}_t \cdot \boldsymbol{w}_t" + (
                " = 1" if m.normalized_teacher else "")
            self.text(r"The macroscopic state is described by the overlaps")
            self.out += [r"\begin{equation}",
                         rf"{self.names[self.d.state[0]]} = \boldsymbol{{w}}_s \cdot "
                         rf"\boldsymbol{{w}}_t, \qquad {self.names[self.d.state[1]]} = "
                         rf"\boldsymbol{{w}}_s \cdot \boldsymbol{{w}}_s, \qquad {Tdef}",
                         r"\end{equation}"]
        else:
            self.text(r"The macroscopic state is described by Saad \& Solla's overlaps")
            self.out += [r"\begin{equation}",
                         r"Q_{ik} = \boldsymbol{w}_i \cdot \boldsymbol{w}_k, \qquad "
                         r"R_{in} = \boldsymbol{w}_i \cdot \boldsymbol{B}_n, \qquad "
                         r"T_{nm} = \boldsymbol{B}_n \cdot \boldsymbol{B}_m"
                         + (r" = \delta_{nm}" if m.normalized_teacher else ""),
                         r"\end{equation}"]
        self.text("As $N \\to \\infty$ the local fields are jointly Gaussian (central limit "
                  "theorem) with zero mean and covariance")
        fields = ", ".join(self.names[h] for h in m.fields)
        cov = m.covariance
        rows = r" \\ ".join(" & ".join(self.tex(cov[a, b]) for b in range(cov.shape[1]))
                            for a in range(cov.shape[0]))
        self.out += [r"\begin{equation}",
                     rf"C = \operatorname{{Cov}}\left({fields}\right) = "
                     rf"\begin{{pmatrix}} {rows} \end{{pmatrix}},",
                     r"\end{equation}"]
        self.text(f"and the overlaps are self-averaging functions of the time "
                  f"${tv} = m/N$.")

    def generalization_error_section(self) -> None:
        self.out.append(r"\section{Generalization error}")
        eg = next((a for a in self.d.averages if a.label == "eps_g"), None)
        self.text(r"Averaging the error over the Gaussian fields"
                  + (r" (Section~\ref{sec:averages})" if eg is not None else "") + ":")
        self.equation(r"\epsilon_{g}", _compact(self.d.generalization_error), "eps_g")

    def averages_section(self) -> None:
        self.out.append(r"\section{Gaussian averages, step by step}\label{sec:averages}")
        self.text(r"Each average is expanded into terms; the Gaussian moments follow from "
                  r"Isserlis' (Wick's) theorem, a sum over the pairings of the fields, "
                  r"with $\left\langle h_a h_b \right\rangle = C_{ab}$; other functions "
                  r"use Gaussian integration by parts or a closed form.")
        for k, a in enumerate(self.d.averages, 1):
            self.average(k, a)

    def average(self, k: int, a: Average) -> None:
        name = self.label_tex(a.label)
        self.out.append(rf"\subsection*{{${name}$}}")
        rows: list[tuple[str, list[str]] | str] = [(name, self.avg_pieces(a.integrand))]
        steps = list(a.steps)
        wick_open = False
        for j, st in enumerate(steps):
            if st.kind != "wick":
                wick_open = False
            if st.kind == "expand":
                rows.append(f"{_tex_text(st.description).capitalize()}, by linearity:")
                rows.append(("", self.linear_pieces(st.rhs)))
            elif st.kind == "wick":
                if not wick_open:
                    ref = f" ({_tex_text(st.reference)})" if st.reference else ""
                    rows.append(f"Isserlis' theorem{ref}, summing over the pairings:")
                    wick_open = True
                rows.append(self.wick_row(st))
            elif st.kind == "collect":
                if j == len(steps) - 1:
                    continue  # the numbered result below
                rows.append(f"{_tex_text(st.description).capitalize()}:")
                rows.append((self.avg_pieces(st.lhs), self.p.pieces(st.rhs)))
            else:
                ref = f" ({_tex_text(st.reference)})" if st.reference else ""
                title = {"stein": "Gaussian integration by parts",
                         "closed-form": "Closed form",
                         "numeric": "Numerical cubature"}.get(st.kind, _tex_text(st.kind))
                desc = f": {_tex_text(st.description)}" if st.description else ""
                rows.append(f"{title}{desc}{ref}.")
                rows.append((self.avg_pieces(st.lhs), self.p.pieces(st.rhs)))
        if len(rows) > 1 or steps:
            self.rows(rows)
        self.text("Summing the terms:" if steps else "")
        self.equation(name, a.value, f"avg:{k}")

    def wick_row(self, st: Step) -> tuple[str, list[str]]:
        lhs = self.avg(self.tex(st.lhs))
        pairings = st.details
        degree = sum(sp.degree(st.lhs, h) for h in st.lhs.free_symbols) if st.lhs != 1 else 0
        total = 1
        for odd in range(degree - 1, 0, -2):
            total *= odd
        value = min((st.rhs, sp.expand(st.rhs)), key=lambda e: len(str(e)))
        if not pairings or total > MAX_PAIRINGS_SHOWN or len(pairings) != total:
            note = (rf"\text{{({total} pairings)}}\ " if degree % 2 == 0 and degree
                    else r"\text{(odd degree)}\ ")
            return lhs, [note + self.tex(value)]
        contractions = []
        for i, pairing in enumerate(pairings):
            prod = " ".join(self.avg(f"{self.names.get(fa, self.tex(fa))} "
                                     f"{self.names.get(fb, self.tex(fb))}")
                            for fa, fb, _ in pairing)
            contractions.append(("+ " if i else "") + prod)
        values = sp.Add(*[sp.Mul(*[c for _, _, c in p]) for p in pairings], evaluate=False)
        pieces = contractions + [f"= {self.tex(values)}"]
        if sp.expand(values) != values or values != st.rhs:
            pieces.append(f"= {self.tex(value)}")
        return lhs, pieces

    def ode_section(self) -> None:
        m, tv = self.model, self.tv
        self.out.append(r"\section{Order-parameter equations}")
        xv = r"\boldsymbol{x}" if self.single else r"\boldsymbol{\xi}"
        decay = m.weight_decay
        if self.single:
            Rn, Qn = self.names[self.d.state[0]], self.names[self.d.state[1]]
            lamR = rf" - \frac{{\eta \lambda}}{{N}} {Rn}^{{m}}" if decay else ""
            lamQ = (rf" - \frac{{2 \eta \lambda}}{{N}} {Qn}^{{m}} + O(N^{{-2}})"
                    if decay else "")
            self.text("Multiplying the update by $\\boldsymbol{w}_t$, and squaring it,")
            self.out += [r"\begin{align}",
                         rf"{Rn}^{{m+1}} &= {Rn}^{{m}} + \frac{{\eta}}{{N}} F {self.names[ht]}"
                         rf"{lamR}, \\",
                         rf"{Qn}^{{m+1}} &= {Qn}^{{m}} + \frac{{2\eta}}{{N}} F "
                         rf"{self.names[hs]} + \frac{{\eta^{{2}}}}{{N^{{2}}}} F^{{2}} "
                         rf"{xv} \cdot {xv}{lamQ}.",
                         r"\end{align}"]
        else:
            lamR = r" - \frac{\eta \lambda}{N} R_{in}^{m}" if decay else ""
            lamQ = (r" - \frac{2 \eta \lambda}{N} Q_{ik}^{m} + O(N^{-2})" if decay else "")
            self.text(r"Multiplying the update of $\boldsymbol{w}_i$ by $\boldsymbol{B}_n$ and "
                      r"by $\boldsymbol{w}_k$,")
            self.out += [r"\begin{align}",
                         rf"R_{{in}}^{{m+1}} &= R_{{in}}^{{m}} + \frac{{\eta}}{{N}} F_i y_n"
                         rf"{lamR}, \\",
                         rf"Q_{{ik}}^{{m+1}} &= Q_{{ik}}^{{m}} + \frac{{\eta}}{{N}} "
                         rf"\left(F_i x_k + F_k x_i\right) + \frac{{\eta^{{2}}}}{{N^{{2}}}} "
                         rf"F_i F_k \, {xv} \cdot {xv}{lamQ}.",
                         r"\end{align}"]
        self.text(f"With ${xv} \\cdot {xv} / N \\to 1$, ${tv} = m/N$ and $d{tv} = 1/N$, "
                  f"the fluctuating terms average out (the overlaps are self-averaging) and "
                  f"the averages of Section~\\ref{{sec:averages}} give")
        avg_of = {a.label: a for a in self.d.averages}
        K, M = m.K, m.M
        sub = (lambda i: f"_{i + 1}") if K > 1 else (lambda i: "")
        tsub = (lambda n: f"_{n + 1}") if M > 1 else (lambda n: "")
        for idx, s in enumerate(self.d.state):
            lhs = rf"\frac{{d{self.names[s]}}}{{d{tv}}}"
            middle = ""
            if avg_of:
                if idx < K * M:
                    i, n = divmod(idx, M)
                    middle = rf"\eta {self.label_tex(f'<F{sub(i)} ht{tsub(n)}>')}"
                    if decay:
                        middle += rf" - \eta \lambda {self.names[s]}"
                else:
                    i, k = next((i, k) for i in range(K) for k in range(i, K)
                                if m.Q[i, k] == s)
                    a1 = self.label_tex(f"<F{sub(i)} hs{sub(k)}>")
                    a2 = self.label_tex(f"<F{sub(k)} hs{sub(i)}>")
                    ff = self.label_tex(f"<F{sub(i)} F{sub(k)}>")
                    middle = (rf"2 \eta {a1}" if i == k else rf"\eta \left({a1} + {a2}\right)")
                    middle += rf" + \eta^{{2}} {ff}"
                    if decay:
                        middle += rf" - 2 \eta \lambda {self.names[s]}"
            self.equation(lhs, self.d.odes[s], f"ode:{s.name}", middle=middle or None)

    def solution_section(self) -> None:
        s, tv = self.s, self.tv
        self.out.append(r"\section{Solution}")
        if s.closed_form is None:
            notes = "; ".join(_tex_text(n) for n in self.notes()) or "no closed form"
            self.text(f"No closed-form solution: {notes}.")
            return
        init = ", ".join(f"${self.names[initial_value(x)]}$" for x in self.d.state)
        self.text(f"The equations are linear with constant coefficients; with the initial "
                  f"values {init} they integrate to")
        for x, v in s.solution.items():
            self.equation(f"{self.names[x]}({tv})", v, f"sol:{x.name}")
        if s.generalization_error is not None:
            self.text("and the generalization error decays as")
            self.equation(rf"\epsilon_{{g}}({tv})", s.generalization_error, "sol:eps_g")
        for n in s.notes:
            if "diagonalizable" in n:
                self.text(_tex_text(n[0].upper() + n[1:]) + ".")

    def fixed_point_section(self) -> None:
        s = self.s
        self.out.append(r"\section{Fixed points and stability}")
        if not s.fixed_points:
            notes = "; ".join(_tex_text(n) for n in self.notes() if "singular" in n or "closed" in n)
            self.text("No fixed point was found in closed form"
                      + (f" ({notes})" if notes else "") + ".")
        else:
            refs = ", ".join(rf"\eqref{{{_LABEL}:ode:{x.name}}}" for x in self.d.state)
            self.text(f"Setting the right-hand sides of {refs} to zero gives the fixed point")
        for k, fp in enumerate(s.fixed_points, 1):
            for x, v in fp.items():
                self.equation(f"{self.names[x]}^{{*}}", v, f"fp:{k}:{x.name}")
            self.text("at which the generalization error is")
            self.equation(r"\epsilon_{g}^{*}", sp.expand(self.d.generalization_error.subs(
                fp, simultaneous=True)), f"fp:{k}:eps_g")
        if s.eigenvalues:
            self.text("The Jacobian of the equations there has the eigenvalues")
            for j, e in enumerate(s.eigenvalues, 1):
                self.equation(f"\\mu_{{{j}}}", e, f"eig:{j}")
        if s.stability is not None and s.stability is not sp.true:
            self.text("so the fixed point is stable when")
            self.out += [r"\begin{equation*}", self.tex(s.stability), r"\end{equation*}"]

    def learning_rate_section(self) -> None:
        s, tv = self.s, self.tv
        self.out.append(r"\section{Optimal and critical learning rates}")
        if s.decay_rate is None and s.eta_opt is None and s.eta_crit is None:
            notes = "; ".join(_tex_text(n) for n in self.notes())
            self.text("Not available in closed form" + (f": {notes}." if notes else "."))
            return
        if s.decay_rate is not None:
            self.text(f"Asymptotically $\\epsilon_g - \\epsilon_g^{{*}} \\propto "
                      f"e^{{-\\gamma {tv}}}$ with the rate")
            if isinstance(s.decay_rate, (sp.Min, sp.Max)):
                self.out += [r"\begin{equation}", rf"\gamma = {self.tex(s.decay_rate)}",
                             r"\end{equation}"]
            else:
                self.equation(r"\gamma", s.decay_rate, "decay")
        if s.eta_opt is not None:
            self.text(r"It is largest, so that learning is fastest, at")
            self.equation(r"\eta_{\mathrm{opt}}", s.eta_opt, "eta_opt")
        if s.eta_crit is not None:
            self.text(r"and it vanishes at the critical learning rate, beyond which "
                      r"$\epsilon_g$ no longer decays:")
            self.equation(r"\eta_{\mathrm{crit}}", s.eta_crit, "eta_crit")
        for n in s.notes:
            if "learning rate" in n or "every learning rate" in n:
                self.text(_tex_text(n[0].upper() + n[1:]) + ".")

    def symbol_comments(self) -> list[str]:
        lines = []
        for sym, tex in self.names.items():
            orig = getattr(sym, "_assumptions_orig", None)
            orig = dict(sym.assumptions0) if orig is None else dict(orig)
            flags = ",".join(("" if v else "!") + k for k, v in sorted(orig.items())) or "-"
            lines.append(f"% {_LABEL}:symbol {sym.name} {flags} {tex}")
        return lines

    def body(self) -> str:
        self.model_section()
        self.order_parameter_section()
        self.generalization_error_section()
        self.averages_section()
        self.ode_section()
        self.solution_section()
        self.fixed_point_section()
        self.learning_rate_section()
        self.numeric_section()
        return "\n".join(self.out)

    def numeric_section(self) -> None:
        if not self.p.numeric:
            return
        self.text(r"\section{Numerical averages}",
                  r"These averages have no closed form. Each is a function of the covariance "
                  r"of the fields it involves (its upper triangle, row by row, as arguments) "
                  r"and is computed by tensor Gauss--Hermite cubature over the Cholesky factor "
                  r"of that covariance (symstat warns where the cubature has not converged "
                  r"to a relative $10^{-6}$):", r"\begin{align*}")
        rows = []
        for cls, k in sorted(self.p.numeric.items(), key=lambda item: item[1]):
            fields = ", ".join(self.tex(f) for f in cls.fields)
            n = CUBATURE_NODES.get(len(cls.fields), 8)
            rows.append(rf"\mathcal{{E}}_{{{k}}} &= \left\langle {self.tex(cls.integrand)} "
                        rf"\right\rangle_{{{fields}}} && \text{{({n} nodes per field)}}")
        self.text(" \\\\\n".join(rows), r"\end{align*}")

    def numeric_comments(self) -> list[str]:
        return [f"% {_LABEL}:numeric {k} {','.join(f.name for f in cls.fields)} "
                f"{sp.sstr(cls.integrand)}" for cls, k in self.p.numeric.items()]


_PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb,graphicx}
\allowdisplaybreaks
"""


def _inputs(obj: Rule | Derivation | Solution) -> tuple[Derivation, Solution]:
    if isinstance(obj, Rule):
        d = derive(obj, trace=True)
        return d, solve(d)
    if isinstance(obj, Derivation):
        d = obj if obj.averages else derive(obj.rule, trace=True)
        return d, solve(d)
    if isinstance(obj, Solution):
        d = obj.derivation
        if not d.averages:
            d = derive(d.rule, trace=True)
        return d, obj
    raise SpecificationError(f"latex_document needs a Rule, Derivation or Solution, "
                             f"got {type(obj).__name__}")


def latex_document(obj: Rule | Derivation | Solution, *, fragment: bool = False,
                   symbols: Mapping[str, str] | None = None, time: str | None = None,
                   title: str | None = None) -> str:
    """The derivation as a LaTeX document (amsmath), with every step and numbered equations.

    Sections follow Hara's note: model and update rule, order parameters, generalization
    error, the Gaussian averages with their steps (expansion, Wick pairings, integration by
    parts, closed forms), the ODEs, their solution, fixed points and stability, optimal and
    critical learning rates.

    Arguments:
        obj: a :class:`~symstat.Rule`, or a derivation or solution of one (an untraced
            derivation is derived again with ``trace=True`` to show the steps).
        fragment: only the sections (for ``\\input`` into a paper that loads amsmath),
            without ``\\documentclass`` and ``\\begin{document}``.
        symbols: LaTeX for symbols by their names, e.g. ``{"R": "r", "eta": r"\\alpha"}``;
            names are those of the derivation (``R``, ``Q``, ``Q_12``, ``eta``, ``hs``, ...).
        time: LaTeX for the time ``t = m/N`` (e.g. ``r"\\alpha"``); same as ``symbols={"t": ...}``.
        title: the document's title (default names the rule).

    Returns:
        The LaTeX source.

    Raises:
        UnknownNameError: a name in ``symbols`` that the derivation does not have.
        SpecificationError: an unusable LaTeX string, or ``obj`` of the wrong type.

    >>> from symstat import get_rule
    >>> tex = latex_document(get_rule("linear-sgd"))
    >>> tex.startswith(r"\\documentclass")
    True
    >>> read_equations(tex)["ode:R"]   # parsed back from the LaTeX
    eta*(1 - R)
    """
    d, s = _inputs(obj)
    if not isinstance(fragment, bool):
        raise SpecificationError(f"fragment must be True or False, got {fragment!r}")
    names = _names(d, symbols, time)
    w = _Writer(d, s, names)
    body = w.body()
    head = [f"% Generated by symstat from rule {d.rule.name!r}.",
            f"% Equations labelled '{_LABEL}:...' are read back by symstat.read_equations.",
            *w.symbol_comments(), *w.numeric_comments()]
    if fragment:
        need = r"% Needs \usepackage{amsmath,amssymb,graphicx}."
        return "\n".join(head + [need, "", body]) + "\n"
    if title is None:
        title = f"On-line learning dynamics of the rule \\texttt{{{_tex_text(d.rule.name)}}}"
    elif not isinstance(title, str):
        raise SpecificationError(f"title must be a string, got {title!r}")
    else:
        title = _tex_text(title)
    return "\n".join([_PREAMBLE.rstrip("\n"), *head, "",
                      rf"\title{{{title}}}", r"\author{Derived by symstat}", r"\date{}",
                      r"\begin{document}", r"\maketitle", "", body,
                      r"\end{document}"]) + "\n"


def latex_equations(derivation: Derivation, solution: Solution | None = None) -> str:
    """The ODEs and ``eps_g`` (and the closed-form solution) as one ``aligned`` block.

    For notebooks (``_repr_latex_``) and short pastes; :func:`latex_document` has the rest.

    >>> from symstat import derive, get_rule
    >>> print(latex_equations(derive(get_rule("linear-sgd"))))
    \\begin{aligned}
    \\frac{dR}{dt} &= \\eta \\left(1 - R\\right) \\\\
    \\frac{dQ}{dt} &= \\eta^{2} \\left(Q - 2 R + 1\\right) - 2 \\eta \\left(Q - R\\right) \\\\
    \\epsilon_{g} &= \\frac{Q}{2} - R + \\frac{1}{2}
    \\end{aligned}
    """
    names = _default_names(derivation)
    p = _Printer(names)
    rows = [(rf"\frac{{d{names[s]}}}{{dt}}", r) for s, r in derivation.odes.items()]
    rows.append((r"\epsilon_{g}", derivation.generalization_error))
    if solution is not None and solution.solution is not None:
        rows += [(f"{names[s]}(t)", v) for s, v in solution.solution.items()]
        if solution.generalization_error is not None:
            rows.append((r"\epsilon_{g}(t)", solution.generalization_error))
    if solution is not None:
        for label, v in ((r"\eta_{\mathrm{opt}}", solution.eta_opt),
                         (r"\eta_{\mathrm{crit}}", solution.eta_crit)):
            if v is not None:
                rows.append((label, v))
    lines = []
    for k, (lhs, rhs) in enumerate(rows):
        packed = _pack(p.pieces(sp.sympify(rhs)), LINE_WIDTH, LINE_WIDTH - 4)
        lines.append(f"{lhs} &= {packed[0]}")
        lines += [rf"&\quad {_cont(x)}" for x in packed[1:]]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


# --- reading back -----------------------------------------------------------------------------
_KNOWN_FUNCTIONS = {"erf": sp.erf, "erfc": sp.erfc, "sign": sp.sign, "Theta": sp.Heaviside,
                    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "asin": sp.asin,
                    "acos": sp.acos, "atan": sp.atan, "sin": sp.sin, "cos": sp.cos,
                    "tanh": sp.tanh}


def _top_level_split(text: str, sep: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _clean(body: str) -> str:
    body = re.sub(r"\\resizebox\{[^}]*\}\{!\}\{\$\\displaystyle (.*?)\$\}", r" \1 ", body,
                  flags=re.S)
    body = re.sub(r"\\label\{[^}]*\}", " ", body)
    body = re.sub(r"\\(begin|end)\{split\}", " ", body)
    body = body.replace(r"\\", " ").replace("&", " ")
    body = re.sub(r"\\(notag|nonumber|quad|qquad|displaystyle)\b", " ", body)
    body = re.sub(r"\\[,;! ]", " ", body)
    body = body.replace("{}", " ")
    body = re.sub(r"\\[Bb]ig{1,2}[lr]?(?![A-Za-z])", " ", body)
    body = body.replace(r"\left|", "|").replace(r"\right|", "|")
    body = re.sub(r"\\operatorname\{([A-Za-z]+)\}", r"\\\1", body)
    body = body.replace(r"\mathcal{E}_{", "E_{")
    return body.strip().rstrip(",.").strip()


def read_equations(text: str) -> dict[str, sp.Expr]:
    """Parse the labelled equations of a :func:`latex_document` back into SymPy.

    Each ``equation`` labelled ``\\label{symstat:NAME}`` gives ``{NAME: right-hand side}``,
    read with SymPy's LaTeX parser and mapped back to symstat's symbols (with their
    assumptions) through the document's ``% symstat:symbol`` comments.

    Arguments:
        text: the LaTeX source.

    Returns:
        ``{label: expression}``, e.g. ``{"ode:R": eta*(1 - R), "eta_crit": 2, ...}``.

    Raises:
        ImportError: SymPy's LaTeX parser is missing its ANTLR runtime
            (``pip install "antlr4-python3-runtime==4.11.*"``, in the ``test`` extra).
        ParseError: an equation the parser cannot read; it names the label.
    """
    from sympy.parsing.latex import parse_latex
    from sympy.parsing.latex.errors import LaTeXParsingError

    from ._errors import ParseError
    from ._parse import parse_expression

    def parse(tex: str, label: str) -> sp.Expr:
        try:
            return parse_latex(tex)
        except LaTeXParsingError as exc:
            raise ParseError(f"cannot parse equation {label!r}: {tex!r} "
                             f"({' '.join(str(exc).split())[:80]})") from None

    symbols: dict[str, sp.Symbol] = {}   # parsed name -> symstat symbol
    heads: dict[str, sp.Symbol] = {}     # parsed function name X in X(0) -> state symbol
    for m in re.finditer(rf"^% {_LABEL}:symbol (\S+) (\S+) (.+)$", text, re.M):
        name, flags, tex = m.groups()
        assumptions = {} if flags == "-" else {
            f.lstrip("!"): not f.startswith("!") for f in flags.split(",")}
        sym = sp.Symbol(name, **assumptions)
        try:
            parsed = parse_latex(tex)
        except LaTeXParsingError:
            continue
        if isinstance(parsed, sp.Symbol):
            symbols[parsed.name] = sym
        elif (isinstance(parsed, sp.core.function.AppliedUndef) and parsed.args == (0,)):
            pass  # an initial value X(0), resolved through X below
    for m in re.finditer(rf"^% {_LABEL}:symbol (\S+) (\S+) (.+)$", text, re.M):
        name, flags, tex = m.groups()
        if tex.endswith("(0)"):
            try:
                head = parse_latex(tex[:-3])
            except LaTeXParsingError:
                continue
            if isinstance(head, sp.Symbol):
                assumptions = {} if flags == "-" else {
                    f.lstrip("!"): not f.startswith("!") for f in flags.split(",")}
                heads[head.name] = sp.Symbol(name, **assumptions)

    numeric: dict[str, type] = {}         # "E_{k}" -> numeric-average class
    for m in re.finditer(rf"^% {_LABEL}:numeric (\d+) (\S+) (.+)$", text, re.M):
        k, field_names, integrand = m.groups()
        fields = tuple(sp.Symbol(n, real=True) for n in field_names.split(","))
        expr = parse_expression(integrand, names={f.name: f for f in fields},
                                argument=f"numeric average {k}")
        numeric[f"E_{{{k}}}"] = numeric_average(fields, expr)

    def convert(expr: sp.Basic) -> sp.Basic:
        if isinstance(expr, sp.Symbol):
            if expr.name in symbols:
                return symbols[expr.name]
            return {"e": sp.E, "pi": sp.pi}.get(expr.name, expr)
        if isinstance(expr, sp.core.function.AppliedUndef):
            name = expr.func.__name__
            args = [convert(a) for a in expr.args]
            if name in numeric:
                return numeric[name](*args)
            if name in heads and args == [0]:
                return heads[name]                 # X(0): an initial value
            if name in _KNOWN_FUNCTIONS:
                return _KNOWN_FUNCTIONS[name](*args)
            if name in symbols and len(args) == 1:
                return symbols[name] * args[0]     # "eta (1 - R)" is a product
            if name in ("e", "pi") and len(args) == 1:
                return {"e": sp.E, "pi": sp.pi}[name] * args[0]
            return expr.func(*args)
        if not expr.args:
            return expr
        return expr.func(*[convert(a) for a in expr.args])

    out: dict[str, sp.Expr] = {}
    for m in re.finditer(r"\\begin\{equation\}(.*?)\\end\{equation\}", text, re.S):
        body = m.group(1)
        lab = re.search(rf"\\label\{{{_LABEL}:([^}}]*)\}}", body)
        if lab is None:
            continue
        label = lab.group(1)
        rhs = _top_level_split(_clean(body), "=")[-1]
        out[label] = convert(parse(rhs, label))
    return out


# --- compiling ----------------------------------------------------------------------------------
def compile_pdf(text: str, pdf: str | Path, *, engine: str = "pdflatex",
                timeout: float = 120) -> tuple[Path, str]:
    """Compile LaTeX ``text`` with ``engine -halt-on-error`` in a temporary directory.

    Arguments:
        text: a whole document (from :func:`latex_document`).
        pdf: where to write the PDF.
        engine: the TeX engine to run (found on ``PATH``).
        timeout: seconds allowed per run.

    Returns:
        ``(path of the PDF, the engine's log)``.

    Raises:
        SymstatError: no TeX engine installed, or the document does not compile (the
            message quotes TeX's first error).
    """
    exe = shutil.which(engine)
    if exe is None:
        raise SymstatError(f"no TeX engine: {engine!r} is not installed (e.g. apt-get install "
                           f"texlive-latex-base)")
    pdf = Path(pdf)
    with tempfile.TemporaryDirectory(prefix="symstat-tex-") as tmp:
        src = Path(tmp) / "doc.tex"
        src.write_text(text, encoding="utf-8")
        log = ""
        for _ in range(2):  # twice, so that \eqref and \ref resolve
            try:
                run = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode",
                                      "doc.tex"], cwd=tmp, capture_output=True, timeout=timeout,
                                     stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise SymstatError(f"{engine} took more than {timeout} s") from None
            logfile = Path(tmp) / "doc.log"
            log = logfile.read_text(errors="replace") if logfile.exists() else ""
            if run.returncode != 0:
                errors = [ln for ln in log.splitlines() if ln.startswith("!")]
                first = errors[0] if errors else run.stdout.decode(errors="replace")[-200:]
                raise SymstatError(f"{engine} failed: {' '.join(first.split())}")
        try:
            pdf.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / "doc.pdf", pdf)
        except OSError as exc:
            raise SpecificationError(f"cannot write {str(pdf)!r}: {exc.strerror}") from None
    return pdf, log
