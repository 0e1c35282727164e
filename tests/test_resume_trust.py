"""A resumed study trusts only what verifies (issue 25).

A calibration's finished blocks (``<out>.partial/blocks/*.npz``) carry their index, their
row count, the study's digest and a SHA-256 checksum of their arrays; a block that does not
verify — another block's file, a forged one with five rows or NaN parameters, a truncated
one — is computed again (one line on stderr names it), and the posterior equals that of an
uninterrupted run bit for bit. The same holds for the point files of sweeps and sensitivity
analyses. An observation error too small to give any weight is refused with its key path.
"""

from __future__ import annotations

import math
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NEGOTIATION

from simulator import cli, load_scenario
from simulator.inputs.errors import ScenarioError
from simulator.run.backends import LocalBackend
from simulator.study import calibrate as calibrate_module
from simulator.study import points as points_module
from simulator.study.calibrate import MIN_ERROR_SD, _block_checksum, calibrate, digest_of
from simulator.study.sensitivity import parse_params, run_sensitivity

N = 25_000  # three blocks: 10,000 + 10,000 + 5,000 draws
CAP = """\
name: cap
horizon: {start: 2022, end: 2024}
targets: [{name: t, by: 2024, km2: 9}]
pathways:
  a:
    plan: {2022: 10.0, 2023: 10.0, 2024: 10.0}
    projects: 30
    stages: [{name: s, duration: {dist: lognormal, median: 0.5, sigma: 0.5}, dropout: 0.2}]
    annual_cap: 3.0
uncertain:
  pathways.a.annual_cap: {dist: uniform, min: 1, max: 5}
  pathways.a.stages[0].dropout: {dist: uniform, min: 0, max: 0.6}
observed:
  release: {2022: {a: 2.5}, 2023: {a: 2.2}}
  error: {sd: 0.3}
"""


def write_scenario(folder: Path, text: str = CAP) -> Path:
    path = folder / "cap.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def calibrate_cli(scn: Path, out: Path, *extra: str) -> int:
    return cli.main(["calibrate", str(scn), "-n", str(N), "--seed", "5", "--method",
                     "importance", "--workers", "1", "--out", str(out), "-q", *extra])


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """The output of an uninterrupted calibration."""
    folder = tmp_path_factory.mktemp("clean")
    assert calibrate_cli(write_scenario(folder), folder / "out") == 0
    return folder / "out"


def interrupted(tmp: Path, monkeypatch) -> tuple[Path, Path]:
    """A calibration stopped (Ctrl-C) while its last block ran: blocks 0 and 1 are kept."""
    scn = write_scenario(tmp)
    real = calibrate_module.run_block

    def stop_at_block_2(job, block):
        if block == 2:
            raise KeyboardInterrupt
        return real(job, block)

    monkeypatch.setattr(calibrate_module, "run_block", stop_at_block_2)
    assert calibrate_cli(scn, tmp / "out") == 130
    monkeypatch.setattr(calibrate_module, "run_block", real)
    blocks = tmp / "out.partial" / "blocks"
    assert sorted(p.name for p in blocks.glob("*.npz")) == ["000000.npz", "000001.npz"]
    return scn, blocks


def block_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def forge(path: Path, **arrays) -> None:
    """Write a block as a forger would: header and checksum consistent with its content."""
    meta = {k: arrays.pop(k) for k in ("study", "index", "rows")}
    checksum = _block_checksum(str(meta["study"]), int(meta["index"]), int(meta["rows"]),
                               arrays)
    with open(path, "wb") as handle:
        np.savez(handle, study=np.array(str(meta["study"])),
                 index=np.array(int(meta["index"])), rows=np.array(int(meta["rows"])),
                 sha256=np.array(checksum), **arrays)


def copy_block_0(blocks: Path) -> None:
    shutil.copy(blocks / "000000.npz", blocks / "000001.npz")


def five_rows_nan_old_format(blocks: Path) -> None:
    # the probe's block: the study's hash and nothing else to check it by
    study = block_arrays(blocks / "000001.npz")["study"]
    with open(blocks / "000001.npz", "wb") as handle:
        np.savez(handle, study=study, params=np.full((5, 2), np.nan), cells=np.zeros((5, 2)),
                 met=np.zeros((5, 1), dtype=bool))


def five_rows_forged(blocks: Path) -> None:
    a = block_arrays(blocks / "000001.npz")
    forge(blocks / "000001.npz", study=a["study"], index=1, rows=5,
          params=np.full((5, 2), np.nan), cells=a["cells"][:5], met=a["met"][:5])


def five_rows_claiming_all(blocks: Path) -> None:
    a = block_arrays(blocks / "000001.npz")
    forge(blocks / "000001.npz", study=a["study"], index=1, rows=10_000,
          params=a["params"][:5], cells=a["cells"][:5], met=a["met"][:5])


def nan_parameter_forged(blocks: Path) -> None:
    a = block_arrays(blocks / "000001.npz")
    params = a["params"].copy()
    params[17, 0] = np.nan
    forge(blocks / "000001.npz", study=a["study"], index=1, rows=10_000, params=params,
          cells=a["cells"], met=a["met"])


def edited_without_checksum(blocks: Path) -> None:
    a = block_arrays(blocks / "000001.npz")
    a["params"][3, 0] += 1.0  # an edit that keeps the old header and checksum
    with open(blocks / "000001.npz", "wb") as handle:
        np.savez(handle, **a)


def truncated(blocks: Path) -> None:
    data = (blocks / "000001.npz").read_bytes()
    (blocks / "000001.npz").write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("tamper, reason", [
    (copy_block_0, "it holds block 0"),
    (five_rows_nan_old_format, "not the arrays a block holds"),
    (five_rows_forged, "it holds 5 draws, the design puts 10,000 in it"),
    (five_rows_claiming_all, "params is float64[5, 2], the design makes float64[10000, 2]"),
    (nan_parameter_forged, "params holds NaN or infinite values"),
    (edited_without_checksum, "its checksum does not match its content"),
    (truncated, "unreadable"),
])
def test_a_block_that_does_not_verify_is_recomputed_and_the_posterior_is_unchanged(
        tmp_path, monkeypatch, capsys, clean, tamper, reason):
    scn, blocks = interrupted(tmp_path, monkeypatch)
    tamper(blocks)
    capsys.readouterr()
    computed = []
    real = calibrate_module.run_block
    monkeypatch.setattr(calibrate_module, "run_block",
                        lambda job, block: computed.append(block) or real(job, block))
    assert calibrate_cli(scn, tmp_path / "out", "--resume") == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "does not verify" in line]
    assert len(notes) == 1, err
    assert "calibration block 1" in notes[0] and "000001.npz" in notes[0]
    assert reason in notes[0]
    assert sorted(computed) == [1, 2]  # block 0 verified and was used; block 1 was not
    out = tmp_path / "out"
    assert (out / "posterior.csv").read_bytes() == (clean / "posterior.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "draws.parquet"),
                                  pd.read_parquet(clean / "draws.parquet"), check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "posterior.parquet"),
                                  pd.read_parquet(clean / "posterior.parquet"),
                                  check_exact=True)
    assert not (tmp_path / "out.partial").exists()


def test_blocks_that_verify_are_used_without_a_word(tmp_path, monkeypatch, capsys, clean):
    scn, _ = interrupted(tmp_path, monkeypatch)
    capsys.readouterr()
    computed = []
    real = calibrate_module.run_block
    monkeypatch.setattr(calibrate_module, "run_block",
                        lambda job, block: computed.append(block) or real(job, block))
    assert calibrate_cli(scn, tmp_path / "out", "--resume") == 0
    assert computed == [2]
    assert "does not verify" not in capsys.readouterr().err
    assert ((tmp_path / "out" / "posterior.csv").read_bytes()
            == (clean / "posterior.csv").read_bytes())


def test_the_python_api_recomputes_a_block_of_another_index(tmp_path):
    s = load_scenario(write_scenario(tmp_path))
    one = calibrate(s, replications=N, seed=5, method="importance")
    notes: list[str] = []
    calibrate(s, replications=N, seed=5, store_folder=tmp_path / "blocks",
              method="importance")
    shutil.copy(tmp_path / "blocks" / "000002.npz", tmp_path / "blocks" / "000000.npz")
    again = calibrate(s, replications=N, seed=5, store_folder=tmp_path / "blocks",
                      notice=notes.append, method="importance")
    assert len(notes) == 1 and "block 0" in notes[0] and "it holds block 2" in notes[0]
    np.testing.assert_array_equal(one.params, again.params)
    np.testing.assert_array_equal(one.weight, again.weight)
    assert digest_of(s, 5, N) == str(block_arrays(tmp_path / "blocks" / "000000.npz")["study"])


# ------------------------------------------------------------ points of sweeps and analyses

SENS = ["correlation.pathway_factor_sigma=0.1:0.5", "pathways.c.stages[0].duration.median=1:3"]


def sensitivity(tmp: Path, out: str = "out", resume: bool = False):
    (tmp / "s.yaml").write_text(NEGOTIATION)
    scn = load_scenario(tmp / "s.yaml")
    return run_sensitivity(scn, parse_params(scn, SENS), "oat", replications=40, seed=3,
                           out=tmp / out, resume=resume, backend=LocalBackend(1))


def test_a_point_file_that_does_not_verify_is_recomputed(tmp_path, monkeypatch, capsys):
    real, calls = points_module.evaluate_point, []

    def two_then_stop(*a):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(points_module, "evaluate_point", two_then_stop)
    with pytest.raises(KeyboardInterrupt):
        sensitivity(tmp_path)
    monkeypatch.setattr(points_module, "evaluate_point", real)
    folder = tmp_path / "out.partial" / "points"
    first, second = sorted(folder.glob("*.json"))
    # point 0 forged with a NaN probability and a checksum that matches it
    import json

    record = json.loads(first.read_text())
    record["metrics"]["t.probability"] = float("nan")
    record["sha256"] = points_module._checksum(record)
    first.write_text(json.dumps(record))
    shutil.copy(first.with_name("000000.json"), second)  # point 0's file as point 1's
    capsys.readouterr()
    resumed = sensitivity(tmp_path, resume=True)
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "does not verify" in line]
    assert len(notes) == 2, err
    assert "point 0" in notes[0] and "t.probability is nan" in notes[0]
    assert "point 1" in notes[1] and "it holds point 0" in notes[1]
    clean = sensitivity(tmp_path, out="clean")
    assert resumed.points.equals(clean.points)
    assert np.isfinite(resumed.points.to_numpy(dtype=float)).all()


# ------------------------------------------------------------------- the observation error

def test_an_observation_error_of_1e_300_is_refused_with_its_key_path(tmp_path, capsys):
    scn = write_scenario(tmp_path, CAP.replace("sd: 0.3", "sd: 1.0e-300"))
    assert calibrate_cli(scn, tmp_path / "out") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"{scn}:15: observed.error.sd: 1e-300 km² is below the smallest")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cap.yaml"]  # nothing written


def test_the_smallest_error_accepted_gives_a_finite_posterior(tmp_path):
    assert MIN_ERROR_SD == 1.0e-6
    s = load_scenario(write_scenario(tmp_path, CAP.replace("sd: 0.3", "sd: 1.0e-6")))
    found = calibrate(s, replications=5000, seed=1)
    post = found.posterior()
    assert np.isfinite(found.weight).all() and math.isclose(found.weight.sum(), 1.0)
    assert np.isfinite(post.drop(columns="parameter").to_numpy(dtype=float)).all()
    assert found.ess >= 1 and not found.consistent
    with pytest.raises(ScenarioError, match="observed.error.sd"):
        calibrate(load_scenario(write_scenario(tmp_path, CAP.replace("sd: 0.3", "sd: 1.0e-7"))),
                  replications=1000)
