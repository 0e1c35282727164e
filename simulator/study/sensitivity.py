"""Which assumption decides the odds? One-at-a-time, Morris and Sobol sensitivity.

Each point of a design is a full Monte Carlo run with the same seed (common random
numbers). The outputs analysed are, for every target, the probability of meeting it
and the mean km² it counts — the second still varies when a probability sits at 0 or 1.

* ``oat``: each parameter at its low and high value, the others at base: the change in
  each output in native units (percentage points, km²) — a tornado chart.
* ``morris``: elementary effects on SALib's Morris trajectories: μ* (overall influence),
  σ (interactions or non-linearity), with a bootstrap interval for μ*; computed here from
  the values actually run, so an integer parameter's μ* is in its units too.
* ``sobol``: SALib's Saltelli design and Sobol indices: S1 (alone), ST (with
  interactions), with bootstrap intervals, a convergence check and, on request, S2.

An output whose variance over the design is within Monte Carlo noise is not ranked, and an
effect is stated only when its interval excludes zero and the noise floor
(:mod:`simulator.study.sensitivity_analysis`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from simulator.inputs.errors import RunConfigError
from simulator.inputs.params import ParameterError, get_value
from simulator.inputs.scenario import Scenario
from simulator.inputs.yamlsource import read_yaml
from simulator.run.backends import Backend, LocalBackend
from simulator.study.points import StudyFolder, run_points, study_digest
from simulator.study.sensitivity_analysis import (
    MORRIS_LEVELS,
    NOISE_LEVEL,
    RANK_KEY,
    analyse_output,
    crn_noise,
    mean_variance,
    output_state,
    probability_variance,
    unsettled_samples,
)

__all__ = ["METHODS", "ParamRange", "SensitivityResult", "build_design", "design_size",
           "parse_params", "run_sensitivity"]

METHODS = ("oat", "morris", "sobol")
DEFAULT_SPREAD = 0.2  # ±20 % around the base value when no range is given


@dataclass(frozen=True)
class ParamRange:
    """A parameter's key path and the range it is varied over."""

    path: str
    low: float
    high: float
    base: float
    integer: bool = False

    def clip(self, values: np.ndarray) -> np.ndarray:
        """Values as the scenario takes them (whole numbers for integer fields)."""
        return np.rint(values).astype(np.int64) if self.integer else values


def parse_params(scenario: Scenario, specs: Sequence[str]) -> list[ParamRange]:
    """Parameters from ``PATH``, ``PATH=LOW:HIGH`` or a YAML file of ``{path, min, max}``.

    A bare path varies ±20 % around its base value (probabilities kept in [0, 1]).
    Raises ``ParameterError`` for unknown paths, non-numeric values or empty ranges.
    """
    entries: list[tuple[str, float | None, float | None]] = []
    for spec in specs:
        if spec.endswith((".yaml", ".yml")) and "=" not in spec:
            items = read_yaml(spec).data  # bounded and safe; ScenarioError names file and line
            if isinstance(items, dict):
                items = items.get("parameters")
            if not isinstance(items, list):
                raise ParameterError(f"{spec}: expected a list of {{path, min, max}}")
            for item in items:
                if not isinstance(item, dict) or "path" not in item:
                    raise ParameterError(f"{spec}: every entry needs a `path` ({item!r})")
                entries.append((item["path"], item.get("min"), item.get("max")))
        else:
            path, _, rng = spec.partition("=")
            low = high = None
            if rng:
                try:
                    low, high = (float(v) for v in rng.split(":"))
                except ValueError:
                    raise ParameterError(f"{spec}: write the range as PATH=LOW:HIGH") from None
            entries.append((path, low, high))
    out = []
    for path, low, high in entries:
        base = get_value(scenario, path)
        if not isinstance(base, (int, float)) or isinstance(base, bool):
            raise ParameterError(f"{path} is {base!r}, not a number")
        if low is None or high is None:
            if base == 0:
                raise ParameterError(f"{path} is 0: give a range, {path}=LOW:HIGH")
            low, high = sorted((base * (1 - DEFAULT_SPREAD), base * (1 + DEFAULT_SPREAD)))
            if _is_probability(path):
                low, high = max(0.0, low), min(1.0, high)
        integer = isinstance(base, int)
        if integer:
            low, high = round(low), round(high)
        if not low < high:
            raise ParameterError(f"{path}: the range {low}–{high} is empty")
        out.append(ParamRange(path, float(low), float(high), float(base), integer))
    if len({p.path for p in out}) != len(out):
        raise ParameterError("a parameter is listed twice")
    return out


def _is_probability(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in ("dropout", "probability", "dropout_add")


def _problem(params: list[ParamRange]) -> dict:
    return {"num_vars": len(params), "names": [p.path for p in params],
            "bounds": [[p.low, p.high] for p in params]}


def design_size(method: str, parameters: int, samples: int, second_order: bool = False) -> int:
    """Points a method evaluates for ``parameters`` parameters: OAT 2D + 1; Morris
    ``samples`` trajectories of D + 1; Sobol N × (D + 2), or N × (2D + 2) with second-order
    indices. Raises ``ValueError`` for an unknown method."""
    d = parameters
    sizes = {"oat": 2 * d + 1, "morris": samples * (d + 1),
             "sobol": samples * ((2 * d + 2) if second_order else (d + 2))}
    if method not in sizes:
        raise ValueError(f"unknown method {method!r}")
    return sizes[method]


def build_design(params: list[ParamRange], method: str, samples: int, seed: int,
                 second_order: bool = False) -> pd.DataFrame:
    """The points a method evaluates (columns: key paths); integer parameters rounded."""
    if method == "oat":
        rows = [{p.path: p.base for p in params}]
        for q in params:
            for value in (q.low, q.high):
                rows.append({p.path: (value if p is q else p.base) for p in params})
        frame = pd.DataFrame(rows)
    else:
        if method == "morris":
            from SALib.sample import morris as sampler

            x = sampler.sample(_problem(params), samples, num_levels=MORRIS_LEVELS, seed=seed)
        else:
            from SALib.sample import sobol as sampler

            x = sampler.sample(_problem(params), samples, calc_second_order=second_order,
                               seed=seed)
        frame = pd.DataFrame(x, columns=[p.path for p in params])
    for p in params:
        frame[p.path] = p.clip(frame[p.path].to_numpy())
    return frame


@dataclass(frozen=True)
class SensitivityResult:
    """Indices (one row per output × parameter), the evaluated points, and where they went."""

    scenario: Scenario
    method: str
    params: list[ParamRange]
    indices: pd.DataFrame
    points: pd.DataFrame
    folder: Path | None
    manifest: dict
    pairs: pd.DataFrame | None = None  # Sobol second-order indices, one row per pair

    def ranking(self, output: str) -> pd.DataFrame:
        """Parameters ordered by influence on ``output``: measurable effects first, most
        influential first. Empty when the output itself has no measurable effect (its
        variance over the design is within Monte Carlo noise): noise is never ranked."""
        rows = self.indices[self.indices.output == output]
        if not rows.output_measurable.any():
            return rows.iloc[0:0]
        key = RANK_KEY[self.method]
        order = rows.assign(_size=rows[key].abs()).sort_values(
            ["measurable", "_size"], ascending=False, kind="stable")
        return order.drop(columns="_size")


def run_sensitivity(
    scenario: Scenario,
    params: list[ParamRange],
    method: Literal["oat", "morris", "sobol"] = "oat",
    *,
    replications: int = 1000,
    seed: int = 0,
    samples: int | None = None,
    engine: str = "auto",
    backend: Backend | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: Callable[[int], None] | None = None,
    force: bool = False,
    inputs: Sequence[str | Path] = (),
    langs: Sequence[str] = ("en",),
    second_order: bool = False,
) -> SensitivityResult:
    """Run a sensitivity analysis of ``scenario`` over ``params``; write it to ``out``.

    ``samples``: Morris trajectories (default 10) or the Sobol base sample N (default
    64, a power of two; N × (parameters + 2) points, N × (2 × parameters + 2) with
    ``second_order``, which adds the Sobol S2 of every pair). Raises ``RunConfigError``
    for an unknown method, too few parameters, a bad sample size, ``second_order`` with
    another method than Sobol, an ``out`` that may not be written or is in use by another
    study, or ``resume`` over points of another study.
    """
    if method not in METHODS:
        raise RunConfigError(f"unknown method '{method}'; choose from {', '.join(METHODS)}")
    if not params:
        raise RunConfigError("give at least one parameter (--params)")
    if method != "oat" and len(params) < 2:
        raise RunConfigError(f"{method} needs at least two parameters")
    samples = samples or {"oat": 1, "morris": 10, "sobol": 64}[method]
    if method == "sobol" and samples & (samples - 1):
        raise RunConfigError(f"sobol needs a power of two for --samples (got {samples})")
    if second_order and method != "sobol":
        raise RunConfigError(f"second-order indices are Sobol's; {method} has none "
                             "(drop --second-order or use --method sobol)")
    design = build_design(params, method, samples, seed, second_order)
    backend = backend or LocalBackend(1)
    digest = study_digest(kind="sensitivity", scenario=scenario.digest(), method=method,
                          samples=samples, seed=seed, replications=replications, engine=engine,
                          params=[(p.path, p.low, p.high) for p in params],
                          design=design.to_dict("split"))  # second order: another design
    study = (StudyFolder(out, digest, resume=resume, force=force, inputs=inputs)
             if out is not None else contextlib.nullcontext())
    with study:
        started = time.perf_counter()
        with backend:
            points = run_points(scenario, design, replications=replications, seed=seed,
                                engine=engine, backend=backend,
                                store=study.store() if out is not None else None,
                                progress=progress, origin=f"sensitivity ({method})")
            repeated = replicate_rows(len(design))
            again = run_points(scenario, design.iloc[repeated].reset_index(drop=True),
                               replications=replications, seed=replicate_seed(seed),
                               engine=engine, backend=backend,
                               origin=f"sensitivity ({method}), noise of differences")
        indices, pairs = _analyse(method, params, design, points, _outputs(scenario),
                                  replications, seed, second_order, (repeated, again))
        manifest = _manifest(scenario, method, params, len(design), replications, seed,
                             samples, backend, time.perf_counter() - started, indices,
                             second_order)
        manifest["noise_of_differences"] = {"rows": int(len(repeated)),
                                            "seed": replicate_seed(seed)}
        folder = study.out if out is not None else None
        result = SensitivityResult(scenario, method, params, indices, points, folder, manifest,
                                   pairs)
        if out is not None:
            _write(result, study.path, langs)
            study.finish()
    return result


def replicate_rows(points: int) -> np.ndarray:
    """The design rows run again on a second seed to measure the noise of differences under
    common random numbers: evenly spread, 8 to 32 of them (a twelfth of a large design)."""
    m = min(points, max(8, min(32, points // 12)))
    return np.unique(np.linspace(0, points - 1, m).round().astype(int))


def replicate_seed(seed: int) -> int:
    """The second seed of the repeated rows (not the study's, whose noise it measures)."""
    return (int(seed) * 1_000_003 + 7919) % (2**63)


def _outputs(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(output name, metrics column, unit) for each target's probability and mean km²."""
    out = []
    for t in scenario.targets:
        out.append((f"{t.name} probability", f"{t.name}.probability", "pp"))
        out.append((f"{t.name} km²", f"{t.name}.mean_km2", "km²"))
    return out


def _analyse(method: str, params: list[ParamRange], design: pd.DataFrame,
             points: pd.DataFrame, outputs: list[tuple[str, str, str]], replications: int,
             seed: int, second_order: bool, repeated: tuple[np.ndarray, pd.DataFrame] | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Indices of every output (one row per output × parameter) and, with
    ``second_order``, the S2 of every output × pair; probabilities in percentage points.
    ``repeated``: (design rows, their points on the second seed) — the noise of
    differences under common random numbers (:func:`crn_noise`)."""
    rows, pairs = [], []
    x = design.to_numpy(dtype=float)
    for output, column, unit in outputs:
        scale = 100.0 if unit == "pp" else 1.0
        y = points[column].to_numpy(dtype=float) * scale
        v = _mc_variance(points, column, replications) * scale**2
        target, measure = output.rsplit(" ", 1)
        common = {"output": output, "target": target, "measure": measure, "unit": unit}
        crn = None
        if repeated is not None:
            idx, again = repeated
            crn = crn_noise(y[idx], again[column].to_numpy(dtype=float) * scale)
        found = analyse_output(method, params, x, y, v, seed=seed, second_order=second_order,
                               crn=crn)
        state = output_state(y, probability=unit == "pp")
        found.rows["output_state"] = state
        found.rows["noise_variance"] = np.nan if crn is None else crn[0]
        rows.append(found.rows.assign(**common)[[*common, *found.rows.columns]])
        if found.pairs is not None:
            pairs.append(found.pairs.assign(**common)[[*common, *found.pairs.columns]])
    return (pd.concat(rows, ignore_index=True),
            pd.concat(pairs, ignore_index=True) if pairs else None)


def _mc_variance(points: pd.DataFrame, column: str, replications: int) -> np.ndarray:
    """Each point's Monte Carlo variance of ``column`` (``<target>.probability``: from its
    Wilson interval; ``<target>.mean_km2``: sd²/n). NaN where the points do not record it
    (points of a study saved before ``sd_km2`` existed, resumed)."""
    target, what = column.rsplit(".", 1)
    if what == "probability":
        return probability_variance(points[f"{target}.ci95_low"], points[f"{target}.ci95_high"])
    sd = points.get(f"{target}.sd_km2")
    if sd is None:
        return np.full(len(points), np.nan)
    return mean_variance(sd.to_numpy(dtype=float), replications)


def _manifest(scenario, method, params, n_points, replications, seed, samples, backend, wall,
              indices, second_order):
    from simulator import __version__

    outputs = indices.drop_duplicates("output")
    suggested = None
    if method == "sobol":  # the N at which every measurable output's ST would be ±0.05
        wanted = [n for _, rows in indices[indices.output_measurable].groupby("output")
                  if (n := unsettled_samples(rows, samples)) is not None]
        suggested = max(wanted, default=None)
    return {"format_version": 1, "landsim_version": __version__, "scenario": scenario.name,
            "scenario_sha256": scenario.digest(), "method": method, "samples": samples,
            "second_order": second_order,
            "parameters": [{"path": p.path, "low": p.low, "high": p.high, "base": p.base}
                           for p in params],
            "points": n_points, "replications_per_point": replications, "seed": seed,
            "common_random_numbers": True, "backend": backend.name,
            "noise_level": NOISE_LEVEL,
            "measurable_outputs": outputs.output[outputs.output_measurable].tolist(),
            "suggested_samples": suggested,
            "wall_seconds": round(wall, 3)}


def _write(result: SensitivityResult, folder: Path, langs: Sequence[str] = ("en",)) -> None:
    from simulator.report.sensitivity_charts import draw_sensitivity_charts
    from simulator.report.study_report import charts_by_language
    from simulator.study.sensitivity_text import describe

    result.indices.to_csv(folder / "indices.csv", index=False, float_format="%.6g")
    if result.pairs is not None:
        result.pairs.to_csv(folder / "indices_s2.csv", index=False, float_format="%.6g")
    result.points.to_csv(folder / "points.csv", index_label="point", float_format="%.10g")
    (folder / "sensitivity.json").write_text(json.dumps(result.manifest, indent=2) + "\n",
                                             encoding="utf-8")
    (folder / "sensitivity.md").write_text(describe(result), encoding="utf-8")
    drawn = charts_by_language(
        lambda where, lang: draw_sensitivity_charts(result, where, lang=lang), folder, langs)
    for lang in langs:
        _report(result, folder, lang, drawn[lang])


def _report(result: SensitivityResult, folder: Path, lang: str, charts: list) -> None:
    """The analysis's report.html / report.zh.html on the study-report machinery: the
    design and the noise rule, the headline, the findings in words (the sentences of
    sensitivity.md), the indices (and S2), the charts and the manifest."""
    from simulator.report.i18n import t
    from simulator.report.study_report import StudyPage, write_study_report
    from simulator.study.sensitivity_text import findings, headline, noise_rule

    ranges = "; ".join(f"{p.path} {p.low:g}–{p.high:g}" for p in result.params)
    design = t("sensitivity.design", lang, base=result.scenario.name, method=result.method,
               n=len(result.points), ranges=ranges,
               reps=f"{result.manifest['replications_per_point']:,}",
               seed=result.manifest["seed"]) + " " + noise_rule(result, lang)
    sentence, value = headline(result, lang)
    caption = t("sensitivity.caption", lang, base=result.scenario.name, method=result.method)
    tables = [(t("sensitivity.findings", lang), findings(result, lang)),
              (t("sensitivity.indices", lang), result.indices)]
    if result.pairs is not None:
        tables.append((t("sensitivity.pairs", lang), result.pairs))
    page = StudyPage(t("sensitivity.title", lang, base=result.scenario.name,
                       method=result.method), design, sentence, value, tables,
                     [dataclasses.replace(c, caption=caption) for c in charts],
                     {k: str(v) for k, v in result.manifest.items()},
                     scenario=result.scenario)
    write_study_report(folder, page, lang)
