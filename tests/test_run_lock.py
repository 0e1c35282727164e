"""Output folders are locked while a command writes them (issue 25).

Two runs to the same --out used to both exit 0, one result lost. Now the first holds an
flock on ``.<name>.lock`` next to the folder (with its PID and command line) from its first
check to its last byte; a second writer exits 2 at once naming it, or waits with --wait;
``landsim report`` takes the same lock; a kill -9 leaves at worst an unlocked file that the
next command reuses and removes; nothing is written inside --out but the outputs.

The first run is frozen (SIGSTOP) once it holds the lock, so nothing depends on timing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from simulator import cli
from simulator.inputs.errors import RunConfigError
from simulator.run.output import lock_file, output_lock, replace_folder

pytestmark = pytest.mark.slow  # subprocesses running and frozen: about 40 s in all

BASELINE = ROOT / "scenarios" / "baseline.yaml"
HOLD = """\
import sys
from simulator.run.output import output_lock
with output_lock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.read()  # until the test closes our standard input
"""


def landsim(*args, cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "simulator", *map(str, args)], cwd=cwd,
                            text=True, **kw)


def run_args(n: int, *extra) -> list:
    return ["run", BASELINE, "-n", n, "--seed", 3, "--workers", 1, "--no-report", "--out",
            "same", "-q", *extra]


def in_process(args: list, out: Path) -> list[str]:
    """``args`` for cli.main: strings, and an absolute --out."""
    args = [str(a) for a in args]
    args[args.index("--out") + 1] = str(out)
    return args


def wait_for_lock(folder: Path, proc: subprocess.Popen) -> dict:
    """The lock record of ``folder`` once ``proc`` holds it."""
    lock = lock_file(folder)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the first run ended before it was seen holding the lock"
        try:
            record = json.loads(lock.read_text())
            if record["pid"] == proc.pid:
                return record
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise AssertionError("the first run never took the lock")


def locks_left(tmp: Path) -> list[Path]:
    return [p for p in tmp.rglob("*") if p.name.endswith(".lock")]


@pytest.fixture
def frozen_run(tmp_path):
    """A run of 20,000 replications to tmp/same, stopped (SIGSTOP) while it holds the lock."""
    first = landsim(*run_args(20_000), cwd=tmp_path, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)
    try:
        record = wait_for_lock(tmp_path / "same", first)
        os.kill(first.pid, signal.SIGSTOP)
        yield first, record
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGCONT)
            first.wait(timeout=300)


def test_a_second_run_to_the_same_folder_exits_2_naming_the_first(tmp_path, frozen_run):
    first, record = frozen_run
    assert record["command"][:2] == ["landsim", "run"] and "20000" in record["command"]
    second = landsim(*run_args(100), cwd=tmp_path, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 2, err
    assert err.count("\n") == 1 and f"pid {first.pid}: landsim run" in err
    assert "-n 20000" in err and "--wait" in err
    # report reads the folder the first run is swapping: the same lock
    report = landsim("report", "same", cwd=tmp_path, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
    _, err = report.communicate(timeout=120)
    assert report.returncode == 2 and f"pid {first.pid}" in err, err
    # the refused commands left the first run's lock file alone
    assert json.loads(lock_file(tmp_path / "same").read_text())["pid"] == first.pid
    os.kill(first.pid, signal.SIGCONT)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    manifest = json.loads((tmp_path / "same" / "run.json").read_text())
    assert manifest["replications"] == 20_000  # the folder is the first run's
    assert not locks_left(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same"]  # nothing else beside it
    assert not any("lock" in p.name for p in (tmp_path / "same").rglob("*"))


def test_a_second_run_with_wait_runs_after_the_first(tmp_path, frozen_run):
    first, _ = frozen_run
    log = tmp_path.parent / f"{tmp_path.name}-second.err"
    with open(log, "w") as err_file:
        second = landsim(*run_args(100, "--wait"), cwd=tmp_path, stdout=subprocess.DEVNULL,
                         stderr=err_file)
        deadline = time.monotonic() + 120
        while "waiting for" not in log.read_text() and time.monotonic() < deadline:
            assert second.poll() is None, log.read_text()
            time.sleep(0.02)
        assert f"landsim: waiting for pid {first.pid}: landsim run" in log.read_text()
        os.kill(first.pid, signal.SIGCONT)
        assert first.wait(timeout=300) == 0
        assert second.wait(timeout=300) == 0, log.read_text()
    manifest = json.loads((tmp_path / "same" / "run.json").read_text())
    assert manifest["replications"] == 100  # the second wrote after the first
    assert not locks_left(tmp_path)


def test_report_on_a_folder_another_process_holds_exits_2(tmp_path, capsys):
    assert cli.main(in_process(run_args(200), tmp_path / "r")) == 0
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "r")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        capsys.readouterr()
        assert cli.main(["report", str(tmp_path / "r")]) == 2
        err = capsys.readouterr().err
        assert f"pid {holder.pid}" in err and "add --wait" in err
        # every writer takes the same lock: a study to that folder, before any work
        cal = ROOT / "scenarios" / "history" / "city-2019-2021.yaml"
        assert cli.main(["calibrate", str(cal), "-n", "1000", "--workers", "1", "--out",
                         str(tmp_path / "r"), "-q"]) == 2
        assert f"pid {holder.pid}" in capsys.readouterr().err
        assert not (tmp_path / "r.partial").exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert cli.main(["report", str(tmp_path / "r")]) == 0  # released with its holder
    assert not locks_left(tmp_path)


def test_a_run_killed_with_sigkill_does_not_block_the_next(tmp_path, capsys):
    first = landsim(*run_args(20_000), cwd=tmp_path, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
    wait_for_lock(tmp_path / "same", first)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=60)
    assert lock_file(tmp_path / "same").exists()  # left behind, but no longer locked
    assert cli.main(in_process(run_args(100), tmp_path / "same")) == 0
    assert json.loads((tmp_path / "same" / "run.json").read_text())["replications"] == 100
    assert not locks_left(tmp_path)


def test_a_writer_that_fails_releases_its_lock_and_removes_the_file(tmp_path):
    def boom(folder: Path) -> None:
        assert lock_file(tmp_path / "out").exists()
        raise RuntimeError("build failed")

    with pytest.raises(RuntimeError, match="build failed"):
        replace_folder(tmp_path / "out", boom)
    assert not locks_left(tmp_path) and not (tmp_path / "out").exists()
    with output_lock(tmp_path / "out"):  # free again; and re-entrant in one process
        with output_lock(tmp_path / "out"):
            pass
        assert lock_file(tmp_path / "out").exists()
    assert not locks_left(tmp_path)


def test_a_lock_file_that_is_a_symbolic_link_is_refused(tmp_path):
    (tmp_path / "elsewhere").write_text("keep me")
    os.symlink(tmp_path / "elsewhere", lock_file(tmp_path / "out"))
    with pytest.raises(RunConfigError, match="symbolic link"):
        with output_lock(tmp_path / "out"):
            pass
    assert (tmp_path / "elsewhere").read_text() == "keep me"


def test_a_run_with_its_report_leaves_no_lock_anywhere(tmp_path):
    # the report's charts folder is built inside the run's folder, under its lock: no lock
    # file of its own may travel into the finished folder
    args = in_process(run_args(200), tmp_path / "full")
    args.remove("--no-report")
    assert cli.main(args + ["--no-levers"]) == 0
    assert (tmp_path / "full" / "report.html").is_file()
    assert not locks_left(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]
