"""What the odds depend on when parameters are uncertain: a given-data sensitivity.

Each replication drew its own uncertain values, so the replications already form a
sample of (θ, outcome) pairs: no second run is needed. For each parameter the
replications are split into ``bins`` equal-count bins of its values; the first-order
index is the correlation ratio η² = Var(E[Y | bin]) / Var(Y) (the share of the
outcome's variance that the parameter explains alone, Y = 1 if the target is met),
less its expected value under independence, (B − 1)/(N − B)·(1 − η²) — so an
irrelevant parameter scores ≈ 0. The odds in the lowest and highest fifth of each
parameter's values say in which direction it acts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["first_order_index", "odds_by_fifth", "uncertain_summary"]


def _bins(x: np.ndarray, bins: int) -> np.ndarray:
    """Equal-count bin of each value (ties broken by position, so the counts stay equal)."""
    order = np.argsort(x, kind="stable")
    out = np.empty(x.size, dtype=np.int64)
    out[order] = np.arange(x.size) * bins // x.size
    return out


def first_order_index(x: np.ndarray, y: np.ndarray, bins: int = 20) -> float:
    """Bias-corrected binned correlation ratio of ``y`` on ``x`` (0 … 1); 0 if y is constant."""
    n = x.size
    bins = max(2, min(bins, n // 10)) if n >= 20 else 1
    var = float(np.var(y))
    if bins < 2 or var <= 0:
        return 0.0
    b = _bins(x, bins)
    counts = np.bincount(b, minlength=bins)
    means = np.bincount(b, weights=y, minlength=bins) / counts
    eta2 = float(np.sum(counts * (means - y.mean()) ** 2) / n / var)
    corrected = eta2 - (bins - 1) / (n - bins) * (1 - eta2)
    return float(min(max(corrected, 0.0), 1.0))


def odds_by_fifth(x: np.ndarray, met: np.ndarray) -> tuple[float | None, float | None]:
    """P(met) among the replications in the lowest and in the highest fifth of ``x``
    (None for a fifth with no replication: fewer than five in all)."""
    b = _bins(x, 5)
    low, high = met[b == 0], met[b == 4]
    return (float(low.mean()) if low.size else None,
            float(high.mean()) if high.size else None)


def uncertain_summary(scenario, params: np.ndarray, met: np.ndarray) -> dict:
    """summary.json's ``uncertain``: each parameter's prior and draws, and per target what
    the odds depend on (first-order index, odds in the lowest and highest fifth)."""
    from simulator.model.uncertain import uncertain_params

    specs = uncertain_params(scenario)
    parameters = []
    for k, u in enumerate(specs):
        x = params[:, k]
        parameters.append({
            "path": u.path,
            "kind": u.key.kind,
            "scenario_value": u.key.base,
            "prior": u.prior.model_dump(mode="json", by_alias=True, exclude_none=True),
            "mean": float(x.mean()),
            "p10": float(np.quantile(x, 0.1)),
            "p90": float(np.quantile(x, 0.9)),
            "label": scenario.label_of(f"uncertain.{u.path}") or "",
        })
    sensitivity = {}
    for i, t in enumerate(scenario.targets):
        y = met[:, i].astype(float)
        rows = []
        for k, u in enumerate(specs):
            low, high = odds_by_fifth(params[:, k], y)
            rows.append({"path": u.path, "first_order": first_order_index(params[:, k], y),
                         "odds_low": low, "odds_high": high})
        rows.sort(key=lambda r: -r["first_order"])
        sensitivity[t.name] = rows
    return {"parameters": parameters, "sensitivity": sensitivity,
            "method": "binned first-order index (20 equal-count bins, bias-corrected) from "
                      "the run's own replications"}
