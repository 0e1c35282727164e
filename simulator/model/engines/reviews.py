"""A programme office's reviews, one replication at a time, in compiled code (numba).

An office's rule is sequential: what it starts at a review changes what it sees at the
next, and its pool is spent in pathway order. The SimPy engine follows it event by event;
the vectorised engine used to recompute every project's expected km² at every review in
numpy passes over the whole programme (nine tenths of a managed run). Here each
replication is one loop: every project's expected delivery is a step function of time
that changes a handful of times (seen, each stage passed, finished, dropped out), so the
originals' expected km² at all reviews is one sweep over those changes, and the projects
the office starts are followed as it starts them.

Pool projects of a pathway whose stages have no queue and no event are simulated here
when they are started (their times depend on their own start only: the same arithmetic,
in the same order, as :func:`simulator.model.engines.fast._run_stages`); those of a
queued pathway are seen through the last pass's schedule and settle in the engine's
fixed point. Decisions are integers; the sums they come from may differ from the SimPy
engine's in the last bit, which :data:`simulator.model.management.TOLERANCE` absorbs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["review_rows"]


@njit(cache=True, nogil=True, inline="always")
def _first_review_at_or_after(times, per_year, x):  # pragma: no cover — compiled
    """Index of the first review time >= x (``times.size`` if none): searchsorted, exactly,
    for reviews a fixed step apart (``per_year`` = 1 / step) — a guess from the step, then
    corrected by comparing (a few times cheaper than a binary search, and it is most of
    the sweep)."""
    T = times.size
    if not x < np.inf:
        return T
    if T == 1:
        return 0 if x <= times[0] else 1
    guess = np.ceil((x - times[0]) * per_year)
    k = T if guess > T else (int(guess) if guess > 0 else 0)
    while k > 0 and times[k - 1] >= x:
        k -= 1
    while k < T and times[k] < x:
        k += 1
    return k


@njit(cache=True, nogil=True)
def review_rows(times, lo, mid, nstages, mean_km2, slots, plan_left, live, tol,
                start, ends, done, drop_at, size, yield_, lead, surv, replaced,
                pool0, trigger, duration, dropout_u, fac, dropout,
                new_start):  # pragma: no cover — compiled
    """Every review of one office, replication by replication.

    Per managed pathway m (arrays of length M): its columns ``lo[m]:mid[m]`` (originals
    and replacements) and ``mid[m]:mid[m] + slots[m]`` (pool), ``nstages[m]`` stages,
    project size ``mean_km2[m]`` km², planned km² less actuals ``plan_left[m]``, and
    ``live[m]``: whether its pool projects are simulated here. Per replication r:
    ``start``, ``ends`` (R, S, N), ``done``, ``drop_at`` of the last pass (a live pool
    column's entries are rewritten), ``surv`` (R, M, S + 1) P(surviving stages s…), pool
    ``pool0`` km² and ``trigger`` km². Writes each started pool project's start (years)
    into ``new_start``; the others stay as given (inf).
    """
    R = start.shape[0]
    T = times.size
    M = lo.size
    per_year = 1.0 / (times[1] - times[0]) if T > 1 else 0.0
    V = np.zeros((M, T + 1))
    used = np.zeros(M, np.int64)
    for r in range(R):
        V[:, :] = 0.0
        for m in range(M):
            S = nstages[m]
            if live[m]:  # followed here from their start: nothing of an earlier pass
                for j in range(mid[m], mid[m] + slots[m]):
                    done[r, j] = np.inf
                    drop_at[r, j] = np.inf
                    for s in range(S):
                        ends[r, s, j] = np.inf
            for j in range(lo[m], mid[m]):
                s0 = start[r, j]
                if replaced[j]:
                    kp = _first_review_at_or_after(times, per_year, s0)  # seen once started
                elif s0 < np.inf:
                    kp = 0
                else:
                    continue  # an idle reserve column: no project
                if kp >= T:
                    continue
                sz = size[r, j]
                V[m, kp] += sz * surv[r, m, 0]
                passed = 0
                for s in range(S - 1):
                    e = ends[r, s, j]
                    if not e < np.inf:
                        break
                    passed += 1
                    V[m, max(_first_review_at_or_after(times, per_year, e), kp)] += sz * (
                        surv[r, m, s + 1] - surv[r, m, s])
                d = done[r, j]
                if d < np.inf:
                    V[m, max(_first_review_at_or_after(times, per_year, d), kp)] += (
                        sz * yield_[r, j] - sz * surv[r, m, S - 1])
                a = drop_at[r, j]
                if a < np.inf:
                    k = max(_first_review_at_or_after(times, per_year, a), kp)
                    V[m, k] -= sz * surv[r, m, passed]
            for k in range(1, T):
                V[m, k] += V[m, k - 1]
        pool_left = pool0[r]
        trig = trigger[r]
        used[:] = 0
        for k in range(T):
            t = times[k]
            for m in range(M):
                S = nstages[m]
                seen = V[m, k]
                for i in range(used[m]):  # the pool projects it started before
                    j = mid[m] + i
                    if drop_at[r, j] <= t:
                        continue
                    if done[r, j] <= t:
                        seen += size[r, j] * yield_[r, j]
                        continue
                    passed = 0
                    for s in range(S):
                        if ends[r, s, j] <= t:
                            passed += 1
                    seen += size[r, j] * surv[r, m, passed]
                short = plan_left[m] - seen
                # management.projects_to_start, the same arithmetic
                wanted = np.ceil(short / mean_km2[m] - tol)
                if short > trig + 1e-9:
                    wanted = max(wanted, 0.0)
                else:
                    wanted = 0.0
                room = np.floor(pool_left / mean_km2[m] + tol)
                n = int(min(min(wanted, room), float(slots[m] - used[m])))
                for i in range(used[m], used[m] + n):
                    j = mid[m] + i
                    begin = t + lead[r, j]
                    new_start[r, j] = begin
                    if not live[m]:
                        continue
                    for s in range(S):  # fast._run_stages without a queue or an event
                        end = begin + duration[r, s, j] * fac[r, m]
                        if dropout_u[r, s, j] < min(1.0, dropout[r, m, s]):
                            if end < np.inf:
                                drop_at[r, j] = end
                            end = np.inf
                        ends[r, s, j] = end
                        begin = end
                    done[r, j] = begin
                used[m] += n
                pool_left = pool_left - n * mean_km2[m]
