"""The ``landsim`` entry point: the parser, signals and exit statuses."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from simulator import __version__
from simulator.cli import (
    backtest,
    calibrate,
    check,
    discover,
    optimize,
    report,
    run,
    sensitivity,
    serve,
    solve,
    sweep,
    trace,
)
from simulator.inputs.errors import LandsimError, ScenarioError

# the order of `landsim --help`
COMMANDS = (run, trace, report, sweep, sensitivity, solve, discover, optimize, calibrate,
            backtest, check, serve)


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``): cleaned up exactly like Ctrl-C."""


_MAIN_PID: int | None = None


def _on_sigterm(signum, frame):  # noqa: ARG001 — signal handler signature

    if os.getpid() != _MAIN_PID:
        # a worker forked before it could reset the handler: stop as SIGTERM stops
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    # Workers go first, whatever the main thread was doing when the signal came; then the
    # exception unwinds it, removing temporary folders on the way.
    from simulator.run.backends import stop_children

    stop_children()
    raise Terminated()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="landsim",
        description="Odds of meeting land-release targets, from YAML scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"landsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for module in COMMANDS:
        module.add(sub)
    return parser


def console() -> None:
    """The ``landsim`` command: :func:`main`, then exit with its status.

    After Ctrl-C or SIGTERM everything landsim made has been cleaned up by then; the exit
    skips Python's wait for process-pool threads, which can block for good on the pipe of a
    worker that was stopped in the middle of sending a result.
    """
    code = main()
    if code in (130, 143):

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = ["landsim", *argv]
    global _MAIN_PID

    from simulator.run.backends import process_limit
    from simulator.run.output import command_locks

    _MAIN_PID = os.getpid()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        # --workers bounds every local pool of the command, the charts' included; the
        # folders it writes are locked from their check to the command's end
        with process_limit(getattr(args, "workers", None)), \
                command_locks(wait=getattr(args, "wait", False), command=args.argv):
            return args.func(args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except LandsimError as exc:
        print(f"landsim: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("landsim: terminated; nothing was written or replaced", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("landsim: interrupted; nothing was written or replaced", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`landsim … | head`): what was written stays
        # written; stop quietly, and keep Python from complaining at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 — the last line of defence for users
        if args.debug:
            raise
        print(
            f"landsim: internal error: {type(exc).__name__}: {exc}\n"
            "  rerun with --debug for the traceback, and please report it",
            file=sys.stderr,
        )
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
