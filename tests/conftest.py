"""Shared helpers: tiny scenarios built from YAML text, and Monte Carlo tolerances."""

from __future__ import annotations

import fcntl
import math
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import yaml

matplotlib.use("Agg")

# Property tests draw the same examples on every run (a failure found while developing is
# kept as an explicit @example); HYPOTHESIS_PROFILE=explore searches afresh.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
HISTORY = sorted(p for p in (ROOT / "scenarios" / "history").glob("*.yaml")
                 if p.name != "cases.yaml")
"""The backtest and calibration scenarios of scenarios/history/ (labelled like the rest)."""


def scenario(text: str, **kw):
    """A validated scenario from YAML text (dedented)."""
    from simulator import scenario_from_dict

    return scenario_from_dict(yaml.safe_load(textwrap.dedent(text)), **kw)


NEGOTIATION = """\
name: tiny
horizon: {start: 2022, end: 2032}
targets: [{name: t, by: 2027, km2: 5}]
pathways:
  c:
    plan: {2025: 3.0, 2026: 3.0}
    projects: 12
    stages:
      - {name: negotiation, duration: {dist: lognormal, median: 2.0, sigma: 0.5}, capacity: 4}
      - {name: clearance, duration: 1.0, dropout: 0.1}
correlation: {pathway_factor_sigma: 0.4}
"""
"""One pathway whose 2027 target is met about a fifth of the time at its base values."""


def mc_tolerance(p: float, n: int, z: float = 4.0) -> float:
    """z Monte Carlo standard errors of a proportion p estimated from n replications.

    z = 4 makes a false failure a 1-in-16,000 event; with fixed seeds it is deterministic.
    """
    return z * math.sqrt(max(p * (1 - p), 1e-12) / n)


@pytest.fixture
def write_yaml(tmp_path):
    """Write YAML text to a file in tmp_path and return its path."""

    def _write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


def planned_by_year(scn) -> np.ndarray:
    """(Y, P) planned km² by horizon year and pathway."""
    return np.array(
        [[p.plan.get(y, 0.0) for p in scn.pathways.values()] for y in scn.years]
    )


def carried_km2(scenario, seed: int | None = None, replications: int = 1) -> "np.ndarray":
    """(P,) km² each pathway carries: its layout's projects (over-programming included) plus
    the status date's actuals — what released + late + dropped + yield loss must add up to.
    A drawn programme carries what each replication drew: then (R, P) for the first
    ``replications`` (≤ 1000) of ``seed``."""
    import numpy as np

    from simulator.model.layout import build_layout
    from simulator.model.sampling import draw_chunk

    layout = build_layout(scenario)
    pool = (np.zeros(layout.n_projects, dtype=bool) if layout.managed is None
            else layout.managed >= 0)  # what an office may start is not carried until it does
    if layout.drawn and seed is not None:
        draws = draw_chunk(layout, seed, 0, replications)
        carried = np.stack([draws.size[:, layout.projects_of(p)[
            layout.originals[layout.projects_of(p)]]].sum(axis=1)
            for p in range(len(layout.pathways))], axis=1)
        return carried + (layout.actual.sum(axis=0) if layout.actual is not None else 0.0)
    carried = np.array([
        layout.group_area[np.unique(layout.group[layout.projects_of(p)[
            ~pool[layout.projects_of(p)]]])].sum()
        for p in range(len(layout.pathways))])
    if layout.actual is not None:
        carried += layout.actual.sum(axis=0)
    return carried


@pytest.fixture(scope="session")
def made_once(tmp_path_factory):
    """``made_once(name, make)``: a folder that ``make(folder)`` fills once per test session,
    shared by every xdist worker. Each name has a file lock of its own: a worker that asks
    for a name being made waits for it, and two names can be made side by side.

    For outputs that several modules only read: with xdist, a module's tests may run on
    both workers, and a module-scoped fixture is then made once on each.
    """
    import os

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the folder every worker's base temp is in
    shared = root / "made-once"
    shared.mkdir(exist_ok=True)

    def get(name: str, make) -> Path:
        folder = shared / name
        with open(shared / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (shared / f"{name}.done").exists():
                make(folder)
                (shared / f"{name}.done").touch()
        return folder

    return get


@pytest.fixture(scope="session")
def bilingual_baseline(made_once) -> Path:
    """A run folder of the baseline (300 replications, with its levers) with English and
    Chinese reports. Read it; never write into it."""
    import simulator.cli as cli

    def make(folder: Path) -> None:
        assert cli.main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "-n", "300", "-q",
                         "--lang", "en,zh", "--out", str(folder)]) == 0

    return made_once("bilingual-baseline", make)
