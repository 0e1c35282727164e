"""Charts of a backtest: each case's forecast intervals against the outcome, and the PIT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.report.charts import ChartFile, chart_job, draw_all
from simulator.report.i18n import t
from simulator.report.style import ACCENT, GREYS

__all__ = ["draw_backtest_charts", "intervals_chart", "pit_chart"]


def intervals_chart(found, *, lang: str = "en") -> Axes:
    """Per case, as multiples of the plan: the 95/80/50 % intervals, median and outcome."""
    results = found.results
    ax = Figure(figsize=(7.0, 1.2 + 0.45 * len(results)), layout="constrained").add_subplot()
    y = np.arange(len(results))[::-1]
    for yy, r in zip(y, results, strict=True):
        scale = r.reference or 1.0
        for level, shade, height in ((0.95, GREYS[4], 0.5), (0.8, GREYS[3], 0.5),
                                     (0.5, GREYS[1], 0.5)):
            lo, hi = r.interval(level)
            ax.barh(yy, (hi - lo) / scale, left=lo / scale, height=height, color=shade,
                    label=t("backtest.interval", lang, level=f"{level:.0%}") if yy == y[0]
                    else None)
        ax.plot([np.median(r.forecast) / scale] * 2, [yy - 0.25, yy + 0.25], color="white",
                linewidth=1.5)
        ax.plot(r.case.observed / scale, yy, "o", color=ACCENT, markersize=7,
                label=t("backtest.observed", lang) if yy == y[0] else None)
    ax.axvline(1.0, color=GREYS[2], linewidth=1, linestyle="--",
               label=t("backtest.plan", lang))
    ax.set_yticks(y, [r.case.name for r in results], fontsize=8)
    ax.set_xlabel(t("backtest.x", lang))
    ax.set_xlim(left=0)
    ax.set_title(t("backtest.intervals_title", lang), loc="left")
    ax.legend(fontsize=7, loc="lower right")
    return ax


def pit_chart(found, *, lang: str = "en") -> Axes:
    """Histogram of the outcomes' PIT values; a calibrated forecaster's is flat."""
    ax = Figure(figsize=(7.0, 3.2), layout="constrained").add_subplot()
    pits = [r.pit for r in found.results]
    ax.hist(pits, bins=5, range=(0, 1), color=GREYS[2], edgecolor="white")
    ax.axhline(len(pits) / 5, color=ACCENT, linewidth=1.2, linestyle="--",
               label=t("backtest.flat", lang))
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("backtest.pit_x", lang))
    ax.set_ylabel(t("backtest.pit_y", lang))
    ax.set_title(t("backtest.pit_title", lang), loc="left")
    ax.legend(fontsize=7)
    return ax


def draw_backtest_charts(found, folder: Path, *, lang: str = "en") -> list[ChartFile]:
    """Draw the intervals and PIT charts into ``folder`` (PNG and SVG); returns them."""
    caption = t("backtest.caption", lang, name=found.spec.name, n=len(found.results),
                reps=f"{found.spec.replications:,}", seed=found.seed)
    return draw_all([chart_job(intervals_chart, found, folder, "intervals", caption, lang=lang),
                     chart_job(pit_chart, found, folder, "pit", caption, lang=lang)], lang=lang)
