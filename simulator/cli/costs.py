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


def say_cost(scenario, replications: int, workers: int | None) -> None:
    """On stderr, the estimated time of a run when it is long enough to wait for."""

    from simulator.run.cost import estimate_run, format_seconds

    estimate = estimate_run(scenario, replications, workers=workers or os.cpu_count() or 1)
    if estimate.wall_seconds > 10:
        print(f"estimated {format_seconds(estimate.wall_seconds)} on this machine",
              file=sys.stderr)


def cost_line(scenario, replications: int) -> str:
    """The estimated time of a run of ``replications`` on this machine, for validate."""

    from simulator.run.cost import estimate_run, format_seconds

    estimate = estimate_run(scenario, replications, workers=os.cpu_count() or 1)
    return (f"cost: {replications:,} replications ≈ {format_seconds(estimate.wall_seconds)} "
            f"on this machine ({estimate.steps:,.0f} project-stage steps"
            + (f", {estimate.queue_steps:,.0f} queue steps" if estimate.queue_steps else "")
            + (f", about {estimate.passes:.0f} engine passes" if estimate.passes > 1 else "")
            + ")")
