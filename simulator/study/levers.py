"""What would change the odds: each declared lever alone, its effect and what it would take.

For a scenario's ``levers:``, with everything else as in the scenario and common random
numbers throughout: the headline target's probability and mean km² at each lever's low
and high end (the tornado), and the lever value that would give the target 50 % and
80 % (:func:`simulator.study.solve.solve`, with a coarser tolerance: a hundredth of the
range). ``landsim run`` writes the result as ``levers.json`` in the run folder and the
report shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from simulator.inputs.params import get_value
from simulator.inputs.scenario import Scenario
from simulator.run.backends import Backend, LocalBackend
from simulator.study.solve import Evaluator, lever_range, solve

__all__ = ["LEVELS", "LEVER_REPLICATIONS", "check_levers", "lever_effects"]

LEVELS = (0.5, 0.8)
LEVER_REPLICATIONS = 1000
"""Replications per evaluation (at most; fewer if the run has fewer)."""


LEVER_RESOLUTION = 1 / 4
"""The report's levers scan each range at a quarter of its width (then refine where the
odds change): a run's report stays quick; `landsim solve` scans at a sixteenth."""

def check_levers(scenario: Scenario) -> None:
    """Check that every end of every declared lever can be run, as the report's lever
    analysis will run it (``validate`` and ``run`` call this before simulating). Raises
    ``ScenarioError`` naming the lever, what its end breaks, and ``--no-levers``."""
    from simulator.inputs.errors import Problem, ScenarioError
    from simulator.inputs.params import ParameterError

    problems = []
    for i, lever in enumerate(scenario.levers):
        origin = f"the report's lever analysis, levers[{i}] at"
        try:
            lever_range(scenario, lever.path, lever.min, lever.max, origin=origin)
        except ScenarioError as exc:
            problems += [Problem(f"levers[{i}]", f"{p.message}; narrow the lever's range, or "
                                 "run with --no-levers", scenario.file, None)
                         for p in exc.problems]
        except ParameterError as exc:
            problems.append(Problem(f"levers[{i}]", str(exc), scenario.file, None))
    if problems:
        raise ScenarioError(problems)


def lever_effects(
    scenario: Scenario,
    *,
    target: str | None = None,
    replications: int = LEVER_REPLICATIONS,
    seed: int = 0,
    engine: str = "auto",
    backend: Backend | None = None,
    progress: Callable[[int], None] | None = None,
    first_look: bool = False,
    evaluator: Evaluator | None = None,
) -> dict:
    """Each lever of ``scenario`` alone: its low/high effect and the value for 50 % and 80 %.

    ``target`` defaults to the scenario's headline target (else its first). With
    ``first_look`` each value is found only to within a step of the scan (a quarter of the
    lever's range: the interval says so) and the scan is not refined — about a fifth of
    the simulations, what the explorer shows while the full analysis runs. An
    ``evaluator`` (of the same scenario, target, replications and seed) shares its points
    between calls: the full analysis after a first look does not run its scan again. Returns plain
    JSON data (levers.json; ``first_look`` is recorded). Raises
    ``ParameterError``/``ScenarioError`` for a lever whose path or range does not fit.
    """
    target = target or scenario.headline or scenario.targets[0].name
    backend = backend or LocalBackend(1)
    evaluator = evaluator or Evaluator(scenario, target, replications=replications, seed=seed,
                                       engine=engine, backend=backend)
    backend = evaluator.backend
    out = {"target": target, "replications": replications, "seed": seed, "levers": [],
           "resolution": LEVER_RESOLUTION, "first_look": first_look}
    ranges = [lever_range(scenario, lv.path, lv.min, lv.max) for lv in scenario.levers]

    def row_of(lever, lr) -> dict:
        now = get_value(scenario, lever.path)
        base, low, high = evaluator.evaluate([  # {}: the scenario as it is
            {}, {lever.path: lr.plain(lr.low)}, {lever.path: lr.plain(lr.high)}])
        row = {
            "path": lever.path, "description": lever.description,
            "min": lr.low, "max": lr.high, "integer": lr.integer, "now": now,
            "now_probability": base["probability"], "now_mean_km2": base["mean_km2"],
            "low": {k: low[k] for k in ("probability", "ci95_low", "ci95_high", "mean_km2")},
            "high": {k: high[k] for k in ("probability", "ci95_low", "ci95_high", "mean_km2")},
        }
        for level in LEVELS:
            if progress is not None:
                progress(0)  # a cancelled study stops here, between searches (in any thread)
            answer = solve(scenario, target, level, lr, evaluator=evaluator,
                           tolerance=LEVER_RESOLUTION if first_look else 1e-2,
                           resolution=LEVER_RESOLUTION, refine=not first_look)
            interval = list(answer.interval)
            if first_look and answer.value is not None:
                interval = _one_step_wide(interval, answer, lr)
            row[f"for{round(level * 100)}"] = {
                "value": answer.value, "interval": interval,
                "reachable": answer.reachable, "monotone": answer.monotone,
                "best": answer.best,
            }
        if progress is not None:
            progress(1)
        return row

    with backend:
        if getattr(backend, "workers", 1) > 1 and len(ranges) > 1:
            # the levers side by side: one lever's search runs a step of two points at a
            # time, so alone it leaves workers idle; each point's numbers are the same
            # whoever asks first (common random numbers), so the rows are too
            with ThreadPoolExecutor(len(ranges), thread_name_prefix="lever") as threads:
                out["levers"] = list(threads.map(row_of, scenario.levers, ranges))
        else:
            out["levers"] = [row_of(lv, lr) for lv, lr in zip(scenario.levers, ranges,
                                                                strict=True)]
    out["evaluations"] = len(evaluator.rows)
    return out


def _one_step_wide(interval: list, answer, lr) -> list:
    """A first look's interval: where the 95 % bounds cross the level is known only to
    within a step of the scan, so the interval reaches one step back from each end it
    found, towards where the search came from (within the lever's range)."""
    step = answer.resolution or 0.0
    lo, hi = interval
    if answer.direction == "decreasing":
        hi = None if hi is None else lr.plain(min(lr.high, hi + step))
    else:
        lo = None if lo is None else lr.plain(max(lr.low, lo - step))
    return [lo, hi]
