"""Charts of scenario discovery: the peeling trajectory, the box's limits, the cases."""

from __future__ import annotations

import textwrap
from itertools import combinations
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.report.charts import ChartFile, chart_job, draw_all
from simulator.report.i18n import bilingual, t
from simulator.report.style import ACCENT, GREYS

__all__ = ["box_limits_chart", "draw_discover_charts", "pairs_chart", "trajectory_chart"]


def trajectory_chart(found, *, lang: str = "en") -> Axes:
    """Coverage against density along the peeling trajectory, the chosen box marked."""
    ax = Figure(figsize=(7.0, 4.0), layout="constrained").add_subplot()
    traj = found.result.trajectory
    points = ax.scatter(traj.coverage * 100, traj.density * 100, c=traj.res_dim, cmap="Greys",
                        vmin=-1, vmax=max(traj.res_dim.max(), 1), s=18, edgecolor=GREYS[1],
                        linewidth=0.4)
    if "significant" in traj and traj.significant.any():
        sig = traj[traj.significant]
        ax.scatter(sig.pruned_coverage * 100, sig.pruned_density * 100, marker="s", s=42,
                   facecolor="none", edgecolor=GREYS[0], linewidth=0.8,
                   label=t("discover.significant_marker", lang))
    if found.result.significant or found.result.chosen != 0:
        chosen = traj.iloc[found.result.chosen]
        if chosen.significant:  # a significant box is reported pruned
            chosen = chosen.copy()
            chosen["coverage"], chosen["density"] = chosen.pruned_coverage, chosen.pruned_density
        label = t("discover.chosen", lang, i=int(chosen.box))
    else:  # nothing significant: show the knee, marked as no finding
        chosen = traj.iloc[found.result.knee_box]
        label = t("discover.no_box", lang, i=int(chosen.box))
        label = textwrap.fill(label, 60 if lang == "en" else 30)
    ax.plot([chosen.coverage * 100], [chosen.density * 100], marker="o", markersize=11,
            markerfacecolor="none", markeredgecolor=ACCENT, markeredgewidth=1.6,
            linestyle="none", label=label)
    ax.annotate(f"{chosen.coverage:.0%} / {chosen.density:.0%}",
                (chosen.coverage * 100, chosen.density * 100), textcoords="offset points",
                xytext=(8, -12), color=ACCENT, fontsize=8)
    ax.axhline(found.result.base_rate * 100, color=GREYS[2], linewidth=0.8, linestyle=":")
    colorbar = ax.figure.colorbar(points, ax=ax, pad=0.01)
    colorbar.set_label(t("discover.res_dim", lang))
    ax.set_xlabel(t("discover.coverage", lang))
    ax.set_ylabel(t("discover.density", lang))
    ax.set_title(t("discover.trajectory_title", lang, target=found.target))
    ax.legend(loc="lower left", fontsize=8)
    return ax


def _label(found, path: str, lang: str, width: int = 24) -> str:
    return textwrap.fill(bilingual(found.descriptions.get(path, path), lang),
                         width if lang == "en" else width // 2)


def box_limits_chart(found, *, lang: str = "en") -> Axes:
    """Each parameter's range (grey) and the chosen box's limits on it (dark), scaled 0–1."""
    names = found.parameters
    ax = Figure(figsize=(7.0, 1.0 + 0.5 * len(names)), layout="constrained").add_subplot()
    lim = found.result.limits_of()
    full = found.result.ranges
    y = np.arange(len(names))[::-1]
    box = found.result.box().set_index("parameter")
    for k, (name, yy) in enumerate(zip(names, y, strict=True)):
        span = full[k, 1] - full[k, 0] or 1.0
        lo, hi = (lim[k, 0] - full[k, 0]) / span, (lim[k, 1] - full[k, 0]) / span
        ax.barh(yy, 1.0, left=0.0, height=0.5, color=GREYS[4])
        restricted = name in box.index
        ax.barh(yy, hi - lo, left=lo, height=0.5, color=GREYS[0] if restricted else GREYS[3])
        ax.annotate(f"{full[k, 0]:.3g}", (0, yy), xytext=(-4, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=7, color=GREYS[1])
        ax.annotate(f"{full[k, 1]:.3g}", (1, yy), xytext=(4, 0), textcoords="offset points",
                    ha="left", va="center", fontsize=7, color=GREYS[1])
        if restricted:
            qp = box.loc[name, "qp"]
            ax.annotate(f"{lim[k, 0]:.3g}–{lim[k, 1]:.3g}  (qp {qp:.2g})", ((lo + hi) / 2, yy),
                        xytext=(0, 15), textcoords="offset points", ha="center", fontsize=7,
                        color=ACCENT)
    ax.set_yticks(y, [_label(found, n, lang) for n in names], fontsize=8)
    ax.set_xlim(-0.12, 1.12)
    ax.set_xticks([])
    ax.set_title(t("discover.limits_title", lang))
    return ax


def pairs_chart(found, *, lang: str = "en") -> Axes:
    """Points of the two (or more) restricted parameters, cases dark, the box outlined."""
    box = found.result.box()
    chosen = list(box.parameter) or found.parameters[:2]
    if len(chosen) < 2:
        chosen = (chosen + [p for p in found.parameters if p not in chosen])[:2]
    pairs = list(combinations(chosen[:3], 2))
    fig = Figure(figsize=(7.0, 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(pairs), squeeze=False).ravel())
    points = found.points
    lim = found.result.limits_of()
    for ax, (a, b) in zip(axes, pairs, strict=True):
        case = points.case.to_numpy()
        ax.scatter(points.loc[~case, a], points.loc[~case, b], s=8, color=GREYS[3],
                   label=t("discover.other", lang))
        ax.scatter(points.loc[case, a], points.loc[case, b], s=8, color=GREYS[0],
                   label=t("discover.case", lang, below=f"{found.below:.0%}"))
        ka, kb = found.parameters.index(a), found.parameters.index(b)
        ax.add_patch(_rectangle(lim[ka], lim[kb]))
        ax.set_xlabel(_label(found, a, lang, 30), fontsize=8)
        ax.set_ylabel(_label(found, b, lang, 30), fontsize=8)
    axes[0].legend(loc="best", fontsize=7)
    fig.suptitle(t("discover.pairs_title", lang, target=found.target), x=0.02, ha="left",
                 fontweight="bold", fontsize=11)
    return axes[0]


def _rectangle(xlim, ylim):
    from matplotlib.patches import Rectangle

    return Rectangle((xlim[0], ylim[0]), xlim[1] - xlim[0], ylim[1] - ylim[0], fill=False,
                     edgecolor=ACCENT, linewidth=1.5)


def draw_discover_charts(found, folder: Path, *, lang: str = "en") -> list[ChartFile]:
    """Draw the three charts into ``folder`` (PNG and SVG); returns them."""
    caption = t("discover.caption", lang, n=len(found.points), target=found.target)
    return draw_all([chart_job(draw, found, folder, name, caption, lang=lang)
                     for name, draw in (("trajectory", trajectory_chart),
                                        ("box-limits", box_limits_chart),
                                        ("pairs", pairs_chart))], lang=lang)
