"""Where many independent evaluations run: this process, a process pool, or Dask.

Every back-end yields ``(item, result)`` pairs as they finish; callers never depend on
the order, so the results are the same whichever back-end runs them.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar

from simulator.inputs.errors import RunConfigError

__all__ = [
    "Backend",
    "DaskBackend",
    "LocalBackend",
    "as_finished",
    "available_cores",
    "close_pool",
    "default_processes",
    "make_backend",
    "process_limit",
    "start_method",
    "stop_children",
    "whole_workers",
    "worker_setup",
]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_PROCESS_LIMIT: ContextVar[int | None] = ContextVar("landsim_process_limit", default=None)


def whole_workers(workers) -> int:
    """``workers`` if it is a whole number ≥ 1. Raises ``RunConfigError`` otherwise."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise RunConfigError(f"workers must be a whole number ≥ 1 (got {workers!r})")
    return workers


def default_processes() -> int:
    """Processes a local pool uses when it is given no count.

    The limit of the innermost :func:`process_limit`, else the cores available (never more
    than those).
    """
    limit = _PROCESS_LIMIT.get()
    cores = available_cores()
    return cores if limit is None else min(limit, cores)


@contextmanager
def process_limit(workers: int | None) -> Iterator[None]:
    """Bound the local pools given no count within the block to ``workers`` processes.

    Chart drawing, ``LocalBackend()`` and ``simulate(workers=None)`` ask for their count
    here; None leaves them at the cores available. This is what a command's ``--workers``
    sets for everything the command does, charts included.

    Raises ``RunConfigError`` if ``workers`` is not a whole number ≥ 1.
    """
    token = _PROCESS_LIMIT.set(None if workers is None else whole_workers(workers))
    try:
        yield
    finally:
        _PROCESS_LIMIT.reset(token)


def worker_setup() -> None:
    """Make a worker process exit when its parent dies, whatever killed the parent.

    Ctrl-C is left to the parent (which stops the pool); on Linux the kernel sends the
    worker SIGKILL when the parent exits (``PR_SET_PDEATHSIG``), and a watchdog thread
    checks the parent once a second everywhere else, so a ``kill -9`` of ``landsim``
    leaves no worker behind.
    """
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a forked worker inherits the parent's SIGTERM handler, which unwinds the parent's
    # work; a worker asked to stop must simply stop
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="landsim-parent-watch", daemon=True).start()
    keep_freed_memory()


HEAP_KEPT = 512 * 2**20
"""Bytes a worker keeps of the memory it frees (glibc): a chunk allocates and frees the same
few hundred MB of arrays over and over."""


def keep_freed_memory() -> None:
    """Let this process reuse the large arrays it frees instead of returning them to the
    system and faulting them in again at the next chunk (glibc's malloc: a fixed mmap
    threshold and a high trim threshold; elsewhere nothing changes). The README's optimize
    spent 12.6 s of system time on those faults, 1.1 s with this (83 → 77 s); a worker's
    peak is unchanged, it only stops shrinking between chunks."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 64 * 2**20)
        libc.mallopt(m_trim_threshold, HEAP_KEPT)
    except (OSError, AttributeError):
        pass  # not glibc (musl, …): its own allocator


def close_pool(pool, *, interrupted: bool) -> None:
    """Shut a ProcessPoolExecutor down; when interrupted, stop its workers at once.

    An interrupted pool is not waited for: the interruption may have come at any point of
    the pool's own bookkeeping, and a wait could then block for good. Its workers are
    terminated, joined with a time limit and killed if they outlive it.
    """
    if not interrupted:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def as_finished(futures) -> Iterator:
    """Yield futures as they finish, waking up at least four times a second.

    A wait without a time limit can miss Ctrl-C or SIGTERM for good: the kernel may hand the
    signal to one of the pool's helper threads, and Python runs the handler only when the
    main thread next executes, which a blocked lock never lets it do.
    """
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
        yield from done


def stop_children() -> None:
    """Terminate this process's multiprocessing children (on SIGTERM, before unwinding)."""
    for child in multiprocessing.active_children():
        child.terminate()


def start_method() -> str | None:
    """``fork`` on Linux while this process runs a single thread, else the platform default.

    fork starts workers at once and, unlike spawn and forkserver, does not re-import the
    caller's ``__main__`` (which breaks for stdin and for scripts without a main guard).
    It is unsafe only with other threads alive, whose state the child would copy.
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None


class Backend:
    """A context manager that runs ``fn(item)`` for many items."""

    name = "backend"
    workers = 1

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def map_unordered(self, fn: Callable, items: Iterable) -> Iterator[tuple]:
        """Yield ``(item, fn(item))`` for every item, in the order they finish."""
        raise NotImplementedError

    def map_ordered(self, fn: Callable, items: Iterable, *, window: int | None = None
                    ) -> Iterator[tuple]:
        """Yield ``(item, fn(item))`` in the order of ``items``, with at most ``window``
        evaluations submitted and not yet yielded (default: two per worker, plus two).

        Items are drawn from ``items`` lazily and results wait only for the ones before
        them, so memory is bounded by the window whatever the number of items. Closing
        the iterator early cancels what has not started.
        """
        window = window or 2 * self.workers + 2
        items = iter(items)
        inflight: deque = deque()
        try:
            for item in itertools.islice(items, window):
                inflight.append((item, self._submit(fn, item)))
            while inflight:
                item, future = inflight.popleft()
                while not future.done():  # wakes often, so Ctrl-C and SIGTERM get through
                    time.sleep(0.005)
                result = future.result()
                for following in itertools.islice(items, 1):
                    inflight.append((following, self._submit(fn, following)))
                yield item, result
        finally:
            self._cancel([future for _item, future in inflight])

    def _submit(self, fn: Callable, item):
        """Start ``fn(item)``; returns a future (``done()``, ``result()``)."""
        return _Done(fn(item))

    def _cancel(self, futures: list) -> None:
        """Cancel futures that have not started."""


class _Done:
    """A finished future, for a back-end that runs everything at once in this process."""

    def __init__(self, value):
        self.value = value

    def done(self) -> bool:
        return True

    def result(self):
        return self.value


class LocalBackend(Backend):
    """The calling process (one worker) or a local process pool."""

    def __init__(self, workers: int | None = None):
        cores = available_cores()
        self.workers = default_processes() if workers is None else whole_workers(workers)
        self.workers = min(self.workers, cores)  # more processes than cores only add overhead
        self.name = f"local:{self.workers}"
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalBackend:
        if self.workers > 1:
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context(start_method()),
                initializer=worker_setup,
            )
        return self

    def __exit__(self, exc_type, *exc) -> bool:
        if self.pool is not None:
            close_pool(self.pool, interrupted=exc_type is not None)
            self.pool = None
        return False

    def map_unordered(self, fn, items):  # noqa: D102 — as Backend.map_unordered
        if self.pool is None:
            for item in items:
                yield item, fn(item)
            return
        pending = {self.pool.submit(fn, item): item for item in items}
        for future in as_finished(pending):
            yield pending.pop(future), future.result()

    def map_ordered(self, fn, items, *, window=None):  # noqa: D102 — as Backend.map_ordered
        if self.pool is None:  # lazily, one at a time: nothing is held back
            for item in items:
                yield item, fn(item)
            return
        yield from super().map_ordered(fn, items, window=window)

    def _submit(self, fn, item):
        return self.pool.submit(fn, item)

    def _cancel(self, futures):
        for future in futures:
            future.cancel()


class DaskBackend(Backend):
    """A Dask distributed scheduler at ``address``, or ``local:N`` for a LocalCluster."""

    def __init__(self, address: str):
        self.address = address
        self.name = f"dask:{address}"
        self.cluster = None
        self.client = None

    def __enter__(self) -> DaskBackend:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RunConfigError(
                "--dask needs Dask: pip install 'landsim[dask]' (dask[distributed])"
            ) from None
        logging.getLogger("distributed").setLevel(logging.ERROR)
        if self.address.startswith("local:"):
            try:
                n = int(self.address.split(":", 1)[1])
            except ValueError:
                raise RunConfigError(f"--dask local:N needs a number, got {self.address}") from None
            if n < 1:
                raise RunConfigError("--dask local:N needs N ≥ 1")
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.address, timeout="10s")
            except OSError as exc:
                raise RunConfigError(
                    f"cannot reach the Dask scheduler at {self.address}: {exc}"
                ) from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        return self

    def __exit__(self, *exc) -> bool:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        return False

    def map_unordered(self, fn, items):  # noqa: D102 — as Backend.map_unordered
        from distributed import as_completed

        items = list(items)
        futures = self.client.map(fn, items, pure=False)
        which = {future.key: item for future, item in zip(futures, items, strict=True)}
        try:
            for future in as_completed(futures):
                yield which[future.key], future.result()
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def _submit(self, fn, item):
        return self.client.submit(fn, item, pure=False)

    def _cancel(self, futures):
        if futures:
            self.client.cancel(futures)


def make_backend(workers: int | None = None, dask: str | None = None) -> Backend:
    """A Dask back-end if ``dask`` names one, else a local one with ``workers`` processes."""
    return DaskBackend(dask) if dask else LocalBackend(workers)
