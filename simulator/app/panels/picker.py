"""The scenario picker and the upload (a Shiny module): which scenario is on screen.

Its inputs are ``scenario`` (one of the catalogue's, or an upload) and ``upload`` (a YAML
file, read as ``validate`` reads one); its outputs ``choice`` (the two, in the page's
language) and ``note`` (what became of the last upload).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shiny import module, reactive, render, ui

from simulator.app.catalogue import shown_to_user
from simulator.app.explorer import Explorer
from simulator.inputs.errors import LandsimError
from simulator.inputs.scenario import Scenario
from simulator.report.i18n import t

__all__ = ["Picked", "panel", "server"]


@dataclass(frozen=True)
class Picked:
    """What the picker gives the page (both reactive): the key of the scenario chosen and
    the scenario itself (an upload's key is ``upload:<file name>``)."""

    key: Callable[[], str]
    base: Callable[[], Scenario]


@dataclass(frozen=True)
class _Upload:
    """What became of an upload: opened as ``key``, or refused with ``problems``."""

    file: str
    key: str = ""
    problems: str = ""


@module.ui
def panel() -> ui.TagList:
    """The picker's place in the sidebar."""
    return ui.TagList(ui.output_ui("choice"), ui.output_ui("note"))


@module.server
def server(input, output, session, explorer: Explorer,  # noqa: A002 — Shiny's signature
           lang: Callable[[], str], refused: Callable[[str], None]) -> Picked:
    """The picker of one session; ``refused(text)`` is told of a scenario not on offer
    (a forged message)."""
    keys = list(explorer.catalogue.files)
    chosen = reactive.value(explorer.default_key)
    uploads: dict[str, Scenario] = {}  # this session's, by key
    uploaded = reactive.value(0)  # one more at each upload (a name may come again)
    said = reactive.value(None)  # an _Upload

    @reactive.calc
    def base() -> Scenario:
        uploaded()
        key = chosen()
        if key in uploads:
            return uploads[key]
        return explorer.load(key)

    def names() -> dict[str, str]:
        out = {k: k for k in keys}
        out.update({k: k.removeprefix("upload:") + " ↑" for k in uploads})
        return out

    @render.ui
    def choice():
        lg = lang()
        with reactive.isolate():  # drawn again for the language, not for each choice
            selected = chosen()
        return ui.TagList(
            ui.input_select("scenario", t("app.scenario", lg), names(), selected=selected),
            ui.input_file("upload", t("app.upload", lg), accept=[".yaml", ".yml"],
                          multiple=False, button_label=t("app.browse", lg),
                          placeholder=t("app.no_file", lg)),
        )

    @reactive.effect
    @reactive.event(input.scenario)
    def _pick():
        wanted = input.scenario()
        if wanted not in keys and wanted not in uploads:  # a forged message: say so
            refused(f"no scenario {str(wanted)[:80]!r} on offer")
            return
        if wanted != chosen():
            chosen.set(wanted)

    @reactive.effect
    @reactive.event(input.upload)
    def _upload():
        files = input.upload() or []
        if not files:
            return
        info = files[0]
        try:
            scenario = explorer.read_upload(info["name"], Path(info["datapath"]),
                                            int(info.get("size") or 0))
        except LandsimError as exc:  # ScenarioError too: its lines, file names only
            said.set(_Upload(info["name"], problems=shown_to_user(exc)))
            return
        key = f"upload:{Path(info['name']).name}"
        uploads[key] = scenario
        with reactive.isolate():
            uploaded.set(uploaded() + 1)
        said.set(_Upload(info["name"], key=key))
        chosen.set(key)
        ui.update_select("scenario", choices=names(), selected=key)

    @render.ui
    def note():
        got, lg = said(), lang()
        if got is None:
            return None
        if not got.key:
            return ui.TagList(
                ui.tags.p(t("app.upload_bad", lg, file=got.file)),
                ui.tags.pre(got.problems, class_="problems", id="upload-problems"))
        if chosen() != got.key:  # said of a scenario no longer on screen
            return None
        return ui.tags.p(t("app.upload_ok", lg, file=got.file), class_="note", id="upload-ok")

    return Picked(key=chosen, base=base)
