"""The vectorised engine: every replication of a chunk at once, with numpy arrays.

It consumes the same :class:`~simulator.model.sampling.Draws` as the SimPy engine and
reproduces it replication for replication (to floating-point rounding, < 1e-9 km²),
because it implements the same rules in closed form instead of by events:

* a stage without capacity starts when the project arrives;
* a stage with capacity K is a FIFO K-server queue. Sorting arrivals by (time, project
  index) and giving each project the earliest-free place — start = max(arrival,
  earliest free time) — is the Kiefer–Wolfowitz recursion, which is exactly what the
  SimPy engine's once-per-instant dispatch produces. The recursion runs over queue
  positions, each step vectorised over replications;
* a yearly cap hands over H_y = min(H_{y-1} + cap, A_y) by the end of year y, A_y being
  the area completed before y + 1; the handed-over mass is the oldest completions first,
  which attributes it to pathways when routed projects share the cap.

Time arithmetic uses the same floating-point operations in the same order as the SimPy
engine (start + duration × (global × pathway factor) × event multiplier).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from simulator.model.engines import ChunkOutcome
from simulator.model.layout import Layout
from simulator.model.management import (
    TOLERANCE,
    review_times,
    started_by_year,
    survival_after,
)
from simulator.model.sampling import Draws

__all__ = ["compile_reviews", "run_chunk"]


@dataclass(frozen=True)
class _Block:
    """Consecutive projects of one pathway that may pass through an owner's stages."""

    home: int  # the pathway they belong to (and are reported under)
    lo: int
    hi: int
    routed: bool  # routed projects pass through this owner only in some replications


def _blocks(layout: Layout, owner: int, pools: bool = True) -> list[_Block]:
    """The owner's own projects and those routed into it, in project-index order; without
    ``pools``, not the pool columns (which come last in a pathway's columns)."""
    out = []
    for p in range(len(layout.pathways)):
        if p == owner or owner in dict(layout.routes(p)):
            cols = layout.projects_of(p)
            hi = int(cols[-1]) + 1 if cols.size else 0
            if not pools and layout.managed is not None:
                slots = layout.pool_columns(p)
                hi = int(slots[0]) if slots.size else hi
            if cols.size == 0 or hi <= int(cols[0]):
                continue
            out.append(_Block(p, int(cols[0]), hi, p != owner))
    return sorted(out, key=lambda b: b.lo)


ROW_BLOCK = 250
"""Replications simulated together. Rows are independent, so this is purely a speed
setting: blocks of a few hundred keep the (rows × projects) temporaries in cache."""


def run_chunk(
    layout: Layout, draws: Draws, on_replication: Callable[[int], None] | None = None
) -> ChunkOutcome:
    """Simulate every replication of a chunk at once; same result as the SimPy engine."""
    R = draws.replications
    blocks = range(0, R, ROW_BLOCK)
    parts = [_run_rows(layout, draws.rows(a, min(a + ROW_BLOCK, R))) for a in blocks]
    if on_replication is not None:
        on_replication(R)
    return parts[0] if len(parts) == 1 else ChunkOutcome.concat(parts)


def _run_rows(layout: Layout, draws: Draws) -> ChunkOutcome:
    if layout.replaces is None and layout.managed is None:
        done, _ = _run_stages(layout, draws, draws.start, track=False)
        return _book(layout, draws, done, None, None)
    # Replacements start when their predecessors drop out, and a programme office starts
    # pool projects from what it sees at its reviews; both then share queues with everyone:
    # iterate to the fixed point. Each pass is exact up to the first time its assumed
    # starts are wrong (a replacement's start, or a review's decision), and that time moves
    # later every pass, so the starts settle on the causal schedule the SimPy engine
    # produces. Owners' stages are independent of each other (caps act later, in _book),
    # and a replacement or pool project goes through its own pathway's stages: a pass need
    # only redo the owners whose starts moved — after the second pass, usually just those
    # with a queue (the buffered programme: 10 owner passes instead of 16, the same times).
    shadows = (np.flatnonzero(layout.replaces >= 0) if layout.replaces is not None
               else np.zeros(0, dtype=np.int64))
    pools = (np.flatnonzero(layout.managed >= 0) if layout.managed is not None
             else np.zeros(0, dtype=np.int64))
    moving = np.concatenate([shadows, pools])
    # an owner without a queue: a later pass runs again only its moving columns (the
    # originals' times do not depend on when a replacement or pool project starts)
    tails = {int(p): int(moving[layout.pathway[moving] == p].min())
             for p in np.unique(layout.pathway[moving])
             if layout.stages[p] and all(s.capacity is None for s in layout.stages[p])}
    # pool projects the review loop simulates as it starts them are settled when it
    # returns: they never ask for another pass (only queued pathways' do)
    settled = np.isin(layout.pathway[moving], list(_followed(layout))) & np.isin(moving, pools)
    start = draws.start.copy()
    start[:, moving] = np.inf
    homes = layout.pathway[moving]
    redo = set(homes.tolist())
    if any(layout.scenario.pathways[layout.pathways[h]].route is not None for h in redo):
        redo = None  # a routed pathway's replacements: redo every owner, every pass
    R, N = start.shape
    ends = (np.full((R, max(layout.max_stages, 1), N), np.inf) if pools.size else None)
    done = drop_at = None  # the first pass's
    # Rows (replications) are independent: a pass redoes only the rows whose starts moved.
    idx = np.arange(R)
    first = whole = True  # whole: every row, as views (no copies)
    for _ in range(moving.size + 2):
        sub = draws if whole else draws.take(idx)
        st = start if whole else start[idx]
        e = None if ends is None else (ends if whole else ends[idx])
        previous = None if first else ((done, drop_at) if whole else (done[idx], drop_at[idx]))
        d, a = _run_stages(layout, sub, st, track=True, owners=redo, previous=previous,
                           ends=e, pools=not first, tails=None if first else tails)
        new = st.copy()
        if shadows.size:
            new[:, shadows] = _replacement_starts(layout, sub, a, shadows)
        if pools.size:
            new[:, pools] = _management_starts(layout, sub, new, d, a, e, pools)
        if whole:
            done, drop_at = d, a
        else:
            done[idx], drop_at[idx] = d, a
            if e is not None:
                ends[idx] = e
        changed = new[:, moving] != st[:, moving]
        changed[:, settled] = False
        if whole:
            start = new
        else:
            start[idx] = new
        moved_rows = changed.any(axis=1)
        if not moved_rows.any():
            break
        idx = idx[moved_rows]
        first = False
        # most rows moved: run them all rather than copy every input of most of them (a
        # settled row run again gives its times again, exactly)
        whole = 2 * idx.size > R
        if whole:
            idx = np.arange(R)
        if redo is not None:
            redo = set(homes[changed[moved_rows].any(axis=0)].tolist())
    else:  # pragma: no cover — impossible for a causal schedule
        raise RuntimeError("replacement and management schedule did not settle")
    out = _book(layout, draws, done, start, shadows if shadows.size else None,
                pools if pools.size else None)
    if pools.size:
        out = replace(out, started=started_by_year(layout, draws.size, start))
    return out


def _management_starts(layout: Layout, draws: Draws, start: np.ndarray, done: np.ndarray,
                       drop_at: np.ndarray, ends: np.ndarray, pools: np.ndarray) -> np.ndarray:
    """Start of each pool project (inf: never started), review by review, from the schedule
    of the last pass (see :mod:`simulator.model.management` for the rule).

    The pool columns of pathways in :func:`_followed` are simulated as they are started:
    their ``done``, ``drop_at`` and ``ends`` are rewritten in place, final for this
    schedule.
    """
    from simulator.model.engines.reviews import review_rows  # numba: only managed runs

    R = start.shape[0]
    cur = start.copy()
    cur[:, pools] = np.inf
    first = layout.as_of if layout.as_of is not None else float(layout.years[0])
    factor = draws.global_factor[:, None] * draws.pathway_factor  # (R, P), as in _run_stages
    followed = _followed(layout)
    S_max = max(layout.max_stages, 1)
    for o, office in enumerate(layout.offices):
        times = np.array(review_times(office, first, int(layout.years[-1])), dtype=float)
        if times.size == 0:
            continue
        managed = office.pathways
        M = len(managed)
        lo = np.empty(M, dtype=np.int64)
        mid = np.empty(M, dtype=np.int64)
        surv = np.ones((R, M, S_max + 1))
        dropout = np.zeros((R, M, S_max))
        for i, m in enumerate(managed):
            p = m.pathway
            lo[i], hi = _span(layout, p)
            slots = layout.pool_columns(p)
            mid[i] = slots[0] if slots.size else hi  # a pathway's pool columns come last
            S = len(layout.stages[p])
            dropout[:, i, :S] = (np.array([s.dropout for s in layout.stages[p]])[None, :]
                                 if draws.stage_dropout is None else draws.stage_dropout[:, p, :S])
            surv[:, i, : S + 1] = survival_after(dropout[:, i, :S])
        pool = (np.full(R, float(office.pool_km2)) if draws.pool is None
                else np.ascontiguousarray(draws.pool[:, o], dtype=float))
        trigger = (np.full(R, float(office.spec.trigger)) if draws.trigger is None
                   else np.ascontiguousarray(draws.trigger[:, o], dtype=float))
        replaced = (np.zeros(layout.n_projects, dtype=bool) if layout.replaces is None
                    else layout.replaces >= 0)
        review_rows(
            times, lo, mid,
            np.array([len(layout.stages[m.pathway]) for m in managed], dtype=np.int64),
            np.array([m.mean_km2 for m in managed]),
            np.array([layout.pool_columns(m.pathway).size for m in managed], dtype=np.int64),
            np.array([_plan_left(layout, m.pathway) for m in managed]),
            np.array([m.pathway in followed for m in managed]), TOLERANCE,
            start, ends, done, drop_at, draws.size, draws.yield_, draws.lead, surv, replaced,
            pool, trigger, draws.duration, draws.dropout_u,
            np.ascontiguousarray(factor[:, [m.pathway for m in managed]]), dropout, cur)
    return cur[:, pools]


def compile_reviews() -> None:
    """Compile (or load from numba's cache) the programme office's reviews and the queues'
    services now, on a tiny managed scenario with a queue, rather than in the first run a
    user waits for (about 3 s the first time on a machine, 0.1 s from the cache)."""
    from simulator.inputs.scenario import scenario_from_dict
    from simulator.model.layout import build_layout
    from simulator.model.sampling import draw_chunk

    layout = build_layout(scenario_from_dict({
        "name": "compile", "horizon": {"start": 2024, "end": 2026},
        "targets": [{"name": "t", "by": 2026, "km2": 1.0}],
        "management": {"review": 1.0, "pool_km2": 1.0},
        "pathways": {"a": {"plan": {2025: 1.0}, "projects": 2,
                           "stages": [{"name": "s", "duration": 1.0, "dropout": 0.5,
                                       "capacity": 1}]}},
    }))
    run_chunk(layout, draw_chunk(layout, 0, 0, 4))


def _followed(layout: Layout) -> set[int]:
    """Managed pathways whose pool projects' times depend on their own start only (no
    queue, no event): the office's review loop simulates them as it starts them."""
    out = set()
    for office in layout.offices:
        for m in office.pathways:
            p = m.pathway
            if (all(s.capacity is None for s in layout.stages[p])
                    and not any(ev.mask[p] for ev in layout.events)):
                out.add(p)
    return out


def _plan_left(layout: Layout, p: int) -> float:
    """A pathway's planned km² less its actuals (the same float in both engines)."""
    planned = float(layout.scenario.pathways[layout.pathways[p]].planned_km2)
    return planned - (float(layout.actual[:, p].sum()) if layout.actual is not None else 0.0)


def _replacement_starts(layout: Layout, draws: Draws, drop_at: np.ndarray,
                        shadows: np.ndarray) -> np.ndarray:
    """Start of each replacement: its predecessor's drop-out time + delay; inf if none.

    With a ``budget_km2``, replacements are accepted in order of (start, column) while
    the area replaced so far plus their own fits in the budget (first come, first served).
    """
    pred = layout.replaces[shadows]
    starts = drop_at[:, pred] + draws.replace_delay[:, shadows]
    for p, name in enumerate(layout.pathways):
        rep = layout.scenario.pathways[name].replacement
        if rep is None or rep.budget_km2 is None:
            continue
        mine = np.flatnonzero(layout.pathway[shadows] == p)
        if mine.size == 0:
            continue
        budget = rep.budget_km2 if draws.budget is None else draws.budget[:, p]
        s = starts[:, mine]
        order, s_sorted = _stable_order(s)
        size = np.take_along_axis(draws.size[:, shadows[mine]], order, axis=1)
        used = np.zeros(s.shape[0])
        accept = np.zeros(s.shape, dtype=bool)
        for i in range(mine.size):
            ok = np.isfinite(s_sorted[:, i]) & (used + size[:, i] <= budget + 1e-12)
            used += np.where(ok, size[:, i], 0.0)
            accept[:, i] = ok
        kept = np.empty_like(accept)
        np.put_along_axis(kept, order, accept, axis=1)
        starts[:, mine] = np.where(kept, s, np.inf)
    return starts


def _run_stages(layout: Layout, draws: Draws, start: np.ndarray, *, track: bool,
                owners: set[int] | None = None, previous=None, ends: np.ndarray | None = None,
                pools: bool = True, tails: dict[int, int] | None = None):
    """Completion times (R, N) of every project (inf if dropped or absent) and, if
    ``track``, the times at which projects dropped out of a stage (inf otherwise).

    With ``previous`` (done, drop_at of an earlier pass), only the stages of ``owners``
    (None: all) are run again; every other owner's projects keep their previous times.
    Without it every owner is run. ``ends`` (R, S, N), if given, receives each stage's end
    (inf if the project dropped there or never reached it) for the owners run. Without
    ``pools`` the pool columns are not run (a first pass: no pool project has started,
    so their times stay inf). ``tails`` (owner → column), with ``previous``: of these
    owners (without a queue, so a project's times depend on its own start only) only their
    own columns from that one on are run again (their replacements and pool projects, which
    come last in a pathway's columns); the rest keep their previous times.
    """
    R, N = draws.size.shape
    P = len(layout.pathways)
    factor = draws.global_factor[:, None] * draws.pathway_factor  # (R, P), as g * pf in DES
    if previous is None:
        owners = None
        drop_at = np.full((R, N), np.inf) if track else None
    else:
        drop_at = previous[1].copy()

    # ---- routed pathways: wait for the route year (already in draws.start), find a route
    t_all = start.copy()
    for u in range(P):
        route = layout.scenario.pathways[layout.pathways[u]].route
        if route is None:
            continue
        lo, hi = _span(layout, u)
        t0 = t_all[:, lo:hi]
        mult, extra = _event_effects(layout, draws, u, t0)
        t1 = t0 + draws.route_delay[:, lo:hi] * factor[:, u : u + 1] * mult
        dropout = (route.dropout if draws.route_dropout is None
                   else draws.route_dropout[:, u : u + 1])
        _drop(t1, draws.route_dropout_u[:, lo:hi], dropout, extra)
        t_all[:, lo:hi] = t1

    # ---- each owner's stages, for its own projects and those routed into it
    # completion of the last stage; inf if dropped
    done = np.full((R, N), np.inf) if previous is None else previous[0].copy()
    for owner in range(P):
        stages = layout.stages[owner]
        if not stages or (owners is not None and owner not in owners):
            continue
        if tails is not None and owner in tails:
            # no queue: only the projects whose starts move need running again
            blocks = [_Block(owner, tails[owner], _span(layout, owner)[1], False)]
        else:
            blocks = _blocks(layout, owner, pools)
        if not blocks:
            continue  # statused: nothing of its own left and nothing routed into it
        member = [draws.owner[:, b.lo : b.hi] == owner if b.routed else None for b in blocks]
        if previous is not None and drop_at is not None:
            for b, m in zip(blocks, member, strict=True):  # this owner's records, redone
                if m is None:
                    drop_at[:, b.lo : b.hi] = np.inf
                else:
                    np.putmask(drop_at[:, b.lo : b.hi], m, np.inf)
        ts = [
            np.where(m, t_all[:, b.lo : b.hi], np.inf) if b.routed else t_all[:, b.lo : b.hi]
            for b, m in zip(blocks, member, strict=True)
        ]
        fac = factor[:, owner : owner + 1]
        for k, stage in enumerate(stages):
            dropout = (stage.dropout if draws.stage_dropout is None
                       else draws.stage_dropout[:, owner, k, None])
            if stage.capacity is None:
                for i, b in enumerate(blocks):
                    begin = ts[i]
                    mult, extra = _event_effects(layout, draws, owner, begin)
                    end = begin + draws.duration[:, k, b.lo : b.hi] * fac * mult
                    if b.routed:
                        end[np.isnan(end)] = np.inf  # not here: no duration was drawn
                    _drop(end, draws.dropout_u[:, k, b.lo : b.hi], dropout, extra,
                          None if drop_at is None else drop_at[:, b.lo : b.hi])
                    if ends is not None and not b.routed:
                        ends[:, k, b.lo : b.hi] = end
                    ts[i] = end
            else:
                cols = np.concatenate([np.arange(b.lo, b.hi) for b in blocks])
                arrive = np.concatenate(ts, axis=1)
                skip = None if layout.first_stage is None else layout.first_stage[cols] > k
                if skip is not None and skip.any():
                    # pipeline projects already past this stage neither queue nor hold a place
                    queued = np.where(skip, np.inf, arrive)
                else:
                    skip, queued = None, arrive
                places = (stage.capacity if draws.capacity is None
                          else draws.capacity[:, owner, k])
                end, extra = _fifo(layout, draws, owner, queued,
                                   draws.duration[:, k, cols], fac[:, 0], places)
                if skip is not None:
                    end = np.where(skip, arrive, end)
                record = None if drop_at is None else np.full(end.shape, np.inf)
                _drop(end, draws.dropout_u[:, k, cols], dropout, extra, record)
                if record is not None:
                    drop_at[:, cols] = np.minimum(drop_at[:, cols], record)
                if ends is not None:
                    ends[:, k, cols] = np.where(layout.pathway[cols] == owner, end,
                                                ends[:, k, cols])
                ts = np.split(end, np.cumsum([b.hi - b.lo for b in blocks])[:-1], axis=1)
        for b, m, t in zip(blocks, member, ts, strict=True):
            done[:, b.lo : b.hi] = np.where(m, t, done[:, b.lo : b.hi]) if b.routed else t
    return done, drop_at


def _book(layout: Layout, draws: Draws, done: np.ndarray, start, shadows,
          pools: np.ndarray | None = None) -> ChunkOutcome:
    """Losses, then booking: at completion, or through a capped owner's ledger."""
    R, N = draws.size.shape
    P, Y = len(layout.pathways), len(layout.years)
    first = int(layout.years[0])
    completed = np.isfinite(done)
    kept = np.where(completed, draws.size, 0.0)
    released = kept * draws.yield_  # size × yield, as the SimPy engine computes it
    annual = np.zeros((R, Y, P))
    late = np.zeros((R, P))
    dropped = np.zeros((R, P))
    loss = np.zeros((R, P))
    if shadows is not None or pools is not None:
        # a lineage's area is lost only where it ends: dropped with no replacement taken;
        # a pool project the office never started is no area at all
        if shadows is None:  # the same values, without (R, N) masks: pools are few
            lost = np.where(completed, 0.0, draws.size)
            lost[:, pools] = np.where(np.isfinite(start[:, pools]), lost[:, pools], 0.0)
        else:
            present = np.ones((R, N), dtype=bool)
            replaced = np.zeros((R, N), dtype=bool)
            present[:, shadows] = np.isfinite(start[:, shadows])
            replaced[:, layout.replaces[shadows]] = present[:, shadows]
            if pools is not None:
                present[:, pools] = np.isfinite(start[:, pools])
            lost = np.where(present & ~completed & ~replaced, draws.size, 0.0)
    for p in range(P):
        lo, hi = _span(layout, p)
        kept_p = kept[:, lo:hi].sum(axis=1)
        if shadows is None and pools is None:
            dropped[:, p] = draws.size[:, lo:hi].sum(axis=1) - kept_p
        else:
            dropped[:, p] = lost[:, lo:hi].sum(axis=1)
        loss[:, p] = kept_p - released[:, lo:hi].sum(axis=1)

    years = np.floor(done)
    years -= first
    np.clip(years, 0, Y, out=years)  # Y: after the horizon (inf, an absent project, too)
    years = years.astype(np.int64)
    _release(layout, draws, released, years, layout.pathway, np.arange(P), annual, late)
    places = None
    if layout.places is not None:
        # the same hand-over with (pathway, district) cells for homes: a capped owner shares
        # its year's hand-over among cells in proportion to their waiting area, as among
        # pathways, so a pathway's cells add up to its release (to rounding). The release by
        # pathway is computed as without districts: the same arithmetic whether or not the
        # cells are asked for (a study point that counts no district runs without them)
        cells = layout.places
        places = np.zeros((R, Y, cells.n_cells))
        _release(layout, draws, released, years, cells.place,
                 np.array([p for p, _ in cells.cells], dtype=np.int64), places,
                 np.zeros((R, cells.n_cells)))
        if cells.actual is not None:
            places += cells.actual
    if layout.actual is not None:
        annual += layout.actual  # history: the same km² in every replication
    return ChunkOutcome(annual, late, dropped, loss, places=places)


def _release(layout: Layout, draws: Draws, released: np.ndarray, years: np.ndarray,
             home_of: np.ndarray, home_pathway: np.ndarray, annual: np.ndarray,
             late: np.ndarray) -> None:
    """Add the km² ``released`` (R, N), completed in horizon index ``years`` (R, N; Y after
    the horizon), to ``annual`` (R, Y, H) and ``late`` (R, H) by home: column j's home is
    ``home_of[j]``, home h reports pathway ``home_pathway[h]``'s release (a pathway, or a
    (pathway, district) cell). Capped owners hand over through their ledger."""
    R, N = released.shape
    Y = annual.shape[1]
    groups = _groups(layout, home_pathway)
    G = len(groups.pairs) + 1  # plus the spare bin
    # km² completed by (row, group, year), a group being (home, owner): one bincount;
    # a project's group is (its home, its owner); only a routed project's owner varies
    key = np.broadcast_to(groups.table[home_of, layout.pathway], (R, N)).copy()
    routed = groups.routed_columns
    if routed.size:
        key[:, routed] = groups.table[home_of[routed][None, :], draws.owner[:, routed]]
    key += np.arange(R)[:, None] * G
    key *= Y + 1
    key += years
    per = np.bincount(key.ravel(), weights=released.ravel(), minlength=R * G * (Y + 1))
    per = per.reshape(R, G, Y + 1)
    for pool in range(len(layout.pathways)):
        mine = [g for g, (_, owner) in enumerate(groups.pairs) if owner == pool]
        if not mine:
            continue
        if not math.isfinite(layout.annual_cap[pool]):
            for g in mine:
                home = groups.pairs[g][0]
                annual[:, :, home] += per[:, g, :Y]
                late[:, home] += per[:, g, Y]
            continue
        mine = sorted(mine, key=lambda g: groups.pairs[g][0])  # home order, as in SimPy
        homes = [groups.pairs[g][0] for g in mine]
        cap = (layout.cap_in(pool) if draws.cap is None
               else layout.cap_rows(pool, draws.cap[:, pool]))
        _hand_over(cap, per[:, mine, :], homes, annual, late)


@dataclass(frozen=True)
class _Groups:
    pairs: tuple[tuple[int, int], ...]  # (home, owner pathway)
    table: np.ndarray  # (H, P) group index of (home, owner); the spare bin if impossible
    routed_columns: np.ndarray  # columns of routed pathways (their owner varies by row)


def _groups(layout: Layout, home_pathway: np.ndarray) -> _Groups:
    """(home, owner) pairs, home h reporting pathway ``home_pathway[h]``: each pathway with
    stages owns its projects; routes add pairs."""
    P, H = len(layout.pathways), len(home_pathway)
    pw = home_pathway.tolist()
    pairs = [(h, pw[h]) for h in range(H) if layout.stages[pw[h]]]
    pairs += [(h, t) for h in range(H) for t, _ in layout.routes(pw[h])]
    table = np.full((H, P), len(pairs), dtype=np.int64)  # a spare bin for impossible pairs
    for g, (home, owner) in enumerate(pairs):
        table[home, owner] = g
    routed = [u for u in range(P) if layout.routes(u)]
    columns = np.flatnonzero(np.isin(layout.pathway, routed))
    return _Groups(tuple(pairs), table, columns)


def _hand_over(cap, completed, homes, annual, late) -> None:
    """A capped owner's yearly hand-over, with the SimPy ledger's arithmetic.

    ``completed[r, g, y]`` is the km² of group g (reporting pathway ``homes[g]``) due at
    the end of year y (y = Y: after the horizon). Each year y at most ``cap[y]`` km² is
    handed over (``cap[r, y]`` when each replication has its own cap), shared among the
    groups in proportion to their waiting area.
    """
    Y = annual.shape[1]
    waiting = np.zeros(completed.shape[:2])
    for y in range(Y):
        waiting += completed[:, :, y]
        total = waiting.sum(axis=1, keepdims=True)
        give = np.minimum(cap[:, y : y + 1] if cap.ndim == 2 else cap[y], total)
        share = np.divide(give * waiting, total, out=np.zeros_like(waiting), where=total > 0)
        waiting -= share
        annual[:, y, homes] += share
    late[:, homes] += waiting + completed[:, :, Y]


def _span(layout: Layout, p: int) -> tuple[int, int]:
    """First and one-past-last project column of pathway ``p``."""
    cols = layout.projects_of(p)
    if cols.size == 0:
        return 0, 0
    return int(cols[0]), int(cols[-1]) + 1


def _drop(t: np.ndarray, u: np.ndarray, dropout: float, extra, record=None) -> None:
    """Set to inf (in place) the times of projects that drop out: u < min(1, dropout + extra).

    ``record`` (same shape), if given, receives the time at which each of them dropped.
    """
    if np.any(dropout > 0) or not np.isscalar(extra):
        out = u < np.minimum(1.0, dropout + extra)
        # putmask, not t[out] = …: no index arrays, 1.5–3× quicker on these (rows × n) arrays
        if record is not None:
            np.putmask(record, out & np.isfinite(t), t)
        np.putmask(t, out, np.inf)


def _stable_order(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise sort order, ties by column, and the sorted rows.

    A stable argsort is 3–5× slower than quicksort; exact ties among finite times are
    rare (fixed durations), so quicksort first and redo only the rows that have one.
    Ties among infinite times (absent projects) may stay in any order.
    """
    order = np.argsort(x, axis=1)
    xs = np.take_along_axis(x, order, axis=1)
    tied = ((xs[:, 1:] == xs[:, :-1]) & np.isfinite(xs[:, 1:])).any(axis=1)
    if tied.any():
        order[tied] = np.argsort(x[tied], axis=1, kind="stable")
        xs[tied] = np.take_along_axis(x[tied], order[tied], axis=1)
    return order, xs


def _fifo(layout, draws, owner, arrive, base, fac, capacity):
    """K-server FIFO queue, ties by column (project) order; K an int, or (R,) ints (each
    replication's own capacity: the servers past it are never free).

    Returns each project's end of service (inf if absent) and the extra dropout of the
    events active when its service started.
    """
    R, n = arrive.shape
    rows = np.arange(R)
    order, arrive_sorted = _stable_order(arrive)
    base_sorted = np.take_along_axis(base, order, axis=1)
    present = np.isfinite(arrive_sorted)
    last = int(present.sum(axis=1).max(initial=0))  # sorted: absent projects come last
    # K servers for n projects: with K ≥ n nobody ever waits, so n servers give the same
    # schedule; this keeps the cost in the number of projects, not the size of K.
    most = int(np.max(capacity))
    free_at = np.full((R, max(1, min(most, n))), -np.inf)
    if np.ndim(capacity):
        free_at[np.arange(free_at.shape[1])[None, :] >= np.asarray(capacity)[:, None]] = np.inf
    end_sorted = np.empty((R, n))
    extra_sorted = np.zeros((R, n))
    has_events = any(ev.mask[owner] for ev in layout.events)
    table = _EventTable(layout, draws, owner) if has_events else None
    if table is None:  # compiled: the same loop per replication, the same floats
        from simulator.model.engines.queues import serve_in_order

        serve_in_order(arrive_sorted, base_sorted, np.ascontiguousarray(fac, dtype=float),
                       free_at, last, end_sorted)
    for i in range(last if table is not None else 0):
        server = free_at.argmin(axis=1)
        earliest = free_at[rows, server]
        s = np.maximum(arrive_sorted[:, i], earliest)
        d = base_sorted[:, i] * fac
        if table is not None:
            mult, add = table.effects(s)
            d = d * mult
            extra_sorted[:, i] = add
        e = s + d
        # An absent project (inf arrival) takes a server out for good, harmlessly: it
        # sorts after every present one in its row, so that row has no one left to serve.
        free_at[rows, server] = e
        end_sorted[:, i] = e
    end_sorted[:, last:] = np.inf
    end_sorted[~present] = np.inf  # also turns NaN (no duration drawn) into absent
    end = np.empty_like(end_sorted)
    extra = np.empty_like(extra_sorted)
    np.put_along_axis(end, order, end_sorted, axis=1)
    np.put_along_axis(extra, order, extra_sorted, axis=1)
    return end, (extra if has_events else 0.0)


class _EventTable:
    """The events acting on one pathway, as a table a queue looks up once per service start.

    An event that started at the start of year y0 is active on [y0, y0 + lasts). For a time
    t in year Y, it is active iff t < the latest end among its starts y0 ≤ Y: that running
    maximum, per replication and year, is all a lookup needs. Same rule, same order of
    operations (event by event) and so the same floats as :func:`_event_effects`, which
    looks back over the years at each call — the queue's per-project loop called that
    tens of thousands of times (most of a run with capacity-1 stages and events).
    """

    def __init__(self, layout: Layout, draws: Draws, pathway: int):
        self.first = int(layout.years[0])
        start = draws.event_start  # (R, E, Y)
        R, _, Y = start.shape
        self.Y = Y
        self.rows = np.arange(R)
        years = (self.first + np.arange(Y, dtype=float))[None, :]
        self.parts = []
        for e, ev in enumerate(layout.events):
            if not ev.mask[pathway]:
                continue
            lasts = ev.lasts if draws.event_lasts is None else draws.event_lasts[:, e, None]
            ends = np.where(start[:, e, :], years + lasts, -np.inf)
            until = np.maximum.accumulate(ends, axis=1)  # (R, Y)
            m = (ev.duration_multiplier if draws.event_multiplier is None
                 else draws.event_multiplier[:, e])
            a = ev.dropout_add if draws.event_dropout is None else draws.event_dropout[:, e]
            self.parts.append((until, m, a))

    def effects(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(R,) duration multipliers and extra dropouts for services starting at t (R,)."""
        finite = np.isfinite(t)
        yi = np.floor(np.where(finite, t, 0.0)) - self.first
        inside = finite & (yi >= 0)
        yi = np.clip(yi, 0, self.Y - 1).astype(np.int64)
        mult = np.ones_like(t)
        extra = np.zeros_like(t)
        for until, m, a in self.parts:
            active = inside & (t < until[self.rows, yi])
            mult = np.where(active, mult * m, mult)
            extra = np.where(active, extra + a, extra)
        return mult, extra


def _event_effects(layout: Layout, draws: Draws, pathway: int, t: np.ndarray):
    """Duration multiplier and extra dropout for stages of ``pathway`` starting at times t
    (R, n), with each replication's uncertain event values where there are any.

    Same rule and the same order of operations as :func:`simulator.model.sampling.event_effect`.
    """
    event_start = draws.event_start
    if not any(ev.mask[pathway] for ev in layout.events):
        return 1.0, 0.0  # multiplying by 1.0 is exact, so skipping it changes nothing
    mult = np.ones_like(t)
    extra = np.zeros_like(t)
    first = int(layout.years[0])
    Y = event_start.shape[2]
    finite = np.isfinite(t)
    floor_t = np.floor(np.where(finite, t, 0.0))
    rows = np.arange(t.shape[0])[:, None]
    for e, ev in enumerate(layout.events):
        if not ev.mask[pathway]:
            continue
        active = np.zeros(t.shape, dtype=bool)
        lasts = ev.lasts if draws.event_lasts is None else draws.event_lasts[:, e, None]
        longest = float(np.max(lasts))
        if math.ceil(longest) + 1 <= Y:
            # look back from t over the years an event started at t could still be active
            for lag in range(int(math.ceil(longest)) + 1):
                year = floor_t - lag
                yi = (year - first).astype(np.int64)
                inside = finite & (yi >= 0) & (yi < Y)
                started = event_start[rows, e, np.clip(yi, 0, Y - 1)] & inside
                active |= started & (year <= t) & (t < year + lasts)
        else:
            # a long event: look at each horizon year it may have started in instead, so
            # the cost follows the horizon, not the length of the event
            for yi in range(Y):
                year = first + yi
                started = event_start[rows, e, yi] & finite
                active |= started & (year <= t) & (t < year + lasts)
        m = (ev.duration_multiplier if draws.event_multiplier is None
             else draws.event_multiplier[:, e, None])
        a = ev.dropout_add if draws.event_dropout is None else draws.event_dropout[:, e, None]
        mult = np.where(active, mult * m, mult)
        extra = np.where(active, extra + a, extra)
    return mult, extra
