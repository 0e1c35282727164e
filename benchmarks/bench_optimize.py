"""Programme search speed: the README's `landsim optimize` command, timed, with candidates per
second, why the search stopped and the hypervolume it reached, on the buffered programme.

    python benchmarks/bench_optimize.py [--evaluations 480] [--replications 1000] [--workers 2]

Runs, in a fresh process as a user would, the README's command

    landsim optimize scenarios/buffered-programme.yaml --objective "max P(plan-2035)"
        --objective "max P(batch-3)" --objective "min cost"

(binding-2025 kept by default; with no flags exactly the README's budget and replications,
on two workers) into a temporary folder, and prints its wall seconds, the CPU seconds of
the process and its workers (user + system), the load average before and after (the
machine may be shared: compare runs made beside each other), the candidates simulated and
per second, the held-out evaluations, the generation it stopped at and why (the front
settled, or the budget ran out), the front's size (and how many hold up on independent
random numbers) and the hypervolume by generation (the objectives mapped to 0…1: 1 − P,
cost / the dearest programme; reference point 1.1 each, so 1.331 is the most any front can
reach) — of the front found so far on held-out numbers, and of the archive on the search's
own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OBJECTIVES = ("max P(plan-2035)", "max P(batch-3)", "min cost")
"""The README's objectives."""


def command(out: Path, evaluations: int, replications: int, workers: int) -> list[str]:
    """The README's command (flags only where they differ from its defaults) writing to
    ``out``, run with this interpreter."""
    argv = [sys.executable, "-m", "simulator", "optimize",
            str(ROOT / "scenarios" / "buffered-programme.yaml")]
    for objective in OBJECTIVES:
        argv += ["--objective", objective]
    if evaluations != 480:
        argv += ["--evaluations", str(evaluations)]
    if replications != 1000:
        argv += ["-n", str(replications)]
    return argv + ["--workers", str(workers), "--out", str(out), "--force", "-q"]


def timed(argv: list[str]) -> tuple[float, float]:
    """Run ``argv`` to the end; (wall seconds, CPU seconds of it and its workers). Raises
    ``CalledProcessError`` if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=480)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "optimize"
        load = os.getloadavg()[0]
        wall, cpu = timed(command(out, args.evaluations, args.replications, args.workers))
        load_after = os.getloadavg()[0]
        summary = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
        n = sum(1 for _ in (out / "evaluations.csv").open(encoding="utf-8")) - 1
    again = summary["reevaluation"]
    stop = summary["stop"]
    why = "the front settled" if stop["reason"] == "settled" else "its budget ran out"
    changed = [f"--evaluations {args.evaluations}"] * (args.evaluations != 480) + [
        f"-n {args.replications}"] * (args.replications != 1000)
    print(f"README command{' with ' + ' '.join(changed) if changed else ''}: "
          f"{wall:.1f} s wall, {cpu:.1f} s CPU (user + system, with its workers), "
          f"load {load:.2f} before, {load_after:.2f} after ({args.workers} workers)")
    print(f"{n} candidates × {args.replications:,} replications "
          f"(+ {summary['holdout_evaluations']} held-out) in {stop['generation']} of "
          f"{stop['generations']} generations, stopped because {why}; front re-evaluated at "
          f"{summary['final_replications']:,} on seed {summary['reevaluation_seed']}: "
          f"{n / wall:.2f} candidates per second, {again['members']} on the search's front, "
          f"{again['holding']} holding up")
    conv = summary["convergence"]
    print("hypervolume by generation, held-out (archive): " + ", ".join(
        f"{row['generation']}: {row['hypervolume_reevaluated']:.3f} "
        f"({row['hypervolume']:.3f})" for row in conv))


if __name__ == "__main__":
    main()
