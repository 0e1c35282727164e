"""The report's charts. Each function draws on ``ax`` (a new figure if None) and returns it.

All areas are km². Functions take a :class:`RunData`, so they work the same on a run
loaded from its folder and on a result in memory; :func:`draw_charts` saves them all
(six, a status chart for a run with a status date, and the district map and fans of
:mod:`simulator.report.district_charts` for a run with districts) as PNG (200 dpi) and SVG with a
caption naming the scenario, replications and seed. Labels sit where no line or legend is:
targets named in the right margin, legends under the plot, the status date at the top.
"""

from __future__ import annotations

import functools
import io
import re
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import offset_copy

from simulator.report.district_charts import district_charts_for
from simulator.report.formatting import pct, signed
from simulator.report.i18n import (
    as_of_text,
    bilingual,
    label_of_pathway,
    label_of_target,
    observed_qualifier,
    observed_text,
    scenario_name,
    stage_label,
    t,
)
from simulator.report.rundata import RunData
from simulator.report.style import ACCENT, GREYS, HATCHES, LINESTYLES, MARKERS, chart_style

__all__ = [
    "CHARTS",
    "chart_job",
    "charts_for",
    "levers_chart",
    "finish_chart",
    "save_chart",
    "status_chart",
    "svg_text",
    "ChartFile",
    "chart_title",
    "distributions_chart",
    "draw_all",
    "draw_charts",
    "fan_chart",
    "pathway_release_chart",
    "s_curve_chart",
    "shortfall_chart",
    "target_odds_chart",
]


def _axes(ax: Axes | None, size=(7.0, 4.0)) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").add_subplot()


def wrap_label(text: str, width: int = 12) -> str:
    """A tick label over lines: at a bracket for Chinese, at spaces for other scripts."""
    if re.search(r"[\u3400-\u9fff]", text):
        return re.sub(r"\s*（", "\n（", text, count=1)
    return "\n".join(textwrap.wrap(text, width)) or text


def _at_colon(text: str) -> str:
    """"Batch 3 (2026–2035):\n+27 km², 15.3%": a label over two lines at its colon."""
    return re.sub(r"(: |：)", lambda m: m.group(1).strip() + "\n", text, count=1)


def _cumulative_targets(run: RunData) -> list[dict]:
    return [x for x in run.targets if x["from"] == run.scenario.horizon.start
            and x["pathways"] == "all"]


def _window_targets(run: RunData) -> list[dict]:
    return [x for x in run.targets if x["from"] != run.scenario.horizon.start
            and x["pathways"] == "all"]


def _forecast_targets(run: RunData) -> list[dict]:
    """The targets still open at the status date: history (met or missed, with no
    probability about it) has no bar, curve or histogram of its own."""
    return [x for x in run.targets if not x.get("observed")]


def _observed_note(run: RunData, lang: str) -> str:
    """"Batch 1: missed (observed, illustrative)" for each observed target, one a line."""
    return "\n".join(f"{label_of_target(run.scenario, x['name'], lang)}: "
                     f"{odds_text(x, lang, run.provenance)}"
                     for x in run.targets if x.get("observed"))


def odds_text(target: dict, lang: str, provenance: dict | None = None) -> str:
    """A target's probability as text, or "met/missed (observed)" when it is history —
    "(observed, illustrative)" when the released figures are (``status.provenance``)."""
    if target.get("observed"):
        return observed_text(target["probability"] >= 1, provenance, lang)
    return pct(target["probability"])


def mark_status_date(ax: Axes, run: RunData, lang: str, *, offset: float) -> None:
    """A dotted line at the status date (x = as_of + offset), labelled with the date at the
    top of the axes (where the legend no longer is), if the run has one."""
    if run.status is None:
        return
    as_of = run.status["as_of"]
    ax.axvline(as_of + offset, color=GREYS[2], linewidth=0.8, linestyle=":")
    ax.annotate(t("status_date", lang, as_of=as_of_text(as_of, lang)), (as_of + offset, 1),
                xycoords=("data", "axes fraction"), xytext=(3, -3), va="top",
                textcoords="offset points", fontsize=7, color=GREYS[1], zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})


def legend_below(ax: Axes, ncols: int = 3) -> None:
    """The legend under the plot, outside the data: a legend inside the axes always ends up
    on some scenario's line or bars."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        # anchored to the axes (so the constrained layout makes room for it), below the
        # tick labels and the axis label
        below = offset_copy(ax.transAxes, fig=ax.figure, y=-34 if ax.get_xlabel() else -20,
                            units="points")  # tick labels and the axis label are above
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0),
                  bbox_transform=below, ncols=ncols, fontsize=8, frameon=False)


def label_at_right(ax: Axes, items: list[tuple[float, str, str]], *, x: float) -> None:
    """Direct labels in the right margin, each at the height of what it names (y, data
    units) and pushed apart so that none overlaps another; never on a line in the plot."""
    if not items:
        return
    low, high = ax.get_ylim()
    lines = max(text.count("\n") + 1 for _y, text, _c in items)
    gap = (high - low) * (0.06 * lines + 0.02)  # a label's height on a 4-inch chart
    placed: list[float] = []
    for y, _text, _colour in sorted(items):
        placed.append(max(y, placed[-1] + gap) if placed else y)
    over = placed[-1] - (high - gap / 2)
    if over > 0:  # pushed above the plot: move the whole column down, not below the axis
        placed = [max(low + gap / 2 + k * gap, p - over) for k, p in enumerate(placed)]
    for (y, text, colour), at in zip(sorted(items), placed, strict=True):
        ax.annotate(text, (x, at), xytext=(6, 0), textcoords="offset points", va="center",
                    ha="left", fontsize=7.5, color=colour, annotation_clip=False)


def fan_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Cumulative release by year: median, middle 50 % and 80 % bands, plan, targets."""
    ax = _axes(ax)
    data = run.all_pathways()
    years = data.index.to_numpy()
    history = run.history_years
    forecast = data
    if history:
        # actuals are facts: a line up to the status date, the fan from there on
        # history carries what its figures are (derived, illustrative…) in the legend too
        q = observed_qualifier(run.provenance, lang)
        ax.plot(history, data.cumulative_p50.loc[history], color=GREYS[0], linewidth=2.0,
                marker="o", markersize=3,
                label=t("actual", lang) if q is None else t("actual_q", lang, q=q))
        forecast = data.loc[history[-1]:]
    ahead = forecast.index.to_numpy()
    ax.fill_between(ahead, forecast.cumulative_p10, forecast.cumulative_p90, color=GREYS[4],
                    linewidth=0, label=t("band80", lang))
    ax.fill_between(ahead, forecast.cumulative_p25, forecast.cumulative_p75, color=GREYS[3],
                    linewidth=0, label=t("band50", lang))
    ax.plot(ahead, forecast.cumulative_p50, color=GREYS[0], linewidth=1.8,
            label=t("median", lang))
    # a point at year Y is the release through the end of Y: the status date sits at
    # as_of − 1 on this axis
    mark_status_date(ax, run, lang, offset=-1.0)
    ax.step(years, np.cumsum(data.planned_km2), where="mid", color=GREYS[1], linestyle="--",
            linewidth=1.0, label=t("plan", lang))
    labels = []
    for i, target in enumerate(_cumulative_targets(run)):
        ax.plot([target["by"]], [target["km2"]], marker="D", color=ACCENT, markersize=5,
                linestyle="none", label=t("target", lang) if i == 0 else None)
        label = label_of_target(run.scenario, target["name"], lang)
        labels.append((target["km2"], _at_colon(t("target_pct", lang, label=label,
                       p=odds_text(target, lang, run.provenance))), ACCENT))
    # A window target (km² released in from–by) needs the cumulative release to rise by km²
    # over its window: drawn from the median at the window's start.
    median = dict(zip(years, data.cumulative_p50, strict=True))
    for j, target in enumerate(_window_targets(run)):
        base = median.get(target["from"] - 1, 0.0)
        ax.plot([target["from"] - 1, target["by"]], [base, base + target["km2"]], color=ACCENT,
                linestyle=(0, (2, 2)), linewidth=1.0, marker="^", markersize=4,
                label=t("window_target", lang) if j == 0 else None)
        labels.append((base + target["km2"], _at_colon(t(
            "window_pct", lang, km2=f"{target['km2']:g}",
            p=odds_text(target, lang, run.provenance),
            label=label_of_target(run.scenario, target["name"], lang))), ACCENT))
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("fan.y", lang))
    ax.set_title(t("fan.title", lang))
    ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    ax.set_ylim(bottom=0)
    # each target named in the right margin, joined to its marker: labels inside the plot
    # crossed the plan and median lines
    label_at_right(ax, labels, x=years[-1] + 0.5)
    legend_below(ax)
    return ax


def target_odds_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """One bar per target with its 95 % interval, then the joint probability of all.

    When every probability is below 1 % the bars would be empty; the chart then shows what
    does move instead — the mean km² each target counts against its target km² — and says so.
    """
    ax = _axes(ax)
    targets = _forecast_targets(run) or run.targets
    if max(x["probability"] for x in targets) < SMALL:
        return _counted_km2_chart(run, ax, lang)
    names = [wrap_label(label_of_target(run.scenario, x["name"], lang)) for x in targets]
    probs = [x["probability"] for x in targets]
    cis = [x["ci95"] for x in targets]
    joint = run.summary["joint"]
    if not joint.get("missed_observed"):  # else all together were missed: no bar for it
        names.append(t("all_targets", lang))
        probs.append(joint["probability"])
        cis.append(joint["ci95"])
    x = np.arange(len(names))
    colours = [GREYS[2]] * len(targets) + [GREYS[0]] * (len(names) - len(targets))
    bars = ax.bar(x, np.array(probs) * 100, color=colours, width=0.6)
    # a Wilson bound can sit 1e-17 on the wrong side of p through rounding
    low = [max(0.0, 100 * (p - c[0])) for p, c in zip(probs, cis, strict=True)]
    high = [max(0.0, 100 * (c[1] - p)) for p, c in zip(probs, cis, strict=True)]
    ax.errorbar(x, np.array(probs) * 100, yerr=[low, high], fmt="none", ecolor=GREYS[0],
                capsize=3, linewidth=0.9, label=t("ci95", lang))
    for bar, p, c in zip(bars, probs, cis, strict=True):  # above the interval's top
        ax.annotate(pct(p), (bar.get_x() + bar.get_width() / 2, max(p, c[1]) * 100),
                    textcoords="offset points", xytext=(0, 5), ha="center", fontsize=8)
    ax.set_xticks(x, names, rotation=0)
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylabel(t("odds.y", lang))
    ax.set_title(t("odds.title", lang))
    ax.legend(loc="upper right")
    _note_observed(ax, run, lang)
    return ax


def _note_observed(ax: Axes, run: RunData, lang: str) -> None:
    """Observed targets as a line of text in the chart's corner, not as 0 %/100 % bars."""
    note = _observed_note(run, lang)
    if note:
        ax.text(0.01, 0.97, note, transform=ax.transAxes, ha="left", va="top", fontsize=8,
                color=ACCENT)


SMALL = 0.05
"""Below this probability for every target, the odds chart shows km² instead of bars that
would be too short to read."""


def _counted_km2_chart(run: RunData, ax: Axes, lang: str) -> Axes:
    targets = _forecast_targets(run) or run.targets
    names = [wrap_label(label_of_target(run.scenario, x["name"], lang)) for x in targets]
    x = np.arange(len(names))
    mean = np.array([r["mean_km2"] for r in targets])
    goal = np.array([r["km2"] for r in targets])
    ax.bar(x, mean, color=GREYS[2], width=0.6, label=t("counted_mean", lang))
    ax.plot(x, goal, linestyle="none", marker="D", color=ACCENT, markersize=6,
            label=t("target", lang))
    for i, r in enumerate(targets):
        ax.annotate(f"{r['mean_km2']:.1f} / {r['km2']:g}", (x[i], max(mean[i], goal[i])),
                    textcoords="offset points", xytext=(0, 5), ha="center", fontsize=8)
    ax.set_xticks(x, names, rotation=0)
    ax.set_ylim(0, max(goal.max(), mean.max()) * 1.18)
    ax.set_ylabel(t("fan.y", lang))
    ax.set_title(t("odds.small_title", lang))
    ax.text(0.99, 0.97, t("odds.small_note", lang), transform=ax.transAxes, ha="right",
            va="top", fontsize=8, color=ACCENT, wrap=True)
    ax.legend(loc="upper left")
    note = _observed_note(run, lang)
    if note:
        ax.text(0.99, 0.80, note, transform=ax.transAxes, ha="right", va="top", fontsize=8,
                color=ACCENT)
    return ax


def pathway_release_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Mean annual release stacked by pathway (bars) against the planned release (steps)."""
    ax = _axes(ax)
    names = list(run.scenario.pathways)
    years = run.all_pathways().index.to_numpy()
    bottom = np.zeros(len(years))
    for i, name in enumerate(names):
        rows = run.annual[run.annual.pathway == name].set_index("year").loc[years]
        label = label_of_pathway(run.scenario, name, lang)
        ax.bar(years, rows.release_mean, bottom=bottom, width=0.7, color=GREYS[1 + i % 4],
               hatch=HATCHES[i % len(HATCHES)], edgecolor="white", linewidth=0.4, label=label)
        bottom += rows.release_mean.to_numpy()
    ax.step(years, run.all_pathways().planned_km2, where="mid", color=ACCENT, linewidth=1.2,
            linestyle="--", label=t("planned", lang))
    mark_status_date(ax, run, lang, offset=-0.5)  # bars are centred on their year
    top = max(bottom.max(), run.all_pathways().planned_km2.max())
    ax.set_ylim(0, top * 1.12)  # room at the top for the status date's label
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("pathways.y", lang))
    ax.set_title(t("pathways.title", lang))
    legend_below(ax)
    return ax


def shortfall_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """By pathway: planned vs mean released (cumulative km²) at each target year."""
    ax = _axes(ax)
    names = list(run.scenario.pathways)
    target_years = sorted({x["by"] for x in run.targets})
    width = 0.8 / len(target_years)
    x = np.arange(len(names))
    for k, year in enumerate(target_years):
        rows = run.annual[run.annual.year == year].set_index("pathway").loc[names]
        planned = [run.annual[(run.annual.pathway == n) & (run.annual.year <= year)]
                   .planned_km2.sum() for n in names]
        offset = (k - (len(target_years) - 1) / 2) * width
        ax.bar(x + offset, planned, width=width * 0.95, color="white", edgecolor=GREYS[1],
               linewidth=0.8, label=t("planned", lang) if k == 0 else None)
        ax.bar(x + offset, rows.cumulative_mean, width=width * 0.6, color=GREYS[1 + k % 4],
               hatch=HATCHES[k % len(HATCHES)], edgecolor="white", linewidth=0.3,
               label=f"{t('released', lang)}, {t('by_end', lang, year=year)}")
    labels = [label_of_pathway(run.scenario, n, lang) for n in names]
    ax.set_xticks(x, [textwrap.fill(label, 16 if lang == "en" else 6) for label in labels],
                  fontsize=8)
    ax.set_ylabel(t("shortfall.y", lang))
    ax.set_title(t("shortfall.title", lang))
    ax.legend(loc="upper right")
    return ax


def p_years(run: RunData, target: str, level: float) -> int | None:
    """First year by which the target is reached with probability ≥ level, else None."""
    rows = run.s_curve[(run.s_curve.target == target) & (run.s_curve.probability >= level)]
    return int(rows.year.min()) if len(rows) else None


def s_curve_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """P(target's km² reached by year X) for X across the horizon; the P50 and P80 years
    marked on each curve and named in its legend entry (labels on the curves collided with
    each other and with the legend)."""
    ax = _axes(ax)
    drawn: list[tuple[np.ndarray, str]] = []  # each curve so far and its label
    for i, target in enumerate(_forecast_targets(run)):
        rows = run.s_curve[run.s_curve.target == target["name"]]
        same = next((name for curve, name in drawn
                     if curve.shape == rows.probability.shape
                     and np.allclose(curve, rows.probability.to_numpy(), atol=1e-12)), None)
        reached = []
        for level, marker in ((0.5, "s"), (0.8, "^")):
            year = p_years(run, target["name"], level)
            if year is not None:
                p = float(rows[rows.year == year].probability.iloc[0]) * 100
                ax.plot([year], [p], marker=marker, color=ACCENT, markersize=6, linestyle="none")
                reached.append(f"P{int(level * 100)} {year}")
        name = label_of_target(run.scenario, target["name"], lang)
        label = t("scurve.entry", lang, label=name, km2=f"{target['km2']:g}",
                  reached=t("list_sep", lang).join(reached) if reached
                  else t("scurve.not_reached", lang))
        if same is not None:  # one line would hide the other: say so, draw it hollow
            label += t("scurve.same", lang, other=same)
        ax.plot(rows.year, rows.probability * 100, color=GREYS[i % 3],
                linestyle=LINESTYLES[i % len(LINESTYLES)], marker=MARKERS[i % len(MARKERS)],
                markersize=7 if same is not None else 3.5,
                markerfacecolor="none" if same is not None else None,
                linewidth=1.3, label=label)
        drawn.append((rows.probability.to_numpy(), name))
    for level in (50, 80):
        ax.axhline(level, color=GREYS[3], linewidth=0.7, linestyle=":")
    mark_status_date(ax, run, lang, offset=-1.0)  # points are "by the end of year X"
    # room above 100 % for the status date's label: curves that reach 100 % early ran under it
    ax.set_ylim(-2, 114 if run.status is not None else 102)
    ax.set_yticks(range(0, 101, 20))
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("scurve.y", lang))
    ax.set_title(t("scurve.title", lang))
    legend_below(ax, ncols=2)
    return ax


def distributions_chart(run: RunData, axes=None, *, lang: str = "en") -> list[Axes]:
    """Histogram of each target's counted release, the target as a vertical line."""
    targets = _forecast_targets(run) or run.targets
    n = len(targets)
    if axes is None:
        cols = min(n, 3)
        rows = -(-n // cols)
        fig = Figure(figsize=(7.0, 2.3 * rows + 0.6), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel()))
        for extra in axes[n:]:
            extra.set_visible(False)
    for ax, target in zip(axes, targets, strict=False):
        rows = run.histograms[run.histograms.target == target["name"]]
        share = rows["count"] / rows["count"].sum() * 100
        # one filled outline, not 40 bars: a tenth of the artists to lay out and draw
        edges = np.append(rows.km2_low.to_numpy(), rows.km2_high.to_numpy()[-1])
        ax.stairs(share.to_numpy(), edges, fill=True, color=GREYS[2], linewidth=0)
        ax.axvline(target["km2"], color=ACCENT, linewidth=1.4)
        # label and odds on two lines: a third of the figure's width does not hold both
        # for labels such as "Binding target 2022–2025" (the title ran off the figure)
        ax.set_title(f"{label_of_target(run.scenario, target['name'], lang)}\n"
                     f"{odds_text(target, lang, run.provenance)}", fontsize=9)
        low = min(rows.km2_low.min(), target["km2"])
        high = max(rows.km2_high.max(), target["km2"])
        pad = 0.05 * (high - low or 1)
        ax.set_xlim(low - pad, high + pad)
    cols = len({round(ax.get_position().x0, 3) for ax in axes[:n]})
    for i, ax in enumerate(axes[:n]):
        if i + cols >= n:  # the lowest panel of its column
            ax.set_xlabel(t("dist.x", lang), fontsize=8)
        if i % cols == 0:
            ax.set_ylabel(t("dist.y", lang), fontsize=8)
    axes[0].figure.suptitle(t("dist.title", lang), x=0.01, ha="left", fontweight="bold",
                            fontsize=10)
    return axes[:n]


def status_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Each pathway's plan at the status date: released, in progress by stage, not started.

    Horizontal stacked bars (km²), the plan marked; excess over the plan shows as bars
    that run past the mark.
    """
    ax = _axes(ax)
    status = run.status
    names = list(run.scenario.pathways)
    y = np.arange(len(names))[::-1]
    accounts = status["accounting"]
    left = np.array([accounts[n]["released_km2"] for n in names], dtype=float)
    ax.barh(y, left, color=GREYS[0], height=0.6, label=t("released_actual", lang))
    stages = list(dict.fromkeys(row["stage"] for row in status["pipeline"]))
    for k, stage in enumerate(stages):
        km2 = np.array([sum(r["km2"] for r in status["pipeline"]
                            if r["pathway"] == n and r["stage"] == stage) for n in names])
        ax.barh(y, km2, left=left, color=GREYS[1 + k % 3], hatch=HATCHES[k % len(HATCHES)],
                edgecolor="white", linewidth=0.4, height=0.6,
                label=t("in_stage", lang, stage=stage_label(stage, lang)))
        left = left + km2
    rest = np.array([accounts[n]["not_started_km2"] for n in names], dtype=float)
    ax.barh(y, rest, left=left, color="white", edgecolor=GREYS[1], linewidth=0.8, height=0.6,
            label=t("not_started", lang))
    planned = [accounts[n]["planned_km2"] for n in names]
    ax.plot(planned, y, linestyle="none", marker="|", markersize=16, color=ACCENT,
            label=t("plan", lang))
    labels = [label_of_pathway(run.scenario, n, lang) for n in names]
    ax.set_yticks(y, [textwrap.fill(label, 22 if lang == "en" else 10) for label in labels],
                  fontsize=8)
    ax.set_xlabel(t("status.x", lang))
    ax.set_title(t("status.title", lang, as_of=as_of_text(status["as_of"], lang)))
    ax.legend(loc="lower right", fontsize=7)
    return ax


CHARTS = (
    ("fan", fan_chart),
    ("target-odds", target_odds_chart),
    ("pathway-release", pathway_release_chart),
    ("shortfall", shortfall_chart),
    ("s-curve", s_curve_chart),
    ("distributions", distributions_chart),
)
"""(file stem, drawing function) of the report's charts, in report order."""


_SVG_ID = re.compile(r"\b([phm][0-9a-f]{10})\b")


def svg_text(fig: Figure) -> str:
    """The figure as SVG text, the same bytes every time for the same drawing.

    matplotlib names clip paths after object addresses; those names are renumbered in
    order of appearance so that rebuilding a report reproduces its files exactly.
    """
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    names: dict[str, str] = {}
    for found in re.findall(r'id="([phm][0-9a-f]{10})"', text):
        names.setdefault(found, f"{found[0]}{len(names):010d}")
    return _SVG_ID.sub(lambda m: names.get(m.group(1), m.group(1)), text)


@dataclass(frozen=True)
class ChartFile:
    """A saved chart: its title and caption, PNG and SVG paths, and the SVG's text."""

    name: str
    title: str
    caption: str
    png: Path
    svg: Path
    svg_text: str


def levers_chart(run: RunData, axes=None, *, lang: str = "en") -> list[Axes]:
    """Tornado: each lever's effect at its low and high end on the headline target,
    in percentage points (left) and mean km² counted (right), against the scenario as is."""
    data = run.levers
    rows = data["levers"]
    if axes is None:
        fig = Figure(figsize=(7.0, 1.2 + 0.55 * len(rows)), layout="constrained")
        axes = list(fig.subplots(1, 2, sharey=True))
    fig = axes[0].figure
    y = np.arange(len(rows))[::-1]
    # Chinese wraps at its bracket (never between two characters of a word)
    names = [wrap_label(bilingual(r["description"], lang), 24) for r in rows]
    target = label_of_target(run.scenario, data["target"], lang)
    for ax, key, scale, xlabel in ((axes[0], "probability", 100, t("levers.tornado_x", lang)),
                                   (axes[1], "mean_km2", 1, t("levers.km2_x", lang))):
        base = np.array([r["now_probability" if key == "probability" else "now_mean_km2"]
                         for r in rows])
        low = (np.array([r["low"][key] for r in rows]) - base) * scale
        high = (np.array([r["high"][key] for r in rows]) - base) * scale
        ax.barh(y + 0.18, low, height=0.34, color=GREYS[3], edgecolor=GREYS[1], linewidth=0.5,
                label=t("levers.low_end", lang))
        ax.barh(y - 0.18, high, height=0.34, color=GREYS[1], label=t("levers.high_end", lang))
        ax.axvline(0, color=GREYS[0], linewidth=0.8)
        for yy, lo, hi in zip(y, low, high, strict=True):
            for value, dy in ((lo, 0.18), (hi, -0.18)):
                ax.annotate(signed(value, 1), (value, yy + dy), textcoords="offset points",
                            xytext=(3 if value >= 0 else -3, 0), ha="left" if value >= 0
                            else "right", va="center", fontsize=7)
        span = max(np.abs(np.r_[low, high]).max(), 0.5 if key == "probability" else 0.05)
        ax.set_xlim(-span * 1.35, span * 1.35)
        ax.set_xlabel(xlabel)
    axes[0].set_yticks(y, names, fontsize=8)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper right", ncols=2,
               fontsize=7, frameon=False)
    fig.suptitle(t("levers.tornado", lang, target=target), x=0.02, ha="left",
                 fontweight="bold", fontsize=11)
    return axes


def office_chart(run: RunData, ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """What the programme office did: mean km² it started from its pool, by year (stacked
    by pathway), against the pool; the status date marked."""
    ax = _axes(ax)
    data = run.summary["management"]
    years = np.array([int(y) for y in data["started_mean_km2"]])
    names = list(run.scenario.pathways)
    bottom = np.zeros(len(years))
    for i, name in enumerate(names):
        values = np.array([data["started_mean_km2"][str(y)].get(name, 0.0) for y in years])
        if not values.any():
            continue
        ax.bar(years, values, bottom=bottom, width=0.7, color=GREYS[1 + i % 4],
               hatch=HATCHES[i % len(HATCHES)], edgecolor="white", linewidth=0.4,
               label=label_of_pathway(run.scenario, name, lang))
        bottom += values
    pool = sum(o["pool_km2"] for o in data["offices"])
    ax.text(0.99, 0.97, t("office.note", lang, total=f"{data['started_total_mean_km2']:.2f}",
                          pool=f"{pool:g}"),
            transform=ax.transAxes, ha="right", va="top", fontsize=8, color=ACCENT)
    mark_status_date(ax, run, lang, offset=-0.5)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("office.y", lang))
    ax.set_title(t("office.title", lang))
    top = float(bottom.max()) if bottom.any() else 1.0
    ax.set_ylim(0, top * 1.55)  # room above the bars for the note and the legend
    if bottom.any():
        ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.92), ncols=2, fontsize=8)
    return ax


def charts_for(run: RunData) -> tuple:
    """(name, draw) of every chart a run's report has: the status chart only with a status,
    the office's chart only with a programme office, the levers' tornado only when the run
    has levers.json, the district map and fans only when it has districts."""
    extra = ((("status", status_chart),) if run.status is not None else ())
    extra += ((("office", office_chart),) if run.summary.get("management") else ())
    extra += ((("levers", levers_chart),) if run.levers else ())
    return CHARTS + extra + district_charts_for(run)


def draw_charts(run: RunData, folder: str | Path, *, lang: str = "en",
                workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> list[ChartFile]:
    """Draw every chart into ``folder`` as ``<name>.png`` (200 dpi) and ``<name>.svg``.

    In parallel as :func:`draw_all` says; the files are the same either way.
    ``progress(1)`` is called as each chart is finished. Raises ``ReportError`` for
    ``lang="zh"`` without a CJK font.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    caption = t("caption", lang, name=scenario_name(run.scenario, lang),
                n=f"{run.replications:,}", seed=run.seed)
    names = [name for name, _draw in charts_for(run)]
    # the slowest charts first, so that the last to start are quick ones
    slowest = ("district-fans", "distributions")
    order = sorted(names, key=lambda n: slowest.index(n) if n in slowest else len(slowest))
    draws = dict(charts_for(run))
    drawn = draw_all([chart_job(draws[n], run, folder, n, caption, lang=lang) for n in order],
                     lang=lang, workers=workers, progress=progress)
    by_name = dict(zip(order, drawn, strict=True))
    return [by_name[n] for n in names]


_JOBS: list[Callable[[], ChartFile]] = []
"""The jobs of the current :func:`draw_all`: forked workers inherit them, so a job may be
any callable (a closure, a lambda) — only its index and its ChartFile are pickled."""


def draw_all(jobs: Sequence[Callable[[], ChartFile]], *, lang: str = "en",
             workers: int | None = None,
             progress: Callable[[int], None] | None = None) -> list[ChartFile]:
    """Run chart jobs — each draws and saves one chart and returns its ChartFile — in order.

    Runs and studies with more than one chart draw them through here. With two or more
    jobs, they run on ``workers`` processes (default: the cores available, or fewer in a
    :func:`~simulator.run.backends.process_limit` block — a command's ``--workers``) when
    this process can fork cheaply (one thread, Linux), started in the order given; the
    files are the same either way. ``progress(1)`` is called as each job finishes. Raises
    ``ReportError`` for ``lang="zh"`` without a CJK font, before any job starts.
    """
    global _JOBS
    from simulator.run.backends import default_processes, start_method

    with chart_style(lang):  # fail here (a missing CJK font), not in a worker
        pass
    workers = min(default_processes() if workers is None else workers, len(jobs))
    if workers < 2 or start_method() != "fork":
        out = []
        for job in jobs:
            out.append(job())
            if progress is not None:
                progress(1)
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _JOBS = list(jobs)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_run_job, i): i for i in range(len(_JOBS))}
            done: dict[int, ChartFile] = {}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if progress is not None:
                    progress(1)
    finally:
        _JOBS = []
    return [done[i] for i in range(len(jobs))]


def _run_job(index: int) -> ChartFile:
    return _JOBS[index]()


def chart_job(draw: Callable, data, folder: str | Path, name: str, caption: str, *,
              lang: str) -> Callable[[], ChartFile]:
    """A :func:`draw_all` job: ``draw(data, lang=lang)`` (an Axes, or a list whose first
    Axes names the figure) saved as ``<folder>/<name>.png`` and ``.svg`` with ``caption``."""
    return functools.partial(_draw_and_save, draw, data, Path(folder), name, caption, lang)


def _draw_and_save(draw, data, folder: Path, name: str, caption: str, lang: str) -> ChartFile:
    with chart_style(lang):
        drawn = draw(data, lang=lang)
        return save_chart(drawn[0] if isinstance(drawn, list) else drawn, folder, name, caption)


def chart_title(ax: Axes) -> str:
    """A chart's title: its figure's suptitle, else the axes' (left, then centre) title."""
    fig = ax.figure
    return (fig._suptitle.get_text() if fig._suptitle is not None
            else ax.get_title(loc="left") or ax.get_title())


def finish_chart(ax: Axes, caption: str) -> None:
    """What every saved chart has: the caption under it, room for it, long legend entries
    over lines. The layout itself is settled when the figure is drawn."""
    fig = ax.figure
    fig.get_layout_engine().set(rect=(0, 0.045, 1, 0.955))
    fig.text(0.01, 0.01, caption, fontsize=7, color=GREYS[2], ha="left", va="bottom")
    for axes in fig.axes:  # users' long labels (up to 120 characters) over lines
        legend = axes.get_legend()
        for item in legend.get_texts() if legend is not None else []:
            if len(item.get_text()) > 56 and "\n" not in item.get_text():
                item.set_text(textwrap.fill(item.get_text(), 56))


def save_chart(ax: Axes, folder: Path, name: str, caption: str) -> ChartFile:
    """Save ``ax``'s figure as ``<name>.png`` (200 dpi) and ``<name>.svg`` with ``caption``.

    Call inside :func:`chart_style` (fonts). The title is the figure's or the axes'.
    """
    fig = ax.figure
    folder.mkdir(parents=True, exist_ok=True)
    title = chart_title(ax)
    finish_chart(ax, caption)
    with warnings.catch_warnings():
        # a layout that cannot fit is drawn as it is; the warning would reach users' stderr
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        # zlib level 1: a third quicker than the default, files about a tenth larger
        fig.savefig(folder / f"{name}.png", dpi=200, pil_kwargs={"compress_level": 1})
    # the layout is settled by the first save: keep it for the SVG rather than computing
    # the constrained layout a second time (a third of the drawing time)
    fig.set_layout_engine("none")
    svg = svg_text(fig)
    (folder / f"{name}.svg").write_text(svg, encoding="utf-8")
    return ChartFile(name, title, caption, folder / f"{name}.png", folder / f"{name}.svg", svg)
