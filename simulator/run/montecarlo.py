"""The Monte Carlo driver: scenario → chunks of sampled inputs → engine → result.

Chunks are the unit of work and of randomness: chunk c always holds replications
c·CHUNK_SIZE … with the same random inputs, whichever process, engine or order runs it.
So a process pool changes how fast a run is, never what it answers.
"""

from __future__ import annotations

import dataclasses
import functools
import secrets
from collections.abc import Callable

import numpy as np

from simulator.inputs.errors import RunConfigError
from simulator.inputs.limits import MAX_REPLICATIONS
from simulator.inputs.scenario import Scenario
from simulator.model.engines import ENGINES, ChunkOutcome, get_engine
from simulator.model.layout import Layout, build_layout
from simulator.model.layout_cache import LAYOUTS
from simulator.model.sampling import CHUNK_SIZE, chunk_sizes, draw_chunk, draw_chunk_reusing
from simulator.run.backends import Backend, LocalBackend, default_processes, whole_workers
from simulator.run.cost import estimate_run
from simulator.run.results import SimulationResult
from simulator.run.stats import wilson_interval
from simulator.run.tally import Tally

__all__ = [
    "ENGINE_CHOICES",
    "KEEP_CELLS",
    "MAX_REPLICATIONS",
    "fresh_seed",
    "resolve_engine",
    "run_chunk",
    "simulate",
]

ENGINE_CHOICES = ("auto", *ENGINES)
POOL_MIN_REPLICATIONS = {"fast": 20_000, "des": 2 * CHUNK_SIZE}
"""Smallest run worth starting worker processes for (their start-up takes about a second)."""

POOL_WORTH_SECONDS = 1.5
"""A smaller run is pooled too when the cost model puts it above this on one process: a
managed scenario with a status (status-2026, 10,000 replications: 2.6 s in one process,
1.6 s on two workers) is, the baseline (0.5 s) is not."""


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


def run_chunk(layout: Layout, seed: int, chunk: int, size: int, engine: str,
              theta: np.ndarray | None = None, reuse_draws: bool = False,
              places: bool = True) -> ChunkOutcome:
    """Draw and simulate one chunk (``size`` replications starting at chunk·CHUNK_SIZE);
    ``theta``: the uncertain parameters' values instead of prior draws (see
    :func:`~simulator.model.sampling.draw_chunk`); ``reuse_draws``: reuse a recent chunk's
    draws where only caps and capacities differ (the same arrays,
    :func:`~simulator.model.sampling.draw_chunk_reusing`); ``places=False``: no release by
    district (``ChunkOutcome.places`` None; the same draws and the same release by pathway,
    to the last bit — a study point that counts no district needs none)."""
    if reuse_draws and theta is None:
        draws = draw_chunk_reusing(layout, seed, chunk, size)
    else:
        draws = draw_chunk(layout, seed, chunk, size, theta)
    # the draws keep the districts (project sizes are normalised within them)
    simulated = layout if places or layout.places is None else dataclasses.replace(
        layout, places=None)
    outcome = get_engine(engine)(simulated, draws)
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
    backend: Backend | None = None,
    keep_replications: bool | None = None,
    on_chunk: Callable[[int, ChunkOutcome], None] | None = None,
    annual_quantiles: bool = True,
    reuse_draws: bool = False,
) -> SimulationResult:
    """Run ``scenario`` and summarise its replications.

    The answer depends only on (scenario, seed, replications) — not on ``engine``,
    ``workers``, ``backend`` or ``keep_replications``. ``seed=None`` draws a fresh seed
    (stored in the result). ``workers``: processes to use (``None``: all cores, or the
    limit of a :func:`~simulator.run.backends.process_limit` block; capped at the cores
    available); small runs stay in this process. ``backend`` (e.g. a
    :class:`~simulator.run.backends.DaskBackend`, not yet entered) runs the chunks instead.

    Summaries are streamed (:class:`~simulator.run.tally.Tally`): memory does not grow with
    ``replications``. ``keep_replications`` also keeps the raw arrays (``result.annual``
    …); ``None`` keeps them for runs of at most 5 million (replication, year, pathway)
    cells (40 MB). ``on_chunk(first_replication, outcome)`` sees every chunk, in order
    (e.g. a :class:`~simulator.run.replications_file.ReplicationsWriter`).
    ``annual_quantiles=False`` summarises without the histograms behind annual and
    cumulative quantiles (:class:`~simulator.run.tally.Tally`): target odds and means
    only, in a quarter to a third less time at 1,000 replications — what study points use.
    ``reuse_draws`` lets each process reuse the random draws of its last chunk where the
    scenario differed only in caps and capacities: the same answer, for studies that move
    those levers point after point.

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
    workers = default_processes() if workers is None else whole_workers(workers)

    layout = build_layout(scenario)
    sizes = chunk_sizes(replications)
    if keep_replications is None:
        keep_replications = replications * len(layout.years) * len(layout.pathways) <= KEEP_CELLS
    if backend is None:
        pooled = len(sizes) > 1 and workers > 1 and (
            replications >= POOL_MIN_REPLICATIONS[engine]
            or estimate_run(scenario, replications).seconds >= POOL_WORTH_SECONDS)
        backend = LocalBackend(min(workers, len(sizes)) if pooled else 1)
    places = (annual_quantiles or keep_replications or on_chunk is not None
              or any(t.district is not None for t in scenario.targets))
    job = _Job(scenario, secrets.token_hex(8), seed, engine, reuse_draws, places)
    LAYOUTS.put(job.token, layout)  # the calling process need not build it again
    tally = Tally(scenario, annual_quantiles=annual_quantiles)
    parts: list[ChunkOutcome] = []
    stopping = None
    if precision is not None:
        rule = _PrecisionRule(scenario, precision, replications)
    with backend:
        chunks = backend.map_ordered(functools.partial(_run_task, job), list(enumerate(sizes)))
        try:
            for (chunk, _size), part in chunks:
                tally.add(part)
                if keep_replications:
                    parts.append(part)
                if on_chunk is not None:
                    on_chunk(chunk * CHUNK_SIZE, part)
                if progress is not None:
                    progress(part.annual.shape[0])
                if precision is not None and rule.reached(tally):
                    break
        finally:
            chunks.close()  # an early stop cancels what has not started
    if precision is not None:
        stopping = rule.record(tally)
    outcome = ChunkOutcome.concat(parts) if keep_replications else None
    return SimulationResult(scenario, seed, engine, tally, outcome, stopping)


KEEP_CELLS = 5_000_000
"""Runs with at most this many (replication, year, pathway) cells keep their raw arrays."""


class _PrecisionRule:
    """Stop when every target's Wilson half-width ≤ precision; checked after each chunk in
    chunk order, so the answer does not depend on the back-end."""

    def __init__(self, scenario: Scenario, precision: float, most: int):
        self.names = [t.name for t in scenario.targets]
        self.precision, self.most = precision, most
        self.widths = [0.5] * len(self.names)
        self.done = False

    def reached(self, tally: Tally) -> bool:
        self.widths = [float(np.subtract(*wilson_interval(int(h), tally.n)[::-1]) / 2)
                       for h in tally.hits]
        self.done = bool(max(self.widths) <= self.precision)
        return self.done

    def record(self, tally: Tally) -> dict:
        return {
            "precision": self.precision,
            "reached": self.done,
            "replications": tally.n,
            "max_replications": self.most,
            "half_widths": {n: float(w) for n, w in zip(self.names, self.widths, strict=True)},
        }


@dataclasses.dataclass(frozen=True)
class _Job:
    """What every chunk of one run shares (sent with each task: ~15 KB)."""

    scenario: Scenario
    token: str  # names this run's layout in a worker's cache
    seed: int
    engine: str
    reuse_draws: bool = False
    places: bool = True  # the release by district (a run's district tables and targets)


def _run_task(job: _Job, item: tuple[int, int]) -> ChunkOutcome:
    chunk, size = item
    return run_chunk(LAYOUTS.layout(job.scenario, job.token), job.seed, chunk, size, job.engine,
                     reuse_draws=job.reuse_draws, places=job.places)
