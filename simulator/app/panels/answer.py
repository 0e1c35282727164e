"""The answer (a Shiny module): the odds of what is on screen, in stages.

Each new request on screen is asked of a :class:`~simulator.app.runner.Runner` (which
cancels the older one and drops its late results); each stage of the answer is drawn as
soon as it is in. Its outputs: ``about`` (which answer this is, how precise, the command
that gives the same numbers, or what went wrong), ``headline``, ``table``, ``fan`` and
``pathways`` — every one kept with the tag of its request and shown as :func:`fit` says.
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from shiny import module, reactive, render, ui

from simulator.app.catalogue import shown_to_user
from simulator.app.controls import set_arguments
from simulator.app.explorer import Answer, Explorer, Request
from simulator.app.panels.said import make_internal, problems
from simulator.app.runner import Job, Runner
from simulator.app.screen import Screen, Tag, fit
from simulator.inputs.errors import LandsimError
from simulator.report.i18n import t

__all__ = ["Answered", "Fitted", "panel", "server"]

_log = logging.getLogger("landsim.explorer")


@dataclass(frozen=True, eq=False)
class _Made:
    """A panel's content (an answer, or what the page says of a failure) and the tag of
    the request it answers."""

    tag: Tag
    answer: Answer | None = None
    said: ui.TagChild = None


@dataclass(frozen=True, eq=False)
class Fitted:
    """The latest answer, and how it stands to what is on screen (:func:`fit`)."""

    answer: Answer | None
    how: str


@dataclass(frozen=True)
class Answered:
    """What the answer gives the page: ``fitted()`` (reactive) and the runner of the
    session's requests (to wait for an answer still coming)."""

    fitted: Callable[[], Fitted]
    runner: Runner[Tag, Request, Answer]


@module.ui
def panel() -> ui.TagList:
    """The answer's place in the page."""
    return ui.TagList(ui.output_ui("about"), ui.output_ui("headline"), ui.output_ui("table"),
                      ui.layout_columns(ui.output_ui("fan"), ui.output_ui("pathways")))


@module.server
def server(input, output, session, explorer: Explorer,  # noqa: A002 — Shiny's signature
           lang: Callable[[], str], screen: Callable[[], Screen | None],
           refusal: Callable[[], ui.TagChild]) -> Answered:
    """The answer of one session to ``screen()``; ``refusal()`` is what the page says of
    a message it refused (None if nothing), said before any failure of the request."""
    internal = make_internal(explorer)
    latest = reactive.value(None)  # a _Made: the latest stage of the answer
    charts = reactive.value(None)  # a _Made: the latest answer with its charts
    failure = reactive.value(None)  # a _Made: what the page says of the request's failure

    async def deliver(job: Job[Tag], found: Answer) -> None:
        _log.debug("answer %s n=%d charts=%d", job.tag.values, found.estimate.replications,
                   bool(found.view.fan))
        found = dataclasses.replace(found, sequence=job.sequence)
        latest.set(_Made(job.tag, found))
        if found.view.fan:
            charts.set(_Made(job.tag, found))
        failure.set(None)
        await reactive.flush()

    async def fail(job: Job[Tag], exc: Exception) -> None:
        if isinstance(exc, LandsimError):  # ScenarioError too
            with reactive.isolate():  # is the answer before these values shown?
                before = latest()
            stays = before is not None and fit(before.tag, job.tag) == "values"
            said = problems(t("app.bad_value" if stays else "app.failed", job.tag.lang),
                            shown_to_user(exc))
        else:
            html = internal(exc)
            if html is None:  # stopping: nothing to say
                return
            said = ui.HTML(html)
        failure.set(_Made(job.tag, said=said))
        await reactive.flush()

    runner: Runner[Tag, Request, Answer] = Runner(explorer.answers, deliver, fail,
                                                  lock=reactive.lock, ticket=explorer.ticket)
    session.on_ended(runner.close)

    def now() -> Tag | None:
        got = screen()
        return None if got is None else got.tag

    # first in its flush: a click on "What would it take?" in the same message as a slider
    # moved waits for this request's answer, so the request must be asked before
    @reactive.effect(priority=10)
    def _ask():
        got = screen()
        if got is not None:
            _log.debug("request %s", got.tag.values)
            runner.ask(got.tag, got.request)

    @reactive.calc
    def fitted() -> Fitted:
        got = latest()
        return Fitted(None, "other") if got is None else Fitted(got.answer, fit(got.tag, now()))

    def said() -> ui.TagChild:
        refused = refusal()
        if refused is not None:
            return refused
        got = failure()
        return got.said if got is not None and fit(got.tag, now()) == "same" else None

    def in_panel(content: ui.TagChild, how: str) -> ui.Tag:
        """A panel in the page's language, greyed if it answers the values before a
        slider moved."""
        return ui.div(content, class_="panel stale" if how == "values" else "panel",
                      lang=lang())

    @render.ui
    def about():
        shown, lg, failed = fitted(), lang(), said()
        found = shown.answer
        if shown.how not in ("same", "values"):  # nothing yet of what is on screen
            return ui.TagList(
                ui.tags.p(None if failed else t("app.working", lg), class_="meta",
                          id="answer-meta", lang=lg,
                          data_state="failed" if failed else "working"),
                failed)
        view, request = found.view, found.request
        more = (t("app.refining", lg, n=f"{found.target:,}") if not found.final
                else t("app.final", lg))
        command = shlex.join(explorer.command(found))
        if request.mode not in (None, explorer.shipped_mode(request.base)):
            command += f"  # {t(f'app.mode.{request.mode}', lg)}: {t('app.not_a_set', lg)}"
        title = explorer.shown_name(dataclasses.replace(request, lang=lg))
        return ui.TagList(
            ui.tags.p(
                ui.tags.strong(title), " · ",
                t("app.meta", lg, n=f"{view.replications:,}", seed=view.seed), " · ", more,
                class_="meta", id="answer-meta", lang=lg, data_state=found.state,
                data_fit=shown.how, data_key=request.key, data_lang=request.lang,
                data_replications=view.replications, data_seed=view.seed,
                data_sequence=found.sequence, data_charts=int(bool(view.fan)),
                data_values=";".join(set_arguments(dict(request.values)))),
            failed,
            ui.tags.p(t("app.reproduce", lg), " ", ui.tags.code(command, id="reproduce"),
                      class_="note"))

    @render.ui
    def headline():
        shown = fitted()
        if shown.how not in ("same", "values"):
            return None
        return in_panel(ui.HTML(shown.answer.view.headline), shown.how)

    @render.ui
    def table():
        shown = fitted()
        if shown.how not in ("same", "values"):
            return None
        return in_panel(ui.div(ui.HTML(shown.answer.view.table), class_="wide"), shown.how)

    def chart(name: str) -> ui.Tag | None:
        # the last charts drawn for this scenario stay, greyed, until the new answer's
        # are in; another scenario's, mode's or language's go at once
        got, shown = charts(), fitted()
        if got is None:
            return None
        drawn_how = fit(got.tag, now())
        if drawn_how not in ("same", "values"):
            return None
        fresh = drawn_how == shown.how == "same" and bool(shown.answer.view.fan)
        drawn = got.answer.view.fan if name == "fan" else got.answer.view.pathways
        return in_panel(ui.div(ui.HTML(drawn), class_="chart" if fresh else "chart stale"),
                        "same")

    @render.ui
    def fan():
        return chart("fan")

    @render.ui
    def pathways():
        return chart("pathways")

    return Answered(fitted=fitted, runner=runner)
