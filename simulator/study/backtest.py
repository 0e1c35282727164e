"""Backtests: how good landsim's forecasts have been on outcomes that are known.

A cases file lists forecasts made from what was knowable at the time (a scenario each)
and the value later observed. For each case: the forecast distribution of the quantity
(release of some pathways, or in total, over some years, km²), the observed value's PIT
(its mid-rank quantile in the forecast: (#below + ½ #equal) / R), whether it fell in the
central 50 / 80 / 95 % intervals, and the CRPS (``scoringrules.crps_ensemble``, a
maintained implementation of the ensemble CRPS). Over all cases: interval coverage, a PIT
histogram and the mean CRPS against a naive reference forecast — "the plan is met exactly",
a point forecast whose CRPS is |plan − observed| — as a skill score 1 − CRPS / CRPS_ref.

Out of sample (``--loo``, :func:`run_loo`): the cases file's ``priors`` are put on every case
scenario that has their key paths, and each case is forecast from a posterior calibrated on
all the *other* cases — the calibration's importance sampling (:mod:`simulator.study.calibrate`)
with a joint likelihood: replication r draws θ_r (the same for every case: one stream per key
path) and simulates every case; its weight for held-out case i is Π_{j≠i} N(obs_j; q_j(r), σ_j²).
The held-out case is then simulated under the resampled posterior with fresh random inputs.
The same with all cases in the weight is the *in-sample* calibrated backtest, for comparison.
Besides PIT, coverage (with Wilson intervals) and CRPS, the probabilities landsim publishes —
P(the target is met) — are scored with the Brier score and a reliability table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

from simulator.inputs.distributions import DistributionSpec
from simulator.inputs.errors import Problem, ScenarioError, did_you_mean
from simulator.inputs.scenario import KEY_PATTERN, Scenario, load_scenario
from simulator.inputs.uncertain import UNDEFINED_ERROR, ObservationError
from simulator.inputs.validation import validate_document, without_unset
from simulator.inputs.yamlsource import read_yaml

if TYPE_CHECKING:
    from simulator.study.loo import Loo

__all__ = ["AtLeast", "Backtest", "CaseResult", "CasesFile", "load_cases", "run_backtest",
           "with_reference_class", "write_backtest"]

LEVELS = (0.5, 0.8, 0.95)
RELIABILITY_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
OWN_OUTCOME = "own-outcome"
"""The ``related`` key of a case whose target was back-calculated from its own outcome."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Quantity(_Model):
    """What a case forecasts: release in ``years`` of ``pathways`` (default: all), km² —
    of one ``district`` only, if given (a district case: the district's release inside its
    scenario)."""

    years: list[Annotated[int, Field(ge=1900, le=2200)]] = Field(min_length=1, max_length=50)
    pathways: list[str] | None = Field(None, min_length=1)
    district: str | None = Field(None, min_length=1, max_length=64,
                                 description="Count only this district's release.")

    @model_serializer(mode="wrap")
    def _without_unset_district(self, handler):
        # unset, so cases files written before districts keep their digest
        return without_unset(handler(self), ("district",))


class AtLeast(_Model):
    """An outcome published only as met, exceeded or "at least x" (超额完成): a censored
    observation, the true value ≥ ``at_least`` km²."""

    at_least: float = Field(ge=0, le=1e6, description="The value the outcome is known to reach, km².")


class Case(_Model):
    """One forecast and the value observed later."""

    name: str = Field(pattern=KEY_PATTERN, max_length=64)
    scenario: str = Field(max_length=300, description="Scenario file, relative to the cases file.")
    quantity: Quantity
    observed: Annotated[float, Field(ge=0, le=1e6)] | AtLeast = Field(
        description="The value observed, km²; or {at_least: x} for an outcome published only "
                    "as reaching x (censored).")
    reference: float | None = Field(
        None, ge=0, description="Naive forecast (default: the plan for the quantity, km²).")
    related: dict[Annotated[str, Field(pattern=KEY_PATTERN, max_length=64)],
                  Annotated[str, Field(max_length=300)]] = Field(
        default_factory=dict,
        description="Cases this one is not independent of, and why (same year, one a subset "
                    "of the other); the key own-outcome: its target was back-calculated from "
                    "its own outcome.")

    @property
    def censored(self) -> bool:
        """Whether the outcome is known only to reach a value (``observed: {at_least: x}``)."""
        return isinstance(self.observed, AtLeast)

    @property
    def value(self) -> float:
        """The observed km², or for a censored outcome the km² it is known to reach."""
        return self.observed.at_least if self.censored else float(self.observed)


class CasesFile(_Model):
    """A backtest's cases file."""

    name: str = Field(pattern=KEY_PATTERN, max_length=64)
    description: str = ""
    replications: int = Field(4000, ge=100, le=1_000_000)
    cases: list[Case] = Field(min_length=1, max_length=200)
    priors: dict[Annotated[str, Field(max_length=200)], DistributionSpec] = Field(
        default_factory=dict,
        description="For --loo: key path → prior, put on every case scenario that has the path.")
    error: ObservationError = Field(
        default_factory=lambda: ObservationError(relative=0.10),
        description="For --loo: observation error of every outcome (default 10 %).")

    @field_validator("cases")
    @classmethod
    def _unique_names(cls, cases: list[Case]) -> list[Case]:
        seen: set[str] = set()
        for case in cases:
            if case.name in seen:
                raise ValueError(f"two cases are named {case.name!r}; each case needs a name "
                                 "of its own (results, related: and loo.csv are keyed by it)")
            seen.add(case.name)
        return cases

    @model_validator(mode="after")
    def _error_spread(self):
        if self.priors:  # the error is used only by --loo, which needs the priors
            for case in self.cases:
                if not self.error.defined_for(case.value):
                    raise ValueError(f"case {case.name}: observed {UNDEFINED_ERROR}")
        return self


@dataclass(frozen=True)
class CaseResult:
    """One case's forecast and scores."""

    case: Case
    scenario: Scenario
    forecast: np.ndarray  # (R,) km²
    reference: float
    # the reference-class (outside-view) forecast: other cases' outcome ÷ plan × this plan
    outside: np.ndarray | None = None

    @property
    def pit(self) -> float:
        """Mid-rank PIT of the observed value in the forecast (0 … 1); NaN for a censored
        outcome (only its lower end is known)."""
        if self.case.censored:
            return math.nan
        x, y = self.forecast, self.case.value
        return float((np.sum(x < y) + 0.5 * np.sum(x == y)) / x.size)

    def interval(self, level: float) -> tuple[float, float]:
        """The central ``level`` interval of the forecast, km²."""
        a = (1 - level) / 2
        lo, hi = np.quantile(self.forecast, [a, 1 - a])
        return float(lo), float(hi)

    def covered(self, level: float) -> bool | None:
        """Whether the observed value fell in the central ``level`` interval (None: censored)."""
        if self.case.censored:
            return None
        lo, hi = self.interval(level)
        return lo <= self.case.value <= hi

    @property
    def crps(self) -> float:
        """CRPS of the forecast ensemble at the observed value, km² (NaN: censored)."""
        import scoringrules

        if self.case.censored:
            return math.nan
        return float(scoringrules.crps_ensemble(self.case.value, self.forecast))

    @property
    def target(self) -> float:
        """The km² whose odds landsim would publish for the case: its reference (the plan)."""
        return self.reference

    @property
    def probability(self) -> float:
        """Forecast probability that the target is met."""
        return float(np.mean(self.forecast >= self.target - 1e-9))

    @property
    def met(self) -> bool:
        """Whether the outcome met the target."""
        return bool(self.case.value >= self.target - 1e-9)

    @property
    def crps_reference(self) -> float:
        """CRPS of the naive point forecast, |reference − observed|, km² (NaN: censored)."""
        return math.nan if self.case.censored else abs(self.reference - self.case.value)

    @property
    def crps_reference_class(self) -> float:
        """CRPS of the reference-class forecast, km² (NaN: censored, or no class)."""
        import scoringrules

        if self.case.censored or self.outside is None or self.outside.size == 0:
            return math.nan
        return float(scoringrules.crps_ensemble(self.case.value, self.outside))

    @property
    def pit_reference_class(self) -> float:
        """Mid-rank PIT of the outcome in the reference-class forecast (NaN: censored)."""
        if self.case.censored or self.outside is None or self.outside.size == 0:
            return math.nan
        x, y = self.outside, self.case.value
        return float((np.sum(x < y) + 0.5 * np.sum(x == y)) / x.size)

    @property
    def probability_reference_class(self) -> float:
        """The reference class's probability that the target is met (NaN: no class)."""
        if self.outside is None or self.outside.size == 0:
            return math.nan
        return float(np.mean(self.outside >= self.target - 1e-9))

    @property
    def known_met(self) -> bool:
        """Whether we know if the target was met: always for a point outcome; for a censored
        one only when what it is known to reach meets the target."""
        return not self.case.censored or self.met

    def row(self) -> dict:
        """cases.csv's row."""
        q = np.quantile(self.forecast, [0.05, 0.1, 0.5, 0.9, 0.95])
        out = {"case": self.case.name, "scenario": self.scenario.name,
               "years": " ".join(map(str, self.case.quantity.years)),
               "pathways": " ".join(self.case.quantity.pathways or ["all"]),
               "district": self.case.quantity.district or "",
               "observed": self.case.value,
               "censored": "at least" if self.case.censored else "",
               "reference": self.reference,
               "forecast_mean": float(self.forecast.mean()), "forecast_p05": q[0],
               "forecast_p10": q[1], "forecast_p50": q[2], "forecast_p90": q[3],
               "forecast_p95": q[4], "pit": self.pit}
        for level in LEVELS:
            out[f"in{round(level * 100)}"] = self.covered(level)
        out["crps"] = self.crps
        out["crps_reference"] = self.crps_reference
        out["crps_reference_class"] = self.crps_reference_class
        out["pit_reference_class"] = self.pit_reference_class
        out["probability_met"] = self.probability
        out["probability_met_reference_class"] = self.probability_reference_class
        out["met"] = self.met
        out["related"] = "; ".join(f"{k}: {v}" for k, v in self.case.related.items())
        return out


@dataclass(frozen=True)
class Backtest:
    """All cases of a backtest, with the scores over all of them."""

    spec: CasesFile
    results: list[CaseResult]
    seed: int
    loo: Loo | None = None
    replications: int = 0  # of each case's forecast (0: the cases file's)

    def __post_init__(self):
        if not self.replications:
            object.__setattr__(self, "replications", self.spec.replications)

    def table(self) -> pd.DataFrame:
        """One row per case (cases.csv)."""
        return pd.DataFrame([r.row() for r in self.results])

    def reliability(self, which: str = "defaults") -> list[dict]:
        """Reliability rows (forecast-probability bins with cases) of the ``defaults``,
        ``in sample`` or ``leave-one-out`` forecasts; raises ``ValueError`` without them."""
        if which == "defaults":
            results = self.results
        elif self.loo is not None and which in ("in sample", "leave-one-out"):
            results = self.loo.in_sample if which == "in sample" else self.loo.loo
        else:
            raise ValueError(f"no {which!r} forecasts in this backtest")
        return [r for r in scores(results)["reliability"] if r["cases"]]

    def summary(self) -> dict:
        """backtest.json: coverage by level, PIT histogram, mean CRPS and skill against both
        references ("the plan is met exactly" and the reference class), Brier scores."""
        table = self.table()
        block = scores(self.results)
        return {
            "name": self.spec.name, "cases": _records(table),
            "n_cases": len(table), "n_censored": block["n_censored"], "seed": self.seed,
            "replications": self.replications,
            "coverage": {f"{round(level * 100)}": block[f"coverage{round(level * 100)}"]
                         for level in LEVELS},
            "pit_histogram": {"edges": [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                              "counts": block["pit_histogram"]},
            "mean_pit": block["mean_pit"],
            "mean_crps": block["crps"], "mean_crps_reference": block["crps_reference"],
            "skill": block["skill"],
            "reference": "the plan is met exactly (a point forecast at the planned km²)",
            "mean_crps_reference_class": block["crps_reference_class"],
            "skill_reference_class": block["skill_reference_class"],
            "reference_class": "the other cases' outcome ÷ plan, times this case's plan "
                               "(out of sample)",
            "brier": block["brier"], "brier_reference": block["brier_reference"],
            "brier_reference_class": block["brier_reference_class"],
            "independence": independence(self.spec),
            **({"in_sample": self.loo.summary("in_sample"), "loo": self.loo.summary("loo")}
               if self.loo is not None else {}),
        }


def _records(table: pd.DataFrame) -> list[dict]:
    """A table's rows for JSON: NaN (no score: a censored outcome) as null."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")]


def with_reference_class(results: Sequence[CaseResult], *, own: bool = False,
                         pool: Sequence[CaseResult] | None = None) -> list[CaseResult]:
    """``results`` with each case's reference-class (outside-view) forecast: the outcome ÷
    plan of the *other* point-observed cases of ``pool`` (default ``results``; ``own``: all
    of them, in sample) times this case's plan (Flyvbjerg's reference-class forecasting)."""
    import dataclasses

    pool = results if pool is None else pool
    ratios = {r.case.name: r.case.value / r.reference for r in pool
              if not r.case.censored and r.reference > 0}
    return [dataclasses.replace(r, outside=np.array(
        [v for name, v in ratios.items() if own or name != r.case.name]) * r.reference)
        for r in results]


def _mean(values) -> float | None:
    values = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    return float(values.mean()) if values.size else None


def _skill(crps: float | None, ref: float | None) -> float | None:
    return (1 - crps / ref) if crps is not None and ref is not None and ref > 0 else None


def scores(results: Sequence[CaseResult]) -> dict:
    """Scores over ``results``: mean PIT, coverage with 95 % Wilson intervals, CRPS and skill,
    Brier score of P(target met) — of landsim and of the two references, "the plan is met
    exactly" (which says the target is met for sure) and the reference class — and a
    reliability table (forecast probability bins against the frequency met).

    A censored outcome (``at_least``) has no PIT, interval or CRPS: it counts in the Brier
    scores where it tells whether the target was met.
    """
    from simulator.study.weighted import wilson

    n = len(results)
    point = [r for r in results if not r.case.censored]
    pits = np.array([r.pit for r in point])
    crps = _mean(r.crps for r in point)
    ref = _mean(r.crps_reference for r in point)
    outside = _mean(r.crps_reference_class for r in point)
    known = [r for r in results if r.known_met]
    p = np.array([r.probability for r in known])
    o = np.array([r.met for r in known], dtype=float)
    po = np.array([r.probability_reference_class for r in known])
    out: dict = {"n": n, "n_point": len(point), "n_censored": n - len(point),
                 "mean_pit": float(pits.mean()) if pits.size else None,
                 "pit_histogram": np.histogram(pits, bins=5, range=(0, 1))[0].tolist()}
    for level in LEVELS:
        k = sum(bool(r.covered(level)) for r in point)
        key = f"coverage{round(level * 100)}"
        out[key] = k / len(point) if point else None
        out[f"{key}_ci95"] = list(wilson(k / len(point), len(point))) if point else None
    out.update({"crps": crps, "crps_reference": ref,
                "skill": _skill(crps, ref),
                "crps_reference_class": outside,
                "skill_reference_class": _skill(crps, outside),
                "mean_pit_reference_class": _mean(r.pit_reference_class for r in point),
                "brier": float(np.mean((p - o) ** 2)) if known else None,
                "brier_reference": float(np.mean((1.0 - o) ** 2)) if known else None,
                "brier_reference_class": (float(np.nanmean((po - o) ** 2))
                                          if known and np.isfinite(po).any() else None),
                "reliability": [
                    {"bin": [lo, hi], "cases": int(m.sum()),
                     "mean_probability": float(p[m].mean()) if m.any() else None,
                     "frequency_met": float(o[m].mean()) if m.any() else None}
                    for lo, hi in zip(RELIABILITY_EDGES[:-1], RELIABILITY_EDGES[1:], strict=True)
                    for m in [(p >= lo) & ((p < hi) if hi < 1 else (p <= hi))]],
                "biased": bool(pits.size) and not 0.3 <= float(pits.mean()) <= 0.7})
    return out


def load_cases(path: str | Path) -> tuple[CasesFile, list[Scenario]]:
    """Read a cases file and every scenario it names. Raises ``ScenarioError`` (file, line,
    key path) for a bad file, a missing scenario, or a quantity the scenario cannot give."""
    path = Path(path)
    source = read_yaml(path)
    spec = validate_document(CasesFile, source)
    scenarios, problems = [], []
    for i, case in enumerate(spec.cases):
        where = ("cases", i)
        file = (path.parent / case.scenario)
        if not file.is_file():
            problems.append(Problem(f"cases[{i}].scenario", f"no scenario file {file}",
                                    str(path), source.line_of(where + ("scenario",))))
            continue
        scenario = load_scenario(file)
        for year in case.quantity.years:
            if year not in scenario.years:
                problems.append(Problem(f"cases[{i}].quantity.years",
                                        f"{year} is outside {scenario.name}'s horizon "
                                        f"{scenario.horizon.start}–{scenario.horizon.end}",
                                        str(path), source.line_of(where + ("quantity",))))
        district = case.quantity.district
        if district is not None and district not in scenario.district_names:
            known = scenario.district_names
            problems.append(Problem(
                f"cases[{i}].quantity.district",
                f"'{district}' is not a district of {scenario.name}"
                f"{did_you_mean(district, known)}"
                + (f"; its districts: {', '.join(known)}" if known else
                   "; it has none (give its pathways districts: {NAME: share, …})"),
                str(path), source.line_of(where + ("quantity",))))
        for name in case.quantity.pathways or []:
            if name not in scenario.pathways:
                problems.append(Problem(f"cases[{i}].quantity.pathways",
                                        f"'{name}' is not a pathway of {scenario.name} "
                                        f"({', '.join(scenario.pathways)})",
                                        str(path), source.line_of(where + ("quantity",))))
        scenarios.append(scenario)
        for other in case.related:
            if other == OWN_OUTCOME:
                continue
            if other not in {c.name for c in spec.cases} or other == case.name:
                problems.append(Problem(f"cases[{i}].related.{other}",
                                        f"'{other}' is not another case of this file",
                                        str(path), source.line_of(where + ("related", other))))
    if not problems and spec.priors:
        for path_, _ in spec.priors.items():
            if not any(_applies(s, path_) for s in scenarios):
                problems.append(Problem(f"priors.{path_}", f"no case scenario can make "
                                        f"'{path_}' uncertain", str(path),
                                        source.line_of(("priors", path_))))
    if problems:
        raise ScenarioError(problems)
    return spec, scenarios


def _applies(scenario: Scenario, path: str) -> bool:
    from simulator.inputs.uncertain import uncertain_key

    try:
        uncertain_key(scenario.resolved(), path)
    except (ValueError, LookupError, KeyError, IndexError, TypeError):
        return False
    return True


def with_priors(scenario: Scenario, priors: dict) -> Scenario:
    """``scenario`` with the ``priors`` whose key paths it has added to its ``uncertain``."""
    from simulator.inputs.scenario import scenario_from_dict

    chosen = {p: d for p, d in priors.items() if _applies(scenario, p)}
    if not chosen:
        return scenario
    data = scenario.resolved()
    data["uncertain"] = {**data["uncertain"],
                         **{p: d.model_dump(mode="python") for p, d in chosen.items()}}
    return scenario_from_dict(data, file=scenario.file)


def _quantity(scenario: Scenario, quantity: Quantity, outcome) -> np.ndarray:
    """(R,) the case's quantity in each replication of ``outcome`` (a ChunkOutcome), km²."""
    names = list(scenario.pathways)
    rows = [y - scenario.horizon.start for y in quantity.years]
    if quantity.district is not None:
        from simulator.model.places import cells_in, place_cells

        cells, _ = place_cells(scenario)
        chosen = [names.index(p) for p in quantity.pathways] if quantity.pathways else None
        cols = cells_in(cells, scenario.district_names.index(quantity.district), chosen)
        return outcome.places[:, rows][:, :, cols].sum(axis=(1, 2))
    cols = [names.index(p) for p in quantity.pathways] if quantity.pathways else slice(None)
    return outcome.annual[:, rows][:, :, cols].sum(axis=(1, 2))


def _planned(scenario: Scenario, quantity: Quantity) -> float:
    """The plan for the quantity, km² (a district's: each pathway's plan × its share)."""
    chosen = quantity.pathways or list(scenario.pathways)
    def share(p: str) -> float:
        if quantity.district is None:
            return 1.0
        return (scenario.districts_of(p) or {}).get(quantity.district, 0.0)
    return float(sum(scenario.pathways[p].plan.get(y, 0.0) * share(p)
                     for p in chosen for y in quantity.years))


def run_backtest(spec: CasesFile, scenarios: Sequence[Scenario], *, seed: int = 0,
                 replications: int | None = None,
                 progress: Callable[[int], None] | None = None) -> Backtest:
    """Forecast every case (fast engine, ``replications`` each, default the file's) and score it."""
    from simulator.run.montecarlo import simulate

    n = replications or spec.replications
    results = []
    for case, scenario in zip(spec.cases, scenarios, strict=True):
        result = simulate(scenario, replications=n, seed=seed, engine="fast", workers=1,
                          keep_replications=True)  # the forecast distribution itself
        forecast = _quantity(scenario, case.quantity, result.outcome)
        reference = case.reference if case.reference is not None else _planned(
            scenario, case.quantity)
        results.append(CaseResult(case, scenario, forecast, reference))
        if progress is not None:
            progress(1)
    return Backtest(spec, with_reference_class(results), seed, replications=n)


def cases_digest(spec: CasesFile, scenarios: Sequence[Scenario]) -> str:
    """SHA-256 of a cases file and every case scenario: identifies what a backtest's
    posterior was calibrated on."""
    import hashlib

    text = json.dumps({"cases": spec.model_dump(mode="json"),
                       "scenarios": [s.digest() for s in scenarios]}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def independence(spec: CasesFile) -> dict:
    """Which cases are not independent of which, and why (from the cases' ``related``)."""
    pairs = sorted({tuple(sorted((c.name, o))) for c in spec.cases for o in c.related
                    if o != OWN_OUTCOME})
    why = {(c.name, o): w for c in spec.cases for o, w in c.related.items()}
    linked = {name for p in pairs for name in p}
    return {"pairs": [{"cases": list(p), "why": why.get(p) or why.get(p[::-1])} for p in pairs],
            "target_from_outcome": {c.name: c.related[OWN_OUTCOME] for c in spec.cases
                                    if OWN_OUTCOME in c.related},
            "independent_cases": [c.name for c in spec.cases
                                  if c.name not in linked and OWN_OUTCOME not in c.related]}


def _fmt(value: float | None, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def sentence(found: Backtest, lang: str = "en") -> str:
    """The backtest's finding in one plain sentence."""
    from simulator.report.i18n import t

    s = found.summary()
    text = t("backtest.sentence", lang, n=s["n_cases"] - s["n_censored"],
             cov80=_fmt(s["coverage"]["80"], ".0%"), pit=_fmt(s["mean_pit"], ".2f"),
             crps=_fmt(s["mean_crps"], ".2f"), ref=_fmt(s["mean_crps_reference"], ".2f"),
             skill=_fmt(s["skill"], "+.2f"),
             refclass=_fmt(s["mean_crps_reference_class"], ".2f"),
             skill_class=_fmt(s["skill_reference_class"], "+.2f"))
    if s["n_censored"]:
        text += " " + t("backtest.censored", lang, n=s["n_censored"])
    return text


def loo_sentence(found: Backtest, lang: str = "en") -> str:
    """The leave-one-out finding, and plainly whether the model is biased."""
    from simulator.report.i18n import t

    loo, inside = found.loo.summary("loo"), found.loo.summary("in_sample")
    lo, hi = loo["coverage80_ci95"] or (None, None)
    scored = [r.case.name for r in found.loo.loo]
    least = min((found.loo.ess[name] for name in scored), default=0.0)
    text = t("backtest.loo_sentence", lang, n=len(found.spec.cases) - 1,
             ess=f"{least:.0f}", pit=_fmt(loo["mean_pit"], ".2f"),
             cov80=_fmt(loo["coverage80"], ".0%"), lo=_fmt(lo, ".0%"), hi=_fmt(hi, ".0%"),
             crps=_fmt(loo["crps"], ".2f"), skill=_fmt(loo["skill"], "+.2f"),
             skill_class=_fmt(loo["skill_reference_class"], "+.2f"),
             brier=_fmt(loo["brier"], ".2f"), brier_ref=_fmt(loo["brier_reference"], ".2f"),
             brier_class=_fmt(loo["brier_reference_class"], ".2f"),
             pit_in=_fmt(inside["mean_pit"], ".2f"))
    if loo["biased"]:
        tail = t("backtest.tail_upper" if loo["mean_pit"] > 0.5 else "backtest.tail_lower", lang)
        text += " " + t("backtest.biased", lang, pit=f"{loo['mean_pit']:.2f}", tail=tail)
    if found.loo.refused:
        text += " " + t("backtest.refused", lang, cases=", ".join(found.loo.refused),
                        why="; ".join(found.loo.refused.values()))
    return text


def write_backtest(found: Backtest, folder: Path, *, langs: Sequence[str] = ("en",),
                   manifest: dict | None = None) -> None:
    """Write cases.csv, backtest.json, charts and report(s) into ``folder``."""
    from simulator.report.backtest_charts import draw_backtest_charts
    from simulator.report.i18n import t
    from simulator.report.study_report import StudyPage, write_study_report

    table = found.table()
    table.to_csv(folder / "cases.csv", index=False, float_format="%.6g")
    if found.loo is not None:
        from simulator.inputs.posterior import write_posterior

        pd.DataFrame(found.loo.summary("loo")["cases"]).to_csv(
            folder / "loo.csv", index=False, float_format="%.6g")
        # the posterior of all cases, reusable with uncertain: {from: posterior.parquet}
        write_posterior(folder / "posterior.parquet", found.loo.posterior, found.loo.paths,
                        metadata=found.loo.metadata)
    summary = {**found.summary(), **({"manifest": manifest} if manifest else {})}
    (folder / "backtest.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")
    scores = pd.DataFrame([{"coverage_50": summary["coverage"]["50"],
                            "coverage_80": summary["coverage"]["80"],
                            "coverage_95": summary["coverage"]["95"],
                            "mean_pit": summary["mean_pit"], "mean_crps": summary["mean_crps"],
                            "mean_crps_reference": summary["mean_crps_reference"],
                            "skill": summary["skill"]}])
    for lang in langs:
        charts_dir = folder / ("charts" if lang == "en" else f"charts-{lang}")
        charts_dir.mkdir()
        charts = draw_backtest_charts(found, charts_dir, lang=lang)
        text = t("backtest.design", lang, name=found.spec.name, n=len(table),
                 reps=f"{found.replications:,}", seed=found.seed)
        headline = sentence(found, lang)
        tables = [(t("backtest.scores", lang), scores.round(3)),
                  (t("backtest.cases", lang), table.round(3))]
        if found.loo is not None:
            headline += " " + loo_sentence(found, lang)
            tables += _loo_tables(found, summary, lang)
        pairs = summary["independence"]
        if pairs["pairs"] or pairs["target_from_outcome"]:
            rows = ([{"cases": " · ".join(p["cases"]), "why": p["why"]} for p in pairs["pairs"]]
                    + [{"cases": name, "why": why}
                       for name, why in pairs["target_from_outcome"].items()])
            tables.append((t("backtest.independence", lang), pd.DataFrame(rows)))
        page = StudyPage(t("backtest.title", lang, name=found.spec.name), text,
                         headline, summary["skill"], tables, charts,
                         {k: str(v) for k, v in (manifest or {}).items()})
        write_study_report(folder, page, lang)


def _loo_tables(found: Backtest, summary: dict, lang: str) -> list[tuple[str, pd.DataFrame]]:
    from simulator.report.i18n import t

    def cover(block: dict, lv: int) -> str:
        ci = block[f"coverage{lv}_ci95"]
        return "–" if ci is None else (f"{block[f'coverage{lv}']:.2f} "
                                       f"({ci[0]:.2f}–{ci[1]:.2f})")

    rows = []
    for name, block in (("defaults", scores(found.results)), ("in sample", summary["in_sample"]),
                        ("leave-one-out", summary["loo"])):
        rows.append({"forecasts": name, "mean_pit": block["mean_pit"],
                     **{f"coverage_{lv}": cover(block, lv) for lv in (50, 80, 95)},
                     "crps": block["crps"], "skill": block["skill"],
                     "skill_reference_class": block["skill_reference_class"],
                     "brier": block["brier"], "brier_reference": block["brier_reference"],
                     "brier_reference_class": block["brier_reference_class"]})
    columns = ["case", "observed", "censored", "reference", "forecast_p10", "forecast_p50",
               "forecast_p90", "pit", "in80", "crps", "crps_reference_class",
               "probability_met", "met", "ess"]
    cases = pd.DataFrame(summary["loo"]["cases"], columns=columns)
    return [(t("backtest.loo_scores", lang), pd.DataFrame(rows).round(3)),
            (t("backtest.loo_cases", lang), cases.round(3)),
            (t("backtest.posterior", lang), pd.DataFrame(found.loo.posterior_table()).round(3))]
