"""Words of the charts and reports, in English and Chinese."""

from __future__ import annotations

import re

__all__ = ["LANGS", "pathway_label", "t"]

LANGS = ("en", "zh")

_TEXT: dict[str, tuple[str, str]] = {
    # charts
    "year": ("Year", "年份"),
    "fan.title": ("Cumulative release", "累计释放规模"),
    "fan.y": ("Cumulative release (km²)", "累计释放工业用地（平方公里）"),
    "median": ("Median", "中位数"),
    "band50": ("Middle 50% of replications", "中间 50% 模拟结果"),
    "band80": ("Middle 80% of replications", "中间 80% 模拟结果"),
    "plan": ("Plan", "规划"),
    "target": ("Target", "目标"),
    "odds.title": ("Probability of meeting each target", "实现各项目标的概率"),
    "odds.y": ("Probability (%)", "概率（%）"),
    "all_targets": ("All targets", "全部目标"),
    "ci95": ("95% interval", "95% 区间"),
    "pathways.title": ("Annual release by pathway: simulated mean and plan",
                       "分路径年度释放规模：模拟均值与规划"),
    "pathways.y": ("Release (km² per year)", "释放规模（平方公里/年）"),
    "planned": ("Planned", "规划"),
    "released": ("Released (mean)", "释放（均值）"),
    "shortfall.title": ("Planned and released area by pathway, at each target year",
                        "各目标年份分路径规划与释放面积"),
    "shortfall.y": ("Cumulative area (km²)", "累计面积（平方公里）"),
    "by_end": ("by end of {year}", "截至{year}年底"),
    "scurve.title": ("Probability of having reached each target, by year",
                     "逐年达到各目标规模的概率"),
    "scurve.y": ("Probability of having reached the target (%)", "达到目标规模的概率（%）"),
    "p50": ("P50", "P50"),
    "p80": ("P80", "P80"),
    "dist.title": ("Distribution of the release each target counts", "各目标计入释放规模的分布"),
    "dist.x": ("Counted release (km²)", "计入释放规模（平方公里）"),
    "dist.y": ("Replications (%)", "模拟结果占比（%）"),
    "caption": ("Scenario {name} · {n} replications · seed {seed}",
                "情景 {name} · {n} 次模拟 · 随机种子 {seed}"),
    # report
    "report.title": ("Land-release outlook", "工业用地释放前景"),
    "headline.cumulative": (
        "The chance of releasing at least {km2} km² by the end of {by} is {p} "
        "(95% interval {ci}).",
        "到{by}年底累计释放不少于{km2}平方公里的概率为{p}（95% 区间 {ci}）。",
    ),
    "headline.window": (
        "The chance of releasing at least {km2} km² in {first}–{by} is {p} (95% interval {ci}).",
        "{first}—{by}年释放不少于{km2}平方公里的概率为{p}（95% 区间 {ci}）。",
    ),
    "headline.joint": (
        "The chance of meeting all {n} targets together is {p}; on average {mean} km² of the "
        "planned {planned} km² is released by {end}.",
        "同时实现全部 {n} 项目标的概率为{p}；平均而言，截至{end}年底释放{mean}平方公里"
        "（规划{planned}平方公里）。",
    ),
    "section.targets": ("Targets", "目标"),
    "section.charts": ("Charts", "图表"),
    "section.pathways": ("Pathways", "释放路径"),
    "section.assumptions": ("Assumptions and sources", "假设与来源"),
    "section.manifest": ("Run", "运行信息"),
    "col.target": ("Target", "目标"),
    "col.years": ("Years", "年份"),
    "col.km2": ("km²", "平方公里"),
    "col.pathways": ("Pathways", "路径"),
    "col.probability": ("Probability", "概率"),
    "col.ci95": ("95% interval", "95% 区间"),
    "col.mean": ("Mean released (km²)", "平均释放（平方公里）"),
    "col.shortfall": ("Mean shortfall (km²)", "平均缺口（平方公里）"),
    "col.pathway": ("Pathway", "路径"),
    "col.planned": ("Planned (km²)", "规划（平方公里）"),
    "col.released": ("Released in horizon, mean (km²)", "规划期内释放，均值（平方公里）"),
    "col.late": ("Released late, mean (km²)", "逾期释放，均值（平方公里）"),
    "col.dropped": ("Abandoned, mean (km²)", "项目终止，均值（平方公里）"),
    "col.parameter": ("Parameter", "参数"),
    "col.value": ("Value", "取值"),
    "col.label": ("Basis", "依据"),
    "col.note": ("Note", "说明"),
    "all": ("all", "全部"),
    "label.sourced": ("sourced", "有出处"),
    "label.derived": ("derived", "推算"),
    "label.assumption": ("assumption", "假设"),
    "sources": ("Sources", "资料来源"),
    "manifest.version": ("landsim version", "landsim 版本"),
    "manifest.engine": ("Engine", "模拟引擎"),
    "manifest.seed": ("Seed", "随机种子"),
    "manifest.replications": ("Replications", "模拟次数"),
    "manifest.hash": ("Scenario SHA-256", "情景 SHA-256"),
    "manifest.commit": ("Git commit", "Git 提交"),
    "manifest.command": ("Command", "命令"),
    "compare.title": ("Scenario comparison", "情景比较"),
    "compare.fan": ("Cumulative release: median and middle 80% by scenario",
                    "累计释放规模：各情景中位数与中间 80% 区间"),
    "compare.table": ("Probability of meeting each target, by scenario",
                      "各情景实现各项目标的概率"),
    "col.scenario": ("Scenario", "情景"),
}

_CJK = re.compile(r"[\u3400-\u9fff]")


def t(key: str, lang: str, **values) -> str:
    """The text ``key`` in ``lang`` ("en" or "zh"), with ``values`` filled in."""
    text = _TEXT[key][LANGS.index(lang)]
    return text.format(**values) if values else text


def pathway_label(name: str, label: str | None, lang: str) -> str:
    """A pathway's label in ``lang``: "Land consolidation (土地整备)" gives either half."""
    if not label:
        return name
    match = re.match(r"^(.*?)\s*[（(]([^()（）]*)[)）]\s*$", label)
    if match and _CJK.search(match.group(2)) and not _CJK.search(match.group(1)):
        return match.group(2).strip() if lang == "zh" else match.group(1).strip()
    return label
