"""Backtests: PIT, interval coverage and CRPS against closed forms; cases files; the CLI."""

import json
import math

import numpy as np
import pytest
from conftest import ROOT

from simulator import cli, load_scenario
from simulator.study.backtest import Case, CaseResult, Quantity

FIXED = ROOT / "scenarios" / "history" / "renewal-2019.yaml"


def result(forecast, observed, reference=1.0):
    case = Case(name="c", scenario="x.yaml", quantity=Quantity(years=[2019]),
                observed=observed)
    return CaseResult(case, load_scenario(FIXED), np.asarray(forecast, dtype=float), reference)


def test_crps_is_the_ensemble_energy_form():
    rng = np.random.default_rng(1)
    x, y = rng.gamma(2.0, 1.0, 400), 1.7
    expected = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert abs(result(x, y).crps - expected) < 0.01 * expected
    # a point forecast: CRPS = |x − y|, the reference's own score
    assert abs(result(np.full(50, 2.0), 1.5).crps - 0.5) < 1e-12
    assert result(np.full(50, 2.0), 1.5, reference=2.0).crps_reference == 0.5


def test_outcomes_drawn_from_the_forecast_have_uniform_pit_and_nominal_coverage():
    rng = np.random.default_rng(7)
    M = 400
    forecast = rng.lognormal(0.0, 0.5, 4000)
    rows = [result(forecast, float(rng.lognormal(0.0, 0.5))) for _ in range(M)]
    pits = np.array([r.pit for r in rows])
    assert abs(pits.mean() - 0.5) < 4 * math.sqrt(1 / 12 / M)
    for level in (0.5, 0.8, 0.95):
        cover = np.mean([r.covered(level) for r in rows])
        assert abs(cover - level) < 4 * math.sqrt(level * (1 - level) / M)


def test_pit_of_an_outcome_above_every_draw_is_one_and_of_a_tie_is_a_half():
    assert result([1.0, 2.0], 5.0).pit == 1.0
    assert result([1.0, 1.0], 1.0).pit == 0.5


def test_shipped_history_backtest_writes_scores_that_agree_with_its_cases(tmp_path, capsys):
    out = tmp_path / "bt"
    assert cli.main(["backtest", str(ROOT / "scenarios" / "history" / "cases.yaml"), "-n", "500",
                     "--out", str(out)]) == 0
    data = json.loads((out / "backtest.json").read_text())
    cases = data["cases"]
    assert data["n_cases"] == len(cases) >= 6
    # a censored outcome (published only as exceeded) has no PIT, interval or CRPS
    point = [c for c in cases if not c["censored"]]
    assert data["n_censored"] == len(cases) - len(point) == 2  # 2011 re-read, 2022 exceeded
    assert all(c["crps"] is None and c["pit"] is None for c in cases if c["censored"])
    crps = np.mean([c["crps"] for c in point])
    ref = np.mean([c["crps_reference"] for c in point])
    assert abs(data["skill"] - (1 - crps / ref)) < 1e-12
    outside = np.mean([c["crps_reference_class"] for c in point])
    assert abs(data["skill_reference_class"] - (1 - crps / outside)) < 1e-12
    assert abs(data["coverage"]["80"] - np.mean([c["in80"] for c in point])) < 1e-12
    assert sum(data["pit_histogram"]["counts"]) == len(point)
    # the naive reference is the plan for the quantity: renewal 2019's target
    assert next(c for c in cases if c["case"] == "renewal-2019")["reference"] == 2.45
    assert "skill" in capsys.readouterr().out


@pytest.mark.parametrize("change,message", [
    ("quantity: {years: [2019], pathways: [renewal]}",
     "quantity: {years: [1990], pathways: [renewal]}"),
    ("quantity: {years: [2019], pathways: [renewal]}",
     "quantity: {years: [2019], pathways: [renewl]}"),
    ("scenario: renewal-2019.yaml", "scenario: nowhere.yaml"),
])
def test_a_bad_case_exits_2_with_file_line_and_key(tmp_path, capsys, change, message):
    src = (ROOT / "scenarios" / "history" / "cases.yaml").read_text()
    bad = tmp_path / "cases.yaml"
    bad.write_text(src.replace(change, message, 1))
    for f in (ROOT / "scenarios" / "history").glob("*.yaml"):
        if f.name != "cases.yaml":
            (tmp_path / f.name).write_text(f.read_text())
    assert cli.main(["backtest", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "cases[0]" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


LOO_CASES = """
name: small
replications: 400
priors:
  pathways.renewal.stages[0].dropout: {dist: uniform, min: 0.0, max: 0.5}
  correlation.pathway_factor_sigma: {dist: uniform, min: 0.1, max: 0.5}
cases:
  - {name: r19, scenario: HIST/renewal-2019.yaml, quantity: {years: [2019], pathways: [renewal]}, observed: 2.6, related: {r21: same programme}}
  - {name: r21, scenario: HIST/renewal-2021.yaml, quantity: {years: [2021], pathways: [renewal]}, observed: 3.2}
  - {name: s21, scenario: HIST/industrial-supply-2021.yaml, quantity: {years: [2021], pathways: [supply]}, observed: 3.07, related: {own-outcome: back-calculated}}
"""


@pytest.mark.slow
def test_leave_one_out_writes_the_loo_block(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(LOO_CASES.replace("HIST", str(ROOT / "scenarios" / "history")))
    out = tmp_path / "bt"
    assert cli.main(["backtest", str(cases), "--loo", "--draws", "200",
                     "--forecast-replications", "300", "--workers", "1", "-q",
                     "--out", str(out)]) == 0
    data = json.loads((out / "backtest.json").read_text())
    assert data["n_cases"] == len(data["cases"]) == 3  # the contract: a list of cases
    loo = data["loo"]
    for key in ("mean_pit", "coverage80", "brier"):
        assert 0 <= loo[key] <= 1, key
    assert loo["crps"] >= 0 and len(loo["cases"]) == 3 and "in_sample" in data
    assert loo["coverage80_ci95"][0] <= loo["coverage80"] <= loo["coverage80_ci95"][1]
    assert data["independence"]["pairs"] == [{"cases": ["r19", "r21"], "why": "same programme"}]
    assert data["independence"]["target_from_outcome"] == {"s21": "back-calculated"}
    assert (out / "charts" / "reliability.png").is_file()
    assert "Out of sample" in capsys.readouterr().out


def test_loo_without_priors_exits_2(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    text = LOO_CASES.replace("HIST", str(ROOT / "scenarios" / "history"))
    cases.write_text(text.split("priors:")[0] + "cases:" + text.split("cases:")[1])
    assert cli.main(["backtest", str(cases), "--loo", "--out", str(tmp_path / "x")]) == 2
    assert "needs priors" in capsys.readouterr().err


def test_a_related_case_that_does_not_exist_exits_2(tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(LOO_CASES.replace("HIST", str(ROOT / "scenarios" / "history"))
                     .replace("related: {r21:", "related: {nope:"))
    assert cli.main(["backtest", str(cases), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "'nope' is not another case" in err and f"{cases}:" in err
