"""The reference engine: a SimPy discrete-event model of project lifecycles.

Each project is a SimPy process that waits for its start, (for a routed pathway)
waits for the route's opening year and identification delay, then passes through its
pathway's stages in order, queueing where a stage has a capacity. A pathway with an
``annual_cap`` hands completed area over through a yearly ledger process. The engine
draws nothing itself: every random quantity comes from :class:`~simulator.model.sampling.Draws`.

Queue discipline, made exact so another engine can reproduce it: at any instant,
all completions and arrivals of that instant happen first; then free places go to
waiting projects in order of (arrival time, project index).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import NORMAL

from simulator.model.engines import ChunkOutcome
from simulator.model.layout import Layout
from simulator.model.management import (
    projects_to_start,
    review_times,
    started_by_year,
    survival_after,
)
from simulator.model.sampling import Draws, event_effect

__all__ = ["LandReleaseModel", "LogEntry", "StageResource", "run_chunk", "run_replication"]

BUDGET = NORMAL + 1
"""Event priority of the replacement-budget decision: after the ordinary events of an
instant, before its queue dispatch (so an accepted replacement queues at that instant)."""
DISPATCH = NORMAL + 2
"""Event priority of queue dispatch: after every other event of the same instant."""
REVIEW = NORMAL + 3
"""Event priority of a programme office's review: after everything else of its instant, so
that it sees every stage end, drop-out and completion at that instant (as the fast engine's
``≤ t`` does)."""


@dataclass(frozen=True)
class LogEntry:
    """One line of an event trace."""

    time: float
    project: int
    pathway: str
    stage: str
    event: str
    queue_length: int | None = None
    km2: float | None = None


class _Dispatch(simpy.Event):
    def __init__(self, env: simpy.Environment, callback, priority: int = DISPATCH,
                 delay: float = 0.0):
        super().__init__(env)
        self.callbacks.append(callback)
        self._ok, self._value = True, None
        env.schedule(self, priority=priority, delay=delay)


class StageResource(simpy.PriorityResource):
    """A stage's capacity: places granted FIFO by (arrival time, project index).

    SimPy grants a request as soon as it is made, so two projects arriving at the same
    instant would be served in whatever order their events happened to run. Granting
    is deferred to one dispatch per instant that runs after all other events of that
    instant, which makes the order depend on (time, index) only.
    """

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity)
        self._pending_dispatch = False

    def request_for(self, project: int) -> simpy.resources.resource.PriorityRequest:
        """Join the queue as ``project``."""
        return self.request(priority=(self._env.now, project))

    def _trigger_put(self, get_event) -> None:
        if not self._pending_dispatch:
            self._pending_dispatch = True
            _Dispatch(self._env, self._dispatch)

    def _dispatch(self, _event) -> None:
        self._pending_dispatch = False
        while self.put_queue and len(self.users) < self.capacity:
            self._do_put(self.put_queue.pop(0))


class LandReleaseModel:
    """One replication of the land-release model.

    ``draws`` holds this replication's inputs (see :meth:`Draws.row`). After
    :meth:`run`, ``annual`` (Y, P), ``late``, ``dropped`` and ``yield_loss`` (P,) hold
    the km² released, late, abandoned and lost to yield, by reporting pathway.
    """

    def __init__(self, layout: Layout, draws: Draws, *, log: list[LogEntry] | None = None):
        self.layout, self.d, self.log = layout, _as_python(draws), log
        # A whole-year clock start keeps `now + (t - now)` exact (Sterbenz), so start times
        # and year boundaries are the same floats another engine computes directly.
        start = math.floor(min((x for x in self.d.start if math.isfinite(x)),
                               default=float(layout.years[0])))
        start = min(start, int(layout.years[0]))
        self.env = simpy.Environment(initial_time=float(start))
        P, Y = len(layout.pathways), len(layout.years)
        self.annual = np.zeros((Y, P))
        self.late = np.zeros(P)
        self.dropped = np.zeros(P)
        self.yield_loss = np.zeros(P)
        self.resources = {
            (p, k): StageResource(self.env, s.capacity if self.d.capacity is None
                                  else self.d.capacity[p][k])
            for p, stages in enumerate(layout.stages)
            for k, s in enumerate(stages)
            if s.capacity is not None
        }
        self._home = layout.pathway.tolist()
        # A capped pathway's completions not yet due for hand-over:
        # [completion time, project, reporting pathway, km²] ...
        self.pending: dict[int, list[list]] = {
            p: [] for p in range(P) if math.isfinite(layout.annual_cap[p])
        }
        # ... and the km² due but not yet handed over, by reporting pathway.
        self.waiting: dict[int, dict[int, float]] = {p: {} for p in self.pending}
        # with districts: release by (pathway, district) cell, through a ledger of its own
        # (the same rule, cells for homes: a capped owner shares its hand-over by cell)
        places = layout.places
        self.places = None if places is None else np.zeros((Y, places.n_cells))
        self._cell = None if places is None else places.place.tolist()
        self.waiting_cells: dict[int, dict[int, float]] = (
            {} if places is None else {p: {} for p in self.pending})
        # replacements: the column that replaces each column, and each pathway's budget
        self.successor: dict[int, int] = {}
        if layout.replaces is not None:
            for c, j in enumerate(layout.replaces.tolist()):
                if j >= 0:
                    self.successor[j] = c
        self.budget_used = [0.0] * P
        self.budget_queue: dict[int, list[int]] = {}
        # what a programme office sees at a review, by project
        N = layout.n_projects
        self.passed = [0] * N  # stages passed
        self.gone = [False] * N  # dropped out
        self.finished = [False] * N  # through its last stage
        self.pool_start = [math.inf] * N  # when an office's pool project starts
        self.under_way = layout.originals.tolist()  # originals; others once started/decided
        self.replacement = ([False] * N if layout.replaces is None
                            else (layout.replaces >= 0).tolist())

    # ------------------------------------------------------------------ running
    def run(self) -> LandReleaseModel:
        """Simulate to the end (every project released, late or abandoned)."""
        originals = self.layout.originals.tolist()
        for j in range(self.layout.n_projects):
            # an original that never starts is no project (a drawn programme's idle reserve)
            if originals[j] and math.isfinite(self.d.start[j]):
                self.env.process(self._project(j))
        for p in self.pending:
            self.env.process(self._ledger(p))
        first = self.layout.as_of if self.layout.as_of is not None else float(self.layout.years[0])
        d = self.d
        for o, office in enumerate(self.layout.offices):
            state = {"pool": office.pool_km2 if d.pool is None else d.pool[o],
                     "trigger": office.spec.trigger if d.trigger is None else d.trigger[o],
                     "used": {m.pathway: 0 for m in office.pathways}}
            for t in review_times(office, first, int(self.layout.years[-1])):
                _Dispatch(self.env, lambda _e, o=office, s=state, t=t: self._review(o, s, t),
                          REVIEW, t - self.env.now)
        self.env.run()
        for pool, queue in self.pending.items():
            for _t, _j, home, km2 in queue:
                self.late[home] += km2
            for home, km2 in self.waiting[pool].items():
                self.late[home] += km2
        if self.layout.actual is not None:
            self.annual += self.layout.actual  # history: facts, added as the fast engine does
        if self.places is not None and self.layout.places.actual is not None:
            self.places += self.layout.places.actual
        return self

    def _record(self, j: int, stage: str, event: str, queue: int | None = None, km2=None,
                pathway: int | None = None):
        if self.log is not None:
            p = self.layout.pathways[self._home[j] if pathway is None else pathway]
            self.log.append(LogEntry(float(self.env.now), j, p, stage, event, queue, km2))

    def _factor(self, p: int) -> float:
        return self.d.global_factor * self.d.pathway_factor[p]

    def _project(self, j: int, start: float | None = None):
        env, d, layout = self.env, self.d, self.layout
        home = self._home[j]
        owner = d.owner[j]
        size = d.size[j]
        yield env.timeout((d.start[j] if start is None else start) - env.now)
        self._record(j, "", "start" if start is None else
                     ("replacement" if self.replacement[j] else "managed"))
        if self.replacement[j]:
            self.under_way[j] = True  # a replacement counts once it has started

        if owner != home:  # routed: identify a route, then join the owner's stages
            mult, extra = event_effect(layout, d.event_start, home, env.now,
                                       d.event_multiplier, d.event_dropout, d.event_lasts)
            self._record(j, "route", "begin")
            yield env.timeout(d.route_delay[j] * self._factor(home) * mult)
            route = layout.scenario.pathways[layout.pathways[home]].route
            dropout = route.dropout if d.route_dropout is None else d.route_dropout[home]
            if d.route_dropout_u[j] < min(1.0, dropout + extra):
                self._drop(j, home, size, "route")
                return
            self._record(j, "route", f"end:{layout.pathways[owner]}")

        first_stage = 0 if layout.first_stage is None else int(layout.first_stage[j])
        if layout.in_pipeline is not None and layout.in_pipeline[j]:
            # the status at as_of: where this project stands (a trace shows it)
            self._record(j, layout.stages[owner][first_stage].name, "in-progress", km2=size)
            self.passed[j] = first_stage
        for k, stage in enumerate(layout.stages[owner]):
            if k < first_stage:
                continue  # behind it at the status date
            resource = self.resources.get((owner, k))
            request = None
            if resource is not None:
                request = resource.request_for(j)
                self._record(j, stage.name, "queue", len(resource.queue))
                yield request
            mult, extra = event_effect(layout, d.event_start, owner, env.now,
                                       d.event_multiplier, d.event_dropout, d.event_lasts)
            self._record(j, stage.name, "begin")
            yield env.timeout(d.duration[k][j] * self._factor(owner) * mult)
            if resource is not None:
                resource.release(request)
            dropout = stage.dropout if d.stage_dropout is None else d.stage_dropout[owner][k]
            if d.dropout_u[k][j] < min(1.0, dropout + extra):
                self._drop(j, home, size, stage.name)
                return
            self.passed[j] = k + 1
            self._record(j, stage.name, "end")

        self.finished[j] = True
        released = size * d.yield_[j]
        self.yield_loss[home] += size - released
        if owner in self.pending:
            self.pending[owner].append([env.now, j, home, released])
            self._record(j, "", "complete", km2=released)
        else:
            self._book(j, home, released, env.now)

    def _drop(self, j: int, home: int, size: float, stage: str) -> None:
        self.gone[j] = True
        self._record(j, stage, "drop", km2=size)
        c = self.successor.get(j) if stage != "route" else None
        if c is None:
            self.dropped[home] += size  # the lineage ends here
        else:
            self.env.process(self._replace(c, home, size))

    def _replace(self, c: int, home: int, size: float):
        """Start replacement ``c`` after its delay, if the pathway's budget allows."""
        env = self.env
        yield env.timeout(self.d.replace_delay[c])
        rep = self.layout.scenario.pathways[self.layout.pathways[home]].replacement
        if rep.budget_km2 is None:
            env.process(self._project(c, start=env.now))
            return
        queue = self.budget_queue.setdefault(home, [])
        queue.append(c)
        if len(queue) == 1:  # one decision per instant, by column order, as the fast engine
            budget = rep.budget_km2 if self.d.budget is None else self.d.budget[home]
            _Dispatch(env, lambda _e, h=home, b=budget: self._budget(h, b), BUDGET)

    def _budget(self, home: int, budget: float) -> None:
        queue = sorted(self.budget_queue.pop(home))
        for c in queue:
            size = self.d.size[c]
            if self.budget_used[home] + size <= budget + 1e-12:
                self.budget_used[home] += size
                self.env.process(self._project(c, start=self.env.now))
            else:
                self.dropped[home] += size
                self._record(c, "", "no-budget", km2=size)

    def _review(self, office, state: dict, t: float) -> None:
        """A programme office's review at t: top up each managed pathway from the pool."""
        layout, d = self.layout, self.d
        for m in office.pathways:
            p = m.pathway
            cols = layout.projects_of(p).tolist()
            stages = layout.stages[p]
            dropouts = ([s.dropout for s in stages] if d.stage_dropout is None
                        else d.stage_dropout[p][: len(stages)])
            surv = survival_after(dropouts).tolist()
            value = np.array([
                0.0 if not self.under_way[j] or self.gone[j]
                else d.size[j] * d.yield_[j] if self.finished[j]
                else d.size[j] * surv[self.passed[j]]
                for j in cols])
            planned = float(layout.scenario.pathways[layout.pathways[p]].planned_km2)
            left = planned - (float(layout.actual[:, p].sum()) if layout.actual is not None
                              else 0.0)
            short = left - value[None, :].sum(axis=1)[0]
            n = int(projects_to_start(short, m.mean_km2, state["pool"],
                                      m.slots - state["used"][p], state["trigger"]))
            slots = layout.pool_columns(p).tolist()
            for c in slots[state["used"][p]: state["used"][p] + n]:
                self.under_way[c] = True
                self.pool_start[c] = t + d.lead[c]
                self._record(c, "", "decided")
                self.env.process(self._project(c, start=t + d.lead[c]))
            state["used"][p] += n
            state["pool"] = state["pool"] - n * m.mean_km2

    def _book(self, j: int, p: int, km2: float, t: float) -> None:
        first, last = self.layout.horizon
        year = max(math.floor(t), first)
        if year > last:
            self.late[p] += km2
            self._record(j, "", "late", km2=km2)
        else:
            self.annual[year - first, p] += km2
            if self.places is not None:
                self.places[year - first, self._cell[j]] += km2
            self._record(j, "", "release", km2=km2)

    def _ledger(self, pool: int):
        """Hand over at most the cap each year; the rest waits for the next years.

        Completions become due at the end of the year they happen in (before the horizon:
        its first year). When several pathways' land waits (routed projects share their
        owner's cap), each gets a share of the year's hand-over in proportion to its
        waiting area.
        """
        env, layout = self.env, self.layout
        if self.d.cap is None:
            caps = layout.cap_in(pool).tolist()
        else:  # this replication's own cap, by the fast engine's rule
            caps = layout.cap_rows(pool, np.array([self.d.cap[pool]]))[0].tolist()
        queue = self.pending[pool]
        waiting = self.waiting[pool]
        cells = self.waiting_cells[pool] if self.places is not None else None
        first = int(self.layout.years[0])
        for year in self.layout.years.tolist():
            yield env.timeout(year + 1 - env.now)
            for item in queue:
                if item[0] < year + 1:
                    waiting[item[2]] = waiting.get(item[2], 0.0) + item[3]
                    if cells is not None:
                        c = self._cell[item[1]]
                        cells[c] = cells.get(c, 0.0) + item[3]
            queue[:] = [item for item in queue if item[0] >= year + 1]
            if cells is not None:
                for c, share in _hand_over(cells, caps[year - first]):
                    self.places[year - first, c] += share
            for h, share in _hand_over(waiting, caps[year - first]):
                self.annual[year - first, h] += share
                self._record(-1, "", "handover", km2=share, pathway=h)


def _hand_over(waiting: dict[int, float], cap: float) -> list[tuple[int, float]]:
    """A year's hand-over of at most ``cap`` km² from ``waiting`` (km² by home, taken out
    of it), shared in proportion to the area waiting, homes in order: [(home, km²), …]."""
    homes = sorted(waiting)
    total = sum(waiting[h] for h in homes)
    if total <= 0:
        return []
    give = min(cap, total)
    out = []
    for h in homes:
        share = give * waiting[h] / total
        waiting[h] -= share
        out.append((h, share))
    return out


class _PyDraws:
    """One replication's draws as Python scalars and lists.

    SimPy arithmetic on numpy scalars is several times slower than on Python floats.
    """

    def __init__(self, draws: Draws):
        for name in draws.__dataclass_fields__:
            value = getattr(draws, name)
            if value is not None and name != "event_start":
                value = value.tolist()
            setattr(self, name, value)


def _as_python(draws: Draws) -> _PyDraws:
    return draws if isinstance(draws, _PyDraws) else _PyDraws(draws)


def run_replication(layout: Layout, draws: Draws, *, log: list[LogEntry] | None = None):
    """Simulate one replication (``draws`` as returned by :meth:`Draws.row`)."""
    return LandReleaseModel(layout, draws, log=log).run()


def run_chunk(
    layout: Layout, draws: Draws, on_replication: Callable[[int], None] | None = None
) -> ChunkOutcome:
    """Simulate every replication of a chunk, one SimPy environment each."""
    R, Y, P = draws.replications, len(layout.years), len(layout.pathways)
    annual = np.zeros((R, Y, P))
    late, dropped, loss = np.zeros((R, P)), np.zeros((R, P)), np.zeros((R, P))
    places = None if layout.places is None else np.zeros((R, Y, layout.places.n_cells))
    managed = layout.managed is not None and bool((layout.managed >= 0).any())
    pool_start = np.full((R, layout.n_projects), np.inf) if managed else None
    for r in range(R):
        model = run_replication(layout, draws.row(r))
        annual[r], late[r], dropped[r], loss[r] = (
            model.annual,
            model.late,
            model.dropped,
            model.yield_loss,
        )
        if places is not None:
            places[r] = model.places
        if managed:
            pool_start[r] = model.pool_start
        if on_replication is not None:
            on_replication(1)
    started = started_by_year(layout, draws.size, pool_start) if managed else None
    return ChunkOutcome(annual, late, dropped, loss, started=started, places=places)
