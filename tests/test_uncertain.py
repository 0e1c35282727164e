"""Uncertain parameters: closed forms, degenerate priors, common random numbers, checks."""

import math

import numpy as np
import pytest
from conftest import scenario

from simulator import load_scenario, scenario_from_dict, simulate
from simulator.inputs.errors import ScenarioError
from simulator.model.engines import des, fast
from simulator.model.layout import build_layout
from simulator.model.sampling import draw_chunk
from simulator.run.uncertainty import first_order_index

ONE = """
name: one
horizon: {start: 2022, end: 2022}
targets: [{name: t, by: 2022, km2: 0.5}]
pathways:
  a:
    plan: {2022: 1.0}
    projects: 1
    stages: [{name: s, duration: 0.5, dropout: 0.2}]
"""

CAPPED = """
name: capped
horizon: {start: 2022, end: 2022}
targets: [{name: t, by: 2022, km2: 2.5}]
pathways:
  a:
    plan: {2022: 10.0}
    projects: 10
    stages: [{name: s, duration: 0.5}]
    annual_cap: 3.0
"""


def test_uncertain_dropout_integrates_to_its_mean():
    # one project, fixed duration: P(release) = E[1 − d] = 1 − prior mean (closed form)
    s = scenario(ONE + "uncertain:\n  pathways.a.stages[0].dropout: {dist: beta, mean: 0.3, "
                       "sd: 0.15}\n")
    r = simulate(s, replications=20_000, seed=3)
    p = r.met[:, 0].mean()
    se = math.sqrt(0.7 * 0.3 / 20_000)
    assert abs(p - 0.7) < 4 * se
    # and the drawn values are the prior's
    assert abs(r.params[:, 0].mean() - 0.3) < 4 * 0.15 / math.sqrt(20_000)


def test_uncertain_cap_releases_the_cap_each_replication():
    # ten km² waiting, a cap U(1, 5): the year hands over exactly each replication's cap
    s = scenario(CAPPED + "uncertain:\n  pathways.a.annual_cap: {dist: uniform, min: 1, "
                          "max: 5}\n")
    r = simulate(s, replications=4000, seed=1)
    np.testing.assert_allclose(r.annual[:, 0, 0], r.params[:, 0], atol=1e-12)
    assert abs(r.met[:, 0].mean() - 0.625) < 4 * math.sqrt(0.625 * 0.375 / 4000)  # P(cap ≥ 2.5)


def test_uncertain_duration_scale_is_exact_for_a_lognormal():
    # median θ per replication: log(duration / θ) / σ must be standard normal
    text = ONE.replace("duration: 0.5", "duration: {dist: lognormal, median: 1, sigma: 0.5}")
    s = scenario(text + "uncertain:\n  pathways.a.stages[0].duration.median: {dist: uniform, "
                        "min: 0.5, max: 2}\n")
    layout = build_layout(s)
    d = draw_chunk(layout, 7, 0, 1000)
    z = np.log(d.duration[:, 0, 0] / d.params[:, 0]) / 0.5
    assert abs(z.mean()) < 4 / math.sqrt(1000) and abs(z.std() - 1) < 0.1


@pytest.mark.parametrize("path,value", [
    ("pathways.a.stages[0].dropout", 0.2),
    ("pathways.a.annual_cap", 3.0),
    ("pathways.a.stages[0].duration.value", 0.5),
    ("correlation.pathway_factor_sigma", 0.0),
])
def test_a_prior_fixed_at_the_scenario_value_changes_nothing(path, value):
    base = scenario(CAPPED.replace("stages: [{name: s, duration: 0.5}]",
                                   "stages: [{name: s, duration: 0.5, dropout: 0.2}]"))
    fixed = scenario(CAPPED.replace("stages: [{name: s, duration: 0.5}]",
                                    "stages: [{name: s, duration: 0.5, dropout: 0.2}]")
                     + f"uncertain:\n  {path}: {value}\n")
    for engine in ("fast", "des"):
        a = simulate(base, replications=300, seed=5, engine=engine)
        b = simulate(fixed, replications=300, seed=5, engine=engine)
        np.testing.assert_array_equal(a.annual, b.annual)


def test_engines_agree_on_every_kind_at_once():
    from conftest import ROOT

    from simulator import load_scenario

    layout = build_layout(load_scenario(ROOT / "scenarios" / "baseline-uncertain.yaml"))
    d = draw_chunk(layout, 11, 0, 40)
    a, b = des.run_chunk(layout, d), fast.run_chunk(layout, d)
    np.testing.assert_allclose(a.annual, b.annual, rtol=0, atol=1e-9)


def test_same_path_same_prior_same_values_in_another_scenario():
    prior = "uncertain:\n  pathways.a.stages[0].dropout: {dist: uniform, min: 0, max: 0.5}\n"
    one = simulate(scenario(ONE + prior), replications=1500, seed=9)
    other = simulate(scenario(CAPPED + prior), replications=1500, seed=9)
    np.testing.assert_array_equal(one.params, other.params)


def test_summary_ranks_the_parameter_that_matters_and_not_the_one_that_does_not():
    s = scenario(ONE.replace("name: one", "name: two") + """
events: [{name: e, probability: 0.5, lasts: 1, pathways: [a]}]
uncertain:
  pathways.a.stages[0].dropout: {dist: uniform, min: 0, max: 1}
  events[0].probability: {dist: uniform, min: 0, max: 1}
""")
    r = simulate(s, replications=20_000, seed=2)
    rows = r.summary()["uncertain"]["sensitivity"]["t"]
    assert rows[0]["path"] == "pathways.a.stages[0].dropout"
    # E[1 − d | d] = 1 − d: Var = 1/12 over Var(Y) = 1/4 → first-order index 1/3
    assert abs(rows[0]["first_order"] - 1 / 3) < 0.03
    assert rows[0]["odds_low"] > 0.8 and rows[0]["odds_high"] < 0.2
    assert rows[1]["first_order"] < 0.005  # an event that changes nothing


def test_first_order_index_of_noise_is_near_zero():
    rng = np.random.default_rng(0)
    x, y = rng.random(10_000), (rng.random(10_000) < 0.4).astype(float)
    assert first_order_index(x, y) < 0.003


@pytest.mark.parametrize("entry,message", [
    ("pathways.a.projects.count: {dist: uniform, min: 1, max: 3}", "changes the layout"),
    ("pathways.a.stages[0].dropout: {dist: uniform, min: 0.5, max: 1.5}", "at most 1"),
    ("pathways.a.stages[0].durations: {dist: uniform, min: 1, max: 2}", "has no 'durations'"),
    ("pathways.a.stages[0].duration.value: {dist: uniform, min: -1, max: 2}", "above 0"),
])
def test_bad_uncertain_entries_name_the_key_path(entry, message):
    with pytest.raises(ScenarioError) as err:
        scenario(ONE + f"uncertain:\n  {entry}\n")
    text = str(err.value)
    assert "uncertain." in text and message in text


EVENTFUL = """
name: ev
horizon: {start: 2022, end: 2032}
targets: [{name: t, by: 2032, km2: 1}]
pathways:
  a: {plan: {2024: 1.0}, projects: 1, stages: [{name: s, duration: 1.0, dropout: 0.1}]}
events:
  - {name: slump, probability: 1.0, lasts: 30, pathways: [a], duration_multiplier: 2.0,
     dropout_add: 0.2}
uncertain:
  events[0].duration_multiplier: {dist: uniform, min: 1, max: 3}
  events[0].dropout_add: {dist: uniform, min: 0, max: 0.5}
"""


def test_uncertain_event_values_act_as_drawn_in_each_replication():
    """Closed form per replication: an event active since 2022 stretches the one-year stage
    (scheduled to start mid-2023) to θ₁ years and adds θ₂ to its drop-out, so the project is
    released in year ⌊start + θ₁⌋ unless its uniform falls below 0.1 + θ₂."""
    s = scenario(EVENTFUL)
    layout = build_layout(s)
    d = draw_chunk(layout, 3, 0, 1000)
    mult, add = d.params[:, 0], d.params[:, 1]
    assert (d.start[:, 0] == 2023.5).all() and d.event_start[:, 0, 0].all()
    np.testing.assert_array_equal(d.event_multiplier[:, 0], mult)
    for engine in (fast, des):
        out = engine.run_chunk(layout, d)
        kept = d.dropout_u[:, 0, 0] >= 0.1 + add
        year = np.floor(d.start[:, 0] + 1.0 * mult).astype(int) - 2022
        expected = np.zeros_like(out.annual[:, :, 0])
        rows = np.flatnonzero(kept & (year <= 10))
        expected[rows, year[rows]] = 1.0
        np.testing.assert_allclose(out.annual[:, :, 0], expected, atol=1e-12)
    # drop-out averages 0.1 + E[θ₂] = 0.35 (binomial error, 4 standard errors)
    assert abs((~kept).mean() - 0.35) < 4 * math.sqrt(0.35 * 0.65 / 1000)


# ------------------------------------------------ a calibration's posterior as the priors

POSTERIOR_SCENARIO = """
name: post
horizon: {start: 2022, end: 2024}
targets: [{name: t, by: 2024, km2: 9}]
pathways:
  a:
    plan: {2022: 10.0, 2023: 10.0, 2024: 10.0}
    projects: 30
    stages: [{name: s, duration: 0.5, dropout: 0.2}]
    annual_cap: 3.0
uncertain:
  from: post.parquet
"""


def _posterior_file(tmp_path, weights=None, columns=None):
    from simulator.inputs.posterior import write_posterior

    rng = np.random.default_rng(5)
    values = np.column_stack([rng.uniform(1, 5, 300), rng.uniform(0, 0.5, 300)])
    paths = columns or ["pathways.a.annual_cap", "pathways.a.stages[0].dropout"]
    write_posterior(tmp_path / "post.parquet", values, paths, weights=weights,
                    metadata={"scenario": "cal", "seed": 7})
    path = tmp_path / "post.yaml"
    path.write_text(POSTERIOR_SCENARIO)
    return path, values


def test_a_posterior_file_round_trips(tmp_path):
    from simulator.inputs.posterior import read_posterior, write_posterior

    values = np.arange(12.0).reshape(6, 2) + 0.5
    weights = np.array([1, 0, 2, 3, 0, 4], dtype=float)
    write_posterior(tmp_path / "p.parquet", values, ["x", "y"], weights=weights,
                    metadata={"seed": 3, "scenario_sha256": "abc"})
    paths, got, w, meta = read_posterior(tmp_path / "p.parquet")
    assert paths == ["x", "y"] and meta == {"seed": 3, "scenario_sha256": "abc"}
    keep = weights > 0  # zero-weight rows are dropped, the rest normalised
    np.testing.assert_array_equal(got, values[keep])
    np.testing.assert_allclose(w, weights[keep] / weights.sum())


def test_a_scenario_from_a_weighted_posterior_draws_its_weighted_mean(tmp_path):
    rng = np.random.default_rng(9)
    weights = rng.exponential(1.0, 300)
    path, values = _posterior_file(tmp_path, weights=weights)
    s = load_scenario(path)
    assert s.posterior is not None and s.posterior.calibration["seed"] == 7
    result = simulate(s, replications=4000, seed=11)
    w = weights / weights.sum()
    mean = w @ values
    sd = np.sqrt(w @ (values - mean) ** 2)
    drawn = result.params.mean(axis=0)
    assert np.all(np.abs(drawn - mean) < 4 * sd / math.sqrt(4000)), (drawn, mean)
    # every drawn vector is a row of the posterior (a joint draw, not independent columns)
    rows = {tuple(r) for r in values}
    assert all(tuple(r) in rows for r in result.params[:200])
    again = simulate(load_scenario(path), replications=4000, seed=11)
    np.testing.assert_array_equal(result.params, again.params)
    np.testing.assert_array_equal(result.annual, again.annual)
    # the resolved scenario carries the draws: it reloads without the file
    assert scenario_from_dict(s.resolved()).digest() == s.digest()


@pytest.mark.parametrize("case, message", [
    ("missing", "no posterior file"),
    ("unknown path", "column 'pathways.b.annual_cap'"),
    ("not uncertain", "cannot be uncertain"),
])
def test_a_bad_posterior_exits_2_with_file_line_and_key(tmp_path, capsys, case, message):
    from simulator import cli

    columns = {"unknown path": ["pathways.b.annual_cap", "pathways.a.stages[0].dropout"],
               "not uncertain": ["pathways.a.projects.count", "pathways.a.stages[0].dropout"]}
    path, _ = _posterior_file(tmp_path, columns=columns.get(case))
    if case == "missing":
        (tmp_path / "post.parquet").unlink()
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and f"{path}:12" in err and "uncertain" in err, err


def test_weights_at_the_float_maximum_keep_their_proportions(tmp_path):
    # every weight 1e308: their sum overflows to inf, which normalised them all to 0 and drew
    # the last row in every replication (issue 36, item 1)
    from simulator.inputs.posterior import read_posterior, write_posterior

    values = np.arange(8.0).reshape(4, 2)
    write_posterior(tmp_path / "p.parquet", values, ["x", "y"],
                    weights=np.array([1e308, 1e308, 5e307, 0.0]))
    _, got, w, _ = read_posterior(tmp_path / "p.parquet")
    np.testing.assert_allclose(w, [0.4, 0.4, 0.2])
    np.testing.assert_array_equal(got, values[:3])


def test_a_compressed_bomb_is_refused_from_its_footer_before_it_is_inflated(tmp_path):
    # millions of rows of a compressed constant: a small file, gigabytes once read; refused
    # from the row count in the footer (issue 36, item 2)
    import pyarrow as pa
    import pyarrow.parquet as pq

    from simulator.inputs.posterior import MAX_POSTERIOR_ROWS, read_posterior

    rows = 40 * MAX_POSTERIOR_ROWS
    table = pa.table({"x": pa.repeat(pa.scalar(1.0), rows)})  # 32 MB, kept alive below
    pq.write_table(table, tmp_path / "bomb.parquet", compression="zstd")
    assert (tmp_path / "bomb.parquet").stat().st_size < 1 << 20
    pool = pa.default_memory_pool()
    peak = pool.max_memory()  # at least the table's 32 MB already
    with pytest.raises(ValueError, match=f"{rows:,} rows"):
        read_posterior(tmp_path / "bomb.parquet")
    # nothing was inflated: reading it whole would have raised the pool's peak by 32 MB more
    assert pool.max_memory() - peak < 8 << 20
    assert table.num_rows == rows


def test_a_posterior_column_that_is_not_a_number_is_refused_from_the_schema(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from simulator.inputs.posterior import read_posterior

    pq.write_table(pa.table({"x": ["a", "b"]}), tmp_path / "text.parquet")
    with pytest.raises(ValueError, match="not numeric"):
        read_posterior(tmp_path / "text.parquet")
