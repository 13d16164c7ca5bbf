"""Shared pieces of the subcommands: one-line errors, rule selection, validated numbers."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from .._errors import SpecificationError
from .._model import Rule
from .._registry import custom_rule, get_rule

__all__ = ["OneLineParser", "add_rule_arguments", "rule_from_args", "positive_float",
           "nonnegative_float", "positive_int", "finite_float", "emit", "write_atomic"]


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr, exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def _number(kind: str, text: str, check, what: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if not check(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


def positive_float(text: str) -> float:
    return _number(float, text, lambda x: _finite(x) and x > 0, "a positive number")


def nonnegative_float(text: str) -> float:
    return _number(float, text, lambda x: _finite(x) and x >= 0, "a non-negative number")


def finite_float(text: str) -> float:
    return _number(float, text, _finite, "a finite number")


def positive_int(text: str) -> int:
    return _number(int, text, lambda x: x >= 1, "a positive integer")


def add_rule_arguments(parser: argparse.ArgumentParser, *, custom: bool = True) -> None:
    """``RULE`` (or ``--update EXPR [--error EXPR]``) and ``--noise/--weight-decay/--general-T``."""
    parser.add_argument("rule", nargs="?", metavar="RULE",
                        help="a registered rule (see 'symstat rules')")
    if custom:
        parser.add_argument("--update", metavar="EXPR",
                            help="a single-unit rule F typed in hs, ht (local fields), zeta (noise)")
        parser.add_argument("--error", metavar="EXPR",
                            help="per-example error for eps_g with --update (default (hs-ht)^2/2)")
    parser.add_argument("--noise", action="store_true",
                        help="Gaussian output noise of variance sigma^2 on the teacher")
    parser.add_argument("--weight-decay", action="store_true", help="weight decay lam")
    parser.add_argument("--general-T", action="store_true",
                        help="keep T = w_t.w_t as a symbol instead of the note's T = 1")


def rule_from_args(args: argparse.Namespace) -> Rule:
    options = dict(noise=args.noise, weight_decay=args.weight_decay,
                   normalized_teacher=not args.general_T)
    update = getattr(args, "update", None)
    if update is not None:
        if args.rule is not None:
            raise SpecificationError(f"give either RULE ({args.rule!r}) or --update, not both")
        return custom_rule(update, error=args.error, **options)
    if getattr(args, "error", None) is not None:
        raise SpecificationError("--error goes with --update")
    if args.rule is None:
        raise SpecificationError("give a RULE (see 'symstat rules') or --update EXPR")
    return get_rule(args.rule, **options)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (temporary file, then rename)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise SpecificationError(f"cannot write {str(path)!r}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SpecificationError(f"cannot write {str(path)!r}: {exc.strerror}") from None


def emit(text: str, out: str | None) -> None:
    """Print ``text``, or write it atomically to the file ``out``."""
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_atomic(out, text if text.endswith("\n") else text + "\n")


def dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
