"""Residual life: the remaining duration of a stage that has already lasted e years.

For survival function S the remainder R has P(R > r) = S(e + r) / S(e). The draw inverts
that exactly, so S(e + R(u)) / S(e) = u holds for every u — checked on a grid, not by
sampling — and Monte Carlo checks compare the drawn distribution with the closed form.
"""

import math

import numpy as np
import pytest
from conftest import mc_tolerance
from pydantic import TypeAdapter
from scipy import stats

from simulator.inputs.distributions import DistributionSpec

SPEC = TypeAdapter(DistributionSpec)
U = np.linspace(0.001, 1.0, 400)

CONTINUOUS = [
    {"dist": "lognormal", "median": 2.0, "sigma": 0.6},
    {"dist": "gamma", "mean": 3.0, "sd": 1.5},
    {"dist": "uniform", "min": 1.0, "max": 4.0},
    {"dist": "triangular", "min": 1.0, "mode": 2.0, "max": 5.0},
    {"dist": "pert", "min": 1.0, "mode": 2.0, "max": 5.0},
    {"dist": "exponential", "mean": 2.5},
]


@pytest.mark.parametrize("spec", CONTINUOUS, ids=lambda s: s["dist"])
@pytest.mark.parametrize("elapsed", [0.0, 0.5, 2.0, 3.5])
def test_inversion_is_exact(spec, elapsed):
    dist = SPEC.validate_python(spec)
    ref = dist.to_scipy()
    if ref.sf(elapsed) == 0:
        pytest.skip("a bounded duration already overrun")
    r = dist.residual(U, elapsed)
    assert np.all(r >= 0)
    np.testing.assert_allclose(ref.sf(elapsed + r) / ref.sf(elapsed), U, rtol=1e-6, atol=1e-9)


def test_exponential_is_memoryless():
    dist = SPEC.validate_python({"dist": "exponential", "mean": 2.5})
    for e in (0.0, 1.0, 40.0):
        np.testing.assert_allclose(dist.residual(U, e), -2.5 * np.log(U))


@pytest.mark.parametrize("elapsed", [0.5, 2.0])
def test_uniform_remainder_is_uniform_on_what_is_left(elapsed):
    a, b = 1.0, 4.0
    dist = SPEC.validate_python({"dist": "uniform", "min": a, "max": b})
    r = dist.residual(U, elapsed)
    low = max(a - elapsed, 0.0)
    np.testing.assert_allclose(r, (b - elapsed) - U * ((b - elapsed) - low))


def test_lognormal_matches_its_closed_form_by_monte_carlo():
    m, s, e = 2.0, 0.6, 3.0
    dist = SPEC.validate_python({"dist": "lognormal", "median": m, "sigma": s})
    rng = np.random.default_rng(7)
    n = 200_000
    r = dist.residual(1.0 - rng.random(n), e)  # u on (0, 1]
    ref = stats.lognorm(s, scale=m)
    for q in (0.5, 1.0, 2.0, 5.0):
        expected = 1 - ref.sf(e + q) / ref.sf(e)
        got = float(np.mean(r <= q))
        assert abs(got - expected) <= mc_tolerance(expected, n), (q, got, expected)


def test_an_overdue_project_keeps_time_to_go():
    half = np.array([0.5])
    dist = SPEC.validate_python({"dist": "lognormal", "median": 2.0, "sigma": 0.6})
    assert float(dist.residual(half, 0.0)[0]) == pytest.approx(2.0)  # fresh: the median
    overdue = float(dist.residual(half, 6.0)[0])  # three times the median already
    assert overdue > max(2.0 - 6.0, 0.0) + 1.0  # "minus the elapsed time" would say 0
    heavy = SPEC.validate_python({"dist": "lognormal", "median": 2.0, "sigma": 1.2})
    assert float(heavy.residual(half, 6.0)[0]) > 2.0  # heavy tail: longer than a fresh one
    far = dist.residual(np.array([0.5, 1e-6]), 2.0 * math.exp(0.6 * 9))  # 9 σ into the tail
    assert np.all(np.isfinite(far)) and np.all(far > 0)


def test_closed_form_lognormal_equals_the_generic_inversion():
    dist = SPEC.validate_python({"dist": "lognormal", "median": 2.0, "sigma": 0.6})
    for e in (0.0, 1.0, 5.0):
        ref = dist.to_scipy()
        generic = ref.isf(U * ref.sf(e)) - e
        np.testing.assert_allclose(dist.residual(U, e), generic, rtol=1e-7, atol=1e-9)


def test_lognormal_far_past_its_tail_has_a_finite_remainder():
    """A pipeline project 12× its median old with σ = 0.05 is 47 σ into the tail: S(e) is
    e^-1108, below what a double holds. The remainder must still be finite (an endless
    stage is booked as dropped by one engine and as late by the other). It must still
    invert the tail exactly, ln S(e + R) − ln S(e) = ln u (in logs, which hold it), and
    be near the tail's closed form: given Z > z_e, Z − z_e is exponential with rate z_e as
    z_e → ∞ (Mills' ratio), so R ≈ e·(exp(σ·(−ln u)/z_e) − 1), to a relative
    O((1 − ln u)/z_e²)."""
    from scipy.special import log_ndtr

    spec = SPEC.validate_python({"dist": "lognormal", "median": 0.5, "sigma": 0.05})
    u = np.array([0.9, 0.5, 0.1, 1e-6])
    got = spec.residual(u, 6.0)
    assert np.all(np.isfinite(got)) and np.all(got > 0)
    z_e = math.log(6.0 / 0.5) / 0.05
    z = np.log((6.0 + got) / 0.5) / 0.05
    assert log_ndtr(-z) - log_ndtr(-z_e) == pytest.approx(np.log(u), abs=1e-6)
    tail = 6.0 * np.expm1(0.05 * -np.log(u) / z_e)
    assert np.all(np.abs(got / tail - 1) <= (1 - np.log(u)) / z_e**2)
    assert spec.residual(np.array([1.0]), 6.0)[0] == pytest.approx(0.0, abs=1e-12)


def test_fixed_and_empirical():
    fixed = SPEC.validate_python(2.0)
    np.testing.assert_allclose(fixed.residual(U[:3], 0.5), 1.5)
    np.testing.assert_allclose(fixed.residual(U[:3], 3.0), 0.0)  # overrun: ends at once
    emp = SPEC.validate_python({"dist": "empirical", "values": [1.0, 2.0, 4.0, 8.0]})
    left = emp.residual((np.arange(999) + 0.5) / 999, 1.5)  # 2, 4 and 8 remain
    assert set(np.round(left, 9)) == {0.5, 2.5, 6.5}
    counts = [np.sum(np.isclose(left, v)) for v in (0.5, 2.5, 6.5)]
    assert max(counts) - min(counts) <= 2  # equally likely
    np.testing.assert_allclose(emp.residual(U[:3], 9.0), 0.0)


def test_the_same_u_gives_the_same_remainder():
    dist = SPEC.validate_python({"dist": "gamma", "mean": 3.0, "sd": 1.5})
    np.testing.assert_array_equal(dist.residual(U, 1.0), dist.residual(U.copy(), 1.0))


@pytest.mark.parametrize(("spec", "mean"), [
    ({"dist": "exponential", "mean": 2.0}, 2.0),  # memoryless: the same exponential
    ({"dist": "uniform", "min": 1.0, "max": 3.0}, (1 + 3 + 9) / (3 * 4)),  # E[X²] / 2E[X]
    ({"dist": "lognormal", "median": 2.0, "sigma": 0.6}, math.exp(1.5 * 0.36)),
    ({"dist": "gamma", "mean": 3.0, "sd": 1.5}, (1.5**2 + 3.0**2) / (2 * 3.0)),
    ({"dist": "empirical", "values": [1.0, 3.0]}, (1 + 9) / 2 / 4),
    ({"dist": "fixed", "value": 2.0}, 1.0),
])
def test_equilibrium_residual_has_mean_ex2_over_2ex(spec, mean):
    """Unknown time in stage: the renewal-theory stationary excess, E[R] = E[X²] / 2E[X]."""
    u = 1.0 - np.random.default_rng(5).random(200_000)
    r = SPEC.validate_python(spec).equilibrium_residual(u)
    assert r.min() >= 0
    assert abs(r.mean() - mean) <= 4 * r.std() / math.sqrt(r.size) + 2e-3 * mean


def test_equilibrium_residual_cdf_of_the_uniform():
    # uniform(2, 6): F_e(r) = r/4 for r ≤ 2, then (2 + ∫₂ʳ (6 − x)/4 dx) / 4
    dist = SPEC.validate_python({"dist": "uniform", "min": 2.0, "max": 6.0})
    r = dist.equilibrium_residual(1.0 - np.linspace(0.0, 0.999, 1000))
    exact = np.where(r <= 2, r / 4, (2 + (6 * r - r**2 / 2 - 10) / 4) / 4)
    np.testing.assert_allclose(exact, np.linspace(0.0, 0.999, 1000), atol=1e-4)
