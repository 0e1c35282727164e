"""The key-path resolver behind --set, sweeps and sensitivity."""

import pytest
import yaml
from conftest import ROOT, SCENARIOS

import simulator.cli as cli
from simulator import ScenarioError, load_scenario
from simulator.inputs.params import ParameterError, get_value, numeric_paths, parse_assignment, with_values


def without_provenance(scenario):
    data = scenario.resolved()
    data.pop("provenance")
    return data


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_numeric_leaf_is_addressable(path):
    scenario = load_scenario(path)
    paths = numeric_paths(scenario)
    assert len(paths) > 10
    for key in paths:
        value = get_value(scenario, key)
        same = with_values(scenario, {key: value})
        expected = without_provenance(scenario)
        if key in scenario.uncertain:  # a value set on purpose fixes an uncertain path
            del expected["uncertain"][key]
            if expected.get("posterior") and key in expected["posterior"]["paths"]:
                expected["posterior"]["paths"].remove(key)
        assert without_provenance(same) == expected, key


def test_examples_from_the_issue():
    s = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    assert get_value(s, "pathways.consolidation.stages[0].duration.median") == 3.0
    assert get_value(s, "correlation.pathway_factor_sigma") == 0.3
    assert get_value(s, "pathways.renewal.plan.2024") == 1.2
    changed = with_values(s, {"pathways.renewal.plan.2024": 2.0,
                              "pathways.consolidation.stages[0].capacity": 30.0})
    assert changed.pathways["renewal"].plan[2024] == 2.0
    assert changed.pathways["consolidation"].stages[0].capacity == 30  # a whole float is fine
    assert "set to 2.0 by --set (was 1.2)" in changed.label_of("pathways.renewal.plan.2024")


@pytest.mark.parametrize("path, fragment", [
    ("pathways.consolidaton.annual_cap", "did you mean 'consolidation'"),
    ("pathways.renewal.stages[7].dropout", "list of 2; use an index 0–1"),
    ("pathways.renewal.annual_cap.x", "is a value (0.8)"),
    ("correlation..x", "malformed key path"),
    ("events[0].probability", "list of 0"),
])
def test_bad_paths_fail_cleanly(path, fragment):
    s = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    with pytest.raises(ParameterError, match=fragment.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        with_values(s, {path: 1})


def test_bad_values_fail_cleanly():
    s = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    with pytest.raises(ScenarioError) as info:
        with_values(s, {"pathways.renewal.stages[0].dropout": 1.5})
    assert info.value.problems[0].path == "pathways.renewal.stages[0].dropout"
    assert "after --set" in info.value.problems[0].message
    with pytest.raises(ParameterError, match="needs a number"):
        with_values(s, {"pathways.renewal.stages[0].dropout": "high"})
    with pytest.raises(ParameterError, match="whole number"):
        with_values(s, {"pathways.consolidation.stages[0].capacity": 18.5})


def test_parse_assignment():
    assert parse_assignment("a.b=3") == ("a.b", 3)
    assert parse_assignment("a.b = 0.25") == ("a.b", 0.25)
    with pytest.raises(ParameterError):
        parse_assignment("a.b")


def test_set_on_the_command_line(tmp_path, capsys):
    scenario = ROOT / "scenarios" / "longgang-2025.yaml"
    base, more = tmp_path / "base", tmp_path / "more"
    assert cli.main(["run", str(scenario), "-n", "500", "--out", str(base), "-q", "--no-report"]) == 0
    assert cli.main(["run", str(scenario), "-n", "500", "--out", str(more), "-q", "--no-report",
                     "--set", "pathways.consolidation.annual_cap=3",
                     "--set", "pathways.consolidation.stages[0].capacity=12"]) == 0
    resolved = yaml.safe_load((more / "scenario.resolved.yaml").read_text())
    assert resolved["pathways"]["consolidation"]["annual_cap"] == 3
    assert "by --set" in resolved["provenance"]["pathways.consolidation.annual_cap"]
    got = [yaml.safe_load((d / "summary.json").read_text())["targets"][0]["mean_km2"]
           for d in (base, more)]
    assert got[1] > got[0]
    assert cli.main(["run", str(scenario), "--set", "pathways.x.y=1", "-q"]) == 2
    assert "'x' is not a key of pathways" in capsys.readouterr().err


@pytest.mark.slow  # two runs of plan-2024: make test runs it
def test_a_value_set_on_an_uncertain_path_replaces_its_uncertainty():
    # plan-2024 draws its over-programming from a calibration posterior: a lever or --set on
    # it used to be overwritten in every replication, so the report's lever table showed the
    # same odds at both ends of the range
    import numpy as np

    from simulator import simulate

    base = load_scenario(ROOT / "scenarios" / "plan-2024.yaml")
    path = "programme.median"
    assert path in base.uncertain and path in base.posterior.paths
    low, high = (with_values(base, {path: v}) for v in (1.0, 2.5))
    for changed in (low, high):
        assert path not in changed.uncertain and path not in changed.posterior.paths
        assert set(changed.uncertain) == set(base.uncertain) - {path}
        assert "no longer uncertain" in changed.provenance[path]
    runs = [simulate(s, replications=1000, seed=0) for s in (low, high)]
    p = [r.target_odds().loc["binding-2025", "probability"] for r in runs]
    assert p[1] > p[0] + 4 * (p[1] * (1 - p[1]) / 1000) ** 0.5  # the lever now acts
    # and a cap set on a path the scenario's own prior draws holds in every replication
    cap = "pathways.consolidation.annual_cap"
    capped = with_values(base, {cap: 2.0})
    assert cap in base.uncertain and cap not in capped.uncertain
    run = simulate(capped, replications=500, seed=0, keep_replications=True)
    c, ahead = list(base.pathways).index("consolidation"), list(base.years).index(2024)
    assert np.all(run.annual[:, ahead:, c] <= 2 + 1e-9)
