"""Read a run folder's files back only after checking them.

A run folder may have been edited, truncated, damaged or written by another landsim. Each
file is size-checked before it is parsed, parsed with its own format's model
(:mod:`simulator.run.summary_schema`) or column list, and cross-checked against the
run's scenario (the same targets, pathways and years). Anything that does not verify is a
``ReportError`` — one line naming the file and what is wrong, exit status 2 — never an
internal error, and never a number landsim cannot stand behind (NaN, inf, a probability
outside [0, 1]).
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from simulator.inputs.scenario import Scenario
from simulator.report.style import ReportError
from simulator.run.summary_schema import SUMMARY_FORMATS, RunSummary

__all__ = ["MAX_FILE_BYTES", "check_probabilities", "check_run_tables", "read_checked_csv",
           "read_checked_json"]

MAX_FILE_BYTES = 64 << 20
"""Largest run file read back (64 MiB): what the largest scenario writes is far smaller."""

_RERUN = "rerun the command that wrote it (`landsim run`, `sweep`, …) to write it again"


def _regular(path: Path) -> None:
    """Refuse what is not a regular file of a sane size, before opening it."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ReportError(f"{path}: not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise ReportError(f"{path}: {info.st_size:,} bytes, more than a run writes "
                          f"(at most {MAX_FILE_BYTES:,}); {_RERUN}")


def _text(path: Path) -> str:
    _regular(path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not UTF-8 text; {_RERUN}") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror})") from None


def _where(error: dict) -> str:
    return ".".join(str(p) for p in error["loc"]) or "(top level)"


def read_checked_json(path: Path, model: type[BaseModel] | None = None) -> dict:
    """A JSON file of a run folder, checked against ``model`` if given (extra keys kept)."""
    try:
        data = json.loads(_text(path), parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg}); "
                          f"{_RERUN}") from None
    except ValueError as exc:  # NaN, Infinity
        raise ReportError(f"{path}: {exc}; {_RERUN}") from None
    if model is None:
        if not isinstance(data, dict):
            raise ReportError(f"{path}: expected a JSON object; {_RERUN}")
        return data
    if model is RunSummary and isinstance(data, dict):
        version = data.get("format_version")
        if version not in SUMMARY_FORMATS:
            raise ReportError(f"{path}: format_version {version!r}; this landsim reads format "
                              f"{', '.join(map(str, SUMMARY_FORMATS))} — {_RERUN} with it")
    try:
        model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        shown = repr(first.get("input"))[:60]
        raise ReportError(f"{path}: {_where(first)}: {first['msg']} (got {shown}); "
                          f"{_RERUN}") from None
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number landsim writes")


def read_checked_csv(path: Path, columns: list[str], *, rows: int | None = None,
                     index_col: str | None = None) -> pd.DataFrame:
    """A CSV file of a run folder with exactly ``columns`` (numeric ones finite) and, if
    given, ``rows`` rows."""
    text = _text(path)  # size, type and encoding first; parsed from what was read
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise ReportError(f"{path}: not a CSV landsim wrote ({str(exc).splitlines()[0][:80]}); "
                          f"{_RERUN}") from None
    if list(frame.columns) != columns:
        raise ReportError(f"{path}: columns {', '.join(map(str, frame.columns))[:120]}; "
                          f"expected {', '.join(columns)}; {_RERUN}")
    if rows is not None and len(frame) != rows:
        raise ReportError(f"{path}: {len(frame):,} rows; the run's scenario gives {rows:,}; "
                          f"{_RERUN}")
    for col in columns:
        if col in ("pathway", "target"):
            if frame[col].isna().any():
                raise ReportError(f"{path}: an empty {col}; {_RERUN}")
            frame[col] = frame[col].astype(str)
            continue
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float))
        if bad.any():
            line = int(np.flatnonzero(bad)[0]) + 2  # the header is line 1
            raise ReportError(f"{path}:{line}: {col}: not a finite number; {_RERUN}")
        frame[col] = values
    return frame.set_index(index_col) if index_col else frame


def check_run_tables(folder: Path, scenario: Scenario, summary: dict) -> None:
    """Cross-check summary.json against the run's scenario: the same targets in the same
    order, cumulative release for every horizon year, probabilities in [0, 1]."""
    names = [t.name for t in scenario.targets]
    got = [t.get("name") for t in summary["targets"]]
    if got != names:
        raise ReportError(f"{folder / 'summary.json'}: targets {', '.join(map(str, got))[:120]} "
                          f"do not match the run's scenario ({', '.join(names)}); {_RERUN}")
    years = [str(y) for y in scenario.years]
    if sorted(summary["cumulative"], key=str) != sorted(years):
        raise ReportError(f"{folder / 'summary.json'}: cumulative years do not match the "
                          f"horizon {scenario.horizon.start}–{scenario.horizon.end}; {_RERUN}")


def check_probabilities(path: Path, frame: pd.DataFrame, column: str) -> None:
    """Every value of ``column`` a probability (finite, in [0, 1])."""
    values = frame[column].to_numpy(dtype=float)
    bad = ~((values >= 0) & (values <= 1))
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise ReportError(f"{path}:{line}: {column} {values[bad][0]!r} is not a probability "
                          f"in [0, 1]; {_RERUN}")
