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
