"""Parameter sweeps: a design of points over a base scenario, each run with the same seed.

A sweep file::

    name: consolidation-capacity
    base: ../baseline.yaml                 # relative to the sweep file
    replications: 1000                     # per point
    seed: 0
    design: grid                           # grid | lhs | sobol
    levels: 5                              # grid: levels per parameter without `levels`
    points: 64                             # lhs, sobol: number of points
    target: binding-2025                   # the target the heatmap shows
    parameters:
      - {path: pathways.consolidation.stages[0].capacity, min: 10, max: 40, integer: true}
      - {path: pathways.consolidation.stages[0].duration.median, levels: [1.5, 2, 3, 4]}
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.inputs.errors import Problem, RunConfigError, ScenarioError
from simulator.inputs.keypath import format_path
from simulator.inputs.params import ParameterError, get_value
from simulator.inputs.scenario import NAME_PATTERN, Scenario, load_scenario
from simulator.inputs.validation import validate_document
from simulator.inputs.yamlsource import read_yaml
from simulator.run.backends import Backend, LocalBackend
from simulator.study.points import StudyFolder, run_points, study_digest

__all__ = ["SweepParameter", "SweepResult", "SweepSpec", "design_points", "load_sweep",
           "run_sweep"]

MAX_POINTS = 100_000
_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class SweepParameter(BaseModel):
    """One varied value: its key path and range (or explicit grid levels)."""

    model_config = _CONFIG

    path: str
    min: float | None = None
    max: float | None = None
    levels: list[float] | None = Field(None, min_length=1)
    integer: bool = False
    dist: Literal["uniform", "loguniform", "triangular"] = Field(
        "uniform", description="How lhs and sobol designs spread points over [min, max]."
    )
    mode: float | None = Field(None, description="Peak of a triangular distribution.")
    description: str | None = Field(
        None, max_length=200, description="What the parameter is, with its unit (chart axes).")

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at quantiles ``u`` in [0, 1) of this parameter's distribution."""
        lo, hi = self.min, self.max
        if self.dist == "loguniform":
            values = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
        elif self.dist == "triangular":
            from scipy import stats  # imported when needed: a second's import

            values = stats.triang((self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo).ppf(u)
        else:
            values = lo + u * (hi - lo)
        return np.rint(values).astype(np.int64) if self.integer else values

    def grid(self, levels: int) -> list:
        """The parameter's grid levels."""
        if self.levels is not None:
            values = self.levels
        else:
            values = np.linspace(self.min, self.max, levels).tolist()
        if self.integer:
            values = [int(round(v)) for v in values]
        return list(dict.fromkeys(values))


class SweepSpec(BaseModel):
    """A sweep file, validated."""

    model_config = _CONFIG

    name: str = Field(pattern=NAME_PATTERN)
    title: str = ""
    base: str = Field(description="Scenario file, relative to the sweep file.")
    replications: int = Field(1000, ge=1, le=1_000_000, description="Per point.")
    seed: int = Field(0, ge=0)
    engine: Literal["auto", "fast", "des"] = "auto"
    design: Literal["grid", "lhs", "sobol"]
    levels: int = Field(5, ge=2, le=1000, description="grid: levels of a parameter without them.")
    points: int | None = Field(None, ge=2, le=MAX_POINTS, description="lhs and sobol: points.")
    target: str | None = Field(None, description="Target shown by the heatmap (default: first).")
    parameters: list[SweepParameter] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedSweep:
    """A sweep spec with its base scenario and where it came from."""

    spec: SweepSpec
    base: Scenario
    file: str | None

    def with_run(self, *, replications: int | None = None, seed: int | None = None) -> LoadedSweep:
        """The same sweep with other replications per point and/or seed (None: the file's).

        A quick look at a sweep file (``landsim sweep F -n 200``), or more precision, without
        editing it; the digest changes, so finished points of the other setting are not
        reused. Raises ``RunConfigError`` for values a sweep file may not have (replications
        outside 1..1,000,000, a seed < 0).
        """
        update = {k: v for k, v in (("replications", replications), ("seed", seed))
                  if v is not None}
        try:  # the sweep file's own rules (SweepSpec's fields) decide what is allowed
            spec = SweepSpec.model_validate({**self.spec.model_dump(), **update})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RunConfigError(f"sweep {first['loc'][0]}: {first['msg'].lower()} "
                                 f"(got {first['input']!r})") from None
        return dataclasses.replace(self, spec=spec)

    def digest(self) -> str:
        """Identifies the sweep's points: the spec and the base scenario's hash."""
        text = json.dumps([self.spec.model_dump(mode="json"), self.base.digest()], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and check a sweep file and its base scenario.

    Raises ``ScenarioError`` listing every problem (file, line, key path).
    """
    source = read_yaml(path)
    spec = validate_document(SweepSpec, source)
    base_path = Path(path).parent / spec.base
    base = load_scenario(base_path)
    problems = []

    def problem(where: tuple, message: str) -> None:
        problems.append(Problem(format_path(where), message, source.file, source.line_of(where)))

    for i, p in enumerate(spec.parameters):
        here = ("parameters", i)
        try:
            value = get_value(base, p.path)
        except ParameterError as exc:
            problem(here + ("path",), str(exc))
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problem(here + ("path",), f"{p.path} is {value!r}, not a number")
        if p.levels is None and (p.min is None or p.max is None):
            problem(here, "give `min` and `max`, or `levels`")
        elif p.min is not None and p.max is not None and not p.min < p.max:
            problem(here + ("max",), f"max ({p.max}) must be greater than min ({p.min})")
        if spec.design != "grid" and (p.min is None or p.max is None):
            problem(here, f"a {spec.design} design needs `min` and `max`")
        if p.dist == "loguniform" and p.min is not None and p.min <= 0:
            problem(here + ("min",), "a loguniform range needs min > 0")
        lo, hi = p.min or 0, p.max or 0
        if p.dist == "triangular" and (p.mode is None or not lo <= p.mode <= hi):
            problem(here + ("mode",), "a triangular range needs `mode` between min and max")
    if spec.design != "grid" and spec.points is None:
        problem(("design",), f"a {spec.design} design needs `points`")
    if spec.design == "sobol" and spec.points and spec.points & (spec.points - 1):
        problem(("points",), f"a sobol design needs a power of two (got {spec.points})")
    names = [t.name for t in base.targets]
    if spec.target is not None and spec.target not in names:
        problem(("target",), f"'{spec.target}' is not a target of {spec.base}: {', '.join(names)}")
    if spec.design == "grid" and not problems:
        n = int(np.prod([len(p.grid(spec.levels)) for p in spec.parameters]))
        if n > MAX_POINTS:
            problem(("levels",), f"the grid has {n:,} points; at most {MAX_POINTS:,}")
    if problems:
        raise ScenarioError(problems)
    return LoadedSweep(spec, base, str(path))


def design_points(spec: SweepSpec) -> pd.DataFrame:
    """The design: one row per point, one column per parameter path."""
    paths = [p.path for p in spec.parameters]
    if spec.design == "grid":
        rows = list(itertools.product(*(p.grid(spec.levels) for p in spec.parameters)))
        return pd.DataFrame(rows, columns=paths)
    from scipy.stats import qmc  # imported when needed: a second's import

    d = len(spec.parameters)
    if spec.design == "lhs":
        u = qmc.LatinHypercube(d=d, seed=spec.seed).random(spec.points)
    else:
        u = qmc.Sobol(d=d, scramble=True, seed=spec.seed).random(spec.points)
    return pd.DataFrame({p.path: p.ppf(u[:, k]) for k, p in enumerate(spec.parameters)})


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: the points with their metrics, and its folder."""

    sweep: LoadedSweep
    points: pd.DataFrame
    folder: Path
    manifest: dict


def run_sweep(
    sweep: LoadedSweep,
    out: str | Path,
    *,
    backend: Backend | None = None,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    charts: bool = True,
    force: bool = False,
    langs: Sequence[str] = ("en",),
) -> SweepResult:
    """Run every point of ``sweep`` and write the result to ``out``.

    Points are saved as they finish in ``<out>.partial/points/``; with ``resume`` the
    points already there are kept. When all are done, ``<out>`` is replaced by the
    finished folder (points.csv, sweep.json, charts/, and a report in each of ``langs``:
    report.html, report.zh.html with charts-zh/). Raises ``RunConfigError`` if
    ``out`` may not be written, another study is writing it, or ``resume`` meets points
    of another study.
    """
    design = design_points(sweep.spec)
    digest = study_digest(kind="sweep", sweep=sweep.digest(), design=design.to_dict("split"))
    backend = backend or LocalBackend(1)
    inputs = [sweep.file] if sweep.file else []
    with StudyFolder(out, digest, resume=resume, force=force, inputs=inputs) as folder:
        partial = folder.path
        manifest = _manifest(sweep, design, backend)
        manifest_path = partial / "sweep.json"
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        started_at = time.perf_counter()
        with backend:
            table = run_points(
                sweep.base, design, replications=sweep.spec.replications, seed=sweep.spec.seed,
                engine=sweep.spec.engine, backend=backend, store=folder.store(),
                progress=progress, origin=f"sweep {sweep.spec.name}",
            )
        elapsed = time.perf_counter() - started_at
        manifest.update(status="complete", wall_seconds=round(elapsed, 3),
                        points_per_second=round(len(design) / max(elapsed, 1e-9), 2))
        table.index.name = "point"
        table.to_csv(partial / "points.csv", float_format="%.10g")
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        result = SweepResult(sweep, table, folder.out, manifest)
        drawn: dict = {}
        if charts:
            from simulator.report.study_report import charts_by_language
            from simulator.report.sweep_charts import draw_sweep_charts

            drawn = charts_by_language(
                lambda where, lang: draw_sweep_charts(result, where, lang=lang), partial, langs)
        for lang in langs:
            _report(result, partial, lang, drawn.get(lang, []))
        folder.finish()
    return result


def _manifest(sweep: LoadedSweep, design: pd.DataFrame, backend: Backend) -> dict:
    from simulator import __version__

    return {
        "format_version": 1,
        "landsim_version": __version__,
        "sweep": sweep.spec.name,
        "sweep_file": sweep.file,
        "sweep_sha256": sweep.digest(),
        "base_scenario": sweep.base.name,
        "base_sha256": sweep.base.digest(),
        "design": sweep.spec.design,
        "parameters": [p.path for p in sweep.spec.parameters],
        "points": len(design),
        "replications_per_point": sweep.spec.replications,
        "seed": sweep.spec.seed,
        "common_random_numbers": True,
        "backend": backend.name,
        "status": "running",
    }


def headline(result: SweepResult, lang: str = "en") -> tuple[str, float]:
    """The sweep's finding in a sentence, and the number it states (the best probability)."""
    from simulator.report.formatting import pct
    from simulator.report.i18n import t

    spec = result.sweep.spec
    target = spec.target or result.sweep.base.targets[0].name
    column = f"{target}.probability"
    points = result.points
    best = points.loc[points[column].idxmax()]
    where = ", ".join(f"{p.path} = {best[p.path]:.3g}" for p in spec.parameters)
    return (t("sweep.headline", lang, n=len(points), target=target,
              low=pct(float(points[column].min())), high=pct(float(best[column])), where=where),
            float(best[column]))


def _report(result: SweepResult, folder: Path, lang: str, charts: list) -> None:
    """The sweep's report.html / report.zh.html on the study-report machinery."""
    from simulator.report.i18n import t
    from simulator.report.study_report import StudyPage, write_study_report

    spec = result.sweep.spec
    ranges = "; ".join(
        f"{p.path} {p.min:g}–{p.max:g}" if p.levels is None else
        f"{p.path} {', '.join(f'{v:g}' for v in p.levels)}" for p in spec.parameters)
    design = t("sweep.design", lang, base=result.sweep.base.name, design=spec.design,
               n=len(result.points), ranges=ranges, reps=f"{spec.replications:,}",
               seed=spec.seed)
    sentence, value = headline(result, lang)
    caption = t("sweep.caption", lang, name=spec.name, base=result.sweep.base.name)
    page = StudyPage(t("sweep.title", lang, name=spec.name), design, sentence, value,
                     [(t("section.evaluations", lang), result.points.reset_index())],
                     [dataclasses.replace(c, caption=caption) for c in charts],
                     {k: str(v) for k, v in result.manifest.items()},
                     scenario=result.sweep.base)
    write_study_report(folder, page, lang)
