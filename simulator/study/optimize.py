"""Design the programme: a many-objective search over a scenario's levers (``landsim optimize``).

Levers and uncertainties are kept apart (XLRM): the levers are the scenario's ``levers:``
(what a programme office decides, each with a ``cost`` per unit above its ``min``); the
uncertainties are its ``uncertain:`` values (priors, or a calibration's posterior), drawn
per replication as in every run. Each candidate programme is simulated with the same seed
— common random numbers — so two candidates differ by their levers, not by luck.

The search is NSGA-II (Deb et al. 2002) from pymoo 0.6 over a :class:`LeverProblem` (the
levers as a pymoo ``Problem`` on the unit cube), driven through pymoo's ask-and-tell
interface so that each generation's candidates are simulated as one batch on the study
back-end (local processes or Dask) and stored as they finish (resumable: the search is
deterministic in its seed, so a resumed run proposes the same candidates and finds them
done). pymoo rather than platypus-opt: maintained, with NSGA-II/III, constraint handling
and a hypervolume indicator in one library.

**When the search stops** (:func:`search_termination`): at its budget (``evaluations``,
rounded up to whole generations), or earlier once the front has settled — pymoo's
``DefaultMultiObjectiveTermination`` criteria, with the tolerances of pymoo's defaults
(:data:`SETTLE_FTOL`, :data:`SETTLE_XTOL`) over a window of :data:`SETTLE_WINDOW`
generations: the front's objectives (or its lever values) moved less than the tolerance in
each of the last generations, or, without a feasible candidate, the least constraint
violation stopped falling. Which of them stopped it, and at which generation, is recorded
(``settings["stop"]``); how far the front moved in each generation is a column of the
convergence table (``front_moved``).

Each candidate's run also gives its kept targets' best-case ceilings (the run computes
every target's ceiling for its odds): :func:`run_candidates` records them beside the odds,
so a candidate is one task of the back-end, not a simulation and a ceiling computed apart.

Objectives: ``max P(TARGET)`` (the probability of meeting a target), ``max km2(TARGET)``
(the mean km² it counts) and ``min cost`` (Σ cost × (value − min)); constraints
``P(TARGET) >= LEVEL`` (or ``<=``). **Kept targets** (:class:`Keep`): by default every
target of kind ``floor`` (a binding target; also the kind of a target that names none) is
a constraint of the search — it must stay possible by construction (its best-case ceiling,
:mod:`simulator.model.ceiling`, at least its km²) and its odds at least those of the
scenario as shipped (or a given level) — so a programme that scores one target cannot
abandon a binding one.

Robustness (``--robustness``): ``mean`` searches the odds over the uncertainty (equal to
``landsim run --set``), ``p10`` the 10th percentile of the odds across :data:`DRAWS` draws
of the uncertain values (each draw held fixed over replications / DRAWS replications),
``regret`` searches the mean and ranks the front by its largest regret.

**Re-evaluation on independent random numbers.** The search's values carry the noise it
selected on (a winner's curse), so the front is judged on a seed derived from but not
equal to the search's (:func:`reevaluation_seed`): each generation, the front found so far
is simulated on it (``-n`` replications), and its hypervolume on those values is the
convergence curve — it falls when the search promotes programmes that were only lucky. At
the end the search's front is simulated on it at ``final_replications`` with 95 % Wilson
intervals; a member dominated on those values, or one that no longer keeps a kept target
or meets a constraint, is marked (``dominated``, ``feasible``, ``keeps_<target>``), not
dropped silently. Each member then gets its odds, 10th-percentile odds and regret across
the uncertain draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pymoo.core.problem import Problem

from simulator.inputs.errors import RunConfigError
from simulator.inputs.params import with_values
from simulator.inputs.scenario import Scenario
from simulator.model.layout_cache import layout_for
from simulator.model.sampling import chunk_sizes
from simulator.run.backends import Backend, LocalBackend
from simulator.run.montecarlo import run_chunk, simulate
from simulator.run.results import targets_met
from simulator.study.points import PointStore, point_metrics, run_points, study_digest
from simulator.study.solve import LeverRange, lever_range

if TYPE_CHECKING:
    from pymoo.termination.default import DefaultTermination

__all__ = [
    "DRAWS",
    "POPULATION",
    "SETTLE_FTOL",
    "SETTLE_WINDOW",
    "SETTLE_XTOL",
    "Constraint",
    "Keep",
    "KeepOdds",
    "LeverProblem",
    "Objective",
    "OptimizeResult",
    "Robustness",
    "SearchStatus",
    "cost_provenance",
    "cost_unit",
    "digest_of",
    "final_replications_of",
    "generations_of",
    "hypervolume",
    "keep_targets",
    "nondominated",
    "optimize",
    "parse_constraint",
    "parse_keep_odds",
    "parse_objective",
    "programme_cost",
    "reevaluation_seed",
    "run_candidates",
    "search_termination",
    "stop_of",
    "under_posterior",
]

DRAWS = 20
"""Draws of the uncertain values for p10 and regret (each held over replications / DRAWS)."""

POPULATION = 24
"""Candidates per generation (NSGA-II's population)."""

SETTLE_FTOL = 0.005
"""How little the front may move in one generation and count as settled: pymoo's measure
(the largest of the moves of the front's ideal point, of its nadir point, and the IGD from
the new front to the last, with the objectives scaled to the front's range), at the
tolerance of pymoo's ``DefaultMultiObjectiveTermination``."""

SETTLE_XTOL = 0.0005
"""The same for the front's lever values (each lever's range scaled to 0…1): pymoo's
``DefaultMultiObjectiveTermination`` tolerance in the design space."""

SETTLE_WINDOW = 5
"""Generations in a row the front must stay within the tolerance before the search stops
early. pymoo's default (50) is for runs of hundreds of generations; the default budget here
is 20. A search stops early at generation ``SETTLE_WINDOW + 1`` at the soonest (the first
generation has no front before it to compare with)."""

Sense = Literal["max", "min"]
Kind = Literal["P", "km2", "cost"]
Robustness = Literal["mean", "p10", "regret"]
KeepOdds = Literal["shipped", "possible"] | float
"""What keeping a target asks beyond being possible: odds at least as shipped, nothing
more (``possible``), or odds at least a level (a probability 0…1)."""

ROBUSTNESS: tuple[Robustness, ...] = ("mean", "p10", "regret")

_OBJECTIVE = re.compile(r"^\s*(max|min)\s+(?:(P|km2)\(\s*([A-Za-z0-9_.-]+)\s*\)|(cost))\s*$")
_CONSTRAINT = re.compile(r"^\s*P\(\s*([A-Za-z0-9_.-]+)\s*\)\s*(>=|<=)\s*([0-9.]+%?)\s*$")
_TOL = 1e-9  # km²: a ceiling this close to the target counts as reaching it (as ceiling.py)


@dataclass(frozen=True)
class Objective:
    """One objective: ``sense`` (max/min), ``kind`` (P, km2, cost) and its target."""

    sense: Sense
    kind: Kind
    target: str | None = None

    @property
    def name(self) -> str:
        """The objective as given, without its sense: ``P(plan-2035)``, ``cost``."""
        return "cost" if self.kind == "cost" else f"{self.kind}({self.target})"


@dataclass(frozen=True)
class Constraint:
    """``P(target) >= level`` (``sense`` ``>=``) or ``<=``; level a probability 0…1."""

    target: str
    sense: Literal[">=", "<="]
    level: float

    @property
    def name(self) -> str:  # noqa: D102
        return f"P({self.target}) {self.sense} {self.level:g}"


@dataclass(frozen=True)
class Keep:
    """A target every front member must keep: possible by construction (best-case ceiling
    ≥ its km²) and, unless ``odds`` is ``"possible"``, its odds at least those of the
    scenario as shipped (``"shipped"``) or at least ``odds`` (a probability)."""

    target: str
    odds: KeepOdds = "shipped"

    @property
    def name(self) -> str:
        """``binding-2025: possible, P ≥ as shipped`` (as settings and the report say it)."""
        if self.odds == "possible":
            return f"{self.target}: possible"
        level = "as shipped" if self.odds == "shipped" else f"{float(self.odds):g}"
        return f"{self.target}: possible, P ≥ {level}"

    @property
    def column(self) -> str:
        """front.csv's column saying whether a member keeps it: ``keeps_<target>``."""
        return f"keeps_{self.target}"

    @property
    def ceiling_column(self) -> str:
        """The column of its best-case ceiling, km²: ``ceiling_km2_<target>``."""
        return f"ceiling_km2_{self.target}"


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
    value = _probability(level, f"--constraint {text!r}")
    _check_target(scenario, target, "--constraint")
    return Constraint(target, sense, value)


def _probability(text: str, where: str) -> float:
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise RunConfigError(f"{where}: the level is a probability, 0–1 or 0–100%")
    return value


def parse_keep_odds(text: str) -> KeepOdds:
    """``"shipped"``, ``"possible"`` or a level (``"0.5"``, ``"50%"``) → :data:`KeepOdds`.

    Raises ``RunConfigError`` for anything else.
    """
    word = (text or "").strip().lower()
    if word in ("shipped", "possible"):
        return word  # type: ignore[return-value]
    if not re.fullmatch(r"[0-9.]+%?", word):
        raise RunConfigError(f"--keep-odds expects shipped, possible or a level (0.5, 50%), "
                             f"got {text!r}")
    return _probability(word, f"--keep-odds {text!r}")


def keep_targets(scenario: Scenario, names: Sequence[str] | None = None,
                 odds: KeepOdds = "shipped") -> list[Keep]:
    """The targets a front must keep, in the scenario's order.

    Every target of kind ``floor`` (binding; also a target that names no kind) unless
    ``names`` holds ``"none"``, plus the targets ``names`` lists. Raises ``RunConfigError``
    for a name that is not a target.
    """
    names = list(names or [])
    for name in names:
        if name != "none":
            _check_target(scenario, name, "--keep")
    chosen = set(names) - {"none"}
    if "none" not in names:
        chosen |= {t.name for t in scenario.targets if (t.kind or "floor") == "floor"}
    return [Keep(t.name, odds) for t in scenario.targets if t.name in chosen]


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


_LABELS = ("illustrative", "assumption", "derived", "sourced")
"""Provenance labels, weakest first."""
_COST_LABEL = re.compile(r"\bcosts?\s+(illustrative|assumption|assumed|derived|sourced)\b",
                         re.IGNORECASE)


def cost_provenance(scenario: Scenario) -> dict:
    """What the levers' costs rest on, from the scenario's provenance labels.

    Each costed lever's label: the one its note gives the cost ("cost illustrative: …",
    "cost derived: …"), else ``illustrative`` if the note says so (or 示意), else the
    lever's own label (``assumption``, ``derived``, ``sourced``; None when unlabelled).
    ``label`` is the weakest of them; ``illustrative`` and ``costed`` count the levers.
    """
    from simulator.inputs.status import is_illustrative
    from simulator.report.i18n import bilingual

    levers: dict[str, str | None] = {}
    for i, lever in enumerate(scenario.levers):
        if lever.cost is None:
            continue
        text = scenario.label_of(f"levers[{i}].cost") or ""
        english = bilingual(text, "en")
        found = _COST_LABEL.search(english)
        if found:
            label = found.group(1).lower().replace("assumed", "assumption")
        elif is_illustrative(text):
            label = "illustrative"
        else:
            label = english.partition(":")[0].strip().lower()
        levers[lever.path] = label if label in _LABELS else None
    named = [label for label in levers.values() if label is not None]
    return {"label": min(named, key=_LABELS.index) if named else None, "levers": levers,
            "illustrative": sum(label == "illustrative" for label in levers.values()),
            "costed": len(levers)}


def reevaluation_seed(seed: int) -> int:
    """The seed the front is judged on: derived from the search's ``seed`` but not equal to
    it, so the re-evaluation's random numbers are independent of the ones the search
    selected on (recorded as ``reevaluation_seed``)."""
    state = np.random.SeedSequence([seed, 0x52455645]).generate_state(1, np.uint32)
    out = int(state[0])
    return out if out != seed else out + 1


def final_replications_of(replications: int, final_replications: int | None) -> int:
    """Replications of the front's re-evaluation: ``final_replications``, or 4 ×
    ``replications`` when it is None."""
    return 4 * replications if final_replications is None else final_replications


def generations_of(evaluations: int) -> int:
    """Generations a search of ``evaluations`` candidates may run, its budget (at least 2):
    it runs them all unless the front settles first (:func:`search_termination`)."""
    return max(2, math.ceil(evaluations / POPULATION))


def search_termination(generations: int) -> DefaultTermination:
    """pymoo's termination for a search of at most ``generations`` generations: its
    ``DefaultMultiObjectiveTermination`` criteria (objectives, lever values, constraint
    violation) at :data:`SETTLE_FTOL` and :data:`SETTLE_XTOL`, each over a window of
    :data:`SETTLE_WINDOW` generations and checked every generation, and the budget.

    The objectives' criterion also records how far the front moved in the last generation
    (``.moved``, NaN before there are two feasible fronts to compare). Raises
    ``ValueError`` for fewer than one generation.
    """
    from pymoo.termination.cv import ConstraintViolationTermination
    from pymoo.termination.default import DefaultTermination
    from pymoo.termination.robust import RobustTermination
    from pymoo.termination.xtol import DesignSpaceTermination

    if generations < 1:
        raise ValueError(f"a search needs at least one generation (got {generations})")
    # DefaultMultiObjectiveTermination's own parts, built here so that the objectives'
    # criterion can say how far the front moved (pymoo keeps only its progress)
    return DefaultTermination(
        RobustTermination(DesignSpaceTermination(SETTLE_XTOL), SETTLE_WINDOW),
        RobustTermination(ConstraintViolationTermination(1e-8, terminate_when_feasible=False),
                          SETTLE_WINDOW),
        RobustTermination(_front_movement(), SETTLE_WINDOW),
        n_max_gen=generations, n_max_evals=None)


def _front_movement():
    """pymoo's ``MultiObjectiveSpaceTermination`` at :data:`SETTLE_FTOL` (feasible members
    only), remembering its last measure as ``moved``."""
    from pymoo.termination.ftol import MultiObjectiveSpaceTermination

    class FrontMovement(MultiObjectiveSpaceTermination):
        moved = math.nan

        def _update(self, algorithm):
            self.moved = math.nan  # a generation without a comparison says so
            return super()._update(algorithm)

        # pymoo compares each front with the last one that moved more than the tolerance
        # (a front within it is not remembered), so small moves add up rather than hide
        def _delta(self, prev, current):
            self.moved = float(super()._delta(prev, current))
            return self.moved

    return FrontMovement(SETTLE_FTOL, only_feas=True)


def stop_of(termination: DefaultTermination, generation: int, generations: int) -> dict:
    """Why a search under :func:`search_termination` stopped after ``generation`` of its
    ``generations``: ``reason`` ``budget`` (every generation run) or ``settled``, with
    ``criterion`` ``objectives``, ``levers`` or ``constraint violation`` (which of pymoo's
    criteria said the front settled), and the rule (tolerances, window)."""
    rule = {"ftol": SETTLE_FTOL, "xtol": SETTLE_XTOL, "window": SETTLE_WINDOW}
    out = {"reason": "budget", "criterion": None, "generation": generation,
           "generations": generations, **rule}
    if termination.max_gen.has_terminated():  # the budget is spent, settled or not
        return out
    named = (("objectives", termination.f), ("levers", termination.x),
             ("constraint violation", termination.cv))
    out["reason"] = "settled"
    out["criterion"] = next((name for name, c in named if c.has_terminated()), None)
    return out


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
    _, values = point
    scenario = with_values(job.scenario, values, origin="optimize")
    layout = layout_for(scenario)
    sizes = chunk_sizes(job.replications)
    draws = job.theta.shape[0]
    group = np.arange(job.replications) * draws // job.replications
    met = []
    start = 0
    for c, size in enumerate(sizes):
        theta = job.theta[group[start:start + size]]
        met.append(targets_met(scenario, run_chunk(layout, job.seed, c, size, "fast",
                                                   theta)))
        start += size
    met = np.concatenate(met).astype(float)
    by_draw = np.stack([met[group == d].mean(axis=0) for d in range(draws)])
    return by_draw, met.mean(axis=0)


def uncertain_draws(scenario: Scenario, seed: int, draws: int = DRAWS) -> np.ndarray | None:
    """(draws, K) values of the scenario's uncertain parameters (its priors or posterior),
    the first ``draws`` replications' of stream ``seed + 1``; None without ``uncertain:``."""
    from simulator.model.sampling import draw_chunk

    layout = layout_for(scenario)
    if not layout.uncertain:
        return None
    return draw_chunk(layout, seed + 1, 0, draws).params


@dataclass(frozen=True)
class _CeilingJob:
    scenario: Scenario
    targets: tuple[str, ...]


def kept_ceilings(job: _CeilingJob, point: tuple[int, Mapping[str, float]]) -> dict[str, float]:
    """Best-case ceiling (km²) of each of ``job.targets`` under one point's lever values."""
    from simulator.model.ceiling import target_ceilings

    scenario = with_values(job.scenario, point[1], origin="optimize")
    return {c.target: c.ceiling_km2 for c in target_ceilings(scenario)
            if c.target in job.targets}


@dataclass(frozen=True)
class SearchStatus:
    """Where a search stands, for a progress display.

    ``stage``: ``search`` (a generation done), ``reevaluation`` (the front simulated again)
    or ``robustness`` (its odds across the uncertain draws); ``total`` is what the stage
    counts to (candidates the search may propose; members re-evaluated).
    """

    stage: Literal["search", "reevaluation", "robustness"]
    generation: int
    generations: int
    evaluated: int  # distinct candidates simulated so far
    front: int  # programmes on the front found so far
    total: int


Evaluator = Callable[..., pd.DataFrame]
"""Simulates the rows of a design: :func:`simulator.study.points.run_points`'s signature
(``base, design, *, replications, seed, backend, store, progress, origin``) and result
(the design with ``<target>.probability``, ``.ci95_low``, ``.ci95_high``, ``.mean_km2``;
where it also gives ``<target>.ceiling_km2``, as :func:`run_candidates` does, the search
takes the ceilings from there instead of computing them apart)."""


@dataclass(frozen=True)
class _CandidateJob:
    base: Scenario
    replications: int
    seed: int
    origin: str


def candidate_metrics(job: _CandidateJob, point: tuple[int, Mapping[str, float]]
                      ) -> dict[str, float]:
    """One candidate's metrics: what :func:`simulator.study.points.evaluate_point` records
    (the same run: ``with_values``, ``simulate`` on one worker without annual quantiles,
    ``point_metrics``), plus each target's best-case ceiling, km² (``<target>.ceiling_km2``,
    where finite) — the run computes every target's ceiling for its odds, so reading them
    here costs nothing, where computing the kept ones apart cost about 7 % of a candidate."""
    scenario = with_values(job.base, point[1], origin=job.origin)
    result = simulate(scenario, replications=job.replications, seed=job.seed, workers=1,
                      annual_quantiles=False)  # as evaluate_point: odds and means only
    metrics = point_metrics(result)
    for ceiling in result.ceilings:
        if math.isfinite(ceiling.ceiling_km2):  # a stored point holds finite numbers only
            metrics[f"{ceiling.target}.ceiling_km2"] = float(ceiling.ceiling_km2)
    return metrics


def run_candidates(base: Scenario, design: pd.DataFrame, *, replications: int, seed: int,
                   backend: Backend, store: PointStore | None = None,
                   progress: Callable[[int], None] | None = None,
                   origin: str = "optimize") -> pd.DataFrame:
    """The search's :data:`Evaluator`: :func:`simulator.study.points.run_points` (the same
    odds, bit for bit, kept in ``store`` as they finish and found there on resume) with
    :func:`candidate_metrics` per point, so each candidate's ceilings come with its odds.

    A stored point whose values are not the design's is computed again, with a notice (as
    run_points). Raises what the simulation raises.
    """
    job = _CandidateJob(base, replications, seed, origin)
    return run_points(base, design, replications=replications, seed=seed, backend=backend,
                      store=store, progress=progress, origin=origin,
                      evaluate=partial(candidate_metrics, job))


@dataclass
class OptimizeResult:
    """What :func:`optimize` found: every evaluation, the front, and how it converged."""

    scenario: Scenario
    objectives: list[Objective]
    constraints: list[Constraint]
    levers: list[LeverRange]
    robustness: Robustness
    evaluations: pd.DataFrame  # one row per distinct candidate: levers, objectives, feasible
    front: pd.DataFrame  # the search's front re-evaluated: intervals, flags, robustness
    convergence: pd.DataFrame  # generation, evaluations, hypervolume(_reevaluated), front_size
    settings: dict = field(default_factory=dict)
    keeps: list[Keep] = field(default_factory=list)

    @property
    def on_front(self) -> pd.DataFrame:
        """The members that hold up after re-evaluation: feasible (every constraint met,
        every kept target kept) and dominated by no feasible member."""
        front = self.front
        if front.empty or "dominated" not in front:
            return front
        return front[front["feasible"].astype(bool) & ~front["dominated"].astype(bool)]

    def cheapest(self, level: float = 0.8) -> pd.Series | None:
        """The cheapest member of :attr:`on_front` whose first probability objective is at
        least ``level`` (None if none is, or there is no cost objective)."""
        p = next((o for o in self.objectives if o.kind == "P"), None)
        front = self.on_front
        if p is None or not any(o.kind == "cost" for o in self.objectives) or front.empty:
            return None
        ok = front[front[p.name] >= level]
        return None if ok.empty else ok.sort_values("cost", kind="stable").iloc[0]


def _metric_of(objective: Objective, target_index: dict[str, int], by_draw, pooled,
               metrics: Mapping[str, float] | None, robustness: Robustness) -> float:
    if objective.kind == "P":
        if robustness == "p10" and by_draw is not None:
            return float(np.quantile(by_draw[:, target_index[objective.target]], 0.1))
        return float(metrics[f"{objective.target}.probability"] if metrics is not None
                     else pooled[target_index[objective.target]])
    return float(metrics[f"{objective.target}.mean_km2"])


def _key(values: Mapping[str, float]) -> tuple:
    return tuple(sorted(values.items()))


class LeverProblem(Problem):
    """The scenario's levers as a pymoo ``Problem``: a point of the unit cube (one
    coordinate a lever, 0 its low end, 1 its high end) → the objectives ``F`` (minimised)
    and the constraints ``G`` (≤ 0 where met) — the ``--constraint``s, then for each kept
    target its ceiling shortfall ((km² − ceiling) / km²) and, unless it is kept only
    possible, its odds' shortfall below the reference.

    Candidates are simulated in batches with ``seed`` and ``replications`` (common random
    numbers), cached by their lever values (candidates that round to the same programme are
    simulated once) and kept in ``store`` as they finish. The odds as shipped (the
    reference of a target kept at ``"shipped"``) are simulated once, on the same numbers.
    Kept targets' ceilings come with each candidate's run where the evaluator gives them
    (:func:`run_candidates`), else are computed in one pass for the batch.
    """

    def __init__(self, scenario: Scenario, objectives: Sequence[Objective],
                 levers: Sequence[LeverRange], *, constraints: Sequence[Constraint] = (),
                 keeps: Sequence[Keep] = (), replications: int, seed: int,
                 robustness: Robustness = "mean", backend: Backend,
                 store: PointStore | None = None,
                 progress: Callable[[int], None] | None = None,
                 evaluator: Evaluator | None = None, intervals: bool = False,
                 ceilings: dict[tuple, dict[str, float]] | None = None):
        self.scenario, self.objectives = scenario, list(objectives)
        self.constraints, self.keeps, self.levers = list(constraints), list(keeps), list(levers)
        self.replications, self.seed, self.robustness = replications, seed, robustness
        self.backend, self.store, self.progress = backend, store, progress
        self.evaluator = run_candidates if evaluator is None else evaluator
        self.intervals = intervals
        self.names = [t.name for t in scenario.targets]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.km2 = {t.name: float(t.km2) for t in scenario.targets}
        self.theta = uncertain_draws(scenario, seed) if robustness == "p10" else None
        self.rows: dict[tuple, dict] = {}
        self.ceilings = {} if ceilings is None else ceilings  # shared: seed-independent
        self.count = 0  # points simulated (the store's index)
        self._reference: dict[str, float] | None = None
        n_constr = len(self.constraints) + sum(1 if k.odds == "possible" else 2
                                               for k in self.keeps)
        super().__init__(n_var=len(self.levers), n_obj=len(self.objectives),
                         n_ieq_constr=n_constr, xl=0.0, xu=1.0)

    def _evaluate(self, x, out, *args, **kwargs):
        rows = self.simulate(np.atleast_2d(x))
        F, G = self.arrays(rows)
        out["F"] = F
        if G is not None:
            out["G"] = G

    def values(self, x: np.ndarray) -> dict[str, float]:
        """Lever values of a point of the unit cube."""
        return {lever.path: lever.plain(lever.low + float(u) * (lever.high - lever.low))
                for lever, u in zip(self.levers, x, strict=True)}

    def lever_values(self, row: Mapping) -> dict[str, float]:
        """The lever values of a row (a candidate's)."""
        return {lv.path: row[lv.path] for lv in self.levers}

    def simulate(self, xs: np.ndarray) -> list[dict]:
        """One row per point of the unit cube: see :meth:`rows_for`."""
        return self.rows_for([self.values(x) for x in xs])

    def rows_for(self, points: Sequence[Mapping[str, float]]) -> list[dict]:
        """One row per candidate (lever values): the values, each objective's, each
        constraint's and each kept target's odds and ceiling. Simulates the ones not yet
        simulated, in one batch; ``progress`` counts every candidate asked for."""
        points = [dict(p) for p in points]
        keys = [_key(p) for p in points]
        new = [k for k in dict.fromkeys(keys) if k not in self.rows]
        if self.progress is not None and len(keys) > len(new):
            self.progress(len(keys) - len(new))  # asked for again: already simulated
        if new:
            self.reference()  # the odds as shipped, before the first batch
            design = pd.DataFrame([dict(k) for k in new],
                                  index=range(self.count, self.count + len(new)))
            self.count += len(new)
            if self.theta is not None:
                self._ceilings_of([dict(k) for k in new])
                rows = self._by_draw(design)
            else:
                done = self.evaluator(self.scenario, design, replications=self.replications,
                                      seed=self.seed, backend=self.backend, store=self.store,
                                      progress=self.progress, origin="optimize")
                metrics = [done.loc[i].to_dict() for i in design.index]
                for k, m in zip(new, metrics, strict=True):
                    self._ceilings_from(k, m)
                self._ceilings_of([dict(k) for k in new])  # those the evaluator did not give
                rows = [self._row(dict(k), None, None, m)
                        for k, m in zip(new, metrics, strict=True)]
            for k, row in zip(new, rows, strict=True):
                self.rows[k] = row
        return [self.rows[k] for k in keys]

    def reference(self) -> dict[str, float]:
        """Each kept target's reference odds: as shipped (simulated once, on this problem's
        numbers and measure), or its level; none for a target kept only possible."""
        if self._reference is None:
            shipped = [k for k in self.keeps if k.odds == "shipped"]
            out = {k.target: float(k.odds) for k in self.keeps
                   if k.odds not in ("shipped", "possible")}
            if shipped:
                if self.theta is not None:
                    job = _DrawJob(self.scenario, self.theta, self.replications, self.seed)
                    by_draw, pooled = odds_by_draw(job, (-1, {}))
                    metrics = None
                else:
                    by_draw = pooled = None
                    metrics = self.evaluator(
                        self.scenario, pd.DataFrame(index=[0]),
                        replications=self.replications, seed=self.seed,
                        backend=self.backend, store=None, progress=None,
                        origin="optimize").iloc[0].to_dict()
                for k in shipped:
                    out[k.target] = _metric_of(Objective("max", "P", k.target), self.index,
                                               by_draw, pooled, metrics, self.robustness)
            self._reference = out
        return self._reference

    def _ceilings_from(self, key: tuple, metrics: Mapping) -> None:
        """Keep the kept targets' ceilings a candidate's run gave (``<target>.ceiling_km2``),
        if it gave them all."""
        found = {k.target: metrics.get(f"{k.target}.ceiling_km2") for k in self.keeps}
        if self.keeps and key not in self.ceilings and all(
                isinstance(v, (int, float)) and math.isfinite(v) for v in found.values()):
            self.ceilings[key] = {t: float(v) for t, v in found.items()}

    def _ceilings_of(self, points: list[dict]) -> None:
        """Compute, in one pass on the back-end, the kept targets' ceilings of the points
        that have none yet."""
        targets = tuple(k.target for k in self.keeps)
        todo = [(i, p) for i, p in enumerate(points) if _key(p) not in self.ceilings]
        if not targets or not todo:
            return
        job = _CeilingJob(self.scenario, targets)
        for (_, values), found in self.backend.map_unordered(partial(kept_ceilings, job),
                                                             todo):
            self.ceilings[_key(values)] = found

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
        ceilings = self.ceilings.get(_key(values), {})
        for k in self.keeps:
            row[f"P({k.target})"] = _metric_of(Objective("max", "P", k.target), self.index,
                                               by_draw, pooled, metrics, self.robustness)
            row[k.ceiling_column] = float(ceilings.get(k.target, math.nan))
        if self.intervals and metrics is not None:
            targets = [o.target for o in self.objectives if o.kind == "P"]
            targets += [c.target for c in self.constraints] + [k.target for k in self.keeps]
            for target in dict.fromkeys(targets):
                row[f"P({target})"] = float(metrics[f"{target}.probability"])
                row[f"P({target})_low"] = float(metrics[f"{target}.ci95_low"])
                row[f"P({target})_high"] = float(metrics[f"{target}.ci95_high"])
        return row

    def keep_shortfalls(self, row: Mapping, keep: Keep) -> tuple[float, float]:
        """(ceiling shortfall as a share of the target's km², odds shortfall below the
        reference): both ≤ 0 where ``row`` keeps ``keep``."""
        km2 = self.km2[keep.target]
        ceiling = row[keep.ceiling_column]
        short = (km2 - _TOL - ceiling) / km2 if math.isfinite(ceiling) else 0.0
        ref = self.reference().get(keep.target)
        return short, (0.0 if ref is None else ref - row[f"P({keep.target})"])

    def arrays(self, rows: list[dict]) -> tuple[np.ndarray, np.ndarray | None]:
        """pymoo's F (to minimise) and G (≤ 0 where feasible) of rows."""
        F = np.array([[-r[o.name] if o.sense == "max" else r[o.name] for o in self.objectives]
                      for r in rows], dtype=float).reshape(len(rows), len(self.objectives))
        if not self.n_ieq_constr:
            return F, None
        G = []
        for r in rows:
            g = [(c.level - r[c.name]) if c.sense == ">=" else (r[c.name] - c.level)
                 for c in self.constraints]
            for k in self.keeps:
                short, odds = self.keep_shortfalls(r, k)
                g += [short] if k.odds == "possible" else [short, odds]
            G.append(g)
        return F, np.array(G, dtype=float).reshape(len(rows), self.n_ieq_constr)

    def feasible(self, rows: list[dict]) -> np.ndarray:
        """Whether each row meets every constraint and keeps every kept target."""
        _, G = self.arrays(rows)
        return np.ones(len(rows), bool) if G is None else np.all(G <= 0, axis=1)

    def front(self) -> list[dict]:
        """The feasible non-dominated rows simulated so far (on this problem's values)."""
        rows = list(self.rows.values())
        if not rows:
            return []
        F, _ = self.arrays(rows)
        ok = self.feasible(rows)
        if not ok.any():
            return []
        return [rows[i] for i in np.flatnonzero(ok)[nondominated(F[ok])]]


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
    shift = np.array([1.0 if o.sense == "max" else 0.0 for o in objectives])
    unit = F / scale + shift
    return float(HV(ref_point=np.full(F.shape[1], 1.1))(unit))


def nondominated(F: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``F`` (minimised) that no other row dominates."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    if len(F) == 0:
        return np.array([], dtype=int)
    return np.asarray(NonDominatedSorting().do(F, only_non_dominated_front=True), dtype=int)


def _dominated_by(F: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Whether each row of ``F`` is dominated by some row of ``F`` where ``by`` is True."""
    out = np.zeros(len(F), bool)
    for i in range(len(F)):
        others = F[by & (np.arange(len(F)) != i)]
        out[i] = bool(np.any(np.all(others <= F[i], axis=1) & np.any(others < F[i], axis=1)))
    return out


def _holdout_hypervolume(problem: LeverProblem, holdout: LeverProblem, scale: np.ndarray,
                         front: list[dict]) -> float:
    """The hypervolume of ``front`` (rows found by the search) on ``holdout``'s numbers:
    only members feasible there count."""
    rows = holdout.rows_for([problem.lever_values(r) for r in front])
    if not rows:
        return 0.0
    F, _ = holdout.arrays(rows)
    ok = holdout.feasible(rows)
    return hypervolume(F[ok], scale, problem.objectives) if ok.any() else 0.0


def optimize(
    scenario: Scenario,
    objectives: Sequence[Objective],
    *,
    constraints: Sequence[Constraint] = (),
    keeps: Sequence[Keep] | None = None,
    evaluations: int = 480,
    replications: int = 1000,
    final_replications: int | None = None,
    seed: int = 0,
    robustness: Robustness = "mean",
    backend: Backend | None = None,
    store: PointStore | None = None,
    progress: Callable[[int], None] | None = None,
    status: Callable[[SearchStatus], None] | None = None,
    posterior: Scenario | None = None,
    evaluator: Evaluator | None = None,
) -> OptimizeResult:
    """Search the scenario's levers for the non-dominated programmes (see the module).

    ``keeps``: the targets every member must keep (default :func:`keep_targets`: the binding
    ones; ``()`` for none); ``evaluations``: candidates the search may evaluate (rounded up
    to whole generations of :data:`POPULATION`; it stops sooner once the front settles,
    :func:`search_termination`, and says why in ``settings["stop"]``); ``replications`` per
    candidate; ``final_replications`` (default 4 × ``replications``) for the front's
    re-evaluation on :func:`reevaluation_seed`; ``store``: where finished candidates are
    kept (resume; the held-out and final evaluations in its ``holdout/`` and ``final/``);
    ``progress`` ticks once per candidate (and per member re-evaluated), ``status`` hears a
    :class:`SearchStatus` after each generation and stage; ``posterior``: the scenario under
    a calibration's posterior (:func:`under_posterior`), under which the front is also
    re-evaluated (``_posterior`` columns); ``evaluator``: what simulates a design (default
    :func:`run_candidates`: run_points' odds with the ceilings of the same run; tests pass a
    stub). Results depend only on (scenario, objectives, constraints, keeps, seed,
    replications, evaluations, robustness) — where the search stops too, never on the
    back-end or its workers. Raises ``RunConfigError`` for fewer than two objectives, a
    scenario without levers, a lever that is also uncertain, or a robustness other than
    mean, p10 or regret.
    """
    from pymoo.algorithms.moo.nsga2 import NSGA2

    if len(objectives) < 2:
        raise RunConfigError("optimize needs at least two --objective (e.g. 'max P(plan-2035)' "
                             "and 'min cost'); for one lever and one target use solve")
    if not scenario.levers:
        raise RunConfigError(f"{scenario.name} has no levers: — list what a programme office "
                             "can move (path, min, max, description, cost)")
    if robustness not in ROBUSTNESS:
        raise RunConfigError(f"--robustness must be mean, p10 or regret, got {robustness!r}")
    clash = [lv.path for lv in scenario.levers if lv.path in scenario.uncertain]
    if clash:
        raise RunConfigError(f"{', '.join(clash)}: a lever cannot also be uncertain (XLRM "
                             "keeps what is decided apart from what is not known)")
    keeps = keep_targets(scenario) if keeps is None else list(keeps)
    final_n = final_replications_of(replications, final_replications)
    reseed = reevaluation_seed(seed)
    levers = [lever_range(scenario, lv.path, lv.min, lv.max) for lv in scenario.levers]
    backend = backend or LocalBackend(1)

    def stored(name: str) -> PointStore | None:
        return None if store is None else PointStore(
            store.folder / name, study=f"{store.study}:{name}", notice=store.notice)

    common = dict(constraints=constraints, keeps=keeps, backend=backend, evaluator=evaluator)
    problem = LeverProblem(scenario, objectives, levers, replications=replications, seed=seed,
                           robustness=robustness, store=store, progress=progress, **common)
    holdout = LeverProblem(scenario, objectives, levers, replications=replications,
                           seed=reseed, robustness=robustness, store=stored("holdout"),
                           ceilings=problem.ceilings, **common)
    algorithm = NSGA2(pop_size=POPULATION, eliminate_duplicates=True)
    generations = generations_of(evaluations)
    termination = search_termination(generations)
    algorithm.setup(problem, termination=termination, seed=seed, verbose=False)
    scale = _scale(objectives, scenario, levers)
    history = []
    with backend:
        while algorithm.has_next():
            pop = algorithm.ask()
            algorithm.evaluator.eval(problem, pop)
            algorithm.tell(infills=pop)
            everything = list(problem.rows.values())
            aF, _ = problem.arrays(everything)
            feasible = problem.feasible(everything)
            front = problem.front()
            history.append({
                "generation": algorithm.n_gen - 1, "evaluations": len(everything),
                # the archive on the search's own values: it can only rise
                "hypervolume": hypervolume(aF[feasible][nondominated(aF[feasible])],
                                           scale, objectives) if feasible.any() else 0.0,
                # the front found so far on held-out numbers: it falls when the search
                # promotes programmes that were only lucky
                "hypervolume_reevaluated": _holdout_hypervolume(problem, holdout, scale,
                                                                front),
                "front_size": len(front),
                # pymoo's measure of how far the front moved since the last generation it
                # counted: what the early stop compares with SETTLE_FTOL
                "front_moved": termination.f.termination.moved})
            if status is not None:
                status(SearchStatus("search", algorithm.n_gen - 1, generations,
                                    len(everything), len(front), generations * POPULATION))
        ran = len(history)
        stop = stop_of(termination, ran, generations)
        members = problem.front()
        if status is not None:
            status(SearchStatus("reevaluation", ran, generations,
                                len(problem.rows), len(members), len(members)))
        final = LeverProblem(scenario, objectives, levers, replications=final_n, seed=reseed,
                             robustness="mean", store=stored("final"), progress=progress,
                             intervals=True, ceilings=problem.ceilings, **common)
        front = _reevaluate(problem, final, members)
        if status is not None and not front.empty and layout_for(scenario).uncertain:
            status(SearchStatus("robustness", ran, generations, len(problem.rows),
                                len(members), len(members)))
        front = _robustness(final, front, robustness, progress)
        if posterior is not None and not front.empty:
            front = _under_posterior(final, front, posterior)
        reference = {"search": problem.reference(), "reevaluation": final.reference()}
    frame = pd.DataFrame(list(problem.rows.values()))
    frame["feasible"] = problem.feasible(list(problem.rows.values()))
    settings = {"objectives": [f"{o.sense} {o.name}" for o in objectives],
                "constraints": [c.name for c in constraints], "robustness": robustness,
                "keeps": [k.name for k in keeps],
                "keep_odds": keeps[0].odds if keeps else None,
                "evaluations": evaluations, "generations": generations,
                "generations_run": ran, "stop": stop,
                "population": POPULATION, "replications": replications,
                "final_replications": final_n, "seed": seed, "reevaluation_seed": reseed,
                "algorithm": "NSGA-II (pymoo 0.6), ask and tell", "cost_unit": cost_unit(scenario),
                "draws": DRAWS, "cost_provenance": cost_provenance(scenario),
                "reference": reference,
                "holdout_evaluations": len(holdout.rows)}
    return OptimizeResult(scenario, list(objectives), list(constraints), levers, robustness,
                          frame, front, pd.DataFrame(history), settings, keeps)


def _reevaluate(problem: LeverProblem, final: LeverProblem,
                members: list[dict]) -> pd.DataFrame:
    """``members`` (the search's feasible non-dominated rows) simulated on ``final``'s
    independent numbers, with 95 % Wilson intervals on each probability; each marked
    ``feasible`` (every constraint and kept target on these values), ``keeps_<target>``,
    and ``dominated`` (by a feasible member, on these values), with the search's own values
    of each probability and km² objective as ``<objective>_search``."""
    if not members:
        return pd.DataFrame()
    paths = [lv.path for lv in problem.levers]
    rows = final.rows_for([problem.lever_values(r) for r in members])
    frame = pd.DataFrame(rows)
    for o in problem.objectives:
        if o.kind != "cost":
            frame[f"{o.name}_search"] = [m[o.name] for m in members]
    for k in problem.keeps:
        frame[k.column] = [all(v <= 0 for v in final.keep_shortfalls(r, k)) for r in rows]
    F, _ = final.arrays(rows)
    feasible = final.feasible(rows)
    frame["feasible"] = feasible
    frame["dominated"] = _dominated_by(F, feasible)
    order = ["cost"] if "cost" in frame else [problem.objectives[0].name]
    return frame.sort_values(order + paths, kind="stable").reset_index(drop=True)


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


def _under_posterior(final: LeverProblem, front: pd.DataFrame,
                     posterior: Scenario) -> pd.DataFrame:
    """The front's odds under the posterior scenario (the re-evaluation's seed and
    replications), as ``P(T)_posterior`` with ``_posterior_low``/``_posterior_high``; the
    plain columns stay the odds under the scenario's own (prior) uncertainty."""
    paths = [lv.path for lv in final.levers]
    design = front[paths].reset_index(drop=True)
    done = run_points(posterior, design, replications=final.replications, seed=final.seed,
                      backend=final.backend, origin="optimize")
    for target in [o.target for o in final.objectives if o.kind == "P"]:
        front[f"P({target})_posterior"] = done[f"{target}.probability"].to_numpy()
        front[f"P({target})_posterior_low"] = done[f"{target}.ci95_low"].to_numpy()
        front[f"P({target})_posterior_high"] = done[f"{target}.ci95_high"].to_numpy()
    return front


def _robustness(final: LeverProblem, front: pd.DataFrame, robustness: Robustness,
                progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Each member's odds across :data:`DRAWS` uncertain draws (the re-evaluation's seed
    and replications): 10th percentile and regret (the best member's odds in that draw
    less its own, the largest over draws; the best among the members that hold up)."""
    targets = [o.target for o in final.objectives if o.kind == "P"]
    if front.empty or not targets:
        return front
    theta = uncertain_draws(final.scenario, final.seed)
    if theta is None:
        return front
    paths = [lv.path for lv in final.levers]
    job = _DrawJob(final.scenario, theta, final.replications, final.seed)
    points = [(i, {p: row[p] for p in paths}) for i, row in front.iterrows()]
    done = {}
    for item, result in final.backend.map_unordered(partial(odds_by_draw, job), points):
        done[item[0]] = result
        if progress is not None:
            progress(1)
    holds = (front["feasible"].astype(bool) & ~front["dominated"].astype(bool)).to_numpy()
    best_of = holds if holds.any() else np.ones(len(front), bool)
    for target in targets:
        t = final.index[target]
        table = np.stack([done[i][0][:, t] for i, _ in points])  # (members, draws)
        front[f"P({target})_p10"] = np.quantile(table, 0.1, axis=1)
        front[f"P({target})_regret"] = np.maximum(
            table[best_of].max(axis=0)[None, :] - table, 0.0).max(axis=1)
    if robustness == "p10":  # judged on what the search maximised, re-evaluated
        F = np.column_stack([
            -front[f"{o.name}_p10"] if o.kind == "P" and o.sense == "max" else
            front[f"{o.name}_p10"] if o.kind == "P" else
            (-front[o.name] if o.sense == "max" else front[o.name]) for o in final.objectives])
        front["dominated"] = _dominated_by(F.astype(float), front["feasible"].to_numpy(bool))
    if robustness == "regret":
        first = f"P({targets[0]})_regret"
        front = front.sort_values(first, kind="stable").reset_index(drop=True)
    return front


def digest_of(scenario: Scenario, objectives, constraints, *, evaluations, replications,
              final_replications, seed, robustness, posterior: str | None = None,
              keeps: Sequence[Keep] = ()) -> str:
    """The study digest a resumable optimize folder is keyed by."""
    return study_digest(kind="optimize", scenario=scenario.digest(), posterior=posterior,
                        objectives=[f"{o.sense} {o.name}" for o in objectives],
                        constraints=[c.name for c in constraints], evaluations=evaluations,
                        replications=replications, final_replications=final_replications,
                        seed=seed, robustness=robustness, keeps=[k.name for k in keeps],
                        reevaluation=f"independent:{reevaluation_seed(seed)}",
                        # the stopping rule decides how many generations run
                        stop=f"settle:{SETTLE_FTOL}:{SETTLE_XTOL}:{SETTLE_WINDOW}")
