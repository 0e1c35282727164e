"""Per-replication values of a scenario's uncertain parameters, and where they act.

Each uncertain key path draws its values from a stream of its own
(``uncertain:<path>``), so adding or removing one leaves every other draw unchanged, and
two scenarios with the same prior on the same path draw the same values for the same
(seed, replication) — which is what lets a calibration's weights carry over to a forecast.

The schedule (each project's planned start) keeps the scenario's own values: planners
schedule with what they believe; the uncertain values are what turns out to be true.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.inputs.distributions import Distribution
from simulator.inputs.scenario import Scenario
from simulator.inputs.uncertain import UncertainKey, uncertain_key

__all__ = ["UncertainParam", "draw_values", "uncertain_params"]


@dataclass(frozen=True)
class UncertainParam:
    """An uncertain value: its key, its prior, and the pathway index it acts on (or None)."""

    key: UncertainKey
    prior: Distribution
    pathway: int | None

    @property
    def path(self) -> str:
        """Its key path."""
        return self.key.path


def uncertain_params(scenario: Scenario) -> tuple[UncertainParam, ...]:
    """The scenario's uncertain parameters in the order they were written."""
    if not scenario.uncertain:
        return ()
    data = scenario.resolved()
    names = list(scenario.pathways)
    out = []
    for path, prior in scenario.uncertain.items():
        key = uncertain_key(data, path)
        p = names.index(key.pathway) if key.pathway is not None else None
        out.append(UncertainParam(key, prior, p))
    return tuple(out)


def draw_values(params: tuple[UncertainParam, ...], rng_of, size: int) -> np.ndarray:
    """(size, K) values, column k from the stream ``uncertain:<path of k>``."""
    out = np.empty((size, len(params)))
    for k, param in enumerate(params):
        out[:, k] = param.prior.sample(rng_of(f"uncertain:{param.path}"), size)
    return out
