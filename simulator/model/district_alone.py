"""One district on its own: a city scenario with the rest of the city removed.

A district's part of a pathway is its share ``w`` (``districts:``). Alone, it keeps that
part of everything the pathway holds in common: the plan (× w), the projects (its
largest-remainder count, the same it holds in the city), the yearly cap (× w) and each
stage's capacity (× w, rounded, at least 1); stages, yields, routes and correlation are the
pathway's own. Status figures keep what names the district (and w of what names none);
an office's pool keeps the district's share of the plan it tops up. Targets that count the
district are kept; city-wide targets, pathways without the district, and the levers and
uncertain parameters of removed pathways are dropped.

Why: a district plan inside the city's (Longgang's ≥ 4 km² of consolidation in 2021–2025
inside the city's 25 km²) should agree with the district's own scenario once the rest of
the city is removed — the check ``tests/test_districts.py`` makes against
``scenarios/longgang-2025.yaml``.
"""

from __future__ import annotations

import re

from simulator.inputs.scenario import Scenario, scenario_from_dict
from simulator.model.places import apportion

__all__ = ["district_alone"]


def district_alone(scenario: Scenario, district: str) -> Scenario:
    """``scenario`` with only ``district``'s projects (see the module), named
    ``<name>-<district>`` when the district's name is a valid key, else ``<name>-alone``.

    Raises ``ValueError`` if no pathway has projects in ``district`` or no target counts
    it, and ``ScenarioError`` if what is left is not a valid scenario.
    """
    data = scenario.resolved()
    kept: dict[str, float] = {}
    for name in scenario.pathways:
        shares = scenario.districts_of(name)
        if shares and district in shares:
            kept[name] = shares[district]
    if not kept:
        raise ValueError(f"no pathway of '{scenario.name}' has projects in '{district}'")
    targets = [t for t in data["targets"] if t.get("district") == district]
    if not targets:
        raise ValueError(f"no target of '{scenario.name}' counts '{district}' (district: "
                         f"{district})")
    pathways = {}
    for name, w in kept.items():
        p = dict(data["pathways"][name])
        shares = scenario.districts_of(name)
        index = list(shares).index(district)
        count = apportion(list(shares.values()), p["projects"]["count"])[index]
        p["plan"] = {y: km2 * w for y, km2 in p["plan"].items()}
        p["projects"] = {**p["projects"], "count": max(count, 1)}
        if p.get("annual_cap") is not None:
            p["annual_cap"] = p["annual_cap"] * w
        p["stages"] = [{**s, **({"capacity": max(1, round(s["capacity"] * w))}
                                if s.get("capacity") is not None else {})}
                       for s in p["stages"]]
        if p.get("route") is not None:
            p["route"] = {**p["route"], "to": {k: v for k, v in p["route"]["to"].items()
                                                 if k in kept}}
        p["districts"] = {district: 1.0}
        pathways[name] = p
    data["pathways"] = pathways
    data["districts"] = None
    data["targets"] = [{**t, "pathways": [p for p in t["pathways"] if p in kept]}
                       if t.get("pathways") else t for t in targets]
    if data.get("headline") not in {t["name"] for t in targets}:
        data["headline"] = None
    data["levers"] = [lv for lv in data.get("levers") or [] if _kept(lv["path"], kept)]
    data["uncertain"] = {k: v for k, v in (data.get("uncertain") or {}).items()
                         if _kept(k, kept)}
    _keep_status(data, scenario, district, kept)
    _keep_pools(data, scenario, kept)
    suffix = district if re.fullmatch(r"[a-z0-9][a-z0-9-]*", district) else "alone"
    data["name"] = f"{scenario.name}-{suffix}"[:64]
    data["provenance"] = {k: v for k, v in (data.get("provenance") or {}).items()
                          if _kept(k, kept)}
    return scenario_from_dict(data, file=scenario.file)


def _kept(path: str, kept: dict) -> bool:
    """Whether a key path survives: not under a removed pathway."""
    match = re.match(r"pathways\.([^.\[]+)", path)
    return match is None or match.group(1) in kept


def _keep_status(data: dict, scenario: Scenario, district: str, kept: dict) -> None:
    status = data.get("status")
    if status is None:
        return
    released = {}
    for year, by_pathway in status["released"].items():
        row = {}
        for name, figure in by_pathway.items():
            if name not in kept:
                continue
            row[name] = (figure.get(district, 0.0) if isinstance(figure, dict)
                         else figure * kept[name])
        released[year] = row or {next(iter(kept)): 0.0}
    pipeline = []
    for row in status["pipeline"]:
        if row["pathway"] not in kept or row.get("district") not in (None, district):
            continue
        if row.get("district") is None:  # placed by the shares: the district's part
            w = kept[row["pathway"]]
            row = {**row, "km2": row["km2"] * w,
                   "projects": max(1, round(row.get("projects", 1) * w))}
        pipeline.append(row)
    data["status"] = {**status, "released": released, "pipeline": pipeline,
                      "pipeline_file": None}


def _keep_pools(data: dict, scenario: Scenario, kept: dict) -> None:
    """An office's pool × the district's share of the plan it tops up (a pathway's own
    office: that pathway's share)."""
    planned = scenario.planned_km2
    mine = sum(scenario.pathways[n].planned_km2 * w for n, w in kept.items())
    blocks = [(data, mine / planned), *((data["pathways"][n], w) for n, w in kept.items())]
    for block, w in blocks:
        office = block.get("management")
        if office is not None and office.get("pool_km2"):
            block["management"] = {**office, "pool_km2": office["pool_km2"] * w}
