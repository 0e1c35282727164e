"""The explorer's memory: rounds of sessions moving sliders, then closing their tabs.

    python benchmarks/bench_explorer_memory.py [--scenario status-2026] [--rounds 5]
        [--sessions 14] [--moves 6] [--pause 0.4] [--workers 2]

Starts ``landsim serve`` on the scenario and, ``--rounds`` times, opens ``--sessions``
sessions at once over Shiny's websocket (as a browser tab does), moves a different slider
in each ``--moves`` times ``--pause`` seconds apart, lets the last answer finish, and
closes every session. After each round it prints the resident memory (RSS) of the server's
main process and of its workers. A bounded explorer levels off after the first round or
two; one that keeps what closed sessions held grows by about the same amount each round.

The bound the README states is checked by ``tests/test_explorer_memory.py`` (fewer
sessions, same driver).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from sessions import measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="status-2026")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=14)
    parser.add_argument("--moves", type=int, default=6)
    parser.add_argument("--pause", type=float, default=0.4)
    parser.add_argument("--settle", type=float, default=4.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    out = measure(ROOT / "scenarios" / f"{args.scenario}.yaml", rounds=args.rounds,
                  sessions=args.sessions, moves=args.moves, pause=args.pause,
                  settle=args.settle, workers=args.workers)
    growth = out[-1][0] - out[1][0]
    print(f"main process: {out[0][0]:.0f} MB before, {out[1][0]:.0f} MB after round 1, "
          f"{out[-1][0]:.0f} MB after round {len(out) - 1} "
          f"({growth:+.0f} MB over the last {len(out) - 2} rounds)")


if __name__ == "__main__":
    main()
