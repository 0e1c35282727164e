"""Sensitivity under common random numbers (issue 37, item 2): the noise the rules use is the
noise of differences between points, measured on repeated rows; an output constant over the
design is out of reach (or certain), never "no measurable effect"."""

import math

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from simulator.study.sensitivity import ParamRange, build_design, replicate_rows
from simulator.study.sensitivity_analysis import analyse_output, crn_noise, output_state

ISHIGAMI = [ParamRange(f"x{i}", -math.pi, math.pi, 0.0) for i in (1, 2, 3)]
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])


def shocked(design: np.ndarray, seed: int, shared: float = 20.0, own: float = 0.0):
    """Ishigami plus a shock of sd ``shared`` common to every point of a seed (a common random
    number) and an independent one of sd ``own``: (y, each point's own Monte Carlo
    variance)."""
    rng = np.random.default_rng(seed)
    y = Ishigami.evaluate(design) + rng.normal(0, shared) + rng.normal(0, own, len(design))
    return y, np.full(len(design), shared**2 + own**2)


@pytest.mark.parametrize("run", range(5))
def test_a_shared_shock_hides_every_effect_from_the_old_rule_and_none_from_the_new(run):
    design = build_design(ISHIGAMI, "sobol", 1024, seed=0).to_numpy()
    y, v = shocked(design, seed=run)
    old = analyse_output("sobol", ISHIGAMI, design, y, v, seed=0)
    assert not old.noise.measurable  # before: "no measurable effect", 20 of 20 runs
    idx = replicate_rows(len(design))
    again, _ = shocked(design[idx], seed=100 + run)
    crn = crn_noise(y[idx], again)
    assert crn[0] == pytest.approx(0.0, abs=1e-9)  # the shock cancels in the differences
    new = analyse_output("sobol", ISHIGAMI, design, y, v, seed=0, crn=crn)
    assert new.noise.measurable and new.rows.measurable.all()
    # every index is the shock-free function's (the shock cancels in them too) ...
    exact = analyse_output("sobol", ISHIGAMI, design, Ishigami.evaluate(design),
                           np.zeros(len(y)), seed=0, crn=(0.0, crn[1]))
    np.testing.assert_allclose(new.rows.ST, exact.rows.ST, atol=1e-9)
    np.testing.assert_allclose(new.rows.S1, exact.rows.S1, atol=1e-9)
    # ... and the ranking is Ishigami's, each ST within its interval of the known value
    assert list(np.argsort(-new.rows.ST.to_numpy())) == [0, 1, 2]
    assert (np.abs(new.rows.ST.to_numpy() - ST_TRUE) < 1.5 * new.rows.ST_conf).all()


def test_with_an_independent_part_the_noise_of_differences_is_that_part():
    design = build_design(ISHIGAMI, "morris", 40, seed=0).to_numpy()
    idx = replicate_rows(len(design))
    estimates = []
    for s in range(200):
        y, _ = shocked(design[idx], seed=s, shared=20.0, own=0.5)
        y2, _ = shocked(design[idx], seed=1000 + s, shared=20.0, own=0.5)
        estimates.append(crn_noise(y, y2)[0])
    # E[var(d)/2] = own² = 0.25; the mean of 200 estimates with len(idx) − 1 df each
    se = 0.25 * math.sqrt(2 / (len(idx) - 1)) / math.sqrt(200)
    assert np.mean(estimates) == pytest.approx(0.25, abs=4 * se)


def test_morris_and_oat_use_the_noise_of_differences_too():
    design = build_design(ISHIGAMI, "morris", 20, seed=0).to_numpy()
    y, v = shocked(design, seed=3)
    old = analyse_output("morris", ISHIGAMI, design, y, v, seed=0)
    new = analyse_output("morris", ISHIGAMI, design, y, v, seed=0, crn=(0.01, 15))
    assert not old.rows.measurable.any()
    assert new.rows.set_index("parameter").loc[["x1", "x2"], "measurable"].all()
    narrow = [ParamRange(f"x{i}", -1.0, 1.5, 0.2) for i in (1, 2, 3)]
    oat = build_design(narrow, "oat", 1, seed=0).to_numpy()
    y, v = shocked(oat, seed=4)
    assert not analyse_output("oat", narrow, oat, y, v).rows.measurable.any()
    assert analyse_output("oat", narrow, oat, y, v, crn=(1e-4, 7)).rows.measurable.any()


def test_noise_alone_is_still_not_measurable_with_the_noise_of_differences():
    design = build_design(ISHIGAMI, "sobol", 64, seed=0).to_numpy()
    idx = replicate_rows(len(design))
    called = 0
    for s in range(200):
        rng = np.random.default_rng(s)
        y = 0.3 + rng.normal(0, 0.01, len(design))  # no parameter effect at all
        again = 0.3 + rng.normal(0, 0.01, len(idx))
        found = analyse_output("sobol", ISHIGAMI, design, y, np.full(len(y), 1e-4),
                               crn=crn_noise(y[idx], again))
        called += found.noise.measurable
    assert called <= 6  # level 1 % of 200: 2 expected; 6 is beyond 3 binomial sd


def test_a_constant_output_is_out_of_reach_certain_or_constant():
    assert output_state(np.zeros(384), probability=True) == "out of reach"
    assert output_state(np.full(9, 100.0), probability=True) == "certain"
    assert output_state(np.full(9, 12.5), probability=False) == "constant"
    assert output_state(np.array([0.0, 0.001]), probability=True) == "varies"
