"""The self-contained HTML report: no external requests, no JavaScript, printable on A4."""

from __future__ import annotations

import base64
import re
from html import escape, unescape

from simulator.inputs.keypath import parse_path
from simulator.report.ceiling_text import impossible_sentences, remaining_sentences
from simulator.report.charts import ChartFile, odds_text
from simulator.report.district_charts import DISTRICT_CHARTS
from simulator.report.district_section import district_section
from simulator.report.formatting import num, pct, pct_range
from simulator.report.i18n import (
    as_of_text,
    bilingual,
    interval_text,
    label_of_pathway,
    label_of_target,
    notice_text,
    observed_qualifier,
    observed_text,
    scenario_name,
    stage_label,
    t,
    term,
    until_text,
    zh_tidy,
)
from simulator.report.path_words import path_label
from simulator.report.rundata import RunData

__all__ = ["headline_sentence", "headline_target", "render_page", "render_report"]

_FONTS = {
    "en": '"Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif',
    "zh": '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
          '"WenQuanYi Zen Hei", "Helvetica Neue", Arial, sans-serif',
}

_CSS = """
:root { color-scheme: light; }
body { font-family: %(font)s; color: #1f1f1f; max-width: 52rem; margin: 2rem auto;
       padding: 0 1.2rem; line-height: 1.5; font-size: 11pt; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; border-bottom: 1px solid #bbb; padding-bottom: 0.2rem;
     margin-top: 2rem; }
.meta { color: #5a5a5a; font-size: 0.9rem; margin-top: 0; }
.headline { font-size: 1.1rem; background: #f3f3f3; border-left: 4px solid #a63d2a;
            padding: 0.7rem 1rem; }
.notice { border: 2px solid #a63d2a; color: #a63d2a; font-weight: bold;
          padding: 0.5rem 0.9rem; }
.coverage { font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%%; font-size: 0.85rem; margin: 0.6rem 0; }
th, td { border-bottom: 1px solid #d9d9d9; padding: 0.3rem 0.35rem; text-align: left;
         vertical-align: top; }
th { background: #ececec; word-break: keep-all; }
/* Chinese terms (在库储备, 土地整备) never split between two characters: cells break at
   spaces and punctuation only; long notes wrap as running text */
:lang(zh) td { word-break: keep-all; }
:lang(zh) td.note { word-break: normal; }
code { overflow-wrap: anywhere; }
#levers td:first-child { width: 34%%; }
code.path { overflow-wrap: normal; word-break: normal; font-size: 0.78em; color: #5a5a5a; }
td[class^="label-"] { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { white-space: normal; }  /* headers wrap, numbers never: tables fit an A4 width */
figure { margin: 1.4rem 0; }
figure img { width: 100%%; height: auto; border: 1px solid #ececec; }
figcaption { font-size: 0.85rem; color: #5a5a5a; }
code { font-size: 0.85em; }
.label-sourced { color: #1f1f1f; font-weight: bold; }
.label-derived { color: #5a5a5a; font-weight: bold; }
.label-assumption { color: #a63d2a; font-weight: bold; }
.nowrap { white-space: nowrap; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  figure, table, .headline { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def headline_target(run: RunData) -> dict:
    """The target the headline leads with: the scenario's ``headline``, else the first."""
    wanted = run.scenario.headline or run.targets[0]["name"]
    return next(t for t in run.targets if t["name"] == wanted)


def headline_html(run: RunData, lang: str) -> str:
    """The report's headline paragraphs: the headline target's odds, all targets together,
    what changed from the scenario file, and what the intervals cover."""
    target = headline_target(run)
    start = run.scenario.horizon.start
    key = "headline.cumulative" if target["from"] == start else "headline.window"
    values = {}
    if run.status is not None:
        key = key.replace("headline.", "headline.status_")
        as_of = run.status["as_of"]
        values = {"as_of": as_of_text(as_of, lang), "until": until_text(as_of, lang)}
    shown = pct(target["probability"])
    if target.get("observed"):
        met = target["probability"] >= 1
        key = "headline.observed_met" if met else "headline.observed_missed"
        shown = odds_text(target, lang, run.provenance)
        values = {"label": label_of_target(run.scenario, target["name"], lang),
                  "got": num(target["mean_km2"], 2)}
    probability = (
        f'<strong id="headline-probability" data-probability="{target["probability"]!r}" '
        f'data-target="{escape(target["name"])}">{escape(shown)}</strong>'
    )
    first = t(key, lang, km2=f"{target['km2']:g}", by=target["by"], first=target["from"],
              p="\x00", ci=pct_range(*target["ci95"]), **values)
    first = escape(first).replace("\x00", probability)
    if not target.get("observed"):
        first = escape(_range_words(target, start, lang)) + " " + first + _kind_words(target, lang)
    if target.get("observed"):
        first = f'<span hidden>{probability}</span>{first}'  # the number, for readers of data
    end = run.scenario.horizon.end
    second = t("headline.joint" if len(run.targets) > 1 else "headline.joint_one", lang,
               n=len(run.targets),
               p=pct(run.summary["joint"]["probability"]),
               mean=f"{run.summary['cumulative'][str(end)]['mean']:.1f}",
               planned=f"{run.scenario.planned_km2:g}", end=end)
    second += planned_note(run.scenario, lang)
    missed = run.summary["joint"].get("missed_observed")
    if missed:
        q = observed_qualifier(run.provenance, lang)
        observed = (t("joint.observed_q", lang, q=q) if q is not None
                    else t("joint.observed", lang))
        second = t("joint.missed", lang, n=len(run.targets), observed=observed,
                   label=label_of_target(run.scenario, missed[0], lang))
    changed = _changes(run, lang)
    lead = (escape(t("headline.changed", lang, changes=changed)) + " ") if changed else ""
    return (f'<p class="headline" id="headline">{lead}{first} {escape(second)}</p>'
            f'<p class="coverage" id="coverage">{escape(_coverage(run, lang))}</p>')


def headline_sentence(run: RunData, lang: str) -> str:
    """The report's headline as plain text: the sentence a policy team quotes (the terminal
    prints it above the table; the Word briefing leads with it)."""
    html = headline_html(run, lang)
    html = re.sub(r"<span hidden>.*?</span>", "", html.split('<p class="coverage"')[0])
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def _range_words(target: dict, start: int, lang: str) -> str:
    """The headline's lead: the km² the target's window releases, p10–p90."""
    if "p10_km2" not in target:  # a run folder written before the range was recorded
        return ""
    key = "headline.range_cumulative" if target["from"] == start else "headline.range_window"
    return t(key, lang, by=target["by"], first=target["from"],
             lo=num(target["p10_km2"], 1), hi=num(target["p90_km2"], 1))


def _kind_words(target: dict, lang: str) -> str:
    """What an about (约) or strive (力争) target's wording adds to its odds."""
    within = target.get("within_tolerance")
    if target.get("kind") == "about" and within is not None:
        return " " + escape(t("headline.about", lang, km2=f"{target['km2']:g}",
                              tol=f"{target['tolerance_km2']:g}", floor=f"{within['km2']:g}",
                              p=pct(within["probability"]), ci=pct_range(*within["ci95"])))
    if target.get("kind") == "strive":
        return " " + escape(t("headline.strive", lang, km2=f"{target['km2']:g}"))
    return ""


def _coverage(run: RunData, lang: str) -> str:
    """What the 95 % intervals cover (Monte Carlo error; parameter uncertainty or not)."""
    return interval_text(run.replications, len(run.scenario.uncertain),
                         len(run.scenario.posterior.paths) if run.scenario.posterior else 0,
                         lang)


def _notice(run: RunData, lang: str, *, top: bool = True) -> str:
    """The banner on status figures that are illustrative or assumed ('' otherwise): at
    the top of the report, and again where the status figures are shown."""
    text = notice_text(run.provenance, lang)
    if not text:
        return ""
    ident = ' id="notice"' if top else ""
    return f'<p class="notice"{ident} role="note">{escape(text)}</p>'


def _changes(run: RunData, lang: str = "en") -> str:
    """Every value a ``--set`` (or the explorer) changed, named in words — "Over-programming
    (× plan) = 1.2" — for the headline ('' if none); the key paths are in the command."""
    resolved = run.scenario.resolved()
    changed = [path for path, note in run.scenario.provenance.items()
               if " by --set " in note or "(set to " in note]
    return t("list_sep", lang).join(
        t("headline.change_item", lang, label=path_label(run.scenario, p, lang),
          value=_show(_value_at(resolved, p))) for p in changed)


def targets_table(run: RunData, lang: str, changes: dict[str, str] | None = None) -> str:
    """The report's table of targets: odds, 95 % intervals, mean and shortfall km², and
    the ceiling notes; with ``changes`` (target name → text), a column of them."""
    columns = [("col.target", ""), ("col.years", ""), ("col.km2", ' class="num"'),
               ("col.ceiling", ' class="num"'), ("col.pathways", ""),
               ("col.probability", ' class="num"'), ("col.ci95", ' class="num"'),
               ("col.mean", ' class="num"'), ("col.shortfall", ' class="num"')]
    if changes is not None:
        columns.append(("col.change_shipped", ' class="num"'))
    head = "".join(f"<th{c}>{escape(t(k, lang))}</th>" for k, c in columns)
    rows = []
    for x in run.targets:
        scope = t("all", lang) if x["pathways"] == "all" else t("list_sep", lang).join(
            label_of_pathway(run.scenario, p.strip(), lang) for p in x["pathways"].split(","))
        label = label_of_target(run.scenario, x["name"], lang)
        rows.append(
            f'<tr data-target="{escape(x["name"])}"><td>{escape(label)}</td>'
            f'<td>{x["from"]}–{x["by"]}</td><td class="num">{x["km2"]:g}</td>'
            f'<td class="num">{_ceiling_cell(x)}</td>'
            f"<td>{escape(scope)}</td>"
            + (f'<td class="num" colspan="2">{escape(odds_text(x, lang, run.provenance))}</td>'
               if x.get("observed") else
               f'<td class="num">{pct(x["probability"])}</td>'
               f'<td class="num">{pct_range(*x["ci95"])}</td>')
            + f'<td class="num">{num(x["mean_km2"], 1)}</td>'
            f'<td class="num">{num(x["mean_shortfall_km2"], 2)}</td>'
            + ("" if changes is None else
               f'<td class="num change">{escape(changes.get(x["name"], ""))}</td>')
            + "</tr>"
        )
    joint = run.summary["joint"]
    odds = (f'<td class="num" colspan="2">'
            f'{escape(observed_text(False, run.provenance, lang))}</td>'
            if joint.get("missed_observed") else
            f'<td class="num">{pct(joint["probability"])}</td>'
            f'<td class="num">{pct_range(*joint["ci95"])}</td>')
    rows.append(
        f'<tr data-target="all"><td><em>{escape(t("all_targets", lang))}</em></td><td></td>'
        f"<td></td><td></td><td></td>{odds}<td></td><td></td>"
        + ("" if changes is None else
           f'<td class="num change">{escape(changes.get("all", ""))}</td>')
        + "</tr>"
    )
    body = "".join(rows)
    table = f'<table id="targets"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    tight = remaining_sentences(run.summary, run.scenario, lang, {
        x["name"]: label_of_target(run.scenario, x["name"], lang) for x in run.targets})
    notes = "".join(f'<p class="note" id="remaining-{i}">{escape(s)}</p>'
                    for i, s in enumerate(tight))
    return table + _impossible_note(run, lang) + notes


def _ceiling_cell(target: dict) -> str:
    """A target's ceiling (km²), or a dash for a run folder written before ceilings."""
    ceiling = target.get("ceiling_km2")
    return "–" if ceiling is None else f"{ceiling:.1f}"


def _impossible_note(run: RunData, lang: str) -> str:
    """What the ceiling column means, and a sentence for each target no replication can meet."""
    if not any("ceiling_km2" in x for x in run.targets):
        return ""
    labels = {name: label_of_pathway(run.scenario, name, lang) for name in run.scenario.pathways}
    targets = {x["name"]: label_of_target(run.scenario, x["name"], lang) for x in run.targets}
    said = impossible_sentences(run.summary, lang, labels, targets)
    items = "".join(f"<li>{escape(s)}</li>" for s in said)
    listing = f'<ul id="impossible" class="impossible">{items}</ul>' if said else ""
    return f'<p class="note">{escape(t("ceiling.note", lang))}</p>{listing}'


def path_html(path: str) -> str:
    """A key path in small type that breaks only between its parts
    (``pathways.<wbr>consolidation.<wbr>annual_cap``), never inside a word."""
    parts = re.split(r"(?<=\.)|(?=\[)", path)
    return '<code class="path">' + "<wbr>".join(escape(p) for p in parts if p) + "</code>"


def levers_section(run: RunData, lang: str) -> str:
    """What would change the odds: each lever alone (levers.json), as a table."""
    data = run.levers
    if not data:
        return ""
    target = label_of_target(run.scenario, data["target"], lang)
    head = "".join(f"<th{c}>{escape(t(k, lang))}</th>" for k, c in [
        ("col.lever", ""), ("col.range", ""), ("col.now", ' class="num"'),
        ("col.p_low", ' class="num"'), ("col.p_high", ' class="num"'),
        ("col.km2_low_high", ' class="num"'), ("col.for50", ' class="num"'),
        ("col.for80", ' class="num"')])
    rows = []
    for r in data["levers"]:
        def wanted(level: str) -> str:
            answer = r[level]
            if not answer["reachable"]:
                return t("levers.out_of_reach", lang)
            return _show(answer["value"])
        now = "–" if r["now"] is None else _show(r["now"])
        rows.append(
            f'<tr data-lever="{escape(r["path"])}"><td>{escape(bilingual(r["description"], lang))}'
            f'<br>{path_html(r["path"])}</td>'
            f'<td class="num">{_show(r["min"])}–{_show(r["max"])}</td>'
            f'<td class="num">{escape(now)}</td>'
            f'<td class="num">{pct(r["low"]["probability"])}</td>'
            f'<td class="num">{pct(r["high"]["probability"])}</td>'
            f'<td class="num">{num(r["low"]["mean_km2"], 1)} / {num(r["high"]["mean_km2"], 1)}'
            f'</td><td class="num">{escape(wanted("for50"))}</td>'
            f'<td class="num">{escape(wanted("for80"))}</td></tr>')
    intro = t("levers.intro", lang, n=f"{data['replications']:,}", target=target)
    head_target = next((x for x in run.targets if x["name"] == data["target"]), None)
    now = next((r.get("now_probability") for r in data["levers"]
                if r.get("now_probability") is not None), None)
    if (now is not None and head_target is not None
            and data["replications"] != run.replications):
        intro += " " + t("levers.now", lang, n=f"{data['replications']:,}", target=target,
                         p=pct(now), p_head=pct(head_target["probability"]),
                         n_head=f"{run.replications:,}")
    if data.get("first_look"):
        intro += " " + t("levers.first_look", lang)
    return (f"<h2>{escape(t('section.levers', lang))}</h2><p>{escape(intro)}</p>"
            f'<table id="levers"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _uncertain_section(run: RunData, lang: str) -> str:
    """Uncertain parameters: their priors and what the headline odds depend on."""
    data = run.summary.get("uncertain")
    if not data:
        return ""
    target = headline_target(run)
    rows_by_path = {r["path"]: r for r in data["sensitivity"][target["name"]]}
    head = "".join(f"<th{c}>{escape(t(k, lang))}</th>" for k, c in [
        ("col.parameter", ""), ("col.distribution", ""), ("col.now", ' class="num"'),
        ("col.first_order", ' class="num"'), ("col.p_low_fifth", ' class="num"'),
        ("col.p_high_fifth", ' class="num"')])
    rows = []
    for p in sorted(data["parameters"], key=lambda p: -rows_by_path[p["path"]]["first_order"]):
        s = rows_by_path[p["path"]]
        rows.append(
            f'<tr data-parameter="{escape(p["path"])}"><td>'
            f'{escape(path_label(run.scenario, p["path"], lang))}<br>{path_html(p["path"])}'
            f'</td><td>{escape(_distribution(p["prior"], lang))}</td>'
            f'<td class="num">{_show(p["scenario_value"])}</td>'
            f'<td class="num">{num(s["first_order"], 2)}</td>'
            f'<td class="num">{_pct_or_dash(s["odds_low"])}</td>'
            f'<td class="num">{_pct_or_dash(s["odds_high"])}</td>'
            "</tr>")
    label = label_of_target(run.scenario, target["name"], lang)
    intro = t("uncertain.intro", lang, k=len(data["parameters"]), target=label)
    return (f"<h2>{escape(t('section.uncertain', lang))}</h2><p>{escape(intro)}</p>"
            f'<table id="uncertain"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _distribution(prior: dict, lang: str) -> str:
    """What a parameter was drawn from, in words: its prior ("prior: lognormal, median 2,
    σ 0.5") or the calibrated posterior (its draws and range), never a file's path."""
    if prior.get("dist") == "posterior":
        def shown(v: float) -> str:  # 4.77e-07 is 0 to a reader
            return "0" if abs(v) < 5e-4 else f"{v:.3g}"

        return t("dist.posterior", lang, n=f"{prior['draws']:,}", lo=shown(prior["min"]),
                 hi=shown(prior["max"]))
    return t("dist.prior", lang, dist=_show(prior, lang))


def _pct_or_dash(value: float | None) -> str:
    return "–" if value is None else pct(value)


def _status_section(run: RunData, lang: str) -> str:
    """Where things stand: the accounting by pathway and the pipeline by pathway and stage."""
    status = run.status
    if status is None:
        return ""
    as_of = as_of_text(status["as_of"], lang)
    cols = [("planned_km2", "col.planned"), ("released_km2", "col.actual"),
            ("pipeline_km2", "col.pipeline"), ("pipeline_projects", "col.projects"),
            ("not_started_km2", "col.not_started"), ("late_start_km2", "col.late_start"),
            ("excess_km2", "col.excess")]
    head = f"<th>{escape(t('col.pathway', lang))}</th>" + "".join(
        f'<th class="num">{escape(t(k, lang))}</th>' for _, k in cols)
    rows = []
    for name, account in status["accounting"].items():
        cells = "".join(
            f'<td class="num">{account[c] if c == "pipeline_projects" else num(account[c], 2)}'
            "</td>" for c, _ in cols)
        rows.append(f'<tr data-pathway="{escape(name)}"><td>'
                    f"{escape(label_of_pathway(run.scenario, name, lang))}</td>{cells}</tr>")
    accounting = (f'<table id="status"><thead><tr>{head}</tr></thead>'
                  f'<tbody>{"".join(rows)}</tbody></table>')
    pipe_head = "".join(f"<th{c}>{escape(t(k, lang))}</th>" for k, c in [
        ("col.pathway", ""), ("col.stage", ""), ("col.km2", ' class="num"'),
        ("col.projects", ' class="num"')])
    pipe_rows = "".join(
        f"<tr><td>{escape(label_of_pathway(run.scenario, r['pathway'], lang))}</td>"
        f"<td>{escape(stage_label(r['stage'], lang))}</td><td class=\"num\">{num(r['km2'], 2)}</td>"
        f"<td class=\"num\">{r['projects']}</td></tr>" for r in status["pipeline"])
    pipeline = (f"<h3>{escape(t('status.pipeline', lang))}</h3>"
                f'<table id="pipeline"><thead><tr>{pipe_head}</tr></thead>'
                f"<tbody>{pipe_rows}</tbody></table>") if status["pipeline"] else ""
    late = sum(a["late_start_km2"] for a in status["accounting"].values())
    note = (f"<p>{escape(t('status.late_note', lang, km2=num(late, 2), as_of=as_of))}</p>"
            if late > 0 else "")
    year = status.get("zero_so_far")
    if year is not None:
        note += f"<p>{escape(t('status.zero_so_far', lang, year=year, date=as_of))}</p>"
    return (f"<h2>{escape(t('section.status', lang))}</h2>{_notice(run, lang, top=False)}"
            f"<p>{escape(t('status.intro', lang, as_of=as_of))}</p>{accounting}{note}{pipeline}")


def _pathways_table(run: RunData, lang: str) -> str:
    cols = [("planned_km2", "col.planned"), ("released_mean_km2", "col.released"),
            ("late_mean_km2", "col.late"), ("dropped_mean_km2", "col.dropped")]
    head = f"<th>{escape(t('col.pathway', lang))}</th>" + "".join(
        f'<th class="num">{escape(t(k, lang))}</th>' for _, k in cols)
    rows = []
    for name, row in run.pathways.iterrows():
        label = label_of_pathway(run.scenario, name, lang)
        cells = "".join(f'<td class="num">{num(row[c], 2)}</td>' for c, _ in cols)
        rows.append(f"<tr><td>{escape(label)}</td>{cells}</tr>")
    body = "".join(rows)
    return f'<table id="pathways"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _value_at(data, path: str):
    try:
        for part in parse_path(path):
            data = data[part]
        return data
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _assumption_value(resolved: dict, path: str):
    """The value a provenance label is about: ``uncertain:`` keys are key paths themselves
    (``uncertain.pathways.renewal.annual_cap``), and ``uncertain.from`` names the posterior."""
    if path == "uncertain.from":
        posterior = resolved.get("posterior") or {}
        return posterior.get("file")
    if path.startswith("uncertain."):
        return (resolved.get("uncertain") or {}).get(path[len("uncertain."):])
    return _value_at(resolved, path)


def _target_amount(target: dict, lang: str) -> str:
    """A target as an amount: ``17 km² by the end of 2023``, ``15 km² in 2024–2025``."""
    if target.get("from") is not None:
        return t("target_window", lang, km2=f"{target['km2']:g}", first=target["from"],
                 by=target["by"])
    return t("target_by", lang, km2=f"{target['km2']:g}", by=target["by"])


def planned_note(scenario, lang: str) -> str:
    """A note when the pathways' plans add up to other than the largest target (59.2 km²
    planned beside a 59 km² target reads as a typo otherwise); '' when they agree."""
    if not scenario.targets:
        return ""
    largest = max(x.km2 for x in scenario.targets)
    if abs(scenario.planned_km2 - largest) < 0.05:
        return ""
    return " " + t("planned_note", lang, planned=f"{scenario.planned_km2:g}",
                   target=f"{largest:g}")


def _show(value, lang: str = "en", run: RunData | None = None) -> str:
    sep = t("list_sep", lang)
    if isinstance(value, dict):
        shown = []
        for k, v in value.items():
            if v is None or k in ("name", "label", "label_zh"):
                continue
            if k == "dist":  # "lognormal, median 3" reads better than "dist lognormal, …"
                shown.append(term(str(v), lang))
                continue
            if k == "km2" and isinstance(v, (int, float)):  # "1 km²", not "km2 1"
                shown.append(f"{v:g} km²" if lang == "en" else f"{v:g}平方公里")
                continue
            if k == "pathway":  # the pathway's label says what it is
                shown.append(_show(v, lang, run))
                continue
            if run is not None and k in run.scenario.pathways:
                key = label_of_pathway(run.scenario, k, lang)  # route weights name pathways
            else:
                key = term(str(k), lang)
            shown.append(f"{key} {_show(v, lang, run)}")
        return sep.join(shown)
    if isinstance(value, list):
        return "[" + sep.join(_show(v, lang, run) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and run is not None and value in run.scenario.pathways:
        return label_of_pathway(run.scenario, value, lang)
    return term(str(value), lang)


def _assumptions(run: RunData, lang: str) -> str:
    resolved = run.scenario.resolved()
    rows = []
    for path, text in run.scenario.provenance.items():
        label, _, note = text.partition(":")
        label = label.strip()
        value = _assumption_value(resolved, path)
        if isinstance(value, dict) and {"path", "description"} <= set(value):  # a lever
            cell = (f"{escape(bilingual(value['description'], lang))}: "
                    f"{_show(value['min'])}–{_show(value['max'])} "
                    f"{path_html(value['path'])}")
        elif isinstance(value, dict) and {"km2", "by"} <= set(value):  # a target
            cell = escape(_target_amount(value, lang))
        elif value is None:
            cell = escape(t("not_set", lang))
        elif isinstance(value, dict) and value.get("dist") == "empirical":
            cell = escape(t("empirical_draws", lang, n=f"{len(value.get('values', [])):,}"))
        else:
            cell = escape(_show(value, lang, run))
        rows.append(
            f"<tr><td>{escape(path_label(run.scenario, path, lang))}<br>{path_html(path)}</td>"
            f"<td>{cell}</td>"
            f'<td class="label-{escape(label)}">{escape(t("label." + label, lang))}</td>'
            f'<td class="note">{escape(bilingual(note.strip(), lang))}</td></tr>'
        )
    head = "".join(f"<th>{escape(t(k, lang))}</th>" for k in
                   ("col.parameter", "col.value", "col.label", "col.note"))
    sources = "".join(f"<li>{escape(bilingual(s, lang))}</li>" for s in run.scenario.sources)
    return (f'<table id="assumptions"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            f'</tbody></table><h3>{escape(t("sources", lang))}</h3><ul>{sources}</ul>')


def _manifest(run: RunData, lang: str) -> str:
    m = run.manifest or {}
    items = [
        ("manifest.version", m.get("landsim_version", "")),
        ("manifest.engine", run.summary.get("engine", "")),
        ("manifest.seed", run.seed),
        ("manifest.replications", f"{run.replications:,}"),
        ("manifest.hash", m.get("scenario_sha256", run.scenario.digest())),
        ("manifest.commit", m.get("git_commit") or "–"),
        ("manifest.command", " ".join(m.get("command") or []) or "–"),
    ]
    rows = "".join(f"<tr><th>{escape(t(k, lang))}</th><td><code>{escape(str(v))}</code></td></tr>"
                   for k, v in items)
    return f'<table id="manifest">{rows}</table>'


def figure_html(chart: ChartFile, lang: str = "en") -> str:
    """A chart as an inline SVG image with its caption (punctuated for ``lang``)."""
    return figure_tag(chart.name, chart.title, chart.caption, "image/svg+xml",
                      chart.svg_text.encode("utf-8"), lang)


def figure_tag(name: str, title: str, caption: str, mime: str, data: bytes,
               lang: str = "en") -> str:
    """``<figure id="chart-NAME">``: an inline image (``data`` of type ``mime``) with its
    title and caption (punctuated for ``lang``)."""
    encoded = base64.b64encode(data).decode("ascii")
    stop = "。" if lang == "zh" else ". "
    return (f'<figure id="chart-{name}"><img alt="{escape(title)}" '
            f'src="data:{mime};base64,{encoded}"><figcaption>{escape(title)}{stop}'
            f"{escape(caption)}</figcaption></figure>")


def _tidy_text_nodes(body: str) -> str:
    """:func:`zh_tidy` on the text between tags (never inside a tag, style or code), and
    a break opportunity before each opening bracket."""
    parts = re.split(r"(<(?:style|code|pre)\b.*?</(?:style|code|pre)>|<[^>]*>)", body,
                     flags=re.S)
    # a line may break before an opening bracket and between two words of a unit, as in
    # "平均缺口<wbr>（平方<wbr>公里）": cells keep their terms whole (keep-all) and still fit
    # an A4 page
    body = "".join(part if part.startswith("<") else zh_tidy(part) for part in parts)
    return re.sub(r"(<t[hd]\b[^>]*>)(.*?)(</t[hd]>)",
                  lambda m: m.group(1) + _cell_breaks(m.group(2)) + m.group(3), body, flags=re.S)


def _cell_breaks(cell: str) -> str:
    """Break opportunities in a Chinese table cell's text (not in its tags or code)."""
    parts = re.split(r"(<code\b.*?</code>|<[^>]*>)", cell, flags=re.S)
    return "".join(part if part.startswith("<") else
                   re.sub(r"(?<=\S)（", "<wbr>（", part).replace("平方公里", "平方<wbr>公里")
                   for part in parts)


_YEAR_RANGE = re.compile(r"(?<![\d.])((?:19|20)\d\d[–—-](?:19|20)\d\d年?)(?![\d.])")


def keep_years_whole(body: str) -> str:
    """Year ranges ("2022–2023", "2024—2035年") in text kept on one line: at A4 width they
    broke as "2022–/2023". Text between tags only, never inside a tag, style or code."""
    parts = re.split(r"(<(?:style|code|pre|script)\b.*?</(?:style|code|pre|script)>|<[^>]*>)",
                     body, flags=re.S)
    return "".join(part if part.startswith("<") else
                   _YEAR_RANGE.sub(r'<span class="nowrap">\1</span>', part) for part in parts)


def render_page(title: str, body: str, lang: str) -> str:
    """A complete HTML page around ``body``, with the report stylesheet."""
    html_lang = "zh-Hans" if lang == "zh" else "en"
    if lang == "zh":  # text put together outside t(): labels, notes, table cells
        body = _tidy_text_nodes(body)
    body = keep_years_whole(body)
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS % {'font': _FONTS[lang]}}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def render_report(run: RunData, charts: list[ChartFile], *, lang: str = "en") -> str:
    """The report of one run as a self-contained HTML page."""
    title = (run.scenario.title_zh if lang == "zh" else "") or run.scenario.title or run.name
    meta = t("caption", lang, name=scenario_name(run.scenario, lang),
             n=f"{run.replications:,}", seed=run.seed)
    by_district = {name for name, _draw in DISTRICT_CHARTS}  # drawn in their own section
    body = (
        f"<h1>{escape(title)}</h1><p class=\"meta\">{escape(t('report.title', lang))} · "
        f"{escape(meta)}</p>"
        + _notice(run, lang)
        + headline_html(run, lang)
        + f"<h2>{escape(t('section.targets', lang))}</h2>" + targets_table(run, lang)
        + f"<h2>{escape(t('section.charts', lang))}</h2>"
        + "".join(figure_html(c, lang) for c in charts if c.name not in by_district)
        + district_section(run, lang, {c.name: figure_html(c, lang) for c in charts
                                       if c.name in by_district})
        + levers_section(run, lang)
        + _uncertain_section(run, lang)
        + _status_section(run, lang)
        + f"<h2>{escape(t('section.pathways', lang))}</h2>" + _pathways_table(run, lang)
        + f"<h2>{escape(t('section.assumptions', lang))}</h2>" + _assumptions(run, lang)
        + f"<h2>{escape(t('section.manifest', lang))}</h2>" + _manifest(run, lang)
    )
    return render_page(title, body, lang)
