"""Uncertain parameters (``uncertain:``) and observed release (``observed:``) of a scenario.

``uncertain`` maps a key path to a prior distribution: each replication draws its own
value. Only values that an engine can take per replication without changing the layout
may be uncertain (:data:`KINDS`); project counts, stage lists and plan years cannot.

``observed`` is what happened, for calibration: km² released by year, per pathway or in
``total``, with an observation error (``relative`` to the value, or an ``sd`` in km²).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)

from simulator.inputs.distributions import SHAPE_PARAMETERS, Distribution
from simulator.inputs.keypath import format_path, lookup, parse_path

__all__ = [
    "KINDS",
    "SCALE_PARAMETER",
    "ObservationError",
    "Observed",
    "UncertainKey",
    "check_observed",
    "check_uncertain",
    "uncertain_key",
]


SCALE_PARAMETER = {"lognormal": "median", "gamma": "mean", "exponential": "mean",
                   "fixed": "value"}
"""The parameter of each distribution that scales it: X(θ) = (θ/θ₀)·X(θ₀) exactly."""

KINDS = {
    "cap": "pathways.NAME.annual_cap (km²/yr)",
    "size_cv": "pathways.NAME.projects.size_cv",
    "budget": "pathways.NAME.replacement.budget_km2 (km²)",
    "dropout": "pathways.NAME.stages[K].dropout",
    "capacity": "pathways.NAME.stages[K].capacity (rounded to the nearest whole number)",
    "duration": "pathways.NAME.stages[K].duration.<median|mean|value> (a scale parameter)",
    "route_dropout": "pathways.NAME.route.dropout",
    "route_delay": "pathways.NAME.route.delay.<median|mean|value>",
    "route_weight": "pathways.NAME.route.to.TARGET (a share; the other targets share the rest)",
    "replacement_delay": "pathways.NAME.replacement.delay.<median|mean|value>",
    "yield": "pathways.NAME.yield.<median|mean|value>",
    "shape": "the other parameters of those distributions (lognormal sigma; gamma sd; "
             "uniform min, max; triangular and pert min, mode, max; beta mean, sd)",
    "pool": "management.pool_km2 or pathways.NAME.management.pool_km2 (km²; a bounded prior)",
    "programme": "programme or pathways.NAME.programme (the ratio of pipeline to plan, drawn "
                 "per replication), or a drawn programme's <median|mean|value>",
    "trigger": "management.trigger or pathways.NAME.management.trigger (km²)",
    "lead": "management.lead.<median|mean|value> (or a pathway's management.lead…)",
    "global_sigma": "correlation.global_factor_sigma",
    "pathway_sigma": "correlation.pathway_factor_sigma",
    "event_probability": "events[I].probability",
    "event_multiplier": "events[I].duration_multiplier",
    "event_dropout": "events[I].dropout_add",
    "event_lasts": "events[I].lasts (years)",
}
"""What may be uncertain, by kind (the patterns users see in error messages)."""

_BOUNDS = {  # the support a prior must stay inside: (low, high, low is open)
    "cap": (0.0, float("inf"), True),
    "size_cv": (0.0, 10.0, False),
    "budget": (0.0, float("inf"), False),
    "dropout": (0.0, 1.0, False),
    "capacity": (0.5, 1_000_000.0, False),  # rounds to 1 … MAX_CAPACITY
    "duration": (0.0, float("inf"), True),
    "route_dropout": (0.0, 1.0, False),
    "route_delay": (0.0, float("inf"), True),
    "route_weight": (0.0, 1.0, False),
    "replacement_delay": (0.0, float("inf"), True),
    "yield": (0.0, float("inf"), True),
    "pool": (0.0, 1_000_000.0, False),
    "programme": (0.0, 5.0, True),
    "trigger": (0.0, 1_000_000.0, False),
    "lead": (0.0, float("inf"), True),
    "global_sigma": (0.0, 5.0, False),
    "pathway_sigma": (0.0, 5.0, False),
    "event_probability": (0.0, 1.0, False),
    "event_multiplier": (0.0, float("inf"), True),
    "event_dropout": (0.0, 1.0, False),
    "event_lasts": (0.0, float("inf"), True),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class ObservationError(_Model):
    """Observation error of an observed release: ``relative`` (× value, at least ``floor``
    km²) or ``sd`` (km²)."""

    relative: float | None = Field(None, gt=0, le=10, description="sd as a share of the value")
    sd: float | None = Field(None, gt=0, le=1e6, description="sd in km²")
    floor: float | None = Field(
        None, gt=0, le=1e6,
        description="smallest sd in km² of a relative error: what an observed 0 (or a "
                    "figure too small for its share to mean anything) is uncertain by")

    @model_validator(mode="after")
    def _one(self):
        if (self.relative is None) == (self.sd is None):
            raise ValueError("give exactly one of relative (e.g. 0.10) or sd (km²)")
        if self.floor is not None and self.sd is not None:
            raise ValueError("floor goes with a relative error; an absolute sd needs none")
        return self

    @model_serializer(mode="wrap")
    def _without_unset_floor(self, handler):
        # an unset floor is left out, so scenarios written before it existed keep their
        # digest (a calibration's posterior file records the digest it came from)
        data = handler(self)
        if data.get("floor") is None:
            data.pop("floor", None)
        return data

    def defined_for(self, value: float) -> bool:
        """Whether the error has a spread at ``value``: not a relative error of a 0 without
        a ``floor`` (which would pin the simulated release to exactly 0)."""
        return self.sd is not None or self.floor is not None or value != 0

    def sd_of(self, value: float) -> float:
        """The error's standard deviation for an observed ``value`` (km²); raises
        ``ValueError`` where it is not :meth:`defined_for` the value."""
        if self.sd is not None:
            return float(self.sd)
        if not self.defined_for(value):
            raise ValueError(UNDEFINED_ERROR)
        return max(float(self.relative) * abs(value), self.floor or 0.0, 1e-6)


UNDEFINED_ERROR = ("is 0 km², and a relative error of 0 is no error (it would demand a "
                   "simulated release of exactly 0); add error.floor, the smallest sd in km² "
                   "(e.g. floor: 0.05), or give an absolute error.sd")


class Observed(_Model):
    """What was released, for calibration: ``release[year][pathway or 'total']`` km²."""

    release: dict[int, dict[str, Annotated[float, Field(ge=0, le=1e6)]]] = Field(
        min_length=1, max_length=200)
    error: ObservationError = Field(description="Observation error of every figure.")

    @model_validator(mode="after")
    def _spread(self):
        for y, row in self.release.items():
            for name, v in row.items():
                if not self.error.defined_for(v):
                    raise ValueError(f"release {y} {name} {UNDEFINED_ERROR}")
        return self

    def cells(self) -> list[tuple[int, str, float]]:
        """(year, pathway or 'total', km²) of every observed figure, in a stable order."""
        return [(y, name, float(v)) for y in sorted(self.release)
                for name, v in sorted(self.release[y].items())]


@dataclass(frozen=True)
class UncertainKey:
    """An uncertain key path, resolved: what it is and where it acts."""

    path: str
    kind: str
    pathway: str | None = None
    index: int | None = None  # stage, event or route-target index
    base: float = 0.0  # the scenario's own value (the planner's)
    param: str = ""  # the distribution's parameter (``median``, ``sigma``, …), if any
    shape: bool = False  # a distribution's parameter other than its scale

    @property
    def node(self) -> str:
        """Key path of the distribution a ``param`` belongs to."""
        return self.path.rsplit(".", 1)[0]


def uncertain_key(data: dict, path: str) -> UncertainKey:
    """Resolve ``path`` against a resolved scenario (``Scenario.resolved()``).

    Raises ``ValueError`` saying what may be uncertain when ``path`` may not be.
    """
    parts = parse_path(path)
    canonical = format_path(parts)

    def fail(why: str) -> ValueError:
        allowed = "; ".join(KINDS.values())
        return ValueError(f"'{path}' cannot be uncertain: {why}. Uncertain values may be: "
                          f"{allowed}")

    if parts[-1] == "nominal":
        raise fail("a distribution's nominal value sets the schedule, which stays the "
                   "planner's; make the distribution's own parameters uncertain")

    def parameters_of(dist: dict) -> str:
        name = dist.get("dist")
        scale = [SCALE_PARAMETER[name]] if name in SCALE_PARAMETER else []
        return (f"of a {name} distribution, these may be uncertain: "
                + (", ".join(scale + list(SHAPE_PARAMETERS.get(name, ()))) or "none"))

    try:
        node: Any = lookup(data, parts)
    except LookupError as exc:
        try:
            parent = lookup(data, parts[:-1]) if len(parts) > 1 else None
        except LookupError:
            parent = None
        if isinstance(parent, dict) and "dist" in parent:
            raise fail(parameters_of(parent)) from None
        raise fail(str(exc)) from None
    if node is None and parts[-1] in ("capacity", "budget_km2"):
        raise fail(f"it has no {parts[-1]} (it is unlimited); give it one to make it "
                   "uncertain")
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise fail(f"it is not a number (it is {type(node).__name__})")
    base = float(node)

    def of_distribution(kind: str, pathway: str, index: int | None, dist: dict) -> UncertainKey:
        name, param = dist.get("dist"), parts[-1]
        if param in SHAPE_PARAMETERS.get(name, ()):
            return UncertainKey(canonical, kind, pathway, index, base, param, shape=True)
        if param != SCALE_PARAMETER.get(name):
            raise fail(parameters_of(dist))
        if base == 0:
            raise fail("its scenario value is 0, and draws are scaled by θ / (scenario value); "
                       "give the scenario a value above 0")
        return UncertainKey(canonical, kind, pathway, index, base, param)

    head = parts[0]

    def of_office(name: str | None, rest: tuple, office: dict) -> UncertainKey:
        if rest in (("pool_km2",), ("trigger",)):
            return UncertainKey(canonical, "pool" if rest[0] == "pool_km2" else "trigger",
                                name, base=base)
        if len(rest) == 2 and rest[0] == "lead":
            return of_distribution("lead", name, None, office["lead"])
        raise fail("of a management block, pool_km2, trigger and the lead's parameters may "
                   "be uncertain (the review interval sets the review times, fixed within a "
                   "run: sweep it instead)")

    if head == "programme" or (head == "pathways" and len(parts) >= 3
                               and parts[2] == "programme"):
        own = head == "pathways"
        rest = parts[3:] if own else parts[1:]
        spec = data["pathways"][parts[1]]["programme"] if own else data["programme"]
        name = parts[1] if own else None
        if not rest and not isinstance(spec, dict):
            return UncertainKey(canonical, "programme", name, base=base)
        if len(rest) == 1 and isinstance(spec, dict):
            return of_distribution("programme", name, None, spec)
        raise fail("a drawn programme's own parameters may be uncertain, or a programme "
                   "number itself")
    if head == "management" and len(parts) >= 2:
        return of_office(None, parts[1:], data["management"])
    if head == "pathways" and len(parts) >= 4 and parts[2] == "management":
        return of_office(parts[1], parts[3:], data["pathways"][parts[1]]["management"])
    if head == "correlation" and len(parts) == 2 and parts[1] in (
            "global_factor_sigma", "pathway_factor_sigma"):
        kind = "global_sigma" if parts[1] == "global_factor_sigma" else "pathway_sigma"
        return UncertainKey(canonical, kind, base=base)
    event_kinds = {"probability": "event_probability", "lasts": "event_lasts",
                   "duration_multiplier": "event_multiplier", "dropout_add": "event_dropout"}
    if head == "events" and len(parts) == 3 and parts[2] in event_kinds:
        return UncertainKey(canonical, event_kinds[parts[2]], index=parts[1], base=base)
    if head == "pathways" and len(parts) >= 3:
        name, rest = parts[1], parts[2:]
        pathway = data["pathways"][name]
        if rest == ("annual_cap",):
            return UncertainKey(canonical, "cap", name, base=base)
        if rest == ("projects", "size_cv"):
            return UncertainKey(canonical, "size_cv", name, base=base)
        if rest == ("replacement", "budget_km2"):
            return UncertainKey(canonical, "budget", name, base=base)
        if len(rest) == 3 and rest[0] == "stages" and rest[2] in ("dropout", "capacity"):
            return UncertainKey(canonical, rest[2], name, rest[1], base)
        if len(rest) == 4 and rest[0] == "stages" and rest[2] == "duration":
            return of_distribution("duration", name, rest[1],
                                   pathway["stages"][rest[1]]["duration"])
        if rest == ("route", "dropout"):
            return UncertainKey(canonical, "route_dropout", name, base=base)
        if len(rest) == 3 and rest[:2] == ("route", "delay"):
            return of_distribution("route_delay", name, None, pathway["route"]["delay"])
        if len(rest) == 3 and rest[:2] == ("route", "to"):
            return UncertainKey(canonical, "route_weight", name,
                                list(pathway["route"]["to"]).index(rest[2]), base)
        if len(rest) == 3 and rest[:2] == ("replacement", "delay"):
            return of_distribution("replacement_delay", name, None,
                                   pathway["replacement"]["delay"])
        if len(rest) == 2 and rest[0] == "yield":
            return of_distribution("yield", name, None, pathway["yield"])
        if rest[0] in ("plan", "projects", "stages"):
            raise fail("it changes the layout (project counts, stages or plan years are "
                       "fixed within a run; sweep them instead)")
    raise fail("engines do not take it per replication")


def check_uncertain(data: dict, uncertain: dict) -> list[tuple[tuple, str]]:
    """Problems of an ``uncertain`` block: (key path, message) pairs; empty if none."""
    out: list[tuple[tuple, str]] = []
    seen: dict[str, str] = {}
    keys: list[tuple[UncertainKey, Any]] = []
    for path, prior in uncertain.items():
        here = ("uncertain", path)
        try:
            key = uncertain_key(data, path)
        except ValueError as exc:
            out.append((here, str(exc)))
            continue
        if key.path in seen:
            out.append((here, f"the same value as '{seen[key.path]}'"))
            continue
        seen[key.path] = path
        keys.append((key, prior))
        if key.shape:
            continue  # checked with the distribution's other values below
        low, high, open_low = _BOUNDS[key.kind]
        lo, hi = prior.support()
        if key.kind == "pool" and not math.isfinite(hi):
            out.append((here, "a pool's prior needs an upper bound (the run holds as many "
                              "pool projects as the largest pool): use uniform, triangular, "
                              "pert or beta, or a posterior"))
            continue
        # a continuous prior may touch an open bound (it has no mass there); a point may not
        atom = prior.dist in ("fixed", "empirical")
        if lo < low or hi > high or (open_low and atom and lo <= low):
            side = "above" if open_low else "at least"
            out.append((here, f"the prior's range [{lo:g}, {hi:g}] goes outside what "
                              f"{key.kind.replace('_', ' ')} allows ({side} {low:g}"
                              + (f", at most {high:g})" if high < float('inf') else ")")))
    return (out + _check_shapes(data, keys) + _check_route_weights(data, keys)
            + _check_capacities(data, keys))


_DISTRIBUTION = TypeAdapter(Distribution)


def _ends(prior) -> tuple[float, float]:
    """The values a prior's draws reach (a continuous prior's ends, just inside, almost
    surely; infinite ends as 1e300)."""
    lo, hi = prior.support()
    if prior.dist not in ("fixed", "empirical"):
        step = 1e-9 * (hi - lo if math.isfinite(hi - lo) else max(1.0, abs(lo)))
        lo, hi = lo + step, hi - step
    return max(lo, -1e300), min(hi, 1e300)


def _check_shapes(data: dict, keys) -> list[tuple[tuple, str]]:
    """Every corner of the priors of a distribution's uncertain parameters must give a
    valid distribution of its kind (durations positive, yields in [0, 1])."""
    out: list[tuple[tuple, str]] = []
    nodes: dict[str, list] = {}
    for key, prior in keys:
        if key.shape:
            nodes.setdefault(key.node, []).append((key, prior))
    for node_path, items in nodes.items():
        node = lookup(data, parse_path(node_path))
        names = [key.param for key, _ in items]
        for corner in itertools.product(*(_ends(prior) for _, prior in items)):
            values = dict(zip(names, corner, strict=True))
            problem = _invalid(node, values, items[0][0].kind)
            if problem:
                reach = ", ".join(f"{n} = {v:g}" for n, v in values.items())
                out.append((("uncertain", items[0][0].path),
                            f"the priors reach {reach} at {node_path}, where {problem}; "
                            "narrow the prior"))
                break
    return out


def _invalid(node: dict, values: dict, kind: str) -> str | None:
    try:
        dist = _DISTRIBUTION.validate_python({**node, **values})
    except ValidationError as exc:
        return "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
    lo, hi = dist.support()
    if kind == "yield" and (lo < 0 or hi > 1 or hi <= 0):
        return f"a yield would range {lo:g}–{hi:g}, outside [0, 1]"
    if kind in ("duration", "route_delay") and (lo < 0 or hi <= 0):
        return f"a duration would range {lo:g}–{hi:g}; durations are positive years"
    if kind == "programme" and (lo < 0 or hi <= 0):
        return f"a ratio of pipeline to plan would range {lo:g}–{hi:g}; it is at least 0"
    if kind == "replacement_delay" and lo < 0:
        return f"a delay would range {lo:g}–{hi:g}; delays are years ≥ 0"
    return None


def rounded_capacity(theta):
    """The capacity a replication uses for a drawn value θ: the nearest whole number
    (halves up), at least 1."""
    return np.maximum(np.floor(np.asarray(theta) + 0.5), 1).astype(np.int64)


def _check_capacities(data: dict, keys) -> list[tuple[tuple, str]]:
    """An uncertain capacity must hold the projects in the stage at the status date."""
    out: list[tuple[tuple, str]] = []
    status = data.get("status")
    if not status:
        return out
    for key, prior in keys:
        if key.kind != "capacity":
            continue
        stage = data["pathways"][key.pathway]["stages"][key.index]["name"]
        busy = sum(row["projects"] for row in status.get("pipeline") or ()
                   if row["pathway"] == key.pathway and row["stage"] == stage)
        least = int(rounded_capacity(prior.support()[0]))
        if busy > least:
            out.append((("uncertain", key.path),
                        f"{busy} projects are in {key.pathway}.{stage} at the status date, but "
                        f"the prior lets its capacity fall to {least}; keep the prior at "
                        f"{busy - 0.5:g} or above"))
    return out


def _check_route_weights(data: dict, keys) -> list[tuple[tuple, str]]:
    """Uncertain route shares must leave room for the fixed ones: Σ θ ≤ 1."""
    out: list[tuple[tuple, str]] = []
    by_route: dict[str, list] = {}
    for key, prior in keys:
        if key.kind == "route_weight":
            by_route.setdefault(key.pathway, []).append((key, prior))
    for name, items in by_route.items():
        weights = data["pathways"][name]["route"]["to"]
        uncertain = {key.index for key, _ in items}
        rest = sum(w for i, w in enumerate(weights.values()) if i not in uncertain)
        top = sum(prior.support()[1] for _, prior in items)
        if rest > 0 and top > 1 + 1e-12:
            out.append((("uncertain", items[0][0].path),
                        f"the uncertain shares of pathways.{name}.route.to can add up to "
                        f"{top:g}, leaving less than nothing for the other targets; keep "
                        "their priors' maxima within 1 in all"))
    return out


def check_observed(data: dict, observed: Observed) -> list[tuple[tuple, str]]:
    """Problems of an ``observed`` block: years outside the horizon, unknown pathways."""
    out: list[tuple[tuple, str]] = []
    start, end = data["horizon"]["start"], data["horizon"]["end"]
    status = data.get("status")
    for year, row in observed.release.items():
        here = ("observed", "release", year)
        if not start <= year <= end:
            out.append((here, f"{year} is outside the horizon {start}–{end}; extend the "
                              "horizon to cover the years observed"))
        if status is not None and year + 1 <= status["as_of"]:
            out.append((here, f"{year} is before the status date ({status['as_of']:g}): its "
                              "release is a fact there (status.released), not a draw"))
        for name in row:
            if name != "total" and name not in data["pathways"]:
                out.append((here + (name,), f"'{name}' is not a pathway; use a pathway "
                                            f"({', '.join(data['pathways'])}) or total"))
        if "total" in row and len(row) > 1:
            out.append((here, "give total or pathways for a year, not both (they overlap)"))
    return out


def pool_most(scenario, key: str, pool_km2: float) -> float:
    """The largest pool (km²) the office at ``key`` ("management" or
    "pathways.NAME.management") can have: its prior's upper end when its pool is uncertain,
    else ``pool_km2``."""
    for path, prior in (scenario.uncertain or {}).items():
        try:
            canonical = format_path(parse_path(path))
        except ValueError:
            continue
        if canonical == f"{key}.pool_km2":
            hi = float(prior.support()[1])
            return max(pool_km2, hi) if math.isfinite(hi) else pool_km2
    return pool_km2
