"""Programme levers against their closed forms: replacement, over-programming, scheduling.

Tolerances are 4 Monte Carlo standard errors (conftest.mc_tolerance for proportions).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import mc_tolerance
from scipy import stats

from simulator import scenario_from_dict, simulate
from simulator.inputs.errors import ScenarioError
from simulator.model.engines import get_engine
from simulator.model.layout import build_layout
from simulator.model.sampling import draw_chunk

N = 4000


def pathway(count: int, *, dropout: float, duration=1.0, km2=1.0, **levers) -> dict:
    return {"plan": {2025: km2}, "projects": count,
            "stages": [{"name": "s", "duration": duration, "dropout": dropout}], **levers}


def scenario(p: dict, *, target: float = 1.0, **extra) -> dict:
    return {"name": "levers", "horizon": {"start": 2020, "end": 2040},
            "targets": [{"name": "all", "by": 2040, "km2": target}], "pathways": {"p": p},
            **extra}


# ---------------------------------------------------------------- replacement


def test_one_replacement_delivers_one_minus_p_squared():
    p, n = 0.3, 50
    data = scenario(pathway(n, dropout=p, replacement={"delay": 0.5, "max": 1}))
    result = simulate(scenario_from_dict(data), replications=N, seed=4)
    share = result.annual.sum(axis=(1, 2))  # plan 1 km²: released km² is the share
    se = math.sqrt(p * p * (1 - p * p) / n / N)
    assert abs(share.mean() - (1 - p * p)) <= 4 * se
    # a lineage's area counts once: released + dropped = planned in every replication
    np.testing.assert_allclose(share + result.dropped[:, 0] + result.late[:, 0], 1.0)


def test_two_replacements_deliver_one_minus_p_cubed():
    p, n = 0.4, 50
    data = scenario(pathway(n, dropout=p, replacement={"delay": {"dist": "exponential",
                                                                 "mean": 0.5}, "max": 2}))
    share = simulate(scenario_from_dict(data), replications=N, seed=5).annual.sum(axis=(1, 2))
    se = math.sqrt(p**3 * (1 - p**3) / n / N)
    assert abs(share.mean() - (1 - p**3)) <= 4 * se


def test_a_budget_replaces_first_come_first_served():
    # k replacements fit the budget: delivered = (n − D) + Bin(min(D, k), 1 − p) projects
    p, n, k = 0.3, 20, 3
    size = 1.0 / n
    data = scenario(pathway(n, dropout=p, replacement={"delay": 0.5, "max": 1,
                                                       "budget_km2": k * size}))
    result = simulate(scenario_from_dict(data), replications=N, seed=6)
    delivered = np.rint(result.annual.sum(axis=(1, 2)) / size)
    drops = stats.binom(n, p)
    d = np.arange(n + 1)
    expected = n * (1 - p) + (1 - p) * np.sum(np.minimum(d, k) * drops.pmf(d))
    variance_bound = n / 4 + k  # loose: delivered counts are sums of bounded variables
    assert abs(delivered.mean() - expected) <= 4 * math.sqrt(variance_bound / N)
    # never more replaced than the budget: against the same draws without replacement
    # (replacements use streams of their own), each replication gains 0 to k projects
    plain = simulate(scenario_from_dict(scenario(pathway(n, dropout=p))), replications=N,
                     seed=6)
    gained = delivered - np.rint(plain.annual.sum(axis=(1, 2)) / size)
    assert gained.min() >= 0 and gained.max() <= k


def test_a_zero_budget_is_no_replacement_replication_for_replication():
    plain = scenario(pathway(30, dropout=0.3, duration={"dist": "lognormal", "median": 1.0,
                                                         "sigma": 0.5}))
    zero = scenario(pathway(30, dropout=0.3, duration={"dist": "lognormal", "median": 1.0,
                                                        "sigma": 0.5},
                            replacement={"delay": 0.5, "max": 2, "budget_km2": 0.0}))
    a = simulate(scenario_from_dict(plain), replications=500, seed=8)
    b = simulate(scenario_from_dict(zero), replications=500, seed=8)
    np.testing.assert_array_equal(a.annual, b.annual)
    np.testing.assert_allclose(a.dropped, b.dropped, atol=1e-12)


def test_replacements_queue_with_everyone_in_both_engines():
    data = scenario(pathway(12, dropout=0.4, duration={"dist": "uniform", "min": 0.5, "max": 2},
                            replacement={"delay": 0.25, "max": 2, "budget_km2": 0.4}))
    data["pathways"]["p"]["stages"][0]["capacity"] = 3
    data["pathways"]["p"]["annual_cap"] = 0.3
    layout = build_layout(scenario_from_dict(data))
    draws = draw_chunk(layout, 9, 0, 60)
    fast, des = get_engine("fast")(layout, draws), get_engine("des")(layout, draws)
    for name in ("annual", "late", "dropped", "yield_loss"):
        np.testing.assert_allclose(getattr(fast, name), getattr(des, name), atol=1e-9)
    assert fast.annual.sum() > 0


# ---------------------------------------------------------------- over-programming


@pytest.mark.parametrize("m", [1.0, 1.5])
def test_over_programming_meets_the_target_with_the_binomial_tail(m):
    p, n = 0.3, 10  # 10 planned projects of 0.1 km²; the target is the whole plan
    data = scenario(pathway(n, dropout=p, programme=m))
    odds = simulate(scenario_from_dict(data), replications=N, seed=7).target_odds()
    carried = round(n * m)
    exact = stats.binom(carried, 1 - p).sf(n - 1)  # at least n of them released
    got = odds.loc["all", "probability"]
    assert abs(got - exact) <= mc_tolerance(exact, N)


def test_scenario_wide_programme_and_pathway_override():
    data = scenario(pathway(10, dropout=0.0), programme=2.0)
    layout = build_layout(scenario_from_dict(data))
    assert layout.n_projects == 20 and layout.area.sum() == pytest.approx(2.0)
    data["pathways"]["p"]["programme"] = 1.2
    assert build_layout(scenario_from_dict(data)).n_projects == 12


# ---------------------------------------------------------------- scheduling with a buffer


@pytest.mark.parametrize("q", [0.5, 0.8, 0.95])
def test_a_buffered_project_is_on_time_with_probability_q(q):
    dist = stats.lognorm(0.6, scale=2.0)
    data = scenario(pathway(1, dropout=0.0, duration={"dist": "lognormal", "median": 2.0,
                                                      "sigma": 0.6},
                            schedule={"quantile": q}))
    layout = build_layout(scenario_from_dict(data))
    assert layout.lifecycle[0] == pytest.approx(dist.ppf(q))
    draws = draw_chunk(layout, 3, 0, 1000)
    on_time = (draws.start + draws.duration[:, 0, :] <= 2025.5).mean()
    assert abs(on_time - q) <= mc_tolerance(q, 1000)
    # and through the engines: released by the end of 2025 ⇔ D ≤ Q_q + 0.5
    data["targets"] = [{"name": "on-time", "by": 2025, "km2": 1.0}]
    odds = simulate(scenario_from_dict(data), replications=N, seed=2).target_odds()
    exact = dist.cdf(dist.ppf(q) + 0.5)
    assert abs(odds.loc["on-time", "probability"] - exact) <= mc_tolerance(exact, N)


def test_several_stages_are_buffered_by_the_sum_of_their_quantiles():
    stages = [{"name": "a", "duration": {"dist": "lognormal", "median": 2.0, "sigma": 0.5}},
              {"name": "b", "duration": {"dist": "uniform", "min": 1.0, "max": 3.0}}]
    p = {"plan": {2030: 1.0}, "projects": 1, "stages": stages, "schedule": {"quantile": 0.8}}
    layout = build_layout(scenario_from_dict(scenario(p)))
    expected = stats.lognorm(0.5, scale=2.0).ppf(0.8) + 2.6
    assert layout.lifecycle[0] == pytest.approx(expected)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(("change", "path", "words"), [
    ({"replacement": {"delay": -1.0}}, "pathways.p.replacement.delay", "≥ 0"),
    ({"replacement": {"delay": 1.0, "max": 9}}, "pathways.p.replacement.max", "≤ 5"),
    ({"programme": 0.0}, "pathways.p.programme", "> 0"),
    ({"schedule": {"quantile": 1.0}}, "pathways.p.schedule.quantile", "< 1"),
])
def test_bad_levers_are_reported_with_their_key_path(change, path, words):
    data = scenario({**pathway(3, dropout=0.1), **change})
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    found = [(p.path, p.message) for p in caught.value.problems]
    assert any(p == path and words in m for p, m in found), found
