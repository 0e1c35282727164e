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
import re
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from simulator.inputs.errors import Problem, ScenarioError, did_you_mean, quote
from simulator.inputs.limits import MAX_CSV_BYTES, MAX_NAME, MAX_PIPELINE_ROWS
from simulator.inputs.validation import without_unset
from simulator.inputs.yamlsource import read_named_file, read_regular_file

__all__ = ["PipelineRow", "ReleasedFigure", "Status", "check_status", "is_illustrative",
           "merge_pipeline_file", "parse_pipeline_csv", "read_pipeline_csv", "released_km2",
           "status_provenance"]

_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)



class PipelineRow(BaseModel):
    """Projects of one pathway that are in ``stage`` at the status date."""

    model_config = _CONFIG

    pathway: str = Field(max_length=MAX_NAME)
    stage: str = Field(max_length=MAX_NAME)
    km2: float = Field(gt=0, description="Their total area, km².")
    projects: int = Field(1, ge=1, le=10_000, description="How many projects share that area.")
    since: float | None = Field(
        None, description="When they entered the stage (year, e.g. 2024.5); unknown if absent."
    )
    district: str | None = Field(
        None, min_length=1, max_length=MAX_NAME,
        description="The district (or park) they lie in: one of the pathway's districts "
                    "(default: placed by the pathway's shares).")

    @model_serializer(mode="wrap")
    def _without_unset_district(self, handler):
        # unset, so scenarios written before districts existed keep their digest
        return without_unset(handler(self), ("district",))


Km2 = Annotated[float, Field(ge=0)]
ReleasedFigure = Union[Km2, dict[Annotated[str, Field(min_length=1, max_length=MAX_NAME)], Km2]]  # noqa: UP007
"""A pathway's release in a year: km², or km² by district (their sum is the pathway's)."""


def released_km2(figure) -> float:
    """The km² of a ``released`` figure (a number, or the sum of its districts')."""
    return float(sum(figure.values())) if isinstance(figure, dict) else float(figure)


class Status(BaseModel):
    """Where things stand at ``as_of`` (the start of that year, or a fraction into it)."""

    model_config = _CONFIG

    as_of: float = Field(description="The status date, in years (2026 = the start of 2026).")
    released: dict[int, dict[str, ReleasedFigure]] = Field(
        default_factory=dict,
        description="Actual km² released by year (before as_of) and pathway; a pathway's "
                    "figure may be km² by district ({district: km², …}).")
    pipeline: list[PipelineRow] = Field(default_factory=list, max_length=MAX_PIPELINE_ROWS)
    pipeline_file: str | None = Field(
        None, description="CSV of pipeline rows (pathway, stage, km2, projects, since, district)."
    )

    def released_by_pathway(self) -> dict[int, dict[str, float]]:
        """``released`` as km² by year and pathway (districts summed)."""
        return {year: {name: released_km2(v) for name, v in by.items()}
                for year, by in self.released.items()}


# ---------------------------------------------------------------- the CSV pipeline

_COLUMNS = ("pathway", "stage", "km2", "projects", "since", "district")
_REQUIRED = ("pathway", "stage", "km2")
_KEY = "status.pipeline_file"
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""A number as the docs write them: 0.5, 12, 2024.5, 1e3 (no 1_000, 0x10, nan or inf)."""
_WHOLE = re.compile(r"[+-]?[0-9]+")


def read_pipeline_csv(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Read pipeline rows from a CSV file (header: pathway, stage, km2[, projects, since]).

    Returns ``[(line, row), …]``, ``line`` being the row's physical line in the file. Only
    a regular file is read (see :func:`~simulator.inputs.yamlsource.read_regular_file`);
    whether the scenario may name it is :func:`merge_pipeline_file`'s business. Raises
    ``ScenarioError`` with the file, the line and the column of every bad cell.
    """
    name = str(path)
    try:
        raw = read_regular_file(path, MAX_CSV_BYTES)
    except FileNotFoundError:
        raise ScenarioError([Problem(_KEY, "file not found", name)]) from None
    except ValueError as exc:
        raise ScenarioError([Problem(_KEY, f"the file {exc}", name)]) from None
    return parse_pipeline_csv(raw, name)


def parse_pipeline_csv(raw: bytes, name: str) -> list[tuple[int, dict[str, Any]]]:
    """Pipeline rows of the CSV bytes ``raw`` (of the file ``name``); see
    :func:`read_pipeline_csv`.

    Only ``,`` separates cells and only a newline (``\\n`` or ``\\r\\n``) ends a row: a
    vertical tab, form feed or Unicode line separator is a character of its cell. Problems
    are at the physical line of the cell (after a quoted cell that spans lines, too), and
    quote at most that cell, escaped; nothing of a file whose first line is not a pipeline
    header is shown.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([Problem(_KEY, "not UTF-8 text", name, line)]) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    reader = csv.reader((part.removesuffix("\r") + "\n" for part in lines), strict=True)
    records: list[tuple[int, list[str]]] = []  # (first physical line, cells)
    while True:
        first = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ScenarioError([Problem(_KEY, _csv_error(str(exc), first, reader.line_num),
                                         name, reader.line_num)]) from None
        if records and not any(c.strip(" \t") for c in cells):
            continue  # a blank row (the header is the first row, blank or not)
        records.append((first, cells))
        if len(records) > MAX_PIPELINE_ROWS + 1:
            break  # the rows below say so
    if not records:
        raise ScenarioError([Problem(_KEY, "the file is empty; expected a header row "
                                           f"({','.join(_COLUMNS)})", name, 1)])
    header = [h.strip(" \t") for h in records[0][1]]
    _check_header(header, name)
    problems, rows = [], []
    for first, cells in records[1:]:
        if len(cells) != len(header):
            problems.append(Problem(_KEY, f"row has {len(cells)} cells, the header "
                                          f"{len(header)}; only ',' separates cells (a cell "
                                          "holding a comma is written in double quotes)",
                                    name, first))
            continue
        row: dict[str, Any] = {}
        line = first
        for col, cell in zip(header, cells, strict=True):
            try:
                row[col] = _cell(col, cell.strip(" \t"))
            except ValueError as exc:
                problems.append(Problem(_KEY, f"column '{col}': {exc}", name, line))
            line += cell.count("\n")  # the next cell starts where this one ends
        rows.append((first, row))
        if len(rows) > MAX_PIPELINE_ROWS:
            problems.append(Problem(_KEY, f"more than {MAX_PIPELINE_ROWS} rows", name, first))
            break
    if problems:
        raise ScenarioError(problems)
    return [(line, {k: v for k, v in row.items() if v is not None}) for line, row in rows]


def _csv_error(what: str, first: int, line: int) -> str:
    if "new-line character" in what:
        return ("a carriage return (\\r) inside a row: a row ends with a newline (\\n or "
                "\\r\\n), and a cell holding a line break is written in double quotes")
    if "unexpected end of data" in what:
        return (f"the quoted cell of the row that starts on line {first} is not closed by the "
                "end of the file")
    since = f" (in the row that starts on line {first})" if first != line else ""
    return (f"not valid CSV{since}: {what}; cells are separated by ',' and a cell with a comma, "
            "a quote or a line break is written in double quotes (\"\" for a quote)")


def _check_header(header: list[str], name: str) -> None:
    """Refuse a first line that is not the pipeline header (quoting nothing of a file that
    is not a pipeline CSV at all, and at most a few escaped cells of one that is)."""
    expected = (f"the columns are {', '.join(_REQUIRED)} and optionally projects, since, "
                "district, separated by commas")
    if not any(h in _COLUMNS for h in header):
        raise ScenarioError([Problem(_KEY, "line 1 is not the header of a pipeline CSV; "
                                           f"{expected}", name, 1)])
    unknown = [h for h in header if h not in _COLUMNS]
    what = [f"unknown column {quote(h)}" for h in unknown[:3]]
    if len(unknown) > 3:
        what.append(f"{len(unknown) - 3} more unknown columns")
    what += [f"column '{c}' appears {header.count(c)} times" for c in _COLUMNS
             if header.count(c) > 1]
    what += [f"missing column '{c}'" for c in _REQUIRED if c not in header]
    if what:
        raise ScenarioError([Problem(_KEY, f"{'; '.join(what)}; {expected}", name, 1)])


def _cell(col: str, cell: str) -> Any:
    if col == "district" and not cell:
        return None
    if col in ("pathway", "stage", "district"):
        if not cell:
            raise ValueError("must not be empty")
        if len(cell) > MAX_NAME or not cell.isprintable():
            raise ValueError(f"must be a {col} name of at most {MAX_NAME} printable characters "
                             f"(got {quote(cell)})")
        return cell
    if not cell:
        if col == "km2":
            raise ValueError("must not be empty")
        return None
    if col == "projects":
        if not _WHOLE.fullmatch(cell):
            raise ValueError(f"must be a whole number, such as 1 or 25 (got {quote(cell)})")
        value: float = int(cell)
    else:
        if not _DECIMAL.fullmatch(cell):
            raise ValueError(f"must be a number written in decimals, such as 0.5, 12 or 1.5e3 "
                             f"(got {quote(cell)}); digit separators, hex, nan and inf are "
                             "not numbers here")
        value = float(cell)
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number (got {quote(cell)})")
    if col == "km2" and value <= 0:
        raise ValueError(f"must be > 0 (got {quote(cell)})")
    if col == "projects" and value < 1:
        raise ValueError(f"must be ≥ 1 (got {quote(cell)})")
    return value


def merge_pipeline_file(
    data: dict, scenario_file: str | None, line_of=None, data_dirs: tuple | list = ()
) -> tuple[dict, dict[int, tuple[str, int]]]:
    """``data`` with ``status.pipeline_file``'s rows appended to ``status.pipeline``.

    Also returns, for each appended row's index, the CSV file and line it came from (so
    later problems with it point into the CSV). The file is found relative to the
    scenario's folder and must lie inside it or inside one of ``data_dirs`` (``--data``);
    only a regular file is read. A file the scenario may not name, or cannot be read, is a
    problem at the scenario's ``pipeline_file`` line (``line_of(path)`` gives it); a bad
    cell is a problem at its line of the CSV. The merged scenario no longer names the
    file, so it reloads (from ``scenario.resolved.yaml``) to the same rows. Raises
    ``ScenarioError`` for a bad file.
    """
    status = data.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("pipeline_file"), str):
        return data, {}
    name = status["pipeline_file"]
    at = line_of(("status", "pipeline_file")) if line_of is not None else None

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(_KEY, message, scenario_file, at)])

    try:
        path, raw = read_named_file(
            name, scenario_file, data_dirs, MAX_CSV_BYTES,
            lambda where: f"no file {quote(name, 100)} (looked for {where}); pipeline_file is "
                          "relative to the scenario's folder")
    except ValueError as exc:
        raise refuse(str(exc)) from None
    rows = parse_pipeline_csv(raw, str(path))
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
    as_of = _given(s.as_of)
    inside = start <= s.as_of <= end + 1
    if not inside:
        out.append((here + ("as_of",), f"{as_of} is outside the horizon; the status date "
                    f"must lie in {start}–{end + 1} (the start of a year, or a fraction into it)"))
    for year, by_pathway in s.released.items():
        where = here + ("released", year)
        if year < start:
            out.append((where, f"year {year} is before the horizon start ({start})"))
        elif not year < s.as_of:
            out.append((where, f"year {year} is not before the status date ({as_of}); "
                        "releases at or after as_of are what the model forecasts"))
        for name, figure in by_pathway.items():
            if name not in scenario.pathways:
                out.append((where + (name,), _unknown(name, names)))
            elif isinstance(figure, dict):
                out += [(where + (name, d), problem) for d in figure
                        if (problem := _district_problem(scenario, name, d))]
    if inside:
        out += _missing_years(scenario)
    occupied: dict[tuple[str, str], int] = {}
    for i, row in enumerate(s.pipeline):
        where = here + ("pipeline", i)
        pathway = scenario.pathways.get(row.pathway)
        if pathway is None:
            out.append((where + ("pathway",), _unknown(row.pathway, names)))
            continue
        if not pathway.stages:
            out.append((where + ("pathway",), f"{quote(row.pathway)} has no stages of its own "
                        "(it is routed); enter its projects under the pathway whose stages they are in"))
            continue
        stages = [st.name for st in pathway.stages]
        if row.stage not in stages:
            out.append((where + ("stage",), f"{quote(row.stage)} is not a stage of "
                        f"'{row.pathway}'{did_you_mean(row.stage, stages)}; its stages: "
                        f"{', '.join(stages)}"))
            continue
        if row.district is not None and (
                problem := _district_problem(scenario, row.pathway, row.district)):
            out.append((where + ("district",), problem))
        if row.since is not None and row.since > s.as_of:
            out.append((where + ("since",), f"{_given(row.since)} is after the status date "
                        f"({as_of})"))
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


def _district_problem(scenario, pathway: str, district: str) -> str | None:
    """Why ``district`` cannot hold figures of ``pathway``, or None."""
    shares = scenario.districts_of(pathway)
    if shares is None:
        return (f"'{pathway}' has no districts; give it shares (pathways.{pathway}.districts) "
                "before its status figures name one")
    if district not in shares:
        return (f"'{district}' is not a district of '{pathway}'"
                f"{did_you_mean(district, list(shares))}; its districts: {', '.join(shares)}")
    return None


def _missing_years(scenario) -> list[tuple[tuple, str]]:
    """Whole years before the status date without figures in ``released``.

    Every year from the plan's first year (the horizon start, if later) to the last whole
    year before ``as_of`` must be given: the model counts a missing year as 0 km² observed,
    which is a finding when it is true and a silent error when the figures were left out.
    A fractional ``as_of``'s own year may be left out (it counts 0 so far, and the run says
    so); years before the plan's first year release nothing the plan knows of.
    """
    s = scenario.status
    first = max(scenario.horizon.start,
                min(min(p.plan) for p in scenario.pathways.values()))
    last = math.floor(s.as_of) - 1
    missing = [y for y in range(first, last + 1) if y not in s.released]
    if not missing:
        return []
    pathway = next(iter(scenario.pathways))
    y = missing[0]
    since = f"{first} (the plan's first year)" if first > scenario.horizon.start else f"{first}"
    return [(("status", "released"),
             f"no figures for {_years(missing)}: every year from {since} to {last}, the last "
             f"whole year before the status date {_given(s.as_of)}, needs its actual release "
             "(else it would count as 0 km² observed); a year with no release is written as "
             f"0, e.g. {y}: {{}} or {y}: {{{pathway}: 0}}")]


def _years(years: list[int]) -> str:
    """2024, 2026–2028: years in runs."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def _given(value: float) -> str:
    """A number as it was given: 2036 for 2036.0, and 2036.0001 as 2036.0001 (not ``:g``'s
    2036); the shortest text that reads back to the same float."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _unknown(name: str, names: list[str]) -> str:
    return (f"{quote(name, MAX_NAME)} is not a pathway{did_you_mean(name, names)}; known "
            f"pathways: {', '.join(names)}")


_WEAKEST = ("illustrative", "assumption", "derived", "sourced")
"""Status-figure labels, weakest first (a part takes the weakest label of its keys)."""


def is_illustrative(label: str) -> bool:
    """Whether a provenance label says its value is illustrative ("illustrative" or 示意)."""
    return "illustrative" in label.lower() or "示意" in label


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
            if is_illustrative(text):
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
