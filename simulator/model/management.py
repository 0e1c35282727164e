"""A programme office that manages to its targets: yearly reviews that top up the programme.

Real programmes do not watch projects fail: they review the programme and start more
from a pool of candidate sites when the forecast falls short (the adaptive policies of
decision-making under deep uncertainty: signposts and triggers). The rule, the same in
both engines (docs/model.md, "Programme management"):

* reviews happen at T0, T0 + review, … up to the horizon end, T0 being the horizon start
  (or the status date);
* at a review at time t, for each managed pathway p in scenario order, the **expected
  shortfall** is

      S_p(t) = plan_p − actual_p − Σ_j v_j(t)

  over p's projects j that are under way: originals, replacements that have started and
  projects the office already decided on; ``v_j(t)`` is 0 for a project that dropped out
  by t, its released km² (area × yield) if it finished by t, and otherwise its area ×
  Π_{k ≥ s} (1 − dropout_k), s being the number of stages it has passed by t;
* when S_p(t) > trigger the office starts n = ⌈S_p(t) / m_p⌉ projects of the pathway's
  mean size m_p (planned km² ÷ project count), at most as many as the pool still holds
  whole (⌊pool left / m_p⌋), each at t + its own ``lead``. They pass through p's stages
  like any project (queues, caps, drop-out), and are never replaced.

Pools: a pathway's own ``management`` block has a pool of its own; the scenario's block
is one pool shared by every pathway with stages that has none (drawn on in scenario
order at each review). With ``pool_km2: 0`` there is nothing to start: the run equals one
without management, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.inputs.scenario import Management, Scenario
from simulator.inputs.uncertain import pool_most
from simulator.model.programme import mean_project_km2

__all__ = ["ManagedPathway", "Office", "TOLERANCE", "offices", "projects_to_start",
           "review_times", "started_by_year", "survival_after"]

TOLERANCE = 1e-6
"""Relative slack (in project sizes) when counting projects, so that a shortfall of exactly
k projects is k projects in both engines whatever the rounding of its sum."""


@dataclass(frozen=True)
class ManagedPathway:
    """One pathway an office manages."""

    pathway: int  # index
    name: str
    mean_km2: float  # the size of each project it starts
    slots: int  # most projects the pool could ever start here (columns in the layout)


@dataclass(frozen=True)
class Office:
    """A programme office: its review rule, its pool and the pathways it draws it for."""

    spec: Management
    key: str  # "management" or "pathways.<name>.management": where its keys live
    pathways: tuple[ManagedPathway, ...]
    most_km2: float = math.nan  # the largest pool it may have (its prior's top if uncertain)

    @property
    def pool_km2(self) -> float:
        """Candidate area it can start, km²."""
        return self.spec.pool_km2


def offices(scenario: Scenario) -> tuple[Office, ...]:
    """The scenario's programme offices (pathway blocks first, in pathway order, then the
    scenario-wide one); none without a pool to draw on."""
    own, shared = [], []
    for i, (name, p) in enumerate(scenario.pathways.items()):
        office = p.management
        if office is None and (scenario.management is None or p.route is not None):
            continue
        spec = office or scenario.management
        key = f"pathways.{name}.management" if office is not None else "management"
        most = pool_most(scenario, key, spec.pool_km2)  # an uncertain pool: its prior's top
        m = mean_project_km2(p)
        managed = ManagedPathway(i, name, m, math.floor(most / m + TOLERANCE))
        if office is not None:
            own.append(Office(office, key, (managed,), most))
        else:
            shared.append(managed)
    out = [o for o in own if o.most_km2 > 0]
    if shared:
        most = pool_most(scenario, "management", scenario.management.pool_km2)
        if most > 0:
            out.append(Office(scenario.management, "management", tuple(shared), most))
    return tuple(out)


def review_times(office: Office, first: float, end: int) -> list[float]:
    """Review instants (years): ``first``, ``first + review``, … before ``end + 1``."""
    out, k = [], 0
    while True:
        t = first + k * office.spec.review
        if t >= end + 1:
            return out
        out.append(t)
        k += 1


def projects_to_start(shortfall, mean_km2: float, pool_left, slots_left, trigger: float):
    """How many projects a review starts: ⌈shortfall ÷ size⌉ when the shortfall exceeds the
    trigger, within the whole projects the pool still holds and the columns left.

    Works on numbers or numpy arrays (one value a replication) alike.
    """
    wanted = np.ceil(np.asarray(shortfall) / mean_km2 - TOLERANCE)
    wanted = np.where(np.asarray(shortfall) > trigger + 1e-9, np.maximum(wanted, 0), 0)
    room = np.floor(np.asarray(pool_left) / mean_km2 + TOLERANCE)
    return np.minimum(np.minimum(wanted, room), slots_left).astype(np.int64)


def survival_after(dropouts) -> np.ndarray:
    """(…, S + 1) chance of surviving stages s, s+1, … for s = 0..S, from (…, S) dropouts."""
    keep = 1.0 - np.asarray(dropouts, dtype=float)
    S = keep.shape[-1]
    out = np.ones(keep.shape[:-1] + (S + 1,))
    for s in range(S - 1, -1, -1):
        out[..., s] = out[..., s + 1] * keep[..., s]
    return out


def started_by_year(layout, size: np.ndarray, start: np.ndarray) -> np.ndarray:
    """(R, Y, P) km² of pool projects the offices started, by the horizon year their start
    falls in (decision + lead) and pathway; starts after the horizon are not counted.

    ``size`` and ``start`` are (R, N) over all the layout's columns; only pool columns count.
    Both engines call this one function, so their sums agree to the last bit.
    """
    R = size.shape[0]
    Y, P = len(layout.years), len(layout.pathways)
    pools = np.flatnonzero(layout.managed >= 0) if layout.managed is not None else []
    out = np.zeros((R, Y, P))
    if len(pools) == 0:
        return out
    s = start[:, pools]
    year = np.where(np.isfinite(s), np.floor(np.where(np.isfinite(s), s, 0.0)), -1.0)
    year = year - int(layout.years[0])
    inside = (year >= 0) & (year < Y)
    key = (np.arange(R)[:, None] * Y + year.astype(np.int64)) * P + layout.pathway[pools][None, :]
    flat = np.bincount(key[inside], weights=size[:, pools][inside], minlength=R * Y * P)
    return flat.reshape(R, Y, P)
