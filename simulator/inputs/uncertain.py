"""Uncertain parameters (``uncertain:``) and observed release (``observed:``) of a scenario.

``uncertain`` maps a key path to a prior distribution: each replication draws its own
value. Only values that an engine can take per replication without changing the layout
may be uncertain (:data:`KINDS`); project counts, stage lists and plan years cannot.

``observed`` is what happened, for calibration: km² released by year, per pathway or in
``total``, with an observation error (``relative`` to the value, or an ``sd`` in km²).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

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

MAX_UNCERTAIN = 50

SCALE_PARAMETER = {"lognormal": "median", "gamma": "mean", "exponential": "mean",
                   "fixed": "value"}
"""The parameter of each distribution that scales it: X(θ) = (θ/θ₀)·X(θ₀) exactly."""

KINDS = {
    "cap": "pathways.NAME.annual_cap (km²/yr)",
    "dropout": "pathways.NAME.stages[K].dropout",
    "duration": "pathways.NAME.stages[K].duration.<median|mean|value> (a scale parameter)",
    "route_dropout": "pathways.NAME.route.dropout",
    "route_delay": "pathways.NAME.route.delay.<median|mean|value>",
    "replacement_delay": "pathways.NAME.replacement.delay.<median|mean|value>",
    "yield": "pathways.NAME.yield.<median|mean|value>",
    "global_sigma": "correlation.global_factor_sigma",
    "pathway_sigma": "correlation.pathway_factor_sigma",
    "event_probability": "events[I].probability",
    "event_multiplier": "events[I].duration_multiplier",
    "event_dropout": "events[I].dropout_add",
}
"""What may be uncertain, by kind (the patterns users see in error messages)."""

_BOUNDS = {  # the support a prior must stay inside: (low, high, low is open)
    "cap": (0.0, float("inf"), True),
    "dropout": (0.0, 1.0, False),
    "duration": (0.0, float("inf"), True),
    "route_dropout": (0.0, 1.0, False),
    "route_delay": (0.0, float("inf"), True),
    "replacement_delay": (0.0, float("inf"), True),
    "yield": (0.0, float("inf"), True),
    "global_sigma": (0.0, 5.0, False),
    "pathway_sigma": (0.0, 5.0, False),
    "event_probability": (0.0, 1.0, False),
    "event_multiplier": (0.0, float("inf"), True),
    "event_dropout": (0.0, 1.0, False),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class ObservationError(_Model):
    """Observation error of an observed release: ``relative`` (× value) or ``sd`` (km²)."""

    relative: float | None = Field(None, gt=0, le=10, description="sd as a share of the value")
    sd: float | None = Field(None, gt=0, le=1e6, description="sd in km²")

    @model_validator(mode="after")
    def _one(self):
        if (self.relative is None) == (self.sd is None):
            raise ValueError("give exactly one of relative (e.g. 0.10) or sd (km²)")
        return self

    def sd_of(self, value: float) -> float:
        """The error's standard deviation for an observed ``value`` (km²)."""
        if self.sd is not None:
            return float(self.sd)
        return max(float(self.relative) * abs(value), 1e-6)


class Observed(_Model):
    """What was released, for calibration: ``release[year][pathway or 'total']`` km²."""

    release: dict[int, dict[str, Annotated[float, Field(ge=0, le=1e6)]]] = Field(
        min_length=1, max_length=200)
    error: ObservationError = Field(description="Observation error of every figure.")

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
    index: int | None = None  # stage or event index
    base: float = 0.0  # the scenario's own value (the planner's)


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

    try:
        node: Any = lookup(data, parts)
    except LookupError as exc:
        raise fail(str(exc)) from None
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise fail(f"it is not a number (it is {type(node).__name__})")
    base = float(node)

    def scale_of(dist: dict) -> None:
        wanted = SCALE_PARAMETER.get(dist.get("dist"))
        if parts[-1] != wanted:
            raise fail(f"only the scale parameter of a duration, delay or yield may be "
                       f"uncertain (of a {dist.get('dist')} distribution: "
                       f"{wanted or 'none — use lognormal, gamma, exponential or fixed'})")
        if base == 0:
            raise fail("its scenario value is 0, and draws are scaled by θ / (scenario value); "
                       "give the scenario a value above 0")

    head = parts[0]
    if head == "correlation" and len(parts) == 2 and parts[1] in (
            "global_factor_sigma", "pathway_factor_sigma"):
        kind = "global_sigma" if parts[1] == "global_factor_sigma" else "pathway_sigma"
        return UncertainKey(canonical, kind, base=base)
    event_kinds = {"probability": "event_probability",
                   "duration_multiplier": "event_multiplier", "dropout_add": "event_dropout"}
    if head == "events" and len(parts) == 3 and parts[2] in event_kinds:
        return UncertainKey(canonical, event_kinds[parts[2]], index=parts[1], base=base)
    if head == "pathways" and len(parts) >= 3:
        name, rest = parts[1], parts[2:]
        pathway = data["pathways"][name]
        if rest == ("annual_cap",):
            return UncertainKey(canonical, "cap", name, base=base)
        if len(rest) == 3 and rest[0] == "stages" and rest[2] == "dropout":
            return UncertainKey(canonical, "dropout", name, rest[1], base)
        if len(rest) == 4 and rest[0] == "stages" and rest[2] == "duration":
            scale_of(pathway["stages"][rest[1]]["duration"])
            return UncertainKey(canonical, "duration", name, rest[1], base)
        if rest == ("route", "dropout"):
            return UncertainKey(canonical, "route_dropout", name, base=base)
        if len(rest) == 3 and rest[:2] == ("route", "delay"):
            scale_of(pathway["route"]["delay"])
            return UncertainKey(canonical, "route_delay", name, base=base)
        if len(rest) == 3 and rest[:2] == ("replacement", "delay"):
            scale_of(pathway["replacement"]["delay"])
            return UncertainKey(canonical, "replacement_delay", name, base=base)
        if len(rest) == 2 and rest[0] == "yield":
            scale_of(pathway["yield"])
            return UncertainKey(canonical, "yield", name, base=base)
        if rest[0] in ("plan", "projects", "stages") or rest[-1] == "capacity":
            raise fail("it changes the layout (project counts, stages, capacities or plan "
                       "years are fixed within a run; sweep them instead)")
    raise fail("engines do not take it per replication")


def check_uncertain(data: dict, uncertain: dict) -> list[tuple[tuple, str]]:
    """Problems of an ``uncertain`` block: (key path, message) pairs; empty if none."""
    out: list[tuple[tuple, str]] = []
    seen: dict[str, str] = {}
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
        low, high, open_low = _BOUNDS[key.kind]
        lo, hi = prior.support()
        # a continuous prior may touch an open bound (it has no mass there); a point may not
        atom = prior.dist in ("fixed", "empirical")
        if lo < low or hi > high or (open_low and atom and lo <= low):
            side = "above" if open_low else "at least"
            out.append((here, f"the prior's range [{lo:g}, {hi:g}] goes outside what "
                              f"{key.kind.replace('_', ' ')} allows ({side} {low:g}"
                              + (f", at most {high:g})" if high < float('inf') else ")")))
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
