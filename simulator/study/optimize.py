"""Design the programme: a many-objective search over a scenario's levers (``landsim optimize``).

Levers and uncertainties are kept apart (XLRM): the levers are the scenario's ``levers:``
(what a programme office decides, each with a ``cost`` per unit above its ``min``); the
uncertainties are its ``uncertain:`` values (priors, or a calibration's posterior), drawn
per replication as in every run. Each candidate programme is simulated with the same seed
— common random numbers — so two candidates differ by their levers, not by luck.

The search is NSGA-II (Deb et al. 2002) from pymoo 0.6, driven through its ask-and-tell
interface so that each generation's candidates are simulated as one batch on the study
back-end (local processes or Dask) and stored as they finish (resumable: the search is
deterministic in its seed, so a resumed run proposes the same candidates and finds them
done). pymoo rather than platypus-opt: maintained, with NSGA-II/III, constraint handling
and a hypervolume indicator in one library; ε-NSGA-II's archive matters less here than
common random numbers, which keep the noise out of the comparisons.

Objectives: ``max P(TARGET)`` (the probability of meeting a target), ``max km2(TARGET)``
(the mean km² it counts) and ``min cost`` (Σ cost × (value − min)); constraints
``P(TARGET) >= LEVEL`` (or ``<=``). Robustness (``--robustness``): ``mean`` searches the odds
over the uncertainty (equal to ``landsim run --set``), ``p10`` the 10th percentile of the
odds across :data:`DRAWS` draws of the uncertain values (each draw held fixed over
replications / DRAWS replications), ``regret`` searches the mean and ranks the front by
its largest regret. The non-dominated set is re-evaluated at ``final_replications`` with
95 % Wilson intervals, and non-domination is taken again on those values, so the front is
not an artefact of the search's noise; each member then gets its odds, 10th-percentile odds
and regret (against the best member in each draw) across the uncertain draws.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.inputs.errors import RunConfigError
from simulator.inputs.params import with_values
from simulator.inputs.scenario import Scenario
from simulator.model.sampling import chunk_sizes
from simulator.report.formatting import pct, pct_range, sig
from simulator.run.backends import Backend, LocalBackend
from simulator.run.montecarlo import run_chunk
from simulator.run.results import targets_met
from simulator.study.points import PointStore, run_points, study_digest
from simulator.study.solve import LeverRange, lever_range

__all__ = [
    "DRAWS",
    "under_posterior",
    "Objective",
    "OptimizeResult",
    "Constraint",
    "optimize",
    "parse_constraint",
    "parse_objective",
    "programme_cost",
]

DRAWS = 20
"""Draws of the uncertain values for p10 and regret (each held over replications / DRAWS)."""

POPULATION = 24
"""Candidates per generation (NSGA-II's population)."""

_OBJECTIVE = re.compile(r"^\s*(max|min)\s+(?:(P|km2)\(\s*([A-Za-z0-9_.-]+)\s*\)|(cost))\s*$")
_CONSTRAINT = re.compile(r"^\s*P\(\s*([A-Za-z0-9_.-]+)\s*\)\s*(>=|<=)\s*([0-9.]+%?)\s*$")


@dataclass(frozen=True)
class Objective:
    """One objective: ``sense`` (max/min), ``kind`` (P, km2, cost) and its target."""

    sense: str
    kind: str
    target: str | None = None

    @property
    def name(self) -> str:
        """The objective as given, without its sense: ``P(plan-2035)``, ``cost``."""
        return "cost" if self.kind == "cost" else f"{self.kind}({self.target})"


@dataclass(frozen=True)
class Constraint:
    """``P(target) >= level`` (``sense`` ``>=``) or ``<=``; level a probability 0…1."""

    target: str
    sense: str
    level: float

    @property
    def name(self) -> str:  # noqa: D102
        return f"P({self.target}) {self.sense} {self.level:g}"


def parse_objective(text: str, scenario: Scenario) -> Objective:
    """``"max P(plan-2035)"``, ``"max km2(batch-3)"`` or ``"min cost"`` → :class:`Objective`.

    Raises ``RunConfigError`` for other text, a target the scenario does not have, or a
    cost objective when no lever has a cost.
    """
    m = _OBJECTIVE.match(text or "")
    if not m:
        raise RunConfigError(f"--objective expects 'max P(TARGET)', 'max km2(TARGET)' or "
                             f"'min cost', got {text!r}")
    sense, kind, target, cost = m.groups()
    if cost:
        if not any(lever.cost is not None for lever in scenario.levers):
            raise RunConfigError(f"--objective {text!r}: no lever of {scenario.name} has a "
                                 "cost; give levers a cost (per unit above min) in the scenario")
        return Objective(sense, "cost")
    _check_target(scenario, target, "--objective")
    return Objective(sense, kind, target)


def parse_constraint(text: str, scenario: Scenario) -> Constraint:
    """``"P(binding-2025) >= 0.5"`` (or ``50%``) → :class:`Constraint`; raises
    ``RunConfigError`` for other text or a level outside 0…1."""
    m = _CONSTRAINT.match(text or "")
    if not m:
        raise RunConfigError(f"--constraint expects 'P(TARGET) >= LEVEL' (or <=), e.g. "
                             f"'P(binding-2025) >= 0.5', got {text!r}")
    target, sense, level = m.groups()
    value = float(level[:-1]) / 100 if level.endswith("%") else float(level)
    if not 0 <= value <= 1:
        raise RunConfigError(f"--constraint {text!r}: the level is a probability, 0–1 or 0–100%")
    _check_target(scenario, target, "--constraint")
    return Constraint(target, sense, value)


def _check_target(scenario: Scenario, target: str, flag: str) -> None:
    names = [t.name for t in scenario.targets]
    if target not in names:
        raise RunConfigError(f"{flag}: {target!r} is not a target of {scenario.name}; "
                             f"targets: {', '.join(names)}")


def programme_cost(scenario: Scenario, values: Mapping[str, float]) -> float:
    """Σ cost × (value − min) over the levers with a cost (in their ``cost_unit``)."""
    return float(sum(lever.cost * (float(values[lever.path]) - lever.min)
                     for lever in scenario.levers
                     if lever.cost is not None and lever.path in values))


def cost_unit(scenario: Scenario) -> str:
    """The unit the levers' costs are in (empty if none says)."""
    return next((lever.cost_unit for lever in scenario.levers if lever.cost_unit), "") or ""


# ---------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _DrawJob:
    scenario: Scenario
    theta: np.ndarray  # (DRAWS, K) the uncertain values held in each group
    replications: int
    seed: int


def odds_by_draw(job: _DrawJob, point: tuple[int, Mapping[str, float]]) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """(D, T) share of replications meeting each target, one row per uncertain draw (each
    held over replications / D replications), and (T,) the pooled share — for one point's
    lever values. Random inputs other than θ are the run's own (seed, chunk)."""
    from simulator.study.calibrate import _layout

    _, values = point
    scenario = with_values(job.scenario, values, origin="optimize")
    layout = _layout(scenario)
    sizes = chunk_sizes(job.replications)
    draws = job.theta.shape[0]
    group = np.arange(job.replications) * draws // job.replications
    met = []
    start = 0
    for c, size in enumerate(sizes):
        theta = job.theta[group[start:start + size]]
        met.append(targets_met(scenario, run_chunk(layout, job.seed, c, size, "fast",
                                                   theta).annual))
        start += size
    met = np.concatenate(met).astype(float)
    by_draw = np.stack([met[group == d].mean(axis=0) for d in range(draws)])
    return by_draw, met.mean(axis=0)


def uncertain_draws(scenario: Scenario, seed: int, draws: int = DRAWS) -> np.ndarray | None:
    """(draws, K) values of the scenario's uncertain parameters (its priors or posterior),
    the first ``draws`` replications' of stream ``seed + 1``; None without ``uncertain:``."""
    from simulator.model.sampling import draw_chunk
    from simulator.study.calibrate import _layout

    layout = _layout(scenario)
    if not layout.uncertain:
        return None
    return draw_chunk(layout, seed + 1, 0, draws).params


@dataclass
class OptimizeResult:
    """What :func:`optimize` found: every evaluation, the front, and how it converged."""

    scenario: Scenario
    objectives: list[Objective]
    constraints: list[Constraint]
    levers: list[LeverRange]
    robustness: str
    evaluations: pd.DataFrame  # one row per distinct candidate: levers, objectives, feasible
    front: pd.DataFrame  # re-evaluated non-dominated members, with intervals and robustness
    convergence: pd.DataFrame  # generation, evaluations, hypervolume
    settings: dict = field(default_factory=dict)

    def cheapest(self, level: float = 0.8) -> pd.Series | None:
        """The cheapest front member whose first probability objective is at least
        ``level`` (None if none is, or there is no cost objective)."""
        p = next((o for o in self.objectives if o.kind == "P"), None)
        if p is None or not any(o.kind == "cost" for o in self.objectives) or self.front.empty:
            return None
        ok = self.front[self.front[p.name] >= level]
        return None if ok.empty else ok.sort_values("cost").iloc[0]


def _metric_of(objective: Objective, target_index: dict[str, int], by_draw, pooled,
               metrics: Mapping[str, float] | None, robustness: str) -> float:
    if objective.kind == "P":
        if robustness == "p10" and by_draw is not None:
            return float(np.quantile(by_draw[:, target_index[objective.target]], 0.1))
        return float(metrics[f"{objective.target}.probability"] if metrics is not None
                     else pooled[target_index[objective.target]])
    return float(metrics[f"{objective.target}.mean_km2"])


class _Search:
    """Evaluates candidate lever values in batches, caching by value, storing as it goes."""

    def __init__(self, scenario, objectives, constraints, levers, *, replications, seed,
                 robustness, backend, store, progress):
        self.scenario, self.objectives, self.constraints = scenario, objectives, constraints
        self.levers, self.replications, self.seed = levers, replications, seed
        self.robustness, self.backend, self.store, self.progress = (
            robustness, backend, store, progress)
        self.names = [t.name for t in scenario.targets]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.theta = (uncertain_draws(scenario, seed) if robustness == "p10" else None)
        self.rows: dict[tuple, dict] = {}
        self.count = 0  # points simulated (the store's index)

    def values(self, x: np.ndarray) -> dict[str, float]:
        """Lever values of a point of the unit cube."""
        return {lever.path: lever.plain(lever.low + float(u) * (lever.high - lever.low))
                for lever, u in zip(self.levers, x, strict=True)}

    def evaluate(self, xs: np.ndarray) -> list[dict]:
        """One row per candidate: lever values, each objective's value, constraint values."""
        points = [self.values(x) for x in xs]
        keys = [tuple(sorted(p.items())) for p in points]
        new = [k for k in dict.fromkeys(keys) if k not in self.rows]
        if new:
            design = pd.DataFrame([dict(k) for k in new],
                                  index=range(self.count, self.count + len(new)))
            self.count += len(new)
            if self.theta is not None:
                rows = self._by_draw(design)
            else:
                done = run_points(self.scenario, design, replications=self.replications,
                                  seed=self.seed, backend=self.backend, store=self.store,
                                  progress=self.progress, origin="optimize")
                rows = [self._row(dict(k), None, None, done.loc[i].to_dict())
                        for i, k in zip(design.index, new, strict=True)]
            for k, row in zip(new, rows, strict=True):
                self.rows[k] = row
        return [self.rows[k] for k in keys]

    def _by_draw(self, design: pd.DataFrame) -> list[dict]:
        job = _DrawJob(self.scenario, self.theta, self.replications, self.seed)
        points = [(int(i), {k: v for k, v in row.items()}) for i, row in design.iterrows()]
        done = self.store.finished() if self.store is not None else {}
        out = {}
        for i, values in points:  # a kept point counts only with the design's values
            if i in done and done[i]["values"] == values:
                m = done[i]["metrics"]
                T = len(self.names)
                flat = np.array([m[f"d{k}"] for k in range(len(m) - T)])
                out[i] = (flat.reshape(-1, T), np.array([m[f"all{t}"] for t in range(T)]))
        todo = [p for p in points if p[0] not in out]
        for (i, values), (by_draw, pooled) in self.backend.map_unordered(
                partial(odds_by_draw, job), todo):
            out[i] = (by_draw, pooled)
            if self.store is not None:
                metrics = {f"d{k}": float(v) for k, v in enumerate(by_draw.ravel())}
                metrics.update({f"all{t}": float(v) for t, v in enumerate(pooled)})
                self.store.save(i, values, metrics)
        if self.progress is not None:
            self.progress(len(points))
        return [self._row(values, *out[i], None) for i, values in points]

    def _row(self, values, by_draw, pooled, metrics) -> dict:
        row = dict(values)
        for o in self.objectives:
            row[o.name] = (programme_cost(self.scenario, values) if o.kind == "cost" else
                           _metric_of(o, self.index, by_draw, pooled, metrics, self.robustness))
        for c in self.constraints:
            row[c.name] = _metric_of(Objective("max", "P", c.target), self.index, by_draw,
                                     pooled, metrics, self.robustness)
        return row

    def arrays(self, rows: list[dict]) -> tuple[np.ndarray, np.ndarray | None]:
        """pymoo's F (to minimise) and G (≤ 0 where feasible) of rows."""
        F = np.array([[-r[o.name] if o.sense == "max" else r[o.name] for o in self.objectives]
                      for r in rows])
        if not self.constraints:
            return F, None
        G = np.array([[(c.level - r[c.name]) if c.sense == ">=" else (r[c.name] - c.level)
                       for c in self.constraints] for r in rows])
        return F, G


def _scale(objectives: Sequence[Objective], scenario: Scenario, levers) -> np.ndarray:
    """Per-objective spans that put every minimised objective on about 0…1."""
    top_cost = sum(lv.cost * (lv.max - lv.min) for lv in scenario.levers
                   if lv.cost is not None and lv.path in {x.path for x in levers}) or 1.0
    top_km2 = sum(t.km2 for t in scenario.targets) or 1.0
    return np.array([top_cost if o.kind == "cost" else top_km2 if o.kind == "km2" else 1.0
                     for o in objectives])


def hypervolume(F: np.ndarray, scale: np.ndarray, objectives: Sequence[Objective]) -> float:
    """Hypervolume of minimised objectives ``F`` (rows), each mapped to 0…1 (probabilities
    as 1 − P, cost and km² by their spans), against the reference point (1.1, …)."""
    from pymoo.indicators.hv import HV

    if F.size == 0:
        return 0.0
    shift = np.array([1.0 if o.sense == "max" and o.kind == "P" else
                      (1.0 if o.sense == "max" else 0.0) for o in objectives])
    unit = F / scale + shift
    return float(HV(ref_point=np.full(F.shape[1], 1.1))(unit))


def nondominated(F: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``F`` (minimised) that no other row dominates."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if len(F) == 0:
        return np.array([], dtype=int)
    return np.asarray(NonDominatedSorting().do(F, only_non_dominated_front=True), dtype=int)


def optimize(
    scenario: Scenario,
    objectives: Sequence[Objective],
    *,
    constraints: Sequence[Constraint] = (),
    evaluations: int = 480,
    replications: int = 1000,
    final_replications: int | None = None,
    seed: int = 0,
    robustness: str = "mean",
    backend: Backend | None = None,
    store: PointStore | None = None,
    progress: Callable[[int], None] | None = None,
    posterior: Scenario | None = None,
) -> OptimizeResult:
    """Search the scenario's levers for the non-dominated programmes (see the module).

    ``evaluations``: candidates the search may evaluate (rounded up to whole generations of
    :data:`POPULATION`); ``replications`` per candidate; ``final_replications`` (default
    4 × ``replications``) for the front's re-evaluation; ``store``: where finished
    candidates are kept (resume); ``posterior``: the scenario under a calibration's
    posterior (:func:`under_posterior`), under which the front is also re-evaluated
    (``_posterior`` columns). Results depend only on (scenario,
    objectives, constraints, seed, replications, evaluations, robustness). Raises
    ``RunConfigError`` for fewer than two objectives, a scenario without levers, or a
    robustness other than mean, p10 or regret.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem
    from pymoo.termination import get_termination

    if len(objectives) < 2:
        raise RunConfigError("optimize needs at least two --objective (e.g. 'max P(plan-2035)' "
                             "and 'min cost'); for one lever and one target use solve")
    if not scenario.levers:
        raise RunConfigError(f"{scenario.name} has no levers: — list what a programme office "
                             "can move (path, min, max, description, cost)")
    if robustness not in ("mean", "p10", "regret"):
        raise RunConfigError(f"--robustness must be mean, p10 or regret, got {robustness!r}")
    clash = [lv.path for lv in scenario.levers if lv.path in scenario.uncertain]
    if clash:
        raise RunConfigError(f"{', '.join(clash)}: a lever cannot also be uncertain (XLRM "
                             "keeps what is decided apart from what is not known)")
    levers = [lever_range(scenario, lv.path, lv.min, lv.max) for lv in scenario.levers]
    backend = backend or LocalBackend(1)
    search = _Search(scenario, list(objectives), list(constraints), levers,
                     replications=replications, seed=seed, robustness=robustness,
                     backend=backend, store=store, progress=progress)
    problem = Problem(n_var=len(levers), n_obj=len(objectives),
                      n_ieq_constr=len(constraints), xl=0.0, xu=1.0)
    algorithm = NSGA2(pop_size=POPULATION, eliminate_duplicates=True)
    generations = max(2, math.ceil(evaluations / POPULATION))
    algorithm.setup(problem, termination=get_termination("n_gen", generations), seed=seed,
                    verbose=False)
    scale = _scale(objectives, scenario, levers)
    history = []
    with backend:
        while algorithm.has_next():
            pop = algorithm.ask()
            rows = search.evaluate(pop.get("X"))
            F, G = search.arrays(rows)
            static = StaticProblem(problem, F=F, G=G) if G is not None else \
                StaticProblem(problem, F=F)
            Evaluator().eval(static, pop)
            algorithm.tell(infills=pop)
            everything = list(search.rows.values())
            aF, aG = search.arrays(everything)
            feasible = np.ones(len(aF), bool) if aG is None else np.all(aG <= 0, axis=1)
            history.append({"generation": algorithm.n_gen - 1, "evaluations": len(everything),
                            "hypervolume": hypervolume(aF[feasible][nondominated(aF[feasible])],
                                                       scale, objectives)
                            if feasible.any() else 0.0})
        front = _reevaluate(search, scale, final_replications or 4 * replications)
        if posterior is not None and not front.empty:
            front = _under_posterior(search, front, posterior,
                                     final_replications or 4 * replications)
    frame = pd.DataFrame(list(search.rows.values()))
    F, G = search.arrays(list(search.rows.values()))
    frame["feasible"] = True if G is None else np.all(G <= 0, axis=1)
    settings = {"objectives": [f"{o.sense} {o.name}" for o in objectives],
                "constraints": [c.name for c in constraints], "robustness": robustness,
                "evaluations": evaluations, "generations": generations,
                "population": POPULATION, "replications": replications,
                "final_replications": final_replications or 4 * replications, "seed": seed,
                "algorithm": "NSGA-II (pymoo 0.6), ask and tell", "cost_unit": cost_unit(scenario),
                "draws": DRAWS}
    return OptimizeResult(scenario, list(objectives), list(constraints), levers, robustness,
                          frame, front, pd.DataFrame(history), settings)


def _reevaluate(search: _Search, scale: np.ndarray, replications: int) -> pd.DataFrame:
    """The search's feasible non-dominated set, simulated again at ``replications`` with the
    same seed, non-domination taken again on those values; 95 % Wilson intervals on each
    probability, and each member's odds, 10th-percentile odds and regret across the
    uncertain draws."""
    rows = list(search.rows.values())
    F, G = search.arrays(rows)
    feasible = np.ones(len(F), bool) if G is None else np.all(G <= 0, axis=1)
    candidates = [rows[i] for i in np.flatnonzero(feasible)[nondominated(F[feasible])]] \
        if feasible.any() else []
    if not candidates:
        return pd.DataFrame()
    paths = [lv.path for lv in search.levers]
    final = _Search(search.scenario, search.objectives, search.constraints, search.levers,
                    replications=replications, seed=search.seed, robustness="mean",
                    backend=search.backend, store=None, progress=None)
    design = pd.DataFrame([{p: r[p] for p in paths} for r in candidates])
    done = run_points(search.scenario, design, replications=replications, seed=search.seed,
                      backend=search.backend, origin="optimize")
    out = []
    for i, values in design.iterrows():
        metrics = done.loc[i].to_dict()
        row = final._row(values.to_dict(), None, None, metrics)
        for o in [*search.objectives, *[Objective("max", "P", c.target)
                                       for c in search.constraints]]:
            if o.kind == "P":
                row[f"P({o.target})"] = float(metrics[f"{o.target}.probability"])
                row[f"P({o.target})_low"] = float(metrics[f"{o.target}.ci95_low"])
                row[f"P({o.target})_high"] = float(metrics[f"{o.target}.ci95_high"])
        out.append(row)
    frame = pd.DataFrame(out)
    F2, G2 = final.arrays(out)
    keep = np.ones(len(F2), bool) if G2 is None else np.all(G2 <= 0, axis=1)
    idx = np.flatnonzero(keep)[nondominated(F2[keep])] if keep.any() else []
    frame = frame.iloc[list(idx)]
    order = ["cost"] if "cost" in frame else [o.name for o in search.objectives[:1]]
    frame = frame.sort_values(order + paths, kind="stable").reset_index(drop=True)
    return _robustness(search, frame, replications)


def under_posterior(scenario: Scenario, file: str | Path) -> Scenario:
    """``scenario`` with a calibration's posterior (``posterior.parquet``) in place of the
    priors of the key paths they share. Raises ``RunConfigError`` for a file that is not a
    usable posterior or shares no uncertain path with the scenario."""
    from simulator.inputs.posterior import read_posterior
    from simulator.study.calibrate import with_posterior

    try:
        paths, values, weights, metadata = read_posterior(Path(file))
    except ValueError as exc:
        raise RunConfigError(f"--posterior: {exc}") from None
    if weights is not None:  # resample by weight: with_posterior takes equally likely rows
        from simulator.study.calibrate import resample

        values = values[resample(weights, len(weights), 0)]
    return with_posterior(scenario, paths, values, file=str(file), metadata=metadata)


def _under_posterior(search: _Search, front: pd.DataFrame, posterior: Scenario,
                     replications: int) -> pd.DataFrame:
    """The front's odds under the posterior scenario (same seed and replications), as
    ``P(T)_posterior`` with ``_posterior_low``/``_posterior_high``; the plain columns stay
    the odds under the scenario's own (prior) uncertainty."""
    paths = [lv.path for lv in search.levers]
    design = front[paths].reset_index(drop=True)
    done = run_points(posterior, design, replications=replications, seed=search.seed,
                      backend=search.backend, origin="optimize")
    for target in [o.target for o in search.objectives if o.kind == "P"]:
        front[f"P({target})_posterior"] = done[f"{target}.probability"].to_numpy()
        front[f"P({target})_posterior_low"] = done[f"{target}.ci95_low"].to_numpy()
        front[f"P({target})_posterior_high"] = done[f"{target}.ci95_high"].to_numpy()
    return front


def _robustness(search: _Search, front: pd.DataFrame, replications: int) -> pd.DataFrame:
    """Each member's odds across :data:`DRAWS` uncertain draws: 10th percentile and regret
    (the best member's odds in that draw less its own; the largest over draws)."""
    theta = uncertain_draws(search.scenario, search.seed)
    targets = [o.target for o in search.objectives if o.kind == "P"]
    if theta is None or front.empty or not targets:
        return front
    paths = [lv.path for lv in search.levers]
    job = _DrawJob(search.scenario, theta, replications, search.seed)
    points = [(i, {p: row[p] for p in paths}) for i, row in front.iterrows()]
    done = {item[0]: result for item, result in
            search.backend.map_unordered(partial(odds_by_draw, job), points)}
    for target in targets:
        t = search.index[target]
        table = np.stack([done[i][0][:, t] for i, _ in points])  # (members, draws)
        front[f"P({target})_p10"] = np.quantile(table, 0.1, axis=1)
        front[f"P({target})_regret"] = (table.max(axis=0)[None, :] - table).max(axis=1)
    if search.robustness == "regret":
        first = f"P({targets[0]})_regret"
        front = front.sort_values(first, kind="stable").reset_index(drop=True)
    return front


# ---------------------------------------------------------------- words


def headline(found: OptimizeResult, level: float = 0.8, lang: str = "en") -> str:
    """The cheapest programme that reaches ``level`` for the first probability objective,
    in words, or what the front reaches at best."""
    from simulator.report.i18n import t

    p = next((o for o in found.objectives if o.kind == "P"), None)
    unit = cost_unit(found.scenario) or t("optimize.cost_units", lang)
    if found.front.empty:
        return t("optimize.no_front", lang)
    best = found.cheapest(level)
    if p is None:
        return t("optimize.front_size", lang, n=len(found.front))
    if best is None:
        top = found.front.sort_values(p.name, ascending=False).iloc[0]
        return t("optimize.out_of_reach", lang, level=pct(level), target=p.target,
                 best=pct(top[p.name]), programme=programme_words(found, top, lang),
                 cost=_cost_text(top, unit))
    return t("optimize.headline", lang, programme=programme_words(found, best, lang),
             p=pct(best[p.name]),
             interval=pct_range(best[f"{p.name}_low"], best[f"{p.name}_high"]),
             target=p.target, cost=_cost_text(best, unit))


def _cost_text(row: pd.Series, unit: str) -> str:
    return f"{sig(row['cost'], 3)} {unit}" if "cost" in row else "–"


def programme_words(found: OptimizeResult, row: pd.Series, lang: str = "en") -> str:
    """A front member's lever values in words: each lever's description (before '|') or
    its path, and its value; levers at their minimum are left out."""
    parts = []
    whole = {lv.path for lv in found.levers if lv.integer}
    for lever in found.scenario.levers:
        value = row[lever.path]
        if value == lever.min:
            continue
        text = lever.description.split("| zh:")
        label = (text[1] if lang == "zh" and len(text) > 1 else text[0]).strip() or lever.path
        parts.append(f"{label}: {int(value) if lever.path in whole else sig(value, 3)}")
    from simulator.report.i18n import t

    return ("; " if lang == "en" else "；").join(parts) or t("optimize.all_minimum", lang)


def write_optimize(found: OptimizeResult, folder: Path, *, langs: Sequence[str] = ("en",),
                   manifest: Mapping | None = None, level: float = 0.8) -> None:
    """front.csv, evaluations.csv, convergence.csv, optimize.json, charts and report(s)."""
    from simulator.report.i18n import t
    from simulator.report.optimize_charts import draw_optimize_charts
    from simulator.report.study_report import StudyPage, write_study_report

    found.front.to_csv(folder / "front.csv", index=False, float_format="%.6g")
    found.evaluations.to_csv(folder / "evaluations.csv", index=False, float_format="%.6g")
    found.convergence.to_csv(folder / "convergence.csv", index=False, float_format="%.6g")
    summary = {"scenario": found.scenario.name, **found.settings,
               "levers": [{"path": lv.path, "min": lv.low, "max": lv.high,
                           "integer": lv.integer} for lv in found.levers],
               "level": level, "headline": headline(found, level),
               "front_size": int(len(found.front)),
               "convergence": found.convergence.to_dict(orient="records"),
               **({"manifest": dict(manifest)} if manifest else {})}
    (folder / "optimize.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")
    for lang in langs:
        charts_dir = folder / ("charts" if lang == "en" else f"charts-{lang}")
        charts_dir.mkdir(exist_ok=True)
        charts = draw_optimize_charts(found, charts_dir, lang=lang)
        s = found.settings
        text = t("optimize.design", lang, scenario=found.scenario.name,
                 objectives="; ".join(s["objectives"]),
                 constraints="; ".join(s["constraints"]) or "–", k=len(found.levers),
                 evaluations=f"{len(found.evaluations):,}", r=f"{s['replications']:,}",
                 final=f"{s['final_replications']:,}", seed=s["seed"],
                 robustness=s["robustness"], draws=s["draws"])
        front = found.front.copy()
        tables = [(t("optimize.front", lang), front.round(4)),
                  (t("optimize.convergence", lang), found.convergence.round(4))]
        page = StudyPage(t("optimize.title", lang, name=found.scenario.name), text,
                         headline(found, level, lang=lang), None, tables, charts,
                         {k: str(v) for k, v in (manifest or {}).items()})
        write_study_report(folder, page, lang)


def digest_of(scenario: Scenario, objectives, constraints, *, evaluations, replications,
              final_replications, seed, robustness, posterior: str | None = None) -> str:
    """The study digest a resumable optimize folder is keyed by."""
    return study_digest(kind="optimize", scenario=scenario.digest(), posterior=posterior,
                        objectives=[f"{o.sense} {o.name}" for o in objectives],
                        constraints=[c.name for c in constraints], evaluations=evaluations,
                        replications=replications, final_replications=final_replications,
                        seed=seed, robustness=robustness)


def optimize_to_folder(scenario: Scenario, objectives: Sequence[Objective], out: str | Path, *,
                       constraints: Sequence[Constraint] = (), evaluations: int = 480,
                       replications: int = 1000, final_replications: int | None = None,
                       seed: int = 0, robustness: str = "mean", backend: Backend | None = None,
                       resume: bool = False, force: bool = False,
                       langs: Sequence[str] = ("en",),
                       progress: Callable[[int], None] | None = None,
                       inputs: Sequence[str | Path] = (),
                       command: list[str] | None = None, level: float = 0.8,
                       posterior: Scenario | None = None) -> OptimizeResult:
    """:func:`optimize`, durably (``<out>.partial``; candidates kept as they finish, so
    ``resume`` continues the same study), then write ``out`` (see :func:`write_optimize`)."""
    from simulator import __version__
    from simulator.study.points import StudyFolder

    final = final_replications or 4 * replications
    digest = digest_of(scenario, objectives, constraints, evaluations=evaluations,
                       replications=replications, final_replications=final, seed=seed,
                       robustness=robustness,
                       posterior=posterior.digest() if posterior is not None else None)
    backend = backend or LocalBackend(1)
    with StudyFolder(out, digest, resume=resume, force=force, inputs=inputs) as study:
        found = optimize(scenario, objectives, constraints=constraints,
                         evaluations=evaluations, replications=replications,
                         final_replications=final, seed=seed, robustness=robustness,
                         backend=backend, store=study.store(), progress=progress,
                         posterior=posterior)
        manifest = {"landsim_version": __version__, "backend": backend.name,
                    "scenario_sha256": scenario.digest(), "study_sha256": digest,
                    "command": " ".join(command or []) or "–"}
        shutil.rmtree(study.path / "points", ignore_errors=True)  # in front.csv and
        # evaluations.csv now; the folder only served a resume
        write_optimize(found, study.path, langs=langs, manifest=manifest, level=level)
        study.finish()
    return found
