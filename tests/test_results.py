"""Summaries computed from synthetic results with known answers."""

import numpy as np
import pytest
from conftest import scenario

from simulator import SimulationResult
from simulator.model.engines import ChunkOutcome
from simulator.run.stats import wilson_interval

SCN = scenario("""
    name: synthetic
    horizon: {start: 2022, end: 2024}
    targets:
      - {name: cumulative, by: 2023, km2: 3}
      - {name: window, from: 2024, by: 2024, km2: 1}
      - {name: only-a, by: 2024, km2: 2, pathways: [a]}
    pathways:
      a: {plan: {2022: 2.0, 2023: 1.0}, projects: 2, stages: [{name: s, duration: 1}]}
      b: {plan: {2024: 2.0}, projects: 1, stages: [{name: s, duration: 1}]}
""")

# annual[r, year, pathway] for 4 replications, years 2022–2024, pathways a, b
ANNUAL = np.array([
    [[2.0, 0.0], [1.0, 0.0], [0.0, 2.0]],   # meets all three
    [[1.0, 0.0], [1.0, 0.0], [1.0, 0.5]],   # cumulative 2 (short 1), window 1.5, a 3
    [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],   # nothing
    [[2.0, 1.0], [0.0, 0.0], [0.0, 0.9]],   # cumulative 3, window 0.9, a 2
])


def make():
    zeros = np.zeros((4, 2))
    return SimulationResult.from_outcome(SCN, ChunkOutcome(ANNUAL, zeros, zeros, zeros),
                                         seed=0, engine="test")


def test_target_probabilities_and_shortfalls():
    odds = make().target_odds()
    assert odds.loc["cumulative", "probability"] == 0.5
    assert odds.loc["window", "probability"] == 0.5
    assert odds.loc["only-a", "probability"] == 0.75
    assert odds.loc["cumulative", "mean_shortfall_km2"] == pytest.approx((0 + 1 + 3 + 0) / 4)
    assert odds.loc["window", "mean_shortfall_km2"] == pytest.approx((0 + 0 + 1 + 0.1) / 4)
    assert odds.loc["window", "from"] == 2024 and odds.loc["cumulative", "from"] == 2022
    lo, hi = wilson_interval(2, 4)
    assert (odds.loc["cumulative", "ci95_low"], odds.loc["cumulative", "ci95_high"]) == (lo, hi)


def test_joint_probability_needs_every_target_in_the_same_replication():
    assert make().joint()["probability"] == 0.25


def test_cumulative_and_annual_summary():
    result = make()
    np.testing.assert_allclose(result.cumulative[0], [2, 3, 5])
    table = result.annual_summary()
    rows = table[(table.pathway == "all") & (table.year == 2024)].iloc[0]
    assert rows.cumulative_mean == pytest.approx((5 + 3.5 + 0 + 3.9) / 4)
    assert rows.planned_km2 == 2.0
    a2022 = table[(table.pathway == "a") & (table.year == 2022)].iloc[0]
    assert a2022.release_mean == pytest.approx(1.25) and a2022.planned_km2 == 2.0


def test_summary_has_the_documented_keys():
    s = make().summary()
    assert {"scenario", "replications", "seed", "engine", "targets", "cumulative", "pathways",
            "joint"} <= set(s)
    assert s["targets"][0].keys() >= {"name", "by", "km2", "probability", "ci95",
                                       "mean_shortfall_km2"}
    assert list(s["cumulative"]) == ["2022", "2023", "2024"]
    assert s["pathways"]["a"]["planned_km2"] == 3.0
    assert s["pathways"]["b"]["released_mean_km2"] == pytest.approx((2 + 0.5 + 0 + 1.9) / 4)


def test_long_frame_round_trips_the_array():
    frame = make().replications_frame()
    assert len(frame) == ANNUAL.size
    back = frame.pivot_table(index=["replication", "year"], columns="pathway", values="km2",
                             observed=True)
    np.testing.assert_allclose(back.to_numpy().reshape(ANNUAL.shape), ANNUAL)


@pytest.mark.parametrize("k, n, lo, hi", [(0, 4, 0.0, 0.48990), (4, 4, 0.51010, 1.0),
                                          (50, 100, 0.40383, 0.59617)])
def test_wilson_interval_known_values(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-5)


def test_wilson_rejects_nonsense():
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
