"""A sensitivity analysis in words: ``sensitivity.md``, the report's findings and headline.

Every sentence states an effect only with its 95 % interval, and only where the interval
clears zero and the Monte Carlo noise floor on an output that varies by more than Monte
Carlo noise (``measurable`` in ``indices.csv``); an output that does not is said to have no
measurable effect and is not ranked. Sobol results also say when the indices have not
converged and which N would do.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from simulator.report.formatting import sig
from simulator.report.i18n import t
from simulator.study.sensitivity_analysis import (
    CONVERGED_HALF_WIDTH,
    RANK_KEY,
    TARGET_HALF_WIDTH,
    noise_threshold,
    unsettled_samples,
)

__all__ = ["describe", "findings", "headline", "noise_rule", "output_sentence"]

MEASURE_NAME = {"oat": "swing between low and high", "morris": "Morris μ*",
                "sobol": "total Sobol index ST"}
LISTED = 3  # parameters named per output


def _md_code(path: str) -> str:
    return f"`{path}`"


def noise_rule(result, lang: str = "en") -> str:
    """The sentence that says when an output and an effect count as measurable."""
    m = len(result.points)
    crn = result.manifest.get("noise_of_differences")
    if crn:
        return t("sensitivity.rule_crn", lang, r=crn["rows"], m=f"{m:,}", seed2=crn["seed"],
                 m1=m - 1, r1=crn["rows"] - 1)
    return t("sensitivity.rule", lang, k=f"{noise_threshold(m):.2f}", m=f"{m:,}")


def output_sentence(result, output: str, lang: str = "en",
                    code: Callable[[str], str] = str) -> str:
    """What moves ``output`` (``<target> probability`` or ``<target> km²``), in a sentence or
    a few: no measurable effect; nothing measurable; or the (at most three) parameters with
    a measurable effect, strongest first, with their intervals — plus, for Sobol, whether
    the indices converged and the interactions whose S2 interval excludes zero."""
    rows = result.indices[result.indices.output == output]
    state = rows.output_state.iloc[0] if "output_state" in rows else "varies"
    if state != "varies":  # constant over the design: say what it is, not "no effect"
        key = {"out of reach": "sens.out_of_reach", "certain": "sens.certain"}.get(
            state, "sens.constant")
        return t(key, lang, m=f"{len(result.points):,}")
    if not rows.output_measurable.any():
        return t("sens.no_effect", lang)
    ranked = result.ranking(output)
    shown = ranked[ranked.measurable]
    if shown.empty:
        text = [t("sens.nothing", lang)]
    else:
        unit = t("senschart.unit_pp" if rows.unit.iloc[0] == "pp" else "senschart.unit_km2",
                 lang)
        parts = [_part(result.method, row, unit, lang, code)
                 for _, row in shown.head(LISTED).iterrows()]
        rest = len(ranked) - len(shown)
        tail = ("" if not rest else t("sens.rest_one", lang) if rest == 1
                else t("sens.rest_many", lang, n=rest))
        text = [t("sens.most", lang, parts=t("sens.then", lang).join(parts), rest=tail)]
    if result.method == "sobol":  # an unconverged analysis may be why nothing is measurable
        text += _sobol_notes(result, rows, shown.head(LISTED), lang, code)
    return " ".join(text)


def _part(method: str, row: pd.Series, unit: str, lang: str, code) -> str:
    param = code(row.parameter)
    if method == "oat":
        return t("sens.oat_part", lang, param=param, low=f"{row.low:g}", high=f"{row.high:g}",
                 low_delta=_signed(row.delta_low), high_delta=_signed(row.delta_high),
                 unit=unit, swing=sig(row.swing), conf=sig(row.swing_conf))
    if method == "morris":
        return t("sens.morris_part", lang, param=param, mu=sig(row.mu_star),
                 conf=sig(row.mu_star_conf), unit=unit, sigma=sig(row.sigma))
    return t("sens.sobol_part", lang, param=param, st=sig(row.ST), conf=sig(row.ST_conf),
             s1=sig(row.S1))


def _signed(x: float) -> str:
    text = sig(x)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _sobol_notes(result, rows: pd.DataFrame, shown: pd.DataFrame, lang: str, code) -> list[str]:
    """Order not resolved among the named parameters; not converged (S1 > ST, wide
    intervals, a change on doubling N) with the N that would do; interactions."""
    notes = []
    listed = list(shown.itertuples())
    for a, b in zip(listed, listed[1:], strict=False):
        if a.ST - a.ST_conf < b.ST + b.ST_conf:
            notes.append(t("sens.unresolved", lang, a=code(a.parameter), b=code(b.parameter)))
    n = int(result.manifest["samples"])
    reasons = []
    above = rows[rows.s1_above_st]
    if not above.empty:
        reasons.append(t("sens.reason_s1", lang,
                         params=", ".join(code(p) for p in above.parameter)))
    width = float(rows.ST_conf.max())
    if width > CONVERGED_HALF_WIDTH:
        reasons.append(t("sens.reason_wide", lang, width=sig(width)))
    change = float((rows.ST - rows.ST_half_N).abs().max())
    if change > CONVERGED_HALF_WIDTH:  # NaN (no half design) is not a change
        reasons.append(t("sens.reason_moved", lang, change=sig(change, 3), half=f"{n // 2:,}"))
    if reasons:  # the reasons ``converged`` is False for; the N, as the manifest's
        notes.append(t("sens.not_converged", lang, n=f"{n:,}",
                       reasons=t("sens.reasons_join", lang).join(reasons),
                       better=f"{unsettled_samples(rows, n):,}",
                       target=f"{TARGET_HALF_WIDTH:g}"))
    pairs = result.pairs
    if pairs is not None:
        found = pairs[(pairs.output == rows.output.iloc[0]) & pairs.measurable]
        if not found.empty:
            notes.append(t("sens.interactions", lang, parts="; ".join(
                t("sens.s2_part", lang, a=code(p.parameter), b=code(p.parameter_2),
                  s2=sig(p.S2), conf=sig(p.S2_conf))
                for p in found.sort_values("S2", ascending=False).itertuples())))
    return notes


def _outputs_by_target(result) -> dict[str, list[tuple[str, str]]]:
    """target → [(output, what-key)] in the order of the indices."""
    return {target: [(f"{target} probability", "sens.what_probability"),
                     (f"{target} km²", "sens.what_km2")]
            for target in dict.fromkeys(result.indices.target)}


def findings(result, lang: str = "en") -> pd.DataFrame:
    """The report's table of findings: target, output, and the sentence on each."""
    rows = []
    for target, outputs in _outputs_by_target(result).items():
        for output, what in outputs:
            rows.append({t("sensitivity.col_target", lang): target,
                         t("sensitivity.col_output", lang): t(what, lang),
                         t("sensitivity.col_finding", lang): output_sentence(result, output,
                                                                             lang)})
    return pd.DataFrame(rows)


def describe(result) -> str:
    """``sensitivity.md``: which parameters measurably move each target's outputs."""
    method = result.method
    lines = [f"# Sensitivity of {result.scenario.name} ({method})", "",
             f"{len(result.params)} parameters, {len(result.points)} points × "
             f"{result.manifest['replications_per_point']:,} replications (seed "
             f"{result.manifest['seed']}, common random numbers). Ranked by the "
             f"{MEASURE_NAME[method]}. " + noise_rule(result), ""]
    for target, outputs in _outputs_by_target(result).items():
        lines.append(f"## {target}")
        for output, what in outputs:
            lines.append(f"- **{t(what, 'en')}**: "
                         + output_sentence(result, output, "en", _md_code))
        lines.append("")
    return "\n".join(lines)


def headline(result, lang: str = "en") -> tuple[str, float | None]:
    """The analysis's finding in a sentence — what matters most for the headline target's
    km² — and the number it states (None when nothing is stated)."""
    target = result.scenario.headline or result.scenario.targets[0].name
    output = f"{target} km²"
    rows = result.indices[result.indices.output == output]
    if "output_state" in rows and rows.output_state.iloc[0] != "varies":
        return t("sensitivity.constant_headline", lang, target=target,
                 m=f"{len(result.points):,}"), None
    if not rows.output_measurable.any():
        return t("sensitivity.noise_headline", lang, target=target), None
    ranked = result.ranking(output)
    measurable = ranked[ranked.measurable]
    if measurable.empty:
        return t("sensitivity.none", lang, target=target), None
    top = measurable.iloc[0]
    key = RANK_KEY[result.method]
    unit = "" if result.method == "sobol" else " km²"
    conf = top[f"{key}_conf"]  # the headline, too, states its interval
    return (t("sensitivity.headline", lang, target=target, param=top["parameter"], measure=key,
              value=f"{top[key]:.3g} ± {sig(conf)}{unit}"), float(top[key]))
