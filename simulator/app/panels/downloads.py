"""The downloads (a Shiny module): the scenario on screen as YAML, and its run report.

Both are of what is on screen, never of an answer left over: the YAML has the values moved
(as ``--set`` would), the report is the answer's (its quick stage worked out now if the
answer is still coming), with the levers' table if it was worked out for it. Its outputs:
``buttons`` (in the page's language) and the downloads ``yaml`` and ``report``.
"""

from __future__ import annotations

import asyncio
import functools
import warnings
from collections.abc import Callable

from shiny import module, reactive, render, ui

from simulator.app.explorer import Explorer
from simulator.app.panels.answer import Answered
from simulator.app.panels.levers import Levers
from simulator.app.screen import Screen, tag_of
from simulator.inputs.errors import LandsimError
from simulator.inputs.scenario import Scenario
from simulator.report.i18n import t

__all__ = ["panel", "server"]

# Shiny Express users are steered to render.download_button; with Core's ui.download_button
# in a rendered block (its label follows the page's language), render.download is the way
warnings.filterwarnings("ignore", message="render.download is deprecated")


@module.ui
def panel() -> ui.Tag:
    """The download buttons' place (inline: the levers' button follows in their row)."""
    return ui.output_ui("buttons", inline=True)


@module.server
def server(input, output, session, explorer: Explorer,  # noqa: A002 — Shiny's signature
           lang: Callable[[], str], screen: Callable[[], Screen | None],
           base: Callable[[], Scenario], answered: Answered, levers: Levers) -> None:
    """The downloads of one session, of ``screen()``."""

    @render.ui
    def buttons():
        lg = lang()
        return ui.TagList(
            ui.download_button("yaml", t("app.download_yaml", lg), class_="btn-sm me-2"),
            ui.download_button("report", t("app.download_report", lg), class_="btn-sm me-2"))

    def on_screen() -> Scenario:
        """The scenario the page shows, with its values moved."""
        shown = answered.fitted()
        if shown.how in ("same", "language"):
            return shown.answer.scenario
        got = screen()
        if got is None:
            return base()
        try:
            return explorer.scenario_of(got.request)[1]
        except LandsimError:
            return got.request.base

    @render.download(filename=lambda: f"{on_screen().name}.yaml")
    def yaml():
        yield explorer.scenario_yaml(on_screen())

    @render.download(filename=lambda: f"{on_screen().name}-report"
                                      f"{'' if lang() == 'en' else '.zh'}.html")
    async def report():
        shown, got, lg = answered.fitted(), screen(), lang()
        found = shown.answer
        if shown.how not in ("same", "language"):  # the answer on screen is still coming
            if got is None:
                return
            request = got.request
            try:
                found = await asyncio.get_running_loop().run_in_executor(
                    explorer.threads, functools.partial(
                        explorer.answer_stage, request, explorer.stages(request)[0],
                        explorer.ticket(), quick=True, charts=False))
            except LandsimError:
                return
        with reactive.isolate():
            worked_out = levers.done_for(tag_of(explorer, found.request))
        yield await explorer.report_html(found, lg, worked_out)
