"""Load and validate scenarios: YAML → typed, frozen ``Scenario`` objects.

A scenario names a planning horizon, release targets and the pathways that release
land (each a plan of km² by year, a number of projects and the stages they pass
through). Validation happens in two passes: the structure (keys, types, ranges) by
pydantic, then the cross-references (years inside the horizon, pathway names, route
weights). Every problem is reported with its key path and line; nothing is raised
half-way through a file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_serializer,
)

from simulator.inputs.distributions import Distribution, DistributionSpec, Fixed
from simulator.inputs.errors import Problem, ScenarioError
from simulator.inputs.keypath import format_path
from simulator.inputs.limits import (  # noqa: F401 — re-exported: the scenario's limits
    MAX_CAPACITY,
    MAX_DISTRICTS,
    MAX_EVENTS,
    MAX_HORIZON_YEARS,
    MAX_LEVERS,
    MAX_NAME,
    MAX_NUMBER,
    MAX_PATHWAYS,
    MAX_PROGRAMME,
    MAX_PROJECTS,
    MAX_REPLACEMENTS,
    MAX_STAGES,
    MAX_TARGETS,
    MAX_UNCERTAIN,
)
from simulator.inputs.posterior import Posterior, merge_posterior_file
from simulator.inputs.semantics import check_semantics
from simulator.inputs.status import Status, merge_pipeline_file
from simulator.inputs.uncertain import Observed
from simulator.inputs.validation import (  # noqa: F401 — validate_document: re-exported
    KEY_PATTERN,
    NAME_PATTERN,
    problem_from,
    relevant_errors,
    unique_problems,
    validate_document,
    without_unset,
)
from simulator.inputs.yamlsource import YamlSource, read_yaml

__all__ = [
    "Correlation",
    "Event",
    "Horizon",
    "Lever",
    "Management",
    "Replacement",
    "Schedule",
    "MAX_EVENTS",
    "MAX_HORIZON_YEARS",
    "MAX_NUMBER",
    "MAX_PATHWAYS",
    "MAX_PROJECTS",
    "MAX_STAGES",
    "MAX_TARGETS",
    "Pathway",
    "Projects",
    "Route",
    "Scenario",
    "Stage",
    "Target",
    "load_scenario",
    "scenario_from_dict",
    "scenario_json_schema",
    "validate_document",
]

_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

Probability = Annotated[float, Field(ge=0, le=1)]

DistrictName = Annotated[str, Field(min_length=1, max_length=MAX_NAME,
                                    pattern=r"^[^\x00-\x1f\x7f]+$")]
"""A district's (or park's) name: any printable text, e.g. 宝安区 or Bao'an."""

Shares = Annotated[
    dict[DistrictName, Annotated[float, Field(gt=0, le=1)]],
    Field(min_length=1, max_length=MAX_DISTRICTS),
]
"""District → share of a pathway's projects and plan (the shares add up to 1)."""

ProgrammeSpec = Union[Annotated[float, Field(gt=0, le=MAX_PROGRAMME)], Distribution]  # noqa: UP007
"""``programme``: a number (the layout carries round(n × m) of a year's n projects) or a
distribution of the ratio of pipeline to plan, drawn per replication and pathway
(:mod:`simulator.model.programme`)."""


class _Model(BaseModel):
    model_config = _CONFIG


class Horizon(_Model):
    """Calendar years covered by the simulation, both ends included."""

    start: int = Field(ge=1900, le=2200)
    end: int = Field(ge=1900, le=2200)


class Target(_Model):
    """A release target in km²: cumulative through the end of ``by``, or in ``from``–``by``."""

    model_config = ConfigDict(**_CONFIG, populate_by_name=True)

    name: str = Field(pattern=KEY_PATTERN, max_length=MAX_NAME)
    by: int
    km2: float = Field(gt=0)
    from_: int | None = Field(None, alias="from", description="First year of a window target.")
    pathways: list[str] | None = Field(
        None, min_length=1, description="Count only these pathways (default: all)."
    )
    label: str | None = Field(None, max_length=120, description="Name shown in reports.")
    label_zh: str | None = Field(None, max_length=120, description="Name in Chinese reports.")
    kind: Literal["floor", "about", "strive"] | None = Field(
        None, description="How the plan words it: floor (不少于, at least: the default), about "
                          "(约) or strive (力争). The odds are always of at least km2.")
    tolerance: float | None = Field(
        None, gt=0, le=MAX_NUMBER,
        description="An about target's tolerance, km² (an assumption: the plan gives none): "
                    "the report adds the odds of at least km2 − tolerance.")
    district: DistrictName | None = Field(
        None, description="Count only this district's (or park's) release: one of the "
                          "pathways' districts (default: the whole city).")

    @model_serializer(mode="wrap")
    def _without_unset_kind(self, handler):
        # unset, so scenarios written before kinds (or districts) existed keep their digest
        return without_unset(handler(self), ("kind", "tolerance", "district"))

    @property
    def floor_km2(self) -> float:
        """The least km² that counts as meeting it within its tolerance (km2 − tolerance)."""
        return self.km2 - (self.tolerance or 0.0)


class Stage(_Model):
    """One step of a project's lifecycle (negotiation, clearance, …)."""

    name: str = Field(pattern=KEY_PATTERN, max_length=MAX_NAME)
    duration: DistributionSpec = Field(description="Years.")
    dropout: Probability = Field(0.0, description="Chance the project is abandoned here.")
    capacity: int | None = Field(
        None, ge=1, le=MAX_CAPACITY, description="Most projects in this stage at once (FIFO)."
    )


def _count_means_projects(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"count": value}
    return value


class Projects(_Model):
    """How many projects carry a pathway's plan, and how unequal their sizes are."""

    count: int = Field(ge=1, le=MAX_PROJECTS)
    size_cv: float = Field(0.0, ge=0, le=10, description="Lognormal size variation (CV).")


ProjectsSpec = Annotated[
    Projects,
    BeforeValidator(
        _count_means_projects,
        json_schema_input_type=Union[int, Projects],  # noqa: UP007 — needs a runtime Union
    ),
]


class Route(_Model):
    """For an undetermined pathway: wait, identify a route, then join another pathway."""

    after: int = Field(description="Projects wait until the start of this year.")
    delay: DistributionSpec = Field(description="Route-identification delay, years.")
    to: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(min_length=1)
    dropout: Probability = 0.0


class Replacement(_Model):
    """Replace a project that drops out of the pathway's stages by a new one of the same area."""

    delay: DistributionSpec = Field(description="Years from the drop-out to the new start.")
    max: int = Field(1, ge=0, le=MAX_REPLACEMENTS,
                     description="Replacements per original project (0: none).")
    budget_km2: float | None = Field(
        None, ge=0, description="Most km² replaced over the whole run (first come, first served)."
    )


class Management(_Model):
    """A programme office that reviews the programme and tops it up from a pool of sites.

    At each review (every ``review`` years from the horizon start, or the status date) it
    computes each managed pathway's expected shortfall against its plan — planned km²
    minus what is released and what the projects under way will deliver in expectation
    (area × the chance of surviving their remaining stages) — and, when that exceeds
    ``trigger``, starts projects of the pathway's mean size covering it, from the pool,
    each after ``lead`` years (docs/model.md, "Programme management").
    """

    review: float = Field(1.0, gt=0, le=MAX_HORIZON_YEARS,
                          description="Years between reviews (1: at the start of each year).")
    pool_km2: float = Field(0.0, ge=0, le=MAX_NUMBER,
                            description="Candidate area the office can still start, km² "
                                        "(0: none, the same as no management).")
    lead: DistributionSpec = Field(Fixed(value=0.0),
                                   description="Years from a decision to the project's start.")
    trigger: float = Field(0.0, ge=0, le=MAX_NUMBER,
                           description="Top up only when the expected shortfall exceeds this, km².")
    districts: Shares | None = Field(
        None, description="Where the pool's candidate sites lie: shares by district, adding "
                          "up to 1, each one of the managed pathways' districts (default: "
                          "each pathway's own shares).")

    @model_serializer(mode="wrap")
    def _without_unset_districts(self, handler):
        # unset, so scenarios written before districts existed keep their digest
        return without_unset(handler(self), ("districts",))


class Schedule(_Model):
    """When projects start: early enough to reach Y + 0.5 with probability ``quantile``."""

    quantile: float | None = Field(
        None, gt=0, lt=1,
        description="Buffer: start at Y + 0.5 − (sum of the stages' q-quantiles); "
                    "default: the nominal durations (medians).",
    )


class Pathway(_Model):
    """A way land is released: a plan by year, projects, and stages (or a route)."""

    model_config = ConfigDict(**_CONFIG, populate_by_name=True)

    label: str | None = Field(None, max_length=120)
    label_zh: str | None = Field(None, max_length=120, description="Label in Chinese reports.")
    plan: dict[int, Annotated[float, Field(gt=0)]] = Field(
        min_length=1, description="km² by planned release year."
    )
    projects: ProjectsSpec
    stages: list[Stage] = Field(default_factory=list, max_length=MAX_STAGES)
    route: Route | None = None
    yield_: DistributionSpec = Field(
        Fixed(value=1.0), alias="yield", description="Fraction of a project's area released."
    )
    annual_cap: float | None = Field(None, gt=0, description="Most km² handed over a year.")
    replacement: Replacement | None = Field(None, description="Replace projects that drop out.")
    programme: ProgrammeSpec | None = Field(
        None,
        description="Over-programming: carry this multiple of the plan's projects (a "
                    "number), or a ratio of pipeline to plan drawn per replication (a "
                    "distribution: ⌈r·n⌉ of each plan year's n projects); default: the "
                    "scenario's programme.",
    )
    schedule: Schedule | None = Field(None, description="Start projects with a time buffer.")
    management: Management | None = Field(
        None, description="This pathway's own programme office and pool (overrides the "
                          "scenario's management).")
    districts: Shares | None = Field(
        None, description="Shares of the pathway's projects (and so of its plan) by district "
                          "or park, adding up to 1; each project lies in one, placed by "
                          "largest remainder (default: the scenario's districts, else none).")

    @model_serializer(mode="wrap")
    def _without_unset_districts(self, handler):
        # unset, so scenarios written before districts existed keep their digest
        return without_unset(handler(self), ("districts",))

    @property
    def planned_km2(self) -> float:
        """Total planned area, km²."""
        return float(sum(self.plan.values()))


class Lever(_Model):
    """A policy lever: a key path, the range worth considering, what it means, and what
    moving it costs (``cost`` per unit above ``min``, in ``cost_unit``)."""

    path: str = Field(max_length=200, description="Key path of a numeric value.")
    min: float
    max: float
    description: str = Field(max_length=300, description="One line, 'English | zh: 中文'.")
    cost: float | None = Field(
        None, ge=0, le=1e12,
        description="Cost per unit of the lever above min (a programme at every lever's min "
                    "costs 0), in cost_unit; used by landsim optimize.")
    cost_unit: str | None = Field(
        None, min_length=1, max_length=60,
        description="What cost is counted in, e.g. 'million CNY' (the same for every lever).")

    @model_serializer(mode="wrap")
    def _without_unset_cost(self, handler):
        # unset costs are left out, so scenarios written before costs existed keep their
        # digest (study folders and posterior files record it)
        return without_unset(handler(self), ("cost", "cost_unit"))


class Correlation(_Model):
    """Shared delay multipliers that make projects slip together."""

    pathway_factor_sigma: float = Field(0.0, ge=0, le=5)
    global_factor_sigma: float = Field(0.0, ge=0, le=5)


class Event(_Model):
    """A risk-register entry that slows and endangers the stages that start while it lasts."""

    name: str = Field(pattern=KEY_PATTERN, max_length=MAX_NAME)
    probability: Probability = Field(description="Chance of starting in a horizon year.")
    lasts: float = Field(gt=0, description="Years.")
    pathways: list[str] = Field(min_length=1)
    duration_multiplier: float = Field(1.0, gt=0)
    dropout_add: Probability = 0.0


class Scenario(_Model):
    """A complete, validated scenario. Build one with :func:`load_scenario`."""

    name: str = Field(pattern=NAME_PATTERN, max_length=MAX_NAME,
                      description="Names the output folder.")
    title: str = Field("", max_length=300)
    title_zh: str = Field("", max_length=300,
                          description="Title of the Chinese report (default: title).")
    description: str = ""
    headline: str | None = Field(
        None, description="Target the report's headline leads with (default: the first)."
    )
    sources: list[str] = Field(default_factory=list)
    horizon: Horizon
    targets: list[Target] = Field(min_length=1, max_length=MAX_TARGETS)
    pathways: dict[Annotated[str, Field(pattern=KEY_PATTERN, max_length=MAX_NAME)], Pathway] = (
        Field(min_length=1, max_length=MAX_PATHWAYS))
    correlation: Correlation = Field(default_factory=Correlation)
    events: list[Event] = Field(default_factory=list, max_length=MAX_EVENTS)
    provenance: dict[str, str] = Field(
        default_factory=dict,
        description="Key path → 'sourced|derived|assumption: note'. Filled from comments too.",
    )
    programme: ProgrammeSpec = Field(
        1.0, description="Over-programming of every pathway without its own (default 1): a "
                         "number, or a distribution drawn per replication and pathway.")
    levers: list[Lever] = Field(default_factory=list, max_length=MAX_LEVERS,
                                description="Policy levers the report explores.")
    management: Management | None = Field(
        None, description="A programme office that tops up every pathway with stages from one "
                          "shared pool (a pathway's own management block overrides it).")
    status: Status | None = Field(
        None, description="Where things stand at a status date: actuals and projects in progress."
    )
    uncertain: dict[Annotated[str, Field(max_length=200)], DistributionSpec] = Field(
        default_factory=dict, max_length=MAX_UNCERTAIN,
        description="Key path → prior: each replication draws its own value.")
    observed: Observed | None = Field(
        None, description="Release that happened (km² by year), for calibration.")
    posterior: Posterior | None = Field(
        None, description="Set from uncertain.from: these uncertain paths are one joint draw "
                          "from a calibration's posterior (a row a replication).")
    districts: Shares | None = Field(
        None, description="Shares by district of every pathway without districts of its own "
                          "(adding up to 1).")

    @model_serializer(mode="wrap")
    def _without_unset_districts(self, handler):
        # unset, so scenarios written before districts existed keep their digest
        return without_unset(handler(self), ("districts",))

    _file: str | None = PrivateAttr(default=None)

    @property
    def file(self) -> str | None:
        """The file the scenario was loaded from, if any."""
        return self._file

    @property
    def years(self) -> list[int]:
        """Horizon years in order."""
        return list(range(self.horizon.start, self.horizon.end + 1))

    @property
    def planned_km2(self) -> float:
        """Total planned area over all pathways, km²."""
        return float(sum(p.planned_km2 for p in self.pathways.values()))

    def districts_of(self, pathway: str) -> dict[str, float] | None:
        """District shares of ``pathway``: its own, else the scenario's, else None."""
        own = self.pathways[pathway].districts
        return dict(own) if own is not None else (
            dict(self.districts) if self.districts is not None else None)

    @property
    def district_names(self) -> list[str]:
        """Every district any pathway names, in order of first mention."""
        names: dict[str, None] = {}
        for name in self.pathways:
            names.update(dict.fromkeys(self.districts_of(name) or {}))
        return list(names)

    def label_of(self, path: str) -> str | None:
        """Provenance label of ``path`` or of its nearest labelled ancestor."""
        while path:
            if path in self.provenance:
                return self.provenance[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    def resolved(self) -> dict:
        """Plain data with every default filled in (loads back to an equal scenario)."""
        return self.model_dump(mode="python", by_alias=True)

    def digest(self) -> str:
        """SHA-256 of the resolved scenario: identifies the inputs of a run."""
        text = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- loading


def load_scenario(path: str | Path, data_dirs: Iterable[str | Path] | None = None) -> Scenario:
    """Read and validate a scenario YAML file.

    Files the scenario names (``status.pipeline_file``, ``uncertain.from``) must lie inside
    its folder or inside one of ``data_dirs`` (the CLI's ``--data DIR``; default: none).
    Raises ``ScenarioError`` listing every problem (file, line, key path, message).
    """
    source = read_yaml(path)
    return _build(source, data_dirs)


def scenario_from_dict(data: Mapping, *, file: str | None = None,
                       data_dirs: Iterable[str | Path] | None = None) -> Scenario:
    """Validate a scenario given as plain data (as ``yaml.safe_load`` would return it).

    ``file``: where it came from (files it names are relative to its folder, else to the
    working directory, and must lie there or in one of ``data_dirs``).
    Raises ``ScenarioError`` listing every problem.
    """
    return _build(YamlSource(data=data, file=file), data_dirs)


def scenario_json_schema() -> dict:
    """JSON Schema (2020-12) of the scenario format, for editors and other tools."""
    schema = Scenario.model_json_schema(by_alias=True)
    # `from: FILE` sits among the priors and is replaced by the file's columns on loading
    uncertain = schema["properties"]["uncertain"]
    uncertain["properties"] = {"from": {
        "type": "string", "maxLength": 500,
        "description": "A calibration's posterior.parquet (relative to the scenario): its "
                       "columns become joint uncertain parameters."}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://landsim.example/scenario.schema.json",
        **schema,
        "title": "landsim scenario",
    }


def _build(source: YamlSource, data_dirs: Iterable[str | Path] | None = None) -> Scenario:
    data = source.data
    if not isinstance(data, Mapping):
        kind = type(data).__name__ if data is not None else "empty"
        raise ScenarioError(
            [Problem("", f"a scenario must be a mapping of keys, not {kind}", source.file, 1)]
        )
    folders = tuple(data_dirs or ())
    data, origins = merge_pipeline_file(dict(data), source.file, source.line_of, folders)
    data, from_posterior = merge_posterior_file(data, source.file, source.line_of, folders)
    if source.labels:
        # Explicit `provenance:` entries win over labels written as comments.
        from_comments = {format_path(p): text for p, text in source.labels.items()}
        explicit = data.get("provenance")
        if explicit is None or isinstance(explicit, Mapping):
            data["provenance"] = {**from_comments, **(explicit or {})}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [problem_from(err, source, Scenario)
                    for err in relevant_errors(exc.errors(include_url=False))]
        raise ScenarioError(unique_problems(problems)) from None
    problems = [
        _located(path, message, source, origins, from_posterior)
        for path, message in check_semantics(scenario)
    ]
    if problems:
        raise ScenarioError(problems)
    scenario._file = source.file
    return scenario


def _located(path: tuple, message: str, source: YamlSource, origins: dict,
             from_posterior: dict | None = None) -> Problem:
    """A problem at ``path``; rows that came from a pipeline CSV point at their line there,
    and key paths that came from a posterior file (``uncertain.from``) at that line."""
    if from_posterior and path[:1] == ("uncertain",) and len(path) > 1 \
            and path[1] in from_posterior:
        return Problem(format_path(path), f"column '{path[1]}' of {from_posterior[path[1]]}: "
                       f"{message}", source.file, source.line_of(("uncertain", "from")))
    if path[:2] == ("status", "pipeline") and len(path) > 2 and path[2] in origins:
        file, line = origins[path[2]]
        return Problem(format_path(path), message, file, line)
    return Problem(format_path(path), message, source.file, source.line_of(path))
