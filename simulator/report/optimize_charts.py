"""Charts of a programme search: the front in two objectives, the levers along it, and how
the search converged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.report.charts import ChartFile, chart_job, draw_all
from simulator.report.i18n import bilingual, t
from simulator.report.style import ACCENT, GREYS

__all__ = ["convergence_chart", "draw_optimize_charts", "front_chart", "parallel_chart"]


def _axes_pair(found) -> tuple[str, str]:
    """(x, y): cost (or the last objective) across, the first probability up."""
    names = [o.name for o in found.objectives]
    y = next((o.name for o in found.objectives if o.kind == "P"), names[0])
    x = "cost" if "cost" in names and y != "cost" else next(n for n in names if n != y)
    return x, y


def _holding(found):
    """The members that hold up after re-evaluation (all of the front for a result without
    the flags)."""
    front = found.front
    if front.empty or "dominated" not in front:
        return front
    return front[front["feasible"].astype(bool) & ~front["dominated"].astype(bool)]


def front_chart(found, *, lang: str = "en") -> Axes:
    """Every candidate evaluated (grey) and the re-evaluated front (with 95 % intervals)."""
    x, y = _axes_pair(found)
    fig = Figure(figsize=(6.3, 4.4), layout="constrained")
    ax = fig.subplots()
    every = found.evaluations
    ax.scatter(every[x], every[y], s=8, color=GREYS[4], label=t("optimize.evaluated", lang),
               rasterized=True)
    front = _holding(found)
    front = front.sort_values(x) if not front.empty else front
    dropped = found.front.drop(index=front.index) if not found.front.empty else found.front
    if not dropped.empty:  # on the search's front, not after re-evaluation
        ax.scatter(dropped[x], dropped[y], s=22, facecolors="none", edgecolors=ACCENT,
                   linewidths=0.8, label=t("optimize.dropped", lang))
    if not front.empty:
        err = None
        if f"{y}_low" in front:
            err = np.vstack([front[y] - front[f"{y}_low"], front[f"{y}_high"] - front[y]])
        ax.errorbar(front[x], front[y], yerr=err, fmt="o", color=ACCENT, markersize=4,
                    linewidth=1.0, capsize=2, label=t("optimize.on_front", lang))
        # with more than two objectives the members trade off others too; the staircase
        # is what is best in these two alone (the highest odds at each cost)
        best = front[front[y] >= front[y].cummax()] if x == "cost" else front.iloc[:0]
        if len(best) > 1:
            ax.step(best[x], best[y], where="post", color=ACCENT, linewidth=1.2, alpha=0.8,
                    label=t("optimize.staircase", lang, y=y))
    if y.startswith("P("):
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    unit = found.settings.get("cost_unit") or ""
    label = (found.settings.get("cost_provenance") or {}).get("label")
    if label in ("illustrative", "assumption"):  # the label travels with the number
        unit = f"{unit}, {t(f'optimize.label_{label}', lang)}" if unit else \
            t(f"optimize.label_{label}", lang)
    ax.set_xlabel(f"{x} ({unit})" if x == "cost" and unit else x)
    ax.set_ylabel(y)
    # below the axes: a legend never covers a candidate
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
              frameon=False)
    ax.set_title(t("optimize.front_chart", lang, x=x, y=y), loc="left", fontsize=10)
    return ax


def _label(scenario, path: str, lang: str) -> str:
    """A lever's short label: its description (the language's half), wrapped."""
    import textwrap

    lever = next((lv for lv in scenario.levers if lv.path == path), None)
    text = path if lever is None else lever.description
    words = bilingual(text, lang).strip() or path
    return "\n".join(textwrap.wrap(words, 10 if lang == "zh" else 20)[:4])


def parallel_chart(found, *, lang: str = "en") -> Axes:
    """One line per front member across the levers, each on its range (0 = min, 1 = max),
    coloured by the first probability objective."""
    fig = Figure(figsize=(6.3, 3.6), layout="constrained")
    ax = fig.subplots()
    levers = found.levers
    xs = np.arange(len(levers))
    _, y = _axes_pair(found)
    front = _holding(found)
    if not front.empty:
        colour = front[y].to_numpy(dtype=float)
        span = max(float(colour.max() - colour.min()), 1e-12)
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        norm = Normalize(float(colour.min()), float(colour.min()) + span)
        for _, row in front.sort_values(y).iterrows():  # the best drawn last, on top
            ys = [(row[lv.path] - lv.low) / (lv.high - lv.low) for lv in levers]
            ax.plot(xs, ys, "-o", color=colormaps["viridis"](norm(row[y])), markersize=3,
                    linewidth=1.0)
        bar = fig.colorbar(ScalarMappable(norm, "viridis"), ax=ax, pad=0.01)
        bar.set_label(y, fontsize=8)
        if y.startswith("P("):
            bar.formatter = lambda v, _: f"{v:.0%}"
            bar.update_ticks()
    ax.set_xticks(xs, [_label(found.scenario, lv.path, lang) for lv in levers], fontsize=7)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel(t("optimize.parallel_axis", lang), fontsize=8)
    ax.set_title(t("optimize.parallel_chart", lang), loc="left", fontsize=10)
    return ax


def convergence_chart(found, *, lang: str = "en") -> Axes:
    """Hypervolume by generation: of the archive on the search's own numbers (it can only
    rise) and of the front found so far re-evaluated on held-out numbers (it falls when the
    search promotes programmes that were only lucky)."""
    fig = Figure(figsize=(6.3, 3.4), layout="constrained")
    ax = fig.subplots()
    conv = found.convergence
    if not conv.empty:
        ax.plot(conv["generation"], conv["hypervolume"], "--", color=GREYS[2], linewidth=1.0,
                label=t("optimize.hv_search", lang))
        if "hypervolume_reevaluated" in conv:
            ax.plot(conv["generation"], conv["hypervolume_reevaluated"], "-o", color=ACCENT,
                    markersize=3, linewidth=1.4, label=t("optimize.hv_heldout", lang))
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole generations
    ax.set_xlabel(t("optimize.generation", lang))
    ax.set_ylabel(t("optimize.hypervolume", lang))
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1,
              frameon=False)
    ax.set_title(t("optimize.convergence_chart", lang), loc="left", fontsize=10)
    return ax


def draw_optimize_charts(found, folder: Path, *, lang: str = "en") -> list[ChartFile]:
    """Draw the front, parallel-coordinates and convergence charts into ``folder``;
    returns them."""
    s = found.settings
    caption = f"{found.scenario.name} · seed {s['seed']}"
    if "reevaluation_seed" in s:
        caption += f" · {t('optimize.reseed_caption', lang, seed=s['reevaluation_seed'])}"
    jobs = [chart_job(front_chart, found, folder, "front", caption, lang=lang),
            chart_job(parallel_chart, found, folder, "parallel", caption, lang=lang),
            chart_job(convergence_chart, found, folder, "convergence", caption, lang=lang)]
    return draw_all(jobs, lang=lang)
