"""Sweeps: designs, a known answer, back-end determinism and resuming."""

import json

import pandas as pd
import textwrap

import numpy as np
import pytest
from conftest import NEGOTIATION, ROOT

import simulator.cli as cli
from simulator import RunConfigError, ScenarioError
from simulator.run.backends import DaskBackend, LocalBackend
from simulator.study.sweep import design_points, load_sweep, run_sweep


def write_sweep(tmp_path, body: str):
    (tmp_path / "tiny.yaml").write_text(NEGOTIATION)
    path = tmp_path / "sweep.yaml"
    path.write_text("name: s\nbase: tiny.yaml\n" + textwrap.dedent(body))
    return path


GRID = """\
replications: 400
design: grid
parameters:
  - {path: "pathways.c.stages[0].duration.median", levels: [1.0, 1.5, 2.0, 2.5, 3.0, 4.0]}
"""


def test_longer_negotiation_never_raises_the_odds(tmp_path):
    result = run_sweep(load_sweep(write_sweep(tmp_path, GRID)), tmp_path / "out",
                       langs=("en", "zh"))
    points = result.points.sort_values("pathways.c.stages[0].duration.median")
    assert np.all(np.diff(points["t.probability"]) <= 0)
    assert np.all(np.diff(points["t.mean_km2"]) <= 0)
    assert points["t.probability"].iloc[0] > 0.4 and points["t.probability"].iloc[-1] < 0.1
    # common random numbers: the base value's point equals a plain run with the same seed
    from simulator import load_scenario, simulate

    plain = simulate(load_scenario(tmp_path / "tiny.yaml"), replications=400, seed=0)
    at_base = points[points["pathways.c.stages[0].duration.median"] == 2.0].iloc[0]
    assert at_base["t.probability"] == plain.target_odds().loc["t", "probability"]
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [".landsim-output", "charts", "charts-zh", "points", "points.csv",
                     "report.html", "report.zh.html", "study.json", "sweep.json"]
    for charts in ("charts", "charts-zh"):  # each language its own labels
        assert sorted(p.name for p in (tmp_path / "out" / charts).iterdir()) == [
            "km2.png", "km2.svg", "odds.png", "odds.svg"]
    manifest = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert manifest["status"] == "complete" and manifest["points"] == 6
    # a report for the study: its headline number is the best probability of points.csv
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    best = pd.read_csv(tmp_path / "out" / "points.csv")["t.probability"].max()
    assert f'data-value="{float(best)!r}"' in html and "<script" not in html
    assert html.count("data:image/svg+xml;base64,") == 2
    assert "参数扫描" in (tmp_path / "out" / "report.zh.html").read_text(encoding="utf-8")


def test_designs(tmp_path):
    grid = load_sweep(write_sweep(tmp_path, """\
design: grid
levels: 3
parameters:
  - {path: "pathways.c.stages[0].capacity", min: 2, max: 6, integer: true}
  - {path: "correlation.pathway_factor_sigma", levels: [0.1, 0.4]}
"""))
    points = design_points(grid.spec)
    assert len(points) == 6 and sorted(set(points.iloc[:, 0])) == [2, 4, 6]
    lhs = load_sweep(write_sweep(tmp_path, """\
design: lhs
points: 10
parameters:
  - {path: "pathways.c.stages[0].duration.median", min: 1, max: 3}
  - {path: "correlation.pathway_factor_sigma", min: 0.1, max: 0.5, dist: loguniform}
"""))
    points = design_points(lhs.spec)
    # Latin hypercube: one point in each tenth of each range
    strata = np.floor((points.iloc[:, 0] - 1) / 2 * 10).astype(int)
    assert sorted(strata) == list(range(10))
    logs = np.floor(np.log(points.iloc[:, 1] / 0.1) / np.log(5) * 10).astype(int)
    assert sorted(logs) == list(range(10))


@pytest.mark.parametrize("body, path, fragment", [
    ("design: grid\nparameters:\n  - {path: \"pathways.c.stages[0].duraton.median\", min: 1, max: 2}\n",
     "parameters[0].path", "did you mean 'duration'"),
    ("design: grid\nparameters:\n  - {path: correlation.pathway_factor_sigma, min: 2, max: 1}\n",
     "parameters[0].max", "must be greater than min"),
    ("design: sobol\npoints: 10\nparameters:\n  - {path: correlation.pathway_factor_sigma, min: 0, max: 1}\n",
     "points", "power of two"),
    ("design: grid\ntarget: nope\nparameters:\n  - {path: correlation.pathway_factor_sigma, min: 0, max: 1}\n",
     "target", "'nope' is not a target"),
    ("design: lattice\nparameters: []\n", "design", "Input should be"),
])
def test_bad_sweep_files(tmp_path, body, path, fragment):
    with pytest.raises(ScenarioError) as info:
        load_sweep(write_sweep(tmp_path, body))
    problem = next(p for p in info.value.problems if p.path == path)
    assert fragment in problem.message and problem.line is not None


@pytest.mark.slow
def test_local_and_dask_give_identical_points(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, """\
replications: 300
design: lhs
points: 8
parameters:
  - {path: "pathways.c.stages[0].duration.median", min: 1, max: 3}
  - {path: "pathways.c.stages[0].capacity", min: 2, max: 8, integer: true}
"""))
    one = run_sweep(sweep, tmp_path / "one", backend=LocalBackend(1), charts=False)
    two = run_sweep(sweep, tmp_path / "two", backend=LocalBackend(2), charts=False)
    dask = run_sweep(sweep, tmp_path / "dask", backend=DaskBackend("local:2"), charts=False)
    reference = (tmp_path / "one" / "points.csv").read_bytes()
    assert (tmp_path / "two" / "points.csv").read_bytes() == reference
    assert (tmp_path / "dask" / "points.csv").read_bytes() == reference
    assert dask.manifest["backend"] == "dask:local:2" and one.points.equals(two.points)


class Interrupt(Exception):
    pass


def test_resume_after_an_interruption_equals_a_clean_run(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, GRID))
    clean = run_sweep(sweep, tmp_path / "clean", charts=False)
    finished = []

    def stop_after_three(n):
        finished.append(n)
        if sum(finished) >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, tmp_path / "out", progress=stop_after_three, charts=False)
    partial = tmp_path / "out.partial"
    assert len(list((partial / "points").glob("*.json"))) == 3 and not (tmp_path / "out").exists()
    again = []
    resumed = run_sweep(sweep, tmp_path / "out", resume=True, progress=again.append, charts=False)
    assert again[0] == 3 and sum(again) == 6  # three reloaded, three run
    assert (tmp_path / "out" / "points.csv").read_bytes() == \
        (tmp_path / "clean" / "points.csv").read_bytes()
    assert resumed.points.equals(clean.points) and not partial.exists()


def test_resume_refuses_another_sweeps_points(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, GRID))
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sweep, tmp_path / "out", progress=lambda n: (_ for _ in ()).throw(
            KeyboardInterrupt), charts=False)
    other = load_sweep(write_sweep(tmp_path, GRID.replace("400", "300")))
    with pytest.raises(RunConfigError, match="different study"):
        run_sweep(other, tmp_path / "out", resume=True, charts=False)


def test_shipped_sweep_and_cli(tmp_path, capsys):
    path = ROOT / "scenarios" / "sweeps" / "consolidation-capacity.yaml"
    sweep = load_sweep(path)
    assert len(design_points(sweep.spec)) == 25 and sweep.spec.target == "binding-2025"
    out = tmp_path / "out"
    # -n overrides the file's 1,000 replications a point without editing it
    assert cli.main(["sweep", str(path), "-n", "100", "--seed", "3", "--out", str(out),
                     "--workers", "1", "-q"]) == 0
    assert "25 points × 100 replications" in capsys.readouterr().out
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["replications_per_point"] == 100 and manifest["seed"] == 3
    assert {"heatmap.png", "heatmap.svg", "heatmap-km2.png"} <= {p.name for p in (out / "charts").iterdir()}


def test_a_sweeps_replications_and_seed_can_be_overridden_within_limits(capsys):
    sweep = load_sweep(ROOT / "scenarios" / "sweeps" / "consolidation-capacity.yaml")
    quick = sweep.with_run(replications=200)
    assert (quick.spec.replications, quick.spec.seed) == (200, sweep.spec.seed)
    assert quick.digest() != sweep.digest()  # finished points of 1,000 are not reused
    assert sweep.with_run().digest() == sweep.digest()
    for bad in ({"replications": 0}, {"replications": 1_000_001}, {"seed": -1},
                {"replications": 2.5}):
        with pytest.raises(RunConfigError, match=r"sweep (replications|seed): input should be"):
            sweep.with_run(**bad)
    path = str(ROOT / "scenarios" / "sweeps" / "consolidation-capacity.yaml")
    with pytest.raises(SystemExit) as stop:
        cli.main(["sweep", path, "--seed", "random"])
    assert stop.value.code == 2 and "needs a fixed seed" in capsys.readouterr().err
