"""The Monte Carlo driver: scenario → chunks of sampled inputs → engine → result."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from .engines import ChunkOutcome, get_engine
from .errors import RunConfigError
from .layout import build_layout
from .results import SimulationResult
from .sampling import chunk_sizes, draw_chunk
from .scenario import Scenario

__all__ = ["MAX_REPLICATIONS", "fresh_seed", "simulate"]

MAX_REPLICATIONS = 10_000_000


def fresh_seed() -> int:
    """A random seed for callers that ask for one (print it: it is the run's identity)."""
    return secrets.randbelow(2**32)


def simulate(
    scenario: Scenario,
    *,
    replications: int = 2000,
    seed: int | None = 0,
    engine: str = "des",
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Run ``replications`` replications of ``scenario`` and summarise them.

    The answer depends only on (scenario, seed, replications). ``seed=None`` draws a
    fresh seed, stored in the result. ``progress`` is called with the number of
    replications just finished. Raises ``RunConfigError`` for a replication count
    outside 1..10,000,000, a negative or non-integer seed, or an unknown engine.
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
    run_chunk = get_engine(engine)
    layout = build_layout(scenario)
    parts = []
    for chunk, size in enumerate(chunk_sizes(replications)):
        draws = draw_chunk(layout, seed, chunk, size)
        parts.append(run_chunk(layout, draws, on_replication=progress))
    return SimulationResult.from_outcome(
        scenario, ChunkOutcome.concat(parts), seed=seed, engine=engine
    )


