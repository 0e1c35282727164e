"""PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), for scenario discovery.

Given points x (n × d) and a case-of-interest flag y, PRIM finds a box — lower and upper
limits on some of the dimensions — in which cases are dense (density = cases in the box /
points in it) while covering many of all cases (coverage = cases in the box / all cases).
It *peels*: at each step it considers cutting off the α share (``peel_alpha``, 5 %) of the
box's points at the low or the high end of each dimension and makes the cut that raises the
box's density most per point removed — EMA Workbench's default "lenient 1" objective,
(mean after − mean before) / (mass before − mass after) — until the box holds fewer than
``mass_min`` (5 %) of the points. The sequence of boxes is the peeling trajectory.

This is our own implementation, checked against EMA Workbench's ``analysis.prim`` on the
same data in ``tests/test_discover.py`` (same trajectory of coverage and density, same
limits, same quasi-p-values) when ema-workbench is installed. It is about 150 lines and
needs numpy and scipy only, where EMA Workbench 2.5 brings scikit-learn, statsmodels,
seaborn, SALib and platypus with it; ``landsim[discovery]`` installs it for the check.

Each limit of a box gets a quasi-p-value (Bryant & Lempert 2010, as EMA Workbench computes
it): the one-sided binomial probability of finding at least the box's cases among its points
if that limit were removed (density then the relaxed box's). A dimension's quasi-p is the
larger of its two limits'.

**Restrictions that do not earn their place are dropped first.** Peeling restricts every
dimension that happens to buy a little density on the way, so a box around a real two-
parameter region usually also restricts a few irrelevant parameters (quasi-p 0.2–1). As EMA
Workbench's ``inspect`` and ``drop_restriction`` let an analyst do by hand, each box of the
trajectory is *pruned*: while some restricted dimension has quasi-p of at least 0.05 / 2d (d
parameters in the design, so 2d limits: :func:`qp_level`), the restriction with the largest is dropped (that
dimension's full range restored) and the quasi-p-values are computed again (:func:`prune`).
The pruned boxes are the candidates. The level is shared among the 2d limits (Bonferroni)
because pruning picks the restrictions that pass from all of them: at 0.05 each, 6 of 800
noise designs kept a box, at 0.05 / d one did, at 0.05 / 2d none.

**Which box is reported.** A pruned box is *significant* when

1. it restricts at least one dimension and every restricted dimension has quasi-p below
   0.05 / 2d, and
2. its density is clearly above the base rate (the share of cases among all points): the
   lower end of the 95 % Wilson score interval of its density (cases out of points in the
   box) is above the base rate (``WILSON_Z`` = 1.96).

The chosen box is the knee, among the significant pruned boxes, unless one is asked for: the
box with the highest harmonic mean of coverage and density, where further peeling would buy
density only at a larger loss of coverage. When no box is significant the chosen box is
box 0 — the whole design, nothing restricted — and the finding is "no box concentrates the
failures", or, when the knee of the trajectory fails only for want of points, "not resolved
at this sample size" with the sample size at which it would pass if its densities held
(:func:`points_to_resolve`); the knee of the whole trajectory is kept (``knee_box``) for
reference only. Both tests are made on the same points that chose the box, so they are
screens against noise, not confirmatory p-values (the usual caveat of quasi-p).

The trajectory's own columns (coverage, density, mass, res_dim, cases, points, qp,
density_low) and ``limits`` are the peeled boxes, EMA Workbench's; the ``pruned_*`` columns,
``dropped`` and ``significant`` describe each box once pruned, and :meth:`PrimResult.box`
and :meth:`PrimResult.stats` give the pruned box unless asked for the peeled one.

Stability: PRIM is rerun on random halves of the points, and for each dimension we report
how often it is restricted in the half-sample's box of the nearest coverage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["QP_IRRELEVANT", "QP_MAX", "SIGNIFICANCE_RULE", "WILSON_Z", "PrimResult",
           "points_to_resolve", "prim", "prune", "wilson_low"]

QP_MAX = 0.05
"""The quasi-p level shared among a design's parameters (:func:`qp_level`)."""
WILSON_Z = 1.959964
"""z of the two-sided 95 % Wilson interval whose lower end must exceed the base rate."""
SIGNIFICANCE_RULE = ("after dropping each restriction whose quasi-p is 0.05 / 2d or more (d "
                     "parameters; largest first), at least one restriction is left, each with "
                     "quasi-p < 0.05 / 2d, and the lower end of the 95 % Wilson interval of the "
                     "box's density is above the base rate")
"""The rule, in words, for discover.json and reports."""
QP_IRRELEVANT = 0.5
"""A restriction with quasi-p at least this removes about as many cases as points: it does
not count toward a box that more points could resolve (:func:`points_to_resolve`)."""
RESOLVE_FACTORS = (1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
"""Multiples of the sample size tried by :func:`points_to_resolve` (at most 8×)."""


@dataclass
class PrimResult:
    """A peeling trajectory and its boxes; ``chosen`` indexes the selected box."""

    names: list[str]
    limits: list[np.ndarray]  # (d, 2) per box: lower, upper
    trajectory: pd.DataFrame  # box, coverage, density, mass, res_dim, cases, points,
    #                           qp (largest of the box), density_low (Wilson), significant
    ranges: np.ndarray  # (d, 2): the data's own min and max
    chosen: int
    x: np.ndarray
    y: np.ndarray
    knee_box: int = 0  # the knee of the whole trajectory, significant or not
    pruned: list[np.ndarray] | None = None  # (d, 2) per box once pruned (None: = limits)

    def _pruned(self, i: int, pruned: bool | None) -> bool:
        # by default a significant box is shown pruned (that is the finding), any other as
        # peeled (a reference, or a box asked for)
        if self.pruned is None:
            return False
        return bool(self.trajectory.significant.iloc[i]) if pruned is None else pruned

    def limits_of(self, i: int | None = None, *, pruned: bool | None = None) -> np.ndarray:
        """(d, 2) limits of box ``i`` (default: the chosen one): pruned or as peeled
        (default: pruned if it is significant)."""
        i = self.chosen if i is None else i
        return self.pruned[i] if self._pruned(i, pruned) else self.limits[i]

    @property
    def base_rate(self) -> float:
        """The share of cases among all the points."""
        return float(self.y.mean())

    @property
    def significant(self) -> bool:
        """Whether the chosen box passes the significance rule (see the module)."""
        return bool(self.trajectory.significant.iloc[self.chosen])

    def box(self, i: int | None = None, *, pruned: bool | None = None) -> pd.DataFrame:
        """The restricted dimensions of box ``i`` (default: the chosen one), pruned or as
        peeled (default: pruned if it is significant).

        Columns: parameter, min, max, qp (the larger of its limits' quasi-p-values), qp_min,
        qp_max, and the dimension's full range (range_min, range_max).
        """
        lim = self.limits_of(i, pruned=pruned)
        qp = quasi_p(self.x, self.y, self.limits[0], lim)
        rows = []
        for k in restricted(self.limits[0], lim):
            lo_qp, hi_qp = qp[k]
            rows.append({"parameter": self.names[k], "min": float(lim[k, 0]),
                         "max": float(lim[k, 1]), "qp": float(np.nanmax([lo_qp, hi_qp])),
                         "qp_min": float(lo_qp), "qp_max": float(hi_qp),
                         "range_min": float(self.ranges[k, 0]),
                         "range_max": float(self.ranges[k, 1])})
        return pd.DataFrame(rows, columns=["parameter", "min", "max", "qp", "qp_min", "qp_max",
                                           "range_min", "range_max"])

    def stats(self, i: int | None = None, *, pruned: bool | None = None) -> dict:
        """Coverage, density, mass, restricted dimensions (res_dim), cases, points, qp,
        density_low and significant of box ``i`` (default: the chosen one), pruned or as
        peeled (default: pruned if it is significant); ``dropped`` lists the parameters
        pruning freed."""
        i = self.chosen if i is None else i
        row = self.trajectory.iloc[i]
        prefix = "pruned_" if self._pruned(i, pruned) else ""
        out: dict = {"box": int(row["box"])}
        for k in ("coverage", "density", "mass", "res_dim", "cases", "points", "qp",
                  "density_low"):
            value = row[prefix + k] if prefix + k in row.index else row[k]
            if k in ("res_dim", "cases", "points"):
                out[k] = int(value)
            elif k == "qp":
                out[k] = None if np.isnan(value) else float(value)
            else:
                out[k] = float(value)
        out["significant"] = bool(row["significant"])
        out["dropped"] = ([] if not prefix or not row.get("dropped")
                          else str(row["dropped"]).split(";"))
        return out


def in_box(x: np.ndarray, lim: np.ndarray) -> np.ndarray:
    """(n,) whether each point lies in the box (limits inclusive)."""
    return np.all((x >= lim[:, 0]) & (x <= lim[:, 1]), axis=1)


def restricted(full: np.ndarray, lim: np.ndarray) -> list[int]:
    """Dimensions whose limits differ from the full box's."""
    return [k for k in range(full.shape[0]) if lim[k, 0] > full[k, 0] or lim[k, 1] < full[k, 1]]


def prim(x: np.ndarray | pd.DataFrame, y: np.ndarray, *, peel_alpha: float = 0.05,
         mass_min: float = 0.05, choose: int | None = None) -> PrimResult:
    """Peel boxes around the cases (``y`` true) in ``x``; see the module for the method.

    ``choose`` picks a box of the trajectory by index (default: the knee among the
    significant boxes, or box 0 — nothing restricted — if none is significant). Raises
    ``ValueError`` for mismatched shapes, no cases or no points.
    """
    names = list(x.columns) if isinstance(x, pd.DataFrame) else [f"x{k}" for k in
                                                                 range(np.shape(x)[1])]
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] == 0:
        raise ValueError("prim needs x of shape (n, d) and y of shape (n,)")
    if not y.any():
        raise ValueError("there are no cases of interest: nothing to find a box around")
    full = np.column_stack([x.min(axis=0), x.max(axis=0)])
    limits, rows = _peel(x, y, full, peel_alpha, mass_min)
    trajectory = pd.DataFrame(rows)
    base = float(y.mean())
    qps, lows = [], []
    for lim, row in zip(limits, rows, strict=True):
        qp = quasi_p(x, y, full, lim)
        qps.append(max((float(np.nanmax(pair)) for pair in qp.values()), default=np.nan))
        lows.append(wilson_low(row["cases"], row["points"]))
    trajectory["qp"] = qps
    trajectory["density_low"] = lows
    pruned, extra = [], []
    for lim in limits:
        kept, dropped = prune(x, y, full, lim, qp_max=qp_level(x.shape[1]))
        pruned.append(kept)
        extra.append({**_box_row(x, y, full, kept, base),
                      "dropped": ";".join(names[k] for k in dropped)})
    extra = pd.DataFrame(extra)
    for k in ("coverage", "density", "mass", "res_dim", "cases", "points", "qp",
              "density_low"):
        trajectory["pruned_" + k] = extra[k]
    trajectory["dropped"] = extra["dropped"]
    trajectory["significant"] = extra["significant"]
    knee_box = knee(trajectory)
    if choose is not None:
        chosen = int(choose)
    elif trajectory.significant.any():
        chosen = knee(trajectory.assign(coverage=trajectory.pruned_coverage,
                                        density=trajectory.pruned_density),
                      among=trajectory.significant.to_numpy())
    else:
        chosen = 0
    if not 0 <= chosen < len(limits):
        raise ValueError(f"box {chosen} is not on the trajectory (0–{len(limits) - 1})")
    return PrimResult(names, limits, trajectory, full, chosen, x, y, knee_box, pruned)


def _box_row(x, y, full, lim, base: float) -> dict:
    """A box's statistics and whether it passes the significance rule."""
    inside = in_box(x, lim)
    cases, points = int(y[inside].sum()), int(inside.sum())
    qp = quasi_p(x, y, full, lim)
    worst = max((float(np.nanmax(pair)) for pair in qp.values()), default=np.nan)
    low = wilson_low(cases, points)
    return {"coverage": cases / max(int(y.sum()), 1), "density": cases / max(points, 1),
            "mass": points / x.shape[0], "res_dim": len(qp), "cases": cases, "points": points,
            "qp": worst, "density_low": low,
            "significant": bool(len(qp) > 0 and worst < qp_level(x.shape[1]) and low > base)}


def qp_level(dimensions: int) -> float:
    """The quasi-p below which a restriction earns its place in a box of a design of
    ``dimensions`` parameters: 0.05 shared among their 2·d limits (Bonferroni), because
    peeling and pruning pick the limits that pass from all of them."""
    return QP_MAX / (2 * max(dimensions, 1))


def prune(x: np.ndarray, y: np.ndarray, full: np.ndarray, lim: np.ndarray, *,
          qp_max: float = QP_MAX) -> tuple[np.ndarray, list[int]]:
    """Box ``lim`` with the restrictions that do not earn their place dropped: while some
    restricted dimension has quasi-p ≥ ``qp_max``, the one with the largest gets its full
    range back (EMA Workbench's ``drop_restriction``, applied by rule). Returns (the
    limits, the dimensions dropped in order)."""
    lim = lim.copy()
    dropped: list[int] = []
    while True:
        qp = quasi_p(x, y, full, lim)
        if not qp:
            return lim, dropped
        k, worst = max(((k, float(np.nanmax(pair))) for k, pair in qp.items()),
                       key=lambda item: item[1])
        if worst < qp_max:
            return lim, dropped
        lim[k] = full[k]
        dropped.append(k)


def points_to_resolve(result: PrimResult, i: int | None = None) -> int | None:
    """About how many points would make box ``i`` (default: the knee of the trajectory)
    pass the significance rule if its densities held — the sample size times the smallest
    of :data:`RESOLVE_FACTORS` at which every relevant restriction's quasi-p falls below
    0.05 and the Wilson interval clears the base rate — or None if it would not at 8× (or
    it restricts nothing relevant). Restrictions with quasi-p ≥ :data:`QP_IRRELEVANT` are
    dropped first: more points would not make them matter."""
    i = result.knee_box if i is None else i
    x, y, full = result.x, result.y, result.limits[0]
    lim, _ = prune(x, y, full, result.limits[i], qp_max=QP_IRRELEVANT)
    inside = in_box(x, lim)
    cases, points = int(y[inside].sum()), int(inside.sum())
    base = result.base_rate
    relaxed = []
    for k in restricted(full, lim):
        for side in (0, 1):
            if lim[k, side] != full[k, side]:
                wide = lim.copy()
                wide[k, side] = full[k, side]
                relaxed.append(float(y[in_box(x, wide)].mean()))
    if not relaxed or points == 0 or cases / points <= base:
        return None
    for factor in RESOLVE_FACTORS:
        m, c = round(points * factor), round(cases * factor)
        if (all(stats.binom.sf(c - 1, m, p) < QP_MAX for p in relaxed)
                and wilson_low(c, m) > base):
            return int(math.ceil(x.shape[0] * factor))
    return None


def wilson_low(cases: int, points: int, z: float = WILSON_Z) -> float:
    """The lower end of the Wilson score interval of ``cases`` out of ``points``."""
    if points <= 0:
        return 0.0
    p = cases / points
    centre = p + z * z / (2 * points)
    spread = z * np.sqrt(p * (1 - p) / points + z * z / (4 * points * points))
    return float((centre - spread) / (1 + z * z / points))


def _peel(x, y, full, alpha, mass_min):
    n, d = x.shape
    total = int(y.sum())
    lim = full.copy()
    inside = np.ones(n, dtype=bool)
    limits, rows = [], []

    def record():
        cases = int(y[inside].sum())
        points = int(inside.sum())
        rows.append({"box": len(limits), "coverage": cases / total, "density": cases / points,
                     "mass": points / n, "res_dim": len(restricted(full, lim)),
                     "cases": cases, "points": points})
        limits.append(lim.copy())

    record()
    while True:
        xi, yi = x[inside], y[inside]
        mean = yi.mean()
        candidates = []
        for k in range(d):
            values = xi[:, k]
            for side in (1, 0):  # upper, then lower: EMA Workbench's order (ties keep it)
                q = sdtoolkit_quantile(values, 1 - alpha if side == 1 else alpha)
                keep = values <= q if side == 1 else values >= q
                kept = int(keep.sum())
                new_mean = yi[keep].mean() if kept else 0.0
                # lenient 1: gain in density per point removed (0 if nothing changes)
                gain = 0.0 if new_mean == mean else (new_mean - mean) / abs(yi.size - kept)
                trial = lim.copy()
                trial[k, side] = q
                free = d - len(restricted(full, trial))
                candidates.append((gain, free, k, side, q, keep))
        # best gain; among equals the peel that leaves more dimensions free; then order
        gain, _, k, side, q, keep = max(candidates, key=lambda c: (c[0], c[1]))
        new_mass = keep.sum() / n
        if not (new_mass >= mass_min and new_mass < inside.mean() and gain > 0):
            break
        lim[k, side] = q
        idx = np.flatnonzero(inside)
        inside[idx[~keep]] = False
        record()
    return limits, rows


def sdtoolkit_quantile(values: np.ndarray, q: float) -> float:
    """The q-quantile as sdtoolkit and EMA Workbench take it for peeling.

    The midpoint of the two order statistics around (n − 1)·q, widened past ties so the
    cut always falls between two different values.
    """
    data = np.sort(values)
    i = (len(data) - 1) * q
    lo, hi = int(np.floor(i)), int(np.ceil(i))
    if q > 0.5:
        while data[lo] == data[hi] and lo > 0:
            lo -= 1
    else:
        while data[lo] == data[hi] and hi < len(data) - 1:
            hi += 1
    return float((data[lo] + data[hi]) / 2)


def knee(trajectory: pd.DataFrame, among: np.ndarray | None = None) -> int:
    """The knee of the trajectory: the box with the highest harmonic mean of coverage and
    density (2cd / (c + d)), where peeling stops buying density cheaply in coverage.

    ``among`` (a boolean mask) limits the choice to some boxes. The earliest such box wins a
    tie (fewer restrictions).
    """
    c = trajectory.coverage.to_numpy()
    d = trajectory.density.to_numpy()
    f = np.round(2 * c * d / np.maximum(c + d, 1e-12), 12)
    if among is not None:
        f = np.where(among, f, -np.inf)
    return int(np.argmax(f))


def quasi_p(x, y, full, lim) -> dict[int, tuple[float, float]]:
    """Quasi-p-value of each limit of box ``lim``: P(≥ its cases | that limit removed)."""
    inside = in_box(x, lim)
    cases, points = int(y[inside].sum()), int(inside.sum())
    out = {}
    for k in restricted(full, lim):
        pair = []
        for side in (0, 1):
            if lim[k, side] == full[k, side]:
                pair.append(float("nan"))  # that side is not restricted
                continue
            relaxed = lim.copy()
            relaxed[k, side] = full[k, side]
            wide = in_box(x, relaxed)
            p = y[wide].mean()
            pair.append(float(stats.binom.sf(cases - 1, points, p)))
        out[k] = (pair[0], pair[1])
    return out


def stability(result: PrimResult, *, resamples: int = 20, seed: int = 0,
              peel_alpha: float = 0.05, mass_min: float = 0.05) -> pd.DataFrame:
    """How often each dimension is restricted when PRIM is rerun on random halves.

    For each half-sample, the box whose coverage is nearest the chosen box's is compared.
    Columns: parameter, restricted_share (0–1), in_chosen_box (bool).
    """
    rng = np.random.default_rng(seed)
    n = result.x.shape[0]
    counts = np.zeros(len(result.names))
    done = 0
    target = result.stats()["coverage"]
    for _ in range(resamples):
        pick = rng.choice(n, size=n // 2, replace=False)
        xs, ys = result.x[pick], result.y[pick]
        if not ys.any():
            continue
        full = np.column_stack([xs.min(axis=0), xs.max(axis=0)])
        limits, rows = _peel(xs, ys, full, peel_alpha, mass_min)
        cover = np.array([r["coverage"] for r in rows])
        i = int(np.argmin(np.abs(cover - target)))
        for k in restricted(full, limits[i]):
            counts[k] += 1
        done += 1
    chosen = set(result.box().parameter)
    return pd.DataFrame({"parameter": result.names,
                         "restricted_share": counts / max(done, 1),
                         "in_chosen_box": [name in chosen for name in result.names]})
