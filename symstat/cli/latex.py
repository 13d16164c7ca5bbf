"""``symstat latex``: the derivation, step by step, as a LaTeX document (and PDF)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._errors import ParseError, SpecificationError
from .._latex import compile_pdf, latex_document
from ._common import add_rule_arguments, emit, rule_from_args, write_atomic


def add_parser(sub) -> None:
    p = sub.add_parser(
        "latex", help="the derivation, step by step, as a LaTeX document (--pdf compiles it)")
    add_rule_arguments(p)
    p.add_argument("--out", "-o", metavar="FILE",
                   help="write the .tex to FILE (default: stdout; with --pdf: RULE.tex)")
    p.add_argument("--fragment", action="store_true",
                   help="only the sections, to \\input into a paper (no \\documentclass)")
    p.add_argument("--pdf", action="store_true",
                   help="also compile with pdflatex -halt-on-error; the PDF goes next to the .tex")
    p.add_argument("--symbol", action="append", default=[], metavar="NAME=LATEX",
                   help="LaTeX for a symbol, e.g. R='r' or eta='\\alpha' (repeatable)")
    p.add_argument("--time", metavar="LATEX", help="LaTeX for the time t = m/N, e.g. '\\alpha'")
    p.add_argument("--title", metavar="TEXT", help="the document's title")
    p.set_defaults(func=_latex)


def _symbols(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, tex = item.partition("=")
        if not sep or not name.strip() or not tex.strip():
            raise ParseError(f"--symbol must be NAME=LATEX, got {item!r}")
        out[name.strip()] = tex.strip()
    return out


def _latex(args: argparse.Namespace) -> int:
    if args.pdf and args.fragment:
        raise SpecificationError("--pdf needs a whole document: drop --fragment")
    rule = rule_from_args(args)
    text = latex_document(rule, fragment=args.fragment, symbols=_symbols(args.symbol),
                          time=args.time, title=args.title)
    if not args.pdf:
        emit(text, args.out)
        return 0
    tex = Path(args.out if args.out is not None else f"{rule.name}.tex")
    if tex.suffix != ".tex":
        raise SpecificationError(f"--out must end in .tex with --pdf, got {str(tex)!r}")
    pdf, _ = compile_pdf(text, tex.with_suffix(".pdf"))
    write_atomic(tex, text)
    print(f"wrote {tex} and {pdf}", file=sys.stderr)
    return 0
