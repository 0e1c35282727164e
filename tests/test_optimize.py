"""landsim optimize: a front with a closed form (two pathways, fixed durations, costs linear
in over-programming, binomial odds), reproducibility, resume, agreement with `landsim run
--set`, robustness across uncertain draws, kept (binding) targets, re-evaluation on
independent random numbers, a convergence curve that can fall, progress, the costs'
provenance, an early stop once the front settles (and the budget otherwise), and its input
errors."""

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
    POPULATION,
    SETTLE_WINDOW,
    Keep,
    _DrawJob,
    cost_provenance,
    hypervolume,
    keep_targets,
    nondominated,
    odds_by_draw,
    optimize,
    parse_constraint,
    parse_keep_odds,
    parse_objective,
    programme_cost,
    reevaluation_seed,
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
    # the re-evaluation runs on a seed derived from the search's, not equal to it; each
    # member's odds equal `landsim run --set` on that seed, and its search values `landsim
    # run --set` on the search's
    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    found = optimize(s, objectives, evaluations=48, replications=200, final_replications=1000,
                     seed=2)
    reseed = found.settings["reevaluation_seed"]
    assert reseed == reevaluation_seed(2) != 2
    row = found.front.iloc[len(found.front) // 2]
    values = {"pathways.a.programme": row["pathways.a.programme"],
              "pathways.b.programme": row["pathways.b.programme"]}
    run = simulate(with_values(s, values), replications=1000, seed=reseed)
    assert run.target_odds().probability.iloc[0] == row["P(t)"]
    search = simulate(with_values(s, values), replications=200, seed=2)
    assert search.target_odds().probability.iloc[0] == row["P(t)_search"]
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
    assert again.convergence.equals(first.convergence)
    assert len(heard) == 1 and "point 3" in heard[0]
    # the held-out and final evaluations are kept beside the search's
    assert len(list((tmp_path / "holdout").glob("*.json"))) == first.settings[
        "holdout_evaluations"]
    assert len(list((tmp_path / "final").glob("*.json"))) == len(first.front)


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
    assert {"P(t)_search", "keeps_t", "ceiling_km2_t", "feasible", "dominated"} <= set(front)
    summary = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
    assert summary["objectives"] == ["max P(t)", "min cost"]
    assert len(summary["convergence"]) == 2
    assert {"hypervolume", "hypervolume_reevaluated", "front_size"} <= set(
        summary["convergence"][0])
    assert summary["reevaluation_seed"] == reevaluation_seed(0) != 0
    assert summary["reevaluation"]["seed"] == summary["reevaluation_seed"]
    assert summary["keeps"] == ["t: possible, P ≥ as shipped"]
    assert (out / "report.html").is_file() and (out / "report.zh.html").is_file()
    assert (out / "charts" / "convergence.png").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "independent random numbers" in report and "It keeps t possible" in report
    assert "独立随机数" in (out / "report.zh.html").read_text(encoding="utf-8")
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


# ---------------------------------------------------------------- kept (binding) targets


def keep_scenario():
    """TWO with a's throughput as a lever and a binding target `first` (0.8 km² from a by
    2022): it needs a's cap at 0.8 km²/yr or more, which scoring only `t` does not."""
    data = yaml.safe_load(TWO)
    data["targets"] = [{"name": "t", "by": 2024, "km2": 1.95, "kind": "strive"},
                       {"name": "first", "by": 2022, "km2": 0.8, "kind": "floor",
                        "pathways": ["a"]}]
    data["pathways"]["a"]["annual_cap"] = 1.5
    data["levers"].append({"path": "pathways.a.annual_cap", "min": 0.3, "max": 1.5,
                           "cost": 0.5, "cost_unit": "units", "description": "a's throughput"})
    return scenario_from_dict(data)


def test_a_binding_target_stays_possible_and_no_less_likely_than_as_shipped():
    s = keep_scenario()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    assert keep_targets(s) == [Keep("first", "shipped")]  # kind floor: kept by default
    kw = dict(evaluations=48, replications=200, final_replications=400, seed=1)
    free = optimize(s, objectives, keeps=keep_targets(s, ["none"]), **kw)
    assert (free.front["pathways.a.annual_cap"] < 0.8).any()  # without: `first` abandoned
    kept = optimize(s, objectives, **kw)
    ev, front = kept.evaluations, kept.front
    assert {"P(first)", "P(first)_low", "P(first)_high", "ceiling_km2_first",
            "keeps_first"} <= set(front)
    # every candidate the search counted feasible can reach 0.8 km² by 2022 ...
    assert (ev.loc[ev.feasible, "ceiling_km2_first"] >= 0.8 - 1e-9).all()
    assert (ev.loc[ev.feasible, "pathways.a.annual_cap"] >= 0.8 - 1e-9).all()
    assert (~ev.feasible).any()  # ... and some were not
    # ... and is at least as likely as the scenario as shipped, on the same numbers
    ref = kept.settings["reference"]
    shipped = simulate(s, replications=200, seed=1).target_odds().probability["first"]
    assert ref["search"]["first"] == shipped
    assert (ev.loc[ev.feasible, "P(first)"] >= shipped).all()
    # front.csv's flag says what the re-evaluated values say
    expect = ((front["ceiling_km2_first"] >= 0.8 - 1e-9)
              & (front["P(first)"] >= ref["reevaluation"]["first"]))
    assert (front["keeps_first"] == expect).all()
    assert kept.on_front["keeps_first"].all() and not kept.on_front.empty
    # kept only possible: no reference, the ceiling alone binds
    possible = optimize(s, objectives, keeps=[Keep("first", "possible")], **kw)
    assert possible.settings["reference"]["search"] == {}
    feasible = possible.evaluations[possible.evaluations.feasible]
    assert (feasible["ceiling_km2_first"] >= 0.8 - 1e-9).all()


def test_kept_targets_and_their_odds_are_checked(tmp_path, capsys):
    s = keep_scenario()
    assert keep_targets(s, ["none"]) == []
    assert keep_targets(s, ["none", "t"]) == [Keep("t")]
    assert [k.target for k in keep_targets(s, ["t"], 0.5)] == ["t", "first"]
    assert keep_targets(s, ["t"], 0.5)[0].odds == 0.5
    assert parse_keep_odds("50%") == 0.5 and parse_keep_odds("possible") == "possible"
    with pytest.raises(RunConfigError, match="'nope' is not a target"):
        keep_targets(s, ["nope"])
    with pytest.raises(RunConfigError, match="--keep-odds expects"):
        parse_keep_odds("often")
    with pytest.raises(RunConfigError, match="level is a probability"):
        parse_keep_odds("150%")
    path = tmp_path / "two.yaml"
    path.write_text(TWO, encoding="utf-8")
    base = ["optimize", str(path), "--objective", "max P(t)", "--objective", "min cost"]
    assert cli.main([*base, "--keep", "nope"]) == 2
    assert "'nope' is not a target" in capsys.readouterr().err
    assert cli.main([*base, "--keep-odds", "150%"]) == 2
    assert "level is a probability" in capsys.readouterr().err


# ---------------------------------------------------------------- re-evaluation, convergence


def true_odds(a, b):
    return 1 - np.exp(-3 * ((a - 1) + (b - 1)))


def inflated(search_seed: int, luck: float):
    """A stub evaluator (run_points' signature): P(t) = true_odds(a, b), plus on the
    search's seed each candidate's own luck (uniform up to ``luck``, fixed by its values)."""
    import pandas as pd

    def evaluate(base, design, *, replications, seed, backend, store=None, progress=None,
                 origin=""):
        rows = []
        for _, r in design.iterrows():
            a = float(r.get("pathways.a.programme", 1.0))
            b = float(r.get("pathways.b.programme", 1.0))
            p = true_odds(a, b)
            if seed == search_seed:
                p = min(1.0, p + luck * np.random.default_rng(
                    [round(a * 1e6), round(b * 1e6)]).random())
            rows.append({"t.probability": p, "t.ci95_low": p, "t.ci95_high": p,
                         "t.mean_km2": 2 * p})
        if progress is not None:
            progress(len(design))
        return pd.concat([design, pd.DataFrame(rows, index=design.index)], axis=1)

    return evaluate


def test_the_re_evaluated_curve_can_fall_and_lucky_members_are_marked():
    from simulator.report.i18n import t
    from simulator.report.optimize_charts import convergence_chart
    from simulator.study.optimize_output import notes, reevaluation_summary

    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    found = optimize(s, objectives, keeps=(), evaluations=240, replications=100, seed=3,
                     evaluator=inflated(3, 0.3))
    conv = found.convergence
    assert conv.hypervolume.is_monotonic_increasing  # the archive on the search's own values
    assert (np.diff(conv.hypervolume_reevaluated) < 0).any()  # the held-out curve falls
    assert conv.front_size.iloc[-1] == len(found.front)
    # its last point is the hypervolume of the search's front on the true odds
    front = found.front
    assert np.allclose(front["P(t)"], true_odds(front["pathways.a.programme"],
                                                front["pathways.b.programme"]))
    true_F = np.column_stack([-front["P(t)"], front["cost"]])
    assert conv.hypervolume_reevaluated.iloc[-1] == pytest.approx(
        hypervolume(true_F, np.array([1.0, 3.0]), objectives))
    # the search's values carry its luck; members dominated on the true odds are marked
    assert (front["P(t)_search"] >= front["P(t)"]).all()
    dominated = [bool(((true_F <= f).all(axis=1) & (true_F < f).any(axis=1)).any())
                 for f in true_F]
    assert front["dominated"].tolist() == dominated and any(dominated)
    assert set(nondominated(true_F)) == set(np.flatnonzero(~np.array(dominated)))
    assert not found.on_front["dominated"].any()
    summary = reevaluation_summary(found)
    assert summary["dominated"] == sum(dominated) and summary["members"] == len(front)
    assert summary["search_minus_reevaluated"]["P(t)"] > 0
    assert any(f"dominated there: {sum(dominated)};" in n for n in notes(found))
    assert any("fell in at least one generation" in n for n in notes(found))
    # the chart draws both curves
    ax = convergence_chart(found)
    lines = {line.get_label(): line for line in ax.get_lines()}
    held = lines[t("optimize.hv_heldout", "en")]
    assert np.allclose(held.get_ydata(), conv.hypervolume_reevaluated)
    assert np.allclose(lines[t("optimize.hv_search", "en")].get_ydata(), conv.hypervolume)


def test_progress_counts_candidates_and_reports_generations_and_the_front():
    s = two()
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    ticks, heard = [], []
    found = optimize(s, objectives, evaluations=72, replications=100, final_replications=200,
                     seed=6, progress=ticks.append, status=heard.append)
    search = [h for h in heard if h.stage == "search"]
    assert [h.generation for h in search] == [1, 2, 3]
    assert all(h.generations == 3 and h.total == 3 * POPULATION for h in search)
    assert [h.evaluated for h in search] == found.convergence.evaluations.tolist()
    assert [h.front for h in search] == found.convergence.front_size.tolist()
    (again,) = [h for h in heard if h.stage == "reevaluation"]
    assert again.total == len(found.front)
    # every candidate proposed (simulated or not) and every member re-evaluated, once
    assert sum(ticks) == 3 * POPULATION + len(found.front)
    # three generations are too few to tell whether the front settled: the budget ran out
    assert found.settings["stop"]["reason"] == "budget"
    assert found.settings["stop"]["generation"] == found.settings["generations_run"] == 3


def test_the_progress_bar_shows_the_generation_and_the_front():
    import io

    from tqdm import tqdm

    from simulator.cli.optimize import _SearchBar
    from simulator.study.optimize import SearchStatus

    out = io.StringIO()
    bar = tqdm(total=48, file=out, mininterval=0, ncols=160)
    shown = _SearchBar(bar)
    shown.update(24)
    shown.status(SearchStatus("search", 1, 2, 21, 7, 48))
    assert "24/48" in out.getvalue() and "generation 1/2 done · 21 simulated · front 7" in \
        out.getvalue()
    shown.status(SearchStatus("reevaluation", 2, 2, 40, 9, 9))
    shown.update(3)
    bar.refresh()
    assert "re-evaluating the front" in out.getvalue() and "3/9" in out.getvalue()
    bar.close()


# ---------------------------------------------------------------- costs, layouts


def test_illustrative_costs_are_labelled_beside_the_headline():
    from conftest import ROOT

    from simulator import load_scenario
    from simulator.study.optimize_output import headline, notes

    buffered = cost_provenance(load_scenario(ROOT / "scenarios" / "buffered-programme.yaml"))
    assert buffered["label"] == "illustrative"
    assert (buffered["illustrative"], buffered["costed"]) == (3, 4)
    assert buffered["levers"]["programme"] == "derived"
    s = two(provenance={"levers[0]": "assumption: a range; cost illustrative: made up",
                        "levers[1]": "derived: cost derived from a's"})
    assert cost_provenance(s)["label"] == "illustrative"
    objectives = [parse_objective("max P(t)", s), parse_objective("min cost", s)]
    found = optimize(s, objectives, evaluations=48, replications=200, final_replications=400,
                     seed=2)
    assert "units (illustrative)." in headline(found, 0.5)
    assert "units（示意值）" in headline(found, 0.5, lang="zh")
    assert "Costs are in illustrative units: the scenario labels the costs of 1 of its 2 " \
           "costed levers illustrative" in " ".join(notes(found, 0.5))
    assert "示意" in " ".join(notes(found, 0.5, lang="zh"))
    plain = two()  # unlabelled costs: no tag, no note
    import dataclasses

    unlabelled = dataclasses.replace(found, settings={
        **found.settings, "cost_provenance": cost_provenance(plain)})
    assert "illustrative" not in headline(unlabelled, 0.5)
    assert not any("Costs are in" in n for n in notes(unlabelled, 0.5))


def test_layouts_come_from_the_model_wing():
    import simulator.study.calibrate as calibrate
    from simulator.model.layout_cache import LAYOUTS, layout_for

    s = two()
    assert layout_for(s) is layout_for(s) is LAYOUTS.layout(s)
    assert calibrate.layout_for is layout_for and not hasattr(calibrate, "_layout")


# ---------------------------------------------------------------- when the search stops


def still_data() -> dict:
    """TWO with levers that change nothing: the places of each pathway's stage, 20 or 21
    for its 10 projects, never bind — every programme has the same odds and km², so the
    front cannot move (and there are only four programmes: whole numbers)."""
    data = yaml.safe_load(TWO)
    for name in ("a", "b"):
        data["pathways"][name]["stages"][0]["capacity"] = 20
    data["levers"] = [{"path": f"pathways.{name}.stages[0].capacity", "min": 20, "max": 21,
                       "description": f"{name}'s places, never binding"}
                      for name in ("a", "b")]
    return data


def still():
    return scenario_from_dict(still_data())


def test_a_front_that_cannot_move_stops_the_search_early_and_it_says_why(tmp_path, capsys):
    from simulator.study.optimize_output import notes

    s = still()
    objectives = [parse_objective("max P(t)", s), parse_objective("max km2(t)", s)]
    kw = dict(evaluations=480, replications=100, final_replications=200, seed=0)
    found = optimize(s, objectives, backend=LocalBackend(1), **kw)
    stop = found.settings["stop"]
    # the first generation has nothing to compare with; the next SETTLE_WINDOW do not move
    assert stop["reason"] == "settled" and stop["criterion"] == "objectives"
    assert stop["generation"] == SETTLE_WINDOW + 1 == found.settings["generations_run"]
    assert stop["generations"] == found.settings["generations"] == 20
    conv = found.convergence
    assert conv.generation.tolist() == list(range(1, SETTLE_WINDOW + 2))
    assert np.isnan(conv.front_moved.iloc[0]) and (conv.front_moved.iloc[1:] == 0).all()
    assert len(found.evaluations) == 4  # every programme there is, each simulated once
    # the held-out curve and the re-evaluation are still there
    assert conv.hypervolume_reevaluated.notna().all() and not found.front.empty
    assert {"P(t)_low", "P(t)_high", "dominated", "feasible"} <= set(found.front)
    said = " ".join(notes(found))
    assert (f"The search stopped at generation {SETTLE_WINDOW + 1} of its 20: the front had "
            "settled") in said
    assert f"搜索在第{SETTLE_WINDOW + 1}代停止" in " ".join(notes(found, lang="zh"))
    # two workers stop at the same generation with the same candidates
    again = optimize(s, objectives, backend=LocalBackend(2), **kw)
    assert again.settings["stop"] == stop and again.evaluations.equals(found.evaluations)
    # the command prints it and records it in optimize.json
    path = tmp_path / "still.yaml"
    path.write_text(yaml.safe_dump(still_data(), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "opt"
    assert cli.main(["optimize", str(path), "--objective", "max P(t)", "--objective",
                     "max km2(t)", "-n", "100", "--final-replications", "200", "--out",
                     str(out), "-q", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "up to 20 generations" in printed
    assert f"in {SETTLE_WINDOW + 1} of 20 generations (front settled)" in printed
    assert "the front had settled" in printed
    summary = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
    assert summary["stop"] == stop
    assert any("the front had settled" in n for n in summary["notes"])


def test_a_budget_within_the_early_stop_window_runs_every_generation():
    from simulator.study.optimize_output import notes

    s = still()
    objectives = [parse_objective("max P(t)", s), parse_objective("max km2(t)", s)]
    # the front cannot move, yet a budget of SETTLE_WINDOW generations is run to the end:
    # the early stop can act at generation SETTLE_WINDOW + 1 at the soonest
    found = optimize(s, objectives, evaluations=SETTLE_WINDOW * POPULATION, replications=100,
                     final_replications=200, seed=0)
    stop = found.settings["stop"]
    assert (stop["reason"], stop["criterion"]) == ("budget", None)
    assert stop["generation"] == stop["generations"] == SETTLE_WINDOW
    assert found.convergence.generation.tolist() == list(range(1, SETTLE_WINDOW + 1))
    assert any(f"ran its whole budget, {SETTLE_WINDOW} generations — too few for the early "
               "stop" in n for n in notes(found))
