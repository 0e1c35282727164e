"""The report as a reader sees it: headless Chromium loads, renders and measures it.

Needs Debian's chromium and chromium-driver (installed by `make test` and .ci/run).
Outside CI the tests skip if they are missing; in CI (CI=true) they fail instead.
"""

import contextlib
import json
from pathlib import Path

import pytest
from browser import chromium
from conftest import ROOT
from PIL import Image, ImageStat

import simulator.cli as cli
from simulator.report.formatting import pct


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


@pytest.fixture
def run_folder(bilingual_baseline):
    return bilingual_baseline


def open_page(driver, path):
    """(URLs the page requested, requests that failed): only the page's own — a browser
    just started may still be loading its new-tab page's chrome:// resources."""
    driver.get_log("performance")  # drop earlier entries
    uri = path.resolve().as_uri()
    driver.get(uri)
    assert driver.execute_script("return document.readyState") == "complete"
    events = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    sent = [e["params"] for e in events if e["method"] == "Network.requestWillBeSent"
            and e["params"].get("documentURL") == uri]
    ours = {p["requestId"] for p in sent}
    failed = [e["params"] for e in events if e["method"] == "Network.loadingFailed"
              and e["params"]["requestId"] in ours]
    return [p["request"]["url"] for p in sent], failed


@pytest.mark.slow
def test_english_report_loads_offline_and_every_image_decodes(browser, run_folder, tmp_path):
    requested, failed = open_page(browser, run_folder / "report.html")
    assert failed == []
    assert requested and all(u.startswith(("file:", "data:")) for u in requested), requested
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(images) == 7  # six, and the levers' tornado
    assert all(done and w > 300 and h > 100 for done, w, h in images), images
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))
    with Image.open(shot) as image:
        assert image.width >= 1000
        assert ImageStat.Stat(image.convert("L")).stddev[0] > 10  # not a blank page


@pytest.mark.slow  # a browser and a bilingual run: make test runs it
def test_headline_probability_is_the_summarys(browser, run_folder):
    open_page(browser, run_folder / "report.html")
    summary = json.loads((run_folder / "summary.json").read_text())
    binding = next(t for t in summary["targets"] if t["name"] == "binding-2025")
    element = browser.find_element("id", "headline-probability")
    assert float(element.get_attribute("data-probability")) == binding["probability"]
    assert element.text == pct(binding["probability"])
    assert element.is_displayed()


GLYPHS = """
const el = document.getElementById('headline');
const family = getComputedStyle(el).fontFamily;
function draw(ch) {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d'); g.font = '48px ' + family; g.fillStyle = '#000';
  g.fillText(ch, 4, 52);
  return {pixels: Array.from(g.getImageData(0, 0, 64, 64).data), width: g.measureText(ch).width};
}
const a = draw('土'), b = draw('地'), latin = draw('x');
const ink = p => p.filter((v, i) => i % 4 === 3 && v > 0).length;
const same = (p, q) => p.every((v, i) => v === q[i]);
return {distinct: !same(a.pixels, b.pixels), inkA: ink(a.pixels), inkB: ink(b.pixels),
        widthA: a.width, widthLatin: latin.width,
        text: el.innerText, rendered: el.getBoundingClientRect().width};
"""


def test_chinese_report_renders_cjk_glyphs(browser, run_folder):
    requested, failed = open_page(browser, run_folder / "report.zh.html")
    assert failed == [] and all(u.startswith(("file:", "data:")) for u in requested)
    glyphs = browser.execute_script(GLYPHS)
    assert "平方公里" in glyphs["text"] and glyphs["rendered"] > 200
    # without a CJK font both characters would render as the same empty box
    assert glyphs["distinct"], "土 and 地 render identically: no CJK font"
    assert glyphs["inkA"] > 100 and glyphs["inkB"] > 100
    # CJK glyphs are full-width: about the font size, far wider than a Latin x
    assert 40 <= glyphs["widthA"] <= 56 and glyphs["widthA"] > 1.5 * glyphs["widthLatin"]
    images = browser.execute_script(
        "return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert images == [True] * 7  # six, and the levers' tornado


@pytest.fixture(scope="session")
def study_folders(made_once):
    """``study_folders(kind)``: (folder, JSON file, headline key) of a study of that kind
    with en and zh reports. Each is made once for both workers, on its own, so that the
    parametrised tests below, spread over the workers, make theirs side by side."""
    def folder_of(kind: str):
        out = made_once(f"browser-{kind}", STUDIES[kind])
        return {"discover": (out, "discover.json", "density"),
                "solve": (out, "solve.json", "value"),
                "calibrate": (out, "summary.json", "ess"),
                "backtest": (out, "backtest.json", "skill"),
                "sweep": (out, None, "batch-3.probability"),
                "sensitivity": (out, None, "binding-2025 km²")}[kind]

    return folder_of


def make_discovery(out: Path) -> None:
    """A discovery on a synthetic finished sweep."""
    import numpy as np
    import pandas as pd

    from simulator.study.discover import discover_sweep

    sweep = out.with_name(out.name + "-sweep")
    sweep.mkdir()
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.random((300, 3)), columns=["x1", "x2", "x3"])
    fail = (x.x1 < 0.4) & (x.x2 > 0.6)
    x.assign(**{"t.probability": np.where(fail, 0.2, 0.8)}).to_csv(sweep / "points.csv",
                                                                    index=False)
    (sweep / "sweep.json").write_text(json.dumps({"format_version": 1,
                                                  "parameters": ["x1", "x2", "x3"],
                                                  "base_scenario": "synthetic", "seed": 0,
                                                  "replications_per_point": 100}))
    discover_sweep(sweep, "t", out, langs=("en", "zh"))


def make_sweep(out: Path) -> None:
    """A two-by-two sweep (its headline number is in its table)."""
    spec = out.with_name(out.name + ".yaml")
    spec.write_text(f"""\
name: two
base: {ROOT / "scenarios" / "baseline.yaml"}
replications: 200
design: grid
target: batch-3
parameters:
  - {{path: pathways.consolidation.annual_cap, levels: [3, 8]}}
  - {{path: correlation.pathway_factor_sigma, levels: [0.1, 0.4]}}
""")
    landsim("sweep", spec, "--lang", "en,zh", "--out", out, "-q")


HISTORY = ROOT / "scenarios" / "history"


def landsim(*args) -> None:
    assert cli.main([str(a) for a in args]) == 0, args


STUDIES = {
    "discover": make_discovery,
    "solve": lambda out: landsim(
        "solve", ROOT / "scenarios" / "buffered-programme.yaml", "--target", "plan-2035",
        "--probability", "0.5", "--lever", "programme=1:1.5", "-n", 300, "--lang", "en,zh",
        "--out", out, "-q"),
    "calibrate": lambda out: landsim(
        "calibrate", HISTORY / "city-2019-2021.yaml", "-n", 3000, "--lang", "en,zh", "--out",
        out, "-q"),
    "backtest": lambda out: landsim(
        "backtest", HISTORY / "cases.yaml", "-n", 300, "--lang", "en,zh", "--out", out),
    "sweep": make_sweep,
    "sensitivity": lambda out: landsim(
        "sensitivity", ROOT / "scenarios" / "baseline.yaml", "--params",
        "pathways.consolidation.annual_cap=2:6", "--method", "oat", "-n", 200, "--lang",
        "en,zh", "--out", out, "-q"),
}
"""How each kind of study the browser tests open is made, into the folder given."""


def headline_number(folder, data_file, key) -> float:
    """The number a study's headline states, from its JSON or (sweep, sensitivity) its table."""
    import pandas as pd

    if data_file is not None:
        return json.loads((folder / data_file).read_text())[key]
    if (folder / "sweep.json").exists():  # the best probability over the points
        return float(pd.read_csv(folder / "points.csv")[key].max())
    indices = pd.read_csv(folder / "indices.csv")  # the largest swing of the headline's km²
    return float(indices[indices.output == key].swing.max())


@pytest.mark.parametrize("study", ["discover", "solve", "calibrate", "backtest", "sweep",
                                   "sensitivity"])
@pytest.mark.slow
def test_study_reports_load_offline_decode_and_state_the_json_number(browser, study_folders,
                                                                     study):
    folder, data_file, key = study_folders(study)
    for name in ("report.html", "report.zh.html"):
        requested, failed = open_page(browser, folder / name)
        assert failed == [] and all(u.startswith(("file:", "data:")) for u in requested)
        images = browser.execute_script(
            "return Array.from(document.images).map(i => i.complete && i.naturalWidth > 300)")
        assert images and all(images)
        headline = browser.find_element("id", "headline")
        expected = headline_number(folder, data_file, key)
        # exact against JSON; to the 6 significant digits a CSV table keeps
        assert float(headline.get_attribute("data-value")) == (
            expected if data_file else pytest.approx(expected, rel=1e-5))
        assert headline.is_displayed() and headline.text
    glyphs = browser.execute_script(GLYPHS)  # the zh page is the one loaded last
    assert glyphs["distinct"] and glyphs["inkA"] > 100


@contextlib.contextmanager
def a4_width(driver):
    """The window at A4 width (794 CSS pixels: 210 mm at 96 dpi), as a report is pasted."""
    driver.set_window_size(794, 1600)
    try:
        yield
    finally:
        driver.set_window_size(1100, 1600)


_BROKEN_WORDS = """
const CJK = /[\\u3400-\\u9fff]/;
const broken = [];
for (const cell of document.querySelectorAll('td:not(.note), th')) {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    let prev = null;  // a break inside one text node: never at a <br>
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const ch = node.data[i], top = rects[0].top;
      if (prev && top > prev.top + 2 && CJK.test(ch) && CJK.test(prev.ch))
        broken.push(node.data.slice(Math.max(0, i - 4), i) + '/' + node.data.slice(i, i + 4));
      prev = {ch: ch, top: top};
    }
  }
}
return broken;
"""


@pytest.mark.slow
def test_chinese_table_cells_never_break_inside_a_word(browser, run_folder):
    # A4 at 96 dpi is 794 CSS pixels wide: the width a report writer pastes at. The
    # reviewer saw "在库储/备" and "土地整/备": a line break between two Chinese characters
    # of one term. Cells of terms and numbers break only at spaces and punctuation.
    with a4_width(browser):
        open_page(browser, run_folder / "report.zh.html")
        assert browser.execute_script("return document.querySelectorAll('td').length") > 50
        assert browser.execute_script(_BROKEN_WORDS) == []


_PATH_BREAKS = """
const bad = [];
for (const code of document.querySelectorAll('code.path')) {
  const text = code.textContent;
  let prevTop = null, seen = 0;
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    for (let i = 0; i < node.length; i++, seen++) {
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const top = rects[0].top;
      // a new line may start only after a '.' or at a '['
      if (prevTop !== null && top > prevTop + 2 && text[seen - 1] !== '.' && text[seen] !== '[')
        bad.push(text.slice(0, seen) + ' / ' + text.slice(seen));
      prevTop = top;
    }
  }
}
return [document.querySelectorAll('code.path').length, bad];
"""


@pytest.mark.slow
@pytest.mark.parametrize("page", ["report.html", "report.zh.html"])
def test_key_paths_break_only_between_their_parts(browser, run_folder, page):
    # "pathways.consolidat / ion.annual_cap" in the lever table: a path breaks at its dots
    with a4_width(browser):
        open_page(browser, run_folder / page)
        count, bad = browser.execute_script(_PATH_BREAKS)
        assert count > 20 and bad == []
        # each lever is named in words first, its path under it in small type
        first = browser.execute_script(
            "return [...document.querySelectorAll('#levers tbody td:first-child')]"
            ".map(td => td.firstChild.textContent)")
        assert first and all(name and "." not in name.split(",")[0] for name in first)


@pytest.mark.slow
@pytest.mark.parametrize("page", ["report.html", "report.zh.html"])
def test_the_report_fits_an_a4_page_width(browser, run_folder, page):
    # terms that never break (keep-all) must not push a table past the page's edge
    with a4_width(browser):
        open_page(browser, run_folder / page)
        wide = browser.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [...document.querySelectorAll('table')]"
            ".filter(t => t.getBoundingClientRect().right > w + 1).map(t => t.id);")
        assert wide == []
