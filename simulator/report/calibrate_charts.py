"""Charts of a calibration: prior against posterior for each parameter, and posterior pairs."""

from __future__ import annotations

import math
import textwrap
from itertools import combinations
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.report.charts import ChartFile, chart_job, draw_all
from simulator.report.i18n import t
from simulator.report.style import ACCENT, GREYS

__all__ = ["draw_calibration_charts", "marginals_chart", "pairs_chart"]

PAIRS_MAX = 4
"""Parameters in the pairs chart: the most constrained ones."""


def _label(path: str, width: int = 28) -> str:
    return textwrap.fill(path, width, break_on_hyphens=False)


def marginals_chart(found, *, lang: str = "en") -> Axes:
    """One panel per parameter: the prior draws' histogram and the weighted (posterior) one."""
    k = len(found.paths)
    cols = min(3, k)
    rows = math.ceil(k / cols)
    fig = Figure(figsize=(7.0, 0.4 + 2.1 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    w = found.weight
    for i, path in enumerate(found.paths):
        ax = axes[i]
        x = found.params[:, i]
        lo, hi = float(x.min()), float(x.max())
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, 31)
        # the prior's histogram from the plain prior draws only (an smc calibration's
        # later generations come from its proposals)
        ax.hist(x[:found.prior_count], bins=edges, density=True, color=GREYS[4],
                label=t("calibrate.prior", lang))
        ax.hist(x, bins=edges, weights=w, density=True, histtype="step", color=ACCENT,
                linewidth=1.6, label=t("calibrate.posterior_label", lang))
        ax.set_title(_label(path), fontsize=8, loc="left")
        ax.set_yticks([])
        ax.tick_params(labelsize=7)
    for ax in axes[k:]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(t("calibrate.marginals_title", lang), x=0.02, ha="left", fontweight="bold",
                 fontsize=11)
    return axes[0]


def pairs_chart(found, *, lang: str = "en") -> Axes:
    """Posterior draws (resampled by weight) over the prior's, for the most constrained pairs."""
    post = found.posterior()
    chosen = list(post.sort_values("shrinkage", ascending=False).parameter[:PAIRS_MAX])
    pairs = list(combinations(chosen, 2)) or [(chosen[0], chosen[0])]
    cols = min(3, len(pairs))
    rows = math.ceil(len(pairs) / cols)
    fig = Figure(figsize=(7.0, 0.4 + 2.4 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    rng = np.random.default_rng(found.seed)
    n = min(2000, found.prior_count)
    prior_rows = rng.choice(found.prior_count, n, replace=False)
    post_rows = rng.choice(len(found.params), min(2000, len(found.params)), replace=True,
                           p=found.weight)
    for ax, (a, b) in zip(axes, pairs, strict=False):
        ka, kb = found.paths.index(a), found.paths.index(b)
        ax.scatter(found.params[prior_rows, ka], found.params[prior_rows, kb], s=3,
                   color=GREYS[4], label=t("calibrate.prior", lang), rasterized=True)
        ax.scatter(found.params[post_rows, ka], found.params[post_rows, kb], s=4,
                   color=ACCENT, alpha=0.35, label=t("calibrate.posterior_label", lang),
                   rasterized=True)
        ax.set_xlabel(_label(a, 34), fontsize=7)
        ax.set_ylabel(_label(b, 26), fontsize=7)
        ax.tick_params(labelsize=7)
    for ax in axes[len(pairs):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="best", markerscale=3)
    fig.suptitle(t("calibrate.pairs_title", lang), x=0.02, ha="left", fontweight="bold",
                 fontsize=11)
    return axes[0]


def draw_calibration_charts(found, folder: Path, *, lang: str = "en") -> list[ChartFile]:
    """Draw the marginals and pairs charts into ``folder`` (PNG and SVG); returns them."""
    caption = t("calibrate.caption", lang, name=found.scenario.name,
                n=f"{len(found.params):,}", seed=found.seed)
    jobs = [chart_job(marginals_chart, found, folder, "marginals", caption, lang=lang)]
    if len(found.paths) >= 2:
        jobs.append(chart_job(pairs_chart, found, folder, "pairs", caption, lang=lang))
    return draw_all(jobs, lang=lang)
