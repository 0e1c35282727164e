"""Weighted statistics shared by calibration, its sequential sampler and backtests.

One definition each of the effective sample size, a weighted quantile, systematic
resampling and the Wilson interval, so that every study reports the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.run.stats import wilson

__all__ = ["ess", "normalised", "resample", "weighted_quantile", "wilson"]


def ess(weights: np.ndarray) -> float:
    """Effective sample size (Σw)² / Σw² of (not necessarily normalised) weights; 0 when
    every weight is 0."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    if not total > 0:
        return 0.0
    return float(total * total / np.sum(w * w))


def normalised(log_w: np.ndarray) -> np.ndarray:
    """exp(log_w) scaled to sum 1 (all zero if every entry is −∞), without overflow."""
    log_w = np.asarray(log_w, dtype=float)
    top = np.max(log_w) if log_w.size else -np.inf
    if not np.isfinite(top):
        return np.zeros_like(log_w)
    w = np.exp(log_w - top)
    return w / w.sum()


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles ``q`` of ``x`` under weights ``w`` (inverse of the weighted step CDF)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    idx = np.searchsorted(cw, np.asarray(q, dtype=float), side="left")
    return x[order][np.minimum(idx, x.size - 1)]


def resample(weights: np.ndarray, size: int, seed: int) -> np.ndarray:
    """(size,) row indices drawn by weight: systematic resampling (one uniform offset), the
    lowest-variance of the standard schemes; deterministic in ``seed``."""
    w = np.asarray(weights, dtype=float)
    cumulative = np.cumsum(w / w.sum())
    cumulative[-1] = 1.0
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x52455341])))
    points = (rng.random() + np.arange(size)) / size
    rows = np.minimum(np.searchsorted(cumulative, points, side="right"), w.size - 1)
    return rng.permutation(rows)  # systematic picks come sorted; the file need not be
