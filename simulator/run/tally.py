"""Streaming summaries of a run: what every summary needs, in memory independent of its size.

Chunks of replications are folded in one by one (in chunk order, so floating-point sums
are the same for any number of workers). What is kept:

* exact counts — each target met, every target met together, each target reached by the
  end of each year (the S-curve), and, per uncertain parameter, replications and targets
  met in each of 20 bins of its prior's quantiles;
* sums, for means (km² released, late, abandoned, lost to yield, counted toward targets);
* fixed-width histograms (boost-histogram, ``Mean`` storage: count and mean of the values
  in each bin) of annual and cumulative release by year and pathway and of each target's
  counted km², for quantiles and charts. The bin width is :func:`bin_width` (0.01 km²
  unless a scenario is so large that a histogram would pass 2 million bins). A quantile is read as numpy's linear interpolation between
  order statistics, each order statistic replaced by the mean of its bin: exact when a
  bin holds one distinct value (the common case of fixed release sizes), otherwise
  within one bin width.

Why boost-histogram: a growing axis of fixed width with per-bin means, filled in C++
about three times as fast as two ``np.bincount`` calls, with no upper bound to guess.
"""

from __future__ import annotations

import math

import boost_histogram as bh
import numpy as np

from simulator.inputs.errors import RunConfigError
from simulator.inputs.scenario import Scenario
from simulator.model.engines import ChunkOutcome

__all__ = ["EPS", "FINE_BINS", "MAX_BINS", "PRIOR_BINS", "Tally", "bin_width", "hist_quantiles",
           "merge_bins", "sensitivity_bins", "target_cells", "target_windows"]

PRIOR_BINS = 20
"""Bins of an uncertain parameter's prior quantiles for the given-data sensitivity."""

FINE_BINS = 1000
"""Bins of prior quantile for an uncertain parameter's own p10 and p90."""

EPS = 1e-9
"""km²: a target met to within rounding counts as met."""


MAX_BINS = 2_000_000
"""Most bins of one (cell, km²) histogram: 48 MB with its count, mean and variance."""


def bin_width(scenario: Scenario) -> float:
    """Histogram bin width (km²): 0.01, doubled while the (year, pathway) histogram spanning
    1.25 × the planned area would have more than ``MAX_BINS`` bins (large scenarios)."""
    cells = len(scenario.years) * (len(scenario.pathways) + 1)
    width = 0.01
    while cells * _SPAN * scenario.planned_km2 / width > MAX_BINS:
        width *= 2
    return width


_SPAN = 1.25  # the histograms' initial span, × the planned km² (replacements may add more)


def target_windows(scenario: Scenario) -> list[tuple[int, int, list[int] | None]]:
    """Each target's (first, last) horizon-year index and pathway columns (None: all)."""
    start = scenario.horizon.start
    names = list(scenario.pathways)
    return [((t.from_ if t.from_ is not None else start) - start, t.by - start,
             [names.index(p) for p in t.pathways] if t.pathways else None)
            for t in scenario.targets]


def target_cells(scenario: Scenario) -> list[list[int] | None]:
    """Each target's (pathway, district) cells when it counts one district, else None."""
    if not any(t.district is not None for t in scenario.targets):
        return [None] * len(scenario.targets)
    from simulator.model.places import cells_in, place_cells

    cells, _ = place_cells(scenario)
    names = scenario.district_names
    return [None if t.district is None else cells_in(cells, names.index(t.district), cols)
            for t, (_, _, cols) in zip(scenario.targets, target_windows(scenario), strict=True)]


def _histogram(cells: int, width: float, span: float) -> bh.Histogram:
    """(cell, value) histogram of ``width`` bins from 0 over ``span``, growing if need be."""
    bins = max(1, math.ceil(span / width))
    return bh.Histogram(bh.axis.Integer(0, max(cells, 1), underflow=False, overflow=False),
                        bh.axis.Regular(bins, 0.0, bins * width, growth=True),
                        storage=bh.storage.Mean())


def _prior_cdf(prior):
    """The prior's CDF; a prior fixed at one value puts every draw at its median (0.5)."""
    lo, hi = prior.support()
    if lo == hi:
        return lambda x: np.full(np.shape(x), 0.5)
    return prior.to_scipy().cdf


def hist_quantiles(hist: bh.Histogram, qs) -> np.ndarray:
    """(cells, len(qs)) quantiles of each cell of a (cell, value) ``Mean`` histogram.

    numpy's default (linear) definition, each order statistic being the mean of its bin.
    Raises ``ValueError`` for a cell with no values.
    """
    view = hist.view()
    counts, means = view["count"], view["value"]
    out = np.empty((counts.shape[0], len(qs)))
    for c in range(counts.shape[0]):
        cum = np.cumsum(counts[c])
        n = int(round(cum[-1])) if cum.size else 0
        if n == 0:
            raise ValueError("no values in a histogram cell")
        h = (n - 1) * np.asarray(qs, dtype=float)
        lo = np.floor(h)
        hi = np.minimum(lo + 1, n - 1)
        v_lo = means[c, np.searchsorted(cum, lo, side="right")]
        v_hi = means[c, np.searchsorted(cum, hi, side="right")]
        out[c] = v_lo + (h - lo) * (v_hi - v_lo)
    return out


class Tally:
    """Aggregates of a scenario's replications, updated chunk by chunk (:meth:`add`).

    ``annual_quantiles=False`` leaves out the by-district tally and the two (year × pathway,
    km²) histograms behind the quantiles of annual and cumulative release — the bulk of a
    tally (about 30 MB for the baseline) and a quarter to a third of the time of a
    1,000-replication run. Study points, which record target odds and means only, go
    without them.
    """

    def __init__(self, scenario: Scenario, *, annual_quantiles: bool = True):
        from simulator.model.uncertain import uncertain_params

        self.scenario = scenario
        self.years = scenario.years
        self.pathways = list(scenario.pathways)
        Y, P, T = len(self.years), len(self.pathways), len(scenario.targets)
        self.km2 = np.array([t.km2 for t in scenario.targets])
        self._windows = target_windows(scenario)
        self._cells = target_cells(scenario)
        self.width = bin_width(scenario)
        span = scenario.planned_km2 * _SPAN  # the axes grow past it if they must
        self.n = 0
        self.hits = np.zeros(T, dtype=np.int64)
        # replications reaching each target less its tolerance (an about target's; = hits else)
        self.floor = np.array([t.floor_km2 for t in scenario.targets])
        self.hits_within = np.zeros(T, dtype=np.int64)
        self.joint_hits = 0
        self.achieved_sum = np.zeros(T)
        self.shortfall_sum = np.zeros(T)
        self.achieved_min = np.full(T, np.inf)
        self.achieved_max = np.full(T, -np.inf)
        self.achieved_hist = _histogram(T, self.width, span)
        # s-curve: replications whose counted release reached km² by the end of year y
        self.reached = np.zeros((T, Y), dtype=np.int64)
        # cells (year, pathway or all): annual and cumulative release
        self.annual_sum = np.zeros((Y, P + 1))
        self.cumulative_sum = np.zeros((Y, P + 1))
        self.annual_hist = self.cumulative_hist = None
        if annual_quantiles:
            self.annual_hist = _histogram(Y * (P + 1), self.width, span)
            self.cumulative_hist = _histogram(Y * (P + 1), self.width, span)
        self.late_sum = np.zeros(P)
        self.dropped_sum = np.zeros(P)
        self.loss_sum = np.zeros(P)
        self.started_sum: np.ndarray | None = None  # (Y, P) km² offices started, if any
        self.uncertain = uncertain_params(scenario)
        K = len(self.uncertain)
        self._cdfs = [_prior_cdf(u.prior) for u in self.uncertain]
        self.param_sum = np.zeros(K)
        self.param_hist = _histogram(K, 1.0 / FINE_BINS, 1.0)
        self.prior_counts = np.zeros((K, PRIOR_BINS), dtype=np.int64)
        self.prior_hits = np.zeros((K, PRIOR_BINS, T), dtype=np.int64)
        # release by district (scenarios with district shares), for a full run's tables:
        # a study point (no annual quantiles) records target odds only
        self.districts = None
        if scenario.district_names and annual_quantiles:
            from simulator.run.districts import DistrictTally

            self.districts = DistrictTally(scenario, width=self.width,
                                           cumulative_hist=annual_quantiles)

    # ------------------------------------------------------------------ folding
    def add(self, part: ChunkOutcome) -> None:
        """Fold in one chunk's outcome (chunks must come in chunk order for identical sums)."""
        annual = part.annual
        n, Y, P = annual.shape
        if n == 0:
            return
        self.n += n
        cells = np.empty((n, Y, P + 1))
        cells[:, :, :P] = annual
        cells[:, :, P] = annual.sum(axis=2)
        cumulative = np.cumsum(cells, axis=1)
        self.annual_sum += cells.sum(axis=0)
        self.cumulative_sum += cumulative.sum(axis=0)
        if self.annual_hist is not None:
            # cell-major order: consecutive values land in one cell's bins (cache-friendly)
            index = np.repeat(np.arange(Y * (P + 1)), n)
            flat = np.ascontiguousarray(cells.reshape(n, -1).T).reshape(-1)
            self.annual_hist.fill(index, flat, sample=flat)
            flat = np.ascontiguousarray(cumulative.reshape(n, -1).T).reshape(-1)
            self.cumulative_hist.fill(index, flat, sample=flat)
        self.late_sum += part.late.sum(axis=0)
        self.dropped_sum += part.dropped.sum(axis=0)
        self.loss_sum += part.yield_loss.sum(axis=0)
        if part.started is not None:
            if self.started_sum is None:
                self.started_sum = np.zeros(part.started.shape[1:])
            self.started_sum += part.started.sum(axis=0)

        T = len(self._windows)
        achieved = np.empty((n, T))
        for i, (first, last, cols) in enumerate(self._windows):
            if self._cells[i] is not None:  # one district's cells
                running = np.cumsum(_places(part)[:, first:, self._cells[i]].sum(axis=2), axis=1)
            elif cols is None and first == 0:  # all pathways from the start: the cumulative
                running = cumulative[:, :, P]
            else:
                picked = cells[:, first:, P] if cols is None else annual[:, first:, cols].sum(axis=2)
                running = np.cumsum(picked, axis=1)
            achieved[:, i] = running[:, last - first]
            self.reached[i, first:] += (running >= self.km2[i] - EPS).sum(axis=0)
        met = achieved >= self.km2 - EPS
        self.hits += met.sum(axis=0)
        self.hits_within += (achieved >= self.floor - EPS).sum(axis=0)
        self.joint_hits += int(met.all(axis=1).sum())
        self.achieved_sum += achieved.sum(axis=0)
        self.shortfall_sum += np.maximum(self.km2 - achieved, 0).sum(axis=0)
        self.achieved_min = np.minimum(self.achieved_min, achieved.min(axis=0))
        self.achieved_max = np.maximum(self.achieved_max, achieved.max(axis=0))
        index = np.broadcast_to(np.arange(T), (n, T)).ravel()
        self.achieved_hist.fill(index, achieved.ravel(), sample=achieved.ravel())
        if self.uncertain:
            self._add_params(part.params, met)
        if self.districts is not None:
            self.districts.add(_places(part), met)

    def _add_params(self, params: np.ndarray, met: np.ndarray) -> None:
        n, K = params.shape
        u = np.column_stack([np.clip(cdf(params[:, k]), 0.0, 1.0)
                             for k, cdf in enumerate(self._cdfs)])
        self.param_sum += params.sum(axis=0)
        # the fine histogram's axis is the prior quantile u; its bin means are values θ
        fine = np.minimum(u, 1 - 0.5 / FINE_BINS)
        self.param_hist.fill(np.broadcast_to(np.arange(K), (n, K)).ravel(), fine.ravel(),
                             sample=params.ravel())
        b = np.minimum((u * PRIOR_BINS).astype(np.int64), PRIOR_BINS - 1)
        for k in range(K):
            self.prior_counts[k] += np.bincount(b[:, k], minlength=PRIOR_BINS)
            for i in range(met.shape[1]):
                self.prior_hits[k, :, i] += np.bincount(b[:, k], weights=met[:, i],
                                                        minlength=PRIOR_BINS).astype(np.int64)

    # ------------------------------------------------------------------ reading
    @property
    def released_sum(self) -> np.ndarray:
        """(P,) km² released in the horizon, summed over replications."""
        return self.annual_sum[:, :-1].sum(axis=0)

    def annual_quantiles(self, qs) -> np.ndarray:
        """(Y, P + 1, len(qs)) quantiles of annual release (km²); the last column is all.

        Raises ``RunConfigError`` if the tally was made with ``annual_quantiles=False``.
        """
        Y, C = self.annual_sum.shape
        return hist_quantiles(self._kept(self.annual_hist), qs).reshape(Y, C, len(qs))

    def cumulative_quantiles(self, qs) -> np.ndarray:
        """(Y, P + 1, len(qs)) quantiles of cumulative release (km²) through each year.

        Raises ``RunConfigError`` if the tally was made with ``annual_quantiles=False``.
        """
        Y, C = self.cumulative_sum.shape
        return hist_quantiles(self._kept(self.cumulative_hist), qs).reshape(Y, C, len(qs))

    @property
    def has_annual_quantiles(self) -> bool:
        """Whether the histograms behind annual and cumulative quantiles were kept."""
        return self.annual_hist is not None

    @staticmethod
    def _kept(hist: bh.Histogram | None) -> bh.Histogram:
        if hist is None:
            raise RunConfigError("this run was summarised with annual_quantiles=False: it "
                                 "has target odds and means, not quantiles of annual release")
        return hist

    def achieved_quantiles(self, qs) -> np.ndarray:
        """(T, len(qs)) quantiles of the km² each target counts."""
        return hist_quantiles(self.achieved_hist, qs)

    def achieved_histogram(self, target: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
        """Counts and edges of a target's counted km² in ``bins`` equal bins over its range.

        Each fine bin's count goes to the coarse bin that holds its mean value.
        """
        lo, hi = float(self.achieved_min[target]), float(self.achieved_max[target])
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        view = self.achieved_hist.view()[target]
        counts, edges = np.histogram(view["value"], bins=bins, range=(lo, hi),
                                     weights=view["count"])
        return np.rint(counts).astype(np.int64), edges

    def param_quantiles(self, qs) -> np.ndarray:
        """(K, len(qs)) quantiles of each uncertain parameter's drawn values."""
        return hist_quantiles(self.param_hist, qs)

    def __repr__(self) -> str:
        return f"Tally({self.scenario.name!r}, n={self.n:,}, bin {self.width:g} km²)"


def _places(part: ChunkOutcome) -> np.ndarray:
    """A chunk's release by (pathway, district) cell; raises ``RunConfigError`` if the
    engine gave none (an engine must fill ``places`` for a scenario with districts)."""
    if part.places is None:
        raise RunConfigError("this scenario has districts but the engine's outcome has no "
                             "release by district (ChunkOutcome.places)")
    return part.places


def _nearest_divisor(total: int, most: int) -> int:
    """The largest divisor of ``total`` that is at most ``most`` (at least 1)."""
    return max(d for d in range(1, total + 1) if total % d == 0 and d <= max(most, 1))


def merge_bins(counts: np.ndarray, groups: int) -> np.ndarray:
    """Sum adjacent bins of the last axis into ``groups`` groups (a divisor of its length)."""
    size = counts.shape[-1]
    return counts.reshape(*counts.shape[:-1], groups, size // groups).sum(axis=-1)


def sensitivity_bins(n: int) -> int:
    """Bins for the given-data sensitivity of ``n`` replications: ~10 per bin, 2 … 20."""
    if n < 20:
        return 1
    return _nearest_divisor(PRIOR_BINS, min(PRIOR_BINS, n // 10))
