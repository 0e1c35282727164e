"""Sequential importance sampling for ``calibrate``: proposals that learn, generation by
generation, where the posterior lies.

Importance sampling from the prior spends almost every simulation where the observations
rule the parameters out (0.18 % effective draws on the city calibration). Here the draws
come in generations. Generation 0 draws θ from the prior; each later generation draws θ
from a proposal fitted to all weighted draws so far. Every draw keeps its exact weight

    w = π(θ) K(s) / q_g(θ),    K(s) = exp(−½ Σᵢ ((sᵢ − oᵢ) / σᵢ)²),

so each generation is an importance sample of the same posterior as ``importance`` gives
(exact ABC under Gaussian observation error), with less spread in its weights.

*Space.* Each prior is mapped to a standard normal, z = Φ⁻¹(F(θ)), so the prior is N(0, I)
whatever its shape and bounds, and a proposal needs no truncation: θ = F⁻¹(Φ(z)) is always
inside the prior's support. Hence every prior must be continuous with a quantile function
(:func:`supported`); an empirical or joint prior (a posterior file) falls back to importance
sampling.

*Proposal.* q_g(z) = ε N(z; 0, I) + (1 − ε) t_ν(z; μ, c Σ): μ and Σ are the weighted mean
and covariance of the draws so far, c = :data:`INFLATION`, ν = :data:`DF` (tried on the
city calibration: c = 1.3 and a kernel mixture around resampled draws, Beaumont et al.
2009, gave fewer effective draws; the t's tails already make the proposal wider than the
posterior). The prior's share
ε = :data:`PRIOR_SHARE` bounds every importance ratio by π/q ≤ 1/ε, so no draw can take
the whole posterior (defensive importance sampling, Hesterberg 1995).

*Fitting temperature.* While the draws so far are too few to fit a proposal (effective
size below :data:`FIT_ESS` at the full kernel), the fit uses K^λ with the largest λ ≤ 1
that reaches it — the posterior under an observation error inflated by 1/√λ, wider than the
target, the safe side for a proposal (the adaptive tolerance of ABC-SMC, Del Moral et al.
2012, as a temperature). Every estimate uses λ = 1.

*Pooling.* Each generation's normalised weights are combined with a factor proportional to
its effective sample size, so the pooled ESS is the sum of the generations' (the
inverse-variance combination of independent estimates); the prior's generation counts too.

*What no proposal removes.* One replication per θ: the likelihood each draw carries is
noisy (the random shocks), which caps the effective share of draws even when θ is drawn
from the posterior itself (about 2 % on the city calibration; docs/calibration.md).

Why our own and not pyabc's ABC-SMC: pyabc calls the model one θ at a time through Python
and keeps a database per run; this engine simulates a thousand θ in one vectorised chunk.
Why not MCMC moves (an SMC sampler): with a one-replication likelihood a move's acceptance
is pseudo-marginal and sticky, and moves make the generations dependent; independent
proposals keep every draw's weight exact and the chunks independent across workers.

Determinism: θ of chunk c comes from the stream (seed, "smc", c), and generation g's
proposal from generations < g, all fixed by (scenario, seed, replications): the answer does
not depend on the worker count or the back-end, and a resumed run continues exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, ndtr, ndtri

from simulator.study.weighted import ess, normalised

__all__ = [
    "DF",
    "FIT_ESS",
    "INFLATION",
    "PRIOR_SHARE",
    "Proposal",
    "combine_generations",
    "fit_proposal",
    "generation_chunks",
    "log_prior",
    "supported",
    "to_theta",
    "to_z",
]

PRIOR_SHARE = 0.05
"""ε, the prior's share of every proposal after the first: importance ratios stay ≤ 1/ε."""

INFLATION = 1.0
"""c, the factor on the fitted covariance (the t's tails already widen the proposal)."""

DF = 10.0
"""ν, degrees of freedom of the Student-t part: tails heavier than a normal's, for safety."""

FIT_ESS = 80.0
"""Effective draws a proposal is fitted to (a tempered kernel until the draws reach it)."""

MIN_GENERATIONS = 5
"""A calibration is split into at least this many generations (when it has the chunks)."""

Z_LIMIT = 30.0
"""|z| beyond which a proposal's draw is clipped: prior density e⁻⁴⁵⁰, never reached in
practice, and the quantile of an unbounded prior stays finite."""


def supported(priors: Sequence) -> bool:
    """Whether every prior is continuous and invertible (so SMC applies), not empirical,
    fixed or part of a joint posterior."""
    from simulator.inputs.distributions import Empirical, Fixed

    for prior in priors:
        if isinstance(prior, (Empirical, Fixed)):
            return False
        try:
            prior.to_scipy()
        except NotImplementedError:
            return False
    return True


def to_theta(dists: Sequence, z: np.ndarray) -> np.ndarray:
    """(n, K) parameter values of standard-normal coordinates ``z`` under the priors
    ``dists`` (frozen scipy distributions): F⁻¹(Φ(z)) per column, through the survival
    function above the median so both tails keep their precision."""
    z = np.clip(z, -Z_LIMIT, Z_LIMIT)
    out = np.empty_like(z, dtype=float)
    for k, dist in enumerate(dists):
        col = z[:, k]
        low = col <= 0
        out[:, k] = np.where(low, dist.ppf(ndtr(np.minimum(col, 0))),
                             dist.isf(ndtr(-np.maximum(col, 0))))
    return out


def to_z(dists: Sequence, theta: np.ndarray) -> np.ndarray:
    """(n, K) standard-normal coordinates of parameter values under the priors ``dists``
    (frozen scipy distributions): Φ⁻¹(F(θ)) per column."""
    out = np.empty_like(theta, dtype=float)
    for k, dist in enumerate(dists):
        cdf, sf = dist.cdf(theta[:, k]), dist.sf(theta[:, k])
        with np.errstate(divide="ignore"):
            out[:, k] = np.where(cdf <= 0.5, ndtri(cdf), -ndtri(sf))
    return np.clip(out, -Z_LIMIT, Z_LIMIT)


def log_prior(z: np.ndarray) -> np.ndarray:
    """(n,) log density of N(0, I) at ``z`` — the prior in standard-normal coordinates."""
    return -0.5 * np.sum(z * z, axis=1) - 0.5 * z.shape[1] * math.log(2 * math.pi)


@dataclass(frozen=True)
class Proposal:
    """q(z) = ε N(z; 0, I) + (1 − ε) t_ν(z; mean, chol·cholᵀ); ε = 1 is the prior itself."""

    mean: np.ndarray  # (K,)
    chol: np.ndarray  # (K, K) lower Cholesky factor of the t part's scale matrix
    share: float  # ε, the prior's share
    df: float = DF

    @classmethod
    def prior(cls, k: int) -> Proposal:
        """The prior, N(0, I), as a proposal."""
        return cls(np.zeros(k), np.eye(k), 1.0)

    def log_density(self, z: np.ndarray) -> np.ndarray:
        """(n,) log q(z)."""
        lp = log_prior(z)
        if self.share >= 1.0:
            return lp
        k, nu = z.shape[1], self.df
        # einsum, not BLAS: a threaded BLAS spins its threads for these small products and
        # doubles the CPU time a calibration takes
        y = np.einsum("ij,nj->ni", np.linalg.inv(self.chol), z - self.mean)
        m = np.einsum("ni,ni->n", y, y)
        lt = (gammaln((nu + k) / 2) - gammaln(nu / 2) - 0.5 * k * math.log(nu * math.pi)
              - float(np.sum(np.log(np.diag(self.chol)))) - 0.5 * (nu + k) * np.log1p(m / nu))
        if self.share <= 0.0:
            return lt
        return np.logaddexp(math.log(self.share) + lp, math.log1p(-self.share) + lt)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, K) draws; each picks the prior with probability ε, else the Student-t."""
        k = self.mean.size
        normal = rng.standard_normal((n, k))
        if self.share >= 1.0:
            return normal
        from_prior = rng.random(n) < self.share
        scale = np.sqrt(self.df / rng.chisquare(self.df, n))
        t = self.mean + np.einsum("ij,nj->ni", self.chol, normal) * scale[:, None]
        return np.clip(np.where(from_prior[:, None], normal, t), -Z_LIMIT, Z_LIMIT)


def combine_generations(log_w: np.ndarray, generation: np.ndarray) -> np.ndarray:
    """(n,) pooled weights (sum 1): each generation's normalised weights × its effective
    sample size / the total, so the pooled ESS is the sum of the generations'."""
    out = np.zeros(log_w.shape)
    total = 0.0
    for g in np.unique(generation):
        rows = generation == g
        w = normalised(log_w[rows])
        if w.sum() == 0:
            continue
        size = ess(w)
        out[rows] = w * size
        total += size
    return out / total if total > 0 else out


def fit_temperature(log_ratio: np.ndarray, distance: np.ndarray, generation: np.ndarray,
                    target: float = FIT_ESS) -> float:
    """The largest λ ≤ 1 at which the pooled draws (weights π/q · K^λ) have an effective
    size of at least ``target`` (1 if they have it at the full kernel; bisection, 40 steps)."""
    def ess_at(lam: float) -> float:
        return ess(combine_generations(log_ratio - 0.5 * lam * distance, generation))

    if ess_at(1.0) >= target:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ess_at(mid) >= target else (lo, mid)
    return lo


def fit_proposal(z: np.ndarray, log_ratio: np.ndarray, distance: np.ndarray,
                 generation: np.ndarray) -> tuple[Proposal, float]:
    """The next generation's proposal from all draws so far (z, log π/q, distance,
    generation), and the temperature λ it was fitted at."""
    lam = fit_temperature(log_ratio, distance, generation)
    w = combine_generations(log_ratio - 0.5 * lam * distance, generation)
    mean = np.einsum("n,ni->i", w, z)
    centred = z - mean
    cov = np.einsum("n,ni,nj->ij", w, centred, centred) / max(1.0 - np.sum(w * w), 1e-12)
    k = z.shape[1]
    cov = INFLATION * cov + 1e-6 * np.eye(k)  # a ridge: a parameter the data pin exactly
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        chol = np.diag(np.sqrt(np.maximum(np.diag(cov), 1e-6)))
    return Proposal(mean, chol, PRIOR_SHARE), lam

def generation_chunks(chunks: int) -> list[list[int]]:
    """Chunk indices of each generation: ten chunks (10,000 draws) a generation, fewer
    when that would give less than :data:`MIN_GENERATIONS` generations."""
    per = max(1, min(10, chunks // MIN_GENERATIONS))
    return [list(range(c, min(c + per, chunks))) for c in range(0, chunks, per)]


def proposal_stream(seed: int, chunk: int) -> np.random.Generator:
    """The random stream chunk ``chunk``'s θ is proposed from (apart from every model
    input's stream)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x534D43, chunk])))
