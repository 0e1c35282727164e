"""Charts of sweeps: odds against one parameter, or a heatmap over two."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.report.charts import ChartFile, draw_all, save_chart
from simulator.report.i18n import bilingual, t
from simulator.report.style import ACCENT, GREYS, LINESTYLES, MARKERS, chart_style

__all__ = [
    "all_small",
    "against_parameter",
    "draw_sweep_charts",
    "heatmap",
    "sweep_figures",
]


def against_parameter(points: pd.DataFrame, parameter: str, targets: list[str], *,
                      metric: str = "probability", ax: Axes | None = None,
                      lang: str = "en") -> Axes:
    """Each target's ``metric`` against one parameter.

    ``metric`` is "probability" (drawn with its 95 % band) or "mean_km2".
    """
    if ax is None:
        ax = Figure(figsize=(7.0, 4.0), layout="constrained").add_subplot()
    data = points.sort_values(parameter)
    odds = metric == "probability"
    scale = 100 if odds else 1
    for i, target in enumerate(targets):
        if odds:
            ax.fill_between(data[parameter], data[f"{target}.ci95_low"] * 100,
                            data[f"{target}.ci95_high"] * 100, color=GREYS[i % 4], alpha=0.18,
                            linewidth=0)
        ax.plot(data[parameter], data[f"{target}.{metric}"] * scale, color=GREYS[i % 3],
                linestyle=LINESTYLES[i % len(LINESTYLES)], marker=MARKERS[i % len(MARKERS)],
                markersize=3.5, label=target)
    ax.set_xlabel(parameter)
    if odds:
        ax.set_ylabel(t("sweepchart.odds_y", lang))
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
        ax.set_ylim(-2, 102)
        ax.set_title(t("sweepchart.odds_title", lang))
    else:
        ax.set_ylabel(t("sweepchart.km2_y", lang))
        ax.set_title(t("sweepchart.km2_title", lang))
    ax.legend(loc="best")
    return ax


def heatmap(points: pd.DataFrame, x: str, y: str, column: str, *, percent: bool,
            ax: Axes | None = None, labels: dict[str, str] | None = None,
            lang: str = "en") -> Axes:
    """``column`` over two parameters; probabilities get the 50 % and 80 % contours."""
    if ax is None:
        ax = Figure(figsize=(7.0, 4.6), layout="constrained").add_subplot()
    scale = 100 if percent else 1
    grid = points.pivot_table(index=y, columns=x, values=column, aggfunc="mean")
    complete = grid.notna().all().all() and len(points) == grid.size
    if complete:
        xs, ys = grid.columns.to_numpy(float), grid.index.to_numpy(float)
        z = grid.to_numpy() * scale
        mesh = ax.pcolormesh(xs, ys, z, cmap="Greys", shading="nearest",
                             vmin=0 if percent else None, vmax=100 if percent else None)
        if len(xs) > 1 and len(ys) > 1 and percent:
            lines = ax.contour(xs, ys, z, levels=[50, 80], colors=[ACCENT, ACCENT],
                               linestyles=["--", "-"], linewidths=1.4)
            ax.clabel(lines, fmt=lambda v: f"{v:.0f}%", fontsize=8)
        if z.size <= 64:
            for (j, i), value in np.ndenumerate(z):
                # white on the darker half of the colour scale, dark ink on the lighter half
                ink = "white" if mesh.norm(value) > 0.5 else GREYS[0]
                ax.annotate(f"{value:.0f}" if percent else f"{value:.1f}", (xs[i], ys[j]),
                            ha="center", va="center", fontsize=7, color=ink)
    else:  # scattered designs (lhs, sobol)
        mesh = ax.tricontourf(points[x], points[y], points[column] * scale, levels=12,
                              cmap="Greys")
        if percent and points[column].max() > 0.5:
            lines = ax.tricontour(points[x], points[y], points[column] * 100, levels=[50, 80],
                                  colors=[ACCENT, ACCENT], linestyles=["--", "-"])
            ax.clabel(lines, fmt=lambda v: f"{v:.0f}%", fontsize=8)
        ax.plot(points[x], points[y], "o", color=GREYS[1], markersize=2)
    bar = ax.figure.colorbar(mesh, ax=ax)
    bar.set_label(t("sweepchart.bar_odds" if percent else "sweepchart.bar_km2", lang))
    labels = labels or {}
    ax.set_xlabel(axis_label(x, labels, lang))
    ax.set_ylabel(axis_label(y, labels, lang))
    ax.grid(False)
    return ax


def axis_label(path: str, labels: dict[str, str], lang: str = "en") -> str:
    """A parameter's description (with its unit; its ``| zh:`` half for Chinese) over its key
    path, or the key path alone."""
    described = labels.get(path)
    return f"{bilingual(described, lang)}\n{path}" if described else path


SMALL = 0.01
"""Below this probability at every point, the odds charts say so and point to the km² chart."""


def all_small(points: pd.DataFrame, targets: list[str]) -> bool:
    """Whether every target's probability is below 1 % at every point of the sweep."""
    return all(points[f"{t}.probability"].max() < SMALL for t in targets)


def sweep_figures(result, lang: str = "en") -> dict[str, Figure]:
    """The sweep's charts as figures, by file stem; none for three or more parameters."""
    return {name: draw() for name, draw in _sweep_charts(result, lang).items()}


def _sweep_charts(result, lang: str) -> dict[str, Callable[[], Figure]]:
    """What draws each of the sweep's charts, by file stem (nothing is drawn yet)."""
    spec = result.sweep.spec
    params = [p.path for p in spec.parameters]
    targets = [t.name for t in result.sweep.base.targets]
    target = spec.target or targets[0]
    # axis labels: the sweep file's description, else the base scenario's lever description
    levers = {lv.path: lv.description for lv in result.sweep.base.levers}
    labels = {p.path: p.description or levers.get(p.path) for p in spec.parameters}
    labels = {k: v for k, v in labels.items() if v}
    note = t("sweepchart.small", lang)

    def against(metric: str) -> Figure:
        ax = against_parameter(result.points, params[0], targets, metric=metric, lang=lang)
        ax.set_xlabel(axis_label(params[0], labels, lang))
        if metric == "probability" and all_small(result.points, targets):
            ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center",
                    color=ACCENT, fontsize=9, wrap=True)
        return ax.figure

    def heat(metric: str) -> Figure:
        percent = metric == "probability"
        ax = heatmap(result.points, params[0], params[1], f"{target}.{metric}",
                     percent=percent, labels=labels, lang=lang)
        title = "sweepchart.heat_odds" if percent else "sweepchart.heat_km2"
        ax.set_title(t(title, lang, target=target), loc="left")
        if percent and all_small(result.points, [target]):
            ax.text(0.5, 1.01, note, transform=ax.transAxes, ha="center", va="bottom",
                    color=ACCENT, fontsize=8)
        return ax.figure

    if len(params) == 1:
        return {"odds": lambda: against("probability"), "km2": lambda: against("mean_km2")}
    if len(params) == 2:
        return {"heatmap": lambda: heat("probability"), "heatmap-km2": lambda: heat("mean_km2")}
    return {}


def draw_sweep_charts(result, folder: str | Path, *, lang: str = "en") -> list[ChartFile]:
    """The sweep's charts as PNG (200 dpi) and SVG in ``folder``, labelled in ``lang``; none
    for 3+ parameters. Raises ``ReportError`` for ``zh`` without a CJK font."""
    spec = result.sweep.spec
    caption = t("sweepchart.caption", lang, name=spec.name, base=result.sweep.base.name,
                n=len(result.points), reps=f"{spec.replications:,}", seed=spec.seed)

    def one(name: str, draw: Callable[[], Figure]) -> ChartFile:
        with chart_style(lang):
            return save_chart(draw().axes[0], Path(folder), name, caption)

    return draw_all([functools.partial(one, name, draw)
                     for name, draw in _sweep_charts(result, lang).items()], lang=lang)
