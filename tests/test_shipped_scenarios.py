"""The scenarios in scenarios/: valid, labelled, consistent with their sources, and runnable."""

import numpy as np
import pytest
import yaml
from conftest import carried_km2, HISTORY, ROOT, SCENARIOS

from simulator import load_scenario, simulate
from simulator.model.layout import build_layout
from simulator.inputs.keypath import format_path

EXPECTED = {"baseline", "two-hundred-2020", "longgang-2025", "renewal-downturn",
            "consolidation-push", "baseline-uncertain"}


def test_history_cases_are_shipped_with_their_scenarios():
    from simulator.study.backtest import load_cases

    spec, scenarios = load_cases(ROOT / "scenarios" / "history" / "cases.yaml")
    assert len(spec.cases) >= 6
    assert {s.name for s in scenarios} <= {p.stem for p in HISTORY}


def test_baseline_uncertain_is_the_baseline_with_priors():
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml").resolved()
    unc = load_scenario(ROOT / "scenarios" / "baseline-uncertain.yaml").resolved()
    history = load_scenario(ROOT / "scenarios" / "history" / "city-2019-2021.yaml")
    assert unc.pop("uncertain") == history.resolved()["uncertain"]  # the calibration's priors
    for key in ("name", "title", "title_zh", "provenance"):
        base.pop(key), unc.pop(key)
    base.pop("uncertain")
    assert unc == base


def test_the_expected_scenarios_are_shipped():
    assert {p.stem for p in SCENARIOS} >= EXPECTED


@pytest.mark.parametrize("path", SCENARIOS + HISTORY, ids=lambda p: p.stem)
def test_scenario_is_valid_and_named_after_its_file(path):
    assert load_scenario(path).name == path.stem


def numeric_leaves(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from numeric_leaves(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from numeric_leaves(v, path + (i,))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield path


@pytest.mark.parametrize("path", SCENARIOS + HISTORY, ids=lambda p: p.stem)
def test_every_number_is_labelled(path):
    scn = load_scenario(path)
    raw = yaml.safe_load(path.read_text())
    unlabelled = [format_path(p) for p in numeric_leaves(raw) if scn.label_of(format_path(p)) is None]
    assert unlabelled == []
    labels = {scn.label_of(format_path(p)).split(":")[0] for p in numeric_leaves(raw)}
    assert labels <= {"sourced", "derived", "assumption"}


def test_baseline_matches_the_plan():
    scn = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    totals = {k: round(p.planned_km2, 9) for k, p in scn.pathways.items()}
    assert totals == {"reserve": 5.8, "consolidation": 34.2, "renewal": 8.5, "uplift": 3.2,
                      "undetermined": 7.5}  # 000 art. 22
    batches = [(2022, 2023), (2024, 2025), (2026, 2035)]
    sums = [sum(a for p in scn.pathways.values() for y, a in p.plan.items() if lo <= y <= hi)
            for lo, hi in batches]
    assert sums == pytest.approx([17.0, 15.0, 27.2])  # art. 21 batches; 0.2 km² in batch 3
    targets = {t.name: (t.from_, t.by, t.km2) for t in scn.targets}
    assert targets == {"batch-1": (None, 2023, 17), "batch-2": (2024, 2025, 15),
                       "binding-2025": (None, 2025, 32), "batch-3": (2026, 2035, 27),
                       "plan-2035": (None, 2035, 59)}


def flatten(data, path=()):
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            out.update(flatten(v, path + (k,)))
        return out
    if isinstance(data, list):
        out = {}
        for i, v in enumerate(data):
            out.update(flatten(v, path + (i,)))
        return out
    return {format_path(path): data}


@pytest.mark.parametrize("variant, changed", [
    ("renewal-downturn", {"events"}),
    ("consolidation-push", {"pathways.consolidation.stages[0].duration.median",
                            "pathways.consolidation.stages[0].capacity",
                            "pathways.consolidation.annual_cap"}),
])
def test_variants_differ_from_the_baseline_only_where_they_say(variant, changed):
    def model(name):
        data = load_scenario(ROOT / "scenarios" / f"{name}.yaml").resolved()
        for key in ("name", "title", "title_zh", "description", "provenance"):
            data.pop(key)
        return flatten(data)

    base, var = model("baseline"), model(variant)
    diff = {k for k in base.keys() | var.keys() if base.get(k) != var.get(k)}
    assert {d.split("[")[0] if d.startswith("events") else d for d in diff} == changed


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs_and_conserves_area(path):
    scn = load_scenario(path)
    result = simulate(scn, replications=40, seed=0)
    planned = carried_km2(scn, 0, 40)  # the plan, or more with (drawn) over-programming
    total = result.annual.sum(axis=1) + result.late + result.dropped + result.yield_loss
    layout = build_layout(scn)
    if not layout.offices:
        np.testing.assert_allclose(total, np.broadcast_to(planned, total.shape), atol=1e-9)
        return
    extra = total - planned  # what a programme office started: within its pool
    assert extra.min() >= -1e-9
    for office in layout.offices:
        assert extra[:, [m.pathway for m in office.pathways]].sum(axis=1).max() <= (
            office.pool_km2 + 1e-9)


@pytest.mark.slow
def test_consolidation_push_raises_release_by_2025():
    base = simulate(load_scenario(ROOT / "scenarios" / "baseline.yaml"), replications=200, seed=1)
    push = simulate(load_scenario(ROOT / "scenarios" / "consolidation-push.yaml"),
                    replications=200, seed=1)
    y = base.years.index(2025)
    assert push.cumulative[:, y].mean() > base.cumulative[:, y].mean() + 1.0
