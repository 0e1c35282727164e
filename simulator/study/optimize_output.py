"""The words and files of a programme search (``landsim optimize``), beside the search itself.

:mod:`simulator.study.optimize` finds the front; this module says what it found — the
headline and the notes under it (kept targets, the re-evaluation on independent random
numbers, what the costs are, how the search converged and why it stopped), in English and
Chinese — and writes
the folder: ``front.csv``, ``evaluations.csv``, ``convergence.csv``, ``optimize.json``,
charts and ``report.html``. :func:`optimize_to_folder` runs a search durably into a folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.inputs.scenario import Scenario
from simulator.report.formatting import pct, pct_range, sig
from simulator.run.backends import Backend, LocalBackend
from simulator.study.optimize import (
    Constraint,
    Keep,
    Objective,
    OptimizeResult,
    Robustness,
    SearchStatus,
    cost_provenance,
    cost_unit,
    digest_of,
    final_replications_of,
    optimize,
)

__all__ = [
    "convergence_summary",
    "cost_provenance",
    "headline",
    "notes",
    "optimize_to_folder",
    "programme_words",
    "reevaluation_summary",
    "stop_words",
    "write_optimize",
]

def reevaluation_summary(found: OptimizeResult) -> dict:
    """How the search's front held up on independent random numbers (optimize.json's
    ``reevaluation``): members, how many are dominated, infeasible, break each kept target,
    hold up, and the mean of the search's values less the re-evaluated, in percentage
    points for probabilities (km² for km² objectives)."""
    front, s = found.front, found.settings
    out = {"seed": s["reevaluation_seed"], "replications": s["final_replications"],
           "members": int(len(front)), "holding": int(len(found.on_front)),
           "dominated": 0, "infeasible": 0, "breaking": {}, "search_minus_reevaluated": {}}
    if front.empty:
        return out
    out["dominated"] = int(front["dominated"].sum())
    out["infeasible"] = int((~front["feasible"].astype(bool)).sum())
    out["breaking"] = {k.target: int((~front[k.column].astype(bool)).sum())
                       for k in found.keeps}
    p10 = found.robustness == "p10"
    for o in found.objectives:
        if f"{o.name}_search" in front:  # against the measure the search maximised
            again = f"{o.name}_p10" if p10 and f"{o.name}_p10" in front else o.name
            gap = float((front[f"{o.name}_search"] - front[again]).mean())
            out["search_minus_reevaluated"][o.name] = gap * (100 if o.kind == "P" else 1)
    return out


def convergence_summary(found: OptimizeResult) -> dict:
    """The re-evaluated hypervolume's first, last and highest values (and the generation
    of the highest), and whether it ever fell from one generation to the next."""
    conv = found.convergence
    if conv.empty or "hypervolume_reevaluated" not in conv:
        return {}
    hv = conv["hypervolume_reevaluated"].to_numpy(dtype=float)
    best = int(np.argmax(hv))
    return {"first": float(hv[0]), "last": float(hv[-1]), "best": float(hv[best]),
            "best_generation": int(conv["generation"].iloc[best]),
            "fell": bool(np.any(np.diff(hv) < 0)),
            "search_last": float(conv["hypervolume"].iloc[-1])}


# ---------------------------------------------------------------- words


def _cost_text(row: pd.Series, found: OptimizeResult, lang: str) -> str:
    from simulator.report.i18n import t

    if "cost" not in row:
        return "–"
    unit = cost_unit(found.scenario) or t("optimize.cost_units", lang)
    label = found.settings.get("cost_provenance", {}).get("label")
    tag = (t("optimize.cost_tag", lang, label=t(f"optimize.label_{label}", lang))
           if label in ("illustrative", "assumption") else "")
    return f"{sig(row['cost'], 3)} {unit}{tag}"


def headline(found: OptimizeResult, level: float = 0.8, lang: str = "en") -> str:
    """The cheapest programme that holds up after re-evaluation and reaches ``level`` for
    the first probability objective, in words (its cost tagged illustrative or assumed when
    the scenario labels the costs so), or what the front reaches at best."""
    from simulator.report.i18n import t

    p = next((o for o in found.objectives if o.kind == "P"), None)
    if found.front.empty:
        if found.keeps:
            return t("optimize.no_front_keeps", lang,
                     targets=", ".join(k.target for k in found.keeps))
        return t("optimize.no_front", lang)
    front = found.on_front
    if front.empty:
        return t("optimize.none_hold", lang, n=len(found.front))
    if p is None:
        return t("optimize.front_size", lang, n=len(front))
    best = found.cheapest(level)
    if best is None:
        top = front.sort_values(p.name, ascending=False, kind="stable").iloc[0]
        return t("optimize.out_of_reach", lang, level=pct(level), target=p.target,
                 best=pct(top[p.name]), programme=programme_words(found, top, lang),
                 cost=_cost_text(top, found, lang))
    return t("optimize.headline", lang, programme=programme_words(found, best, lang),
             p=pct(best[p.name]),
             interval=pct_range(best[f"{p.name}_low"], best[f"{p.name}_high"]),
             target=p.target, cost=_cost_text(best, found, lang))


def _headline_row(found: OptimizeResult, level: float) -> pd.Series | None:
    best = found.cheapest(level)
    p = next((o for o in found.objectives if o.kind == "P"), None)
    front = found.on_front
    if best is None and p is not None and not front.empty:
        best = front.sort_values(p.name, ascending=False, kind="stable").iloc[0]
    return best


def notes(found: OptimizeResult, level: float = 0.8, lang: str = "en") -> list[str]:
    """The sentences under the headline: what the headline's programme does to each kept
    target, what the costs rest on, how the front held up on independent random numbers,
    and how the search converged on them."""
    from simulator.report.i18n import t

    out = []
    row = _headline_row(found, level)
    reference = found.settings.get("reference", {}).get("reevaluation", {})
    if row is not None and found.keeps:
        items = []
        for k in found.keeps:
            target = next(x for x in found.scenario.targets if x.name == k.target)
            words = dict(target=k.target, ceiling=sig(row[k.ceiling_column], 3),
                         km2=sig(target.km2, 3), p=pct(row[f"P({k.target})"]))
            if k.odds == "possible":
                items.append(t("optimize.keep_possible", lang, **words))
            else:
                ref = (t("optimize.as_shipped", lang, p=pct(reference.get(k.target, 0.0)))
                       if k.odds == "shipped" else pct(float(k.odds)))
                items.append(t("optimize.keep_odds", lang, ref=ref, **words))
        out.append(t("optimize.keeps", lang, items=("; " if lang == "en" else "；").join(items)))
    elif not found.keeps:
        out.append(t("optimize.keeps_none", lang))
    costs = found.settings.get("cost_provenance", {})
    if costs.get("label") in ("illustrative", "assumption") and any(
            o.kind == "cost" for o in found.objectives):
        key = ("optimize.costs_illustrative" if costs["label"] == "illustrative"
               else "optimize.costs_assumed")
        out.append(t(key, lang, unit=cost_unit(found.scenario) or t("optimize.cost_units", lang),
                     n=costs["illustrative"], m=costs["costed"]))
    summary = reevaluation_summary(found)
    if summary["members"]:
        gaps = "; ".join(f"{name} {value:+.2f}" + (" pp" if name.startswith("P(") else " km²")
                         for name, value in summary["search_minus_reevaluated"].items())
        out.append(t("optimize.reevaluated", lang, n=summary["members"], seed=summary["seed"],
                     final=f"{summary['replications']:,}", dominated=summary["dominated"],
                     infeasible=summary["infeasible"], gaps=gaps or "–"))
    conv = convergence_summary(found)
    if conv:
        out.append(t("optimize.convergence_note", lang, first=f"{conv['first']:.3f}",
                     last=f"{conv['last']:.3f}", best=f"{conv['best']:.3f}",
                     g=conv["best_generation"], search=f"{conv['search_last']:.3f}",
                     fell=t("optimize.fell" if conv["fell"] else "optimize.never_fell", lang)))
    stopped = stop_words(found, lang)
    if stopped:
        out.append(stopped)
    return out


def stop_words(found: OptimizeResult, lang: str = "en") -> str:
    """Why the search stopped, in words (``lang`` en or zh): at which generation of its
    budget, and whether the front had settled (by which of pymoo's criteria) or the budget
    ran out; empty for a result that does not record it."""
    from simulator.report.i18n import t

    stop = found.settings.get("stop")
    if not stop:
        return ""
    words = dict(g=stop["generation"], budget=stop["generations"], w=stop["window"],
                 ftol=f"{stop['ftol']:g}", xtol=f"{stop['xtol']:g}")
    if stop["reason"] == "settled":
        key = {"objectives": "settled_objectives", "levers": "settled_levers"}.get(
            stop["criterion"], "settled_violation")
        text = t(f"optimize.stop.{key}", lang, **words)
    elif stop["generation"] <= stop["window"]:  # the soonest it can stop is window + 1
        text = t("optimize.stop.budget_short", lang, **words)
    else:
        moved = _last_moved(found)
        clause = "" if moved is None else t("optimize.stop.moved", lang, x=f"{moved:.3g}")
        text = t("optimize.stop.budget", lang, moved=clause, **words)
    return text


def _last_moved(found: OptimizeResult) -> float | None:
    """How far the front moved in the search's last generation (pymoo's measure), or None."""
    conv = found.convergence
    if conv.empty or "front_moved" not in conv:
        return None
    value = float(conv["front_moved"].iloc[-1])
    return value if np.isfinite(value) else None


def programme_words(found: OptimizeResult, row: pd.Series, lang: str = "en") -> str:
    """A front member's lever values in words: each lever's description (before '|') or
    its path, and its value; levers at their minimum are left out."""
    from simulator.report.i18n import bilingual, t

    parts = []
    whole = {lv.path for lv in found.levers if lv.integer}
    for lever in found.scenario.levers:
        value = row[lever.path]
        if value == lever.min:
            continue
        label = bilingual(lever.description, lang).strip() or lever.path
        parts.append(f"{label}: {int(value) if lever.path in whole else sig(value, 3)}")
    return ("; " if lang == "en" else "；").join(parts) or t("optimize.all_minimum", lang)


# ---------------------------------------------------------------- files


def write_optimize(found: OptimizeResult, folder: Path, *, langs: Sequence[str] = ("en",),
                   manifest: Mapping | None = None, level: float = 0.8) -> None:
    """front.csv, evaluations.csv, convergence.csv, optimize.json, charts and report(s)."""
    from simulator.report.i18n import t
    from simulator.report.optimize_charts import draw_optimize_charts
    from simulator.report.study_report import StudyPage, write_study_report

    folder = Path(folder)
    found.front.to_csv(folder / "front.csv", index=False, float_format="%.6g")
    found.evaluations.to_csv(folder / "evaluations.csv", index=False, float_format="%.6g")
    found.convergence.to_csv(folder / "convergence.csv", index=False, float_format="%.6g")
    summary = {"scenario": found.scenario.name, **found.settings,
               "levers": [{"path": lv.path, "min": lv.low, "max": lv.high,
                           "integer": lv.integer} for lv in found.levers],
               "level": level, "headline": headline(found, level),
               "notes": notes(found, level),
               "front_size": int(len(found.front)),
               "reevaluation": reevaluation_summary(found),
               "convergence": found.convergence.to_dict(orient="records"),
               **({"manifest": dict(manifest)} if manifest else {})}
    (folder / "optimize.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False,
                                                     default=_plain)
                                          + "\n", encoding="utf-8")
    for lang in langs:
        charts_dir = folder / ("charts" if lang == "en" else f"charts-{lang}")
        charts_dir.mkdir(exist_ok=True)
        charts = draw_optimize_charts(found, charts_dir, lang=lang)
        s = found.settings
        text = t("optimize.design", lang, scenario=found.scenario.name,
                 objectives="; ".join(s["objectives"]),
                 constraints="; ".join(s["constraints"]) or "–",
                 keeps="; ".join(s["keeps"]) or "–", k=len(found.levers),
                 evaluations=f"{len(found.evaluations):,}", r=f"{s['replications']:,}",
                 final=f"{s['final_replications']:,}", seed=s["seed"],
                 reseed=s["reevaluation_seed"], robustness=s["robustness"], draws=s["draws"])
        tables = [(t("optimize.front", lang), found.front.round(4)),
                  (t("optimize.convergence", lang), found.convergence.round(4))]
        page = StudyPage(t("optimize.title", lang, name=found.scenario.name), text,
                         headline(found, level, lang=lang), None, tables, charts,
                         {k: str(v) for k, v in (manifest or {}).items()},
                         notes=notes(found, level, lang), scenario=found.scenario)
        write_study_report(folder, page, lang)


def _plain(value):
    """JSON for numpy scalars."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def optimize_to_folder(scenario: Scenario, objectives: Sequence[Objective], out: str | Path, *,
                       constraints: Sequence[Constraint] = (),
                       keeps: Sequence[Keep] | None = None, evaluations: int = 480,
                       replications: int = 1000, final_replications: int | None = None,
                       seed: int = 0, robustness: Robustness = "mean",
                       backend: Backend | None = None, resume: bool = False,
                       force: bool = False, langs: Sequence[str] = ("en",),
                       progress: Callable[[int], None] | None = None,
                       status: Callable[[SearchStatus], None] | None = None,
                       inputs: Sequence[str | Path] = (),
                       command: list[str] | None = None, level: float = 0.8,
                       posterior: Scenario | None = None) -> OptimizeResult:
    """:func:`~simulator.study.optimize.optimize`, durably (``<out>.partial``; candidates
    kept as they finish, so ``resume`` continues the same study), then write ``out`` (see
    :func:`write_optimize`). Raises what ``optimize`` and the study folder raise."""
    from simulator import __version__
    from simulator.study.optimize import keep_targets
    from simulator.study.points import StudyFolder

    keeps = keep_targets(scenario) if keeps is None else list(keeps)
    final = final_replications_of(replications, final_replications)
    digest = digest_of(scenario, objectives, constraints, evaluations=evaluations,
                       replications=replications, final_replications=final, seed=seed,
                       robustness=robustness, keeps=keeps,
                       posterior=posterior.digest() if posterior is not None else None)
    backend = backend or LocalBackend(1)
    with StudyFolder(out, digest, resume=resume, force=force, inputs=inputs) as study:
        found = optimize(scenario, objectives, constraints=constraints, keeps=keeps,
                         evaluations=evaluations, replications=replications,
                         final_replications=final, seed=seed, robustness=robustness,
                         backend=backend, store=study.store(), progress=progress,
                         status=status, posterior=posterior)
        manifest = {"landsim_version": __version__, "backend": backend.name,
                    "scenario_sha256": scenario.digest(), "study_sha256": digest,
                    "command": " ".join(command or []) or "–"}
        shutil.rmtree(study.path / "points", ignore_errors=True)  # in front.csv and
        # evaluations.csv now; the folder only served a resume
        write_optimize(found, study.path, langs=langs, manifest=manifest, level=level)
        study.finish()
    return found
