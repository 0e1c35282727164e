"""Charts draw what the results say: data read back from the matplotlib objects."""

import json
import textwrap
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import NEGOTIATION, scenario
from matplotlib.collections import PolyCollection
from PIL import Image

from simulator import SimulationResult
from simulator.model.engines import ChunkOutcome
from simulator.report import RunData, charts
from simulator.report.style import ReportError

SCN = scenario("""
    name: synthetic
    horizon: {start: 2022, end: 2024}
    targets:
      - {name: cumulative, by: 2023, km2: 3}
      - {name: window, from: 2024, by: 2024, km2: 1}
      - {name: end, by: 2024, km2: 5}
    pathways:
      a: {label: "Consolidation (土地整备)", plan: {2022: 2.0, 2023: 1.0}, projects: 2,
          stages: [{name: s, duration: 1}]}
      b: {plan: {2024: 2.0}, projects: 1, stages: [{name: s, duration: 1}]}
""")

# annual[r, year, pathway]: 4 replications, years 2022–2024, pathways a, b
ANNUAL = np.array([
    [[2.0, 0.0], [1.0, 0.0], [0.0, 2.0]],   # cumulative 2, 3, 5
    [[1.0, 0.0], [1.0, 0.0], [1.0, 0.5]],   # 1, 2, 3.5
    [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],   # 0, 0, 0
    [[2.0, 1.0], [0.0, 0.0], [0.0, 0.9]],   # 3, 3, 3.9
])


@pytest.fixture(scope="module")
def run():
    zeros = np.zeros((4, 2))
    result = SimulationResult.from_outcome(SCN, ChunkOutcome(ANNUAL, zeros, zeros, zeros),
                                           seed=7, engine="test")
    return RunData.from_result(result)


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_fan_chart_draws_median_plan_bands_and_targets(run):
    ax = charts.fan_chart(run)
    lines = lines_by_label(ax)
    np.testing.assert_allclose(lines["Median"].get_xdata(), [2022, 2023, 2024])
    np.testing.assert_allclose(lines["Median"].get_ydata(), np.median([[2, 1, 0, 3], [3, 2, 0, 3],
                                                                        [5, 3.5, 0, 3.9]], axis=1))
    np.testing.assert_allclose(lines["Plan"].get_ydata(), [2, 3, 5])  # cumulative plan
    # cumulative targets over all pathways are marked (the window target is not)
    target_marks = [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in ax.get_lines()
                    if ln.get_marker() == "D"]
    assert target_marks == [(2023, 3), (2024, 5)]
    texts = [t.get_text().replace("\n", " ") for t in ax.texts]  # in the right margin
    assert "cumulative: 50.0%" in texts and "end: 25.0%" in texts
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2  # 80 % and 50 %
    top = bands[0].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(np.quantile([5, 3.5, 0, 3.9], 0.9))


def test_target_odds_bars_and_intervals(run):
    ax = charts.target_odds_chart(run)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([50.0, 50.0, 25.0, 25.0])  # three targets, then joint
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["cumulative", "window", "end", "All targets"]


def test_pathway_release_stacks_means_against_plan(run):
    ax = charts.pathway_release_chart(run)
    bars = ax.patches
    a = [p.get_height() for p in bars[:3]]
    b = [p.get_height() for p in bars[3:6]]
    assert a == pytest.approx(ANNUAL[:, :, 0].mean(axis=0))
    assert b == pytest.approx(ANNUAL[:, :, 1].mean(axis=0))
    assert [p.get_y() for p in bars[3:6]] == pytest.approx(a)  # stacked on a
    np.testing.assert_allclose(lines_by_label(ax)["Planned"].get_ydata(), [2, 1, 2])
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"Consolidation", "b", "Planned"}


def test_shortfall_compares_planned_and_released_per_target_year(run):
    ax = charts.shortfall_chart(run)
    heights = [p.get_height() for p in ax.patches]
    # target years 2023, 2024; per year: planned (a, b), then released (a, b)
    assert heights[:4] == pytest.approx([3.0, 0.0, ANNUAL[:, :2, 0].sum(1).mean(),
                                         ANNUAL[:, :2, 1].sum(1).mean()])
    assert heights[4:] == pytest.approx([3.0, 2.0, ANNUAL[:, :, 0].sum(1).mean(),
                                         ANNUAL[:, :, 1].sum(1).mean()])


def test_s_curve_and_p_years(run):
    ax = charts.s_curve_chart(run)
    curves = {ln.get_label().split(":")[0]: ln for ln in ax.get_lines()
              if "km²" in ln.get_label()}
    # cumulative ≥ 3 by 2022: 1/4 (replication 3), by 2023: 2/4, by 2024: 3/4
    np.testing.assert_allclose(curves["cumulative, 3 km²"].get_ydata(), [25, 50, 75])
    np.testing.assert_allclose(curves["window, 1 km²"].get_xdata(), [2024])
    assert charts.p_years(run, "cumulative", 0.5) == 2023
    assert charts.p_years(run, "cumulative", 0.8) is None
    # the P50/P80 years are named in each curve's legend entry, not over the curves
    entries = {ln.get_label() for ln in ax.get_lines()}
    assert "cumulative, 3 km²: P50 2023" in entries and not ax.texts


def test_distributions_sum_to_100_percent_with_target_lines(run):
    axes = charts.distributions_chart(run)
    assert len(axes) == 3
    for ax, target in zip(axes, run.targets, strict=True):
        (steps,) = ax.patches  # one filled outline a panel
        values = steps.get_data().values
        assert values.sum() == pytest.approx(100) and (values >= 0).all()
        assert ax.get_lines()[0].get_xdata()[0] == target["km2"]
        assert ax.get_title().split("\n")[0] == target.get("label", target["name"])


def test_draw_charts_writes_valid_png_and_svg(run, tmp_path):
    files = charts.draw_charts(run, tmp_path, lang="en")
    assert [f.name for f in files] == [name for name, _ in charts.CHARTS]
    for f in files:
        with Image.open(f.png) as image:
            image.verify()
        with Image.open(f.png) as image:
            assert image.width == 1400 and image.height >= 500  # 7-inch figures at 200 dpi
        root = ET.fromstring(f.svg.read_text(encoding="utf-8"))
        assert root.tag.endswith("svg") and 10_000 < f.svg.stat().st_size < 5_000_000
        assert f.title and "synthetic" in f.caption and "seed 7" in f.caption


@pytest.mark.slow
def test_draw_all_runs_closures_on_forked_workers_and_keeps_their_order(run, tmp_path):
    import os

    from simulator.report.style import chart_style
    from simulator.run.backends import start_method

    def job(name, draw):  # a closure: only its index crosses to the worker
        def one():
            with chart_style("en"):
                drawn = draw(run)
                chart = charts.save_chart(drawn, tmp_path / where, name, "caption")
            return chart, os.getpid()
        return one

    jobs = [job(name, draw) for name, draw in charts.CHARTS if name != "distributions"]
    where, ticks = "serial", []
    serial = charts.draw_all(jobs, workers=1, progress=ticks.append)
    where = "parallel"
    parallel = charts.draw_all(jobs, workers=2)
    assert ticks == [1] * len(jobs)
    assert {pid for _, pid in serial} == {os.getpid()}
    # drawn by forked workers, unless this process runs other threads (a test before this
    # one in the same pytest worker may leave one), where forking is unsafe
    forked = start_method() == "fork"
    assert (os.getpid() not in {pid for _, pid in parallel}) == forked
    for (a, _), (b, _) in zip(serial, parallel, strict=True):
        assert a.name == b.name and a.png.read_bytes() == b.png.read_bytes()
    assert [c.name for c, _ in parallel] == [n for n, _ in charts.CHARTS if n != "distributions"]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, None])
def test_the_commands_workers_bound_its_chart_drawing(tmp_path, monkeypatch, workers):
    """`landsim run --workers 1` (and `landsim report --workers 1`) draws its charts in its
    own process, as it simulates; with no --workers they are drawn on forked workers (where
    forking is possible)."""
    import os

    import simulator.cli as cli
    from simulator.run.backends import available_cores, start_method

    drawn_by = tmp_path / "pids"
    real = charts._draw_and_save

    def recording(*args, **kwargs):
        with open(drawn_by, "a") as fh:  # forked workers append to the same file
            fh.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(charts, "_draw_and_save", recording)
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(textwrap.dedent(NEGOTIATION))
    limit = [] if workers is None else ["--workers", str(workers)]
    assert cli.main(["run", str(scenario), "-n", "50", "-q", "--out", str(tmp_path / "o"),
                     *limit]) == 0
    # and so does `landsim report --workers N`, which redraws them
    drawn_by.rename(tmp_path / "pids-run")
    assert cli.main(["report", str(tmp_path / "o"), *limit]) == 0
    for record in (tmp_path / "pids-run", drawn_by):
        pids = {int(line) for line in record.read_text().split()}
        assert len(record.read_text().split()) == len(charts.CHARTS)
        if workers == 1 or available_cores() < 2 or start_method() != "fork":
            assert pids == {os.getpid()}
        else:
            assert os.getpid() not in pids


def test_a_process_limit_bounds_pools_given_no_count():
    from simulator.inputs.errors import RunConfigError
    from simulator.run.backends import (
        LocalBackend,
        available_cores,
        default_processes,
        process_limit,
    )

    assert default_processes() == available_cores() == LocalBackend().workers
    with process_limit(1):
        assert default_processes() == 1 and LocalBackend().workers == 1
        assert LocalBackend(2).workers == min(2, available_cores())  # a count given wins
        with process_limit(None):  # an inner block without a limit lifts it
            assert default_processes() == available_cores()
        assert default_processes() == 1
    assert default_processes() == available_cores()
    for bad in (0, -1, 1.5, True):
        with pytest.raises(RunConfigError, match="whole number"), process_limit(bad):
            pass


def test_simulate_with_all_cores_keeps_to_a_process_limit(monkeypatch):
    from simulator import simulate
    from simulator.run import montecarlo
    from simulator.run.backends import LocalBackend, available_cores, process_limit

    sizes = []

    class Recording(LocalBackend):
        def __init__(self, workers=None):
            super().__init__(workers)
            sizes.append(self.workers)

    monkeypatch.setattr(montecarlo, "LocalBackend", Recording)
    tiny = scenario(NEGOTIATION)
    with process_limit(1):
        limited = simulate(tiny, replications=40_000, workers=None)
    simulate(tiny, replications=40_000, workers=None)
    assert sizes == [1, min(2, available_cores())]  # a pool only without the limit
    assert limited.target_odds().equals(simulate(tiny, replications=40_000).target_odds())


@pytest.mark.slow
def test_chinese_charts_have_every_glyph(run, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        files = charts.draw_charts(run, tmp_path, lang="zh")
    assert files[0].title == "累计释放规模"
    assert "情景synthetic" in files[0].caption  # no space beside a Chinese character
    # glyphs are paths in the SVG: it needs no font to be read
    assert "<text" not in files[0].svg_text and "<path" in files[0].svg_text


def test_no_cjk_font_is_a_clear_error(run, tmp_path, monkeypatch):
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(ReportError, match="fonts-noto-cjk"):
        charts.draw_charts(run, tmp_path / "zh", lang="zh")
    assert not (tmp_path / "zh").exists() or not any((tmp_path / "zh").iterdir())


def test_rundata_from_folder_equals_from_result(tmp_path):
    from simulator import simulate, write_run

    result = simulate(SCN, replications=50, seed=3)
    write_run(result, tmp_path / "run")
    loaded = RunData.load(tmp_path / "run")
    direct = RunData.from_result(result)
    assert loaded.targets == json.loads(json.dumps(direct.targets))
    np.testing.assert_allclose(loaded.s_curve.probability, direct.s_curve.probability)
    np.testing.assert_allclose(loaded.all_pathways().cumulative_p25,
                               direct.all_pathways().cumulative_p25, rtol=1e-5)
    with pytest.raises(ReportError, match="missing summary.json"):
        RunData.load(tmp_path)


STALE_CACHE_SCRIPT = """
import json, sys, warnings
from pathlib import Path
import matplotlib
from matplotlib import font_manager
cache = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
if sys.argv[1] == "strip":
    data = json.loads(cache.read_text())
    data["ttflist"] = [f for f in data["ttflist"] if "CJK" not in f["name"] and "CJK" not in f["fname"]]
    cache.write_text(json.dumps(data))
    sys.exit(0)
assert not any("CJK" in f.name for f in font_manager.fontManager.ttflist), "cache not stale"
from simulator.report.style import cjk_font, chart_style
import matplotlib.pyplot as plt
with chart_style("zh"):
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # "Glyph ... missing from font(s)" becomes an error
        fig, ax = plt.subplots()
        ax.set_title("累计释放规模")
        fig.canvas.draw()
    used = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
print(cjk_font() + "|" + used)
"""


@pytest.mark.slow
def test_chinese_charts_render_with_a_font_cache_older_than_the_font(tmp_path):
    """matplotlib built its font cache before the CJK font was installed (a stale cache)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "MPLBACKEND": "Agg"}
    script = tmp_path / "stale.py"
    script.write_text(STALE_CACHE_SCRIPT)
    # build the cache, then remove the CJK fonts from it, as if installed afterwards
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, check=True)
    subprocess.run([sys.executable, str(script), "strip"], env=env, check=True)
    done = subprocess.run([sys.executable, str(script), "draw"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    family, used = done.stdout.strip().split("|", 1)
    assert "CJK" in family and "CJK" in used


@pytest.mark.parametrize("label", ["cost $\\foo$", "an unbalanced $ sign", "$x^2$"])
def test_users_labels_are_drawn_literally_not_as_tex(label):
    import matplotlib.pyplot as plt

    from simulator.report.style import chart_style

    with chart_style("en"):
        fig, ax = plt.subplots()
        text = ax.set_title(label)
        fig.canvas.draw()  # mathtext would raise ValueError on the first two
        assert text.get_text() == label
    plt.close(fig)
