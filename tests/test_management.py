"""A programme office that tops up the programme (management:): closed forms and both engines."""

import numpy as np
import pytest
from conftest import scenario

from simulator import simulate
from simulator.cli import main
from simulator.model.engines import des, fast
from simulator.model.layout import build_layout
from simulator.model.sampling import draw_chunk
from simulator.run.trace import trace_replication

# Ten 1-km² projects due in 2022 (start 2021.5, one fixed year-long stage ending at 2022.5)
# each dropping out with chance 0.3; a programme office reviewing at the start of each year
# with a pool larger than it can use and no lead time.
FIXED = """
    name: fixed
    horizon: {start: 2022, end: 2030}
    targets: [{name: all, by: 2030, km2: 10}]
    management: {review: 1.0, pool_km2: 40.0, lead: 0.0}
    pathways:
      a:
        plan: {2022: 10.0}
        projects: 10
        stages: [{name: s, duration: 1.0, dropout: 0.3}]
"""


def _decided(events) -> dict[float, int]:
    e = events[events.event == "decided"]
    return e.groupby("time").size().to_dict()


def test_first_review_tops_up_the_expected_loss():
    """At 2022.0 nothing has finished: the shortfall is 10 × 0.3 = 3 km², so 3 projects."""
    scn = scenario(FIXED)
    for r in range(20):
        decided = _decided(trace_replication(scn, replication=r, seed=1).events)
        assert decided.get(2022.0) == 3


def test_later_reviews_replace_exactly_what_was_lost():
    """Every cohort ends within a year, so at each later review nothing is under way and
    the shortfall is what has dropped out less what the office already started:
    cumulative decided by t = cumulative dropped before t, while the pool lasts."""
    scn = scenario(FIXED)
    for r in range(20):
        events = trace_replication(scn, replication=r, seed=2).events
        drops = events[events.event == "drop"].time.to_numpy()
        decided = _decided(events)
        total = 0
        for year in range(2023, 2031):
            total += decided.get(float(year - 1), 0)
            expected = int((drops <= year).sum()) - total
            assert decided.get(float(year), 0) == max(expected, 0), (r, year)


def test_pool_zero_equals_no_management_bit_for_bit():
    with_office = simulate(scenario(FIXED.replace("pool_km2: 40.0", "pool_km2: 0")),
                           replications=300, seed=4)
    without = simulate(scenario(FIXED.replace(
        "management: {review: 1.0, pool_km2: 40.0, lead: 0.0}", "")), replications=300, seed=4)
    np.testing.assert_array_equal(with_office.annual, without.annual)
    np.testing.assert_array_equal(with_office.dropped, without.dropped)


def test_release_never_exceeds_plan_plus_pool():
    text = FIXED.replace("pool_km2: 40.0", "pool_km2: 2.0")
    result = simulate(scenario(text), replications=500, seed=5)
    released = result.annual.sum(axis=(1, 2)) + result.late.sum(axis=1)
    assert released.max() <= 12.0 + 1e-9
    started = released + result.dropped.sum(axis=1) - 10.0
    assert started.max() == pytest.approx(2.0)  # the whole pool, where losses call for it


def test_office_raises_the_odds_against_no_office():
    """With an unlimited pool and 8 reviews, nearly every replication reaches the plan;
    without one, P(all 10 survive) = 0.7^10 ≈ 2.8 %."""
    managed = simulate(scenario(FIXED), replications=2000, seed=6).target_odds()
    plain = simulate(scenario(FIXED.replace(
        "management: {review: 1.0, pool_km2: 40.0, lead: 0.0}", "")), replications=2000,
        seed=6).target_odds()
    p0 = 0.7**10
    assert abs(plain.loc["all", "probability"] - p0) < 4 * np.sqrt(p0 * (1 - p0) / 2000)
    assert managed.loc["all", "probability"] > 0.99


MIXED = """
    name: mixed
    horizon: {start: 2022, end: 2032}
    targets: [{name: t, by: 2028, km2: 8}]
    management: {review: 1.0, pool_km2: 4.0, lead: {dist: lognormal, median: 0.5, sigma: 0.5}}
    pathways:
      a:
        plan: {2022: 3.0, 2023: 3.0, 2024: 2.0}
        projects: {count: 16, size_cv: 0.5}
        stages:
          - {name: n, duration: {dist: lognormal, median: 1.5, sigma: 0.6}, dropout: 0.2, capacity: 4}
          - {name: c, duration: {dist: gamma, mean: 1.0, sd: 0.4}, dropout: 0.1}
        annual_cap: 3.0
        replacement: {delay: 0.5, max: 1}
      b:
        plan: {2024: 2.0}
        projects: 5
        stages: [{name: s, duration: 1.0, dropout: 0.3}]
        management: {review: 0.5, pool_km2: 1.2, trigger: 0.2}
    correlation: {pathway_factor_sigma: 0.3, global_factor_sigma: 0.2}
    status:
      as_of: 2024.5
      released: {2022: {a: 1.5}, 2023: {a: 2.0, b: 0.0}}
      pipeline:
        - {pathway: a, stage: c, km2: 1.5, projects: 3, since: 2024.0}
    events: [{name: e, probability: 0.3, lasts: 1.5, pathways: [a], dropout_add: 0.1}]
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_engines_match_with_offices_queues_replacements_and_a_status(seed):
    layout = build_layout(scenario(MIXED))
    assert layout.offices and layout.managed is not None
    draws = draw_chunk(layout, seed, 0, 60)
    a, b = des.run_chunk(layout, draws), fast.run_chunk(layout, draws)
    for name in ("annual", "late", "dropped", "yield_loss"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=0, atol=1e-9)


def test_a_routed_pathway_cannot_have_its_own_office(write_yaml, capsys):
    text = """
        name: routed
        horizon: {start: 2022, end: 2030}
        targets: [{name: t, by: 2030, km2: 1}]
        pathways:
          a: {plan: {2022: 1.0}, projects: 1, stages: [{name: s, duration: 1.0}]}
          u:
            plan: {2026: 1.0}
            projects: 1
            route: {after: 2025, delay: 1.0, to: {a: 1.0}}
            management: {pool_km2: 1.0}
    """
    assert main(["validate", str(write_yaml(text))]) == 2
    err = capsys.readouterr().err
    assert "pathways.u.management" in err and "routed pathway" in err


def test_what_the_office_started_is_tallied_by_year():
    """The first review always starts 3 km² (10 × 0.3, in 2022); over the horizon the
    office starts exactly what the run holds beyond the plan: released + late + dropped − 10
    (every review, and so every start with no lead, lies inside the horizon)."""
    result = simulate(scenario(FIXED), replications=400, seed=8)
    data = result.summary()["management"]
    assert data["offices"] == [{"key": "management", "pool_km2": 40.0, "review": 1.0,
                                "trigger": 0.0, "pathways": ["a"]}]
    assert data["started_mean_km2"]["2022"]["a"] == pytest.approx(3.0)
    beyond = (result.annual.sum(axis=(1, 2)) + result.late.sum(axis=1)
              + result.dropped.sum(axis=1) - 10.0)
    assert data["started_total_mean_km2"] == pytest.approx(beyond.mean(), abs=1e-9)
    # no office, no block
    plain = simulate(scenario(FIXED.replace(
        "management: {review: 1.0, pool_km2: 40.0, lead: 0.0}", "")), replications=20, seed=8)
    assert "management" not in plain.summary()


def test_the_report_draws_what_the_office_did(write_yaml, tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(write_yaml(FIXED)), "-n", "200", "-q", "--no-levers",
                 "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="chart-office"' in html and (out / "charts" / "office.svg").exists()
    svg = (out / "charts" / "office.svg").read_text()
    assert "of a pool of 40 km²" in svg


def test_an_uncertain_pool_trigger_and_lead_act_per_replication():
    """Each replication spends at most the pool it drew; a trigger above any shortfall
    starts nothing; the lead's median scales the leads drawn."""
    text = FIXED.replace("management: {review: 1.0, pool_km2: 40.0, lead: 0.0}", """
    management: {review: 1.0, pool_km2: 2.0, lead: {dist: lognormal, median: 0.5, sigma: 0.3}}
    uncertain:
      management.pool_km2: {dist: uniform, min: 0, max: 6}
      management.lead.median: {dist: uniform, min: 0.2, max: 1.5}""")
    result = simulate(scenario(text), replications=400, seed=9)
    extra = result.annual.sum(axis=(1, 2)) + result.late.sum(axis=1) + \
        result.dropped.sum(axis=1) - 10.0
    pool = result.params[:, 0]
    assert (extra <= pool + 1e-9).all() and np.corrcoef(extra, pool)[0, 1] > 0.5
    quiet = text.replace("uncertain:", "uncertain:\n      management.trigger: "
                                       "{dist: uniform, min: 100, max: 200}")
    none = simulate(scenario(quiet), replications=100, seed=9)
    assert none.summary()["management"]["started_total_mean_km2"] == 0.0


@pytest.mark.parametrize("path, prior, words", [
    ("management.review", "{dist: uniform, min: 0.5, max: 2}", "review interval"),
    ("management.pool_km2", "{dist: lognormal, median: 2, sigma: 0.5}", "needs an upper bound"),
])
def test_what_of_an_office_cannot_be_uncertain_is_said(path, prior, words):
    from simulator import ScenarioError

    text = FIXED + f"""
    uncertain:
      {path}: {prior}
    """
    with pytest.raises(ScenarioError) as err:
        scenario(text)
    assert words in str(err.value)


# One office over three pathways that take the three routes through the fast engine's
# reviews: `a` has no queue and no event (its pool projects are simulated as they start),
# with replacements and an uncertain drop-out; `b` queues (its pool projects settle in the
# fixed point); `c` has an event (its times depend on the year a stage starts).
THREE_WAYS = """
    name: three-ways
    horizon: {start: 2022, end: 2032}
    targets: [{name: all, by: 2032, km2: 9}]
    management: {review: 1.0, pool_km2: 4.0, lead: {dist: lognormal, median: 0.5, sigma: 0.4}}
    pathways:
      a:
        plan: {2023: 1.5, 2025: 1.5}
        projects: 8
        stages:
          - {name: s1, duration: {dist: lognormal, median: 1.0, sigma: 0.5}, dropout: 0.25}
          - {name: s2, duration: {dist: lognormal, median: 1.5, sigma: 0.5}, dropout: 0.1}
        replacement: {delay: 0.7, max: 1}
      b:
        plan: {2024: 3.0}
        projects: 6
        stages: [{name: q, duration: 1.5, dropout: 0.3, capacity: 2}]
      c:
        plan: {2026: 3.0}
        projects: 6
        stages: [{name: e, duration: {dist: gamma, mean: 1.2, sd: 0.4}, dropout: 0.2}]
    events: [{name: slump, probability: 0.3, lasts: 2.0, pathways: [c], dropout_add: 0.2,
              duration_multiplier: 1.5}]
    uncertain:
      pathways.a.stages[0].dropout: {dist: uniform, min: 0.1, max: 0.5}
"""


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_engines_match_on_every_route_through_the_reviews(seed):
    layout = build_layout(scenario(THREE_WAYS))
    draws = draw_chunk(layout, seed, 0, 80)
    a, b = des.run_chunk(layout, draws), fast.run_chunk(layout, draws)
    for name in ("annual", "late", "dropped", "yield_loss", "started"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=0, atol=1e-9)
    started = b.started.sum(axis=1)  # (R, P): each route was taken in some replication
    assert (started > 0).any(axis=0).all(), started.sum(axis=0)


def test_the_review_index_is_searchsorted_exactly():
    """The compiled reviews find 'the first review at or after x' from the step and then
    correct the guess; it must equal a binary search on every side of every review."""
    from simulator.model.engines.reviews import _first_review_at_or_after as first_at

    find = first_at.py_func
    rng = np.random.default_rng(0)
    for start, step, count in [(2024.0, 1.0, 12), (2026.9166666666667, 1.0, 9),
                               (2024.5, 0.5, 23), (2030.0, 1.0, 1), (2022.1, 0.3, 40)]:
        times = np.array([start + k * step for k in range(count)])  # as review_times
        per_year = 1.0 / step if count > 1 else 0.0
        xs = np.concatenate([times, np.nextafter(times, -np.inf), np.nextafter(times, np.inf),
                             rng.uniform(start - 3, start + step * count + 3, 500),
                             [-np.inf, np.inf, np.nan]])
        for x in xs:
            want = np.searchsorted(times, x, side="left")
            assert find(times, per_year, x) == want, (start, step, x)
