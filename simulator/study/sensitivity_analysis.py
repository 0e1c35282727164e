"""The statistics of a sensitivity analysis, on arrays: is an output measurable, and by how much
does each parameter move it (one-at-a-time, Morris, Sobol), with intervals.

Every function here takes the design's parameter values, one output ``y`` at each point and
that output's Monte Carlo variance ``mc_variance`` at each point (the variance of the point's
estimate over replications, in the output's units squared), so the same analysis runs on a
landsim study and on any function (``tests/test_sensitivity_noise.py`` drives it with the
Ishigami function).

Monte Carlo noise. A landsim point is an estimate from ``n`` replications, not a function
value. Two rules keep noise from being ranked:

* an **output** is *measurable* only when its variance over the design exceeds
  :func:`noise_threshold` × the mean Monte Carlo variance of a point — the 99th percentile
  of χ²(M − 1)/(M − 1), what M independent points with no parameter effect at all would
  exceed once in a hundred;
* an **effect** is reported only when its 95 % interval excludes zero *and* it exceeds what
  Monte Carlo noise alone would give it (the noise floor of each method below).

Every landsim point runs on the same random numbers (common random numbers), so the noise of
two points is positively correlated (0.74–0.94 in the shipped studies) and the noise in a
*difference* between points — what every index is made of — is 4–16× smaller in variance
than each point's own. Treating the noise as independent then calls real effects
unmeasurable. So the noise the rules use is the noise of differences, measured: a few design
points are run again on another seed (:func:`crn_noise`); the variance over those points of
(first seed − second seed) is twice the variance of the part of the noise that differs from
point to point. With it (``crn=``), each point's noise variance is that part, and the output
test is an F test (the noise variance is estimated, with m − 1 degrees of freedom from m
repeated points). Without it, the rules fall back on each point's own variance: the
independent-noise bound, conservative under common random numbers.

An output that does not vary at all over the design is not "without effect": a probability at
0 at every point is **out of reach over the whole design** and one at 1 is **certain**
(:func:`output_state`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "RANK_KEY",
    "CONVERGED_HALF_WIDTH",
    "NOISE_LEVEL",
    "TARGET_HALF_WIDTH",
    "Analysis",
    "OutputNoise",
    "analyse_output",
    "crn_noise",
    "output_state",
    "elementary_effects",
    "mean_variance",
    "noise_threshold",
    "output_noise",
    "probability_variance",
    "salib_seed",
    "suggested_samples",
    "unsettled_samples",
]

RANK_KEY = {"oat": "swing", "morris": "mu_star", "sobol": "ST"}
"""The index each method ranks parameters by."""

NOISE_LEVEL = 0.01
"""The level of the output test: an output with no parameter effect is called measurable
once in a hundred (with independent noise; less often with common random numbers)."""
Z95 = float(stats.norm.ppf(0.975))
CONVERGED_HALF_WIDTH = 0.1
"""A Sobol index whose 95 % half-width exceeds this (or that moves by more between N/2 and
N) is reported as not converged."""
TARGET_HALF_WIDTH = 0.05
"""The half-width the suggested N aims at."""
MORRIS_LEVELS = 4
BOOTSTRAP_RESAMPLES = 100  # SALib's default for Morris and Sobol: intervals as SALib gives


class _Param(Protocol):  # what the analysis needs of a parameter (ParamRange has it)
    path: str
    low: float
    high: float
    base: float


def probability_variance(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Monte Carlo variance of an estimated probability, from its 95 % Wilson interval.

    ``((high − low) / (2 × 1.96))²``: p(1 − p)/n away from 0 and 1, and still positive at an
    estimate of exactly 0 or 1 (about 0.96/n² there), where p(1 − p)/n would claim that 0
    of 1,000 replications is known without error. An interval of zero width (an observed
    outcome, no sampling error) gives 0. Units: probability².
    """
    return ((np.asarray(high, float) - np.asarray(low, float)) / (2 * Z95)) ** 2


def mean_variance(sd: np.ndarray, replications: int) -> np.ndarray:
    """Monte Carlo variance of a mean over ``replications`` replications whose standard
    deviation is ``sd``: sd²/n (units of the mean, squared)."""
    return np.asarray(sd, float) ** 2 / replications


def noise_threshold(points: int, level: float = NOISE_LEVEL) -> float:
    """k such that the variance of ``points`` values with independent noise of variance v and
    no other variation exceeds k·v with probability ``level``: χ²₁₋ₗₑᵥₑₗ(M − 1)/(M − 1)
    (2.51 for 9 points, 1.18 for 384). Raises ``ValueError`` for fewer than two points."""
    if points < 2:
        raise ValueError("a variance needs at least two points")
    return float(stats.chi2.ppf(1 - level, points - 1) / (points - 1))


@dataclass(frozen=True)
class OutputNoise:
    """An output's variance over the design against its Monte Carlo variance."""

    design_variance: float  # sample variance of y over the points (units²)
    mc_variance: float  # mean Monte Carlo variance of a point (units²)
    threshold: float  # k of :func:`noise_threshold`
    measurable: bool  # design_variance > threshold × mc_variance (and y varies at all)

    @property
    def ratio(self) -> float:
        """design variance / Monte Carlo variance (inf when the points carry no noise)."""
        if self.mc_variance > 0:
            return self.design_variance / self.mc_variance
        return math.inf if self.design_variance > 0 else 0.0


def output_noise(y: np.ndarray, mc_variance: np.ndarray, level: float = NOISE_LEVEL,
                 *, df: int | None = None) -> OutputNoise:
    """Whether ``y`` varies over the design by more than Monte Carlo noise (see the module).

    ``mc_variance``: each point's Monte Carlo variance; NaN entries (points saved before
    landsim recorded them) are left out of the mean, and with none known the noise is taken
    as 0 (then any variation counts, as before the test existed). ``df``: the degrees of
    freedom the noise variance was estimated with (None: known; the χ² threshold) — the
    threshold is then F₁₋ₗₑᵥₑₗ(M − 1, df).
    """
    y = np.asarray(y, float)
    known = np.asarray(mc_variance, float)
    known = known[np.isfinite(known)]
    mc = float(known.mean()) if known.size else 0.0
    variance = float(np.var(y, ddof=1))
    threshold = (noise_threshold(len(y), level) if df is None
                 else float(stats.f.ppf(1 - level, len(y) - 1, df)))
    varies = float(np.ptp(y)) > 1e-12 * max(1.0, float(np.abs(y).max()))
    return OutputNoise(variance, mc, threshold, bool(varies and variance > threshold * mc))


@dataclass(frozen=True)
class Analysis:
    """One output's analysis: a row per parameter, a row per pair (Sobol second order)."""

    noise: OutputNoise
    rows: pd.DataFrame
    pairs: pd.DataFrame | None = None


def crn_noise(first: np.ndarray, second: np.ndarray) -> tuple[float, int]:
    """The noise of differences between points under common random numbers, from m points
    run on two seeds: (variance of the part of a point's noise that differs from point to
    point — half the variance over the points of first − second —, its degrees of freedom
    m − 1), in the output's units². A noise shared by every point of a seed cancels in
    first − second and in every index alike. Raises ``ValueError`` for fewer than two
    points or arrays of different lengths."""
    first, second = np.asarray(first, float), np.asarray(second, float)
    if first.shape != second.shape or first.size < 2:
        raise ValueError("the noise of differences needs at least two points on both seeds")
    return float(np.var(first - second, ddof=1) / 2), int(first.size - 1)


def output_state(y: np.ndarray, probability: bool) -> str:
    """``varies``, or for an output constant over the design: ``out of reach`` (a
    probability at 0 everywhere), ``certain`` (at 1 — or 100 pp — everywhere) or
    ``constant``."""
    y = np.asarray(y, float)
    if float(np.ptp(y)) > 1e-12 * max(1.0, float(np.abs(y).max())):
        return "varies"
    if probability and abs(y[0]) <= 1e-12:
        return "out of reach"
    if probability and (abs(y[0] - 1) <= 1e-9 or abs(y[0] - 100) <= 1e-7):
        return "certain"
    return "constant"


def analyse_output(method: str, params: Sequence[_Param], design: pd.DataFrame | np.ndarray,
                   y: np.ndarray, mc_variance: np.ndarray, *, seed: int = 0,
                   second_order: bool = False, crn: tuple[float, int] | None = None
                   ) -> Analysis:
    """Analyse one output ``y`` of a design by ``method`` ("oat", "morris" or "sobol").

    ``design``: the parameter values of each point (actual values, after any rounding), in
    the layout :func:`simulator.study.sensitivity.build_design` makes; ``y`` and
    ``mc_variance`` in the output's units. Every row says whether it is ``measurable``: the
    output is (:func:`output_noise`) and the effect's 95 % interval excludes both zero and
    the method's noise floor. ``crn``: the noise of differences (:func:`crn_noise`); it
    replaces each point's own variance in every rule. Raises ``ValueError`` for an unknown
    method or a design whose size does not fit it.
    """
    x = np.asarray(design, float)
    y = np.asarray(y, float)
    v = np.asarray(mc_variance, float)
    if not (len(x) == len(y) == len(v)):
        raise ValueError(f"{len(x)} points, {len(y)} outputs, {len(v)} variances")
    if crn is not None:
        v = np.full(len(y), crn[0])
    noise = output_noise(y, v, df=None if crn is None else crn[1])
    if method == "oat":
        return Analysis(noise, _with_noise(_oat(params, y, v), noise))
    if method == "morris":
        return Analysis(noise, _with_noise(_morris(params, x, y, v, seed), noise))
    if method == "sobol":
        rows, pairs = _sobol(params, y, v, noise, seed, second_order)
        return Analysis(noise, _with_noise(rows, noise),
                        None if pairs is None else _with_noise(pairs, noise))
    raise ValueError(f"unknown method {method!r}")


def _with_noise(rows: pd.DataFrame, noise: OutputNoise) -> pd.DataFrame:
    """An effect is measurable only on a measurable output; every row says both."""
    rows["measurable"] = rows["measurable"].astype(bool) & noise.measurable
    rows["output_measurable"] = noise.measurable
    rows["variance_ratio"] = noise.ratio
    return rows


# ---------------------------------------------------------------- one at a time
def _oat(params: Sequence[_Param], y: np.ndarray, v: np.ndarray) -> pd.DataFrame:
    """Change from base at each parameter's low and high value; the swing's interval is
    1.96 × √(v_low + v_high), the independent-noise bound (smaller under common random
    numbers), so 2 replications in 1,000 near 0 are not an effect."""
    if len(y) != 1 + 2 * len(params):
        raise ValueError(f"one at a time needs {1 + 2 * len(params)} points, got {len(y)}")
    base = y[0]
    rows = []
    for k, p in enumerate(params):
        low, high = y[1 + 2 * k], y[2 + 2 * k]
        rows.append({"parameter": p.path, "low": p.low, "high": p.high, "base": p.base,
                     "value_base": base, "value_low": low, "value_high": high,
                     "delta_low": low - base, "delta_high": high - base,
                     "swing": abs(high - low),
                     "swing_conf": Z95 * math.sqrt(v[1 + 2 * k] + v[2 + 2 * k])})
    frame = pd.DataFrame(rows)
    frame["measurable"] = frame.swing - frame.swing_conf > 0
    return frame


# ---------------------------------------------------------------- Morris
def elementary_effects(params: Sequence[_Param], x: np.ndarray, y: np.ndarray,
                       v: np.ndarray | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each parameter's elementary effects and their noise standard deviations.

    ``x``: Morris trajectories (D + 1 consecutive points each, one parameter changed per
    step), in actual values. An effect is Δy / Δx × (high − low): the change in the output
    over the parameter's whole range at the slope of the step, in the output's units. For a
    continuous parameter this is SALib's Δy / Δ (Δ = 2/3 of the unit range for 4 levels);
    for an integer parameter the step actually taken after rounding is used — SALib would
    divide by the nominal step (17:19 → 1⅓ where the rounded step is 1, μ* 25 % low). A step
    that rounding made zero carries no information and is skipped. The noise of an effect
    is √(v_before + v_after) / |Δx| × (high − low) (independent-noise bound). Raises
    ``ValueError`` if the design is not made of trajectories.
    """
    d = len(params)
    if len(x) % (d + 1) or x.shape[1] != d:
        raise ValueError(f"Morris trajectories have {d + 1} points of {d} values each")
    v = np.zeros(len(y)) if v is None else v
    span = np.array([p.high - p.low for p in params])
    effects: list[list[float]] = [[] for _ in params]
    noise: list[list[float]] = [[] for _ in params]
    for start in range(0, len(x), d + 1):
        for a in range(start, start + d):
            step = x[a + 1] - x[a]
            moved = np.flatnonzero(np.abs(step) > 1e-12 * np.maximum(span, 1.0))
            if moved.size == 0:
                continue  # rounding undid the step
            if moved.size > 1:
                raise ValueError(f"points {a} and {a + 1} differ in more than one parameter")
            j = int(moved[0])
            effects[j].append((y[a + 1] - y[a]) / step[j] * span[j])
            noise[j].append(math.sqrt(v[a] + v[a + 1]) / abs(step[j]) * span[j])
    return [np.array(e) for e in effects], [np.array(s) for s in noise]


def _morris(params, x, y, v, seed) -> pd.DataFrame:
    """μ, μ*, σ (n − 1), and μ*'s bootstrap 95 % interval as SALib computes them (same
    resampling, same seed), from :func:`elementary_effects`; the noise floor of μ* is the
    mean |effect| of pure noise, √(2/π) × the mean noise sd of the effects."""
    effects, noise = elementary_effects(params, x, y, v)
    rng = np.random.default_rng(seed)
    rows = []
    for p, ee, sd in zip(params, effects, noise, strict=True):
        if ee.size:
            index = rng.integers(ee.size, size=(BOOTSTRAP_RESAMPLES, ee.size))
            conf = Z95 * np.abs(ee[index]).mean(axis=1).std(ddof=1)
        else:
            conf = np.nan
        rows.append({"parameter": p.path, "low": p.low, "high": p.high,
                     "mu_star": float(np.abs(ee).mean()) if ee.size else np.nan,
                     "mu_star_conf": float(conf),
                     "sigma": float(ee.std(ddof=1)) if ee.size > 1 else np.nan,
                     "mu": float(ee.mean()) if ee.size else np.nan,
                     "varies": bool(np.ptp(y) > 0),
                     "mu_star_noise": float(math.sqrt(2 / math.pi) * sd.mean()) if sd.size
                     else np.nan,
                     "effects": int(ee.size)})
    frame = pd.DataFrame(rows)
    frame["measurable"] = (frame.mu_star - frame.mu_star_conf > frame.mu_star_noise).fillna(False)
    return frame


# ---------------------------------------------------------------- Sobol
def salib_seed(seed: int) -> int:
    """The seed passed to SALib's Sobol analysis: ``seed + 1``, because SALib 1.x ignores a
    seed of 0 (``if seed:``) and its bootstrap intervals would then change from run to run."""
    return int(seed) + 1


def suggested_samples(half_width: float, samples: int,
                      target: float = TARGET_HALF_WIDTH) -> int:
    """The power of two N at which a bootstrap half-width ``half_width`` observed at
    ``samples`` would fall to ``target``: half-widths scale as 1/√N, so N × (h / target)²,
    rounded up to a power of two and at least twice ``samples``."""
    need = samples * (half_width / target) ** 2 if half_width > 0 else samples
    return max(2 * samples, 1 << max(0, math.ceil(math.log2(max(need, 1.0)))))


def unsettled_samples(rows: pd.DataFrame, samples: int) -> int | None:
    """For one output's Sobol rows (``converged``, ``ST_conf``) analysed at N = ``samples``:
    None if every index converged, else :func:`suggested_samples` for the widest ST
    interval."""
    if rows.converged.all():
        return None
    return suggested_samples(float(rows.ST_conf.max()), samples)


def _salib_sobol(params, y, seed, second_order):
    from SALib.analyze import sobol

    problem = {"num_vars": len(params), "names": [p.path for p in params],
               "bounds": [[p.low, p.high] for p in params]}
    with warnings.catch_warnings():
        # constant sub-samples are expected when a probability sits at 0 or 1
        warnings.simplefilter("ignore", UserWarning)
        with np.errstate(divide="ignore", invalid="ignore"):
            return sobol.analyze(problem, y, calc_second_order=second_order,
                                 num_resamples=BOOTSTRAP_RESAMPLES, seed=salib_seed(seed))


def _sobol(params, y, v, noise: OutputNoise, seed, second_order):
    """SALib's S1 and ST (kept: its Saltelli/Jansen estimators do not depend on the
    parameters' units, so rounding an integer parameter needs no correction), and checks:

    * noise floor of ST: mean Monte Carlo variance / variance of y — what independent noise
      adds to every ST (Jansen's estimator halves the mean squared difference of two points);
    * ``converged``: the ST half-width ≤ 0.1, S1 − ST within √(S1_conf² + ST_conf²), and ST
      moved by ≤ 0.1 from the first half of the design (N/2: the leading base rows of a
      Sobol sequence are a design of their own) to all of it.
    """
    d = len(params)
    block = 2 * d + 2 if second_order else d + 2
    if len(y) % block:
        raise ValueError(f"a Saltelli design has a multiple of {block} points, got {len(y)}")
    samples = len(y) // block
    varies = bool(np.ptp(y) > 0)
    nan = np.full(d, np.nan)
    res = _salib_sobol(params, y, seed, second_order) if varies else None
    half = (_salib_sobol(params, y[: samples // 2 * block], seed, second_order)
            if varies and samples >= 4 else None)
    floor = noise.mc_variance / float(np.var(y)) if varies else np.nan
    s1, s1c = (res["S1"], res["S1_conf"]) if res else (nan, nan)
    st, stc = (res["ST"], res["ST_conf"]) if res else (nan, nan)
    st_half = half["ST"] if half else nan
    rows = pd.DataFrame({
        "parameter": [p.path for p in params], "low": [p.low for p in params],
        "high": [p.high for p in params], "S1": s1, "S1_conf": s1c, "ST": st, "ST_conf": stc,
        "varies": varies, "ST_noise": floor, "ST_half_N": st_half})
    over = rows.S1 - rows.ST > np.hypot(rows.S1_conf, rows.ST_conf)
    wide = rows.ST_conf > CONVERGED_HALF_WIDTH
    moved = (rows.ST - rows.ST_half_N).abs() > CONVERGED_HALF_WIDTH  # NaN (no half) → False
    rows["s1_above_st"] = over
    rows["converged"] = varies & ~over & ~wide & ~moved
    rows["measurable"] = (rows.ST - rows.ST_conf > rows.ST_noise).fillna(False)
    pairs = None
    if second_order:
        out = []
        for j in range(d):
            for k in range(j + 1, d):
                s2 = float(res["S2"][j, k]) if res else np.nan
                conf = float(res["S2_conf"][j, k]) if res else np.nan
                out.append({"parameter": params[j].path, "parameter_2": params[k].path,
                            "S2": s2, "S2_conf": conf,
                            "measurable": bool(res) and s2 - conf > 0})
        pairs = pd.DataFrame(out)
    return rows, pairs
