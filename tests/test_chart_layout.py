"""Charts a report writer can paste: no label over a line or another label, no legend over
data, nothing outside the figure — read from the drawn artists' window extents, for every
chart of a run, in English and Chinese (issue 27, item 4)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from simulator import load_scenario, simulate
from simulator.report import charts
from simulator.report.rundata import RunData
from simulator.report.style import chart_style
from simulator.study.levers import lever_effects

PAD = 1.0  # display pixels: boxes that only touch do not overlap


def _shrunk(box):
    return box.x0 + PAD, box.y0 + PAD, box.x1 - PAD, box.y1 - PAD


def _boxes_overlap(a, b) -> bool:
    ax0, ay0, ax1, ay1 = _shrunk(a)
    bx0, by0, bx1, by1 = _shrunk(b)
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def _inside(points: np.ndarray, box) -> np.ndarray:
    x0, y0, x1, y1 = _shrunk(box)
    return ((points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0)
            & (points[:, 1] < y1))


def _line_points(line: Line2D) -> np.ndarray:
    """A drawn line in display coordinates, sampled densely along its segments (and its
    markers): what a label must not sit on."""
    xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2:
        return xy
    if line.get_linestyle() in ("None", "none", " ", ""):
        return xy
    steps = np.linspace(0, 1, 40)[:, None]
    return np.vstack([a + steps * (b - a) for a, b in zip(xy[:-1], xy[1:], strict=True)])


def layout_problems(fig) -> list[str]:
    """What overlaps in ``fig`` as drawn: text on text, text on a legend, a legend on data,
    an annotation on a plotted line, anything outside the figure."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = [lg for lg in [*(a.get_legend() for a in fig.axes), *fig.legends] if lg]
    in_legend = {id(t) for lg in legends for t in lg.get_texts()}
    ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
             for t in axis.get_ticklabels(which="both")}
    drawn_ticks = [tick.label1 for ax in fig.axes if ax.get_visible() and ax.axison
                   for axis in (ax.xaxis, ax.yaxis)
                   for tick in axis._update_ticks()]  # only ticks inside the view are drawn
    texts = [t for t in [*fig.findobj(Text), *drawn_ticks] if t.get_visible()
             and t.get_text().strip() and id(t) not in in_legend and t.figure is fig
             and (id(t) not in ticks or t in drawn_ticks)]
    texts = list({id(t): t for t in texts}.values())
    boxes = [(t, t.get_window_extent(renderer)) for t in texts]
    problems = []
    whole = fig.bbox
    for t, box in boxes:
        if box.x0 < whole.x0 - 1 or box.x1 > whole.x1 + 1 or box.y0 < whole.y0 - 1 \
                or box.y1 > whole.y1 + 1:
            problems.append(f"outside the figure: {t.get_text()!r}")
    for i, (a, abox) in enumerate(boxes):
        for b, bbox in boxes[i + 1:]:
            if _boxes_overlap(abox, bbox):
                problems.append(f"text on text: {a.get_text()!r} / {b.get_text()!r}")
    legend_boxes = [lg.get_window_extent(renderer) for lg in legends]
    for t, box in boxes:
        for lbox in legend_boxes:
            if _boxes_overlap(box, lbox):
                problems.append(f"text on the legend: {t.get_text()!r}")
    for ax in fig.axes:
        lines = [ln for ln in ax.lines if ln.get_visible() and len(ln.get_xdata())]
        bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_visible()
                and p.get_width() * p.get_height() != 0]
        for lbox in legend_boxes:
            for ln in lines:
                if _inside(_line_points(ln), lbox).any():
                    problems.append(f"legend on a line: {ln.get_label()!r}")
            for bar in bars:
                if _boxes_overlap(bar.get_window_extent(renderer), lbox):
                    problems.append("legend on a bar")
                    break
        for t in ax.texts:  # annotations: target labels, P50/P80, the status date
            if not t.get_visible() or not t.get_text().strip():
                continue
            box = t.get_window_extent(renderer)
            for ln in lines:
                if _inside(_line_points(ln), box).any():
                    problems.append(f"label on a line: {t.get_text()!r} on {ln.get_label()!r}")
    return sorted(set(problems))


def _run(name: str, replications: int = 300, levers: bool = False) -> RunData:
    import dataclasses

    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    run = RunData.from_result(simulate(scenario, replications=replications, seed=0))
    if levers:
        run = dataclasses.replace(run, levers=lever_effects(scenario, replications=200, seed=0))
    return run


@pytest.fixture(scope="module")
def runs():
    # plan-2024 has the status and office charts; the baseline's levers (unmanaged, quick)
    # give the tornado. Each made on first use.
    made: dict[str, RunData] = {}

    def get(name: str) -> RunData:
        if name not in made:
            made[name] = _run(name, levers=name == "baseline")
        return made[name]

    return get


CASES = [(s, lang) for s in ("baseline", "plan-2024") for lang in ("en", "zh")]


@pytest.mark.slow  # every chart of two runs in two languages: make test runs it
@pytest.mark.parametrize("scenario, lang", CASES)
def test_no_chart_has_a_label_over_a_line_or_a_legend_over_data(runs, scenario, lang):
    run = runs(scenario)
    found = {}
    for name, draw in charts.charts_for(run):
        with chart_style(lang):
            drawn = draw(run, lang=lang)
            ax = drawn[0] if isinstance(drawn, list) else drawn
            # as save_chart lays it out, drawn once (not saved as PNG and SVG)
            charts.finish_chart(ax, "caption · 300 replications · seed 0")
            problems = layout_problems(ax.figure)
        if problems:
            found[name] = problems
    assert found == {}


def test_the_checker_finds_what_it_looks_for():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.annotate("on the line", (0.5, 0.5))
    ax.text(0.1, 0.9, "one")
    ax.text(0.1, 0.9, "two")
    ax.legend(loc="center")
    found = " | ".join(layout_problems(fig))
    assert "label on a line: 'on the line'" in found and "text on text" in found
    assert "legend on a line" in found
