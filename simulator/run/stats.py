"""Small statistical helpers for Monte Carlo summaries."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["Z95", "wilson", "wilson_interval"]

Z95 = NormalDist().inv_cdf(0.975)  # the standard library's: scipy.stats takes a second to import


def wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` from ``n`` (possibly effective, non-whole)
    trials: inside [0, 1], exact at 0 and 1, and not [0, 0] when p = 0 (unlike Wald)."""
    if n <= 0:
        return 0.0, 1.0
    p = min(max(float(p), 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # exact ends at p = 0 and 1 (rounding would leave 1e-19 instead of 0)
    lo = 0.0 if p == 0 else max(0.0, min(p, centre - half))
    hi = 1.0 if p == 1 else min(1.0, max(p, centre + half))
    return lo, hi


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` of ``n`` trials (good near 0 and 1, unlike
    Wald). Raises ``ValueError`` if ``n`` < 1 or ``successes`` is outside 0..n.
    """
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1 (got {successes}, {n})")
    return wilson(successes / n, n, z)


def quantiles(values: np.ndarray, qs=(0.1, 0.5, 0.9), axis: int = 0) -> np.ndarray:
    """Quantiles along ``axis`` (linear interpolation), stacked on a new first axis."""
    return np.quantile(values, qs, axis=axis)
