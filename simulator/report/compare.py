"""Several finished runs side by side: overlaid fan charts and a table of target odds."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.report.charts import ChartFile, svg_text
from simulator.report.formatting import num, pct, pct_range, signed, text_table
from simulator.report.html import figure_html, render_page
from simulator.report.i18n import LANGS, label_of_target, scenario_short, t
from simulator.report.rundata import RunData
from simulator.report.style import GREYS, LINESTYLES, MARKERS, SERIES, ReportError, chart_style
from simulator.run.output import check_output, replace_folder

__all__ = ["compare_fan_chart", "compare_runs", "compare_text", "odds_table"]


def compare_fan_chart(runs: list[RunData], ax: Axes | None = None, *, lang: str = "en") -> Axes:
    """Each run's median cumulative release (line) and middle 80 % (band), overlaid; each
    run in its own colour and line style, named at the end of its line."""
    if ax is None:
        ax = Figure(figsize=(7.0, 4.2), layout="constrained").add_subplot()
    ends = []
    for i, run in enumerate(runs):
        data = run.all_pathways()
        colour = SERIES[i % len(SERIES)]
        ax.fill_between(data.index, data.cumulative_p10, data.cumulative_p90, color=colour,
                        alpha=0.13, linewidth=0)
        for edge in (data.cumulative_p10, data.cumulative_p90):  # bands stay apart where
            ax.plot(data.index, edge, color=colour, linewidth=0.6, alpha=0.7,  # they overlap
                    linestyle=LINESTYLES[i % len(LINESTYLES)])
        # colour, line style and marker all differ, so runs stay apart in greyscale print
        ax.plot(data.index, data.cumulative_p50, color=colour,
                linestyle=LINESTYLES[i % len(LINESTYLES)], linewidth=1.6,
                marker=MARKERS[i % len(MARKERS)], markersize=4, markevery=2 + i % 2)
        ends.append((float(data.cumulative_p50.iloc[-1]), scenario_short(run.scenario, lang),
                     colour))
    plan = runs[0].all_pathways()
    ax.step(plan.index, np.cumsum(plan.planned_km2), where="mid", color=GREYS[2],
            linewidth=0.9, linestyle=(0, (1, 2)),
            label=t("compare.plan_of", lang, first=scenario_short(runs[0].scenario, lang)))
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("fan.y", lang))
    ax.set_title(t("compare.fan", lang))
    ax.set_ylim(bottom=0)
    ax.set_xlim(plan.index[0] - 0.3, plan.index[-1] + 0.3)
    _label_line_ends(ax, ends, x=plan.index[-1])
    ax.legend(loc="upper left")
    return ax


def _label_line_ends(ax: Axes, ends: list[tuple[float, str, str]], *, x: float) -> None:
    """Name each line just right of the axes at its last value, pushed apart so that no two
    names overlap (direct labels: no legend to decode)."""
    low, high = ax.get_ylim()
    gap = (high - low) * 0.075  # about a line of 8-point text on a 4-inch-high chart
    placed: list[float] = []
    for y, _name, _colour in sorted(ends):
        placed.append(max(y, placed[-1] + gap) if placed else y)
    for (_, name, colour), y in zip(sorted(ends), placed, strict=True):
        ax.annotate(name, (x, y), xytext=(8, 0), textcoords="offset points",
                    xycoords=("data", "data"), va="center", ha="left", fontsize=8,
                    color=colour, fontweight="bold", annotation_clip=False)


def odds_table(runs: list[RunData]) -> pd.DataFrame:
    """Each target in each run: probability, 95 % interval, mean km² counted and mean
    shortfall (km²), and the change against the first run (``change_pp``: percentage
    points; ``change_mean_km2``); targets matched by name."""
    rows = []
    first = {x["name"]: x for x in runs[0].targets}
    for run in runs:
        for x in run.targets:
            base = first.get(x["name"]) if run is not runs[0] else None
            rows.append({"scenario": run.name, "target": x["name"], "km2": x["km2"],
                         "by": x["by"], "probability": x["probability"],
                         "ci95_low": x["ci95"][0], "ci95_high": x["ci95"][1],
                         "mean_km2": x["mean_km2"],
                         "mean_shortfall_km2": x["mean_shortfall_km2"],
                         "change_pp": (None if base is None else
                                       100 * (x["probability"] - base["probability"])),
                         "change_mean_km2": (None if base is None else
                                             x["mean_km2"] - base["mean_km2"])})
    return pd.DataFrame(rows)


def change_text(row, lang: str = "en", first: str | None = None) -> str:
    """A row's change against the first run: ``+3.2 pp, −1.4 km²`` ('' for the first run),
    naming the first run when ``first`` is given."""
    if row.change_pp is None or pd.isna(row.change_pp):
        return ""
    values = {"pp": signed(row.change_pp, 1, t("pp", lang)),
              "km2": signed(row.change_mean_km2, 1, t("km2_unit", lang))}
    if first is None:
        return t("compare.change", lang, **values)
    return t("compare.change_vs", lang, first=first, **values)


def compare_text(table: pd.DataFrame, lang: str = "en") -> str:
    """The comparison (:func:`odds_table`, or comparison.csv read back) as terminal lines: a
    row per target and scenario, with probability, 95 % interval, mean km² counted and the
    change against the first run."""
    first = table.scenario.iloc[0]
    rows = []
    for target in dict.fromkeys(table.target):
        for i, (_, h) in enumerate(table[table.target == target].iterrows()):
            rows.append({t("col.target", lang): target if i == 0 else "",
                         t("col.scenario", lang): h.scenario,
                         t("col.p_meet", lang): pct(h.probability),
                         t("col.ci95", lang): pct_range(h.ci95_low, h.ci95_high),
                         t("col.mean_counted", lang): num(h.mean_km2, 1),
                         t("compare.change_col", lang, first=first): change_text(h, lang)})
    frame = pd.DataFrame(rows)
    return text_table(frame) + "\n" + t("compare.note", lang, first=first)


def compare_runs(
    folders: list[str | Path], out: str | Path, *, lang: str = "en", force: bool = False
) -> Path:
    """Compare finished runs: writes ``comparison.html``, ``comparison.csv`` and charts.

    ``out`` is replaced atomically. Raises ``ReportError`` for fewer than two runs, a
    folder that is not a run, runs with the same scenario name, or an unknown language.
    """
    if lang not in LANGS:
        raise ReportError(f"unknown language '{lang}'; available: {', '.join(LANGS)}")
    if len(folders) < 2:
        raise ReportError("compare needs at least two run folders")
    check_output(out, force=force, inputs=folders)  # before reading or drawing anything
    runs = [RunData.load(f) for f in folders]
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ReportError(f"runs must be of different scenarios (got {', '.join(names)})")
    table = odds_table(runs)

    def build(tmp: Path) -> None:
        caption = " · ".join(t("compare.run", lang, name=scenario_short(r.scenario, lang),
                                 n=f"{r.replications:,}", seed=r.seed) for r in runs)
        with chart_style(lang):
            ax = compare_fan_chart(runs, lang=lang)
            fig = ax.figure
            fig.get_layout_engine().set(rect=(0, 0.045, 1, 0.955))
            fig.text(0.01, 0.01, caption, fontsize=7, color=GREYS[2])
            (tmp / "charts").mkdir()
            fig.savefig(tmp / "charts" / "compare-fan.png", dpi=200)
            svg = svg_text(fig)
        (tmp / "charts" / "compare-fan.svg").write_text(svg, encoding="utf-8")
        chart = ChartFile("compare-fan", ax.get_title(loc="left"), caption,
                          tmp / "charts/compare-fan.png", tmp / "charts/compare-fan.svg", svg)
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        (tmp / "comparison.html").write_text(_html(runs, table, chart, lang), encoding="utf-8")

    return replace_folder(Path(out), build, kind="comparison", force=force, inputs=folders)


def _html(runs: list[RunData], table: pd.DataFrame, chart: ChartFile, lang: str) -> str:
    targets = list(dict.fromkeys(table.target))
    head = f"<th>{escape(t('col.target', lang))}</th>" + "".join(
        f'<th class="num">{escape(scenario_short(r.scenario, lang))}</th>' for r in runs)
    rows = []
    for target in targets:
        cells = []
        for run in runs:
            hit = table[(table.scenario == run.name) & (table.target == target)]
            if hit.empty:
                cells.append('<td class="num">–</td>')
            else:
                h = hit.iloc[0]
                interval = pct_range(h.ci95_low, h.ci95_high)
                km2 = t("compare.km2", lang, mean=num(h.mean_km2, 1),
                        short=num(h.mean_shortfall_km2, 1))
                change = change_text(h, lang, first=scenario_short(runs[0].scenario, lang))
                change = f"<br><small>{escape(change)}</small>" if change else ""
                cells.append(f'<td class="num" data-scenario="{escape(run.name)}">'
                             f"{pct(h.probability)}<br><small>{interval}</small>"
                             f"<br><small>{escape(km2)}</small>{change}</td>")
        label = label_of_target(runs[0].scenario, target, lang)
        rows.append(f"<tr><td>{escape(label)}</td>{''.join(cells)}</tr>")
    listing = "".join(
        f"<li><strong>{escape(scenario_short(r.scenario, lang))}</strong> — "
        f"{escape(r.name if lang == 'zh' and r.scenario.title_zh else r.scenario.title)} "
        f"({escape(t('compare.run_short', lang, n=f'{r.replications:,}', seed=r.seed))})"
        "</li>" for r in runs)
    body = (f"<h1>{escape(t('compare.title', lang))}</h1><ul>{listing}</ul>"
            f"<h2>{escape(t('compare.table', lang))}</h2>"
            f"<p>{escape(t('compare.note', lang, first=scenario_short(runs[0].scenario, lang)))}"
            "</p>"
            f'<table id="comparison"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f"</tbody></table>" + figure_html(chart, lang))
    return render_page(t("compare.title", lang), body, lang)
