"""The Monte Carlo driver: engines, workers and precision-based stopping never change answers."""

import numpy as np
import pytest
from conftest import ROOT, scenario

from simulator import RunConfigError, load_scenario, simulate
from simulator.run.montecarlo import resolve_engine
from simulator.model.sampling import CHUNK_SIZE

TINY = scenario("""
    name: tiny
    horizon: {start: 2022, end: 2030}
    targets:
      - {name: a, by: 2026, km2: 2}
      - {name: b, by: 2027, km2: 2.5}
    pathways:
      c:
        plan: {2025: 2.0, 2026: 1.0}
        projects: 3
        stages:
          - {name: s, duration: {dist: lognormal, median: 1.5, sigma: 0.5}, dropout: 0.1, capacity: 2}
        annual_cap: 1.5
    correlation: {pathway_factor_sigma: 0.3}
""")


def test_auto_is_the_fast_engine():
    assert resolve_engine("auto") == "fast"
    assert simulate(TINY, replications=10).engine == "fast"


def test_engines_agree_on_every_replication():
    des = simulate(TINY, replications=1500, seed=4, engine="des")
    fast = simulate(TINY, replications=1500, seed=4, engine="fast")
    np.testing.assert_allclose(fast.annual, des.annual, atol=1e-9, rtol=0)
    np.testing.assert_allclose(fast.late, des.late, atol=1e-9, rtol=0)
    assert fast.summary()["targets"] == des.summary()["targets"]


@pytest.mark.slow
def test_worker_count_never_changes_the_answer():
    one = simulate(TINY, replications=25_000, seed=6, workers=1)
    two = simulate(TINY, replications=25_000, seed=6, workers=2)
    np.testing.assert_array_equal(one.annual, two.annual)
    np.testing.assert_array_equal(one.dropped, two.dropped)


@pytest.mark.slow
def test_des_in_worker_processes_matches():
    scn = load_scenario(ROOT / "scenarios" / "longgang-2025.yaml")
    pooled = simulate(scn, replications=2 * CHUNK_SIZE, seed=2, engine="des", workers=2)
    local = simulate(scn, replications=2 * CHUNK_SIZE, seed=2, engine="fast", workers=1)
    np.testing.assert_allclose(pooled.annual, local.annual, atol=1e-9, rtol=0)


def test_precision_stopping_is_reproducible_and_meets_its_rule():
    runs = [simulate(TINY, replications=100_000, seed=9, precision=0.01, workers=w)
            for w in (1, 2, 1)]
    first = runs[0]
    assert first.stopping["reached"]
    n = first.replications
    assert n % CHUNK_SIZE == 0 and n < 100_000
    assert max(first.stopping["half_widths"].values()) <= 0.01
    for other in runs[1:]:
        assert other.replications == n
        np.testing.assert_array_equal(other.annual, first.annual)
    # the same replications as a fixed-size run of that length
    fixed = simulate(TINY, replications=n, seed=9)
    np.testing.assert_array_equal(fixed.annual, first.annual)
    # and one chunk fewer would not have been enough
    shorter = simulate(TINY, replications=n - CHUNK_SIZE, seed=9).target_odds()
    widths = (shorter.ci95_high - shorter.ci95_low) / 2
    assert widths.max() > 0.01


def test_precision_not_reached_stops_at_the_maximum():
    result = simulate(TINY, replications=2000, seed=1, precision=0.001)
    assert result.replications == 2000
    assert result.stopping["reached"] is False
    assert result.summary()["stopping"]["max_replications"] == 2000


@pytest.mark.parametrize("kwargs, message", [
    ({"workers": 0}, "workers"),
    ({"precision": 0.7}, "precision"),
    ({"engine": "warp"}, "unknown engine"),
    ({"replications": 0}, "between 1 and"),
    ({"seed": -1}, "seed"),
])
def test_bad_run_settings(kwargs, message):
    with pytest.raises(RunConfigError, match=message):
        simulate(TINY, **kwargs)
