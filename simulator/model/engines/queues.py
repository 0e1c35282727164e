"""A queue's services, one replication at a time, in compiled code (numba).

A stage with K places serves its projects first come, first served: each arrival takes the
place that frees first (the lowest-numbered of equals) at the later of its arrival and that
time. :func:`simulator.model.engines.fast._fifo` did this step by step over the queue's
positions, each step an argmin over the places for every replication at once — a fifth of
a run with a queue of a few dozen places. This is the same loop per replication, with the
same arithmetic in the same order (``start + base × factor``), so the times are the same to
the last bit; a queue whose pathway has events keeps the vectorised loop (its services'
durations depend on the year they start).
"""

from __future__ import annotations

from numba import njit

__all__ = ["serve_in_order"]


@njit(cache=True, nogil=True)
def serve_in_order(arrive, base, factor, free_at, last, end):  # pragma: no cover — compiled
    """Fill ``end[r, i]`` (years) for the first ``last`` arrivals of each replication r,
    sorted by arrival (``arrive``, ``base`` durations, both (R, n)), with ``factor[r]`` the
    replication's delay factor and ``free_at`` (R, K) when each place frees (-inf: free,
    inf: a place this replication does not have); ``free_at`` is updated in place.

    An absent project (inf arrival) sorts after every present one: it takes a place for
    good, harmlessly, as no one is left to serve in its replication.
    """
    R = arrive.shape[0]
    K = free_at.shape[1]
    for r in range(R):
        f = factor[r]
        for i in range(last):
            server = 0
            earliest = free_at[r, 0]
            for k in range(1, K):  # numpy's argmin: the first of the smallest
                if free_at[r, k] < earliest:
                    earliest = free_at[r, k]
                    server = k
            a = arrive[r, i]
            start = a if a > earliest else earliest
            e = start + base[r, i] * f
            free_at[r, server] = e
            end[r, i] = e
