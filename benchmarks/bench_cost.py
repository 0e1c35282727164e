"""Cost estimates against measured times: is `validate`'s "≈ N s" within a factor of two?

    python benchmarks/bench_cost.py [--replications 2000]

For the shipped scenarios and the probe's worst case (every limit at once, every stage a
queue of one, σ 1.5, 20 events), prints the estimate of :func:`simulator.run.cost.
estimate_run` for one worker, the measured time of the same run on one worker, and their
ratio. The estimate's coefficients were fitted on the reference machine; the ratio is what
to watch (this machine is shared and noisy: the ratios come from one run, side by side).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from simulator import load_scenario, scenario_from_dict, simulate  # noqa: E402
from simulator.run.cost import estimate_run, machine_speed  # noqa: E402


def worst_case():
    from test_limits import scenario_at

    doc = scenario_at()
    for p in doc["pathways"].values():
        for stage in p["stages"]:
            stage["capacity"] = 1
            stage["duration"]["sigma"] = 1.5
    return scenario_from_dict(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=2000)
    args = parser.parse_args()
    cases = [(name, load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
             for name in ("baseline", "buffered-programme", "status-2026", "plan-2024")]
    cases.append(("every limit, queues of one", worst_case()))
    print(f"machine speed {machine_speed():.2f} (1.0: the reference machine; lower is faster)")
    print(f"{'scenario':<28} {'estimate s':>10} {'measured s':>10} {'ratio':>6}")
    for name, scenario in cases:
        n = args.replications if "limit" not in name else min(args.replications, 500)
        estimate = estimate_run(scenario, n).seconds
        started = time.perf_counter()
        simulate(scenario, replications=n, seed=0, workers=1)
        measured = time.perf_counter() - started
        print(f"{name:<28} {estimate:>10.2f} {measured:>10.2f} {measured / estimate:>6.2f}"
              f"   ({n:,} replications, one worker)")


def whole_commands(replications: int) -> None:
    """`landsim run` as a user runs it (levers and the English report): the measured wall
    time against the estimate's range (issue 36, item 9: within 2× of it)."""
    import os
    import subprocess

    from simulator.run.cost import estimate_command
    from simulator.study.levers import LEVER_REPLICATIONS

    print(f"\n{'landsim run':<28} {'estimate s':>15} {'measured s':>10}  within 2×?")
    for name in ("baseline", "buffered-programme", "status-2026", "plan-2024"):
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        low, high = estimate_command(scenario, replications, os.cpu_count() or 1,
                                     lever_replications=LEVER_REPLICATIONS).seconds
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "simulator", "run",
                        str(ROOT / "scenarios" / f"{name}.yaml"), "-n", str(replications),
                        "-q", "--force", "--discard-previous", "--out",
                        str(ROOT / "outputs" / "bench-cost" / name)],
                       check=True, capture_output=True)
        measured = time.perf_counter() - started
        ok = low / 2 <= measured <= 2 * high
        print(f"{name:<28} {low:>6.1f}–{high:<8.1f} {measured:>10.1f}  {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
    whole_commands(2000)
