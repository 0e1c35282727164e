"""Each sampler draws from the distribution it claims (KS / chi-square at fixed seeds)."""

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from simulator.inputs.distributions import DistributionSpec

ADAPTER = TypeAdapter(DistributionSpec)
N = 20_000

CONTINUOUS = [
    {"dist": "uniform", "min": 1.0, "max": 3.0},
    {"dist": "triangular", "min": 0.5, "mode": 1.0, "max": 4.0},
    {"dist": "pert", "min": 0.5, "mode": 1.0, "max": 4.0},
    {"dist": "lognormal", "median": 2.0, "sigma": 0.6},
    {"dist": "gamma", "mean": 1.5, "sd": 0.8},
    {"dist": "exponential", "mean": 2.0},
    {"dist": "beta", "mean": 0.9, "sd": 0.05},
]


@pytest.mark.parametrize("spec", CONTINUOUS, ids=lambda s: s["dist"])
def test_sampler_matches_scipy_distribution(spec):
    dist = ADAPTER.validate_python(spec)
    x = dist.sample(np.random.default_rng(1), N)
    # KS at α = 0.001: the statistic's sampling error at n = 20,000 decides the tolerance.
    assert stats.kstest(x, dist.to_scipy().cdf).pvalue > 1e-3
    assert abs(x.mean() - dist.mean()) < 4 * x.std() / math.sqrt(N)
    lo, hi = dist.support()
    assert x.min() >= lo and x.max() <= hi


@pytest.mark.parametrize("spec", CONTINUOUS, ids=lambda s: s["dist"])
def test_median_is_the_distribution_median(spec):
    dist = ADAPTER.validate_python(spec)
    assert dist.median() == pytest.approx(float(dist.to_scipy().ppf(0.5)), rel=1e-9)
    assert dist.nominal_value() == dist.median()
    with_nominal = ADAPTER.validate_python({**spec, "nominal": 0.7})
    assert with_nominal.nominal_value() == 0.7


def test_known_medians():
    assert ADAPTER.validate_python({"dist": "exponential", "mean": 2}).median() == pytest.approx(
        2 * math.log(2)
    )
    assert ADAPTER.validate_python({"dist": "lognormal", "median": 3, "sigma": 1}).median() == 3
    assert ADAPTER.validate_python({"dist": "uniform", "min": 1, "max": 2}).median() == 1.5


def test_empirical_frequencies():
    dist = ADAPTER.validate_python({"dist": "empirical", "values": [1, 2, 2, 5]})
    x = dist.sample(np.random.default_rng(2), N)
    counts = np.array([(x == v).sum() for v in (1, 2, 5)])
    assert counts.sum() == N
    assert stats.chisquare(counts, N * np.array([0.25, 0.5, 0.25])).pvalue > 1e-3
    assert dist.median() == 2.0 and dist.support() == (1.0, 5.0)
    assert dist.to_scipy().cdf(2.0) == pytest.approx(0.75)


def test_bare_number_means_fixed():
    dist = ADAPTER.validate_python(2.5)
    assert dist.dist == "fixed" and dist.value == 2.5
    assert np.all(dist.sample(np.random.default_rng(0), 5) == 2.5)


def test_location_scale_changes_keep_the_same_underlying_draws():
    a = ADAPTER.validate_python({"dist": "lognormal", "median": 2.0, "sigma": 0.5})
    b = ADAPTER.validate_python({"dist": "lognormal", "median": 3.0, "sigma": 0.5})
    xa = a.sample(np.random.default_rng(3), 100)
    xb = b.sample(np.random.default_rng(3), 100)
    np.testing.assert_allclose(xb, 1.5 * xa)


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ({"dist": "uniform", "min": 3, "max": 1}, "greater than min"),
        ({"dist": "triangular", "min": 0, "mode": 5, "max": 4}, "between min and max"),
        ({"dist": "beta", "mean": 0.5, "sd": 0.6}, "must be below"),
        ({"dist": "lognormal", "median": 2, "sigma": -1}, "greater than or equal"),
        ({"dist": "empirical", "values": []}, "at least 1"),
        (True, "valid dictionary"),
    ],
)
def test_invalid_parameters_are_rejected(spec, fragment):
    with pytest.raises(ValidationError, match=fragment):
        ADAPTER.validate_python(spec)
