"""A scenario's uncertain values taken three ways: as it gives them, from priors, or fixed.

``posterior``: as the scenario has them (a calibration's joint draws where it names one).
``prior``: the calibration's priors in place of its posterior, so that what the evidence
added can be seen. ``fixed``: no uncertain values at all; every key at the scenario's
own point value (only the model's random durations and drop-outs remain).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulator.inputs.errors import RunConfigError
from simulator.inputs.scenario import Scenario, scenario_from_dict

__all__ = ["MODES", "modes_of", "with_uncertainty"]

MODES = ("posterior", "prior", "fixed")


def modes_of(scenario: Scenario, priors: Mapping[str, Any] | None = None) -> list[str]:
    """The modes ``scenario`` offers: none without ``uncertain:``; ``prior`` needs a prior
    for every posterior path (``priors``: key path → distribution, e.g. the calibration
    scenario's ``uncertain:``)."""
    if not scenario.uncertain:
        return []
    if scenario.posterior is None:
        return ["prior", "fixed"]
    out = ["posterior"]
    if all(p in (priors or {}) for p in scenario.posterior.paths):
        out.append("prior")
    return out + ["fixed"]


def with_uncertainty(scenario: Scenario, mode: str,
                     priors: Mapping[str, Any] | None = None,
                     calibration: str | None = None) -> Scenario:
    """``scenario`` with its uncertain values taken as ``mode`` says (see the module).

    ``priors``: distributions (as a scenario's ``uncertain:`` gives them) of the posterior's
    paths, for ``prior``; ``calibration``: the name of the scenario they come from (for the
    provenance). Raises ``RunConfigError`` for an unknown mode or a posterior path without a
    prior.
    """
    if mode not in MODES:
        raise RunConfigError(f"unknown uncertainty mode {mode!r}; one of {', '.join(MODES)}")
    post = scenario.posterior
    if mode == "posterior" or (mode == "prior" and post is None) or not scenario.uncertain:
        return scenario
    data = scenario.resolved()
    provenance = dict(data.get("provenance") or {})
    if mode == "fixed":
        for path in data["uncertain"]:
            provenance.pop(f"uncertain.{path}", None)
        data["uncertain"], data["posterior"] = {}, None
    else:
        missing = [p for p in post.paths if p not in (priors or {})]
        if missing:
            raise RunConfigError(f"no prior for {', '.join(missing)} (the posterior's paths "
                                 "need the calibration's priors)")
        where = calibration or "its calibration"
        for path in post.paths:
            data["uncertain"][path] = dict(priors[path])
            provenance[f"uncertain.{path}"] = (
                f"assumption: the prior of {where}, in place of its posterior"
                f" | zh: 采用{where}的先验分布，而非后验")
        data["posterior"] = None
    data["provenance"] = provenance
    return scenario_from_dict(data, file=scenario.file)
