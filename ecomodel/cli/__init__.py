"""The ``ecomodel`` command.

Each subcommand lives in its own module of this package and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (called with the parsed arguments, returning an exit code).
Heavy imports happen inside ``func``, so ``ecomodel --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
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
    """Entry point of the ``ecomodel`` console script; returns the process exit code.

    SIGTERM and SIGINT are handled for the length of the command (:func:`ecomodel.io.install_signal_handlers`):
    an interrupted command ends with 143 (SIGTERM) or 130 (SIGINT, Ctrl-C, or a ``KeyboardInterrupt``
    raised anywhere), prints one line on stderr instead of a traceback, and leaves no output: neither
    the unfinished one nor those it had already finished.
    """
    from .. import io

    replaced = {}
    with contextlib.suppress(ValueError):  # not the main thread: signals stay as they are
        replaced = io.install_signal_handlers()
    was_interrupted = io.interrupted() is not None
    try:
        with io.recording() as written:
            stopped = True
            try:
                code = _run(argv)
                stopped = False
            except KeyboardInterrupt as exc:  # Ctrl-C before the handlers were in place, or raised by code
                command = getattr(exc, "ecomodel_command", None)
                print(f"ecomodel{' ' + command if command else ''}: interrupted; no output written",
                      file=sys.stderr)
                code = 130
            except io.Interrupted as exc:  # SIGTERM/SIGINT: the handler has printed its line
                code = int(exc.code)
            if not stopped and not was_interrupted and io.interrupted() is not None:
                # a signal arrived but its exception was swallowed somewhere: still not a success
                stopped, code = True, 128 + int(io.interrupted())
            if stopped:
                io.discard(written)
        return code
    finally:
        io.restore_signal_handlers(replaced)
        if not was_interrupted:
            io.clear_interrupt()


def _run(argv) -> int:
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
    except BrokenPipeError:  # e.g. `ecomodel targets | head`
        return 0
    except KeyboardInterrupt as exc:
        exc.ecomodel_command = args.command
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
