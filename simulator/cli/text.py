"""The plain-text answers a run prints: its target table, status and ceiling lines."""

from __future__ import annotations

import math


def format_table(result) -> str:
    """The target table printed after a run (of a ``SimulationResult``): a line on what the
    status figures are when they are illustrative or assumed, the table, what the
    intervals cover, and why a target cannot be met."""
    from simulator.inputs.status import status_provenance
    from simulator.report.formatting import num, pct, pct_range
    from simulator.report.i18n import interval_text, notice_text, observed_text

    scenario = result.scenario
    provenance = status_provenance(scenario) if scenario.status is not None else None
    odds = result.target_odds()
    joint = result.joint()
    width = max(17, *(len(observed_text(met, provenance, "en").partition(" ")[2])
                      for met in (True, False)))
    lines = [
        "",
        f"{'target':<16} {'years':<11} {'km²':>6} {'ceiling':>7} {'P(meet)':>8}  "
        f"{'95% interval':<{width}} {'mean km²':>9} {'shortfall':>9}",
    ]
    for name, row in odds.iterrows():
        years = f"{row['from']}–{row['by']}"
        scope = "" if row["pathways"] == "all" else f"  [{row['pathways']}]"
        if isinstance(row.get("district"), str):  # pandas holds a city target's as NaN
            scope += f"  [district {district_label(row['district'])}]"
        interval = pct_range(row["ci95_low"], row["ci95_high"])
        shown = pct(row["probability"])
        if row["observed"]:  # history: no probability about it
            shown, _, interval = observed_text(row["probability"] >= 1, provenance,
                                               "en").partition(" ")
        elif row["impossible"]:  # no replication can meet it: the sentence below says why
            interval = "(impossible)"
        lines.append(
            f"{name:<16} {years:<11} {row['km2']:>6.1f} {row['ceiling_km2']:>7.1f} {shown:>8}  "
            f"{interval:<{width}} {num(row['mean_km2'], 1):>9} "
            f"{num(row['mean_shortfall_km2'], 2):>9}{scope}"
        )
    lo, hi = joint["ci95"]
    shown, interval = pct(joint["probability"]), pct_range(lo, hi)
    if joint["missed_observed"]:  # an observed target was missed: so were all together
        shown, _, interval = observed_text(False, provenance, "en").partition(" ")
    lines.append(f"{'all targets':<16} {'':<11} {'':>6} {'':>7} {shown:>8}  {interval}")
    lines += wording_lines(odds, result.replications)
    lines += ["", interval_text(result.replications, len(scenario.uncertain),
                                posterior_count(scenario), "en")]
    summary = result.summary()  # computed from the tally: once
    lines += ceiling_lines(summary["targets"])
    from simulator.report.ceiling_text import remaining_sentences

    tight = remaining_sentences(summary, scenario)
    lines += ["", *tight] if tight else []
    lines += assumption_lines(result)
    if scenario.status is not None:
        notice = notice_text(provenance, "en")
        lines[1:1] = status_lines(scenario) + ([notice, ""] if notice else [])
    return "\n".join(lines)


def quotable(result, width: int = 100) -> str:
    """The report's headline sentence (English), wrapped: what a run prints above its
    table."""
    import textwrap

    from simulator.report.html import headline_sentence
    from simulator.report.rundata import RunData

    return "\n" + textwrap.fill(headline_sentence(RunData.from_result(result), "en"), width)


def assumption_lines(result, most: int = 3) -> list[str]:
    """How many of the scenario's labelled inputs are sourced, derived or assumptions (and
    illustrative), and — when some are uncertain — which the headline target's odds depend
    on most (first-order index from the run's own replications), with their labels."""
    from simulator.inputs.status import is_illustrative

    scenario = result.scenario
    kinds = {"sourced": 0, "derived": 0, "assumption": 0}
    illustrative = 0
    for text in scenario.provenance.values():
        kind = text.partition(":")[0].strip()
        if kind in kinds:
            kinds[kind] += 1
        illustrative += is_illustrative(text)
    total = sum(kinds.values())
    if not total:
        return []
    line = (f"Inputs: {total} labelled values — {kinds['sourced']} sourced, {kinds['derived']} "
            f"derived, {kinds['assumption']} assumptions"
            + (f" ({illustrative} marked illustrative)" if illustrative else "") + ".")
    out = ["", line]
    if scenario.uncertain:
        target = scenario.headline or scenario.targets[0].name
        rows = result.uncertain_summary()["sensitivity"][target]
        top = [r for r in rows if r["first_order"] >= 0.01][:most]
        if top:
            def kind(path: str) -> str:
                text = (scenario.label_of("uncertain." + path) or scenario.label_of(path)
                        or "unlabelled")
                return text.partition(":")[0]

            parts = [f"{r['path']} ({r['first_order']:.2f}, {kind(r['path'])})" for r in top]
            out.append(f"The odds of {target} depend most on: " + "; ".join(parts)
                       + " (first-order index from this run's replications, and its label).")
        else:
            out.append(f"No uncertain input moves the odds of {target} measurably on its own "
                       "(every first-order index below 0.01).")
    else:
        out.append("No input is uncertain in this run: the odds hold at these values "
                   "(declare uncertain: values, or see the report's lever table, for which "
                   "ones drive them).")
    return out


def wording_lines(odds, replications: int) -> list[str]:
    """What the plan's wording adds: each open target's release p10–p90, and for an about
    (约) target with a tolerance the odds of at least km2 − tolerance."""
    from simulator.report.formatting import num, pct, pct_range
    from simulator.run.stats import wilson_interval

    out = []
    for name, row in odds.iterrows():
        if row["observed"]:
            continue
        words = {"about": "about (约)", "strive": "strive for (力争)"}.get(row["kind"],
                                                                         "at least (不低于)")
        line = (f"  {name}: {num(row['p10_km2'], 1)}–{num(row['p90_km2'], 1)} km² released "
                f"in {row['from']}–{row['by']} (p10–p90); the plan says {words} "
                f"{row['km2']:g} km²")
        tol = row["tolerance"]
        if row["kind"] == "about" and tol is not None and not math.isnan(tol):
            p = row["probability_within"]
            lo, hi = wilson_interval(round(p * replications), replications)
            line += (f"; within {tol:g} km² of it (a tolerance assumed here): P(≥ "
                     f"{row['km2'] - tol:g} km²) {pct(p)} ({pct_range(lo, hi)})")
        out.append(line)
    return ["", "release in each target's years, and what the plan's words allow:", *out] \
        if out else []


def posterior_count(scenario) -> int:
    """How many of the scenario's uncertain parameters come from a calibrated posterior."""
    return len(scenario.posterior.paths) if scenario.posterior is not None else 0


def ceiling_lines(targets: list[dict]) -> list[str]:
    """The printed note on targets that no replication can meet (summary.json's targets)."""
    from simulator.report.ceiling_text import impossible_sentences

    said = impossible_sentences({"targets": targets})
    if not said:
        return []
    return ["", "ceiling: the most km² the scenario can release in a target's window in the "
                "best case (no drop-out, shortest durations)", *said]


def status_lines(scenario) -> list[str]:
    """What a status date leaves to forecast, in a few printed lines."""
    from simulator.inputs.status import status_provenance
    from simulator.model.status import status_plan
    from simulator.report.formatting import num
    from simulator.report.i18n import as_of_text, t, until_text

    plan = status_plan(scenario)
    label = status_provenance(scenario)["released"]
    kind = {"illustrative": "illustrative", "assumption": "assumed",
            "derived": "derived"}.get(label, "actual")
    total = {k: sum(getattr(a, k) for a in plan.accounts)
             for k in ("released_km2", "pipeline_km2", "pipeline_projects", "not_started_km2",
                       "late_start_km2", "excess_km2")}
    out = [f"as of {as_of_text(plan.as_of, 'en')}: forecast from the status date, given the "
           f"releases up to {until_text(plan.as_of, 'en')} and the projects in progress",
           f"  released {num(total['released_km2'], 2)} km² ({kind}) · in progress "
           f"{num(total['pipeline_km2'], 2)} km² ({total['pipeline_projects']} projects) · not "
           f"yet started {num(total['not_started_km2'], 2)} km²"
           + (f", of which {num(total['late_start_km2'], 2)} km² late already"
              if total["late_start_km2"] > 0 else "")
           + (f" · {num(total['excess_km2'], 2)} km² beyond the plan"
              if total["excess_km2"] > 0 else ""),
           ""]
    year = math.floor(plan.as_of)
    if plan.as_of > year and year in scenario.years and not scenario.status.released.get(year):
        out[-1:-1] = ["  " + t("status.zero_so_far", "en", year=year,
                               date=as_of_text(plan.as_of, "en"))]
    return out


def counted(n: int, noun: str) -> str:
    """``1 pathway``, ``5 pathways``, ``1,200 projects``: a count with its noun."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"


def district_label(name: str) -> str:
    """A district as the printed tables name it: English and Chinese when the shipped parks
    table knows both (Bao'an 宝安区), else as the scenario writes it."""
    from simulator.inputs.parks import district_name

    en, zh = district_name(name, "en"), district_name(name, "zh")
    return en if en == zh else f"{en} {zh}"


def district_tables(result) -> str:
    """``landsim run … --by district``: for each city-wide target not yet history, each
    district's pro-rata part, its km² p10–p50–p90, the odds of reaching its part, and how
    the city's misses fall on it (``SimulationResult.by_district``)."""
    from simulator.report.district_section import gap_share_cell
    from simulator.report.formatting import num, pct, pct_range

    table = result.by_district()
    odds = result.target_odds(ceilings=False)
    lines = ["", "By district. A district's part of a city-wide target is the target's km² "
                 "split as the plan it counts is placed among districts (the scenario's "
                 "shares) — a yardstick, not a published quota. Intervals: Wilson 95 %, "
                 "Monte Carlo error only."]
    wide = max(len("district"), *(_width(district_label(d)) for d in table.district)) + 1
    for name, rows in table.groupby("target", sort=False):
        row = odds.loc[name]
        if row["observed"]:
            continue
        misses = int(rows["city_misses"].iloc[0])
        lines += ["", f"{name} ({row['from']}–{row['by']}, {row['km2']:g} km², city "
                      f"P(meet) {pct(row['probability'])}): the city misses it in "
                      f"{misses:,} of {result.replications:,} replications",
                  f"  {_pad('district', wide)} {'part':>6} {'p10–p50–p90':>16} {'P(≥ part)':>9}"
                  f"  {'95% interval':<13} {'short when':>11} {'share of city gap':>22}",
                  f"  {_pad('', wide)} {'km²':>6} {'km²':>16} {'':>9}  {'':<13} "
                  f"{'city misses':>11} {'(95% interval)':>22}"]
        for r in rows.sort_values("share_of_city_gap", ascending=False,
                                  na_position="last").itertuples():
            spread = f"{num(r.p10_km2, 1)}–{num(r.p50_km2, 1)}–{num(r.p90_km2, 1)}"
            short = r.short_when_city_misses  # None or NaN when the city never misses
            when = pct(short) if short is not None and short == short else "—"
            gap = gap_share_cell(r._asdict())
            lines.append(f"  {_pad(district_label(r.district), wide)} {r.part_km2:>6.2f} "
                         f"{spread:>16} {pct(r.probability):>9}  "
                         f"{pct_range(r.ci95_low, r.ci95_high):<13} {when:>11} {gap:>22}")
        if misses:
            lines.append("  'short when city misses': in how many of the city's failing "
                         "replications the district released less than its part; 'share of "
                         "city gap': its mean (part − released) there over the city's mean "
                         "shortfall (negative: it made up some of the others' gap), with a "
                         "95% interval of Monte Carlo error (delta method).")
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a CJK character takes two)."""
    return text + " " * max(width - _width(text), 0)


def _width(text: str) -> int:
    """Terminal columns ``text`` takes (a CJK character two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
