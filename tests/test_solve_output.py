"""What `landsim solve` says and costs: --resolution, the evaluations it really makes, the
answer in km² and projects, a table in words with each lever value once, and the
Chinese texts of a step."""

from __future__ import annotations

import json
import math
import re

import pytest
import yaml

from simulator import scenario_from_dict
from simulator.cli import main
from simulator.model.programme import split_projects
from simulator.run.backends import LocalBackend
from simulator.study import solve as solve_module
from simulator.study.solve import (
    Evaluator,
    answer_details,
    evaluation_budget,
    evaluation_rows,
    parse_lever,
    parse_resolution,
    solve,
    step_text,
    text_table,
)
from tests.test_solve import cap_scenario
from tests.test_solve_hump import window_scenario

RAW = ("ci95_low", "ci95_high", "mean_km2", "probability")


def programme_scenario() -> dict:
    """Pathway p: 10 + 6 km² planned in two years (projects of 1 km², each dropping out with
    chance 0.5), so 12 km² by 2025 needs over-programming; pathway q is never moved."""
    return {"name": "prog", "horizon": {"start": 2022, "end": 2030},
            "targets": [{"name": "twelve", "by": 2025, "km2": 12.0}],
            "pathways": {
                "p": {"plan": {2022: 10.0, 2023: 6.0}, "projects": 16,
                      "stages": [{"name": "s", "duration": 0.2, "dropout": 0.5}]},
                "q": {"plan": {2022: 1.0}, "projects": 2,
                      "stages": [{"name": "s", "duration": 5.0}]}}}


def carried_by_the_rule(data: dict, pathway: str, programme: float) -> int:
    """Projects a pathway carries at ``programme``: each plan year's count times the
    factor, rounded (the layout's rule, docs/model.md)."""
    p = data["pathways"][pathway]
    counts = split_projects(p["plan"], p["projects"])
    return sum(max(1, round(n * programme)) for n in counts.values())


def write(tmp_path, data: dict):
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run_solve(tmp_path, data, *args):
    out = tmp_path / "solved"
    code = main(["solve", str(write(tmp_path, data)), *args, "--out", str(out),
                 "--workers", "1", "-q"])
    return code, out


@pytest.mark.parametrize(("text", "value"), [("1/16", 1 / 16), ("0.0625", 0.0625),
                                             (" 1/4 ", 0.25), ("1", 1.0)])
def test_resolution_reads_a_share_or_a_fraction(text, value):
    assert parse_resolution(text) == value


def test_the_resolution_option_reaches_the_solver(tmp_path):
    code, out = run_solve(tmp_path, cap_scenario(), "--target", "six", "--probability", "0.8",
                          "--lever", "pathways.p.annual_cap=0.5:5", "-n", "20",
                          "--resolution", "1/4")
    assert code == 0
    data = json.loads((out / "solve.json").read_text())
    assert data["resolution"] == 4.5 / 4 and data["resolution_share"] == 0.25
    assert 1.5 <= data["value"] <= 1.505


@pytest.mark.parametrize("text", ["0", "2", "-1/16", "1/0", "abc", "nan", "1/x"])
def test_a_bad_resolution_exits_2_with_a_message(tmp_path, capsys, text):
    code, out = run_solve(tmp_path, cap_scenario(), "--target", "six", "--probability", "0.8",
                          "--lever", "pathways.p.annual_cap=0.5:5", "-n", "20",
                          f"--resolution={text}")  # = so that -1/16 is not read as an option
    err = capsys.readouterr().err
    assert code == 2 and "--resolution" in err and "1/16" in err and "Traceback" not in err
    assert not out.exists()


def test_the_cost_estimate_counts_scan_refinement_and_k_section(tmp_path, monkeypatch):
    scenario = scenario_from_dict(cap_scenario())
    lever = parse_lever("pathways.p.annual_cap=0.5:5", scenario)
    # 17 scan points, 34 for refinement, 3 brackets of 2 points a step from a sixteenth
    # down to a thousandth of the range (4 steps: 3⁴ = 81 ≥ 62.5)
    assert evaluation_budget(lever, 1 / 16) == 17 + 34 + 3 * 2 * 4  # SECTIONS: 2
    assert evaluation_budget(lever, 1 / 4, sections=1) == 5 + 10 + 3 * 1 * 8  # 2⁸ ≥ 250
    capacity = parse_lever("pathways.p.annual_cap=1:12", scenario_from_dict(cap_scenario()))
    assert evaluation_budget(capacity, 1 / 16) > evaluation_budget(capacity, 1 / 4)
    asked = []

    def cost(scenario, replications, points, args, what):
        asked.append(points)
        raise SystemExit(0)  # the estimate is all this test wants

    monkeypatch.setattr("simulator.cli.solve.study_cost", cost)
    with pytest.raises(SystemExit):
        run_solve(tmp_path, cap_scenario(), "--target", "six", "--probability", "0.8",
                  "--lever", "pathways.p.annual_cap=0.5:5", "--resolution", "1/8")
    assert asked == [evaluation_budget(lever, 1 / 8)]
    # and a solve stays within it
    evaluator = Evaluator(scenario, "six", replications=20, seed=0, backend=LocalBackend(1))
    solve(scenario, "six", 0.8, lever, evaluator=evaluator)
    assert 0 < len(evaluator.rows) <= evaluation_budget(lever, 1 / 16)


def test_the_evaluator_never_simulates_a_value_twice(monkeypatch):
    simulated = []
    real = solve_module.run_points

    def counting(base, design, **kw):
        simulated.extend(tuple(sorted(r.items())) for r in design.to_dict("records"))
        return real(base, design, **kw)

    monkeypatch.setattr(solve_module, "run_points", counting)
    scenario = scenario_from_dict(window_scenario())
    lever = parse_lever("pathways.p.annual_cap=1:12", scenario)
    evaluator = Evaluator(scenario, "window", replications=20, seed=0, backend=LocalBackend(1))
    answer = solve(scenario, "window", 0.5, lever, evaluator=evaluator)
    assert answer.reachable and simulated and len(simulated) == len(set(simulated))
    assert evaluator.runs == len(simulated) == len(evaluator.rows)
    # floating-point noise is the same value: a k-section point and a halving landing there
    before = evaluator.runs
    evaluator.evaluate([{lever.path: lever.plain(2.2)},
                        {lever.path: lever.plain(2.2 + 4e-16)}])
    assert evaluator.runs == before + 1 and len(simulated) == len(set(simulated))


def test_programme_values_carrying_the_same_projects_are_one_simulation(monkeypatch):
    calls = []
    real = solve_module.run_points
    monkeypatch.setattr(solve_module, "run_points",
                        lambda base, design, **kw: calls.append(len(design)) or
                        real(base, design, **kw))
    data = programme_scenario()
    scenario = scenario_from_dict(data)
    lever = parse_lever("pathways.p.programme=1:2", scenario)
    evaluator = Evaluator(scenario, "twelve", replications=100, seed=1, backend=LocalBackend(1))
    solve(scenario, "twelve", 0.5, lever, evaluator=evaluator)
    table = evaluator.table()
    assert sum(calls) == evaluator.runs == table["projects"].nunique() < len(table)
    for value, projects in zip(table[lever.path], table["projects"], strict=True):
        assert projects == carried_by_the_rule(data, "p", value)


def test_a_programme_answer_in_km2_and_projects(tmp_path, capsys):
    data = programme_scenario()
    code, out = run_solve(tmp_path, data, "--target", "twelve", "--probability", "0.5",
                          "--lever", "pathways.p.programme=1:2", "-n", "200", "--seed", "1")
    printed = capsys.readouterr().out
    assert code == 0
    found = json.loads((out / "solve.json").read_text())
    step, value = found["step"], found["value"]
    assert found["reachable"] and step["value"] == value
    # the projects p carries at the answer: ceil(16 × value) (rounded per plan year by
    # the layout, which agrees at the first value of a step), the step before fewer
    assert step["projects"] == math.ceil(16 * value) == carried_by_the_rule(data, "p", value)
    assert step["projects_before"] == carried_by_the_rule(data, "p", step["before"])
    assert step["projects_before"] < step["projects"]
    assert step["pathway_projects"] == {"p": step["projects"]}  # q is not moved
    assert step["probability_before"] < 0.5 <= step["probability"]
    rows = [line.split(",") for line in (out / "evaluations.csv").read_text().splitlines()]
    header, at = rows[0], next(r for r in rows[1:] if float(r[0]) == value)
    assert header == ["pathways.p.programme", "probability", "ci95_low", "ci95_high",
                      "mean_km2", "projects"]  # the CSV keeps machine names
    assert found["mean_km2"] == pytest.approx(float(at[4]), rel=1e-5)
    assert found["target_km2"] == 12.0 and 0 < found["mean_km2"] < 16
    km2 = f"{found['mean_km2']:.1f} km² on average (of 12 km²)"
    last = solve_module._ordinal(step["projects"])  # 21st, 22nd, …
    nth = (f"the {last} project" if step["projects"] == step["projects_before"] + 1
           else f"to {last} projects")
    for text in (printed, found["answer"], (out / "solve.md").read_text(encoding="utf-8")):
        assert km2 in text and nth in text and " × — " in text


def test_the_table_shows_words_percentages_and_each_value_once(tmp_path, capsys):
    code, out = run_solve(tmp_path, window_scenario(), "--target", "window",
                          "--probability", "0.5", "--lever", "pathways.p.annual_cap=1:12",
                          "-n", "20", "--lang", "en,zh")
    printed = capsys.readouterr().out
    assert code == 0
    lines = printed.splitlines()
    head = next(i for i, line in enumerate(lines) if "Lever value" in line)
    table = lines[head + 1:lines.index("", head)]
    assert all(word in lines[head] for word in ("P(target)", "95% interval", "Mean km²"))
    assert not any(raw in lines[head] for raw in RAW)
    assert not any(raw in printed for raw in ("ci95_", "mean_km2"))
    values = [float(line.split()[0]) for line in table]
    assert values == sorted(values) and len(values) == len(set(values)) > 17
    assert all(re.search(r"\d%\s+\S+–\S+%\s+\d+\.\d$", line) for line in table)
    for report, words in (("report.html", "P(target)"), ("report.zh.html", "实现概率")):
        html = (out / report).read_text(encoding="utf-8")
        heads = re.findall(r"<th>([^<]*)</th>", html)
        assert words in heads and not set(RAW) & set(heads)
        cells = re.findall(r"<tr><td>([^<]*)</td>", html)
        assert len(cells) == len(set(cells)) == len(values)


def test_a_table_tells_close_values_apart():
    import pandas as pd

    table = pd.DataFrame({"x": [2.2031, 2.2032, 2.2, 1.0], "probability": [0.1, 0.2, 0.3, 0.0],
                          "ci95_low": [0.05] * 4, "ci95_high": [0.3] * 4,
                          "mean_km2": [1.0] * 4})
    frame = evaluation_rows(table, ["x"])
    assert list(frame["Lever value"]) == ["1", "2.2", "2.2031", "2.2032"]
    assert list(frame["P(target)"]) == ["0.0%", "30.0%", "10.0%", "20.0%"]
    assert text_table(frame).splitlines()[0].split("  ")[0].strip() == "Lever value"


STEPS = [
    ({"value": 1.6403, "probability": 0.806, "before": 1.63, "probability_before": 0.781,
      "projects": 94, "projects_before": 93},
     "1.64 × — the 94th project; 80.6% there, 78.1% one project fewer",
     "1.64倍——第94个项目；该处概率为80.6%，少一个项目时为78.1%"),
    ({"value": 1.834, "probability": 0.307, "before": 1.833, "probability_before": 0.198,
      "projects": 62, "projects_before": 56},
     "the 57th to 62nd projects; 30.7% there, 19.8% 6 projects fewer", "第57至62个项目"),
    ({"value": 1.0, "probability": 0.6, "before": None, "probability_before": None,
      "projects": 11}, "the 11th project; 60.0% there (the first step", "第11个项目"),
    ({"value": 4, "probability": 1.0, "before": 3, "probability_before": 0.0},
     "the first step reaching the level is 4; 100.0% there, 0.0% one step lower",
     "首个达到该概率的取值为4；该处概率为100.0%，低一档时为0.0%"),
    ({"value": 4, "probability": 1.0, "before": None, "probability_before": None},
     "4; 100.0% there (the first step of the range)", "已是范围内的第一档"),
]


@pytest.mark.parametrize(("step", "english", "chinese"), STEPS)
def test_a_step_answer_reads_in_english_and_in_chinese_without_english(step, english,
                                                                       chinese):
    assert english in step_text(step, "increasing", "en")
    zh = step_text(step, "increasing", "zh")
    assert chinese in zh and not re.search(r"[A-Za-z]", zh), zh


def test_the_km2_sentence_has_a_chinese_text_too():
    scenario = scenario_from_dict(cap_scenario())
    answer = solve(scenario, "six", 0.8, parse_lever("pathways.p.annual_cap=0.5:5", scenario),
                   replications=20)
    en, zh = answer_details(answer, "en"), answer_details(answer, "zh")
    assert en == [f"There the target counts {answer.mean_km2:.1f} km² on average (of 6 km²)."]
    assert zh == [f"该处目标平均计入{answer.mean_km2:.1f}平方公里（目标6平方公里）。"]
