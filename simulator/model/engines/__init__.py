"""Engines turn a chunk of sampled inputs into released km² by replication, year and pathway.

An engine is a function ``run_chunk(layout, draws, on_replication=None) -> ChunkOutcome``.
All engines consume the same :class:`~simulator.model.sampling.Draws`, so for the same seed
they must return the same outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.inputs.errors import RunConfigError

__all__ = ["ChunkOutcome", "ENGINES", "EngineFn", "get_engine"]


@dataclass(frozen=True)
class ChunkOutcome:
    """What R replications released (km²).

    ``annual[r, y, p]`` is pathway p's release in horizon year y; ``late`` is area
    released after the horizon, ``dropped`` the area of abandoned projects and
    ``yield_loss`` the part of completed projects' area their yield did not release.
    Per replication and pathway: annual.sum(years) + late + dropped + yield_loss = planned.
    ``places[r, y, c]``, for a scenario with districts, is the release of cell c — a
    (pathway, district) pair of :class:`~simulator.model.places.Places` — whose cells of a
    pathway add up to its ``annual``.
    """

    annual: np.ndarray  # (R, Y, P)
    late: np.ndarray  # (R, P)
    dropped: np.ndarray  # (R, P)
    yield_loss: np.ndarray  # (R, P)
    params: np.ndarray | None = None  # (R, K) the uncertain values each replication drew
    started: np.ndarray | None = None  # (R, Y, P) km² programme offices started, by year
    places: np.ndarray | None = None  # (R, Y, C) release by (pathway, district) cell

    @staticmethod
    def concat(parts: list[ChunkOutcome]) -> ChunkOutcome:
        """Stack chunk outcomes in order."""
        return ChunkOutcome(*(
            None if getattr(parts[0], k) is None
            else np.concatenate([getattr(p, k) for p in parts])
            for k in ChunkOutcome.__annotations__
        ))


EngineFn = Callable[..., ChunkOutcome]


def _des() -> EngineFn:
    from simulator.model.engines.des import run_chunk

    return run_chunk


def _fast() -> EngineFn:
    from simulator.model.engines.fast import run_chunk

    return run_chunk


ENGINES: dict[str, Callable[[], EngineFn]] = {"des": _des, "fast": _fast}
"""Engine name → loader of its ``run_chunk`` (imported lazily)."""


def get_engine(name: str) -> EngineFn:
    """The ``run_chunk`` function of engine ``name``; raises ``RunConfigError`` if unknown."""
    try:
        return ENGINES[name]()
    except KeyError:
        raise RunConfigError(
            f"unknown engine '{name}'; available: {', '.join(ENGINES)}"
        ) from None
