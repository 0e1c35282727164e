"""What the explorer shows of one district (plain Python, no Shiny): the picker's choices,
the district's row for each city-wide target still open — part, p10–p50–p90, P(≥ part) with
its interval, how often it is short when the city misses, its share of the city's gap — and
its fan chart, drawn by the report's own function. Areas are km²."""

from __future__ import annotations

import functools
import io
import warnings
from dataclasses import dataclass
from html import escape

from simulator.app.views import CHART_LOCK, SCREEN_DPI, keep_years
from simulator.inputs.scenario import Scenario
from simulator.report.charts import chart_title, finish_chart
from simulator.report.district_charts import district_fans_chart
from simulator.report.district_data import (
    UnknownDistrict,
    district_label,
    has_districts,
    target_rows,
)
from simulator.report.district_section import row_head, row_html
from simulator.report.html import figure_tag
from simulator.report.i18n import label_of_target, scenario_name, t
from simulator.report.rundata import RunData
from simulator.report.style import chart_style

__all__ = ["WHOLE_CITY", "DistrictView", "UnknownDistrict", "district_chart",
           "district_choices", "district_view"]

WHOLE_CITY = ""
"""The picker's value for the whole city (no district view): never a district's name, which
is printable text of at least one character."""


@dataclass(frozen=True)
class DistrictView:
    """One district of one answer: its rows (summary.json's figures, each with ``target``)
    and the table as HTML."""

    district: str
    rows: list[dict]
    table: str


def district_choices(scenario: Scenario, lang: str) -> dict[str, str]:
    """The picker's choices, value → label: the whole city first, then each district as the
    scenario names them, labelled in ``lang``; {} for a scenario without districts."""
    names = scenario.district_names
    if not names:
        return {}
    return {WHOLE_CITY: t("app.whole_city", lang),
            **{name: district_label(name, lang) for name in names}}


def district_view(run: RunData, district: str, lang: str) -> DistrictView:
    """``district``'s table in ``run`` (one row per city-wide target still open). Raises
    ``UnknownDistrict`` if the run has no such district (another scenario's, a forged
    value) or no districts at all."""
    if not has_districts(run.summary):
        raise UnknownDistrict("this run has no districts")
    rows = target_rows(run.summary, district)
    head = row_head("col.target", lang)
    body = [row_html(r, "data-target", label_of_target(run.scenario, r["target"], lang))
            for r in rows]
    title = t("app.district_title", lang, name=district_label(district, lang))
    note = " ".join([t("app.district_note", lang, n=f"{run.replications:,}"),
                     t("districts.yardstick", lang)])
    table = (f'<h3 id="district-title">{escape(title)}</h3>'
             f'<table id="district-table" data-district="{escape(district)}"><thead><tr>'
             f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
             f'<p class="note">{escape(note)}</p>')
    return DistrictView(district, rows, keep_years(table))


def district_chart(run: RunData, district: str, lang: str, shown: str | None = None) -> str:
    """``district``'s fan (the report's small-multiple chart, one panel) as a figure with an
    inline PNG at screen resolution; its caption names the scenario ``shown`` (default: as
    the report does). Raises ``UnknownDistrict``."""
    if district not in ((run.summary.get("districts") or {}).get("cumulative") or {}):
        raise UnknownDistrict(f"no district {district[:80]!r} in this run")
    draw = functools.partial(district_fans_chart, districts=[district])
    caption = t("caption", lang, name=shown or scenario_name(run.scenario, lang),
                n=f"{run.replications:,}", seed=run.seed)
    with CHART_LOCK, chart_style(lang), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="constrained_layout not applied")
        ax = draw(run, lang=lang)[0]
        finish_chart(ax, caption)
        buffer = io.BytesIO()
        ax.figure.savefig(buffer, format="png", dpi=SCREEN_DPI,
                          pil_kwargs={"compress_level": 1})
        title = chart_title(ax)
    return figure_tag("district-fan", title, caption, "image/png", buffer.getvalue(), lang)
