"""Every scenario that validates runs in bounded time and memory; past a limit it is refused.

The limits are documented in docs/model.md; the times stated here are generous bounds (about
ten times what this 2-core machine takes), not benchmarks: they catch cost that grows with
the magnitude of a number instead of with the horizon and the projects.
"""

import time

import numpy as np
import pytest
from conftest import ROOT

from simulator import ScenarioError, scenario_from_dict, simulate
from simulator.inputs import scenario as scn


def scenario_at(projects=scn.MAX_PROJECTS, pathways=scn.MAX_PATHWAYS, stages=scn.MAX_STAGES,
                targets=scn.MAX_TARGETS, events=scn.MAX_EVENTS,
                years=scn.MAX_HORIZON_YEARS) -> dict:
    start, end = 2022, 2022 + years - 1
    doc = {
        "name": "limits", "horizon": {"start": start, "end": end},
        "targets": [{"name": f"t{i}", "by": start + i % years, "km2": 1 + i % 7}
                    for i in range(targets)],
        "pathways": {}, "events": [],
        "correlation": {"pathway_factor_sigma": 0.2, "global_factor_sigma": 0.1},
    }
    for p in range(pathways):
        doc["pathways"][f"p{p}"] = {
            "plan": {start + y: 1.0 for y in range(min(years, 10))},
            "projects": {"count": projects // pathways, "size_cv": 0.3},
            "stages": [{"name": f"s{k}", "dropout": 0.05,
                        "duration": {"dist": "lognormal", "median": 1.0, "sigma": 0.4},
                        **({"capacity": 50} if k == 0 else {})} for k in range(stages)],
            "annual_cap": 3.0,
        }
    for e in range(events):
        doc["events"].append({"name": f"e{e}", "probability": 0.1, "lasts": 2,
                              "pathways": [f"p{e % pathways}"], "duration_multiplier": 1.2})
    return doc


@pytest.mark.slow
def test_a_scenario_at_every_limit_at_once_runs_in_bounded_time():
    s = scenario_from_dict(scenario_at())
    started = time.process_time()
    result = simulate(s, replications=100, seed=0)
    assert time.process_time() - started < 60  # about 4 s here
    assert result.annual.shape == (100, scn.MAX_HORIZON_YEARS, scn.MAX_PATHWAYS)


@pytest.mark.parametrize("change, message", [
    ({"projects": scn.MAX_PROJECTS + scn.MAX_PATHWAYS}, "at most 10,000 allowed"),
    ({"pathways": scn.MAX_PATHWAYS + 1}, "too many items"),
    ({"stages": scn.MAX_STAGES + 1}, "too many items"),
    ({"targets": scn.MAX_TARGETS + 1}, "too many items"),
    ({"events": scn.MAX_EVENTS + 1}, "too many items"),
    ({"years": scn.MAX_HORIZON_YEARS + 1}, "at most 60 allowed"),
])
def test_one_past_a_limit_is_refused_with_the_limit(change, message):
    small = {"projects": 40, "pathways": 2, "stages": 1, "targets": 1, "events": 0, "years": 10}
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(scenario_at(**{**small, **change}))


def one_pathway(**stage) -> dict:
    doc = scenario_at(projects=20, pathways=1, stages=1, targets=1, events=0, years=10)
    doc["pathways"]["p0"]["stages"][0].update(stage)
    return doc


def test_cost_does_not_follow_the_magnitude_of_a_capacity():
    small, huge = (scenario_from_dict(one_pathway(capacity=k)) for k in (20, scn.MAX_CAPACITY))
    started = time.process_time()
    a = simulate(huge, replications=2000, seed=1)
    assert time.process_time() - started < 10  # a K-wide array per replication took minutes
    b = simulate(small, replications=2000, seed=1)  # K ≥ projects: the same schedule
    np.testing.assert_array_equal(a.annual, b.annual)


@pytest.mark.parametrize("engine", ["fast", "des"])
def test_an_event_lasting_a_million_years_is_as_cheap_as_one_lasting_the_horizon(engine):
    doc = one_pathway()
    doc["events"] = [{"name": "e", "probability": 0.3, "lasts": 1e6, "pathways": ["p0"],
                      "duration_multiplier": 1.5}]
    long = scenario_from_dict(doc)
    doc["events"][0]["lasts"] = 1000.0  # past every time a replication can reach
    horizon = scenario_from_dict(doc)
    started = time.process_time()
    a = simulate(long, replications=300, seed=2, engine=engine)
    assert time.process_time() - started < 20
    b = simulate(horizon, replications=300, seed=2, engine=engine)
    np.testing.assert_allclose(a.annual, b.annual, atol=1e-9)


def test_long_events_agree_between_engines():
    doc = one_pathway()
    doc["events"] = [{"name": "e", "probability": 0.3, "lasts": 25, "pathways": ["p0"],
                      "duration_multiplier": 1.5, "dropout_add": 0.1}]
    s = scenario_from_dict(doc)
    fast, des = (simulate(s, replications=200, seed=3, engine=e) for e in ("fast", "des"))
    np.testing.assert_allclose(fast.annual, des.annual, atol=1e-9)


@pytest.mark.parametrize("path, value", [
    (("targets", 0, "km2"), 1e300), (("pathways", "p0", "annual_cap"), 1e7),
    (("pathways", "p0", "stages", 0, "duration", "median"), 2e6),
])
def test_numbers_that_would_overflow_are_refused(path, value):
    doc = one_pathway()
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ScenarioError, match="too large"):
        scenario_from_dict(doc)


def test_names_are_bounded_so_that_they_make_valid_file_names():
    doc = one_pathway()
    doc["name"] = "x" * 300
    with pytest.raises(ScenarioError, match="at most 64"):
        scenario_from_dict(doc)


def test_validate_checks_the_limits_the_lever_analysis_will_meet(tmp_path, capsys):
    # 2,000 projects a pathway: the scenario itself fits, but the report's lever analysis
    # doubles the renewal projects (replacement.max = 1) past the limit. validate said ok
    # and run refused after simulating, naming a solve nobody ran (issue 36, item 5)
    import re
    import time

    from simulator import cli

    text = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    big = tmp_path / "big.yaml"
    big.write_text(re.sub(r"projects: (\{count: )?\d+",
                          lambda m: "projects: " + (m.group(1) or "") + "2000", text), "utf-8")
    assert cli.main(["validate", str(big)]) == 2
    err = capsys.readouterr().err
    assert "levers[2]" in err and "replacement.max=1" in err and "--no-levers" in err
    assert "solve" not in err
    began = time.process_time()
    assert cli.main(["run", str(big), "-n", "100", "--out", str(tmp_path / "out")]) == 2
    assert "levers[2]" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before anything was simulated or written
    assert time.process_time() - began < 30


def test_the_estimate_covers_the_whole_run_its_levers_and_its_report():
    # validate said "under a second" for a run that took 12.6 s, 7.4 of them levers
    # (issue 36, item 9): the estimate now counts the lever analysis (a range: the runs the
    # solver needs depend on the odds it meets) and the report
    from simulator import load_scenario
    from simulator.run.cost import LEVER_EVALUATIONS, estimate_command

    plan = load_scenario(ROOT / "scenarios" / "plan-2024.yaml")
    alone = estimate_command(plan, 2000, 2)
    assert alone.levers == (0.0, 0.0) and alone.lever_runs == (0, 0)
    full = estimate_command(plan, 2000, 2, lever_replications=1000, langs=2)
    assert full.lever_runs == tuple(1 + len(plan.levers) * k for k in LEVER_EVALUATIONS)
    assert full.levers[1] / full.levers[0] == pytest.approx(full.lever_runs[1]
                                                           / full.lever_runs[0])
    assert full.report > alone.report > 0  # two languages cost more than one
    low, high = full.seconds
    assert alone.seconds[0] < low < high
