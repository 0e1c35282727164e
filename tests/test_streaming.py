"""Streaming summaries: the same answers as the raw arrays, whatever keeps or runs them.

Counts (targets met, joint, S-curve) must equal those of the kept arrays exactly; means to
rounding; quantiles to within one histogram bin (exactly where a bin holds one value).
"""

import json
import time

import boost_histogram as bh
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from simulator import load_scenario, simulate
from simulator.cli import main as cli
from simulator.run.backends import LocalBackend
from simulator.run.results import RawDataNotKept, targets_met
from simulator.run.tally import hist_quantiles

BASELINE = load_scenario(ROOT / "scenarios" / "baseline.yaml")
UNCERTAIN = load_scenario(ROOT / "scenarios" / "baseline-uncertain.yaml")


def test_counts_equal_the_raw_arrays_and_quantiles_lie_within_a_bin():
    result = simulate(BASELINE, replications=3500, seed=4, keep_replications=True)
    tally, n = result.tally, result.replications
    met = targets_met(BASELINE, result.annual)
    np.testing.assert_array_equal(tally.hits, met.sum(axis=0))
    assert tally.joint_hits == met.all(axis=1).sum()
    odds = result.target_odds()
    q = np.quantile(result.achieved, [0.1, 0.5, 0.9], axis=0).T
    np.testing.assert_allclose(odds[["p10_km2", "p50_km2", "p90_km2"]].to_numpy(), q,
                               atol=tally.width, rtol=0)
    np.testing.assert_allclose(odds.mean_km2, result.achieved.mean(axis=0), rtol=1e-12)
    # the S-curve's last year of a cumulative target is that target's probability
    curve = result.s_curve()
    for t in BASELINE.targets:
        by_year = curve[curve.target == t.name].set_index("year").probability
        running = result.annual[:, : t.by - BASELINE.horizon.start + 1].sum(axis=(1, 2))
        if t.from_ is None and not t.pathways:
            assert by_year[t.by] == np.mean(running >= t.km2 - 1e-9)
    annual = result.annual_summary()
    everything = annual[annual.pathway == "all"].set_index("year")
    cum = np.cumsum(result.annual.sum(axis=2), axis=1)
    np.testing.assert_allclose(everything.cumulative_p50, np.quantile(cum, 0.5, axis=0),
                               atol=tally.width, rtol=0)
    np.testing.assert_allclose(everything.cumulative_mean, cum.mean(axis=0), rtol=1e-12)
    counts = result.histograms()
    assert (counts.groupby("target")["count"].sum() == n).all()
    paths = result.pathway_summary()
    np.testing.assert_allclose(paths.late_mean_km2, result.late.mean(axis=0), rtol=1e-12)


def test_quantiles_of_values_on_a_grid_are_exact():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 40, 999) * 0.25  # every bin of 0.01 holds one distinct value
    h = bh.Histogram(bh.axis.Integer(0, 1), bh.axis.Regular(1, 0, 0.01, growth=True),
                     storage=bh.storage.Mean())
    h.fill(np.zeros(values.size, dtype=int), values, sample=values)
    qs = [0.0, 0.1, 0.25, 0.5, 0.9, 1.0]
    np.testing.assert_allclose(hist_quantiles(h, qs)[0], np.quantile(values, qs), rtol=1e-12)


def test_summary_is_the_same_for_any_workers_and_whether_raw_data_are_kept():
    kw = dict(replications=5500, seed=9)
    kept = simulate(UNCERTAIN, workers=1, keep_replications=True, **kw)
    streamed = simulate(UNCERTAIN, backend=LocalBackend(2), keep_replications=False, **kw)
    assert kept.kept and not streamed.kept
    assert json.dumps(kept.summary()) == json.dumps(streamed.summary())
    with pytest.raises(RawDataNotKept, match="keep_replications=True"):
        streamed.annual  # noqa: B018


def test_a_run_without_annual_quantiles_has_the_same_odds_and_means():
    from simulator.inputs.errors import RunConfigError
    from simulator.study.points import point_metrics

    full = simulate(UNCERTAIN, replications=1500, seed=3)
    light = simulate(UNCERTAIN, replications=1500, seed=3, annual_quantiles=False)
    assert full.tally.has_annual_quantiles and not light.tally.has_annual_quantiles
    pd.testing.assert_frame_equal(full.target_odds(), light.target_odds())
    pd.testing.assert_frame_equal(full.s_curve(), light.s_curve())
    pd.testing.assert_frame_equal(full.pathway_summary(), light.pathway_summary())
    assert full.joint() == light.joint()
    assert point_metrics(full) == point_metrics(light)
    np.testing.assert_array_equal(full.tally.param_quantiles([0.1, 0.9]),
                                  light.tally.param_quantiles([0.1, 0.9]))
    with pytest.raises(RunConfigError, match="annual_quantiles=False"):
        light.annual_summary()


def test_large_runs_keep_only_summaries_unless_asked(monkeypatch):
    from simulator.run import montecarlo

    assert simulate(BASELINE, replications=1000).kept  # 70,000 cells: under the limit
    monkeypatch.setattr(montecarlo, "KEEP_CELLS", 69_999)
    assert not simulate(BASELINE, replications=1000).kept
    assert simulate(BASELINE, replications=1000, keep_replications=True).kept


@pytest.mark.slow
def test_uncertain_sensitivity_from_streamed_bins_finds_what_matters():
    result = simulate(UNCERTAIN, replications=20_000, seed=2, keep_replications=True)
    ranked = result.summary()["uncertain"]["sensitivity"]["batch-3"]
    by_path = {row["path"]: row for row in ranked}
    # the prior's quantile bins give the same index as equal-count bins of the draws
    from simulator.run.uncertainty import first_order_index

    i = [t.name for t in UNCERTAIN.targets].index("batch-3")
    for k, path in enumerate(result.tally.uncertain):
        direct = first_order_index(result.params[:, k], result.met[:, i].astype(float))
        assert by_path[path.path]["first_order"] == pytest.approx(direct, abs=0.01)
    p = result.met[:, i].mean()
    lowest = by_path[ranked[0]["path"]]
    se = np.sqrt(p * (1 - p) / (result.replications / 5))
    assert abs(lowest["odds_low"] - lowest["odds_high"]) > 4 * se  # the top one acts


def test_map_ordered_keeps_order_and_a_bounded_window():
    pulled = []

    def items():
        for i in range(12):
            pulled.append(i)
            yield i

    with LocalBackend(2) as backend:
        gen = backend.map_ordered(_slow_square, items(), window=3)
        first = next(gen)
        assert first == (0, 0) and len(pulled) <= 4  # at most the window, plus one
        rest = list(gen)
    assert [item for item, _ in [first, *rest]] == list(range(12))
    assert [r for _, r in rest] == [i * i for i in range(1, 12)]


def _slow_square(i: int) -> int:
    time.sleep(0.05 if i % 3 == 0 else 0.0)  # later items finish first
    return i * i


def test_the_run_streams_replications_and_uncertain_values_to_parquet(tmp_path):
    out = tmp_path / "run"
    path = ROOT / "scenarios" / "baseline-uncertain.yaml"
    assert cli(["run", str(path), "-n", "2500", "--seed", "3", "--workers", "1", "--no-report",
                "-q", "--out", str(out)]) == 0
    result = simulate(UNCERTAIN, replications=2500, seed=3, keep_replications=True)
    frame = pd.read_parquet(out / "replications.parquet")
    assert isinstance(frame.pathway.dtype, pd.CategoricalDtype)
    assert list(frame.pathway.cat.categories) == result.pathways
    expected = result.replications_frame()
    pd.testing.assert_frame_equal(frame, expected)
    params = pd.read_parquet(out / "uncertain.parquet")
    assert list(params.columns) == ["replication", *UNCERTAIN.uncertain]
    np.testing.assert_array_equal(params.drop(columns="replication").to_numpy(), result.params)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["quantiles"]["bin_km2"] == 0.01
    assert summary["targets"] == result.summary()["targets"]
    # the Python call behind the command writes the same files
    from simulator.run.output import simulate_to_folder

    again, folder, _ = simulate_to_folder(UNCERTAIN, tmp_path / "py", replications=2500, seed=3,
                                          workers=1)
    assert not again.kept
    for name in ("summary.json", "annual.csv", "replications.parquet", "uncertain.parquet"):
        assert (folder / name).read_bytes() == (out / name).read_bytes()


@pytest.mark.slow
def test_dask_run_is_bit_for_bit_a_local_run(tmp_path):
    pytest.importorskip("distributed")
    args = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "-n", "6000", "--seed", "5",
            "--no-report", "--no-parquet", "-q"]
    assert cli([*args, "--workers", "2", "--out", str(tmp_path / "local")]) == 0
    assert cli([*args, "--dask", "local:2", "--out", str(tmp_path / "dask")]) == 0
    for name in ("summary.json", "annual.csv", "targets.csv", "histograms.csv"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()
