"""landsim optimize: a front with a closed form (two pathways, fixed durations, costs linear
in over-programming, binomial odds), reproducibility, resume, agreement with `landsim run
--set`, robustness across uncertain draws, and its input errors."""

import json
import math

import numpy as np
import pytest
import yaml
from scipy import stats

from simulator import cli, scenario_from_dict, simulate
from simulator.inputs.errors import RunConfigError, ScenarioError
from simulator.inputs.params import with_values
from simulator.run.backends import LocalBackend
from simulator.study.optimize import (
    _DrawJob,
    hypervolume,
    odds_by_draw,
    optimize,
    parse_constraint,
    parse_objective,
    programme_cost,
)
from simulator.study.points import PointStore

TWO = """
name: two
horizon: {start: 2022, end: 2024}
targets: [{name: t, by: 2024, km2: 1.95}]
pathways:
  a:
    plan: {2022: 1.0}
    projects: {count: 10, size_cv: 0}
    stages: [{name: s, duration: 0.5, dropout: 0.3}]
  b:
    plan: {2022: 1.0}
    projects: {count: 10, size_cv: 0}
    stages: [{name: s, duration: 0.5, dropout: 0.3}]
levers:
  - {path: pathways.a.programme, min: 1, max: 2, cost: 1.0, cost_unit: units, description: "over-programme a"}
  - {path: pathways.b.programme, min: 1, max: 2, cost: 2.0, cost_unit: units, description: "over-programme b"}
"""


def two(**changes):
    data = yaml.safe_load(TWO)
    data.update(changes)
    return scenario_from_dict(data)


def closed_form_best(cost: float) -> float:
    """The highest P(target) any programme of at most ``cost`` reaches: 20 of the
    20 + k_a + k_b projects must succeed (each 0.7, independent: Binomial); k extra projects
    of a pathway need programme (10 + k − ½)/10 (rounding to whole projects), costing
    (k − ½)/10 × its cost per unit."""
    best = 0.0
    for ka in range(11):
        for kb in range(11):
            c = (max(0, ka - 0.5) * 1.0 + max(0, kb - 0.5) * 2.0) / 10
            if c <= cost + 1e-9:
                best = max(best, float(stats.binom.sf(19, 20 + ka + kb, 0.7)))
    return best


@pytest.mark.slow  # statistical: make test runs it
def test_the_front_matches_its_closed_form_within_monte_carlo_error():
    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    found = optimize(s, objectives, evaluations=240, replications=400, final_replications=4000,
                     seed=3)
    front = found.front
    assert len(front) >= 5
    for _, row in front.iterrows():
        best = closed_form_best(row["cost"])
        se = math.sqrt(max(best * (1 - best), 1e-4) / 4000)
        # no member beats the closed form beyond its Monte Carlo error ...
        assert row["P(t)"] <= best + 4 * se, (row.to_dict(), best)
        assert row["P(t)_low"] <= row["P(t)"] <= row["P(t)_high"]
    # ... and together they cover it: 90 % of the closed form's hypervolume
    grid = sorted({round((max(0, ka - 0.5) + 2 * max(0, kb - 0.5)) / 10, 6)
                   for ka in range(11) for kb in range(11)})
    exact = np.array([[-closed_form_best(c), c] for c in grid])
    scale = np.array([1.0, 3.0])  # cost spans 0–3 units (1 × 1 + 2 × 1)
    got = np.column_stack([-front["P(t)"], front["cost"]])
    assert hypervolume(got, scale, objectives) >= 0.9 * hypervolume(exact, scale, objectives)
    # the archive's hypervolume never falls from one generation to the next
    assert found.convergence.hypervolume.is_monotonic_increasing


def test_the_search_is_reproducible_and_worker_counts_do_not_matter():
    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    kw = dict(evaluations=48, replications=200, final_replications=400, seed=7)
    one = optimize(s, objectives, backend=LocalBackend(1), **kw)
    again = optimize(s, objectives, backend=LocalBackend(2), **kw)
    assert one.front.equals(again.front)
    assert one.evaluations.equals(again.evaluations)


def test_the_front_agrees_with_landsim_run_set_exactly():
    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    found = optimize(s, objectives, evaluations=48, replications=200, final_replications=1000,
                     seed=2)
    row = found.front.iloc[len(found.front) // 2]
    values = {"pathways.a.programme": row["pathways.a.programme"],
              "pathways.b.programme": row["pathways.b.programme"]}
    run = simulate(with_values(s, values), replications=1000, seed=2)
    assert run.target_odds().probability.iloc[0] == row["P(t)"]
    assert programme_cost(s, values) == pytest.approx(row["cost"])


def test_a_resumed_search_finds_its_candidates_done(tmp_path):
    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    kw = dict(evaluations=48, replications=200, final_replications=400, seed=5)
    first = optimize(s, objectives, store=PointStore(tmp_path, study="x"), **kw)
    stored = sorted(tmp_path.glob("*.json"))
    assert len(stored) == len(first.evaluations)
    stored[3].write_text("{}", encoding="utf-8")  # damaged: computed again, with a notice
    heard, ticks = [], []
    store = PointStore(tmp_path, study="x", notice=heard.append)
    again = optimize(s, objectives, store=store, progress=ticks.append, **kw)
    assert again.front.equals(first.front)
    assert len(heard) == 1 and "point 3" in heard[0]


def test_a_forged_point_that_contradicts_itself_is_computed_again(tmp_path):
    # a point whose probability lies outside its own interval, with a recomputed SHA-256,
    # was accepted by --resume and the search changed course (issue 36, item 4)
    import json

    from simulator.study.points import _checksum

    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    kw = dict(evaluations=48, replications=200, final_replications=400, seed=5)
    first = optimize(s, objectives, store=PointStore(tmp_path, study="x"), **kw)
    path = sorted(tmp_path.glob("*.json"))[3]
    record = json.loads(path.read_text(encoding="utf-8"))
    record["metrics"]["t.probability"] = 1.0
    record["metrics"]["t.ci95_low"] = 0.0
    record["metrics"]["t.ci95_high"] = 0.1
    record["sha256"] = _checksum(record)
    path.write_text(json.dumps(record), encoding="utf-8")
    heard = []
    again = optimize(s, objectives, store=PointStore(tmp_path, study="x", notice=heard.append),
                     **kw)
    assert len(heard) == 1 and "outside its own 95% interval" in heard[0]
    assert again.front.equals(first.front)  # the forgery changed nothing


def test_p10_and_regret_come_from_the_odds_in_each_uncertain_draw():
    # drop-out uncertain: in draw d the odds are Binomial with that draw's drop-out
    data = yaml.safe_load(TWO)
    data["uncertain"] = {"pathways.a.stages[0].dropout": {"dist": "uniform", "min": 0.1,
                                                          "max": 0.5}}
    s = scenario_from_dict(data)
    theta = np.array([[0.1], [0.3], [0.5]])
    by_draw, pooled = odds_by_draw(_DrawJob(s, theta, 30_000, 0), (0, {}))
    for d, (q,) in enumerate(theta):
        n = np.arange(11)
        # 10 of a (success 1 − q) plus 10 of b (0.7): at least 20 of 20 means all succeed
        exact = (1 - q) ** 10 * 0.7 ** 10
        se = math.sqrt(exact * (1 - exact) / 10_000)
        assert abs(by_draw[d, 0] - exact) < 4 * se + 1e-4, (d, by_draw[d, 0], exact, n)
    assert pooled[0] == pytest.approx(by_draw[:, 0].mean())
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    found = optimize(s, objectives, evaluations=48, replications=400, final_replications=800,
                     seed=1, robustness="regret")
    assert {"P(t)_p10", "P(t)_regret"} <= set(found.front.columns)
    assert (found.front["P(t)_p10"] <= found.front["P(t)"] + 0.05).all()
    assert (found.front["P(t)_regret"] >= 0).all()
    assert found.front["P(t)_regret"].is_monotonic_increasing  # regret ranks the front


def test_objectives_constraints_and_costs_are_checked(tmp_path, capsys):
    s = two()
    with pytest.raises(RunConfigError, match="max P"):
        parse_objective("maximise P(t)", s)
    with pytest.raises(RunConfigError, match="not a target"):
        parse_objective("max P(nope)", s)
    with pytest.raises(RunConfigError, match="level is a probability"):
        parse_constraint("P(t) >= 1.5", s)
    assert parse_constraint("P(t) >= 50%", s).level == 0.5
    no_cost = yaml.safe_load(TWO)
    for lever in no_cost["levers"]:
        lever.pop("cost"), lever.pop("cost_unit")
    with pytest.raises(RunConfigError, match="no lever .* has a cost"):
        parse_objective("min cost", scenario_from_dict(no_cost))
    mixed = yaml.safe_load(TWO)
    mixed["levers"][1]["cost_unit"] = "million CNY"
    with pytest.raises(ScenarioError, match="one unit"):
        scenario_from_dict(mixed)
    path = tmp_path / "two.yaml"
    path.write_text(TWO, encoding="utf-8")
    assert cli.main(["optimize", str(path), "--objective", "max P(t)"]) == 2
    assert "two or more --objective" in capsys.readouterr().err


@pytest.mark.slow
def test_the_cli_writes_the_front_and_a_report_in_both_languages(tmp_path, capsys):
    path = tmp_path / "two.yaml"
    path.write_text(TWO, encoding="utf-8")
    out = tmp_path / "opt"
    assert cli.main(["optimize", str(path), "--objective", "max P(t)", "--objective",
                     "min cost", "--evaluations", "48", "-n", "200", "--out", str(out),
                     "--lang", "en,zh", "-q", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "The cheapest programme found that reaches" in printed
    front = (out / "front.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert front[:2] == ["pathways.a.programme", "pathways.b.programme"]
    assert {"P(t)", "P(t)_low", "P(t)_high", "cost"} <= set(front)
    summary = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
    assert summary["objectives"] == ["max P(t)", "min cost"]
    assert len(summary["convergence"]) == 2
    assert (out / "report.html").is_file() and (out / "report.zh.html").is_file()
    assert not (out / "points").exists()


def test_the_front_is_re_evaluated_under_a_calibrations_posterior(tmp_path):
    from simulator.inputs.posterior import write_posterior
    from simulator.study.optimize import under_posterior

    data = yaml.safe_load(TWO)
    data["uncertain"] = {"pathways.a.stages[0].dropout": {"dist": "uniform", "min": 0.1,
                                                          "max": 0.5}}
    s = scenario_from_dict(data)
    file = tmp_path / "posterior.parquet"  # a posterior that pins a's drop-out at 0.1
    write_posterior(file, np.full((50, 1), 0.1), ["pathways.a.stages[0].dropout"])
    post = under_posterior(s, file)
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    found = optimize(s, objectives, evaluations=48, replications=400, final_replications=4000,
                     seed=1, posterior=post)
    front = found.front
    assert {"P(t)_posterior", "P(t)_posterior_low", "P(t)_posterior_high"} <= set(front)
    for _, row in front.iterrows():
        na = round(10 * row["pathways.a.programme"]) if row["pathways.a.programme"] != 1 else 10
        nb = round(10 * row["pathways.b.programme"]) if row["pathways.b.programme"] != 1 else 10
        # successes: Binomial(na, 0.9) + Binomial(nb, 0.7) ≥ 20
        pa = stats.binom.pmf(np.arange(na + 1), na, 0.9)
        sb = stats.binom.sf(19 - np.arange(na + 1), nb, 0.7)
        exact = float(np.sum(pa * sb))
        se = math.sqrt(max(exact * (1 - exact), 1e-4) / 4000)
        assert abs(row["P(t)_posterior"] - exact) < 4 * se + 1e-3, (row.to_dict(), exact)
    with pytest.raises(RunConfigError, match="--posterior"):
        under_posterior(s, tmp_path / "missing.parquet")


@pytest.mark.slow
def test_a_dask_cluster_finds_the_same_front_as_one_process():
    pytest.importorskip("distributed")
    from simulator.run.backends import DaskBackend

    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    kw = dict(evaluations=48, replications=200, final_replications=400, seed=4)
    one = optimize(s, objectives, backend=LocalBackend(1), **kw)
    dask = optimize(s, objectives, backend=DaskBackend("local:2"), **kw)
    assert one.front.equals(dask.front)
