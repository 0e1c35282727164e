"""landsim never destroys what is not its own, swaps atomically and refuses mixed resumes."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import NEGOTIATION

import simulator.cli as cli
from simulator import RunConfigError, load_scenario, simulate
from simulator.run import output
from simulator.run.backends import LocalBackend
from simulator.study.points import PointStore, StudyFolder
from simulator.study.sensitivity import parse_params, run_sensitivity


def run(*args) -> int:
    return cli.main([str(a) for a in args])


@pytest.fixture
def files(tmp_path):
    (tmp_path / "tiny.yaml").write_text(NEGOTIATION)
    (tmp_path / "sweep.yaml").write_text(textwrap.dedent("""\
        name: s
        base: tiny.yaml
        replications: 50
        design: grid
        parameters:
          - {path: "pathways.c.stages[0].duration.median", levels: [1.0, 2.0]}
        """))
    users = tmp_path / "documents"
    users.mkdir()
    (users / "thesis.docx").write_text("years of work")
    return tmp_path


def commands(tmp: Path, out: Path) -> dict[str, list]:
    return {
        "run": ["run", tmp / "tiny.yaml", "-n", 20, "-q", "--no-report", "--out", out],
        "sweep": ["sweep", tmp / "sweep.yaml", "-q", "--workers", 1, "--out", out],
        "sensitivity": ["sensitivity", tmp / "tiny.yaml", "--params",
                        "correlation.pathway_factor_sigma", "-n", 20, "-q", "--workers", 1,
                        "--out", out],
        "compare": ["compare", tmp / "a", tmp / "b", "--out", out],
    }


def two_runs(tmp: Path) -> None:
    for name, seed in (("a", 1), ("b", 2)):
        text = NEGOTIATION.replace("name: tiny", f"name: {name}")
        (tmp / f"{name}.yaml").write_text(text)
        assert run("run", tmp / f"{name}.yaml", "-n", 20, "-q", "--seed", seed, "--no-report",
                   "--out", tmp / name) == 0  # compare reads the numbers, not the reports


@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity", "compare"])
def test_a_users_folder_survives_every_commands_out(files, command, capsys):
    if command == "compare":
        two_runs(files)
    users = files / "documents"
    assert run(*commands(files, users)[command]) == 2
    assert "was not written by landsim" in capsys.readouterr().err
    assert (users / "thesis.docx").read_text() == "years of work"
    assert sorted(p.name for p in users.iterdir()) == ["thesis.docx"]
    assert not list(files.glob(".documents*")) and not (files / "documents.partial").exists()


@pytest.mark.parametrize("command", ["run", "sweep", "sensitivity", "compare"])
def test_force_replaces_a_folder_and_a_landsim_folder_is_replaced(files, command):
    if command == "compare":
        two_runs(files)
    users = files / "documents"
    assert run(*commands(files, users)[command], "--force") == 0
    assert not (users / "thesis.docx").exists() and output.is_landsim_output(users)
    assert run(*commands(files, users)[command]) == 0  # ours now: no --force needed


@pytest.mark.parametrize("where", ["cwd", "parent", "scenario-folder"])
def test_never_the_working_directory_or_an_input(files, where, monkeypatch, capsys):
    inner = files / "work" / "here"
    inner.mkdir(parents=True)
    monkeypatch.chdir(inner)
    out = {"cwd": inner, "parent": files / "work", "scenario-folder": files}[where]
    assert run("run", files / "tiny.yaml", "-n", 10, "-q", "--out", out, "--force") == 2
    err = capsys.readouterr().err
    assert "working directory" in err or "input" in err
    assert (files / "tiny.yaml").exists() and inner.exists()


def test_compare_never_writes_over_its_own_input(files, capsys):
    two_runs(files)
    assert run("compare", files / "a", files / "b", "--out", files / "a", "--force") == 2
    assert "holds an input" in capsys.readouterr().err
    assert (files / "a" / "summary.json").exists()


def test_a_symbolic_link_is_followed_not_replaced(files):
    real = files / "real"
    assert run("run", files / "tiny.yaml", "-n", 10, "-q", "--no-report", "--out", real) == 0
    link = files / "link"
    link.symlink_to(real)
    assert run("run", files / "tiny.yaml", "-n", 10, "-q", "--no-report", "--seed", 5,
               "--out", link) == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads((real / "run.json").read_text())["seed"] == 5


@pytest.mark.parametrize("out", ["/proc/landsim-out", "file-as-parent/out", "x" * 300])
def test_an_unwritable_out_fails_before_simulating(files, out, monkeypatch, capsys):
    monkeypatch.chdir(files)
    (files / "file-as-parent").write_text("a file, not a folder")
    monkeypatch.setattr("simulator.run.montecarlo.simulate", lambda *a, **k: 1 / 0)
    assert run("run", files / "tiny.yaml", "-n", 10, "-q", "--out", out) == 2
    assert "cannot write there" in capsys.readouterr().err


def test_exchange_swaps_two_folders_atomically(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "new").write_text("new")
    (b / "old").write_text("old")
    assert output._exchange(a, b)  # Linux, a local file system
    assert (b / "new").exists() and (a / "old").exists()


def test_stale_temporaries_of_dead_runs_are_cleaned(files):
    out = files / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = files / f".out.tmp-{int(dead.stdout)}-abcd1234"
    stale.mkdir()
    (stale / "big.parquet").write_text("x" * 1000)
    alive = files / f".out.tmp-{os.getppid()}-live0000"  # a live process's: kept
    alive.mkdir()
    assert run("run", files / "tiny.yaml", "-n", 10, "-q", "--no-report", "--out", out) == 0
    assert not stale.exists() and alive.exists()
    leftovers = [p.name for p in files.iterdir() if p.name.startswith(".out.")]
    assert leftovers == [alive.name]


def test_a_failed_build_leaves_the_previous_folder_and_no_debris(files, monkeypatch):
    out = files / "out"
    assert run("run", files / "tiny.yaml", "-n", 10, "-q", "--no-report", "--out", out) == 0
    before = (out / "summary.json").read_bytes()
    monkeypatch.setattr("simulator.run.output._write_json",
                        lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert run("run", files / "tiny.yaml", "-n", 10, "-q", "--seed", 9, "--out", out) == 130
    assert (out / "summary.json").read_bytes() == before
    assert [p.name for p in files.iterdir() if p.name.startswith(".out")] == []


# ---------------------------------------------------------------- resuming

SENS = ["correlation.pathway_factor_sigma=0.1:0.5", "pathways.c.stages[0].duration.median=1:3"]


def sensitivity(tmp, *, seed=0, replications=40, resume=False, text=NEGOTIATION):
    (tmp / "s.yaml").write_text(text)
    scn = load_scenario(tmp / "s.yaml")
    return run_sensitivity(scn, parse_params(scn, SENS), "oat", replications=replications,
                           seed=seed, out=tmp / "out", resume=resume,
                           backend=LocalBackend(1))


def interrupted(tmp, **kw):
    """A sensitivity run stopped after two of its five points."""
    from simulator.study import points as points_module

    real, calls = points_module.evaluate_point, []

    def two_then_stop(*a):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*a)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(points_module, "evaluate_point", two_then_stop)
        with pytest.raises(KeyboardInterrupt):
            sensitivity(tmp, **kw)
    saved = sorted((tmp / "out.partial" / "points").glob("*.json"))
    assert len(saved) == 2
    return saved


@pytest.mark.parametrize("change", [
    {"seed": 1}, {"replications": 41},
    {"text": NEGOTIATION.replace("median: 2.0", "median: 2.5")},
])
def test_resume_refuses_points_of_another_study(tmp_path, change):
    interrupted(tmp_path)
    with pytest.raises(RunConfigError, match="different study"):
        sensitivity(tmp_path, resume=True, **change)
    assert len(list((tmp_path / "out.partial" / "points").glob("*.json"))) == 2


def test_resume_equals_a_clean_run_and_recomputes_points_that_do_not_verify(tmp_path):
    saved = interrupted(tmp_path)
    tampered = json.loads(saved[0].read_text())
    tampered["metrics"]["t.probability"] = 0.999  # edited by hand: must not be used
    saved[0].write_text(json.dumps(tampered))
    saved[1].write_text(saved[1].read_text()[:40])  # truncated
    resumed = sensitivity(tmp_path, resume=True)
    clean = sensitivity(tmp_path / "clean" if (tmp_path / "clean").mkdir() is None else None)
    assert resumed.points.equals(clean.points)


def test_a_second_study_on_the_same_folder_is_refused(tmp_path):
    with StudyFolder(tmp_path / "out", "digest-1"):
        with pytest.raises(RunConfigError, match="another landsim study is writing"):
            with StudyFolder(tmp_path / "out", "digest-1", resume=True):
                pass
    with StudyFolder(tmp_path / "out", "digest-1", resume=True):  # the lock was released
        pass


def test_a_point_store_ignores_another_studys_points(tmp_path):
    PointStore(tmp_path, study="a").save(0, {"x": 1}, {"m": 2.0})
    assert list(PointStore(tmp_path, study="a").finished()) == [0]
    assert PointStore(tmp_path, study="b").finished() == {}


def test_same_answer_with_or_without_a_killed_and_resumed_sweep(files):
    out = files / "out"
    assert run("sweep", files / "sweep.yaml", "-q", "--workers", 1, "--out", out) == 0
    first = (out / "points.csv").read_text()
    assert run("sweep", files / "sweep.yaml", "-q", "--workers", 1, "--out", out,
               "--resume") == 0
    assert (out / "points.csv").read_text() == first


def test_simulate_caps_workers_at_the_available_cores(monkeypatch):
    from simulator.run import backends, montecarlo

    monkeypatch.setattr(backends, "available_cores", lambda: 1)
    made = []
    real = montecarlo.LocalBackend

    def spy(workers):
        made.append(real(workers))
        return made[-1]

    monkeypatch.setattr(montecarlo, "LocalBackend", spy)
    scn = load_scenario(Path(__file__).parents[1] / "scenarios" / "baseline.yaml")
    simulate(scn, replications=30_000, workers=1000)
    assert [b.workers for b in made] == [1]  # capped at one core: no pool at all
    assert made[0].pool is None
    assert LocalBackend(1000).workers <= os.cpu_count()


def test_trace_never_overwrites_a_file_that_is_not_a_trace(files, capsys):
    mine = files / "documents" / "thesis.docx"
    assert run("trace", files / "tiny.yaml", "-r", 3, "--out", mine) == 2
    assert "not a landsim trace" in capsys.readouterr().err and mine.read_text() == "years of work"
    out = files / "trace.csv"
    assert run("trace", files / "tiny.yaml", "-r", 3, "--out", out) == 0
    assert run("trace", files / "tiny.yaml", "-r", 4, "--out", out) == 0  # a trace: replaced
    assert run("trace", files / "tiny.yaml", "-r", 3, "--out", mine, "--force") == 0
