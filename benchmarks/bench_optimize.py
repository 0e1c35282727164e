"""Programme search speed: candidates evaluated per second and the hypervolume reached in a
fixed budget, on the buffered programme.

    python benchmarks/bench_optimize.py [--evaluations 240] [--replications 1000] [--workers 2]

Runs :func:`simulator.study.optimize.optimize` with the objectives max P(plan-2035),
max P(batch-3) and min cost (the README's command; binding-2025 kept by default) and prints
wall seconds, candidates simulated, candidates per second, the held-out evaluations, the
front's size (and how many hold up on independent random numbers) and the hypervolume by
generation (the objectives mapped to 0…1: 1 − P, cost / the dearest programme; reference
point 1.1 each, so 1.331 is the most any front can reach) — of the front found so far on
held-out numbers, and of the archive on the search's own.
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
    s = found.settings
    print(f"{n} candidates × {args.replications:,} replications "
          f"(+ {s['holdout_evaluations']} held-out), front re-evaluated at "
          f"{s['final_replications']:,} on seed {s['reevaluation_seed']}: {took:.1f} s wall, "
          f"{n / took:.2f} candidates per second, {len(found.front)} on the search's front, "
          f"{len(found.on_front)} holding up ({args.workers} workers)")
    conv = found.convergence
    print("hypervolume by generation, held-out (archive): " + ", ".join(
        f"{g}: {h:.3f} ({a:.3f})" for g, h, a in zip(
            conv.generation, conv.hypervolume_reevaluated, conv.hypervolume, strict=True)))


if __name__ == "__main__":
    main()
