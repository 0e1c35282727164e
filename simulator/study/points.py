"""Evaluate a scenario at many parameter points, durably: the engine of sweeps and sensitivity.

Every point runs the same (seed, replications), so points share their random numbers
(common random numbers): differences between points come from the parameters, not from
noise. Each finished point is written to its own file at once (written, fsynced, renamed),
so an interrupted run loses nothing it finished and can resume where it stopped.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from simulator.run.backends import Backend
from simulator.inputs.errors import RunConfigError
from simulator.run.montecarlo import simulate
from simulator.inputs.params import with_values
from simulator.run.results import SimulationResult
from simulator.inputs.scenario import Scenario

__all__ = ["PointStore", "evaluate_point", "point_metrics", "run_points"]


def point_metrics(result: SimulationResult) -> dict[str, float]:
    """What a point records, as a flat mapping.

    Each target's probability, 95 % interval and mean km², and the mean cumulative km²
    at each target year.
    """
    out: dict[str, float] = {}
    odds = result.target_odds()
    for name, row in odds.iterrows():
        out[f"{name}.probability"] = float(row["probability"])
        out[f"{name}.ci95_low"] = float(row["ci95_low"])
        out[f"{name}.ci95_high"] = float(row["ci95_high"])
        out[f"{name}.mean_km2"] = float(row["mean_km2"])
    mean = result.cumulative.mean(axis=0)
    for year in sorted({t.by for t in result.scenario.targets}):
        out[f"cumulative_mean.{year}"] = float(mean[result.years.index(year)])
    return out


@dataclass(frozen=True)
class _Evaluation:
    base: Scenario
    replications: int
    seed: int
    engine: str
    origin: str


def evaluate_point(job: _Evaluation, point: tuple[int, Mapping[str, float]]) -> dict[str, float]:
    """Run the base scenario with one point's values; return its metrics."""
    _, values = point
    scenario = with_values(job.base, values, origin=job.origin)
    result = simulate(scenario, replications=job.replications, seed=job.seed, engine=job.engine,
                      workers=1)
    return point_metrics(result)


class PointStore:
    """Finished points of one design, one JSON file each, in ``folder``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, index: int) -> Path:
        return self.folder / f"{index:06d}.json"

    def finished(self) -> dict[int, dict]:
        """Index → saved record (values and metrics) of every finished point."""
        out = {}
        for path in sorted(self.folder.glob("*.json")):
            try:
                out[int(path.stem)] = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, json.JSONDecodeError):
                continue  # a torn write cannot happen (rename), but never trust a stray file
        return out

    def save(self, index: int, values: Mapping[str, float], metrics: Mapping[str, float]) -> None:
        """Write one point durably: temporary file, fsync, rename, fsync the folder."""
        record = {"index": index, "values": dict(values), "metrics": dict(metrics)}
        fd, tmp = tempfile.mkstemp(prefix=".point-", dir=self.folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._path(index))
        directory = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def run_points(
    base: Scenario,
    design: pd.DataFrame,
    *,
    replications: int,
    seed: int,
    engine: str = "auto",
    backend: Backend,
    store: PointStore | None = None,
    progress: Callable[[int], None] | None = None,
    origin: str = "sweep",
) -> pd.DataFrame:
    """Evaluate every row of ``design`` (columns: key paths); returns design + metrics.

    Points already in ``store`` are not run again. Raises ``RunConfigError`` if the
    store holds a point whose values differ from the design's (another design).
    """
    points = [(int(i), {k: _plain(v) for k, v in row.items()}) for i, row in design.iterrows()]
    done = store.finished() if store is not None else {}
    for index, values in points:
        if index in done and done[index]["values"] != values:
            raise RunConfigError(
                f"{store.folder} holds point {index} of a different design; "
                "start afresh without --resume, or use another --out"
            )
    if progress is not None and done:
        progress(len([i for i, _ in points if i in done]))
    job = _Evaluation(base, replications, seed, engine, origin)
    todo = [p for p in points if p[0] not in done]
    results = {i: done[i]["metrics"] for i, _ in points if i in done}
    for (index, values), metrics in backend.map_unordered(partial(evaluate_point, job), todo):
        if store is not None:
            store.save(index, values, metrics)
        results[index] = metrics
        if progress is not None:
            progress(1)
    metrics = pd.DataFrame([results[i] for i, _ in points], index=design.index)
    return pd.concat([design, metrics], axis=1)


def _plain(value):
    """Python numbers from numpy scalars (for JSON, and to compare with saved points)."""
    return value.item() if hasattr(value, "item") else value
