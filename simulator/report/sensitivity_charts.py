"""Charts of sensitivity analyses: tornado (native units), Sobol indices, Morris screening."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.report.charts import ChartFile, draw_all, save_chart
from simulator.report.i18n import t
from simulator.report.style import ACCENT, GREYS, chart_style

__all__ = [
    "chart_name",
    "draw_sensitivity_charts",
    "morris_chart",
    "output_label",
    "short",
    "sobol_chart",
    "tornado",
]


def short(path: str) -> str:
    """A key path shortened for an axis label."""
    return path.removeprefix("pathways.").replace(".stages", " ").replace(".duration", "")


def output_label(output: str, lang: str = "en") -> str:
    """An output's name (``batch-3 probability``, ``batch-3 km²``) in ``lang``."""
    target, _, what = output.rpartition(" ")
    if what == "probability":
        return f"{target} {t('senschart.probability', lang)}"
    return output


def tornado(indices: pd.DataFrame, output: str, ax: Axes | None = None,
            lang: str = "en") -> Axes:
    """One output's change from base at each parameter's low and high value (bars)."""
    if ax is None:
        ax = Figure(figsize=(7.0, 3.5), layout="constrained").add_subplot()
    rows = indices[indices.output == output].sort_values("swing")
    y = np.arange(len(rows))
    # side by side, not overlaid: when low and high move the same way both stay visible
    ax.barh(y - 0.19, rows.delta_low, height=0.36, color=GREYS[3], edgecolor=GREYS[1],
            linewidth=0.5, label=t("senschart.low", lang))
    ax.barh(y + 0.19, rows.delta_high, height=0.36, color=GREYS[1],
            label=t("senschart.high", lang))
    ax.axvline(0, color=GREYS[0], linewidth=0.8)
    ax.set_yticks(y, [f"{short(p)}\n{lo:g} – {hi:g}" for p, lo, hi
                      in zip(rows.parameter, rows.low, rows.high, strict=True)], fontsize=7)
    unit = rows.unit.iloc[0] if len(rows) else ""
    base = rows.value_base.iloc[0] if len(rows) else 0
    ax.set_xlabel(t("senschart.pp" if unit == "pp" else "senschart.km2", lang))
    ax.set_title(t("senschart.base", lang, output=output_label(output, lang),
                   base=f"{base:.1f}{'%' if unit == 'pp' else ' km²'}"), loc="left", fontsize=9)
    ax.grid(axis="y", visible=False)
    return ax


def sobol_chart(indices: pd.DataFrame, output: str, ax: Axes | None = None,
                lang: str = "en") -> Axes:
    """First-order (S1) and total (ST) Sobol indices of one output, with 95 % intervals."""
    if ax is None:
        ax = Figure(figsize=(7.0, 3.5), layout="constrained").add_subplot()
    rows = indices[indices.output == output].sort_values("ST")
    y = np.arange(len(rows))
    ax.barh(y - 0.18, rows.S1, height=0.34, color=GREYS[3], xerr=rows.S1_conf,
            error_kw={"ecolor": GREYS[1], "capsize": 2, "linewidth": 0.8},
            label=t("senschart.s1", lang))
    ax.barh(y + 0.18, rows.ST, height=0.34, color=GREYS[1], xerr=rows.ST_conf,
            error_kw={"ecolor": GREYS[0], "capsize": 2, "linewidth": 0.8},
            label=t("senschart.st", lang))
    ax.set_yticks(y, [short(p) for p in rows.parameter], fontsize=7)
    # room for the whole interval: an estimate near 1 with its error bar is not cut off
    right = float(np.nanmax(np.r_[rows.ST + rows.ST_conf, rows.S1 + rows.S1_conf, 1.0]))
    ax.set_xlim(min(0, float(np.nanmin(rows.S1 - rows.S1_conf))) - 0.02, right + 0.05)
    ax.axvline(0, color=GREYS[0], linewidth=0.8)
    ax.set_xlabel(t("senschart.sobol_x", lang))
    ax.set_title(output_label(output, lang), loc="left", fontsize=9)
    ax.grid(axis="y", visible=False)
    return ax


def morris_chart(indices: pd.DataFrame, output: str, ax: Axes | None = None,
                 lang: str = "en") -> Axes:
    """Morris μ* (influence) against σ (interaction or non-linearity) for one output."""
    if ax is None:
        ax = Figure(figsize=(7.0, 3.5), layout="constrained").add_subplot()
    rows = indices[indices.output == output]
    ax.errorbar(rows.mu_star, rows.sigma, xerr=rows.mu_star_conf, fmt="o", color=GREYS[0],
                ecolor=GREYS[3], markersize=4, capsize=2)
    top = float(max(rows.mu_star.max(), rows.sigma.max(), 1e-9)) * 1.15
    # labels: right of the point, or left of it near the right edge; points close together
    # get their labels staggered up and down so they do not overlap
    placed: list[tuple[float, float]] = []
    for _, row in rows.sort_values("mu_star").iterrows():
        near = sum(1 for x, y in placed if abs(x - row.mu_star) < 0.12 * top
                   and abs(y - row.sigma) < 0.08 * top)
        placed.append((row.mu_star, row.sigma))
        left = row.mu_star > 0.6 * top
        ax.annotate(short(row.parameter), (row.mu_star, row.sigma), textcoords="offset points",
                    xytext=(-5 if left else 5, 3 - 10 * near), ha="right" if left else "left",
                    fontsize=7, annotation_clip=True)
    ax.plot([0, top], [0, top], color=ACCENT, linewidth=0.7, linestyle=":")  # σ = μ*
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    unit = t("senschart.unit_pp" if rows.unit.iloc[0] == "pp" else "senschart.unit_km2", lang)
    ax.set_xlabel(f"μ* ({unit})")
    ax.set_ylabel(f"σ ({unit})")
    ax.set_title(output_label(output, lang), loc="left", fontsize=9)
    return ax


def chart_name(method: str, output: str) -> str:
    """File stem of one output's chart: ``tornado-binding-2025-probability``."""
    kind = {"oat": "tornado", "sobol": "sobol", "morris": "morris"}[method]
    slug = re.sub(r"[^a-z0-9]+", "-", output.lower().replace("km²", "km2")).strip("-")
    return f"{kind}-{slug}"


def draw_sensitivity_charts(result, folder: str | Path, *, lang: str = "en") -> list[ChartFile]:
    """One chart per measurable output (its variance over the design beyond Monte Carlo
    noise: bars of noise are not drawn), as PNG (200 dpi) and SVG: a page-sized figure
    each, labelled in ``lang``. Files are named ``<method chart>-<target>-<probability|km2>``.

    Raises ``ReportError`` for ``zh`` without a CJK font.
    """
    folder = Path(folder)
    indices = result.indices
    draw = {"oat": tornado, "sobol": sobol_chart, "morris": morris_chart}[result.method]
    outputs = [o for o in dict.fromkeys(indices.output)
               if indices[indices.output == o].output_measurable.any()]
    title = t(f"senschart.title_{result.method}", lang)
    caption = t("senschart.caption", lang, name=result.scenario.name, n=len(result.points),
                reps=f"{result.manifest['replications_per_point']:,}",
                seed=result.manifest["seed"])
    height = 0.5 * len(result.params) + 1.8 if result.method != "morris" else 4.0

    def one(output: str) -> ChartFile:
        with chart_style(lang):
            fig = Figure(figsize=(7.0, height), layout="constrained")
            ax = fig.add_subplot()
            draw(indices, output, ax=ax, lang=lang)
            if result.method != "morris":
                ax.legend(loc="best", fontsize=7)
            fig.suptitle(f"{title}: {output_label(output, lang)}", x=0.01, ha="left",
                         fontweight="bold", fontsize=10)
            return save_chart(ax, folder, chart_name(result.method, output), caption)

    return draw_all([functools.partial(one, o) for o in outputs], lang=lang)
