"""Words and numbers a report writer can paste (issue 27, items 7 and 8): no raw keys,
"None" or "km2 17" in the assumptions, a note where the plan and the target differ, counts
with their nouns, and Chinese that reads as the seed documents do."""

from __future__ import annotations

import re
from html import unescape

import pytest
from conftest import ROOT

import simulator.cli as cli
from simulator import load_scenario, simulate
from simulator.report.html import render_report
from simulator.report.rundata import RunData


@pytest.fixture(scope="module")
def plan_2024():
    scenario = load_scenario(ROOT / "scenarios" / "plan-2024.yaml")
    return RunData.from_result(simulate(scenario, replications=200, seed=0))


def table_rows(html: str, table_id: str) -> list[list[str]]:
    html = html.replace("<wbr>", "")
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S).group(1)
    return [[re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", c))).strip()
             for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_assumptions_table_shows_values_in_words(plan_2024, lang):
    html = render_report(plan_2024, [], lang=lang)
    # each parameter in words, its key path as small print under them (issue 38)
    paths = [unescape(m) for m in re.findall(
        r'<tr><td>(?:(?!<br>|</td>).)*<br><code class="path">(.*?)</code>',
        html.replace("<wbr>", ""), re.S)]
    cells = table_rows(html, "assumptions")[1:]
    assert len(paths) == len(cells) == len(plan_2024.scenario.provenance)
    words = {path: cell[0][: len(cell[0]) - len(path)] for path, cell in zip(paths, cells)}
    assert all(w and w != path for path, w in words.items())
    if lang == "zh":  # no key in the words of a Chinese reader
        assert not any(re.search(r"[a-z]+_[a-z]+|pathways\.|stages\[", w) for w in words.values())
    else:
        assert words["pathways.consolidation.annual_cap"].startswith("Land consolidation")
    rows = {path: cell[1] for path, cell in zip(paths, cells)}
    assert all(value not in ("None", "") and "None" not in value for value in rows.values())
    assert not any(re.search(r"\bkm2\b", value) for value in rows.values())
    if lang == "en":
        assert rows["targets[0]"] == "17 km² by the end of 2023"
        assert rows["targets[1]"] == "15 km² in 2024–2025"
        assert rows["uncertain.pathways.renewal.annual_cap"] == "uniform, min 0.5, max 2"
        assert rows["uncertain.from"] == "posteriors/history-2026.parquet"
        assert "calibration posterior" in rows["uncertain.programme.median"]
    else:
        assert rows["targets[1]"] == "2024—2025年15平方公里"
        assert rows["targets[4]"] == "2035年底前累计59平方公里"


def test_a_plan_that_adds_up_to_more_than_the_target_says_so(plan_2024):
    html = unescape(render_report(plan_2024, [], lang="en"))
    assert "planned 59.2 km²" in html
    assert "The pathways' plans add up to 59.2 km²; the largest target is 59 km²." in html


def test_validate_counts_with_nouns(write_yaml, capsys):
    one = write_yaml("""\
name: one
horizon: {start: 2022, end: 2026}
targets:
  - {name: t, by: 2026, km2: 1}
pathways:
  c:
    plan: {2025: 1.0}
    projects: 1
    stages:
      - {name: a, duration: {dist: lognormal, median: 1.0, sigma: 0.5}}  # assumption: test
""", "one.yaml")
    assert cli.main(["validate", str(one)]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "1 pathway ·" in line and "1 project ·" in line and line.endswith("1 target")


def visible(html: str) -> str:
    html = html.replace("<wbr>", "")  # a break opportunity, no text
    html = re.sub(r"<(style|code)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "\n", html))


@pytest.fixture(scope="module")
def levers_run():
    # the baseline with its levers' analysis, for the levers section's words
    from simulator.study.levers import lever_effects

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    import dataclasses

    run = RunData.from_result(simulate(scenario, replications=200, seed=0))
    return dataclasses.replace(run, levers=lever_effects(scenario, replications=200, seed=0))


def test_the_chinese_report_uses_the_seed_documents_words(plan_2024, levers_run):
    for run in (plan_2024, levers_run):
        text = visible(render_report(run, [], lang="zh"))
        assert "杠杆" not in text and "有出处" not in text  # 政策抓手; 有据可查
        assert "95%置信区间" in text and "95% 区间" not in text
        assert not re.search(r"\d{4}–\d{4}", text), "zh year ranges take the 2024—2035 dash"
        # no space beside a Chinese character ("约束性目标 的实现概率", "0.0% （95%")
        spaced = re.findall(r"[\u4e00-\u9fff（）]\s+[^\s·]|[^\s·]\s+[\u4e00-\u9fff（）]", text)
        assert [s for s in spaced if "\n" not in s] == []
        assert "情景 baseline" not in text and "情景 plan-2024" not in text
    text = visible(render_report(levers_run, [], lang="zh"))
    assert "城市更新（工改工）" in text and "城市更新 工改工" not in text
    assert "政策抓手" in text
