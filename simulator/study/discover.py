"""Scenario discovery: which combinations of assumptions make a target fail (PRIM).

A *case of interest* is a design point at which the target's probability is below a
threshold (``below``, default 0.5: the target is more likely missed than met). The design is
either a finished sweep's points (``points.csv``) or a Latin hypercube this module runs
itself over parameter ranges — by default the scenario's ``levers:`` — with common random
numbers. PRIM (:mod:`simulator.study.prim`) then finds the box of parameter ranges in
which such points concentrate.

Cases are labelled per point, from the point's estimated probability, not per replication:
a point is one setting of the assumptions, and "the target is missed under these
assumptions" is the statement a policy reader needs. (Per-replication labels would ask
which random draws miss, which PRIM cannot explain with the parameters.)

Only a *significant* box is reported as a finding (:mod:`simulator.study.prim`): once the
restrictions that do not earn their place are dropped (quasi-p ≥ 0.05 / 2d for d parameters,
largest first, as EMA Workbench's ``drop_restriction``), every restricted parameter has
quasi-p below 0.05 / 2d, and the
lower end of the 95 % Wilson interval of the box's density is above the base rate (the share
of cases among all the points). Among the significant boxes of the peeling trajectory the
knee is chosen. When there is none, discover.json (``"significant": false``), the report and
the printed sentence say either that the finding is *not resolved at this sample size* — the
knee of the trajectory would pass the rule at about ``points_to_resolve`` points if its
densities held — or that no box concentrates the failures; the trajectory is still shown.

points.csv, as written here, loads into EMA Workbench's ``ema_workbench.analysis.prim.Prim``
as it is: every parameter column is written as floats (``17.0``, never ``17``), so pandas
reads it as float64 even where the parameter is an integer (a project count) — EMA's peeling
writes midpoints such as 100.5 into the box limits, which pandas 3 refuses in an int64
column. ``case`` is the y to give it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from scipy.stats import qmc

from simulator.inputs.errors import RunConfigError
from simulator.inputs.scenario import Scenario
from simulator.run.backends import Backend, LocalBackend
from simulator.study.points import StudyFolder, run_points, study_digest
from simulator.study.prim import (
    SIGNIFICANCE_RULE,
    PrimResult,
    points_to_resolve,
    prim,
    stability,
)
from simulator.study.sensitivity import ParamRange

__all__ = [
    "Discovery",
    "discover",
    "discover_scenario",
    "discover_sweep",
    "lhs_design",
    "load_points",
    "sentence",
    "write_discovery",
]


@dataclass
class Discovery:
    """A finished discovery: the points, the case definition, PRIM's boxes and stability."""

    target: str
    below: float
    points: pd.DataFrame  # parameter columns, the target's metrics, and "case"
    parameters: list[str]
    descriptions: dict[str, str]
    result: PrimResult
    stable: pd.DataFrame
    design: dict  # how the points were made (base scenario, ranges, replications, seed)
    scenario: Scenario | None = None  # the base scenario, when known (Chinese pages: words)

    @property
    def points_to_resolve(self) -> int | None:
        """With no significant box: about how many points would resolve the knee of the
        trajectory if its densities held (None: it would not at 8× the points)."""
        if self.result.significant or self.result.chosen != 0:
            return None
        return points_to_resolve(self.result)

    @property
    def finding(self) -> str | None:
        """None for a significant box; else "not resolved at this sample size" or "no box
        concentrates the failures"."""
        if self.result.significant or self.result.chosen != 0:
            return None
        return ("not resolved at this sample size" if self.points_to_resolve is not None
                else "no box concentrates the failures")

    @property
    def per_replication(self) -> bool:
        """Whether the cases are replications of one run (uncertain values drawn per
        replication), not design points."""
        return self.design.get("unit") == "replication"

    def summary(self) -> dict:
        """discover.json: the chosen box's statistics, threshold and case definition."""
        stats = self.result.stats()
        return {
            "format_version": 1,
            "target": self.target,
            "threshold": self.below,
            "case_definition": (
                f"a replication that misses {self.target} (its parameters: the uncertain "
                "values it drew)" if self.per_replication else
                f"a point whose estimated probability of {self.target} is below "
                f"{self.below:g}" + (" (the target is more likely missed than met there)"
                                     if self.below == 0.5 else "")),
            "points": int(len(self.points)),
            "cases": int(self.points.case.sum()),
            "chosen_box": int(self.result.chosen),
            "coverage": stats["coverage"],
            "density": stats["density"],
            "mass": stats["mass"],
            "restricted": list(self.result.box().parameter),
            "sentence": sentence(self),
            "design": self.design,
            "significant": self.result.significant,
            "finding": self.finding,
            "points_to_resolve": self.points_to_resolve,
            "dropped": stats["dropped"],
            "significance_rule": SIGNIFICANCE_RULE,
            "base_rate": self.result.base_rate,
            "quasi_p_max": stats["qp"],
            "density_low": stats["density_low"],
            "knee_box": _knee_summary(self),
        }


def _knee_summary(found: Discovery) -> dict:
    """The knee of the whole trajectory (significant or not), for reference."""
    i = found.result.knee_box
    stats = found.result.stats(i, pruned=False)
    return {"box": i, "coverage": stats["coverage"], "density": stats["density"],
            "quasi_p_max": stats["qp"], "density_low": stats["density_low"],
            "significant": stats["significant"],
            "restricted": list(found.result.box(i, pruned=False).parameter)}


def lhs_design(params: Sequence[ParamRange], samples: int, seed: int) -> pd.DataFrame:
    """A Latin hypercube of ``samples`` points over the ranges (columns: key paths)."""
    u = qmc.LatinHypercube(d=len(params), seed=seed).random(samples)
    return pd.DataFrame({p.path: p.clip(p.low + u[:, k] * (p.high - p.low))
                         for k, p in enumerate(params)})


def load_points(folder: str | Path) -> tuple[pd.DataFrame, list[str], dict]:
    """A finished sweep's or sensitivity analysis's points, its parameter paths and its
    manifest (sweep.json or sensitivity.json, with ``design`` and ``base_scenario`` set).

    Raises ``RunConfigError`` if ``folder`` is neither, or is a one-at-a-time analysis
    (its points lie on the axes through the base: no combinations to tell apart).
    """
    from simulator.report.run_folder import read_checked_json

    folder = Path(folder)
    if (folder / "run.json").exists():
        return _replication_points(folder)
    points = folder / "points.csv"
    for name in ("sweep.json", "sensitivity.json"):
        manifest = folder / name
        if points.exists() and manifest.exists():
            break
    else:
        raise RunConfigError(f"{folder} is not a finished sweep, sensitivity or run folder "
                             "(points.csv with sweep.json or sensitivity.json; run.json); give "
                             "one, or a scenario file")
    info = read_checked_json(manifest)
    if info.get("format_version") != 1:
        raise RunConfigError(f"{manifest}: format_version {info.get('format_version')!r}; this "
                             "landsim reads format 1 — rerun the study with it")
    if name == "sensitivity.json":
        if info.get("method") == "oat":
            raise RunConfigError(f"{folder} is a one-at-a-time analysis: its points vary one "
                                 "parameter at a time, so no combination can be found; use a "
                                 "morris or sobol analysis, a sweep, or a scenario file")
        info = {**info, "design": info.get("method"), "base_scenario": info.get("scenario")}
    parameters = info.get("parameters")
    if not isinstance(parameters, list) or not all(
            isinstance(p, str) or (isinstance(p, dict) and isinstance(p.get("path"), str))
            for p in parameters):
        raise RunConfigError(f"{manifest}: 'parameters' is not a list of key paths; rerun the "
                             "study to write it again")
    names = [p if isinstance(p, str) else p["path"] for p in parameters]
    return _checked_points(points, names), names, info


def _checked_points(path: Path, names: list[str]) -> pd.DataFrame:
    """points.csv: every parameter column present and finite, every probability in [0, 1]."""
    from simulator.report.run_folder import check_probabilities, read_checked_csv

    try:
        header = pd.read_csv(path, nrows=0).columns.tolist()
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        raise RunConfigError(f"{path}: not a points file landsim wrote "
                             f"({str(exc).splitlines()[0][:80]})") from None
    missing = [n for n in names if n not in header]
    if missing:
        raise RunConfigError(f"{path}: no column {missing[0]!r} (a parameter of the study)")
    frame = read_checked_csv(path, header)
    for column in header:
        if column.endswith(".probability"):
            check_probabilities(path, frame, column)
    return frame


MAX_REPLICATION_CASES = 20_000
"""A run's replications are subsampled to this many (seeded) before PRIM."""


def _replication_points(folder: Path) -> tuple[pd.DataFrame, list[str], dict]:
    """One point per replication of a run with uncertain values: its values, and for each
    target 1.0 if it met the target, else 0.0 (so ``below`` 0.5 labels the misses)."""
    import numpy as np

    from simulator.inputs.scenario import load_scenario
    from simulator.run.replications_file import REPLICATIONS_FILE, UNCERTAIN_FILE
    from simulator.run.results import targets_met

    if not (folder / UNCERTAIN_FILE).exists() or not (folder / REPLICATIONS_FILE).exists():
        raise RunConfigError(
            f"{folder} is a run without {UNCERTAIN_FILE} and {REPLICATIONS_FILE}: per-replication "
            "discovery needs a scenario with uncertain: values, run with replications.parquet")
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    scenario = load_scenario(folder / "scenario.resolved.yaml")
    theta = pd.read_parquet(folder / UNCERTAIN_FILE)
    if len(theta) > MAX_REPLICATION_CASES:
        keep = np.sort(np.random.default_rng(info.get("seed", 0)).choice(
            len(theta), MAX_REPLICATION_CASES, replace=False))
        theta = theta.iloc[keep].reset_index(drop=True)
    wanted = set(theta.replication)
    long = pd.read_parquet(folder / REPLICATIONS_FILE,
                           filters=[("replication", "in", sorted(wanted))])
    Y, P = len(scenario.years), len(scenario.pathways)
    long = long.sort_values(["replication", "year", "pathway"])
    annual = long.km2.to_numpy().reshape(len(theta), Y, P)
    # replications.parquet holds release by pathway: a target that counts one district
    # cannot be read from it, so per-replication discovery leaves such targets out
    city = scenario.model_copy(update={"targets": [t for t in scenario.targets
                                                   if t.district is None]})
    met = targets_met(city, annual)
    points = theta.drop(columns="replication")
    for i, t in enumerate(city.targets):
        points[f"{t.name}.probability"] = met[:, i].astype(float)
    names = [c for c in theta.columns if c != "replication"]
    design = {**info, "design": "replications", "unit": "replication",
              "base_scenario": scenario.name, "replications_per_point": 1,
              "parameters": names, "cases_from": f"{len(theta):,} replications"}
    return points, names, design


def discover(
    points: pd.DataFrame,
    parameters: list[str],
    target: str,
    *,
    below: float = 0.5,
    choose: int | None = None,
    descriptions: dict[str, str] | None = None,
    design: dict | None = None,
    resamples: int = 20,
    seed: int = 0,
) -> Discovery:
    """Label the points (probability of ``target`` below ``below``) and run PRIM.

    Raises ``RunConfigError`` for an unknown target, a threshold outside (0, 1), or a
    design with no cases (or only cases): then there is nothing to tell apart.
    """
    column = f"{target}.probability"
    if column not in points.columns:
        found = sorted(c.removesuffix(".probability") for c in points.columns
                       if c.endswith(".probability"))
        raise RunConfigError(f"--target {target!r} is not among the study's targets: "
                             f"{', '.join(found)}")
    if not 0 < below < 1:
        raise RunConfigError(f"--below must be between 0 and 1 (got {below:g})")
    points = points.copy()
    points["case"] = points[column] < below
    cases = int(points.case.sum())
    if cases == 0 or cases == len(points):
        what = "no point" if cases == 0 else "every point"
        raise RunConfigError(
            f"{what} has P({target}) below {below:g}: there is nothing to tell apart — "
            "widen the ranges or choose another --below")
    result = prim(points[parameters], points.case.to_numpy(), choose=choose)
    stable = stability(result, resamples=resamples, seed=seed)
    return Discovery(target, below, points, parameters, descriptions or {}, result, stable,
                     design or {})


def sentence(found: Discovery, lang: str = "en") -> str:
    """The finding in one sentence a policy reader understands — or, when no box on the
    trajectory is significant, that no box concentrates the failures (the words:
    :mod:`simulator.report.i18n`, ``disc.*``)."""
    from simulator.report.i18n import t

    if not found.result.significant and found.result.chosen == 0:
        return _no_box_sentence(found, lang)
    text = _box_sentence(found, lang)
    stats = found.result.stats()
    if not found.result.significant and stats["res_dim"] > 0:  # a box asked for with --box
        text += t("disc.not_significant", lang, qp=f"{stats['qp']:.2g}",
                  low=f"{stats['density_low']:.1%}", base=f"{found.result.base_rate:.1%}")
    return text


def _box_sentence(found: Discovery, lang: str) -> str:
    from simulator.report.i18n import t

    stats = found.result.stats()
    parts = _box_parts(found, found.result.chosen, lang)
    values = {"target": found.target, "density": f"{stats['density']:.0%}",
              "below": f"{found.below:.0%}", "coverage": f"{stats['coverage']:.0%}"}
    if not parts:  # the chosen box is the whole design: no range concentrates the cases
        key = "disc.whole_rep" if found.per_replication else "disc.whole_case"
        return t(key, lang, **({k: values[k] for k in ("target", "density")}
                               if found.per_replication else
                               {k: values[k] for k in ("target", "density", "below")}))
    where = t("disc.and", lang).join(parts)
    if found.per_replication:
        return t("disc.box_rep", lang, where=where, target=found.target,
                 density=values["density"], coverage=values["coverage"])
    key = "disc.box_half" if found.below == 0.5 else "disc.box_level"
    return t(key, lang, where=where, **values)


def _box_parts(found: Discovery, i: int, lang: str, *, pruned: bool | None = None) -> list[str]:
    """Each restricted parameter of box ``i`` as "name < max", "name > min" or a range."""
    from simulator.report.i18n import bilingual

    parts = []
    for row in found.result.box(i, pruned=pruned).itertuples():
        name = bilingual(found.descriptions.get(row.parameter, row.parameter), lang)
        low = row.min > row.range_min
        high = row.max < row.range_max
        if low and high:
            parts.append(f"{name} {row.min:.3g}–{row.max:.3g}")
        elif high:
            parts.append(f"{name} < {row.max:.3g}")
        else:
            parts.append(f"{name} > {row.min:.3g}")
    return parts


def _no_box_sentence(found: Discovery, lang: str) -> str:
    """No significant box: say so, with the base rate and the (rejected) knee for reference —
    or that the knee is not resolved at this sample size, with the size that would."""
    from simulator.report.i18n import t

    base = f"{found.result.base_rate:.0%}"
    k = found.result.knee_box
    ks = found.result.stats(k, pruned=False)
    where = t("disc.and", lang).join(_box_parts(found, k, lang, pruned=False))
    qp = "–" if ks["qp"] is None else f"{ks['qp']:.2g}"
    need = found.points_to_resolve
    if need is not None:
        return t("disc.unresolved", lang, n=f"{len(found.points):,}", where=where,
                 target=found.target, density=f"{ks['density']:.1%}", base=base, qp=qp,
                 need=f"{need:,}", samples=need)
    head = (t("disc.none_rep", lang, target=found.target, base=base) if found.per_replication
            else t("disc.none_case", lang, target=found.target, base=base,
                   below=f"{found.below:.0%}"))
    if not where:
        return head
    return head + t("disc.knee", lang, where=where, density=f"{ks['density']:.1%}", qp=qp)


def discover_scenario(
    scenario: Scenario,
    params: list[ParamRange],
    target: str,
    out: str | Path,
    *,
    samples: int = 200,
    replications: int = 1000,
    seed: int = 0,
    below: float = 0.5,
    choose: int | None = None,
    engine: str = "auto",
    backend: Backend | None = None,
    resume: bool = False,
    force: bool = False,
    langs: Sequence[str] = ("en",),
    progress: Callable[[int], None] | None = None,
    inputs: Sequence[str | Path] = (),
    command: list[str] | None = None,
) -> Discovery:
    """Run a Latin hypercube over ``params`` (durably, resumable), then PRIM; write ``out``.

    Parameter descriptions come from the scenario's ``levers:`` where the paths match.
    Raises ``RunConfigError`` as :func:`discover`, or for an ``out`` that may not be written.
    """
    if target not in [t.name for t in scenario.targets]:
        raise RunConfigError(f"--target {target!r} is not a target of {scenario.name}; "
                             f"targets: {', '.join(t.name for t in scenario.targets)}")
    if not params:
        raise RunConfigError("give parameters with --params, or declare levers: in the "
                             "scenario")
    design = lhs_design(params, samples, seed)
    backend = backend or LocalBackend(1)
    digest = study_digest(kind="discover", scenario=scenario.digest(), samples=samples,
                          seed=seed, replications=replications, engine=engine,
                          params=[(p.path, p.low, p.high) for p in params])
    from simulator import __version__

    info = {"scenario": scenario.name, "scenario_sha256": scenario.digest(),
            "design": "lhs", "samples": samples, "replications": replications, "seed": seed,
            "parameters": [{"path": p.path, "min": p.low, "max": p.high} for p in params]}
    manifest = {"landsim_version": __version__, "backend": backend.name,
                "command": " ".join(command or []) or "–"}
    with StudyFolder(out, digest, resume=resume, force=force, inputs=inputs) as study:
        with backend:
            points = run_points(scenario, design, replications=replications, seed=seed,
                                engine=engine, backend=backend, store=study.store(),
                                progress=progress, origin="discover")
        descriptions = {lv.path: lv.description for lv in scenario.levers}
        found = discover(points, [p.path for p in params], target, below=below, choose=choose,
                         descriptions=descriptions, design=info, seed=seed)
        found = dataclasses.replace(found, scenario=scenario)
        write_discovery(found, study.path, langs=langs, manifest=manifest)
        study.finish()
    return found


def discover_sweep(
    folder: str | Path,
    target: str,
    out: str | Path,
    *,
    below: float = 0.5,
    choose: int | None = None,
    force: bool = False,
    langs: Sequence[str] = ("en",),
    command: list[str] | None = None,
) -> Discovery:
    """PRIM on a finished sweep's (or Morris / Sobol analysis's) points; write ``out``.

    Raises ``RunConfigError``."""
    from simulator import __version__
    from simulator.run.output import replace_folder

    points, names, info = load_points(folder)
    design = {"scenario": info.get("base_scenario"), "sweep": info.get("sweep"),
              "design": info.get("design"), "replications": info.get("replications_per_point"),
              "seed": info.get("seed"), "parameters": names}
    if info.get("unit") == "replication":
        design.update(unit="replication", cases_from=info["cases_from"])
    found = discover(points, names, target, below=below, choose=choose, design=design)
    manifest = {"landsim_version": __version__, "sweep_folder": str(folder),
                "command": " ".join(command or []) or "–"}
    replace_folder(Path(out), lambda tmp: write_discovery(found, tmp, langs=langs,
                                                          manifest=manifest),
                   kind="discover", force=force, inputs=[folder])
    return found


def _float_points(found: Discovery) -> pd.DataFrame:
    """The points with every parameter column as float text ("17.0", not "17"), so that
    pandas reads them back as float64 and EMA Workbench's Prim can peel them."""
    import numpy as np

    def text(v: float) -> str:
        s = f"{v:.6g}"
        return s + ".0" if s.lstrip("-").isdigit() else s

    out = found.points.copy()
    for name in found.parameters:
        out[name] = [text(v) for v in np.asarray(out[name], dtype=float)]
    return out


def write_discovery(found: Discovery, folder: Path, *, langs: Sequence[str] = ("en",),
                    manifest: dict | None = None) -> None:
    """Write boxes.csv, trajectory.csv, points.csv, stability.csv, discover.json, charts
    and report(s) into ``folder`` (an existing, empty folder)."""
    from simulator.report.discover_charts import draw_discover_charts
    from simulator.report.i18n import t
    from simulator.report.study_report import StudyPage, write_study_report

    box = found.result.box()
    share = dict(zip(found.stable.parameter, found.stable.restricted_share, strict=True))
    box["stability"] = [share[p] for p in box.parameter]
    box.to_csv(folder / "boxes.csv", index=False, float_format="%.6g")
    found.result.trajectory.to_csv(folder / "trajectory.csv", index=False, float_format="%.6g")
    _float_points(found).to_csv(folder / "points.csv", index=False, float_format="%.6g")
    found.stable.to_csv(folder / "stability.csv", index=False, float_format="%.6g")
    summary = {**found.summary(), **({"manifest": manifest} if manifest else {})}
    (folder / "discover.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False)
                                          + "\n", encoding="utf-8")
    for lang in langs:
        charts_dir = folder / ("charts" if lang == "en" else f"charts-{lang}")
        charts_dir.mkdir()
        charts = draw_discover_charts(found, charts_dir, lang=lang)
        design = found.design
        text = t("discover.design", lang, scenario=design.get("scenario", "?"),
                 n=len(found.points), params=", ".join(found.parameters),
                 reps=f"{design.get('replications', 0):,}", seed=design.get("seed", "?"),
                 below=f"{found.below:.0%}", target=found.target)
        text += " " + t("discover.rule", lang, base=f"{found.result.base_rate:.1%}")
        stats = found.result.stats()
        if found.result.significant or found.result.chosen != 0:
            first = (t("discover.box", lang), box)
        else:
            knee_box = found.result.box(found.result.knee_box, pruned=False)
            need = found.points_to_resolve
            first = ((t("discover.unresolved", lang, i=found.result.knee_box,
                        n=f"{len(found.points):,}", m=f"{need:,}"), knee_box) if need
                     else (t("discover.no_box", lang, i=found.result.knee_box), knee_box))
        tables = [first, (t("discover.stability", lang), found.stable),
                  (t("discover.trajectory", lang), found.result.trajectory)]
        page = StudyPage(t("discover.title", lang, target=found.target), text,
                         sentence(found, lang), stats["density"], tables, charts,
                         {k: str(v) for k, v in (manifest or {}).items()},
                         scenario=found.scenario)
        write_study_report(folder, page, lang)
