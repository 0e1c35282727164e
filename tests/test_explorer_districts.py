"""The explorer's view of one district: its rows are the run's own figures for that
district, one per city-wide target still open; an unknown district (another scenario's, a
forged value) is refused; the picker is offered only for a scenario with districts; and in
the page, the view belongs to the scenario on screen (picked, shown, gone with another)."""

from __future__ import annotations

import base64
import re
import subprocess
import time

import pytest
from conftest import ROOT, scenario
from test_report_districts import PLACED

from simulator import simulate
from simulator.app.district_view import (
    WHOLE_CITY,
    UnknownDistrict,
    district_chart,
    district_choices,
    district_view,
)
from simulator.report.rundata import RunData

PLAN = ROOT / "scenarios" / "plan-2024.yaml"


@pytest.fixture(scope="module")
def run() -> RunData:
    scn = scenario(PLACED.replace("{headline}", "t"))
    return RunData.from_result(simulate(scn, replications=300, seed=5))


def test_a_districts_view_is_its_own_row_for_each_open_city_target(run):
    view = district_view(run, "南山区", "en")
    by_target = run.summary["districts"]["by_target"]
    # "own" counts one district only: it is not read district by district
    assert [r["target"] for r in view.rows] == ["t", "later"] == list(by_target)
    for row in view.rows:
        expected = by_target[row["target"]]["南山区"]
        assert {k: row[k] for k in expected} == expected
    shown = dict(re.findall(r'<tr data-target="([^"]+)" data-probability="([^"]+)"',
                            view.table))
    assert {k: float(v) for k, v in shown.items()} == {
        t: by_target[t]["南山区"]["probability"] for t in ("t", "later")}
    assert "Nanshan" in view.table and "南山区" not in view.table.split("data-district")[0]
    assert "南山区" in district_view(run, "南山区", "zh").table
    # another district's rows are its own, not the first one's
    other = district_view(run, "宝安区", "en")
    assert [r["part_km2"] for r in other.rows] != [r["part_km2"] for r in view.rows]


@pytest.mark.parametrize("name", ["Atlantis", "", "宝安", "南山区 "])
def test_an_unknown_district_is_refused(run, name):
    with pytest.raises(UnknownDistrict):
        district_view(run, name, "en")
    with pytest.raises(UnknownDistrict):
        district_chart(run, name, "en")


def test_a_run_without_districts_has_no_district_view_and_no_picker():
    scn = scenario(re.sub(r"^districts:.*\n", "", PLACED.replace("{headline}", "t"),
                          flags=re.M).replace(", district: 宝安区", ""))
    plain = RunData.from_result(simulate(scn, replications=100, seed=5))
    with pytest.raises(UnknownDistrict):
        district_view(plain, "宝安区", "en")
    assert district_choices(plain.scenario, "en") == {}


def test_the_picker_offers_the_whole_city_first_then_each_district_in_the_pages_language(run):
    en, zh = district_choices(run.scenario, "en"), district_choices(run.scenario, "zh")
    assert list(en) == list(zh) == [WHOLE_CITY, "宝安区", "南山区", "My Park"]
    assert en[WHOLE_CITY] == "Whole city" and zh[WHOLE_CITY] == "全市"
    assert en["宝安区"] == "Bao'an" and zh["宝安区"] == "宝安区"


def test_the_districts_chart_is_the_reports_fan_for_that_district(run):
    html = district_chart(run, "宝安区", "zh", shown="某情景")
    assert html.startswith('<figure id="chart-district-fan">')
    png = base64.b64decode(re.search(r'base64,([^"]+)"', html).group(1))
    assert png.startswith(b"\x89PNG")
    assert "某情景" in html  # the caption names the scenario as the page does


# ---------------------------------------------------------------- in the page

def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    from test_explorer_browser import start_server

    return start_server(*args, scenario=PLAN)


_STATE = """
const m = document.getElementById('answer-meta');
const v = document.getElementById('district-shown');
const s = document.getElementById('district-district');
return {key: m ? m.dataset.key : null, state: m ? m.dataset.state : null,
        picker: s ? Array.from(s.options).map(o => o.value) : null,
        picked: s ? s.value : null,
        view: v ? v.dataset.district : null, view_key: v ? v.dataset.key : null,
        fit: v ? v.dataset.fit : null, text: v ? v.innerText : '',
        figure: v ? !!v.querySelector('figure img') : false};
"""


def _until(driver, ok, timeout: float = 150.0) -> dict:
    end, state = time.monotonic() + timeout, {}
    while time.monotonic() < end:
        state = driver.execute_script(_STATE) or {}
        if ok(state):
            return state
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s; last {state}")


@pytest.mark.slow
def test_the_page_shows_a_picked_district_of_the_scenario_on_screen_only():
    from browser import chromium
    from selenium.webdriver.support.ui import Select

    proc, server = _serve("--workers", "1", "-n", "300")
    try:
        with chromium() as driver:
            driver.get(server)
            first = _until(driver, lambda s: s["key"] == "plan-2024" and s["picker"])
            assert first["picked"] == WHOLE_CITY and first["view"] is None
            assert "宝安区" in first["picker"]
            Select(driver.find_element("id", "district-district")).select_by_value("宝安区")
            shown = _until(driver, lambda s: s["view"] == "宝安区" and s["figure"]
                           and s["state"] == "final" and s["fit"] == "same")
            assert shown["view_key"] == "plan-2024"
            assert "Bao'an" in shown["text"] and "Binding target 2022–2025" in shown["text"]
            # in Chinese: the same district, said again once the Chinese answer is in
            driver.find_element("css selector", "input[name=lang][value=zh]").click()
            zh = _until(driver, lambda s: s["view"] == "宝安区" and s["fit"] == "same"
                        and "宝安区：全市各目标中的比例份额" in s["text"])
            assert "Bao'an" not in zh["text"] and "Binding target" not in zh["text"]
            # another scenario without districts: no picker, and the view goes with it
            Select(driver.find_element("id", "picker-scenario")).select_by_value("baseline")
            gone = _until(driver, lambda s: s["key"] == "baseline")
            assert gone["picker"] is None and gone["view"] is None
            # and back: the whole city again (a district is picked for a scenario)
            Select(driver.find_element("id", "picker-scenario")).select_by_value("plan-2024")
            back = _until(driver, lambda s: s["key"] == "plan-2024" and s["picker"])
            assert back["picked"] == WHOLE_CITY and back["view"] is None
    finally:
        proc.kill()
        proc.wait(timeout=20)
