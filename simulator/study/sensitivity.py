"""Which assumption decides the odds? One-at-a-time, Morris and Sobol sensitivity.

Each point of a design is a full Monte Carlo run with the same seed (common random
numbers). The outputs analysed are, for every target, the probability of meeting it
and the mean km² it counts — the second still varies when a probability sits at 0 or 1.

* ``oat``: each parameter at its low and high value, the others at base: the change in
  each output in native units (percentage points, km²) — a tornado chart.
* ``morris``: SALib's elementary effects: μ* (overall influence), σ (interactions or
  non-linearity), with a bootstrap interval for μ*.
* ``sobol``: SALib's Saltelli design and Sobol indices: S1 (alone), ST (with
  interactions), with bootstrap intervals.
"""

from __future__ import annotations

import dataclasses

import contextlib
import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from simulator.run.backends import Backend, LocalBackend
from simulator.inputs.errors import RunConfigError
from simulator.inputs.yamlsource import read_yaml
from simulator.inputs.params import ParameterError, get_value
from simulator.study.points import StudyFolder, run_points, study_digest
from simulator.inputs.scenario import Scenario

__all__ = ["METHODS", "ParamRange", "SensitivityResult", "parse_params", "run_sensitivity"]

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


def build_design(params: list[ParamRange], method: str, samples: int, seed: int) -> pd.DataFrame:
    """The points a method evaluates (columns: key paths)."""
    if method == "oat":
        rows = [{p.path: p.base for p in params}]
        for q in params:
            for value in (q.low, q.high):
                rows.append({p.path: (value if p is q else p.base) for p in params})
        frame = pd.DataFrame(rows)
    else:
        if method == "morris":
            from SALib.sample import morris as sampler

            x = sampler.sample(_problem(params), samples, num_levels=4, seed=seed)
        else:
            from SALib.sample import sobol as sampler

            x = sampler.sample(_problem(params), samples, calc_second_order=False, seed=seed)
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

    def ranking(self, output: str) -> pd.DataFrame:
        """Parameters ordered by influence on ``output`` (most influential first)."""
        rows = self.indices[self.indices.output == output]
        key = {"oat": "swing", "morris": "mu_star", "sobol": "ST"}[self.method]
        return rows.sort_values(key, ascending=False, key=lambda s: s.abs())


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
) -> SensitivityResult:
    """Run a sensitivity analysis of ``scenario`` over ``params``; write it to ``out``.

    ``samples``: Morris trajectories (default 10) or the Sobol base sample N (default
    64, a power of two; N × (parameters + 2) points). Raises ``RunConfigError`` for an
    unknown method, too few parameters, a bad sample size, an ``out`` that may not be
    written or is in use by another study, or ``resume`` over points of another study.
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
    design = build_design(params, method, samples, seed)
    backend = backend or LocalBackend(1)
    digest = study_digest(kind="sensitivity", scenario=scenario.digest(), method=method,
                          samples=samples, seed=seed, replications=replications, engine=engine,
                          params=[(p.path, p.low, p.high) for p in params],
                          design=design.to_dict("split"))
    study = (StudyFolder(out, digest, resume=resume, force=force, inputs=inputs)
             if out is not None else contextlib.nullcontext())
    with study:
        started = time.perf_counter()
        with backend:
            points = run_points(scenario, design, replications=replications, seed=seed,
                                engine=engine, backend=backend,
                                store=study.store() if out is not None else None,
                                progress=progress, origin=f"sensitivity ({method})")
        outputs = _outputs(scenario)
        indices = _analyse(method, params, design, points, outputs, seed)
        manifest = _manifest(scenario, method, params, len(design), replications, seed,
                             samples, backend, time.perf_counter() - started)
        folder = study.out if out is not None else None
        result = SensitivityResult(scenario, method, params, indices, points, folder, manifest)
        if out is not None:
            _write(result, study.path, langs)
            study.finish()
    return result


def _outputs(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(output name, metrics column, unit) for each target's probability and mean km²."""
    out = []
    for t in scenario.targets:
        out.append((f"{t.name} probability", f"{t.name}.probability", "pp"))
        out.append((f"{t.name} km²", f"{t.name}.mean_km2", "km²"))
    return out


def _analyse(method, params, design, points, outputs, seed) -> pd.DataFrame:
    rows = []
    for output, column, unit in outputs:
        y = points[column].to_numpy(dtype=float)
        scale = 100.0 if unit == "pp" else 1.0
        target, measure = output.rsplit(" ", 1)
        common = {"output": output, "target": target, "measure": measure, "unit": unit}
        if method == "oat":
            base = y[0]
            for k, p in enumerate(params):
                low, high = y[1 + 2 * k], y[2 + 2 * k]
                rows.append({**common, "parameter": p.path, "low": p.low, "high": p.high,
                             "base": p.base, "value_base": base * scale,
                             "value_low": low * scale, "value_high": high * scale,
                             "delta_low": (low - base) * scale, "delta_high": (high - base) * scale,
                             "swing": abs(high - low) * scale})
            continue
        varies = np.ptp(y) > 1e-12
        if method == "morris":
            from SALib.analyze import morris

            res = (morris.analyze(_problem(params), design.to_numpy(dtype=float), y,
                                  num_levels=4, seed=seed) if varies else None)
            for k, p in enumerate(params):
                rows.append({**common, "parameter": p.path, "low": p.low, "high": p.high,
                             "mu_star": float(res["mu_star"][k]) * scale if varies else 0.0,
                             "mu_star_conf": (float(res["mu_star_conf"][k]) * scale
                                              if varies else 0.0),
                             "sigma": float(res["sigma"][k]) * scale if varies else 0.0,
                             "mu": float(res["mu"][k]) * scale if varies else 0.0,
                             "varies": bool(varies)})
        else:
            from SALib.analyze import sobol

            with warnings.catch_warnings():
                # constant sub-samples are expected when a probability sits at 0 or 1
                warnings.simplefilter("ignore", UserWarning)
                res = (sobol.analyze(_problem(params), y, calc_second_order=False, seed=seed)
                       if varies else None)
            for k, p in enumerate(params):
                rows.append({**common, "parameter": p.path, "low": p.low, "high": p.high,
                             "S1": float(res["S1"][k]) if varies else np.nan,
                             "S1_conf": float(res["S1_conf"][k]) if varies else np.nan,
                             "ST": float(res["ST"][k]) if varies else np.nan,
                             "ST_conf": float(res["ST_conf"][k]) if varies else np.nan,
                             "varies": bool(varies)})
    return pd.DataFrame(rows)


def _manifest(scenario, method, params, n_points, replications, seed, samples, backend, wall):
    from simulator import __version__

    return {"format_version": 1, "landsim_version": __version__, "scenario": scenario.name,
            "scenario_sha256": scenario.digest(), "method": method, "samples": samples,
            "parameters": [{"path": p.path, "low": p.low, "high": p.high, "base": p.base}
                           for p in params],
            "points": n_points, "replications_per_point": replications, "seed": seed,
            "common_random_numbers": True, "backend": backend.name,
            "wall_seconds": round(wall, 3)}


def _write(result: SensitivityResult, folder: Path, langs: Sequence[str] = ("en",)) -> None:
    from simulator.report.sensitivity_charts import draw_sensitivity_charts

    result.indices.to_csv(folder / "indices.csv", index=False, float_format="%.6g")
    result.points.to_csv(folder / "points.csv", index_label="point", float_format="%.10g")
    (folder / "sensitivity.json").write_text(json.dumps(result.manifest, indent=2) + "\n",
                                             encoding="utf-8")
    (folder / "sensitivity.md").write_text(describe(result), encoding="utf-8")
    from simulator.report.study_report import charts_by_language

    drawn = charts_by_language(
        lambda where, lang: draw_sensitivity_charts(result, where, lang=lang), folder, langs)
    for lang in langs:
        _report(result, folder, lang, drawn[lang])


def headline(result: SensitivityResult, lang: str = "en") -> tuple[str, float | None]:
    """The analysis's finding in a sentence: what matters most for the headline target's km²."""
    from simulator.report.i18n import t

    target = result.scenario.headline or result.scenario.targets[0].name
    ranked = result.ranking(f"{target} km²")
    measurable = ranked[_measurable(ranked, result.method)]
    if measurable.empty:
        return t("sensitivity.none", lang, target=target), None
    top = measurable.iloc[0]
    key = {"oat": "swing", "morris": "mu_star", "sobol": "ST"}[result.method]
    unit = "" if result.method == "sobol" else " km²"
    return (t("sensitivity.headline", lang, target=target, param=top["parameter"], measure=key,
              value=f"{top[key]:.3g}{unit}"), float(top[key]))


def _report(result: SensitivityResult, folder: Path, lang: str, charts: list) -> None:
    """The analysis's report.html / report.zh.html on the study-report machinery."""
    from simulator.report.i18n import t
    from simulator.report.study_report import StudyPage, write_study_report

    ranges = "; ".join(f"{p.path} {p.low:g}–{p.high:g}" for p in result.params)
    design = t("sensitivity.design", lang, base=result.scenario.name, method=result.method,
               n=len(result.points), ranges=ranges,
               reps=f"{result.manifest['replications_per_point']:,}",
               seed=result.manifest["seed"])
    sentence, value = headline(result, lang)
    caption = t("sensitivity.caption", lang, base=result.scenario.name, method=result.method)
    page = StudyPage(t("sensitivity.title", lang, base=result.scenario.name,
                       method=result.method), design, sentence, value,
                     [(t("sensitivity.indices", lang), result.indices)],
                     [dataclasses.replace(c, caption=caption) for c in charts],
                     {k: str(v) for k, v in result.manifest.items()})
    write_study_report(folder, page, lang)


def _measurable(ranked: pd.DataFrame, method: str) -> pd.Series:
    """Rows whose effect is distinguishable from none (beyond its 95 % interval)."""
    if method == "oat":  # common random numbers: any change at all is the parameter's
        return ranked["swing"] > 1e-9
    if method == "morris":
        return ranked["varies"] & (ranked["mu_star"] - ranked["mu_star_conf"] > 1e-9)
    return ranked["varies"] & (ranked["ST"] - ranked["ST_conf"] > 1e-9)


def describe(result: SensitivityResult) -> str:
    """A short text saying which parameters matter most for each target."""
    method = result.method
    measure_name = {"oat": "swing between low and high", "morris": "Morris μ*",
                    "sobol": "total Sobol index ST"}[method]
    lines = [f"# Sensitivity of {result.scenario.name} ({method})", "",
             f"{len(result.params)} parameters, {len(result.points)} points × "
             f"{result.manifest['replications_per_point']:,} replications (seed "
             f"{result.manifest['seed']}, common random numbers). Ranked by the {measure_name}.",
             ""]
    for target in dict.fromkeys(result.indices.target):
        lines.append(f"## {target}")
        for output in (f"{target} probability", f"{target} km²"):
            ranked = result.ranking(output)
            unit = "percentage points" if output.endswith("probability") else "km²"
            what = ("probability of meeting it" if output.endswith("probability")
                    else "mean km² it counts")
            measurable = ranked[_measurable(ranked, method)]
            if measurable.empty:
                lines.append(f"- **{what}**: nothing measurably moves it over these ranges "
                             + ("(the same at every parameter's low and high value)."
                                if method == "oat" else
                                "(every effect is zero within its 95 % interval)."))
                continue
            parts = []
            for _, row in measurable.head(3).iterrows():
                if method == "oat":
                    parts.append(f"`{row.parameter}` ({row.delta_low:+.1f} at {row.low:g}, "
                                 f"{row.delta_high:+.1f} at {row.high:g} {unit})")
                elif method == "morris":
                    parts.append(f"`{row.parameter}` (μ* {row.mu_star:.2g} ± "
                                 f"{row.mu_star_conf:.2g} {unit}, σ {row.sigma:.2g})")
                else:  # two significant digits: a small but real index is not "0.00"
                    parts.append(f"`{row.parameter}` (ST {row.ST:.2g} ± {row.ST_conf:.2g}, "
                                 f"S1 {row.S1:.2g})")
            rest = len(ranked) - len(measurable)
            tail = (f" ({rest} other parameter{'s' if rest > 1 else ''} with no measurable "
                    "effect)" if rest else "")
            lines.append(f"- **{what}**: most sensitive to " + "; then ".join(parts) + tail + ".")
        lines.append("")
    return "\n".join(lines)
