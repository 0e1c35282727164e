"""Every code block of README.md runs, so that none can rot.

Shell blocks run in a scratch folder where `.venv/bin/landsim` and `.venv/bin/python` are this
test's interpreter. Two changes keep the suite quick, and change nothing a block checks:
`-n` (and `replications=` in Python blocks) is capped at 2,000 (sweeps and sensitivity run
200 a point; solve and discover 300, with at most 40 design points), `--precision` is at least 0.02, `run` commands that are not about reports get `--no-report`, and every
`run` gets `--no-levers` (the levers section has tests of its own).
Output shown in the README (the demo's table, the error example) must match what the
commands print.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from simulator import scenario_from_dict

pytestmark = pytest.mark.slow
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = [(m.group(1), m.group(2), README[: m.start()].count("\n") + 1)
          for m in re.finditer(r"```(\w*)\n(.*?)```", README, re.S)]


WARM = Path(__file__).with_name("warm_landsim.py")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A scratch folder with the shipped scenarios, whose `.venv/bin/landsim` runs each
    command in a child of a warm landsim process (tests/warm_landsim.py: the same
    `cli.main`, without 1.5–2 s of imports a command) and `.venv/bin/python` is ours."""
    work = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "scenarios", work / "scenarios")
    bin_ = work / ".venv" / "bin"
    bin_.mkdir(parents=True)
    where = Path(tempfile.mkdtemp(prefix="landsim-warm-"))  # a short path: sockets need one
    sock = where / "s"
    log = open(work / "warm-landsim.log", "w")  # noqa: SIM115 — closed at teardown
    server = subprocess.Popen([sys.executable, str(WARM), "serve", str(sock)],
                              stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                              env={**os.environ, "MPLBACKEND": "Agg"})
    try:
        deadline = time.monotonic() + 120
        while not sock.exists():
            assert server.poll() is None, (work / "warm-landsim.log").read_text()
            assert time.monotonic() < deadline, "the warm landsim did not start"
            time.sleep(0.05)
        (bin_ / "landsim").write_text(
            f'#!/bin/sh\nexec "{sys.executable}" -S "{WARM}" client "{sock}" "$@"\n')
        (bin_ / "landsim").chmod(0o755)
        (bin_ / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        (bin_ / "python").chmod(0o755)
        yield work
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(where, ignore_errors=True)


def shrink(command: str) -> str:
    command = re.sub(r"(-n|--replications) (\d[\d_,]*)",
                     lambda m: f"{m.group(1)} {min(int(m.group(2).replace('_', '').replace(',', '')), 1000)}",
                     command)
    # --precision runs until an interval is narrow: a coarser one shows the same behaviour
    command = re.sub(r"--precision (\d*\.\d+)",
                     lambda m: f"--precision {max(float(m.group(1)), 0.02):g}", command)
    # studies: fewer design points and replications (they check that the command runs)
    command = re.sub(r"--samples (\d+)", lambda m: f"--samples {min(int(m.group(1)), 40)}",
                     command)
    if re.search(r"landsim (solve|discover|calibrate|backtest)\b", command):
        command = re.sub(r"(-n|--replications) (\d+)",
                         lambda m: f"{m.group(1)} {min(int(m.group(2)), 300)}", command)
    if re.search(r"landsim optimize\b", command) and "--evaluations" not in command:
        command = re.sub(r"(landsim optimize \S+)", r"\1 --evaluations 48 -n 200", command)
    if re.search(r"landsim backtest\b", command) and " -n " not in command:
        command = re.sub(r"(landsim backtest \S+)", r"\1 -n 300", command)  # file's: 4,000
    if re.search(r"landsim sweep\b", command) and " -n " not in command:
        command = re.sub(r"(landsim sweep \S+)", r"\1 -n 100", command)
    if re.search(r"landsim sensitivity\b", command) and " -n " not in command:
        command = re.sub(r"(landsim sensitivity \S+)", r"\1 -n 100", command)
    if re.search(r"landsim run\b", command) and "--lang" not in command and "--no-report" not in command:
        command = re.sub(r"(landsim run \S+)", r"\1 --no-report", command)
    if re.search(r"landsim run\b", command) and not re.search(r" (-n|--replications|--precision) ",
                                                              command):
        command = re.sub(r"(landsim run \S+)", r"\1 -n 1000", command)  # the default: 2,000
    if re.search(r"landsim run\b", command) and "--no-levers" not in command:
        command = re.sub(r"(landsim run \S+)", r"\1 --no-levers", command)  # tested elsewhere
    return command


def shrink_python(code: str) -> str:
    """The same sizes for Python blocks: replications=N capped at 2,000, sweeps at 200."""
    code = re.sub(r"replications=(\d[\d_]*)",
                  lambda m: f"replications={min(int(m.group(1).replace('_', '')), 2000)}", code)
    return re.sub(r"(load_sweep\([^)]*\))", r"\1.with_run(replications=200)", code)


def serve_check(command: str) -> str:
    """`landsim serve` runs until stopped: start it on a free port, fetch its page, stop it
    with SIGTERM (its exit status then is 143, as every landsim command's)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # a fresh interpreter, not the warm one's client: the signal must reach the server
    command = re.sub(r"#.*", "", command).strip()
    command = re.sub(r"\S*landsim serve", ".venv/bin/python -m simulator serve", command)
    if command.endswith(" serve"):  # the baseline first: a quicker warm-up than plan-2024's
        command += " scenarios/baseline.yaml"
    fetch = (f".venv/bin/python -c \"import urllib.request; assert 'shiny' in urllib.request."
             f"urlopen('http://127.0.0.1:{port}/', timeout=30).read().decode()\"")
    return (f"{command} --port {port} > serve.out & pid=$!\n"
            "trap 'kill -TERM $pid 2>/dev/null || true' EXIT\n"
            "for i in $(seq 600); do grep -q 'open http' serve.out && break; sleep 0.1; done\n"
            f"{fetch}\n"
            "kill -TERM $pid; status=0; wait $pid || status=$?; test $status = 143\n")


def sh(workdir: Path, script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workdir,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "MPLBACKEND": "Agg"})


def test_there_are_blocks_of_every_kind():
    kinds = {kind for kind, _, _ in BLOCKS}
    assert {"sh", "python", "yaml", "console", "text"} <= kinds
    assert "" not in kinds, "give every code block a language"


@pytest.mark.parametrize("kind, code, line", [b for b in BLOCKS if b[0] == "sh"],
                         ids=lambda v: str(v) if isinstance(v, int) else None)
def test_shell_blocks_run(workdir, kind, code, line):
    if code.lstrip().startswith("make demo"):
        pytest.skip("the set-up commands themselves: CI runs `make test` from a fresh clone")
    script = shrink(code.replace("\\\n", " "))
    if re.search(r"landsim serve\b", script):
        script = serve_check(script)
    done = sh(workdir, script)
    assert done.returncode == 0, f"README.md:{line}\n{script}\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("kind, code, line", [b for b in BLOCKS if b[0] == "python"],
                         ids=lambda v: str(v) if isinstance(v, int) else None)
def test_python_blocks_run(workdir, kind, code, line):
    script = workdir / f"readme_{line}.py"
    script.write_text(shrink_python(code))
    done = subprocess.run([sys.executable, str(script)], cwd=workdir, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, f"README.md:{line}\n{done.stderr[-3000:]}"


def test_the_scenario_sketch_is_a_valid_scenario():
    (sketch,) = [code for kind, code, _ in BLOCKS if kind == "yaml" and "name: my-variant" in code]
    scenario = scenario_from_dict(yaml.safe_load(sketch))
    assert scenario.name == "my-variant" and scenario.headline == "binding-2025"


def test_the_status_sketch_is_a_valid_status_of_the_baseline():
    (sketch,) = [code for kind, code, _ in BLOCKS if kind == "yaml" and "status:" in code]
    status = yaml.safe_load(sketch)["status"]
    status.pop("pipeline_file", None)  # a team's own file; the shipped scenario has one
    base = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    scenario = scenario_from_dict({**base, "status": status})
    assert scenario.status.as_of == 2026 and scenario.status.pipeline


def test_the_district_sketch_is_valid_on_the_baseline():
    (sketch,) = [code for kind, code, _ in BLOCKS if kind == "yaml" and "district:" in code]
    given = yaml.safe_load(sketch)
    base = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    scenario = scenario_from_dict({**base, "districts": given["districts"],
                                   "targets": base["targets"] + given["targets"]})
    assert scenario.district_names == list(given["districts"])
    assert scenario.targets[-1].district == "龙岗区"


def test_the_uncertain_sketch_is_valid_on_the_baseline():
    (sketch,) = [code for kind, code, _ in BLOCKS if kind == "yaml" and "uncertain:" in code]
    uncertain = yaml.safe_load(sketch)["uncertain"]
    base = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    scenario = scenario_from_dict({**base, "uncertain": uncertain})
    assert list(scenario.uncertain) == list(uncertain) and len(uncertain) >= 5


def test_the_demo_prints_what_the_readme_shows(workdir):
    shown = next(code for kind, code, _ in BLOCKS if kind == "text" and "P(meet)" in code)
    make = (ROOT / "Makefile").read_text()
    command = re.search(r"^demo:.*\n\t\$\(BIN\)/(landsim run .*)$", make, re.M).group(1)
    done = sh(workdir, f".venv/bin/{command} --no-report --out outputs/demo")
    assert done.returncode == 0, done.stderr
    chunks = done.stdout.split("\n\n")
    last = next(i for i, c in enumerate(chunks) if "P(meet)" in c)
    printed = chunks[: last + 1]  # the header, any status lines and the table, not the timing
    assert "\n\n".join(printed).strip() == shown.strip()


def test_the_error_example_prints_what_the_readme_shows(workdir):
    (example,) = [code for kind, code, _ in BLOCKS if kind == "console"]
    commands = [line[2:] for line in example.splitlines() if line.startswith("$ ")]
    expected = [line for line in example.splitlines() if line and not line.startswith("$ ")]
    done = sh(workdir, "\n".join(commands[:-1]))
    assert done.returncode == 0
    last = sh(workdir, commands[-1])
    assert last.returncode == 2
    assert last.stderr.splitlines() == expected, textwrap.indent(last.stderr, "  ")
