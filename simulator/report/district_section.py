"""The report's "By district" section (HTML): a lead a policy team can quote — which
districts carry the city's shortfall of the section's target when the city misses it, and
what a district's part is (a pro-rata yardstick, not a quota) — the map and fan charts, the
table of each district's part, spread and odds, and a row per other open city target.
Only for a run whose summary has districts; every word comes from the word tables."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from simulator.report.charts import odds_text
from simulator.report.district_data import (
    district_label,
    district_rows,
    gap_leaders,
    section_target,
)
from simulator.report.formatting import num, pct, pct_range
from simulator.report.i18n import label_of_target, t
from simulator.report.rundata import RunData

__all__ = ["district_lead", "district_section", "gap_share_cell", "gap_share_text", "joined",
           "row_head",
           "row_html"]


def _known(value) -> bool:
    """Not None and not NaN (a table's missing value)."""
    return value is not None and value == value


def gap_share_text(share: float | None) -> str:
    """A district's share of the city's gap as the tables show it (``35%``, ``-4%``, ``–``):
    whole per cent, since it is a ratio of two means, not a probability."""
    return f"{round(100 * share)}%" if _known(share) else "–"  # round: no "-0%"


def gap_share_cell(r: dict) -> str:
    """A district's share of the city's gap with its 95 % interval (``24.0% (23.6–24.3%)``, to
    a tenth of a per cent), as the tables show it; the share alone (whole per cent) where
    the run has no interval for it."""
    share, lo, hi = (r.get("share_of_city_gap"), r.get("share_of_city_gap_ci95_low"),
                     r.get("share_of_city_gap_ci95_high"))
    if not (_known(share) and _known(lo) and _known(hi)):
        return gap_share_text(share)
    # a tenth of a per cent: a narrow interval does not collapse to "24% (24–24%)"
    low, high = f"{100 * lo + 0:.1f}", f"{100 * hi + 0:.1f}"
    between = " to " if lo < 0 or hi < 0 else "–"  # "-3.1 to -2.0%", not "-3.1–-2.0%"
    return f"{100 * share + 0:.1f}% ({low}{between}{high}%)"


def joined(items: list[str], lang: str) -> str:
    """``a, b and c`` (``a，b和c``): a list in a sentence."""
    if len(items) < 2:
        return "".join(items)
    return t("list_sep", lang).join(items[:-1]) + t("districts.and", lang) + items[-1]


def _target(run: RunData, name: str) -> dict:
    return next(x for x in run.targets if x["name"] == name)


def district_lead(run: RunData, lang: str) -> str:
    """The section's lead as plain text: where the city's shortfall of the section's
    target falls (the two or three districts with the largest share of it), and what a
    district's part is."""
    name = section_target(run.summary, run.scenario.headline)
    rows = district_rows(run.summary, name)
    label = label_of_target(run.scenario, name, lang)
    misses = rows[0]["city_misses"] if rows else 0
    leaders = gap_leaders(rows, 3)
    if misses and leaders:
        said = [t("districts.leader", lang, name=district_label(r["district"], lang),
                  share=gap_share_text(r["share_of_city_gap"]),
                  short=pct(r["short_when_city_misses"]))
                for r in leaders]
        first = t("districts.lead", lang, target=label, misses=f"{misses:,}",
                  n=f"{run.replications:,}", leaders=joined(said, lang))
    else:
        first = t("districts.lead_none", lang, target=label, n=f"{run.replications:,}")
    return f"{first} {t('districts.yardstick', lang)}"


def row_head(first: str, lang: str) -> str:
    """The header cells of a district table whose first column is ``first`` (a word-table
    key): part, spread, odds, interval, short when the city misses, share of the gap."""
    columns = [(first, ""), ("col.part", ' class="num"'),
               ("col.spread", ' class="num"'), ("col.p_part", ' class="num"'),
               ("col.ci95", ' class="num"'), ("col.short_when", ' class="num"'),
               ("col.gap_share", ' class="num"')]
    return "".join(f"<th{c}>{escape(t(k, lang))}</th>" for k, c in columns)


def row_html(r: dict, key: str, first: str) -> str:
    """A district table's row: ``first`` (the label, escaped here) and the numbers of ``r``
    (a row of ``by_target``); ``key`` names it (``data-district`` or ``data-target``)."""
    short = r["short_when_city_misses"]
    cells = [num(r["part_km2"], 2),
             f'{num(r["p10_km2"], 1)}–{num(r["p50_km2"], 1)}–{num(r["p90_km2"], 1)}',
             pct(r["probability"]), pct_range(r["ci95_low"], r["ci95_high"]),
             "–" if short is None else pct(short), gap_share_cell(r)]
    name = r["district"] if key == "data-district" else r["target"]
    return (f'<tr {key}="{escape(name)}" data-probability="{r["probability"]!r}">'
            f"<td>{escape(first)}</td>"
            + "".join(f'<td class="num">{c}</td>' for c in cells) + "</tr>")


def _table(run: RunData, name: str, lang: str) -> str:
    """Each district's part of target ``name``, its spread, odds and share of the gap."""
    rows = district_rows(run.summary, name)
    # the districts that carry most of the gap first, as the lead names them
    ordered = sorted(rows, key=lambda r: (r["share_of_city_gap"] is None,
                                          -(r["share_of_city_gap"] or 0.0)))
    body = [row_html(r, "data-district", district_label(r["district"], lang)) for r in ordered]
    return (f'<table id="districts"><thead><tr>{row_head("col.district", lang)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _table_title(run: RunData, target: dict, lang: str) -> str:
    key = ("districts.table_title" if target["from"] == run.scenario.horizon.start
           else "districts.table_title_window")
    return t(key, lang, target=label_of_target(run.scenario, target["name"], lang),
             km2=f"{target['km2']:g}", by=target["by"], first=target["from"],
             p=odds_text(target, lang, run.provenance))


def _others(run: RunData, name: str, lang: str) -> str:
    """A row per other open city-wide target: its odds, how often the city misses it and
    the districts that carry most of that gap ('' if there is none)."""
    others = [x for x in run.targets if x["name"] in run.summary["districts"]["by_target"]
              and x["name"] != name and not x.get("observed")]
    if not others:
        return ""
    head = "".join(f"<th{c}>{escape(t(k, lang))}</th>" for k, c in [
        ("col.target", ""), ("col.years", ""), ("col.p_meet", ' class="num"'),
        ("col.city_misses", ' class="num"'), ("col.carried_by", "")])
    body = []
    for x in others:
        rows = district_rows(run.summary, x["name"])
        misses = rows[0]["city_misses"] if rows else 0
        carriers = t("list_sep", lang).join(
            t("districts.carrier", lang, name=district_label(r["district"], lang),
              share=gap_share_text(r["share_of_city_gap"])) for r in gap_leaders(rows, 3))
        body.append(
            f'<tr data-target="{escape(x["name"])}">'
            f'<td>{escape(label_of_target(run.scenario, x["name"], lang))}</td>'
            f'<td>{x["from"]}–{x["by"]}</td><td class="num">{pct(x["probability"])}</td>'
            f'<td class="num">{misses:,}</td><td>{escape(carriers or "–")}</td></tr>')
    return (f"<h3>{escape(t('districts.others', lang))}</h3>"
            f'<table id="districts-others"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def district_section(run: RunData, lang: str, figures: Mapping[str, str]) -> str:
    """The section as HTML ('' for a run without districts); ``figures``: the district
    charts' ``<figure>`` HTML by chart name (district-map, district-fans), those drawn."""
    name = section_target(run.summary, run.scenario.headline)
    if name is None:
        return ""
    target = _target(run, name)
    label = label_of_target(run.scenario, name, lang)
    rows = district_rows(run.summary, name)
    misses = rows[0]["city_misses"] if rows else 0
    table_note = t("districts.table_note", lang, n=f"{run.replications:,}",
                   misses=f"{misses:,}")
    shown = "".join(figures[k] for k in ("district-map", "district-fans") if k in figures)
    note = (f'<p class="note" id="districts-figures-note">'
            f'{escape(t("districts.figures_note", lang, target=label, by=target["by"]))}</p>'
            if shown else "")
    return (f'<h2 id="section-districts">{escape(t("section.districts", lang))}</h2>'
            f'<p class="headline" id="districts-lead">{escape(district_lead(run, lang))}</p>'
            f"{shown}{note}"
            f"<h3>{escape(_table_title(run, target, lang))}</h3>{_table(run, name, lang)}"
            f'<p class="note" id="districts-table-note">{escape(table_note)}</p>'
            f"{_others(run, name, lang)}")
