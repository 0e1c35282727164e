"""The 20 advanced-manufacturing parks of the Layout Plan 2024–2035 (art. 11, table 2) as data.

``scenarios/parks/parks-2024.csv`` has one row a park: its number in the table, its name in
English and as the plan writes it, the district(s) it lies in, its area (km²) and where
the figures come from (*sourced*: the table). Two parks span two districts — Shiyan–Baiwang
(Bao'an and Nanshan) and the Yantian–Dapeng Eastern Coast (Yantian and Dapeng); the table
gives no split of their areas. The areas add up to 333.67 km² (art. 11: "about 333 km²").
The plan's 59 km² are released inside these parks; no district quota is published.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from simulator.inputs.errors import Problem, ScenarioError
from simulator.inputs.shipped import shipped_folder

__all__ = ["PARKS_FILE", "Park", "district_name", "load_parks"]

PARKS_FILE = "parks/parks-2024.csv"
"""Where the shipped parks table lives, inside the shipped scenarios folder."""

_COLUMNS = ("number", "park", "park_zh", "districts", "districts_zh", "area_km2",
            "provenance")


@dataclass(frozen=True)
class Park:
    """One park of table 2: names, district(s) (English and Chinese, in the same order) and
    area, km²."""

    number: int
    name: str
    name_zh: str
    districts: tuple[str, ...]
    districts_zh: tuple[str, ...]
    area_km2: float
    provenance: str


def load_parks(path: str | Path | None = None) -> tuple[Park, ...]:
    """The parks of ``path`` (default: the shipped table), in the table's order.

    Raises ``ScenarioError`` naming the file, the line and the column for a row that is not
    a park (a missing column, an area that is not a positive number, districts whose
    English and Chinese lists differ in length, a number out of sequence).
    """
    if path is None:
        folder = shipped_folder()
        if folder is None:
            raise ScenarioError([Problem("", f"no shipped {PARKS_FILE} (scenarios folder "
                                            "not found)")])
        path = folder / PARKS_FILE
    path = Path(path)
    problems: list[Problem] = []
    parks: list[Park] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ScenarioError([Problem("", f"missing column(s) {', '.join(missing)}; "
                                         f"expected {', '.join(_COLUMNS)}", str(path), 1)])
        for count, row in enumerate(reader, start=1):
            line = reader.line_num
            problem = _park_problem(row, count)
            if problem is not None:
                problems.append(Problem(problem[0], problem[1], str(path), line))
                continue
            parks.append(Park(
                number=int(row["number"]), name=row["park"].strip(),
                name_zh=row["park_zh"].strip(),
                districts=_split(row["districts"], ";"),
                districts_zh=_split(row["districts_zh"], "；"),
                area_km2=float(row["area_km2"]), provenance=row["provenance"].strip()))
    if problems:
        raise ScenarioError(problems)
    return tuple(parks)


def _split(text: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(sep) if part.strip())


def _park_problem(row: dict, expected: int) -> tuple[str, str] | None:
    """(column, what is wrong) of a row, or None."""
    if str(row.get("number", "")).strip() != str(expected):
        return "number", f"expected {expected} (the table's order), got {row.get('number')!r}"
    try:
        area = float(row["area_km2"])
    except (TypeError, ValueError):
        return "area_km2", f"not a number: {row.get('area_km2')!r}"
    if not 0 < area < 1000:
        return "area_km2", f"a park's area is a positive number of km² below 1,000, got {area:g}"
    if not (row.get("park") or "").strip() or not (row.get("park_zh") or "").strip():
        return "park", "a park needs its name in English and in Chinese"
    en, zh = _split(row.get("districts") or "", ";"), _split(row.get("districts_zh") or "", "；")
    if not en or len(en) != len(zh):
        return "districts", (f"{len(en)} district(s) in English ({'; '.join(en)}) but "
                             f"{len(zh)} in Chinese ({'；'.join(zh)}): list each in both")
    if not (row.get("provenance") or "").strip().startswith(("sourced:", "derived:",
                                                              "assumption:")):
        return "provenance", "say where the figures come from: sourced:, derived: or assumption:"
    return None


def district_name(name: str, lang: str) -> str:
    """``name`` of a district in ``lang`` ("en" or "zh"), as the shipped parks table gives
    both (宝安区 ↔ Bao'an); a name the table does not know is returned as it is."""
    table = _district_table()
    other = table.get(name)
    if other is None:
        return name
    is_zh = any("\u4e00" <= ch <= "\u9fff" for ch in name)
    if lang == "zh":
        return name if is_zh else other
    return other if is_zh else name


_TABLE: dict[str, str] | None = None


def _district_table() -> dict[str, str]:
    """English ↔ Chinese district names of the shipped parks table ({} if it is missing)."""
    global _TABLE
    if _TABLE is None:
        table: dict[str, str] = {}
        try:
            parks = load_parks()
        except (ScenarioError, OSError):
            parks = ()
        for park in parks:
            for en, zh in zip(park.districts, park.districts_zh, strict=True):
                table[en], table[zh] = zh, en
        _TABLE = table
    return _TABLE
