"""Over-programming as a scenario states it: a fixed multiple, or a ratio drawn per replication.

``programme`` (scenario-wide, or a pathway's own, which wins) is either

* a **number** m: the layout carries round(n·m) (at least one) of each plan year's n
  projects — a different programme, fixed within the run; or
* a **distribution** of the ratio r of pipeline to plan, drawn per replication and pathway:
  ⌈r·n⌉ of each group's n projects are carried (the plan's own first, then projects of the
  plan's size held in reserve), so the pipeline is uncertain and its distribution's
  parameters can be made uncertain and calibrated (``pathways.NAME.programme.median`` …).

A number made uncertain (``uncertain: {programme: prior}``) is drawn the same way: its
prior's value is r. The layout holds as many reserve projects as the largest r can use:
:func:`programme_most`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from simulator.inputs.distributions import Distribution, Fixed
from simulator.inputs.keypath import format_path, parse_path
from simulator.inputs.limits import MAX_DRAWN

__all__ = ["MAX_DRAWN", "ProgrammeDraw", "fixed_multiple", "programme_draw", "programme_most"]


_DISTRIBUTION = TypeAdapter(Distribution)


@dataclass(frozen=True)
class ProgrammeDraw:
    """A pathway's drawn programme: the distribution of r, where its keys live, and the
    most it can carry."""

    dist: Distribution  # of r (a fixed number made uncertain: Fixed at its value)
    key: str  # "programme" or "pathways.NAME.programme"
    own: bool  # the pathway's own (its uncertain values are keyed by it) or the scenario's
    most: float  # the largest r (≤ MAX_DRAWN)


def _spec(scenario, name: str):
    p = scenario.pathways[name]
    if p.programme is not None:
        return p.programme, f"pathways.{name}.programme", True
    return scenario.programme, "programme", False


def _uncertain_under(scenario, key: str) -> dict[str, object]:
    """{path → prior} of the uncertain values at ``key`` or inside it (canonical paths)."""
    out = {}
    for path, prior in (scenario.uncertain or {}).items():
        try:
            canonical = format_path(parse_path(path))
        except ValueError:
            continue
        if canonical == key or canonical.startswith(key + "."):
            out[canonical] = prior
    return out


def _top(prior) -> float:
    hi = float(prior.support()[1])
    return hi if math.isfinite(hi) else MAX_DRAWN


def programme_draw(scenario, name: str) -> ProgrammeDraw | None:
    """How pathway ``name`` draws its programme per replication, or None when it is a fixed
    number (the layout's multiple; routed pathways never draw one)."""
    if scenario.pathways[name].route is not None:
        return None
    spec, key, own = _spec(scenario, name)
    uncertain = _uncertain_under(scenario, key)
    if not isinstance(spec, (int, float)):
        return ProgrammeDraw(spec, key, own, _most_of(spec, key, uncertain))
    if key in uncertain:
        return ProgrammeDraw(Fixed(value=float(spec)), key, own,
                             min(MAX_DRAWN, _top(uncertain[key])))
    return None


def _most_of(dist, key: str, uncertain: dict) -> float:
    """The largest r a distribution reaches, over every corner of its uncertain parameters'
    priors (unbounded: :data:`MAX_DRAWN`)."""
    params = {path.rsplit(".", 1)[1]: prior for path, prior in uncertain.items()
              if path != key}
    if not params:
        return min(MAX_DRAWN, _top(dist))
    node = dist.model_dump(mode="python")
    most = 0.0
    for corner in itertools.product(*(prior.support() for prior in params.values())):
        values = {n: (v if math.isfinite(v) else 1e300) for n, v in zip(params, corner,
                                                                           strict=True)}
        try:
            most = max(most, _top(_DISTRIBUTION.validate_python({**node, **values})))
        except ValidationError:
            return MAX_DRAWN  # a corner the checks refuse; the bound is the cap
    return min(MAX_DRAWN, most)


def programme_most(scenario, name: str) -> float:
    """The most projects pathway ``name`` can carry, as a multiple of its plan's: the fixed
    multiple, or the largest drawn ratio (for sizing the layout)."""
    draw = programme_draw(scenario, name)
    if draw is not None:
        return max(1.0, draw.most)
    spec, _, _ = _spec(scenario, name)
    return float(spec) if isinstance(spec, (int, float)) else 1.0


def fixed_multiple(scenario, name: str) -> float:
    """The multiple the layout lays pathway ``name``'s plan out with: a fixed ``programme``
    number, or 1 where the programme is drawn (the reserve is added apart)."""
    if programme_draw(scenario, name) is not None:
        return 1.0
    spec, _, _ = _spec(scenario, name)
    return float(spec) if isinstance(spec, (int, float)) else 1.0
