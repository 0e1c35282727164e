"""Every panel of the explorer belongs to the scenario and language on screen (issue 38):
which panel a request's content may fill (:func:`simulator.app.page.fit`), the headline's
words for what was moved, the page's typography of year ranges, the sliders' words, and
a browser session that clicks "What would it take?", uploads a file and switches to 中文."""

import re
import time

import pytest
from browser import chromium
from conftest import ROOT
from test_explorer_browser import start_server

from simulator import load_scenario
from simulator.app.catalogue import Catalogue
from simulator.app.controls import change_words, controls_for
from simulator.app.estimates import SharedPool, Ticket
from simulator.app.explorer import Explorer, Request
from simulator.app.page import Tag, fit
from simulator.app.views import keep_years

PLAN = ROOT / "scenarios" / "plan-2024.yaml"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CAP = "pathways.consolidation.annual_cap"
CJK = re.compile(r"[\u3400-\u9fff]")
WORDS = re.compile(r"[A-Za-z]{2,}")

MINE = """\
name: mine
title: "A small variant"
title_zh: "小型情景"
horizon: {start: 2022, end: 2030}
targets:
  - {name: first, by: 2026, km2: 8, label: "First batch", label_zh: "第一批"}
pathways:
  consolidation:
    plan: {2022: 3, 2023: 3, 2024: 3}
    projects: {count: 20, size_cv: 0.5}
    stages:
      - {name: negotiation, duration: {dist: lognormal, median: 2.0, sigma: 0.5},
         dropout: 0.1, capacity: 10}
      - {name: clearance, duration: 1.0}
    annual_cap: 3.0
"""


# ---------------------------------------------------------------- which panel may show what

SHOWN = Tag("baseline", "d1", None, ((CAP, 7.5),), "en")


@pytest.mark.parametrize("made_for, expected", [
    (SHOWN, "same"),
    (Tag("baseline", "d1", None, ((CAP, 7.5),), "zh"), "language"),
    (Tag("baseline", "d1", None, ((CAP, 6.0),), "en"), "values"),
    (Tag("baseline", "d1", None, (), "en"), "values"),
    (Tag("baseline", "d1", None, (), "zh"), "other"),  # other values in another language
    (Tag("upload:mine.yaml", "d2", None, ((CAP, 7.5),), "en"), "other"),  # another file
    (Tag("baseline", "d9", None, ((CAP, 7.5),), "en"), "other"),  # the same name uploaded again
    (Tag("baseline", "d1", "prior", ((CAP, 7.5),), "en"), "other"),  # another mode
    (None, "other"),
])
def test_a_panel_fits_only_the_scenario_mode_and_language_on_screen(made_for, expected):
    assert fit(made_for, SHOWN) == expected


def test_nothing_on_screen_fits_nothing():
    assert fit(SHOWN, None) == "other"
    assert fit(None, None) == "other"


def test_the_bug_of_issue_38_is_a_mismatch():
    # "What would it take?" on plan-2024, then a file uploaded, then 中文: the levers' table
    # was made for plan-2024 in English; on screen is the upload in Chinese
    levers = Tag("plan-2024", "p", "posterior", (), "en")
    assert fit(levers, Tag("upload:mine.yaml", "m", None, (), "en")) == "other"
    assert fit(levers, Tag("upload:mine.yaml", "m", None, (), "zh")) == "other"
    assert fit(levers, Tag("plan-2024", "p", "fixed", (), "en")) == "other"
    assert fit(levers, Tag("plan-2024", "p", "posterior", (), "zh")) == "language"


# ---------------------------------------------------------------- words and typography

def test_year_ranges_are_kept_on_one_line_in_text_not_in_attributes_or_numbers():
    html = ('<tr data-target="a 2022–2023"><td>Batch 1 (2022–2023)</td><td>2024—2035年</td>'
            '<td class="num">0.00–0.95%</td><td>12.1–23.4 km²</td></tr>')
    got = keep_years(html)
    assert got.count('<span class="years">') == 2
    assert '(<span class="years">2022–2023</span>)' in got
    assert '<span class="years">2024—2035</span>年' in got
    assert 'data-target="a 2022–2023"' in got  # an attribute is left alone
    assert "0.00–0.95%" in got and "12.1–23.4" in got  # not years


def test_the_sliders_words_come_from_the_word_table():
    source = (ROOT / "simulator" / "app" / "controls.py").read_text(encoding="utf-8")
    assert not CJK.search(source), "a Chinese word written in controls.py, not in i18n"
    for lang in ("en", "zh"):
        for c in controls_for(load_scenario(PLAN), lang):
            if lang == "zh":
                assert CJK.search(c.label) and not WORDS.search(c.label), c
            else:
                assert not CJK.search(c.label), c


def test_the_changes_are_said_with_the_controls_labels_in_both_languages():
    plan = load_scenario(PLAN)
    moved = {CAP: 7.5, "pathways.renewal.annual_cap": 1.2, "management.review": 2.0}
    en, zh = change_words(plan, moved, "en"), change_words(plan, moved, "zh")
    assert en.startswith("Consolidation throughput, km²/yr = 7.5; throughput cap, km²/yr (")
    assert "Review every, years = 2" in en
    assert zh.startswith("土地整备年度释放能力（平方公里/年）调至7.5；")
    assert "检视周期（年）调至2" in zh
    for said in (en, zh):
        assert "pathways." not in said and "management." not in said
    assert change_words(plan, {}, "en") == ""


@pytest.fixture(scope="module")
def explorer():
    found = Explorer(Catalogue.of([BASELINE]), SharedPool(1), seed=0, replications=400)
    yield found
    found.close()


@pytest.mark.slow
def test_the_headline_names_the_control_and_the_command_line_keeps_the_key_path(explorer):
    base = explorer.load("baseline")
    for lang, said in (("en", "With Consolidation throughput, km²/yr = 7.5 (changed from the "
                                "scenario file):"),
                       ("zh", "参数修改后（土地整备年度释放能力（平方公里/年）调至7.5）：")):
        request = Request("baseline", base, None, ((CAP, 7.5),), lang)
        found = explorer.answer_stage(request, 400, Ticket(), quick=True, charts=False)
        assert said in found.view.headline
        assert CAP not in found.view.headline
        assert f"{CAP}=7.5" in " ".join(explorer.command(found))
    shipped = explorer.answer_stage(Request("baseline", base, None, (), "en"), 400, Ticket(),
                                    quick=True, charts=False)
    assert "changed from the scenario file" not in shipped.view.headline


# ---------------------------------------------------------------- in the browser

_STATE = """
const main = document.querySelector('main');
const text = main ? main.cloneNode(true) : document.createElement('div');
text.querySelectorAll('code, pre, script, style').forEach(e => e.remove());
const by = id => { const e = document.getElementById(id); return e ? e.innerText : ''; };
const label = document.querySelector('label[for="picker-scenario"]');
const levers = document.querySelector('table#levers') ? by('levers-take_out') : '';
return {main: text.innerText, headline: by('headline'), levers: levers,
        working: by('take-working'), uploaded: by('upload-ok'),
        sidebar: label ? label.innerText : '',
        take: !!document.getElementById('levers-take'),
        charts: document.querySelectorAll('figure[id^="chart-"]').length,
        greyed: document.querySelectorAll('.stale').length};
"""


def _until(driver, ok, always=None, timeout: float = 300.0) -> dict:
    """The page's state once ``ok(state)``; ``always(state)`` is asserted at every look
    on the way (what must never be on screen)."""
    end, state = time.monotonic() + timeout, {}
    while time.monotonic() < end:
        state = driver.execute_script(_STATE) or {}
        if always is not None:
            always(state)
        if ok(state):
            return state
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s; last {state}")


def _english(text: str) -> list[str]:
    return [w for w in WORDS.findall(text) if w not in ("YAML", "HTML")]


@pytest.mark.slow
def test_no_panel_outlives_its_scenario_or_language(tmp_path):
    """"What would it take?" on the baseline, then a file uploaded, then 中文: the baseline's
    levers' table goes with the upload, the headline and table are the file's (as shipped:
    the baseline's sliders do not carry over), and once the page is Chinese no panel says a
    word of English, not even the answer still coming; the YAML downloaded is the file's."""
    mine = tmp_path / "mine.yaml"
    mine.write_text(MINE, encoding="utf-8")
    proc, server = start_server("--workers", "2", "-n", "400")
    try:
        with chromium() as driver:
            driver.get(server)
            _until(driver, lambda s: "at least 32 km² by the end of 2025" in s["headline"]
                   and s["take"])
            driver.find_element("id", "levers-take").click()
            first = _until(driver, lambda s: "Binding target 2022–2025" in s["levers"])
            assert "Consolidation throughput" in first["levers"]

            def upload_took_the_levers(s):
                if s["uploaded"]:  # the server has the file: baseline's table is gone
                    assert not s["levers"] and not s["working"], s["levers"]
                    assert "Consolidation throughput" not in s["main"]

            driver.find_element("css selector", "input#picker-upload").send_keys(str(mine))
            mine_en = _until(driver, lambda s: "at least 8 km² by the end of 2026"
                             in s["headline"] and s["charts"] == 2 and not s["greyed"],
                             always=upload_took_the_levers)
            assert "changed" not in mine_en["headline"]  # the file as shipped
            assert not mine_en["take"]  # the file has no levers
            assert "32 km²" not in mine_en["main"]

            def chinese_everywhere(s):
                if s["sidebar"] == "情景":  # the server has switched the page
                    assert not _english(s["main"]), _english(s["main"])
                    assert not s["levers"]

            driver.find_element("css selector", "input[name=lang][value=zh]").click()
            mine_zh = _until(driver, lambda s: "不少于8平方公里" in s["headline"]
                             and s["charts"] == 2 and not s["greyed"],
                             always=chinese_everywhere)
            assert "第一批" in mine_zh["main"] and "小型情景" in mine_zh["main"]
            assert "土地整备年度释放能力" not in mine_zh["main"]  # the baseline's lever

            yaml_text = driver.execute_async_script(
                "const done = arguments[0];"
                "fetch(document.getElementById('downloads-yaml').href).then(r => r.text()).then(done)")
            assert yaml_text.startswith("# mine:") and "\nname: mine\n" in yaml_text
            report = driver.execute_async_script(
                "const done = arguments[0];"
                "fetch(document.getElementById('downloads-report').href).then(r => r.text()).then(done)")
            assert 'lang="zh' in report and "小型情景" in report, report[:300]
            assert "Consolidation throughput" not in report and "土地整备年度释放能力" not in report
    finally:
        proc.kill()
        proc.wait(timeout=20)
