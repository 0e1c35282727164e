"""Forecasting from a status date: actuals, projects in progress, queues and caps.

Closed forms: a project in a stage since e years finishes within r more years with
probability 1 − S(e + r)/S(e) (memoryless for the exponential, uniform on what is left for
the uniform), or, with e unknown, with the equilibrium residual's CDF ∫₀ʳ S / E[X].
Tolerances are 4 Monte Carlo standard errors (conftest.mc_tolerance).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from conftest import mc_tolerance
from scipy import stats

from simulator import scenario_from_dict, simulate
from simulator.inputs.errors import ScenarioError
from simulator.inputs.scenario import load_scenario
from simulator.model.engines import get_engine
from simulator.model.layout import build_layout
from simulator.model.sampling import draw_chunk
from simulator.model.status import status_plan
from simulator.run.trace import trace_replication

N = 20_000
AS_OF = 2030


def one_stage(duration, *, since=None, km2=1.0, status_extra=None, **stage) -> dict:
    """One pathway, one stage, one project in progress that covers the whole plan."""
    row = {"pathway": "p", "stage": "s", "km2": km2, "projects": 1}
    if since is not None:
        row["since"] = since
    return {
        "name": "residual",
        "horizon": {"start": 2020, "end": 2059},
        "targets": [{"name": f"by-{AS_OF + k}", "by": AS_OF + k, "km2": km2} for k in range(4)],
        "pathways": {"p": {"plan": {AS_OF: km2}, "projects": 1,
                           "stages": [{"name": "s", "duration": duration, **stage}]}},
        "status": {"as_of": AS_OF, "pipeline": [row], **(status_extra or {})},
    }


def odds(data: dict, seed: int = 7) -> np.ndarray:
    result = simulate(scenario_from_dict(data), replications=N, seed=seed)
    return result.target_odds()["probability"].to_numpy()


def check(observed: np.ndarray, expected: list[float]) -> None:
    for got, want in zip(observed, expected, strict=True):
        assert abs(got - want) <= mc_tolerance(want, N), (observed, expected)


# ---------------------------------------------------------------- closed forms


def test_exponential_stage_is_memoryless():
    # released in year AS_OF + k iff the remainder R < k + 1; R ~ Exp(mean 2) whatever e is
    data = one_stage({"dist": "exponential", "mean": 2.0}, since=AS_OF - 5)
    check(odds(data), [1 - math.exp(-(k + 1) / 2) for k in range(4)])


def test_lognormal_stage_finishes_with_the_residual_probability():
    dist = stats.lognorm(0.6, scale=2.0)
    e = 3.0
    data = one_stage({"dist": "lognormal", "median": 2.0, "sigma": 0.6}, since=AS_OF - e)
    expected = [1 - dist.sf(e + k + 1) / dist.sf(e) for k in range(4)]
    check(odds(data), expected)
    # overdue (e > median): "the original minus e" would finish it within a year with
    # probability F(e + 1) ≈ 0.87; the residual life says about one half
    assert expected[0] < dist.cdf(e + 1) - 0.3


@pytest.mark.parametrize(("e", "expected"), [
    (3.0, [1 / 3, 2 / 3, 1.0, 1.0]),  # e inside (a, b): R uniform on (0, b − e) = (0, 3)
    (1.0, [0.0, 1 / 4, 1 / 2, 3 / 4]),  # e < a: R uniform on (a − e, b − e) = (1, 5)
])
def test_uniform_stage_is_uniform_on_what_is_left(e, expected):
    data = one_stage({"dist": "uniform", "min": 2.0, "max": 6.0}, since=AS_OF - e)
    check(odds(data), expected)


def test_unknown_since_draws_the_equilibrium_residual():
    # uniform(2, 6): F_e(r) = ∫₀ʳ S / 4 — 1/4, 1/2, 23/32 and 28/32 at r = 1, 2, 3, 4
    data = one_stage({"dist": "uniform", "min": 2.0, "max": 6.0})
    check(odds(data), [0.25, 0.5, 23 / 32, 28 / 32])
    # the exponential's equilibrium residual is the exponential itself
    data = one_stage({"dist": "exponential", "mean": 2.0})
    check(odds(data), [1 - math.exp(-(k + 1) / 2) for k in range(4)])


def test_dropout_applies_to_survivors_at_the_end_of_the_stage():
    data = one_stage({"dist": "exponential", "mean": 2.0}, since=AS_OF - 1, dropout=0.3)
    check(odds(data), [0.7 * (1 - math.exp(-(k + 1) / 2)) for k in range(4)])


def test_a_project_in_a_capacity_stage_keeps_its_place():
    # capacity 1: the project in progress (2 years left) holds the place; a late
    # not-yet-started project arrives at as_of and waits for it, exactly
    data = one_stage(3.0, since=AS_OF - 1, capacity=1)
    data["pathways"]["p"]["plan"] = {AS_OF: 2.0}
    data["pathways"]["p"]["projects"] = 2
    trace = trace_replication(scenario_from_dict(data), replication=0, seed=1)
    log = trace.events
    begin = log[log.event == "begin"].set_index("project").time
    assert begin.to_dict() == {0: AS_OF, 1: AS_OF + 2}
    released = log[log.event == "release"].set_index("project").year
    assert released.to_dict() == {0: AS_OF + 2, 1: AS_OF + 5}
    layout = build_layout(scenario_from_dict(data))
    draws = draw_chunk(layout, 1, 0, 3)
    for engine in ("fast", "des"):
        annual = get_engine(engine)(layout, draws).annual
        assert annual[:, AS_OF + 2 - 2020, 0].tolist() == [1.0] * 3
        assert annual[:, AS_OF + 5 - 2020, 0].tolist() == [1.0] * 3
    assert status_plan(layout.scenario).account("p").late_start_km2 == 1.0


def test_the_cap_counts_what_was_handed_over_earlier_in_the_status_year():
    # as_of 2030.5, 0.7 km² released in 2030 already, cap 1: of a 1 km² completion in
    # 2030 only 0.3 fits in 2030, the rest goes in 2031
    data = one_stage(0.3, since=AS_OF + 0.4, status_extra={"released": {AS_OF: {"p": 0.7}}})
    data["status"]["as_of"] = AS_OF + 0.5
    data["pathways"]["p"].update(plan={AS_OF: 1.7}, annual_cap=1.0)
    layout = build_layout(scenario_from_dict(data))
    draws = draw_chunk(layout, 1, 0, 2)
    for engine in ("fast", "des"):
        annual = get_engine(engine)(layout, draws).annual[:, :, 0]
        np.testing.assert_allclose(annual[:, AS_OF - 2020], 1.0, atol=1e-12)
        np.testing.assert_allclose(annual[:, AS_OF + 1 - 2020], 0.7, atol=1e-12)
        assert annual.sum() == pytest.approx(2 * 1.7)


def test_actuals_alone_decide_observed_targets_exactly():
    released = {2020: {"p": 1.25}, 2021: {"p": 0.5}, 2022: {"p": 2.0}}
    data = {
        "name": "history",
        "horizon": {"start": 2020, "end": 2025},
        "targets": [
            {"name": "met-exactly", "by": 2021, "km2": 1.75},
            {"name": "missed-by-a-hair", "by": 2022, "km2": 3.76},
            {"name": "window-met", "from": 2022, "by": 2022, "km2": 2.0},
            {"name": "still-open", "by": 2025, "km2": 4.0},
        ],
        "pathways": {"p": {"plan": {2020: 1.0, 2024: 3.0}, "projects": 2,
                           "stages": [{"name": "s", "duration": 1.0}]}},
        "status": {"as_of": 2023, "released": released},
    }
    result = simulate(scenario_from_dict(data), replications=50, seed=3)
    table = result.target_odds()
    assert table.loc["met-exactly", "probability"] == 1.0
    assert table.loc["missed-by-a-hair", "probability"] == 0.0
    assert table.loc["window-met", "probability"] == 1.0
    assert table.observed.tolist() == [True, True, True, False]
    assert table.loc["met-exactly", "ci95_low"] == table.loc["met-exactly", "ci95_high"] == 1.0
    # the plan is covered by 3.75 km² of actuals, so 0.25 km² of 2024 is left to start
    account = status_plan(result.scenario).account("p")
    assert account.remaining == {2024: pytest.approx(0.25)}
    np.testing.assert_allclose(result.annual[:, :3, 0], [[1.25, 0.5, 2.0]] * 50)


def test_a_status_at_the_horizon_start_changes_nothing():
    base = load_scenario("scenarios/baseline.yaml").resolved()
    statused = {**copy.deepcopy(base), "status": {"as_of": base["horizon"]["start"]}}
    for engine in ("fast", "des"):
        a = simulate(scenario_from_dict(base), replications=60, seed=11, engine=engine)
        b = simulate(scenario_from_dict(statused), replications=60, seed=11, engine=engine)
        for name in ("annual", "late", "dropped", "yield_loss"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_shipped_status_scenario_accounts_for_every_km2():
    scn = load_scenario("scenarios/status-2026.yaml")
    assert scn.status.as_of == 2026
    assert len(scn.status.pipeline) == 7  # three inline rows and four from the CSV
    for a in status_plan(scn).accounts:
        total = a.released_km2 + a.pipeline_km2 + a.not_started_km2 - a.excess_km2
        assert total == pytest.approx(a.planned_km2)
    # every km² of actuals is in the release of every replication
    result = simulate(scn, replications=20, seed=1)
    actual = sum(sum(v.values()) for v in scn.status.released.values())
    np.testing.assert_allclose(result.annual[:, :4].sum(axis=(1, 2)), actual)
    summary = result.summary()
    assert [t["observed"] for t in summary["targets"]] == [True, True, True, False, False]
    assert summary["status"]["accounting"]["consolidation"]["pipeline_km2"] == pytest.approx(10.2)


# ---------------------------------------------------------------- validation


def problems_of(data: dict) -> list:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    return [(p.path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(("change", "path", "words"), [
    (lambda s: s["status"].update(released={2030: {"p": 1.0}}), "status.released[2030]",
     "not before the status date"),
    (lambda s: s["status"].update(released={2019: {"p": 1.0}}), "status.released[2019]",
     "before the horizon start"),
    (lambda s: s["status"].update(released={2021: {"q": 1.0}}), "status.released[2021].q",
     "is not a pathway"),
    (lambda s: s["status"].update(released={2021: {"p": -1.0}}), "status.released[2021].p",
     "≥ 0"),
    (lambda s: s["status"]["pipeline"][0].update(pathway="pp"), "status.pipeline[0].pathway",
     "did you mean 'p'"),
    (lambda s: s["status"]["pipeline"][0].update(stage="t"), "status.pipeline[0].stage",
     "its stages: s"),
    (lambda s: s["status"]["pipeline"][0].update(km2=-2.0), "status.pipeline[0].km2", "> 0"),
    (lambda s: s["status"]["pipeline"][0].update(since=2031.0), "status.pipeline[0].since",
     "after the status date"),
    (lambda s: s["status"]["pipeline"][0].update(projects=3), "status.pipeline[0]",
     "holds at most 2"),
    (lambda s: s["status"].update(as_of=2070), "status.as_of", "outside the horizon"),
])
def test_bad_status_is_reported_with_its_key_path(change, path, words):
    data = one_stage(1.0, since=AS_OF - 1, capacity=2)
    change(data)
    found = problems_of(data)
    assert any(p == path and words in m for p, m in found), found


def csv_problem(tmp_path, csv_text: str):
    """The one problem of a scenario whose pipeline_file holds ``csv_text``."""
    import yaml

    data = one_stage(1.0, since=AS_OF - 1)
    data["status"]["pipeline_file"] = "pipeline.csv"
    (tmp_path / "pipeline.csv").write_text(csv_text, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "s.yaml")
    (problem,) = caught.value.problems
    return problem


def test_a_bad_csv_row_names_file_line_and_column(tmp_path):
    problem = csv_problem(tmp_path, "pathway,stage,km2,projects,since\np,s,0.5,1,\n"
                                    "p,s,lots,2,2029\n")
    assert problem.file.endswith("pipeline.csv") and problem.line == 3
    assert "column 'km2'" in problem.message and "'lots'" in problem.message


def test_a_csv_row_with_an_unknown_stage_points_into_the_csv(tmp_path):
    problem = csv_problem(tmp_path, "pathway,stage,km2\np,s,0.5\np,nope,0.5\n")
    assert problem.file.endswith("pipeline.csv") and problem.line == 3
    assert problem.path == "status.pipeline[2].stage"


def test_a_csv_stage_name_typo_gets_a_did_you_mean(tmp_path):
    problem = csv_problem(tmp_path, "pathway,stage,km2\np,sx,0.5\n")
    assert "(did you mean 's'?)" in problem.message and problem.line == 2


def test_a_bad_status_exits_2_with_the_key_path_and_leaves_nothing(tmp_path):
    import subprocess
    import sys

    import yaml

    data = one_stage(1.0, since=AS_OF + 3)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "simulator", "run", str(tmp_path / "s.yaml"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "status.pipeline[0].since" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
