"""Compile a scenario into a flat table of projects that samplers and engines index.

The layout is deterministic: it depends on the scenario only. Each pathway's plan is
split into projects (at least one per planned year; further projects go, one at a
time, to the year whose projects are currently largest, so sizes end up as even as
the count allows). A project planned for year Y is nominally released at Y + 0.5 and
so starts at Y + 0.5 − L, L being the sum of the nominal stage durations.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from simulator.inputs.scenario import Scenario

__all__ = ["EventSpec", "Layout", "StageSpec", "build_layout", "split_projects"]


@dataclass(frozen=True)
class StageSpec:
    """A stage as engines see it."""

    name: str
    dropout: float
    capacity: int | None
    nominal: float


@dataclass(frozen=True)
class EventSpec:
    """A risk event as engines see it; ``mask[p]`` says whether it touches pathway p."""

    name: str
    probability: float
    lasts: float
    mask: np.ndarray
    duration_multiplier: float
    dropout_add: float


@dataclass(frozen=True)
class Layout:
    """Everything deterministic an engine needs; arrays are indexed by project j or pathway p."""

    scenario: Scenario
    pathways: tuple[str, ...]
    years: np.ndarray  # horizon years (Y,)
    stages: tuple[tuple[StageSpec, ...], ...]  # per pathway; empty for routed pathways
    lifecycle: np.ndarray  # (P,) nominal years from start to release
    annual_cap: np.ndarray  # (P,) km²/yr, inf where uncapped
    events: tuple[EventSpec, ...]
    # per project
    pathway: np.ndarray  # (N,) reporting pathway index
    planned_year: np.ndarray  # (N,)
    group: np.ndarray  # (N,) index of its (pathway, year) group
    area: np.ndarray  # (N,) nominal km²
    group_area: np.ndarray  # (G,) planned km² of each group

    @property
    def n_projects(self) -> int:
        """Number of projects."""
        return int(self.pathway.size)

    @property
    def max_stages(self) -> int:
        """Most stages any pathway has."""
        return max((len(s) for s in self.stages), default=0)

    @property
    def horizon(self) -> tuple[int, int]:
        """First and last horizon year."""
        return int(self.years[0]), int(self.years[-1])

    def projects_of(self, p: int) -> np.ndarray:
        """Indices of pathway ``p``'s projects."""
        return np.flatnonzero(self.pathway == p)

    def routes(self, p: int) -> list[tuple[int, float]]:
        """``[(target pathway index, weight), …]`` for a routed pathway, else ``[]``."""
        route = self.scenario.pathways[self.pathways[p]].route
        if route is None:
            return []
        return [(self.pathways.index(name), w) for name, w in route.to.items()]


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


def build_layout(scenario: Scenario) -> Layout:
    """Compile ``scenario`` into a :class:`Layout`."""
    names = tuple(scenario.pathways)
    stages, lifecycle, caps = [], [], []
    for p in scenario.pathways.values():
        specs = tuple(
            StageSpec(s.name, s.dropout, s.capacity, s.duration.nominal_value()) for s in p.stages
        )
        stages.append(specs)
        lifecycle.append(sum(s.nominal for s in specs))
        caps.append(p.annual_cap if p.annual_cap is not None else np.inf)

    pathway, planned, group, area, group_area = [], [], [], [], []
    for i, p in enumerate(scenario.pathways.values()):
        counts = split_projects(p.plan, p.projects.count)
        for year in sorted(p.plan):
            n = counts[year]
            g = len(group_area)
            group_area.append(p.plan[year])
            pathway += [i] * n
            planned += [year] * n
            group += [g] * n
            area += [p.plan[year] / n] * n

    events = tuple(
        EventSpec(
            e.name,
            e.probability,
            e.lasts,
            np.array([name in e.pathways for name in names]),
            e.duration_multiplier,
            e.dropout_add,
        )
        for e in scenario.events
    )
    return Layout(
        scenario=scenario,
        pathways=names,
        years=np.array(scenario.years),
        stages=tuple(stages),
        lifecycle=np.array(lifecycle, dtype=float),
        annual_cap=np.array(caps, dtype=float),
        events=events,
        pathway=np.array(pathway, dtype=np.int64),
        planned_year=np.array(planned, dtype=np.int64),
        group=np.array(group, dtype=np.int64),
        area=np.array(area, dtype=float),
        group_area=np.array(group_area, dtype=float),
    )
