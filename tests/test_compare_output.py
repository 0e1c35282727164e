"""compare a report writer can paste: the table in the terminal, the change against the
first run, runs told apart by colour and named on the chart (issue 27, item 6)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import ROOT
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

import simulator.cli as cli
from simulator.report.compare import compare_fan_chart
from simulator.report.formatting import pct, pct_range, signed
from simulator.report.i18n import scenario_short
from simulator.report.rundata import RunData
from simulator.report.style import chart_style

NAMES = ("baseline", "consolidation-push", "renewal-downturn")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("cmp")
    for name in NAMES:
        assert cli.main(["run", str(ROOT / "scenarios" / f"{name}.yaml"), "-n", "300", "-q",
                         "--no-report", "--out", str(base / name)]) == 0
    return [base / n for n in NAMES]


def test_the_terminal_shows_the_table_with_changes(folders, tmp_path, capsys):
    capsys.readouterr()
    assert cli.main(["compare", *map(str, folders), "--out", str(tmp_path / "cmp")]) == 0
    printed = capsys.readouterr().out
    first, second = (json.loads((f / "summary.json").read_text()) for f in folders[:2])
    lines = printed.splitlines()
    assert lines[0].split()[:2] == ["Target", "Scenario"] and "Change against baseline" in lines[0]
    for a, b in zip(first["targets"], second["targets"], strict=True):
        row = next(line for line in lines if "consolidation-push" in line
                   and lines[lines.index(line) - 1].startswith(a["name"]))
        assert pct(b["probability"]) in row and pct_range(*b["ci95"]) in row
        change = signed(100 * (b["probability"] - a["probability"]), 1, "pp")
        assert change in row and signed(b["mean_km2"] - a["mean_km2"], 1, "km²") in row
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert table[table.scenario == "baseline"].change_pp.isna().all()
    row = table[(table.scenario == "consolidation-push") & (table.target == "batch-3")].iloc[0]
    b3 = [x for x in second["targets"] if x["name"] == "batch-3"][0]
    a3 = [x for x in first["targets"] if x["name"] == "batch-3"][0]
    assert row.change_pp == pytest.approx(100 * (b3["probability"] - a3["probability"]), rel=1e-5)
    assert row.change_mean_km2 == pytest.approx(b3["mean_km2"] - a3["mean_km2"], rel=1e-5)
    html = (tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8")
    assert "against baseline" in html


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_have_their_own_colours_and_names_on_the_chart(folders, lang):
    runs = [RunData.load(f) for f in folders]
    with chart_style(lang):
        ax = compare_fan_chart(runs, lang=lang)
        fig = ax.figure
        canvas = FigureCanvasAgg(fig)  # what savefig draws with
        canvas.draw()
        renderer = canvas.get_renderer()
    medians = [line for line in ax.lines if line.get_marker() not in (None, "None", "")]
    colours = {to_hex(line.get_color()) for line in medians}
    assert len(medians) == len(runs) and len(colours) == len(runs)  # not shades of grey
    labels = {a.get_text(): a for a in ax.texts}
    # each run named at its line's end — in Chinese by its Chinese title, not its key
    assert set(labels) == {scenario_short(r.scenario, lang) for r in runs}
    if lang == "zh":
        assert not {r.name for r in runs} & set(labels)
    boxes = [a.get_window_extent(renderer) for a in labels.values()]
    for i, one in enumerate(boxes):
        assert fig.bbox.contains(one.x0, one.y0) and fig.bbox.contains(one.x1, one.y1)
        for other in boxes[i + 1:]:
            assert not one.overlaps(other)
    legend = ax.get_legend().get_window_extent(renderer)
    assert not any(legend.overlaps(b) for b in boxes)


def test_intervals_use_one_rule_everywhere():
    # the report writer saw "0.00–0.19 %" beside "0.027–0.364 %": two digits of the bound
    # farther from the edges, for every interval
    assert pct_range(0, 0.0019) == "0.00–0.19%"
    assert pct_range(0.00027, 0.00364) == "0.03–0.36%"
    assert pct_range(0.0091, 0.0246) == "0.9–2.5%"
    assert pct_range(0.995, 0.9991) == "99.50–99.91%"
    assert signed(0.04, 1, "pp") == "0.0 pp" and signed(-1.25, 1, "km²") == "−1.2 km²"
