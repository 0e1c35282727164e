"""One district (a Shiny module): a picker, only for a scenario with districts (default:
the whole city, which shows nothing more), and, for a district picked, its table — its part
of each city-wide target, p10–p50–p90, P(≥ part), short when the city misses, share of the
city's gap — and its fan chart.

What it shows is the answer on screen's (:class:`~simulator.app.panels.answer.Answered`,
fitted to the page's :class:`~simulator.app.screen.Tag`): greyed while a slider's new answer
is coming, cleared for another scenario, mode or language; a district picked in one scenario
is forgotten when another is picked (back to the whole city). Its input is ``district``;
its outputs ``choice`` (the picker) and ``view`` (the district's table and chart).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from shiny import module, reactive, render, ui

from simulator.app.district_view import (
    WHOLE_CITY,
    UnknownDistrict,
    district_chart,
    district_choices,
    district_view,
)
from simulator.app.explorer import Explorer
from simulator.app.panels.answer import Answered
from simulator.app.screen import Screen
from simulator.report.i18n import t

__all__ = ["panel", "server"]


@module.ui
def panel() -> ui.TagList:
    """The district's place in the page: its picker, then its table and chart."""
    return ui.TagList(ui.output_ui("choice"), ui.output_ui("view"))


@module.server
def server(input, output, session, explorer: Explorer,  # noqa: A002 — Shiny's signature
           lang: Callable[[], str], screen: Callable[[], Screen | None],
           answered: Answered, refused: Callable[[str], None]) -> None:
    """The district view of one session; ``refused(text)`` is told of a district not on
    offer (a forged message)."""
    # (scenario key, digest, its district names): set only when it changes, so that the
    # picker is not drawn again at each slider move (a value set to itself invalidates
    # nothing; a calc would)
    offered = reactive.value(None)
    chosen = reactive.value((None, WHOLE_CITY))  # (the scenario's key and digest, district)

    @reactive.effect
    def _offer():
        got = screen()
        if got is None:
            return
        now = (got.tag.key, got.tag.digest, tuple(got.request.base.district_names))
        with reactive.isolate():
            made_for = chosen()[0]
        if made_for is not None and made_for != now[:2]:  # another scenario: the whole city
            chosen.set((None, WHOLE_CITY))
        offered.set(now)

    def picked() -> str:
        """The district picked for the scenario on screen (the whole city if it was picked
        for another)."""
        now, (made_for, district) = offered(), chosen()
        return district if now is not None and made_for == now[:2] else WHOLE_CITY

    @render.ui
    def choice():
        now, lg = offered(), lang()
        if now is None or not now[2]:
            return None
        with reactive.isolate():
            selected = picked()
        with reactive.isolate():
            got = screen()
        return ui.input_select("district", t("app.district", lg),
                               district_choices(got.request.base, lg), selected=selected)

    @reactive.effect
    @reactive.event(input.district)
    def _pick():
        wanted = input.district()
        with reactive.isolate():
            now = offered()
        if now is None:
            return
        if wanted != WHOLE_CITY and wanted not in now[2]:  # a forged message: say so
            refused(f"no district {str(wanted)[:80]!r} in this scenario")
            return
        chosen.set((now[:2], wanted))

    @render.ui
    async def view():
        district, lg = picked(), lang()
        if district == WHOLE_CITY:
            return None
        shown = answered.fitted()
        if shown.how not in ("same", "values"):  # nothing yet of what is on screen
            return None
        run = shown.answer.estimate.run
        try:
            table = district_view(run, district, lg).table
        except UnknownDistrict:  # the answer's run and the picker disagree: say so
            return ui.tags.p(t("app.district_gone", lg, name=district), class_="note")
        name = explorer.shown_name(shown.answer.request)
        # drawn off the event loop: the page keeps answering while matplotlib works
        chart = await asyncio.get_running_loop().run_in_executor(
            explorer.threads, district_chart, run, district, lg, name)
        return ui.div(ui.HTML(table), ui.HTML(chart),
                      class_="panel stale" if shown.how == "values" else "panel",
                      id="district-shown", lang=lg, data_district=district,
                      data_key=shown.answer.request.key, data_fit=shown.how)
