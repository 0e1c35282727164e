"""The format of a run folder's ``summary.json`` (and ``levers.json``), as pydantic models.

What landsim writes it can read back, and what it reads back it checks first: every
probability a finite number in [0, 1], every km² finite, at most as many targets as a
scenario may have, and a format version this landsim knows. ``landsim schema --output
summary`` prints the JSON Schema of these models, as ``landsim schema`` does for scenarios.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from simulator.inputs.scenario import MAX_TARGETS

__all__ = ["LeversFile", "RunManifest", "RunSummary", "SUMMARY_FORMATS",
           "summary_json_schema"]

SUMMARY_FORMATS = (1,)
"""The summary.json format versions this landsim reads."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Km2 = Annotated[float, Field(ge=0.0, le=1e7)]
Year = Annotated[int, Field(ge=1900, le=2200)]


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


class JointSummary(_Model):
    """The probability of meeting every target in the same replication."""

    probability: Probability
    ci95: Annotated[list[Probability], Field(min_length=2, max_length=2)]
    missed_observed: list[str] = Field(default_factory=list, max_length=MAX_TARGETS)


class CumulativeYear(_Model):
    """Cumulative km² released by the end of a year: mean and quantiles."""

    mean: Km2
    p10: Km2
    p50: Km2
    p90: Km2


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
