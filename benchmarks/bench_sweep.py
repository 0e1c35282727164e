"""Sweep throughput: a 64-point LHS design at 1,000 replications per point.

    python benchmarks/bench_sweep.py

Runs the same design on local processes and on a Dask LocalCluster (127.0.0.1) with the
same number of workers, and reports points per second, with and without the back-end's
start-up. Also checks that both back-ends return identical points.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
from scipy.stats import qmc  # noqa: E402

from simulator import load_scenario  # noqa: E402
from simulator.run.backends import DaskBackend, LocalBackend  # noqa: E402
from simulator.study.points import run_points  # noqa: E402

PARAMETERS = {  # path: (low, high)
    "pathways.consolidation.stages[0].duration.median": (2.0, 4.0),
    "pathways.consolidation.annual_cap": (2.0, 5.0),
    "pathways.renewal.stages[0].dropout": (0.2, 0.5),
    "correlation.pathway_factor_sigma": (0.1, 0.5),
}


def design(points: int) -> pd.DataFrame:
    u = qmc.LatinHypercube(d=len(PARAMETERS), seed=0).random(points)
    return pd.DataFrame({path: lo + u[:, k] * (hi - lo)
                         for k, (path, (lo, hi)) in enumerate(PARAMETERS.items())})


def timed(backend, base, points, replications):
    start = time.perf_counter()
    with backend:
        ready = time.perf_counter()
        table = run_points(base, points, replications=replications, seed=0, backend=backend)
        done = time.perf_counter()
    return table, len(points) / (done - ready), len(points) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--points", type=int, default=64)
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args()
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    points = design(args.points)
    print(f"{args.points}-point LHS sweep of the baseline, {args.replications:,} replications "
          f"per point, {args.workers} workers")
    results = {}
    for name, backend in [("local processes", LocalBackend(args.workers)),
                          ("Dask LocalCluster", DaskBackend(f"local:{args.workers}"))]:
        table, running, total = timed(backend, base, points, args.replications)
        results[name] = table
        print(f"  {name:18} {running:6.1f} points/s running, {total:6.1f} points/s "
              "including start-up")
    same = results["local processes"].equals(results["Dask LocalCluster"])
    print("identical points from both back-ends" if same else "BACK-ENDS DISAGREE")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
