"""Scenario discovery: PRIM recovers a known failure box, agrees with EMA Workbench, and
`landsim discover` writes its files and report."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from simulator.inputs.errors import RunConfigError
from simulator.study.discover import discover, discover_sweep
from simulator.study.prim import prim


def synthetic(n: int = 1000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Three parameters on [0, 1]; the target fails exactly when x1 < 0.4 and x2 > 0.6."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 3)), columns=["x1", "x2", "x3"])
    return x, ((x.x1 < 0.4) & (x.x2 > 0.6)).to_numpy()


def test_prim_recovers_a_known_failure_box():
    x, y = synthetic()
    result = prim(x, y)
    box = result.box().set_index("parameter")
    assert set(box.index) == {"x1", "x2"}  # the irrelevant x3 stays unrestricted
    resolution = 0.05  # one peel of 5 % of the points
    assert abs(box.loc["x1", "max"] - 0.4) <= resolution and box.loc["x1", "min"] == x.x1.min()
    assert abs(box.loc["x2", "min"] - 0.6) <= resolution and box.loc["x2", "max"] == x.x2.max()
    stats = result.stats()
    assert stats["density"] >= 0.9 and stats["coverage"] >= 0.9
    assert (box.qp < 1e-6).all()  # both limits matter


def test_the_same_seed_gives_the_same_box_and_stability():
    x, y = synthetic()
    points = x.assign(**{"t.probability": np.where(y, 0.1, 0.9)})
    a = discover(points, ["x1", "x2", "x3"], "t", seed=3)
    b = discover(points, ["x1", "x2", "x3"], "t", seed=3)
    pd.testing.assert_frame_equal(a.result.box(), b.result.box())
    pd.testing.assert_frame_equal(a.stable, b.stable)
    share = a.stable.set_index("parameter").restricted_share
    assert share["x1"] >= 0.9 and share["x2"] >= 0.9 and share["x3"] <= 0.3


@pytest.mark.slow
def test_our_prim_agrees_with_ema_workbench_on_the_same_data():
    eprim = pytest.importorskip("ema_workbench.analysis.prim")
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.random((800, 4)), columns=list("abcd"))
    y = (((x.a < 0.4) & (x.b > 0.6)) | (rng.random(800) < 0.05)).to_numpy()
    ours = prim(x, y)
    theirs = eprim.Prim(x, y, threshold=0.5, peel_alpha=0.05, mass_min=0.05).find_box()
    t = theirs.peeling_trajectory
    peeled = len(ours.trajectory)  # EMA pastes afterwards; compare the peeling part
    np.testing.assert_allclose(ours.trajectory.coverage, t.coverage[:peeled], atol=1e-12)
    np.testing.assert_allclose(ours.trajectory.density, t.density[:peeled], atol=1e-12)
    i = ours.chosen
    np.testing.assert_allclose(ours.limits[i].T, theirs.box_lims[i][list("abcd")].to_numpy())
    restricted = list(ours.box().parameter)
    qp = theirs._calculate_quasi_p(i, restricted)
    for row in ours.box().itertuples():
        expected = [v if v >= 0 else np.nan for v in qp[row.parameter]]
        np.testing.assert_allclose([row.qp_min, row.qp_max], expected, rtol=1e-9)


def test_no_cases_is_a_clear_error():
    x, _ = synthetic(100)
    points = x.assign(**{"t.probability": 0.9})
    with pytest.raises(RunConfigError, match="nothing to tell apart"):
        discover(points, ["x1", "x2", "x3"], "t")
    with pytest.raises(RunConfigError, match="not among the study's targets"):
        discover(points, ["x1", "x2", "x3"], "nope")


def test_discover_on_a_finished_sweep_writes_boxes_and_a_report(tmp_path):
    x, y = synthetic(400)
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    x.assign(**{"t.probability": np.where(y, 0.2, 0.8)}).to_csv(sweep / "points.csv",
                                                                 index=False)
    (sweep / "sweep.json").write_text(json.dumps({"format_version": 1,
        "parameters": ["x1", "x2", "x3"], "base_scenario": "synthetic", "seed": 0,
        "replications_per_point": 100, "design": "lhs"}))
    out = tmp_path / "found"
    found = discover_sweep(sweep, "t", out, langs=("en", "zh"))
    boxes = pd.read_csv(out / "boxes.csv")
    assert list(boxes.columns[:4]) == ["parameter", "min", "max", "qp"]
    assert set(boxes.parameter) == {"x1", "x2"}
    data = json.loads((out / "discover.json").read_text())
    assert {"coverage", "density", "mass", "threshold", "case_definition"} <= set(data)
    assert data["sentence"] == found.summary()["sentence"]
    assert "x1 < 0.4" in data["sentence"] or "x1 < 0.3" in data["sentence"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f'data-value="{data["density"]!r}"' in html and "<script" not in html
    assert html.count("data:image/svg+xml;base64,") == 3
    assert (out / "trajectory.csv").exists() and (out / "charts-zh" / "pairs.svg").exists()
    assert "剥离轨迹" in (out / "report.zh.html").read_text(encoding="utf-8")


def levered(tmp_path):
    """A small scenario whose target fails when throughput is low (a lever)."""
    data = {"name": "lev", "horizon": {"start": 2022, "end": 2030},
            "targets": [{"name": "six", "by": 2025, "km2": 6.0}],
            "pathways": {"p": {"plan": {2022: 10.0}, "projects": 5,
                               "stages": [{"name": "s", "duration": {
                                   "dist": "lognormal", "median": 0.5, "sigma": 0.5}}],
                               "annual_cap": 1.0}},
            "levers": [{"path": "pathways.p.annual_cap", "min": 0.5, "max": 4.0,
                        "description": "Throughput, km²/yr | zh: 年度释放能力"},
                       {"path": "pathways.p.stages[0].dropout", "min": 0.0, "max": 0.3,
                        "description": "Drop-out | zh: 流失率"}]}
    path = tmp_path / "lev.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_discover_command_runs_its_own_design_over_the_levers(tmp_path):
    out = tmp_path / "d"
    done = subprocess.run([sys.executable, "-m", "simulator", "discover", str(levered(tmp_path)),
                           "--target", "six", "--samples", "40", "-n", "60", "--workers", "1",
                           "--out", str(out), "-q"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    boxes = pd.read_csv(out / "boxes.csv").set_index("parameter")
    # 6 km² by 2025 needs about 1.5 km²/yr of hand-over: the cases are the low throughputs
    assert "pathways.p.annual_cap" in boxes.index
    assert boxes.loc["pathways.p.annual_cap", "max"] < 2.5
    assert "Throughput, km²/yr <" in done.stdout


def test_discover_refuses_bad_input_with_exit_2(tmp_path):
    path = levered(tmp_path)
    for args, words in ((["--target", "nope"], "not a target"),
                        (["--target", "six", "--below", "2"], "between 0 and 1")):
        done = subprocess.run([sys.executable, "-m", "simulator", "discover", str(path), *args,
                               "--out", str(tmp_path / "o")], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2 and words in done.stderr, done.stderr


def test_discover_reads_a_morris_analysis_and_refuses_a_one_at_a_time_one(tmp_path):
    from simulator import load_scenario
    from simulator.study.sensitivity import parse_params, run_sensitivity

    scenario = load_scenario(levered(tmp_path))
    params = parse_params(scenario, ["pathways.p.annual_cap=0.5:4",
                                     "pathways.p.stages[0].dropout=0:0.3"])
    morris = run_sensitivity(scenario, params, method="morris", samples=12, replications=60,
                             out=tmp_path / "morris")
    found = discover_sweep(morris.folder, "six", tmp_path / "found")
    assert found.design["design"] == "morris" and found.design["scenario"] == "lev"
    box = found.result.box().set_index("parameter")
    assert "pathways.p.annual_cap" in box.index and box.loc["pathways.p.annual_cap", "max"] < 2.5
    oat = run_sensitivity(scenario, params, method="oat", replications=60, out=tmp_path / "oat")
    with pytest.raises(RunConfigError, match="one-at-a-time"):
        discover_sweep(oat.folder, "six", tmp_path / "nope")


def test_discover_on_a_run_labels_each_replication_by_the_values_it_drew(tmp_path):
    from simulator.cli import main

    scenario = tmp_path / "u.yaml"
    data = yaml.safe_load(levered(tmp_path).read_text(encoding="utf-8"))
    data["uncertain"] = {"pathways.p.annual_cap": {"dist": "uniform", "min": 0.5, "max": 4},
                         "pathways.p.stages[0].dropout": {"dist": "uniform", "min": 0, "max": 0.3}}
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    run = tmp_path / "run"
    assert main(["run", str(scenario), "-n", "3000", "--workers", "1", "--no-report", "-q",
                 "--out", str(run)]) == 0
    found = discover_sweep(run, "six", tmp_path / "found")
    assert found.per_replication and len(found.points) == 3000
    met = json.loads((run / "summary.json").read_text())["targets"][0]["probability"]
    assert found.points.case.mean() == pytest.approx(1 - met)  # the cases are the misses
    box = found.result.box().set_index("parameter")
    assert box.loc["pathways.p.annual_cap", "max"] < 2.5
    assert "of the replications where" in found.summary()["sentence"]
    assert found.summary()["case_definition"].startswith("a replication that misses six")
