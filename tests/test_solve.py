"""Goal-seeking on cases with a known answer, and its errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import yaml
from scipy import stats

from simulator import scenario_from_dict
from simulator.inputs.errors import ScenarioError
from simulator.inputs.params import ParameterError
from simulator.study.solve import lever_range, parse_lever, solve


def cap_scenario() -> dict:
    """10 km² complete in 2022; a cap c hands over c a year, so 6 km² by 2025 ⇔ 4c ≥ 6."""
    return {"name": "cap", "horizon": {"start": 2022, "end": 2030},
            "targets": [{"name": "six", "by": 2025, "km2": 6.0}],
            "pathways": {"p": {"plan": {2022: 10.0}, "projects": 5,
                               "stages": [{"name": "s", "duration": 0.2}], "annual_cap": 1.0}}}


def test_a_deterministic_cap_is_found_where_cap_times_years_meets_the_target():
    scenario = scenario_from_dict(cap_scenario())
    lever = parse_lever("pathways.p.annual_cap=0.5:5", scenario)
    answer = solve(scenario, "six", 0.8, lever, replications=50)
    assert answer.reachable and answer.direction == "increasing" and answer.monotone
    assert 1.5 <= answer.value <= 1.5 + 1e-3 * 4.5
    assert answer.probability == 1.0
    lo, hi = answer.interval  # deterministic: the bounds jump where the estimate does
    assert 1.5 - 1e-3 * 4.5 <= lo <= hi <= 1.5 + 1e-3 * 4.5


def test_a_lognormal_median_is_found_at_its_closed_form():
    # start fixed by nominal 2.0 (2025.5 − 2), so released by the end of 2025 ⇔ D ≤ 2.5:
    # P = Φ(ln(2.5 / m) / σ), decreasing in the median m; P = 0.8 at m* = 2.5·exp(−σ z₀.₈)
    sigma, level, n = 0.5, 0.8, 4000
    data = {"name": "ln", "horizon": {"start": 2020, "end": 2030},
            "targets": [{"name": "on-time", "by": 2025, "km2": 1.0}],
            "pathways": {"p": {"plan": {2025: 1.0}, "projects": 1, "stages": [
                {"name": "s", "duration": {"dist": "lognormal", "median": 2.0, "sigma": sigma,
                                           "nominal": 2.0}}]}}}
    scenario = scenario_from_dict(data)
    lever = parse_lever("pathways.p.stages[0].duration.median=1:3", scenario)
    answer = solve(scenario, "on-time", level, lever, replications=n, seed=3)
    exact = 2.5 * math.exp(-sigma * stats.norm.ppf(level))
    slope = stats.norm.pdf(stats.norm.ppf(level)) / (sigma * exact)  # |dP/dm| at m*
    tolerance = 4 * math.sqrt(level * (1 - level) / n) / slope
    assert answer.direction == "decreasing"
    assert abs(answer.value - exact) <= tolerance
    lo, hi = answer.interval
    assert lo <= exact <= hi and lo <= answer.value <= hi


def test_a_whole_number_lever_gives_a_whole_number():
    # 6 projects of 1 km² all start at 2024.5 in a stage of 1 year with K places:
    # K of them are released in 2025, so 4 km² by 2025 needs K ≥ 4
    data = {"name": "cap", "horizon": {"start": 2022, "end": 2030},
            "targets": [{"name": "four", "by": 2025, "km2": 4.0}],
            "pathways": {"p": {"plan": {2025: 6.0}, "projects": 6,
                               "stages": [{"name": "s", "duration": 1.0, "capacity": 1}]}}}
    scenario = scenario_from_dict(data)
    answer = solve(scenario, "four", 0.5, parse_lever("pathways.p.stages[0].capacity=1:10",
                                                      scenario), replications=20)
    assert answer.value == 4 and isinstance(answer.value, int)


def test_out_of_reach_says_so_with_the_best_probability():
    scenario = scenario_from_dict(cap_scenario())
    answer = solve(scenario, "six", 0.5, parse_lever("pathways.p.annual_cap=0.1:1", scenario),
                   replications=20)
    assert not answer.reachable and answer.value is None
    assert "out of reach in 0.1–1" in answer.note and answer.best["probability"] == 0.0


@pytest.mark.parametrize(("text", "error", "words"), [
    ("pathways.q.annual_cap=1:2", ParameterError, "'q' is not a key"),
    ("pathways.p.annual_cap=2:1", ParameterError, "LOW < HIGH"),
    ("pathways.p.annual_cap", ParameterError, "PATH=LOW:HIGH"),
    ("pathways.p.stages[0].name=1:2", ParameterError, "not a number"),
    ("pathways.p.annual_cap=-1:2", ScenarioError, "range -1:2 is not allowed"),
])
def test_bad_levers_are_refused_before_any_simulation(text, error, words):
    scenario = scenario_from_dict(cap_scenario())
    with pytest.raises(error) as caught:
        parse_lever(text, scenario)
    assert words in str(caught.value)


def test_the_command_writes_solve_json_and_a_report(tmp_path):
    path = tmp_path / "cap.yaml"
    path.write_text(yaml.safe_dump(cap_scenario()), encoding="utf-8")
    out = tmp_path / "solved"
    done = subprocess.run([sys.executable, "-m", "simulator", "solve", str(path), "--target",
                           "six", "--probability", "0.8", "--lever", "pathways.p.annual_cap=0.5:5",
                           "-n", "50", "--workers", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads((out / "solve.json").read_text())
    assert data["reachable"] and 1.5 <= data["value"] <= 1.505 and data["probability"] == 1.0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'data-value="{data["value"]!r}"' in html and "<script" not in html
    assert (out / "charts" / "solve.svg").exists() and (out / "evaluations.csv").exists()
    assert "needs pathways.p.annual_cap ≥ 1.5" in done.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--probability", "1.5", "--lever", "pathways.p.annual_cap=1:2"], "between 0 and 1"),
    (["--probability", "0.5", "--lever", "pathways.x=1:2"], "'x' is not a key"),
    (["--probability", "0.5", "--lever", "pathways.p.stages[0].dropout=0:2"], "≤ 1"),
])
def test_bad_solves_exit_2_with_a_message(tmp_path, args, words):
    path = tmp_path / "cap.yaml"
    path.write_text(yaml.safe_dump(cap_scenario()), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "simulator", "solve", str(path), "--target",
                           "six", *args, "--out", str(tmp_path / "o")], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_lever_range_knows_integers():
    data = cap_scenario()
    data["pathways"]["p"]["stages"][0]["capacity"] = 3
    scenario = scenario_from_dict(data)
    assert not lever_range(scenario, "pathways.p.annual_cap", 1, 2).integer
    assert lever_range(scenario, "pathways.p.stages[0].capacity", 2, 9).integer


def test_a_window_target_that_is_not_monotone_is_flagged():
    # 10 km² complete in 2022, cap c: the 2024–25 window gets 2c for c ≤ 2.5, then less —
    # 4 km² in the window needs 2 ≤ c ≤ 3: more throughput releases too early
    data = cap_scenario()
    data["targets"] = [{"name": "window", "from": 2024, "by": 2025, "km2": 4.0}]
    scenario = scenario_from_dict(data)
    answer = solve(scenario, "window", 0.5, parse_lever("pathways.p.annual_cap=1:5", scenario),
                   replications=20)
    assert not answer.monotone and "not monotone" in answer.note
    assert 2.0 <= answer.value <= 2.0 + 4 * 1e-3


def test_solve_works_from_a_status_date():
    # as of 2023 with 1 km² released in 2022: 1 + 3c ≥ 6 by 2025 ⇔ c ≥ 5/3
    data = cap_scenario()
    data["status"] = {"as_of": 2023, "released": {2022: {"p": 1.0}}}
    scenario = scenario_from_dict(data)
    answer = solve(scenario, "six", 0.8, parse_lever("pathways.p.annual_cap=0.5:5", scenario),
                   replications=20)
    assert 5 / 3 <= answer.value <= 5 / 3 + 4.5e-3


def test_a_first_look_brackets_the_full_answer_within_one_step_with_fewer_runs():
    """The explorer's first look at 'What would it take?': the same scan without the
    bisection and refinement. Its value is the first scan point that reaches the level,
    its interval reaches a step back (the answer is known only to within a step), and the
    full analysis's value lies inside it (closed form here: 4c ≥ 6 ⇔ c ≥ 1.5)."""
    from simulator.study.levers import lever_effects

    doc = cap_scenario()
    doc["levers"] = [{"path": "pathways.p.annual_cap", "min": 0.5, "max": 4.5,
                      "description": "cap, km²/yr"}]
    scenario = scenario_from_dict(doc)
    first = lever_effects(scenario, replications=50, first_look=True)
    full = lever_effects(scenario, replications=50)
    assert first["first_look"] and not full["first_look"]
    assert first["evaluations"] < full["evaluations"]
    a, b = first["levers"][0]["for80"], full["levers"][0]["for80"]
    assert a["value"] == 1.5  # scan points 0.5, 1.5, 2.5, …: 1.5 is the first to reach 80 %
    assert abs(b["value"] - 1.5) <= 1e-2 * 4
    lo, hi = a["interval"]
    assert lo == 0.5 and hi == 1.5  # one step back from where the bounds were found
    assert lo <= b["value"] <= hi


def test_the_answer_does_not_depend_on_the_workers():
    """A bracket's k-section evaluated as many points a step as the back-end had workers,
    so the answer (within the tolerance) moved with the worker count; k is fixed now."""
    from simulator.run.backends import LocalBackend
    from simulator.study.solve import Evaluator

    scenario = scenario_from_dict(cap_scenario())
    lever = parse_lever("pathways.p.annual_cap=0.5:5", scenario)
    answers = []
    for workers in (1, 2):
        backend = LocalBackend(workers)
        with backend:
            evaluator = Evaluator(scenario, "six", replications=20, seed=0, backend=backend)
            answers.append(solve(scenario, "six", 0.8, lever, evaluator=evaluator))
    one, two = answers
    assert (one.value, one.interval, one.probability) == (two.value, two.interval,
                                                          two.probability)
