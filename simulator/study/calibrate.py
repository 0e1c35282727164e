"""Calibration: which values of the uncertain parameters are consistent with what happened.

Approximate Bayesian computation by importance sampling, with the fast engine. Each
replication has its own parameter values θ and simulates one history; its summary
statistics are the simulated release in the observed cells (year × pathway, or the year's
total), and its weight is the prior over the proposal times the Gaussian kernel

    w = π(θ)/q(θ) · exp(−½ Σᵢ ((sᵢ − oᵢ) / σᵢ)²),   σᵢ = the observation error of cell i,

i.e. the likelihood of the observations if they are the true release plus Gaussian
error. With that kernel the weighted draws are the *exact* posterior of θ under
"observed = simulated + error" (Wilkinson 2013, "ABC gives exact results under the
assumption of model error"), not an approximation that needs a tolerance → 0. The
effective sample size is ESS = (Σw)² / Σw².

Two samplers (``method``): ``importance`` draws every θ from the prior (q = π);
``smc`` draws generations, each from a proposal fitted to the draws before it
(:mod:`simulator.study.calibrate_smc`), about four to five times the effective draws per
CPU-second on the city calibration (benchmarks/bench_calibrate.py). ``auto`` uses smc
where every prior is continuous. Why not pyabc's ABC-SMC: it drives the model one
parameter draw at a time through Python callbacks, which would forgo the vectorised engine
(a chunk of a thousand replications costs about what ten single ones do), and it needs a
database per run. Results are identical for any worker count, and low acceptance shows up
plainly as a small ESS, with advice.

The posterior is written as ``posterior.parquet``: :data:`POSTERIOR_DRAWS` rows resampled
by weight (systematic resampling, seeded by the calibration's seed), one column per key
path, with the calibration's digest, seed and ESS in the file's metadata. A scenario uses
it with ``uncertain: {from: posterior.parquet}`` (:mod:`simulator.inputs.posterior`).

A forecast (``--forecast``) is the posterior predictive of another scenario: it takes the
posterior for the paths it shares (same priors), draws a row per replication, and simulates
with *fresh* random inputs (seed :func:`forecast_seed`). Weighting the calibration's own
replications instead — the same θ for the same (seed, replication), so the weights carry
over — would select the random shocks as well as the parameters: the replications that
fit the past had favourable shocks, which the future does not inherit. The weighted prior
draws still give each forecast's prior odds (unweighted) and the calibration scenario's own
targets (its history, where conditioning the shocks on what happened is right).
Probabilities carry Wilson intervals on the effective sample size, which do not collapse
to [0, 0] when no draw meets a target.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.inputs.errors import Problem, RunConfigError, ScenarioError
from simulator.inputs.limits import MAX_REPLICATIONS
from simulator.inputs.scenario import Scenario
from simulator.model.layout_cache import LAYOUTS, layout_for
from simulator.model.sampling import chunk_sizes
from simulator.run.backends import Backend, LocalBackend
from simulator.run.montecarlo import run_chunk
from simulator.run.results import targets_met
from simulator.study.block_store import BlockStore
from simulator.study.block_store import block_checksum as _block_checksum  # noqa: F401 — tests
from simulator.study.calibrate_smc import (
    Proposal,
    combine_generations,
    fit_proposal,
    generation_chunks,
    log_prior,
    proposal_stream,
    supported,
    to_theta,
    to_z,
)
from simulator.study.points import StudyFolder, study_digest
from simulator.study.weighted import ess as effective_size
from simulator.study.weighted import resample, weighted_quantile, wilson

__all__ = [
    "BLOCK_CHUNKS",
    "MIN_ERROR_SD",
    "POSTERIOR_DRAWS",
    "Calibration",
    "calibrate",
    "forecast_seed",
    "observed_cells",
    "resample",
    "weighted_quantile",
    "wilson",
    "with_posterior",
    "write_calibration",
]

BLOCK_CHUNKS = 10
"""Chunks per work item (10,000 replications): the unit of parallel work and of resuming."""

MIN_ESS = 200
"""Below this effective sample size the posterior is too rough to report without a warning."""

POSTERIOR_DRAWS = 4000
"""Rows of posterior.parquet (resampled draws; fewer if the calibration had fewer)."""

MIN_ERROR_SD = 1e-6
"""Smallest observation error (km², one square metre) calibrate accepts: ``sd`` below it is
refused (exit 2), and a ``relative`` error is floored there. Every squared standardised
difference then stays far from overflow, so each weight is exp(−½ d) of a finite d."""

PILE_EDGE = 0.05
"""The prior's outer share at each end that :meth:`Calibration.piling` looks at."""

PILE_SHARE = 0.25
"""A posterior piles at an end when at least this share of it (five times the prior's
:data:`PILE_EDGE`) lies there."""

CHECK_DRAWS = 4000
"""New simulations of the posterior predictive check."""

CONSISTENCY_LEVEL = 0.999
"""The observations are called unreproducible when even the closest simulated history lies
outside this level's region of the observation error (χ² with one degree per figure)."""


def observed_cells(scenario: Scenario, annual: np.ndarray) -> np.ndarray:
    """(R, C) simulated release (km²) in each observed cell of ``scenario.observed``."""
    cells = scenario.observed.cells()
    names = list(scenario.pathways)
    start = scenario.horizon.start
    out = np.empty((annual.shape[0], len(cells)))
    for c, (year, name, _) in enumerate(cells):
        row = annual[:, year - start, :]
        out[:, c] = row.sum(axis=1) if name == "total" else row[:, names.index(name)]
    return out


def forecast_seed(seed: int) -> int:
    """The seed of a forecast under a calibration's posterior: another stream than the
    calibration's ``seed``, so the forecast's random inputs are fresh."""
    state = np.random.SeedSequence([seed, 0x464F5245]).generate_state(1, np.uint32)
    out = int(state[0])
    return out if out != seed else out + 1


def with_posterior(scenario: Scenario, paths: Sequence[str], values: np.ndarray, *,
                   file: str = "posterior.parquet", metadata: dict | None = None) -> Scenario:
    """``scenario`` with the posterior draws (rows × ``paths``) in place of the priors of
    the ``paths`` it has — what ``uncertain: {from: FILE}`` loads to."""
    from simulator.inputs.scenario import scenario_from_dict

    data = scenario.resolved()
    chosen = [k for k, p in enumerate(paths) if p in scenario.uncertain]
    if not chosen:
        raise RunConfigError(f"{scenario.name} shares no uncertain parameter with the posterior")
    uncertain = dict(data["uncertain"])
    for k in chosen:
        uncertain[paths[k]] = {"dist": "empirical", "values": values[:, k].tolist()}
    calibration = {k: v for k, v in (metadata or {}).items()
                   if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    data["uncertain"] = uncertain
    data["posterior"] = {"file": file, "paths": [paths[k] for k in chosen], "weights": None,
                         "calibration": calibration}
    return scenario_from_dict(data, file=scenario.file)


@dataclass(frozen=True)
class _ForecastJob:
    scenario: Scenario
    seed: int
    replications: int


def run_forecast_block(job: _ForecastJob, block: int) -> np.ndarray:
    """Targets met by block ``block`` of a posterior forecast's replications."""
    sizes = chunk_sizes(job.replications)
    layout = layout_for(job.scenario)
    parts = [targets_met(job.scenario, run_chunk(layout, job.seed, c, sizes[c], "fast"))
             for c in block_chunks(block, len(sizes))]
    return np.concatenate(parts)


@dataclass(frozen=True)
class _Job:
    scenario: Scenario
    forecasts: tuple[Scenario, ...]
    seed: int
    replications: int


def _priors(scenario: Scenario) -> list:
    return LAYOUTS.priors(scenario)


def run_block(job: _Job, block: int = 0, *, chunks: Sequence[int] | None = None
              ) -> dict[str, np.ndarray]:
    """Simulate block ``block`` (chunks block·BLOCK_CHUNKS …) of the calibration, or the
    given ``chunks``.

    Returns the drawn θ, the simulated observed cells, the targets met, and for each
    forecast scenario its targets met. Raises ``RuntimeError`` if a forecast drew other
    values for a shared parameter (it cannot: same path, same prior, same stream).
    """
    sizes = chunk_sizes(job.replications)
    if chunks is None:
        chunks = block_chunks(block, len(sizes))
    chunks = [(c, sizes[c]) for c in chunks]
    parts: dict[str, list] = {"params": [], "cells": [], "met": []}
    layout = layout_for(job.scenario)
    paths = [u.path for u in layout.uncertain]
    for chunk, size in chunks:
        out = run_chunk(layout, job.seed, chunk, size, "fast")
        parts["params"].append(out.params)
        parts["cells"].append(observed_cells(job.scenario, out.annual))
        parts["met"].append(targets_met(job.scenario, out))
    for f, forecast in enumerate(job.forecasts):
        flayout = layout_for(forecast)
        fpaths = [u.path for u in flayout.uncertain]
        parts[f"forecast{f}"] = []
        for i, (chunk, size) in enumerate(chunks):
            out = run_chunk(flayout, job.seed, chunk, size, "fast")
            for k, path in enumerate(paths):
                if path in fpaths and not np.array_equal(
                        out.params[:, fpaths.index(path)], parts["params"][i][:, k]):
                    raise RuntimeError(f"{forecast.name} drew other values of {path}")
            parts[f"forecast{f}"].append(targets_met(forecast, out))
    return {k: np.concatenate(v) for k, v in parts.items()}


@dataclass(frozen=True)
class _SmcJob:
    scenario: Scenario
    forecasts: tuple[Scenario, ...]
    seed: int
    replications: int
    proposal: Proposal | None  # None: the prior (generation 0)


def run_smc_chunks(job: _SmcJob, chunks: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Simulate ``chunks`` of one SMC generation: θ from the job's proposal (the prior in
    generation 0, drawn exactly as importance sampling draws it), the simulated observed
    cells, targets met, log π(θ)/q(θ), and in generation 0 each forecast's targets met."""
    sizes = chunk_sizes(job.replications)
    layout = layout_for(job.scenario)
    parts: dict[str, list] = {"params": [], "cells": [], "met": [], "log_ratio": []}
    for chunk in chunks:
        if job.proposal is None:
            out = run_chunk(layout, job.seed, chunk, sizes[chunk], "fast")
            ratio = np.zeros(sizes[chunk])
        else:
            z = job.proposal.sample(proposal_stream(job.seed, chunk), sizes[chunk])
            ratio = log_prior(z) - job.proposal.log_density(z)
            out = run_chunk(layout, job.seed, chunk, sizes[chunk], "fast",
                            to_theta(_priors(job.scenario), z))
        parts["params"].append(out.params)
        parts["cells"].append(observed_cells(job.scenario, out.annual))
        parts["met"].append(targets_met(job.scenario, out))
        parts["log_ratio"].append(ratio[:, None])
    if job.proposal is None and job.forecasts:
        prior = run_block(_Job(job.scenario, job.forecasts, job.seed, job.replications),
                          chunks=chunks)
        parts.update({k: [v] for k, v in prior.items() if k.startswith("forecast")})
    return {k: np.concatenate(v) for k, v in parts.items()}


def block_chunks(block: int, chunks: int) -> range:
    """Chunk indices of work block ``block`` (of a study of ``chunks`` chunks)."""
    return range(block * BLOCK_CHUNKS, min((block + 1) * BLOCK_CHUNKS, chunks))


def distance(cells: np.ndarray, observed: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """(R,) Σᵢ ((sᵢ − oᵢ)/σᵢ)² of each replication's simulated cells: the exponent of the
    Gaussian kernel, −2 log K."""
    return (((cells - observed) / sd) ** 2).sum(axis=1)


def _block_rows(replications: int) -> list[int]:
    """Draws in each block of a calibration of ``replications``."""
    sizes = chunk_sizes(replications)
    return [int(sum(sizes[c:c + BLOCK_CHUNKS])) for c in range(0, len(sizes), BLOCK_CHUNKS)]


@dataclass
class Calibration:
    """The weighted prior draws of a calibration, and what follows from them."""

    scenario: Scenario
    seed: int
    params: np.ndarray  # (R, K) θ drawn from the priors
    cells: np.ndarray  # (R, C) simulated release in the observed cells, km²
    met: np.ndarray  # (R, T) targets met
    forecasts: dict[str, tuple[Scenario, np.ndarray]] = field(default_factory=dict)
    # name → (the forecast scenario under the posterior, its targets met with fresh inputs)
    predictive: dict[str, tuple[Scenario, np.ndarray]] = field(default_factory=dict)
    generation: np.ndarray | None = None  # (R,) SMC generation of each draw (None: importance)
    log_ratio: np.ndarray | None = None  # (R,) log π(θ)/q(θ) of each draw (None: all 0)
    history: list[dict] = field(default_factory=list)  # SMC: each generation's figures
    check: list[dict] = field(default_factory=list)  # the posterior predictive check

    @property
    def method(self) -> str:
        """``smc`` (sequential proposals) or ``importance`` (every θ from the prior)."""
        return "importance" if self.generation is None else "smc"

    @property
    def prior_count(self) -> int:
        """How many leading draws are plain prior draws (all, for importance sampling):
        the prior's figures (prior odds, quantiles, simulated means) come from them."""
        if self.generation is None:
            return int(self.params.shape[0])
        return int(np.count_nonzero(self.generation == 0))

    @property
    def paths(self) -> list[str]:
        """Key paths of the uncertain parameters (columns of ``params``)."""
        return list(self.scenario.uncertain)

    @property
    def observed(self) -> np.ndarray:
        """(C,) the observed km²."""
        return np.array([v for _, _, v in self.scenario.observed.cells()])

    @property
    def sd(self) -> np.ndarray:
        """(C,) the observation error of each cell, km²."""
        error = self.scenario.observed.error
        return np.array([error.sd_of(v) for v in self.observed])

    @cached_property
    def distance(self) -> np.ndarray:
        """(R,) Σ ((s − o)/σ)² of each replication."""
        return distance(self.cells, self.observed, self.sd)

    @property
    def log_weight(self) -> np.ndarray:
        """(R,) log importance weight: −½ distance, plus log π(θ)/q(θ) for SMC draws."""
        if self.log_ratio is None:
            return -0.5 * self.distance
        return self.log_ratio - 0.5 * self.distance

    @cached_property
    def weight(self) -> np.ndarray:
        """(R,) normalised weights (sum 1); all zero only if every draw underflows. SMC
        generations are pooled in proportion to their effective sizes."""
        lw = self.log_weight
        if self.generation is not None:
            return combine_generations(lw, self.generation)
        w = np.exp(lw - lw.max())
        return w / w.sum()

    @property
    def ess(self) -> float:
        """Effective sample size (Σw)² / Σw²."""
        return effective_size(self.weight)

    @property
    def consistent(self) -> bool:
        """Whether some draw reproduces the observations within the observation error."""
        from scipy.stats import chi2

        return bool(self.distance.min() <= chi2.ppf(CONSISTENCY_LEVEL, len(self.observed)))

    def posterior(self) -> pd.DataFrame:
        """One row per parameter: prior and posterior mean, sd and 10/50/90 % quantiles."""
        w = self.weight
        rows = []
        for k, path in enumerate(self.paths):
            x = self.params[:, k]
            prior = self.scenario.uncertain[path]
            mean = float(np.sum(w * x))
            q = weighted_quantile(x, w, [0.1, 0.5, 0.9])
            prior_x = x[:self.prior_count]
            pq = np.quantile(prior_x, [0.1, 0.9])
            rows.append({
                "parameter": path, "prior_mean": float(prior.mean()),
                "prior_p10": float(pq[0]), "prior_p90": float(pq[1]),
                "posterior_mean": mean,
                "posterior_sd": float(math.sqrt(max(np.sum(w * (x - mean) ** 2), 0.0))),
                "posterior_p10": float(q[0]), "posterior_p50": float(q[1]),
                "posterior_p90": float(q[2]),
                "shrinkage": float(1 - np.sum(w * (x - mean) ** 2)
                                   / max(np.var(prior_x), 1e-300)),
            })
        return pd.DataFrame(rows)

    def odds(self, met: np.ndarray, scenario: Scenario,
             fresh: np.ndarray | None = None) -> list[dict]:
        """Each target's probability under the prior (``met``, the prior draws) and the
        posterior, with a 95 % Wilson interval.

        Without ``fresh``, the posterior probability weights ``met``'s replications (right
        for the calibration's own history). With ``fresh`` (targets met by replications that
        drew θ from the resampled posterior and fresh random inputs), it is their mean, and
        the interval's effective size is 1 / (1/ESS + 1/n): the posterior's draws limit it
        as well as the forecast's replications.
        """
        w, ess = self.weight, self.ess
        out = []
        for i, t in enumerate(scenario.targets):
            prior = float(met[:self.prior_count, i].mean())
            if fresh is None:
                post, n_eff = float(np.sum(w * met[:, i])), ess
            else:
                post = float(fresh[:, i].mean())
                n_eff = 1.0 / (1.0 / max(ess, 1e-12) + 1.0 / fresh.shape[0])
            out.append({"target": t.name, "prior_probability": prior,
                        "posterior_probability": post,
                        "posterior_ci95": list(wilson(post, n_eff)),
                        "effective_n": float(n_eff)})
        return out

    def forecast_odds(self, name: str) -> list[dict]:
        """A forecast's odds: prior, and posterior predictive with fresh random inputs."""
        scenario, met = self.forecasts[name]
        fresh = self.predictive[name][1] if name in self.predictive else None
        return self.odds(met, scenario, fresh)

    def posterior_draws(self, size: int | None = None) -> np.ndarray:
        """(size, K) θ resampled by weight (default :data:`POSTERIOR_DRAWS`, at most R)."""
        size = size or min(POSTERIOR_DRAWS, self.params.shape[0])
        return self.params[resample(self.weight, size, self.seed)]

    def posterior_metadata(self) -> dict:
        """What posterior.parquet records about the calibration that wrote it."""
        from simulator import __version__

        return {"scenario": self.scenario.name, "scenario_sha256": self.scenario.digest(),
                "seed": self.seed, "replications": int(self.params.shape[0]),
                "ess": self.ess,
                "method": ("systematic resampling of the importance weights"
                           if self.method == "importance" else
                           "systematic resampling of the pooled sequential importance weights"),
                "landsim_version": __version__}

    def piling(self) -> list[dict]:
        """Parameters whose posterior piles at an end of the prior: at least
        :data:`PILE_SHARE` of the posterior within the prior's outer 5 % at that end (the
        prior puts 5 % there). One dict each: parameter, end (``low``/``high``), share and
        the prior's bound (its 0th or 100th percentile; may be infinite)."""
        w = self.weight
        out = []
        for k, path in enumerate(self.paths):
            dist = self.scenario.uncertain[path].to_scipy()
            u = np.asarray(dist.cdf(self.params[:, k]), dtype=float)
            for end, mass in (("low", float(np.sum(w[u <= PILE_EDGE]))),
                              ("high", float(np.sum(w[u >= 1 - PILE_EDGE])))):
                if mass >= PILE_SHARE:
                    bound = float(dist.ppf(0.0 if end == "low" else 1.0))
                    out.append({"parameter": path, "end": end, "share": mass, "bound": bound})
        return out

    def advice(self, lang: str = "en") -> list[str]:
        """What is wrong with the posterior and what to do, in plain words (empty if fine)."""
        notes = []
        if not self.consistent:
            notes.append(
                "No parameter values within the priors reproduce the observations: even the "
                f"closest of {len(self.params):,} simulated histories is outside the "
                f"{CONSISTENCY_LEVEL:.1%} region of the observation error. The model, as "
                "specified, is inconsistent with what happened — widen the priors (or free "
                "another parameter), or check the observations and their error.")
        elif self.ess < MIN_ESS:
            notes.append(
                f"The effective sample size is {self.ess:.0f} (below {MIN_ESS}): the posterior "
                "rests on few draws. Run more replications, widen the priors toward the "
                "values that fit, or use a larger observation error if the figures are rough.")
        return notes + self.notes(lang)

    def notes(self, lang: str = "en") -> list[str]:
        """Warnings about a posterior that did form: piling at a prior's bound, and observed
        figures outside their posterior predictive 95 % (in ``lang``)."""
        from simulator.report.i18n import t

        notes = []
        if self.consistent:
            for pile in self.piling():
                notes.append(t("calibrate.piles", lang, path=pile["parameter"],
                               end=t(f"calibrate.end_{pile['end']}", lang),
                               share=f"{pile['share']:.0%}", bound=f"{pile['bound']:g}"))
        bad = [c for c in self.check if not c["inside_95"]]
        if bad:
            notes.append(t("calibrate.check_bad", lang, count=len(bad), total=len(self.check),
                           cells=", ".join(f"{c['year']} {c['quantity']}" for c in bad)))
        return notes

    def summary(self) -> dict:
        """Everything ``summary.json`` holds."""
        cells = self.scenario.observed.cells()
        best = int(np.argmin(self.distance))
        w = self.weight
        return {
            "scenario": self.scenario.name,
            "replications": int(self.params.shape[0]),
            "seed": self.seed,
            "method": ("importance sampling from the prior with a Gaussian kernel on the "
                       "observation error (exact ABC under observation error)"
                       if self.method == "importance" else
                       "sequential importance sampling (adaptive proposals, generations "
                       "pooled by effective size) with a Gaussian kernel on the observation "
                       "error (exact ABC under observation error)"),
            "sampler": self.method,
            "generations": self.history,
            "observations": [
                {"year": y, "quantity": name, "km2": v, "sd": float(s),
                 "simulated_prior_mean": float(self.cells[:self.prior_count, c].mean()),
                 "simulated_posterior_mean": float(np.sum(w * self.cells[:, c])),
                 "closest": float(self.cells[best, c])}
                for c, ((y, name, v), s) in enumerate(zip(cells, self.sd, strict=True))],
            "error": self.scenario.observed.error.model_dump(exclude_none=True),
            "ess": self.ess,
            "consistent": self.consistent,
            "min_distance": float(self.distance[best]),
            "advice": self.advice(),
            "piling": self.piling(),
            "predictive_check": self.check,
            "targets": self.odds(self.met, self.scenario),
            "forecasts": {name: self.forecast_odds(name) for name in self.forecasts},
            "forecast_seed": forecast_seed(self.seed) if self.predictive else None,
            "posterior": self.posterior().to_dict(orient="records"),
        }

    def draws_frame(self) -> pd.DataFrame:
        """The weighted draws: θ, simulated cells, log weight and normalised weight."""
        frame = pd.DataFrame(self.params, columns=self.paths)
        for c, (y, name, _) in enumerate(self.scenario.observed.cells()):
            frame[f"simulated:{y}:{name}"] = self.cells[:, c]
        frame.insert(0, "replication", np.arange(len(frame), dtype=np.int64))
        if self.generation is not None:
            frame["generation"] = self.generation
            frame["log_prior_ratio"] = self.log_ratio
        frame["log_weight"] = self.log_weight
        frame["weight"] = self.weight
        return frame


def check_calibratable(scenario: Scenario, forecasts: Sequence[Scenario] = ()) -> None:
    """Raise ``RunConfigError`` unless ``scenario`` has observations and uncertain parameters,
    and every forecast shares its uncertain paths with the same priors."""
    if scenario.observed is None:
        raise RunConfigError(f"{scenario.name} has no observed: block — add what was released "
                             "(observed: {release: {YEAR: {PATHWAY: km2}}, error: ...})")
    if not scenario.uncertain:
        raise RunConfigError(f"{scenario.name} has no uncertain: block — name the parameters "
                             "to calibrate and their priors")
    error = scenario.observed.error
    if error.sd is not None and not error.sd >= MIN_ERROR_SD:
        raise ScenarioError([Problem(
            "observed.error.sd",
            f"{error.sd!r} km² is below the smallest observation error calibrate accepts, "
            f"{MIN_ERROR_SD:g} km² (one square metre; a relative error is floored there "
            "too)",
            scenario.file, _line_of(scenario.file, ("observed", "error", "sd")))])
    for f in forecasts:
        shared = [p for p in scenario.uncertain if p in f.uncertain]
        if not shared:
            raise RunConfigError(f"forecast {f.name} shares no uncertain parameter with "
                                 f"{scenario.name}")
        for p in shared:
            if f.uncertain[p] != scenario.uncertain[p]:
                raise RunConfigError(
                    f"forecast {f.name}: the prior of {p} differs from {scenario.name}'s; the "
                    "calibration's weights carry over only with the same prior")


def _line_of(file: str | None, path: tuple) -> int | None:
    """The line of key ``path`` in the YAML ``file``, if it can be read."""
    if not file:
        return None
    try:
        from simulator.inputs.yamlsource import read_yaml

        return read_yaml(file).line_of(path)
    except Exception:  # noqa: BLE001 — a line number is a courtesy
        return None


def calibrate(
    scenario: Scenario,
    *,
    replications: int = 100_000,
    seed: int = 0,
    forecasts: Sequence[Scenario] = (),
    backend: Backend | None = None,
    store_folder: Path | None = None,
    progress: Callable[[int], None] | None = None,
    forecast_replications: int | None = None,
    notice: Callable[[str], None] | None = None,
    method: str = "auto",
) -> Calibration:
    """Weight ``replications`` draws of ``scenario``'s uncertain parameters by how well
    their simulated release matches ``scenario.observed``.

    ``method``: ``smc`` (generations of proposals fitted to the draws so far, see
    :mod:`simulator.study.calibrate_smc`), ``importance`` (every θ from the prior) or
    ``auto`` (smc where every prior is continuous, else importance).

    ``forecasts``: scenarios whose target odds to give under the posterior (they must share
    uncertain paths, with the same priors); each is simulated again under the resampled
    posterior with fresh random inputs (``forecast_replications``, default
    ``replications``). ``store_folder``: where finished blocks are kept (resume); a kept block is used only if it verifies (see :class:`~simulator.study.block_store.BlockStore`), else it
    is computed again and ``notice`` (default: a line on standard error) names it. The
    answer depends only on (scenario, seed, replications). Raises
    ``RunConfigError`` (see :func:`check_calibratable`, and for a replication count outside
    1..10,000,000).
    """
    check_calibratable(scenario, forecasts)
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise RunConfigError(f"replications must be between 1 and {MAX_REPLICATIONS:,}")
    method = resolve_method(scenario, method)
    backend = backend or LocalBackend(1)
    if method == "smc":
        found = _calibrate_smc(scenario, replications, seed, tuple(forecasts), backend,
                               store_folder, progress, notice)
    else:
        found = _calibrate_importance(scenario, replications, seed, tuple(forecasts),
                                      backend, store_folder, progress, notice)
    if not np.isfinite(found.distance).any():  # cannot happen with an error ≥ MIN_ERROR_SD
        raise RunConfigError(
            f"{scenario.file or scenario.name}: observed.error: no simulated history is "
            "consistent with the observations (every draw's distance overflows, so every "
            "weight is zero); use a larger observation error")
    found.check = predictive_check(found, backend)
    if forecasts:
        draws, paths, meta = found.posterior_draws(), found.paths, found.posterior_metadata()
        n = min(replications, forecast_replications or replications)
        for f in forecasts:
            fscn = with_posterior(f, paths, draws, metadata=meta)
            job = _ForecastJob(fscn, forecast_seed(seed), n)
            fblocks = math.ceil(len(chunk_sizes(n)) / BLOCK_CHUNKS)
            with backend:
                done = dict(backend.map_unordered(partial(run_forecast_block, job),
                                                  range(fblocks)))
            found.predictive[f.name] = (fscn, np.concatenate([done[b] for b in range(fblocks)]))
    return found


def run_check_block(job: _ForecastJob, block: int) -> np.ndarray:
    """Simulated observed cells of block ``block`` of a posterior predictive check."""
    sizes = chunk_sizes(job.replications)
    layout = layout_for(job.scenario)
    return np.concatenate([
        observed_cells(job.scenario, run_chunk(layout, job.seed, c, sizes[c], "fast").annual)
        for c in block_chunks(block, len(sizes))])


def predictive_check(found: Calibration, backend: Backend | None = None,
                     replications: int = CHECK_DRAWS) -> list[dict]:
    """Each observed figure against its posterior predictive distribution: the calibration
    scenario simulated again under the resampled posterior with fresh random inputs (seed
    :func:`forecast_seed`), plus Gaussian observation error. One dict per figure: year,
    quantity, observed km², the predictive's 2.5/50/97.5 % points, the observed value's
    mid-rank PIT and whether it lies inside the central 95 %."""
    scenario = with_posterior(found.scenario, found.paths, found.posterior_draws(),
                              metadata=found.posterior_metadata())
    replications = min(replications, int(found.params.shape[0]))
    job = _ForecastJob(scenario, forecast_seed(found.seed), replications)
    blocks = math.ceil(len(chunk_sizes(replications)) / BLOCK_CHUNKS)
    backend = backend or LocalBackend(1)
    with backend:
        done = dict(backend.map_unordered(partial(run_check_block, job), range(blocks)))
    sims = np.concatenate([done[b] for b in range(blocks)])
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([found.seed, 0x505043])))
    sims = sims + rng.standard_normal(sims.shape) * found.sd
    out = []
    for c, (year, name, value) in enumerate(found.scenario.observed.cells()):
        x = sims[:, c]
        pit = float((np.sum(x < value) + 0.5 * np.sum(x == value)) / x.size)
        lo, mid, hi = np.quantile(x, [0.025, 0.5, 0.975])
        out.append({"year": year, "quantity": name, "observed": value,
                    "predictive_p2_5": float(lo), "predictive_p50": float(mid),
                    "predictive_p97_5": float(hi), "pit": pit,
                    "inside_95": bool(0.025 <= pit <= 0.975), "simulations": int(x.size)})
    return out


METHODS = ("auto", "smc", "importance")


def resolve_method(scenario: Scenario, method: str) -> str:
    """``smc`` or ``importance`` for ``method`` (``auto`` picks smc where every prior is
    continuous). Raises ``RunConfigError`` for another name, or smc with a prior it cannot
    map (empirical, fixed, or a posterior file's joint draws)."""
    if method not in METHODS:
        raise RunConfigError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    priors = list(scenario.uncertain.values())
    fits = supported(priors) and not (scenario.posterior and scenario.posterior.paths)
    if method == "auto":
        return "smc" if fits else "importance"
    if method == "smc" and not fits:
        raise RunConfigError(
            "--method smc needs continuous priors with a quantile function; "
            f"{scenario.name} has an empirical, fixed or posterior-file prior — use "
            "--method importance")
    return method


def _calibrate_importance(scenario, replications, seed, forecasts, backend, store_folder,
                          progress, notice) -> Calibration:
    """Every θ from the prior: blocks of :data:`BLOCK_CHUNKS` chunks, any order."""
    job = _Job(scenario, tuple(forecasts), seed, replications)
    rows = _block_rows(replications)
    blocks = len(rows)
    digest = digest_of(scenario, seed, replications, forecasts)
    columns = {"params": ("float64", len(scenario.uncertain)),
               "cells": ("float64", len(scenario.observed.cells())),
               "met": ("bool", len(scenario.targets)),
               **{f"forecast{i}": ("bool", len(f.targets)) for i, f in enumerate(forecasts)}}
    store = (BlockStore(store_folder, digest, columns=columns, rows=rows, notice=notice)
             if store_folder is not None else None)
    results: dict[int, dict] = {}
    if store is not None:
        for b in range(blocks):
            found = store.load(b)
            if found is not None:
                results[b] = found
                if progress is not None:
                    progress(found["met"].shape[0])
    todo = [b for b in range(blocks) if b not in results]
    backend = backend or LocalBackend(1)
    with backend:
        for b, arrays in backend.map_unordered(partial(run_block, job), todo):
            if store is not None:
                store.save(b, arrays)
            results[b] = arrays
            if progress is not None:
                progress(arrays["met"].shape[0])
    joined = {k: np.concatenate([results[b][k] for b in range(blocks)])
              for k in results[0]} if blocks else {}
    forecast = {f.name: (f, joined[f"forecast{i}"]) for i, f in enumerate(forecasts)}
    return Calibration(scenario, seed, joined["params"], joined["cells"], joined["met"],
                       forecast)


def _calibrate_smc(scenario, replications, seed, forecasts, backend, store_folder,
                   progress, notice) -> Calibration:
    """Generations of proposals (see :mod:`simulator.study.calibrate_smc`); each
    generation's chunks run in parallel, its proposal fitted to every earlier one."""
    gens = generation_chunks(len(chunk_sizes(replications)))
    sizes = chunk_sizes(replications)
    rows = [sum(sizes[c] for c in g) for g in gens]
    digest = digest_of(scenario, seed, replications, forecasts, method="smc")
    columns = {"params": ("float64", len(scenario.uncertain)),
               "cells": ("float64", len(scenario.observed.cells())),
               "met": ("bool", len(scenario.targets)), "log_ratio": ("float64", 1)}
    store = prior_store = None
    if store_folder is not None:
        store = BlockStore(Path(store_folder) / "generations", digest, columns=columns,
                            rows=rows, notice=notice)
        if forecasts:
            prior_store = BlockStore(
                Path(store_folder) / "prior-forecasts", digest,
                columns={f"forecast{i}": ("bool", len(f.targets))
                         for i, f in enumerate(forecasts)}, rows=rows[:1], notice=notice)
    priors = _priors(scenario)
    observed = np.array([v for _, _, v in scenario.observed.cells()])
    error = scenario.observed.error
    sd = np.array([error.sd_of(v) for v in observed])
    done: list[dict[str, np.ndarray]] = []
    zs: list[np.ndarray] = []
    history: list[dict] = []
    proposal, lam = None, None
    with backend:
        for g, chunks in enumerate(gens):
            found = store.load(g) if store is not None else None
            if g == 0 and forecasts and found is not None:
                extra = prior_store.load(0) if prior_store is not None else None
                found = None if extra is None else {**found, **extra}
            if found is None:
                job = _SmcJob(scenario, forecasts, seed, replications, proposal)
                items = [tuple(chunks[i:i + 2]) for i in range(0, len(chunks), 2)]
                parts = dict(backend.map_unordered(partial(run_smc_chunks, job), items))
                found = {k: np.concatenate([parts[i][k] for i in items]) for k in parts[items[0]]}
                if store is not None:
                    store.save(g, {k: found[k] for k in columns})
                    if g == 0 and prior_store is not None:
                        prior_store.save(0, {k: v for k, v in found.items()
                                             if k.startswith("forecast")})
            done.append(found)
            zs.append(to_z(priors, found["params"]))  # once a generation: scipy's cdf is slow
            if progress is not None:
                progress(found["met"].shape[0])
            ratio = np.concatenate([d["log_ratio"][:, 0] for d in done])
            generation = np.concatenate([np.full(d["params"].shape[0], i, dtype=np.int64)
                                         for i, d in enumerate(done)])
            cells = np.concatenate([d["cells"] for d in done])
            dist = distance(cells, observed, sd)
            own = generation == g
            w = combine_generations(ratio[own] - 0.5 * dist[own], generation[own])
            history.append({"generation": g, "draws": int(own.sum()),
                            "ess": effective_size(w),
                            "fitted_at_temperature": lam})
            if g + 1 < len(gens):
                proposal, lam = fit_proposal(np.concatenate(zs), ratio, dist, generation)
    joined = {k: np.concatenate([d[k] for d in done]) for k in ("params", "cells", "met")}
    forecast = {f.name: (f, done[0][f"forecast{i}"]) for i, f in enumerate(forecasts)}
    return Calibration(scenario, seed, joined["params"], joined["cells"], joined["met"],
                       forecast, generation=generation, log_ratio=ratio, history=history)


def digest_of(scenario: Scenario, seed: int, replications: int,
              forecasts: Sequence[Scenario] = (), method: str = "importance") -> str:
    """The study digest a resumable calibration folder is keyed by."""
    extra = {} if method == "importance" else {"method": method}
    return study_digest(kind="calibrate", scenario=scenario.digest(), seed=seed,
                        replications=replications, forecasts=[f.digest() for f in forecasts],
                        **extra)


def calibrate_to_folder(scenario: Scenario, out: str | Path, *, replications: int = 100_000,
                        seed: int = 0, forecasts: Sequence[Scenario] = (),
                        backend: Backend | None = None, resume: bool = False,
                        force: bool = False, langs: Sequence[str] = ("en",),
                        progress: Callable[[int], None] | None = None,
                        inputs: Sequence[str | Path] = (),
                        command: list[str] | None = None,
                        method: str = "auto") -> Calibration:
    """:func:`calibrate`, durably (``<out>.partial``, resumable), then write ``out``."""
    check_calibratable(scenario, forecasts)
    method = resolve_method(scenario, method)
    digest = digest_of(scenario, seed, replications, forecasts, method=method)
    backend = backend or LocalBackend(1)
    with StudyFolder(out, digest, resume=resume, force=force, inputs=inputs) as study:
        found = calibrate(scenario, replications=replications, seed=seed, forecasts=forecasts,
                          backend=backend, store_folder=study.path / "blocks",
                          progress=progress, method=method)
        from simulator import __version__

        manifest = {"landsim_version": __version__, "backend": backend.name,
                    "scenario_sha256": scenario.digest(),
                    "command": " ".join(command or []) or "–"}
        shutil.rmtree(study.path / "blocks", ignore_errors=True)
        write_calibration(found, study.path, langs=langs, manifest=manifest)
        study.finish()
    return found


def sentence(found: Calibration, lang: str = "en") -> str:
    """The calibration's finding in one plain sentence."""
    from simulator.report.i18n import t

    if not found.consistent:
        return t("calibrate.inconsistent", lang, n=f"{len(found.params):,}")
    post = found.posterior()
    top = post.sort_values("shrinkage", ascending=False).iloc[0]
    return t("calibrate.sentence", lang, ess=f"{found.ess:,.0f}", n=f"{len(found.params):,}",
             path=top.parameter, prior=f"{top.prior_mean:.3g}", mean=f"{top.posterior_mean:.3g}",
             lo=f"{top.posterior_p10:.3g}", hi=f"{top.posterior_p90:.3g}")


def write_calibration(found: Calibration, folder: Path, *, langs: Sequence[str] = ("en",),
                      manifest: dict | None = None) -> None:
    """Write posterior.csv, posterior.parquet (resampled draws, reusable with
    ``uncertain: {from: …}``), draws.parquet, summary.json, charts and report(s)."""
    from simulator.inputs.posterior import write_posterior
    from simulator.report.calibrate_charts import draw_calibration_charts
    from simulator.report.i18n import t
    from simulator.report.study_report import StudyPage, write_study_report

    posterior = found.posterior()
    posterior.to_csv(folder / "posterior.csv", index=False, float_format="%.6g")
    found.draws_frame().to_parquet(folder / "draws.parquet", index=False)
    write_posterior(folder / "posterior.parquet", found.posterior_draws(), found.paths,
                    metadata=found.posterior_metadata())
    summary = {**found.summary(), **({"manifest": manifest} if manifest else {})}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False)
                                         + "\n", encoding="utf-8")
    obs = pd.DataFrame(summary["observations"])

    def odds_table(rows: list[dict]) -> pd.DataFrame:
        return pd.DataFrame([{**o, "posterior_ci95": f"{o['posterior_ci95'][0]:.3f}–"
                                                     f"{o['posterior_ci95'][1]:.3f}"}
                             for o in rows]).round(4)

    error = found.scenario.observed.error
    err = f"{error.relative:.0%}" if error.relative is not None else f"{error.sd:g} km²"
    for lang in langs:
        charts_dir = folder / ("charts" if lang == "en" else f"charts-{lang}")
        charts_dir.mkdir()
        charts = draw_calibration_charts(found, charts_dir, lang=lang)
        text = t("calibrate.design" if found.method == "importance" else "calibrate.design_smc",
                 lang, scenario=found.scenario.name, k=len(found.paths), c=len(found.observed),
                 n=f"{len(found.params):,}", seed=found.seed, error=err,
                 g=len(found.history))
        # an inconsistent calibration's sentence says so itself; a thin one gets advice
        advice = (t("calibrate.low_ess", lang, ess=f"{found.ess:.0f}", min=MIN_ESS)
                  if found.consistent and found.ess < MIN_ESS else "")
        tables = [(t("calibrate.posterior", lang), posterior.round(4)),
                  (t("calibrate.observations", lang), obs.round(4))]
        if found.check:
            inside = all(c["inside_95"] for c in found.check)
            verdict = (t("calibrate.check_ok", lang, n=f"{found.check[0]['simulations']:,}")
                       if inside else "")
            tables.append((f"{t('calibrate.check', lang)}. {verdict}".rstrip(),
                           pd.DataFrame(found.check).round(4)))
        tables.append((t("calibrate.odds", lang), odds_table(summary["targets"])))
        tables += [(t("calibrate.forecast", lang, name=name), odds_table(rows))
                   for name, rows in summary["forecasts"].items()]
        notes = " ".join(found.notes(lang))
        headline = " ".join(x for x in (sentence(found, lang), advice, notes) if x)
        page = StudyPage(t("calibrate.title", lang, name=found.scenario.name), text, headline,
                         found.ess, tables, charts,
                         {k: str(v) for k, v in (manifest or {}).items()},
                         scenario=found.scenario)
        write_study_report(folder, page, lang)
