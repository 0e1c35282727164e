"""What every browser session shares: the scenarios on offer, the process pool, the
finished estimates — and the requests a session makes of them.

A request is (scenario, uncertainty mode, changed values, language). Its answers come in
stages (:func:`~simulator.app.estimates.stages_for`); each is compared with the scenario
as shipped at the same seed and replications (common random numbers), so that what moves
on the screen is the change's effect, not noise.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from simulator.app.catalogue import MAX_UPLOAD_BYTES, Catalogue
from simulator.app.controls import change_words
from simulator.app.estimates import (
    Cancelled,
    Estimate,
    EstimateCache,
    SharedPool,
    Ticket,
    estimate,
    stages_for,
)
from simulator.app.views import CHART_LOCK, CHARTS, View, chart_html, shown_name, view_of
from simulator.inputs.errors import LandsimError
from simulator.inputs.params import variant_of
from simulator.inputs.scenario import Scenario
from simulator.inputs.uncertainty_mode import modes_of, with_uncertainty
from simulator.report.rundata import RunData

__all__ = ["EXPLORER_LABEL", "Answer", "Explorer", "Request"]

_log = logging.getLogger("landsim.explorer")

VARIANTS_KEPT = 64
"""Changed scenarios kept for reuse (each about 0.5 MB with a posterior's draws)."""

EXPLORER_LABEL = "assumption: set in the explorer"
"""The provenance of a value changed in the explorer (in the downloaded YAML and report)."""


@dataclass(frozen=True, eq=False)
class Request:
    """What a session asks for: a scenario, how to take its uncertain values (None: as
    it gives them), the values changed (key path, value) and the language."""

    key: str
    base: Scenario
    mode: str | None
    values: tuple[tuple[str, float | int], ...]
    lang: str


@dataclass(frozen=True, eq=False)
class Answer:
    """One stage of a request's answer."""

    request: Request
    scenario: Scenario  # what was simulated
    estimate: Estimate
    shipped: Estimate
    view: View
    target: int  # replications of the last stage
    sequence: int = 0  # the session's request number (for the page and its tests)

    @property
    def final(self) -> bool:
        """Whether this is the last stage."""
        return self.estimate.replications >= self.target

    @property
    def state(self) -> str:
        """``final`` or ``refining``."""
        return "final" if self.final else "refining"


class Explorer:
    """The shared state of ``landsim serve``; see the module."""

    Cancelled = Cancelled

    def __init__(self, catalogue: Catalogue, pool: SharedPool, *, seed: int = 0,
                 replications: int = 20_000, threads: int = 8):
        self.catalogue = catalogue
        self.pool = pool
        self.seed = seed
        self.replications = replications
        self.cache = EstimateCache()
        self.threads = ThreadPoolExecutor(threads, thread_name_prefix="landsim-explorer")
        self._loaded: dict[str, Scenario] = {}
        self._priors: dict[str, tuple[str | None, dict]] = {}
        self._variants: dict[tuple, tuple[Scenario, Scenario]] = {}
        self._digests: dict[int, tuple[weakref.ref, str]] = {}
        self.closing = False

    @property
    def default_key(self) -> str:
        """The scenario shown first: the first named on the command line, else status-2026
        if on offer, else the first."""
        files = self.catalogue.files
        if self.catalogue.named:
            return self.catalogue.named[0]
        return "status-2026" if "status-2026" in files else next(iter(files))

    # ------------------------------------------------------------------ scenarios

    def load(self, key: str) -> Scenario:
        """The scenario on offer as ``key`` (read once)."""
        if key not in self._loaded:
            self._loaded[key] = self.catalogue.load(key)
        return self._loaded[key]

    def read_upload(self, name: str, path: Path, size: int) -> Scenario:
        """An uploaded file (saved by the web server at ``path``), read as ``validate``
        reads a scenario. Raises ``ScenarioError`` or ``LandsimError``."""
        if size > MAX_UPLOAD_BYTES or path.stat().st_size > MAX_UPLOAD_BYTES:
            raise LandsimError(f"{Path(name).name}: larger than {MAX_UPLOAD_BYTES:,} bytes, "
                               "the most a scenario file may have")
        return self.catalogue.load_upload(name, path.read_bytes())

    def shown_path(self, key: str) -> str:
        """The scenario's file as a user would type it (relative to the working folder)."""
        path = self.catalogue.files.get(key)
        if path is None:
            return key.removeprefix("upload:")
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def _calibration(self, scenario: Scenario) -> tuple[str | None, dict]:
        digest = self._digest(scenario)
        if digest not in self._priors:
            self._priors[digest] = self.catalogue.calibration_priors(scenario)
        return self._priors[digest]

    def modes_of(self, scenario: Scenario) -> list[str]:
        """The uncertainty modes ``scenario`` offers (first: as shipped)."""
        return modes_of(scenario, self._calibration(scenario)[1])

    def shipped_mode(self, scenario: Scenario) -> str | None:
        """The mode that is the scenario as shipped."""
        offered = self.modes_of(scenario)
        return offered[0] if offered else None

    def scenario_of(self, request: Request) -> tuple[Scenario, Scenario]:
        """(the scenario as shipped in the request's mode, the one with its changes).
        Raises ``ScenarioError``/``ParameterError`` for changes the scenario refuses."""
        key = (self._digest(request.base), request.mode, request.values)
        if key not in self._variants:
            name, priors = self._calibration(request.base)
            shipped = (with_uncertainty(request.base, request.mode, priors, name)
                       if request.mode else request.base)
            changed = (variant_of(shipped, dict(request.values), origin="the explorer",
                                  label=EXPLORER_LABEL) if request.values else shipped)
            self._variants[key] = (shipped, changed)
            while len(self._variants) > VARIANTS_KEPT:
                self._variants.pop(next(iter(self._variants)))
        return self._variants[key]

    # ------------------------------------------------------------------ estimates

    def ticket(self) -> Ticket:
        """A new request's cancellation flag."""
        return Ticket()

    def digest(self, scenario: Scenario) -> str:
        """``scenario.digest()``, computed once while the scenario lives."""
        return self._digest(scenario)

    def _digest(self, scenario: Scenario) -> str:
        # a posterior's thousands of rows make a digest a few hundredths of a second, so each
        # scenario is hashed once while it lives; the entry holds it weakly (a strong hold
        # kept every closed session's scenarios alive) and goes when the scenario does
        key = id(scenario)
        held = self._digests.get(key)
        if held is None or held[0]() is not scenario:
            def forget(ref, key=key, digests=self._digests):
                if digests.get(key, (None,))[0] is ref:
                    del digests[key]

            held = (weakref.ref(scenario, forget), scenario.digest())
            self._digests[key] = held
        return held[1]

    def _estimate(self, scenario: Scenario, n: int, ticket: Ticket, lane) -> Estimate:
        return self.cache.get_or_make((self._digest(scenario), n, self.seed),
                                      lambda: estimate(scenario, n, self.seed, lane, ticket))

    def _charts(self, run: RunData, lang: str, *, quick: bool = True,
                shown: str | None = None) -> dict[str, str]:
        # a change's first charts: one in the quick lane's process, the other here, at the
        # same time; a refinement's in the refining lane, which yields to the quick one
        first, *others = CHARTS
        if not quick and self.pool.refine is not self.pool.quick:
            lane = self.pool.refine.pool
            futures = {name: lane.submit(chart_html, name, run, lang, shown) for name in CHARTS}
            return {name: future.result() for name, future in futures.items()}
        future = self.pool.quick.pool.submit(chart_html, first, run, lang, shown)
        drawn = {name: chart_html(name, run, lang, shown) for name in others}
        return {first: future.result(), **drawn}

    @staticmethod
    def shown_name(request: Request) -> str:
        """How the page names the request's scenario (:func:`~simulator.app.views.shown_name`)."""
        return shown_name(request.base, bool(request.values), request.lang)

    def answer_stage(self, request: Request, n: int, ticket: Ticket, *,
                     quick: bool = False, charts: bool = True) -> Answer:
        """The request's answer at ``n`` replications (blocking; for a worker thread): in
        the quick lane for the first stage, else in the refining lane; without its charts
        if ``charts`` is false (:meth:`with_charts` adds them)."""
        began = time.perf_counter()
        shipped_scenario, scenario = self.scenario_of(request)
        lane = self.pool.quick if quick else self.pool.refine
        shipped = self._estimate(shipped_scenario, n, ticket, lane)
        changed = (shipped if scenario is shipped_scenario
                   else self._estimate(scenario, n, ticket, lane))
        ticket.check()
        _log.debug("stage n=%d: scenario and estimates %.3f s (simulating %.3f s)", n,
                   time.perf_counter() - began, changed.seconds)
        moved = dict(request.values)
        view = view_of(changed.run, shipped.run, request.lang,
                       functools.partial(self._charts, quick=quick,
                                         shown=self.shown_name(request)) if charts else False,
                       moved, change_words(request.base, moved, request.lang))
        return Answer(request, scenario, changed, shipped, view, self.replications)

    def with_charts(self, answer: Answer, ticket: Ticket, quick: bool = True) -> Answer:
        """``answer`` with its charts drawn (blocking; for a worker thread)."""
        ticket.check()
        drawn = self._charts(answer.estimate.run, answer.request.lang, quick=quick,
                             shown=self.shown_name(answer.request))
        view = dataclasses.replace(answer.view, fan=drawn["fan"], pathways=drawn["pathways"])
        return dataclasses.replace(answer, view=view)

    def stages(self, request: Request) -> list[int]:
        """The replication counts the request is answered at."""
        # the quick estimate runs in the quick lane (one process): its cost is for that lane
        return stages_for(request.base, self.replications, self.pool.quick.workers)

    async def answers(self, request: Request, ticket: Ticket) -> AsyncIterator[Answer]:
        """Each stage's answer as it is ready, first its numbers and then again with its
        charts. Raises ``Cancelled`` once cancelled, and ``ScenarioError``/``LandsimError``
        for changes the scenario refuses."""
        loop = asyncio.get_running_loop()
        for i, n in enumerate(self.stages(request)):
            found = await loop.run_in_executor(
                self.threads, functools.partial(self.answer_stage, request, n, ticket,
                                                quick=i == 0, charts=False))
            yield found
            yield await loop.run_in_executor(self.threads, self.with_charts, found, ticket,
                                             i == 0)

    def lever_replications(self) -> int:
        """Replications a point of the levers' analysis (as the run report's)."""
        from simulator.study.levers import LEVER_REPLICATIONS

        return min(self.replications, LEVER_REPLICATIONS)

    async def what_it_would_take(self, answer: Answer, ticket: Ticket,
                                 first_look: Callable[[dict], Awaitable[None]] | None = None
                                 ) -> tuple[dict, str]:
        """Each lever's effect and its value for 50 % and 80 % of the headline target, as
        in the run report: (levers.json data, the report's table). With ``first_look``,
        a first look (each value to within a step of the scan, :func:`lever_effects`) is
        worked out first and awaited with ``first_look(levers)``; the full analysis then
        reuses its points."""
        from simulator.report.html import levers_section
        from simulator.study.levers import lever_effects
        from simulator.study.solve import Evaluator

        scenario = answer.scenario
        target = scenario.headline or scenario.targets[0].name
        evaluator = Evaluator(scenario, target, replications=self.lever_replications(),
                              seed=self.seed, backend=self.pool.refine)

        def work(first: bool) -> dict:
            return lever_effects(scenario, replications=self.lever_replications(),
                                 seed=self.seed, progress=ticket.check, first_look=first,
                                 evaluator=evaluator)

        loop = asyncio.get_running_loop()
        if first_look is not None:
            await first_look(await loop.run_in_executor(self.threads, work, True))
        levers = await loop.run_in_executor(self.threads, work, False)
        run = dataclasses.replace(answer.estimate.run, levers=levers)
        return levers, levers_section(run, answer.request.lang)

    # ------------------------------------------------------------------ files

    @staticmethod
    def scenario_yaml(scenario: Scenario) -> str:
        """``scenario`` as a YAML file that loads back to it (every default filled in;
        each changed value's provenance says it was set in the explorer)."""
        header = (f"# {scenario.name}: saved from the landsim explorer (every default filled "
                  "in; values moved there are labelled 'assumption: set in the explorer').\n"
                  f"# sha256 {scenario.digest()}\n")
        return header + yaml.safe_dump(scenario.resolved(), sort_keys=False, allow_unicode=True)

    def command(self, answer: Answer) -> list[str]:
        """The ``landsim run`` command that gives the same numbers."""
        from simulator.app.controls import set_arguments

        sets = [a for pair in set_arguments(dict(answer.request.values)) for a in ("--set", pair)]
        return ["landsim", "run", self.shown_path(answer.request.key), *sets,
                "-n", str(answer.estimate.replications), "--seed", str(self.seed)]

    async def report_html(self, answer: Answer, lang: str, levers: dict | None) -> str:
        """The run report of ``answer`` in ``lang`` (the same page and charts as
        ``landsim run`` writes), with the levers' table if it was computed."""
        from simulator.report.charts import draw_charts
        from simulator.report.html import render_report
        from simulator.run.output import manifest_of

        def work():
            found = answer.estimate
            run = dataclasses.replace(found.run, manifest=manifest_of(
                found.run.scenario, seed=found.seed, replications=found.replications,
                engine=found.engine, command=self.command(answer)))
            if levers is not None:
                run = dataclasses.replace(run, levers=levers)
            with tempfile.TemporaryDirectory(prefix="landsim-report-") as folder, CHART_LOCK:
                charts = draw_charts(run, Path(folder), lang=lang, workers=1)
                return render_report(run, charts, lang=lang)

        return await asyncio.get_running_loop().run_in_executor(self.threads, work)

    def start_warming(self) -> None:
        """Start every worker now and warm it on the first scenario shown (it returns at
        once; :meth:`finish_warming` waits). Call it before any thread starts: the workers
        are forked here."""
        self._warm_began = time.perf_counter()
        self._warming = self.pool.warm(self.load(self.default_key), wait=False)
        self._answered_first = False

    def finish_warming(self) -> float:
        """Answer the first scenario's quick stage, so that the first page is not the one
        that pays for it, and wait for every worker (blocking; for a thread). Returns the
        seconds since :meth:`start_warming`."""
        scenario = self.load(self.default_key)
        request = Request(self.default_key, scenario, self.shipped_mode(scenario), (), "en")
        self.answer_stage(request, self.stages(request)[0], Ticket(), quick=True)
        for future in self._warming:
            future.result()
        self._answered_first = True
        return time.perf_counter() - self._warm_began

    def warm_status(self) -> tuple[int, int, bool]:
        """(workers warm, workers, the first answer is in): what the page says while the
        explorer warms up; (n, n, True) once it is ready (or if it never warmed)."""
        warming = getattr(self, "_warming", [])
        done = sum(future.done() for future in warming)
        return done, len(warming), getattr(self, "_answered_first", True)

    def prepare(self) -> None:
        """Warm every worker and answer the first scenario's quick stage, waiting for both
        (Chinese pays once, on first use, for its font)."""
        self.start_warming()
        self.finish_warming()

    def close(self) -> None:
        """Stop the threads and the pool's workers; remove uploads. Work still under way
        then fails quietly (:attr:`closing`)."""
        self.closing = True
        self.threads.shutdown(wait=False, cancel_futures=True)
        self.pool.close()
        self.catalogue.close()
