"""Write a run's files into its output folder, atomically.

The folder is built under a temporary name next to its destination and renamed into
place only when every file is complete, so an interrupted or failed run never leaves
a half-written folder, and the previous run's folder stays intact until then.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

from simulator.inputs.errors import RunConfigError
from simulator.run.results import FORMAT_VERSION, SimulationResult

__all__ = [
    "PARQUET_MAX_ROWS",
    "replace_folder",
    "run_manifest",
    "write_run",
    "write_text_atomically",
]

PARQUET_MAX_ROWS = 50_000_000
"""Above this many (replication, year, pathway) rows replications.parquet is skipped."""


def replace_folder(final: Path, build: Callable[[Path], None]) -> Path:
    """Call ``build(tmp)`` to fill a temporary folder, then move it to ``final``.

    An existing ``final`` folder is replaced only after ``build`` succeeded.
    Raises ``RunConfigError`` if ``final`` exists and is not a folder.
    """
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise RunConfigError(f"{final} exists and is not a folder")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; outputs are for sharing
        build(tmp)
        if final.exists():
            old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(final, old)
            os.rename(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run_manifest(
    result: SimulationResult, *, command: list[str] | None = None, wall_seconds: float | None = None
) -> dict:
    """What ``run.json`` holds: versions, scenario hash, command line, wall time."""
    import pandas
    import scipy
    import simpy

    from simulator import __version__

    return {
        "format_version": FORMAT_VERSION,
        "landsim_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "simpy": simpy.__version__,
        "scenario": result.scenario.name,
        "scenario_file": result.scenario.file,
        "scenario_sha256": result.scenario.digest(),
        "seed": result.seed,
        "replications": result.replications,
        "engine": result.engine,
        "command": command,
        "wall_seconds": wall_seconds,
    }


def write_run(
    result: SimulationResult,
    out_dir: str | Path,
    *,
    command: list[str] | None = None,
    wall_seconds: float | None = None,
    parquet: bool = True,
    extra: Callable[[Path], None] | None = None,
) -> Path:
    """Write a run's files into ``out_dir``, replacing it atomically; returns the folder.

    Files: summary.json, targets.csv, annual.csv, pathways.csv, scurve.csv,
    histograms.csv, replications.parquet, scenario.resolved.yaml and run.json — everything
    the report needs, so it can be rebuilt without simulating again. ``extra(folder)``,
    if given, adds files (a report) before the folder is moved into place. Raises
    ``RunConfigError`` if ``out_dir`` is a file.
    """
    rows = result.annual.size
    write_parquet = parquet and rows <= PARQUET_MAX_ROWS

    def build(tmp: Path) -> None:
        summary = result.summary()
        if not write_parquet:
            summary["replications_parquet"] = (
                f"not written: {rows:,} rows exceed {PARQUET_MAX_ROWS:,}" if parquet else "skipped"
            )
        _write_json(tmp / "summary.json", summary)
        result.target_odds().to_csv(tmp / "targets.csv", float_format="%.6g")
        result.annual_summary().to_csv(tmp / "annual.csv", index=False, float_format="%.6g")
        result.pathway_summary().to_csv(tmp / "pathways.csv", float_format="%.6g")
        result.s_curve().to_csv(tmp / "scurve.csv", index=False, float_format="%.6g")
        result.histograms().to_csv(tmp / "histograms.csv", index=False, float_format="%.6g")
        if write_parquet:
            result.replications_frame().to_parquet(tmp / "replications.parquet", index=False)
        header = (
            f"# {result.scenario.name}: resolved scenario (every default filled in).\n"
            f"# sha256 {result.scenario.digest()}\n"
        )
        text = yaml.safe_dump(result.scenario.resolved(), sort_keys=False, allow_unicode=True)
        (tmp / "scenario.resolved.yaml").write_text(header + text, encoding="utf-8")
        _write_json(
            tmp / "run.json", run_manifest(result, command=command, wall_seconds=wall_seconds)
        )
        if extra is not None:
            extra(tmp)

    return replace_folder(Path(out_dir), build)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
