"""The report's lever analysis: time for the baseline's four levers (target: well under a minute).

    python benchmarks/bench_levers.py [--workers 2]

For each shipped scenario with ``levers:``, times :func:`simulator.study.levers.lever_effects`
(each lever's low/high end and the value for 50 % and 80 % of the headline target, at the
run report's 1,000 replications a point), prints seconds, evaluations and seconds per
evaluation, and the time of one plain 1,000-replication run for scale (a warm one: the
first call's imports and layout are left out).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import load_scenario, simulate  # noqa: E402
from simulator.run.backends import LocalBackend  # noqa: E402
from simulator.study.levers import LEVER_REPLICATIONS, lever_effects  # noqa: E402

SCENARIOS = ("baseline", "buffered-programme", "status-2026")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"{'scenario':<20} {'levers':>6} {'seconds':>8} {'evals':>6} {'s/eval':>7} "
          f"{'one run':>8} {'ratio':>6}")
    for name in SCENARIOS:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        simulate(scenario, replications=LEVER_REPLICATIONS, seed=0)  # imports, first layout
        started = time.perf_counter()
        simulate(scenario, replications=LEVER_REPLICATIONS, seed=0)
        one = time.perf_counter() - started
        started = time.perf_counter()
        data = lever_effects(scenario, replications=LEVER_REPLICATIONS, seed=0,
                             backend=LocalBackend(args.workers))
        took = time.perf_counter() - started
        n = data["evaluations"]
        print(f"{name:<20} {len(scenario.levers):>6} {took:>8.1f} {n:>6} {took / n:>7.3f} "
              f"{one:>8.2f} {took / one:>6.0f}")


if __name__ == "__main__":
    main()
