"""A hump on a shoulder (issue 37, item 3): between scan points at 0.42 and 0.41 a hump of 3 %
of the range reaches the level. The solver's own code, with a stub evaluator, finds it and
says the interval where the level is reached, not a bare threshold."""

from __future__ import annotations

import pytest

from simulator import scenario_from_dict
from simulator.study import solve as solve_module
from simulator.study.solve import describe, parse_lever, solve
from tests.test_solve import cap_scenario

LOW, HIGH = 1.0, 5.0
HUMP = (LOW + 0.52 * (HIGH - LOW), LOW + 0.55 * (HIGH - LOW))  # 3 % of the range


def shoulder(x: float) -> float:
    """0.42 falling slowly to 0.41 and on, with a hump to 0.6 in HUMP."""
    if HUMP[0] <= x <= HUMP[1]:
        return 0.6
    return 0.42 - 0.01 * max(0.0, x - LOW - 0.5 * (HIGH - LOW)) / (0.0625 * (HIGH - LOW))


@pytest.fixture
def stub(monkeypatch):
    calls = []

    def evaluate(self, points):
        rows = []
        for point in points:
            p = shoulder(float(point[self_path[0]]))
            calls.append(point)
            rows.append({"probability": p, "ci95_low": p - 0.005, "ci95_high": p + 0.005,
                         "mean_km2": 10 * p})
        return rows

    self_path = ["pathways.p.annual_cap"]
    monkeypatch.setattr(solve_module.Evaluator, "evaluate", evaluate)
    return calls


def test_the_scan_points_beside_the_hump_sit_on_a_shoulder(stub):
    spacing = (HIGH - LOW) / 16
    left = LOW + 8 * spacing  # scan points 0.5 and 0.5625 of the range
    assert shoulder(left) == pytest.approx(0.42) and shoulder(left + spacing) == pytest.approx(
        0.41)
    assert shoulder(left + spacing / 2) == 0.6  # the hump between them


def test_a_hump_between_equal_neighbours_is_found_and_its_interval_said(stub):
    scenario = scenario_from_dict(cap_scenario())
    lever = parse_lever(f"pathways.p.annual_cap={LOW}:{HIGH}", scenario)
    answer = solve(scenario, "six", 0.5, lever, replications=10)
    assert answer.reachable  # before: out of reach (refinement skipped equal neighbours)
    # the probability falls over the range, so the search runs down from the high end: it
    # meets the hump's upper edge first, and says where it falls back (the lower edge)
    low, high = sorted((answer.value, answer.until))
    assert HUMP[0] - 4e-3 <= low <= HUMP[0] + 4e-3 and HUMP[1] - 4e-3 <= high <= HUMP[1] + 4e-3
    assert answer.beyond == pytest.approx(0.42, abs=0.015)  # the shoulder beside the hump
    text = describe(answer)
    assert f"between {low:.3g} and {high:.3g}" in text
    assert "falls back to" in text
    data = answer.as_dict()
    assert data["until"] == answer.until and data["beyond"] == answer.beyond
