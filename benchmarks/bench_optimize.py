"""Programme search speed: candidates evaluated per second and the hypervolume reached in a
fixed budget, on the buffered programme.

    python benchmarks/bench_optimize.py [--evaluations 240] [--replications 1000] [--workers 2]

Runs :func:`simulator.study.optimize.optimize` with the objectives max P(plan-2035),
max P(batch-3) and min cost (the README's command) and prints wall seconds, candidates
simulated, candidates per second, the front's size and the hypervolume by generation (the
objectives mapped to 0…1: 1 − P, cost / the dearest programme; reference point 1.1 each,
so 1.331 is the most any front can reach).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import load_scenario  # noqa: E402
from simulator.run.backends import LocalBackend  # noqa: E402
from simulator.study.optimize import optimize, parse_objective  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=240)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenario = load_scenario(ROOT / "scenarios" / "buffered-programme.yaml")
    objectives = [parse_objective(o, scenario) for o in
                  ("max P(plan-2035)", "max P(batch-3)", "min cost")]
    started = time.perf_counter()
    found = optimize(scenario, objectives, evaluations=args.evaluations,
                     replications=args.replications, seed=0,
                     backend=LocalBackend(args.workers))
    took = time.perf_counter() - started
    n = len(found.evaluations)
    print(f"{n} candidates × {args.replications:,} replications, front re-evaluated at "
          f"{found.settings['final_replications']:,}: {took:.1f} s wall, "
          f"{n / took:.2f} candidates per second, {len(found.front)} on the front "
          f"({args.workers} workers)")
    print("hypervolume by generation: " + ", ".join(
        f"{g}: {h:.3f}" for g, h in zip(found.convergence.generation,
                                        found.convergence.hypervolume, strict=True)))


if __name__ == "__main__":
    main()
