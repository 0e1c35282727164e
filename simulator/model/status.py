"""What a status date leaves to simulate: the accounting of plan, actuals and pipeline.

Per pathway, the plan is split into what has been **released** (the actuals, km² by year
before ``as_of``), what is **in the pipeline** (projects in a stage at ``as_of``) and what
is **not yet started**. The rule for the last: the planned area not covered by actuals
and pipeline, taken off the earliest planned years first (a programme works through its
plan in order, so what it has done or begun stands for its earliest years). When actuals
and pipeline exceed the plan the excess is reported and nothing is left to start. So,
per pathway, ``planned = released + pipeline + not_started − excess``, exactly.

A not-yet-started year keeps its planned projects when untouched; a partly covered year
keeps ``max(1, round(n × left / planned))`` of its n projects. Not-yet-started projects
whose nominal start (Y + 0.5 minus the nominal lifecycle) lies before ``as_of`` start at
``as_of`` instead: they are late already, and the accounting says how much area that is.
(A status dated at the horizon start is the exception: it keeps the plain model's
convention that the first projects began on schedule before the horizon.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.inputs.scenario import Scenario
from simulator.model.programme import lifecycle_years, split_projects

__all__ = ["PathwayAccount", "StatusPlan", "status_plan"]

_EPS = 1e-9  # km²: what is left of a year below this is nothing


@dataclass(frozen=True)
class PathwayAccount:
    """One pathway's accounting at the status date (km²)."""

    pathway: str
    planned_km2: float
    released_km2: float
    pipeline_km2: float
    pipeline_projects: int
    not_started_km2: float
    excess_km2: float  # actuals + pipeline beyond the plan
    late_start_km2: float  # not-yet-started area whose nominal start is before as_of
    remaining: dict[int, float]  # the not-yet-started plan: km² by planned year
    counts: dict[int, int]  # its projects by planned year


@dataclass(frozen=True)
class StatusPlan:
    """A scenario's status as the layout uses it; ``as_of`` None means no status."""

    as_of: float | None
    accounts: tuple[PathwayAccount, ...]

    def account(self, pathway: str) -> PathwayAccount:
        """The account of ``pathway``."""
        return next(a for a in self.accounts if a.pathway == pathway)

    def as_dict(self) -> dict:
        """Plain JSON data: as_of and one entry per pathway (the remaining plan left out)."""
        keys = ("planned_km2", "released_km2", "pipeline_km2", "pipeline_projects",
                "not_started_km2", "excess_km2", "late_start_km2")
        return {
            "as_of": self.as_of,
            "accounting": {a.pathway: {k: _clean(getattr(a, k)) for k in keys}
                           for a in self.accounts},
        }


def _lifecycle(scenario: Scenario, name: str) -> float:
    """Years from start to nominal release, as the layout schedules them (buffer included);
    for a routed pathway, the route delay and the weighted mean of its targets'."""
    p = scenario.pathways[name]
    if p.route is None:
        return lifecycle_years(p)
    through = sum(w * lifecycle_years(scenario.pathways[t]) for t, w in p.route.to.items())
    return p.route.delay.nominal_value() + through


def status_plan(scenario: Scenario) -> StatusPlan:
    """Split each pathway's plan into released, pipeline and not yet started (see module)."""
    status = scenario.status
    accounts = []
    for name, p in scenario.pathways.items():
        counts = split_projects(p.plan, p.projects.count)
        if status is None:
            accounts.append(PathwayAccount(name, p.planned_km2, 0.0, 0.0, 0, p.planned_km2, 0.0,
                                           0.0, dict(p.plan), counts))
            continue
        released = sum(year.get(name, 0.0) for year in status.released_by_pathway().values())
        rows = [r for r in status.pipeline if r.pathway == name]
        pipeline = sum(r.km2 for r in rows)
        covered = released + pipeline
        remaining, left_counts = {}, {}
        for year in sorted(p.plan):
            take = min(p.plan[year], covered)
            covered -= take
            left = p.plan[year] - take
            if left <= _EPS:
                continue
            remaining[year] = left
            n = counts[year]
            left_counts[year] = n if take == 0 else max(1, round(n * left / p.plan[year]))
        not_started = sum(remaining.values())
        excess = max(0.0, released + pipeline - p.planned_km2)
        lifecycle = _lifecycle(scenario, name)
        after = p.route.after if p.route is not None else -math.inf
        late = sum(km2 for year, km2 in remaining.items()
                   if max(year + 0.5 - lifecycle, after) < status.as_of
                   and status.as_of > scenario.horizon.start)  # see Layout.start_floor
        accounts.append(PathwayAccount(name, p.planned_km2, released, pipeline,
                                       sum(r.projects for r in rows), not_started, excess, late,
                                       remaining, left_counts))
    return StatusPlan(status.as_of if status is not None else None, tuple(accounts))


def _clean(value: float) -> float | int:
    """km² without float noise (5.3999999999999995 → 5.4); counts stay whole numbers."""
    return value if isinstance(value, int) else round(float(value), 9)
