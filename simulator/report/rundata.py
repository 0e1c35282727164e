"""A finished run as the report sees it: read from its output folder, or from a result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.inputs.errors import ScenarioError
from simulator.inputs.scenario import Scenario, load_scenario
from simulator.report.run_folder import (
    check_probabilities,
    check_run_tables,
    read_checked_csv,
    read_checked_json,
)
from simulator.report.style import ReportError
from simulator.run.results import SimulationResult
from simulator.run.summary_schema import LeversFile, RunManifest, RunSummary

__all__ = ["RunData", "RUN_FILES"]

ANNUAL_COLUMNS = ["year", "pathway", "planned_km2", "release_mean", "release_p10",
                  "release_p50", "release_p90", "cumulative_mean", "cumulative_p10",
                  "cumulative_p25", "cumulative_p50", "cumulative_p75", "cumulative_p90"]
PATHWAY_COLUMNS = ["pathway", "planned_km2", "released_mean_km2", "late_mean_km2",
                   "dropped_mean_km2", "yield_loss_mean_km2"]
RUN_FILES = ("summary.json", "annual.csv", "pathways.csv", "scurve.csv", "histograms.csv",
             "scenario.resolved.yaml")


@dataclass(frozen=True)
class RunData:
    """Everything a report draws: summaries only, never the raw replications."""

    scenario: Scenario
    summary: dict
    annual: pd.DataFrame  # year × pathway (and "all"): planned, mean and quantiles
    pathways: pd.DataFrame  # by pathway: planned, released, late, dropped km²
    s_curve: pd.DataFrame  # target, year, probability
    histograms: pd.DataFrame  # target, km2_low, km2_high, count
    manifest: dict | None = None  # run.json, if there is one
    folder: Path | None = None
    levers: dict | None = None  # levers.json: what would change the odds, if computed

    @classmethod
    def load(cls, folder: str | Path) -> RunData:
        """Read a run's output folder. Raises ``ReportError`` if it is not one."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ReportError(f"{folder} is not a folder (expected the output folder of a run)")
        missing = [name for name in RUN_FILES if not (folder / name).exists()]
        if missing:
            raise ReportError(
                f"{folder} is not a complete landsim run folder: missing {', '.join(missing)} "
                "(rerun `landsim run` with this version to create them)"
            )
        try:
            scenario = load_scenario(folder / "scenario.resolved.yaml")
        except ScenarioError as exc:
            raise ReportError(f"{folder}: scenario.resolved.yaml is not valid: {exc}") from None
        summary = read_checked_json(folder / "summary.json", RunSummary)
        check_run_tables(folder, scenario, summary)
        pathways = list(scenario.pathways)
        years, targets = scenario.years, scenario.targets
        annual = read_checked_csv(folder / "annual.csv", ANNUAL_COLUMNS,
                                  rows=len(years) * (len(pathways) + 1))
        if set(annual.pathway) != {*pathways, "all"} or set(annual.year) != set(years):
            raise ReportError(f"{folder / 'annual.csv'}: its years and pathways are not the "
                              "run's scenario's; rerun `landsim run` to write it again")
        table = read_checked_csv(folder / "pathways.csv", PATHWAY_COLUMNS, rows=len(pathways),
                                 index_col="pathway")
        if list(table.index) != pathways:
            raise ReportError(f"{folder / 'pathways.csv'}: its pathways are not the run's "
                              "scenario's; rerun `landsim run` to write it again")
        start, end = scenario.horizon.start, scenario.horizon.end
        s_curve = read_checked_csv(
            folder / "scurve.csv", ["target", "year", "probability"],
            rows=sum(end - (t.from_ if t.from_ is not None else start) + 1 for t in targets))
        check_probabilities(folder / "scurve.csv", s_curve, "probability")
        histograms = read_checked_csv(folder / "histograms.csv",
                                      ["target", "km2_low", "km2_high", "count"])
        names = {t.name for t in targets}
        for path, frame in ((folder / "scurve.csv", s_curve),
                            (folder / "histograms.csv", histograms)):
            unknown = sorted(set(frame.target) - names)
            if unknown:
                raise ReportError(f"{path}: target {unknown[0][:64]!r} is not one of the run's; "
                                  "rerun `landsim run` to write it again")
        counts = histograms.groupby("target")["count"].sum()
        n = summary["replications"]
        if ((histograms["count"] < 0).any() or len(histograms) > 1000 * len(targets)
                or (histograms.km2_low > histograms.km2_high).any()
                or set(counts.index) != names or not (counts == n).all()):
            raise ReportError(f"{folder / 'histograms.csv'}: not the histograms a run writes "
                              f"(each target's counts add up to its {n:,} replications); "
                              "rerun `landsim run` to write it again")
        manifest_path = folder / "run.json"
        levers_path = folder / "levers.json"
        return cls(
            scenario=scenario,
            summary=summary,
            annual=annual,
            pathways=table,
            s_curve=s_curve,
            histograms=histograms,
            manifest=(read_checked_json(manifest_path, RunManifest) if manifest_path.exists()
                      else None),
            folder=folder,
            levers=(read_checked_json(levers_path, LeversFile) if levers_path.exists()
                    else None),
        )

    @classmethod
    def from_result(cls, result: SimulationResult, manifest: dict | None = None) -> RunData:
        """The same data straight from a result in memory."""
        return cls(
            scenario=result.scenario,
            summary=result.summary(),
            annual=result.annual_summary(),
            pathways=result.pathway_summary(),
            s_curve=result.s_curve(),
            histograms=result.histograms(),
            manifest=manifest,
        )

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def replications(self) -> int:
        """Number of replications."""
        return int(self.summary["replications"])

    @property
    def seed(self) -> int:
        """The run's seed."""
        return int(self.summary["seed"])

    @property
    def targets(self) -> list[dict]:
        """summary.json's targets (name, from, by, km2, probability, ci95, …)."""
        return self.summary["targets"]

    @property
    def status(self) -> dict | None:
        """summary.json's ``status`` (as_of, accounting, pipeline), or None without one."""
        return self.summary.get("status")

    @property
    def provenance(self) -> dict | None:
        """What the status figures are (summary.json's ``status.provenance``), if any."""
        return (self.status or {}).get("provenance")

    @property
    def history_years(self) -> list[int]:
        """Horizon years that lie wholly before the status date (their release is actual)."""
        if self.status is None:
            return []
        return [y for y in self.scenario.years if y + 1 <= self.status["as_of"]]

    def all_pathways(self) -> pd.DataFrame:
        """The ``annual`` rows summed over all pathways, indexed by year."""
        return self.annual[self.annual.pathway == "all"].set_index("year")
