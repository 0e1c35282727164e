"""What a study must refuse before it spends anything: goal-seeking on a lever that changes
the layout or on a target that is history, and a backtest whose cases share a name."""

import time

import pytest
from conftest import ROOT

from simulator.cli import main


@pytest.mark.parametrize("scenario, target, lever, words", [
    ("baseline", "binding-2025", "pathways.renewal.projects.count=100:300", "changes the layout"),
    ("baseline", "binding-2025", "horizon.end=2035:2040", "changes the layout"),
    ("status-2026", "batch-1", "pathways.consolidation.annual_cap=3:8",
     "met or missed (observed)"),
])
def test_solve_refuses_what_it_cannot_answer(tmp_path, capsys, scenario, target, lever, words):
    began = time.process_time()
    code = main(["solve", str(ROOT / "scenarios" / f"{scenario}.yaml"), "--target", target,
                 "--probability", "0.5", "--lever", lever, "--out", str(tmp_path / "s"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "Traceback" not in err, err
    assert time.process_time() - began < 5 and not (tmp_path / "s").exists()


def test_a_lever_that_keeps_the_layout_is_accepted():
    from simulator import load_scenario
    from simulator.study.solve import parse_lever

    scn = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    lever = parse_lever("pathways.consolidation.annual_cap=2:6", scn)
    assert (lever.low, lever.high) == (2.0, 6.0)


def test_backtest_cases_need_names_of_their_own(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    case = ("{name: a, scenario: %s, quantity: {years: [2019], pathways: [renewal]}, "
            "observed: 2.6}" % (ROOT / "scenarios" / "history" / "renewal-2019.yaml"))
    cases.write_text(f"name: dup\ncases:\n  - {case}\n  - {case}\n")
    assert main(["backtest", str(cases), "--out", str(tmp_path / "b"), "-q"]) == 2
    assert "two cases are named 'a'" in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["discover", "scenarios/plan-2024.yaml", "--target", "batch-3", "--samples", "10000000",
      "-n", "1"], "10,000,000 points to evaluate; at most 1,000,000"),
    (["discover", "scenarios/plan-2024.yaml", "--target", "batch-3", "--samples", "900000",
      "-n", "1000"], "above the about 4.0 h a study may take"),
    (["solve", "scenarios/baseline.yaml", "--target", "binding-2025", "--probability", "0.5",
      "--lever", "pathways.consolidation.annual_cap=2:8", "--lever",
      "pathways.renewal.annual_cap=0.5:3", "--points", "100000", "--workers", "1"],
     # 100,000 answers × (17 scan + 34 refinement + 3 brackets × 2 trisections of 2 points
     # to a hundredth)
     "6,300,000 points"),
])
def test_a_study_beyond_its_cost_ceiling_is_refused_before_it_starts(tmp_path, capsys, argv,
                                                                      words):
    argv = [a if not a.startswith("scenarios/") else str(ROOT / a) for a in argv]
    began = time.monotonic()
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err, err
    assert time.monotonic() - began < 5 and not (tmp_path / "o").exists()


def test_validate_says_what_a_run_will_cost(capsys):
    assert main(["validate", str(ROOT / "scenarios" / "buffered-programme.yaml")]) == 0
    out = capsys.readouterr().out
    assert "cost: 2,000 replications ≈" in out and "project-stage steps" in out
    assert "about 4 engine passes" in out  # replacements once: the engine iterates


def test_the_estimate_grows_with_the_work():
    from simulator import load_scenario
    from simulator.run.cost import estimate_run

    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    one, ten = estimate_run(base, 1000), estimate_run(base, 10_000)
    assert ten.steps == 10 * one.steps and ten.seconds > 5 * one.seconds
    plan = estimate_run(load_scenario(ROOT / "scenarios" / "plan-2024.yaml"), 1000)
    assert plan.passes == 2  # the first pass, then the office's reviews and what they start
