"""Hypothesis strategies for random valid scenarios (small, so the DES engine is quick)."""

from __future__ import annotations

from hypothesis import strategies as st

positive = st.floats(0.1, 3.0, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def durations(draw):
    kind = draw(st.sampled_from(
        ["fixed", "uniform", "triangular", "pert", "lognormal", "gamma", "exponential", "empirical"]
    ))
    a = draw(positive)
    b = round(a + draw(positive), 3)
    spec = {
        "fixed": a,
        "uniform": {"dist": "uniform", "min": a, "max": b},
        "triangular": {"dist": "triangular", "min": a, "mode": a, "max": b},
        "pert": {"dist": "pert", "min": a, "mode": round((a + b) / 2, 3), "max": b},
        "lognormal": {"dist": "lognormal", "median": a, "sigma": draw(st.sampled_from([0.0, 0.3, 1.0]))},
        "gamma": {"dist": "gamma", "mean": a, "sd": round(a / 2, 3)},
        "exponential": {"dist": "exponential", "mean": a},
        "empirical": {"dist": "empirical", "values": [a, b]},
    }[kind]
    if isinstance(spec, dict) and draw(st.booleans()):
        spec["nominal"] = draw(positive)
    return spec


@st.composite
def scenarios(draw):
    start = 2022
    end = start + draw(st.integers(1, 8))
    years = list(range(start, end + 1))
    n = draw(st.integers(1, 3))
    names = [f"p{i}" for i in range(n)]
    pathways = {}
    for name in names:
        plan_years = draw(st.lists(st.sampled_from(years), min_size=1, max_size=3, unique=True))
        plan = {y: draw(positive) for y in sorted(plan_years)}
        stages = [
            {
                "name": f"s{k}",
                "duration": draw(durations()),
                "dropout": draw(st.sampled_from([0.0, 0.1, 0.5])),
                **({"capacity": draw(st.integers(1, 3))} if draw(st.booleans()) else {}),
            }
            for k in range(draw(st.integers(1, 3)))
        ]
        pathway = {
            "plan": plan,
            "projects": {"count": len(plan) + draw(st.integers(0, 4)),
                         "size_cv": draw(st.sampled_from([0.0, 0.7]))},
            "stages": stages,
            "yield": draw(st.sampled_from(
                [1.0, {"dist": "beta", "mean": 0.8, "sd": 0.1}, {"dist": "uniform", "min": 0.5, "max": 1}]
            )),
        }
        if draw(st.booleans()):
            pathway["annual_cap"] = draw(positive)
        pathway.update(draw(levers()))
        pathways[name] = pathway
    if draw(st.booleans()):
        targets = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        weights = [1.0] if len(targets) == 1 else [0.25, 0.75]
        pathways["routed"] = {
            "plan": {end: draw(positive)},
            "projects": draw(st.integers(1, 3)),
            "route": {"after": draw(st.sampled_from(years)), "delay": draw(durations()),
                      "to": dict(zip(targets, weights, strict=True)),
                      "dropout": draw(st.sampled_from([0.0, 0.2]))},
        }
    events = [
        {
            "name": f"e{i}",
            "probability": draw(st.sampled_from([0.0, 0.3, 1.0])),
            "lasts": draw(st.sampled_from([0.5, 1, 3])),
            "pathways": draw(st.lists(st.sampled_from(list(pathways)), min_size=1, unique=True)),
            "duration_multiplier": draw(st.sampled_from([0.5, 1.0, 2.0])),
            "dropout_add": draw(st.sampled_from([0.0, 0.2])),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    for name in names:  # a programme office of the pathway's own, now and then
        if draw(st.integers(0, 4)) == 0:
            pathways[name]["management"] = draw(managements())
    office = draw(managements()) if draw(st.booleans()) else None
    status = draw(statuses(years, pathways)) if draw(st.booleans()) else None
    total = sum(sum(p["plan"].values()) for p in pathways.values())
    uncertain = draw(uncertains(pathways, events, office)) if draw(st.booleans()) else {}
    targets = [{"name": "half", "by": end, "km2": round(total / 2, 3) or 0.1}]
    places = draw(districts(pathways, status)) if draw(st.booleans()) else None
    if places is not None:
        targets.append({"name": "district", "by": end, "km2": round(total / 4, 3) or 0.1,
                        "district": places["target"]})
        if places["scenario"] and office is not None and draw(st.booleans()):
            office["districts"] = draw(shares(list(places["scenario"])[:1]
                                              if draw(st.booleans()) else list(places["scenario"])))
    return {
        **({"status": status} if status is not None else {}),
        **({"uncertain": uncertain} if uncertain else {}),
        **({"districts": places["scenario"]} if places and places["scenario"] else {}),
        "name": "generated",
        "horizon": {"start": start, "end": end},
        "targets": targets,
        "pathways": pathways,
        "correlation": {"pathway_factor_sigma": draw(st.sampled_from([0.0, 0.4])),
                        "global_factor_sigma": draw(st.sampled_from([0.0, 0.3]))},
        "events": events,
        **({"management": office} if office is not None else {}),
    }


DISTRICTS = ("west", "east", "宝安区")


@st.composite
def shares(draw, names) -> dict:
    """Shares of ``names`` adding up to 1 (whole-number weights over their sum)."""
    weights = [draw(st.integers(1, 5)) for _ in names]
    return {n: w / sum(weights) for n, w in zip(names, weights, strict=True)}


@st.composite
def districts(draw, pathways: dict, status: dict | None) -> dict:
    """District shares for the scenario or for some pathways (edits ``pathways`` and
    ``status`` in place: pipeline rows and released figures may name their district);
    returns the scenario's shares (or None) and a district for a target to count."""
    names = list(DISTRICTS[: draw(st.integers(1, len(DISTRICTS)))])
    scenario = draw(shares(names)) if draw(st.booleans()) else None
    if scenario is None:
        some = draw(st.lists(st.sampled_from(list(pathways)), min_size=1, unique=True))
        for name in some:
            pathways[name]["districts"] = draw(shares(names))
    has = {name: scenario or p.get("districts") for name, p in pathways.items()}
    if status is not None:
        for row in status["pipeline"]:
            if has[row["pathway"]] and draw(st.booleans()):
                row["district"] = draw(st.sampled_from(list(has[row["pathway"]])))
        for by_pathway in status["released"].values():
            for name, km2 in list(by_pathway.items()):
                if has[name] and km2 > 0 and draw(st.booleans()):
                    part = list(has[name])[: draw(st.integers(1, len(has[name])))]
                    by_pathway[name] = {d: round(km2 / len(part), 3) for d in part}
    return {"scenario": scenario, "target": names[0]}


@st.composite
def managements(draw) -> dict:
    """A programme office: reviews, a pool (sometimes empty), a lead and a trigger."""
    return {
        "review": draw(st.sampled_from([0.5, 1.0, 2.0])),
        "pool_km2": draw(st.sampled_from([0.0, 0.5, 2.0, 5.0])),
        "lead": draw(st.sampled_from([0.0, 0.5, {"dist": "exponential", "mean": 0.5}])),
        "trigger": draw(st.sampled_from([0.0, 0.3])),
    }


@st.composite
def statuses(draw, years: list[int], pathways: dict) -> dict:
    """A status block consistent with the pathways: actuals, a pipeline within capacities.

    Every whole year before ``as_of`` has its figures (a missing one is refused): some
    pathways' km², or 0 for a year with no release; a fractional ``as_of``'s own year may
    be left out.
    """
    as_of = draw(st.sampled_from([years[0], years[0] + 0.5, *years[1:], years[-1] + 1]))
    released = {}
    for year in years:
        if year < as_of and draw(st.booleans()):
            released[year] = {name: draw(positive) for name in pathways
                              if draw(st.booleans())}
        elif year + 1 <= as_of:  # a whole year before as_of: nothing released is written 0
            released[year] = {next(iter(pathways)): 0.0}
    pipeline = []
    for name, p in pathways.items():
        for stage in p.get("stages", []):
            if draw(st.booleans()):
                continue
            most = stage.get("capacity", 3)
            pipeline.append({
                "pathway": name, "stage": stage["name"], "km2": draw(positive),
                "projects": draw(st.integers(1, most)),
                **({"since": as_of - draw(st.sampled_from([0.0, 0.4, 1.0, 6.0]))}
                   if draw(st.booleans()) else {}),
            })
    return {"as_of": as_of, "released": released, "pipeline": pipeline}


@st.composite
def levers(draw) -> dict:
    """Programme levers of a pathway with stages: replacement, over-programming, schedule."""
    out = {}
    if draw(st.booleans()):
        out["replacement"] = {
            "delay": draw(st.sampled_from([0.0, 0.5])) if draw(st.booleans()) else draw(durations()),
            "max": draw(st.integers(1, 2)),
            **({"budget_km2": draw(st.sampled_from([0.0, 0.5, 2.0]))} if draw(st.booleans())
               else {}),
        }
    if draw(st.booleans()):
        # a fixed multiple, or a ratio of pipeline to plan drawn per replication
        out["programme"] = draw(st.sampled_from([
            0.5, 1.3, 2.0, {"dist": "uniform", "min": 0.4, "max": 2.2},
            {"dist": "lognormal", "median": 1.3, "sigma": 0.3},
            {"dist": "empirical", "values": [0.6, 1.0, 1.7]}]))
    if draw(st.booleans()):
        out["schedule"] = {"quantile": draw(st.sampled_from([0.2, 0.5, 0.9]))}
    return out


SCALE = {"lognormal": "median", "gamma": "mean", "exponential": "mean", "fixed": "value"}


def scale_key(d, zero_ok: bool = True) -> str | None:
    """The scale parameter's key of a duration as written (a number is fixed), or None
    (no scale parameter; or a fixed 0, which cannot be scaled, unless ``zero_ok``)."""
    if d is None or (not isinstance(d, dict) and not zero_ok and d == 0):
        return None
    return SCALE.get("fixed" if not isinstance(d, dict) else d["dist"])


def shape_priors(d) -> dict:
    """Priors, by parameter, that keep a duration or yield ``d`` valid if one is uncertain."""
    if not isinstance(d, dict):
        return {}
    u = lambda lo, hi: {"dist": "uniform", "min": round(lo, 4), "max": round(hi, 4)}  # noqa: E731
    kind = d["dist"]
    if kind == "lognormal":
        return {"sigma": u(0.0, 1.0)}
    if kind == "gamma":
        return {"sd": u(d["mean"] / 4, d["mean"])}
    if kind == "uniform":
        top = 1.0 if d["max"] <= 1.0 else 2 * d["max"]  # a yield stays within [0, 1]
        out = {"min": u(d["min"] / 2, d["min"])}
        return out | ({"max": u(d["max"], top)} if top > d["max"] else {})
    if kind in ("triangular", "pert"):
        return {"min": u(d["min"] / 2, d["min"]), "mode": u(d["min"], d["max"]),
                "max": u(d["max"], 2 * d["max"])}
    if kind == "beta":
        return {"mean": u(0.6, 0.9), "sd": u(0.05, 0.15)}
    return {}


@st.composite
def shapes(draw, prefix: str, d) -> dict:
    """Some of ``d``'s non-scale parameters made uncertain, under ``prefix`` (its key path)."""
    priors = shape_priors(d)
    chosen = [name for name in priors if draw(st.booleans())]
    if "mode" in chosen:  # min, mode and max at once could cross; the mode alone cannot
        chosen = ["mode"]
    return {f"{prefix}.{name}": priors[name] for name in chosen}


@st.composite
def uncertains(draw, pathways: dict, events: list, office: dict | None = None) -> dict:
    """An ``uncertain`` block over every kind of value that may be uncertain."""
    unit = st.sampled_from([{"dist": "uniform", "min": 0.05, "max": 0.9},
                            {"dist": "beta", "mean": 0.3, "sd": 0.1}])
    scale = st.sampled_from([{"dist": "uniform", "min": 0.2, "max": 3.0},
                             {"dist": "lognormal", "median": 1.0, "sigma": 0.5}])
    out = {}
    for name, p in pathways.items():
        if "annual_cap" in p and draw(st.booleans()):
            out[f"pathways.{name}.annual_cap"] = draw(scale)
        for k, stage in enumerate(p.get("stages", [])):
            if draw(st.booleans()):
                out[f"pathways.{name}.stages[{k}].dropout"] = draw(unit)
            if "capacity" in stage and draw(st.booleans()):  # never below a status's pipeline
                out[f"pathways.{name}.stages[{k}].capacity"] = {
                    "dist": "uniform", "min": stage["capacity"] - 0.4, "max": stage["capacity"] + 2}
            key = scale_key(stage["duration"])
            if key and draw(st.booleans()):
                out[f"pathways.{name}.stages[{k}].duration.{key}"] = draw(scale)
            out.update(draw(shapes(f"pathways.{name}.stages[{k}].duration", stage["duration"])))
        route = p.get("route")
        if route is not None:
            if draw(st.booleans()):
                out[f"pathways.{name}.route.dropout"] = draw(unit)
            key = scale_key(route["delay"])
            if key and draw(st.booleans()):
                out[f"pathways.{name}.route.delay.{key}"] = draw(scale)
            out.update(draw(shapes(f"pathways.{name}.route.delay", route["delay"])))
            first = next(iter(route["to"]))
            if draw(st.booleans()):
                out[f"pathways.{name}.route.to.{first}"] = {"dist": "uniform", "min": 0.0,
                                                            "max": 1.0}
        key = scale_key((p.get("replacement") or {}).get("delay"), zero_ok=False)
        if key and draw(st.booleans()):
            out[f"pathways.{name}.replacement.delay.{key}"] = draw(scale)
        if p.get("yield") == 1.0 and draw(st.booleans()):
            out[f"pathways.{name}.yield.value"] = {"dist": "uniform", "min": 0.5, "max": 1.0}
        out.update(draw(shapes(f"pathways.{name}.yield", p.get("yield"))))
        delay = (p.get("replacement") or {}).get("delay")
        out.update(draw(shapes(f"pathways.{name}.replacement.delay", delay)))
        if "budget_km2" in (p.get("replacement") or {}) and draw(st.booleans()):
            out[f"pathways.{name}.replacement.budget_km2"] = {"dist": "uniform", "min": 0,
                                                              "max": 3}
        if draw(st.booleans()):
            out[f"pathways.{name}.projects.size_cv"] = {"dist": "uniform", "min": 0, "max": 1.5}
        programme = p.get("programme")
        if isinstance(programme, float) and "route" not in p and draw(st.booleans()):
            out[f"pathways.{name}.programme"] = {"dist": "uniform", "min": 0.3, "max": 2.5}
        elif isinstance(programme, dict) and programme["dist"] == "lognormal":
            if draw(st.booleans()):
                out[f"pathways.{name}.programme.median"] = {"dist": "uniform", "min": 0.8,
                                                            "max": 2.0}
            if draw(st.booleans()):
                out[f"pathways.{name}.programme.sigma"] = {"dist": "uniform", "min": 0.05,
                                                           "max": 0.6}
    blocks = [(f"pathways.{name}.management", p["management"]) for name, p in pathways.items()
              if "management" in p]
    blocks += [("management", office)] if office is not None else []
    for key, block in blocks:  # programme offices: pool, trigger, lead
        if draw(st.booleans()):
            out[f"{key}.pool_km2"] = {"dist": "uniform", "min": 0.0, "max": 3.0}
        if draw(st.booleans()):
            out[f"{key}.trigger"] = {"dist": "uniform", "min": 0.0, "max": 0.5}
        lead = scale_key(block["lead"], zero_ok=False)
        if lead and draw(st.booleans()):
            out[f"{key}.lead.{lead}"] = draw(scale)
    for i, _ in enumerate(events):
        if draw(st.booleans()):
            out[f"events[{i}].probability"] = draw(unit)
        if draw(st.booleans()):
            out[f"events[{i}].duration_multiplier"] = draw(scale)
        if draw(st.booleans()):
            out[f"events[{i}].dropout_add"] = {"dist": "uniform", "min": 0.0, "max": 0.4}
        if draw(st.booleans()):
            out[f"events[{i}].lasts"] = {"dist": "uniform", "min": 0.3, "max": 4.0}
    if draw(st.booleans()):
        out["correlation.global_factor_sigma"] = {"dist": "uniform", "min": 0.0, "max": 0.6}
    if draw(st.booleans()):
        out["correlation.pathway_factor_sigma"] = {"dist": "uniform", "min": 0.0, "max": 0.6}
    return out
