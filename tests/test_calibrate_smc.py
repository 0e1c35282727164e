"""Sequential calibration (smc): the proposal's density and the prior map against closed
forms, the same posterior as importance sampling with more effective draws, determinism
over workers and resumes, and the calibration's warnings (an observed 0, a posterior piled
at a prior bound, observations the posterior predictive does not cover)."""

import math

import numpy as np
import pytest
from conftest import ROOT, scenario
from pydantic import TypeAdapter
from scipy import stats
from test_calibrate import CAP as BASE
from test_calibrate import with_observed

from simulator import cli, load_scenario
from simulator.inputs.distributions import Distribution
from simulator.inputs.errors import RunConfigError, ScenarioError
from simulator.run.backends import LocalBackend
from simulator.study.calibrate import calibrate, resolve_method
from simulator.study.calibrate_smc import (
    Proposal,
    combine_generations,
    generation_chunks,
    to_theta,
    to_z,
)

CAP = (BASE.replace("stages: [{name: s, duration: 0.5}]",
                   "stages: [{name: s, duration: 0.5, dropout: 0.3}]")
       + "  pathways.a.stages[0].dropout: {dist: uniform, min: 0, max: 0.8}\n")
CAPPED = scenario(BASE)  # release each year = the cap (plenty waiting, none drop out)


def test_the_proposal_density_is_the_prior_and_student_t_mixture():
    rng = np.random.default_rng(0)
    k = 3
    a = rng.standard_normal((k, k))
    chol = np.linalg.cholesky(a @ a.T + np.eye(k))
    mean = np.array([0.5, -1.0, 2.0])
    q = Proposal(mean, chol, 0.1, df=6.0)
    z = rng.standard_normal((50, k)) * 2
    t = stats.multivariate_t(loc=mean, shape=chol @ chol.T, df=6.0).logpdf(z)
    n = stats.multivariate_normal(np.zeros(k), np.eye(k)).logpdf(z)
    expected = np.log(0.1 * np.exp(n) + 0.9 * np.exp(t))
    np.testing.assert_allclose(q.log_density(z), expected, rtol=1e-10)
    # and its draws follow it: the mean of 200,000 draws, within 5 standard errors
    draws = q.sample(np.random.default_rng(1), 200_000)
    cov = 0.9 * chol @ chol.T * 6 / 4 + 0.1 * np.eye(k) + 0.09 * np.outer(mean, mean)
    se = np.sqrt(np.diag(cov) / draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - 0.9 * mean) < 5 * se)


@pytest.mark.parametrize("spec", [
    {"dist": "uniform", "min": 2, "max": 6},
    {"dist": "lognormal", "median": 3.0, "sigma": 0.4},
    {"dist": "beta", "mean": 0.2, "sd": 0.1},
    {"dist": "triangular", "min": 0, "mode": 0.1, "max": 0.5},
])
def test_the_prior_maps_to_a_standard_normal_and_back(spec):
    dist = TypeAdapter(Distribution).validate_python(spec).to_scipy()
    z = np.random.default_rng(2).standard_normal((20_000, 1))
    theta = to_theta([dist], z)
    # a standard normal through the map is a draw from the prior (KS at 20,000 draws)
    assert stats.kstest(theta[:, 0], dist.cdf).pvalue > 1e-3
    np.testing.assert_allclose(to_z([dist], theta), z, atol=1e-6)


def test_pooled_generations_have_the_sum_of_their_effective_sizes():
    rng = np.random.default_rng(3)
    log_w = rng.standard_normal(3000) * 2
    generation = np.repeat([0, 1, 2], 1000)
    w = combine_generations(log_w, generation)
    each = []
    for g in range(3):
        v = np.exp(log_w[generation == g] - log_w[generation == g].max())
        each.append(v.sum() ** 2 / np.sum(v * v))
    assert abs(w.sum() - 1) < 1e-12
    assert 1 / np.sum(w * w) == pytest.approx(sum(each), rel=1e-9)


def test_generations_split_the_chunks_in_order():
    assert generation_chunks(100) == [list(range(i, i + 10)) for i in range(0, 100, 10)]
    assert generation_chunks(3) == [[0], [1], [2]]
    assert sum(generation_chunks(23), []) == list(range(23))
    assert len(generation_chunks(23)) >= 5


def test_smc_gives_the_importance_posterior_with_more_effective_draws():
    s = with_observed(scenario(CAP), {2022: {"a": 2.2}, 2023: {"a": 2.2}}, {"sd": 0.03})
    smc = calibrate(s, replications=30_000, seed=5, method="smc")
    imp = calibrate(s, replications=30_000, seed=5, method="importance")
    assert smc.method == "smc" and imp.method == "importance"
    a, b = smc.posterior(), imp.posterior()
    err = np.maximum(a.posterior_sd, b.posterior_sd) * math.sqrt(1 / smc.ess + 1 / imp.ess)
    assert np.all(np.abs(a.posterior_mean - b.posterior_mean) < 4 * err)
    assert smc.ess > 3 * imp.ess
    # generation 0 is plain prior draws: the prior's figures come from it alone
    assert smc.prior_count == smc.history[0]["draws"]
    assert a.prior_p10[0] == pytest.approx(1.4, abs=0.1)


def test_smc_is_the_same_for_any_worker_count_and_after_a_resume(tmp_path):
    s = with_observed(scenario(CAP), {2022: {"a": 2.5}}, {"relative": 0.1})
    one = calibrate(s, replications=12_000, seed=3, backend=LocalBackend(1), method="smc")
    two = calibrate(s, replications=12_000, seed=3, backend=LocalBackend(2),
                    store_folder=tmp_path / "blocks", method="smc")
    np.testing.assert_array_equal(one.params, two.params)
    np.testing.assert_array_equal(one.weight, two.weight)
    gens = sorted((tmp_path / "blocks" / "generations").glob("*.npz"))
    assert len(gens) == len(one.history) == 6
    for path in gens[3:]:
        path.unlink()  # interrupted after generation 2
    gens[1].write_bytes(b"damaged")
    heard, done = [], []
    again = calibrate(s, replications=12_000, seed=3, store_folder=tmp_path / "blocks",
                      progress=done.append, notice=heard.append, method="smc")
    np.testing.assert_array_equal(one.weight, again.weight)
    assert len(heard) == 1 and "block 1" in heard[0]
    assert sum(done) == 12_000


def test_a_posterior_file_prior_falls_back_to_importance_sampling():
    plan = load_scenario(ROOT / "scenarios" / "plan-2024.yaml")
    assert resolve_method(plan, "auto") == "importance"
    with pytest.raises(RunConfigError, match="--method importance"):
        resolve_method(plan, "smc")
    assert resolve_method(load_scenario(ROOT / "scenarios/history/city-2019-2021.yaml"),
                          "auto") == "smc"


def test_a_relative_error_of_an_observed_zero_needs_a_floor(tmp_path, capsys):
    with pytest.raises(ScenarioError, match="floor"):
        with_observed(scenario(CAP), {2022: {"a": 0.0}}, {"relative": 0.1})
    s = with_observed(scenario(CAP), {2022: {"a": 0.0}, 2023: {"a": 2.0}},
                      {"relative": 0.1, "floor": 0.05})
    assert s.observed.error.sd_of(0.0) == 0.05 and s.observed.error.sd_of(2.0) == 0.2
    path = tmp_path / "zero.yaml"
    path.write_text(CAP + "observed:\n  release: {2022: {a: 0}}\n  error: {relative: 0.1}\n",
                    encoding="utf-8")
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "floor" in err and "observed" in err and "Traceback" not in err


def test_a_posterior_piled_at_a_prior_bound_is_said_to_be():
    # release = the cap; observed 1.05 against a prior cap of 1–5: the posterior sits at 1
    s = with_observed(CAPPED, {2022: {"a": 1.05}}, {"sd": 0.1})
    found = calibrate(s, replications=10_000, seed=0)
    piles = found.piling()
    assert [(p["parameter"], p["end"], p["bound"]) for p in piles] == [
        ("pathways.a.annual_cap", "low", 1.0)]
    assert piles[0]["share"] > 0.5
    assert "lower end" in " ".join(found.advice())
    assert "下端" in " ".join(found.notes("zh"))
    # an interior posterior does not pile
    inside = with_observed(scenario(CAP), {2022: {"a": 2.5}}, {"sd": 0.1})
    assert calibrate(inside, replications=10_000, seed=0).piling() == []


def test_the_posterior_predictive_check_flags_figures_the_model_cannot_reproduce():
    fits = with_observed(scenario(CAP), {2022: {"a": 2.4}}, {"relative": 0.1})
    found = calibrate(fits, replications=10_000, seed=1)
    assert [c["inside_95"] for c in found.check] == [True]
    assert 0.05 < found.check[0]["pit"] < 0.95
    # release = the cap each year: 3.0, 1.0, 3.0 km² (error 0.45) is consistent with a cap
    # of about 2.3, whose predictive (sd ≈ 0.5) puts 1.0 below its 2.5 % point
    clash = with_observed(CAPPED, {2022: {"a": 3.0}, 2023: {"a": 1.0}, 2024: {"a": 3.0}},
                          {"sd": 0.45})
    found = calibrate(clash, replications=10_000, seed=1)
    assert found.consistent
    assert [c["inside_95"] for c in found.check] == [True, False, True]
    assert "outside the central 95%" in " ".join(found.advice())
