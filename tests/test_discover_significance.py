"""Discovery reports only significant boxes: a planted box is found and called significant,
pure noise gives "no box concentrates the failures", and points.csv loads into EMA
Workbench's Prim as it is."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulator.study.discover import discover, discover_sweep
from simulator.study.prim import QP_MAX, prim, wilson_low

NAMES = ["x1", "x2", "x3"]


def planted(n: int = 600, seed: int = 11) -> pd.DataFrame:
    """Failures concentrated in x1 < 0.3 and x2 > 0.6 (90 % there, 10 % elsewhere)."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 3)), columns=NAMES)
    inside = ((x.x1 < 0.3) & (x.x2 > 0.6)).to_numpy()
    fails = np.where(inside, rng.random(n) < 0.9, rng.random(n) < 0.1)
    return x.assign(**{"t.probability": np.where(fails, 0.2, 0.8)})


def noise(n: int, seed: int) -> pd.DataFrame:
    """Failures independent of the parameters, at a base rate of 0.48."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 3)), columns=NAMES)
    fails = rng.random(n) < 0.48
    return x.assign(**{"t.probability": np.where(fails, 0.2, 0.8)})


def sweep_folder(tmp_path, points: pd.DataFrame, names: list[str]):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    points.to_csv(sweep / "points.csv", index=False)
    (sweep / "sweep.json").write_text(json.dumps({
        "format_version": 1, "parameters": names, "base_scenario": "synthetic", "seed": 0,
        "replications_per_point": 100, "design": "lhs"}))
    return sweep


def test_wilson_lower_end_matches_the_textbook_value():
    # 5 of 10: the 95 % Wilson interval is 0.2366–0.7634
    assert wilson_low(5, 10) == pytest.approx(0.2366, abs=1e-4)
    assert wilson_low(0, 10) == pytest.approx(0.0, abs=1e-12)


def test_a_planted_box_is_found_and_is_significant(tmp_path):
    points = planted()
    found = discover(points, NAMES, "t", seed=1)
    result = found.result
    assert result.significant
    box = result.box().set_index("parameter")
    assert set(box.index) == {"x1", "x2"}
    assert abs(box.loc["x1", "max"] - 0.3) <= 0.06 and abs(box.loc["x2", "min"] - 0.6) <= 0.06
    assert (box.qp < QP_MAX).all()
    stats = result.stats()
    assert stats["density_low"] > result.base_rate + 0.3  # clearly, not marginally, above
    assert stats["density"] >= 0.8 and stats["coverage"] >= 0.4  # at most ~0.55 here
    # the chosen box is the knee among the significant boxes
    traj = result.trajectory
    assert traj.significant.iloc[result.chosen]
    f = 2 * traj.coverage * traj.density / (traj.coverage + traj.density)
    assert f.iloc[result.chosen] == pytest.approx(f[traj.significant].max())

    out = tmp_path / "found"
    discover_sweep(sweep_folder(tmp_path, points, NAMES), "t", out, langs=("en", "zh"))
    data = json.loads((out / "discover.json").read_text(encoding="utf-8"))
    assert data["significant"] is True and data["finding"] is None
    assert set(data["restricted"]) == {"x1", "x2"} and data["quasi_p_max"] < 0.05
    assert "No box" not in data["sentence"] and "x1 < 0.3" in data["sentence"]
    assert {"coverage", "density", "mass", "chosen_box", "significance_rule"} <= set(data)


@pytest.mark.parametrize("n,seed", [(100, 0), (100, 1), (200, 2), (200, 3), (400, 4)])
def test_pure_noise_gives_no_box(n, seed):
    found = discover(noise(n, seed), NAMES, "t", seed=seed)
    assert not found.result.significant
    assert found.result.chosen == 0 and found.result.box().empty
    summary = found.summary()
    assert summary["significant"] is False
    assert summary["finding"] == "no box concentrates the failures"
    assert summary["restricted"] == []
    assert summary["sentence"].startswith("No box concentrates the failures")
    from simulator.study.discover import sentence

    assert sentence(found, "zh").startswith("没有任何参数区域能使失败情形显著集中")
    # the knee of the whole trajectory is still reported, for reference, and fails the rule
    knee = summary["knee_box"]
    assert knee["significant"] is False
    if knee["restricted"]:
        assert "is not significant" in summary["sentence"]


def test_no_box_report_says_so_and_still_shows_the_trajectory(tmp_path):
    out = tmp_path / "found"
    discover_sweep(sweep_folder(tmp_path, noise(200, 2), NAMES), "t", out,
                   langs=("en", "zh"))
    data = json.loads((out / "discover.json").read_text(encoding="utf-8"))
    assert data["significant"] is False and data["chosen_box"] == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "No box concentrates the failures" in html and "Peeling trajectory" in html
    zh = (out / "report.zh.html").read_text(encoding="utf-8")
    assert "没有任何参数区域能使失败情形显著集中" in zh and "剥离轨迹" in zh
    assert len(pd.read_csv(out / "trajectory.csv")) > 1  # the trajectory is there
    assert "significant" in pd.read_csv(out / "trajectory.csv").columns


def test_asking_for_a_box_that_is_not_significant_says_so():
    last = len(discover(noise(200, 2), NAMES, "t", seed=2).result.trajectory) - 1
    chosen = discover(noise(200, 2), NAMES, "t", seed=2, choose=last)
    assert not chosen.result.significant
    assert "it is not a finding" in chosen.summary()["sentence"]


@pytest.mark.slow
def test_points_csv_loads_into_ema_workbench_prim_as_it_is(tmp_path):
    eprim = pytest.importorskip("ema_workbench.analysis.prim",
                                reason="ema-workbench is not installed (landsim[discovery])")
    rng = np.random.default_rng(5)
    n = 400
    # an integer parameter (a project count) and a continuous one
    x = pd.DataFrame({"projects": rng.integers(60, 141, n), "speed": rng.random(n)})
    fails = ((x.projects < 100) & (x.speed > 0.3)).to_numpy()
    points = x.assign(**{"t.probability": np.where(fails, 0.1, 0.9)})
    out = tmp_path / "found"
    found = discover_sweep(sweep_folder(tmp_path, points, ["projects", "speed"]), "t", out)
    back = pd.read_csv(out / "points.csv")
    assert back.projects.dtype == np.float64 and back.speed.dtype == np.float64
    xs, ys = back[["projects", "speed"]], back.case.to_numpy()
    theirs = eprim.Prim(xs, ys, threshold=0.5, peel_alpha=0.05, mass_min=0.05).find_box()
    t = theirs.peeling_trajectory
    ours = found.result.trajectory
    peeled = len(ours)
    np.testing.assert_allclose(ours.density, t.density[:peeled], atol=1e-12)
    np.testing.assert_allclose(ours.coverage, t.coverage[:peeled], atol=1e-12)
    # and our PRIM on the file as read gives the same trajectory as on the points in memory
    again = prim(xs, ys)
    np.testing.assert_allclose(again.trajectory.density, ours.density, atol=1e-12)
