"""Compile a scenario into a flat table of projects that samplers and engines index.

The layout is deterministic: it depends on the scenario only. Each pathway's plan is
split into projects (at least one per planned year; further projects go, one at a
time, to the year whose projects are currently largest, so sizes end up as even as
the count allows). A project planned for year Y is nominally released at Y + 0.5 and
so starts at Y + 0.5 − L, L being the sum of the nominal stage durations.

With a ``status`` (see :mod:`simulator.model.status`), each pathway's projects are its
pipeline projects first (each pipeline row a group of its own, in its stage from the
status date on) and then the projects of its not-yet-started plan; nothing starts
before the status date, the actuals are added to the release as they are, and a
capped pathway's cap in the year of the status date is reduced by what that pathway
already released in it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.inputs.programme import ProgrammeDraw, fixed_multiple, programme_draw
from simulator.inputs.scenario import Scenario
from simulator.model.management import Office, offices
from simulator.model.places import Places, build_places
from simulator.model.programme import lifecycle_years, split_projects
from simulator.model.status import StatusPlan, status_plan
from simulator.model.uncertain import UncertainParam, uncertain_params

__all__ = [
    "EventSpec", "Layout", "StageSpec", "build_layout", "lifecycle_years", "split_projects",
]


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
    # replacement of dropped projects (defaults: none)
    replaces: np.ndarray | None = None  # (N,) column this one replaces; -1 for originals
    # status (defaults: none)
    status: StatusPlan | None = None
    first_stage: np.ndarray | None = None  # (N,) stage a project is in at as_of (0: not begun)
    elapsed: np.ndarray | None = None  # (N,) years in that stage at as_of; NaN unknown
    in_pipeline: np.ndarray | None = None  # (N,) bool
    actual: np.ndarray | None = None  # (Y, P) km² released before as_of (facts)
    # uncertain parameters (default: none), drawn per replication by the sampler
    uncertain: tuple[UncertainParam, ...] = ()
    # programme offices (default: none): columns an office may start, by office index
    offices: tuple[Office, ...] = ()
    managed: np.ndarray | None = None  # (N,) office of a pool column; -1 for the others
    # drawn programmes (default: none): per pathway how it draws r, and per column its rank
    # in its group (a reserve column's rank is ≥ the group's count) and each group's count
    drawn: tuple[ProgrammeDraw | None, ...] = ()
    rank: np.ndarray | None = None  # (N,) rank within its group; -1 outside drawn groups
    group_count: np.ndarray | None = None  # (G,) the plan's (or pipeline row's) projects
    reserve: np.ndarray | None = None  # (N,) bool: held in reserve for a drawn programme
    # districts (default: none): each column's (pathway, district) cell
    places: Places | None = None

    @property
    def as_of(self) -> float | None:
        """The status date, or None for a run from the horizon start."""
        return None if self.status is None else self.status.as_of

    @property
    def originals(self) -> np.ndarray:
        """(N,) bool: columns that are projects of the plan or pipeline (not replacements,
        nor projects a programme office may start)."""
        out = np.ones(self.n_projects, dtype=bool)
        if self.replaces is not None:
            out &= self.replaces < 0
        if self.managed is not None:
            out &= self.managed < 0
        return out

    def pool_columns(self, p: int) -> np.ndarray:
        """Columns a programme office may start in pathway ``p``, in the order it starts them."""
        if self.managed is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero((self.managed >= 0) & (self.pathway == p))

    @property
    def start_floor(self) -> float:
        """Earliest start of a project that has not begun: as_of, or -inf.

        A status dated at the horizon start keeps the plain model's convention that the
        plan's first projects began on schedule before the horizon (so it changes
        nothing); from any later date, what has not begun by as_of begins at as_of.
        """
        as_of = self.as_of
        return -np.inf if as_of is None or as_of <= self.years[0] else float(as_of)

    def cap_in(self, p: int) -> np.ndarray:
        """(Y,) km² pathway ``p`` may hand over in each horizon year (inf if uncapped)."""
        return self.cap_rows(p, self.annual_cap[p : p + 1])[0]

    def cap_rows(self, p: int, cap: np.ndarray) -> np.ndarray:
        """(R, Y) km² pathway ``p`` may hand over each year, for per-replication caps ``cap``.

        With a status dated inside a year, the part of that year already behind us used
        part of its cap: the year's cap is net of the pathway's actuals in it.
        """
        rows = np.repeat(np.asarray(cap, dtype=float)[:, None], len(self.years), axis=1)
        y = self.status_year_index
        if y is not None:
            rows[:, y] = np.maximum(rows[:, y] - self.actual[y, p], 0.0)
        return rows

    @property
    def status_year_index(self) -> int | None:
        """Horizon index of a status date inside a year (part of its cap is used), or None."""
        if self.status is None:
            return None
        current = math.floor(self.as_of)
        if current < self.as_of and self.years[0] <= current <= self.years[-1]:
            return int(current - self.years[0])
        return None

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


def _replaces(mapping: dict[int, int], n: int) -> np.ndarray | None:
    if not mapping:
        return None
    out = np.full(n, -1, dtype=np.int64)
    for c, j in mapping.items():
        out[c] = j
    return out


def build_layout(scenario: Scenario) -> Layout:
    """Compile ``scenario`` into a :class:`Layout`."""
    names = tuple(scenario.pathways)
    stages, lifecycle, caps = [], [], []
    for p in scenario.pathways.values():
        specs = tuple(
            StageSpec(s.name, s.dropout, s.capacity, s.duration.nominal_value()) for s in p.stages
        )
        stages.append(specs)
        lifecycle.append(lifecycle_years(p))
        caps.append(p.annual_cap if p.annual_cap is not None else np.inf)

    plan = status_plan(scenario)
    status = scenario.status
    office_of = {m.pathway: (k, m) for k, o in enumerate(offices(scenario)) for m in o.pathways}
    managed: list[int] = []
    pathway, planned, group, area, group_area = [], [], [], [], []
    first_stage, elapsed, in_pipeline = [], [], []
    replaces_map: dict[int, int] = {}
    drawn = tuple(programme_draw(scenario, name) for name in names)
    rank: list[int] = []
    group_count: dict[int, int] = {}  # the plan's (or a pipeline row's) projects by group
    reserve: list[bool] = []
    fixed: list[str] = []  # a pipeline row's district ("" for none)

    def add(i: int, n: int, year: int, km2: float, stage: int, since: float, pipe: bool,
            g: int, first_rank: int = 0, spare: bool = False, district: str = "") -> None:
        fixed.extend([district] * n)
        pathway.extend([i] * n)
        planned.extend([year] * n)
        group.extend([g] * n)
        area.extend([km2] * n)
        first_stage.extend([stage] * n)
        elapsed.extend([since] * n)
        in_pipeline.extend([pipe] * n)
        rank.extend(range(first_rank, first_rank + n) if drawn[i] is not None else [-1] * n)
        reserve.extend([spare] * n)

    for i, (name, p) in enumerate(scenario.pathways.items()):
        rows = [r for r in status.pipeline if r.pathway == name] if status else []
        stage_index = {s.name: k for k, s in enumerate(p.stages)}
        groups: list[tuple] = []  # (g, n, year, km² a project, stage, elapsed, pipeline, district)
        for r in rows:  # first: at the status date they hold their places ahead of new arrivals
            n, g = r.projects, len(group_area)
            group_area.append(r.km2)
            group_count[g] = n
            since = status.as_of - r.since if r.since is not None else np.nan
            groups.append((g, n, math.floor(status.as_of), r.km2 / n, stage_index[r.stage],
                           since, True, r.district or ""))
            add(i, n, math.floor(status.as_of), r.km2 / n, stage_index[r.stage], since, True, g,
                district=r.district or "")
        account = plan.account(name)
        m = fixed_multiple(scenario, name)
        for year in sorted(account.remaining):
            n = account.counts[year]
            # over-programming: m times the projects, each of the plan's size
            carried = max(1, round(n * m)) if m != 1 else n
            g = len(group_area)
            group_area.append(account.remaining[year] / n * carried)
            group_count[g] = n
            groups.append((g, n, year, account.remaining[year] / n, 0, 0.0, False, ""))
            add(i, carried, year, account.remaining[year] / n, 0, 0.0, False, g)
        if drawn[i] is not None:
            # a drawn programme's reserve, after the pathway's own projects (so FIFO ties go
            # to the plan's first): enough for the largest ratio, activated per replication
            for g, n, year, km2, stage, since, pipe, where in groups:
                extra = math.ceil(drawn[i].most * n - 1e-9) - n
                if extra > 0:
                    add(i, extra, year, km2, stage, since, pipe, g, first_rank=n, spare=True,
                        district=where)
        if p.replacement is not None and p.replacement.max > 0:
            # replacement k of column j: after all originals, generation by generation,
            # so that within a pathway the FIFO tie order is originals first
            first = len(pathway) - len([q for q in pathway if q == i])
            own = list(range(first, len(pathway)))
            previous = own
            for _ in range(p.replacement.max):
                made = []
                for j in previous:
                    made.append(len(pathway))
                    rank.append(rank[j])
                    reserve.append(reserve[j])
                    fixed.append(fixed[j])
                    pathway.append(i)
                    planned.append(planned[j])
                    group.append(group[j])
                    area.append(area[j])
                    first_stage.append(0)
                    elapsed.append(0.0)
                    in_pipeline.append(False)
                    replaces_map[len(pathway) - 1] = j
                previous = made
        if i in office_of:
            # the pool's projects, after the pathway's others: started by the office only
            k, m = office_of[i]
            managed += [-1] * (len(pathway) - len(managed)) + [k] * m.slots
            g = len(group_area)
            group_area.append(m.mean_km2 * m.slots)
            n = m.slots
            rank.extend([-1] * n)
            reserve.extend([False] * n)
            fixed.extend([""] * n)
            pathway += [i] * n
            planned += [scenario.horizon.end] * n
            group += [g] * n
            area += [m.mean_km2] * n
            first_stage += [0] * n
            elapsed += [0.0] * n
            in_pipeline += [False] * n

    actual = None
    if status is not None:
        years = scenario.years
        actual = np.zeros((len(years), len(names)))
        for year, by_pathway in status.released_by_pathway().items():
            for name, km2 in by_pathway.items():
                actual[year - years[0], names.index(name)] += km2

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
    pool = np.array(managed + [-1] * (len(pathway) - len(managed))) >= 0 if office_of else (
        np.zeros(len(pathway), dtype=bool))
    kind = np.where(pool, 2, np.where(np.array(reserve, dtype=bool), 1, 0))
    replaces = _replaces(replaces_map, len(pathway))
    return Layout(
        places=build_places(scenario, np.array(pathway, dtype=np.int64), kind, replaces,
                            np.array(fixed, dtype=object), list(scenario.years)),
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
        replaces=replaces,
        status=plan if status is not None else None,
        first_stage=np.array(first_stage, dtype=np.int64) if status is not None else None,
        elapsed=np.array(elapsed, dtype=float) if status is not None else None,
        in_pipeline=np.array(in_pipeline, dtype=bool) if status is not None else None,
        actual=actual,
        uncertain=uncertain_params(scenario),
        offices=offices(scenario) if office_of else (),
        managed=(np.array(managed + [-1] * (len(pathway) - len(managed)), dtype=np.int64)
                 if office_of else None),
        drawn=drawn if any(d is not None for d in drawn) else (),
        rank=np.array(rank, dtype=np.int64) if any(d is not None for d in drawn) else None,
        group_count=(np.array([group_count.get(g, 0) for g in range(len(group_area))],
                              dtype=np.int64) if any(d is not None for d in drawn) else None),
        reserve=np.array(reserve, dtype=bool) if any(d is not None for d in drawn) else None,
    )
