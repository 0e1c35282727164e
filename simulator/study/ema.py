"""landsim as an EMA Workbench model: ``ema_model(scenario)`` for EMA's own toolbox.

EMA Workbench's evaluators, PRIM, CART, feature scoring and MORDM take a ``Model``: a
callable with uncertainties, levers and outcomes. :func:`ema_model` builds one from a
scenario. Each experiment is one landsim point — the scenario with the experiment's values
set as fixed values (``landsim run --set PATH=VALUE``), run by the same evaluation as every
landsim study (:func:`simulator.study.points.run_points`), with the same seed for every
experiment (common random numbers).

Needs the optional extra ``discovery`` (``pip install 'landsim[discovery]'``); nothing else
in landsim imports EMA Workbench.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from simulator.inputs.errors import LandsimError, RunConfigError
from simulator.inputs.keypath import format_path, parse_path
from simulator.inputs.limits import MAX_REPLICATIONS
from simulator.inputs.params import get_value
from simulator.inputs.scenario import Scenario, load_scenario
from simulator.inputs.shipped import scenario_argument
from simulator.run.backends import LocalBackend
from simulator.study.points import run_points
from simulator.study.solve import lever_range


class MissingExtraError(LandsimError, ImportError):
    """An optional extra of landsim is not installed (both a LandsimError and an ImportError)."""


try:
    with warnings.catch_warnings():
        # EMA announces at import that an evaluator landsim does not use is unavailable
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        from ema_workbench import IntegerParameter, Model, RealParameter, ScalarOutcome
except ImportError as exc:
    raise MissingExtraError(
        "simulator.study.ema needs EMA Workbench, an optional extra of landsim: "
        "pip install 'landsim[discovery]'") from exc

__all__ = ["LandsimModel", "MissingExtraError", "ema_model", "parameter_name"]

TAIL = 0.005
"""A prior with an unbounded end is given EMA the range of its TAIL and 1 − TAIL quantiles."""


class LandsimModel(Model):
    """An EMA Workbench ``Model`` of a landsim scenario (see :func:`ema_model`)."""

    @property
    def landsim_paths(self) -> dict[str, str]:
        """Each uncertainty's and lever's EMA name → its key path in the scenario.

        ``experiments.rename(columns=model.landsim_paths)`` reads results back.
        """
        return {p.name: p.variable_name[0] for p in [*self.uncertainties, *self.levers]}


@dataclass(frozen=True)
class _Job:
    """What one experiment needs; picklable, for EMA's multiprocessing evaluator."""

    base: Scenario
    replications: int
    seed: int
    targets: tuple[str, ...]


def _run_experiment(job: _Job, **values: float) -> dict[str, float]:
    """One experiment: each target's probability and mean km², ``values`` set.

    ``values`` are by key path (EMA passes each parameter's ``variable_name``) and set as
    fixed values: an uncertain key set here is no longer drawn.
    """
    design = pd.DataFrame([values], index=[0])
    with LocalBackend(1) as backend:  # EMA's evaluator is the parallelism; a point runs here
        row = run_points(job.base, design, replications=job.replications, seed=job.seed,
                         backend=backend, origin="EMA Workbench").iloc[0]
    out: dict[str, float] = {}
    for name in job.targets:
        out[name] = float(row[f"{name}.probability"])
        out[f"{name}_km2"] = float(row[f"{name}.mean_km2"])
    return out


def parameter_name(path: str) -> str:
    """A Python identifier for a key path (EMA Workbench 3 requires them).

    ``pathways.renewal.stages[0].dropout`` → ``pathways_renewal_stages_0_dropout``.
    """
    name = re.sub(r"\W+", "_", path, flags=re.ASCII).strip("_")
    return name if name[:1].isalpha() else f"p_{name}"


def ema_model(
    scenario: str | Path, *, replications: int = 1000, seed: int = 0,
) -> LandsimModel:
    """An EMA Workbench model of ``scenario`` (a YAML file or a shipped scenario's name).

    **Uncertainties**: the scenario's ``uncertain:`` keys that are not also levers (a lever
    set is a value chosen, as ``--set`` makes it). A prior with a bounded support becomes a
    ``RealParameter`` over it; one with an unbounded end over its 0.5 % and 99.5 %
    quantiles; an integer key (a capacity) an ``IntegerParameter`` over the whole numbers
    its draws round to. EMA's samplers draw uniformly within these bounds, **not from the
    prior**, and each key independently (a posterior's joint draws become independent
    ranges). A prior of a single value is left out. **Levers**: the scenario's ``levers:``
    over [min, max] (``IntegerParameter`` for a whole-number key). Parameter names are
    :func:`parameter_name` of the key path; ``model.landsim_paths`` maps them back.

    **Outcomes**, per target: ``<target>`` (probability of meeting it) and
    ``<target>_km2`` (mean km² counted toward it), both to maximise.

    An experiment runs ``replications`` replications at ``seed`` — the same seed for every
    experiment — with the values it sets fixed; a parameter it leaves out keeps the
    scenario's value (or prior). The function is picklable (for the multiprocessing
    evaluator). Raises ``ScenarioError`` for a scenario that does not load,
    ``ParameterError``/``ScenarioError`` for a lever that does not fit it, and
    ``RunConfigError`` for a scenario with nothing to vary (no ``uncertain:``, no
    ``levers:``), replications outside 1..10,000,000 or a seed that is not a whole number ≥ 0.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) \
            or not 1 <= replications <= MAX_REPLICATIONS:
        raise RunConfigError(f"replications must be a whole number from 1 to "
                             f"{MAX_REPLICATIONS:,} (got {replications!r})")
    # a fixed seed is what makes experiments comparable: no seed=None here
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise RunConfigError(f"seed must be a whole number ≥ 0 (got {seed!r})")
    base = load_scenario(scenario_argument(str(scenario)))
    targets = tuple(t.name for t in base.targets)
    job = _Job(base, replications, seed, targets)
    # EMA names models with letters and digits only
    model = LandsimModel(re.sub(r"[^0-9A-Za-z]", "", base.name) or "landsim",
                         function=partial(_run_experiment, job))
    taken: set[str] = set()

    def name_for(path: str) -> str:
        name = stem = parameter_name(path)
        n = 1
        # model_init would swallow a lever named like a model attribute (name, function, …)
        while name in taken or hasattr(model, name):
            n += 1
            name = f"{stem}_{n}"
        taken.add(name)
        return name

    lever_paths = {_canonical(lv.path) for lv in base.levers}
    uncertainties = []
    for path, prior in (base.uncertain or {}).items():
        path = _canonical(path)
        if path in lever_paths:
            continue
        low, high = prior.support()
        if not (math.isfinite(low) and math.isfinite(high)):
            low, high = prior.quantile(TAIL), prior.quantile(1 - TAIL)
        value = get_value(base, path)
        integer = isinstance(value, int) and not isinstance(value, bool)
        if integer:
            # a drawn capacity is rounded to the nearest whole number (halves up)
            low, high = math.floor(low + 0.5), math.ceil(high - 0.5)
        if not low < high:
            continue  # a single value is no uncertainty
        kind = IntegerParameter if integer else RealParameter
        uncertainties.append(kind(name_for(path), low, high, variable_name=path))
    levers = []
    for lever in base.levers:
        path = _canonical(lever.path)
        if path in {p.variable_name[0] for p in levers}:
            continue
        span = lever_range(base, path, lever.min, lever.max, origin="the EMA model's lever")
        if not span.low < span.high:
            continue
        if span.integer:
            levers.append(IntegerParameter(name_for(path), int(span.low), int(span.high),
                                           variable_name=path))
        else:
            levers.append(RealParameter(name_for(path), span.low, span.high,
                                        variable_name=path))
    if not uncertainties and not levers:
        raise RunConfigError(f"{base.name}: no uncertain: values and no levers: to vary, so "
                             "EMA Workbench would have no parameters; declare either")
    outcomes = [f(name) for name in targets for f in (str, "{}_km2".format)]
    if len(set(outcomes)) < len(outcomes):
        raise RunConfigError(f"{base.name}: a target is named like another's km² outcome "
                             f"(<target>_km2): {', '.join(outcomes)}")
    model.uncertainties = uncertainties
    model.levers = levers
    model.outcomes = [ScalarOutcome(name, kind=ScalarOutcome.MAXIMIZE) for name in outcomes]
    return model


def _canonical(path: str) -> str:
    """A key path as the scenario's own checks write it (``stages.0`` → ``stages[0]``)."""
    return format_path(parse_path(path))
