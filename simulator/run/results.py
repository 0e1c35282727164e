"""The result of a Monte Carlo run: raw per-replication release and the summaries built on it.

All areas are km²; years are calendar years. A target is met in a replication when
the release it counts (the pathways it names, in the years ``from``–``by``, where
``from`` defaults to the horizon start) reaches its ``km2``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from simulator.inputs.scenario import Scenario
from simulator.inputs.status import status_provenance
from simulator.model.engines import ChunkOutcome
from simulator.model.status import status_plan
from simulator.run.stats import wilson_interval
from simulator.run.tally import EPS as _EPS
from simulator.run.tally import Tally, hist_quantiles, target_cells, target_windows
from simulator.run.uncertainty import uncertain_summary

__all__ = ["FORMAT_VERSION", "RawDataNotKept", "SimulationResult"]

FORMAT_VERSION = 1
"""Version of the output files' layout (summary.json, annual.csv, …)."""



def achieved_km2(scenario: Scenario, annual, places: np.ndarray | None = None) -> np.ndarray:
    """Km² that each replication counts toward each target of ``scenario``: (R, T).

    ``annual`` is (R, Y, P) km² by replication, horizon year and pathway, or a
    :class:`ChunkOutcome` (whose ``places`` then serve); ``places`` (R, Y, C) the release by
    (pathway, district) cell, needed by a target that counts one district (``ValueError``
    if it is missing).
    """
    if isinstance(annual, ChunkOutcome):
        annual, places = annual.annual, annual.places
    out = np.empty((annual.shape[0], len(scenario.targets)))
    cells = target_cells(scenario)
    for i, (first, last, cols) in enumerate(target_windows(scenario)):
        if cells[i] is not None:
            if places is None:
                raise ValueError(f"target '{scenario.targets[i].name}' counts one district: "
                                 "its release by district (places) is needed")
            out[:, i] = places[:, first : last + 1, cells[i]].sum(axis=(1, 2))
            continue
        out[:, i] = annual[:, first : last + 1, slice(None) if cols is None else cols].sum(
            axis=(1, 2))
    return out


def observed_targets(scenario: Scenario) -> np.ndarray:
    """(T,) whether each target's window ended before the status date (so it is history).

    Such a target counts actual releases only: it was met or missed, with certainty.
    """
    as_of = scenario.status.as_of if scenario.status is not None else -np.inf
    return np.array([t.by + 1 <= as_of for t in scenario.targets], dtype=bool)


def targets_met(scenario: Scenario, annual, places: np.ndarray | None = None) -> np.ndarray:
    """Whether each replication meets each target, to within 1e-9 km²: (R, T) booleans
    (``annual`` and ``places`` as :func:`achieved_km2` takes them)."""
    km2 = np.array([t.km2 for t in scenario.targets])
    return achieved_km2(scenario, annual, places) >= km2 - _EPS


def status_summary(scenario: Scenario) -> dict:
    """summary.json's ``status``: the date, the accounting by pathway and the pipeline.

    ``accounting[pathway]`` holds planned, released (actuals), pipeline, not-yet-started
    and excess km² (planned = released + pipeline + not_started − excess) and the
    late-start km² (not yet started, nominally due to start before as_of).
    ``pipeline`` lists km² and projects by pathway and stage.
    """
    out = status_plan(scenario).as_dict()
    status = scenario.status
    grouped: dict[tuple[str, str], list[float]] = {}
    for row in status.pipeline:
        km2, n = grouped.get((row.pathway, row.stage), [0.0, 0])
        grouped[(row.pathway, row.stage)] = [km2 + row.km2, n + row.projects]
    out["pipeline"] = [{"pathway": p, "stage": st, "km2": km2, "projects": n}
                       for (p, st), (km2, n) in grouped.items()]
    out["released"] = {str(y): dict(v) for y, v in sorted(status.released.items())}
    out["provenance"] = status_provenance(scenario)
    year = math.floor(status.as_of)
    out["zero_so_far"] = year if (status.as_of > year and year in scenario.years
                                  and not status.released.get(year)) else None
    return out


def _within(row, n: int) -> dict:
    """summary.json's ``within_tolerance`` of an about target: the odds of at least
    km2 − tolerance, with a Wilson 95 % interval."""
    p = float(row["probability_within"])
    lo, hi = wilson_interval(round(p * n), n)
    return {"tolerance_km2": float(row["tolerance"]),
            "within_tolerance": {"km2": float(row["km2"] - row["tolerance"]),
                                 "probability": p, "ci95": [lo, hi]}}


def _binding(ceiling) -> dict:
    """What keeps an impossible target's ceiling below it, by kind (pathway names)."""
    return {"caps": list(ceiling.binding_caps), "capacity": list(ceiling.binding_capacity),
            "schedule": list(ceiling.binding_schedule), "plan_km2": round(ceiling.plan_km2, 6)}


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class RawDataNotKept(ValueError):
    """Raised when per-replication arrays are asked of a run that did not keep them."""


@dataclass(frozen=True)
class SimulationResult:
    """Outcome of :func:`simulator.simulate`.

    Every summary comes from ``tally`` (streaming aggregates, memory independent of the
    replication count). ``outcome``, when the run kept it, holds the raw per-replication
    arrays: ``annual[r, y, p]`` is the km² pathway p released in horizon year y of
    replication r; ``late``, ``dropped`` and ``yield_loss`` are (R, P) km²; ``params`` is
    (R, K) the uncertain values each replication drew.
    """

    scenario: Scenario
    seed: int
    engine: str
    tally: Tally
    outcome: ChunkOutcome | None = None
    stopping: dict | None = None  # precision-based stopping: the rule and whether it was met

    @classmethod
    def from_outcome(
        cls,
        scenario: Scenario,
        outcome: ChunkOutcome,
        *,
        seed: int,
        engine: str,
        stopping: dict | None = None,
    ) -> SimulationResult:
        """Summarise an engine outcome that is already in memory (and keep it)."""
        tally = Tally(scenario)
        tally.add(outcome)
        return cls(scenario, seed, engine, tally, outcome, stopping)

    # ------------------------------------------------------------ raw data (if kept)
    def _raw(self, name: str) -> np.ndarray:
        if self.outcome is None:
            raise RawDataNotKept(
                f"this run of {self.replications:,} replications kept only its summaries; "
                f"run simulate(..., keep_replications=True) for per-replication '{name}'")
        return getattr(self.outcome, name)

    @property
    def annual(self) -> np.ndarray:
        """(R, Y, P) km² released by replication, horizon year and pathway (if kept)."""
        return self._raw("annual")

    @property
    def late(self) -> np.ndarray:
        """(R, P) km² released after the horizon (if kept)."""
        return self._raw("late")

    @property
    def dropped(self) -> np.ndarray:
        """(R, P) km² of abandoned projects (if kept)."""
        return self._raw("dropped")

    @property
    def yield_loss(self) -> np.ndarray:
        """(R, P) km² completed projects' yield did not release (if kept)."""
        return self._raw("yield_loss")

    @property
    def params(self) -> np.ndarray | None:
        """(R, K) each replication's uncertain values (if kept); None without uncertain keys."""
        if not self.tally.uncertain:
            return None
        return self._raw("params")

    @property
    def kept(self) -> bool:
        """Whether the per-replication arrays are in memory."""
        return self.outcome is not None

    # ------------------------------------------------------------ basic views
    @property
    def replications(self) -> int:
        """Number of replications."""
        return int(self.tally.n)

    @property
    def years(self) -> list[int]:
        """Horizon years."""
        return self.scenario.years

    @property
    def pathways(self) -> list[str]:
        """Pathway names, in the order of the last axis of ``annual``."""
        return list(self.scenario.pathways)

    @cached_property
    def cumulative(self) -> np.ndarray:
        """(R, Y) cumulative km² over all pathways through the end of each year (if kept)."""
        return np.cumsum(self.annual.sum(axis=2), axis=1)

    @cached_property
    def achieved(self) -> np.ndarray:
        """(R, T) km² each replication counts toward each target (if kept)."""
        return achieved_km2(self.scenario, self.annual, self._raw_places())

    @cached_property
    def met(self) -> np.ndarray:
        """(R, T) whether each replication meets each target (if kept)."""
        return targets_met(self.scenario, self.annual, self._raw_places())

    def _raw_places(self) -> np.ndarray | None:
        return None if self.outcome is None else self.outcome.places

    # ------------------------------------------------------------ summaries
    def target_odds(self, ceilings: bool = True) -> pd.DataFrame:
        """One row per target: probability, Wilson 95 % interval, shortfall and spread (km²);
        without ``ceilings``, not its best-case ceiling (``ceiling_km2`` and ``impossible``
        None: a study point records neither, and the ceiling is a third of a small run)."""
        tally = self.tally
        n = self.replications
        rows = []
        start = self.scenario.horizon.start
        observed = observed_targets(self.scenario)
        q = tally.achieved_quantiles([0.1, 0.5, 0.9])
        bounds = self.ceilings if ceilings else None
        for i, t in enumerate(self.scenario.targets):
            hits = int(tally.hits[i])
            lo, hi = wilson_interval(hits, n)
            if observed[i]:  # history: met or missed, no sampling error
                lo = hi = hits / n
            rows.append(
                {
                    "target": t.name,
                    "from": t.from_ if t.from_ is not None else start,
                    "by": t.by,
                    "km2": t.km2,
                    "pathways": ",".join(t.pathways) if t.pathways else "all",
                    "district": t.district,
                    "probability": hits / n,
                    "ci95_low": lo,
                    "ci95_high": hi,
                    "mean_km2": float(tally.achieved_sum[i] / n),
                    "p10_km2": float(q[i, 0]),
                    "p50_km2": float(q[i, 1]),
                    "p90_km2": float(q[i, 2]),
                    "mean_shortfall_km2": float(tally.shortfall_sum[i] / n),
                    "observed": bool(observed[i]),
                    "ceiling_km2": None if bounds is None else bounds[i].ceiling_km2,
                    "impossible": (None if bounds is None
                                   else bounds[i].impossible and not observed[i]),
                    "kind": t.kind or "floor",
                    "tolerance": t.tolerance,
                    "probability_within": (int(tally.hits_within[i]) / n
                                           if t.tolerance is not None else None),
                }
            )
        return pd.DataFrame(rows).set_index("target")

    @cached_property
    def ceilings(self) -> list:
        """Each target's :class:`~simulator.model.ceiling.Ceiling`: the most km² the scenario
        can release in its window in the best case (computed without simulating)."""
        from simulator.model.ceiling import target_ceilings

        return target_ceilings(self.scenario)

    def cumulative_mean(self) -> np.ndarray:
        """(Y,) mean cumulative km² over all pathways through the end of each year."""
        return self.tally.cumulative_sum[:, -1] / self.replications

    def joint(self) -> dict:
        """Probability (and Wilson interval) of meeting every target in the same replication;
        ``missed_observed`` names the observed targets already missed (then it is 0 for sure)."""
        hits = int(self.tally.joint_hits)
        lo, hi = wilson_interval(hits, self.replications)
        missed = [t.name for t, seen, h in zip(self.scenario.targets,
                                               observed_targets(self.scenario),
                                               self.tally.hits, strict=True)
                  if seen and h < self.replications]
        if missed:
            lo = hi = 0.0
        return {"probability": hits / self.replications, "ci95": [lo, hi],
                "missed_observed": missed}

    def annual_summary(self) -> pd.DataFrame:
        """Mean and quantiles of annual and cumulative release by year and pathway (and 'all').

        Quantiles come from histograms of ``tally.width`` km² bins (see
        :mod:`simulator.run.tally`). Raises ``RunConfigError`` for a run simulated with
        ``annual_quantiles=False``.
        """
        return self._annual_table.copy()

    @cached_property
    def _annual_table(self) -> pd.DataFrame:
        tally, n = self.tally, self.replications
        q = tally.annual_quantiles([0.1, 0.5, 0.9])
        qc = tally.cumulative_quantiles([0.1, 0.25, 0.5, 0.75, 0.9])
        rows = []
        for p, name in enumerate([*self.pathways, "all"]):
            planned = self._planned_by_year(name)
            for y, year in enumerate(self.years):
                rows.append(
                    {
                        "year": year,
                        "pathway": name,
                        "planned_km2": planned[y],
                        "release_mean": tally.annual_sum[y, p] / n,
                        "release_p10": q[y, p, 0],
                        "release_p50": q[y, p, 1],
                        "release_p90": q[y, p, 2],
                        "cumulative_mean": tally.cumulative_sum[y, p] / n,
                        "cumulative_p10": qc[y, p, 0],
                        "cumulative_p25": qc[y, p, 1],
                        "cumulative_p50": qc[y, p, 2],
                        "cumulative_p75": qc[y, p, 3],
                        "cumulative_p90": qc[y, p, 4],
                    }
                )
        return pd.DataFrame(rows)

    def _planned_by_year(self, name: str) -> list[float]:
        pathways = self.scenario.pathways
        chosen = pathways.values() if name == "all" else [pathways[name]]
        return [sum(p.plan.get(y, 0.0) for p in chosen) for y in self.years]

    def s_curve(self) -> pd.DataFrame:
        """P(a target's counted release has reached its km² by the end of year X).

        One row per target and year X from the target's first year (``from``, else the
        horizon start) to the horizon end: the land-release analogue of a schedule's
        P-dates. Columns: target, year, probability.
        """
        start = self.scenario.horizon.start
        rows = []
        for i, t in enumerate(self.scenario.targets):
            first = t.from_ if t.from_ is not None else start
            for year in range(first, self.scenario.horizon.end + 1):
                reached = float(self.tally.reached[i, year - start] / self.replications)
                rows.append({"target": t.name, "year": year, "probability": reached})
        return pd.DataFrame(rows)

    def histograms(self, bins: int = 40) -> pd.DataFrame:
        """Distribution of each target's counted release (km²) as histogram counts.

        Columns: target, km2_low, km2_high, count (bins equal in width, spanning the
        replications' range; each ``tally.width`` km² fine bin counted where its mean lies).
        """
        frames = []
        for i, t in enumerate(self.scenario.targets):
            counts, edges = self.tally.achieved_histogram(i, bins)
            frames.append(pd.DataFrame({"target": t.name, "km2_low": edges[:-1],
                                        "km2_high": edges[1:], "count": counts}))
        return pd.concat(frames, ignore_index=True)

    def pathway_summary(self) -> pd.DataFrame:
        """Planned, mean released (in the horizon), late, dropped and yield-lost km² by pathway."""
        tally, n = self.tally, self.replications
        return pd.DataFrame(
            {
                "planned_km2": [p.planned_km2 for p in self.scenario.pathways.values()],
                "released_mean_km2": tally.released_sum / n,
                "late_mean_km2": tally.late_sum / n,
                "dropped_mean_km2": tally.dropped_sum / n,
                "yield_loss_mean_km2": tally.loss_sum / n,
            },
            index=pd.Index(self.pathways, name="pathway"),
        )

    def replications_frame(self) -> pd.DataFrame:
        """Long format: one row per (replication, year, pathway) with the km² released
        (needs the kept arrays; :mod:`simulator.run.replications_file` streams it instead)."""
        from simulator.run.replications_file import long_frame

        return long_frame(self.annual, self.years, self.pathways)

    def summary(self) -> dict:
        """Everything ``summary.json`` holds (plain JSON types)."""
        odds = self.target_odds()
        targets = [
            {
                "name": name,
                "from": int(row["from"]),
                "by": int(row["by"]),
                "km2": float(row["km2"]),
                "pathways": row["pathways"],
                "district": row["district"] if isinstance(row["district"], str) else None,
                "probability": float(row["probability"]),
                "ci95": [float(row["ci95_low"]), float(row["ci95_high"])],
                "mean_km2": float(row["mean_km2"]),
                "mean_shortfall_km2": float(row["mean_shortfall_km2"]),
                "observed": bool(row["observed"]),
                "ceiling_km2": round(float(row["ceiling_km2"]), 6),
                "impossible": bool(row["impossible"]),
                **({"binding": _binding(c)} if row["impossible"] else {}),
                "kind": row["kind"],
                "p10_km2": float(row["p10_km2"]),
                "p90_km2": float(row["p90_km2"]),
                **(_within(row, self.replications) if row["tolerance"] is not None
                   and not pd.isna(row["tolerance"]) else {}),
            }
            for (name, row), c in zip(odds.iterrows(), self.ceilings, strict=True)
        ]
        annual = self.annual_summary()
        cumulative = {
            str(int(row.year)): {
                "mean": float(row.cumulative_mean),
                "p10": float(row.cumulative_p10),
                "p50": float(row.cumulative_p50),
                "p90": float(row.cumulative_p90),
            }
            for row in annual[annual.pathway == "all"].itertuples()
        }
        paths = self.pathway_summary()
        return {
            "format_version": FORMAT_VERSION,
            "scenario": self.scenario.name,
            "title": self.scenario.title,
            "replications": self.replications,
            "seed": self.seed,
            "engine": self.engine,
            "horizon": {"start": self.scenario.horizon.start, "end": self.scenario.horizon.end},
            "planned_km2": self.scenario.planned_km2,
            "targets": targets,
            "joint": self.joint(),
            "cumulative": cumulative,
            "pathways": {
                name: {k: float(v) for k, v in row.items()} for name, row in paths.iterrows()
            },
            **({"stopping": self.stopping} if self.stopping is not None else {}),
            **({"status": status_summary(self.scenario)} if self.scenario.status else {}),
            **({"management": self.management_summary()}
               if self.tally.started_sum is not None else {}),
            "quantiles": {"method": "histograms of fixed-width bins, each order statistic the "
                                    "mean of its bin", "bin_km2": self.tally.width},
            **({"uncertain": self.uncertain_summary()} if self.tally.uncertain else {}),
            **({"districts": self.districts_summary()} if self.tally.districts else {}),
        }

    def by_district(self) -> pd.DataFrame:
        """One row per (city-wide target, district): the district's pro-rata part of the
        target (km², see :mod:`simulator.run.districts`), its counted km² (mean, p10–p50–p90),
        the odds of reaching its part (Wilson 95 %), and — among the replications that miss
        the city's target — the share in which it is short of its part (Wilson 95 %), its
        mean shortfall there and its share of the city's gap (a ratio of means, its 95 %
        interval by the delta method). Raises ``ValueError`` for a scenario without
        districts."""
        dt = self.tally.districts
        if dt is None:
            raise ValueError(f"scenario '{self.scenario.name}' has no districts (give its "
                             "pathways district shares: districts: {NAME: share, …})")
        n = self.replications
        q = hist_quantiles(dt.achieved_hist, [0.1, 0.5, 0.9])
        rows = []
        D = len(dt.names)
        for k, i in enumerate(dt.targets):
            t = self.scenario.targets[i]
            misses = int(dt.misses[k])
            share_lo, share_hi = dt.gap_share_interval(k)
            for d, name in enumerate(dt.names):
                hits = int(dt.hits[k, d])
                lo, hi = wilson_interval(hits, n)
                cond = dt.short_in_miss[k, d] / misses if misses else None
                cond_ci = wilson_interval(int(dt.short_in_miss[k, d]), misses) if misses \
                    else (None, None)
                rows.append({
                    "target": t.name, "district": name,
                    "part_km2": float(dt.part[k, d]),
                    "mean_km2": float(dt.achieved_sum[k, d] / n),
                    "p10_km2": float(q[k * D + d, 0]), "p50_km2": float(q[k * D + d, 1]),
                    "p90_km2": float(q[k * D + d, 2]),
                    "probability": hits / n, "ci95_low": lo, "ci95_high": hi,
                    "city_misses": misses,
                    "short_when_city_misses": cond,
                    "short_when_city_misses_ci95_low": cond_ci[0],
                    "short_when_city_misses_ci95_high": cond_ci[1],
                    "short_overall": float(dt.short_anywhere[k, d] / n),
                    "mean_shortfall_when_city_misses_km2": (
                        float(dt.shortfall_in_miss_sum[k, d] / misses) if misses else None),
                    "mean_gap_when_city_misses_km2": (
                        float(dt.gap_in_miss_sum[k, d] / misses) if misses else None),
                    "share_of_city_gap": (
                        float(dt.gap_in_miss_sum[k, d] / dt.gap_in_miss_sum[k].sum())
                        if misses and dt.gap_in_miss_sum[k].sum() > 0 else None),
                    "share_of_city_gap_ci95_low": _finite_or_none(share_lo[d]),
                    "share_of_city_gap_ci95_high": _finite_or_none(share_hi[d]),
                })
        return pd.DataFrame(rows)

    def district_cumulative(self, qs=(0.1, 0.5, 0.9)) -> tuple[list[str], np.ndarray, np.ndarray]:
        """District names, the mean (Y, D) and the quantiles (Y, D, len(qs)) of cumulative
        release by district through each year, km² (all pathways). Raises ``ValueError``
        without districts, ``RunConfigError`` for a run without annual quantiles."""
        dt = self.tally.districts
        if dt is None:
            raise ValueError(f"scenario '{self.scenario.name}' has no districts")
        Y, D = dt.cumulative_sum.shape
        mean = dt.cumulative_sum / self.replications
        quant = hist_quantiles(Tally._kept(dt.cumulative_hist), qs).reshape(Y, D, len(qs))
        return dt.names, mean, quant

    def behind(self, target: str | None = None) -> pd.DataFrame:
        """Which districts' shortfalls drive the city missing ``target`` (default: the
        headline, else the first city-wide target): :meth:`by_district`'s rows for it, the
        largest share of the city's gap in its failing replications first."""
        table = self.by_district()
        name = target or self.headline_target()
        rows = table[table.target == name]
        if rows.empty:
            raise ValueError(f"'{name}' is not a city-wide target of this scenario")
        return rows.sort_values(["share_of_city_gap", "short_when_city_misses"],
                                ascending=False, na_position="last").reset_index(drop=True)

    def headline_target(self) -> str:
        """The scenario's headline target if it counts the whole city and is still to come,
        else the first such target (else the first city-wide one)."""
        head = self.scenario.headline
        seen = observed_targets(self.scenario)
        city = [t.name for t in self.scenario.targets if t.district is None]
        open_ = [t.name for t, o in zip(self.scenario.targets, seen, strict=True)
                 if t.district is None and not o]
        if head in open_:
            return head
        return open_[0] if open_ else city[0]

    def districts_summary(self) -> dict:
        """summary.json's ``districts``: names, shares by pathway, each city-wide target read
        district by district (:meth:`by_district`) and the cumulative release by district."""
        table = self.by_district()
        names, mean, quant = self.district_cumulative()  # a tally with districts has them
        from simulator.model.places import place_cells

        _, shares = place_cells(self.scenario)
        out = {
            "names": list(names),
            "shares": {p: {d: float(shares[i, k]) for k, d in
                           enumerate(self.scenario.district_names) if shares[i, k] > 0}
                       for i, p in enumerate(self.scenario.pathways)
                       if self.scenario.districts_of(p) is not None},
            "part": "each district's pro-rata part of a city-wide target: the target's km² "
                    "times the district's share of the plan the target counts (shares of "
                    "the pathways' projects and plan), not a published quota",
            "by_target": {
                t: {row.district: {k: (None if v is None or (isinstance(v, float)
                                                              and math.isnan(v)) else v)
                                   for k, v in row._asdict().items()
                                   if k not in ("Index", "target", "district")}
                    for row in group.itertuples()}
                for t, group in table.groupby("target", sort=False)},
        }
        out["cumulative"] = {
            name: {str(year): {"mean": float(mean[y, d]), "p10": float(quant[y, d, 0]),
                               "p50": float(quant[y, d, 1]), "p90": float(quant[y, d, 2])}
                   for y, year in enumerate(self.years)}
            for d, name in enumerate(names)}
        return out

    def management_summary(self) -> dict:
        """summary.json's ``management``: the offices (pool km², pathways) and the mean km²
        they started by year and pathway (a pool project counts in the year it starts:
        decision + lead). Raises ``ValueError`` for a run without an office."""
        from simulator.model.management import offices

        if self.tally.started_sum is None:
            raise ValueError(f"scenario '{self.scenario.name}' has no programme office")
        mean = self.tally.started_sum / self.replications
        return {
            "offices": [{"key": o.key, "pool_km2": o.pool_km2, "review": o.spec.review,
                         "trigger": o.spec.trigger,
                         "pathways": [m.name for m in o.pathways]}
                        for o in offices(self.scenario)],
            "started_mean_km2": {str(year): {p: float(mean[y, i])
                                             for i, p in enumerate(self.pathways)}
                                 for y, year in enumerate(self.years)},
            "started_total_mean_km2": float(mean.sum()),
        }

    def uncertain_summary(self) -> dict:
        """What the odds depend on among the uncertain parameters (see
        :mod:`simulator.run.uncertainty`); raises ``ValueError`` if there are none."""
        if not self.tally.uncertain:
            raise ValueError(f"scenario '{self.scenario.name}' has no uncertain parameters")
        return uncertain_summary(self.tally)
