"""A finished run as the report sees it: read from its output folder, or from a result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.inputs.errors import ScenarioError
from simulator.run.results import SimulationResult
from simulator.inputs.scenario import Scenario, load_scenario
from simulator.report.style import ReportError

__all__ = ["RunData", "RUN_FILES"]

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
        manifest_path = folder / "run.json"
        return cls(
            scenario=scenario,
            summary=json.loads((folder / "summary.json").read_text(encoding="utf-8")),
            annual=pd.read_csv(folder / "annual.csv"),
            pathways=pd.read_csv(folder / "pathways.csv", index_col="pathway"),
            s_curve=pd.read_csv(folder / "scurve.csv"),
            histograms=pd.read_csv(folder / "histograms.csv"),
            manifest=json.loads(manifest_path.read_text()) if manifest_path.exists() else None,
            folder=folder,
            levers=(json.loads((folder / "levers.json").read_text(encoding="utf-8"))
                    if (folder / "levers.json").exists() else None),
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
    def history_years(self) -> list[int]:
        """Horizon years that lie wholly before the status date (their release is actual)."""
        if self.status is None:
            return []
        return [y for y in self.scenario.years if y + 1 <= self.status["as_of"]]

    def all_pathways(self) -> pd.DataFrame:
        """The ``annual`` rows summed over all pathways, indexed by year."""
        return self.annual[self.annual.pathway == "all"].set_index("year")
