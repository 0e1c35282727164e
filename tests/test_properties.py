"""Properties of any valid scenario: area is conserved and runs are reproducible."""

import numpy as np
import pytest
from conftest import carried_km2, scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import scenarios

from simulator import scenario_from_dict, simulate
from simulator.model.engines import ChunkOutcome
from simulator.model.engines.des import run_chunk
from simulator.model.layout import build_layout
from simulator.model.sampling import CHUNK_SIZE, chunk_sizes, draw_chunk
from simulator.model.status import status_plan

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_area_is_conserved(data, seed):
    """released in the horizon + late + dropped + lost to yield = planned, per pathway.

    A replaced project's area counts once, where its lineage ends (released, late, lost to
    yield, or dropped with no replacement left); over-programming carries more area.

    With a status: actuals + pipeline + not yet started = planned + the excess of actuals
    and pipeline over the plan (zero when the status is consistent with the plan).
    """
    scn = scenario_from_dict(data)
    result = simulate(scn, replications=4, seed=seed)
    accounts = status_plan(scn).accounts
    planned = np.array([p.planned_km2 for p in scn.pathways.values()])
    for a, km2 in zip(accounts, planned, strict=True):
        assert a.released_km2 + a.pipeline_km2 + a.not_started_km2 == pytest.approx(
            km2 + a.excess_km2, abs=1e-9)
        assert a.excess_km2 == 0 or a.not_started_km2 == 0
    planned = planned + np.array([a.excess_km2 for a in accounts])
    # over-programming carries round(n·m) projects of the plan's size instead of n
    carried = carried_km2(scn, seed, 4)  # a drawn programme: what each replication drew
    if all((p.programme or scn.programme) == 1 for p in scn.pathways.values()):
        np.testing.assert_allclose(carried, planned, atol=1e-9)
    planned = carried
    total = result.annual.sum(axis=1) + result.late + result.dropped + result.yield_loss
    layout = build_layout(scn)
    if not layout.offices:
        np.testing.assert_allclose(total, np.broadcast_to(planned, total.shape), atol=1e-9)
    else:  # a programme office adds what it starts, never more than its pool
        extra = total - planned
        assert extra.min() >= -1e-9
        managed = set()
        for office in layout.offices:
            ps = [m.pathway for m in office.pathways]
            managed |= set(ps)
            paths = list(scn.uncertain)  # an uncertain pool: each replication's own draw
            key = f"{office.key}.pool_km2"
            pool = (result.params[:, paths.index(key)] if key in paths else office.pool_km2)
            assert (extra[:, ps].sum(axis=1) <= pool + 1e-9).all()
        others = [p for p in range(planned.shape[-1]) if p not in managed]
        np.testing.assert_allclose(extra[:, others], 0.0, atol=1e-9)
    for part in (result.annual, result.late, result.dropped, result.yield_loss):
        assert part.min() >= -1e-12


@pytest.mark.slow
@SETTINGS
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_summary(data, seed):
    scn = scenario_from_dict(data)
    a = simulate(scn, replications=3, seed=seed).summary()
    b = simulate(scn, replications=3, seed=seed).summary()
    assert a == b


TINY = """
    name: tiny
    horizon: {start: 2022, end: 2030}
    targets: [{name: t, by: 2026, km2: 2}]
    pathways:
      c:
        plan: {2025: 2.0, 2026: 1.0}
        projects: 3
        stages:
          - {name: a, duration: {dist: lognormal, median: 1.5, sigma: 0.5}, dropout: 0.1, capacity: 1}
    correlation: {pathway_factor_sigma: 0.3}
"""


def test_chunks_can_run_in_any_order():
    scn = scenario(TINY)
    layout = build_layout(scn)
    sizes = chunk_sizes(2500)
    assert sizes == [CHUNK_SIZE, CHUNK_SIZE, 500]
    parts = {
        chunk: run_chunk(layout, draw_chunk(layout, 42, chunk, size))
        for chunk, size in reversed(list(enumerate(sizes)))
    }
    combined = ChunkOutcome.concat([parts[c] for c in range(len(sizes))])
    result = simulate(scn, replications=2500, seed=42)
    np.testing.assert_array_equal(combined.annual, result.annual)
    np.testing.assert_array_equal(combined.dropped, result.dropped)


def test_fewer_replications_are_a_prefix_of_more():
    scn = scenario(TINY)
    short = simulate(scn, replications=1200, seed=9)
    long = simulate(scn, replications=2100, seed=9)
    np.testing.assert_array_equal(short.annual, long.annual[:1200])


def test_different_seeds_differ():
    scn = scenario(TINY)
    a = simulate(scn, replications=50, seed=1).annual
    b = simulate(scn, replications=50, seed=2).annual
    assert not np.array_equal(a, b)


@SETTINGS
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1), pick=st.randoms(use_true_random=False))
def test_reused_draws_are_the_draws(data, seed, pick):
    """A study point that moves only caps and stage capacities reuses the random draws of
    the point before (issue 39): on any scenario, with any of its caps or capacities set to
    another value (an uncertain one fixed, as a lever does), the reused chunk equals a
    freshly drawn one in every field, to the last bit; a change elsewhere draws afresh."""
    from dataclasses import fields

    from simulator.inputs.params import with_values
    from simulator.model import sampling

    base = scenario_from_dict(data)
    moves = {}
    for name, p in base.pathways.items():
        if p.annual_cap is not None and pick.random() < 0.6:
            moves[f"pathways.{name}.annual_cap"] = round(p.annual_cap * pick.uniform(0.3, 3), 3)
        for k, stage in enumerate(p.stages or []):
            if stage.capacity is not None and pick.random() < 0.6:
                moves[f"pathways.{name}.stages[{k}].capacity"] = stage.capacity + pick.randint(0, 5)
    sampling._REUSED.clear()
    first = sampling.draw_chunk_reusing(build_layout(base), seed, 0, 5)
    moved = with_values(base, moves) if moves else base
    layout = build_layout(moved)
    reused = sampling.draw_chunk_reusing(layout, seed, 0, 5)
    fresh = draw_chunk(layout, seed, 0, 5)
    assert len(sampling._REUSED) == 1  # found, not drawn again
    for f in fields(fresh):
        a, b = getattr(reused, f.name), getattr(fresh, f.name)
        assert (a is None) == (b is None), f.name
        if a is not None:
            np.testing.assert_array_equal(a, b, err_msg=f.name)
            assert np.asarray(a).dtype == np.asarray(b).dtype, f.name
    assert reused.size is first.size  # the same arrays, not drawn again
    assert next(iter(sampling._REUSED.values()))[1] == 1  # reused once
    # anything but caps and capacities is drawn afresh: a stage's drop-out, a yield, the
    # city-wide slip
    name, spec = next((n, p) for n, p in base.pathways.items() if p.stages)
    from simulator.inputs.errors import LandsimError

    tried = 0
    for change in ({f"pathways.{name}.stages[0].dropout": 0.0123},
                   {f"pathways.{name}.yield": 0.987},
                   {"correlation.global_factor_sigma": 0.123}):
        try:
            changed = with_values(moved, change)
        except LandsimError:
            continue  # e.g. a yield whose own parameters are uncertain cannot be set whole
        tried += 1
        sampling._REUSED.clear()
        sampling.draw_chunk_reusing(layout, seed, 0, 5)
        held = next(iter(sampling._REUSED))
        sampling.draw_chunk_reusing(build_layout(changed), seed, 0, 5)
        assert held not in sampling._REUSED, change  # drawn afresh (and kept instead)
    assert tried >= 2


def test_the_reused_scenario_stays_while_other_levers_are_studied():
    """A lever study interleaves its levers: the scenario as it is, reused by every cap and
    capacity point, is not pushed out by a point of another lever (one chunk is kept)."""
    from pathlib import Path

    from simulator import load_scenario
    from simulator.inputs.params import with_values
    from simulator.model import sampling

    base = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    sampling._REUSED.clear()
    capped = with_values(base, {"pathways.consolidation.annual_cap": 4.0})
    more = with_values(base, {"programme": 1.3})
    for scenario in (base, capped, more, capped):
        sampling.draw_chunk_reusing(build_layout(scenario), 0, 0, 3)
    (_, times), = sampling._REUSED.values()
    assert times == 2  # both capped points reused the base; the programme point drew afresh
