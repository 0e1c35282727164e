"""What a run or study is estimated to cost on this machine; refusing one that costs too
much."""

from __future__ import annotations

import math
import os
import sys

from simulator.inputs.errors import LandsimError

MAX_DESIGN_POINTS = 1_000_000
"""Most points a study may have, --force or not (its design is held in memory)."""


def sweep_design_size(spec) -> int:
    """Points of a sweep's design, before it is built (a grid: the product of its levels)."""
    if spec.design == "grid":
        return math.prod(len(p.levels) if p.levels is not None else spec.levels
                         for p in spec.parameters)
    return int(spec.points or 0)


def study_cost(scenario, replications: int, points: int, args, what: str) -> None:
    """Refuse a study whose estimated time on this machine is above the ceiling (unless
    --force) or whose design is too large to hold; say the estimate otherwise."""

    from simulator.run.cost import STUDY_CEILING_SECONDS, estimate_run, format_seconds

    if points > MAX_DESIGN_POINTS:
        raise LandsimError(f"{what}: {points:,} points to evaluate; at most "
                           f"{MAX_DESIGN_POINTS:,}, --force or not (a design is held in memory)")
    workers = getattr(args, "workers", None) or os.cpu_count() or 1
    seconds = estimate_run(scenario, replications).seconds * points / max(1, workers)
    if seconds > STUDY_CEILING_SECONDS and not args.force:
        raise LandsimError(
            f"{what}: {points:,} points × {replications:,} replications is estimated at "
            f"{format_seconds(seconds)} on this machine, above the "
            f"{format_seconds(STUDY_CEILING_SECONDS)} a study may take; use fewer points or "
            "replications, or add --force to run it anyway")
    if not getattr(args, "quiet", False) and seconds > 10:
        print(f"{what}: estimated {format_seconds(seconds)} on this machine", file=sys.stderr)


def _whole(scenario, replications: int, workers: int, levers: bool, langs: int):
    from simulator.run.cost import estimate_command

    lever_n = 0
    if levers and scenario.levers:
        from simulator.study.levers import LEVER_REPLICATIONS

        lever_n = LEVER_REPLICATIONS
    return estimate_command(scenario, replications, workers, lever_replications=lever_n,
                            langs=langs)


def _range(low: float, high: float) -> str:
    from simulator.run.cost import format_seconds

    a, b = format_seconds(low), format_seconds(high)
    return a if a == b else f"{a.removeprefix('about ')}–{b.removeprefix('about ')}"


def say_cost(scenario, replications: int, workers: int | None, *, levers: bool = True,
             langs: int = 1) -> None:
    """On stderr, the estimated time of the whole run — simulation, the levers' analysis and
    the report — when it is long enough to wait for."""
    found = _whole(scenario, replications, workers or os.cpu_count() or 1, levers, langs)
    low, high = found.seconds
    if high > 10:
        print(f"estimated {_range(low, high)} on this machine" + (
            f" (the levers' analysis {_range(*found.levers)} of it; --no-levers skips it)"
            if found.levers[1] > 0 else ""), file=sys.stderr)


def cost_line(scenario, replications: int) -> str:
    """The estimated time of a run of ``replications`` on this machine, for validate: the
    simulation, and the whole command with its lever analysis and report."""
    from simulator.run.cost import format_seconds

    found = _whole(scenario, replications, os.cpu_count() or 1, True, 1)
    estimate = found.simulation
    line = (f"cost: {replications:,} replications ≈ {format_seconds(estimate.wall_seconds)} "
            f"on this machine ({estimate.steps:,.0f} project-stage steps"
            + (f", {estimate.queue_steps:,.0f} queue steps" if estimate.queue_steps else "")
            + (f", about {estimate.passes:.0f} engine passes" if estimate.passes > 1 else "")
            + ")")
    if found.levers[1] > 0:
        line += (f"; landsim run in all ≈ {_range(*found.seconds)} (the levers' analysis "
                 f"{found.lever_runs[0]}–{found.lever_runs[1]} runs of "
                 f"{min(replications, 1000):,}; --no-levers skips it)")
    return line
