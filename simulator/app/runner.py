"""One session's requests, one at a time (plain Python, no Shiny).

A session asks for the answer to what is on screen each time its controls change. The
:class:`Runner` starts that request's work, cancels the older request's (its ticket: the
simulations stop at their next chunk), hands on each result only while its request is the
latest, and says a request's failure only while nobody asked for something newer. Asking
again for the request last asked (the mode switch appearing at its default, say) starts
nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic, TypeVar

from simulator.app.estimates import Cancelled, Ticket

__all__ = ["Job", "Runner"]

_log = logging.getLogger("landsim.explorer")

T = TypeVar("T", bound=Hashable)  # what a request answers (the page's Tag)
Q = TypeVar("Q")  # the request itself
R = TypeVar("R")  # one of its results (a stage of the answer)


@dataclass(frozen=True, eq=False)
class Job(Generic[T]):
    """One request at work: what it answers, its number in the session (1, 2, …) and the
    ticket that cancels its work."""

    tag: T
    sequence: int
    ticket: Ticket


class Runner(Generic[T, Q, R]):
    """A session's requests: at most one at work, the latest.

    ``work(request, ticket)`` yields a request's results, raising ``Cancelled`` once its
    ticket is cancelled; ``deliver(job, result)`` takes each result of the latest job,
    ``fail(job, exc)`` its failure (any exception but ``Cancelled``). Both are called
    inside ``lock()`` (the page's reactive lock), checked there to be of the latest job, so
    that no result lands after a newer request was asked.
    """

    def __init__(self, work: Callable[[Q, Ticket], AsyncIterable[R]],
                 deliver: Callable[[Job[T], R], Awaitable[None]],
                 fail: Callable[[Job[T], Exception], Awaitable[None]], *,
                 lock: Callable[[], AbstractAsyncContextManager] = contextlib.nullcontext,
                 ticket: Callable[[], Ticket] = Ticket):
        self._work, self._deliver, self._fail = work, deliver, fail
        self._lock, self._ticket = lock, ticket
        self._latest: Job[T] | None = None
        self._working: Job[T] | None = None  # the latest, while its work is under way
        self._sequence = 0
        self._tasks: set[asyncio.Task] = set()  # the loop holds tasks weakly
        self._waiters: list[tuple[Callable[[T], bool], asyncio.Future]] = []
        self.closed = False

    def ask(self, tag: T, request: Q) -> Job[T] | None:
        """Start the work of ``request`` (answering ``tag``) and cancel the older request's;
        None if ``tag`` is what was asked last, or the runner is closed (nothing starts).
        Raises ``RuntimeError`` outside a running event loop (before changing anything)."""
        if self.closed or (self._latest is not None and self._latest.tag == tag):
            return None
        loop = asyncio.get_running_loop()
        if self._latest is not None:
            self._latest.ticket.cancel()
        self._sequence += 1
        job = Job(tag, self._sequence, self._ticket())
        self._latest = self._working = job
        # whoever waits for an answer this request will not give stops waiting
        self._give(None, to=lambda wanted: not wanted(tag))
        task = loop.create_task(self._run(job, request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def is_latest(self, job: Job[T]) -> bool:
        """Whether ``job`` is the request asked last and not cancelled."""
        return job is self._latest and not job.ticket.cancelled

    async def next_result(self, wanted: Callable[[T], bool]) -> tuple[Job[T], R] | None:
        """The next result of a request whose tag is ``wanted``: of the one at work, or of a
        newer one also wanted. None at once if the request at work is not wanted (or none
        is at work), and later if a request not wanted is asked, or the wanted one fails or
        ends without another result."""
        job = self._working
        if job is None or not wanted(job.tag):
            return None
        waiter = (wanted, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            return await waiter[1]
        finally:  # answered, or the caller was cancelled
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def close(self) -> None:
        """Cancel the work under way and ask for nothing more (the session ended)."""
        self.closed = True
        if self._latest is not None:
            self._latest.ticket.cancel()
        self._working = None
        self._give(None, to=lambda wanted: True)

    async def settled(self) -> None:
        """Wait for every job's work to end (its results delivered or dropped)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ internals

    def _give(self, result: tuple[Job[T], R] | None,
              to: Callable[[Callable[[T], bool]], bool]) -> None:
        """Answer ``result`` to every waiter whose ``wanted`` passes ``to``."""
        for wanted, future in list(self._waiters):
            if to(wanted) and not future.done():
                future.set_result(result)

    async def _run(self, job: Job[T], request: Q) -> None:
        try:
            async for result in self._work(request, job.ticket):
                async with self._lock():
                    if not self.is_latest(job):  # a newer request was asked: stale
                        _log.debug("request %d: a stale result dropped", job.sequence)
                        return
                    await self._deliver(job, result)
                    self._give((job, result), to=lambda wanted: wanted(job.tag))
        except Cancelled:
            return
        except Exception as exc:  # noqa: BLE001 — handed to fail(), the server goes on
            async with self._lock():
                if not self.is_latest(job):
                    _log.debug("request %d: a stale failure dropped", job.sequence,
                               exc_info=exc)
                    return
                await self._fail(job, exc)
        finally:
            if self._working is job:  # nothing more will come of the request at work
                self._working = None
                self._give(None, to=lambda wanted: True)
