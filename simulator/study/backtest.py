"""Backtests: how good landsim's forecasts have been on outcomes that are known.

A cases file lists forecasts made from what was knowable at the time (a scenario each)
and the value later observed. For each case: the forecast distribution of the quantity
(release of some pathways, or in total, over some years, km²), the observed value's PIT
(its mid-rank quantile in the forecast: (#below + ½ #equal) / R), whether it fell in the
central 50 / 80 / 95 % intervals, and the CRPS (``scoringrules.crps_ensemble``, a
maintained implementation of the ensemble CRPS). Over all cases: interval coverage, a PIT
histogram and the mean CRPS against a naive reference forecast — "the plan is met exactly",
a point forecast whose CRPS is |plan − observed| — as a skill score 1 − CRPS / CRPS_ref.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from simulator.inputs.errors import Problem, ScenarioError
from simulator.inputs.scenario import KEY_PATTERN, Scenario, load_scenario, validate_document
from simulator.inputs.yamlsource import read_yaml

__all__ = ["Backtest", "CaseResult", "CasesFile", "load_cases", "run_backtest",
           "write_backtest"]

LEVELS = (0.5, 0.8, 0.95)


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


class CasesFile(_Model):
    """A backtest's cases file."""

    name: str = Field(pattern=KEY_PATTERN, max_length=64)
    description: str = ""
    replications: int = Field(4000, ge=100, le=1_000_000)
    cases: list[Case] = Field(min_length=1, max_length=200)


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
        return out


@dataclass(frozen=True)
class Backtest:
    """All cases of a backtest, with the scores over all of them."""

    spec: CasesFile
    results: list[CaseResult]
    seed: int

    def table(self) -> pd.DataFrame:
        """One row per case (cases.csv)."""
        return pd.DataFrame([r.row() for r in self.results])

    def summary(self) -> dict:
        """backtest.json: coverage by level, PIT histogram, mean CRPS and skill."""
        table = self.table()
        crps, ref = float(table.crps.mean()), float(table.crps_reference.mean())
        counts, _ = np.histogram(table.pit, bins=5, range=(0, 1))
        return {
            "name": self.spec.name, "cases": len(table), "seed": self.seed,
            "replications": self.spec.replications,
            "coverage": {f"{round(level * 100)}": float(table[f"in{round(level * 100)}"].mean())
                         for level in LEVELS},
            "pit_histogram": {"edges": [0, 0.2, 0.4, 0.6, 0.8, 1.0],
                              "counts": counts.tolist()},
            "mean_pit": float(table.pit.mean()),
            "mean_crps": crps, "mean_crps_reference": ref,
            "skill": (1 - crps / ref) if ref > 0 else None,
            "reference": "the plan is met exactly (a point forecast at the planned km²)",
            "cases_detail": table.to_dict(orient="records"),
        }


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
    if problems:
        raise ScenarioError(problems)
    return spec, scenarios


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


def sentence(found: Backtest, lang: str = "en") -> str:
    """The backtest's finding in one plain sentence."""
    from simulator.report.i18n import t

    s = found.summary()
    skill = s["skill"]
    return t("backtest.sentence", lang, n=s["cases"], cov80=f"{s['coverage']['80']:.0%}",
             pit=f"{s['mean_pit']:.2f}", crps=f"{s['mean_crps']:.2f}",
             ref=f"{s['mean_crps_reference']:.2f}",
             skill="–" if skill is None else f"{skill:+.2f}")


def write_backtest(found: Backtest, folder: Path, *, langs: Sequence[str] = ("en",),
                   manifest: dict | None = None) -> None:
    """Write cases.csv, backtest.json, charts and report(s) into ``folder``."""
    from simulator.report.backtest_charts import draw_backtest_charts
    from simulator.report.i18n import t
    from simulator.report.study_report import StudyPage, write_study_report

    table = found.table()
    table.to_csv(folder / "cases.csv", index=False, float_format="%.6g")
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
        page = StudyPage(t("backtest.title", lang, name=found.spec.name), text,
                         sentence(found, lang), summary["skill"],
                         [(t("backtest.scores", lang), scores.round(3)),
                          (t("backtest.cases", lang), table.round(3))], charts,
                         {k: str(v) for k, v in (manifest or {}).items()})
        write_study_report(folder, page, lang)
