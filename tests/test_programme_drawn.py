"""A drawn programme (the ratio of pipeline to plan, per replication) against closed forms.

With fixed durations and drop-out d, a pathway whose year has n projects and whose ratio r
is drawn releases Bin(⌈r·n⌉, 1 − d) projects; r = 1 is today's run bit for bit; both engines
agree replication for replication. Tolerances: 4 Monte Carlo standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator import scenario_from_dict, simulate
from simulator.inputs.errors import ScenarioError
from simulator.inputs.programme import programme_draw, programme_most
from simulator.model.ceiling import target_ceilings
from simulator.model.engines import get_engine
from simulator.model.layout import build_layout
from simulator.model.sampling import draw_chunk

N = 4000


def scenario(programme=None, *, n: int = 8, dropout: float = 0.2, **extra) -> dict:
    p = {"plan": {2025: 1.0}, "projects": n,
         "stages": [{"name": "s", "duration": 1.0, "dropout": dropout}]}
    if programme is not None:
        p["programme"] = programme
    return {"name": "drawn", "horizon": {"start": 2020, "end": 2040},
            "targets": [{"name": "all", "by": 2040, "km2": 1.0}], "pathways": {"p": p}, **extra}


def both_engines(data: dict, size: int = 400, seed: int = 3):
    layout = build_layout(scenario_from_dict(data))
    draws = draw_chunk(layout, seed, 0, size)
    fast = get_engine("fast")(layout, draws)
    des = get_engine("des")(layout, draws)
    np.testing.assert_allclose(fast.annual, des.annual, atol=1e-9)
    return fast, draws, layout


def test_a_ratio_of_one_is_the_plain_run_bit_for_bit():
    plain = simulate(scenario_from_dict(scenario()), replications=2000, seed=7)
    one = simulate(scenario_from_dict(scenario({"dist": "fixed", "value": 1.0})),
                   replications=2000, seed=7)
    assert np.array_equal(plain.annual, one.annual)
    assert np.array_equal(plain.dropped, one.dropped)


def test_released_projects_are_binomial_with_the_ceiling_of_r_times_n():
    # r is 0.5 or 1.6 with equal odds: ⌈4⌉ = 4 or ⌈12.8⌉ = 13 projects of 1/8 km² each
    n, d = 8, 0.2
    data = scenario({"dist": "empirical", "values": [0.5, 1.6]}, n=n, dropout=d)
    result = simulate(scenario_from_dict(data), replications=N, seed=11)
    count = np.rint(result.annual.sum(axis=(1, 2)) * n).astype(int)
    pmf = 0.5 * stats.binom(4, 1 - d).pmf(np.arange(14)) + 0.5 * stats.binom(13, 1 - d).pmf(
        np.arange(14))
    observed = np.bincount(count, minlength=14)
    assert count.max() <= 13  # never more than ⌈1.6 · 8⌉
    for k in range(14):
        se = math.sqrt(pmf[k] * (1 - pmf[k]) / N)
        assert abs(observed[k] / N - pmf[k]) <= 4 * se + 1e-12, k


def test_an_uncertain_programme_number_carries_ceil_theta_n_projects_in_each_replication():
    data = scenario(1.0, dropout=0.0, uncertain={"pathways.p.programme": {
        "dist": "uniform", "min": 0.3, "max": 2.4}})
    fast, draws, layout = both_engines(data)
    theta = draws.params[:, 0]
    np.testing.assert_array_equal(draws.programme[:, 0], theta)
    count = np.rint(fast.annual.sum(axis=(1, 2)) * 8).astype(int)
    np.testing.assert_array_equal(count, np.ceil(theta * 8 - 1e-9).astype(int))
    assert layout.n_projects == math.ceil(2.4 * 8)  # the reserve the prior's top needs


def test_a_drawn_programme_applies_to_the_status_pipeline_too():
    data = scenario({"dist": "fixed", "value": 2.0}, dropout=0.0)
    data["pathways"]["p"]["plan"] = {2021: 1.0, 2025: 1.0}
    data["status"] = {"as_of": 2023, "released": {2021: {"p": 1.0}, 2022: {"p": 0.0}},
                      "pipeline": [{"pathway": "p", "stage": "s", "km2": 0.5, "projects": 4,
                                    "since": 2022.5}]}
    fast, _, _ = both_engines(data)
    # 8 pipeline projects of 0.125 km² (2 × 4) and 2 × the rest of the plan (0.5 km²) land
    np.testing.assert_allclose(fast.annual.sum(axis=(1, 2)), 1.0 + 2 * 0.5 + 2 * 0.5)


def test_its_median_and_sigma_may_be_uncertain_and_scale_the_same_draws():
    base = {"dist": "lognormal", "median": 1.2, "sigma": 0.3}
    data = scenario(base, uncertain={"pathways.p.programme.median": {
        "dist": "uniform", "min": 1.0, "max": 2.0}})
    _, draws, layout = both_engines(data)
    assert programme_draw(layout.scenario, "p").most == 5.0  # lognormal: the cap
    plain = draw_chunk(build_layout(scenario_from_dict(scenario(base))), 3, 0, 400)
    np.testing.assert_allclose(draws.programme[:, 0],
                               np.minimum(plain.programme[:, 0] * draws.params[:, 0] / 1.2, 5.0))


def test_the_scenario_wide_distribution_is_drawn_per_pathway():
    data = scenario()
    data["pathways"]["q"] = dict(data["pathways"]["p"])
    data["programme"] = {"dist": "uniform", "min": 0.5, "max": 2.0}
    _, draws, _ = both_engines(data)
    assert not np.array_equal(draws.programme[:, 0], draws.programme[:, 1])
    assert programme_most(scenario_from_dict(data), "q") == 2.0


def test_the_ceiling_counts_the_largest_pipeline():
    data = scenario({"dist": "uniform", "min": 0.5, "max": 2.0}, dropout=0.5)
    data["targets"][0]["km2"] = 1.9
    ceiling = target_ceilings(scenario_from_dict(data))[0]
    assert abs(ceiling.ceiling_km2 - 2.0) < 1e-9 and not ceiling.impossible


@pytest.mark.parametrize("programme,uncertain,message", [
    ({"dist": "uniform", "min": -1, "max": 2}, {}, "at least 0"),
    (1.5, {"pathways.p.programme.median": {"dist": "uniform", "min": 1, "max": 2}},
     "cannot be uncertain"),
    ({"dist": "lognormal", "median": 1.2, "sigma": 0.3},
     {"pathways.p.programme.mode": {"dist": "uniform", "min": 1, "max": 2}}, "sigma"),
])
def test_bad_programmes_are_refused_at_their_key_path(programme, uncertain, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(scenario(programme, uncertain=uncertain))
    assert message in str(err.value)
