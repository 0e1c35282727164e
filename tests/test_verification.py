"""The model against closed forms.

Each test builds a scenario whose answer is known analytically and checks the
simulated probabilities within 4 Monte Carlo standard errors (fixed seeds), or
exactly where the model is deterministic.
"""

import copy
import math

import numpy as np
import pytest
import yaml
from conftest import ROOT, mc_tolerance, planned_by_year, scenario
from scipy import stats

from simulator import scenario_from_dict, simulate

R = 4000


def test_fixed_durations_reproduce_the_plan_exactly():
    """The baseline with every duration fixed at its nominal value, nothing lost and no
    queues releases every pathway's plan in its planned year, in every replication."""
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text())
    for p in data["pathways"].values():
        p.pop("annual_cap", None)
        for s in p.get("stages", []):
            s["duration"] = s["duration"].get("median", 1.0)
            s.pop("dropout", None)
            s.pop("capacity", None)
        if "route" in p:
            p["route"].update(after=2022, delay=1.0, dropout=0.0)
    data["correlation"] = {}
    scn = scenario_from_dict(data)
    result = simulate(scn, replications=20, seed=3)
    expected = planned_by_year(scn)
    for r in range(result.replications):
        np.testing.assert_allclose(result.annual[r], expected, atol=1e-9)
    assert np.all(result.late == 0) and np.all(result.dropped == 0)
    assert all(row["probability"] == 1.0 for _, row in result.target_odds().iterrows())


@pytest.mark.slow
def test_dropout_gives_the_binomial_distribution():
    """20 projects of 1 km², two stages with dropout 0.2 and 0.25: the count released is
    Binomial(20, 0.8 × 0.75)."""
    scn = scenario("""
        name: binomial
        horizon: {start: 2020, end: 2030}
        targets:
          - {name: k10, by: 2030, km2: 10}
          - {name: k12, by: 2030, km2: 12}
          - {name: k15, by: 2030, km2: 15}
        pathways:
          c:
            plan: {2025: 20.0}
            projects: 20
            stages:
              - {name: a, duration: {dist: lognormal, median: 1, sigma: 0.3}, dropout: 0.2}
              - {name: b, duration: 1, dropout: 0.25}
    """)
    result = simulate(scn, replications=R, seed=11)
    survive = 0.8 * 0.75
    odds = result.target_odds()
    for name, k in [("k10", 10), ("k12", 12), ("k15", 15)]:
        exact = stats.binom.sf(k - 1, 20, survive)
        assert abs(odds.loc[name, "probability"] - exact) < mc_tolerance(exact, R)
    counts = np.rint(result.annual.sum(axis=(1, 2))).astype(int)
    observed = np.bincount(counts, minlength=21)
    expected = stats.binom.pmf(np.arange(21), 20, survive) * R
    keep = expected >= 5  # chi-square needs expected counts of 5 or more
    obs = np.r_[observed[keep], observed[~keep].sum()]
    exp = np.r_[expected[keep], expected[~keep].sum()]
    assert stats.chisquare(obs, exp).pvalue > 1e-3
    np.testing.assert_allclose(result.dropped.sum(axis=1) + result.annual.sum(axis=(1, 2)), 20)


@pytest.mark.slow
def test_one_exponential_stage_gives_its_cdf():
    """Nominal L = mean·ln 2 (the median), start at Y + 0.5 − L, so
    P(release by the end of Y) = 1 − exp(−(L + 0.5)/mean); 10 independent projects."""
    mean = 2.0
    scn = scenario(f"""
        name: expo
        horizon: {{start: 2020, end: 2040}}
        targets:
          - {{name: all, by: 2026, km2: 10}}
          - {{name: half, by: 2026, km2: 5}}
          - {{name: next-year, by: 2027, km2: 10}}
        pathways:
          c:
            plan: {{2026: 10.0}}
            projects: 10
            stages: [{{name: s, duration: {{dist: exponential, mean: {mean}}}}}]
    """)
    result = simulate(scn, replications=R, seed=5)
    L = mean * math.log(2)
    p_by_y = 1 - math.exp(-(L + 0.5) / mean)
    p_by_next = 1 - math.exp(-(L + 1.5) / mean)
    frac = result.annual[:, :7, 0].sum(axis=1) / 10  # years 2020–2026
    # per-project release probability, from 10·R project outcomes
    assert abs(frac.mean() - p_by_y) < mc_tolerance(p_by_y, 10 * R)
    odds = result.target_odds()["probability"]
    for name, p in [("all", p_by_y**10), ("half", stats.binom.sf(4, 10, p_by_y)),
                    ("next-year", p_by_next**10)]:
        assert abs(odds[name] - p) < mc_tolerance(p, R), name


@pytest.mark.slow
@pytest.mark.parametrize("which", ["pathway", "global", "both"])
def test_lognormal_factor_on_fixed_durations_matches_the_lognormal_cdf(which):
    """Five projects share one factor F; all release at Y + 0.5 − d + d·F, so
    P(released by the end of Y + k) = Φ(ln(1 + (k + 0.5)/d) / σ)."""
    sp, sg = {"pathway": (0.5, 0.0), "global": (0.0, 0.4), "both": (0.3, 0.4)}[which]
    sigma = math.hypot(sp, sg)
    d = 2.0
    scn = scenario(f"""
        name: factor
        horizon: {{start: 2020, end: 2040}}
        targets:
          - {{name: y0, by: 2026, km2: 5}}
          - {{name: y1, by: 2027, km2: 5}}
          - {{name: y2, by: 2028, km2: 5}}
        pathways:
          c:
            plan: {{2026: 5.0}}
            projects: 5
            stages: [{{name: s, duration: {d}}}]
        correlation: {{pathway_factor_sigma: {sp}, global_factor_sigma: {sg}}}
    """)
    result = simulate(scn, replications=R, seed=7)
    odds = result.target_odds()["probability"]
    for k in range(3):
        exact = stats.norm.cdf(math.log(1 + (k + 0.5) / d) / sigma)
        assert abs(odds[f"y{k}"] - exact) < mc_tolerance(exact, R)
    # all five move together: each replication releases all or nothing in a year
    assert set(np.unique(result.annual)) <= {0.0, 5.0}


EVENT_BASE = """
    name: event
    horizon: {start: 2022, end: 2045}
    targets: [{name: t, by: 2034, km2: 6}]
    pathways:
      c:
        plan: {2032: 6.0, 2033: 4.0}
        projects: 12
        stages:
          - name: a
            duration: {dist: lognormal, median: 2.0, sigma: 0.5, nominal: 2.0}
            dropout: 0.1
            capacity: 3
          - name: b
            duration: {dist: gamma, mean: 1.5, sd: 0.6, nominal: 1.4}
      d:
        plan: {2033: 2.0}
        projects: 3
        stages: [{name: a, duration: {dist: uniform, min: 1, max: 3}}]
    correlation: {pathway_factor_sigma: 0.2, global_factor_sigma: 0.1}
"""


def test_an_event_that_always_lasts_equals_multiplying_every_duration():
    """Probability 1 and lasting the whole horizon: every stage of `c` starts during it,
    so the run must equal one where c's durations are 1.7× longer and its dropout
    includes the event's extra — replication for replication (same draws)."""
    base = yaml.safe_load(EVENT_BASE)
    with_event = copy.deepcopy(base)
    with_event["events"] = [
        {"name": "always", "probability": 1.0, "lasts": 100, "pathways": ["c"],
         "duration_multiplier": 1.7, "dropout_add": 0.15}
    ]
    scaled = copy.deepcopy(base)
    a, b = scaled["pathways"]["c"]["stages"]
    a["duration"]["median"] *= 1.7
    a["dropout"] += 0.15
    b["duration"]["mean"] *= 1.7
    b["duration"]["sd"] *= 1.7
    b["dropout"] = 0.15
    r1 = simulate(scenario_from_dict(with_event), replications=300, seed=13)
    r2 = simulate(scenario_from_dict(scaled), replications=300, seed=13)
    np.testing.assert_allclose(r1.annual, r2.annual, atol=1e-9)
    np.testing.assert_allclose(r1.dropped, r2.dropped, atol=1e-9)
    np.testing.assert_allclose(r1.late, r2.late, atol=1e-9)
    r0 = simulate(scenario_from_dict(base), replications=300, seed=13)
    assert not np.allclose(r0.annual, r1.annual), "the event had no effect"


@pytest.mark.slow
def test_event_start_frequency_matches_its_probability():
    """An event of probability p that lasts one year starts in each horizon year with
    probability p; while active its stages take 10× longer, so a one-project pathway
    planned for a year misses that year exactly when the event is active then."""
    p = 0.3
    scn = scenario(f"""
        name: ev
        horizon: {{start: 2022, end: 2030}}
        targets: [{{name: t, by: 2026, km2: 1}}]
        pathways:
          c:
            plan: {{2026: 1.0}}
            projects: 1
            stages: [{{name: s, duration: 0.25}}]
        events:
          - {{name: e, probability: {p}, lasts: 1, pathways: [c], duration_multiplier: 10}}
    """)
    result = simulate(scn, replications=R, seed=17)
    miss = 1 - result.target_odds().loc["t", "probability"]
    assert abs(miss - p) < mc_tolerance(p, R)


@pytest.mark.slow
def test_beta_yield_scales_release_by_its_mean():
    scn = scenario("""
        name: yield
        horizon: {start: 2020, end: 2030}
        targets: [{name: t, by: 2030, km2: 1}]
        pathways:
          c:
            plan: {2025: 8.0}
            projects: 8
            stages: [{name: s, duration: 1}]
            yield: {dist: beta, mean: 0.8, sd: 0.1}
    """)
    result = simulate(scn, replications=R, seed=19)
    released = result.annual.sum(axis=(1, 2))
    se = released.std() / math.sqrt(R)
    assert abs(released.mean() - 8 * 0.8) < 4 * se
    np.testing.assert_allclose(released + result.yield_loss.sum(axis=1), 8.0)


@pytest.mark.slow
def test_route_weights_are_followed():
    scn = scenario("""
        name: routes
        horizon: {start: 2020, end: 2040}
        targets: [{name: t, by: 2040, km2: 1}]
        pathways:
          a:
            plan: {2025: 1.0}
            projects: 1
            stages: [{name: s, duration: 1, dropout: 1.0}]
          b:
            plan: {2025: 1.0}
            projects: 1
            stages: [{name: s, duration: 1}]
          u:
            plan: {2030: 1.0}
            projects: 1
            route: {after: 2025, delay: 1, to: {a: 0.3, b: 0.7}}
    """)
    result = simulate(scn, replications=R, seed=23)
    # via a the project is always dropped, via b always released: P(released) = 0.7
    released = result.annual[:, :, 2].sum(axis=1).mean()
    assert abs(released - 0.7) < mc_tolerance(0.7, R)
