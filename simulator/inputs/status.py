"""The ``status`` block of a scenario: where things stand at a status date.

A statused scenario forecasts from ``as_of`` on. Years before it are history: what each
pathway released (``released``, km² by year and pathway) counts as fact, and the
projects in progress (``pipeline``: pathway, stage, km², project count and, if known,
since when they have been in that stage) continue from where they are. The pipeline may
also come from a CSV file (``pipeline_file``), one project or group of projects a row.

This module holds the schema, the CSV reader and the cross-checks against the rest of
the scenario; what the engines make of a status is :mod:`simulator.model.status`.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from simulator.inputs.errors import Problem, ScenarioError

__all__ = ["PipelineRow", "Status", "check_status", "merge_pipeline_file", "read_pipeline_csv",
           "status_provenance"]

_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

MAX_PIPELINE_ROWS = 5_000
"""Most rows a pipeline may have (each row is at least one project)."""
MAX_CSV_BYTES = 1 << 20


class PipelineRow(BaseModel):
    """Projects of one pathway that are in ``stage`` at the status date."""

    model_config = _CONFIG

    pathway: str
    stage: str
    km2: float = Field(gt=0, description="Their total area, km².")
    projects: int = Field(1, ge=1, le=10_000, description="How many projects share that area.")
    since: float | None = Field(
        None, description="When they entered the stage (year, e.g. 2024.5); unknown if absent."
    )


class Status(BaseModel):
    """Where things stand at ``as_of`` (the start of that year, or a fraction into it)."""

    model_config = _CONFIG

    as_of: float = Field(description="The status date, in years (2026 = the start of 2026).")
    released: dict[int, dict[str, Annotated[float, Field(ge=0)]]] = Field(
        default_factory=dict, description="Actual km² released by year (before as_of) and pathway."
    )
    pipeline: list[PipelineRow] = Field(default_factory=list, max_length=MAX_PIPELINE_ROWS)
    pipeline_file: str | None = Field(
        None, description="CSV of pipeline rows (pathway, stage, km2, projects, since)."
    )


# ---------------------------------------------------------------- the CSV pipeline

_COLUMNS = ("pathway", "stage", "km2", "projects", "since")
_REQUIRED = ("pathway", "stage", "km2")


def read_pipeline_csv(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Read pipeline rows from a CSV file (header: pathway, stage, km2[, projects, since]).

    Returns ``[(line, row), …]``, ``line`` being the row's line in the file.
    Blank ``projects`` means 1, blank ``since`` means unknown. Raises ``ScenarioError``
    with the file, the row's line and the column for every bad cell.
    """
    name = str(path)
    key = "status.pipeline_file"
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CSV_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([Problem(key, "file not found", name)]) from None
    except OSError as exc:
        raise ScenarioError([Problem(key, f"cannot read: {exc.strerror}", name)]) from None
    if len(raw) > MAX_CSV_BYTES:
        raise ScenarioError([Problem(key, f"larger than {MAX_CSV_BYTES // 1024} KiB", name)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(key, "not UTF-8 text", name)]) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise ScenarioError([Problem(key, "the file is empty; expected a header row "
                                          f"({', '.join(_COLUMNS)})", name, 1)])
    header = [h.strip() for h in header]
    problems = []
    unknown = [h for h in header if h not in _COLUMNS]
    missing = [c for c in _REQUIRED if c not in header]
    if unknown or missing:
        what = [f"unknown column '{h}'" for h in unknown] + [f"missing column '{c}'"
                                                             for c in missing]
        raise ScenarioError([Problem(key, f"{'; '.join(what)}; columns: {', '.join(_COLUMNS)}",
                                     name, 1)])
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(Problem(key, f"row has {len(cells)} cells, the header "
                                         f"{len(header)}", name, line))
            continue
        row: dict[str, Any] = {}
        for col, cell in zip(header, cells, strict=True):
            cell = cell.strip()
            try:
                row[col] = _cell(col, cell)
            except ValueError as exc:
                problems.append(Problem(key, f"column '{col}': {exc}", name, line))
        rows.append((line, row))
        if len(rows) > MAX_PIPELINE_ROWS:
            problems.append(Problem(key, f"more than {MAX_PIPELINE_ROWS} rows", name, line))
            break
    if problems:
        raise ScenarioError(problems)
    return [(line, {k: v for k, v in row.items() if v is not None}) for line, row in rows]


def _cell(col: str, cell: str) -> Any:
    if col in ("pathway", "stage"):
        if not cell:
            raise ValueError("must not be empty")
        return cell
    if not cell:
        if col == "km2":
            raise ValueError("must not be empty")
        return None
    try:
        value = int(cell) if col == "projects" else float(cell)
    except ValueError:
        wanted = "a whole number" if col == "projects" else "a number"
        raise ValueError(f"must be {wanted} (got {cell!r})") from None
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number (got {cell!r})")
    if col == "km2" and value <= 0:
        raise ValueError(f"must be > 0 (got {cell})")
    if col == "projects" and value < 1:
        raise ValueError(f"must be ≥ 1 (got {cell})")
    return value


def merge_pipeline_file(
    data: dict, scenario_file: str | None
) -> tuple[dict, dict[int, tuple[str, int]]]:
    """``data`` with ``status.pipeline_file``'s rows appended to ``status.pipeline``.

    Also returns, for each appended row's index, the CSV file and line it came from (so
    later problems with it point into the CSV). The file is found relative to the
    scenario's folder. The merged scenario no longer names the file, so it reloads (from
    ``scenario.resolved.yaml``) to the same rows. Raises ``ScenarioError`` for a bad file.
    """
    status = data.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("pipeline_file"), str):
        return data, {}
    name = status["pipeline_file"]
    path = Path(name)
    if not path.is_absolute() and scenario_file:
        path = Path(scenario_file).parent / path
    rows = read_pipeline_csv(path)
    inline = status.get("pipeline") or []
    if not isinstance(inline, list):
        return data, {}  # the schema reports it
    merged = {k: v for k, v in status.items() if k != "pipeline_file"}
    merged["pipeline"] = [*inline, *(row for _, row in rows)]
    origins = {len(inline) + i: (str(path), line) for i, (line, _) in enumerate(rows)}
    return {**data, "status": merged}, origins


# ---------------------------------------------------------------- cross-checks


def check_status(scenario) -> list[tuple[tuple, str]]:
    """Cross-checks of ``scenario.status`` against the horizon and pathways: ``[(path, msg)]``."""
    s = scenario.status
    if s is None:
        return []
    out: list[tuple[tuple, str]] = []
    start, end = scenario.horizon.start, scenario.horizon.end
    here = ("status",)
    names = list(scenario.pathways)
    if not start <= s.as_of <= end + 1:
        out.append((here + ("as_of",), f"{s.as_of:g} is outside the horizon; the status date "
                    f"must lie in {start}–{end + 1} (the start of a year, or a fraction into it)"))
    for year, by_pathway in s.released.items():
        where = here + ("released", year)
        if year < start:
            out.append((where, f"year {year} is before the horizon start ({start})"))
        elif not year < s.as_of:
            out.append((where, f"year {year} is not before the status date ({s.as_of:g}); "
                        "releases at or after as_of are what the model forecasts"))
        for name in by_pathway:
            if name not in scenario.pathways:
                out.append((where + (name,), _unknown(name, names)))
    occupied: dict[tuple[str, str], int] = {}
    for i, row in enumerate(s.pipeline):
        where = here + ("pipeline", i)
        pathway = scenario.pathways.get(row.pathway)
        if pathway is None:
            out.append((where + ("pathway",), _unknown(row.pathway, names)))
            continue
        if not pathway.stages:
            out.append((where + ("pathway",), f"'{row.pathway}' has no stages of its own (it is "
                        "routed); enter its projects under the pathway whose stages they are in"))
            continue
        stages = [st.name for st in pathway.stages]
        if row.stage not in stages:
            out.append((where + ("stage",), f"'{row.stage}' is not a stage of '{row.pathway}'; "
                        f"its stages: {', '.join(stages)}"))
            continue
        if row.since is not None and row.since > s.as_of:
            out.append((where + ("since",), f"{row.since:g} is after the status date "
                        f"({s.as_of:g})"))
        occupied[(row.pathway, row.stage)] = occupied.get((row.pathway, row.stage), 0) + row.projects
    for (pname, sname), count in occupied.items():
        stage = next(st for st in scenario.pathways[pname].stages if st.name == sname)
        if stage.capacity is not None and count > stage.capacity:
            first = next(i for i, r in enumerate(s.pipeline)
                         if (r.pathway, r.stage) == (pname, sname))
            out.append((here + ("pipeline", first), f"{count} projects are in "
                        f"{pname}.{sname} at the status date but it holds at most "
                        f"{stage.capacity} at once (stages[].capacity)"))
    return out


def _unknown(name: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"'{name}' is not a pathway{hint}; known pathways: {', '.join(names)}"


_WEAKEST = ("illustrative", "assumption", "derived", "sourced")
"""Status-figure labels, weakest first (a part takes the weakest label of its keys)."""


def status_provenance(scenario) -> dict:
    """What the status figures are, from their labels: summary.json's ``status.provenance``.

    ``released`` and ``pipeline`` each get the weakest label among their key paths'
    (``illustrative`` when a note says so — "illustrative" or 示意 — else ``assumption``,
    ``derived`` or ``sourced``; ``None`` when unlabelled). ``notice`` is ``illustrative``
    when either part is, ``assumption`` when either is an assumption, else ``None``: the
    report and the printed table then say that these inputs are not reported data.
    """
    parts: dict[str, str | None] = {"released": None, "pipeline": None}
    for path, text in scenario.provenance.items():
        for part in parts:
            if not (path == f"status.{part}" or path.startswith((f"status.{part}.",
                                                                 f"status.{part}["))
                    or (part == "pipeline" and path == "status.pipeline_file")):
                continue
            label = text.partition(":")[0].strip()
            if "illustrative" in text.lower() or "示意" in text:
                label = "illustrative"
            if label not in _WEAKEST:
                continue
            now = parts[part]
            if now is None or _WEAKEST.index(label) < _WEAKEST.index(now):
                parts[part] = label
    kinds = set(parts.values())
    notice = ("illustrative" if "illustrative" in kinds else
              "assumption" if "assumption" in kinds else None)
    return {**parts, "notice": notice}
