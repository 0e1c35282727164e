"""The sampling step: shapes, exact plan sums, and common random numbers."""

import copy

import numpy as np
import pytest
import yaml
from conftest import mc_tolerance

from simulator import scenario_from_dict
from simulator.model.layout import build_layout
from simulator.model.sampling import CHUNK_SIZE, draw_chunk

BASE = yaml.safe_load("""
name: s
horizon: {start: 2022, end: 2030}
targets: [{name: t, by: 2030, km2: 1}]
pathways:
  a:
    plan: {2023: 3.0, 2024: 1.0}
    projects: {count: 7, size_cv: 0.8}
    stages:
      - {name: x, duration: {dist: gamma, mean: 2, sd: 1}, dropout: 0.2}
      - {name: y, duration: {dist: lognormal, median: 1, sigma: 0.4}}
  b:
    plan: {2025: 2.0}
    projects: 2
    stages: [{name: x, duration: 1}]
  u:
    plan: {2029: 2.0}
    projects: 4
    route: {after: 2026, delay: {dist: exponential, mean: 1}, to: {a: 0.5, b: 0.5}}
correlation: {pathway_factor_sigma: 0.3, global_factor_sigma: 0.2}
""")


def draws(data, seed=0, size=200):
    layout = build_layout(scenario_from_dict(data))
    return layout, draw_chunk(layout, seed, 0, size)


def test_sizes_vary_but_sum_to_the_plan_in_each_year():
    layout, d = draws(BASE)
    assert d.size.shape == (200, layout.n_projects)
    for g, area in enumerate(layout.group_area):
        np.testing.assert_allclose(d.size[:, layout.group == g].sum(axis=1), area)
    a = layout.projects_of(0)
    assert d.size[:, a].std(axis=0).min() > 0  # size_cv > 0 varies sizes
    b = layout.projects_of(1)
    assert np.all(d.size[:, b] == 1.0)  # equal sizes without size_cv


def test_routed_projects_get_their_targets_stages():
    layout, d = draws(BASE, size=1000)
    u = layout.projects_of(2)
    owners = d.owner[:, u]
    share_a = (owners == 0).mean()
    assert abs(share_a - 0.5) < mc_tolerance(0.5, owners.size)
    # via b (one stage) the second stage is absent
    assert np.all(np.isnan(d.duration[:, 1, u][owners == 1]))
    assert np.all(np.isfinite(d.duration[:, 1, u][owners == 0]))
    # they start no earlier than the route's year
    assert d.start[:, u].min() >= 2026


def test_adding_an_event_or_a_pathway_keeps_every_other_draw():
    _, d0 = draws(BASE)
    more = copy.deepcopy(BASE)
    more["events"] = [{"name": "e", "probability": 0.5, "lasts": 1, "pathways": ["a"]}]
    more["pathways"]["z"] = {"plan": {2024: 1.0}, "projects": 3, "stages": [{"name": "q", "duration": 2}]}
    layout1, d1 = draws(more)
    n0 = d0.size.shape[1]
    for name in ("size", "yield_", "owner", "start", "route_delay", "duration", "dropout_u"):
        np.testing.assert_array_equal(getattr(d1, name)[..., :n0], getattr(d0, name), err_msg=name)
    np.testing.assert_array_equal(d1.pathway_factor[:, :3], d0.pathway_factor)
    np.testing.assert_array_equal(d1.global_factor, d0.global_factor)


def test_changing_a_median_rescales_the_same_draws():
    _, d0 = draws(BASE)
    slower = copy.deepcopy(BASE)
    slower["pathways"]["a"]["stages"][1]["duration"]["median"] = 2.5
    layout, d1 = draws(slower)
    a = layout.projects_of(0)
    np.testing.assert_allclose(d1.duration[:, 1, a], 2.5 * d0.duration[:, 1, a])


def test_event_timelines_respect_lasts():
    data = copy.deepcopy(BASE)
    data["events"] = [{"name": "e", "probability": 1.0, "lasts": 3, "pathways": ["a"]}]
    layout, d = draws(data)
    # probability 1: starts in 2022, 2025, 2028 (never while already active)
    assert d.event_start[0, 0].nonzero()[0].tolist() == [0, 3, 6]


def test_chunk_size_limits():
    layout = build_layout(scenario_from_dict(BASE))
    with pytest.raises(ValueError):
        draw_chunk(layout, 0, 0, 0)
    with pytest.raises(ValueError):
        draw_chunk(layout, 0, 0, CHUNK_SIZE + 1)
