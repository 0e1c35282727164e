"""Exact event traces of tiny scenarios: queues, ties, caps, routes and events."""

import numpy as np
import pytest
from conftest import scenario

from simulator.model.engines.des import run_replication
from simulator.model.layout import build_layout, split_projects
from simulator.model.sampling import draw_chunk


def trace(scn, events=("begin", "release", "handover", "drop", "late"), seed=0):
    layout = build_layout(scn)
    log = []
    model = run_replication(layout, draw_chunk(layout, seed, 0, 1).row(0), log=log)
    return model, [(round(e.time, 9), e.project, e.stage, e.event) for e in log if e.event in events]


def test_capacity_with_fixed_durations_gives_the_exact_queue_schedule():
    scn = scenario("""
        name: queue
        horizon: {start: 2020, end: 2030}
        targets: [{name: t, by: 2025, km2: 1}]
        pathways:
          c:
            plan: {2024: 5.0}
            projects: 5
            stages: [{name: s, duration: 1, capacity: 2}]
    """)
    model, log = trace(scn, events=("begin",))
    # all five arrive at 2024.5 - 1 = 2023.5; two places; FIFO by project index
    assert log == [
        (2023.5, 0, "s", "begin"), (2023.5, 1, "s", "begin"),
        (2024.5, 2, "s", "begin"), (2024.5, 3, "s", "begin"),
        (2025.5, 4, "s", "begin"),
    ]
    year = {y: i for i, y in enumerate(scn.years)}
    assert model.annual[year[2024], 0] == 2 and model.annual[year[2025], 0] == 2
    assert model.annual[year[2026], 0] == 1 and model.annual.sum() == 5


def test_a_place_freed_at_an_instant_goes_to_the_lowest_index_arriving_then():
    # Project 0 (planned 2024) holds the only place until 2024.5. At 2024.5 projects 1 and 2
    # (planned 2025, stage 2 nominal 1 year → they arrive at 2024.5 too) compete for it.
    # Whatever order SimPy runs those events in, the place goes to project 1 first.
    scn = scenario("""
        name: ties
        horizon: {start: 2020, end: 2030}
        targets: [{name: t, by: 2025, km2: 1}]
        pathways:
          c:
            plan: {2024: 1.0, 2025: 2.0}
            projects: 3
            stages: [{name: s, duration: 1, capacity: 1}]
    """)
    _, log = trace(scn, events=("begin",))
    assert log == [(2023.5, 0, "s", "begin"), (2024.5, 1, "s", "begin"), (2025.5, 2, "s", "begin")]


def test_annual_cap_carries_over_exactly_and_the_rest_is_late():
    scn = scenario("""
        name: cap
        horizon: {start: 2024, end: 2026}
        targets: [{name: t, by: 2026, km2: 1}]
        pathways:
          c:
            plan: {2024: 11.0}
            projects: 11
            stages: [{name: s, duration: 1}]
            annual_cap: 4
    """)
    model, _ = trace(scn)
    np.testing.assert_allclose(model.annual[:, 0], [4.0, 4.0, 3.0])
    assert model.late[0] == pytest.approx(0.0)


def test_annual_cap_leftover_after_the_horizon_is_late():
    scn = scenario("""
        name: cap
        horizon: {start: 2024, end: 2025}
        targets: [{name: t, by: 2025, km2: 1}]
        pathways:
          c:
            plan: {2024: 10.0}
            projects: 10
            stages: [{name: s, duration: 1}]
            annual_cap: 4
    """)
    model, _ = trace(scn)
    np.testing.assert_allclose(model.annual[:, 0], [4.0, 4.0])
    assert model.late[0] == pytest.approx(2.0)


def test_routed_projects_wait_for_the_route_year_then_join_the_target_queue():
    scn = scenario("""
        name: route
        horizon: {start: 2020, end: 2040}
        targets: [{name: t, by: 2030, km2: 1}]
        pathways:
          c:
            plan: {2026: 1.0}
            projects: 1
            stages: [{name: s, duration: 2, capacity: 1}]
          u:
            plan: {2030: 2.0}
            projects: 2
            route: {after: 2028, delay: 1, to: {c: 1.0}}
    """)
    model, log = trace(scn, events=("begin", "release"))
    # u's nominal start 2030.5 - (1 + 2) = 2027.5 is before 2028, so it waits until 2028,
    # identifies its route by 2029, then the two queue for c's single place.
    assert log == [
        (2024.5, 0, "s", "begin"), (2026.5, 0, "", "release"),
        (2028.0, 1, "route", "begin"), (2028.0, 2, "route", "begin"),
        (2029.0, 1, "s", "begin"), (2031.0, 1, "", "release"),
        (2031.0, 2, "s", "begin"), (2033.0, 2, "", "release"),
    ]
    year = {y: i for i, y in enumerate(scn.years)}
    assert model.annual[year[2031], 1] == 1.0 and model.annual[year[2033], 1] == 1.0


def test_release_before_the_horizon_counts_in_the_first_year_and_after_it_is_late():
    scn = scenario("""
        name: edges
        horizon: {start: 2022, end: 2024}
        targets: [{name: t, by: 2024, km2: 1}]
        pathways:
          early:
            plan: {2022: 1.0}
            projects: 1
            stages: [{name: s, duration: {dist: fixed, value: 3, nominal: 1}}]
          late:
            plan: {2024: 1.0}
            projects: 1
            stages: [{name: s, duration: {dist: fixed, value: 0.5, nominal: 5}}]
    """)
    # `early` is scheduled for a 1-year stage but takes 3: released 2024.5 → in 2024.
    # `late` starts 2019.5 and takes 0.5: released 2020.0, before the horizon → 2022.
    model, _ = trace(scn)
    np.testing.assert_allclose(model.annual, [[0, 1], [0, 0], [1, 0]])
    scn2 = scenario("""
        name: edges
        horizon: {start: 2022, end: 2024}
        targets: [{name: t, by: 2024, km2: 1}]
        pathways:
          slow:
            plan: {2024: 1.0}
            projects: 1
            stages: [{name: s, duration: {dist: fixed, value: 3, nominal: 1}}]
    """)
    model, log = trace(scn2)
    assert model.annual.sum() == 0 and model.late[0] == 1.0
    assert log[-1] == (2026.5, 0, "", "late")


def test_an_active_event_lengthens_stages_that_start_during_it():
    scn = scenario("""
        name: event
        horizon: {start: 2022, end: 2030}
        targets: [{name: t, by: 2030, km2: 1}]
        pathways:
          c:
            plan: {2026: 1.0}
            projects: 1
            stages: [{name: a, duration: 1}, {name: b, duration: 1}]
        events:
          - {name: shock, probability: 1.0, lasts: 3, pathways: [c], duration_multiplier: 2}
    """)
    # The event starts 2022 (probability 1) and lasts to 2025.0, then again 2025–2028.
    # Stage a starts at 2024.5 (active: 2 years) → b starts 2026.5 (active: 2 years).
    _, log = trace(scn, events=("begin", "release"))
    assert log == [(2024.5, 0, "a", "begin"), (2026.5, 0, "b", "begin"), (2028.5, 0, "", "release")]


def test_dropout_abandons_a_project_at_the_end_of_its_stage():
    scn = scenario("""
        name: drop
        horizon: {start: 2022, end: 2030}
        targets: [{name: t, by: 2030, km2: 1}]
        pathways:
          c:
            plan: {2026: 2.0}
            projects: 2
            stages: [{name: a, duration: 1, dropout: 1.0}]
    """)
    model, log = trace(scn, events=("drop",))
    assert log == [(2026.5, 0, "a", "drop"), (2026.5, 1, "a", "drop")]
    assert model.dropped[0] == 2.0 and model.annual.sum() == 0


@pytest.mark.parametrize(
    "plan, count, expected",
    [
        ({2022: 4.0, 2023: 4.0}, 2, {2022: 1, 2023: 1}),
        ({2022: 4.0, 2023: 4.0}, 5, {2022: 3, 2023: 2}),  # tie → earlier year
        ({2022: 9.0, 2023: 1.0}, 10, {2022: 9, 2023: 1}),
        ({2022: 1.0, 2023: 1.0, 2024: 8.0}, 4, {2022: 1, 2023: 1, 2024: 2}),
    ],
)
def test_split_projects(plan, count, expected):
    assert split_projects(plan, count) == expected


def test_split_projects_needs_one_per_year():
    with pytest.raises(ValueError, match="cannot cover"):
        split_projects({2022: 1.0, 2023: 1.0}, 1)


def test_a_shared_cap_is_split_in_proportion_to_waiting_area():
    # u's project is routed into c and so shares c's cap of 1.5 km²/yr. In 2025, 2 km² of
    # c's and 1 km² of u's are waiting: 1.0 and 0.5 are handed over; the same in 2026.
    scn = scenario("""
        name: shared
        horizon: {start: 2022, end: 2027}
        targets: [{name: t, by: 2027, km2: 1}]
        pathways:
          c:
            plan: {2025: 2.0}
            projects: 2
            stages: [{name: s, duration: 1}]
            annual_cap: 1.5
          u:
            plan: {2025: 1.0}
            projects: 1
            route: {after: 2020, delay: {dist: fixed, value: 0.6, nominal: 0.5}, to: {c: 1.0}}
    """)
    model, log = trace(scn, events=("handover",))
    year = {y: i for i, y in enumerate(scn.years)}
    np.testing.assert_allclose(model.annual[year[2025]], [1.0, 0.5])
    np.testing.assert_allclose(model.annual[year[2026]], [1.0, 0.5])
    assert model.annual.sum() == pytest.approx(3.0) and model.late.sum() == pytest.approx(0.0)
    assert [(t, e) for t, _, _, e in log] == [(2026.0, "handover")] * 2 + [(2027.0, "handover")] * 2
