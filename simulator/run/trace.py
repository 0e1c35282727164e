"""The event log of one replication, from the SimPy engine (why did it miss a target?)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.inputs.errors import RunConfigError
from simulator.inputs.limits import MAX_REPLICATIONS
from simulator.inputs.scenario import Scenario
from simulator.model.engines.des import run_replication
from simulator.model.layout import build_layout
from simulator.model.sampling import CHUNK_SIZE, draw_chunk
from simulator.run.results import achieved_km2

__all__ = ["ReplicationTrace", "trace_replication"]


@dataclass(frozen=True)
class ReplicationTrace:
    """One replication: its event log and what it released (km²)."""

    scenario: Scenario
    replication: int
    seed: int
    events: pd.DataFrame  # time, year, project, pathway, stage, event, queue_length, km2
    annual: np.ndarray  # (Y, P) km² released by horizon year and pathway
    late: np.ndarray  # (P,)
    dropped: np.ndarray  # (P,)
    places: np.ndarray | None = None  # (Y, C) by (pathway, district) cell, with districts

    def targets(self) -> pd.DataFrame:
        """Each target's km² in this replication and whether it was met."""
        got = achieved_km2(self.scenario, self.annual[None],
                           None if self.places is None else self.places[None])[0]
        return pd.DataFrame(
            {
                "km2": [t.km2 for t in self.scenario.targets],
                "achieved_km2": got,
                "met": got >= np.array([t.km2 for t in self.scenario.targets]) - 1e-9,
            },
            index=pd.Index([t.name for t in self.scenario.targets], name="target"),
        )


def trace_replication(scenario: Scenario, *, replication: int, seed: int) -> ReplicationTrace:
    """Re-run replication ``replication`` of a run with ``seed`` in the SimPy engine, logged.

    It is the same replication a run of any size and engine with that seed contains.
    Raises ``RunConfigError`` for a negative or too large replication number or seed.
    """
    if not 0 <= replication < MAX_REPLICATIONS:
        raise RunConfigError(f"replication must be 0..{MAX_REPLICATIONS - 1:,}")
    if seed < 0:
        raise RunConfigError("seed must be a whole number ≥ 0")
    layout = build_layout(scenario)
    chunk, row = divmod(replication, CHUNK_SIZE)
    draws = draw_chunk(layout, seed, chunk, row + 1).row(row)  # prefix-stable: same draws
    log: list = []
    model = run_replication(layout, draws, log=log)
    first, last = layout.horizon
    events = pd.DataFrame(
        [
            {
                "time": e.time,
                "year": int(np.floor(e.time)),
                "project": e.project,
                "pathway": e.pathway,
                "stage": e.stage,
                "event": e.event,
                "queue_length": e.queue_length,
                "km2": e.km2,
            }
            for e in log
        ],
        columns=["time", "year", "project", "pathway", "stage", "event", "queue_length", "km2"],
    )
    # A hand-over at the end of year y (time y + 1) is booked in year y.
    handover = events.event == "handover"
    events.loc[handover, "year"] = events.loc[handover, "year"] - 1
    events["queue_length"] = events["queue_length"].astype("Int64")
    return ReplicationTrace(
        scenario, replication, seed, events, model.annual, model.late, model.dropped,
        model.places,
    )
