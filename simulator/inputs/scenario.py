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
import math
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
from simulator.inputs.errors import Problem, ScenarioError, did_you_mean
from simulator.inputs.keypath import format_path
from simulator.inputs.posterior import Posterior, check_posterior, merge_posterior_file
from simulator.inputs.programme import programme_most
from simulator.inputs.status import Status, check_status, merge_pipeline_file
from simulator.inputs.uncertain import (
    MAX_UNCERTAIN,
    Observed,
    check_observed,
    check_uncertain,
    pool_most,
)
from simulator.inputs.validation import (  # noqa: F401 — validate_document: re-exported
    KEY_PATTERN,
    NAME_PATTERN,
    problem_from,
    relevant_errors,
    unique_problems,
    validate_document,
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

# Limits, chosen so that any scenario that validates runs on a 2-core, 24 GB machine: at
# all of them at once, 100 replications take about 5 s and 0.5 GB (tests/test_limits.py).
MAX_PROJECTS = 10_000
"""Most projects a scenario may have in all (memory grows with projects × stages)."""
MAX_PATHWAYS = 20
MAX_STAGES = 10
"""Most stages in one pathway."""
MAX_TARGETS = 20
MAX_EVENTS = 20
MAX_HORIZON_YEARS = 60
MAX_CAPACITY = 1_000_000
MAX_NUMBER = 1_000_000.0
"""Largest magnitude of any number (km², years, multipliers): beyond it sums overflow."""
MAX_REPLACEMENTS = 5
"""Most replacements of one project (each is a project column: cost grows with it)."""
MAX_PROGRAMME = 5.0
MAX_LEVERS = 8
MAX_NAME = 64
"""Longest name (scenario, target, pathway, stage, event): names become file names."""


_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

Probability = Annotated[float, Field(ge=0, le=1)]

ProgrammeSpec = Union[Annotated[float, Field(gt=0, le=MAX_PROGRAMME)], Distribution]  # noqa: UP007
"""``programme``: a number (the layout carries round(n × m) of a year's n projects) or a
distribution of the ratio of pipeline to plan, drawn per replication and pathway
(:mod:`simulator.model.programme`)."""


def without_unset(data: dict, keys: tuple[str, ...]) -> dict:
    """``data`` (a model's dump) without those of ``keys`` that are None: keys added to the
    format later are left out when unset, so older scenarios keep their digest (study
    folders and posterior files record it)."""
    for key in keys:
        if data.get(key) is None:
            data.pop(key, None)
    return data


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

    @model_serializer(mode="wrap")
    def _without_unset_kind(self, handler):
        # unset, so scenarios written before kinds existed keep their digest
        return without_unset(handler(self), ("kind", "tolerance"))

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


# ---------------------------------------------------------------- semantic checks


def check_semantics(s: Scenario) -> list[tuple[tuple, str]]:
    """Cross-field checks on a structurally valid scenario: ``[(path, message), …]``."""
    out: list[tuple[tuple, str]] = []
    start, end = s.horizon.start, s.horizon.end
    names = list(s.pathways)
    known = f"known pathways: {', '.join(names)}"
    span = f"the horizon is {start}–{end}"

    if end < start:
        out.append((("horizon", "end"), f"end ({end}) is before start ({start})"))
    elif end - start + 1 > MAX_HORIZON_YEARS:
        out.append((("horizon", "end"), f"the horizon spans {end - start + 1} years; at most "
                    f"{MAX_HORIZON_YEARS} allowed"))
    out += _too_large(s)

    def unknown_pathway(path: tuple, name: str) -> None:
        out.append((path, f"'{name}' is not a pathway{did_you_mean(name, names)}; {known}"))

    target_names = [t.name for t in s.targets]
    if s.headline is not None and s.headline not in target_names:
        out.append((("headline",), f"'{s.headline}' is not a target"
                    f"{did_you_mean(s.headline, target_names)}; targets: "
                    f"{', '.join(target_names)}"))
    seen_targets: set[str] = set()
    for i, t in enumerate(s.targets):
        here = ("targets", i)
        if t.tolerance is not None and t.kind != "about":
            out.append((here + ("tolerance",), "only an about (约) target has a tolerance; "
                        "add kind: about, or drop the tolerance"))
        elif t.tolerance is not None and t.tolerance >= t.km2:
            out.append((here + ("tolerance",), f"a tolerance of {t.tolerance:g} km² leaves "
                        f"nothing of the {t.km2:g} km² target; keep it below km2"))
        if t.name in seen_targets:
            out.append((here + ("name",), f"duplicate target name '{t.name}'"))
        seen_targets.add(t.name)
        if not start <= t.by <= end:
            out.append((here + ("by",), f"year {t.by} is outside the horizon; {span}"))
        if t.from_ is not None:
            if not start <= t.from_ <= end:
                out.append((here + ("from",), f"year {t.from_} is outside the horizon; {span}"))
            if t.from_ > t.by:
                out.append((here + ("from",), f"from ({t.from_}) is after by ({t.by})"))
        for j, name in enumerate(t.pathways or []):
            if name not in s.pathways:
                unknown_pathway(here + ("pathways", j), name)

    total_projects = 0
    for name, p in s.pathways.items():
        here = ("pathways", name)
        total_projects += p.projects.count
        for year in p.plan:
            if not start <= year <= end:
                out.append((here + ("plan", year), f"year {year} is outside the horizon; {span}"))
        if p.projects.count < len(p.plan):
            out.append(
                (
                    here + ("projects",),
                    f"{p.projects.count} projects cannot cover {len(p.plan)} planned years "
                    "(at least one project per planned year)",
                )
            )
        if p.route is None and not p.stages:
            out.append((here, "a pathway needs `stages` (or a `route` to another pathway)"))
        if p.route is not None:
            if p.stages:
                out.append((here + ("stages",), "a routed pathway takes its target's stages"))
            if p.annual_cap is not None:
                out.append(
                    (here + ("annual_cap",), "a routed pathway uses its target pathways' caps")
                )
            if p.replacement is not None:
                out.append((here + ("replacement",), "a routed pathway has no stages of its own "
                            "to replace projects in; declare replacement on the target pathways "
                            "(routed projects are not replaced)"))
            if p.schedule is not None:
                out.append((here + ("schedule",), "a routed pathway is scheduled by its route; "
                            "declare schedule on the target pathways"))
            if p.management is not None:
                out.append((here + ("management",), "a routed pathway has no stages of its own "
                            "to start projects in; declare management on the target pathways "
                            "(or scenario-wide, where it applies to pathways with stages)"))
            weights = p.route.to
            for target in weights:
                if target not in s.pathways:
                    unknown_pathway(here + ("route", "to", target), target)
                elif s.pathways[target].route is not None or not s.pathways[target].stages:
                    out.append(
                        (here + ("route", "to", target), f"'{target}' has no stages to join")
                    )
            if not math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9):
                out.append(
                    (here + ("route", "to"), f"weights sum to {sum(weights.values()):g}, not 1")
                )
            if p.route.after > end:
                out.append(
                    (here + ("route", "after"), f"year {p.route.after} is after the horizon end")
                )
            out += _check_duration(here + ("route", "delay"), p.route.delay)
        if p.replacement is not None:
            out += _check_duration(here + ("replacement", "delay"), p.replacement.delay,
                                   allow_zero=True)
        if p.management is not None:
            out += _check_duration(here + ("management", "lead"), p.management.lead,
                                   allow_zero=True)
        stage_names: set[str] = set()
        for k, stage in enumerate(p.stages):
            if stage.name in stage_names:
                out.append((here + ("stages", k, "name"), f"duplicate stage name '{stage.name}'"))
            stage_names.add(stage.name)
            out += _check_duration(here + ("stages", k, "duration"), stage.duration)
        lo, hi = p.yield_.support()
        if lo < 0 or hi > 1 or hi <= 0:
            out.append(
                (
                    here + ("yield",),
                    f"a yield must lie in [0, 1] and be positive (this one ranges {lo:g}–{hi:g}); "
                    "use fixed, uniform, triangular, pert, beta or empirical",
                )
            )
    if s.status is not None:
        total_projects += sum(row.projects for row in s.status.pipeline)
    columns = sum(
        math.ceil(p.projects.count * programme_most(s, name))
        * (1 + (p.replacement.max if p.replacement is not None else 0))
        for name, p in s.pathways.items())
    for name, p in s.pathways.items():  # an office's pool: one column a possible project
        office = p.management or (s.management if p.route is None else None)
        if office is not None and p.planned_km2 > 0:
            key = f"pathways.{name}.management" if p.management is not None else "management"
            pool = pool_most(s, key, office.pool_km2)
            columns += math.floor(pool / (p.planned_km2 / p.projects.count) + 1e-6)
    if columns > MAX_PROJECTS and total_projects <= MAX_PROJECTS:
        out.append(((), f"{columns:,} projects in all once programme, replacements and "
                        f"management pools are counted; at most {MAX_PROJECTS:,} allowed"))
    if total_projects > MAX_PROJECTS:
        out.append(((), f"{total_projects} projects in all; at most {MAX_PROJECTS:,} allowed"))

    seen_events: set[str] = set()
    for i, e in enumerate(s.events):
        if e.name in seen_events:
            out.append((("events", i, "name"), f"duplicate event name '{e.name}'"))
        seen_events.add(e.name)
        for j, name in enumerate(e.pathways):
            if name not in s.pathways:
                unknown_pathway(("events", i, "pathways", j), name)
    if s.management is not None:
        out += _check_duration(("management", "lead"), s.management.lead, allow_zero=True)
    out += _check_programme(("programme",), s.programme)
    for name, p in s.pathways.items():
        if p.programme is not None:
            out += _check_programme(("pathways", name, "programme"), p.programme)
    out += check_status(s)
    if s.uncertain or s.observed is not None:
        data = s.model_dump(mode="python", by_alias=True)
        out += check_uncertain(data, s.uncertain)
        if s.observed is not None:
            out += check_observed(data, s.observed)
    out += check_posterior(s)
    for i, lever in enumerate(s.levers):
        here = ("levers", i)
        if not lever.min < lever.max:
            out.append((here + ("max",), f"max ({lever.max:g}) must be greater than min "
                                         f"({lever.min:g})"))
        problem = _lever_path_problem(s, lever.path)
        if problem:
            out.append((here + ("path",), problem))
        if lever.cost_unit is not None and lever.cost is None:
            out.append((here + ("cost",), "a cost_unit needs a cost (per unit above min)"))
    units = {lever.cost_unit for lever in s.levers if lever.cost is not None}
    if len(units) > 1:
        i = next(i for i, lever in enumerate(s.levers) if lever.cost is not None
                 and lever.cost_unit != sorted(units, key=str)[0])
        out.append((("levers", i, "cost_unit"),
                    "every lever's cost must be in one unit; found "
                    + ", ".join(sorted(repr(u) for u in units))))
    for key, text in s.provenance.items():
        if text.split(":")[0].strip() not in ("sourced", "derived", "assumption"):
            out.append(
                (("provenance", key), "must start with sourced, derived or assumption")
            )
    return out


def _lever_path_problem(s: Scenario, path: str) -> str | None:
    """Why ``path`` cannot be a lever (not a key path, missing, not a number), else None."""
    from simulator.inputs.keypath import lookup, parse_path

    try:
        parts = parse_path(path)
    except ValueError as exc:
        return str(exc)
    try:
        node: Any = lookup(s.model_dump(mode="python", by_alias=True), parts)
    except LookupError as exc:
        return (f"'{path}' does not exist: {exc} (declare the key in the scenario, e.g. "
                "schedule: {quantile: 0.5}, to make it a lever)")
    if node is not None and (isinstance(node, bool) or not isinstance(node, (int, float))):
        return f"'{path}' is not a number (it is {type(node).__name__}); a lever moves a number"
    return None


def _too_large(s: Scenario) -> list[tuple[tuple, str]]:
    """Numbers whose magnitude exceeds MAX_NUMBER (km², years, factors): they overflow sums."""
    out: list[tuple[tuple, str]] = []

    def walk(value: Any, path: tuple) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
        elif isinstance(value, list):
            if len(value) > 64 and all(type(v) is float for v in value):
                # a posterior's draws: thousands of numbers, checked without recursion
                big = [i for i, v in enumerate(value) if abs(v) > MAX_NUMBER]
            else:
                big = None
            for i, v in enumerate(value) if big is None else ((i, value[i]) for i in big):
                walk(v, path + (i,))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if abs(value) > MAX_NUMBER:
                out.append((path, f"{value:g} is too large; numbers here are at most "
                                  f"{MAX_NUMBER:,.0f} (km², years, factors)"))

    data = s.model_dump(mode="python", by_alias=True, exclude={"provenance", "horizon"})
    walk(data, ())
    return out


def _check_programme(path: tuple, spec) -> list[tuple[tuple, str]]:
    """A drawn programme is a ratio of pipeline to plan: never below 0."""
    if isinstance(spec, (int, float)):
        return []
    lo, hi = spec.support()
    if lo < 0 or hi <= 0:
        return [(path, f"a ratio of pipeline to plan is at least 0 and somewhere above it "
                       f"(this one ranges {lo:g}–{hi:g}); use lognormal, gamma, uniform, "
                       "triangular, pert or empirical")]
    return []


def _check_duration(path: tuple, dist, allow_zero: bool = False) -> list[tuple[tuple, str]]:
    lo, hi = dist.support()
    if allow_zero:
        if lo < 0:
            return [(path, f"delays must be years ≥ 0 (this one ranges {lo:g}–{hi:g})")]
        return []
    if lo < 0 or hi <= 0 or (dist.dist in ("fixed", "empirical") and lo <= 0):
        return [(path, f"durations must be positive years (this one ranges {lo:g}–{hi:g})")]
    return []
