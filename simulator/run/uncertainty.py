"""What the odds depend on when parameters are uncertain: a given-data sensitivity.

Each replication drew its own uncertain values, so the replications already form a
sample of (θ, outcome) pairs: no second run is needed. For each parameter the
replications are split into bins of equal prior probability (its prior's quantiles: 20
bins, fewer for small runs, ~10 replications a bin at least); the first-order index is
the correlation ratio η² = Var(E[Y | bin]) / Var(Y) (the share of the outcome's variance
that the parameter explains alone, Y = 1 if the target is met), less its expected value
under independence, (B − 1)/(N − B)·(1 − η²) — so an irrelevant parameter scores ≈ 0.
The odds in the lowest and highest fifth of each parameter's prior say in which direction
it acts. Counts are kept per chunk (:class:`simulator.run.tally.Tally`), so the analysis
costs no memory that grows with the run.
"""

from __future__ import annotations

import numpy as np

from simulator.run.tally import PRIOR_BINS, Tally, merge_bins, sensitivity_bins

__all__ = ["first_order_from_bins", "first_order_index", "uncertain_summary"]


def first_order_from_bins(counts: np.ndarray, hits: np.ndarray) -> float:
    """Bias-corrected correlation ratio of a 0/1 outcome on binned values (0 … 1).

    ``counts[b]`` replications fell in bin b and ``hits[b]`` of them had outcome 1; 0 if
    the outcome is constant or fewer than two bins are occupied.
    """
    counts = np.asarray(counts, dtype=float)
    hits = np.asarray(hits, dtype=float)
    used = counts > 0
    n, bins = counts.sum(), int(used.sum())
    if bins < 2 or n <= bins:
        return 0.0
    p = hits.sum() / n
    var = p * (1 - p)
    if var <= 0:
        return 0.0
    means = hits[used] / counts[used]
    eta2 = float(np.sum(counts[used] * (means - p) ** 2) / n / var)
    corrected = eta2 - (bins - 1) / (n - bins) * (1 - eta2)
    return float(min(max(corrected, 0.0), 1.0))


def first_order_index(x: np.ndarray, y: np.ndarray, bins: int = 20) -> float:
    """The same index from given data: ``bins`` equal-count bins of ``x``, 0/1 outcome ``y``."""
    n = x.size
    bins = max(2, min(bins, n // 10)) if n >= 20 else 1
    order = np.argsort(x, kind="stable")
    b = np.empty(n, dtype=np.int64)
    b[order] = np.arange(n) * bins // n
    return first_order_from_bins(np.bincount(b, minlength=bins),
                                 np.bincount(b, weights=y, minlength=bins))


def _prior_of(u) -> dict:
    """A parameter's prior as summary.json shows it; a posterior's column (thousands of
    draws) as its file, number of draws and range rather than every value."""
    if u.joint is not None:
        values = u.prior.values
        return {"dist": "posterior", "file": u.joint.file, "draws": len(values),
                "min": float(min(values)), "max": float(max(values))}
    return u.prior.model_dump(mode="json", by_alias=True, exclude_none=True)


def uncertain_summary(tally: Tally) -> dict:
    """summary.json's ``uncertain``: each parameter's prior and draws, and per target what
    the odds depend on (first-order index, odds in the lowest and highest fifth)."""
    scenario = tally.scenario
    quantiles = tally.param_quantiles([0.1, 0.9])
    parameters = []
    for k, u in enumerate(tally.uncertain):
        parameters.append({
            "path": u.path,
            "kind": u.key.kind,
            "scenario_value": u.key.base,
            "prior": _prior_of(u),
            "mean": float(tally.param_sum[k] / tally.n),
            "p10": float(quantiles[k, 0]),
            "p90": float(quantiles[k, 1]),
            "label": scenario.label_of(f"uncertain.{u.path}") or "",
        })
    groups = sensitivity_bins(tally.n)
    counts = merge_bins(tally.prior_counts, groups)
    fifths_n = merge_bins(tally.prior_counts, 5)
    sensitivity = {}
    for i, t in enumerate(scenario.targets):
        hits = merge_bins(tally.prior_hits[:, :, i], groups)
        fifths = merge_bins(tally.prior_hits[:, :, i], 5)
        rows = []
        for k, u in enumerate(tally.uncertain):
            low = fifths[k, 0] / fifths_n[k, 0] if fifths_n[k, 0] else None
            high = fifths[k, -1] / fifths_n[k, -1] if fifths_n[k, -1] else None
            rows.append({"path": u.path, "first_order": first_order_from_bins(counts[k], hits[k]),
                         "odds_low": None if low is None else float(low),
                         "odds_high": None if high is None else float(high)})
        rows.sort(key=lambda r: -r["first_order"])
        sensitivity[t.name] = rows
    return {"parameters": parameters, "sensitivity": sensitivity,
            "method": f"binned first-order index ({PRIOR_BINS} bins of equal prior probability, "
                      "bias-corrected) from the run's own replications"}
