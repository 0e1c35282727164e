"""The format of a run folder's ``summary.json`` (and ``levers.json``), as pydantic models.

What landsim writes it can read back, and what it reads back it checks first: every
probability a finite number in [0, 1], every km² finite, at most as many targets as a
scenario may have, and a format version this landsim knows. ``landsim schema --output
summary`` prints the JSON Schema of these models, as ``landsim schema`` does for scenarios.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.inputs.limits import MAX_TARGETS

__all__ = ["LeversFile", "RunManifest", "RunSummary", "SUMMARY_FORMATS",
           "summary_json_schema"]

SUMMARY_FORMATS = (1,)
"""The summary.json format versions this landsim reads."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Km2 = Annotated[float, Field(ge=0.0, le=1e7)]
Year = Annotated[int, Field(ge=1900, le=2200)]
_EPS = 1e-9


def _check_within(probability: float, ci95: list[float], what: str) -> None:
    """Raise ``ValueError`` unless ``probability`` lies inside its own interval ``ci95``."""
    lo, hi = ci95
    if lo > hi + _EPS or not lo - _EPS <= probability <= hi + _EPS:
        raise ValueError(f"{what}: probability {probability:g} lies outside its own 95% "
                         f"interval [{lo:g}, {hi:g}]")


class _Model(BaseModel):
    # extra keys are tolerated (a later landsim may add some); the known ones are checked
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class TargetSummary(_Model):
    """One target's odds, as summary.json holds them."""

    name: str = Field(max_length=64)
    from_: Year = Field(alias="from")
    by: Year
    km2: Km2
    pathways: str = Field(max_length=2000)
    probability: Probability
    ci95: Annotated[list[Probability], Field(min_length=2, max_length=2)]
    mean_km2: Km2
    mean_shortfall_km2: Km2
    observed: bool = False
    ceiling_km2: Km2 | None = None
    impossible: bool = False
    district: str | None = Field(None, max_length=64,
                                 description="The district whose release it counts (None: "
                                             "the whole city).")

    @model_validator(mode="after")
    def _agrees_with_itself(self):
        # each field may be in range and still contradict another (issue 36, item 4)
        _check_within(self.probability, self.ci95, f"target {self.name}")
        if self.impossible and self.probability > 0:
            raise ValueError(f"target {self.name}: marked impossible by construction, yet "
                             f"its probability is {self.probability:g}")
        if self.ceiling_km2 is not None and self.mean_km2 > self.ceiling_km2 + 1e-6:
            raise ValueError(f"target {self.name}: a mean of {self.mean_km2:g} km² above its "
                             f"ceiling of {self.ceiling_km2:g} km²")
        if self.mean_shortfall_km2 > self.km2 + 1e-6:
            raise ValueError(f"target {self.name}: a mean shortfall of "
                             f"{self.mean_shortfall_km2:g} km² above the target's {self.km2:g}")
        return self


class JointSummary(_Model):
    """The probability of meeting every target in the same replication."""

    probability: Probability
    ci95: Annotated[list[Probability], Field(min_length=2, max_length=2)]
    missed_observed: list[str] = Field(default_factory=list, max_length=MAX_TARGETS)

    @model_validator(mode="after")
    def _within_its_interval(self):
        _check_within(self.probability, self.ci95, "all targets together")
        return self


class CumulativeYear(_Model):
    """Cumulative km² released by the end of a year: mean and quantiles."""

    mean: Km2
    p10: Km2
    p50: Km2
    p90: Km2


class DistrictRow(_Model):
    """A district's reading of a city-wide target (summary.json ``districts.by_target``)."""

    part_km2: Km2
    mean_km2: Km2
    p10_km2: Km2
    p50_km2: Km2
    p90_km2: Km2
    probability: Probability
    ci95_low: Probability
    ci95_high: Probability
    city_misses: int = Field(ge=0)
    short_when_city_misses: Probability | None = None
    short_overall: Probability

    @model_validator(mode="after")
    def _within_its_interval(self):
        _check_within(self.probability, [self.ci95_low, self.ci95_high], "a district")
        if not self.p10_km2 <= self.p50_km2 + 1e-9 <= self.p90_km2 + 2e-9:
            raise ValueError("a district's p10, p50 and p90 km² are out of order")
        return self


class DistrictsSummary(_Model):
    """summary.json ``districts``: names, shares and each city-wide target by district."""

    names: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=41)
    shares: dict[str, dict[str, Probability]]
    by_target: dict[str, dict[str, DistrictRow]]


class RunSummary(_Model):
    """summary.json of a run folder (the parts reports and comparisons read)."""

    format_version: Literal[1]
    scenario: str = Field(max_length=64)
    replications: int = Field(ge=1)
    seed: int
    targets: list[TargetSummary] = Field(min_length=1, max_length=MAX_TARGETS)
    joint: JointSummary
    cumulative: dict[str, CumulativeYear] = Field(max_length=61)
    planned_km2: Km2
    districts: DistrictsSummary | None = None

    @model_validator(mode="after")
    def _agrees_with_itself(self):
        n = self.replications
        for t in self.targets:
            if abs(t.probability * n - round(t.probability * n)) > 1e-6 * max(n, 1) + 1e-9:
                raise ValueError(f"target {t.name}: probability {t.probability:g} is no share "
                                 f"of {n:,} replications")
        least = min(t.probability for t in self.targets)
        if self.joint.probability > least + _EPS:
            raise ValueError(f"all targets together ({self.joint.probability:g}) more likely "
                             f"than one of them ({least:g})")
        years = sorted(self.cumulative, key=lambda y: int(y) if y.isdigit() else 0)
        for y in years:
            c = self.cumulative[y]
            if not c.p10 - 1e-6 <= c.p50 <= c.p90 + 1e-6:
                raise ValueError(f"cumulative {y}: quantiles out of order (p10 {c.p10:g}, "
                                 f"p50 {c.p50:g}, p90 {c.p90:g})")
        means = [self.cumulative[y].mean for y in years]
        if any(b < a - 1e-6 for a, b in zip(means, means[1:], strict=False)):
            raise ValueError("cumulative release falls from one year to the next")
        return self


class RunManifest(_Model):
    """run.json: how the run was made (the parts a report shows)."""

    landsim_version: str = Field("", max_length=64)
    scenario_sha256: str = Field("", max_length=64)
    git_commit: str | None = Field(None, max_length=64)
    command: list[Annotated[str, Field(max_length=4096)]] | None = Field(None, max_length=1000)
    wall_seconds: Annotated[float, Field(ge=0)] | None = None


class LeverOdds(_Model):
    """A lever at one end of its range: the odds and the km² counted."""

    probability: Probability
    mean_km2: Km2


class LeverSummary(_Model):
    """One lever of levers.json."""

    path: str = Field(max_length=500)
    low: LeverOdds
    high: LeverOdds


class LeversFile(_Model):
    """levers.json: what would change the odds, each lever alone."""

    target: str = Field(max_length=64)
    replications: int = Field(ge=1)
    levers: list[LeverSummary] = Field(max_length=100)


def summary_json_schema() -> dict:
    """JSON Schema (2020-12) of summary.json."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://landsim.example/summary.schema.json",
            **RunSummary.model_json_schema(by_alias=True), "title": "landsim run summary"}
