"""Calibration efficiency: effective sample size per CPU-second, sequential (smc) against
importance sampling from the prior, on the city calibration.

    python benchmarks/bench_calibrate.py [--replications 100000] [--repeats 2]

Runs :func:`simulator.study.calibrate.calibrate` in this process (one worker, so CPU time
is the work itself) for each method in turn, ``repeats`` times alternating (the machine is
shared: pairs measured side by side), after a small warm-up run of each (imports, layout).
Prints, per run: draws, effective sample size (ESS), CPU seconds, ESS per CPU-second and
ESS per draw; then the ratio smc / importance of the medians, and how far apart the two
posterior means are in units of their Monte Carlo error (sd · √(1/ESS₁ + 1/ESS₂)), which
should be a few units at most: equal accuracy means the same posterior.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import load_scenario  # noqa: E402
from simulator.study.calibrate import calibrate  # noqa: E402

SCENARIO = ROOT / "scenarios" / "history" / "city-2019-2021.yaml"
METHODS = ("importance", "smc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    for method in METHODS:
        calibrate(scenario, replications=2000, seed=0, method=method)
    print(f"{'method':<11} {'seed':>4} {'draws':>8} {'ESS':>7} {'CPU s':>7} {'ESS/CPU-s':>10} "
          f"{'ESS/draw':>9}")
    rate: dict[str, list[float]] = {m: [] for m in METHODS}
    last = {}
    for seed in range(args.repeats):
        for method in METHODS:
            started = time.process_time()
            found = calibrate(scenario, replications=args.replications, seed=seed,
                              method=method)
            cpu = time.process_time() - started
            rate[method].append(found.ess / cpu)
            last[method] = found
            print(f"{method:<11} {seed:>4} {args.replications:>8,} {found.ess:>7.0f} "
                  f"{cpu:>7.1f} {found.ess / cpu:>10.1f} {found.ess / args.replications:>9.3%}",
                  flush=True)
    ratio = statistics.median(rate["smc"]) / statistics.median(rate["importance"])
    print(f"ESS per CPU-second, smc / importance (medians): {ratio:.1f}×")
    a, b = last["importance"].posterior(), last["smc"].posterior()
    err = (b.posterior_sd * (1 / last["importance"].ess + 1 / last["smc"].ess) ** 0.5)
    gap = ((a.posterior_mean - b.posterior_mean).abs() / err)
    print("posterior means apart, in Monte Carlo errors: "
          + ", ".join(f"{p.split('.')[-1] if p.count('.') < 2 else p}: {g:.1f}"
                      for p, g in zip(a.parameter, gap, strict=True)))


if __name__ == "__main__":
    main()
