"""The controls (a Shiny module): the uncertainty switch and the scenario's sliders.

Its inputs are ``mode`` (how the uncertain values are taken, if the scenario has any), a
slider per :class:`~simulator.app.controls.Control` (its id) and ``reset``; its outputs
``mode_choice`` and ``sliders``, drawn again for each scenario and language.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from shiny import module, reactive, render, ui

from simulator.app.controls import Control, changed_values, controls_for
from simulator.app.explorer import Explorer
from simulator.inputs.scenario import Scenario
from simulator.report.i18n import label_of_pathway, t

__all__ = ["Moved", "panel", "server"]


@dataclass(frozen=True)
class Moved:
    """What the controls give the page (both reactive): the mode chosen (None: the
    scenario has none, or the switch is not drawn yet) and the values moved, (key path,
    value) in the controls' order — which raises ``LandsimError`` for a value the page
    cannot take (a forged message)."""

    mode: Callable[[], str | None]
    values: Callable[[], tuple[tuple[str, float | int], ...]]


@module.ui
def panel() -> ui.TagList:
    """The controls' place in the sidebar."""
    return ui.TagList(ui.output_ui("mode_choice"), ui.output_ui("sliders"))


@module.server
def server(input, output, session, explorer: Explorer,  # noqa: A002 — Shiny's signature
           lang: Callable[[], str], base: Callable[[], Scenario]) -> Moved:
    """The controls of one session, for the scenario ``base()``."""
    shown_before = itertools.count()

    @reactive.calc
    def modes() -> list[str]:
        return explorer.modes_of(base())

    @reactive.calc
    def shown() -> list[Control]:
        return controls_for(base(), lang())

    @reactive.calc
    def generation() -> int:
        """How many scenarios were shown before this one: its sliders' ids say it, so that
        the values of another scenario's sliders (the same key path, hence the same id)
        never reach this one's request. The first keeps the plain ids."""
        base()
        return next(shown_before)

    def slider_id(c: Control) -> str:
        g = generation()
        return c.id if g == 0 else f"{c.id}_g{g}"

    def slider_values() -> dict[str, object]:
        """The sliders' values on screen, by control id (those not yet drawn left out)."""
        return {c.id: input[slider_id(c)]() for c in shown() if slider_id(c) in input}

    @reactive.calc
    def mode() -> str | None:
        return input.mode() if "mode" in input and input.mode() in modes() else None

    @reactive.calc
    def values() -> tuple[tuple[str, float | int], ...]:
        return tuple(changed_values(shown(), slider_values()).items())

    @render.ui
    def mode_choice():
        lg, offered = lang(), modes()
        if not offered:
            return None
        with reactive.isolate():  # another language keeps the mode chosen
            now = input.mode() if "mode" in input and input.mode() in offered else offered[0]
        return ui.input_radio_buttons(
            "mode", t("app.mode", lg), {m: t(f"app.mode.{m}", lg) for m in offered},
            selected=now)

    @render.ui
    def sliders():
        lg, scenario, controls = lang(), base(), shown()
        with reactive.isolate():  # a language switch keeps the values moved
            current = slider_values()
        blocks, group = [], None
        for c in controls:
            if c.group != group:
                group = c.group
                title = (t("app.levers", lg) if group == "levers" else
                         t("app.office", lg) if group == "office" else
                         label_of_pathway(scenario, group, lg))
                blocks.append(ui.h6(title, class_="mt-3"))
            label = ui.TagList(c.label, ui.tags.br(), ui.tags.code(c.path, class_="keypath"))
            blocks.append(ui.input_slider(
                slider_id(c), label, min=c.low, max=c.high, value=current.get(c.id, c.value),
                step=c.step, sep="", ticks=False))
        blocks.append(ui.input_action_button("reset", t("app.reset", lg), class_="btn-sm mt-2"))
        return ui.TagList(*blocks)

    @reactive.effect
    @reactive.event(input.reset)
    def _reset():
        for c in shown():
            ui.update_slider(slider_id(c), value=c.value)

    return Moved(mode=mode, values=values)
