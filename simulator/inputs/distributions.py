"""Probability distributions of the scenario format (durations in years, yields as fractions).

Each distribution is a frozen pydantic model tagged by ``dist``. It knows how to draw
samples from a numpy ``Generator``, its median (the default *nominal* value used to
schedule a project), its support, and its scipy equivalent (used by the tests to check
the samplers). Samplers transform standard variates (``standard_normal``, ``random``)
where they can, so that changing a location or scale parameter keeps the same
underlying draws: that gives common random numbers across sweep points.
"""

from __future__ import annotations

import math
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
]

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


_EQUILIBRIUM: dict = {}
"""Distribution → (grid, equilibrium CDF) for :meth:`_Base.equilibrium_residual`."""


class _Base(BaseModel):
    model_config = _MODEL_CONFIG

    nominal: float | None = Field(
        None, gt=0, description="Value used to schedule projects; default: the median."
    )

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draw ``size`` values."""
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
        """The equivalent frozen ``scipy.stats`` distribution."""
        raise NotImplementedError

    def residual(self, u: np.ndarray, elapsed: float | np.ndarray) -> np.ndarray:
        """Remaining years of a duration that has already lasted ``elapsed`` years.

        The residual life R given X > e has P(R > r) = S(e + r) / S(e), S the survival
        function; it is drawn by inversion, R = S⁻¹(u · S(e)) − e, with ``u`` uniform on
        (0, 1] (one per draw, so common random numbers carry over). Where S(e) = 0 (a
        bounded duration already overrun) the remainder is 0: the stage ends at once.
        Not the original distribution minus e, nor a rescaled one: with heavy tails an
        overdue project's remaining time is longer than a fresh one's median.
        """
        u = np.asarray(u, dtype=float)
        e = np.broadcast_to(np.asarray(elapsed, dtype=float), u.shape)
        dist = self.to_scipy()
        tail = dist.sf(e)
        with np.errstate(invalid="ignore"):
            x = dist.isf(u * tail)
        return np.where(tail > 0, np.maximum(x - e, 0.0), 0.0)

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

    def sample(self, rng, size):  # noqa: D102
        return self.min + (self.max - self.min) * rng.random(size)

    def to_scipy(self):  # noqa: D102
        return stats.uniform(loc=self.min, scale=self.max - self.min)

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

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return float(self.min), float(self.max)


class Triangular(_ThreePoint):
    """Triangular on [min, max] with peak at ``mode``."""

    dist: Literal["triangular"]

    def sample(self, rng, size):  # noqa: D102
        return rng.triangular(self.min, self.mode, self.max, size)

    def to_scipy(self):  # noqa: D102
        width = self.max - self.min
        return stats.triang((self.mode - self.min) / width, loc=self.min, scale=width)


class Pert(_ThreePoint):
    """Beta-PERT on [min, max] with ``mode`` (shape weight 4, the classic PERT)."""

    dist: Literal["pert"]

    def _shapes(self) -> tuple[float, float]:
        width = self.max - self.min
        return 1 + 4 * (self.mode - self.min) / width, 1 + 4 * (self.max - self.mode) / width

    def sample(self, rng, size):  # noqa: D102
        a, b = self._shapes()
        return self.min + (self.max - self.min) * rng.beta(a, b, size)

    def to_scipy(self):  # noqa: D102
        a, b = self._shapes()
        return stats.beta(a, b, loc=self.min, scale=self.max - self.min)


class Lognormal(_Base):
    """Lognormal with the given ``median`` and ``sigma`` (standard deviation of ln)."""

    dist: Literal["lognormal"]
    median_: float = Field(alias="median", gt=0)
    sigma: float = Field(ge=0)

    model_config = ConfigDict(**_MODEL_CONFIG, populate_by_name=True)

    def sample(self, rng, size):  # noqa: D102
        return self.median_ * np.exp(self.sigma * rng.standard_normal(size))

    def median(self) -> float:  # noqa: D102
        return float(self.median_)

    def to_scipy(self):  # noqa: D102
        return stats.lognorm(max(self.sigma, 1e-300), scale=self.median_)

    def residual(self, u, elapsed):  # noqa: D102 — in z-space, exact far into the tail
        from scipy.special import ndtri, log_ndtr

        u = np.asarray(u, dtype=float)
        e = np.broadcast_to(np.asarray(elapsed, dtype=float), u.shape)
        if self.sigma == 0:
            return np.maximum(self.median_ - e, 0.0)
        with np.errstate(divide="ignore"):
            z_e = (np.log(e) - math.log(self.median_)) / self.sigma  # -inf for e = 0
        # S(x) = Φ(−z): solve Φ(−z) = u · Φ(−z_e) in logs, so tiny tails keep their digits
        z = -ndtri(np.exp(np.log(u) + log_ndtr(-z_e)))
        return np.maximum(self.median_ * np.exp(self.sigma * z) - e, 0.0)

    def support(self) -> tuple[float, float]:  # noqa: D102 — closed form: no scipy import
        return 0.0, math.inf


class Gamma(_Base):
    """Gamma with the given ``mean`` and ``sd``."""

    dist: Literal["gamma"]
    mean_: float = Field(alias="mean", gt=0)
    sd: float = Field(gt=0)

    model_config = ConfigDict(**_MODEL_CONFIG, populate_by_name=True)

    def _shape_scale(self) -> tuple[float, float]:
        return (self.mean_ / self.sd) ** 2, self.sd**2 / self.mean_

    def sample(self, rng, size):  # noqa: D102
        k, theta = self._shape_scale()
        return theta * rng.standard_gamma(k, size)

    def mean(self) -> float:  # noqa: D102
        return float(self.mean_)

    def to_scipy(self):  # noqa: D102
        k, theta = self._shape_scale()
        return stats.gamma(k, scale=theta)

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


class Beta(_Base):
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

    def _shapes(self) -> tuple[float, float]:
        m = self.mean_
        nu = m * (1 - m) / self.sd**2 - 1
        return m * nu, (1 - m) * nu

    def sample(self, rng, size):  # noqa: D102
        a, b = self._shapes()
        return rng.beta(a, b, size)

    def mean(self) -> float:  # noqa: D102
        return float(self.mean_)

    def to_scipy(self):  # noqa: D102
        return stats.beta(*self._shapes())

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
