"""Charts of a backtest: each case's forecast intervals against the outcome, and the PIT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.report.charts import ChartFile, chart_job, draw_all, legend_below
from simulator.report.i18n import t
from simulator.report.style import ACCENT, GREYS

__all__ = ["draw_backtest_charts", "intervals_chart", "loo_intervals_chart", "pit_chart",
           "reliability_chart"]


def intervals_chart(found, *, lang: str = "en", which: str = "defaults") -> Axes:
    """Per case, as multiples of the plan: the 95/80/50 % intervals, median and outcome
    (``which``: the defaults' forecasts, or the leave-one-out ones)."""
    results = found.results if which == "defaults" else found.loo.loo
    ax = Figure(figsize=(7.0, 1.2 + 0.45 * len(results)), layout="constrained").add_subplot()
    y = np.arange(len(results))[::-1]
    labelled: set[str] = set()  # legend entries given (observed, censored)
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
        # a censored outcome (at least x) is drawn as an arrow from x to the right
        key = "backtest.observed_at_least" if r.case.censored else "backtest.observed"
        ax.plot(r.case.value / scale, yy, ">" if r.case.censored else "o", color=ACCENT,
                markersize=7, label=None if key in labelled else t(key, lang))
        labelled.add(key)
    ax.axvline(1.0, color=GREYS[2], linewidth=1, linestyle="--",
               label=t("backtest.plan", lang))
    ax.set_yticks(y, [r.case.name for r in results], fontsize=8)
    ax.set_xlabel(t("backtest.x", lang))
    ax.set_xlim(left=0)
    ax.set_title(t("backtest.intervals_title" if which == "defaults"
                   else "backtest.loo_intervals_title", lang), loc="left")
    legend_below(ax)
    return ax


def loo_intervals_chart(found, *, lang: str = "en") -> Axes:
    """The leave-one-out forecasts' intervals against the outcomes."""
    return intervals_chart(found, lang=lang, which="loo")


def reliability_chart(found, *, lang: str = "en") -> Axes:
    """Reliability diagram of P(target met): per bin of forecast probability, the share of
    cases that met their target, for the defaults, in sample and leave-one-out."""
    ax = Figure(figsize=(5.5, 4.2), layout="constrained").add_subplot()
    ax.plot([0, 1], [0, 1], color=GREYS[2], linestyle="--", linewidth=1,
            label=t("backtest.diagonal", lang))
    series = [("defaults", GREYS[3], "s")]
    if found.loo is not None:
        series += [("in sample", GREYS[4], "^"), ("leave-one-out", ACCENT, "o")]
    for name, colour, marker in series:
        rows = found.reliability(name)
        ax.plot([r["mean_probability"] for r in rows], [r["frequency_met"] for r in rows],
                marker=marker, color=colour, label=name)
        for r in rows:
            ax.annotate(str(r["cases"]), (r["mean_probability"], r["frequency_met"]),
                        textcoords="offset points", xytext=(4, 4), fontsize=7, color=colour)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(t("backtest.reliability_x", lang))
    ax.set_ylabel(t("backtest.reliability_y", lang))
    ax.set_title(t("backtest.reliability_title", lang), loc="left")
    ax.legend(fontsize=7, loc="upper left")
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
                reps=f"{found.replications:,}", seed=found.seed)
    jobs = [chart_job(intervals_chart, found, folder, "intervals", caption, lang=lang),
            chart_job(pit_chart, found, folder, "pit", caption, lang=lang),
            chart_job(reliability_chart, found, folder, "reliability", caption, lang=lang)]
    if found.loo is not None:
        jobs.append(chart_job(loo_intervals_chart, found, folder, "loo-intervals", caption,
                              lang=lang))
    return draw_all(jobs, lang=lang)
