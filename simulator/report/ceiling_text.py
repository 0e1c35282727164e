"""The sentence that says a target cannot be met by construction, and what binds (en, zh)."""

from __future__ import annotations

__all__ = ["ceiling_sentence", "impossible_sentences"]


def _join(names: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ceiling_sentence(name: str, first: int, last: int, km2: float, ceiling_km2: float,
                     binding: dict, lang: str = "en", labels: dict | None = None) -> str:
    """One sentence: at most ``ceiling_km2`` can be released in ``first``–``last`` (target
    ``km2``), impossible by construction, and which constraint binds.

    ``binding`` is summary.json's ``targets[].binding`` ({caps, capacity, schedule}: pathway
    names); ``labels`` maps a pathway to the name shown (default: the pathway's key).
    """
    labels = labels or {}

    def named(kind: str) -> list[str]:
        return [labels.get(p, p) for p in binding.get(kind, [])]

    caps, queues, schedule = named("caps"), named("capacity"), named("schedule")
    plan = binding.get("plan_km2")
    short_plan = plan is not None and plan < km2 - 1e-9 and not (caps or queues or schedule)
    if lang == "zh":
        why = []
        if caps:
            why.append(f"{_join(caps, lang)}的年度释放上限起约束作用")
        if queues:
            why.append(f"{_join(queues, lang)}的阶段容量起约束作用")
        if schedule:
            why.append(f"{_join(schedule, lang)}按计划与进度到{last}年只能完成这么多")
        if short_plan:
            why.append(f"规划在此期间只安排了{plan:.1f}平方公里")
        under = "在年度释放上限下，" if caps else ""
        return (f"{name}：{under}{first}—{last}年最多可释放{ceiling_km2:.1f}平方公里"
                f"（目标{km2:g}），按模型结构不可能实现" + ("；" + "；".join(why) if why else "")
                + "。")
    why = []
    if caps:
        why.append(f"the cap{'s' if len(caps) > 1 else ''} of {_join(caps, lang)} "
                   f"bind{'' if len(caps) > 1 else 's'}")
    if queues:
        why.append(f"the stage capacit{'ies' if len(queues) > 1 else 'y'} of "
                   f"{_join(queues, lang)} bind{'' if len(queues) > 1 else 's'}")
    if schedule:
        why.append(f"no more of {_join(schedule, lang)}'s plan can be finished by {last}")
    if short_plan:
        why.append(f"the plan schedules only {plan:.1f} km² in these years")
    under = " under the annual caps" if caps else ""
    return (f"{name}: at most {ceiling_km2:.1f} km² can be released in {first}–{last}{under} "
            f"(target {km2:g}): impossible by construction" + ("; " + "; ".join(why) if why else ""))


def impossible_sentences(summary: dict, lang: str = "en", labels: dict | None = None,
                         target_labels: dict | None = None) -> list[str]:
    """A :func:`ceiling_sentence` for each impossible target of a run's summary.json data
    (``target_labels`` maps a target's name to the name shown; default: the name)."""
    out = []
    names = target_labels or {}
    for t in summary.get("targets", []):
        if t.get("impossible"):
            out.append(ceiling_sentence(names.get(t["name"], t["name"]), t["from"], t["by"],
                                        t["km2"], t["ceiling_km2"], t.get("binding", {}), lang,
                                        labels))
    return out


TIGHT = 0.8
"""A target needing at least this share of what the plan has left gets a sentence."""


def remaining_sentences(summary: dict, scenario, lang: str = "en",
                        target_labels: dict | None = None) -> list[str]:
    """For a run from a status date: each open target counted from the horizon's start to
    its end that needs at least :data:`TIGHT` of what the plan has left (in progress and not
    yet started) — a sentence saying so, so that odds that rest on nearly all of it do not
    read as a bug. Empty without a status or such a target."""
    from simulator.report.i18n import as_of_text, t

    status = summary.get("status")
    if not status:
        return []
    start, end = scenario.horizon.start, scenario.horizon.end
    names = target_labels or {}
    out = []
    for target in summary.get("targets", []):
        if target.get("observed") or target.get("impossible") or target["from"] != start \
                or target["by"] != end:
            continue
        scope = [p for p in target["pathways"] if p in status["accounting"]] \
            if isinstance(target.get("pathways"), list) else list(status["accounting"])
        released = sum(status["accounting"][p]["released_km2"] for p in scope)
        left = sum(status["accounting"][p]["pipeline_km2"] + status["accounting"][p][
            "not_started_km2"] for p in scope)
        need = target["km2"] - released
        if need <= 0 or left <= 0 or need / left < TIGHT:
            continue
        out.append(t("remaining.tight", lang, label=names.get(target["name"], target["name"]),
                     released=f"{released:.1f}", as_of=as_of_text(status["as_of"], lang),
                     need=f"{need:.1f}", share=f"{need / left:.0%}", left=f"{left:.1f}"))
    return out
