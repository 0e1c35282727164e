"""Uncertain distribution shapes, event lengths and route shares: closed forms per
replication, in both engines, and the checks that keep every draw valid."""

import math

import numpy as np
import pytest
from conftest import scenario
from pydantic import TypeAdapter
from scipy import integrate, stats

from simulator import simulate
from simulator.inputs.distributions import SHAPE_PARAMETERS, DistributionSpec
from simulator.inputs.errors import ScenarioError
from simulator.model.engines import des, fast
from simulator.model.layout import build_layout
from simulator.model.sampling import _stream, draw_chunk

DIST = TypeAdapter(DistributionSpec)

FAMILIES = [
    {"dist": "lognormal", "median": 2, "sigma": 0.6},
    {"dist": "gamma", "mean": 2, "sd": 1.5},
    {"dist": "uniform", "min": 1, "max": 3},
    {"dist": "triangular", "min": 1, "mode": 1.5, "max": 4},
    {"dist": "triangular", "min": 1, "mode": 1, "max": 4},
    {"dist": "triangular", "min": 1, "mode": 4, "max": 4},
    {"dist": "pert", "min": 1, "mode": 2, "max": 5},
    {"dist": "beta", "mean": 0.3, "sd": 0.1},
]


@pytest.mark.parametrize("spec", FAMILIES, ids=lambda s: f"{s['dist']}-{s.get('mode', '')}")
def test_parameters_given_as_arrays_of_their_own_values_change_nothing(spec):
    """Same stream use, same formulas: the array path equals the scalar one (draws and
    residuals exactly; the bisection of the equilibrium residual within the scalar
    table's interpolation error)."""
    d = DIST.validate_python(spec)
    R = 60
    values = {k: np.full((R, 1), float(spec[k])) for k in SHAPE_PARAMETERS[spec["dist"]]}
    np.testing.assert_array_equal(d.sample(np.random.default_rng(1), (R, 7)),
                                  d.sample_with(np.random.default_rng(1), (R, 7), values))
    u = 1.0 - np.random.default_rng(2).random((R, 7))
    elapsed = np.random.default_rng(3).random(7) * 2
    np.testing.assert_allclose(d.residual_with(u, elapsed, values), d.residual(u, elapsed),
                               rtol=1e-12, atol=1e-12)
    table = d.equilibrium_residual(u)
    np.testing.assert_allclose(d.equilibrium_residual_with(u, values), table,
                               rtol=1e-4, atol=1e-4 * table.mean())


VARIED = [
    ({"dist": "lognormal", "median": 2, "sigma": 0.6}, {"sigma": [0.1, 0.6, 1.2]}),
    ({"dist": "gamma", "mean": 2, "sd": 1.5}, {"sd": [0.3, 1.5, 4.0]}),
    ({"dist": "uniform", "min": 1, "max": 3}, {"min": [0.0, 1.0, 2.5], "max": [3, 4, 9]}),
    ({"dist": "triangular", "min": 1, "mode": 1.5, "max": 4},
     {"min": [0.5, 1, 1], "mode": [0.5, 2.5, 4], "max": [4, 4, 6]}),
    ({"dist": "pert", "min": 1, "mode": 2, "max": 5}, {"mode": [1, 3, 5], "max": [5, 6, 8]}),
    ({"dist": "beta", "mean": 0.3, "sd": 0.1}, {"mean": [0.2, 0.5, 0.8], "sd": [0.05, 0.2, 0.1]}),
]


@pytest.mark.parametrize("spec,varied", VARIED, ids=lambda v: v.get("dist", "") if "dist" in v
                         else None)
def test_each_replications_parameters_give_that_distributions_residuals(spec, varied):
    """Row r with parameters p_r behaves as the distribution built at p_r: the same
    residuals and (within the scalar table's interpolation error) equilibrium residuals,
    and — where each draw is a transform of one variate — the same draws. (Gamma and beta
    draws use rejection, so a row's draws depend on the variates earlier rows used.)"""
    d = DIST.validate_python(spec)
    values = {k: np.array(v, dtype=float)[:, None] for k, v in varied.items()}
    u = 1.0 - np.random.default_rng(5).random((3, 200))
    elapsed = np.full(200, 0.7)
    draws = d.sample_with(np.random.default_rng(6), (3, 200), values)
    eq = d.equilibrium_residual_with(u, values)
    res = d.residual_with(u, elapsed, values)
    for r in range(3):
        own = DIST.validate_python({**spec, **{k: v[r] for k, v in varied.items()}})
        if spec["dist"] in ("lognormal", "uniform", "triangular"):
            same = {k: np.full((3, 1), v[r]) for k, v in varied.items()}
            np.testing.assert_array_equal(
                draws[r], own.sample_with(np.random.default_rng(6), (3, 200), same)[r])
        np.testing.assert_allclose(res[r], own.residual(u[r], elapsed), rtol=1e-9, atol=1e-9)
        table = own.equilibrium_residual(u[r])
        np.testing.assert_allclose(eq[r], table, rtol=2e-4, atol=2e-4 * table.mean())
        many = d.sample_with(np.random.default_rng(7), (3, 4000), values)[r]
        assert stats.kstest(many, own.to_scipy().cdf).pvalue > 1e-3  # fixed seed


def test_equilibrium_residual_of_a_uniform_with_a_varying_maximum_is_exact():
    # U(0, b): F_e(r) = 1 − (1 − r/b)², so R = b(1 − √u) for each row's own b
    d = DIST.validate_python({"dist": "uniform", "min": 0, "max": 1})
    b = np.array([[0.5], [1.0], [4.0], [9.0]])
    u = 1.0 - np.random.default_rng(0).random((4, 500))
    np.testing.assert_allclose(d.equilibrium_residual_with(u, {"max": b}),
                               b * (1 - np.sqrt(u)), rtol=1e-12, atol=1e-12)


def test_equilibrium_residual_of_a_lognormal_with_varying_sigma_has_its_mean():
    # E[R] = E[X²] / 2E[X] = m·exp(1.5σ²) / 2, row by row
    d = DIST.validate_python({"dist": "lognormal", "median": 1, "sigma": 0.5})
    sigma = np.array([[0.2], [0.5], [0.8]])
    n = 40_000
    r = d.equilibrium_residual_with(1.0 - np.random.default_rng(4).random((3, n)),
                                    {"sigma": sigma})
    expected = np.exp(1.5 * sigma[:, 0] ** 2) / 2
    se = r.std(axis=1) / math.sqrt(n)
    assert (np.abs(r.mean(axis=1) - expected) < 4 * se).all()


ONE = """
name: one
horizon: {start: 2022, end: 2026}
targets: [{name: t, by: 2026, km2: 0.5}]
pathways:
  a:
    plan: {2022: 1.0}
    projects: 1
    stages: [{name: s, duration: DURATION}]
"""


def _pair(duration: str, uncertain: str):
    base = scenario(ONE.replace("DURATION", duration))
    varied = scenario(ONE.replace("DURATION", duration) + "uncertain:\n" + uncertain)
    return (draw_chunk(build_layout(base), 5, 0, 1000),
            draw_chunk(build_layout(varied), 5, 0, 1000))


def test_uncertain_sigma_keeps_each_replications_normal_variate():
    # same stream: ln(d_θ / m) = (θ / σ₀) · ln(d₀ / m) exactly
    base, varied = _pair("{dist: lognormal, median: 2, sigma: 0.5}",
                         "  pathways.a.stages[0].duration.sigma: {dist: uniform, min: 0, max: 1}\n")
    theta = varied.params[:, 0]
    np.testing.assert_allclose(np.log(varied.duration[:, 0, 0] / 2),
                               theta / 0.5 * np.log(base.duration[:, 0, 0] / 2),
                               rtol=1e-9, atol=1e-12)


def test_uncertain_uniform_bounds_keep_each_replications_uniform():
    base, varied = _pair("{dist: uniform, min: 1, max: 3}",
                         "  pathways.a.stages[0].duration.min: {dist: uniform, min: 0.5, max: 1.5}\n"
                         "  pathways.a.stages[0].duration.max: {dist: uniform, min: 2, max: 6}\n")
    low, high = varied.params[:, 0], varied.params[:, 1]
    u = (base.duration[:, 0, 0] - 1) / 2
    np.testing.assert_allclose(varied.duration[:, 0, 0], low + (high - low) * u, rtol=1e-12)


def test_odds_under_an_uncertain_sigma_integrate_over_its_prior():
    """P(released by the end) = ∫ Φ(ln(T / m) / θ) dθ over θ ~ U(0.2, 1.2), both engines."""
    text = (ONE.replace("DURATION", "{dist: lognormal, median: 3, sigma: 0.5}")
            + "uncertain:\n  pathways.a.stages[0].duration.sigma: {dist: uniform, min: 0.2, "
              "max: 1.2}\n")
    s = scenario(text)
    # the project starts at 2022.5 − 3 (the planner's median) and is released by the end
    # of 2026 iff 2019.5 + d < 2027, i.e. d < 7.5; the prior's density is 1 on [0.2, 1.2]
    exact = integrate.quad(lambda t: stats.norm.cdf(math.log(7.5 / 3) / t), 0.2, 1.2)[0]
    for engine, n in (("fast", 6000), ("des", 1500)):
        got = simulate(s, replications=n, seed=3, engine=engine).met[:, 0].mean()
        assert abs(got - exact) < 4 * math.sqrt(exact * (1 - exact) / n), (engine, got, exact)


EVENT = """
name: ev
horizon: {start: 2022, end: 2032}
targets: [{name: t, by: 2032, km2: 1}]
pathways:
  a: {plan: {2024: 1.0}, projects: 1, stages: [{name: s, duration: 1.0}]}
events:
  - {name: slump, probability: 1.0, lasts: 1, pathways: [a], duration_multiplier: 2.0}
uncertain:
  events[0].lasts: {dist: uniform, min: 0.5, max: 3}
"""


def test_uncertain_event_length_acts_as_drawn_in_each_replication():
    """An event that starts in 2022 and lasts θ years covers the stage's start (mid-2023)
    iff θ > 1.5; it then doubles the one-year stage: released in 2025, else in 2024.
    (It restarts each year it is not active, so with θ ≤ 1 it restarts in 2023 and
    covers mid-2023 iff 2023 + θ > 2023.5.)"""
    s = scenario(EVENT)
    layout = build_layout(s)
    d = draw_chunk(layout, 8, 0, 1000)
    theta = d.params[:, 0]
    np.testing.assert_array_equal(d.event_lasts[:, 0], theta)
    starts_2023 = theta <= 1.0
    np.testing.assert_array_equal(d.event_start[:, 0, 1], starts_2023)
    active = np.where(starts_2023, theta > 0.5, theta > 1.5)
    year = np.where(active, 2025, 2024) - 2022
    for engine in (fast, des):
        out = engine.run_chunk(layout, d)
        expected = np.zeros_like(out.annual[:, :, 0])
        expected[np.arange(1000), year] = 1.0
        np.testing.assert_allclose(out.annual[:, :, 0], expected, atol=1e-12)


ROUTED = """
name: routed
horizon: {start: 2022, end: 2030}
targets: [{name: t, by: 2030, km2: 1}]
pathways:
  a: {plan: {2030: 0.1}, projects: 1, stages: [{name: s, duration: 1.0}]}
  b: {plan: {2030: 0.1}, projects: 1, stages: [{name: s, duration: 1.0}]}
  c: {plan: {2030: 0.1}, projects: 1, stages: [{name: s, duration: 1.0}]}
  r:
    plan: {2028: 5.0}
    projects: 50
    route: {after: 2022, delay: 0.5, to: {a: 0.2, b: 0.3, c: 0.5}}
uncertain:
  pathways.r.route.to.a: {dist: uniform, min: 0, max: 0.8}
"""


def test_an_uncertain_route_share_leaves_the_rest_to_the_others_in_proportion():
    """Target a takes θ; b and c share 1 − θ as 0.3 : 0.5, so a project with uniform u goes
    to a if u < θ, to b if u < θ + 0.375(1 − θ), else to c."""
    s = scenario(ROUTED)
    layout = build_layout(s)
    d = draw_chunk(layout, 2, 0, 400)
    theta = d.params[:, 0:1]
    cols = layout.projects_of(layout.pathways.index("r"))
    u = _stream(2, 0, "route:r").random((400, cols.size))
    expected = np.where(u < theta, 0, np.where(u < theta + 0.375 * (1 - theta), 1, 2))
    np.testing.assert_array_equal(d.owner[:, cols], expected)
    # both engines route and release alike (comparing one engine with itself shows nothing)
    np.testing.assert_allclose(des.run_chunk(layout, d).annual, fast.run_chunk(layout, d).annual,
                               atol=1e-9)


@pytest.mark.parametrize("duration,path,value", [
    ("{dist: lognormal, median: 2, sigma: 0.5}", "pathways.a.stages[0].duration.sigma", 0.5),
    ("{dist: gamma, mean: 2, sd: 0.7}", "pathways.a.stages[0].duration.sd", 0.7),
    ("{dist: uniform, min: 1, max: 3}", "pathways.a.stages[0].duration.min", 1),
    ("{dist: pert, min: 1, mode: 2, max: 3}", "pathways.a.stages[0].duration.mode", 2),
])
def test_a_shape_fixed_at_the_scenario_value_changes_nothing(duration, path, value):
    base = scenario(ONE.replace("DURATION", duration))
    fixed = scenario(ONE.replace("DURATION", duration) + f"uncertain:\n  {path}: {value}\n")
    for engine in ("fast", "des"):
        a = simulate(base, replications=300, seed=5, engine=engine)
        b = simulate(fixed, replications=300, seed=5, engine=engine)
        np.testing.assert_array_equal(a.annual, b.annual)


STATUSED = """
name: st
horizon: {start: 2022, end: 2030}
targets: [{name: t, by: 2030, km2: 1}]
status:
  as_of: 2025
  pipeline:
    - {pathway: a, stage: s, km2: 1.0, projects: 1}
    - {pathway: a, stage: s, km2: 1.0, projects: 1, since: 2024.5}
pathways:
  a:
    plan: {2026: 2.0}
    projects: 2
    stages: [{name: s, duration: {dist: uniform, min: 0, max: 2}}]
uncertain:
  pathways.a.stages[0].duration.max: {dist: uniform, min: 1, max: 5}
"""


def test_projects_under_way_resume_with_each_replications_own_distribution():
    """Stage U(0, θ): a project of unknown age has R = θ(1 − √u), R/θ with mean 1/3; one
    0.5 years in has R uniform on (0, θ − 0.5)."""
    layout = build_layout(scenario(STATUSED))
    d = draw_chunk(layout, 4, 0, 1000)
    theta = d.params[:, 0]
    pipe = np.flatnonzero(layout.in_pipeline)
    unknown = pipe[np.isnan(layout.elapsed[pipe])][0]
    known = pipe[~np.isnan(layout.elapsed[pipe])][0]
    x = d.duration[:, 0, unknown] / theta
    y = d.duration[:, 0, known] / (theta - 0.5)
    assert x.max() <= 1 and y.max() <= 1 and x.min() >= 0 and y.min() >= 0
    assert abs(x.mean() - 1 / 3) < 4 * math.sqrt(1 / 18) / math.sqrt(1000)  # var = 1/18
    assert abs(y.mean() - 1 / 2) < 4 * math.sqrt(1 / 12) / math.sqrt(1000)
    # both engines route and release alike (comparing one engine with itself shows nothing)
    np.testing.assert_allclose(des.run_chunk(layout, d).annual, fast.run_chunk(layout, d).annual,
                               atol=1e-9)


@pytest.mark.parametrize("entry,message", [
    ("pathways.a.stages[0].duration.min: {dist: uniform, min: 1, max: 4}",
     "must be greater than min"),
    ("pathways.a.stages[0].duration.nominal: {dist: uniform, min: 1, max: 4}", "schedule"),
    ("pathways.a.stages[0].duration.min: {dist: uniform, min: -1, max: 0.5}",
     "durations are positive"),
    ("pathways.a.stages[0].duration.median: {dist: uniform, min: 1, max: 2}",
     "these may be uncertain: min, max"),
])
def test_bad_shape_priors_name_the_key_path_and_the_reason(entry, message):
    with pytest.raises(ScenarioError) as err:
        scenario(ONE.replace("DURATION", "{dist: uniform, min: 1, max: 3}")
                 + f"uncertain:\n  {entry}\n")
    text = str(err.value)
    assert "uncertain." in text and message in text


def test_route_shares_with_no_fixed_weight_left_are_normalised():
    """a and b both uncertain, c has weight 0: a project goes to a iff u < θa / (θa + θb)."""
    text = (ROUTED.replace("to: {a: 0.2, b: 0.3, c: 0.5}", "to: {a: 0.5, b: 0.5, c: 0.0}")
            .replace("to.a: {dist: uniform, min: 0, max: 0.8}",
                     "to.a: {dist: uniform, min: 0.1, max: 0.9}")
            + "  pathways.r.route.to.b: {dist: uniform, min: 0.1, max: 0.9}\n")
    layout = build_layout(scenario(text))
    d = draw_chunk(layout, 2, 0, 300)
    share = (d.params[:, 0] / (d.params[:, 0] + d.params[:, 1]))[:, None]
    cols = layout.projects_of(layout.pathways.index("r"))
    u = _stream(2, 0, "route:r").random((300, cols.size))
    np.testing.assert_array_equal(d.owner[:, cols], np.where(u < share, 0, 1))


def test_route_shares_that_could_exceed_one_are_refused():
    with pytest.raises(ScenarioError) as err:
        scenario(ROUTED + "  pathways.r.route.to.b: {dist: uniform, min: 0, max: 0.5}\n")
    assert "add up to 1.3" in str(err.value)


QUEUE = """
name: queue
horizon: {start: 2022, end: 2030}
targets: [{name: t, by: 2030, km2: 6}]
pathways:
  a:
    plan: {2023: 6.0}
    projects: 6
    stages: [{name: s, duration: 1.0, capacity: 2}]
uncertain:
  pathways.a.stages[0].capacity: {dist: uniform, min: 0.5, max: 3.5}
"""


def test_an_uncertain_capacity_serves_each_replication_with_its_own_number_of_places():
    """Six 1 km² projects arrive together at 2022.5 at a stage of fixed length 1 with c
    places (θ rounded): the i-th (from 0) ends at 2022.5 + ⌈(i + 1)/c⌉."""
    layout = build_layout(scenario(QUEUE))
    d = draw_chunk(layout, 6, 0, 300)
    c = np.floor(d.params[:, 0] + 0.5).astype(int)
    assert set(c) == {1, 2, 3}
    np.testing.assert_array_equal(d.capacity[:, 0, 0], c)
    expected = np.zeros((300, 9))
    for i in range(6):
        year = np.floor(2022.5 + np.ceil((i + 1) / c)).astype(int) - 2022
        np.add.at(expected, (np.arange(300), year), 1.0)
    for engine in (fast, des):
        np.testing.assert_allclose(engine.run_chunk(layout, d).annual[:, :, 0], expected,
                                   atol=1e-12)


def test_an_uncertain_capacity_must_hold_the_pipeline_and_exist():
    with pytest.raises(ScenarioError) as err:
        scenario(QUEUE.replace("capacity: 2}]", "}]"))
    assert "no capacity" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        scenario(QUEUE.replace("pathways:", "status:\n  as_of: 2022\n  pipeline:\n"
                               "    - {pathway: a, stage: s, km2: 2, projects: 2}\npathways:"))
    assert "fall to 1" in str(err.value)


def test_an_uncertain_size_cv_keeps_each_replications_normal_variates():
    """Weights exp(s·z) with s = √ln(1 + cv²): with the same z, w_θ = w₀^(s_θ/s₀), and the
    sizes are the weights normalised to the plan (2 km² in 2022, 4 projects)."""
    text = ("name: sizes\nhorizon: {start: 2022, end: 2024}\ntargets: [{name: t, by: 2024, "
            "km2: 1}]\npathways:\n  a: {plan: {2022: 2.0}, projects: {count: 4, size_cv: 0.5},"
            " stages: [{name: s, duration: 1}]}\n")
    base = draw_chunk(build_layout(scenario(text)), 9, 0, 500)
    varied = draw_chunk(build_layout(scenario(
        text + "uncertain:\n  pathways.a.projects.size_cv: {dist: uniform, min: 0, max: 2}\n")),
        9, 0, 500)
    s0 = math.sqrt(math.log1p(0.25))
    s = np.sqrt(np.log1p(varied.params[:, 0] ** 2))[:, None]
    w = (base.size / base.size.sum(axis=1, keepdims=True)) ** (s / s0)
    np.testing.assert_allclose(varied.size, 2.0 * w / w.sum(axis=1, keepdims=True), rtol=1e-9)


BUDGET = """
name: budget
horizon: {start: 2022, end: 2030}
targets: [{name: t, by: 2030, km2: 1}]
pathways:
  a:
    plan: {2024: 6.0}
    projects: 6
    stages: [{name: s, duration: 1.0, dropout: 0.5}]
    replacement: {delay: 0, max: 1, budget_km2: 2}
uncertain:
  pathways.a.replacement.budget_km2: {dist: uniform, min: 0, max: 6.5}
"""


def test_an_uncertain_replacement_budget_starts_as_many_replacements_as_it_holds():
    """Six 1 km² projects end their one-year stage together; those whose uniform is below
    0.5 drop out and are replaced, in column order, while the km² replaced fit in θ: the
    first ⌊θ⌋ of them. A replacement is released a year later unless it drops out too."""
    layout = build_layout(scenario(BUDGET))
    d = draw_chunk(layout, 12, 0, 400)
    theta = d.params[:, 0]
    np.testing.assert_array_equal(d.budget[:, 0], theta)
    originals = np.flatnonzero(layout.originals)
    shadow_of = {int(layout.replaces[c]): c for c in np.flatnonzero(~layout.originals)}
    u = d.dropout_u[:, 0, :]
    expected = np.zeros((400, 9))
    for r in range(400):
        room = math.floor(theta[r] + 1e-12)
        for j in originals:
            if u[r, j] >= 0.5:
                expected[r, 2024 - 2022] += 1.0  # started mid-2023, released mid-2024
            elif room > 0:
                room -= 1
                expected[r, 2025 - 2022] += float(u[r, shadow_of[j]] >= 0.5)
    for engine in (fast, des):
        np.testing.assert_allclose(engine.run_chunk(layout, d).annual[:, :, 0], expected,
                                   atol=1e-12)


def test_an_event_length_must_stay_positive():
    with pytest.raises(ScenarioError) as err:
        scenario(EVENT.replace("{dist: uniform, min: 0.5, max: 3}",
                               "{dist: uniform, min: -1, max: 3}"))
    assert "uncertain.events[0].lasts" in str(err.value) and "above 0" in str(err.value)
