"""Goal-seeking that cannot miss a hump wider than its resolution; steps, out of reach and
default folders named for the lever."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from simulator import scenario_from_dict
from simulator.study.solve import RESOLUTION, describe, parse_lever, solve
from tests.test_solve import cap_scenario


def window_scenario() -> dict:
    # 10 km² complete in 2022, cap c: the 2024–25 window gets 2c for c ≤ 2.5, then less —
    # 4 km² in the window needs 2 ≤ c ≤ 3, a hump one wide in a range of 11
    data = cap_scenario()
    data["targets"] = [{"name": "window", "from": 2024, "by": 2025, "km2": 4.0}]
    return data


def test_a_hump_narrower_than_the_old_five_point_scan_is_found():
    scenario = scenario_from_dict(window_scenario())
    lever = parse_lever("pathways.p.annual_cap=1:12", scenario)
    old = solve(scenario, "window", 0.5, lever, replications=20, resolution=1 / 4)
    # five points (1, 3.75, 6.5, …) step over the hump; refining between equal neighbours
    # (issue 37) finds it even so, and says where it ends
    assert old.reachable and 2.0 <= old.value <= 3.0 and old.until is not None
    answer = solve(scenario, "window", 0.5, lever, replications=20)
    assert answer.reachable and 2.0 <= answer.value <= 2.0 + 11e-3
    assert answer.probability == 1.0 and not answer.monotone
    assert answer.resolution == (12 - 1) * RESOLUTION


def test_a_noisy_hump_is_found_and_its_peak_reported_when_out_of_reach():
    # projects of 2 km² drop out with chance 0.2: the window's hump (2 ≤ c ≤ 3) is reached
    # about a third of the time; 0.9 is out of reach, and the highest probability found must
    # lie in the hump
    data = window_scenario()
    data["pathways"]["p"]["stages"] = [{"name": "s", "duration": 0.2, "dropout": 0.2}]
    scenario = scenario_from_dict(data)
    lever = parse_lever("pathways.p.annual_cap=1:12", scenario)
    answer = solve(scenario, "window", 0.25, lever, replications=300, seed=1)
    assert answer.reachable and 2.0 <= answer.value <= 3.0 and answer.probability >= 0.25
    far = solve(scenario, "window", 0.9, lever, replications=300, seed=1)
    assert not far.reachable and 2.0 <= far.best["value"] <= 3.0
    assert far.best["probability"] >= 0.25 and "scanning every 0.688" in far.note


def test_a_monotone_case_gives_the_same_answer_as_the_coarse_scan():
    scenario = scenario_from_dict(cap_scenario())
    lever = parse_lever("pathways.p.annual_cap=0.5:5", scenario)
    coarse = solve(scenario, "six", 0.8, lever, replications=50, resolution=1 / 4)
    dense = solve(scenario, "six", 0.8, lever, replications=50)
    assert dense.monotone and abs(dense.value - coarse.value) <= 4.5e-3
    assert 1.5 <= dense.value <= 1.5 + 4.5e-3


def test_a_monotone_noisy_case_agrees_with_the_coarse_scan():
    data = {"name": "ln", "horizon": {"start": 2020, "end": 2030},
            "targets": [{"name": "on-time", "by": 2025, "km2": 1.0}],
            "pathways": {"p": {"plan": {2025: 1.0}, "projects": 1, "stages": [
                {"name": "s", "duration": {"dist": "lognormal", "median": 2.0, "sigma": 0.5,
                                           "nominal": 2.0}}]}}}
    scenario = scenario_from_dict(data)
    lever = parse_lever("pathways.p.stages[0].duration.median=1:3", scenario)
    coarse = solve(scenario, "on-time", 0.8, lever, replications=300, seed=3, resolution=1 / 4)
    dense = solve(scenario, "on-time", 0.8, lever, replications=300, seed=3)
    assert dense.direction == "decreasing" and abs(dense.value - coarse.value) <= 0.01


def test_out_of_reach_states_the_best_where_and_the_resolution():
    scenario = scenario_from_dict(cap_scenario())
    answer = solve(scenario, "six", 0.5, parse_lever("pathways.p.annual_cap=0.1:1", scenario),
                   replications=20)
    assert not answer.reachable and answer.resolution == 0.9 / 16
    assert "the probability is 0.0% all over the range" in answer.note
    assert "scanning every 0.0563" in answer.note and "scanning every" in describe(answer)


def test_a_whole_number_lever_is_reported_as_a_step():
    data = {"name": "cap", "horizon": {"start": 2022, "end": 2030},
            "targets": [{"name": "four", "by": 2025, "km2": 4.0}],
            "pathways": {"p": {"plan": {2025: 6.0}, "projects": 6,
                               "stages": [{"name": "s", "duration": 1.0, "capacity": 1}]}}}
    scenario = scenario_from_dict(data)
    answer = solve(scenario, "four", 0.5, parse_lever("pathways.p.stages[0].capacity=1:10",
                                                      scenario), replications=20)
    assert answer.value == 4 and answer.step == {"value": 4, "probability": 1.0, "before": 3,
                                                 "probability_before": 0.0}
    assert "100.0% there, 0.0% one step lower" in describe(answer)


def test_programme_is_reported_as_a_step_with_its_projects():
    # 10 projects of 1 km², each dropping out with chance 0.5: 6 km² needs more projects
    data = {"name": "prog", "horizon": {"start": 2022, "end": 2030},
            "targets": [{"name": "six", "by": 2025, "km2": 6.0}],
            "pathways": {"p": {"plan": {2022: 10.0}, "projects": 10, "stages": [
                {"name": "s", "duration": 0.2, "dropout": 0.5}]}}}
    scenario = scenario_from_dict(data)
    answer = solve(scenario, "six", 0.5, parse_lever("programme=1:3", scenario),
                   replications=200, seed=2)
    step = answer.step
    assert answer.reachable and step is not None
    assert step["projects"] == step["projects_before"] + 1
    assert step["probability_before"] < 0.5 <= step["probability"]
    assert (f"the {step['projects']}th project" in describe(answer)
            and "one project fewer" in describe(answer))


@pytest.mark.slow
def test_two_solves_on_different_levers_get_different_default_folders(tmp_path):
    path = tmp_path / "cap.yaml"
    path.write_text(yaml.safe_dump(cap_scenario()), encoding="utf-8")
    for lever in ("pathways.p.annual_cap=0.5:5", "pathways.p.stages[0].duration.value=0.1:3"):
        done = subprocess.run([sys.executable, "-m", "simulator", "solve", str(path),
                               "--target", "six", "--probability", "0.8", "--lever", lever,
                               "-n", "20", "--workers", "1", "-q"],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    folders = sorted(p.name for p in (tmp_path / "outputs" / "solve").iterdir())
    assert folders == ["cap-six-80-pathways-p-annual-cap",
                       "cap-six-80-pathways-p-stages-0-duration-value"]
    data = json.loads((tmp_path / "outputs" / "solve" / folders[0] / "solve.json").read_text())
    assert data["resolution"] == 4.5 / 16 and data["evaluations"] > 0
