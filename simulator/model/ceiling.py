"""Each target's ceiling: the most km² a scenario can release in the target's window.

The ceiling is computed before any simulation, from the best case the scenario allows:
no project drops out, every duration is at the lower end of its support (0 for a
lognormal, gamma or exponential; the delay factors at 0 when their sigma is positive),
yields at their highest, and caps and capacities as given (an uncertain cap or capacity at
the top of its prior). Everything else — the schedule, the queues, the yearly caps and
their carry-over and over-programming — acts as in the engines, because the best case
*is* run through the fast engine (one replication), with every programme office's pool
emptied. A pool is added afterwards, whole: an office reacts to bad luck (a low yield,
a drop-out), so a replication may start pool projects that the best case never needs.

Per pathway p and target window [f, b] the ceiling is

    C_p = min( R_p(b) − A_p(< f),  Σ_{y=f..b} M_p,y )

with R_p(b) the best case's cumulative release through b, A_p(< f) the actual release
before f (history, the same in every replication) and M_p,y the most p can hand over in
year y (its cap; in a year before the status date its actual). A target's ceiling is the
sum over the pathways it counts, plus, for each office, the least of its pool (at the top
of its prior) and the room the caps leave its counted pathways (Σ_p of the second term
less the first): pool projects add at most their area to a FIFO queue's output by b
(the output is a min-plus convolution of the arrivals with the caps). Both terms are upper bounds of every replication's
release (the FIFO queues and the yearly hand-over are monotone in completion times), so
a target whose ceiling is below its km² cannot be met in any replication: it is
impossible *by construction*, and the tool says so and names what binds.

Routed pathways (the undetermined far-term share) are bounded without their owners' caps
(their projects' release is counted as they complete): a looser but still valid bound.

A target that counts one district is bounded by the district's release in the best case
with no cap and no queue (another district's drop-out or slip may hand it more of a shared
cap or queue, so the capped best case is no bound for one district), each pathway's at most
its caps allow, plus the area of the pool sites that lie in the district, within the pools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from simulator.inputs.limits import MAX_CAPACITY, MAX_NUMBER
from simulator.inputs.scenario import Scenario
from simulator.model.layout import Layout, build_layout
from simulator.model.management import offices

__all__ = ["Ceiling", "target_ceilings"]

_TOL = 1e-9  # km²
_NO_CAP = float(MAX_NUMBER)  # km²/yr: the largest cap a scenario may write


@dataclass(frozen=True)
class Ceiling:
    """A target's ceiling (km²) and, when it is below the target, what binds."""

    target: str
    first: int  # window's first year
    last: int  # window's last year
    km2: float  # the target
    ceiling_km2: float
    binding_caps: tuple[str, ...]  # pathways whose yearly cap binds (most binding first)
    binding_capacity: tuple[str, ...]  # pathways whose stage capacities bind
    binding_schedule: tuple[str, ...]  # pathways whose plan or schedule binds by `last`
    plan_km2: float = math.nan  # what the plan schedules in the window, for what it counts

    @property
    def impossible(self) -> bool:
        """Whether no replication can meet the target."""
        return self.ceiling_km2 < self.km2 - _TOL

    def as_dict(self) -> dict:
        """Plain JSON data (summary.json's ``targets[].ceiling``)."""
        return {"ceiling_km2": round(self.ceiling_km2, 6), "impossible": self.impossible,
                "binding_caps": list(self.binding_caps),
                "binding_capacity": list(self.binding_capacity),
                "binding_schedule": list(self.binding_schedule),
                "plan_km2": round(self.plan_km2, 6)}


def _ranked(pairs: list[tuple[float, str]]) -> tuple[str, ...]:
    return tuple(name for _, name in sorted(pairs, key=lambda x: -x[0]))


def _upper(dist_or_none, default: float) -> float:
    return default if dist_or_none is None else float(dist_or_none.support()[1])


def best_case_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` with each uncertain cap, capacity and pool at the top of its prior, each
    drawn programme at its largest ratio, and no uncertain block: the fixed inputs of the
    best case."""
    from simulator.inputs.params import with_values
    from simulator.inputs.programme import programme_draw
    from simulator.inputs.scenario import scenario_from_dict

    drawn = {name: programme_draw(scenario, name) for name in scenario.pathways}
    if not scenario.uncertain and not any(drawn.values()):
        return scenario

    values = {}
    for path, prior in scenario.uncertain.items():
        leaf = path.rsplit(".", 1)[-1]
        support = getattr(prior, "support", None)
        if leaf in ("annual_cap", "capacity", "pool_km2") and support is not None:
            hi = float(support()[1])
            if math.isfinite(hi):
                values[path] = float(math.ceil(hi)) if leaf == "capacity" else hi
            elif leaf == "annual_cap":
                values[path] = _NO_CAP  # an unbounded prior: no cap in the best case
            elif leaf == "capacity":
                values[path] = float(MAX_CAPACITY)
            # an unbounded pool prior: the layout's columns bound it (see management)
        elif (leaf in ("value", "median", "mean", "min") and support is not None
              and (".duration." in path or ".delay." in path or ".lead." in path)):
            # a duration's scale or lower end at the bottom of its prior: the shortest it can be
            lo = float(support()[0])
            values[path] = max(lo, 1e-9) if leaf != "min" else max(lo, 0.0)
        elif leaf == "size_cv" and support is not None:
            values[path] = max(float(support()[1]), 1e-6) if math.isfinite(
                float(support()[1])) else 10.0  # sizes that may differ (see _best_draws)
        elif leaf in ("global_factor_sigma", "pathway_factor_sigma") and support is not None:
            # a slip whose σ may be above 0 has a best case of no delay at all (factor 0)
            hi = float(support()[1])
            if hi > 0:
                values[path] = hi if math.isfinite(hi) else 1.0
    data = scenario.resolved()
    data["uncertain"] = {}
    data["observed"] = None
    data["posterior"] = None  # its draws sit in the uncertain block just emptied
    for name, draw in drawn.items():
        if draw is not None:  # every project of the largest pipeline takes part
            data["pathways"][name]["programme"] = {"dist": "fixed", "value": draw.most}
    bare = scenario_from_dict(data, file=scenario.file)
    return with_values(bare, values, origin="the best case") if values else bare


def _without_pools(scenario: Scenario) -> Scenario:
    """``scenario`` with every programme office's pool emptied (nothing to start)."""
    from simulator.inputs.scenario import scenario_from_dict

    data = scenario.resolved()
    for block in [data, *data["pathways"].values()]:
        if block.get("management") is not None:
            block["management"]["pool_km2"] = 0.0
    return scenario_from_dict(data, file=scenario.file)


def _best_draws(layout: Layout, *, routed: bool, capacities: bool, caps: bool):
    """One replication's best-case inputs: only routed (or only unrouted) projects present."""
    from simulator.model.sampling import draw_chunk

    d = draw_chunk(layout, seed=0, chunk=0, size=1)
    scn = layout.scenario
    corr = scn.correlation
    N = layout.n_projects
    size = layout.area[None, :].copy()
    yields = np.ones((1, N))
    duration = d.duration.copy()
    route_delay = d.route_delay.copy()
    owner = d.owner.copy()
    start = d.start.copy()
    for p, name in enumerate(layout.pathways):
        spec = scn.pathways[name]
        cols = layout.projects_of(p)
        if cols.size == 0:
            continue
        yields[0, cols] = min(1.0, float(spec.yield_.support()[1]))
        is_routed = spec.route is not None
        if is_routed != routed:
            start[0, cols] = np.inf  # absent from this pass
            continue
        if is_routed:
            # the route target with the shortest best-case lifecycle
            def lb_sum(t):
                return sum(s.duration.support()[0] for s in layout.stages[t] and
                           scn.pathways[layout.pathways[t]].stages)
            best = min((t for t, _ in layout.routes(p)), key=lb_sum)
            owner[0, cols] = best
            route_delay[0, cols] = spec.route.delay.support()[0]
            stages = scn.pathways[layout.pathways[best]].stages
        else:
            stages = spec.stages
        for k, stage in enumerate(stages):
            duration[0, k, cols] = max(0.0, float(stage.duration.support()[0]))
        if layout.first_stage is not None:
            for j in cols[layout.in_pipeline[cols]]:
                duration[0, : layout.first_stage[j] + 1, j] = 0.0  # the rest of its stage
    g = 0.0 if corr.global_factor_sigma > 0 else 1.0
    pf = np.full((1, len(layout.pathways)), 0.0 if corr.pathway_factor_sigma > 0 else 1.0)
    cap = None
    if routed or not caps:
        cap = np.full((1, len(layout.pathways)), np.inf)
    capacity = None
    if not capacities:
        # as many places as projects: nobody ever waits (0 would mean no place at all)
        capacity = np.full((1, len(layout.pathways), max(layout.max_stages, 1)), max(N, 1),
                           dtype=np.int64)
    else:
        # where project sizes differ, a queue may serve the largest first: the best case of
        # a pathway with a capacity and uneven sizes is one with no queue at all
        uneven = [p for p, name in enumerate(layout.pathways)
                  if scn.pathways[name].projects.size_cv > 0]
        if uneven and any(s.capacity is not None for p in uneven for s in layout.stages[p]):
            capacity = np.zeros((1, len(layout.pathways), max(layout.max_stages, 1)),
                                dtype=np.int64)
            for p, stages in enumerate(layout.stages):
                for k, stage in enumerate(stages):
                    capacity[0, p, k] = (max(N, 1) if p in uneven
                                         else (stage.capacity or 0))
    return replace(
        d, size=size, yield_=yields, owner=owner, start=start, route_delay=route_delay,
        route_dropout_u=np.ones_like(d.route_dropout_u), duration=duration,
        dropout_u=np.ones_like(d.dropout_u), global_factor=np.array([g]), pathway_factor=pf,
        event_start=np.zeros_like(d.event_start), params=None, stage_dropout=None,
        route_dropout=None, cap=cap, event_multiplier=None, event_dropout=None,
        event_lasts=None, capacity=capacity if capacity is not None else None,
    )


def _best_annual(layout: Layout, *, capacities: bool = True, caps: bool = True) -> np.ndarray:
    """(Y, P) km² released by horizon year and pathway in the best case (actuals included)."""
    from simulator.model.engines.fast import run_chunk

    annual = run_chunk(layout, _best_draws(layout, routed=False, capacities=capacities, caps=caps)).annual[0]
    if any(layout.scenario.pathways[n].route is not None for n in layout.pathways):
        routed = run_chunk(layout, _best_draws(layout, routed=True, capacities=capacities, caps=caps)).annual[0]
        if layout.actual is not None:
            routed = routed - layout.actual  # counted once, in the first pass
        annual = annual + routed
    return annual


def _free_places(layout: Layout) -> np.ndarray:
    """(Y, C) km² released by horizon year and (pathway, district) cell in the best case
    with no cap and no queue (actuals included): each project completes as early as it
    can, and a project of a group completes with the rest of its district's part of it.
    A bound of a district's release in every replication — unlike the capped or queued
    best case, where a district may get more of a cap or a queue when another's projects
    drop out or slip."""
    from simulator.model.engines.fast import run_chunk

    places = run_chunk(layout, _best_draws(layout, routed=False, capacities=False,
                                           caps=False)).places[0]
    if any(layout.scenario.pathways[n].route is not None for n in layout.pathways):
        routed = run_chunk(layout, _best_draws(layout, routed=True, capacities=False,
                                               caps=False)).places[0]
        if layout.places.actual is not None:
            routed = routed - layout.places.actual  # counted once, in the first pass
        places = places + routed
    return places


def _district_ceiling(t, lay: Layout, pooled: Layout | None, pools, free, most, f: int,
                      b: int) -> tuple[float, float]:
    """A district target's ceiling and the plan it counts (km²): per pathway it counts, the
    least of the district's release in the free best case and the pathway's caps; plus the
    area of the pool sites that lie in the district, within the offices' pools."""
    names = list(lay.pathways)
    counted = range(len(names)) if not t.pathways else [names.index(n) for n in t.pathways]
    places = lay.places
    d = places.districts.index(t.district)
    total, planned = 0.0, 0.0
    for p in counted:
        cells = places.cells_of(t.district, [p])
        if not cells:
            continue
        done = free[b, cells].sum() - (free[f - 1, cells].sum() if f > 0 else 0.0)
        total += min(done, most[max(f, 0): b + 1, p].sum())
        share = (lay.scenario.districts_of(names[p]) or {}).get(t.district, 0.0)
        planned += share * sum(v for y, v in lay.scenario.pathways[names[p]].plan.items()
                               if int(lay.years[0]) + max(f, 0) <= y <= t.by)
    if pooled is not None and pooled.managed is not None:
        in_district = (pooled.managed >= 0) & np.isin(pooled.pathway, list(counted)) & (
            pooled.places.district_of_cell()[pooled.places.place] == d)
        total += min(float(pooled.area[in_district].sum()),
                     sum(o.pool_km2 for o in pools
                         if any(m.pathway in counted for m in o.pathways)))
    return total, planned


def _most_per_year(layout: Layout) -> np.ndarray:
    """(Y, P) the most each pathway can release in each year (caps; actuals in history)."""
    Y, P = len(layout.years), len(layout.pathways)
    out = np.full((Y, P), np.inf)
    for p in range(P):
        if math.isfinite(layout.annual_cap[p]):
            out[:, p] = layout.cap_in(p)
    if layout.actual is not None:
        as_of = layout.as_of
        out = out + layout.actual  # the status year: its cap is net of its actuals
        for y, year in enumerate(layout.years):
            if year + 1 <= as_of:
                out[y] = layout.actual[y]  # history
    return out


def target_ceilings(scenario: Scenario, layout: Layout | None = None) -> list[Ceiling]:
    """Each target's ceiling (km²) under ``scenario``'s best case (see module docstring).

    Uncertain caps and capacities count at the top of their priors.
    """
    best = best_case_scenario(scenario)
    pools = offices(best)
    districts = any(t.district is not None for t in scenario.targets)
    pooled = build_layout(best) if (pools and districts) else None  # where pool sites lie
    if pools:
        best = _without_pools(best)
    lay = build_layout(best) if (layout is None or best is not scenario) else layout
    free_places = np.cumsum(_free_places(lay), axis=0) if districts else None
    released = np.cumsum(_best_annual(lay), axis=0)  # (Y, P) cumulative
    uncapped = np.cumsum(_best_annual(lay, caps=False), axis=0)
    free = np.cumsum(_best_annual(lay, caps=False, capacities=False), axis=0)
    most = _most_per_year(lay)
    actual = lay.actual if lay.actual is not None else np.zeros_like(most)
    first_year = int(lay.years[0])
    names = list(lay.pathways)
    out = []
    for t in scenario.targets:
        f = (t.from_ if t.from_ is not None else first_year) - first_year
        b = t.by - first_year
        counted = range(len(names)) if not t.pathways else [names.index(n) for n in t.pathways]
        if t.district is not None:
            total, planned = _district_ceiling(t, lay, pooled, pools, free_places, most, f, b)
            sched = [(planned - total, t.district)] if total < planned - _TOL else []
            out.append(Ceiling(t.name, first_year + max(f, 0), t.by, float(t.km2),
                               float(total), (), (), _ranked(sched), float(planned)))
            continue
        total, caps, sched, queues, planned = 0.0, [], [], [], 0.0
        room = {}
        for p in counted:
            before = actual[:f, p].sum() if f > 0 else 0.0
            done = released[b, p] - before
            capsum = most[max(f, 0): b + 1, p].sum()
            total += min(done, capsum)
            room[p] = max(capsum - min(done, capsum), 0.0)
            plan_window = sum(v for y, v in scenario.pathways[names[p]].plan.items()
                              if first_year + max(f, 0) <= y <= t.by)
            planned += plan_window
            here = min(done, capsum)
            if here < plan_window - _TOL:  # what keeps this pathway below its plan
                if uncapped[b, p] - before > here + _TOL:
                    caps.append((uncapped[b, p] - before - here, names[p]))
                elif free[b, p] > uncapped[b, p] + _TOL:
                    queues.append((free[b, p] - uncapped[b, p], names[p]))
                else:
                    sched.append((plan_window - here, names[p]))
        for office in pools:
            total += min(office.pool_km2,
                         sum(room.get(m.pathway, 0.0) for m in office.pathways))
        out.append(Ceiling(t.name, first_year + max(f, 0), t.by, float(t.km2), float(total),
                           _ranked(caps), _ranked(queues), _ranked(sched), float(planned)))
    return out
