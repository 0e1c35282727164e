"""landsim: odds of meeting land-release targets, from YAML scenarios and a SimPy model.

>>> from simulator import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/baseline.yaml"), replications=500, seed=0)
>>> result.target_odds()                                     # doctest: +SKIP
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from simulator.inputs.errors import LandsimError, Problem, RunConfigError, ScenarioError
from simulator.inputs.scenario import (
    Scenario,
    load_scenario,
    scenario_from_dict,
    scenario_json_schema,
)

if TYPE_CHECKING:
    from simulator.run.montecarlo import simulate
    from simulator.run.output import write_run
    from simulator.run.results import SimulationResult

__version__ = "0.1.0"

__all__ = [
    "LandsimError",
    "Problem",
    "RunConfigError",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "__version__",
    "load_scenario",
    "scenario_from_dict",
    "scenario_json_schema",
    "simulate",
    "write_run",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {
    "simulate": "simulator.run.montecarlo",
    "write_run": "simulator.run.output",
    "SimulationResult": "simulator.run.results",
}


def __getattr__(name: str) -> Any:
    # The run wing pulls in pandas and the engines; importing it on first use keeps
    # `landsim validate` and error messages quick.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
