"""landsim: odds of meeting land-release targets, from YAML scenarios and a SimPy model.

>>> from simulator import load_scenario, simulate
>>> result = simulate(load_scenario("scenarios/baseline.yaml"), replications=500, seed=0)
>>> result.target_odds()                                     # doctest: +SKIP
"""

from __future__ import annotations

import logging

from simulator.inputs.errors import LandsimError, Problem, RunConfigError, ScenarioError
from simulator.run.montecarlo import simulate
from simulator.run.output import write_run
from simulator.run.results import SimulationResult
from simulator.inputs.scenario import Scenario, load_scenario, scenario_from_dict, scenario_json_schema

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
