"""landsim as an EMA Workbench model (simulator.study.ema): parameters, outcomes, one
evaluation path with `landsim run --set`, EMA's evaluators and PRIM, the optional extra."""

from __future__ import annotations

import importlib
import json
import pickle
import sys

import numpy as np
import pytest
from conftest import ROOT, SCENARIOS

pytest.importorskip("ema_workbench", reason="ema-workbench is not installed (landsim[discovery])")

from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator  # noqa: E402
from ema_workbench.analysis import prim as eprim  # noqa: E402

from simulator import cli  # noqa: E402
from simulator.inputs.errors import LandsimError, RunConfigError  # noqa: E402
from simulator.inputs.scenario import load_scenario  # noqa: E402
from simulator.study.ema import ema_model, parameter_name  # noqa: E402
from simulator.study.prim import prim  # noqa: E402

BASELINE_UNCERTAIN = ROOT / "scenarios" / "baseline-uncertain.yaml"
TARGETS = ["batch-1", "batch-2", "binding-2025", "batch-3", "plan-2035"]

TINY = """\
name: tiny-ema
horizon: {start: 2022, end: 2032}
targets:
  - {name: t-2027, by: 2027, km2: 5}
  - {name: t_all, by: 2032, km2: 5.5}
pathways:
  c:
    plan: {2025: 3.0, 2026: 3.0}
    projects: 12
    annual_cap: 2.0
    stages:
      - {name: negotiation, duration: {dist: lognormal, median: 2.0, sigma: 0.5}, capacity: 4}
      - {name: clearance, duration: 1.0, dropout: 0.1}
levers:
  - {path: pathways.c.annual_cap, min: 1, max: 4, description: "Cap, km²/yr | zh: 年度上限"}
  - {path: "pathways.c.stages[0].capacity", min: 2, max: 9, description: "At once | zh: 同时"}
uncertain:
  pathways.c.annual_cap: {dist: uniform, min: 1.5, max: 3.0}
  pathways.c.stages[0].duration.median: {dist: lognormal, median: 2.0, sigma: 0.3}
  pathways.c.stages[1].dropout: {dist: triangular, min: 0.0, mode: 0.1, max: 0.3}
  correlation.pathway_factor_sigma: {dist: uniform, min: 0.1, max: 0.5}
"""
"""Every kind of parameter: a bounded and an unbounded prior, a whole-number lever, and a
path that is both uncertain and a lever."""


def seeded(seed: int):
    """EMA's samplers draw from numpy's global generator: seed it, and give back a function
    that restores what it was."""
    state = np.random.get_state()
    np.random.seed(seed)
    return lambda: np.random.set_state(state)


def bounds(parameters) -> dict[str, tuple]:
    return {p.variable_name[0]: (type(p).__name__, p.lower_bound, p.upper_bound)
            for p in parameters}


@pytest.fixture(scope="module")
def six():
    """Six experiments of baseline-uncertain (3 scenarios × 2 policies), 300 replications."""
    model = ema_model(BASELINE_UNCERTAIN, replications=300)
    restore = seeded(3)
    try:
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(scenarios=3, policies=2)
    finally:
        restore()
    return model, experiments, outcomes


def test_the_models_parameters_and_outcomes_are_the_scenarios(six):
    model, _, _ = six
    scenario = load_scenario(BASELINE_UNCERTAIN)
    levers = {lv.path: (lv.min, lv.max) for lv in scenario.levers}
    # a path that is also a lever is a lever (set, it is no longer drawn: --set's rule)
    assert "pathways.consolidation.annual_cap" in levers
    assert bounds(model.uncertainties) == {
        path: ("RealParameter", prior.min, prior.max)
        for path, prior in scenario.uncertain.items() if path not in levers}
    assert len(model.uncertainties) == 6
    assert bounds(model.levers) == {
        "pathways.consolidation.annual_cap": ("RealParameter", 2, 12),
        "pathways.consolidation.stages[0].capacity": ("IntegerParameter", 10, 60),
        "pathways.renewal.replacement.max": ("IntegerParameter", 0, 1),
        "programme": ("RealParameter", 1, 1.5)}
    assert [o.name for o in model.outcomes] == [
        name for t in TARGETS for name in (t, f"{t}_km2")]
    assert all(name.isidentifier() for name in model.landsim_paths)
    assert model.landsim_paths["pathways_renewal_stages_0_dropout"] == \
        "pathways.renewal.stages[0].dropout"
    assert model.name.isalnum()


def test_six_experiments_run_with_uncertainties_and_levers(six):
    model, experiments, outcomes = six
    assert len(experiments) == 6 and set(outcomes) == {o.name for o in model.outcomes}
    for name, (_, low, high) in zip(model.landsim_paths, bounds(
            [*model.uncertainties, *model.levers]).values(), strict=True):
        assert experiments[name].between(low, high).all(), name
    for target in TARGETS:
        assert outcomes[target].shape == (6,)
        assert ((0 <= outcomes[target]) & (outcomes[target] <= 1)).all()
        # probabilities are shares of the 300 replications
        np.testing.assert_allclose(outcomes[target] * 300, np.round(outcomes[target] * 300),
                                   atol=1e-9)
        assert (outcomes[f"{target}_km2"] > 0).all()
    # the values reach the simulation: over-programming moves the 2035 total
    order = np.argsort(experiments["programme"].to_numpy())
    assert outcomes["plan-2035_km2"][order[-1]] > outcomes["plan-2035_km2"][order[0]] + 1


def test_an_experiment_is_landsim_run_with_its_values_set(six, tmp_path):
    model, experiments, outcomes = six
    row = experiments.iloc[4]
    sets = []
    for name, path in model.landsim_paths.items():
        value = row[name]
        text = str(int(value)) if float(value).is_integer() else repr(float(value))
        sets += ["--set", f"{path}={text}"]
    out = tmp_path / "run"
    assert cli.main(["run", str(BASELINE_UNCERTAIN), *sets, "-n", "300", "--seed", "0",
                     "--workers", "1", "--no-report", "-q", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "uncertain" not in summary  # the experiment set every uncertain key: none drawn
    for target in summary["targets"]:
        assert outcomes[target["name"]][4] == target["probability"]  # same random numbers
        assert outcomes[f"{target['name']}_km2"][4] == pytest.approx(target["mean_km2"],
                                                                     rel=1e-12)


@pytest.mark.parametrize("path", [p for p in SCENARIOS if load_scenario(p).levers],
                         ids=lambda p: p.stem)
def test_every_shipped_scenario_with_levers_is_a_model(path):
    scenario = load_scenario(path)
    model = ema_model(path.stem, replications=10)  # a shipped scenario's name will do
    levers = {lv.path for lv in scenario.levers}
    assert set(bounds(model.levers)) == levers
    assert set(bounds(model.uncertainties)) == set(scenario.uncertain or {}) - levers
    for _, low, high in bounds([*model.uncertainties, *model.levers]).values():
        assert low < high
    assert len(model.landsim_paths) == len(model.uncertainties) + len(model.levers)


def test_nothing_to_vary_and_bad_runs_are_refused(write_yaml):
    bare = write_yaml(TINY.split("levers:")[0], name="bare.yaml")
    with pytest.raises(RunConfigError, match="no uncertain: values and no levers"):
        ema_model(bare)
    with pytest.raises(RunConfigError, match="seed"):
        ema_model(write_yaml(TINY), seed=None)  # a fresh seed per experiment: no CRN
    with pytest.raises(RunConfigError, match="replications"):
        ema_model(write_yaml(TINY), replications=0)


def test_priors_become_bounds_and_whole_numbers_integer_parameters(write_yaml):
    model = ema_model(write_yaml(TINY), replications=50, seed=3)
    scenario = load_scenario(write_yaml(TINY))
    median = scenario.uncertain["pathways.c.stages[0].duration.median"]
    assert bounds(model.uncertainties) == {
        # unbounded: the central 99 %
        "pathways.c.stages[0].duration.median": (
            "RealParameter", median.quantile(0.005), median.quantile(0.995)),
        "pathways.c.stages[1].dropout": ("RealParameter", 0.0, 0.3),  # bounded: its support
        "correlation.pathway_factor_sigma": ("RealParameter", 0.1, 0.5)}
    assert 2.0 * np.exp(-2.5758 * 0.3) == pytest.approx(  # z of 99.5 %: 2.5758
        model.uncertainties["pathways_c_stages_0_duration_median"].lower_bound, rel=1e-4)
    assert bounds(model.levers) == {"pathways.c.annual_cap": ("RealParameter", 1, 4),
                                    "pathways.c.stages[0].capacity": ("IntegerParameter", 2, 9)}
    assert [o.name for o in model.outcomes] == ["t-2027", "t-2027_km2", "t_all", "t_all_km2"]


def test_the_model_pickles_and_its_answer_depends_only_on_the_values(write_yaml):
    model = ema_model(write_yaml(TINY), replications=200, seed=3)
    values = {"pathways.c.stages[0].capacity": 6, "pathways.c.stages[1].dropout": 0.2}
    here = model.function(**values)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.function(**values) == here == model.function(**values)
    assert copy.landsim_paths == model.landsim_paths
    assert model.function(**{**values, "pathways.c.stages[0].capacity": 1}) != here
    assert ema_model(write_yaml(TINY), replications=200, seed=4).function(**values) != here


def test_the_multiprocessing_evaluator_gives_what_this_process_gives():
    model = ema_model(BASELINE_UNCERTAIN, replications=100)
    restore = seeded(11)
    try:
        with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(scenarios=4)
    finally:
        restore()
    assert len(experiments) == 4
    for i, row in experiments.iterrows():
        values = {path: row[name] for name, path in model.landsim_paths.items()
                  if name in row and not np.isnan(row[name])}
        assert len(values) == len(model.uncertainties)  # no policies: levers as scenario
        mine = model.function(**values)
        assert {k: v[i] for k, v in outcomes.items()} == mine


@pytest.mark.slow
def test_emas_prim_finds_the_same_boxes_as_ours_on_the_models_results():
    model = ema_model(BASELINE_UNCERTAIN, replications=100)
    restore = seeded(5)
    try:
        with SequentialEvaluator(model) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(scenarios=20, policies=5)
    finally:
        restore()
    names = list(model.landsim_paths)
    x = experiments[names].astype(float)  # EMA's peeling writes midpoints into int columns
    y = outcomes["batch-3"] < 0.5
    assert 20 < y.sum() < 80  # both kinds of points, so there is something to find
    ours = prim(x, y)
    theirs = eprim.Prim(x, y, threshold=0.5, peel_alpha=0.05, mass_min=0.05).find_box()
    peeled = len(ours.trajectory)
    assert peeled >= 4
    t = theirs.peeling_trajectory
    np.testing.assert_allclose(ours.trajectory.coverage, t.coverage[:peeled], atol=1e-12)
    np.testing.assert_allclose(ours.trajectory.density, t.density[:peeled], atol=1e-12)
    for i in range(peeled):
        np.testing.assert_allclose(ours.limits[i].T, theirs.box_lims[i][names].to_numpy())
    start = ours.limits[0].T

    def restricted(limits):
        return [n for k, n in enumerate(names) if not np.array_equal(limits[:, k], start[:, k])]

    # the first box: both cut the policy of the highest consolidation throughput
    assert restricted(ours.limits[1].T) == restricted(theirs.box_lims[1][names].to_numpy()) \
        == ["pathways_consolidation_annual_cap"]
    # the next: and over-programming below about 1.3 × the plan (peeled limits: EMA's boxes,
    # whatever landsim then reports)
    assert restricted(ours.limits[2].T) == ["pathways_consolidation_annual_cap", "programme"]
    assert theirs.box_lims[2]["programme"][1] == ours.limits[2][names.index("programme"), 1] \
        < 1.31


def test_without_ema_workbench_the_import_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    monkeypatch.delitem(sys.modules, "simulator.study.ema")
    with pytest.raises(ImportError, match=r"pip install 'landsim\[discovery\]'") as caught:
        importlib.import_module("simulator.study.ema")
    assert isinstance(caught.value, LandsimError)  # the CLI's clear-error path
    assert "simulator.study.ema" not in sys.modules


def test_no_other_module_imports_ema_workbench_at_module_level():
    import ast

    for path in (ROOT / "simulator").rglob("*.py"):
        if path.name == "ema.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "ema_workbench" for n in names), path


def test_parameter_names_are_identifiers():
    assert parameter_name("pathways.renewal.stages[0].dropout") == \
        "pathways_renewal_stages_0_dropout"
    assert parameter_name("pathways.re-newal.plan.2024") == "pathways_re_newal_plan_2024"
    assert parameter_name("programme") == "programme"
