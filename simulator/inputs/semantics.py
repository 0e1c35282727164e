"""Cross-field checks on a structurally valid scenario, one checker a section.

Pydantic checks each key's type and range; these checkers check what one key says about
another (years inside the horizon, names that exist, weights that add up, the size a run will
build). Each takes the :class:`~simulator.inputs.scenario.Scenario` and returns
``[(key path, message), …]``; :func:`check_semantics` runs them all, so every problem in a
file is reported at once. The limits come from :mod:`simulator.inputs.limits`, the one place
``validate`` and ``run`` read them from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.inputs.errors import did_you_mean
from simulator.inputs.limits import MAX_HORIZON_YEARS, MAX_NUMBER, MAX_PROJECTS
from simulator.inputs.posterior import check_posterior
from simulator.inputs.programme import programme_most
from simulator.inputs.status import check_status
from simulator.inputs.uncertain import check_observed, check_uncertain, pool_most

if TYPE_CHECKING:
    from simulator.inputs.scenario import Pathway, Scenario

__all__ = ["CHECKERS", "SHARE_TOLERANCE", "check_districts", "check_semantics"]

Found = list[tuple[tuple, str]]


def _span(s: Scenario) -> str:
    return f"the horizon is {s.horizon.start}–{s.horizon.end}"


def _unknown_pathway(s: Scenario, path: tuple, name: str) -> tuple[tuple, str]:
    names = list(s.pathways)
    return (path, f"'{name}' is not a pathway{did_you_mean(name, names)}; "
                  f"known pathways: {', '.join(names)}")


def check_horizon(s: Scenario) -> Found:
    """The horizon runs forward and at most MAX_HORIZON_YEARS years."""
    start, end = s.horizon.start, s.horizon.end
    if end < start:
        return [(("horizon", "end"), f"end ({end}) is before start ({start})")]
    if end - start + 1 > MAX_HORIZON_YEARS:
        return [(("horizon", "end"), f"the horizon spans {end - start + 1} years; at most "
                                     f"{MAX_HORIZON_YEARS} allowed")]
    return []


def check_magnitudes(s: Scenario) -> Found:
    """Numbers whose magnitude exceeds MAX_NUMBER (km², years, factors): they overflow sums."""
    out: Found = []

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

    walk(s.model_dump(mode="python", by_alias=True, exclude={"provenance", "horizon"}), ())
    return out


def check_targets(s: Scenario) -> Found:
    """Target names unique, years in the horizon, tolerances only on 'about' targets, the
    headline a target, and pathways that exist."""
    out: Found = []
    start, end = s.horizon.start, s.horizon.end
    names = [t.name for t in s.targets]
    if s.headline is not None and s.headline not in names:
        out.append((("headline",), f"'{s.headline}' is not a target"
                    f"{did_you_mean(s.headline, names)}; targets: {', '.join(names)}"))
    seen: set[str] = set()
    for i, t in enumerate(s.targets):
        here = ("targets", i)
        if t.tolerance is not None and t.kind != "about":
            out.append((here + ("tolerance",), "only an about (约) target has a tolerance; "
                        "add kind: about, or drop the tolerance"))
        elif t.tolerance is not None and t.tolerance >= t.km2:
            out.append((here + ("tolerance",), f"a tolerance of {t.tolerance:g} km² leaves "
                        f"nothing of the {t.km2:g} km² target; keep it below km2"))
        if t.name in seen:
            out.append((here + ("name",), f"duplicate target name '{t.name}'"))
        seen.add(t.name)
        if not start <= t.by <= end:
            out.append((here + ("by",), f"year {t.by} is outside the horizon; {_span(s)}"))
        if t.from_ is not None:
            if not start <= t.from_ <= end:
                out.append((here + ("from",), f"year {t.from_} is outside the horizon; "
                                              f"{_span(s)}"))
            if t.from_ > t.by:
                out.append((here + ("from",), f"from ({t.from_}) is after by ({t.by})"))
        for j, name in enumerate(t.pathways or []):
            if name not in s.pathways:
                out.append(_unknown_pathway(s, here + ("pathways", j), name))
    return out


def _check_duration(path: tuple, dist, allow_zero: bool = False) -> Found:
    lo, hi = dist.support()
    if allow_zero:
        if lo < 0:
            return [(path, f"delays must be years ≥ 0 (this one ranges {lo:g}–{hi:g})")]
        return []
    if lo < 0 or hi <= 0 or (dist.dist in ("fixed", "empirical") and lo <= 0):
        return [(path, f"durations must be positive years (this one ranges {lo:g}–{hi:g})")]
    return []


def _check_programme(path: tuple, spec) -> Found:
    """A drawn programme is a ratio of pipeline to plan: never below 0."""
    if spec is None or isinstance(spec, (int, float)):
        return []
    lo, hi = spec.support()
    if lo < 0 or hi <= 0:
        return [(path, f"a ratio of pipeline to plan is at least 0 and somewhere above it "
                       f"(this one ranges {lo:g}–{hi:g}); use lognormal, gamma, uniform, "
                       "triangular, pert or empirical")]
    return []


def _check_route(s: Scenario, here: tuple, p: Pathway) -> Found:
    """A routed pathway borrows its target pathways' stages, caps and offices."""
    out: Found = []
    for key, why in (
        ("stages", "a routed pathway takes its target's stages"),
        ("annual_cap", "a routed pathway uses its target pathways' caps"),
        ("replacement", "a routed pathway has no stages of its own to replace projects in; "
                        "declare replacement on the target pathways (routed projects are not "
                        "replaced)"),
        ("schedule", "a routed pathway is scheduled by its route; declare schedule on the "
                     "target pathways"),
        ("management", "a routed pathway has no stages of its own to start projects in; "
                       "declare management on the target pathways (or scenario-wide, where it "
                       "applies to pathways with stages)"),
    ):
        value = getattr(p, key)
        if value is not None and value != []:
            out.append((here + (key,), why))
    weights = p.route.to
    for target in weights:
        if target not in s.pathways:
            out.append(_unknown_pathway(s, here + ("route", "to", target), target))
        elif s.pathways[target].route is not None or not s.pathways[target].stages:
            out.append((here + ("route", "to", target), f"'{target}' has no stages to join"))
    if not math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9):
        out.append((here + ("route", "to"), f"weights sum to {sum(weights.values()):g}, not 1"))
    if p.route.after > s.horizon.end:
        out.append((here + ("route", "after"), f"year {p.route.after} is after the horizon end"))
    out += _check_duration(here + ("route", "delay"), p.route.delay)
    return out


def check_pathways(s: Scenario) -> Found:
    """Each pathway: plan years in the horizon, a project a planned year, stages (or a route),
    positive durations, delays ≥ 0, a yield in [0, 1] and a programme ratio ≥ 0."""
    out: Found = []
    start, end = s.horizon.start, s.horizon.end
    for name, p in s.pathways.items():
        here = ("pathways", name)
        for year in p.plan:
            if not start <= year <= end:
                out.append((here + ("plan", year), f"year {year} is outside the horizon; "
                                                   f"{_span(s)}"))
        if p.projects.count < len(p.plan):
            out.append((here + ("projects",), f"{p.projects.count} projects cannot cover "
                        f"{len(p.plan)} planned years (at least one project per planned year)"))
        if p.route is None and not p.stages:
            out.append((here, "a pathway needs `stages` (or a `route` to another pathway)"))
        if p.route is not None:
            out += _check_route(s, here, p)
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
            out.append((here + ("yield",), f"a yield must lie in [0, 1] and be positive (this "
                        f"one ranges {lo:g}–{hi:g}); use fixed, uniform, triangular, pert, beta "
                        "or empirical"))
        out += _check_programme(here + ("programme",), p.programme)
    return out


def check_size(s: Scenario) -> Found:
    """At most MAX_PROJECTS projects: the plan's and the pipeline's, then every column a run
    builds (programme reserve, replacements, office pools)."""
    total = sum(p.projects.count for p in s.pathways.values())
    if s.status is not None:
        total += sum(row.projects for row in s.status.pipeline)
    if total > MAX_PROJECTS:
        return [((), f"{total} projects in all; at most {MAX_PROJECTS:,} allowed")]
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
    if columns > MAX_PROJECTS:
        return [((), f"{columns:,} projects in all once programme, replacements and "
                     f"management pools are counted; at most {MAX_PROJECTS:,} allowed")]
    return []


def check_events(s: Scenario) -> Found:
    """Event names unique; the pathways an event touches exist."""
    out: Found = []
    seen: set[str] = set()
    for i, e in enumerate(s.events):
        if e.name in seen:
            out.append((("events", i, "name"), f"duplicate event name '{e.name}'"))
        seen.add(e.name)
        for j, name in enumerate(e.pathways):
            if name not in s.pathways:
                out.append(_unknown_pathway(s, ("events", i, "pathways", j), name))
    return out


def check_scenario_wide(s: Scenario) -> Found:
    """The scenario-wide office's lead and programme."""
    out: Found = []
    if s.management is not None:
        out += _check_duration(("management", "lead"), s.management.lead, allow_zero=True)
    return out + _check_programme(("programme",), s.programme)


def check_uncertainty(s: Scenario) -> Found:
    """Uncertain key paths and their priors, observed release, and the posterior file."""
    out: Found = []
    if s.uncertain or s.observed is not None:
        data = s.model_dump(mode="python", by_alias=True)
        out += check_uncertain(data, s.uncertain)
        if s.observed is not None:
            out += check_observed(data, s.observed)
    return out + check_posterior(s)


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


def check_levers(s: Scenario) -> Found:
    """Each lever: min below max, a numeric key path, a cost with any cost_unit, one unit."""
    out: Found = []
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
        first = sorted(units, key=str)[0]
        i = next(i for i, lever in enumerate(s.levers)
                 if lever.cost is not None and lever.cost_unit != first)
        out.append((("levers", i, "cost_unit"), "every lever's cost must be in one unit; "
                    "found " + ", ".join(sorted(repr(u) for u in units))))
    return out


def check_provenance(s: Scenario) -> Found:
    """Every label starts with sourced, derived or assumption."""
    return [(("provenance", key), "must start with sourced, derived or assumption")
            for key, text in s.provenance.items()
            if text.split(":")[0].strip() not in ("sourced", "derived", "assumption")]


SHARE_TOLERANCE = 1e-6
"""How far district shares may add up from 1 (they are written with a few decimals)."""


def _shares_problem(shares: dict[str, float]) -> str | None:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        return (f"district shares add up to {total:.6g}; they are shares of the pathway's "
                "projects and plan and must add up to 1")
    return None


def _offices_with_districts(s: Scenario):
    """(key path, management block, pathways it tops up) of each office whose pool says
    where its sites lie."""
    if s.management is not None and s.management.districts is not None:
        managed = [n for n, p in s.pathways.items()
                   if p.management is None and p.route is None and p.stages]
        yield ("management", "districts"), s.management, managed
    for name, p in s.pathways.items():
        if p.management is not None and p.management.districts is not None:
            yield ("pathways", name, "management", "districts"), p.management, [name]


def check_districts(s: Scenario) -> Found:
    """District shares add up to 1, and a target's district is one some pathway it counts
    names (did-you-mean otherwise)."""
    out: Found = []
    if s.districts is not None and (problem := _shares_problem(s.districts)):
        out.append((("districts",), problem))
    for name, p in s.pathways.items():
        if p.districts is not None and (problem := _shares_problem(p.districts)):
            out.append((("pathways", name, "districts"), problem))
    for here, office, managed in _offices_with_districts(s):
        if (problem := _shares_problem(office.districts)):
            out.append((here, problem))
        for name in managed:
            own = s.districts_of(name) or {}
            for d in office.districts:
                if d not in own:
                    out.append((here + (d,), f"the pool's sites lie in the districts of the "
                                f"pathways it tops up, and '{name}' has no projects in "
                                f"'{d}'{did_you_mean(d, list(own))}"
                                + (f"; its districts: {', '.join(own)}" if own else
                                   "; it has no districts")))
    known = s.district_names
    for i, t in enumerate(s.targets):
        if t.district is None:
            continue
        here = ("targets", i, "district")
        if not known:
            out.append((here, f"'{t.district}' is not a district: no pathway has districts; "
                              "give a pathway (or the scenario) shares with districts: "
                              "{NAME: share, …}"))
        elif t.district not in known:
            out.append((here, f"'{t.district}' is not a district of this scenario"
                              f"{did_you_mean(t.district, known)}; its districts: "
                              f"{', '.join(known)}"))
        else:
            counted = t.pathways or list(s.pathways)
            if not any(t.district in (s.districts_of(p) or {}) for p in counted
                       if p in s.pathways):
                out.append((here, f"none of the pathways this target counts "
                                  f"({', '.join(counted)}) has projects in '{t.district}'"))
    return out


CHECKERS: tuple[Callable[[Scenario], Found], ...] = (
    check_horizon, check_magnitudes, check_targets, check_pathways, check_districts, check_size,
    check_events, check_scenario_wide, check_status, check_uncertainty, check_levers,
    check_provenance,
)
"""Every section's checker, in the order their problems are listed."""


def check_semantics(s: Scenario) -> Found:
    """Cross-field checks on a structurally valid scenario: ``[(path, message), …]``, every
    section's problems at once."""
    return [found for checker in CHECKERS for found in checker(s)]
