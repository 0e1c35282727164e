"""The calibrated posterior plan-2024.yaml and status-2026.yaml draw from is what `make
posterior` gives: the posterior of every history case (backtest --loo, seed 0)."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from simulator import load_scenario
from simulator.cli import main
from simulator.study.backtest import cases_digest, load_cases

SHIPPED = ROOT / "scenarios" / "posteriors" / "history-2026.parquet"
CASES = ROOT / "scenarios" / "history" / "cases.yaml"


def _meta(path):
    return json.loads(pq.read_schema(path).metadata[b"landsim.posterior"])


def test_the_shipped_posterior_belongs_to_its_cases_file():
    """Changing a case or the cases file without `make posterior` fails here."""
    meta = _meta(SHIPPED)
    assert meta["cases_sha256"] == cases_digest(*load_cases(CASES))
    assert (meta["seed"], meta["particles"], meta["inner"]) == (0, 1000, 20)
    assert meta["ess"] >= 100  # the posterior rests on real draws
    for name in ("plan-2024", "status-2026"):
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        assert set(scenario.posterior.paths) == set(pq.read_schema(SHIPPED).names)


@pytest.mark.slow
def test_make_posterior_rebuilds_the_same_draws(tmp_path):
    out = tmp_path / "bt"
    assert main(["backtest", str(CASES), "--loo", "--seed", "0", "--out", str(out), "-q"]) == 0
    again, shipped = pq.read_table(out / "posterior.parquet"), pq.read_table(SHIPPED)
    assert again.column_names == shipped.column_names
    for name in shipped.column_names:
        np.testing.assert_array_equal(again[name].to_numpy(), shipped[name].to_numpy())
