"""What a run will cost before it is spent: an estimate of its seconds on this machine.

The fast engine's work has two parts (docs/model.md, "Limits and cost"):

- vectorised work, ``R × Σ_p n_p S_p`` project-stage steps (R replications, n_p projects
  and S_p stages of pathway p), each a few array operations over all replications;
- queues, which serve their projects one after another: per block of
  :data:`~simulator.model.engines.fast.ROW_BLOCK` replications, ``Σ n_p`` steps for every
  stage with a capacity, each dearer when events act on the pathway.

Replacements make the engine iterate, and a programme office costs about one pass more.
The coefficients were fitted on the reference machine (2 cores, the probe's scenarios and
the baseline); :func:`machine_speed` times a small fixed workload once per process and
scales them to the machine at hand. Estimates are within a factor of about two — enough to
know minutes from hours before anything starts.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import numpy as np

from simulator.inputs.programme import programme_most
from simulator.inputs.scenario import Scenario

__all__ = ["LEVER_EVALUATIONS", "STUDY_CEILING_SECONDS", "CommandEstimate", "Estimate",
           "estimate_command", "estimate_run", "format_seconds", "machine_speed"]

VECTOR_SECONDS = 1.2e-7  # a project-stage step of one replication (reference machine)
QUEUE_SECONDS = 7e-6  # a queue step of one block of replications
EVENT_SECONDS = 2.5e-5  # more per queue step for each event acting on the pathway
START_SECONDS = 0.05  # per chunk: drawing and booking
REFERENCE_WORKLOAD_SECONDS = 0.019  # :func:`machine_speed`'s workload on the reference machine
STUDY_CEILING_SECONDS = 4 * 3600.0
"""A study (sweep, analysis, discovery, solve) estimated to take longer than this on this
machine is refused unless ``--force``: a typo in ``--samples`` should not run for days."""


@dataclass(frozen=True)
class Estimate:
    """A run's estimated cost: its steps and seconds on this machine."""

    replications: int
    steps: float  # project-stage steps, all replications
    queue_steps: float  # sequential queue steps, all blocks
    passes: float  # engine passes (programme offices, replacements)
    seconds: float  # on one worker
    workers: int

    @property
    def wall_seconds(self) -> float:
        """Expected wall time with ``workers`` processes (chunks run side by side)."""
        chunks = max(1, math.ceil(self.replications / 1000))
        return self.seconds / min(self.workers, chunks)


LEVER_EVALUATIONS = (4, 24)
"""Simulations of the report's lever analysis per lever, fewest and most seen: about 4 when
the headline's odds stay out of reach across the lever (the baseline: 18 for 4 levers), up
to about 22 when the solver brackets 50 % and 80 % (plan-2024, status-2026: 84–89 for 4)."""

REPORT_SECONDS = 1.0
"""Files, charts and the report, per language, on the reference machine (0.9–1.0 s for the
baseline, 1.9–2.0 s with a status and an office's chart)."""


@dataclass(frozen=True)
class CommandEstimate:
    """A whole ``landsim run``: its simulation, its lever analysis (a range: how many
    simulations the solver needs depends on the odds it finds) and its report, seconds."""

    simulation: Estimate
    levers: tuple[float, float]  # wall seconds, fewest and most
    lever_runs: tuple[int, int]
    report: float

    @property
    def seconds(self) -> tuple[float, float]:
        """The whole command's wall seconds, least and most."""
        base = self.simulation.wall_seconds + self.report
        return base + self.levers[0], base + self.levers[1]


def estimate_command(scenario: Scenario, replications: int, workers: int = 1, *,
                     lever_replications: int = 0, langs: int = 1) -> CommandEstimate:
    """The estimated cost of ``landsim run``: ``replications`` simulated, then (with
    ``lever_replications`` > 0) the report's analysis of each declared lever, then files,
    charts and the report in ``langs`` languages (0: --no-report)."""
    simulation = estimate_run(scenario, replications, workers=workers)
    levers, runs = (0.0, 0.0), (0, 0)
    if lever_replications and scenario.levers:
        n = min(lever_replications, replications)
        one = estimate_run(scenario, n).seconds / max(1, workers)  # a batch over the workers
        runs = tuple(1 + len(scenario.levers) * k for k in LEVER_EVALUATIONS)
        levers = (runs[0] * one, runs[1] * one)
    report = REPORT_SECONDS * langs * machine_speed() * (2 if scenario.status else 1)
    return CommandEstimate(simulation, levers, runs, report)


def _passes(scenario: Scenario) -> float:
    """Engine passes to expect: 1; 2 with a programme office (its reviews, compiled, and the
    pool projects it starts, followed as they start, cost about one more pass: 1.8× on
    plan-2024, ``benchmarks/bench_engines.py``; a queued pathway's pool projects add a few
    passes over the few replications they change); 1 + 3 per replacement generation."""
    from simulator.model.management import offices

    passes = 2.0 if offices(scenario) else 1.0
    generations = max((p.replacement.max for p in scenario.pathways.values()
                       if p.replacement is not None), default=0)
    if generations:
        passes = max(passes, 1.0 + 3.0 * generations)
    return passes


def estimate_run(scenario: Scenario, replications: int, workers: int = 1) -> Estimate:
    """The estimated cost of ``replications`` replications of ``scenario`` (fast engine)."""
    from simulator.model.engines.fast import ROW_BLOCK

    steps = queue = queue_seconds = 0.0
    for name, p in scenario.pathways.items():
        n = math.ceil(p.projects.count * programme_most(scenario, name))
        stages = p.stages or []
        steps += n * max(len(stages), 1)
        events = sum(1 for e in scenario.events if name in e.pathways)
        for stage in stages:
            if stage.capacity is not None and stage.capacity < n:
                queue += n
                queue_seconds += n * (QUEUE_SECONDS + EVENT_SECONDS * events)
    chunks = max(1, math.ceil(replications / 1000))
    blocks = sum(math.ceil(min(1000, replications - 1000 * c) / ROW_BLOCK) for c in range(chunks))
    passes = _passes(scenario)
    seconds = (VECTOR_SECONDS * replications * steps + queue_seconds * blocks
               + START_SECONDS * chunks) * passes * machine_speed()
    return Estimate(replications, replications * steps, queue * blocks, passes, seconds,
                    max(1, workers))


@functools.lru_cache(maxsize=1)
def machine_speed() -> float:
    """How much slower this machine is than the reference (1.0: as fast; measured once per
    process on a fixed ~30 ms workload of the engine's kind: small-array steps and a large
    vectorised pass)."""
    rng = np.random.default_rng(0)
    free = rng.random((250, 4))
    big = rng.random(400_000)
    started = time.perf_counter()
    for _ in range(600):
        server = free.argmin(axis=1)
        free[np.arange(250), server] += np.where(free[:, 0] > 0.5, 0.1, 0.2)
    np.sort(big)
    elapsed = time.perf_counter() - started
    return max(0.25, min(20.0, elapsed / REFERENCE_WORKLOAD_SECONDS))


def format_seconds(seconds: float) -> str:
    """"about 20 s", "about 3 min", "about 2.5 h"."""
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"about {seconds:.0f} s"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"
