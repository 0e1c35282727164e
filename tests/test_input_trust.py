"""Issue 25, the scenario input side: files a scenario names stay inside its folder (or a
--data folder), only regular files are opened, messages quote at most one escaped cell,
CSV lines are physical lines, numbers are plain decimals, a status gives every year before
its date, and values are shown as given."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simulator import cli
from simulator.inputs.errors import Problem, ScenarioError, printable
from simulator.inputs.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]


def scenario(**status) -> dict:
    """Two pathways, plan 2022–2027, a status at 2024 with every year before it given."""
    return {
        "name": "trust",
        "horizon": {"start": 2022, "end": 2030},
        "targets": [{"name": "all", "by": 2030, "km2": 6.0}],
        "pathways": {
            "a": {"plan": {2022: 1.0, 2023: 1.0, 2025: 1.0}, "projects": 3,
                  "stages": [{"name": "s", "duration": 1.0}]},
            "b": {"plan": {2026: 2.0, 2027: 1.0}, "projects": 3,
                  "stages": [{"name": "t", "duration": 1.0}]},
        },
        "status": {"as_of": 2024, "released": {2022: {"a": 1.0}, 2023: {"a": 0.5}}, **status},
    }


def write(folder: Path, data: dict, name: str = "s.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


CSV = "pathway,stage,km2,projects,since\na,s,0.5,1,2023.5\n"


@pytest.fixture
def alarm():
    """Fail instead of hanging: a test that blocks for 10 s is stopped by SIGALRM."""
    def stop(signum, frame):  # noqa: ARG001
        raise TimeoutError("blocked for 10 s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def validate(capsys, *args) -> tuple[int, str]:
    code = cli.main(["validate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.err


# ---------------------------------------------------------------- which files may be read


def test_a_pipeline_csv_in_the_scenario_folder_is_read(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "p.csv").write_text(CSV, encoding="utf-8")
    s = load_scenario(write(tmp_path, scenario(pipeline_file="data/p.csv")))
    assert [(r.pathway, r.km2, r.since) for r in s.status.pipeline] == [("a", 0.5, 2023.5)]


def test_a_fifo_as_pipeline_file_exits_2_at_once(tmp_path):
    os.mkfifo(tmp_path / "p.csv")
    path = write(tmp_path, scenario(pipeline_file="p.csv"))
    # in a subprocess: a read that blocked would hang this test run, not just fail it
    for command in ("validate", "run"):
        done = subprocess.run([sys.executable, "-m", "simulator", command, str(path),
                               *(["--out", str(tmp_path / "out")] if command == "run" else [])],
                              capture_output=True, text=True, timeout=10, cwd=ROOT)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"{path}:") and "status.pipeline_file" in line
        assert "FIFO" in line and "only regular files" in line
    assert not (tmp_path / "out").exists()


def test_a_fifo_is_refused_in_process_within_a_cpu_second(tmp_path, capsys, alarm):
    import time

    os.mkfifo(tmp_path / "p.csv")
    path = write(tmp_path, scenario(pipeline_file="p.csv"))
    started = time.process_time()
    code, err = validate(capsys, path)
    assert code == 2 and time.process_time() - started < 1.0
    assert "'p.csv' is a FIFO (named pipe), not a regular file" in err


@pytest.mark.parametrize("kind", ["parent", "absolute", "symlink", "symlinked folder"])
def test_a_file_outside_the_scenario_folder_is_refused_unless_data_names_its_folder(
        tmp_path, capsys, kind):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "p.csv").write_text(CSV, encoding="utf-8")
    folder = tmp_path / "scn"
    folder.mkdir()
    name = {"parent": "../outside/p.csv", "absolute": str(outside / "p.csv"),
            "symlink": "link.csv", "symlinked folder": "linked/p.csv"}[kind]
    if kind == "symlink":
        (folder / "link.csv").symlink_to(outside / "p.csv")
    if kind == "symlinked folder":
        (folder / "linked").symlink_to(outside, target_is_directory=True)
    path = write(folder, scenario(pipeline_file=name))
    code, err = validate(capsys, path)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"{path}:") and "status.pipeline_file" in line
    assert "outside the scenario's folder" in line and "--data DIR" in line
    assert "a,s,0.5" not in line  # nothing of the file
    # naming its folder lets it in
    code, err = validate(capsys, path, "--data", outside)
    assert code == 0, err
    assert load_scenario(path, data_dirs=[outside]).status.pipeline[0].km2 == 0.5


def test_a_missing_file_outside_is_refused_without_saying_whether_it_exists(tmp_path):
    folder = tmp_path / "scn"
    path = write(folder, scenario(pipeline_file="../nowhere.csv"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert "outside the scenario's folder" in problem.message
    assert "no file" not in problem.message


@pytest.mark.parametrize("name", ["../../../../../../../../etc/shadow",
                                  "../../../../../../../../etc/passwd"])
def test_files_of_the_system_are_refused_and_nothing_of_them_is_printed(tmp_path, capsys, name):
    path = write(tmp_path / "a" / "b", scenario(pipeline_file=name))
    code, err = validate(capsys, path)
    assert code == 2 and "outside the scenario's folder" in err
    assert len(err.strip().splitlines()) == 1
    # even where --data lets it in, a file that is not a pipeline CSV is not echoed
    code, err = validate(capsys, path, "--data", "/etc")
    assert code == 2 and len(err.strip().splitlines()) == 1
    first = Path("/etc/passwd").read_text().splitlines()[0]
    assert first not in err and first.split(":")[0] + ":" not in err
    assert "not the header of a pipeline CSV" in err or "cannot be read" in err


def test_proc_files_are_refused_even_in_a_data_folder(tmp_path, capsys):
    path = write(tmp_path, scenario(pipeline_file="/proc/self/environ"))
    code, err = validate(capsys, path)
    assert code == 2 and "outside the scenario's folder" in err
    code, err = validate(capsys, path, "--data", "/proc")
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "/proc or /sys" in line and "not a data file" in line
    assert "PATH=" not in err and "HOME=" not in err


def test_a_device_and_a_folder_are_refused(tmp_path, capsys, alarm):
    path = write(tmp_path, scenario(pipeline_file="/dev/zero"))
    code, err = validate(capsys, path, "--data", "/dev")
    assert code == 2 and "'/dev/zero' is a character device, not a regular file" in err
    (tmp_path / "dir.csv").mkdir()
    path = write(tmp_path, scenario(pipeline_file="dir.csv"))
    code, err = validate(capsys, path)
    assert code == 2 and "is a folder, not a regular file" in err


def test_data_must_be_a_folder(tmp_path, capsys):
    path = write(tmp_path, scenario())
    with pytest.raises(SystemExit) as caught:
        cli.main(["validate", str(path), "--data", str(tmp_path / "nope")])
    assert caught.value.code == 2
    assert "not a folder" in capsys.readouterr().err


def test_every_command_that_loads_a_scenario_takes_data():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices  # noqa: SLF001
    takes = {name for name, sub in commands.items()
             if any("--data" in a.option_strings for a in sub._actions)}  # noqa: SLF001
    assert {"run", "trace", "validate", "sensitivity", "solve", "discover",
            "calibrate"} <= takes


def test_a_copied_scenario_finds_the_files_it_names_in_a_data_folder(tmp_path, capsys):
    # a copy of plan-2024 outside scenarios/ names posteriors/history-2026.parquet: with
    # --data scenarios it is found there, as the help says (issue 36, item 10)
    from simulator import cli

    copy = tmp_path / "copy.yaml"
    copy.write_text((ROOT / "scenarios" / "plan-2024.yaml").read_text("utf-8"), "utf-8")
    assert cli.main(["validate", str(copy)]) == 2
    assert "no posterior file" in capsys.readouterr().err
    assert cli.main(["validate", str(copy), "--data", str(ROOT / "scenarios")]) == 0
    status = tmp_path / "status.yaml"  # and a pipeline_file the same way
    status.write_text((ROOT / "scenarios" / "status-2026.yaml").read_text("utf-8"), "utf-8")
    assert cli.main(["validate", str(status), "--data", str(ROOT / "scenarios")]) == 0
    # a file beside the scenario still comes first, and nothing outside the folders is read
    assert load_scenario(ROOT / "scenarios" / "plan-2024.yaml").posterior.file == (
        load_scenario(copy, data_dirs=[ROOT / "scenarios"]).posterior.file)


def test_a_posterior_outside_the_scenario_folder_is_refused_unless_data_names_it(tmp_path):
    import numpy as np

    from simulator.inputs.posterior import write_posterior

    outside = tmp_path / "calibrations"
    outside.mkdir()
    write_posterior(outside / "post.parquet", np.full((5, 1), 2.0), ["pathways.a.annual_cap"])
    data = scenario()
    data["pathways"]["a"]["annual_cap"] = 3.0
    data["uncertain"] = {"from": "../calibrations/post.parquet"}
    path = write(tmp_path / "scn", data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert problem.path == "uncertain.from" and problem.file == str(path) and problem.line
    assert "outside the scenario's folder" in problem.message
    loaded = load_scenario(path, data_dirs=[outside])
    assert loaded.posterior is not None and loaded.posterior.paths == ["pathways.a.annual_cap"]
    os.mkfifo(tmp_path / "scn" / "fifo.parquet")
    data["uncertain"] = {"from": "fifo.parquet"}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path / "scn", data))
    assert "FIFO" in caught.value.problems[0].message


# ---------------------------------------------------------------- what messages show


def csv_problems(tmp_path, text: str | bytes) -> list[Problem]:
    target = tmp_path / "p.csv"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_bytes(text.encode("utf-8"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path, scenario(pipeline_file="p.csv")))
    return caught.value.problems


def test_control_characters_in_a_header_are_escaped_and_the_rest_not_echoed(tmp_path, capsys):
    (tmp_path / "p.csv").write_bytes("pathway,stage,km2,\x1b[31mred\x1b[0m\x07\x9b2J\n"
                                     "a,s,secret-second-line,1\n".encode("utf-8"))
    path = write(tmp_path, scenario(pipeline_file="p.csv"))
    code, err = validate(capsys, path)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err
    assert "unknown column '\\x1b[31mred\\x1b[0m\\x07\\x9b2J'" in line
    assert line.startswith(f"{tmp_path / 'p.csv'}:1:")
    assert "secret-second-line" not in err


def test_a_file_that_is_not_a_pipeline_csv_shows_nothing_of_itself(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("zqx:$6$salt$hash:19000:0:99999:7:::\nnext-zqx\n")
    path = write(tmp_path, scenario(pipeline_file="p.csv"))
    code, err = validate(capsys, path)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "not the header of a pipeline CSV" in line and "pathway, stage, km2" in line
    assert "zqx" not in line and "$6$" not in line


def test_a_long_cell_is_quoted_short(tmp_path):
    (problem,) = csv_problems(tmp_path, "pathway,stage,km2\na,s," + "9x" * 500 + "\n")
    assert problem.line == 2 and "…" in problem.message and len(str(problem)) < 400


def test_problems_print_one_line_with_control_characters_escaped():
    text = str(Problem("status.pipeline[0].pathway", "bad \x1b]0;title\x07 \u202e\u2028 x",
                       "f\nile.csv", 3))
    assert text == "f\\nile.csv:3: status.pipeline[0].pathway: bad \\x1b]0;title\\x07 " \
                   "\\u202e\\u2028 x"
    assert printable("深圳 km² – ok") == "深圳 km² – ok"


def test_a_pathway_name_with_an_escape_sequence_is_escaped(tmp_path, capsys):
    data = scenario(pipeline=[{"pathway": "\x1b[2Jx", "stage": "s", "km2": 1.0}])
    path = write(tmp_path, data)
    code, err = validate(capsys, path)
    assert code == 2 and "\x1b" not in err and "'\\x1b[2Jx' is not a pathway" in err


# ---------------------------------------------------------------- CSV rows and cells


def test_line_numbers_are_physical_after_a_quoted_multi_line_field(tmp_path):
    problems = csv_problems(tmp_path, 'pathway,stage,km2,projects,since\n'
                                      'a,s,0.5,1,"2023\n"\n'    # lines 2–3: a bad since
                                      'a,s,0.5,1,\n'            # line 4
                                      'a,s,lots,1,\n')          # line 5
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (2, "column 'since'"), (5, "column 'km2'")]
    assert "'2023\\n'" in problems[0].message


def test_a_cell_after_a_multi_line_cell_is_reported_at_its_own_line(tmp_path):
    problems = csv_problems(tmp_path, 'pathway,stage,km2\r\na,"s\r\n\r\n",x\r\n')
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (2, "column 'stage'"), (4, "column 'km2'")]


def test_a_later_problem_with_a_csv_row_points_at_its_physical_line(tmp_path):
    (problem,) = csv_problems(tmp_path, 'pathway,stage,km2,projects,since\n\n'
                                        'a,s,0.5,1,2023.5\n\n'
                                        'a,nope,0.5,1,\n')
    assert problem.path == "status.pipeline[1].stage" and problem.line == 5
    assert problem.file.endswith("p.csv")


@pytest.mark.parametrize("separator", ["\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
                                       "\u2029"])
def test_only_newlines_end_a_row(tmp_path, separator):
    # with str.splitlines this was two rows, "a,s,1" (valid) and "5,1," (too few cells)
    problems = csv_problems(tmp_path, f"pathway,stage,km2,projects,since\n"
                                      f"a,s,1{separator}5,1,\n"
                                      f"a,s,0.5,1,\n")
    (problem,) = problems
    assert problem.line == 2 and "column 'km2'" in problem.message
    assert repr(separator)[1:-1] in problem.message  # escaped, as Python writes it
    assert separator not in str(problem)


def test_a_lone_carriage_return_does_not_end_a_row(tmp_path):
    (problem,) = csv_problems(tmp_path, "pathway,stage,km2\na,s,1\ra,s,2\n")
    assert problem.line == 2 and "carriage return" in problem.message


def test_only_commas_separate_cells(tmp_path):
    (problem,) = csv_problems(tmp_path, "pathway;stage;km2\na;s;1\n")
    assert problem.line == 1 and "not the header of a pipeline CSV" in problem.message
    (problem,) = csv_problems(tmp_path, "pathway,stage,km2\na,s,1\t2\n")
    assert problem.line == 2 and "'1\\t2'" in problem.message


@pytest.mark.parametrize("cell", ["1_000", "0x10", "nan", "inf", "-inf", "1e999", "١٢",
                                  "1,5", "0.5.1", "e3", "+", ""])
def test_numbers_are_plain_decimals(tmp_path, cell):
    text = f'pathway,stage,km2\na,s,"{cell}"\n'
    (problem,) = csv_problems(tmp_path, text)
    assert problem.line == 2 and "column 'km2'" in problem.message
    if cell not in ("", "1e999"):
        assert "must be a number written in decimals" in problem.message
        assert f"'{cell}'" in problem.message


@pytest.mark.parametrize("cell, value", [("0.5", 0.5), ("12", 12.0), ("1e-1", 0.1),
                                         ("1.5E1", 15.0), (".5", 0.5), ("3.", 3.0),
                                         (" 0.25 ", 0.25)])
def test_plain_decimals_and_exponents_are_numbers(tmp_path, cell, value):
    (tmp_path / "p.csv").write_text(f"pathway,stage,km2\na,s,{cell}\n")
    s = load_scenario(write(tmp_path, scenario(pipeline_file="p.csv")))
    assert s.status.pipeline[0].km2 == value


@pytest.mark.parametrize("cell", ["1_0", "2.0", "1e1", "0x2"])
def test_projects_are_whole_numbers(tmp_path, cell):
    (problem,) = csv_problems(tmp_path, f"pathway,stage,km2,projects\na,s,1,{cell}\n")
    assert "column 'projects': must be a whole number" in problem.message


def test_a_header_column_twice_is_refused(tmp_path):
    (problem,) = csv_problems(tmp_path, "pathway,stage,km2,km2\na,s,1,2\n")
    assert problem.line == 1 and "column 'km2' appears 2 times" in problem.message


# ---------------------------------------------------------------- status years and values


def test_missing_status_years_are_named(tmp_path, capsys):
    data = scenario(as_of=2027)
    data["status"]["released"] = {2022: {"a": 1.0}, 2024: {"a": 0.5}}
    path = write(tmp_path, data)
    code, err = validate(capsys, path)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"{path}:") and "status.released:" in line
    assert "no figures for 2023, 2025, 2026" in line
    assert "2023: {}" in line and "2023: {a: 0}" in line


def test_a_year_with_no_release_is_written_as_zero():
    data = scenario(as_of=2027)
    data["status"]["released"] = {2022: {"a": 1.0}, 2023: {}, 2024: {"a": 0.5},
                                  2025: {"a": 0.0}, 2026: {"b": 0}}
    assert scenario_from_dict(data).status.as_of == 2027


def test_years_before_the_plan_and_a_fractional_year_may_be_left_out():
    data = scenario(as_of=2024.5)
    data["horizon"]["start"] = 2018  # 2018–2021: before the plan's first year
    assert scenario_from_dict(data).status.as_of == 2024.5  # and 2024 counts 0 so far
    data["status"]["released"].pop(2023)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert "no figures for 2023" in str(caught.value)


def test_a_status_date_past_the_horizon_with_actuals_to_an_earlier_year_is_refused():
    base = yaml.safe_load((ROOT / "scenarios" / "status-2026.yaml").read_text("utf-8"))
    base["status"].pop("pipeline_file")
    base["uncertain"].pop("from")  # a file relative to the scenario, which a dict has not
    base["status"]["as_of"] = 2036
    base["status"]["pipeline"] = []
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(base)
    (problem,) = caught.value.problems
    assert problem.path == "status.released" and "no figures for 2026–2035" in problem.message


def test_the_shipped_status_scenarios_still_validate(capsys):
    code, err = validate(capsys, ROOT / "scenarios" / "status-2026.yaml",
                         ROOT / "scenarios" / "plan-2024.yaml")
    assert code == 0, err


def test_values_in_messages_are_shown_as_given(tmp_path, capsys):
    data = scenario(as_of=2030.0001)
    data["horizon"]["end"] = 2029
    path = write(tmp_path, data)
    code, err = validate(capsys, path)
    assert code == 2
    assert "status.as_of: 2030.0001 is outside the horizon" in err
    data = scenario(pipeline=[{"pathway": "a", "stage": "s", "km2": 1.0,
                               "since": 2024.0000001}])
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data)
    assert "2024.0000001 is after the status date (2024)" in str(caught.value)
