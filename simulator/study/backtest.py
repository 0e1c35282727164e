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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.inputs.distributions import DistributionSpec
from simulator.inputs.errors import Problem, RunConfigError, ScenarioError
from simulator.inputs.scenario import KEY_PATTERN, Scenario, load_scenario, validate_document
from simulator.inputs.uncertain import UNDEFINED_ERROR, ObservationError
from simulator.inputs.yamlsource import read_yaml

__all__ = ["Backtest", "CaseResult", "CasesFile", "Loo", "load_cases", "run_backtest",
           "run_loo", "write_backtest"]

LEVELS = (0.5, 0.8, 0.95)
RELIABILITY_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
OWN_OUTCOME = "own-outcome"
"""The ``related`` key of a case whose target was back-calculated from its own outcome."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Quantity(_Model):
    """What a case forecasts: release in ``years`` of ``pathways`` (default: all), km²."""

    years: list[Annotated[int, Field(ge=1900, le=2200)]] = Field(min_length=1, max_length=50)
    pathways: list[str] | None = Field(None, min_length=1)


class Case(_Model):
    """One forecast and the value observed later."""

    name: str = Field(pattern=KEY_PATTERN, max_length=64)
    scenario: str = Field(max_length=300, description="Scenario file, relative to the cases file.")
    quantity: Quantity
    observed: float = Field(ge=0, le=1e6, description="The value observed, km².")
    reference: float | None = Field(
        None, ge=0, description="Naive forecast (default: the plan for the quantity, km²).")
    related: dict[Annotated[str, Field(pattern=KEY_PATTERN, max_length=64)],
                  Annotated[str, Field(max_length=300)]] = Field(
        default_factory=dict,
        description="Cases this one is not independent of, and why (same year, one a subset "
                    "of the other); the key own-outcome: its target was back-calculated from "
                    "its own outcome.")


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
                if not self.error.defined_for(case.observed):
                    raise ValueError(f"case {case.name}: observed {UNDEFINED_ERROR}")
        return self


@dataclass(frozen=True)
class CaseResult:
    """One case's forecast and scores."""

    case: Case
    scenario: Scenario
    forecast: np.ndarray  # (R,) km²
    reference: float

    @property
    def pit(self) -> float:
        """Mid-rank PIT of the observed value in the forecast (0 … 1)."""
        x, y = self.forecast, self.case.observed
        return float((np.sum(x < y) + 0.5 * np.sum(x == y)) / x.size)

    def interval(self, level: float) -> tuple[float, float]:
        """The central ``level`` interval of the forecast, km²."""
        a = (1 - level) / 2
        lo, hi = np.quantile(self.forecast, [a, 1 - a])
        return float(lo), float(hi)

    def covered(self, level: float) -> bool:
        """Whether the observed value fell in the central ``level`` interval."""
        lo, hi = self.interval(level)
        return lo <= self.case.observed <= hi

    @property
    def crps(self) -> float:
        """CRPS of the forecast ensemble at the observed value, km²."""
        import scoringrules

        return float(scoringrules.crps_ensemble(self.case.observed, self.forecast))

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
        return bool(self.case.observed >= self.target - 1e-9)

    @property
    def crps_reference(self) -> float:
        """CRPS of the naive point forecast, |reference − observed|, km²."""
        return abs(self.reference - self.case.observed)

    def row(self) -> dict:
        """cases.csv's row."""
        q = np.quantile(self.forecast, [0.05, 0.1, 0.5, 0.9, 0.95])
        out = {"case": self.case.name, "scenario": self.scenario.name,
               "years": " ".join(map(str, self.case.quantity.years)),
               "pathways": " ".join(self.case.quantity.pathways or ["all"]),
               "observed": self.case.observed, "reference": self.reference,
               "forecast_mean": float(self.forecast.mean()), "forecast_p05": q[0],
               "forecast_p10": q[1], "forecast_p50": q[2], "forecast_p90": q[3],
               "forecast_p95": q[4], "pit": self.pit}
        for level in LEVELS:
            out[f"in{round(level * 100)}"] = self.covered(level)
        out["crps"] = self.crps
        out["crps_reference"] = self.crps_reference
        out["probability_met"] = self.probability
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
        """backtest.json: coverage by level, PIT histogram, mean CRPS and skill."""
        table = self.table()
        crps, ref = float(table.crps.mean()), float(table.crps_reference.mean())
        counts, _ = np.histogram(table.pit, bins=5, range=(0, 1))
        return {
            "name": self.spec.name, "cases": table.to_dict(orient="records"),
            "n_cases": len(table), "seed": self.seed,
            "replications": self.spec.replications,
            "coverage": {f"{round(level * 100)}": float(table[f"in{round(level * 100)}"].mean())
                         for level in LEVELS},
            "pit_histogram": {"edges": [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                              "counts": counts.tolist()},
            "mean_pit": float(table.pit.mean()),
            "mean_crps": crps, "mean_crps_reference": ref,
            "skill": (1 - crps / ref) if ref > 0 else None,
            "reference": "the plan is met exactly (a point forecast at the planned km²)",
            "brier": scores(self.results)["brier"],
            "independence": independence(self.spec),
            **({"in_sample": self.loo.summary("in_sample"), "loo": self.loo.summary("loo")}
               if self.loo is not None else {}),
        }


def scores(results: Sequence[CaseResult]) -> dict:
    """Scores over ``results``: mean PIT, coverage with 95 % Wilson intervals, CRPS and skill,
    Brier score of P(target met) (and of the reference, which says it is met for sure), and
    a reliability table (forecast probability bins against the frequency met)."""
    from simulator.study.calibrate import wilson

    n = len(results)
    pits = np.array([r.pit for r in results])
    crps = float(np.mean([r.crps for r in results]))
    ref = float(np.mean([r.crps_reference for r in results]))
    p = np.array([r.probability for r in results])
    o = np.array([r.met for r in results], dtype=float)
    out: dict = {"n": n, "mean_pit": float(pits.mean()),
                 "pit_histogram": np.histogram(pits, bins=5, range=(0, 1))[0].tolist()}
    for level in LEVELS:
        k = sum(r.covered(level) for r in results)
        key = f"coverage{round(level * 100)}"
        out[key] = k / n
        out[f"{key}_ci95"] = list(wilson(k / n, n))
    out.update({"crps": crps, "crps_reference": ref,
                "skill": (1 - crps / ref) if ref > 0 else None,
                "brier": float(np.mean((p - o) ** 2)),
                "brier_reference": float(np.mean((1.0 - o) ** 2)),
                "reliability": [
                    {"bin": [lo, hi], "cases": int(m.sum()),
                     "mean_probability": float(p[m].mean()) if m.any() else None,
                     "frequency_met": float(o[m].mean()) if m.any() else None}
                    for lo, hi in zip(RELIABILITY_EDGES[:-1], RELIABILITY_EDGES[1:], strict=True)
                    for m in [(p >= lo) & ((p < hi) if hi < 1 else (p <= hi))]],
                "biased": not 0.3 <= float(pits.mean()) <= 0.7})
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


def _quantity(scenario: Scenario, quantity: Quantity, annual: np.ndarray) -> np.ndarray:
    names = list(scenario.pathways)
    cols = [names.index(p) for p in quantity.pathways] if quantity.pathways else slice(None)
    rows = [y - scenario.horizon.start for y in quantity.years]
    return annual[:, rows][:, :, cols].sum(axis=(1, 2))


def _planned(scenario: Scenario, quantity: Quantity) -> float:
    chosen = quantity.pathways or list(scenario.pathways)
    return float(sum(scenario.pathways[p].plan.get(y, 0.0)
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
        forecast = _quantity(scenario, case.quantity, result.annual)
        reference = case.reference if case.reference is not None else _planned(
            scenario, case.quantity)
        results.append(CaseResult(case, scenario, forecast, reference))
        if progress is not None:
            progress(1)
    return Backtest(spec, results, seed)


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


@dataclass(frozen=True)
class Loo:
    """Calibrated backtests: each case forecast under the posterior of the other cases
    (``loo``), and, for comparison, under the posterior of all cases (``in_sample``)."""

    loo: list[CaseResult]
    in_sample: list[CaseResult]
    ess: dict[str, float]  # held-out case (or "all") → effective sample size of its posterior
    replications: int
    forecast_replications: int
    draws: int
    paths: list[str]
    informative: list[str]  # cases whose likelihood depends on θ

    def summary(self, which: str) -> dict:
        """backtest.json's ``loo`` (or ``in_sample``) block."""
        results = self.loo if which == "loo" else self.in_sample
        out = scores(results)
        out.update({
            "replications": self.replications,
            "forecast_replications": self.forecast_replications,
            "posterior_draws": self.draws, "parameters": self.paths,
            "informative_cases": self.informative,
            "cases": [{**r.row(), "ess": self.ess[r.case.name if which == "loo" else "all"]}
                      for r in results]})
        return out


def run_loo(spec: CasesFile, scenarios: Sequence[Scenario], *, seed: int = 0,
            replications: int | None = None, forecast_replications: int | None = None,
            draws: int | None = None, workers: int = 1,
            progress: Callable[[int], None] | None = None) -> Loo:
    """Leave-one-out (and in-sample) calibrated backtests of every case.

    ``replications`` prior draws (default the file's) simulate every case once; for each
    held-out case the others' likelihood weights them, ``draws`` rows (default
    min(4000, replications)) are resampled, and the held-out case is simulated under them
    with fresh random inputs (seed :func:`~simulator.study.calibrate.forecast_seed`,
    ``forecast_replications`` each, default ``replications``). Raises ``RunConfigError``
    without ``priors`` in the cases file or with fewer than two cases.
    """
    from simulator.run.montecarlo import simulate
    from simulator.study.calibrate import POSTERIOR_DRAWS, forecast_seed, resample, with_posterior

    if not spec.priors:
        raise RunConfigError(f"{spec.name}: --loo needs priors: in the cases file (key path: "
                             "prior), put on every case scenario that has the path")
    if len(spec.cases) < 2:
        raise RunConfigError("--loo needs at least two cases")
    n = replications or spec.replications
    nf = forecast_replications or n
    m = draws or min(POSTERIOR_DRAWS, n)
    primed = [with_priors(s, spec.priors) for s in scenarios]
    paths = [p for p in spec.priors if any(p in s.uncertain for s in primed)]
    theta = np.full((n, len(paths)), np.nan)
    loglik = np.zeros((len(primed), n))
    informative = np.zeros(len(primed), dtype=bool)
    for j, (case, scn) in enumerate(zip(spec.cases, primed, strict=True)):
        result = simulate(scn, replications=n, seed=seed, engine="fast", workers=workers,
                          keep_replications=True)
        q = _quantity(scn, case.quantity, result.annual)
        sd = spec.error.sd_of(case.observed)
        loglik[j] = -0.5 * ((q - case.observed) / sd) ** 2
        own = list(scn.uncertain)
        for k, p in enumerate(paths):
            if p in own:
                informative[j] = True
                theta[:, k] = result.params[:, own.index(p)]
        if progress is not None:
            progress(1)

    def forecast(i: int, others: np.ndarray) -> tuple[CaseResult, float]:
        lw = loglik[others & informative].sum(axis=0)
        w = np.exp(lw - lw.max())
        w /= w.sum()
        ess = float(1.0 / np.sum(w * w))
        case, base = spec.cases[i], scenarios[i]
        shared = [k for k, p in enumerate(paths) if p in primed[i].uncertain]
        scn = base
        if shared:
            picked = theta[resample(w, m, seed)][:, shared]
            scn = with_posterior(primed[i], [paths[k] for k in shared], picked,
                                 file="(leave-one-out posterior)",
                                 metadata={"cases": spec.name, "seed": seed, "ess": ess})
        result = simulate(scn, replications=nf, seed=forecast_seed(seed), engine="fast",
                          workers=workers, keep_replications=True)
        reference = case.reference if case.reference is not None else _planned(
            base, case.quantity)
        return CaseResult(case, base, _quantity(base, case.quantity, result.annual),
                          reference), ess

    every = np.ones(len(primed), dtype=bool)
    loo, inside, ess = [], [], {}
    for i in range(len(primed)):
        others = every.copy()
        others[i] = False
        r, ess[spec.cases[i].name] = forecast(i, others)
        loo.append(r)
        r, ess["all"] = forecast(i, every)
        inside.append(r)
        if progress is not None:
            progress(1)
    return Loo(loo, inside, ess, n, nf, m, paths,
               [c.name for c, inf in zip(spec.cases, informative, strict=True) if inf])


def sentence(found: Backtest, lang: str = "en") -> str:
    """The backtest's finding in one plain sentence."""
    from simulator.report.i18n import t

    s = found.summary()
    skill = s["skill"]
    return t("backtest.sentence", lang, n=s["n_cases"], cov80=f"{s['coverage']['80']:.0%}",
             pit=f"{s['mean_pit']:.2f}", crps=f"{s['mean_crps']:.2f}",
             ref=f"{s['mean_crps_reference']:.2f}",
             skill="–" if skill is None else f"{skill:+.2f}")


def loo_sentence(found: Backtest, lang: str = "en") -> str:
    """The leave-one-out finding, and plainly whether the model is biased."""
    from simulator.report.i18n import t

    loo, inside = found.loo.summary("loo"), found.loo.summary("in_sample")
    lo, hi = loo["coverage80_ci95"]
    skill = loo["skill"]
    text = t("backtest.loo_sentence", lang, n=loo["n"] - 1, pit=f"{loo['mean_pit']:.2f}",
             cov80=f"{loo['coverage80']:.0%}", lo=f"{lo:.0%}", hi=f"{hi:.0%}",
             crps=f"{loo['crps']:.2f}", skill="–" if skill is None else f"{skill:+.2f}",
             brier=f"{loo['brier']:.2f}", pit_in=f"{inside['mean_pit']:.2f}")
    if loo["biased"]:
        tail = t("backtest.tail_upper" if loo["mean_pit"] > 0.5 else "backtest.tail_lower", lang)
        text += " " + t("backtest.biased", lang, pit=f"{loo['mean_pit']:.2f}", tail=tail)
    least = min(found.loo.ess.values())
    if least < 50:
        text += " " + t("backtest.thin", lang, ess=f"{least:.1f}")
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
        pd.DataFrame(found.loo.summary("loo")["cases"]).to_csv(
            folder / "loo.csv", index=False, float_format="%.6g")
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
                 reps=f"{found.spec.replications:,}", seed=found.seed)
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

    rows = []
    for name, block in (("defaults", scores(found.results)), ("in sample", summary["in_sample"]),
                        ("leave-one-out", summary["loo"])):
        rows.append({"forecasts": name, "mean_pit": block["mean_pit"],
                     **{f"coverage_{lv}": f"{block[f'coverage{lv}']:.2f} "
                                          f"({block[f'coverage{lv}_ci95'][0]:.2f}–"
                                          f"{block[f'coverage{lv}_ci95'][1]:.2f})"
                        for lv in (50, 80, 95)},
                     "crps": block["crps"], "skill": block["skill"], "brier": block["brier"],
                     "brier_reference": block["brier_reference"]})
    cases = pd.DataFrame(summary["loo"]["cases"])[
        ["case", "observed", "reference", "forecast_p10", "forecast_p50", "forecast_p90", "pit",
         "in80", "crps", "probability_met", "met", "ess"]]
    return [(t("backtest.loo_scores", lang), pd.DataFrame(rows).round(3)),
            (t("backtest.loo_cases", lang), cases.round(3))]
