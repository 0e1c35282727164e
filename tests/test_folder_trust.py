"""Folders landsim reads back (a run's, a sweep's) are checked before they are trusted:
damage gives exit 2 and one line, never an internal error or a number it cannot stand
behind. The probe's cases one by one, then hypothesis damaging folders at random."""

import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulator.cli import main


def _run(folder: Path) -> None:
    assert main(["run", str(ROOT / "scenarios" / "status-2026.yaml"), "-n", "300", "-q",
                 "--no-report", "--no-levers", "--out", str(folder)]) == 0


def _sweep(folder: Path) -> None:
    assert main(["sweep", str(ROOT / "scenarios" / "sweeps" / "consolidation-capacity.yaml"),
                 "-n", "60", "-q", "--out", str(folder), "--lang", "en"]) == 0


@pytest.fixture(scope="module")
def run_folder(made_once):
    return made_once("trust-run", _run)


@pytest.fixture(scope="module")
def sweep_folder(made_once):
    return made_once("trust-sweep", _sweep)


def _copy(folder: Path, where: Path) -> Path:
    out = where / "copy"
    shutil.copytree(folder, out)
    return out


def _report(folder: Path, capsys) -> tuple[int, str]:
    code = main(["report", str(folder), "--workers", "1"])
    return code, capsys.readouterr().err


def _edit_summary(folder: Path, change) -> None:
    path = folder / "summary.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("change, words", [
    (lambda d: d["targets"][3].update(probability=float("nan")), "not a number landsim writes"),
    (lambda d: d["targets"][3].update(probability=1e308), "less than or equal to 1"),
    (lambda d: d["targets"][3].update(probability=-7), "greater than or equal to 0"),
    (lambda d: d["targets"][0].update(name="renamed"), "do not match the run's scenario"),
    (lambda d: d.update(targets="oops"), "targets"),
    (lambda d: d.update(format_version=99), "format_version 99; this landsim reads format 1"),
    (lambda d: d.update(targets=[d["targets"][0]] * 100_000), "at most 20 items"),
    # fields in range that contradict each other (issue 36, item 4)
    (lambda d: d["targets"][3].update(probability=0.99), "outside its own 95% interval"),
    (lambda d: d["targets"][3].update(impossible=True), "marked impossible by construction"),
    (lambda d: d["targets"][3].update(mean_km2=d["targets"][3]["ceiling_km2"] + 5),
     "above its ceiling"),
    (lambda d: d["targets"][3].update(probability=d["targets"][3]["probability"] + 1e-4,
                                      ci95=[0.0, 1.0]), "no share of 300 replications"),
    (lambda d: d["joint"].update(probability=0.5, ci95=[0.4, 0.6]),
     "more likely than one of them"),
    (lambda d: next(iter(d["cumulative"].values())).update(p10=1e6), "quantiles out of order"),
])
def test_a_damaged_summary_is_refused_with_one_line(run_folder, tmp_path, capsys, change, words):
    folder = _copy(run_folder, tmp_path)
    _edit_summary(folder, change)
    began = time.process_time()
    code, err = _report(folder, capsys)
    assert code == 2 and words in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert time.process_time() - began < 5
    assert not (folder / "report.html").exists()


@pytest.mark.parametrize("name, damage, words", [
    ("summary.json", lambda t: t[: len(t) // 2], "not valid JSON"),
    ("scurve.csv", lambda t: t + "batch-3,oops,0.5\n", "scurve.csv"),
    ("scurve.csv", lambda t: t + "no-such-target,2030,0.5\n", "rows"),
    ("annual.csv", lambda t: t.replace(",", ";"), "columns"),
    ("histograms.csv", lambda t: "\x00\xff" * 50, "histograms.csv"),
])
def test_a_damaged_table_is_refused(run_folder, tmp_path, capsys, name, damage, words):
    folder = _copy(run_folder, tmp_path)
    path = folder / name
    path.write_bytes(damage(path.read_text(encoding="utf-8")).encode("utf-8",
                                                                     "surrogateescape"))
    code, err = _report(folder, capsys)
    assert code == 2 and words in err and "Traceback" not in err, err


@pytest.mark.slow
def test_discover_refuses_damaged_points(sweep_folder, tmp_path, capsys):
    for damage, words in [
        (lambda p: p.write_bytes(bytes(range(256)) * 20), "points"),
        (lambda p: p.write_text(p.read_text().replace(",0,", ",nan,", 1)), "not a finite"),
        (lambda p: p.write_text(p.read_text().replace(",0.04,", ",7,", 1)), "probability"),
    ]:
        folder = _copy(sweep_folder, tmp_path / str(len(list(tmp_path.iterdir()))))
        damage(folder / "points.csv")
        code = main(["discover", str(folder), "--target", "batch-3", "--out",
                     str(tmp_path / "d"), "-q", "--lang", "en"])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err, err
    folder = _copy(sweep_folder, tmp_path / "v")
    data = json.loads((folder / "sweep.json").read_text())
    (folder / "sweep.json").write_text(json.dumps({**data, "format_version": 99}))
    code = main(["discover", str(folder), "--target", "batch-3", "--out", str(tmp_path / "d"),
                 "-q", "--lang", "en"])
    assert code == 2 and "format_version 99" in capsys.readouterr().err


# ------------------------------------------------------------------ random damage

FILES = ["summary.json", "annual.csv", "pathways.csv", "scurve.csv", "histograms.csv",
         "scenario.resolved.yaml", "run.json"]
VALUES = [float("nan"), 1e308, -7, "oops", None, [], {"a": 1}, 10**30, True, "\x1b[2J"]


@st.composite
def damages(draw):
    kind = draw(st.sampled_from(["truncate", "garble", "delete", "json", "cell", "row"]))
    return (kind, draw(st.sampled_from(FILES)), draw(st.floats(0, 1)),
            draw(st.binary(min_size=1, max_size=40)), draw(st.sampled_from(VALUES)))


def _damage(folder: Path, damage) -> None:
    kind, name, where, junk, value = damage
    path = folder / name
    text = path.read_bytes()
    at = int(where * len(text))
    if kind == "truncate":
        path.write_bytes(text[:at])
    elif kind == "garble":
        path.write_bytes(text[:at] + junk + text[at + len(junk):])
    elif kind == "delete":
        path.unlink()
    elif kind == "json" and name.endswith(".json"):
        data = json.loads(text)
        node, key = data, None
        while isinstance(node, (dict, list)) and node:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            key = keys[int(where * len(keys)) % len(keys)]
            if not isinstance(node[key], (dict, list)) or where < 0.3:
                break
            node = node[key]
        if key is not None:
            node[key] = value
        path.write_text(json.dumps(data, allow_nan=True))
    else:  # a cell or a row of a CSV (or the YAML: a line)
        lines = text.decode("utf-8").splitlines()
        i = int(where * len(lines)) % len(lines)
        if kind == "row":
            lines.insert(i, junk.decode("latin-1"))
        else:
            cells = lines[i].split(",")
            cells[int(where * 7) % len(cells)] = str(value)
            lines[i] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n")


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(damage=damages())
@example(damage=("json", "run.json", 0.875, b"\x00", 1e308))  # found: a number in the command
@example(damage=("truncate", "histograms.csv", 0.5625, b"\x00", None))  # found: a lost target
def test_random_damage_to_a_run_folder_never_gives_an_internal_error(run_folder, capsys, damage):
    with tempfile.TemporaryDirectory() as where:
        folder = _copy(run_folder, Path(where))
        _damage(folder, damage)
        code, err = _report(folder, capsys)
        assert code in (0, 2), err
        assert "Traceback" not in err and "internal error" not in err, err


@st.composite
def contradictions(draw):
    """A summary.json edit whose every field stays in range but disagrees with another."""
    target = draw(st.integers(3, 4))  # the open targets of status-2026 (batch-3, plan-2035)
    kind = draw(st.sampled_from(["above", "below", "impossible", "ceiling", "share", "joint",
                                 "order", "falling"]))
    x = draw(st.floats(0.001, 0.999))

    def change(d):
        t = d["targets"][target]
        if kind == "above":  # a probability above its own interval
            t["ci95"] = [0.0, x / 2]
            t["probability"] = min(1.0, round(x * 300) / 300 + 1 / 300 + x / 2)
        elif kind == "below":
            t["ci95"] = [min(1.0, x + 0.001), 1.0]
            t["probability"] = round(x * 300) / 300 * 0.5
        elif kind == "impossible":
            t["impossible"] = True
            t["probability"], t["ci95"] = max(round(x * 300), 1) / 300, [0.0, 1.0]
        elif kind == "ceiling":
            t["mean_km2"] = t["ceiling_km2"] * (1 + x) + 0.01
        elif kind == "share":  # no count of 300 replications gives it
            t["probability"], t["ci95"] = (round(x * 300) + 0.5) / 300, [0.0, 1.0]
        elif kind == "joint":
            least = min(u["probability"] for u in d["targets"])
            d["joint"]["probability"] = min(1.0, least + max(x, 0.01))
            d["joint"]["ci95"] = [0.0, 1.0]
        elif kind == "order":
            year = draw(st.sampled_from(sorted(d["cumulative"])))
            c = d["cumulative"][year]
            c["p10"] = c["p90"] + 1 + x
        else:
            years = sorted(d["cumulative"])
            d["cumulative"][years[-1]]["mean"] = d["cumulative"][years[0]]["mean"] * x * 0.5
            d["cumulative"][years[0]]["mean"] += 1.0
    return kind, change


@settings(max_examples=30, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(edit=contradictions())
def test_a_summary_whose_fields_disagree_is_refused_never_shown(run_folder, capsys, edit):
    # every field in range, two of them contradicting each other: exit 2 with one line,
    # never 0 with a number shown, never 1 (issue 36, item 4)
    kind, change = edit
    with tempfile.TemporaryDirectory() as where:
        folder = _copy(run_folder, Path(where))
        _edit_summary(folder, change)
        code, err = _report(folder, capsys)
        assert code == 2, (kind, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert not (folder / "report.html").exists()


def test_the_published_summary_schema_accepts_what_a_run_writes(run_folder, capsys):
    import jsonschema

    assert main(["schema", "summary"]) == 0
    schema = json.loads(capsys.readouterr().out)
    summary = json.loads((run_folder / "summary.json").read_text())
    jsonschema.validate(summary, schema)
    bad = {**summary, "targets": [{**summary["targets"][0], "probability": 1.5}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["truncate", "garble", "delete", "json", "cell", "row"]),
       name=st.sampled_from(["points.csv", "sweep.json"]), where=st.floats(0, 1),
       junk=st.binary(min_size=1, max_size=40), value=st.sampled_from(VALUES))
def test_random_damage_to_a_sweep_folder_never_gives_an_internal_error(
        sweep_folder, capsys, kind, name, where, junk, value):
    with tempfile.TemporaryDirectory() as where_to:
        folder = _copy(sweep_folder, Path(where_to))
        _damage(folder, (kind, name, where, junk, value))
        code = main(["discover", str(folder), "--target", "batch-3", "--below", "0.5",
                     "--out", str(Path(where_to) / "d"), "-q", "--lang", "en",
                     "--workers", "1"])
        err = capsys.readouterr().err
        assert code in (0, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
