"""Probability distributions of the scenario format (durations in years, yields as fractions).

Each distribution is a frozen pydantic model tagged by ``dist``. It knows how to draw
samples from a numpy ``Generator``, its median (the default *nominal* value used to
schedule a project), its support, and its scipy equivalent (used by the tests to check
the samplers). Samplers transform standard variates (``standard_normal``, ``random``)
where they can, so that changing a location or scale parameter keeps the same
underlying draws: that gives common random numbers across sweep points.

A distribution's other parameters (:data:`SHAPE_PARAMETERS`) may also differ from one
replication to the next (uncertain parameters): :meth:`_Base.sample_with`,
:meth:`_Base.residual_with` and :meth:`_Base.equilibrium_residual_with` take arrays in
their place, which broadcast against the draws ((R, 1): one value a replication). They
consume their streams exactly as the scalar methods do, so equal values give equal draws.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


class _LazyStats:
    """``scipy.stats``, imported on first use: it takes most of a second, and validating a
    scenario (``landsim validate``, error messages) should not wait for it."""

    def __getattr__(self, name: str) -> Any:
        from scipy import stats as module

        return getattr(module, name)


stats = _LazyStats()

__all__ = [
    "Beta",
    "Distribution",
    "DistributionSpec",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "Lognormal",
    "Pert",
    "Triangular",
    "Uniform",
    "DIST_TYPES",
    "SHAPE_PARAMETERS",
]

SHAPE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "lognormal": ("sigma",),
    "gamma": ("sd",),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "beta": ("mean", "sd"),
}
"""Parameters of each distribution, other than its scale, that may take a value per
replication (:meth:`_Base.sample_with`). Fixed, exponential and empirical have none."""

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


_EQUILIBRIUM: dict = {}
_FROZEN: OrderedDict = OrderedDict()  # id → (distribution, its frozen scipy distribution)
_FROZEN_MAX = 256
"""Distribution → (grid, equilibrium CDF) for :meth:`_Base.equilibrium_residual`."""


def _residual(dist, u, elapsed) -> np.ndarray:
    """R = S⁻¹(u · S(e)) − e for a frozen scipy distribution (see :meth:`_Base.residual`)."""
    u = np.asarray(u, dtype=float)
    e = np.broadcast_to(np.asarray(elapsed, dtype=float), u.shape)
    tail = dist.sf(e)
    with np.errstate(invalid="ignore"):
        x = dist.isf(u * tail)
    return np.where(tail > 0, np.maximum(x - e, 0.0), 0.0)


def _beta_tail_partial(r, low, width, a, b):
    """(S(r), E[X; X ≤ r]) of X = low + width·B, B ~ Beta(a, b)."""
    from scipy.special import betainc

    y = np.clip((r - low) / width, 0.0, 1.0)
    below = betainc(a, b, y)
    return 1.0 - below, low * below + width * a / (a + b) * betainc(a + 1.0, b, y)


class _Base(BaseModel):
    model_config = _MODEL_CONFIG

    nominal: float | None = Field(
        None, gt=0, description="Value used to schedule projects; default: the median."
    )

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draw ``size`` values."""
        return self._draw(rng, size, **self._params())

    def _params(self) -> dict[str, float]:
        """The parameters, by their names in a scenario (``median``, ``sigma``, …)."""
        raise NotImplementedError

    @staticmethod
    def _draw(rng: np.random.Generator, size, **p) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _scipy(**p) -> Any:
        raise NotImplementedError

    def _with(self, values: dict[str, np.ndarray]) -> dict[str, Any]:
        extra = set(values) - set(SHAPE_PARAMETERS.get(self.dist, ()))
        if extra:
            raise ValueError(f"{self.dist} has no per-replication parameter {sorted(extra)}")
        return {**self._params(), **values}

    def sample_with(self, rng: np.random.Generator, size: int | tuple[int, ...],
                    values: dict[str, np.ndarray]) -> np.ndarray:
        """Draw ``size`` values with the parameters in ``values`` replaced by arrays that
        broadcast against ``size`` (each a valid value). Same stream use as :meth:`sample`.

        Raises ``ValueError`` for a parameter not in :data:`SHAPE_PARAMETERS`.
        """
        if not values:
            return self.sample(rng, size)
        return self._draw(rng, size, **self._with(values))

    def residual_with(self, u: np.ndarray, elapsed, values: dict[str, np.ndarray]) -> np.ndarray:
        """:meth:`residual` with the parameters in ``values`` replaced by arrays."""
        if not values:
            return self.residual(u, elapsed)
        return _residual(self._scipy(**self._with(values)), u, elapsed)

    def equilibrium_residual_with(self, u: np.ndarray,
                                  values: dict[str, np.ndarray]) -> np.ndarray:
        """:meth:`equilibrium_residual` with the parameters in ``values`` replaced by arrays.

        Inverts the equilibrium CDF F_e(r) = (r·S(r) + E[X; X ≤ r]) / E[X] by bisection
        (to 2⁻⁵⁰ of the bracket) instead of a table: the table is per distribution, and
        here every replication has its own.
        """
        if not values:
            return self.equilibrium_residual(u)
        p = self._with(values)
        v = 1.0 - np.asarray(u, dtype=float)
        mean = np.broadcast_to(self._mean_of(**p), v.shape)

        def cdf(r):
            tail, partial = self._tail_partial(r, **p)
            return (r * tail + partial) / mean

        lo = np.zeros(v.shape)
        hi = np.array(mean, dtype=float)
        for _ in range(1100):  # doubling past the largest float is impossible: F_e reaches 1
            short = cdf(hi) < v
            if not short.any():
                break
            hi = np.where(short, hi * 2.0, hi)
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            below = cdf(mid) < v
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    @staticmethod
    def _mean_of(**p):
        raise NotImplementedError

    @staticmethod
    def _tail_partial(r, **p):
        """(S(r), E[X; X ≤ r]) for parameters ``p`` (arrays broadcast)."""
        raise NotImplementedError

    def median(self) -> float:
        """Median of the distribution."""
        return float(self.to_scipy().median())

    def mean(self) -> float:
        """Mean of the distribution."""
        return float(self.to_scipy().mean())

    def quantile(self, q: float) -> float:
        """The q-quantile (0 < q < 1), in the distribution's units (years for durations)."""
        return float(self.to_scipy().ppf(q))

    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take."""
        lo, hi = self.to_scipy().support()
        return float(lo), float(hi)

    def to_scipy(self) -> Any:
        """The equivalent frozen ``scipy.stats`` distribution (built once per object: an
        empirical one of a posterior's 4,000 draws takes tens of milliseconds)."""
        held = _FROZEN.get(id(self))
        if held is not None and held[0] is self:
            _FROZEN.move_to_end(id(self))
            return held[1]
        frozen = self._scipy(**self._params())
        _FROZEN[id(self)] = (self, frozen)  # holding self keeps its id from being reused
        if len(_FROZEN) > _FROZEN_MAX:
            _FROZEN.popitem(last=False)
        return frozen

    def residual(self, u: np.ndarray, elapsed: float | np.ndarray) -> np.ndarray:
        """Remaining years of a duration that has already lasted ``elapsed`` years.

        The residual life R given X > e has P(R > r) = S(e + r) / S(e), S the survival
        function; it is drawn by inversion, R = S⁻¹(u · S(e)) − e, with ``u`` uniform on
        (0, 1] (one per draw, so common random numbers carry over). Where S(e) = 0 (a
        bounded duration already overrun) the remainder is 0: the stage ends at once.
        Not the original distribution minus e, nor a rescaled one: with heavy tails an
        overdue project's remaining time is longer than a fresh one's median.
        """
        return _residual(self.to_scipy(), u, elapsed)

    def equilibrium_residual(self, u: np.ndarray) -> np.ndarray:
        """Remaining years of a duration under way for an unknown time (equilibrium residual).

        A project seen in progress at a random moment, its start unknown, has been caught
        by length-biased sampling: its age A has density S(a) / E[X], and so has its
        remaining time R (the renewal-theory equilibrium, or stationary excess,
        distribution; E[R] = E[X²] / 2E[X]). Drawn by inverting F_e(r) = ∫₀ʳ S / E[X] on
        a grid of 4,097 quantiles of X, evenly spaced in logit(q) (dense where the mass
        is and far into both tails), with
        ``u`` uniform on (0, 1] as in :meth:`residual`.
        """
        u = np.asarray(u, dtype=float)
        x, cdf = self._equilibrium_table()
        return np.interp(1.0 - u, cdf, x)

    def _equilibrium_table(self) -> tuple[np.ndarray, np.ndarray]:
        table = _EQUILIBRIUM.get(self)
        if table is None:
            dist = self.to_scipy()
            q = 1.0 / (1.0 + np.exp(-np.linspace(-20.0, 20.0, 4097)))  # dense in both tails
            x = np.unique(np.concatenate([[0.0], np.maximum(dist.ppf(q), 0.0)]))
            survival = dist.sf(x)
            area = np.concatenate([[0.0], np.cumsum(np.diff(x) * (survival[1:] + survival[:-1])
                                                    / 2)])
            table = _EQUILIBRIUM[self] = (x, area / area[-1])
        return table

    def nominal_value(self) -> float:
        """``nominal`` if given, else the median."""
        return float(self.nominal) if self.nominal is not None else self.median()


class Fixed(_Base):
    """Always ``value``. A bare number in a scenario means ``fixed``."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def sample(self, rng, size):  # noqa: D102
        return np.full(size, float(self.value))

    def median(self) -> float:  # noqa: D102
        return float(self.value)

    def mean(self) -> float:  # noqa: D102
        return float(self.value)

    def support(self) -> tuple[float, float]:  # noqa: D102
        return float(self.value), float(self.value)

    def to_scipy(self):  # noqa: D102
        return stats.uniform(loc=self.value, scale=0.0)

    def equilibrium_residual(self, u):  # noqa: D102 — uniform on (0, value]
        return float(self.value) * np.asarray(u, dtype=float)

    def quantile(self, q: float) -> float:  # noqa: D102
        return float(self.value)

    def residual(self, u, elapsed):  # noqa: D102 — what is left of a fixed duration
        u = np.asarray(u, dtype=float)
        return np.maximum(float(self.value) - np.broadcast_to(elapsed, u.shape), 0.0)


class Uniform(_Base):
    """Uniform on [min, max]."""

    dist: Literal["uniform"]
    min: float
    max: float

    @model_validator(mode="after")
    def _order(self):
        if not self.max > self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        return self

    def _params(self):
        return {"min": self.min, "max": self.max}

    @staticmethod
    def _draw(rng, size, min, max):  # noqa: A002 — the scenario's names
        return min + (max - min) * rng.random(size)

    @staticmethod
    def _scipy(min, max):  # noqa: A002
        return stats.uniform(loc=min, scale=max - min)

    @staticmethod
    def _mean_of(min, max):  # noqa: A002
        return 0.5 * (min + max)

    @staticmethod
    def _tail_partial(r, min, max):  # noqa: A002
        x = np.clip(r, min, max)
        return (max - x) / (max - min), (x * x - min * min) / (2.0 * (max - min))

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return float(self.min), float(self.max)


class _ThreePoint(_Base):
    min: float
    mode: float
    max: float

    @model_validator(mode="after")
    def _order(self):
        if not self.max > self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        if not self.min <= self.mode <= self.max:
            raise ValueError(f"mode ({self.mode}) must lie between min and max")
        return self

    def _params(self):
        return {"min": self.min, "mode": self.mode, "max": self.max}

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return float(self.min), float(self.max)


class Triangular(_ThreePoint):
    """Triangular on [min, max] with peak at ``mode``."""

    dist: Literal["triangular"]

    @staticmethod
    def _draw(rng, size, min, mode, max):  # noqa: A002
        return rng.triangular(min, mode, max, size)

    @staticmethod
    def _scipy(min, mode, max):  # noqa: A002
        width = max - min
        return stats.triang((mode - min) / width, loc=min, scale=width)

    @staticmethod
    def _mean_of(min, mode, max):  # noqa: A002
        return (min + mode + max) / 3.0

    @staticmethod
    def _tail_partial(r, min, mode, max):  # noqa: A002 — the triangle's two pieces
        a, c, b = min, mode, max
        x = np.clip(r, a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            rising = (x <= c) & (c > a)  # a triangle with mode = min has no rising piece
            left = np.where(rising, (x - a) ** 2 / ((b - a) * (c - a)), 0.0)
            part_left = np.where(rising, (x - a) ** 2 * (2 * x + a) / (3 * (b - a) * (c - a)), 0.0)
            upper = np.where(rising, 0.0, (b - x) ** 2 / ((b - a) * (b - c)))
            part_c = (c - a) * (2 * c + a) / (3 * (b - a))  # E[X; X ≤ mode]
            part_right = np.where(rising, 0.0, part_c + 2 * (x - c) * (b * (x + c) / 2 - (
                x * x + x * c + c * c) / 3) / ((b - a) * (b - c)))
        return np.where(rising, 1.0 - left, upper), np.where(rising, part_left, part_right)


class Pert(_ThreePoint):
    """Beta-PERT on [min, max] with ``mode`` (shape weight 4, the classic PERT)."""

    dist: Literal["pert"]

    @staticmethod
    def _shapes_of(min, mode, max):  # noqa: A002
        width = max - min
        return 1 + 4 * (mode - min) / width, 1 + 4 * (max - mode) / width

    @staticmethod
    def _draw(rng, size, min, mode, max):  # noqa: A002
        a, b = Pert._shapes_of(min, mode, max)
        return min + (max - min) * rng.beta(a, b, size)

    @staticmethod
    def _scipy(min, mode, max):  # noqa: A002
        a, b = Pert._shapes_of(min, mode, max)
        return stats.beta(a, b, loc=min, scale=max - min)

    @staticmethod
    def _mean_of(min, mode, max):  # noqa: A002
        return (min + 4 * mode + max) / 6.0

    @staticmethod
    def _tail_partial(r, min, mode, max):  # noqa: A002
        a, b = Pert._shapes_of(min, mode, max)
        return _beta_tail_partial(r, min, max - min, a, b)


class Lognormal(_Base):
    """Lognormal with the given ``median`` and ``sigma`` (standard deviation of ln)."""

    dist: Literal["lognormal"]
    median_: float = Field(alias="median", gt=0)
    sigma: float = Field(ge=0)

    model_config = ConfigDict(**_MODEL_CONFIG, populate_by_name=True)

    def _params(self):
        return {"median": self.median_, "sigma": self.sigma}

    @staticmethod
    def _draw(rng, size, median, sigma):
        return median * np.exp(sigma * rng.standard_normal(size))

    def median(self) -> float:  # noqa: D102
        return float(self.median_)

    @staticmethod
    def _scipy(median, sigma):
        return stats.lognorm(np.maximum(sigma, 1e-300), scale=median)

    @staticmethod
    def _mean_of(median, sigma):
        return median * np.exp(0.5 * sigma * sigma)

    @staticmethod
    def _tail_partial(r, median, sigma):
        from scipy.special import ndtr

        s = np.maximum(sigma, 1e-300)
        with np.errstate(divide="ignore"):
            z = (np.log(r) - np.log(median)) / s
        return ndtr(-z), median * np.exp(0.5 * s * s) * ndtr(z - s)

    def residual(self, u, elapsed):  # noqa: D102 — in z-space, exact far into the tail
        return self._residual_of(u, elapsed, self.median_, self.sigma)

    def residual_with(self, u, elapsed, values):  # noqa: D102
        p = self._with(values)
        return self._residual_of(u, elapsed, p["median"], p["sigma"])

    @staticmethod
    def _residual_of(u, elapsed, median, sigma):
        from scipy.special import log_ndtr, ndtri, ndtri_exp

        u = np.asarray(u, dtype=float)
        e = np.broadcast_to(np.asarray(elapsed, dtype=float), u.shape)
        sigma = np.asarray(sigma, dtype=float)
        s = np.where(sigma > 0, sigma, 1.0)  # σ = 0 is a fixed duration: handled below
        with np.errstate(divide="ignore"):
            z_e = (np.log(e) - np.log(median)) / s  # -inf for e = 0
        # S(x) = Φ(−z): solve Φ(−z) = u · Φ(−z_e) in logs, so tiny tails keep their digits.
        # Below log S = −700 exp() would underflow to 0 and ndtri(0) is −inf (an endless
        # stage, which the two engines would book differently): invert the log there.
        y = np.log(u) + log_ndtr(-z_e)
        with np.errstate(under="ignore"):
            z = np.where(y > -700.0, -ndtri(np.exp(y)), -ndtri_exp(np.minimum(y, 0.0)))
        return np.where(sigma > 0, np.maximum(median * np.exp(s * z) - e, 0.0),
                        np.maximum(median - e, 0.0))

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return 0.0, math.inf


class _MeanSd(_Base):
    """Parametrised by ``mean`` and ``sd`` (fields ``mean_`` and ``sd`` of the subclass)."""

    def _params(self):
        return {"mean": self.mean_, "sd": self.sd}

    @staticmethod
    def _mean_of(mean, sd):
        return mean

    def mean(self) -> float:  # noqa: D102
        return float(self.mean_)


class Gamma(_MeanSd):
    """Gamma with the given ``mean`` and ``sd``."""

    dist: Literal["gamma"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    model_config = ConfigDict(**_MODEL_CONFIG, populate_by_name=True)

    @staticmethod
    def _shape_scale_of(mean, sd):
        return (mean / sd) ** 2, sd**2 / mean

    @staticmethod
    def _draw(rng, size, mean, sd):
        k, theta = Gamma._shape_scale_of(mean, sd)
        return theta * rng.standard_gamma(k, size)

    @staticmethod
    def _scipy(mean, sd):
        k, theta = Gamma._shape_scale_of(mean, sd)
        return stats.gamma(k, scale=theta)

    @staticmethod
    def _tail_partial(r, mean, sd):
        from scipy.special import gammainc, gammaincc

        k, theta = Gamma._shape_scale_of(mean, sd)
        x = np.maximum(r, 0.0) / theta
        return gammaincc(k, x), mean * gammainc(k + 1.0, x)

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return 0.0, math.inf


class Exponential(_Base):
    """Exponential with the given ``mean``."""

    dist: Literal["exponential"]
    mean_: float = Field(alias="mean", gt=0)

    model_config = ConfigDict(**_MODEL_CONFIG, populate_by_name=True)

    def sample(self, rng, size):  # noqa: D102
        return self.mean_ * rng.standard_exponential(size)

    def median(self) -> float:  # noqa: D102
        return float(self.mean_ * math.log(2.0))

    def mean(self) -> float:  # noqa: D102
        return float(self.mean_)

    def to_scipy(self):  # noqa: D102
        return stats.expon(scale=self.mean_)

    def equilibrium_residual(self, u):  # noqa: D102 — memoryless: the same exponential
        return self.residual(u, 0.0)

    def residual(self, u, elapsed):  # noqa: D102 — memoryless: the elapsed time is forgotten
        u = np.asarray(u, dtype=float)
        return -self.mean_ * np.log(u) + 0.0 * np.broadcast_to(elapsed, u.shape)

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return 0.0, math.inf


class Beta(_MeanSd):
    """Beta on [0, 1] with the given ``mean`` and ``sd`` (meant for yields)."""

    dist: Literal["beta"]
    mean_: float = Field(alias="mean", gt=0, lt=1)
    sd: float = Field(gt=0)

    model_config = ConfigDict(**_MODEL_CONFIG, populate_by_name=True)

    @model_validator(mode="after")
    def _feasible(self):
        limit = math.sqrt(self.mean_ * (1 - self.mean_))
        if not self.sd < limit:
            raise ValueError(
                f"sd ({self.sd}) must be below sqrt(mean*(1-mean)) = {limit:.4g} for a beta"
            )
        return self

    @staticmethod
    def _shapes_of(mean, sd):
        nu = mean * (1 - mean) / sd**2 - 1
        return mean * nu, (1 - mean) * nu

    @staticmethod
    def _draw(rng, size, mean, sd):
        a, b = Beta._shapes_of(mean, sd)
        return rng.beta(a, b, size)

    @staticmethod
    def _scipy(mean, sd):
        return stats.beta(*Beta._shapes_of(mean, sd))

    @staticmethod
    def _tail_partial(r, mean, sd):
        a, b = Beta._shapes_of(mean, sd)
        return _beta_tail_partial(r, 0.0, 1.0, a, b)

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return 0.0, 1.0


class Empirical(_Base):
    """Equally likely ``values`` (drawn with replacement)."""

    dist: Literal["empirical"]
    values: list[float] = Field(min_length=1)

    def sample(self, rng, size):  # noqa: D102
        values = np.asarray(self.values, dtype=float)
        return values[rng.integers(0, len(values), size)]

    def median(self) -> float:  # noqa: D102
        return float(np.median(self.values))

    def mean(self) -> float:  # noqa: D102
        return float(np.mean(self.values))

    def support(self) -> tuple[float, float]:  # noqa: D102
        return float(min(self.values)), float(max(self.values))

    def residual(self, u, elapsed):  # noqa: D102 — equally likely among the values left
        u = np.asarray(u, dtype=float)
        e = np.broadcast_to(np.asarray(elapsed, dtype=float), u.shape)
        values = np.sort(np.asarray(self.values, dtype=float))
        n = values.size
        first = np.searchsorted(values, e, side="right")  # values > e start here
        left = n - first
        pick = first + np.minimum(np.floor((1.0 - u) * left), np.maximum(left - 1, 0))
        chosen = values[np.clip(pick.astype(np.int64), 0, n - 1)]
        return np.where(left > 0, chosen - e, 0.0)

    def quantile(self, q: float) -> float:  # noqa: D102 — the inverse of the step CDF
        return float(np.quantile(np.asarray(self.values, dtype=float), q, method="inverted_cdf"))

    def equilibrium_residual(self, u):  # noqa: D102 — a value picked ∝ its length, then U·x
        v = 1.0 - np.asarray(u, dtype=float)  # in [0, 1)
        values = np.asarray(self.values, dtype=float)
        weight = np.cumsum(values) / values.sum()
        i = np.minimum(np.searchsorted(weight, v, side="right"), values.size - 1)
        below = np.where(i > 0, weight[np.maximum(i - 1, 0)], 0.0)
        within = (v - below) / (weight[i] - below)  # uniform on [0, 1) given i
        return values[i] * (1.0 - within)

    def to_scipy(self):  # noqa: D102
        values, counts = np.unique(np.asarray(self.values, dtype=float), return_counts=True)
        return _EmpiricalScipy(values, counts / counts.sum())


class _EmpiricalScipy:
    """Just enough of a frozen scipy distribution for a discrete set of values."""

    def __init__(self, values: np.ndarray, probs: np.ndarray):
        self.values, self.probs = values, probs

    def cdf(self, x):
        cumulative = np.concatenate([[0.0], np.cumsum(self.probs)])
        return cumulative[np.searchsorted(self.values, np.asarray(x, dtype=float), side="right")]

    def mean(self):
        return float(self.values @ self.probs)

    def support(self):
        return float(self.values[0]), float(self.values[-1])


DIST_TYPES: dict[str, type[_Base]] = {
    "fixed": Fixed,
    "uniform": Uniform,
    "triangular": Triangular,
    "pert": Pert,
    "lognormal": Lognormal,
    "gamma": Gamma,
    "exponential": Exponential,
    "beta": Beta,
    "empirical": Empirical,
}

Distribution = Annotated[
    Fixed | Uniform | Triangular | Pert | Lognormal | Gamma | Exponential | Beta | Empirical,
    Field(discriminator="dist"),
]


def _number_means_fixed(value: Any) -> Any:
    # bool is an int subclass; `yes` in YAML must not silently become 1.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


DistributionSpec = Annotated[
    Distribution,
    BeforeValidator(
        _number_means_fixed,
        json_schema_input_type=Union[float, Distribution],  # noqa: UP007 — runtime Union
    ),
]
"""A distribution, or a bare number meaning ``{dist: fixed, value: number}``."""
