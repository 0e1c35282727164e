"""Charts of goal-seeking: probability against a lever, and the frontier of two levers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.report.i18n import t
from simulator.report.style import ACCENT, GREYS

__all__ = ["frontier_chart", "solve_chart"]


def solve_chart(table: pd.DataFrame, path: str, level: float, value: float | None,
                interval: tuple, *, label: str, target: str, lang: str = "en") -> Axes:
    """Each evaluated lever value's probability with its 95 % interval; level and answer."""
    ax = Figure(figsize=(7.0, 4.0), layout="constrained").add_subplot()
    data = table.sort_values(path)
    x = data[path].to_numpy(dtype=float)
    p = data.probability.to_numpy() * 100
    low = np.maximum(p - data.ci95_low.to_numpy() * 100, 0)
    high = np.maximum(data.ci95_high.to_numpy() * 100 - p, 0)
    ax.errorbar(x, p, yerr=[low, high], fmt="o-", color=GREYS[1], markersize=3.5,
                linewidth=1.0, elinewidth=0.8, capsize=2, label=t("solve.estimate", lang))
    ax.axhline(level * 100, color=ACCENT, linewidth=1.0, linestyle="--",
               label=t("solve.level", lang, p=f"{level:.0%}"))
    if value is not None:
        lo, hi = interval
        left = lo if lo is not None else x.min()
        right = hi if hi is not None else x.max()
        ax.axvspan(min(left, right), max(left, right), color=GREYS[4], alpha=0.6, linewidth=0,
                   label=t("solve.interval", lang))
        ax.axvline(value, color=ACCENT, linewidth=1.4)
        ax.annotate(t("solve.answer", lang, value=f"{value:.3g}"), (value, level * 100),
                    textcoords="offset points", xytext=(6, -14), color=ACCENT, fontsize=8)
    ax.set_xlabel(label)
    ax.set_ylabel(t("solve.y", lang, target=target))
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_ylim(-2, 102)
    ax.set_title(t("solve.title", lang, target=target))
    ax.legend(loc="best", fontsize=8)
    return ax


def frontier_chart(rows: pd.DataFrame, first: str, second: str, level: float, *,
                   first_label: str, second_label: str, target: str,
                   lang: str = "en") -> Axes:
    """The pairs of lever values that give ``level``, with the second's interval as a band."""
    ax = Figure(figsize=(7.0, 4.0), layout="constrained").add_subplot()
    ok = rows[rows.reachable]
    if len(ok):
        ax.fill_between(ok[first], ok.interval_low.astype(float), ok.interval_high.astype(float),
                        color=GREYS[4], linewidth=0, label=t("solve.interval", lang))
        ax.plot(ok[first], ok.value, "o-", color=GREYS[0], markersize=4,
                label=t("solve.frontier", lang, p=f"{level:.0%}"))
    out = rows[~rows.reachable]
    if len(out):
        ax.plot(out[first], [ax.get_ylim()[1]] * len(out), "x", color=ACCENT,
                label=t("solve.out_of_reach", lang))
    ax.set_xlabel(first_label)
    ax.set_ylabel(second_label)
    ax.set_title(t("solve.frontier_title", lang, target=target, p=f"{level:.0%}"))
    ax.legend(loc="best", fontsize=8)
    return ax
