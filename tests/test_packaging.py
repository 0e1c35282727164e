"""The package's metadata: what pip reads when a new user installs landsim."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_an_spdx_expression_with_its_file():
    # a TOML table (license = {text = "MIT"}) makes pip print a deprecation warning on
    # every install; PEP 639 wants an SPDX string and the file it names
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = meta["project"]
    assert project["license"] == "MIT"
    for name in project["license-files"]:
        assert "MIT License" in (ROOT / name).read_text(encoding="utf-8")
    # setuptools reads SPDX expressions from 77 on
    requires = meta["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=") and
               tuple(int(p) for p in r.split(">=")[1].split(".")) >= (77,) for r in requires)


def _shipped_files() -> set[str]:
    """Every file the shipped scenarios are or name, relative to scenarios/."""
    folder = ROOT / "scenarios"
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and p.suffix in (".yaml", ".parquet", ".csv")}


def test_the_package_data_covers_every_shipped_scenario_and_its_inputs():
    # an installed landsim (pip install ., not editable) found no scenario to explore
    # (issue 36, item 12): the data files must carry every shipped file and what it names
    import fnmatch

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data = meta["tool"]["setuptools"]["data-files"]
    covered = set()
    for target, patterns in data.items():
        assert target.startswith("share/landsim/scenarios")
        sub = target.removeprefix("share/landsim/scenarios").strip("/")
        for pattern in patterns:
            for name in _shipped_files():
                if fnmatch.fnmatch(f"scenarios/{name}", pattern) and (
                        str(Path(name).parent) == (sub or ".")):
                    covered.add(name)
    assert covered == _shipped_files()


def test_a_shipped_scenario_is_named_by_its_name_and_a_file_comes_first(tmp_path,
                                                                        monkeypatch):
    from simulator.inputs.shipped import scenario_argument, shipped_folder

    assert scenario_argument("plan-2024") == shipped_folder() / "plan-2024.yaml"
    assert scenario_argument("no-such-scenario") == Path("no-such-scenario")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan-2024").write_text("a file of that name")
    assert scenario_argument("plan-2024") == Path("plan-2024")  # what is there wins
