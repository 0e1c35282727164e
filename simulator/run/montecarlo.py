"""The Monte Carlo driver: scenario → chunks of sampled inputs → engine → result.

Chunks are the unit of work and of randomness: chunk c always holds replications
c·CHUNK_SIZE … with the same random inputs, whichever process, engine or order runs it.
So a process pool changes how fast a run is, never what it answers.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from simulator.run.backends import (
    as_finished,
    available_cores,
    close_pool,
    start_method,
    worker_setup,
)
from simulator.model.engines import ENGINES, ChunkOutcome, get_engine
from simulator.inputs.errors import RunConfigError
from simulator.model.layout import Layout, build_layout
from simulator.run.results import SimulationResult, targets_met
from simulator.model.sampling import CHUNK_SIZE, chunk_sizes, draw_chunk
from simulator.inputs.scenario import Scenario
from simulator.run.stats import wilson_interval

__all__ = [
    "ENGINE_CHOICES",
    "MAX_REPLICATIONS",
    "fresh_seed",
    "resolve_engine",
    "run_chunk",
    "simulate",
]

MAX_REPLICATIONS = 10_000_000
ENGINE_CHOICES = ("auto", *ENGINES)
POOL_MIN_REPLICATIONS = {"fast": 20_000, "des": 2 * CHUNK_SIZE}
"""Smallest run worth starting worker processes for (their start-up takes about a second)."""


def fresh_seed() -> int:
    """A random seed for callers that ask for one (print it: it is the run's identity)."""
    return secrets.randbelow(2**32)


def resolve_engine(engine: str) -> str:
    """The engine that ``engine`` names: ``auto`` is the vectorised ``fast`` engine.

    Raises ``RunConfigError`` for an unknown name.
    """
    if engine == "auto":
        return "fast"
    if engine not in ENGINES:
        raise RunConfigError(
            f"unknown engine '{engine}'; available: {', '.join(ENGINE_CHOICES)}"
        )
    return engine


def run_chunk(layout: Layout, seed: int, chunk: int, size: int, engine: str) -> ChunkOutcome:
    """Draw and simulate one chunk (``size`` replications starting at chunk·CHUNK_SIZE)."""
    draws = draw_chunk(layout, seed, chunk, size)
    outcome = get_engine(engine)(layout, draws)
    if draws.params is None:
        return outcome
    return dataclasses.replace(outcome, params=draws.params)  # drawn, not simulated


def simulate(
    scenario: Scenario,
    *,
    replications: int = 2000,
    seed: int | None = 0,
    engine: str = "auto",
    workers: int | None = 1,
    precision: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Run ``scenario`` and summarise its replications.

    The answer depends only on (scenario, seed, replications) — not on ``engine`` or
    ``workers``. ``seed=None`` draws a fresh seed (stored in the result). ``workers``:
    processes to use (``None``: all cores; capped at the cores available); small runs stay
    in this process.
    With ``precision`` (e.g. 0.005), chunks are added until every target probability's
    95 % interval half-width is at most ``precision``; ``replications`` is then the most
    to run. ``progress`` is called with the number of replications just finished.

    Raises ``RunConfigError`` for a replication count outside 1..10,000,000, a negative
    seed, an unknown engine, fewer than one worker, or a precision outside (0, 0.5).
    """
    if isinstance(replications, bool) or not isinstance(replications, int):
        raise RunConfigError(f"replications must be a whole number (got {replications!r})")
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise RunConfigError(
            f"replications must be between 1 and {MAX_REPLICATIONS:,} (got {replications:,})"
        )
    if seed is None:
        seed = fresh_seed()
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise RunConfigError(f"seed must be a whole number ≥ 0 (got {seed!r})")
    if precision is not None and not 0 < precision < 0.5:
        raise RunConfigError(f"precision must be between 0 and 0.5 (got {precision})")
    engine = resolve_engine(engine)
    workers = available_cores() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise RunConfigError(f"workers must be a whole number ≥ 1 (got {workers!r})")
    workers = min(workers, available_cores())  # more processes than cores only add overhead

    layout = build_layout(scenario)
    sizes = chunk_sizes(replications)
    if workers > 1 and len(sizes) > 1 and replications >= POOL_MIN_REPLICATIONS[engine]:
        runner = _PoolRunner(scenario, seed, engine, min(workers, len(sizes)))
    else:
        runner = _LocalRunner(layout, seed, engine)
    with runner:
        if precision is None:
            outcome = _run_all(runner, sizes, layout, progress)
            stopping = None
        else:
            outcome, stopping = _run_to_precision(runner, sizes, scenario, precision, progress)
    return SimulationResult.from_outcome(
        scenario, outcome, seed=seed, engine=engine, stopping=stopping
    )


def _run_all(runner, sizes: list[int], layout: Layout, progress) -> ChunkOutcome:
    """Every chunk, written into preallocated arrays (no copy of the whole result)."""
    R, Y, P = sum(sizes), len(layout.years), len(layout.pathways)
    annual = np.empty((R, Y, P))
    late, dropped, loss = np.empty((R, P)), np.empty((R, P)), np.empty((R, P))
    params = np.empty((R, len(layout.uncertain))) if layout.uncertain else None
    for chunk, part in runner.run(list(enumerate(sizes))):
        rows = slice(chunk * CHUNK_SIZE, chunk * CHUNK_SIZE + part.annual.shape[0])
        annual[rows], late[rows], dropped[rows], loss[rows] = (
            part.annual, part.late, part.dropped, part.yield_loss
        )
        if params is not None:
            params[rows] = part.params
        if progress is not None:
            progress(part.annual.shape[0])
    return ChunkOutcome(annual, late, dropped, loss, params)


def _run_to_precision(runner, sizes, scenario, precision, progress):
    """Add chunks, in order, until every target's Wilson half-width ≤ precision.

    Chunks run in waves (one per worker), but the stopping rule is checked after each
    chunk in chunk order, so the answer does not depend on the number of workers.
    """
    parts: list[ChunkOutcome] = []
    hits = np.zeros(len(scenario.targets), dtype=np.int64)
    n = 0
    reached = False
    todo = list(enumerate(sizes))
    while todo and not reached:
        wave, todo = todo[: runner.wave], todo[runner.wave :]
        for _chunk, part in sorted(runner.run(wave), key=lambda item: item[0]):
            parts.append(part)
            hits += targets_met(scenario, part.annual).sum(axis=0)
            n += part.annual.shape[0]
            if progress is not None:
                progress(part.annual.shape[0])
            widths = [np.subtract(*wilson_interval(int(h), n)[::-1]) / 2 for h in hits]
            if max(widths) <= precision:
                reached = True
                break
    stopping = {
        "precision": precision,
        "reached": reached,
        "replications": n,
        "max_replications": sum(sizes),
        "half_widths": {t.name: float(w) for t, w in zip(scenario.targets, widths, strict=True)},
    }
    return ChunkOutcome.concat(parts), stopping


class _LocalRunner:
    """Chunks one after another in this process."""

    wave = 1

    def __init__(self, layout: Layout, seed: int, engine: str):
        self.layout, self.seed, self.engine = layout, seed, engine

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, chunks: list[tuple[int, int]]) -> Iterator[tuple[int, ChunkOutcome]]:
        for chunk, size in chunks:
            yield chunk, run_chunk(self.layout, self.seed, chunk, size, self.engine)


_WORKER_LAYOUT: Layout | None = None


def _init_worker(scenario: Scenario) -> None:
    global _WORKER_LAYOUT
    worker_setup()
    _WORKER_LAYOUT = build_layout(scenario)


def _work(task: tuple[int, int, int, str]) -> tuple[int, ChunkOutcome]:
    seed, chunk, size, engine = task
    assert _WORKER_LAYOUT is not None  # noqa: S101 — set by the pool initializer
    return chunk, run_chunk(_WORKER_LAYOUT, seed, chunk, size, engine)


class _PoolRunner:
    """Chunks spread over worker processes; results come back tagged with their chunk."""

    def __init__(self, scenario: Scenario, seed: int, engine: str, workers: int):
        self.scenario, self.seed, self.engine, self.workers = scenario, seed, engine, workers
        self.wave = 2 * workers

    def __enter__(self):
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(start_method()),
            initializer=_init_worker,
            initargs=(self.scenario,),
        )
        return self

    def __exit__(self, exc_type, *exc):
        close_pool(self.pool, interrupted=exc_type is not None)
        return False

    def run(self, chunks: list[tuple[int, int]]) -> Iterator[tuple[int, ChunkOutcome]]:
        futures = [self.pool.submit(_work, (self.seed, chunk, size, self.engine))
                   for chunk, size in chunks]
        for future in as_finished(futures):  # chunks carry their index: any order will do
            yield future.result()
