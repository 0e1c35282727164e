"""Per-replication values of a scenario's uncertain parameters, and where they act.

Each uncertain key path draws its values from a stream of its own
(``uncertain:<path>``), so adding or removing one leaves every other draw unchanged, and
two scenarios with the same prior on the same path draw the same values for the same
(seed, replication) — which is what lets a calibration's weights carry over to a forecast.

Paths that come from a calibration's posterior (``uncertain: {from: FILE}``, the
scenario's ``posterior`` block) are one joint draw instead: each replication picks a row
of the posterior (by weight) from the stream ``uncertain:posterior`` and takes every such
path's value from that row, so the parameters keep their posterior dependence.

The schedule (each project's planned start) keeps the scenario's own values: planners
schedule with what they believe; the uncertain values are what turns out to be true.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.inputs.distributions import Distribution
from simulator.inputs.posterior import POSTERIOR_STREAM, Posterior
from simulator.inputs.scenario import Scenario
from simulator.inputs.uncertain import UncertainKey, uncertain_key

__all__ = ["UncertainParam", "draw_values", "uncertain_params"]


@dataclass(frozen=True)
class UncertainParam:
    """An uncertain value: its key, its prior, and the pathway index it acts on (or None)."""

    key: UncertainKey
    prior: Distribution
    pathway: int | None
    joint: Posterior | None = None  # set when the value is a column of a joint posterior

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
        joint = (scenario.posterior if scenario.posterior is not None
                 and path in scenario.posterior.paths else None)
        out.append(UncertainParam(key, prior, p, joint))
    return tuple(out)


def draw_values(params: tuple[UncertainParam, ...], rng_of, size: int) -> np.ndarray:
    """(size, K) values, column k from the stream ``uncertain:<path of k>`` — or, for a
    column of a joint posterior, the value of the row drawn from ``uncertain:posterior``."""
    out = np.empty((size, len(params)))
    rows = None
    for k, param in enumerate(params):
        if param.joint is not None:
            values = np.asarray(param.prior.values, dtype=float)
            if rows is None:
                rows = param.joint.draw_rows(rng_of(POSTERIOR_STREAM), size, values.size)
            out[:, k] = values[rows]
        else:
            out[:, k] = param.prior.sample(rng_of(f"uncertain:{param.path}"), size)
    return out
