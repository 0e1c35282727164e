"""The programme's own arithmetic: how a pathway's plan becomes projects, and when they start.

This module is the bottom of the model wing's accounting: :mod:`simulator.model.status`
(what a status date leaves to simulate), :mod:`simulator.model.management` (what a
programme office tops up) and :mod:`simulator.model.layout` (the table of projects)
use it, and it uses none of them, so the wing reads top to bottom.
"""

from __future__ import annotations

import heapq

__all__ = ["lifecycle_years", "mean_project_km2", "split_projects"]


def split_projects(plan: dict[int, float], count: int) -> dict[int, int]:
    """Projects per planned year: one each, the rest to whichever year's projects are largest.

    Ties go to the earlier year. Raises ``ValueError`` if ``count`` < number of years.
    """
    if count < len(plan):
        raise ValueError(f"{count} projects cannot cover {len(plan)} planned years")
    counts = {year: 1 for year in plan}
    heap = [(-area, year) for year, area in plan.items()]
    heapq.heapify(heap)
    for _ in range(count - len(plan)):
        _, year = heapq.heappop(heap)
        counts[year] += 1
        heapq.heappush(heap, (-plan[year] / counts[year], year))
    return counts


def lifecycle_years(p) -> float:
    """Years from a project's start to its nominal release Y + 0.5.

    By default the sum of the stages' nominal durations (medians unless ``nominal`` is
    given). With ``schedule: {quantile: q}``, the sum of the stages' q-quantiles: the
    exact q-quantile of the lifecycle when the stages' durations move together
    (comonotone — as the shared delay factors make them), and a buffer at least as large
    as the independent-stages quantile for the usual q ≥ 0.5 with similar stages. It is
    the rule a planner can check stage by stage; for one stage it is exact.
    """
    q = p.schedule.quantile if p.schedule is not None else None
    if q is None:
        return float(sum(s.duration.nominal_value() for s in p.stages))
    return float(sum(s.duration.quantile(q) for s in p.stages))


def mean_project_km2(p) -> float:
    """A pathway's mean project size (km²): its planned area over its project count."""
    return float(p.planned_km2) / p.projects.count
