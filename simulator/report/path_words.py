"""A scenario's key paths in words, in English and Chinese, for readers of a report.

``pathways.consolidation.stages[0].dropout`` is what reproduces a run; "Land consolidation,
negotiation: drop-out share" (土地整备，谈判：流失率) is what a briefing says. Reports name
every parameter in words and keep the key path as small print beside it. The words come
from the scenario (pathway, stage, target, event and lever labels) and from the word table
(:mod:`simulator.report.i18n`, keys ``param.*``); an unknown path falls back on its keys as
terms.
"""

from __future__ import annotations

import re

from simulator.inputs.keypath import parse_path
from simulator.report.i18n import (
    bilingual,
    label_of_pathway,
    stage_label,
    t,
    target_label,
    term,
)

__all__ = ["path_label", "without_keys"]

_FIELDS = ("annual_cap", "dropout", "capacity", "duration", "yield", "projects", "plan",
           "programme", "replacement", "route", "management", "schedule", "size_cv", "count",
           "median", "sigma", "mean", "sd", "min", "max", "mode", "value", "values", "max",
           "delay", "lead", "pool_km2", "review", "trigger", "after", "pathway_factor_sigma",
           "global_factor_sigma", "probability", "lasts", "duration_multiplier", "dropout_add",
           "released", "pipeline", "as_of", "quantile", "km2", "by", "from", "start", "end",
           "districts", "district")


def _field(key: str, lang: str) -> str:
    """A scenario field as words (``param.<key>`` in the word table, else the key)."""
    if key in _FIELDS:
        return t(f"param.{key}", lang)
    return term(key, lang)


def _join(head: str, parts: list[str], lang: str) -> str:
    if not parts:
        return head
    sep = t("param.sep", lang)
    return head + t("param.colon", lang) + sep.join(parts)


def path_label(scenario, path: str, lang: str) -> str:
    """Key path ``path`` of ``scenario`` in words in ``lang`` ("en" or "zh"). Never raises:
    a path it cannot parse is returned as it is."""
    if path.startswith("uncertain."):
        if path == "uncertain.from":
            return t("param.posterior_file", lang)
        return path_label(scenario, path[len("uncertain."):], lang)
    try:
        parts = parse_path(path)
    except ValueError:
        return path
    if not parts:
        return path
    head, rest = parts[0], list(parts[1:])
    if head == "pathways" and rest and rest[0] in scenario.pathways:
        name = label_of_pathway(scenario, rest.pop(0), lang)
        words = []
        if rest[:1] == ["stages"] and len(rest) > 1 and isinstance(rest[1], int):
            stages = scenario.pathways[parts[1]].stages
            k = rest[1]
            if k < len(stages):
                name += t("param.comma", lang) + stage_label(stages[k].name, lang)
            rest = rest[2:]
        words = [_field(str(r), lang) if not isinstance(r, int) else str(r) for r in rest]
        return _join(name, [t("param.sub", lang).join(words)] if words else [], lang)
    if head == "targets" and rest and isinstance(rest[0], int) and rest[0] < len(
            scenario.targets):
        name = target_label(scenario.targets[rest[0]], lang)
        return _join(name, [_field(str(r), lang) for r in rest[1:]], lang)
    if head == "levers" and rest and isinstance(rest[0], int) and rest[0] < len(scenario.levers):
        return bilingual(scenario.levers[rest[0]].description, lang)
    if head == "events" and rest and isinstance(rest[0], int) and rest[0] < len(scenario.events):
        name = t("param.event", lang, name=scenario.events[rest[0]].name)
        return _join(name, [_field(str(r), lang) for r in rest[1:]], lang)
    if head in ("programme", "correlation", "management", "status", "horizon", "schedule"):
        words = [_field(str(r), lang) if not isinstance(r, int) else str(r) for r in rest]
        return _join(t(f"param.{head}", lang), [t("param.sub", lang).join(words)] if words
                     else [], lang)
    return " ".join(_field(str(p), lang) if not isinstance(p, int) else str(p) for p in parts)


_KEY_PATH = re.compile(
    r"(?<![\w.\[])(?:pathways|programme|correlation|management|events|targets|levers|"
    r"uncertain|status|horizon)(?:\.[A-Za-z_][\w-]*|\[\d+\])+(?![\w\[])")


def without_keys(text: str, scenario, lang: str) -> str:
    """``text`` with the scenario's keys a reader should not see put in words, for Chinese
    pages: key paths (:func:`path_label`), target names (their labels) and the scenario's id
    (its Chinese title). English text, and text of no scenario, is returned as it is."""
    if lang != "zh" or scenario is None or not text:
        return text
    text = _KEY_PATH.sub(lambda m: path_label(scenario, m.group(0), lang), text)
    for target in sorted(scenario.targets, key=lambda x: -len(x.name)):
        text = re.sub(rf"(?<![\w-]){re.escape(target.name)}(?![\w-])",
                      lambda _m, x=target: target_label(x, lang), text)
    if getattr(scenario, "title_zh", None):
        text = re.sub(rf"(?<![\w-]){re.escape(scenario.name)}(?![\w-])",
                      lambda _m: scenario.title_zh, text)
    return text
