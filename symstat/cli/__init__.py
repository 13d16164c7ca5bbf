"""The ``symstat`` command line: a thin layer over the Python API.

Each subcommand lives in its own module with an ``add_parser(subparsers)`` function; the
list :data:`COMMANDS` names them. Errors from bad input print one line and exit 2.
"""

from __future__ import annotations

import importlib
import sys

from .._errors import SymstatError
from ._common import OneLineParser

#: Modules under ``symstat.cli`` that each add one or more subcommands, in help order.
COMMANDS = ["derive", "simulate", "latex", "analyze"]


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="symstat",
        description="Statistical mechanics of on-line learning by computer algebra.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 a check failed, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a one-line usage error (exit 2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.func(args) or 0)
    except SymstatError as exc:
        print(f"symstat: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symstat: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # no traceback from deep inside SymPy on the command line
        print(f"symstat: internal error ({type(exc).__name__}): {' '.join(str(exc).split())}"
              " -- please report it", file=sys.stderr)
        return 3
