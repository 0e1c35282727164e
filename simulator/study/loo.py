"""Leave-one-out backtests that rest on real posteriors (``landsim backtest --loo``).

Each case is forecast from a posterior calibrated on all the *other* cases, over the cases
file's ``priors`` (put on every case scenario that has their key paths); "in sample" is
the same with every case in the calibration.

*Likelihood.* A case's outcome is one draw of a noisy process: with a programme ratio
drawn per case, drop-out and slip, one simulated history per θ lands within a 10 %
observation error of all ten other outcomes almost never, which left the old sampler with
1–3 effective draws. Here each θ simulates every case :data:`INNER` times and its
likelihood for case c is the mean kernel over them,

    L̂_c(θ) = (1/M) Σ_m K_c(q_cm),   K_c(q) = exp(−½ ((q − o_c)/σ_c)²)  (a point outcome)
                                     K_c(q) = Φ((q − x_c)/σ_c)           (``at_least: x_c``)

an unbiased estimate of the likelihood under Gaussian observation error, so the weighted
draws target the exact posterior (pseudo-marginal importance sampling; Andrieu and
Roberts 2009). The cases are independent histories: each case has random inputs of its
own (seed :func:`case_seed`), so a programme ratio drawn per case is a case-level factor
whose distribution's parameters are what calibration learns.

*Sampler.* The sequential proposals of ``calibrate`` (:mod:`simulator.study.calibrate_smc`):
generation 0 from the prior, each later one from a Student-t mixture fitted to all draws so
far. One set of draws serves every held-out case: the proposal is fitted to the posterior of
all cases tempered by :data:`COVER` (wider than each leave-one-out posterior, so it covers
them all), and each target's weights are its own. Generations are added until every
held-out posterior has at least ``min_ess`` effective draws (pooled over generations), up to
:data:`MAX_GENERATIONS`; a case whose posterior still has fewer is not scored, and the
report says so.

Determinism: θ of work item i in generation g comes from the stream (seed, "LOO", g, i), the
cases' random inputs from (case seed, chunk g·1000 + i); nothing depends on the workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy.special import log_ndtr, logsumexp

from simulator.inputs.errors import RunConfigError
from simulator.inputs.scenario import Scenario
from simulator.model.layout_cache import LAYOUTS
from simulator.run.backends import LocalBackend
from simulator.run.montecarlo import run_chunk
from simulator.study.backtest import (
    CaseResult,
    CasesFile,
    _planned,
    _quantity,
    scores,
    with_priors,
    with_reference_class,
)
from simulator.study.calibrate_smc import (
    Proposal,
    combine_generations,
    fit_proposal,
    log_prior,
    supported,
    to_theta,
)
from simulator.study.weighted import ess, resample

__all__ = ["COVER", "INNER", "MAX_GENERATIONS", "MIN_ESS", "PARTICLES", "Loo", "case_seed",
           "run_loo"]

INNER = 20
"""Simulations of each case per θ: the likelihood is their mean kernel."""

PARTICLES = 1000
"""θ proposed per generation."""

MIN_ESS = 100.0
"""Effective draws every held-out posterior needs before its case is scored."""

MAX_GENERATIONS = 12
"""Generations at most: a case still short of ``min_ess`` after them is not scored."""

MIN_GENERATIONS = 3
"""Generations at least (the prior's and two fitted ones)."""

COVER = 0.5
"""The temperature of the all-cases posterior the proposals are fitted to: its likelihood
to this power is wider than any leave-one-out posterior, so one proposal covers them all."""

POSTERIOR_DRAWS = 4000
"""Posterior rows resampled for each held-out forecast."""


def case_seed(seed: int, index: int) -> int:
    """The seed of case ``index``'s random inputs: a stream of its own per case."""
    state = np.random.SeedSequence([seed, 0x4C4F4F, index]).generate_state(1, np.uint32)
    return int(state[0])


def _theta_stream(seed: int, generation: int, item: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence([seed, 0x4C4F4F, 0x544845, generation, item])))


@dataclass(frozen=True)
class _Target:
    """What a case is scored on: its quantity, outcome and observation error."""

    value: float
    sd: float
    censored: bool


@dataclass(frozen=True)
class _Job:
    scenarios: tuple[Scenario, ...]  # the cases with the priors put on them
    quantities: tuple  # each case's Quantity
    targets: tuple[_Target, ...]
    columns: tuple[tuple[int, ...], ...]  # per case: θ's column of each of its uncertain keys
    paths: tuple[str, ...]
    priors: tuple  # θ's priors (Distribution), in the order of paths
    seed: int
    inner: int
    generation: int
    proposal: Proposal | None  # None: the prior


def _loglik(q: np.ndarray, target: _Target, inner: int) -> np.ndarray:
    """(n,) log of the mean kernel over each θ's ``inner`` simulations ``q`` (n·inner,)."""
    z = (q - target.value) / target.sd
    log_k = log_ndtr(z) if target.censored else -0.5 * z * z
    return logsumexp(log_k.reshape(-1, inner), axis=1) - math.log(inner)


def run_item(job: _Job, item: tuple[int, int]) -> dict[str, np.ndarray]:
    """Work item ``item`` (index, θ count) of one generation: θ from the job's proposal,
    each case simulated ``inner`` times per θ; returns z, log π/q and (C, n) log-likelihoods."""
    index, n = item
    k = len(job.paths)
    proposal = job.proposal or Proposal.prior(k)
    z = proposal.sample(_theta_stream(job.seed, job.generation, index), n)
    log_ratio = log_prior(z) - proposal.log_density(z) if job.proposal else np.zeros(n)
    loglik = np.empty((len(job.scenarios), n))
    theta = to_theta(_frozen(job.priors), z)
    for c, scn in enumerate(job.scenarios):
        layout = LAYOUTS.layout(scn)
        rows = np.repeat(theta[:, list(job.columns[c])], job.inner, axis=0)
        out = run_chunk(layout, case_seed(job.seed, c), job.generation * 1000 + index,
                        n * job.inner, "fast", rows)
        q = _quantity(scn, job.quantities[c], out)
        loglik[c] = _loglik(q, job.targets[c], job.inner)
    return {"z": z, "log_ratio": log_ratio, "loglik": loglik}


_FROZEN: dict = {}


def _frozen(priors: tuple) -> list:
    """``priors`` as frozen scipy distributions (once per process: freezing costs a ms)."""
    if priors not in _FROZEN:
        _FROZEN.clear()
        _FROZEN[priors] = [p.to_scipy() for p in priors]
    return _FROZEN[priors]


@dataclass(frozen=True)
class Loo:
    """Calibrated backtests: each case forecast under the posterior of the other cases
    (``loo``), and, for comparison, under the posterior of all cases (``in_sample``)."""

    loo: list[CaseResult]
    in_sample: list[CaseResult]
    ess: dict[str, float]  # held-out case (or "all") → effective draws of its posterior
    replications: int  # of each held-out forecast
    forecast_replications: int
    draws: int  # posterior rows resampled for a forecast
    paths: list[str]
    informative: list[str]  # cases whose likelihood depends on θ
    refused: dict[str, str] = field(default_factory=dict)  # case → why it is not scored
    history: list[dict] = field(default_factory=list)  # each generation's figures
    inner: int = INNER
    min_ess: float = MIN_ESS
    posterior: np.ndarray | None = None  # (draws, K) θ resampled under all cases' weights
    metadata: dict = field(default_factory=dict)  # what posterior.parquet records

    def posterior_table(self) -> list[dict]:
        """Each parameter's posterior over all cases: mean and 10–90 % range (resampled)."""
        if self.posterior is None:
            return []
        q = np.quantile(self.posterior, [0.1, 0.5, 0.9], axis=0)
        return [{"parameter": path, "mean": float(self.posterior[:, k].mean()),
                 "p10": float(q[0, k]), "p50": float(q[1, k]), "p90": float(q[2, k])}
                for k, path in enumerate(self.paths)]

    def summary(self, which: str) -> dict:
        """backtest.json's ``loo`` (or ``in_sample``) block; cases not scored are listed in
        ``refused`` with the reason, and left out of the scores."""
        results = self.loo if which == "loo" else self.in_sample
        out = scores(results)
        out.update({
            "replications": self.replications,
            "forecast_replications": self.forecast_replications,
            "posterior_draws": self.draws, "parameters": self.paths,
            "informative_cases": self.informative,
            "likelihood": f"mean kernel over {self.inner} simulations of each case per θ "
                          "(pseudo-marginal)",
            "min_ess": self.min_ess, "generations": self.history,
            "refused": self.refused if which == "loo" else {},
            **({"posterior": self.posterior_table()} if which == "in_sample" else {}),
            "cases": [{**{k: (None if isinstance(v, float) and math.isnan(v) else v)
                          for k, v in r.row().items()},
                       "ess": self.ess[r.case.name if which == "loo" else "all"]}
                      for r in results]})
        return out


def _targets(spec: CasesFile) -> tuple[_Target, ...]:
    return tuple(_Target(c.value, spec.error.sd_of(c.value), c.censored) for c in spec.cases)


def run_loo(spec: CasesFile, scenarios: Sequence[Scenario], *, seed: int = 0,
            replications: int | None = None, forecast_replications: int | None = None,
            draws: int | None = None, workers: int = 1, particles: int = PARTICLES,
            inner: int = INNER, min_ess: float = MIN_ESS,
            max_generations: int = MAX_GENERATIONS,
            progress: Callable[[int], None] | None = None) -> Loo:
    """Leave-one-out (and in-sample) calibrated backtests of every case.

    ``particles`` θ a generation, each simulating every case ``inner`` times; generations
    until every held-out posterior reaches ``min_ess`` effective draws (or
    ``max_generations``). Each scored case is then forecast under ``draws`` resampled
    posterior rows with fresh random inputs, ``forecast_replications`` (default
    ``replications``, default the file's) replications. Raises ``RunConfigError`` without
    ``priors``, with fewer than two cases, or with a prior that is not continuous.
    """
    from simulator.run.montecarlo import simulate
    from simulator.study.calibrate import forecast_seed, with_posterior

    if not spec.priors:
        raise RunConfigError(f"{spec.name}: --loo needs priors: in the cases file (key path: "
                             "prior), put on every case scenario that has the path")
    if len(spec.cases) < 2:
        raise RunConfigError("--loo needs at least two cases")
    if not supported(list(spec.priors.values())):
        raise RunConfigError(f"{spec.name}: --loo needs continuous priors (uniform, "
                             "triangular, pert, lognormal, gamma, beta, exponential)")
    n = replications or spec.replications
    nf = forecast_replications or n
    m = draws or min(POSTERIOR_DRAWS, nf)
    primed = [with_priors(s, spec.priors) for s in scenarios]
    paths = tuple(p for p in spec.priors if any(p in s.uncertain for s in primed))
    for scn in primed:
        extra = [p for p in scn.uncertain if p not in paths]
        if extra:
            raise RunConfigError(f"{scn.name}: --loo calibrates the cases file's priors "
                                 f"only; its own uncertain values ({', '.join(extra)}) would "
                                 "need priors in the cases file")
    columns = tuple(tuple(paths.index(p) for p in scn.uncertain) for scn in primed)
    informative = np.array([bool(c) for c in columns])
    C = len(primed)
    per = max(1, 1000 // inner)  # θ per work item: a chunk of ≤ 1000 replications
    zs, ratios, logliks, gens, history = [], [], [], [], []
    proposal = None
    backend = LocalBackend(workers)

    def weights(drop: int | None) -> np.ndarray:
        keep = informative.copy()
        if drop is not None:
            keep[drop] = False
        ll = np.concatenate(logliks, axis=1)[keep].sum(axis=0)
        return combine_generations(np.concatenate(ratios) + ll, np.concatenate(gens))

    with backend:
        for g in range(max_generations):
            job = _Job(tuple(primed), tuple(c.quantity for c in spec.cases), _targets(spec),
                       columns, paths, tuple(spec.priors[p] for p in paths), seed, inner, g,
                       proposal)
            items = [(i, min(per, particles - i * per)) for i in range(math.ceil(particles / per))]
            parts = dict(backend.map_unordered(partial(run_item, job), items))
            zs.append(np.concatenate([parts[i]["z"] for i in items]))
            ratios.append(np.concatenate([parts[i]["log_ratio"] for i in items]))
            logliks.append(np.concatenate([parts[i]["loglik"] for i in items], axis=1))
            gens.append(np.full(zs[-1].shape[0], g, dtype=np.int64))
            sizes = {spec.cases[i].name: ess(weights(i)) for i in range(C)}
            sizes["all"] = ess(weights(None))
            history.append({"generation": g, "draws": int(zs[-1].shape[0]),
                            "least_ess": min(sizes.values())})
            if progress is not None:
                progress(1)
            if g + 1 >= MIN_GENERATIONS and min(sizes.values()) >= min_ess:
                break
            z = np.concatenate(zs)
            ll = np.concatenate(logliks, axis=1)[informative].sum(axis=0)
            proposal, _ = fit_proposal(z, np.concatenate(ratios), -2.0 * COVER * ll,
                                       np.concatenate(gens))
    theta = to_theta(_frozen(tuple(spec.priors[p] for p in paths)), np.concatenate(zs))

    def forecast(i: int, drop: int | None) -> CaseResult:
        case, base = spec.cases[i], scenarios[i]
        scn = base
        if columns[i]:
            picked = theta[resample(weights(drop), m, seed)][:, list(columns[i])]
            scn = with_posterior(primed[i], [paths[k] for k in columns[i]], picked,
                                 file="(leave-one-out posterior)",
                                 metadata={"cases": spec.name, "seed": seed})
        result = simulate(scn, replications=nf, seed=forecast_seed(case_seed(seed, i)),
                          engine="fast", workers=workers, keep_replications=True)
        reference = case.reference if case.reference is not None else _planned(
            base, case.quantity)
        return CaseResult(case, base, _quantity(base, case.quantity, result.outcome), reference)

    loo, inside, refused = [], [], {}
    for i in range(C):
        name = spec.cases[i].name
        if sizes[name] < min_ess:
            refused[name] = (f"its posterior has {sizes[name]:.0f} effective draws after "
                             f"{len(history)} generations of {particles:,}; at least "
                             f"{min_ess:.0f} are needed")
        else:
            loo.append(forecast(i, i))
        inside.append(forecast(i, None))
        if progress is not None:
            progress(1)
    from simulator import __version__
    from simulator.study.backtest import cases_digest

    posterior = theta[resample(weights(None), POSTERIOR_DRAWS, seed)]
    metadata = {"cases": spec.name, "cases_sha256": cases_digest(spec, scenarios),
                "seed": seed, "particles": particles, "inner": inner,
                "generations": len(history), "ess": sizes["all"],
                "method": "systematic resampling of pooled sequential importance weights, "
                          f"each θ's likelihood the mean kernel over {inner} simulations of "
                          "every case (backtest --loo, all cases)",
                "landsim_version": __version__}
    return Loo(with_reference_class(loo, pool=inside), with_reference_class(inside, own=True),
               sizes, n, nf,
               m, list(paths), [c.name for c, inf in zip(spec.cases, informative, strict=True)
                                if inf], refused, history, inner, min_ess, posterior, metadata)
