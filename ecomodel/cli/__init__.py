"""The ``ecomodel`` command.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (called with the parsed arguments, returning an exit code).
Heavy imports happen inside ``func``, so ``ecomodel --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "build_parser"]

#: subcommand modules, in the order they appear in ``ecomodel --help``
COMMAND_MODULES = ["targets", "standards", "scenario"]


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="ecomodel",
        description="Environmental-quality models for eco-plans in the Taihu basin (PM2.5, TP, CO2).",
    )
    parser.add_argument("--version", action="version", version=f"ecomodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not installed yet
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ecomodel`` console script; returns the process exit code."""
    from ..errors import EcomodelError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except EcomodelError as err:
        print(f"ecomodel {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `ecomodel targets | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
