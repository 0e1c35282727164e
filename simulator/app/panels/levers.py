"""The levers (a Shiny module): "What would it take?", an extended task behind a task button.

A click asks for each lever's effect and its value for 50 % and 80 % of the headline target
(the run report's lever analysis) of what is on screen. If the answer on screen is not in
yet, the study waits for it (the button stays busy); a slider moved meanwhile makes it give
up, another scenario, mode or language-and-values cancels it (:func:`fit` of the tag it was
asked for). While it works the page says so, and shows its first look as soon as it is in
(each value to within a step of the scan, a fifth of the simulations; the full analysis
reuses its points and replaces it); its table is drawn in the page's language, greyed once
a slider moved.

Its input is ``take`` (the task button); its outputs ``take_button`` (only for a scenario
with levers) and ``take_out`` (working, the table, or what went wrong).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from shiny import module, reactive, render, ui

from simulator.app.explorer import Answer, Explorer, Request
from simulator.app.panels.answer import Answered
from simulator.app.panels.said import make_internal
from simulator.app.runner import Runner
from simulator.app.screen import Screen, Tag, fit
from simulator.app.views import keep_years
from simulator.inputs.scenario import Scenario
from simulator.report.html import levers_section
from simulator.report.i18n import t

__all__ = ["Studied", "StudyFailed", "button", "panel", "server"]


@dataclass(frozen=True, eq=False)
class Studied:
    """The levers of ``answer`` (levers.json data), asked for the request ``tag``."""

    tag: Tag
    answer: Answer
    levers: dict


class StudyFailed(Exception):
    """The study failed unexpectedly; ``said`` is what the page shows (one line)."""

    def __init__(self, said: str):
        super().__init__(said)
        self.said = said


@dataclass(frozen=True)
class Levers:
    """What the levers give the page: ``done_for(tag)`` (reactive), the levers worked out
    for the request ``tag`` (or for it in another language), None if not (yet)."""

    done_for: Callable[[Tag], dict | None]


@module.ui
def button() -> ui.Tag:
    """The task button's place (inline: in the row of the downloads)."""
    return ui.output_ui("take_button", inline=True)


@module.ui
def panel() -> ui.Tag:
    """The study's place: working, its table, or what went wrong."""
    return ui.output_ui("take_out")


def _task_button(label: str, busy: bool) -> ui.Tag:
    # the busy label is the label itself (the spinner says it works), in the page's language
    tag = ui.input_task_button("take", label, label_busy=label, type="default",
                               class_="btn-sm")
    if busy:  # drawn again (another language) while the study works: still busy
        tag.attrs["disabled"] = ""
        tag.children[0].attrs["case"] = "busy"
    return tag


async def _answer_for(runner: Runner[Tag, Request, Answer], tag: Tag) -> Answer | None:
    """The next answer to ``tag`` (or to it in another language); None if it will not
    come (a slider moved, another scenario, or the request failed)."""
    got = await runner.next_result(lambda other: fit(tag, other) in ("same", "language"))
    return None if got is None else got[1]


@module.server
def server(input, output, session, explorer: Explorer,  # noqa: A002 — Shiny's signature
           lang: Callable[[], str], screen: Callable[[], Screen | None],
           base: Callable[[], Scenario], answered: Answered) -> Levers:
    """The levers' study of one session, for ``screen()`` and its answer."""
    internal = make_internal(explorer)
    asked = reactive.value(None)  # the Tag the study on screen was asked for
    first = reactive.value(None)  # its first look (a Studied) while the full analysis works

    @ui.bind_task_button(button_id="take")
    @reactive.extended_task
    async def study(tag: Tag, found: Answer | None) -> Studied | None:
        """The levers of ``found``, or of the answer to ``tag`` once it is in (None if it
        will not come). Raises ``StudyFailed`` for an unexpected failure."""
        if found is None:
            found = await _answer_for(answered.runner, tag)
            if found is None:
                return None
        ticket = explorer.ticket()

        async def show_first(levers: dict) -> None:
            async with reactive.lock():
                first.set(Studied(tag, found, levers))
                await reactive.flush()

        try:
            levers = (await explorer.what_it_would_take(found, ticket, show_first))[0]
        except explorer.Cancelled:
            return None
        except Exception as exc:  # noqa: BLE001 — said in the page; the server goes on
            said = internal(exc)
            if said is None:  # stopping: nothing to say
                return None
            raise StudyFailed(said) from exc
        finally:  # cancelled (another scenario, a closed tab): its simulations stop too
            ticket.cancel()
        return Studied(tag, found, levers)

    session.on_ended(study.cancel)

    def now() -> Tag | None:
        got = screen()
        return None if got is None else got.tag

    @render.ui
    def take_button():
        lg = lang()
        if not base().levers:
            return None
        with reactive.isolate():
            busy = study.status() == "running"
        return _task_button(t("app.take", lg), busy)

    @reactive.effect
    @reactive.event(input.take)
    def _take():
        got = screen()
        if got is None:
            return
        shown = answered.fitted()
        study.cancel()  # asked again (the button is disabled while it works; a forged click)
        asked.set(got.tag)
        first.set(None)
        # its answer is on screen (maybe in the other language), or still on its way
        study.invoke(got.tag, shown.answer if shown.how in ("same", "language") else None)

    @reactive.effect
    def _forget():
        # an upload, a scenario picked, a mode switched (or other values in another
        # language) take the levers' table away, and stop its work
        tag = now()
        with reactive.isolate():
            was = asked()
        if was is not None and fit(was, tag) == "other":
            study.cancel()
            asked.set(None)
            first.set(None)

    @render.ui
    def take_out():
        tag, was, status = now(), asked(), study.status()
        how = fit(was, tag)
        if how == "other" or status in ("initial", "cancelled"):
            return None
        if status == "running":
            n = f"{explorer.lever_replications():,}"
            working = ui.tags.p(t("app.take_wait", tag.lang, n=n), class_="meta",
                                id="take-working", lang=tag.lang)
            look = first()
            if look is None or look.tag != was:
                return working
            # the first look (each value to within a step of the scan, said in its intro)
            # while the full analysis works
            run = dataclasses.replace(look.answer.estimate.run, levers=look.levers)
            return ui.div(working, ui.div(ui.HTML(keep_years(levers_section(run, tag.lang))),
                                          class_="wide stale" if how == "values" else "wide"),
                          id="take-first-look", lang=tag.lang, data_key=look.tag.key)
        try:
            done = study.result()
        except StudyFailed as failed:
            return ui.HTML(failed.said)
        if done is None:
            return None
        # said in the page's language, from the numbers worked out
        run = dataclasses.replace(done.answer.estimate.run, levers=done.levers)
        earlier = how == "values"
        return ui.div(
            ui.tags.p(t("app.take_earlier", tag.lang), class_="note", id="take-earlier")
            if earlier else None,
            ui.div(ui.HTML(keep_years(levers_section(run, tag.lang))),
                   class_="wide stale" if earlier else "wide"),
            id="take-table", lang=tag.lang, data_key=done.tag.key, data_fit=how)

    def done_for(tag: Tag) -> dict | None:
        was = asked()
        if was is None or study.status() != "success":
            return None
        done = study.result()
        if done is None or done.tag != was or fit(done.tag, tag) not in ("same", "language"):
            return None
        return done.levers

    return Levers(done_for=done_for)
