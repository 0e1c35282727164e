"""Evaluate a scenario at many parameter points, durably: the engine of sweeps and sensitivity.

Every point runs the same (seed, replications), so points share their random numbers
(common random numbers): differences between points come from the parameters, not from
noise. Each finished point is written to its own file at once (written, fsynced, renamed),
so an interrupted run loses nothing it finished and can resume where it stopped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.inputs.errors import RunConfigError
from simulator.inputs.params import with_values
from simulator.inputs.scenario import Scenario
from simulator.run.backends import Backend
from simulator.run.montecarlo import simulate
from simulator.run.output import (
    check_output,
    clean_stale,
    install_folder,
    is_landsim_output,
    mark_folder,
    output_lock,
    write_text_atomically,
)
from simulator.run.results import SimulationResult

__all__ = [
    "PointStore",
    "achieved_sd",
    "StudyFolder",
    "evaluate_point",
    "point_metrics",
    "run_points",
    "study_digest",
]


def point_metrics(result: SimulationResult) -> dict[str, float]:
    """What a point records, as a flat mapping.

    Each target's probability, 95 % interval, mean km² and the standard deviation of its
    km² over the replications (``sd_km2``: a study's Monte Carlo error of the mean is
    ``sd_km2 / √replications``), and the mean cumulative km² at each target year.
    """
    out: dict[str, float] = {}
    odds = result.target_odds(ceilings=False)  # a point records no ceiling
    sd = achieved_sd(result.tally)
    for i, (name, row) in enumerate(odds.iterrows()):
        out[f"{name}.probability"] = float(row["probability"])
        out[f"{name}.ci95_low"] = float(row["ci95_low"])
        out[f"{name}.ci95_high"] = float(row["ci95_high"])
        out[f"{name}.mean_km2"] = float(row["mean_km2"])
        out[f"{name}.sd_km2"] = float(sd[i])
    mean = result.cumulative_mean()
    for year in sorted({t.by for t in result.scenario.targets}):
        out[f"cumulative_mean.{year}"] = float(mean[result.years.index(year)])
    return out


def achieved_sd(tally) -> np.ndarray:
    """(T,) standard deviation (km², n − 1 in the denominator) of each target's counted km²
    over the replications of ``tally``; 0 with fewer than two replications.

    Exact, from the histogram the tally already keeps for quantiles: its bins store each
    bin's count, mean and sum of squared deviations, so the total sum of squares is the
    within-bin sums plus each bin's count × (bin mean − overall mean)².
    """
    view = tally.achieved_hist.view(flow=True)
    count, mean = view["count"], view["value"]
    n = count.sum(axis=1)
    grand = np.divide((count * mean).sum(axis=1), n, out=np.zeros(len(n)), where=n > 0)
    squares = (view["_sum_of_deltas_squared"].sum(axis=1)
               + (count * (mean - grand[:, None]) ** 2).sum(axis=1))
    return np.sqrt(np.divide(squares, n - 1, out=np.zeros(len(n)), where=n > 1))


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
    # a point records odds and means; points that move only caps or capacities draw
    # the same random inputs (reused: the same arrays, drawn once a process)
    result = simulate(scenario, replications=job.replications, seed=job.seed, engine=job.engine,
                      workers=1, annual_quantiles=False, reuse_draws=True)
    return point_metrics(result)


class PointStore:
    """Finished points of one study, one JSON file each, in ``folder``.

    Each file carries its point's index, the study's digest and a SHA-256 checksum of its
    content, and holds only finite numbers (probabilities within [0, 1]); a file that does
    not verify (truncated, edited, of another study, NaN) is not used: its point is
    computed again, and ``notice`` (default: a line on standard error) says so.
    """

    def __init__(self, folder: str | Path, *, study: str = "",
                 notice: Callable[[str], None] | None = None):
        self.folder = Path(folder)
        self.study = study
        self.notice = notice if notice is not None else _stderr
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, index: int) -> Path:
        return self.folder / f"{index:06d}.json"

    def finished(self) -> dict[int, dict]:
        """Index → saved record (values and metrics) of every finished point that verifies."""
        out = {}
        for path in sorted(self.folder.glob("*.json")):
            if not (path.stem.isdigit() and len(path.stem) == 6):
                continue  # not a point file's name
            index = int(path.stem)
            problem, record = _verify_point(path, index, self.study)
            if problem is None:
                out[index] = record
            else:
                self.notice(f"landsim: point {index} ({path}) does not verify ({problem}); "
                            "computing it again")
        return out

    def save(self, index: int, values: Mapping[str, float], metrics: Mapping[str, float]) -> None:
        """Write one point durably: temporary file, fsync, rename, fsync the folder."""
        record = {"index": index, "values": dict(values), "metrics": dict(metrics),
                  "study": self.study}
        record["sha256"] = _checksum(record)
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
    evaluate: Callable[[tuple[int, dict]], dict] | None = None,
) -> pd.DataFrame:
    """Evaluate every row of ``design`` (columns: key paths); returns design + metrics.

    Points already in ``store`` that verify are not run again; one whose values are not
    the design's (the study's digest covers the design, so it was altered) is computed
    again, like any point that does not verify. ``evaluate((index, values))`` (picklable,
    for the back-end's workers) gives a point's metrics; default: :func:`evaluate_point`.
    """
    points = [(int(i), {k: _plain(v) for k, v in row.items()}) for i, row in design.iterrows()]
    done = store.finished() if store is not None else {}
    for index, values in points:
        if index in done and done[index]["values"] != values:
            store.notice(f"landsim: point {index} ({store._path(index)}) does not verify (its "
                         "values are not the design's); computing it again")
            del done[index]
    done = {i: r for i, r in done.items() if i in {j for j, _ in points}}
    if progress is not None and done:
        progress(len([i for i, _ in points if i in done]))
    if evaluate is None:
        evaluate = partial(evaluate_point, _Evaluation(base, replications, seed, engine, origin))
    todo = [p for p in points if p[0] not in done]
    results = {i: done[i]["metrics"] for i, _ in points if i in done}
    for (index, values), metrics in backend.map_unordered(evaluate, todo):
        if store is not None:
            store.save(index, values, metrics)
        results[index] = metrics
        if progress is not None:
            progress(1)
    metrics = pd.DataFrame([results[i] for i, _ in points], index=design.index)
    return pd.concat([design, metrics], axis=1)


def _verify_point(path: Path, index: int, study: str) -> tuple[str | None, dict | None]:
    """(None, record) if the point file verifies, else (what is wrong, None)."""
    try:
        if not path.is_file() or path.stat().st_size > 1_048_576:
            return "not a regular file of at most 1 MiB", None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable or not JSON", None
    if not isinstance(record, dict):
        return "not a point record", None
    if record.get("sha256") != _checksum(record):
        return "its checksum does not match its content", None
    if record.get("index") != index:
        return f"it holds point {record.get('index')!r}", None
    if record.get("study") != study:
        return "it belongs to another study", None
    values, metrics = record.get("values"), record.get("metrics")
    if not isinstance(values, dict) or not isinstance(metrics, dict) or not metrics:
        return "values or metrics missing", None
    for name, value in [*((n, v) for n, v in values.items() if not isinstance(v, str)),
                        *metrics.items()]:  # a design's value may be a text level
        if not _finite(value):
            return f"{name} is {value!r}, not a finite number", None
    for name, value in metrics.items():
        if name.endswith((".probability", ".ci95_low", ".ci95_high")) and not 0 <= value <= 1:
            return f"{name} is {value!r}, outside [0, 1]", None
    problem = _disagreement(metrics)
    if problem is not None:
        return problem, None
    return None, record


def _disagreement(metrics: Mapping[str, float]) -> str | None:
    """What makes a point's metrics contradict each other (a probability outside its own
    interval, an interval upside down, a negative spread), or None. A forged point with a
    recomputed checksum passes every other check (issue 36, item 4)."""
    for name, p in metrics.items():
        if not name.endswith(".probability"):
            continue
        target = name.removesuffix(".probability")
        lo, hi = metrics.get(f"{target}.ci95_low"), metrics.get(f"{target}.ci95_high")
        if lo is not None and hi is not None and not lo - 1e-9 <= p <= hi + 1e-9:
            return (f"{target}: probability {p!r} lies outside its own 95% interval "
                    f"[{lo!r}, {hi!r}]")
    for name, value in metrics.items():
        if name.endswith(".sd_km2") and value < 0:
            return f"{name} is {value!r}, a negative spread"
    return None


def _finite(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _checksum(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _plain(value):
    """Python numbers from numpy scalars (for JSON, and to compare with saved points)."""
    return value.item() if hasattr(value, "item") else value


class StudyFolder:
    """The ``<out>.partial`` folder of a resumable study, locked while the study runs.

    ``digest`` identifies everything that determines a point (base scenario, seed,
    replications, engine, design, landsim version). Resuming requires the same digest;
    a second study on the same folder is refused while the first holds the lock.
    """

    def __init__(self, out: str | Path, digest: str, *, resume: bool = False,
                 force: bool = False, inputs=()):
        self.out = check_output(out, force=force, inputs=inputs)
        self.path = self.out.with_name(self.out.name + ".partial")
        self.digest = digest
        self.resume = resume
        self._fd: int | None = None
        self._out_lock: contextlib.ExitStack | None = None

    def __enter__(self) -> StudyFolder:
        # the output's own lock (as every writer takes it), then the .partial folder's
        self._out_lock = contextlib.ExitStack()
        self._out_lock.enter_context(output_lock(self.out))
        try:
            self._enter()
        except BaseException:
            self._unlock()
            raise
        return self

    def _enter(self) -> None:
        if self.path.exists():
            if not self.path.is_dir() or not is_landsim_output(self.path):
                raise RunConfigError(
                    f"{self.path} exists and was not written by landsim; move it away first")
            self._lock()
            recorded = self._recorded_digest()
            if self.resume and recorded != self.digest:
                self._unlock()
                raise RunConfigError(
                    f"cannot --resume: {self.path} holds points of a different study (another "
                    "scenario, seed, replication count, engine, design or landsim version); "
                    "rerun without --resume to start afresh")
            if not self.resume:
                shutil.rmtree(self.path / "points", ignore_errors=True)
        else:
            self.path.mkdir(parents=True)
            self._lock()
        mark_folder(self.path, "partial")
        write_text_atomically(self.path / "study.json",
                              json.dumps({"study_sha256": self.digest}) + "\n")

    def __exit__(self, *exc) -> bool:
        self._unlock()
        return False

    def store(self) -> PointStore:
        """The point store inside this folder."""
        return PointStore(self.path / "points", study=self.digest)

    def finish(self) -> None:
        """Swap the finished folder into ``out`` (atomically) and release the lock."""
        clean_stale(self.out)
        install_folder(self.path, self.out)  # the previous output, swapped out, is removed
        self._unlock()

    def _recorded_digest(self) -> str | None:
        try:
            return json.loads((self.path / "study.json").read_text(encoding="utf-8"))[
                "study_sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _lock(self) -> None:
        import fcntl

        self._fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise RunConfigError(
                f"another landsim study is writing {self.out} right now; wait for it to "
                "finish or choose another --out") from None

    def _unlock(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the flock
            self._fd = None
        if self._out_lock is not None:
            self._out_lock.close()
            self._out_lock = None


def study_digest(**parts) -> str:
    """SHA-256 of everything that determines a study's points (JSON-serialisable parts)."""
    from simulator import __version__

    text = json.dumps({**parts, "landsim_version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
