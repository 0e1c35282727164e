"""What the explorer shows of an estimate, in the run report's own words and charts: its
headline, its table of targets (with the change from the scenario as shipped), the fan
chart and the release by pathway."""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass

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

__all__ = ["CHARTS", "View", "changes_against", "chart_html", "view_of"]

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


def chart_html(name: str, run: RunData, lang: str) -> str:
    """Chart ``name`` (:data:`CHARTS`) of ``run`` as the report draws it, as a figure with
    an inline PNG at screen resolution (a tenth of the SVG's bytes, drawn as fast; the
    downloaded report has the SVGs). Callable in a worker process: it needs only its
    arguments."""
    draw = CHARTS[name]
    caption = t("caption", lang, name=scenario_name(run.scenario, lang),
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


def view_of(run: RunData, shipped: RunData | None, lang: str,
            charts: Callable[[RunData, str], dict[str, str]] | None | bool = None) -> View:
    """The fragments of ``run``, its changes from ``shipped`` (None: it is the shipped
    scenario itself, and every change is zero). ``charts(run, lang)`` draws
    :data:`CHARTS` (default: one after the other, here; ``False``: no charts yet)."""
    base = shipped if shipped is not None else run
    changes = changes_against(run, base, lang)
    drawn = (charts or _draw_here)(run, lang) if charts is not False else {}
    return View(
        headline=headline_html(run, lang),
        table=targets_table(run, lang, changes),
        fan=drawn.get("fan", ""),
        pathways=drawn.get("pathways", ""),
        replications=run.replications, seed=run.seed,
        odds={x["name"]: x["probability"] for x in run.targets},
    )


def _draw_here(run: RunData, lang: str) -> dict[str, str]:
    return {name: chart_html(name, run, lang) for name in CHARTS}
