"""The explorer's simulations: one bounded process pool for every browser session,
estimates in stages (a quick one, then refined), and cancellation when a newer change
comes or a tab is closed.

An estimate at ``n`` replications is ``simulate(scenario, replications=n, seed=seed)``:
the same numbers as ``landsim run --set … -n n --seed seed``, whatever the pool.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from simulator.inputs.scenario import Scenario
from simulator.report.rundata import RunData
from simulator.run.backends import LocalBackend, available_cores, close_pool, worker_setup
from simulator.run.cost import estimate_run
from simulator.run.montecarlo import simulate

__all__ = ["Cancelled", "Estimate", "Lane", "SharedPool", "Ticket", "estimate", "stages_for"]

QUICK_SECONDS = 0.35
"""What the first estimate of a change may cost (by the run-cost model), so that the
answer, drawn, is on the screen within a second."""

QUICK_CHOICES = (2000, 1000, 500, 250)


class Cancelled(Exception):
    """A newer change, or a closed tab, made this estimate unwanted."""


class Ticket:
    """One request's cancellation flag, checked between chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Stop the work at the next chunk boundary."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._event.is_set()

    def check(self, *_args) -> None:
        """Raise ``Cancelled`` if cancelled (a ``progress`` callback of simulate)."""
        if self._event.is_set():
            raise Cancelled()


class Lane(LocalBackend):
    """Some of the explorer's processes, shared by every session; chunks queue in the
    order they are asked for, and at most ``workers`` run at once whatever the number of
    tabs."""

    def __init__(self, workers: int, *, nice: int = 0):
        super().__init__(workers)
        self.workers = workers
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork"),
            initializer=_lane_setup, initargs=(nice,))
        self.name = f"explorer:{workers}"

    def __enter__(self) -> Lane:
        return self  # shared: a simulation neither starts nor stops it

    def __exit__(self, *exc) -> bool:
        return False

    def map_ordered(self, fn, items, *, window=None):  # noqa: D102 — as Backend.map_ordered
        # no more queued than run: a cancelled request leaves at most one chunk a worker
        # to finish, not a queue in front of the next request
        yield from super().map_ordered(fn, items, window=window or self.workers)


class SharedPool:
    """The explorer's processes: one lane for the first, quick estimate of each change and
    one for refining, so that a new change never waits behind an older one's refinement.

    Made before the web server starts threads, so that its workers are forked from a
    single-threaded process (all of a lane's at once, on its first task: :meth:`warm`).
    With one worker, both lanes are that one process.
    """

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or available_cores())
        self.quick = Lane(1)
        # refining yields the cores to the quick estimates, the charts and the browser: a
        # change's first answer does not share them with an older change's refinement
        self.refine = Lane(self.workers - 1, nice=REFINE_NICE) if self.workers > 1 else self.quick

    @property
    def lanes(self) -> list[Lane]:
        """The distinct lanes."""
        return [self.quick] if self.refine is self.quick else [self.quick, self.refine]

    def warm(self, scenario: Scenario | None = None, *, wait: bool = True) -> list:
        """Start every worker now and import the engine there (with ``scenario``: simulate
        it briefly, so that the first answer is not the one that pays for warming up).
        ``wait=False`` returns the futures instead of waiting for them."""
        futures = [lane.pool.submit(_warm, scenario)
                   for lane in self.lanes for _ in range(lane.workers)]
        if wait:
            for future in futures:
                future.result()
        return futures

    def close(self, *, interrupted: bool = True) -> None:
        """Stop the workers (at once by default: pending estimates are abandoned)."""
        for lane in self.lanes:
            if lane.pool is not None:
                close_pool(lane.pool, interrupted=interrupted)
                lane.pool = None


REFINE_NICE = 19
"""Scheduling priority of the refining lane's processes (19: only idle time)."""


def _lane_setup(nice: int) -> None:
    worker_setup()
    if nice:
        os.nice(nice)


def _warm(scenario: Scenario | None) -> None:
    if scenario is not None:
        simulate(scenario, replications=50, seed=0, keep_replications=False)


@dataclass(frozen=True)
class Estimate:
    """A scenario simulated at ``replications`` with ``seed``: what the page and the report
    show of it, and its time.

    It keeps the run's tables (:class:`~simulator.report.rundata.RunData`, about 0.3 MB), not
    the run's streaming tally, whose (year × pathway, km²) histograms are about 37 MB for
    status-2026: an explorer holding dozens of estimates for its sessions stays within its
    memory bound (README, tests/test_explorer_memory.py)."""

    run: RunData
    engine: str
    replications: int
    seed: int
    seconds: float


def estimate(scenario: Scenario, replications: int, seed: int, pool: LocalBackend,
             ticket: Ticket | None = None) -> Estimate:
    """Simulate ``scenario`` on ``pool`` (a :class:`Lane`, or any back-end). Raises
    ``Cancelled`` if ``ticket`` is cancelled before the last chunk is in, and what
    :func:`~simulator.run.montecarlo.simulate` raises."""
    ticket = ticket or Ticket()
    ticket.check()
    began = time.perf_counter()
    result = simulate(scenario, replications=replications, seed=seed, backend=pool,
                      progress=ticket.check, keep_replications=False)
    return Estimate(RunData.from_result(result), result.engine, replications, seed,
                    time.perf_counter() - began)


def stages_for(scenario: Scenario, replications: int, workers: int) -> list[int]:
    """The replication counts of a change's estimates: a quick one that the cost model puts
    under :data:`QUICK_SECONDS` on ``workers`` processes, one about ten times as precise in
    variance, then ``replications``."""
    quick = next((n for n in QUICK_CHOICES
                  if estimate_run(scenario, n, workers=workers).wall_seconds <= QUICK_SECONDS),
                 QUICK_CHOICES[-1])
    quick = min(quick, replications)
    middle = min(max(10 * quick, 2000), replications)
    return sorted({quick, middle, replications})


class EstimateCache:
    """Finished estimates by (scenario digest, replications, seed): the shipped scenario's
    numbers are computed once for every session that compares against them."""

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict[tuple, Estimate] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: tuple, make: Callable[[], Estimate]) -> Estimate:
        """The cached estimate for ``key``, else ``make()`` (stored if it finishes)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        made = make()
        with self._lock:
            self._items[key] = made
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return made
