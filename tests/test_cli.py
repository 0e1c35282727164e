"""The landsim command: outputs, exit codes, atomic replacement and reproducibility."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import ROOT

import simulator.cli as cli
from simulator import load_scenario

TINY = """\
name: tiny
horizon: {start: 2022, end: 2030}
targets:
  - {name: t, by: 2026, km2: 2}
pathways:
  c:
    plan: {2025: 2.0, 2026: 1.0}
    projects: 3
    stages:
      - {name: a, duration: {dist: lognormal, median: 1.5, sigma: 0.5}, dropout: 0.1}  # assumption: test
"""


@pytest.fixture
def tiny(write_yaml):
    return write_yaml(TINY, "tiny.yaml")


def run(*args):
    return cli.main([str(a) for a in args])


def test_run_writes_every_output(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 300, "--seed", 4, "--out", out) == 0
    printed = capsys.readouterr().out
    assert "seed 4" in printed and "300 replications" in printed and "P(meet)" in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["summary.json", "targets.csv", "annual.csv", "pathways.csv", "replications.parquet",
         "scenario.resolved.yaml", "run.json", "scurve.csv", "histograms.csv", "report.html",
         "charts", ".landsim-output"]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["replications"] == 300 and summary["engine"] == "fast"
    # the whole command's time, not only the simulation's: printed and in run.json
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["wall_seconds"] >= 0 and manifest["report_seconds"] > 0
    assert manifest["command_seconds"] >= manifest["wall_seconds"] + manifest["report_seconds"]
    assert "s simulation, " in printed and " s in all" in printed
    target = summary["targets"][0]
    assert target["ci95"][0] <= target["probability"] <= target["ci95"][1]
    assert f"{target['probability']:.1%}" in printed
    frame = pd.read_parquet(out / "replications.parquet")
    assert len(frame) == 300 * 9 and set(frame.columns) == {"replication", "year", "pathway", "km2"}
    assert frame.km2.sum() / 300 == pytest.approx(summary["pathways"]["c"]["released_mean_km2"])
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["scenario_sha256"] == load_scenario(tiny).digest()
    assert manifest["command"][:2] == ["landsim", "run"] and manifest["wall_seconds"] > 0
    annual = pd.read_csv(out / "annual.csv")
    assert set(annual.pathway) == {"c", "all"} and len(annual) == 2 * 9


def test_resolved_scenario_loads_back_to_the_same_scenario(tiny, tmp_path):
    out = tmp_path / "out"
    run("run", tiny, "-n", 10, "--out", out, "-q", "--no-report")
    resolved = load_scenario(out / "scenario.resolved.yaml")
    original = load_scenario(tiny)
    assert resolved.digest() == original.digest()
    data = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    assert data["pathways"]["c"]["yield"] == {"nominal": None, "dist": "fixed", "value": 1.0}
    assert data["provenance"]["pathways.c.stages[0]"] == "assumption: test"


def test_same_seed_same_files(tiny, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run("run", tiny, "-n", 200, "--seed", 8, "--out", a, "-q", "--no-report")
    run("run", tiny, "-n", 200, "--seed", 8, "--out", b, "-q", "--no-report")
    for name in ("summary.json", "annual.csv", "targets.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_bad_scenario_exits_2_and_leaves_existing_output_alone(write_yaml, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous run")
    bad = write_yaml(TINY.replace("dropout: 0.1", "dropout: 2"), "bad.yaml")
    assert run("run", bad, "--out", out) == 2
    err = capsys.readouterr().err
    assert f"{bad}:10: pathways.c.stages[0].dropout: must be ≤ 1" in err
    assert "Traceback" not in err
    assert (out / "keep.txt").read_text() == "previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "out"]


def test_failure_mid_run_leaves_existing_output_alone(tiny, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    run("run", tiny, "-n", 20, "--out", out, "-q", "--no-report")
    before = (out / "summary.json").read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("simulator.run.output._write_json", broken)
    assert run("run", tiny, "-n", 30, "--out", out, "--no-report") == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: disk on fire" in err and "--debug" in err
    assert (out / "summary.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_successful_run_replaces_the_previous_folder(tiny, tmp_path):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 10, "--out", out, "-q", "--no-report") == 0
    (out / "stale.txt").write_text("old")
    assert run("run", tiny, "-n", 10, "--out", out, "-q", "--seed", 3, "--no-report",
               "--discard-previous") == 0
    assert not (out / "stale.txt").exists() and (out / "summary.json").exists()
    assert json.loads((out / "run.json").read_text())["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "out", "tiny.yaml"]  # discarded: nothing kept beside it


def test_debug_shows_the_traceback(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr("simulator.run.output._write_json", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run("--debug", "run", tiny, "-n", 5, "--out", tmp_path / "o")


@pytest.mark.parametrize("args, message", [
    (["-n", "0"], "must be between 1 and 10,000,000"),
    (["-n", "20000000"], "must be between 1 and 10,000,000"),
    (["-n", "many"], "not a whole number"),
    (["--seed", "-3"], "must be ≥ 0"),
    (["--engine", "warp"], "invalid choice"),
])
def test_bad_arguments_exit_2(tiny, args, message, capsys):
    with pytest.raises(SystemExit) as info:
        run("run", tiny, *args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_random_seed_is_printed_and_recorded(tiny, tmp_path, capsys):
    out = tmp_path / "o"
    run("run", tiny, "-n", 5, "--seed", "random", "--out", out, "--no-report")
    seed = json.loads((out / "summary.json").read_text())["seed"]
    assert f"seed {seed}" in capsys.readouterr().out


def test_validate(tiny, write_yaml, capsys):
    assert run("validate", tiny) == 0
    assert "ok  " in capsys.readouterr().out
    bad = write_yaml("name: x\n", "bad.yaml")
    assert run("validate", tiny, bad) == 2
    captured = capsys.readouterr()
    assert f"{bad}: horizon: required key is missing" in captured.err
    assert "ok  " in captured.out  # the good file is still reported


def test_schema_is_json_schema_of_the_format(capsys):
    assert run("schema") == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"name", "horizon", "targets", "pathways"}
    assert {"correlation", "events", "provenance"} <= set(schema["properties"])


def test_schema_accepts_the_shipped_scenarios():
    import jsonschema
    schema = cli.scenario_json_schema()
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        # JSON keys are strings: plan years are written as YAML integers
        data = json.loads(json.dumps(data))
        jsonschema.validate(data, schema)


def test_console_script_and_module_entry_point(tiny, tmp_path):
    for cmd in (["-m", "simulator"],):
        proc = subprocess.run([sys.executable, *cmd, "--version"], capture_output=True, text=True)
        assert proc.returncode == 0 and proc.stdout.startswith("landsim ")
    # default output folder is outputs/<name> under the working directory
    proc = subprocess.run([sys.executable, "-m", "simulator", "run", str(tiny), "-n", "5", "-q",
                           "--no-report"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "outputs" / "tiny" / "summary.json").exists()
    proc = subprocess.run([sys.executable, "-m", "simulator", "validate", str(tmp_path / "no.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "file not found" in proc.stderr and "Traceback" not in proc.stderr


def test_trace_replays_a_replication_of_a_run(tmp_path, capsys):
    path = ROOT / "scenarios" / "longgang-2025.yaml"
    out = tmp_path / "run"
    assert run("run", path, "-n", 1200, "--seed", 5, "--out", out, "-q", "--no-report") == 0
    csv = tmp_path / "trace.csv"
    assert run("trace", path, "--replication", 1100, "--seed", 5, "--out", csv) == 0
    assert "replication 1100 of seed 5" in capsys.readouterr().out
    events = pd.read_csv(csv)
    assert list(events.columns) == ["time", "year", "project", "pathway", "stage", "event",
                                    "queue_length", "km2"]
    assert events.time.is_monotonic_increasing
    assert {"start", "queue", "begin", "end", "handover"} <= set(events.event)
    # the trace's hand-overs are exactly what the run recorded for replication 1100
    frame = pd.read_parquet(out / "replications.parquet")
    rep = frame[frame.replication == 1100].groupby("year").km2.sum()
    traced = events[events.event == "handover"].groupby("year").km2.sum()
    for year, km2 in rep.items():
        assert traced.get(year, 0.0) == pytest.approx(km2, abs=1e-9)


def test_trace_to_stdout(tiny, capsys):
    assert run("trace", tiny, "-r", 0, "--out", "-") == 0
    assert capsys.readouterr().out.startswith("time,year,project,pathway,stage,event")


@pytest.mark.slow
def test_run_with_precision_reports_it(tiny, tmp_path, capsys):
    out = tmp_path / "p"
    assert run("run", tiny, "--precision", 0.02, "--out", out) == 0
    assert "precision ±0.02 reached after" in capsys.readouterr().out
    stopping = json.loads((out / "summary.json").read_text())["stopping"]
    assert stopping["reached"] and stopping["replications"] % 1000 == 0


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "must be at least 1"),
    (["--precision", "2"], "between 0 and 0.5"),
])
def test_bad_run_options_exit_2(tiny, args, message, capsys):
    with pytest.raises(SystemExit) as info:
        run("run", tiny, *args)
    assert info.value.code == 2 and message in capsys.readouterr().err
