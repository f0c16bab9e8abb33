"""The `idlib-gold` command line: parse the arguments (`parser`), run the command's module, and
turn what ends it into the exit status (the rule is in `common`).

Each command is a module of this package with one `run(args) -> int`; the work itself is done by
the stage packages (reading, checking, building, exporting, scoring, review). No input file can
make it print a Python traceback: every stage reports problems as findings or usage errors.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

from ..errors import UsageError
from .parser import build_parser as _parser

__all__ = ["main"]


def _end_by_sigpipe() -> int:
    """End the process as SIGPIPE ends one (a shell reports 141), the convention of commands whose reader
    went away; Python ignores SIGPIPE, so default handling is restored and the signal raised again.
    Where there is no SIGPIPE, exit 1. Standard output goes to /dev/null first: nothing is left to flush."""
    import signal

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # standard output is no file (a caller's buffer): nothing to end
        return 1
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    return 1


def main(argv: list[str] | None = None) -> int:
    import gc

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
        args.after_dashes = len(argv) - argv.index("--") - 1 if "--" in argv else 0  # paths only, as for git
        code = import_module(f"{__name__}.{args.command}").run(args)
        sys.stdout.flush()  # a reader that went away is noticed here, not while the interpreter exits
        return code
    except BrokenPipeError:  # the reader went away (`idlib-gold check | head`): end as cat does, by SIGPIPE
        return _end_by_sigpipe()
    except UsageError as exc:  # a bad argument, a refused output, an unreadable schema, no tree
        print(f"idlib-gold: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"idlib-gold: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        gc.unfreeze()  # for callers that run commands in-process (tests, notebooks)
        from ..vocabulary import use_repository

        use_repository(None)
