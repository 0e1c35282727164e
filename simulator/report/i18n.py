"""Words of the charts and reports, in English and Chinese."""

from __future__ import annotations

import datetime
import math
import re

__all__ = [
    "LANGS",
    "as_of_text",
    "until_text",
    "bilingual",
    "label_of_pathway",
    "label_of_target",
    "pathway_label",
    "t",
    "target_label",
    "term",
    "zh_tidy",
    "scenario_name",
    "stage_label",
]

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
    "odds.small_title": ("Every target's probability is below 5%: km² counted against each",
                         "各目标概率均低于5%：各目标计入的释放规模"),
    "odds.small_note": ("Bars: mean km² each target counts; diamonds: the target",
                        "柱：各目标计入的平均释放面积；菱形：目标值"),
    "target_pct": ("{label}: {p}", "{label}：{p}"),
    "window_pct": ("{label}: +{km2} km², {p}", "{label}：+{km2}平方公里，{p}"),
    "counted_mean": ("Counted release, mean", "计入释放规模（均值）"),
    "window_target": ("Window target (rise needed from the median)",
                      "时段目标（自中位数起所需增量）"),
    "all_targets": ("All targets", "全部目标"),
    "ci95": ("95% interval", "95%置信区间"),
    "pathways.title": ("Annual release by pathway: simulated mean and plan",
                       "分路径年度释放规模：模拟均值与规划"),
    "pathways.y": ("Release (km² per year)", "释放规模（平方公里/年）"),
    "planned": ("Planned", "规划"),
    "released": ("Released (mean)", "释放（均值）"),
    "shortfall.title": ("Planned and released area by pathway, at each target year",
                        "各目标年份分路径规划与释放面积"),
    "shortfall.y": ("Cumulative area (km²)", "累计面积（平方公里）"),
    "by_end": ("by end of {year}", "截至{year}年底"),
    "scurve.title": ("Probability of having reached each target, by year\n"
                     "(■ P50, ▲ P80: the first year at 50% and at 80%)",
                     "逐年达到各目标规模的概率（■ P50、▲ P80：概率首次达到50%、80%的年份）"),
    "scurve.y": ("Probability reached", "达到目标的概率"),
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
        "到{by}年底累计释放不少于{km2}平方公里的概率为{p}（95%置信区间 {ci}）。",
    ),
    "headline.window": (
        "The chance of releasing at least {km2} km² in {first}–{by} is {p} (95% interval {ci}).",
        "{first}—{by}年释放不少于{km2}平方公里的概率为{p}（95%置信区间 {ci}）。",
    ),
    "headline.joint": (
        "The chance of meeting all {n} targets together is {p}; on average {mean} km² of the "
        "planned {planned} km² is released by {end}.",
        "同时实现全部{n}项目标的概率为{p}；平均而言，截至{end}年底释放{mean}平方公里"
        "（规划{planned}平方公里）。",
    ),
    "headline.joint_one": (
        "On average {mean} km² of the planned {planned} km² is released by {end}.",
        "平均而言，截至{end}年底释放{mean}平方公里（规划{planned}平方公里）。",
    ),
    "headline.range_cumulative": (
        "Release by the end of {by}: {lo}–{hi} km² (the middle 80% of the replications).",
        "到{by}年底的累计释放量：{lo}—{hi}平方公里（80%的模拟结果落在此区间）。"),
    "headline.range_window": (
        "Release in {first}–{by}: {lo}–{hi} km² (the middle 80% of the replications).",
        "{first}—{by}年的释放量：{lo}—{hi}平方公里（80%的模拟结果落在此区间）。"),
    "headline.about": (
        "The plan says about {km2} km² (约); allowing {tol} km² below it (a tolerance assumed "
        "here, not the plan's), the chance of at least {floor} km² is {p} (95% interval {ci}).",
        "规划表述为约{km2}平方公里；若允许低于规划{tol}平方公里（此容差为本报告假设，并非规划所定），"
        "释放不少于{floor}平方公里的概率为{p}（95%置信区间 {ci}）。"),
    "headline.strive": (
        "The plan words {km2} km² as a target to strive for (力争), not a floor.",
        "规划将{km2}平方公里表述为“力争”目标，而非下限。"),
    "remaining.tight": (
        "{label}: {released} km² were released by {as_of}; the {need} km² still needed are "
        "{share} of the {left} km² the plan has left (in progress and not yet started) — it is "
        "met only if nearly all of that is released in time, which is why its odds are what "
        "they are.",
        "{label}：{as_of}前已释放{released}平方公里；尚需的{need}平方公里占规划剩余部分（在途与"
        "尚未启动，共{left}平方公里）的{share}——只有其几乎全部按时释放才能实现，这正是其概率如此的原因。"),
    "headline.change_item": ("{label} = {value}", "{label}调至{value}"),
    "headline.changed": ("With {changes} (changed from the scenario file):",
                         "参数修改后（{changes}）："),
    "section.targets": ("Targets", "目标"),
    "section.charts": ("Charts", "图表"),
    "section.pathways": ("Pathways", "释放路径"),
    "section.assumptions": ("Assumptions and sources", "假设与来源"),
    "section.manifest": ("Run", "运行信息"),
    "col.target": ("Target", "目标"),
    "col.years": ("Years", "年份"),
    "col.km2": ("km²", "平方公里"),
    "col.ceiling": ("Ceiling (km²)", "上限（平方公里）"),
    "ceiling.impossible": ("Impossible by construction", "按模型结构不可能实现"),
    "ceiling.note": ("Ceiling: the most km² the scenario can release in the target's window "
                     "in the best case — no drop-out, shortest durations, caps and capacities "
                     "as given — computed before simulating.",
                     "上限：在最理想情况下（无流失、最短工期、年度上限与容量按设定）情景在目标年份内最多"
                     "可释放的面积，于模拟前计算。"),
    "col.pathways": ("Pathways", "路径"),
    "col.probability": ("Probability", "概率"),
    "col.ci95": ("95% interval", "95%置信区间"),
    "col.mean": ("Mean released (km²)", "平均释放（平方公里）"),
    "col.shortfall": ("Mean shortfall (km²)", "平均缺口（平方公里）"),
    "col.change_shipped": ("Change from the scenario as shipped", "较原情景的变化"),
    # the explorer (landsim serve)
    "app.title": ("landsim explorer", "landsim 情景探索"),
    "app.scenario": ("Scenario", "情景"),
    "app.upload": ("…or open a scenario file (YAML)", "……或打开情景文件（YAML）"),
    "app.upload_bad": ("{file} cannot be opened; nothing was changed:",
                       "无法打开{file}，未作任何更改："),
    "app.upload_ok": ("Opened {file}.", "已打开{file}。"),
    "app.mode": ("Uncertain values", "不确定参数"),
    "app.mode.posterior": ("as calibrated (posterior)", "按校准结果（后验）"),
    "app.mode.prior": ("priors only", "仅用先验"),
    "app.mode.fixed": ("fixed at the scenario's values", "固定为情景取值"),
    "app.levers": ("Levers", "政策抓手"),
    "app.office": ("Programme office", "项目统筹机构"),
    "app.reset": ("Back to the scenario as shipped", "恢复原情景"),
    "app.take": ("What would it take?", "需要做到什么程度？"),
    "app.take_wait": ("Working out each lever's value for 50% and 80% ({n} replications a "
                      "point)…", "正在计算各政策抓手达到50%和80%概率所需的取值（每点{n}次模拟）……"),
    "app.download_yaml": ("Download these settings (YAML)", "下载当前设置（YAML）"),
    "app.download_report": ("Download the report (HTML)", "下载报告（HTML）"),
    "app.warming": ("Warming up: {k} of {n} workers ready, then the first answer (a few "
                    "seconds, once after the explorer starts) …",
                    "正在预热：{n}个工作进程中已就绪{k}个，随后给出首个结果（仅在浏览器启动后一次，约数秒）……"),
    "app.working": ("Simulating…", "模拟中……"),
    "app.meta": ("{n} replications · seed {seed}", "{n}次模拟 · 随机种子{seed}"),
    "app.refining": ("refining to {n} replications…", "正在细化至{n}次模拟……"),
    "app.final": ("the precision asked for", "已达到设定精度"),
    "app.reproduce": ("The same numbers from the command line:", "命令行复现相同结果："),
    "app.changed_none": ("The scenario as shipped.", "原情景。"),
    "app.bad_value": ("These settings are not a valid scenario; the last answer stays:",
                      "当前设置不构成有效情景，仍显示上一次结果："),
    "app.failed": ("No answer for these settings:", "当前设置无法得出结果："),
    "app.browse": ("Choose a file…", "选择文件……"),
    "app.no_file": ("No file chosen", "未选择文件"),
    "app.take_earlier": ("This is for the settings before your last change; ask again for "
                         "these.", "以下为上次更改前设置的结果；如需当前设置的结果，请重新计算。"),
    "app.not_a_set": ("not a --set", "不是 --set 参数"),
    "app.change": ("{label} = {value}", "{label}调至{value}"),
    "app.change_sep": ("; ", "；"),
    "app.change_in": ("{label} ({pathway})", "{pathway}·{label}"),
    "app.changed_name": ("{name}, changed here", "{name}（已在此调整）"),
    "app.control.review": ("Review every, years", "检视周期（年）"),
    "app.control.pool": ("Pool of candidate sites, km²", "备选地块储备（平方公里）"),
    "app.control.trigger": ("Top up when the expected shortfall exceeds, km²",
                            "预期缺口超过该值时补充（平方公里）"),
    "app.control.cap": ("throughput cap, km²/yr", "年度释放上限（平方公里/年）"),
    "app.control.capacity": ("{stage}: projects at once", "{stage}：同时进行的项目数"),
    "app.control.dropout": ("{stage}: drop-out", "{stage}：流失率"),
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
    "list_sep": (", ", "，"),
    "label.sourced": ("sourced", "有据可查"),
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
    "compare.plan_of": ("Plan ({first})", "规划（{first}）"),
    "compare.run": ("{name}: {n} replications, seed {seed}", "{name}：{n}次模拟，随机种子{seed}"),
    "compare.run_short": ("{n} replications, seed {seed}", "{n}次模拟，随机种子{seed}"),
    "compare.fan": ("Cumulative release: median and middle 80% by scenario",
                    "累计释放规模：各情景中位数与中间 80% 区间"),
    "compare.table": ("Each target by scenario: probability, 95% interval, mean km² counted "
                      "and mean shortfall",
                      "各情景各项目标：概率、95%置信区间、计入释放均值与平均缺口"),
    "col.scenario": ("Scenario", "情景"),
    # goal-seeking and levers
    "solve.estimate": ("Probability (95% interval)", "概率（95%置信区间）"),
    "solve.level": ("Asked level {p}", "目标概率 {p}"),
    "solve.interval": ("Answer's 95% interval", "解的 95%置信区间"),
    "solve.answer": ("answer {value}", "解 {value}"),
    "solve.y": ("Probability of {target} (%)", "{target} 的实现概率（%）"),
    "solve.title": ("What it would take: {target}", "需要什么条件：{target}"),
    "solve.frontier": ("Pairs giving {p}", "达到 {p} 的组合"),
    "solve.out_of_reach": ("Out of reach in the range", "范围内无法达到"),
    "solve.frontier_title": ("Lever pairs that give {target} a {p} chance",
                             "使 {target} 实现概率达到 {p} 的政策抓手组合"),
    "solve.report_title": ("What it would take", "需要什么条件"),
    "solve.design": ("Scenario {scenario}; target {target} at {p}; lever {lever} in {low}–{high}; "
                     "{n} replications a point, seed {seed}, common random numbers.",
                     "情景 {scenario}；目标 {target}，概率 {p}；政策抓手 {lever}，范围 {low}–{high}；"
                     "每点 {n} 次模拟，随机种子 {seed}，共同随机数。"),
    "solve.found": ("{target} reaches {p} at {lever} {rel} {value} (95% interval {interval}); "
                    "the probability there is {got}.",
                    "当 {lever} {rel} {value} 时，{target} 的实现概率达到 {p}（95%置信区间 {interval}）；"
                    "该处概率为 {got}。"),
    "solve.unreachable": ("{target} does not reach {p} anywhere in {low}–{high} of {lever}: the "
                          "highest probability found is {best} at {value}.",
                          "在 {lever} 的 {low}–{high} 范围内，{target} 的实现概率达不到 {p}："
                          "最高为 {best}（取值 {value}）。"),
    "solve.not_monotone": ("The probability is not monotone in the lever over this range; the "
                           "answer is its first crossing.",
                           "在此范围内概率并非随政策抓手单调变化；所给解为首次达到处。"),
    "solve.beyond": ("beyond the range", "超出范围"),
    "solve.scanned": ("Scanned every {r}, refined where the probability changed.",
                      "扫描间隔{r}，并在概率变化处加密扫描。"),
    "solve.km2": ("There the target counts {km2} km² on average (of {target_km2} km²).",
                  "该处目标平均计入{km2}平方公里（目标{target_km2}平方公里）。"),
    # a step lever's answer: whole steps (a whole number) or whole projects (programme)
    "solve.step_whole": ("It moves in whole steps: the first step reaching the level is "
                         "{value}; {p} there, {p_before} one step {lower}.",
                         "按整数档变化：首个达到该概率的取值为{value}；该处概率为{p}，"
                         "{lower}一档时为{p_before}。"),
    "solve.step_first": ("It moves in whole steps: {value}; {p} there (the first step of the "
                         "range).",
                         "按整数档变化：取值{value}；该处概率为{p}（已是范围内的第一档）。"),
    "solve.step_projects": ("It moves in whole projects: {value} × — {which}; {p} there, "
                            "{p_before} {fewer}.",
                            "按整个项目变化：{value}倍——{which}；该处概率为{p}，"
                            "{fewer}时为{p_before}。"),
    "solve.step_projects_first": ("It moves in whole projects: {value} × — {which}; {p} there "
                                  "(the first step of the range).",
                                  "按整个项目变化：{value}倍——{which}；该处概率为{p}"
                                  "（已是范围内的第一档）。"),
    "solve.nth_project": ("the {nth} project", "第{n}个项目"),
    "solve.nth_projects": ("the {first} to {last} projects", "第{n_first}至{n}个项目"),
    "solve.lower": ("lower", "低"),
    "solve.higher": ("higher", "高"),
    "solve.fewer_one": ("one project fewer", "少一个项目"),
    "solve.fewer": ("{k} projects fewer", "少{k}个项目"),
    "solve.more_one": ("one project more", "多一个项目"),
    "solve.more": ("{k} projects more", "多{k}个项目"),
    "col.p_target": ("P(target)", "实现概率"),
    "col.mean_counted": ("Mean km² counted", "平均计入面积（平方公里）"),
    "col.lever_value": ("Lever value", "政策抓手取值"),
    "section.evaluations": ("Evaluations", "评估点"),
    "section.levers": ("What would change the odds", "哪些因素会改变概率"),
    "levers.intro": (
        "Each lever alone, moved across its range with everything else as in the scenario "
        "({n} replications a point, common random numbers): the change in the chance of {target} "
        "at its low and high end, and the value that would give {target} a 50% and an 80% chance.",
        "每项政策抓手单独在其范围内变动、其余条件不变（每点 {n} 次模拟，共同随机数）：{target} 的实现概率"
        "在范围两端的变化，以及使 {target} 实现概率达到 50% 和 80% 所需的取值。"),
    "levers.now": (
        "At these {n} replications the scenario as it is gives {target} {p}; the headline's "
        "{p_head} is from the run's {n_head} replications (the same seed: the difference is "
        "Monte Carlo error).",
        "在上述每点 {n} 次模拟下，现行情景中{target}的实现概率为 {p}；标题中的 {p_head} 来自本次运行的 "
        "{n_head} 次模拟（随机种子相同，差异为蒙特卡洛误差）。"),
    "levers.first_look": (
        "A first look: each value is found only to within a step of the scan (a quarter of "
        "the lever's range), as its interval shows, and the scan is not yet refined where a "
        "rise could hide between its points; the full analysis replaces this table.",
        "初步结果：各取值仅精确到扫描步长（政策抓手范围的四分之一），如其区间所示，且尚未在扫描点之间"
        "细化可能隐藏的上升；完整分析完成后将替换此表。"),
    "levers.tornado": ("Each lever alone: effect on {target}", "各项政策抓手单独作用：对{target}的影响"),
    "levers.tornado_x": ("Change in probability (percentage points)", "概率变化（百分点）"),
    "levers.km2_x": ("Change in mean km² counted", "平均计入面积变化（平方公里）"),
    "levers.low_end": ("Low end", "低端"),
    "levers.high_end": ("High end", "高端"),
    "col.lever": ("Lever", "政策抓手"),
    "col.range": ("Range", "范围"),
    "col.now": ("Now", "当前"),
    "col.p_low": ("P at low end", "低端概率"),
    "col.p_high": ("P at high end", "高端概率"),
    "col.km2_low_high": ("Mean km², low / high", "平均释放（平方公里），低端／高端"),
    "col.for50": ("Value for 50%", "达到 50% 所需"),
    "col.for80": ("Value for 80%", "达到 80% 所需"),
    "levers.out_of_reach": ("out of reach", "无法达到"),
    "section.uncertain": ("What the odds depend on: uncertain parameters",
                          "概率取决于什么：不确定参数"),
    "uncertain.intro": (
        "{k} parameters are uncertain: each replication drew its own values from the priors "
        "below, so the odds above already integrate over them. From the same replications: the "
        "share of the variation in meeting {target} that each parameter explains alone "
        "(first-order index, 0 to 1), and the chance of {target} when the parameter is in the "
        "lowest and in the highest fifth of its draws.",
        "有 {k} 个参数不确定：每次模拟均从下列先验分布中抽取各自的取值，因此上文概率已对其积分。"
        "基于同一批模拟：各参数单独解释的 {target} 实现与否的变异份额（一阶指数，0 至 1），"
        "以及该参数处于其抽样值最低五分之一和最高五分之一时 {target} 的实现概率。"),
    "col.prior": ("Prior", "先验分布"),
    "col.first_order": ("First-order index", "一阶指数"),
    "col.p_low_fifth": ("P, lowest fifth", "最低五分之一时概率"),
    "col.p_high_fifth": ("P, highest fifth", "最高五分之一时概率"),
    # calibration
    "calibrate.title": ("Calibration of {name}", "{name} 的校准"),
    "calibrate.design": (
        "Scenario {scenario}: {k} uncertain parameters calibrated against {c} observed figures "
        "(observation error {error}); {n} prior draws, one replication each, seed {seed}; "
        "importance weights from a Gaussian kernel on the observation error.",
        "情景 {scenario}：以 {c} 个观测值（观测误差 {error}）校准 {k} 个不确定参数；先验抽样 {n} 次，"
        "每次一次模拟，随机种子 {seed}；重要性权重取自观测误差上的高斯核。"),
    "calibrate.sentence": (
        "Given what happened, {path} is most constrained: prior mean {prior}, posterior mean "
        "{mean} (80% interval {lo}–{hi}); effective sample size {ess} of {n} draws.",
        "结合实际发生的情况，{path} 受到的约束最强：先验均值 {prior}，后验均值 {mean}"
        "（80% 区间 {lo}–{hi}）；{n} 次抽样的有效样本量为 {ess}。"),
    "calibrate.inconsistent": (
        "No parameter values within the priors reproduce what happened: even the closest of {n} "
        "simulated histories lies outside the observation error. As specified, the model is "
        "inconsistent with the observations — widen the priors, free another parameter, or "
        "check the figures.",
        "在先验范围内，没有任何参数取值能够再现实际发生的情况：{n} 次模拟中最接近的一次也落在观测误差"
        "之外。按现有设定，模型与观测不一致——请放宽先验、放开其他参数，或核查观测数据。"),
    "calibrate.low_ess": (
        "The effective sample size ({ess}) is below {min}: run more replications, widen the "
        "priors toward the values that fit, or use a larger observation error.",
        "有效样本量（{ess}）低于 {min}：请增加模拟次数、将先验向拟合较好的取值放宽，或采用更大的观测误差。"),
    "calibrate.posterior": ("Posterior of each parameter", "各参数的后验分布"),
    "calibrate.observations": ("Observations and simulated release", "观测值与模拟释放量"),
    "calibrate.odds": ("Target odds under the prior and the posterior",
                       "先验与后验下的目标实现概率"),
    "calibrate.forecast": ("Forecast {name} under the posterior", "后验下的预测：{name}"),
    # optimize
    "optimize.title": ("Programme design for {name}", "{name} 的方案优化"),
    "optimize.design": (
        "Scenario {scenario}: {k} levers searched by NSGA-II (pymoo) for the programmes no "
        "other beats on every objective — {objectives}; constraints: {constraints}; kept "
        "targets: {keeps}. {evaluations} distinct candidates, {r} replications each with "
        "common random numbers (seed {seed}; odds over the uncertain values, robustness: "
        "{robustness}); the non-dominated set re-evaluated on independent random numbers "
        "(seed {reseed}) at {final} replications with 95% intervals, and each member's odds "
        "across {draws} draws of the uncertain values (10th percentile, regret).",
        "情景 {scenario}：以 NSGA-II（pymoo）在 {k} 项政策抓手上搜索在各目标上均不被其他方案全面超越的方案——"
        "{objectives}；约束：{constraints}；须保持的目标：{keeps}。"
        "共评估 {evaluations} 个不同候选方案，每个模拟 {r} 次，采用共同随机数（随机种子 {seed}；"
        "概率对不确定参数取平均，稳健性：{robustness}）；"
        "非劣方案以独立的随机数（随机种子 {reseed}）模拟 {final} 次重新评估并给出 95%置信区间，"
        "并计算各方案在不确定参数 {draws} 组取值下的概率（第10百分位数、遗憾值）。"),
    "optimize.headline": (
        "The cheapest programme found that reaches {p} (95% interval {interval}) for {target}: "
        "{programme} — at a cost of {cost}.",
        "已找到的、使 {target} 的实现概率达到 {p}（95%置信区间 {interval}）的最低成本方案：{programme}"
        "——成本为 {cost}。"),
    "optimize.out_of_reach": (
        "No programme found reaches {level} for {target}; the front's best is {best} "
        "({programme}, at a cost of {cost}).",
        "未找到使 {target} 的实现概率达到 {level} 的方案；前沿上的最佳为 {best}（{programme}，成本为 "
        "{cost}）。"),
    "optimize.no_front": ("No candidate meets the constraints: no front.",
                          "没有候选方案满足约束条件：无前沿。"),
    "optimize.front_size": ("{n} programmes on the front.", "前沿上共有 {n} 个方案。"),
    "optimize.all_minimum": ("every lever at its minimum", "各项政策抓手均取最小值"),
    "optimize.cost_units": ("cost units", "成本单位"),
    "optimize.front": ("The front, re-evaluated on independent random numbers (odds with 95% "
                       "intervals; _search: the search's own values; dominated, feasible and "
                       "keeps_…: after re-evaluation; p10 and regret across the uncertain draws)",
                       "在独立随机数下重新评估的前沿（概率附 95%置信区间；"
                       "_search：搜索自身的取值；dominated、feasible 与 keeps_…："
                       "重新评估后的判定；不确定参数各组取值下的第10百分位数与遗憾值）"),
    "optimize.convergence": ("Convergence: hypervolume by generation — of the archive on the "
                             "search's own numbers (hypervolume), and of the front found so far "
                             "on held-out numbers (hypervolume_reevaluated)",
                             "收敛情况：各代的超体积——搜索自身随机数下的存档（hypervolume），以及当前前沿"
                             "在独立随机数下的重新评估（hypervolume_reevaluated）"),
    "optimize.front_chart": ("The front: {y} against {x}", "前沿：{y} 与 {x}"),
    "optimize.parallel_chart": ("Lever values along the front (share of each lever's range)",
                                "前沿各方案的政策抓手取值（占各抓手取值范围的比例）"),
    "optimize.parallel_axis": ("share of the lever's range (0 = min, 1 = max)",
                               "占取值范围的比例（0为最小值，1为最大值）"),
    "optimize.staircase": ("the highest {y} at each cost", "各成本下最高的 {y}"),
    "optimize.evaluated": ("candidates evaluated", "已评估的候选方案"),
    "optimize.on_front": ("front (re-evaluated, 95% intervals)", "前沿（重新评估，95%置信区间）"),
    "optimize.no_front_keeps": (
        "No candidate keeps {targets} and meets the constraints: no front (a kept target is "
        "impossible, or below its odds as shipped, at every programme tried).",
        "没有候选方案能在满足约束的同时保持{targets}：无前沿（在所试的每个方案下，须保持的目标"
        "均无法实现或低于原情景的概率）。"),
    "optimize.none_hold": (
        "None of the {n} programmes of the search's front holds up on independent random "
        "numbers: each is dominated or breaks a constraint or kept target there (see the table).",
        "搜索前沿上的 {n} 个方案在独立随机数下均不成立：每个方案或被占优，或违反约束、未能保持"
        "须保持的目标（见表）。"),
    "optimize.cost_tag": (" ({label})", "（{label}）"),
    "optimize.label_illustrative": ("illustrative", "示意值"),
    "optimize.label_assumption": ("assumed", "假设值"),
    "optimize.keeps": ("It keeps {items}.", "该方案保持{items}。"),
    "optimize.keep_possible": (
        "{target} possible (best case {ceiling} km² against {km2} km²; odds {p})",
        "{target}可以实现（最佳情形 {ceiling} 平方公里，目标 {km2} 平方公里；概率 {p}）"),
    "optimize.keep_odds": (
        "{target} possible (best case {ceiling} km² against {km2} km²) with odds {p}, at least "
        "{ref}",
        "{target}可以实现（最佳情形 {ceiling} 平方公里，目标 {km2} 平方公里），"
        "概率 {p}，不低于{ref}"),
    "optimize.as_shipped": ("the {p} of the scenario as shipped", "原情景的 {p}"),
    "optimize.keeps_none": (
        "No target is kept (--keep none): the front may abandon any target it does not score.",
        "未设须保持的目标（--keep none）：前沿可能放弃任何未列为优化目标的目标。"),
    "optimize.costs_illustrative": (
        "Costs are in illustrative {unit}: the scenario labels the costs of {n} of its {m} "
        "costed levers illustrative — put in your own before quoting a cost.",
        "成本以示意性的{unit}计：情景中 {m} 项有成本的政策抓手中有 {n} 项的成本标注为示意值——"
        "引用成本前请代入自己的数值。"),
    "optimize.costs_assumed": (
        "Costs are in {unit} and rest on assumptions, labelled so in the scenario — put in "
        "your own before quoting a cost.",
        "成本以{unit}计，依据情景中标注的假设——引用成本前请代入自己的数值。"),
    "optimize.reevaluated": (
        "The search's front ({n} programmes) was simulated again on independent random "
        "numbers (seed {seed}, {final} replications) — dominated there: {dominated}; no "
        "longer meeting a constraint or keeping a kept target: {infeasible} (marked in the "
        "table); the search's values less the re-evaluated, on average: {gaps}.",
        "搜索前沿（{n} 个方案）在独立随机数（随机种子 {seed}，{final} 次模拟）下重新评估——被占优："
        "{dominated} 个；不再满足约束或未能保持须保持的目标：{infeasible} 个（已在表中标出）；"
        "搜索自身取值减去重新评估值的平均：{gaps}。"),
    "optimize.convergence_note": (
        "Hypervolume of the front found so far, re-evaluated on held-out random numbers: "
        "{first} after the first generation, {last} after the last, highest {best} "
        "(generation {g}); it {fell}. On the search's own numbers it can only rise ({search} "
        "at the end).",
        "当前前沿在独立随机数下重新评估的超体积：第一代后为 {first}，最后一代后为 {last}，最高为 "
        "{best}（第 {g} 代）；{fell}。在搜索自身的随机数下超体积只升不降（最终为 {search}）。"),
    "optimize.stop.settled_objectives": (
        'The search stopped at generation {g} of its {budget}: the front had settled — '
        "it moved less than {ftol} (pymoo's measure, the objectives scaled to the "
        "front's range) in each of the last {w} generations.",
        '搜索在第 {g} 代停止（预算 {budget} 代）：前沿已经稳定——最近连续'
        ' {w} 代中每代移动均小于 {ftol}（pymoo 的度量，各目标按前沿的范'
        '围缩放）。'),
    "optimize.stop.settled_levers": (
        'The search stopped at generation {g} of its {budget}: the front had settled — '
        "its lever values moved less than {xtol} (each lever's range scaled to 0–1) in "
        'each of the last {w} generations.',
        '搜索在第 {g} 代停止（预算 {budget} 代）：前沿已经稳定——其政策抓'
        '手取值在最近连续 {w} 代中每代移动均小于 {xtol}（各抓手取值范围缩放至'
        '0–1）。'),
    "optimize.stop.settled_violation": (
        'The search stopped at generation {g} of its {budget}: no candidate met the '
        'constraints, and the least violation stopped falling for {w} generations.',
        '搜索在第 {g} 代停止（预算 {budget} 代）：没有候选方案满足约束，且'
        '最小违反量连续 {w} 代不再下降。'),
    "optimize.stop.budget": (
        'The search ran its whole budget, {g} generations: the front had not settled (it '
        'stops early once the front moves less than {ftol} in each of {w} generations in '
        'a row){moved}.',
        '搜索用完了全部预算（{g} 代）：前沿尚未稳定（前沿连续 {w} 代每代移动均小'
        '于 {ftol} 时提前停止）{moved}。'),
    "optimize.stop.moved": (
        '; it moved {x} in the last',
        '；最后一代移动了 {x}'),
    "optimize.stop.budget_short": (
        'The search ran its whole budget, {g} generations — too few for the early stop, '
        'which needs {w} generations in a row in which the front moves less than {ftol}.',
        '搜索用完了全部预算（{g} 代）——代数太少，无法提前停止（提前停止需要前沿连续'
        ' {w} 代每代移动均小于 {ftol}）。'),
    "optimize.fell": ("fell in at least one generation: the search promoted programmes that "
                      "were only lucky",
                      "至少在一代中有所下降：搜索曾选中仅因运气而占优的方案"),
    "optimize.never_fell": ("never fell", "从未下降"),
    "optimize.convergence_chart": ("Convergence: hypervolume by generation",
                                   "收敛情况：各代的超体积"),
    "optimize.hv_search": ("archive, on the search's own numbers (can only rise)",
                           "存档，按搜索自身的随机数（只升不降）"),
    "optimize.hv_heldout": ("front found so far, re-evaluated on held-out numbers",
                            "当前前沿，按独立随机数重新评估"),
    "optimize.generation": ("Generation", "代数"),
    "optimize.reseed_caption": ("re-evaluated on seed {seed}", "重新评估随机种子 {seed}"),
    "optimize.hypervolume": ("Hypervolume (objectives on 0–1)", "超体积（各目标映射至0–1）"),
    "optimize.dropped": ("on the search's front only (dominated or breaking a constraint "
                         "after re-evaluation)",
                         "仅在搜索前沿上（重新评估后被占优或违反约束）"),
    "calibrate.design_smc": (
        "Scenario {scenario}: {k} uncertain parameters calibrated against {c} observed figures "
        "(observation error {error}); {n} draws, one replication each, seed {seed}, in {g} "
        "generations: the first from the prior, each later one from a proposal fitted to the "
        "draws before it; every draw weighted by prior / proposal × a Gaussian kernel on the "
        "observation error, the generations pooled by effective sample size.",
        "情景 {scenario}：以 {c} 个观测值（观测误差 {error}）校准 {k} 个不确定参数；共抽样 {n} 次，"
        "每次一次模拟，随机种子 {seed}，分 {g} 代：第一代取自先验，其后每一代取自按此前抽样拟合的建议分布；"
        "每次抽样的权重为先验与建议分布之比乘以观测误差上的高斯核，各代按有效样本量合并。"),
    "calibrate.piles": (
        "The posterior of {path} piles at the {end} end of its prior ({share} of it within the "
        "prior's outer 5% there, against 5% under the prior): the observations push it toward "
        "{bound}. Widen the prior there if values beyond are plausible; keep it if the bound is "
        "physical.",
        "{path} 的后验堆积在其先验的{end}端（{share} 的后验概率落在该端最外侧 5% 的先验范围内，而先验下"
        "仅为 5%）：观测数据将其推向 {bound}。若超出此界的取值合理，请在该端放宽先验；若该界限有实际含义，"
        "可保留。"),
    "calibrate.end_low": ("lower", "下"),
    "calibrate.end_high": ("upper", "上"),
    "calibrate.check": (
        "Posterior predictive check: each observed figure against new simulations under the "
        "posterior (fresh random inputs, plus the observation error)",
        "后验预测检验：以后验下的新模拟（新的随机输入，加上观测误差）检验每个观测值"),
    "calibrate.check_ok": (
        "Every observed figure lies inside the central 95% of its posterior predictive "
        "distribution ({n} new simulations).",
        "每个观测值都落在其后验预测分布的中间 95% 范围内（新模拟 {n} 次）。"),
    "calibrate.check_bad": (
        "{count} of {total} observed figures lie outside the central 95% of their posterior "
        "predictive distribution ({cells}): the model, even calibrated, does not reproduce "
        "them well.",
        "{total} 个观测值中有 {count} 个落在其后验预测分布的中间 95% 范围之外（{cells}）："
        "即使经过校准，模型也不能很好地再现这些观测值。"),
    "calibrate.prior": ("Prior", "先验"),
    "calibrate.posterior_label": ("Posterior", "后验"),
    "calibrate.marginals_title": ("Prior and posterior of each uncertain parameter",
                                  "各不确定参数的先验与后验"),
    "calibrate.pairs_title": ("Posterior draws, two parameters at a time",
                              "后验抽样（两两参数）"),
    "calibrate.caption": ("{name}: {n} prior draws weighted by the observations, seed {seed}",
                          "{name}：{n} 次先验抽样按观测加权，随机种子 {seed}"),
    # backtests
    "backtest.title": ("Backtest {name}", "回测 {name}"),
    "backtest.design": (
        "{n} cases, each a forecast from what was knowable at the start of its year and the "
        "value later observed; {reps} replications a case, seed {seed}. Reference: the plan "
        "is met exactly.",
        "{n} 个案例，每个案例为依据当年年初已知信息所作的预测及其后的实际观测值；每个案例 {reps} 次模拟，"
        "随机种子 {seed}。参照预测：规划恰好完成。"),
    "backtest.sentence": (
        "Over {n} known outcomes, {cov80} fell inside the forecasts' 80% intervals (a "
        "calibrated forecaster: 80%); the mean PIT is {pit} (0.5 if unbiased, near 1 when "
        "outcomes beat the forecasts); mean CRPS {crps} km² against {ref} km² for \"the plan "
        "is met exactly\" (skill {skill}) and {refclass} km² for the reference class, the "
        "other cases' outcome ÷ plan (skill {skill_class}).",
        "在 {n} 个已知结果中，{cov80} 落在预测的 80% 区间内（校准良好的预测应为 80%）；平均 PIT 为 {pit}"
        "（无偏时为 0.5，结果普遍好于预测时接近 1）；平均 CRPS 为 {crps} 平方公里，"
        "“规划恰好完成”的参照预测为 {ref} 平方公里（技巧评分 {skill}），参照类预测（其余案例的实际÷规划）"
        "为 {refclass} 平方公里（技巧评分 {skill_class}）。"),
    "backtest.censored": (
        "{n} more outcome(s) were published only as reaching their figure (超额完成, "
        "censored): they enter the calibration as such and the Brier score, not PIT or CRPS.",
        "另有 {n} 个结果仅公布为“超额完成”（删失观测）：在校准中按删失处理，只计入 Brier 评分，不计入 PIT 与 CRPS。"),
    "backtest.scores": ("Scores over all cases", "全部案例的评分"),
    "backtest.cases": ("Cases", "案例"),
    "backtest.interval": ("{level} interval", "{level} 区间"),
    "backtest.observed": ("Observed", "实际观测"),
    "backtest.observed_at_least": ("Observed: at least (censored)", "实际观测：不少于（删失）"),
    "backtest.plan": ("Plan (reference)", "规划（参照）"),
    "backtest.x": ("Release, multiples of the plan", "释放量（规划的倍数）"),
    "backtest.intervals_title": ("Forecast intervals and what happened",
                                 "预测区间与实际结果"),
    "backtest.flat": ("Calibrated (flat)", "校准良好（均匀）"),
    "backtest.pit_x": ("PIT of the observed value in its forecast", "观测值在其预测中的 PIT"),
    "backtest.pit_y": ("Cases", "案例数"),
    "backtest.pit_title": ("PIT histogram", "PIT 直方图"),
    "backtest.caption": ("Backtest {name}: {n} cases, {reps} replications each, seed {seed}",
                         "回测 {name}：{n} 个案例，每个 {reps} 次模拟，随机种子 {seed}"),
    "backtest.loo_sentence": (
        "Out of sample (each case forecast from a posterior calibrated on the other {n} "
        "cases, every posterior at {ess} effective draws or more): mean PIT {pit}, {cov80} of "
        "outcomes inside the 80% intervals (95% interval {lo}–{hi}), mean CRPS {crps} km² "
        "(skill {skill} against \"the plan is met exactly\", {skill_class} against the "
        "reference class), Brier score {brier} for the probability of meeting the target "
        "({brier_ref} for \"met for sure\", {brier_class} for the reference class); in "
        "sample (calibrated on all cases): mean PIT {pit_in}.",
        "样本外（每个案例依据其余 {n} 个案例校准的后验进行预测，每个后验的有效抽样数不少于 {ess}）：平均 PIT 为 "
        "{pit}，{cov80} 的结果落在 80% 区间内（95%置信区间 {lo}–{hi}），平均 CRPS 为 {crps} 平方公里"
        "（相对“规划恰好完成”的技巧评分 {skill}，相对参照类预测 {skill_class}），完成目标概率的 Brier 评分为 "
        "{brier}（“必定完成”为 {brier_ref}，参照类预测为 {brier_class}）；样本内（依据全部案例校准）：平均 PIT 为 {pit_in}。"),
    "backtest.refused": (
        "Not scored out of sample: {cases} — {why}.",
        "未作样本外评分：{cases}——{why}。"),
    "backtest.biased": (
        "The model is biased: its out-of-sample mean PIT of {pit} is outside 0.3–0.7 — "
        "outcomes keep landing in the {tail} tail of its forecasts, even after calibration.",
        "模型存在偏差：样本外平均 PIT 为 {pit}，超出 0.3–0.7 —— 即使经过校准，实际结果仍总是落在预测的{tail}尾部。"),
    "backtest.tail_upper": ("upper", "上"),
    "backtest.tail_lower": ("lower", "下"),
    "backtest.loo_scores": ("Scores: defaults, calibrated in sample, leave-one-out",
                            "评分：默认值、样本内校准、留一法"),
    "backtest.posterior": ("Posterior calibrated on all cases (posterior.parquet)",
                           "依据全部案例校准的后验分布（posterior.parquet）"),
    "backtest.loo_cases": ("Leave-one-out forecasts", "留一法预测"),
    "backtest.independence": ("Cases that are not independent", "并非相互独立的案例"),
    "backtest.reliability_title": ("Reliability of P(target met)", "“完成目标”概率的可靠性"),
    "backtest.reliability_x": ("Forecast probability", "预测概率"),
    "backtest.reliability_y": ("Share of cases that met the target", "实际完成目标的案例比例"),
    "backtest.diagonal": ("Perfectly reliable", "完全可靠"),
    "backtest.loo_intervals_title": ("Leave-one-out forecast intervals and what happened",
                                     "留一法预测区间与实际结果"),
    # sweep and sensitivity reports
    "sweep.title": ("Sweep {name}", "参数扫描 {name}"),
    "sweep.design": ("Base scenario {base}; {design} design, {n} points over {ranges}; {reps} "
                     "replications a point, seed {seed}, common random numbers.",
                     "基准情景 {base}；{design} 设计，{n} 个点，参数范围：{ranges}；每点 {reps} 次"
                     "模拟，随机种子 {seed}，共同随机数。"),
    "sweep.caption": ("Sweep {name} on scenario {base}", "情景 {base} 的参数扫描 {name}"),
    "sensitivity.title": ("Sensitivity of {base} ({method})", "{base} 的敏感性分析（{method}）"),
    "sensitivity.design": ("Scenario {base}; {method} design, {n} points over {ranges}; {reps} "
                           "replications a point, seed {seed}, common random numbers.",
                           "情景 {base}；{method} 设计，{n} 个点，参数范围：{ranges}；每点 {reps} "
                           "次模拟，随机种子 {seed}，共同随机数。"),
    "sensitivity.caption": ("Sensitivity of {base} ({method})", "{base} 的敏感性分析（{method}）"),
    "sensitivity.indices": ("Indices", "敏感性指标"),
    "sweepchart.odds_y": ("Probability of meeting the target (%)", "实现目标的概率（%）"),
    "sweepchart.odds_title": ("Odds of each target across the sweep", "扫描范围内各目标的实现概率"),
    "sweepchart.km2_y": ("Mean release counted toward the target (km²)",
                         "计入目标的平均释放面积（平方公里）"),
    "sweepchart.km2_title": ("Mean release across the sweep", "扫描范围内的平均释放面积"),
    "sweepchart.bar_odds": ("Probability (%)", "概率（%）"),
    "sweepchart.bar_km2": ("km²", "平方公里"),
    "sweepchart.small": ("Every probability here is below 1%: the km² chart shows what the "
                         "parameters move", "此处所有概率均低于 1%：参数的影响见面积图"),
    "sweepchart.heat_odds": ("Probability of meeting {target}", "实现 {target} 的概率"),
    "sweepchart.heat_km2": ("Mean release counted toward {target} (km²)",
                            "计入 {target} 的平均释放面积（平方公里）"),
    "sweepchart.caption": ("Sweep {name} on scenario {base} · {n} points × {reps} replications · "
                           "seed {seed} (common random numbers)",
                           "情景 {base} 的参数扫描 {name} · {n} 个点 × {reps} 次模拟 · 随机种子 "
                           "{seed}（共同随机数）"),
    "senschart.low": ("at low value", "取低值时"),
    "senschart.high": ("at high value", "取高值时"),
    "senschart.pp": ("change in percentage points", "变化（百分点）"),
    "senschart.km2": ("change in km²", "变化（平方公里）"),
    "senschart.base": ("{output} (base {base})", "{output}（基准 {base}）"),
    "senschart.s1": ("S1 (alone)", "S1（单独作用）"),
    "senschart.st": ("ST (with interactions)", "ST（含交互作用）"),
    "senschart.sobol_x": ("Sobol index (share of variance)", "Sobol 指数（方差占比）"),
    "senschart.unit_pp": ("percentage points", "百分点"),
    "senschart.unit_km2": ("km²", "平方公里"),
    "senschart.title_oat": ("One at a time: change from base at each parameter's low and high",
                            "单因素分析：各参数取低值和高值时相对基准的变化"),
    "senschart.title_sobol": ("Sobol indices with 95% intervals", "Sobol 指数及 95%置信区间"),
    "senschart.title_morris": ("Morris screening: μ* (influence) and σ (interactions)",
                               "Morris 筛选：μ*（影响）与 σ（交互作用）"),
    "senschart.caption": ("Scenario {name} · {n} points × {reps} replications · seed {seed}",
                          "情景 {name} · {n} 个点 × {reps} 次模拟 · 随机种子 {seed}"),
    "senschart.probability": ("probability", "概率"),
    "sweep.headline": ("Across the {n} points, the chance of {target} ranges from {low} to "
                       "{high}; it is highest at {where}.",
                       "在 {n} 个点中，{target} 的实现概率介于 {low} 与 {high} 之间；最高处为 {where}。"),
    "sensitivity.headline": ("For {target}, {param} matters most ({measure} {value}).",
                             "对 {target} 而言，{param} 影响最大（{measure} {value}）。"),
    "sensitivity.none": ("No parameter measurably moves the km² counted toward {target}.",
                         "没有参数明显改变计入 {target} 的面积。"),
    "sensitivity.constant_headline": (
        "The km² counted toward {target} is the same at every one of the {m} points: nothing in "
        "these ranges moves it.",
        "计入 {target} 的面积在全部 {m} 个点上相同：这些范围内没有参数能改变它。"),
    "sensitivity.noise_headline": (
        "The km² counted toward {target} has no measurable effect: its variance over the "
        "design is within Monte Carlo noise.",
        "计入 {target} 的面积无可测影响：其在设计点间的方差处于蒙特卡罗噪声范围内。"),
    "sensitivity.rule": (
        "An output is measurable when its variance over the design exceeds {k} × the mean "
        "Monte Carlo variance of a point (the 99th percentile of χ²/df for {m} points with "
        "independent noise; common random numbers make the test conservative); an effect is "
        "stated only when its 95 % interval clears zero and the Monte Carlo noise floor.",
        "当某输出在设计点间的方差超过单点平均蒙特卡罗方差的 {k} 倍（{m} 个点、独立噪声下 χ²/自由度的"
        "第 99 百分位；共同随机数使该检验偏保守）时，视为可测；仅当某影响的 95%置信区间既不含零、"
        "也高于蒙特卡罗噪声下限时，才予以陈述。"),
    "sensitivity.rule_crn": (
        "Every point runs on the same random numbers, so the noise that matters is the noise of "
        "differences between points: {r} of the {m} points were run again on another seed (seed "
        "{seed2}), and half the variance of their two estimates' differences is the noise "
        "variance every rule uses. An output is measurable when its variance over the design "
        "exceeds that noise by the 99th percentile of F({m1}, {r1}); an effect is stated only "
        "when its 95 % interval clears zero and the noise floor.",
        "各设计点使用相同的随机数，因此起作用的是设计点之间差值的噪声：{m} 个点中的 {r} 个以另一随机种子"
        "（{seed2}）重新运行，两次估计之差的方差之半即为各项规则所用的噪声方差。当某输出在设计点间的方差"
        "超过该噪声 F({m1}, {r1}) 的第 99 百分位倍时，视为可测；仅当某影响的 95%置信区间既不含零、也高于"
        "噪声下限时，才予以陈述。"),
    "sens.out_of_reach": ("out of reach over the whole design: 0 % at every one of the {m} points "
                          "— no parameter in these ranges brings it within reach, so no effect "
                          "can be measured.",
                          "在整个设计范围内均无法实现：全部 {m} 个点的概率均为 0%——这些范围内没有参数能使其"
                          "变得可及，因此无法度量任何影响。"),
    "sens.certain": ("certain over the whole design: 100 % at every one of the {m} points.",
                     "在整个设计范围内必定实现：全部 {m} 个点的概率均为 100%。"),
    "sens.constant": ("the same at every one of the {m} points: nothing in these ranges moves it.",
                      "全部 {m} 个点取值相同：这些范围内没有参数能改变它。"),
    "sensitivity.findings": ("Findings", "结论"),
    "sensitivity.col_target": ("target", "目标"),
    "sensitivity.col_output": ("output", "输出"),
    "sensitivity.col_finding": ("finding", "结论"),
    "sensitivity.pairs": ("Second-order Sobol indices (pairs)", "二阶 Sobol 指数（参数对）"),
    "sens.what_probability": ("probability of meeting it", "实现该目标的概率"),
    "sens.what_km2": ("mean km² it counts", "计入该目标的平均面积"),
    "sens.no_effect": ("no measurable effect (variance over the design within Monte Carlo "
                       "noise).", "无可测影响（设计点间的方差处于蒙特卡罗噪声范围内）。"),
    "sens.nothing": ("nothing measurably moves it over these ranges (no effect's 95 % interval "
                     "clears zero and the Monte Carlo noise floor).",
                     "在这些范围内没有参数可测地改变它（没有任何影响的 95%置信区间同时高于零和蒙特卡罗"
                     "噪声下限）。"),
    "sens.most": ("most sensitive to {parts}{rest}.", "最敏感的参数：{parts}{rest}。"),
    "sens.then": ("; then ", "；其次 "),
    "sens.rest_one": (" (1 other parameter with no measurable effect)",
                      "（另有 1 个参数无可测影响）"),
    "sens.rest_many": (" ({n} other parameters with no measurable effect)",
                       "（另有 {n} 个参数无可测影响）"),
    "sens.oat_part": ("{param} ({low_delta} at {low}, {high_delta} at {high} {unit}; swing "
                      "{swing} ± {conf})",
                      "{param}（取 {low} 时 {low_delta}，取 {high} 时 {high_delta} {unit}；"
                      "变幅 {swing} ± {conf}）"),
    "sens.morris_part": ("{param} (μ* {mu} ± {conf} {unit}, σ {sigma})",
                         "{param}（μ* {mu} ± {conf} {unit}，σ {sigma}）"),
    "sens.sobol_part": ("{param} (ST {st} ± {conf}, S1 {s1})",
                        "{param}（ST {st} ± {conf}，S1 {s1}）"),
    "sens.unresolved": ("The order of {a} and {b} is not resolved (their ST intervals overlap).",
                        "{a} 与 {b} 的先后次序无法确定（两者的 ST 区间重叠）。"),
    "sens.not_converged": ("Indices not converged at N = {n}: {reasons}; N = {better} would "
                           "narrow the ST intervals to about ±{target} (the bootstrap half-width "
                           "falls as 1/√N).",
                           "N = {n} 时指数未收敛：{reasons}；N = {better} 可将 ST 区间半宽缩至约 "
                           "±{target}（自助法半宽随 1/√N 减小）。"),
    "sens.reasons_join": ("; ", "；"),
    "sens.reason_s1": ("S1 exceeds ST beyond their intervals for {params}",
                       "{params} 的 S1 超出 ST，且超出两者区间"),
    "sens.reason_wide": ("ST intervals up to ±{width}", "ST 区间半宽达 ±{width}"),
    "sens.reason_moved": ("ST moved by up to {change} from N = {half}",
                          "与 N = {half} 相比 ST 最多变化 {change}"),
    "sens.interactions": ("Interactions: {parts}.", "交互作用：{parts}。"),
    "sens.s2_part": ("{a} × {b} (S2 {s2} ± {conf})", "{a} × {b}（S2 {s2} ± {conf}）"),
    # scenario discovery's sentences (study/discover.py)
    "disc.not_significant": (
        " This box is not significant (quasi-p {qp}, density interval from {low} against a "
        "base rate of {base}): it is not a finding.",
        "（该区域不显著：拟p值{qp}，密度区间下限{low}，基准比例{base}，不作为发现。）"),
    "disc.whole_rep": (
        "{target} is missed in {density} of the replications, whatever the values of the "
        "parameters: no range of them concentrates the cases.",
        "{target}在{density}的模拟中未能实现，且没有任何参数取值范围能使这些情形更为集中。"),
    "disc.whole_case": (
        "{target} has a probability below {below} in {density} of the cases, whatever the "
        "values of the parameters: no range of them concentrates the cases.",
        "{target}在{density}的情形中实现概率低于{below}，且没有任何参数取值范围能使这些情形更为集中。"),
    "disc.box_rep": (
        "{target} is missed in {density} of the replications where {where}; those are "
        "{coverage} of all the replications that miss it.",
        "在{where}的模拟中，{target}有{density}未能实现；这些模拟占全部未实现模拟的{coverage}。"),
    "disc.box_half": (
        "{target} is more likely missed than met (P < {below}) in {density} of the cases where "
        "{where}; those cases are {coverage} of all the cases where it is.",
        "在{where}的情形中，{target}有{density}的情形实现概率低于{below}；这些情形占全部此类情形的"
        "{coverage}。"),
    "disc.box_level": (
        "{target} has a probability (P < {below}) in {density} of the cases where {where}; "
        "those cases are {coverage} of all the cases where it has.",
        "在{where}的情形中，{target}有{density}的情形实现概率低于{below}；这些情形占全部此类情形的"
        "{coverage}。"),
    "disc.and": (" and ", "且"),
    "disc.unresolved": (
        "Not resolved at {n} points: in the knee of the peeling trajectory ({where}) {target} "
        "fails in {density} of the cases against a base rate of {base}, but it does not pass "
        "the rule yet "
        "(quasi-p {qp}); about {need} points would resolve it if its densities held — rerun "
        "with --samples {samples}.",
        "在{n}个设计点下尚无定论：剥离轨迹的拐点区域（{where}）中{target}的失败情形密度为{density}"
        "（基准比例{base}），但拟p值{qp}未达到显著标准；若密度不变，约{need}个设计点可作出判断"
        "（--samples {samples}）。"),
    "disc.none_rep": ("No box concentrates the failures: {target} is missed in {base} of the "
                      "replications.",
                      "没有任何参数区域能使失败情形显著集中：{target}在{base}的模拟中未能实现。"),
    "disc.none_case": ("No box concentrates the failures: {target} has a probability below "
                       "{below} in {base} of the cases.",
                       "没有任何参数区域能使失败情形显著集中：{target}在{base}的情形中实现概率低于"
                       "{below}。"),
    "disc.knee": (
        " The knee of the peeling trajectory ({where}: density {density}, quasi-p {qp}) is not "
        "significant (the rule: every restricted parameter's quasi-p below 0.05 / 2d and the "
        "95 % Wilson interval of the density above the base rate), so it is not a finding.",
        "剥离轨迹的拐点区域（{where}）密度为{density}，拟p值{qp}，未达到显著标准（各受限参数拟p值"
        "低于0.05/2d，且密度95% Wilson区间下限高于基准比例），不作为发现。"),
    # scenario discovery
    "discover.title": ("Which combinations of assumptions make {target} fail",
                       "哪些假设组合使{target}难以实现"),
    "discover.design": ("Scenario {scenario}; {n} points of a Latin hypercube over {params}; "
                        "{reps} replications a point, seed {seed}, common random numbers. A case "
                        "is a point where P({target}) < {below}.",
                        "情景 {scenario}；拉丁超立方设计 {n} 个点，参数：{params}；每点 {reps} 次模拟，"
                        "随机种子 {seed}，共同随机数。情形定义：P({target}) < {below} 的点。"),
    "discover.box": ("The chosen box: restricted parameters", "所选区域：受限参数"),
    "discover.stability": ("Stability: how often each parameter is restricted on random halves",
                           "稳定性：随机半样本中各参数受限的比例"),
    "discover.trajectory": ("Peeling trajectory", "剥离轨迹"),
    "discover.trajectory_title": ("PRIM peeling trajectory for {target}",
                                  "{target} 的PRIM剥离轨迹"),
    "discover.coverage": ("Coverage: share of all cases inside the box (%)",
                          "覆盖率：区域内情形占全部情形（%）"),
    "discover.density": ("Density: share of cases among the box's points (%)",
                         "密度：区域内点中情形的比例（%）"),
    "discover.res_dim": ("Restricted parameters", "受限参数个数"),
    "discover.chosen": ("Chosen box ({i})", "所选区域（{i}）"),
    "discover.limits_title": ("The box's limits within each parameter's range",
                              "各参数范围内的区域界限"),
    "discover.pairs_title": ("Points of the design: cases and the box", "设计点：情形与所选区域"),
    "discover.case": ("Case (P < {below})", "情形（P < {below}）"),
    "discover.other": ("Other points", "其他点"),
    "discover.rule": ("Each box of the trajectory first drops the restrictions that do not earn "
                      "their place (quasi-p 0.05 / 2d or more, d parameters, largest first). A box "
                      "is reported only if it is then significant: every restricted parameter "
                      "has quasi-p below 0.05 / 2d and the lower end of the 95 % Wilson interval of "
                      "its density is above the base rate ({base} of the points are cases); "
                      "among such boxes the knee of the trajectory is chosen.",
                      "剥离轨迹上的每个区域先去掉不起作用的限制（拟p值不低于0.05/2d者，d为参数个数，"
                      "从最大者起）。仅报告此后显著的区域：每个受限参数的拟p值低于0.05/2d，且区域密度的95% Wilson"
                      "区间下限高于基准比例（{base}的设计点为情形）；在此类区域中选取剥离轨迹的"
                      "拐点。"),
    "discover.no_box": ("No box concentrates the failures — for reference only, the knee of "
                        "the trajectory (box {i}), which is not significant",
                        "没有任何区域能使失败情形显著集中——仅供参考：剥离轨迹的拐点（区域{i}），"
                        "不显著"),
    "discover.no_box_short": ("No box concentrates the failures", "没有区域能使失败情形显著集中"),
    "discover.unresolved": ("Not resolved at {n} points — for reference only, the knee of the "
                            "trajectory (box {i}), which would need about {m} points",
                            "在{n}个设计点下尚无定论——仅供参考：剥离轨迹的拐点（区域{i}），约需"
                            "{m}个设计点"),
    "discover.significant_marker": ("Significant box", "显著区域"),
    "discover.caption": ("{n} design points · target {target}", "{n} 个设计点 · 目标 {target}"),
    # forecasts from a status date
    "as_of.start": ("the start of {year}", "{year}年初"),
    "as_of.date": ("{day} {month} {year}", "{year}年{month_n}月{day}日"),
    "status.zero_so_far": (
        "No release is recorded for {year} yet: {year} counts 0 km² up to {date}.",
        "{year}年尚无释放记录：截至{date}，{year}年计为0平方公里。",
    ),
    # a key path in words (report.path_words)
    "param.sep": (', ', '，'),
    "param.colon": (': ', '：'),
    "param.comma": (', ', '，'),
    "param.sub": (" · ", "·"),
    "col.distribution": ("Drawn from", "抽样分布"),
    "dist.posterior": ("the calibrated posterior: {n} joint draws, {lo}–{hi}",
                       "校准后验：{n}组联合抽样，{lo}–{hi}"),
    "dist.prior": ("prior: {dist}", "先验：{dist}"),
    "param.posterior_file": ('Calibrated posterior (file)', '校准后验分布（文件）'),
    "param.event": ('Event “{name}”', '事件“{name}”'),
    "param.programme": ('Over-programming (× plan)', '超额储备（规划倍数）'),
    "param.correlation": ('Correlation between pathways', '路径间相关性'),
    "param.management": ('Programme office', '统筹推进机制'),
    "param.status": ('Status', '状态'),
    "param.horizon": ('Planning horizon', '规划期'),
    "param.schedule": ('Schedule', '进度安排'),
    "param.annual_cap": ('throughput cap, km²/yr', '年度释放上限（平方公里/年）'),
    "param.dropout": ('drop-out share', '流失率'),
    "param.capacity": ('projects at once', '同时推进项目数'),
    "param.duration": ('duration, years', '历时（年）'),
    "param.yield": ('share of area released', '产出率'),
    "param.projects": ('projects', '项目'),
    "param.plan": ('plan, km²', '规划（平方公里）'),
    "param.replacement": ('replacement', '替补'),
    "param.route": ('route', '路径转换'),
    "param.size_cv": ('spread of project sizes (CV)', '项目规模变异系数'),
    "param.count": ('number', '数量'),
    "param.median": ('median', '中位数'),
    "param.sigma": ('σ', '对数标准差'),
    "param.mean": ('mean', '均值'),
    "param.sd": ('sd', '标准差'),
    "param.min": ('min', '最小值'),
    "param.max": ('max', '最大值'),
    "param.mode": ('mode', '众数'),
    "param.value": ('value', '取值'),
    "param.values": ('values', '取值'),
    "param.delay": ('delay, years', '延迟（年）'),
    "param.lead": ('lead time, years', '提前期（年）'),
    "param.pool_km2": ('pool, km²', '储备（平方公里）'),
    "param.review": ('review every, years', '复核周期（年）'),
    "param.trigger": ('trigger, km²', '触发阈值（平方公里）'),
    "param.after": ('from year', '起始年份'),
    "param.pathway_factor_sigma": ('shared pathway factor σ', '路径共同因子对数标准差'),
    "param.global_factor_sigma": ('shared global factor σ', '全局共同因子对数标准差'),
    "param.probability": ('probability', '概率'),
    "param.lasts": ('lasts, years', '持续年数'),
    "param.duration_multiplier": ('duration multiplier', '历时倍数'),
    "param.dropout_add": ('added drop-out', '追加流失率'),
    "param.released": ('released, km²', '已释放（平方公里）'),
    "param.districts": ("district shares of the projects and plan", "各区项目与计划份额"),
    "param.district": ("district", "所在区"),
    "param.pipeline": ('projects in progress', '在途项目'),
    "param.as_of": ('status date', '状态日期'),
    "param.quantile": ('quantile', '分位数'),
    "param.km2": ('km²', '平方公里'),
    "param.by": ('by', '截至'),
    "param.from": ('from', '自'),
    "param.start": ('start', '起始'),
    "param.end": ('end', '结束'),
    # what a programme office did
    "office.title": ("What the programme office started from its pool",
                     "规划管理部门从储备地块中新启动的项目"),
    "office.y": ("Area started (km², mean per year)", "新启动面积（平方公里，年均）"),
    "office.note": ("On average {total} km² started in all, of a pool of {pool} km²",
                    "平均共启动{total}平方公里，储备共{pool}平方公里"),
    # what the status figures are (from their labels)
    "notice.illustrative": (
        "Illustrative inputs — not real data: {parts}. The odds show how the model works, "
        "not where the programme stands.",
        "示意输入（非真实数据）：{parts}。以下概率仅说明模型如何运行，不代表规划的实际进展。",
    ),
    "notice.assumption": (
        "Assumed inputs — not reported data: {parts}. The odds hold only as far as they do.",
        "假设输入（非报告数据）：{parts}。以下概率以这些假设成立为前提。",
    ),
    "notice.released": ("the released figures", "已释放数据"),
    "notice.pipeline": ("the projects in progress at the status date", "状态日期在途项目"),
    "notice.and": (" and ", "和"),
    "qual.illustrative": ("illustrative", "示意"),
    "qual.assumption": ("assumed", "假设"),
    "qual.derived": ("derived", "推算"),
    "observed.met_q": ("met (observed, {q})", "已实现（实际，{q}）"),
    "observed.missed_q": ("missed (observed, {q})", "未实现（实际，{q}）"),
    "joint.missed": (
        "All {n} targets together cannot be met: {label} was missed ({observed}).",
        "全部{n}项目标已无法同时实现：{label}未实现（{observed}）。",
    ),
    "joint.observed": ("observed", "实际"),
    "joint.observed_q": ("observed, {q}", "实际，{q}"),
    # the Word briefing (report --format docx)
    "docx.page": ("page {page} of {pages}", "第{page}页，共{pages}页"),
    "docx.columns": ("Columns {first}–{last} of {n}, with the first",
                     "第{first}–{last}列（共{n}列），附第1列"),
    # what an interval covers
    "interval.fixed": (
        "The 95% intervals cover Monte Carlo error only ({n} replications); every parameter "
        "is at its scenario value.",
        "95%置信区间仅反映蒙特卡洛误差（{n} 次模拟）；所有参数均取情景设定值。",
    ),
    "interval.uncertain": (
        "The 95% intervals cover Monte Carlo error only ({n} replications); the probabilities "
        "integrate the uncertainty of {k} parameters, drawn from their priors in each "
        "replication.",
        "95%置信区间仅反映蒙特卡洛误差（{n} 次模拟）；概率已涵盖 {k} 个参数的不确定性"
        "（每次模拟从其先验分布抽取）。",
    ),
    "interval.posterior": (
        "The 95% intervals cover Monte Carlo error only ({n} replications); the probabilities "
        "integrate the uncertainty of {k} parameters, drawn in each replication from the "
        "calibrated posterior ({j} of them) and from their priors (the others).",
        "95%置信区间仅反映蒙特卡洛误差（{n} 次模拟）；概率已涵盖 {k} 个参数的不确定性"
        "（每次模拟中，其中 {j} 个从校准后验分布抽取，其余从先验分布抽取）。",
    ),
    "interval.posterior_all": (
        "The 95% intervals cover Monte Carlo error only ({n} replications); the probabilities "
        "integrate the uncertainty of {k} parameters, drawn from the calibrated posterior in "
        "each replication.",
        "95%置信区间仅反映蒙特卡洛误差（{n} 次模拟）；概率已涵盖 {k} 个参数的不确定性"
        "（每次模拟从校准后验分布抽取）。",
    ),
    "until.end": ("the end of {year}", "{year}年底"),
    "headline.status_cumulative": (
        "As of {as_of}, given the releases up to {until} and the projects in "
        "progress, the chance of releasing at least {km2} km² by the end of {by} is {p} "
        "(95% interval {ci}).",
        "截至{as_of}，根据{until}前的实际释放和在途项目，到{by}年底累计释放不少于{km2}平方公里"
        "的概率为{p}（95%置信区间 {ci}）。",
    ),
    "headline.status_window": (
        "As of {as_of}, given the releases up to {until} and the projects in "
        "progress, the chance of releasing at least {km2} km² in {first}–{by} is {p} "
        "(95% interval {ci}).",
        "截至{as_of}，根据{until}前的实际释放和在途项目，{first}—{by}年释放不少于{km2}平方公里"
        "的概率为{p}（95%置信区间 {ci}）。",
    ),
    "headline.observed_met": (
        "{label} was met: {got} km² released against {km2} km² (observed).",
        "{label}已实现：实际释放{got}平方公里，目标{km2}平方公里（实际观测）。",
    ),
    "headline.observed_missed": (
        "{label} was missed: {got} km² released against {km2} km² (observed).",
        "{label}未实现：实际释放{got}平方公里，目标{km2}平方公里（实际观测）。",
    ),
    "observed.met": ("met (observed)", "已实现（实际）"),
    "observed.missed": ("missed (observed)", "未实现（实际）"),
    "section.status": ("Where things stand", "当前进展"),
    "status.intro": (
        "Status as of {as_of}. For each pathway, the plan = released (actual) + in progress + "
        "not yet started − any excess of actuals and pipeline over the plan. Not-yet-started "
        "area is the plan not covered by actuals and pipeline, taken off its earliest years.",
        "截至{as_of}的状态。各路径：规划 = 已释放（实际）+ 在途 + 尚未启动 − 实际与在途超出规划的部分。"
        "尚未启动面积为规划中未被实际释放和在途项目覆盖的部分，从最早的规划年份起扣减。",
    ),
    "status.late_note": (
        "{km2} km² not yet started was due to start before {as_of}; it starts at the status "
        "date, late already.",
        "尚未启动的面积中有{km2}平方公里按计划应在{as_of}前启动，现于状态日期启动（已滞后）。",
    ),
    "status.pipeline": ("Projects in progress at the status date, by pathway and stage",
                        "状态日期在途项目（按路径与阶段）"),
    "col.actual": ("Released, actual (km²)", "已释放，实际（平方公里）"),
    "col.pipeline": ("In progress (km²)", "在途（平方公里）"),
    "col.projects": ("Projects", "项目数"),
    "col.not_started": ("Not yet started (km²)", "尚未启动（平方公里）"),
    "col.excess": ("Beyond the plan (km²)", "超出规划（平方公里）"),
    "col.late_start": ("Of which late already (km²)", "其中已滞后（平方公里）"),
    "col.stage": ("Stage", "阶段"),
    "status.title": ("Where each pathway's plan stands at {as_of}", "截至{as_of}各路径规划进展"),
    "status.x": ("Area (km²)", "面积（平方公里）"),
    "released_actual": ("Released (actual)", "已释放（实际）"),
    "in_stage": ("In progress: {stage}", "在途：{stage}"),
    "not_started": ("Not yet started", "尚未启动"),
    "actual": ("Actual", "实际"),
    "actual_q": ("Actual ({q})", "实际（{q}）"),
    "scurve.same": (" — the same line as {other}", "——与{other}重合"),
    "status_date": ("Status: {as_of}", "现状：{as_of}"),
    "scurve.entry": ("{label}, {km2} km²: {reached}", "{label}，{km2}平方公里：{reached}"),
    "scurve.not_reached": ("below 50% throughout", "始终低于50%"),
    "compare.km2": ("mean {mean} km², shortfall {short}", "均值{mean}平方公里，缺口{short}"),
    "pp": ("pp", "个百分点"),
    "not_set": ("not set", "未设置"),
    "empirical_draws": ("{n} draws of a calibration posterior", "校准后验的{n}个抽样值"),
    "target_window": ("{km2} km² in {first}–{by}", "{first}—{by}年{km2}平方公里"),
    "target_by": ("{km2} km² by the end of {by}", "{by}年底前累计{km2}平方公里"),
    "planned_note": ("(The pathways' plans add up to {planned} km²; the largest target is "
                     "{target} km².)",
                     "（各路径规划合计{planned}平方公里，最大目标为{target}平方公里。）"),
    "km2_unit": ("km²", "平方公里"),
    "col.p_meet": ("P(meet)", "实现概率"),
    "compare.change": ("{pp}, {km2}", "{pp}，{km2}"),
    "compare.change_vs": ("{pp}, {km2} against {first}", "较{first}{pp}，{km2}"),
    "compare.change_col": ("Change against {first}", "较{first}的变化"),
    "compare.note": ("Probabilities with their 95% intervals (Monte Carlo error of each run); "
                     "changes are against the first run, {first}: percentage points (pp) of "
                     "probability and km² of the mean counted.",
                     "概率及其95%置信区间（各次运行的蒙特卡洛误差）；变化均相对第一个情景{first}："
                     "概率以百分点计，计入释放均值以平方公里计。"),
    # by district: the report's section, its charts, and the explorer's district view
    "section.districts": ("By district", "分区情况"),
    "districts.lead": (
        "When the city misses {target} (in {misses} of {n} replications), most of its "
        "shortfall falls on {leaders}.",
        "全市未实现{target}时（{n}次模拟中有{misses}次），缺口主要落在{leaders}。",
    ),
    "districts.leader": (
        "{name} ({share} of the gap; short of its part in {short} of those replications)",
        "{name}（占缺口{share}；其中{short}的模拟未达其比例份额）",
    ),
    "districts.lead_none": (
        "The city meets {target} in all {n} replications: no district carries a shortfall "
        "of it.",
        "{n}次模拟中全市均实现{target}，没有分区承担缺口。",
    ),
    "districts.yardstick": (
        "A district's part is the target's km² split by the scenario's district shares (in "
        "the shipped scenarios, shares of park area): a pro-rata yardstick, not a published "
        "quota. Every district shares the "
        "same pathway assumptions, so differences between districts come from which projects "
        "each holds and from small numbers.",
        "各区的比例份额是按情景中各区份额（所附情景为园区面积占比）拆分目标面积所得：是按比例的参照，"
        "并非公布的分区指标。各区采用相同的路径假设，因此分区之间的差异来自各区持有哪些项目，"
        "以及项目数量少带来的偶然性。",
    ),
    "districts.and": (" and ", "和"),
    "districts.unplaced": ("(no district)", "（未分区）"),
    "districts.map_title": ("Where the land is: chance each district reaches its part of "
                            "{target}",
                            "用地分布：各区实现{target}比例份额的概率"),
    "districts.map_cbar": ("P(≥ its part)", "达到比例份额的概率"),
    "districts.tile": ("{name}\n{part} km²\n{p}", "{name}\n{part}平方公里\n{p}"),
    "districts.tile_unnamed": ("Not in the scenario", "情景未涉及"),
    "districts.beside": ("Not on the map:", "图中未列出："),
    "districts.beside_item": ("{name}: {part} km², {p}", "{name}：{part}平方公里，{p}"),
    "districts.fans_title": ("Cumulative release by district", "各区累计释放规模"),
    "districts.panel": ("{name}\npart {part} km², {p}", "{name}\n份额{part}平方公里，{p}"),
    "districts.part_marker": ("Its part of {target}", "{target}的比例份额"),
    "districts.y": ("km²", "平方公里"),
    "districts.figures_note": (
        "Fans: the middle 80% of replications (p10–p90) of the km² each district has "
        "released by the end of each year, all pathways, and the median, each panel on its own "
        "scale; the diamond is its part of {target} by {by}. Map: each district as a tile "
        "placed roughly where it lies "
        "(a schematic, not a map), coloured by the chance that it releases at least its part; "
        "grey: a district the scenario does not name.",
        "扇形图：各区截至每年年底累计释放面积（全部路径）的中间80%模拟结果（p10–p90）及中位数，"
        "各小图纵轴刻度不同；"
        "菱形为该区到{by}年的{target}比例份额。分布图：每个方块代表一个区，大致按地理位置摆放"
        "（示意图，非地图），颜色表示该区释放面积不低于其份额的概率；灰色为情景未涉及的区。",
    ),
    "districts.table_title": ("{target}: {km2} km² by the end of {by}, city P(meet) {p}",
                              "{target}：{by}年底前{km2}平方公里，全市实现概率{p}"),
    "districts.table_title_window": ("{target}: {km2} km² in {first}–{by}, city P(meet) {p}",
                                     "{target}：{first}—{by}年{km2}平方公里，全市实现概率{p}"),
    "districts.table_note": (
        "P(≥ part): the chance that the district releases at least its part, with its Wilson "
        "95% interval (Monte Carlo error of {n} replications only). Short when the city "
        "misses: in how many of the {misses} replications that miss the city's target the "
        "district released less than its part. Share of the city's gap: its mean (part − "
        "released) there over the city's mean shortfall; the shares add up to 100% (negative: "
        "it made up some of the others' gap). The part is a yardstick, not a quota.",
        "达到份额的概率：该区释放面积不低于其比例份额的概率，括注Wilson 95%置信区间"
        "（仅反映{n}次模拟的蒙特卡洛误差）。全市未实现时该区未达份额：在全市未实现目标的{misses}次"
        "模拟中，该区释放少于其份额的比例。占全市缺口比例：这些模拟中该区平均差额"
        "（份额−释放）与全市平均缺口之比；各区合计100%（负值表示该区弥补了其他区的部分缺口）。"
        "比例份额是参照，并非指标。",
    ),
    "districts.others": ("Other targets: where the city's gap falls",
                         "其他目标：全市缺口落在哪些分区"),
    "districts.carrier": ("{name} {share}", "{name}{share}"),
    "col.district": ("District", "分区"),
    "col.part": ("Part (km²)", "比例份额（平方公里）"),
    "col.spread": ("p10–p50–p90 (km²)", "p10–p50–p90（平方公里）"),
    "col.p_part": ("P(≥ part)", "达到份额的概率"),
    "col.short_when": ("Short when the city misses", "全市未实现时未达份额"),
    "col.gap_share": ("Share of the city's gap", "占全市缺口比例"),
    "col.city_misses": ("City misses (replications)", "全市未实现（模拟次数）"),
    "col.carried_by": ("Most of the gap in", "缺口主要所在分区"),
    "district.baoan": ("Bao'an", "宝安区"),
    "district.nanshan": ("Nanshan", "南山区"),
    "district.guangming": ("Guangming", "光明区"),
    "district.longhua": ("Longhua", "龙华区"),
    "district.futian": ("Futian", "福田区"),
    "district.luohu": ("Luohu", "罗湖区"),
    "district.longgang": ("Longgang", "龙岗区"),
    "district.yantian": ("Yantian", "盐田区"),
    "district.pingshan": ("Pingshan", "坪山区"),
    "district.dapeng": ("Dapeng", "大鹏新区"),
    "district.shenshan": ("Shenzhen-Shanwei", "深汕特别合作区"),
    "app.district": ("District", "分区"),
    "app.district_note": (
        "P(≥ part): the chance that the district releases at least its part of the target, "
        "with its Wilson 95% interval (Monte Carlo error of {n} replications only).",
        "达到份额的概率：该区释放面积不低于其在该目标中比例份额的概率，括注Wilson 95%置信区间"
        "（仅反映{n}次模拟的蒙特卡洛误差）。",
    ),
    "app.whole_city": ("Whole city", "全市"),
    "app.district_title": ("{name}: its part of each city-wide target",
                           "{name}：全市各目标中的比例份额"),
    "app.district_gone": ("{name} is not a district of this scenario.",
                          "{name}不是本情景的分区。"),
}

_CJK = re.compile(r"[\u3400-\u9fff]")


def t(key: str, lang: str, **values) -> str:
    """The text ``key`` in ``lang`` ("en" or "zh"), with ``values`` filled in (Chinese
    tidied by :func:`zh_tidy`)."""
    text = _TEXT[key][LANGS.index(lang)]
    text = text.format(**values) if values else text
    return zh_tidy(text) if lang == "zh" else text


_CJK_OR_PUNCT = "[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019]"
_YEARS = re.compile(r"(?<![\d.])((?:19|20)\d\d)\s*[–-]\s*((?:19|20)\d\d)(?![\d.])")


def zh_tidy(text: str) -> str:
    """Chinese set as the seed documents set it: no space between a Chinese character or
    full-width mark and what follows or precedes it ("约束性目标的实现概率", "0.0%（95%"), and
    year ranges with the dash of "2024—2035年" (numbers and percentages keep "–")."""
    text = re.sub(f"(?<={_CJK_OR_PUNCT})[ \u00a0]+", "", text)
    text = re.sub(f"[ \u00a0]+(?={_CJK_OR_PUNCT})", "", text)
    text = re.sub("[ \u00a0]*·[ \u00a0]*", " · ", text)  # separators of a caption, alike
    return _YEARS.sub("\\1—\\2", text)


ZH_MARK = " | zh: "
"""Separates the English and Chinese halves of a scenario's free text (notes, sources)."""


def bilingual(text: str, lang: str) -> str:
    """The half of "English | zh: 中文" for ``lang``; text without a Chinese half as it is."""
    english, sep, chinese = text.partition(ZH_MARK)
    if lang == "zh" and sep:
        return chinese.strip()
    return english.strip() if sep else text


def target_label(target, lang: str) -> str:
    """A target's name as a reader sees it: its ``label``/``label_zh``, else its name.

    ``target`` is a scenario Target or a mapping with ``name`` (and optionally the labels).
    """
    get = target.get if isinstance(target, dict) else lambda k, d=None: getattr(target, k, d)
    if lang == "zh" and get("label_zh"):
        return get("label_zh")
    return get("label") or get("name")


def pathway_label(name: str, label: str | None, lang: str, label_zh: str | None = None) -> str:
    """A pathway's label in ``lang``: ``label_zh`` for Chinese if given; otherwise a label
    written "Land consolidation (土地整备)" gives either half."""
    if lang == "zh" and label_zh:
        return label_zh
    if not label:
        return name
    match = re.match(r"^(.*?)\s*[（(]([^()（）]*)[)）]\s*$", label)
    if match and _CJK.search(match.group(2)) and not _CJK.search(match.group(1)):
        if lang != "zh":
            return match.group(1).strip()
        # "城市更新 工改工": the second word qualifies the first, as in "城市更新（工改工）"
        return re.sub(r"^(\S+)\s+(\S+)$", "\\1（\\2）", match.group(2).strip())
    return label


_TERMS_ZH = {
    "dist": "分布", "fixed": "固定值", "uniform": "均匀分布", "triangular": "三角分布",
    "pert": "PERT分布", "beta": "贝塔分布", "lognormal": "对数正态分布", "gamma": "伽马分布",
    "exponential": "指数分布", "empirical": "经验分布", "value": "取值", "values": "取值",
    "median": "中位数", "sigma": "对数标准差", "mean": "均值", "sd": "标准差", "min": "最小值",
    "max": "最大值", "mode": "众数", "nominal": "名义值", "count": "项目数",
    "size_cv": "规模变异系数", "duration": "历时", "dropout": "流失率", "capacity": "容量",
    "annual_cap": "年度上限", "probability": "概率", "lasts": "持续年数",
    "pathways": "路径", "duration_multiplier": "历时倍数", "dropout_add": "追加流失率",
    "after": "起始年份", "delay": "延迟", "to": "去向", "plan": "规划", "projects": "项目",
    "stages": "阶段", "yield": "产出率", "route": "路径转换", "start": "起始", "end": "结束",
    "by": "截至", "from": "自", "km2": "平方公里", "pathway_factor_sigma": "路径因子对数标准差",
    "global_factor_sigma": "全局因子对数标准差", "True": "是", "False": "否",
    "negotiation": "谈判", "clearance": "清理腾挪", "unit-plan": "单元规划",
    "implementation": "实施", "supply": "供应", "approval": "审批", "status": "状态",
    "as_of": "状态日期", "released": "已释放", "pipeline": "在途项目", "since": "进入阶段时间",
    "stage": "阶段", "pipeline_file": "在途项目文件",
}


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def status_date(as_of: float) -> datetime.date:
    """The calendar date of a fractional year (2026.75 → 1 October 2026): a whole number of
    twelfths is the first of that month, anything else that share of the year's days."""
    year = math.floor(as_of)
    twelfths = (as_of - year) * 12
    if abs(twelfths - round(twelfths)) < 1e-6:
        return datetime.date(year, 1 + round(twelfths), 1)
    days = (datetime.date(year + 1, 1, 1) - datetime.date(year, 1, 1)).days
    return datetime.date(year, 1, 1) + datetime.timedelta(days=math.floor((as_of - year) * days))


def date_text(as_of: float, lang: str) -> str:
    """A fractional year as a date: "1 October 2026" / "2026年10月1日"."""
    d = status_date(as_of)
    return t("as_of.date", lang, day=d.day, month=_MONTHS[d.month - 1], month_n=d.month,
             year=d.year)


def as_of_text(as_of: float, lang: str) -> str:
    """A status date as readers say it: "the start of 2026", or "1 October 2026"."""
    if float(as_of).is_integer():
        return t("as_of.start", lang, year=int(as_of))
    return date_text(as_of, lang)


def until_text(as_of: float, lang: str) -> str:
    """What the actuals cover: "the end of 2025" for as_of 2026, else the date itself."""
    if float(as_of).is_integer():
        return t("until.end", lang, year=int(as_of) - 1)
    return date_text(as_of, lang)


def notice_text(provenance: dict | None, lang: str) -> str | None:
    """The banner for status figures that are illustrative or assumed (summary.json's
    ``status.provenance``), or None when they are neither."""
    kind = (provenance or {}).get("notice")
    if kind is None:
        return None
    parts = [t(f"notice.{part}", lang) for part in ("released", "pipeline")
             if provenance.get(part) == kind]
    return t(f"notice.{kind}", lang, parts=t("notice.and", lang).join(parts))


def observed_qualifier(provenance: dict | None, lang: str) -> str | None:
    """"illustrative", "assumed" or "derived" when the released figures are not reported
    data (their label, from summary.json's ``status.provenance``); else None."""
    q = (provenance or {}).get("released")
    return t(f"qual.{q}", lang) if q in ("illustrative", "assumption", "derived") else None


def observed_text(met: bool, provenance: dict | None, lang: str) -> str:
    """"met (observed)", or "missed (observed, illustrative)" when the released figures
    are not reported data."""
    q = observed_qualifier(provenance, lang)
    if q is not None:
        return t("observed.met_q" if met else "observed.missed_q", lang, q=q)
    return t("observed.met" if met else "observed.missed", lang)


def interval_text(replications: int, uncertain: int, posterior: int, lang: str) -> str:
    """What a run's 95 % intervals cover: Monte Carlo error, and whether the probabilities
    integrate parameter uncertainty (``uncertain`` parameters, ``posterior`` of them from a
    calibrated posterior, the others from their priors)."""
    n = f"{replications:,}"
    if not uncertain:
        return t("interval.fixed", lang, n=n)
    if not posterior:
        return t("interval.uncertain", lang, n=n, k=uncertain)
    key = "interval.posterior_all" if posterior >= uncertain else "interval.posterior"
    return t(key, lang, n=n, k=uncertain, j=posterior)


def term(word: str, lang: str) -> str:
    """A scenario key or keyword (``median``, ``lognormal``) in ``lang``."""
    return _TERMS_ZH.get(word, word) if lang == "zh" else word


def stage_label(name: str, lang: str) -> str:
    """A stage's key as words: ``unit-plan`` → "unit plan" (单元规划 in Chinese)."""
    if lang == "zh" and name in _TERMS_ZH:
        return _TERMS_ZH[name]
    return re.sub(r"[-_]+", " ", name)


def label_of_target(scenario, name: str, lang: str) -> str:
    """Target ``name`` of ``scenario`` as readers see it in ``lang`` (else its name)."""
    for target in scenario.targets:
        if target.name == name:
            return target_label(target, lang)
    return name


def scenario_name(scenario, lang: str) -> str:
    """How a caption names ``scenario``: its id in English, its Chinese title in Chinese
    (a Chinese reader does not read "baseline"), the id where it has none."""
    if lang == "zh" and getattr(scenario, "title_zh", None):
        return f"“{scenario.title_zh}”"
    return scenario.name


def scenario_short(scenario, lang: str) -> str:
    """How a column, legend or list names ``scenario``: its Chinese title in Chinese (a
    Chinese reader does not read "baseline"), else its id."""
    if lang == "zh" and getattr(scenario, "title_zh", None):
        return scenario.title_zh
    return scenario.name


def label_of_pathway(scenario, name: str, lang: str) -> str:
    """Pathway ``name`` of ``scenario`` as readers see it in ``lang`` (else its name)."""
    p = scenario.pathways.get(name)
    return pathway_label(name, p.label, lang, p.label_zh) if p is not None else name
