"""The fast engine reproduces the SimPy engine replication for replication (< 1e-9 km²)."""

import os

import numpy as np
import pytest
from conftest import SCENARIOS
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from simulator import load_scenario, scenario_from_dict
from simulator.model.engines import des, fast
from simulator.model.layout import build_layout
from simulator.model.sampling import draw_chunk

FIELDS = ("annual", "late", "dropped", "yield_loss", "started", "places")


def assert_same(layout, draws):
    a = des.run_chunk(layout, draws)
    b = fast.run_chunk(layout, draws)
    for name in FIELDS:
        # started: managed runs only; places: scenarios with districts only
        if getattr(a, name) is None or getattr(b, name) is None:
            assert getattr(a, name) is getattr(b, name) is None, name
            continue
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=0, atol=1e-9,
                                   err_msg=name)
    if layout.places is not None:  # a pathway's cells add up to its release
        cells = np.zeros_like(b.annual)
        for c, (p, _) in enumerate(layout.places.cells):
            cells[:, :, p] += b.places[:, :, c]
        np.testing.assert_allclose(cells, b.annual, rtol=0, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_match(path):
    layout = build_layout(load_scenario(path))
    assert_same(layout, draw_chunk(layout, 2024, 0, 150))


# 150 random scenarios per run; LANDSIM_EQUIVALENCE_EXAMPLES=2000 for a deeper check
# (about half a minute) whenever an engine changes.
EXAMPLES = int(os.environ.get("LANDSIM_EQUIVALENCE_EXAMPLES", "150"))


# Found by this test: a pipeline project 47 σ into its lognormal tail drew an endless
# remainder (exp underflow), which SimPy booked as late and the fast engine as dropped.
FAR_TAIL = {
    "name": "generated", "horizon": {"start": 2022, "end": 2023},
    "targets": [{"name": "half", "by": 2023, "km2": 1.5}],
    "status": {"as_of": 2022, "released": {}, "pipeline": [
        {"pathway": "p0", "stage": "s0", "km2": 1.0, "projects": 1, "since": 2016.0}]},
    "uncertain": {"pathways.p0.stages[0].duration.sigma": {"dist": "uniform", "min": 0.0,
                                                           "max": 1.0}},
    "pathways": {"p0": {"plan": {2022: 1.0}, "projects": {"count": 1, "size_cv": 0.0},
                        "stages": [{"name": "s0", "duration": {"dist": "lognormal",
                                                               "median": 0.5, "sigma": 0.0}}],
                        "annual_cap": 1.0}},
}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1), size=st.integers(1, 30))
@example(data=FAR_TAIL, seed=94, size=1)
def test_generated_scenarios_match(data, seed, size):
    layout = build_layout(scenario_from_dict(data))
    assert_same(layout, draw_chunk(layout, seed, 0, size))


def test_a_chunk_of_one_matches():
    layout = build_layout(load_scenario(SCENARIOS[0]))
    assert_same(layout, draw_chunk(layout, 5, 3, 1))


@pytest.mark.parametrize("uncertain", [False, True])
def test_the_queues_event_table_equals_the_lookback_bit_for_bit(uncertain):
    """The FIFO queue looks events up in a running-maximum table; the stages without a
    queue look back over the years. Both must give the same floats at any time."""
    from simulator.model.engines.fast import _event_effects, _EventTable

    data = {
        "name": "events", "horizon": {"start": 2022, "end": 2031},
        "targets": [{"name": "t", "by": 2031, "km2": 1.0}],
        "pathways": {"p": {"plan": {2022: 2.0}, "projects": 4,
                           "stages": [{"name": "s", "duration": 1.0, "capacity": 1}]}},
        "events": [{"name": f"e{i}", "probability": 0.4, "lasts": lasts, "pathways": ["p"],
                    "duration_multiplier": m, "dropout_add": 0.1}
                   for i, (lasts, m) in enumerate([(0.5, 1.3), (2.5, 0.7), (14, 1.1)])],
    }
    if uncertain:
        data["uncertain"] = {"events[1].lasts": {"dist": "uniform", "min": 0.3, "max": 4},
                             "events[0].duration_multiplier": {"dist": "uniform", "min": 1,
                                                               "max": 2}}
    layout = build_layout(scenario_from_dict(data))
    draws = draw_chunk(layout, 7, 0, 300)
    table = _EventTable(layout, draws, 0)
    rng = np.random.default_rng(3)
    for t in [np.full(300, 2021.5), np.full(300, 2040.0), rng.uniform(2020, 2045, 300),
              np.where(rng.random(300) < 0.2, np.inf, rng.uniform(2022, 2032, 300)),
              np.floor(rng.uniform(2022, 2033, 300))]:
        mult, add = table.effects(t)
        m2, a2 = _event_effects(layout, draws, 0, t[:, None])
        np.testing.assert_array_equal(mult, m2[:, 0])
        np.testing.assert_array_equal(add, a2[:, 0])


def test_the_compiled_queue_serves_as_the_vectorised_loop_did():
    """A queue without events is served in compiled code (engines/queues.py), replication
    by replication; it must give the times the vectorised loop gave, to the last bit: ties
    to the lowest place, places a replication does not have, absent projects last."""
    from simulator.model.engines.queues import serve_in_order

    rng = np.random.default_rng(7)
    R, n, K = 40, 30, 6
    arrive = np.sort(np.round(rng.uniform(2024, 2030, (R, n)), 1), axis=1)  # ties on purpose
    arrive[:, 25:] = np.inf  # absent: they sort last
    base = rng.lognormal(0, 0.5, (R, n))
    factor = rng.lognormal(0, 0.2, R)
    capacity = rng.integers(1, K + 1, R)
    free = np.full((R, K), -np.inf)
    free[np.arange(K)[None, :] >= capacity[:, None]] = np.inf
    want, got = np.empty((R, n)), np.empty((R, n))
    loop = free.copy()
    rows = np.arange(R)
    for i in range(25):  # the vectorised loop fast._fifo ran
        server = loop.argmin(axis=1)
        s = np.maximum(arrive[:, i], loop[rows, server])
        e = s + base[:, i] * factor
        loop[rows, server] = e
        want[:, i] = e
    serve_in_order(arrive, base, factor, free, 25, got)
    np.testing.assert_array_equal(got[:, :25], want[:, :25])
    np.testing.assert_array_equal(free, loop)  # the same place for each, ties the lowest
