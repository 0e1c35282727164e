"""A killed, terminated or interrupted landsim leaves no worker process and no temporary folder.

Each test starts the real command in its own session, waits until its workers are running,
signals it, and then checks every process that descended from it.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc").is_dir(),
                                                    reason="reads /proc")]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping is left


def start(args: list[str], tmp_path: Path, workers_expected: int) -> tuple[subprocess.Popen, set]:
    proc = subprocess.Popen([sys.executable, "-m", "simulator", *args], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        tree = descendants(proc.pid)
        if len(tree) >= workers_expected:
            time.sleep(1.0)  # let them get to work
            return proc, descendants(proc.pid)
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.1)
    proc.kill()
    pytest.fail("the workers never started")


def assert_all_gone(pids: set[int], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = {p for p in pids if running(p)}
        if not alive:
            return
        time.sleep(0.1)
    for p in alive:
        os.kill(p, signal.SIGKILL)
    pytest.fail(f"{len(alive)} process(es) outlived landsim: {sorted(alive)}")


def run_args(out: Path, backend: tuple[str, str] = ("--workers", "2")) -> list[str]:
    # --parquet: replications.parquet is being streamed into the new folder when the signal comes
    return ["run", str(ROOT / "scenarios" / "baseline.yaml"), "-n", "5000000", *backend,
            "--parquet", "--no-report", "-q", "--out", str(out)]


def sweep_file(tmp_path: Path) -> Path:
    path = tmp_path / "long.yaml"
    path.write_text(f"""\
name: long
base: {ROOT / "scenarios" / "baseline.yaml"}
replications: 200000
design: grid
parameters:
  - {{path: correlation.pathway_factor_sigma, levels: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}}
""")
    return path


@pytest.mark.parametrize("how, backend", [
    ("SIGKILL", ("--workers", "2")), ("SIGTERM", ("--workers", "2")),
    ("SIGINT", ("--workers", "2")), ("SIGTERM", ("--dask", "local:2")),
])
def test_a_run_leaves_nothing_behind(tmp_path, how, backend):
    out = tmp_path / "out"
    proc, tree = start(run_args(out, backend), tmp_path, workers_expected=2)
    if how == "SIGINT":
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    else:
        os.kill(proc.pid, getattr(signal, how))
    code = proc.wait(timeout=60)
    assert_all_gone(tree)
    expected = {"SIGKILL": -9, "SIGTERM": 143, "SIGINT": 130}[how]
    assert code == expected, proc.stderr.read().decode()[-2000:]
    if how != "SIGKILL":
        assert sorted(p.name for p in tmp_path.iterdir()) == [], "temporary folders left"


LOCAL, DASK = ["--workers", "2"], ["--dask", "local:2"]


# every command, back-end and signal at least once (all sixteen take a minute more)
@pytest.mark.parametrize("command, backend, how", [
    ("sweep", LOCAL, "SIGKILL"), ("sweep", DASK, "SIGTERM"),
    ("sensitivity", LOCAL, "SIGTERM"), ("sensitivity", DASK, "SIGKILL"),
])
def test_a_study_leaves_no_process_behind(tmp_path, command, backend, how):
    if command == "sweep":
        args = ["sweep", str(sweep_file(tmp_path))]
    else:
        sweep_file(tmp_path)  # the same folder listing
        args = ["sensitivity", str(ROOT / "scenarios" / "baseline.yaml"), "--params",
                "correlation.pathway_factor_sigma", "pathways.renewal.stages[0].dropout",
                "-n", "200000"]
    args += ["-q", *backend, "--out", str(tmp_path / "out")]
    proc, tree = start(args, tmp_path, workers_expected=2)
    os.kill(proc.pid, getattr(signal, how))
    proc.wait(timeout=60)
    assert_all_gone(tree, timeout=20)
    # the finished points are kept for --resume, and nothing else
    # kill -9 leaves the unlocked lock file (the kernel released the lock; the next
    # command on the same --out reuses and removes it)
    assert sorted(p.name for p in tmp_path.iterdir()
                  if p.name != ".out.lock") == ["long.yaml", "out.partial"]
