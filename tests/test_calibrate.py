"""Calibration (ABC with a Gaussian observation-error kernel): an analytic posterior,
simulation-based calibration, concentration, determinism, resume, and the CLI."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, scenario

from simulator import cli, scenario_from_dict, simulate
from simulator.inputs.errors import RunConfigError
from simulator.run.backends import LocalBackend
from simulator.study.calibrate import calibrate

CAP = """
name: cap
horizon: {start: 2022, end: 2024}
targets: [{name: t, by: 2024, km2: 9}]
pathways:
  a:
    plan: {2022: 10.0, 2023: 10.0, 2024: 10.0}
    projects: 30
    stages: [{name: s, duration: 0.5}]
    annual_cap: 3.0
uncertain:
  pathways.a.annual_cap: {dist: uniform, min: 1, max: 5}
"""


def with_observed(s, release: dict, error: dict):
    data = s.resolved()
    data["observed"] = {"release": release, "error": error}
    return scenario_from_dict(data)


def test_posterior_is_the_prior_restricted_to_the_observation_window():
    # release each year = the cap (plenty waiting); observed 3.0 ± 0.1 with a flat prior on
    # [1, 5]: the posterior is that prior times the N(3, 0.1) window — mean 3, sd 0.1
    s = with_observed(scenario(CAP), {2022: {"a": 3.0}}, {"sd": 0.1})
    found = calibrate(s, replications=40_000, seed=1)
    post = found.posterior().iloc[0]
    se = 0.1 / math.sqrt(found.ess)
    assert abs(post.posterior_mean - 3.0) < 4 * se
    assert abs(post.posterior_sd - 0.1) < 0.015
    assert abs(post.posterior_p10 - (3.0 - 1.2816 * 0.1)) < 0.02
    assert abs(post.prior_mean - 3.0) < 1e-12 and found.consistent


def test_posterior_concentrates_as_observations_are_added():
    base = scenario(CAP.replace("stages: [{name: s, duration: 0.5}]",
                                "stages: [{name: s, duration: 0.5, dropout: 0.5}]")
                    + "  pathways.a.stages[0].dropout: {dist: uniform, min: 0, max: 0.9}\n")
    sds = []
    for years in ([2022], [2022, 2023], [2022, 2023, 2024]):
        s = with_observed(base, {y: {"a": 2.5} for y in years}, {"relative": 0.1})
        sds.append(calibrate(s, replications=20_000, seed=4).posterior().posterior_sd[0])
    assert sds[0] > sds[1] > sds[2]


@pytest.mark.slow  # statistical: make test runs it
def test_simulation_based_calibration_covers_the_truth_80_percent_of_the_time():
    base = scenario(CAP.replace("stages: [{name: s, duration: 0.5}]",
                                "stages: [{name: s, duration: {dist: lognormal, median: 1, "
                                "sigma: 0.6}, dropout: 0.3}]")
                    + "  pathways.a.stages[0].dropout: {dist: uniform, min: 0, max: 0.8}\n")
    M = 60
    truth = simulate(with_observed(base, {2023: {"a": 1.0}}, {"relative": 0.1}),
                     replications=M, seed=12345)
    rng = np.random.default_rng(0)
    hits = np.zeros(2, dtype=int)
    for m in range(M):
        sim = truth.annual[m]
        # the error model itself: observed = simulated + N(0, 0.2²)
        obs = {y: {"a": float(max(sim[y - 2022, 0] + 0.2 * rng.standard_normal(), 0.0))}
               for y in (2022, 2023)}
        s = with_observed(base, obs, {"sd": 0.2})
        post = calibrate(s, replications=3000, seed=m).posterior()
        for k in range(2):
            hits[k] += post.posterior_p10[k] <= truth.params[m, k] <= post.posterior_p90[k]
    tolerance = 3 * math.sqrt(0.8 * 0.2 / M)
    assert np.all(np.abs(hits / M - 0.8) < tolerance), hits / M


def test_any_worker_count_and_a_resumed_run_give_the_same_posterior(tmp_path):
    s = with_observed(scenario(CAP), {2022: {"a": 3.0}}, {"relative": 0.1})
    one = calibrate(s, replications=25_000, seed=3, backend=LocalBackend(1),
                    method="importance")
    two = calibrate(s, replications=25_000, seed=3, backend=LocalBackend(2),
                    store_folder=tmp_path / "blocks", method="importance")
    np.testing.assert_array_equal(one.params, two.params)
    np.testing.assert_array_equal(one.weight, two.weight)
    (tmp_path / "blocks" / "000001.npz").unlink()  # as if interrupted before block 1 ended
    done = []
    again = calibrate(s, replications=25_000, seed=3, store_folder=tmp_path / "blocks",
                      progress=done.append, method="importance")
    np.testing.assert_array_equal(one.weight, again.weight)
    assert sorted(done) == [5000, 10_000, 10_000]  # two blocks loaded, one run


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_posterior_as_one_process():
    pytest.importorskip("distributed")
    from simulator.run.backends import DaskBackend

    s = with_observed(scenario(CAP), {2022: {"a": 3.0}}, {"relative": 0.1})
    one = calibrate(s, replications=20_000, seed=4, backend=LocalBackend(1))
    dask = calibrate(s, replications=20_000, seed=4, backend=DaskBackend("local:2"))
    np.testing.assert_array_equal(one.params, dask.params)
    np.testing.assert_array_equal(one.weight, dask.weight)


def test_observations_no_prior_value_can_reproduce_are_reported_as_such():
    s = with_observed(scenario(CAP), {2022: {"a": 9.0}}, {"relative": 0.05})  # cap ≤ 5
    found = calibrate(s, replications=5000, seed=0)
    assert not found.consistent
    assert "inconsistent" in found.advice()[0]


def test_a_forecast_gets_the_calibrations_weights(tmp_path):
    s = with_observed(scenario(CAP), {2022: {"a": 2.0}}, {"sd": 0.1})
    other = scenario(CAP.replace("name: cap", "name: other").replace("km2: 9", "km2: 7.5"))
    found = calibrate(s, replications=20_000, seed=2, forecasts=[other])
    # posterior cap ≈ 2: three years hand over ≈ 6 km² < 7.5, so the target is missed
    odds = found.forecast_odds("other")[0]
    assert odds["prior_probability"] > 0.5 and odds["posterior_probability"] < 0.01
    lo, hi = odds["posterior_ci95"]  # Wilson: not [0, 0] even when no draw meets it
    assert lo <= odds["posterior_probability"] < hi and hi > 0
    changed = scenario(CAP.replace("name: cap", "name: x").replace("max: 5", "max: 6"))
    with pytest.raises(RunConfigError, match="prior of pathways.a.annual_cap differs"):
        calibrate(s, replications=1000, forecasts=[changed])


@pytest.mark.slow
def test_cli_writes_the_posterior_table_and_report(tmp_path, capsys):
    out = tmp_path / "cal"
    path = ROOT / "scenarios" / "history" / "city-2019-2021.yaml"
    assert cli.main(["calibrate", str(path), "-n", "4000", "--workers", "1", "--out", str(out),
                     "-q"]) == 0
    post = pd.read_csv(out / "posterior.csv")
    for column in ("parameter", "prior_mean", "posterior_mean", "posterior_p10",
                   "posterior_p50", "posterior_p90"):
        assert column in post.columns
    summary = json.loads((out / "summary.json").read_text())
    draws = pd.read_parquet(out / "draws.parquet")
    from simulator.inputs.posterior import read_posterior

    paths, values, weights, meta = read_posterior(out / "posterior.parquet")
    assert paths == list(post.parameter) and weights is None and len(values) == 4000
    assert meta["seed"] == 0 and meta["scenario_sha256"] == summary["manifest"]["scenario_sha256"]
    assert len(draws) == summary["replications"] == 4000
    assert abs(draws.weight.sum() - 1) < 1e-9
    assert abs(summary["ess"] - 1 / (draws.weight ** 2).sum()) < 1e-6
    assert (out / "report.html").is_file() and "effective sample size" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.partial"))


def test_cli_refuses_a_scenario_without_observations(tmp_path, capsys):
    assert cli.main(["calibrate", str(ROOT / "scenarios" / "baseline-uncertain.yaml"),
                     "--out", str(tmp_path / "x")]) == 2
    assert "no observed" in capsys.readouterr().err


def test_a_forecast_under_the_posterior_draws_fresh_random_inputs():
    from simulator.model.layout import build_layout
    from simulator.model.sampling import draw_chunk
    from simulator.study.calibrate import forecast_seed, wilson

    noisy = CAP.replace("stages: [{name: s, duration: 0.5}]",
                        "stages: [{name: s, duration: {dist: lognormal, median: 0.5, "
                        "sigma: 0.5}, dropout: 0.2}]")
    s = with_observed(scenario(noisy), {2022: {"a": 2.0}}, {"sd": 0.1})
    other = scenario(noisy.replace("name: cap", "name: other").replace("km2: 9", "km2: 7.5"))
    found = calibrate(s, replications=3000, seed=2, forecasts=[other])
    fscn, met = found.predictive["other"]
    assert fscn.posterior is not None and met.shape == (3000, 1)
    # the forecast's shocks are not the calibration's: another seed, other draws
    assert forecast_seed(2) != 2
    cal = draw_chunk(build_layout(s), 2, 0, 500)
    new = draw_chunk(build_layout(fscn), forecast_seed(2), 0, 500)
    assert not np.allclose(cal.dropout_u, new.dropout_u)
    assert not np.allclose(cal.duration, new.duration)
    # its parameters are the posterior's: the mean cap ≈ the weighted posterior mean
    post = found.posterior().iloc[0]
    drawn = new.params[:, 0].mean()
    assert abs(drawn - post.posterior_mean) < 4 * post.posterior_sd / math.sqrt(500) + 0.01
    assert wilson(0.0, 100)[1] > 0.02 and wilson(1.0, 100)[0] < 0.98
