"""Districts of a run as the report and the explorer read them: which target the district
section is about, each district's row, the tiles of the schematic map and the fan of each
district. Pure functions of summary.json (its ``districts`` and ``targets``): no matplotlib,
no HTML. Areas are km², probabilities fractions of 1."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from simulator.inputs.errors import LandsimError
from simulator.report.i18n import t

__all__ = ["TILES", "Tile", "UnknownDistrict", "district_label", "district_rows", "fan_data",
           "gap_leaders", "has_districts", "section_target", "target_rows", "tile_key",
           "tile_values"]

TILES: dict[str, tuple[float, float]] = {
    # (column, row) of each Shenzhen district, west to east and north (row 0) to south: a
    # schematic placed by hand, no outside map data. The southern row sits half a tile to
    # the east, so that each district touches the ones it borders, roughly.
    "baoan": (0.0, 0.0), "guangming": (1.0, 0.0), "longhua": (2.0, 0.0),
    "longgang": (3.0, 0.0), "pingshan": (4.0, 0.0),
    "nanshan": (0.5, 1.0), "futian": (1.5, 1.0), "luohu": (2.5, 1.0),
    "yantian": (3.5, 1.0), "dapeng": (4.5, 1.0),
    "shenshan": (6.2, 0.5),  # Shenzhen-Shanwei: detached, far to the east
}
"""Tile positions by key; each key's names in both languages are ``district.<key>``."""


class UnknownDistrict(LandsimError):
    """A district the run does not have (a typo, another scenario's, a forged value)."""


@dataclass(frozen=True)
class Tile:
    """A tile of the map: its key and place, the district the scenario names there (None:
    not named, drawn grey), its part of the section's target (km²) and P(≥ part)."""

    key: str
    column: float
    row: float
    district: str | None = None
    part_km2: float | None = None
    probability: float | None = None


def has_districts(summary: dict) -> bool:
    """Whether a run has districts to show (a summary written before districts has none)."""
    districts = summary.get("districts")
    return bool(districts and districts.get("names") and districts.get("by_target"))


def tile_key(name: str) -> str | None:
    """The tile of a district written as ``name`` (宝安区, Bao'an, bao'an), None if the map
    does not know it (a user's own district or park)."""
    wanted = name.strip().casefold()
    for key in TILES:
        if wanted in {t(f"district.{key}", lang).casefold() for lang in ("en", "zh")}:
            return key
    return None


def district_label(name: str, lang: str) -> str:
    """A district as the report names it in ``lang``: the map's name for it, else the
    shipped parks table's, else as the scenario writes it."""
    from simulator.run.districts import UNPLACED

    if name == UNPLACED:
        return t("districts.unplaced", lang)
    key = tile_key(name)
    if key is not None:
        return t(f"district.{key}", lang)
    from simulator.inputs.parks import district_name

    return district_name(name, lang)


def _target_info(summary: dict, name: str) -> dict:
    return next((x for x in summary["targets"] if x["name"] == name), {})


def section_target(summary: dict, headline: str | None) -> str | None:
    """The city-wide target the district section is about: the scenario's ``headline`` if
    the districts were read against it, else the first such target still open (not
    history), else the first; None without districts."""
    if not has_districts(summary):
        return None
    read = list(summary["districts"]["by_target"])
    if headline in read and not _target_info(summary, headline).get("observed"):
        return headline
    open_ = [name for name in read if not _target_info(summary, name).get("observed")]
    return (open_ or read)[0]


def district_rows(summary: dict, target: str) -> list[dict]:
    """Each district's figures for ``target`` (summary.json's ``by_target`` entry with its
    ``district`` added), in the order the scenario names the districts. Raises
    ``UnknownDistrict`` if the districts were not read against ``target``."""
    by_target = summary["districts"]["by_target"]
    if target not in by_target:
        raise UnknownDistrict(f"no district figures for target {target!r}")
    rows = by_target[target]
    return [{"district": d, **rows[d]} for d in summary["districts"]["names"] if d in rows]


def target_rows(summary: dict, district: str) -> list[dict]:
    """One district's figures for each city-wide target still open (as the CLI's tables:
    history has no odds), each with ``target`` added. Raises ``UnknownDistrict`` if the
    run has no such district."""
    if not has_districts(summary) or district not in summary["districts"]["names"]:
        raise UnknownDistrict(f"no district {district[:80]!r} in this run")
    out = []
    for name, rows in summary["districts"]["by_target"].items():
        if _target_info(summary, name).get("observed") or district not in rows:
            continue
        out.append({"target": name, **rows[district]})
    return out


def gap_leaders(rows: list[dict], k: int = 3) -> list[dict]:
    """The ``k`` districts that carry most of the city's shortfall (largest positive share of
    the city's gap), largest first; [] when the city never misses."""
    carrying = [r for r in rows if (r.get("share_of_city_gap") or 0) > 0]
    return sorted(carrying, key=lambda r: -r["share_of_city_gap"])[:k]


def tile_values(summary: dict, target: str) -> tuple[list[Tile], list[dict]]:
    """The map's tiles, each with its district's part of ``target`` and P(≥ part) (grey,
    None, where the scenario names no district), and the rows of the districts the map does
    not know (listed beside it rather than dropped)."""
    rows = district_rows(summary, target)
    placed: dict[str, dict] = {}
    beside = []
    for row in rows:
        key = tile_key(row["district"])
        if key is None or key in placed:  # a second name for one tile: listed beside
            beside.append(row)
        else:
            placed[key] = row
    tiles = []
    for key, (column, row_) in TILES.items():
        found = placed.get(key)
        tiles.append(Tile(key, column, row_) if found is None else
                     Tile(key, column, row_, found["district"], found["part_km2"],
                          found["probability"]))
    return tiles, beside


def fan_data(summary: dict, district: str) -> pd.DataFrame:
    """A district's cumulative release by the end of each year, all pathways (km²):
    columns mean, p10, p50, p90, indexed by year (int). Raises ``UnknownDistrict``."""
    cumulative = (summary.get("districts") or {}).get("cumulative") or {}
    if district not in cumulative:
        raise UnknownDistrict(f"no district {district[:80]!r} in this run")
    frame = pd.DataFrame.from_dict(cumulative[district], orient="index")
    frame.index = frame.index.astype(int)
    return frame.sort_index()[["mean", "p10", "p50", "p90"]]
