"""Goal-seeking: the value of a lever at which a target's probability reaches a level.

Every evaluation runs the same (seed, replications), so the probability is estimated with
common random numbers: as the lever moves, each replication changes only through the
lever, and the estimate is a smooth (usually monotone) step function of it. The solver

1. scans the range on a grid of ``1 / resolution + 1`` points (default 17: a sixteenth of
   the range apart), in one batch on the back-end, to see in which direction the
   probability moves and whether it moves monotonically (beyond Monte Carlo noise);
2. refines the scan (up to :data:`REFINE` rounds of halving, each round one batch) between
   neighbours before the first crossing of the level whose probabilities differ by more than
   Monte Carlo noise (twice the combined standard error) or where either neighbour's 95 %
   Wilson interval holds the level — the places a narrow hump could hide — the closest to
   the level first, at most :data:`REFINE_BUDGET` × the scan's points in all. A region where
   the probability reaches the level that is wider than the resolution always holds a scan
   point, so it cannot be missed; a narrower one is found when its neighbours show it;
3. brackets the first crossing of the level and narrows the bracket by k-section (k =
   :data:`SECTIONS` interior points a step, run at once on two workers; fixed, so that the
   answer is the same on any number of workers) until it is narrower than the tolerance
   (a thousandth of the range; one step for a whole-number lever);
4. does the same for the crossings of the probability's 95 % Wilson bounds: the lever
   values between them are those at which the level lies inside the estimate's
   interval — the answer's interval from the Monte Carlo error.

"Out of reach" always says the highest probability found, where, and the resolution.
A lever that moves in whole steps — a whole-number lever, or ``programme`` (which carries
each plan year's projects × programme, rounded) — is reported as a step: the answer is the
first step value that reaches the level, with the probability there and one step before it (``step``
in solve.json), and a ``programme`` step with the projects it carries: a programme lever's
values that carry the same projects are one simulation (the :class:`Evaluator` runs what the
simulation sees once, so the k-section inside a step costs nothing).

The answer also says the mean km² the target counts there (``mean_km2``). The number of
evaluations a solve may make is :func:`evaluation_budget` (the CLI's cost estimate).

With two levers, :func:`frontier` solves the second at several values of the first: the
pairs that give the asked probability.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.inputs.errors import RunConfigError, ScenarioError
from simulator.inputs.params import ParameterError, get_value, with_values
from simulator.inputs.scenario import Scenario
from simulator.report.formatting import pct, pct_range, text_table
from simulator.run.backends import Backend, LocalBackend
from simulator.study.points import run_points

__all__ = [
    "Evaluator",
    "LeverRange",
    "SECTIONS",
    "SolveResult",
    "answer_details",
    "carried",
    "describe",
    "evaluation_budget",
    "evaluation_rows",
    "frontier",
    "frontier_rows",
    "lever_range",
    "moved_pathways",
    "parse_lever",
    "parse_resolution",
    "solve",
    "step_text",
    "text_table",
    "write_solve",
]

RESOLUTION = 1 / 16
"""Spacing of the first scan, as a share of the lever's range (17 points, ends included)."""
REFINE = 3
"""Rounds of halving of the first scan's intervals where a hump could hide."""
REFINE_BUDGET = 2
"""At most this many times the first scan's points are added by the refinement."""
TOLERANCE = 1e-3
"""Bracket width at which a continuous lever's answer stops, as a share of its range."""
METRICS = ("probability", "ci95_low", "ci95_high", "mean_km2", "projects")
"""An evaluation's columns that are not lever values (``projects``: programme levers only)."""
SIGNIFICANT = 12
"""Significant digits a continuous lever value is kept to: values that differ only by
floating-point noise (a halving and a k-section landing on one place) are one evaluation."""

SECTIONS = 2
"""Interior points of each k-section step: two (a step runs on two workers at once). Fixed,
not the back-end's workers: where a bracket ends — and so the answer, within the
tolerance — depends on k, and an answer must depend only on scenario, seed and
replications."""


@dataclass(frozen=True)
class LeverRange:
    """A lever to move: a numeric key path and the range to search."""

    path: str
    low: float
    high: float
    integer: bool = False

    def grid(self, n: int) -> list[float]:
        """``n`` values evenly over the range (whole numbers, deduplicated, for an integer)."""
        values = np.linspace(self.low, self.high, n)
        if self.integer:
            return sorted({int(round(v)) for v in values})
        return [self.plain(v) for v in values]

    @property
    def steps(self) -> bool:
        """Whether the lever moves the outcome in whole steps: a whole number, or
        ``programme`` (whole projects)."""
        return self.integer or self.programme

    @property
    def programme(self) -> bool:
        """Whether the lever is an over-programming factor (it moves whole projects)."""
        return _is_programme(self.path)

    def plain(self, value: float) -> float | int:
        """``value`` as the scenario wants it: a whole number for an integer lever, else a
        float to :data:`SIGNIFICANT` digits (so one place is one evaluation)."""
        if self.integer:
            return int(round(value))
        return float(f"{float(value):.{SIGNIFICANT}g}")


def _is_programme(path: str) -> bool:
    """Whether key path ``path`` is an over-programming factor (``programme``)."""
    return path.rsplit(".", 1)[-1] == "programme"


def parse_resolution(text: str) -> float:
    """``"0.0625"`` or ``"1/16"`` → 0.0625: the first scan's spacing as a share of the range.

    Raises ``RunConfigError`` for text that is not a number or fraction, or a value outside
    (0, 1].
    """
    number, slash, denominator = str(text).strip().partition("/")
    try:
        value = float(number) / float(denominator) if slash else float(number)
    except (ValueError, ZeroDivisionError):
        raise RunConfigError(f"--resolution expects a share of the lever's range such as "
                             f"0.0625 or 1/16, got {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 1):
        raise RunConfigError(f"--resolution must be a share of the range in (0, 1] (such as "
                             f"1/16), got {text!r}")
    return value


def evaluation_budget(lever: LeverRange, resolution: float = RESOLUTION,
                      sections: int | None = None, tolerance: float = TOLERANCE) -> int:
    """The most evaluations one :func:`solve` of ``lever`` makes: the first scan's points
    (``1 / resolution + 1``, fewer for a whole-number lever with fewer values), the
    refinement's budget (:data:`REFINE_BUDGET` × the scan) and three k-section brackets
    (the answer and the two ends of its interval) of ``sections`` (default
    :data:`SECTIONS`) points a step, each from one scan spacing down to the tolerance (one
    step for a whole-number lever)."""
    sections = SECTIONS if sections is None else sections
    intervals = max(1, int(round(1 / resolution)))
    if lever.integer:
        values = int(lever.high - lever.low) + 1
        scan = min(intervals + 1, values)
        ratio = (lever.high - lever.low) / max(1, scan - 1)  # a scan spacing, in steps
    else:
        scan = intervals + 1
        ratio = resolution / tolerance
    k = max(1, sections)
    steps = math.ceil(math.log(ratio) / math.log(k + 1) - 1e-9) if ratio > 1 else 0
    return scan + REFINE_BUDGET * scan + 3 * k * steps


def parse_lever(text: str, scenario: Scenario) -> LeverRange:
    """``"PATH=LOW:HIGH"`` → :class:`LeverRange`, checked against ``scenario``.

    The path must hold a number (or an unset optional number, such as
    ``schedule.quantile``); whole-number values (capacities) make a whole-number lever.
    Raises ``ParameterError`` for bad text or a path that does not exist, and
    ``ScenarioError`` if an end of the range makes the scenario invalid.
    """
    path, sep, rng = text.partition("=")
    low, colon, high = rng.partition(":")
    if not sep or not colon or not path.strip():
        raise ParameterError(f"--lever expects PATH=LOW:HIGH (e.g. "
                             f"pathways.consolidation.annual_cap=2:12), got {text!r}")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        raise ParameterError(f"--lever {text!r}: LOW and HIGH must be numbers") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise ParameterError(f"--lever {text!r}: needs finite LOW < HIGH")
    return lever_range(scenario, path.strip(), lo, hi, same_layout=True)


def lever_range(scenario: Scenario, path: str, low: float, high: float, *,
                same_layout: bool = False, origin: str = "solve") -> LeverRange:
    """A checked :class:`LeverRange` (see :func:`parse_lever`); with ``same_layout``, one
    whose ends keep the planned projects and the years (raises ``ParameterError``).
    ``origin`` names what moves the lever in an error (the command the user ran)."""
    current = get_value(scenario, path)
    if current is not None and (isinstance(current, bool)
                                or not isinstance(current, (int, float))):
        raise ParameterError(f"{path}: is not a number ({current!r}); a lever moves a number")
    integer = isinstance(current, int) and not isinstance(current, bool)
    if integer and not (float(low).is_integer() and float(high).is_integer()):
        raise ParameterError(f"{path}: is a whole number; give a whole-number range")
    lever = LeverRange(path, float(low), float(high), integer)
    ends = []
    for end in (low, high):
        try:
            ends.append(with_values(scenario, {path: lever.plain(end)}, origin=origin))
        except ScenarioError as exc:
            raise ScenarioError([
                type(p)(p.path, f"{p.message} — the lever's range {low:g}:{high:g} is not "
                        "allowed here", p.file, p.line) for p in exc.problems
            ]) from None
    if same_layout and _moves_the_layout(path):
        raise ParameterError(
            f"{path}: changes the layout (the planned projects or the years), so points "
            "would not share their random inputs and "
            "goal-seeking would chase noise; solve moves throughput, durations, drop-out, "
            "capacities and the like — sweep a layout change instead")
    return lever


def _moves_the_layout(path: str) -> bool:
    """Whether a lever at ``path`` would re-lay the planned projects or the years: the
    horizon, a pathway's project count, its stages or plan years. Points would not share
    their random inputs, so goal-seeking would chase noise. Over-programming
    (``programme``) adds projects in whole steps and stays a lever: the answer is the
    first step that reaches the level."""
    from simulator.inputs.keypath import parse_path

    parts = parse_path(path)
    return (parts[0] == "horizon" or parts[-2:] == ("projects", "count")
            or (len(parts) >= 3 and parts[0] == "pathways" and parts[2] == "plan"))


@dataclass
class SolveResult:
    """The answer: ``value`` (None when out of reach), its interval, and how it was found."""

    target: str
    level: float
    lever: LeverRange
    value: float | None
    interval: tuple[float | None, float | None]
    probability: float | None  # estimate at ``value``
    ci95: tuple[float, float] | None
    reachable: bool
    monotone: bool
    direction: str  # "increasing", "decreasing" or "flat"
    best: dict  # the highest probability seen: value, probability
    fixed: dict = field(default_factory=dict)  # other levers held at these values
    note: str = ""
    resolution: float | None = None  # spacing of the first scan, in the lever's units
    step: dict | None = None  # a step lever: value, probability, previous value/probability
    mean_km2: float | None = None  # mean km² the target counts at ``value``
    target_km2: float | None = None  # the target's km²
    resolution_share: float | None = None  # the first scan's spacing as a share of the range
    until: float | None = None  # a hump: the last value that still reaches the level
    beyond: float | None = None  # a hump: the probability where it has fallen back

    def as_dict(self) -> dict:
        """Plain JSON data (solve.json's answer)."""
        return {
            "target": self.target,
            "probability_wanted": self.level,
            "lever": {"path": self.lever.path, "min": self.lever.low, "max": self.lever.high,
                      "integer": self.lever.integer},
            "value": self.value,
            "interval": list(self.interval),
            "probability": self.probability,
            "ci95": list(self.ci95) if self.ci95 is not None else None,
            "reachable": self.reachable,
            "monotone": self.monotone,
            "direction": self.direction,
            "best": self.best,
            **({"fixed": self.fixed} if self.fixed else {}),
            "resolution": self.resolution,
            "step": self.step,
            "mean_km2": self.mean_km2,
            "target_km2": self.target_km2,
            "resolution_share": self.resolution_share,
            "until": self.until,
            "beyond": self.beyond,
            "note": self.note,
        }


class Evaluator:
    """Runs and remembers evaluations of one scenario and target at lever values."""

    def __init__(self, scenario: Scenario, target: str, *, replications: int, seed: int,
                 engine: str = "auto", backend: Backend):
        names = [t.name for t in scenario.targets]
        if target not in names:
            raise RunConfigError(f"--target {target!r} is not a target of {scenario.name}; "
                                 f"targets: {', '.join(names)}")
        from simulator.run.results import observed_targets

        if observed_targets(scenario)[names.index(target)]:
            as_of = scenario.status.as_of
            raise RunConfigError(f"--target {target!r} ended before the status date ({as_of:g}):"
                                 " it was met or missed (observed), and no lever changes that; "
                                 "choose a target still open")
        self.scenario, self.target = scenario, target
        self.replications, self.seed, self.engine, self.backend = (
            replications, seed, engine, backend)
        self.rows: dict[tuple, dict] = {}  # every point asked for, by its lever values
        self.runs = 0  # points simulated: fewer than rows when values share a simulation
        self._seen: dict[tuple, tuple] = {}  # point → (what the simulation sees, projects)
        self._metrics: dict[tuple, dict] = {}  # what the simulation sees → its metrics

    def evaluate(self, points: list[Mapping[str, float]]) -> list[dict]:
        """Metrics of the target at each point (probability, ci95_low/high, mean_km2; and
        ``projects`` carried on the lever's pathways for a ``programme`` lever).

        A point already evaluated, or one that the simulation cannot tell from one already
        simulated (programme values carrying the same projects), is not simulated again.
        """
        keys = [tuple(sorted(p.items())) for p in points]
        new = [k for k in dict.fromkeys(keys) if k not in self.rows]
        todo: dict[tuple, tuple] = {}  # what the simulation sees → the first point needing it
        for key in new:
            seen = self._sees(key)[0]
            if seen not in self._metrics:
                todo.setdefault(seen, key)
        by_paths: dict[tuple, list[tuple]] = {}  # one design per set of paths (no gaps)
        for seen, key in todo.items():
            by_paths.setdefault(tuple(k for k, _ in key), []).append((seen, key))
        for group in by_paths.values():
            design = pd.DataFrame([dict(k) for _, k in group], index=range(len(group)))
            done = run_points(self.scenario, design, replications=self.replications,
                              seed=self.seed, engine=self.engine, backend=self.backend,
                              origin="solve")
            self.runs += len(group)
            for (seen, _), (_, row) in zip(group, done.iterrows(), strict=True):
                self._metrics[seen] = {m: float(row[f"{self.target}.{m}"])
                                       for m in METRICS if m != "projects"}
        for key in new:
            seen, projects = self._sees(key)
            self.rows[key] = {**dict(key), **self._metrics[seen],
                              **({} if projects is None else {"projects": projects})}
        return [self.rows[k] for k in keys]

    def _sees(self, key: tuple) -> tuple[tuple, int | None]:
        """What the simulation sees at point ``key`` (its lever values, a programme value
        replaced by the projects it carries per plan year) and the projects carried on the
        programme levers' pathways (None without a programme lever)."""
        if key not in self._seen:
            steps = {p for p, _ in key if _is_programme(p) and p not in self.scenario.uncertain}
            if not steps:
                self._seen[key] = (key, None)
            else:
                groups, by_pathway = carried(self.scenario, dict(key))
                projects = sum(by_pathway[name] for path in steps
                               for name in moved_pathways(self.scenario, path))
                self._seen[key] = ((tuple(i for i in key if i[0] not in steps), groups),
                                   projects)
        return self._seen[key]

    def table(self) -> pd.DataFrame:
        """Every evaluation so far, sorted by the lever values."""
        frame = pd.DataFrame(list(self.rows.values()))
        paths = [c for c in frame.columns if c not in METRICS]
        return frame.sort_values(paths).reset_index(drop=True)


def carried(scenario: Scenario, values: Mapping[str, float]) -> tuple[tuple[int, ...],
                                                                      dict[str, int]]:
    """The projects ``scenario`` with ``values`` set carries: the columns of each (pathway,
    plan year) group of its layout (what a programme value changes), and the projects of the
    plan and pipeline per pathway (over-programming rounds each plan year's count:
    ``max(1, round(n × programme))``). Raises what ``with_values`` raises for bad values."""
    from simulator.model.layout import build_layout

    layout = build_layout(with_values(scenario, dict(values), origin="solve"))
    groups = np.bincount(layout.group, minlength=len(layout.group_area))
    originals = layout.originals
    by_pathway = {name: int(np.count_nonzero(originals & (layout.pathway == i)))
                  for i, name in enumerate(layout.pathways)}
    return tuple(int(g) for g in groups), by_pathway


def moved_pathways(scenario: Scenario, path: str) -> list[str]:
    """The pathways a ``programme`` lever at ``path`` moves: its own pathway, or for the
    scenario-wide factor the pathways without a programme of their own."""
    from simulator.inputs.keypath import parse_path

    parts = parse_path(path)
    if len(parts) == 3 and parts[0] == "pathways":
        return [str(parts[1])]
    return [name for name, p in scenario.pathways.items() if p.programme is None]


def solve(
    scenario: Scenario,
    target: str,
    probability: float,
    lever: LeverRange,
    *,
    replications: int = 2000,
    seed: int = 0,
    engine: str = "auto",
    backend: Backend | None = None,
    evaluator: Evaluator | None = None,
    fixed: Mapping[str, float] | None = None,
    tolerance: float = TOLERANCE,
    resolution: float = RESOLUTION,
    refine: bool = True,
) -> SolveResult:
    """The value of ``lever`` at which ``target``'s probability reaches ``probability``.

    Everything else stays as in ``scenario`` (and ``fixed``: other lever values). The first
    scan's points are ``resolution`` × the range apart (see the module's description);
    without ``refine`` the scan is not refined where a hump could hide (a first look).
    Raises ``RunConfigError`` for a probability outside (0, 1), an unknown target or a
    resolution outside (0, 1].
    """
    if not 0 < probability < 1:
        raise RunConfigError(f"--probability must be between 0 and 1 (got {probability:g})")
    if not 0 < resolution <= 1:
        raise RunConfigError(f"resolution must be in (0, 1] of the range (got {resolution:g})")
    if evaluator is None:
        backend = backend or LocalBackend(1)
        evaluator = Evaluator(scenario, target, replications=replications, seed=seed,
                              engine=engine, backend=backend)
    fixed = dict(fixed or {})

    def at(values: list[float]) -> list[dict]:
        return evaluator.evaluate([{**fixed, lever.path: lever.plain(v)} for v in values])

    grid = lever.grid(int(round(1 / resolution)) + 1)
    spacing = (lever.high - lever.low) / max(1, len(grid) - 1) if not lever.integer else (
        max(1.0, float(np.max(np.diff(grid)))) if len(grid) > 1 else 1.0)
    rows = dict(zip(grid, at(grid), strict=True))
    first = np.array([rows[v]["probability"] for v in grid])
    trend = first[-1] - first[0]
    direction = "flat" if trend == 0 and np.ptp(first) == 0 else (
        "increasing" if trend >= 0 else "decreasing")
    sign = -1.0 if direction == "decreasing" else 1.0
    _refine(at, lever, rows, probability, sign,
            budget=REFINE_BUDGET * len(grid) if refine else 0)
    dense = sorted(rows)
    scan = [rows[v] for v in dense]
    p = np.array([r["probability"] for r in scan])
    se = np.array([_se(r) for r in scan])
    steps = sign * np.diff(p)
    noise = 2 * np.sqrt(se[1:] ** 2 + se[:-1] ** 2)
    monotone = bool(np.all(steps >= -noise))
    best_i = int(np.argmax(p))
    best = {"value": dense[best_i], "probability": float(p[best_i]),
            "ci95": [scan[best_i]["ci95_low"], scan[best_i]["ci95_high"]],
            "mean_km2": scan[best_i]["mean_km2"]}
    target_km2 = next(float(t.km2) for t in scenario.targets if t.name == target)

    def result(value, interval, row, reachable, note, step=None) -> SolveResult:
        return SolveResult(target, probability, lever, value, interval,
                           None if row is None else row["probability"],
                           None if row is None else (row["ci95_low"], row["ci95_high"]),
                           reachable, monotone, direction, best, fixed, note,
                           resolution=float(spacing), step=step,
                           mean_km2=None if row is None else row["mean_km2"],
                           target_km2=target_km2, resolution_share=resolution)

    # f(x) ≥ level is the goal; for a decreasing probability the search runs downwards
    ordered = dense if sign > 0 else dense[::-1]
    values = [rows[v]["probability"] for v in ordered]
    if values[0] >= probability:
        row = at([ordered[0]])[0]
        return result(ordered[0], _interval(at, lever, ordered, sign, probability, tolerance),
                      row, True, "already reached at the end of the range where the "
                                 "probability is lowest",
                      _step(lever, ordered[0], None, row, None, scenario, fixed))
    crossing = next((i for i, v in enumerate(values) if v >= probability), None)
    if crossing is None:
        found = (f"the probability is {pct(best['probability'])} all over the range"
                 if direction == "flat" else
                 f"the highest probability found is {pct(best['probability'])} "
                 f"({pct_range(*best['ci95'])}) at {best['value']:g}")
        return result(None, (None, None), None, False,
                      f"out of reach in {lever.low:g}–{lever.high:g}: {found}, scanning "
                      f"every {spacing:.3g} ({len(grid)} points, refined where it changed; "
                      f"a rise above the level narrower than that could be missed)")
    value, below = _bracket(at, lever, ordered[crossing - 1], ordered[crossing],
                            "probability", probability, sign, tolerance, SECTIONS,
                            with_below=True)
    row, below_row = at([value, below])
    note = "" if monotone else (
        "the probability is not monotone in the lever over this range; the answer is its "
        f"first crossing of the level (the highest probability found is "
        f"{pct(best['probability'])} at {best['value']:.3g})")
    # a hump: where, past the crossing, the probability falls back below the level
    back = next((j for j in range(crossing + 1, len(values)) if values[j] < probability), None)
    until = beyond = None
    if back is not None:
        until = _bracket(at, lever, ordered[back], ordered[back - 1], "probability",
                         probability, -sign, tolerance, SECTIONS)
        beyond = float(values[back])
    found = result(value, _interval(at, lever, ordered, sign, probability, tolerance,
                                    SECTIONS), row, True, note,
                   _step(lever, value, below, row, below_row, scenario, fixed))
    return dataclasses.replace(found, until=until, beyond=beyond)


def _se(row: Mapping) -> float:
    """A standard error from a row's 95 % interval."""
    return max((row["ci95_high"] - row["ci95_low"]) / 3.92, 1e-12)


def _refine(at, lever: LeverRange, rows: dict, level: float, sign: float, *,
            budget: int, rounds: int = REFINE) -> None:
    """Halve the scan's intervals where a hump above ``level`` could hide (in place).

    Every interval before the first crossing of the level (in the search's direction) is
    a place a hump could hide — between equal neighbours too (a hump of 3 % of the range
    sat between scan points at 0.42 and 0.41). First those whose ends differ by more than
    twice their combined standard error or whose 95 % intervals hold the level, then the
    others, each group the intervals whose ends come closest to the level first; at most
    ``budget`` evaluations in all, one batch a round.
    """
    spent = 0
    for _ in range(rounds):
        dense = sorted(rows)
        ordered = dense if sign > 0 else dense[::-1]
        crossing = next((i for i, v in enumerate(ordered)
                         if rows[v]["probability"] >= level), len(ordered))
        candidates = []
        for a, b in zip(ordered[:crossing], ordered[1:crossing + 1], strict=False):
            ra, rb = rows[a], rows[b]
            changes = abs(ra["probability"] - rb["probability"]) > 2 * math.hypot(_se(ra),
                                                                                 _se(rb))
            holds = any(r["ci95_low"] <= level <= r["ci95_high"] for r in (ra, rb))
            mid = lever.plain((a + b) / 2)
            if mid in (a, b) or mid in rows:
                continue
            candidates.append((not (changes or holds),
                               -max(ra["probability"], rb["probability"]), mid))
        candidates.sort()
        mids = [m for *_, m in candidates[:max(0, budget - spent)]]
        if not mids:
            return
        rows.update(zip(mids, at(mids), strict=True))
        spent += len(mids)


def _step(lever: LeverRange, value, below, row: Mapping, below_row: Mapping | None,
          scenario: Scenario, fixed: Mapping) -> dict | None:
    """A step lever's answer (None for a continuous lever): the step, its probability and
    the one before; for ``programme`` the projects carried on the lever's pathways there and
    before (``projects``, ``projects_before``) and per pathway (``pathway_projects``)."""
    if not lever.steps:
        return None
    out = {"value": value, "probability": row["probability"],
           "before": below, "probability_before": (None if below_row is None
                                                   else below_row["probability"])}
    if lever.programme:
        out["projects"] = row.get("projects")
        if below_row is not None:
            out["projects_before"] = below_row.get("projects")
        by_pathway = carried(scenario, {**fixed, lever.path: value})[1]
        out["pathway_projects"] = {name: by_pathway[name]
                                   for name in moved_pathways(scenario, lever.path)}
    return out


def _bracket(at, lever: LeverRange, a: float, b: float, metric: str, level: float,
             sign: float, tolerance: float, sections: int = SECTIONS, with_below: bool = False):
    """Narrow (a, b), with metric(a) < level ≤ metric(b), to the first value reaching level.

    k-section: each step evaluates ``sections`` interior points at once. Returns that value
    (and, with ``with_below``, the last value before it that does not reach the level).
    """
    width = 1.0 if lever.integer else tolerance * (lever.high - lever.low)
    k = max(1, sections)
    while abs(b - a) > width:
        inner = [a + (b - a) * (i + 1) / (k + 1) for i in range(k)]
        if lever.integer:
            inner = sorted({lever.plain(v) for v in inner} - {a, b}, reverse=sign < 0)
            if not inner:
                break
        rows = at(inner)
        for v, r in zip(inner, rows, strict=True):
            if r[metric] >= level:
                b = v
                break
            a = v
    if with_below:
        return lever.plain(b), lever.plain(a)
    return lever.plain(b)


def _interval(at, lever, ordered, sign, level, tolerance, sections=SECTIONS):
    """Lever values where the 95 % bounds of the probability cross the level."""
    out = []
    for metric in ("ci95_high", "ci95_low"):  # the upper bound reaches the level first
        values = [r[metric] for r in at(ordered)]
        if values[0] >= level:
            out.append(ordered[0])
            continue
        i = next((i for i, v in enumerate(values) if v >= level), None)
        if i is None:
            out.append(None)  # the lower bound never reaches it: no upper end in the range
            continue
        out.append(_bracket(at, lever, ordered[i - 1], ordered[i], metric, level, sign,
                            tolerance, sections))
    lo, hi = out
    if sign < 0:  # searching downwards: the first crossing is the larger value
        return hi, lo
    return lo, hi


def frontier(
    scenario: Scenario,
    target: str,
    probability: float,
    first: LeverRange,
    second: LeverRange,
    *,
    points: int = 7,
    replications: int = 2000,
    seed: int = 0,
    engine: str = "auto",
    backend: Backend | None = None,
    resolution: float = RESOLUTION,
) -> tuple[list[SolveResult], Evaluator]:
    """Solve ``second`` at ``points`` values of ``first``: the pairs giving ``probability``."""
    backend = backend or LocalBackend(1)
    evaluator = Evaluator(scenario, target, replications=replications, seed=seed,
                          engine=engine, backend=backend)
    out = []
    for value in first.grid(points):
        out.append(solve(scenario, target, probability, second, evaluator=evaluator,
                         fixed={first.path: first.plain(value)}, tolerance=TOLERANCE * 10,
                         resolution=resolution))
    return out, evaluator


def describe(result: SolveResult, unit: str = "") -> str:
    """The answer in plain English: the value and its interval, the probability there, the
    km² the target counts, the step for a step lever, and any note."""
    what = f"{result.target} at {pct(result.level)}"
    where = (" with " + ", ".join(f"{k} = {v:g}" for k, v in result.fixed.items())
             if result.fixed else "")
    if not result.reachable:
        return f"{what}: {result.note}{where}."
    lo, hi = result.interval
    span = (f"{_fmt(lo)}–{_fmt(hi)}" if lo is not None and hi is not None
            else f"from {_fmt(lo)}" if lo is not None else "?")
    relation = "≤" if result.direction == "decreasing" else "≥"
    if result.until is not None:  # a hump: say the interval, not a bare threshold
        low, high = sorted((result.value, result.until))
        text = (f"{what} needs {result.lever.path} between {_fmt(low)} and {_fmt(high)}{unit}"
                f"{where} (the first crossing's 95% interval {span}; beyond "
                f"{_fmt(result.until)} the probability falls back to {pct(result.beyond)}); "
                f"the probability at {_fmt(result.value)} is {pct(result.probability)} "
                f"({pct_range(*result.ci95)}).")
    else:
        text = (f"{what} needs {result.lever.path} {relation} {_fmt(result.value)}{unit}"
                f"{where} (95% interval {span}); the probability there is "
                f"{pct(result.probability)} ({pct_range(*result.ci95)}).")
    text += "".join(" " + part for part in answer_details(result, "en"))
    if result.note:
        text += f" Note: {result.note}."
    return text


def answer_details(result: SolveResult, lang: str) -> list[str]:
    """Sentences in ``lang`` that follow a reachable answer: the mean km² the target counts
    there, and for a step lever the step (whole steps, or whole projects for programme)."""
    from simulator.report.formatting import num
    from simulator.report.i18n import t

    out = []
    if result.mean_km2 is not None and result.target_km2 is not None:
        out.append(t("solve.km2", lang, km2=num(result.mean_km2, 1),
                     target_km2=f"{result.target_km2:g}"))
    if result.step is not None:
        out.append(step_text(result.step, result.direction, lang))
    return out


def step_text(step: Mapping, direction: str, lang: str = "en") -> str:
    """A step lever's answer in ``lang``: "It moves in whole projects: 1.64 × — the 94th
    project; 80.6% there, 78.1% one project fewer" for ``programme`` (``step`` as in
    solve.json), or the first whole step reaching the level and the step before it."""
    from simulator.report.i18n import t

    value, there = _fmt(step["value"]), pct(step["probability"])
    before = step.get("probability_before")
    projects = step.get("projects")
    if projects is not None:
        which = _which_projects(projects, step.get("projects_before"), lang)
        if before is None:
            return t("solve.step_projects_first", lang, value=value, which=which, p=there)
        fewer = _fewer(projects, step.get("projects_before"), lang)
        if fewer is not None:
            return t("solve.step_projects", lang, value=value, which=which, p=there,
                     p_before=pct(before), fewer=fewer)
    if before is None:
        return t("solve.step_first", lang, value=value, p=there)
    lower = t("solve.higher" if direction == "decreasing" else "solve.lower", lang)
    return t("solve.step_whole", lang, value=value, p=there, p_before=pct(before),
             lower=lower)


def _which_projects(projects: int, before: int | None, lang: str) -> str:
    """"the 94th project", or "the 57th to 62nd projects" when the step adds several at once
    (plan years rounded alike), in ``lang``."""
    from simulator.report.i18n import t

    if before is not None and before + 1 < projects:
        return t("solve.nth_projects", lang, first=_ordinal(before + 1), last=_ordinal(projects),
                 n_first=f"{before + 1:,}", n=f"{projects:,}")
    return t("solve.nth_project", lang, nth=_ordinal(projects), n=f"{projects:,}")


def _fewer(projects: int, before: int | None, lang: str) -> str | None:
    """"one project fewer", "3 projects more" (in ``lang``): the step before against this
    one; None when the count before is unknown or the same."""
    from simulator.report.i18n import t

    if before is None or before == projects:
        return None
    k = abs(projects - before)
    key = "solve.fewer" if before < projects else "solve.more"
    return t(key + "_one", lang) if k == 1 else t(key, lang, k=f"{k:,}")


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 94th, 1,002nd."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def evaluation_rows(table: pd.DataFrame, paths: list[str], lang: str = "en") -> pd.DataFrame:
    """The evaluations for people (terminal and report), from :meth:`Evaluator.table`:
    headers in words, each lever value once (with the digits that tell the values apart),
    sorted by lever value, probabilities and intervals as % (the run table's formatter),
    mean km² to 0.1 and projects carried for a programme lever. Text cells throughout;
    evaluations.csv keeps the machine columns."""
    from simulator.report.formatting import num
    from simulator.report.i18n import t

    frame = table.sort_values(paths).reset_index(drop=True)  # one row a value (Evaluator)
    out = pd.DataFrame(index=frame.index)
    for path in paths:
        header = t("col.lever_value", lang) if len(paths) == 1 else path
        out[header] = _distinct_labels(list(frame[path]))
    if "projects" in frame.columns and frame["projects"].notna().any():
        out[t("col.projects", lang)] = ["" if pd.isna(v) else f"{int(v):,}"
                                        for v in frame["projects"]]
    out[t("col.p_target", lang)] = [pct(v) for v in frame["probability"]]
    out[t("col.ci95", lang)] = [pct_range(lo, hi) for lo, hi in
                                zip(frame["ci95_low"], frame["ci95_high"], strict=True)]
    out[t("col.mean_counted", lang)] = [num(v, 1) for v in frame["mean_km2"]]
    return out


def _distinct_labels(values: list) -> list[str]:
    """``values`` as text with the fewest significant digits (3 to :data:`SIGNIFICANT`)
    that keep distinct values distinct: 2.203 and 2.2031 are not both shown as 2.2."""
    for digits in range(3, SIGNIFICANT + 1):
        labels = [_fmt(v, digits) for v in values]
        if len(set(labels)) == len(set(values)):
            return labels
    return [repr(v) for v in values]


def _fmt(value, digits: int = 3) -> str:
    """A lever value for a sentence: whole numbers as they are, others to ``digits``
    significant digits; None is beyond the range."""
    if value is None:
        return "beyond the range"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{value:.{digits}g}"


def write_solve(
    out,
    scenario: Scenario,
    evaluator: Evaluator,
    answers: list[SolveResult],
    levers: list[LeverRange],
    *,
    langs: tuple[str, ...] = ("en",),
    command: list[str] | None = None,
    wall_seconds: float | None = None,
    force: bool = False,
    inputs=(),
):
    """Write a solve's folder atomically; returns its path.

    Files: solve.json (the answer: value, interval, probability, reachable, …; with two
    levers a ``frontier`` list), evaluations.csv, frontier.csv (two levers), solve.md (the
    answer in a sentence), charts/ (PNG and SVG) and report.html (report.zh.html).
    """
    import json
    from pathlib import Path

    from simulator import __version__
    from simulator.run.output import replace_folder

    level = answers[0].level
    single = len(levers) == 1
    main = answers[0] if single else None
    reachable = any(a.reachable for a in answers)
    data = {
        "format_version": 1,
        "scenario": scenario.name,
        "scenario_sha256": scenario.digest(),
        "target": evaluator.target,
        "probability_wanted": level,
        "levers": [{"path": lv.path, "min": lv.low, "max": lv.high, "integer": lv.integer}
                   for lv in levers],
        "value": main.value if main else None,
        "interval": list(main.interval) if main else None,
        "probability": main.probability if main else None,
        "ci95": list(main.ci95) if main and main.ci95 else None,
        "reachable": reachable,
        "monotone": all(a.monotone for a in answers),
        "direction": main.direction if main else None,
        "best": main.best if main else None,
        "resolution": main.resolution if main else answers[0].resolution,
        "step": main.step if main else None,
        "mean_km2": main.mean_km2 if main else None,
        "target_km2": answers[0].target_km2,
        "resolution_share": answers[0].resolution_share,
        "note": main.note if main else "",
        "answer": describe(main) if main else _frontier_text(answers, levers),
        **({} if single else {"frontier": [a.as_dict() for a in answers]}),
        "replications": evaluator.replications,
        "seed": evaluator.seed,
        "engine": evaluator.engine,
        "evaluations": len(evaluator.rows),
        "simulations": evaluator.runs,
        "landsim_version": __version__,
        "command": command,
        "wall_seconds": wall_seconds,
    }
    table = evaluator.table()
    frontier = None if single else _frontier_frame(answers, levers)

    def build(tmp: Path) -> None:
        (tmp / "solve.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
        # lever values to the digits that tell them apart (a k-section's are close)
        table.to_csv(tmp / "evaluations.csv", index=False, float_format=f"%.{SIGNIFICANT}g")
        if frontier is not None:
            frontier.to_csv(tmp / "frontier.csv", index=False, float_format="%.6g")
        (tmp / "solve.md").write_text(_markdown(scenario.name, data["answer"], table, answers,
                                                levers), encoding="utf-8")
        for lang in langs:
            _write_report(tmp, scenario, data, table, frontier, answers, levers, lang)

    return replace_folder(Path(out), build, kind="solve", force=force, inputs=inputs)


def _frontier_frame(answers: list[SolveResult], levers: list[LeverRange]) -> pd.DataFrame:
    first, second = levers
    return pd.DataFrame([{
        first.path: a.fixed[first.path], "value": a.value,
        "interval_low": a.interval[0], "interval_high": a.interval[1],
        "probability": a.probability, "reachable": a.reachable,
    } for a in answers])


def _frontier_text(answers: list[SolveResult], levers: list[LeverRange]) -> str:
    first, second = levers
    pairs = [f"{first.path} = {a.fixed[first.path]:g} → {second.path} = {_fmt(a.value)}"
             for a in answers if a.reachable]
    level = answers[0].level
    if not pairs:
        return (f"{answers[0].target} does not reach {pct(level)} anywhere on the grid of "
                f"{first.path} within {second.path}'s range.")
    return (f"{answers[0].target} at {pct(level)}: " + "; ".join(pairs) + ".")


def frontier_rows(answers: list[SolveResult], levers: list[LeverRange],
                  lang: str = "en") -> pd.DataFrame:
    """The frontier for people: each value of the first lever, the second's answer (or out
    of reach) and its 95 % interval, and the probability there with its interval (%)."""
    from simulator.report.i18n import t

    first, second = levers
    return pd.DataFrame([{
        first.path: _fmt(a.fixed[first.path], SIGNIFICANT),
        second.path: _fmt(a.value) if a.reachable else t("solve.out_of_reach", lang),
        t("solve.interval", lang): (f"{_fmt_lang(a.interval[0], lang)}–"
                                    f"{_fmt_lang(a.interval[1], lang)}" if a.reachable else ""),
        t("col.p_target", lang): pct(a.probability) if a.reachable else "",
        t("col.ci95", lang): pct_range(*a.ci95) if a.reachable else "",
    } for a in answers])


def _markdown(name: str, answer: str, table: pd.DataFrame, answers: list[SolveResult],
              levers: list[LeverRange]) -> str:
    """solve.md: the answer in sentences, then the frontier (two levers) and the
    evaluations as Markdown tables with the report's headers and formats."""
    tables = [] if len(levers) == 1 else [frontier_rows(answers, levers)]
    tables.append(evaluation_rows(table, [lv.path for lv in levers]))
    parts = [f"# {name}: what it would take\n\n{answer}\n"]
    for frame in tables:
        head = "| " + " | ".join(map(str, frame.columns)) + " |"
        rule = "|" + "|".join("---" if i == 0 else "---:" for i in range(frame.shape[1])) + "|"
        rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
        parts.append("\n".join([head, rule, *rows]) + "\n")
    return "\n".join(parts)


def _write_report(folder, scenario, data, table, frontier, answers, levers, lang):
    from simulator.report.charts import save_chart
    from simulator.report.i18n import scenario_name, t
    from simulator.report.solve_charts import frontier_chart, solve_chart
    from simulator.report.study_report import StudyPage, write_study_report
    from simulator.report.style import chart_style

    charts_dir = folder / ("charts" if lang == "en" else f"charts-{lang}")
    charts_dir.mkdir()
    level, target = data["probability_wanted"], data["target"]
    caption = t("caption", lang, name=scenario_name(scenario, lang), n=f"{data['replications']:,}",
                seed=data["seed"])
    lever = levers[-1]
    with chart_style(lang):
        if len(levers) == 1:
            ax = solve_chart(table, lever.path, level, data["value"], tuple(data["interval"]),
                             label=lever.path, target=target, lang=lang)
            charts = [save_chart(ax, charts_dir, "solve", caption)]
        else:
            ax = frontier_chart(frontier, levers[0].path, lever.path, level,
                                first_label=levers[0].path, second_label=lever.path,
                                target=target, lang=lang)
            charts = [save_chart(ax, charts_dir, "frontier", caption)]
    design = t("solve.design", lang, scenario=scenario.name, target=target, p=pct(level),
               lever=", ".join(lv.path for lv in levers),
               low=" / ".join(f"{lv.low:g}" for lv in levers),
               high=" / ".join(f"{lv.high:g}" for lv in levers),
               n=f"{data['replications']:,}", seed=data["seed"])
    answer = answers[0]
    sep = " " if lang == "en" else ""  # Chinese sentences follow one another without a space
    if len(levers) == 2:
        headline, value = data["answer"], None
    elif answer.reachable:
        lo, hi = answer.interval
        interval = f"{_fmt_lang(lo, lang)}–{_fmt_lang(hi, lang)}"
        headline = t("solve.found", lang, target=target, p=pct(level), lever=lever.path,
                     value=_fmt(answer.value), interval=interval,
                     rel="≤" if answer.direction == "decreasing" else "≥",
                     got=(f"{pct(answer.probability)} ({pct_range(*answer.ci95)})"
                          if lang == "en" else  # full-width brackets in Chinese
                          f"{pct(answer.probability)}（{pct_range(*answer.ci95)}）"))
        value = answer.value
        headline += "".join(sep + part for part in answer_details(answer, lang))
    else:
        headline = t("solve.unreachable", lang, target=target, p=pct(level), lever=lever.path,
                     low=f"{lever.low:g}", high=f"{lever.high:g}",
                     best=pct(answer.best["probability"]), value=f"{answer.best['value']:g}")
        headline += sep + t("solve.scanned", lang, r=f"{answer.resolution:.3g}")
        value = None
    if not data["monotone"]:
        headline += sep + t("solve.not_monotone", lang)
    tables = [(t("section.evaluations", lang),
               evaluation_rows(table, [lv.path for lv in levers], lang))]
    if len(levers) == 2:
        tables.insert(0, (t("solve.frontier_title", lang, target=target, p=pct(level)),
                          frontier_rows(answers, levers, lang)))
    manifest = {t("manifest.version", lang): data["landsim_version"],
                t("manifest.seed", lang): data["seed"],
                t("manifest.replications", lang): f"{data['replications']:,}",
                t("manifest.hash", lang): data["scenario_sha256"],
                t("manifest.command", lang): " ".join(data["command"] or []) or "–"}
    page = StudyPage(t("solve.report_title", lang) + f" — {scenario.name}", design, headline,
                     value, tables, charts, manifest, scenario=scenario)
    write_study_report(folder, page, lang)


def _fmt_lang(value, lang: str) -> str:
    from simulator.report.i18n import t

    return t("solve.beyond", lang) if value is None else _fmt(value)
