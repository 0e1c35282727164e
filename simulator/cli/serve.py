"""``landsim serve``: the explorer in the browser (:mod:`simulator.app`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from simulator.cli.args import fixed_seed, replication_count, worker_count


def add(sub) -> None:
    """Register the command's parser."""
    serve = sub.add_parser("serve", help="explore scenarios in the browser: move a lever, "
                                         "see the odds change")
    serve.add_argument("scenarios", type=Path, nargs="*", metavar="SCENARIO",
                       help="scenario files to offer besides the shipped ones")
    serve.add_argument("--port", type=_port, default=8050, help="port (default 8050)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--workers", type=worker_count, default=None,
                       help="processes shared by every browser session (default: all cores)")
    serve.add_argument("-n", "--replications", type=replication_count, default=20_000,
                       help="replications an answer is refined to (default 20,000)")
    serve.add_argument("--seed", type=fixed_seed, default=0,
                       help="the seed of every estimate (default 0)")
    serve.set_defaults(func=_cmd_serve)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return value


def _cmd_serve(args: argparse.Namespace) -> int:
    from simulator.app.server import serve

    began = time.perf_counter()

    def starting(scenario: str, workers: int) -> None:
        print(f"landsim explorer: starting {workers} worker{'s' if workers > 1 else ''} and "
              f"warming up on {scenario}; the page answers meanwhile …", file=sys.stderr,
              flush=True)

    def ready(address: str) -> None:
        print(f"landsim explorer: open {address} in a browser (Ctrl-C stops it) · seed "
              f"{args.seed} · answers refined to {args.replications:,} replications · "
              f"listening in {time.perf_counter() - began:.1f} s", flush=True)

    def warmed(seconds: float) -> None:
        print(f"landsim explorer: warm in {time.perf_counter() - began:.1f} s (the first "
              "answer is in)", file=sys.stderr, flush=True)

    # Ctrl-C and SIGTERM stop the server, then its workers; the exit status is then the
    # usual 130 or 143 (and "landsim: interrupted" or "terminated")
    serve(args.scenarios, host=args.host, port=args.port, workers=args.workers,
          seed=args.seed, replications=args.replications, ready=ready, starting=starting,
          warmed=warmed)
    return 0
