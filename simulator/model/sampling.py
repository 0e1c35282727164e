"""Draw the random inputs of a chunk of replications, apart from any engine.

Every random quantity a replication needs — project sizes, yields, route choices and
delays, stage durations, dropout uniforms, correlation factors and risk-event
timelines — is drawn here into arrays whose first axis is the replication. Engines
only consume these arrays, so two engines given the same draws must agree exactly.

Each array has its own stream, ``SeedSequence(seed, spawn_key=(chunk, id(name)))``
with ``id`` a stable hash of a descriptive name (``duration:renewal:unit-plan``).
Hence:

* results depend only on (scenario, seed, replications), never on workers or engines;
* the first k rows of a chunk do not depend on the chunk's length, so a run with
  fewer replications is a prefix of a run with more;
* adding an event or a pathway leaves every other array's draws unchanged (common
  random numbers across scenario variants and sweep points).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, fields, replace

import numpy as np

from simulator.inputs.uncertain import rounded_capacity
from simulator.model.layout import Layout
from simulator.model.uncertain import draw_values

__all__ = ["CHUNK_SIZE", "Draws", "THROUGHPUT_KINDS", "chunk_sizes", "draw_chunk",
           "draw_chunk_reusing", "event_effect"]

CHUNK_SIZE = 1000
"""Replications per chunk. Part of the reproducibility contract: changing it changes results."""


@dataclass(frozen=True)
class Draws:
    """Random inputs of R replications (first axis) for the N projects of a layout."""

    size: np.ndarray  # (R, N) km²; sums to the plan within each (pathway, year) group
    yield_: np.ndarray  # (R, N) fraction of area released on completion
    owner: np.ndarray  # (R, N) pathway whose stages (and queues and caps) the project uses
    start: np.ndarray  # (R, N) year the project's lifecycle (or its route delay) begins
    route_delay: np.ndarray  # (R, N) base route-identification delay; 0 if not routed
    route_dropout_u: np.ndarray  # (R, N) uniform; the route fails if below route.dropout
    duration: np.ndarray  # (R, S, N) base durations of the owner's stages, NaN past the last
    dropout_u: np.ndarray  # (R, S, N) uniforms; a stage drops the project if below its dropout
    global_factor: np.ndarray  # (R,) delay multiplier shared by all pathways
    pathway_factor: np.ndarray  # (R, P) delay multiplier of each pathway
    event_start: np.ndarray  # (R, E, Y) event e starts at the start of horizon year y
    replace_delay: np.ndarray | None = None  # (R, N) years from a drop-out to its replacement
    budget: np.ndarray | None = None  # (R, P) km² of replacements each pathway may start
    lead: np.ndarray | None = None  # (R, N) years from an office's decision to a pool start
    # uncertain parameters (None when the scenario has none of that kind)
    params: np.ndarray | None = None  # (R, K) each replication's uncertain values
    stage_dropout: np.ndarray | None = None  # (R, P, S) dropout of each owner's stage
    route_dropout: np.ndarray | None = None  # (R, P) a routed pathway's route dropout
    cap: np.ndarray | None = None  # (R, P) km²/yr, inf where uncapped
    event_multiplier: np.ndarray | None = None  # (R, E) each event's duration multiplier
    event_dropout: np.ndarray | None = None  # (R, E) each event's added dropout
    event_lasts: np.ndarray | None = None  # (R, E) each event's length, years
    capacity: np.ndarray | None = None  # (R, P, S) int places of each owner's stage, 0: none
    pool: np.ndarray | None = None  # (R, O) km² each programme office may start
    trigger: np.ndarray | None = None  # (R, O) km² of shortfall an office lets pass
    programme: np.ndarray | None = None  # (R, P) drawn ratio of pipeline to plan; NaN: fixed

    @property
    def replications(self) -> int:
        """Number of replications (rows)."""
        return int(self.size.shape[0])

    def rows(self, start: int, stop: int) -> Draws:
        """Replications ``start`` to ``stop`` (views, no copies)."""
        return Draws(**{f.name: _part(getattr(self, f.name), slice(start, stop))
                        for f in fields(self)})

    def take(self, index: np.ndarray) -> Draws:
        """The replications at ``index`` (copies)."""
        return Draws(**{f.name: _part(getattr(self, f.name), index) for f in fields(self)})

    def row(self, r: int) -> Draws:
        """The inputs of replication ``r`` alone (arrays lose their first axis)."""
        return Draws(**{f.name: _part(getattr(self, f.name), r) for f in fields(self)})


def _part(value, index):
    return None if value is None else value[index]


def chunk_sizes(replications: int) -> list[int]:
    """Sizes of the chunks that make up ``replications`` (all full but the last)."""
    full, rest = divmod(replications, CHUNK_SIZE)
    return [CHUNK_SIZE] * full + ([rest] if rest else [])


def _stream(seed: int, chunk: int, name: str) -> np.random.Generator:
    key = zlib.crc32(name.encode("utf-8"))
    sequence = np.random.SeedSequence(seed, spawn_key=(chunk, key))
    return np.random.Generator(np.random.PCG64(sequence))


def draw_chunk(layout: Layout, seed: int, chunk: int, size: int,
               theta: np.ndarray | None = None) -> Draws:
    """Draw the inputs of replications ``chunk*CHUNK_SIZE …`` (``size`` of them).

    ``theta`` (size, K): the uncertain parameters' values to use instead of drawing them
    from their priors (what a sequential calibration proposes); every other input is drawn
    as usual. Raises ``ValueError`` if ``size`` is not in 1..CHUNK_SIZE or ``theta`` has
    another shape.
    """
    if not 1 <= size <= CHUNK_SIZE:
        raise ValueError(f"chunk size must be 1..{CHUNK_SIZE}, got {size}")
    scn = layout.scenario
    R, N, S, P = size, layout.n_projects, max(layout.max_stages, 1), len(layout.pathways)
    Y = len(layout.years)

    def rng(name: str) -> np.random.Generator:
        return _stream(seed, chunk, name)

    if theta is not None:
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (R, len(layout.uncertain)):
            raise ValueError(f"theta must have shape ({R}, {len(layout.uncertain)}), "
                             f"got {theta.shape}")
    elif layout.uncertain:
        theta = draw_values(layout.uncertain, rng, R)
    scale = _Scales(layout, theta)

    sizes = np.empty((R, N))
    yields = np.empty((R, N))
    owner = np.empty((R, N), dtype=np.int64)
    start = np.empty((R, N))
    route_delay = np.zeros((R, N))
    route_dropout_u = np.ones((R, N))
    duration = np.full((R, S, N), np.nan)  # stage-major: one contiguous (R, N) slab a stage
    dropout_u = np.ones((R, S, N))

    replace_delay = None if layout.replaces is None else np.zeros((R, N))
    for p, name in enumerate(layout.pathways):
        spec = scn.pathways[name]
        every = layout.projects_of(p)
        cols = every[layout.originals[every]]  # replacements draw from streams of their own
        if layout.reserve is not None:
            spare = cols[layout.reserve[cols]]
            cols = cols[~layout.reserve[cols]]
            if spare.size:  # a drawn programme's reserve: the plan's mean project size (so
                # the best case bounds it), other inputs from streams of their own
                sizes[:, spare] = layout.area[spare]
                _own_stages(layout, spec, name, p, spare, rng, scale, yields, owner, start,
                            duration, dropout_u, prefix="programme-")
        if cols.size == 0:
            continue  # a statused pathway with nothing in progress and nothing left to start
        lo, hi = cols[0], cols[-1] + 1
        cv = scale.value("size_cv", p, default=spec.projects.size_cv)
        sizes[:, lo:hi] = _sizes(layout, cols, cv, rng(f"size:{name}"), R)
        if spec.route is None:
            _own_stages(layout, spec, name, p, cols, rng, scale, yields, owner, start,
                        duration, dropout_u)
            continue
        yields[:, lo:hi] = np.clip(scale.draw(
            spec.yield_, rng(f"yield:{name}"), (R, cols.size), "yield", p), 0, 1)
        nominal_release = layout.planned_year[cols] + 0.5

        route = spec.route
        targets = layout.routes(p)
        u = rng(f"route:{name}").random((R, cols.size))
        tgt = np.array([t for t, _ in targets])[_route_choice(targets, u, scale, p)]
        owner[:, lo:hi] = tgt
        nominal_start = nominal_release - (route.delay.nominal_value() + layout.lifecycle[tgt])
        start[:, lo:hi] = np.maximum(nominal_start, float(route.after))
        if layout.as_of is not None:
            np.maximum(start[:, lo:hi], layout.start_floor, out=start[:, lo:hi])
        route_delay[:, lo:hi] = scale.draw(
            route.delay, rng(f"route-delay:{name}"), (R, cols.size), "route_delay", p)
        route_dropout_u[:, lo:hi] = rng(f"route-dropout:{name}").random((R, cols.size))
        for t, _ in targets:
            target = layout.pathways[t]
            chosen = tgt == t
            for k, stage in enumerate(scn.pathways[target].stages):
                stream = f"{name}->{target}:{stage.name}"
                d = scale.draw(stage.duration, rng(f"duration:{stream}"), (R, cols.size),
                               "duration", t, k)
                v = rng(f"dropout:{stream}").random((R, cols.size))
                np.copyto(duration[:, k, lo:hi], d, where=chosen)
                np.copyto(dropout_u[:, k, lo:hi], v, where=chosen)

    ratio = _programmes(layout, rng, scale, sizes, start, R) if layout.drawn else None

    if layout.replaces is not None:
        for p, name in enumerate(layout.pathways):
            every = layout.projects_of(p)
            shadows = every[layout.replaces[every] >= 0]
            if shadows.size:
                _replacements(layout, scn.pathways[name], name, shadows, rng, sizes, yields,
                              owner, start, replace_delay, duration, dropout_u, p, R, scale)

    lead = None
    if layout.managed is not None:
        lead = np.zeros((R, N))
        for p, name in enumerate(layout.pathways):
            pool = layout.pool_columns(p)
            if pool.size:
                _pool_projects(layout, scn.pathways[name], name, pool, rng, sizes, yields,
                               owner, start, lead, duration, dropout_u, p, R, scale)

    corr = scn.correlation
    global_sigma = scale.value("global_sigma", default=corr.global_factor_sigma)
    global_factor = np.exp(global_sigma * rng("factor:*global*").standard_normal(R))
    pathway_sigma = scale.value("pathway_sigma", default=corr.pathway_factor_sigma)
    pathway_factor = np.empty((R, P))
    for p, name in enumerate(layout.pathways):
        pathway_factor[:, p] = np.exp(pathway_sigma * rng(f"factor:{name}").standard_normal(R))

    event_start = np.zeros((R, len(layout.events), Y), dtype=bool)
    for e, ev in enumerate(layout.events):
        u = rng(f"event:{ev.name}").random((R, Y))
        probability = scale.value("event_probability", index=e, default=ev.probability)
        lasts = scale.value("event_lasts", index=e, default=ev.lasts)
        active_until = np.full(R, -np.inf)
        for y, year in enumerate(layout.years):
            starts = (year >= active_until) & (u[:, y] < probability)
            event_start[:, e, y] = starts
            active_until = np.where(starts, year + lasts, active_until)

    return Draws(
        size=sizes,
        yield_=yields,
        owner=owner,
        start=start,
        route_delay=route_delay,
        route_dropout_u=route_dropout_u,
        duration=duration,
        dropout_u=dropout_u,
        global_factor=global_factor,
        pathway_factor=pathway_factor,
        event_start=event_start,
        replace_delay=replace_delay,
        lead=lead,
        programme=ratio,
        **_per_replication_values(layout, scale),
    )


def _per_replication_values(layout: Layout, scale: _Scales) -> dict:
    """The fields of :class:`Draws` that are a scenario's values, replaced by each
    replication's uncertain value where it has one (no random draw of their own)."""
    S = max(layout.max_stages, 1)
    return dict(
        event_multiplier=scale.per_item(
            "event_multiplier", [ev.duration_multiplier for ev in layout.events], by="event"),
        event_dropout=scale.per_item(
            "event_dropout", [ev.dropout_add for ev in layout.events], by="event"),
        event_lasts=scale.per_item("event_lasts", [ev.lasts for ev in layout.events], by="event"),
        budget=scale.per_item("budget", _budgets(layout)),
        params=scale.theta,
        stage_dropout=scale.per_stage("dropout", S, lambda stage: stage.dropout),
        capacity=_capacities(scale.per_stage("capacity", S, lambda stage: stage.capacity or 0)),
        route_dropout=scale.per_item("route_dropout", _route_dropouts(layout)),
        cap=scale.per_item("cap", layout.annual_cap),
        pool=scale.per_office("pool", lambda office: office.pool_km2),
        trigger=scale.per_office("trigger", lambda office: office.spec.trigger),
    )


THROUGHPUT_KINDS = frozenset({"cap", "capacity"})
"""Uncertain kinds no random draw depends on: a pathway's annual cap and a stage's places
act in the engines only (queues and the yearly hand-over), never on a sampled input."""

_REUSED: dict = {}  # key → [draws, times reused]: one chunk a process


def draw_chunk_reusing(layout: Layout, seed: int, chunk: int, size: int) -> Draws:
    """:func:`draw_chunk`, the same arrays to the last bit, reusing the random draws of a
    recent call whose scenario differed only in annual caps and stage capacities.

    Caps and capacities enter no random draw (:data:`THROUGHPUT_KINDS`): two scenarios that
    differ only there, with the same seed and chunk, draw the same projects, durations and
    drop-outs, and differ only in the per-replication values (``cap``, ``capacity``,
    ``params`` …), which are made again here from the layout. What the study of a lever on
    a cap or a capacity (the report's lever analysis, solve, optimize) would otherwise draw
    afresh at every point. Keeps one chunk a process (about 120 MB for status-2026 at 1,000
    replications): the last drawn, unless it has been reused — the scenario as it is, whose
    draws every cap and capacity point of a lever study reuses, is not pushed out by the
    points of its other levers.
    """
    theta = (draw_values(layout.uncertain, lambda name: _stream(seed, chunk, name), size)
             if layout.uncertain else None)
    key = (_draws_key(layout, theta), seed, chunk, size)
    held = _REUSED.get(key)
    if held is None:
        found = draw_chunk(layout, seed, chunk, size)
        if not any(times for _, times in _REUSED.values()):
            _REUSED.clear()
            _REUSED[key] = [found, 0]
        return found
    held[1] += 1
    return replace(held[0], **_per_replication_values(layout, _Scales(layout, theta)))


def _draws_key(layout: Layout, theta: np.ndarray | None) -> str:
    """A digest of everything a chunk's random draws depend on: the scenario without its
    caps, capacities and words, and the values of its uncertain parameters but those
    (:data:`THROUGHPUT_KINDS`), by key path."""
    data = layout.scenario.resolved()
    for word in ("name", "title", "title_zh", "description", "description_zh", "sources",
                 "levers", "provenance", "headline", "targets", "uncertain"):
        data.pop(word, None)
    for spec in (data.get("pathways") or {}).values():
        spec.pop("annual_cap", None)
        for stage in spec.get("stages") or []:
            stage.pop("capacity", None)
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
    for k, u in enumerate(layout.uncertain):
        if u.key.kind not in THROUGHPUT_KINDS:
            digest.update(u.path.encode() + b"\0" + np.ascontiguousarray(theta[:, k]).tobytes())
    return digest.hexdigest()


def _own_stages(layout, spec, name, p, cols, rng, scale, yields, owner, start, duration,
                dropout_u, prefix: str = "") -> None:
    """Yields, starts, stage durations and drop-out uniforms of a pathway's own projects at
    ``cols`` (contiguous), from the streams ``<prefix>yield:<name>`` …; projects in progress
    at a status date resume where they are."""
    R, n = start.shape[0], cols.size
    lo, hi = cols[0], cols[-1] + 1
    yields[:, lo:hi] = np.clip(scale.draw(
        spec.yield_, rng(f"{prefix}yield:{name}"), (R, n), "yield", p), 0, 1)
    owner[:, lo:hi] = p
    start[:, lo:hi] = layout.planned_year[cols] + 0.5 - layout.lifecycle[p]
    for k, stage in enumerate(spec.stages):
        duration[:, k, lo:hi] = scale.draw(
            stage.duration, rng(f"{prefix}duration:{name}:{stage.name}"), (R, n),
            "duration", p, k)
        dropout_u[:, k, lo:hi] = rng(f"{prefix}dropout:{name}:{stage.name}").random((R, n))
    if layout.as_of is not None:
        _continue_pipeline(layout, spec, cols, rng(f"{prefix}status:{name}"), start, duration,
                           dropout_u, scale, p)


def _programmes(layout: Layout, rng, scale: _Scales, sizes, start, R: int) -> np.ndarray:
    """(R, P) each replication's ratio of pipeline to plan (NaN where it is fixed), drawn
    from ``programme:<pathway>``; of each group's n projects the first ⌈r·n⌉ (the plan's,
    then its reserve) take part, the others are no project at all (size 0, never start)."""
    ratio = np.full((R, len(layout.pathways)), np.nan)
    count = np.zeros((R, layout.group_count.size), dtype=np.int64)
    for p, draw in enumerate(layout.drawn):
        if draw is None:
            continue
        key = p if draw.own else None
        r = scale.draw(draw.dist, rng(f"programme:{layout.pathways[p]}"), (R, 1),
                       "programme", key)[:, 0]
        ratio[:, p] = np.clip(r, 0.0, draw.most)
        mine = np.unique(layout.group[(layout.pathway == p) & (layout.rank >= 0)])
        # 1e-9: a ratio that makes a whole number of projects (1.5 × 8) makes exactly that many
        count[:, mine] = np.ceil(ratio[:, p, None] * layout.group_count[mine] - 1e-9)
    cols = np.flatnonzero((layout.rank >= 0) & layout.originals)
    idle = layout.rank[cols][None, :] >= count[:, layout.group[cols]]
    sizes[:, cols] = np.where(idle, 0.0, sizes[:, cols])
    start[:, cols] = np.where(idle, np.inf, start[:, cols])
    return ratio


def _replacements(layout, spec, name, shadows, rng, sizes, yields, owner, start,
                  replace_delay, duration, dropout_u, p, R, scale) -> None:
    """Inputs of a pathway's replacement columns, each from a stream of its own kind.

    A replacement has its predecessor's area; its yield, delay, stage durations and
    drop-out uniforms are fresh draws. Its start is left at +inf: the engine sets it from
    the predecessor's drop-out time.
    """
    root = layout.replaces[shadows]
    while (layout.replaces[root] >= 0).any():  # back to the original of each lineage
        root = np.where(layout.replaces[root] >= 0, layout.replaces[root], root)
    sizes[:, _cols(shadows)] = sizes[:, _cols(root)]
    n = shadows.size
    shadows = _cols(shadows)
    yields[:, shadows] = np.clip(scale.draw(
        spec.yield_, rng(f"replacement-yield:{name}"), (R, n), "yield", p), 0, 1)
    owner[:, shadows] = p
    start[:, shadows] = np.inf
    replace_delay[:, shadows] = scale.draw(
        spec.replacement.delay, rng(f"replacement-delay:{name}"), (R, n), "replacement_delay", p)
    for k, stage in enumerate(spec.stages):
        duration[:, k, shadows] = scale.draw(
            stage.duration, rng(f"replacement-duration:{name}:{stage.name}"), (R, n),
            "duration", p, k)
        dropout_u[:, k, shadows] = rng(f"replacement-dropout:{name}:{stage.name}").random((R, n))


def _pool_projects(layout, spec, name, cols, rng, sizes, yields, owner, start, lead, duration,
                   dropout_u, p, R, scale) -> None:
    """Inputs of the projects a programme office may start in a pathway, each kind from a
    stream of its own (so a pool leaves every other draw unchanged): the pathway's mean
    size, fresh yields, leads, stage durations and drop-out uniforms. Their start is left
    at +inf: the engine sets it when the office decides."""
    office = next(o for o in layout.offices if any(m.pathway == p for m in o.pathways))
    n = cols.size
    cols = _cols(cols)
    sizes[:, cols] = layout.area[cols]
    yields[:, cols] = np.clip(scale.draw(
        spec.yield_, rng(f"management-yield:{name}"), (R, n), "yield", p), 0, 1)
    owner[:, cols] = p
    start[:, cols] = np.inf
    # an office's uncertain lead is keyed by its own pathway, or by none for the shared one
    mine = p if office.key.startswith("pathways.") else None
    lead[:, cols] = scale.draw(office.spec.lead, rng(f"management-lead:{name}"), (R, n),
                               "lead", mine)
    for k, stage in enumerate(spec.stages):
        duration[:, k, cols] = scale.draw(
            stage.duration, rng(f"management-duration:{name}:{stage.name}"), (R, n),
            "duration", p, k)
        dropout_u[:, k, cols] = rng(f"management-dropout:{name}:{stage.name}").random((R, n))


def _cols(index: np.ndarray):
    """``index`` as a slice when its columns are consecutive (a pathway's replacements and
    pool projects are): the same elements, written several times faster than by index."""
    if index.size and index[-1] - index[0] + 1 == index.size and np.all(np.diff(index) == 1):
        return slice(int(index[0]), int(index[-1]) + 1)
    return index


def _continue_pipeline(layout, spec, cols, rng, start, duration, dropout_u, scale, p) -> None:
    """Statused pathway: nothing starts before as_of; pipeline projects resume where they are.

    A project in stage k since e years draws what is left of that stage from the
    residual life of its duration (unknown e: the equilibrium residual); its earlier
    stages take no time and cannot drop it. Its later stages keep their usual draws.
    """
    lo, hi = cols[0], cols[-1] + 1
    as_of = layout.as_of
    np.maximum(start[:, lo:hi], layout.start_floor, out=start[:, lo:hi])
    pipe = cols[layout.in_pipeline[cols]]
    if pipe.size == 0:
        return
    start[:, pipe] = as_of
    R = start.shape[0]
    u = 1.0 - rng.random((R, pipe.size))  # in (0, 1], as residual() asks
    for k, stage in enumerate(spec.stages):
        here = layout.first_stage[pipe] == k
        if not here.any():
            continue
        j, e = pipe[here], layout.elapsed[pipe[here]]
        known = ~np.isnan(e)
        left = np.empty((R, j.size))
        c = scale.factor("duration", p, k)
        values = scale.shape("duration", p, k)
        if known.any():
            age = e[known] if c is None else e[known][None, :] / c
            left[:, known] = stage.duration.residual_with(u[:, here][:, known], age, values)
        if (~known).any():
            left[:, ~known] = stage.duration.equilibrium_residual_with(u[:, here][:, ~known],
                                                                       values)
        duration[:, k, j] = left if c is None else left * c
        duration[:, :k, j] = 0.0
        dropout_u[:, :k, j] = 1.0


def _route_choice(targets: list[tuple[int, float]], u: np.ndarray, scale: _Scales,
                  p: int) -> np.ndarray:
    """(R, n) index into ``targets`` of each routed project, from its uniform ``u``.

    An uncertain share θ of a target replaces its weight; the targets with fixed weights
    share what is left, 1 − Σθ, in their own proportions (if none has weight left, the
    uncertain shares are normalised to sum to 1).
    """
    weights = np.array([w for _, w in targets])
    cols = {i: k for q, i, k in scale.of_kind("route_weight") if q == p}
    if not cols:
        return np.minimum(np.searchsorted(np.cumsum(weights), u, side="right"), len(targets) - 1)
    theta = scale.theta
    varied = np.zeros(len(targets), dtype=bool)
    varied[list(cols)] = True
    W = np.repeat(weights[None, :], theta.shape[0], axis=0)
    for i, k in cols.items():
        W[:, i] = theta[:, k]
    share = W[:, varied].sum(axis=1, keepdims=True)
    rest = weights[~varied].sum()
    if rest > 0:
        W[:, ~varied] = weights[~varied] * np.maximum(1.0 - share, 0.0) / rest
    else:
        W = W / np.where(share > 0, share, 1.0)
    cumulative = np.cumsum(W, axis=1)
    # searchsorted(side="right") row by row: how many cumulative weights are ≤ u
    choice = (cumulative[:, None, :] <= u[:, :, None]).sum(axis=2)
    return np.minimum(choice, len(targets) - 1)


def _capacities(values: np.ndarray | None) -> np.ndarray | None:
    # 0 (no capacity: unlimited) stays 0; a drawn capacity rounds to a whole number ≥ 1
    if values is None:
        return None
    return np.where(values > 0, rounded_capacity(values), 0)


def _per_pathway(layout: Layout, value_of, default: float) -> np.ndarray:
    """(P,) ``value_of(pathway spec)`` of each pathway, ``default`` where it gives None."""
    values = (value_of(layout.scenario.pathways[name]) for name in layout.pathways)
    return np.array([default if v is None else float(v) for v in values])


def _budgets(layout: Layout) -> np.ndarray:
    return _per_pathway(layout, lambda spec: spec.replacement and spec.replacement.budget_km2,
                        np.inf)


def _route_dropouts(layout: Layout) -> np.ndarray:
    return _per_pathway(layout, lambda spec: spec.route and spec.route.dropout, 0.0)


class _Scales:
    """Where a chunk's uncertain values act: factors on draws, or per-replication values."""

    def __init__(self, layout: Layout, theta: np.ndarray | None):
        self.layout, self.theta = layout, theta
        self.where = {(u.key.kind, u.pathway, u.key.index): k
                      for k, u in enumerate(layout.uncertain) if not u.key.shape}
        self.shapes: dict[tuple, dict[str, int]] = {}
        for k, u in enumerate(layout.uncertain):
            if u.key.shape:
                self.shapes.setdefault((u.key.kind, u.pathway, u.key.index), {})[u.key.param] = k

    def shape(self, kind: str, p: int, index: int | None = None) -> dict[str, np.ndarray]:
        """{parameter: (R, 1) values} of a distribution's uncertain non-scale parameters."""
        cols = self.shapes.get((kind, p, index), {})
        return {name: self.theta[:, k, None] for name, k in cols.items()}

    def draw(self, dist, rng: np.random.Generator, size: tuple[int, int], kind: str, p: int,
             index: int | None = None) -> np.ndarray:
        """(R, n) draws of ``dist`` with each replication's uncertain parameters."""
        return self.apply(dist.sample_with(rng, size, self.shape(kind, p, index)), kind, p, index)

    def of_kind(self, kind: str) -> list[tuple[int | None, int | None, int]]:
        """(pathway, index, column of θ) of each uncertain value of ``kind``."""
        return [(u.pathway, u.key.index, k) for k, u in enumerate(self.layout.uncertain)
                if u.key.kind == kind]

    def _column(self, kind, p=None, index=None) -> int | None:
        return self.where.get((kind, p, index))

    def factor(self, kind: str, p: int | None = None, index: int | None = None):
        """(R, 1) θ / θ₀ of a scale parameter, or None if it is not uncertain."""
        k = self._column(kind, p, index)
        if k is None:
            return None
        return (self.theta[:, k] / self.layout.uncertain[k].key.base)[:, None]

    def apply(self, draws: np.ndarray, kind: str, p: int, index: int | None = None):
        """``draws`` (R, n) scaled by θ / θ₀ row by row (unchanged if not uncertain)."""
        c = self.factor(kind, p, index)
        return draws if c is None else draws * c

    def value(self, kind: str, p: int | None = None, index: int | None = None, *,
              default: float):
        """(R,) values of a parameter (of pathway ``p``, item ``index``), or its ``default``."""
        k = self._column(kind, p, index)
        return default if k is None else self.theta[:, k]

    def per_item(self, kind: str, fixed, *, by: str = "pathway") -> np.ndarray | None:
        """(R, n) values of a per-pathway (``by="pathway"``) or per-event (``by="event"``)
        parameter where any is uncertain, else None (engines then use ``fixed``)."""
        cols = [(p if by == "pathway" else i, k) for p, i, k in self.of_kind(kind)]
        if not cols:
            return None
        out = np.repeat(np.asarray(fixed, dtype=float)[None, :], self.theta.shape[0], axis=0)
        for i, k in cols:
            out[:, i] = self.theta[:, k]
        return out

    def per_office(self, kind: str, fixed_of) -> np.ndarray | None:
        """(R, O) values of a programme office's parameter where any office's is uncertain,
        else None; ``fixed_of(office)`` gives the others. An office's key is its pathway
        (its own block) or None (the scenario-wide block)."""
        cols = self.of_kind(kind)
        if not cols:
            return None
        offices = self.layout.offices
        out = np.repeat(np.array([[float(fixed_of(o)) for o in offices]]),
                        self.theta.shape[0], axis=0)
        for p, _, k in cols:
            for o, office in enumerate(offices):
                own = office.key.startswith("pathways.")
                if (own and office.pathways[0].pathway == p) or (not own and p is None):
                    out[:, o] = self.theta[:, k]
        return out

    def per_stage(self, kind: str, S: int, fixed_of) -> np.ndarray | None:
        """(R, P, S) values of a stage parameter where any is uncertain, else None;
        ``fixed_of(stage)`` gives the others."""
        cols = self.of_kind(kind)
        if not cols:
            return None
        fixed = np.zeros((len(self.layout.pathways), S))
        for p, stages in enumerate(self.layout.stages):
            for i, stage in enumerate(stages):
                fixed[p, i] = fixed_of(stage)
        out = np.repeat(fixed[None], self.theta.shape[0], axis=0)
        for p, i, k in cols:
            out[:, p, i] = self.theta[:, k]
        return out


def _sizes(layout: Layout, cols: np.ndarray, cv, rng: np.random.Generator, R: int):
    """(R, n) project sizes (km²): lognormal weights of coefficient of variation ``cv``
    (a number, or (R,) values of an uncertain one), normalised to each group's area."""
    nominal = np.broadcast_to(layout.area[cols], (R, cols.size))
    if np.ndim(cv) == 0 and cv == 0:
        return nominal.copy()
    s = np.sqrt(np.log1p(np.square(cv)))
    weights = np.exp(np.reshape(s, (-1, 1)) * rng.standard_normal((R, cols.size)))
    if layout.places is not None and np.unique(layout.places.place[cols]).size > 1:
        return _sizes_by_district(layout, cols, weights)
    groups = layout.group[cols]
    bounds = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    totals = np.add.reduceat(weights, bounds, axis=1)
    counts = np.diff(np.r_[bounds, cols.size])
    shares = weights / np.repeat(totals, counts, axis=1)
    return shares * np.repeat(layout.group_area[np.unique(groups)], counts)[None, :]


def _sizes_by_district(layout: Layout, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`_sizes` with each group's weights normalised within each district: a
    district's projects of a group carry the district's part of the group's area (its
    projects' nominal share of it), so a district's plan is what it was placed, not a
    draw of the city's sizes. The same random weights as without districts."""
    groups = layout.group[cols]
    cells = layout.places.place[cols]
    _, sub = np.unique(groups * layout.places.n_cells + cells, return_inverse=True)
    _, whole = np.unique(groups, return_inverse=True)
    nominal = layout.area[cols]
    sub_nominal = np.bincount(sub, weights=nominal)
    group_nominal = np.bincount(whole, weights=nominal)
    # the group's area shared among its districts as their projects' nominal area is
    target = layout.group_area[groups] * sub_nominal[sub] / group_nominal[whole]
    order = np.argsort(sub, kind="stable")  # each subgroup's columns together
    bounds = np.flatnonzero(np.r_[True, sub[order][1:] != sub[order][:-1]])
    totals = np.add.reduceat(weights[:, order], bounds, axis=1)  # (R, subgroups)
    return weights / totals[:, sub] * target[None, :]


def event_effect(
    layout: Layout, event_start: np.ndarray, pathway: int, t: float,
    multipliers: np.ndarray | None = None, adds: np.ndarray | None = None,
    lasts: np.ndarray | None = None,
) -> tuple[float, float]:
    """Duration multiplier and extra dropout for a stage of ``pathway`` starting at ``t``.

    ``event_start`` is one replication's (E, Y) array; ``multipliers``, ``adds`` and
    ``lasts``, its (E,) uncertain duration multipliers, added dropouts and lengths in years
    (None: the scenario's). An event that started at the start of year y is active on
    [y, y + lasts).
    """
    multiplier, extra = 1.0, 0.0
    first = layout.years[0]
    for e, ev in enumerate(layout.events):
        if not ev.mask[pathway]:
            continue
        for y in np.flatnonzero(event_start[e]):
            begin = first + y
            if begin <= t < begin + (ev.lasts if lasts is None else lasts[e]):
                multiplier *= ev.duration_multiplier if multipliers is None else multipliers[e]
                extra += ev.dropout_add if adds is None else adds[e]
                break
    return multiplier, extra
