"""Leave-one-out backtests on real posteriors: the likelihood estimate, censored outcomes,
the reference-class forecast and the effective-draws rule."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import ROOT
from scipy import stats
from test_backtest import LOO_CASES, result

from simulator import cli
from simulator.study.backtest import (
    AtLeast,
    Case,
    CaseResult,
    Quantity,
    load_cases,
    scores,
    with_reference_class,
)
from simulator.study.loo import _loglik, _Target, case_seed, run_loo


def test_the_likelihood_is_the_mean_kernel_over_each_thetas_simulations():
    q = np.array([1.0, 1.2, 0.8, 2.0, 1.0, 1.1])  # two θ, three simulations each
    point = _loglik(q, _Target(1.0, 0.1, False), 3)
    kernel = np.exp(-0.5 * ((q - 1.0) / 0.1) ** 2).reshape(2, 3).mean(axis=1)
    np.testing.assert_allclose(point, np.log(kernel), rtol=1e-12)
    # a censored outcome (at least 1.0): P(simulated + error ≥ 1.0) = Φ((q − 1.0) / σ)
    censored = _loglik(q, _Target(1.0, 0.1, True), 3)
    np.testing.assert_allclose(censored, np.log(stats.norm.cdf((q - 1.0) / 0.1)
                                                 .reshape(2, 3).mean(axis=1)), rtol=1e-9)
    # far below the floor the log keeps its digits where the kernel itself underflows
    deep = _loglik(np.array([-30.0]), _Target(1.0, 0.1, True), 1)
    assert np.isfinite(deep).all() and deep[0] < -4000


def test_a_censored_outcome_has_no_pit_or_crps_and_counts_in_the_brier_score():
    rows = [result([1.0, 2.0, 3.0], 2.5, reference=2.0)]
    case = Case(name="c2", scenario="x.yaml", quantity=Quantity(years=[2019]),
                observed=AtLeast(at_least=2.0))
    rows.append(CaseResult(case, rows[0].scenario, np.array([1.0, 2.0, 3.0, 4.0]), 2.0))
    assert math.isnan(rows[1].pit) and math.isnan(rows[1].crps) and rows[1].covered(0.8) is None
    s = scores(rows)
    assert s["n_censored"] == 1 and s["n_point"] == 1
    assert s["mean_pit"] == rows[0].pit
    # Brier over both: P(met) 2/3 and 3/4, both met
    assert s["brier"] == pytest.approx(((2 / 3 - 1) ** 2 + (3 / 4 - 1) ** 2) / 2)


def test_the_reference_class_is_the_other_cases_outcome_over_plan_times_this_plan():
    rows = [result([1.0], 2.0, reference=1.0), result([1.0], 3.0, reference=2.0),
            result([1.0], 1.0, reference=4.0)]
    rows = [CaseResult(r.case.model_copy(update={"name": f"c{i}"}), r.scenario, r.forecast,
                       r.reference) for i, r in enumerate(rows)]
    out = with_reference_class(rows)
    np.testing.assert_allclose(np.sort(out[0].outside), [0.25, 1.5])  # ratios 1.5, 0.25 × 1
    np.testing.assert_allclose(np.sort(out[2].outside), [6.0, 8.0])  # ratios 2.0, 1.5 × 4
    inside = with_reference_class(rows, own=True)
    assert inside[1].outside.size == 3
    # its CRPS is the ensemble CRPS of those values
    x, y = out[2].outside, 1.0
    expected = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert out[2].crps_reference_class == pytest.approx(expected)


def test_each_case_has_a_seed_of_its_own():
    assert len({case_seed(0, i) for i in range(20)}) == 20
    assert case_seed(0, 3) == case_seed(0, 3) != case_seed(1, 3)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loo")
    cases = folder / "cases.yaml"
    cases.write_text(LOO_CASES.replace("HIST", str(ROOT / "scenarios" / "history")))
    return load_cases(cases)


@pytest.mark.slow
def test_every_scored_case_rests_on_its_minimum_of_effective_draws(small):
    spec, scenarios = small
    found = run_loo(spec, scenarios, seed=2, forecast_replications=300, draws=200,
                    particles=300, min_ess=60, max_generations=6)
    for r in found.loo:
        assert found.ess[r.case.name] >= 60
    assert set(found.refused) | {r.case.name for r in found.loo} == {c.name for c in spec.cases}
    for name, why in found.refused.items():
        assert found.ess[name] < 60 and "effective draws" in why
    assert found.history[-1]["least_ess"] >= 60 or len(found.history) == 6
    # the workers never change the answer
    again = run_loo(spec, scenarios, seed=2, forecast_replications=300, draws=200,
                    particles=300, min_ess=60, max_generations=6, workers=2)
    assert found.ess == again.ess
    for a, b in zip(found.loo, again.loo, strict=True):
        np.testing.assert_array_equal(a.forecast, b.forecast)


@pytest.mark.slow
def test_a_case_short_of_its_effective_draws_is_refused_and_said(small, tmp_path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(LOO_CASES.replace("HIST", str(ROOT / "scenarios" / "history")))
    out = tmp_path / "bt"
    # an effective-draws bar no 200 draws can clear: every held-out case is refused
    assert cli.main(["backtest", str(cases), "--loo", "--particles", "100", "--min-ess",
                     "100000", "--draws", "100", "--forecast-replications", "200",
                     "--workers", "1", "-q", "--out", str(out)]) == 0
    data = json.loads((out / "backtest.json").read_text())
    assert set(data["loo"]["refused"]) == {"r19", "r21", "s21"}
    assert data["loo"]["cases"] == [] and data["loo"]["mean_pit"] is None
    assert len(data["in_sample"]["cases"]) == 3
    assert "Not scored out of sample" in capsys.readouterr().out
