"""The calibrated posterior plan-2024.yaml draws from is what its calibration gives."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from simulator import load_scenario
from simulator.cli import main

SHIPPED = ROOT / "scenarios" / "posteriors" / "city-2019-2021.parquet"
CALIBRATION = ROOT / "scenarios" / "history" / "city-2019-2021.yaml"


def _meta(path):
    return json.loads(pq.read_schema(path).metadata[b"landsim.posterior"])


def test_the_shipped_posterior_belongs_to_its_calibration_scenario():
    """Changing the calibration scenario without `make posterior` fails here."""
    meta = _meta(SHIPPED)
    assert meta["scenario_sha256"] == load_scenario(CALIBRATION).digest()
    assert (meta["seed"], meta["replications"]) == (0, 300_000)
    plan = load_scenario(ROOT / "scenarios" / "plan-2024.yaml")
    assert set(plan.posterior.paths) == set(pq.read_schema(SHIPPED).names)


@pytest.mark.slow
def test_make_posterior_rebuilds_the_same_draws(tmp_path):
    out = tmp_path / "cal"
    assert main(["calibrate", str(CALIBRATION), "-n", "300000", "--seed", "0",
                 "--method", "importance", "--out",
                 str(out), "-q"]) == 0
    again, shipped = pq.read_table(out / "posterior.parquet"), pq.read_table(SHIPPED)
    assert again.column_names == shipped.column_names
    for name in shipped.column_names:
        np.testing.assert_array_equal(again[name].to_numpy(), shipped[name].to_numpy())
