"""Release by district, folded chunk by chunk: what ``--by district`` and the report show.

For a scenario whose pathways have district shares, each city-wide target (one without a
``district``) is read district by district against the district's *pro-rata part* of it:
the target's km² × the district's share of the plan the target counts (its pathways, in its
years, where the simulation places it: :func:`scheduled_by_cell`). That part is not a quota
— no district quota is public — but the yardstick the shares themselves imply: a district
that releases less is short of its part. The parts of a
target add up to it, so in a replication that misses it the districts' gaps (part −
released, signed) add up to the city's shortfall: their means over the failing
replications split the city's gap among the districts that carry it.

What is kept, per (city target, district), in memory independent of the run's size:
replications reaching the part; the counted km² (sum and a histogram for p10–p50–p90);
among the replications that miss the city's target, those in which the district is short,
the km² it is short by and its signed gap (with the sums of squares and products its
interval needs). "Which district is behind" reads these: each district's share of the
city's gap in the failing replications (with a delta-method 95 % interval), how often it is short
of its part there — from the replications themselves, not from comparing means. Per
district and year, the cumulative release (mean, and a histogram for fans) over all
pathways.
"""

from __future__ import annotations

import numpy as np

from simulator.inputs.scenario import Scenario
from simulator.model.places import cells_in, place_cells

__all__ = ["UNPLACED", "DistrictTally", "pro_rata_parts", "scheduled_by_cell"]

UNPLACED = "(no district)"
"""The name of the release of pathways without districts, when others have them."""


def _district_names(scenario: Scenario) -> tuple[list[str], np.ndarray]:
    """District names (with UNPLACED last if a pathway has none) and each cell's index."""
    names = list(scenario.district_names)
    cells, _ = place_cells(scenario)
    unplaced = any(d < 0 for _, d in cells)
    if unplaced:
        names.append(UNPLACED)
    index = np.array([d if d >= 0 else len(names) - 1 for _, d in cells], dtype=np.int64)
    return names, index


def scheduled_by_cell(scenario: Scenario) -> np.ndarray:
    """(Y, C) km² the plan schedules in each horizon year and (pathway, district) cell, where
    the simulation places it: what was released before the status date, where and when it
    was; the projects under way over the plan years they cover (the status accounting:
    released first, then the pipeline, earliest years first — the projects nearest to done,
    by their stages' nominal durations, covering the earliest), each in its district; the
    plan still to start, by planned year in the district holding each project. A year
    outside the horizon
    counts in its nearest."""
    from simulator.model.layout_cache import layout_for
    from simulator.model.status import status_plan

    layout = layout_for(scenario)
    places = layout.places
    start, Y = scenario.horizon.start, len(scenario.years)
    cols = layout.originals.copy()
    if layout.reserve is not None:
        cols &= ~layout.reserve
    pipe = cols & (layout.in_pipeline if layout.in_pipeline is not None else False)
    later = cols & ~pipe
    out = np.zeros((Y, places.n_cells))
    np.add.at(out, (np.clip(layout.planned_year[later] - start, 0, Y - 1),
                    places.place[later]), layout.area[later])
    if places.actual is not None:
        out += places.actual
    if pipe.any():
        accounts = {a.pathway: a for a in status_plan(scenario).accounts}
        for p, name in enumerate(scenario.pathways):
            mine = np.flatnonzero(pipe & (layout.pathway == p))
            if not mine.size:
                continue
            # the projects nearest to done cover the plan's earliest years
            stages = layout.stages[p]
            since = layout.as_of - np.nan_to_num(layout.elapsed[mine], nan=0.0)
            due = since + np.array([sum(st.nominal for st in stages[k:])
                                    for k in layout.first_stage[mine]])
            covers = _pipeline_years(scenario.pathways[name].plan, accounts[name], Y, start,
                                     layout.as_of)
            y = 0
            for j in mine[np.argsort(due, kind="stable")]:
                area = float(layout.area[j])
                while area > 1e-12 and y < Y:
                    take = min(area, covers[y])
                    out[y, places.place[j]] += take
                    covers[y] -= take
                    area -= take
                    if covers[y] <= 1e-12:
                        y += 1
                if area > 1e-12:  # beyond what the pipeline covers: the status year
                    out[min(max(int(layout.as_of) - start, 0), Y - 1), places.place[j]] += area
    return out


def _pipeline_years(plan: dict, account, Y: int, start: int, as_of: float) -> np.ndarray:
    """(Y,) the plan km² a pathway's pipeline covers in each horizon year (see
    :func:`scheduled_by_cell`); a pipeline beyond the plan counts in the status year."""
    released, pipeline = account.released_km2, account.pipeline_km2
    out = np.zeros(Y)
    for year in sorted(plan):
        left = plan[year] - min(plan[year], released)
        released = max(released - plan[year], 0.0)
        take = min(left, pipeline)
        pipeline -= take
        out[min(max(year - start, 0), Y - 1)] += take
    if pipeline > 0:
        out[min(max(int(as_of) - start, 0), Y - 1)] += pipeline
    return out


def pro_rata_parts(scenario: Scenario) -> np.ndarray:
    """(T, D) each district's pro-rata part of each target, km² (see the module): the
    target's km² split as the plan it counts (its pathways, in its years) is scheduled among
    districts (:func:`scheduled_by_cell`). A district target's row is its own km² in its
    district and 0 elsewhere."""
    from simulator.run.tally import target_windows

    names, cell_district = _district_names(scenario)
    scheduled = scheduled_by_cell(scenario)
    cells, _ = place_cells(scenario)
    out = np.zeros((len(scenario.targets), len(names)))
    for i, (t, (first, last, cols)) in enumerate(zip(scenario.targets,
                                                     target_windows(scenario), strict=True)):
        if t.district is not None:
            out[i, names.index(t.district)] = t.km2
            continue
        counted = cells_in(cells, None, cols)
        weights = np.bincount(cell_district[counted],
                              weights=scheduled[first : last + 1, counted].sum(axis=0),
                              minlength=len(names))
        total = weights.sum()
        if total > 0:
            out[i] = t.km2 * weights / total
    return out


class DistrictTally:
    """Aggregates by district of a scenario's replications (see the module)."""

    def __init__(self, scenario: Scenario, *, width: float, cumulative_hist: bool):
        from simulator.run.tally import _histogram, target_windows

        self.names, self._cell_district = _district_names(scenario)
        D, Y = len(self.names), len(scenario.years)
        C = self._cell_district.size
        cells, _ = place_cells(scenario)
        self.targets = [i for i, t in enumerate(scenario.targets) if t.district is None]
        self.part = pro_rata_parts(scenario)[self.targets]  # (Tc, D)
        self._windows = []
        for i in self.targets:
            first, last, cols = target_windows(scenario)[i]
            counted = cells_in(cells, None, cols)
            self._windows.append((first, last, counted))
        self._all = list(range(C))
        Tc = len(self.targets)
        self.n = 0
        self.hits = np.zeros((Tc, D), dtype=np.int64)
        self.achieved_sum = np.zeros((Tc, D))
        self.misses = np.zeros(Tc, dtype=np.int64)
        self.short_in_miss = np.zeros((Tc, D), dtype=np.int64)
        self.short_anywhere = np.zeros((Tc, D), dtype=np.int64)
        self.shortfall_in_miss_sum = np.zeros((Tc, D))
        self.gap_in_miss_sum = np.zeros((Tc, D))  # part − counted, signed
        # for the share of the city's gap's interval (a ratio of means: the delta method)
        self.gap_sq_in_miss_sum = np.zeros((Tc, D))  # Σ gap²
        self.gap_city_in_miss_sum = np.zeros((Tc, D))  # Σ gap × the city's shortfall
        self.city_sq_in_miss_sum = np.zeros(Tc)  # Σ the city's shortfall²
        span = max(float(self.part.max(initial=0.0)), 1.0) * 2
        self.achieved_hist = _histogram(Tc * D, width, span)
        self.cumulative_sum = np.zeros((Y, D))
        self.cumulative_hist = (_histogram(Y * D, width, span) if cumulative_hist else None)

    def _by_district(self, places: np.ndarray, counted: list[int]) -> np.ndarray:
        """(…, D) the ``counted`` cells of ``places`` (…, C) summed by district (cell by
        cell: no BLAS, whose threads would contend with the workers')."""
        out = np.zeros((*places.shape[:-1], len(self.names)))
        for c in counted:
            out[..., self._cell_district[c]] += places[..., c]
        return out

    def gap_share_interval(self, k: int, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
        """(D,) low and high ends of each district's share of the city's gap for city target
        ``k``: a ratio of two means over the city's failing replications, its 95 % interval
        by the delta method (Monte Carlo error only); NaN without misses."""
        m = self.misses[k]
        D = len(self.names)
        if m < 2:
            return np.full(D, np.nan), np.full(D, np.nan)
        g, s = self.gap_in_miss_sum[k] / m, self.gap_in_miss_sum[k].sum() / m
        if s <= 0:
            return np.full(D, np.nan), np.full(D, np.nan)
        ratio = g / s
        var_g = self.gap_sq_in_miss_sum[k] / m - g**2
        var_s = self.city_sq_in_miss_sum[k] / m - s**2
        cov = self.gap_city_in_miss_sum[k] / m - g * s
        se = np.sqrt(np.maximum(var_g - 2 * ratio * cov + ratio**2 * var_s, 0.0) / m) / s
        return ratio - z * se, ratio + z * se

    def add(self, places: np.ndarray, met: np.ndarray) -> None:
        """Fold in a chunk's ``places`` (n, Y, C) km² and ``met`` (n, T) of every target."""
        from simulator.run.tally import EPS

        n = places.shape[0]
        if n == 0:
            return
        self.n += n
        D = len(self.names)
        cumulative = np.cumsum(self._by_district(places, self._all), axis=1)  # (n, Y, D)
        self.cumulative_sum += cumulative.sum(axis=0)
        if self.cumulative_hist is not None:
            Y = cumulative.shape[1]
            index = np.repeat(np.arange(Y * D), n)
            flat = np.ascontiguousarray(cumulative.reshape(n, -1).T).reshape(-1)
            self.cumulative_hist.fill(index, flat, sample=flat)
        for k, (first, last, counted) in enumerate(self._windows):
            got = self._by_district(places[:, first : last + 1, :].sum(axis=1), counted)
            short = got < self.part[k] - EPS
            miss = ~met[:, self.targets[k]]
            self.hits[k] += (~short).sum(axis=0)
            self.achieved_sum[k] += got.sum(axis=0)
            self.misses[k] += int(miss.sum())
            self.short_anywhere[k] += short.sum(axis=0)
            self.short_in_miss[k] += (short & miss[:, None]).sum(axis=0)
            gap = np.where(miss[:, None], self.part[k] - got, 0.0)
            city = gap.sum(axis=1)  # the parts add up to the target: the city's shortfall
            self.gap_in_miss_sum[k] += gap.sum(axis=0)
            self.gap_sq_in_miss_sum[k] += np.square(gap).sum(axis=0)
            self.gap_city_in_miss_sum[k] += (gap * city[:, None]).sum(axis=0)
            self.city_sq_in_miss_sum[k] += float(np.square(city).sum())
            self.shortfall_in_miss_sum[k] += np.maximum(gap, 0.0).sum(axis=0)
            index = np.broadcast_to(k * D + np.arange(D), (n, D)).ravel()
            self.achieved_hist.fill(index, got.ravel(), sample=got.ravel())
