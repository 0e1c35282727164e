"""Districts: placing projects, counting one district, and reading the city by district.

Closed forms: ten equal projects split 50/50 with drop-out d and nothing else uncertain —
each district's count of released projects is Binomial(5, 1 − d), the city's
Binomial(10, 1 − d), in both engines; and placing projects in districts changes nothing
of the city's release, replication for replication.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from strategies import scenarios

from simulator import load_scenario, scenario_from_dict, simulate
from simulator.inputs.errors import ScenarioError
from simulator.model.district_alone import district_alone
from simulator.model.engines import des, fast
from simulator.model.layout import build_layout
from simulator.model.places import apportion, spread
from simulator.model.sampling import draw_chunk
from simulator.run.districts import pro_rata_parts

D = 0.3  # drop-out of the closed-form scenario


def ten_projects(**extra) -> dict:
    """Ten projects of 0.1 km², one stage of a fixed year with drop-out D, split 50/50."""
    return {
        "name": "ten", "horizon": {"start": 2022, "end": 2026},
        "targets": [
            {"name": "city-6", "by": 2026, "km2": 0.6},
            {"name": "west-3", "by": 2026, "km2": 0.3, "district": "west"},
            {"name": "east-5", "by": 2026, "km2": 0.5, "district": "east"},
        ],
        "pathways": {"p": {"plan": {2024: 1.0}, "projects": 10,
                           "stages": [{"name": "s", "duration": 1.0, "dropout": D}],
                           "districts": {"west": 0.5, "east": 0.5}}},
        **extra,
    }


# ------------------------------------------------------------------ placement


def test_largest_remainder_gives_each_its_floor_or_one_more():
    assert apportion([0.5, 0.3, 0.2], 10) == [5, 3, 2]
    assert apportion([0.45, 0.35, 0.2], 3) == [1, 1, 1]  # remainders .35, .05, .6
    assert apportion([0.2727, 0.1774, 0.5499], 57) == [16, 10, 31]
    for n in range(0, 40):
        shares = [0.0202, 0.0229, 0.9569]
        counts = apportion(shares, n)
        assert sum(counts) == n
        assert all(math.floor(w * n) <= c <= math.floor(w * n) + 1
                   for w, c in zip(shares, counts, strict=True))


def test_each_district_is_spread_through_the_sequence():
    order = spread([6, 3, 1])
    assert sorted(order) == [0] * 6 + [1] * 3 + [2]
    for k in range(1, 11):  # every prefix holds each district's quota to within one
        for d, c in enumerate([6, 3, 1]):
            assert abs(order[:k].count(d) - c * k / 10) < 1 + 1e-9


def test_projects_are_placed_by_the_shares_and_pipeline_rows_where_they_say():
    data = ten_projects(status={"as_of": 2023, "released": {2022: {"p": {"east": 0.05}}},
                                "pipeline": [{"pathway": "p", "stage": "s", "km2": 0.2,
                                              "projects": 2, "district": "west"}]})
    layout = build_layout(scenario_from_dict(data))
    places = layout.places
    west = places.districts.index("west")
    cell_district = places.district_of_cell()[places.place]
    pipeline = layout.in_pipeline
    assert (cell_district[pipeline] == west).all()
    plan = ~pipeline
    counts = np.bincount(cell_district[plan], minlength=2)
    assert sorted(counts) == sorted(apportion([0.5, 0.5], int(plan.sum())))
    # the released figure lies where it says
    assert places.actual[0, places.cells_of("east")].sum() == pytest.approx(0.05)
    assert places.actual[0, places.cells_of("west")].sum() == 0


# ------------------------------------------------------------------ closed forms


@pytest.mark.parametrize("engine", ["fast", "des"])
def test_district_and_city_odds_are_binomial(engine):
    n = 4000 if engine == "fast" else 1500
    result = simulate(scenario_from_dict(ten_projects()), replications=n, seed=11,
                      engine=engine)
    odds = result.target_odds(ceilings=False)["probability"]
    expected = {"city-6": stats.binom.sf(5, 10, 1 - D), "west-3": stats.binom.sf(2, 5, 1 - D),
                "east-5": (1 - D) ** 5}
    for name, p in expected.items():
        se = math.sqrt(p * (1 - p) / n)
        assert abs(odds[name] - p) < 4 * se, (name, odds[name], p)


def test_the_district_targets_count_their_own_projects_exactly():
    scenario = scenario_from_dict(ten_projects())
    layout = build_layout(scenario)
    draws = draw_chunk(layout, 5, 0, 300)
    for engine in (fast, des):
        out = engine.run_chunk(layout, draws)
        west = layout.places.cells_of("west")
        # one fixed year: every survivor releases in 2025, so km² = 0.1 × survivors
        survivors = np.rint(out.places[:, :, west].sum(axis=(1, 2)) / 0.1)
        assert set(np.unique(survivors)) <= set(range(6))
        assert np.allclose(out.places.sum(axis=2), out.annual.sum(axis=2), atol=1e-12)


def test_the_city_is_unchanged_by_any_split():
    """Equal projects: the same release, replication for replication, however split."""
    data = ten_projects()
    plain = copy.deepcopy(data)
    plain["pathways"]["p"].pop("districts")
    plain["targets"] = plain["targets"][:1]
    for shares in ({"west": 0.5, "east": 0.5}, {"west": 0.1, "east": 0.2, "north": 0.7}):
        data["pathways"]["p"]["districts"] = shares
        data["targets"] = data["targets"][:1]
        a = simulate(scenario_from_dict(plain), replications=300, seed=3, keep_replications=True)
        b = simulate(scenario_from_dict(data), replications=300, seed=3, keep_replications=True)
        np.testing.assert_array_equal(a.annual, b.annual)


def test_a_districts_projects_carry_its_part_of_each_years_plan():
    """Unequal projects: sizes are drawn as before and normalised within each district's
    part of a year's group, so a district's plan is what it was placed, every draw."""
    base = load_scenario("scenarios/baseline.yaml")
    data = base.resolved()
    data["districts"] = {"west": 0.3, "east": 0.45, "north": 0.25}
    layout = build_layout(scenario_from_dict(data, file=base.file))
    draws = draw_chunk(layout, 9, 0, 50)
    places = layout.places
    plan = layout.originals
    for g in np.unique(layout.group[plan]):
        cols = np.flatnonzero(plan & (layout.group == g))
        np.testing.assert_allclose(draws.size[:, cols].sum(axis=1), layout.group_area[g],
                                   rtol=1e-12)
        for c in np.unique(places.place[cols]):
            mine = cols[places.place[cols] == c]
            part = layout.group_area[g] * layout.area[mine].sum() / layout.area[cols].sum()
            np.testing.assert_allclose(draws.size[:, mine].sum(axis=1), part, rtol=1e-12)


def test_the_citys_odds_do_not_move_with_the_split():
    """With unequal projects the city's odds are the same in distribution: plan-2024 with
    and without its districts, within Monte Carlo error (4 standard errors)."""
    base = load_scenario("scenarios/plan-2024.yaml")
    data = base.resolved()
    data.pop("districts")
    plain = scenario_from_dict(data, file=base.file)
    n = 3000
    a = simulate(plain, replications=n, seed=3).target_odds(ceilings=False).probability
    b = simulate(base, replications=n, seed=4).target_odds(ceilings=False).probability
    for name in ("binding-2025", "plan-2035"):
        p = (a[name] + b[name]) / 2
        assert abs(a[name] - b[name]) < 4 * math.sqrt(2 * p * (1 - p) / n), name


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_placing_equal_projects_changes_no_release(data, seed):
    for p in data["pathways"].values():
        if isinstance(p["projects"], dict):
            p["projects"]["size_cv"] = 0.0
    data["uncertain"] = {k: v for k, v in data.get("uncertain", {}).items()
                         if not k.endswith("size_cv")}
    plain = copy.deepcopy(data)
    plain.pop("districts", None)
    (plain.get("management") or {}).pop("districts", None)
    plain["targets"] = [t for t in plain["targets"] if "district" not in t]
    for p in plain["pathways"].values():
        p.pop("districts", None)
    for row in (plain.get("status") or {}).get("pipeline", []):
        row.pop("district", None)
    for by_pathway in (plain.get("status") or {}).get("released", {}).values():
        for name, figure in by_pathway.items():
            if isinstance(figure, dict):
                by_pathway[name] = sum(figure.values())
    a, b = build_layout(scenario_from_dict(plain)), build_layout(scenario_from_dict(data))
    draws_a, draws_b = draw_chunk(a, seed, 0, 8), draw_chunk(b, seed, 0, 8)
    np.testing.assert_allclose(fast.run_chunk(b, draws_b).annual,
                               fast.run_chunk(a, draws_a).annual, rtol=0, atol=1e-12)


def test_longgang_inside_the_city_agrees_with_longgang_alone():
    """districts-2025 with the rest of the city removed is longgang-2025 — the same
    pathway, the same draws, the same odds — and inside the city Longgang's odds agree
    with it to within Monte Carlo error."""
    city = load_scenario("scenarios/districts-2025.yaml")
    alone = district_alone(city, "龙岗区")
    own = load_scenario("scenarios/longgang-2025.yaml")
    a, o = alone.resolved()["pathways"], own.resolved()["pathways"]
    assert list(a) == list(o) == ["consolidation"]
    for key in ("projects", "stages", "annual_cap", "yield"):
        assert a["consolidation"][key] == o["consolidation"][key], key
    assert a["consolidation"]["plan"] == pytest.approx(o["consolidation"]["plan"])
    n = 6000
    p_alone = simulate(alone, replications=n, seed=5).target_odds(ceilings=False).probability
    p_own = simulate(own, replications=n, seed=5).target_odds(ceilings=False).probability
    assert p_alone["longgang-4"] == p_own["consolidation-4"]
    inside = simulate(city, replications=n, seed=6).target_odds(ceilings=False).probability
    p = (inside["longgang-4"] + p_own["consolidation-4"]) / 2
    assert abs(inside["longgang-4"] - p_own["consolidation-4"]) < 4 * math.sqrt(
        2 * p * (1 - p) / n)


# ------------------------------------------------------------------ reading by district


def test_parts_add_up_to_each_target_and_gaps_to_the_citys():
    scenario = load_scenario("scenarios/plan-2024.yaml")
    parts = pro_rata_parts(scenario)
    for i, t in enumerate(scenario.targets):
        assert parts[i].sum() == pytest.approx(t.km2)
    result = simulate(scenario, replications=600, seed=2)
    table = result.by_district()
    for name, rows in table.groupby("target"):
        if rows.city_misses.iloc[0]:
            assert rows.share_of_city_gap.sum() == pytest.approx(1.0)
            # the gaps add up to the city's mean shortfall in its failing replications
            i = [t.name for t in scenario.targets].index(name)
            km2 = scenario.targets[i].km2
            assert rows.mean_gap_when_city_misses_km2.sum() == pytest.approx(
                result.tally.shortfall_sum[i] / rows.city_misses.iloc[0], rel=1e-9)
            assert km2 > 0
    behind = result.behind()
    assert list(behind.share_of_city_gap) == sorted(behind.share_of_city_gap, reverse=True)
    assert behind.target.iloc[0] == "binding-2025"


def test_a_district_behind_is_found_from_the_replications():
    """Slow one district's projects down: it carries the city's misses."""
    data = ten_projects()
    data["pathways"]["q"] = {"plan": {2024: 1.0}, "projects": 10,
                             "stages": [{"name": "s", "duration": {"dist": "uniform",
                                                                   "min": 1.0, "max": 4.0}}],
                             "districts": {"east": 1.0}}
    data["pathways"]["p"]["stages"][0]["dropout"] = 0.0
    data["pathways"]["p"]["districts"] = {"west": 1.0}
    data["targets"] = [{"name": "city", "by": 2024, "km2": 2.0}]
    result = simulate(scenario_from_dict(data), replications=500, seed=1)
    behind = result.behind("city")
    assert behind.district.iloc[0] == "east"
    assert behind.short_when_city_misses.iloc[0] == 1.0
    west = behind[behind.district == "west"].iloc[0]
    assert west.short_when_city_misses == 0.0 and west.share_of_city_gap == pytest.approx(0)


def test_summary_says_which_district_a_target_counts(tmp_path):
    result = simulate(scenario_from_dict(ten_projects()), replications=200, seed=1)
    summary = json.loads(json.dumps(result.summary()))
    districts = {t["name"]: t["district"] for t in summary["targets"]}
    assert districts == {"city-6": None, "west-3": "west", "east-5": "east"}
    assert summary["districts"]["names"] == ["west", "east"]
    assert summary["districts"]["shares"] == {"p": {"west": 0.5, "east": 0.5}}
    row = summary["districts"]["by_target"]["city-6"]["west"]
    assert row["part_km2"] == pytest.approx(0.3)
    assert set(summary["districts"]["cumulative"]["east"]) == {"2022", "2023", "2024", "2025",
                                                               "2026"}


# ------------------------------------------------------------------ refusals


def _problems(data) -> list:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    return [(p.path, p.message) for p in info.value.problems]


def test_an_unknown_district_is_refused_with_did_you_mean():
    data = ten_projects()
    data["targets"][1]["district"] = "wets"
    (path, message), = _problems(data)
    assert path == "targets[1].district"
    assert "did you mean 'west'" in message and "west, east" in message


def test_shares_must_add_up_to_one():
    data = ten_projects()
    data["pathways"]["p"]["districts"] = {"west": 0.5, "east": 0.4}
    (path, message), = _problems(data)
    assert path == "pathways.p.districts" and "add up to 0.9" in message


def test_status_figures_must_name_a_district_of_their_pathway():
    data = ten_projects(status={"as_of": 2023, "released": {2022: {"p": {"north": 0.1}}},
                                "pipeline": [{"pathway": "p", "stage": "s", "km2": 0.2,
                                              "district": "eats"}]})
    problems = dict(_problems(data))
    assert "did you mean 'east'" in problems["status.pipeline[0].district"]
    assert "'north' is not a district of 'p'" in problems["status.released[2022].p.north"]


def test_a_district_target_without_districts_is_refused():
    data = ten_projects()
    data["pathways"]["p"].pop("districts")
    problems = _problems(data)
    assert [p for p, _ in problems] == ["targets[1].district", "targets[2].district"]
    assert "no pathway has districts" in problems[0][1]


def test_by_district_without_districts_exits_2(tmp_path):
    run = subprocess.run([sys.executable, "-m", "simulator", "run", "scenarios/baseline.yaml",
                          "--by", "district", "--out", str(tmp_path / "out")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "--by district needs districts" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_status_figures_by_district_say_which_district_is_behind():
    """Two districts, the same plan; at the status date west's projects are in their last
    stage and east's have not begun: east carries the city's misses."""
    data = {
        "name": "status-by-district", "horizon": {"start": 2024, "end": 2027},
        "targets": [{"name": "city", "by": 2026, "km2": 1.6}],
        "pathways": {"p": {
            "plan": {2025: 1.0, 2026: 1.0}, "projects": 20,
            "stages": [{"name": "a", "duration": {"dist": "uniform", "min": 0.5, "max": 2.5},
                        "dropout": 0.1},
                       {"name": "b", "duration": {"dist": "uniform", "min": 0.2, "max": 1.0}}],
            "districts": {"west": 0.5, "east": 0.5}}},
        "status": {"as_of": 2025,
                   "released": {2024: {"p": {"west": 0.0, "east": 0.0}}},
                   "pipeline": [
                       {"pathway": "p", "stage": "b", "km2": 1.0, "projects": 10,
                        "district": "west", "since": 2024.8},
                       {"pathway": "p", "stage": "a", "km2": 1.0, "projects": 10,
                        "district": "east", "since": 2025.0}]},
    }
    result = simulate(scenario_from_dict(data), replications=800, seed=2)
    behind = result.behind()
    assert behind.district.tolist() == ["east", "west"]
    east, west = behind.iloc[0], behind.iloc[1]
    assert east.share_of_city_gap > 0.8 and east.short_when_city_misses > 0.9
    assert west.probability > east.probability


def _managed(pool_districts: dict | None) -> dict:
    """Twenty projects split west/east with drop-out, no queue or cap, and an office whose
    pool (of 1 km²) lies where ``pool_districts`` says (None: by the pathway's shares)."""
    data = ten_projects()
    data["pathways"]["p"]["projects"] = 20
    data["pathways"]["p"]["plan"] = {2023: 1.0, 2024: 1.0}
    data["targets"] = [{"name": "city", "by": 2026, "km2": 1.8}]
    data["management"] = {"review": 1.0, "pool_km2": 1.0, "lead": 0.0,
                          **({"districts": pool_districts} if pool_districts else {})}
    return data


@pytest.mark.parametrize("engine", [fast, des])
def test_a_pool_that_lies_in_one_district_tops_up_only_that_district(engine):
    """The office tops the pathway up from a pool whose sites all lie in east: west's
    release is the unmanaged run's, replication for replication, and every km² the
    office adds is east's."""
    managed = build_layout(scenario_from_dict(_managed({"east": 1.0})))
    plain = build_layout(scenario_from_dict({**_managed(None), "management": None}))
    pool = managed.managed >= 0
    assert (managed.places.district_of_cell()[managed.places.place[pool]]
            == managed.places.districts.index("east")).all()
    a = engine.run_chunk(managed, draw_chunk(managed, 8, 0, 200))
    b = engine.run_chunk(plain, draw_chunk(plain, 8, 0, 200))
    west = managed.places.cells_of("west")
    np.testing.assert_allclose(a.places[:, :, west], b.places[:, :, west], atol=1e-12)
    added = a.annual.sum(axis=(1, 2)) - b.annual.sum(axis=(1, 2))
    east = managed.places.cells_of("east")
    np.testing.assert_allclose(a.places[:, :, east].sum(axis=(1, 2))
                               - b.places[:, :, east].sum(axis=(1, 2)), added, atol=1e-12)
    assert added.max() > 0  # the office did start something


def test_a_pool_in_a_district_its_pathways_lack_is_refused():
    data = _managed({"east": 0.5, "nort": 0.5})
    (path, message), = _problems(data)
    assert path == "management.districts.nort"
    assert "'p' has no projects in 'nort'" in message


def test_a_district_target_above_what_the_district_holds_is_impossible():
    """West holds five of the ten 0.1 km² projects: 0.6 km² there is impossible by
    construction (its ceiling is its 0.5 km²), though the city could release 1 km²."""
    from simulator.model.ceiling import target_ceilings

    data = ten_projects()
    data["targets"][1]["km2"] = 0.6
    scenario = scenario_from_dict(data)
    ceilings = {c.target: c for c in target_ceilings(scenario)}
    assert ceilings["city-6"].ceiling_km2 == pytest.approx(1.0)
    assert ceilings["west-3"].ceiling_km2 == pytest.approx(0.5)
    assert ceilings["west-3"].impossible and not ceilings["east-5"].impossible
    odds = simulate(scenario, replications=200, seed=1).target_odds()
    assert odds.loc["west-3", "probability"] == 0 and odds.loc["west-3", "impossible"]


def test_a_district_gets_more_of_a_shared_cap_when_another_slips():
    """Why a district's ceiling is its uncapped best case: with a cap of 0.5 km² a year
    shared by two districts, west alone gets the whole cap in a year when east's projects
    have dropped out — more than its half in the capped best case."""
    from simulator.model.ceiling import target_ceilings

    data = ten_projects()
    data["pathways"]["p"]["annual_cap"] = 0.5
    data["pathways"]["p"]["stages"][0]["dropout"] = 0.5
    data["targets"] = [{"name": "west-2024", "from": 2024, "by": 2024, "km2": 0.3,
                        "district": "west"}]
    scenario = scenario_from_dict(data)
    ceiling = target_ceilings(scenario)[0].ceiling_km2
    result = simulate(scenario, replications=400, seed=2, keep_replications=True)
    got = result.achieved[:, 0]
    assert got.max() > 0.25 + 1e-9  # more than its half of the year's cap
    assert (got <= ceiling + 1e-9).all() and ceiling == pytest.approx(0.5)


def test_a_replications_trace_counts_its_district_targets_as_the_run_does():
    """`landsim trace` of a scenario with a district target (it raised before)."""
    from simulator.run.trace import trace_replication

    scenario = load_scenario("scenarios/districts-2025.yaml")
    run = simulate(scenario, replications=6, seed=0, keep_replications=True)
    for r in (0, 5):
        trace = trace_replication(scenario, replication=r, seed=0)
        np.testing.assert_allclose(trace.targets().achieved_km2.to_numpy(), run.achieved[r],
                                   atol=1e-9)


def test_a_run_without_the_cells_releases_the_same_by_pathway():
    """A study point runs without the release by district: the same draws and the same
    release by pathway, to the last bit, as a run that asks for it."""
    from simulator.run.montecarlo import run_chunk as chunk_of

    layout = build_layout(load_scenario("scenarios/plan-2024.yaml"))
    a = chunk_of(layout, 3, 0, 200, "fast", places=True)
    b = chunk_of(layout, 3, 0, 200, "fast", places=False)
    assert a.places is not None and b.places is None
    np.testing.assert_array_equal(a.annual, b.annual)


def test_the_share_of_the_citys_gap_has_an_interval_that_covers_a_larger_runs():
    """The delta-method interval of a district's share of the city's gap: an independent run
    ten times larger lands inside it (to 3.5 combined standard errors), and it narrows as
    √n."""
    data = ten_projects()
    data["pathways"]["p"]["projects"] = 20
    data["pathways"]["p"]["stages"][0]["duration"] = {"dist": "uniform", "min": 0.5,
                                                      "max": 2.0}
    data["pathways"]["p"]["districts"] = {"west": 0.3, "east": 0.7}
    data["targets"] = [{"name": "city", "by": 2024, "km2": 0.6}]
    scenario = scenario_from_dict(data)

    def share(n: int, seed: int) -> tuple[float, float]:
        rows = simulate(scenario, replications=n, seed=seed).by_district().set_index("district")
        row = rows.loc["west"]
        se = (row.share_of_city_gap_ci95_high - row.share_of_city_gap_ci95_low) / (2 * 1.959964)
        assert row.share_of_city_gap_ci95_low < row.share_of_city_gap < \
            row.share_of_city_gap_ci95_high
        return row.share_of_city_gap, se

    small, se_small = share(3000, 1)
    big, se_big = share(30000, 2)
    assert abs(small - big) < 3.5 * math.hypot(se_small, se_big)
    assert 0.75 * math.sqrt(10) < se_small / se_big < 1.25 * math.sqrt(10)
