"""The report's "By district" section: only for a run with districts; in both languages with
every district named in that language and no raw word-table keys; the map's tiles coloured
by each district's P(≥ part); the fans drawn from the district's own quantiles; the lead
naming the districts that carry the city's shortfall; the Word briefing carrying it."""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pytest
from conftest import scenario

from simulator import simulate
from simulator.report import charts
from simulator.report.district_charts import (
    COLOURS,
    DISTRICT_CHARTS,
    district_fans_chart,
    district_map_chart,
)
from simulator.report.district_data import (
    UnknownDistrict,
    district_label,
    district_rows,
    fan_data,
    gap_leaders,
    section_target,
    tile_key,
    tile_values,
)
from simulator.report.district_section import district_lead, gap_share_text
from simulator.report.html import render_report
from simulator.report.rundata import RunData
from simulator.report.style import chart_style

PLACED = """\
name: placed
title: "Three districts"
title_zh: "三个分区"
horizon: {start: 2022, end: 2032}
headline: {headline}
targets:
  - {name: t, by: 2027, km2: 5, label: "Five by 2027", label_zh: "2027年5平方公里"}
  - {name: later, by: 2030, km2: 5.5}
  - {name: own, by: 2030, km2: 2, district: 宝安区}
districts: {宝安区: 0.5, 南山区: 0.3, My Park: 0.2}
pathways:
  c:
    plan: {2025: 3.0, 2026: 3.0}
    projects: 12
    stages:
      - {name: negotiation, duration: {dist: lognormal, median: 2.0, sigma: 0.5}, capacity: 4}
      - {name: clearance, duration: 1.0, dropout: 0.1}
correlation: {pathway_factor_sigma: 0.4}
"""
"""Three districts (two the map knows, one park it does not) of one pathway whose 2027
target is missed in most replications: the city's gap has districts to fall on."""

NAMES = ("宝安区", "南山区", "My Park")
KEY = re.compile(r"\b(?:districts?|col|app|section)\.[a-z_]+\b")


def _run(headline: str = "t", replications: int = 400) -> RunData:
    scn = scenario(PLACED.replace("{headline}", headline))
    return RunData.from_result(simulate(scn, replications=replications, seed=3))


@pytest.fixture(scope="module")
def run() -> RunData:
    return _run()


def _district_charts(run: RunData, folder, lang: str) -> list:
    caption = "caption"
    return [charts.chart_job(draw, run, folder, name, caption, lang=lang)()
            for name, draw in DISTRICT_CHARTS]


def _text(html: str) -> str:
    html = re.sub(r'src="data:[^"]+"', 'src=""', html)
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("lang, heading", [("en", "By district"), ("zh", "分区情况")])
def test_the_section_is_in_both_languages_with_every_district_and_no_raw_keys(
        run, tmp_path, lang, heading):
    drawn = _district_charts(run, tmp_path, lang)
    page = render_report(run, drawn, lang=lang)
    start = page.index('id="section-districts"')
    end = page.find("<h2", start + 1)
    section = page[start:end]
    text = _text(section)
    assert heading in text
    for name in NAMES:
        assert district_label(name, lang) in text
    assert district_label("宝安区", lang) == ("Bao'an" if lang == "en" else "宝安区")
    assert KEY.findall(_text(page)) == []
    # both charts in the section, not among the report's other charts
    assert 'id="chart-district-map"' in section and 'id="chart-district-fans"' in section
    assert page.count('id="chart-district-map"') == 1
    # the table: a row per district, P(≥ part) as summary.json has it
    rows = dict(re.findall(r'<tr data-district="([^"]+)" data-probability="([^"]+)"', section))
    by = run.summary["districts"]["by_target"]["t"]
    assert {unescape(k): float(v) for k, v in rows.items()} == {
        d: by[d]["probability"] for d in NAMES}


def test_a_run_without_districts_has_no_section(tmp_path):
    scn = scenario(re.sub(r"^districts:.*\n", "", PLACED.replace("{headline}", "t"),
                          flags=re.M).replace(", district: 宝安区", ""))
    plain = RunData.from_result(simulate(scn, replications=200, seed=3))
    assert "districts" not in plain.summary or not plain.summary["districts"]
    assert section_target(plain.summary, "t") is None
    assert not {n for n, _ in charts.charts_for(plain)} & {n for n, _ in DISTRICT_CHARTS}
    for lang in ("en", "zh"):
        page = render_report(plain, [], lang=lang)
        assert "section-districts" not in page and 'id="districts"' not in page


def test_the_section_is_about_the_headline_if_city_wide_else_the_first_open_city_target():
    assert section_target(_run("t", 200).summary, "t") == "t"
    assert section_target(_run("later", 200).summary, "later") == "later"
    # a district's own target is not read district by district: the first city one instead
    own = _run("own", 200)
    assert "own" not in own.summary["districts"]["by_target"]
    assert section_target(own.summary, "own") == "t"


def test_the_tiles_take_each_districts_probability_and_list_the_unknown_beside(run):
    by = run.summary["districts"]["by_target"]["t"]
    tiles, beside = tile_values(run.summary, "t")
    tile = {x.key: x for x in tiles}
    assert tile["baoan"].district == "宝安区"
    assert tile["baoan"].probability == by["宝安区"]["probability"]
    assert tile["nanshan"].part_km2 == by["南山区"]["part_km2"]
    assert tile["futian"].district is None and tile["futian"].probability is None  # grey
    assert [r["district"] for r in beside] == ["My Park"]  # listed, not dropped
    assert tile_key("Bao'an") == tile_key("bao'an") == tile_key("宝安区") == "baoan"
    assert tile_key("My Park") is None


def test_the_map_colours_each_tile_by_its_probability(run):
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    by = run.summary["districts"]["by_target"]["t"]
    with chart_style("en"):
        ax = district_map_chart(run, lang="en")
    faces = {}
    for patch in ax.patches:
        if isinstance(patch, Rectangle):
            x, y = patch.get_xy()
            faces[(round(x + patch.get_width() / 2, 2), round(y + patch.get_height() / 2, 2))] \
                = patch.get_facecolor()
    assert np.allclose(faces[(0.0, 0.0)], colormaps[COLOURS](by["宝安区"]["probability"]))
    assert np.allclose(faces[(0.5, -1.0)], colormaps[COLOURS](by["南山区"]["probability"]))
    # a district the scenario does not name is not coloured by any probability
    futian = faces[(1.5, -1.0)]
    assert not any(np.allclose(futian, colormaps[COLOURS](p)) for p in np.linspace(0, 1, 101))
    text = " ".join(t.get_text() for t in ax.texts)
    assert "My Park" in text  # beside the map


def test_the_fans_are_each_districts_own_quantiles(run):
    cumulative = run.summary["districts"]["cumulative"]["南山区"]
    data = fan_data(run.summary, "南山区")
    assert list(data.index) == run.scenario.years
    for year, q in cumulative.items():
        assert data.loc[int(year), ["p10", "p50", "p90"]].tolist() == [q["p10"], q["p50"],
                                                                       q["p90"]]
    assert (data.p10 <= data.p50).all() and (data.p50 <= data.p90).all()
    assert (np.diff(data.p50) >= -1e-9).all()  # cumulative: never falls
    with chart_style("en"):
        (ax,) = district_fans_chart(run, lang="en", districts=["南山区"])
    median = ax.lines[0]
    assert np.allclose(median.get_ydata(), data.p50)
    part = run.summary["districts"]["by_target"]["t"]["南山区"]["part_km2"]
    diamond = next(ln for ln in ax.lines if ln.get_marker() == "D")
    assert diamond.get_xdata()[0] == 2027 and np.isclose(diamond.get_ydata()[0], part)
    with pytest.raises(UnknownDistrict):
        fan_data(run.summary, "Atlantis")


def test_the_lead_names_the_districts_that_carry_the_citys_shortfall(run):
    rows = district_rows(run.summary, "t")
    assert rows[0]["city_misses"] > 0  # the city misses t: there is a gap to split
    shares = [r["share_of_city_gap"] for r in rows]
    assert np.isclose(sum(shares), 1.0)
    leaders = gap_leaders(rows, 2)
    assert leaders[0]["share_of_city_gap"] == max(shares)
    for lang in ("en", "zh"):
        lead = district_lead(run, lang)
        first = district_label(leaders[0]["district"], lang)
        assert first in lead and gap_share_text(leaders[0]["share_of_city_gap"]) in lead
        assert ("not a published quota" in lead) if lang == "en" else ("并非" in lead)


def test_the_word_briefing_has_the_district_lead_map_and_table(run):
    from io import BytesIO

    from docx import Document

    from simulator.report.docx_report import run_docx

    doc = Document(BytesIO(run_docx(run, lang="zh")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "分区情况" in headings
    assert any("宝安区" in c.text for table in doc.tables for c in table.columns[0].cells)
    # a short briefing: the fan, the S-curve and the district map (the fans are in HTML)
    assert len(doc.inline_shapes) == 3
    assert "其他目标：全市缺口落在哪些分区" not in headings
