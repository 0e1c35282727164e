"""Targets that say what the plan says: floor (不少于), about (约) with a tolerance, strive (力争)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator import scenario_from_dict, simulate
from simulator.inputs.errors import ScenarioError


def scenario(**target) -> dict:
    # 10 projects of 0.1 km², drop-out 0.3, fixed durations: release = 0.1 × Bin(10, 0.7)
    return {"name": "kinds", "horizon": {"start": 2020, "end": 2030},
            "targets": [{"name": "t", "by": 2030, "km2": 0.8, **target}],
            "pathways": {"p": {"plan": {2025: 1.0}, "projects": 10,
                               "stages": [{"name": "s", "duration": 1.0, "dropout": 0.3}]}}}


def test_an_about_target_adds_the_odds_within_its_tolerance_exactly():
    n = 4000
    result = simulate(scenario_from_dict(scenario(kind="about", tolerance=0.2)),
                      replications=n, seed=5)
    row = result.summary()["targets"][0]
    binom = stats.binom(10, 0.7)
    for p, k in ((row["probability"], 8), (row["within_tolerance"]["probability"], 6)):
        expected = binom.sf(k - 1)
        assert abs(p - expected) <= 4 * math.sqrt(expected * (1 - expected) / n)
    assert row["kind"] == "about" and row["within_tolerance"]["km2"] == pytest.approx(0.6)
    lo, hi = row["within_tolerance"]["ci95"]
    assert lo <= row["within_tolerance"]["probability"] <= hi
    # what the replications themselves say
    counted = result.annual.sum(axis=(1, 2))
    assert row["within_tolerance"]["probability"] == np.mean(counted >= 0.6 - 1e-9)
    assert row["p10_km2"] == pytest.approx(np.quantile(counted, 0.1), abs=0.01)


@pytest.mark.parametrize("target,message", [
    ({"tolerance": 0.1}, "only an about"),
    ({"kind": "about", "tolerance": 0.8}, "leaves nothing"),
    ({"kind": "around"}, "floor"),
])
def test_a_tolerance_needs_an_about_target_below_its_km2(target, message):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(scenario(**target))
    assert message in str(err.value) and "targets[0]" in str(err.value)


def test_a_target_without_a_kind_keeps_its_digest():
    plain = scenario_from_dict(scenario())
    assert "kind" not in plain.resolved()["targets"][0]
    assert plain.digest() != scenario_from_dict(scenario(kind="floor")).digest()


@pytest.mark.parametrize("lang,lead,about", [
    ("en", "Release by the end of 2030:", "The plan says about 0.8 km² (约)"),
    ("zh", "到2030年底的累计释放量：", "规划表述为约0.8平方公里"),
])
def test_the_headline_leads_with_the_release_range_and_the_words_of_the_plan(
        tmp_path, lang, lead, about):
    import yaml

    from simulator import cli

    path = tmp_path / "kinds.yaml"
    path.write_text(yaml.safe_dump(scenario(kind="about", tolerance=0.2), allow_unicode=True))
    out = tmp_path / "out"
    assert cli.main(["run", str(path), "-n", "500", "--no-levers", "-q", "--lang", lang,
                     "--out", str(out)]) == 0
    html = (out / ("report.html" if lang == "en" else f"report.{lang}.html")).read_text()
    head = html[html.index('id="headline"'):]
    assert lead in head and about in head
    assert head.index(lead) < head.index("headline-probability")
