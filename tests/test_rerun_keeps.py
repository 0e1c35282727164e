"""A rerun never loses what a landsim folder held (issue 27, item 1).

A run with the same numbers (scenario, seed, replications, engine, landsim) adds or replaces
only its own artefacts; a different run moves the earlier one beside it whole.
"""

from __future__ import annotations

import json

import pytest
from test_cli import TINY

import simulator.cli as cli
from simulator.report import RunData
from simulator.run.output import Previous, run_identity, write_run


@pytest.fixture
def tiny(write_yaml):
    return write_yaml(TINY, "tiny.yaml")


def run(*args):
    return cli.main([str(a) for a in args])


def siblings(folder):
    return sorted(p.name for p in folder.parent.iterdir()
                  if p.name.startswith(folder.name) and p != folder)


@pytest.mark.slow  # charts and reports: make test runs it
def test_a_chinese_run_keeps_the_english_report(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 200, "--out", out, "-q") == 0
    english = (out / "report.html").read_bytes()
    charts = sorted(p.name for p in (out / "charts").iterdir())
    capsys.readouterr()
    assert run("run", tiny, "-n", 200, "--out", out, "-q", "--lang", "zh") == 0
    err = capsys.readouterr().err
    assert (out / "report.zh.html").exists() and (out / "charts-zh").is_dir()
    assert (out / "report.html").read_bytes() == english
    assert sorted(p.name for p in (out / "charts").iterdir()) == charts
    assert "kept from the earlier run with the same numbers: charts/, report.html" in err
    assert siblings(out) == []  # the same run: nothing moved aside


@pytest.mark.slow  # charts and reports: make test runs it
def test_no_report_keeps_the_reports_of_the_same_run(tiny, tmp_path):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 200, "--seed", 2, "--out", out, "-q",
               "--lang", "en,zh") == 0
    reports = {name: (out / name).read_bytes() for name in ("report.html", "report.zh.html")}
    assert run("run", tiny, "-n", 200, "--seed", 2, "--out", out, "-q", "--no-report") == 0
    assert {name: (out / name).read_bytes() for name in reports} == reports
    assert RunData.load(out).summary["replications"] == 200


@pytest.mark.slow  # charts and reports: make test runs it
def test_a_different_run_keeps_the_earlier_one_beside_it(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 300, "--seed", 1, "--out", out, "-q") == 0
    before = (out / "summary.json").read_bytes()
    capsys.readouterr()
    # fewer replications and no report: a different run, which makes fewer artefacts
    assert run("run", tiny, "-n", 100, "--seed", 1, "--out", out, "-q", "--no-report") == 0
    err = capsys.readouterr().err
    [kept] = siblings(out)
    earlier = tmp_path / kept
    assert f"(300 replications, seed 1) is kept as {kept}" in err.replace(str(tmp_path) + "/", "")
    assert (earlier / "summary.json").read_bytes() == before and (earlier / "report.html").exists()
    assert RunData.load(earlier).summary["replications"] == 300  # still a whole run folder
    assert json.loads((out / "run.json").read_text())["replications"] == 100
    assert not (out / "report.html").exists()  # the new run's numbers have no report yet
    # a third, different run is kept apart from the second
    assert run("run", tiny, "-n", 150, "--seed", 1, "--out", out, "-q", "--no-report") == 0
    assert len(siblings(out)) == 2


@pytest.mark.slow  # charts and reports: make test runs it
def test_precision_runs_are_kept_like_any_other(tiny, tmp_path):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 200, "--out", out, "-q") == 0
    assert run("run", tiny, "--precision", "0.2", "--out", out, "-q", "--no-report") == 0
    [kept] = siblings(out)
    assert (tmp_path / kept / "report.html").exists()


def test_discard_previous_replaces_the_earlier_run(tiny, tmp_path):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 100, "--out", out, "-q", "--no-report") == 0
    assert run("run", tiny, "-n", 120, "--out", out, "-q", "--no-report",
               "--discard-previous") == 0
    assert siblings(out) == [] and run_identity(out)["replications"] == 120


def test_quiet_still_prints_the_answer(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert run("run", tiny, "-n", 100, "--out", out, "-q", "--no-report") == 0
    printed = capsys.readouterr().out
    assert "P(meet)" in printed and "rerun with --seed 0 -n 100 to reproduce" in printed
    assert "landsim 0." not in printed  # no header, no progress: just the answer


def test_the_python_api_keeps_the_earlier_run_too(tiny, tmp_path):
    from simulator import load_scenario
    from simulator.run.montecarlo import simulate

    scenario = load_scenario(tiny)
    out = tmp_path / "out"
    write_run(simulate(scenario, replications=50, seed=0), out)
    (out / "notes.txt").write_text("mine")  # the user's own file in the folder
    previous = Previous()
    write_run(simulate(scenario, replications=50, seed=0), out, previous=previous)
    assert previous.kept == ["notes.txt"] and (out / "notes.txt").read_text() == "mine"
    previous = Previous()
    write_run(simulate(scenario, replications=60, seed=0), out, previous=previous)
    assert previous.archived is not None and (previous.archived / "notes.txt").exists()
    assert previous.described == "50 replications, seed 0"
