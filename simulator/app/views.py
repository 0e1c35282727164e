"""What the explorer shows of an estimate, in the run report's own words and charts: its
headline, its table of targets (with the change from the scenario as shipped), the fan
chart and the release by pathway."""

from __future__ import annotations

import io
import re
import threading
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from html import escape

from simulator.inputs.keypath import format_path, parse_path
from simulator.inputs.scenario import Scenario
from simulator.report.charts import (
    chart_title,
    fan_chart,
    finish_chart,
    pathway_release_chart,
)
from simulator.report.formatting import signed
from simulator.report.html import figure_tag, headline_html, targets_table
from simulator.report.i18n import scenario_name, t
from simulator.report.rundata import RunData
from simulator.report.style import chart_style

__all__ = ["CHARTS", "View", "changes_against", "chart_html", "headline_of", "keep_years",
           "shown_name", "view_of"]

CHART_LOCK = threading.Lock()
"""matplotlib's style and font caches are process-wide: one chart is drawn at a time."""


@dataclass(frozen=True)
class View:
    """HTML fragments of one estimate, and the numbers a test or a reader checks."""

    headline: str
    table: str
    fan: str
    pathways: str
    replications: int
    seed: int
    odds: dict[str, float]  # target name → probability shown


_YEAR_RANGE = re.compile(r"(?<![\d.])(?:19|20)\d\d\s*[–—-]\s*(?:19|20)\d\d(?![\d.])")
_TEXT_NODE = re.compile(r">([^<]+)<")


def keep_years(html: str) -> str:
    """``html`` with each year range of its text ("2022–2025", "2022—2025") in a
    ``<span class="years">``, which the page keeps on one line."""
    def text(found: re.Match) -> str:
        inner = _YEAR_RANGE.sub(lambda m: f'<span class="years">{m.group(0)}</span>',
                                found.group(1))
        return f">{inner}<"

    return _TEXT_NODE.sub(text, html)


def changes_against(run: RunData, shipped: RunData, lang: str) -> dict[str, str]:
    """Each target's change from ``shipped`` (same seed and replications, so common random
    numbers): percentage points of probability and km² of the mean counted."""
    base = {x["name"]: x for x in shipped.targets}
    out = {}
    for x in run.targets:
        b = base.get(x["name"])
        if b is None:
            continue
        out[x["name"]] = t("compare.change", lang,
                           pp=signed(100 * (x["probability"] - b["probability"]), 1,
                                     t("pp", lang)),
                           km2=signed(x["mean_km2"] - b["mean_km2"], 1, t("km2_unit", lang)))
    joint, base_joint = run.summary["joint"], shipped.summary["joint"]
    out["all"] = signed(100 * (joint["probability"] - base_joint["probability"]), 1,
                        t("pp", lang))
    return out


SCREEN_DPI = 110
"""The live charts' resolution: 770 × 440 pixels, sharp at the page's width."""

CHARTS = {"fan": fan_chart, "pathways": pathway_release_chart}


def shown_name(base: Scenario, changed: bool, lang: str) -> str:
    """How the explorer names a scenario it shows: the file's name (its Chinese title in
    Chinese), said to be changed when controls moved (the changes are in the headline, in
    words; a variant's own name and title list key paths)."""
    name = scenario_name(base, lang)
    return t("app.changed_name", lang, name=name) if changed else name


def chart_html(name: str, run: RunData, lang: str, shown: str | None = None) -> str:
    """Chart ``name`` (:data:`CHARTS`) of ``run`` as the report draws it, as a figure with
    an inline PNG at screen resolution (a tenth of the SVG's bytes, drawn as fast; the
    downloaded report has the SVGs); its caption names the scenario ``shown`` (default:
    as the report does). Callable in a worker process: it needs only its arguments."""
    draw = CHARTS[name]
    caption = t("caption", lang, name=shown or scenario_name(run.scenario, lang),
                n=f"{run.replications:,}", seed=run.seed)
    with CHART_LOCK, chart_style(lang), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        ax = draw(run, lang=lang)
        finish_chart(ax, caption)
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=SCREEN_DPI,
                          pil_kwargs={"compress_level": 1})
        title = chart_title(ax)
    return figure_tag(name, title, caption, "image/png", buffer.getvalue(), lang)


def headline_of(run: RunData, lang: str, moved: Collection[str] = (), said: str = "") -> str:
    """The run report's headline of ``run``; the values at the key paths ``moved`` are
    said as ``said`` (the controls' labels, :func:`~simulator.app.controls.change_words`)
    in its lead ("With … (changed from the scenario file):"), not as key paths."""
    if not moved:
        return headline_html(run, lang)
    written = {format_path(parse_path(path)) for path in moved}  # as the provenance has it
    kept = {path: note for path, note in run.scenario.provenance.items()
            if path not in written}
    html = headline_html(replace(run, scenario=run.scenario.model_copy(
        update={"provenance": kept})), lang)
    lead = escape(t("headline.changed", lang, changes=said)) + " " if said else ""
    opening = '<p class="headline" id="headline">'
    if html.startswith(opening):
        return opening + lead + html[len(opening):]
    return f'<p class="headline">{lead}</p>{html}'


def view_of(run: RunData, shipped: RunData | None, lang: str,
            charts: Callable[[RunData, str], dict[str, str]] | None | bool = None,
            moved: Collection[str] = (), said: str = "") -> View:
    """The fragments of ``run``, its changes from ``shipped`` (None: it is the shipped
    scenario itself, and every change is zero). ``charts(run, lang)`` draws
    :data:`CHARTS` (default: one after the other, here; ``False``: no charts yet); the
    headline says the values at ``moved`` as ``said`` (:func:`headline_of`)."""
    base = shipped if shipped is not None else run
    changes = changes_against(run, base, lang)
    drawn = (charts or _draw_here)(run, lang) if charts is not False else {}
    return View(
        headline=keep_years(headline_of(run, lang, moved, said)),
        table=keep_years(targets_table(run, lang, changes)),
        fan=drawn.get("fan", ""),
        pathways=drawn.get("pathways", ""),
        replications=run.replications, seed=run.seed,
        odds={x["name"]: x["probability"] for x in run.targets},
    )


def _draw_here(run: RunData, lang: str) -> dict[str, str]:
    return {name: chart_html(name, run, lang) for name in CHARTS}
