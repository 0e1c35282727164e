"""The explorer's page (Shiny for Python): pick a scenario, move its controls, read the
odds. Every number comes from :mod:`simulator.app.estimates` and every sentence, table and
chart from the run report's own functions (:mod:`simulator.app.views`).

A change starts a request: its estimates in stages, each drawn as soon as it is in; a
newer change, or a closed tab, cancels the older request's remaining work.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import shlex
import sys
import time
import warnings
from concurrent.futures.process import BrokenProcessPool
from html import escape
from pathlib import Path

from shiny import App, reactive, render, ui

from simulator.app.catalogue import shown_to_user
from simulator.app.controls import Control, changed_values, controls_for, set_arguments
from simulator.app.explorer import Explorer, Request
from simulator.inputs.errors import LandsimError
from simulator.report.i18n import label_of_pathway, scenario_name, t

__all__ = ["make_app"]

_log = logging.getLogger("landsim.explorer")

# Shiny Express users are steered to render.download_button; with Core's ui.download_button
# in a rendered block (its label follows the page's language), render.download is the way
warnings.filterwarnings("ignore", message="render.download is deprecated")

_CSS = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
table#targets { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
table#targets th, table#targets td { border-bottom: 1px solid #ddd; padding: 3px 6px;
  vertical-align: top; }
table#levers { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table#levers th, table#levers td { border-bottom: 1px solid #ddd; padding: 3px 6px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.headline { font-size: 1.15rem; }
.coverage, .note, .meta { color: #555; font-size: 0.85rem; }
.problems { color: #a00; font-family: monospace; font-size: 0.8rem; white-space: pre-wrap; }
figure img { width: 100%; } figcaption { font-size: 0.75rem; color: #555; }
code.keypath { font-size: 0.75rem; color: #666; }
td.change { white-space: nowrap; }
.chart.stale { opacity: 0.45; }
h2 { font-size: 1.1rem; margin-top: 1rem; }
"""


def make_internal(explorer: Explorer):
    """What an unexpected failure of a request shows in the page and says on stderr, in
    one line each and with no traceback (None while the explorer is stopping, or when its
    workers were stopped with it: nothing to say then)."""

    def internal(exc: BaseException) -> str | None:
        if explorer.closing:
            return None
        if isinstance(exc, BrokenProcessPool):
            text = ("a simulation worker was stopped from outside (a signal to the process "
                    "group, or out of memory); restart landsim serve")
        else:
            text = f"internal error: {type(exc).__name__}: {exc}"
        _log.debug("explorer request failed", exc_info=exc)
        print(f"landsim explorer: {text}", file=sys.stderr)
        return f'<pre class="problems" id="value-problems">{escape(text)}</pre>'

    return internal


def make_app(explorer: Explorer) -> App:
    """The Shiny app over ``explorer`` (its catalogue, pool and caches)."""
    keys = list(explorer.catalogue.files)

    app_ui = ui.page_sidebar(
        ui.sidebar(
            ui.input_radio_buttons("lang", None, {"en": "English", "zh": "中文"},
                                   selected="en", inline=True),
            ui.output_ui("picker"),
            ui.output_ui("upload_note"),
            ui.output_ui("mode_ui"),
            ui.output_ui("controls"),
            width=400,
        ),
        ui.tags.style(_CSS),
        ui.output_ui("answer_meta"),
        ui.output_ui("headline"),
        ui.output_ui("table"),
        ui.layout_columns(ui.output_ui("fan"), ui.output_ui("pathways")),
        ui.output_ui("actions"),
        ui.output_ui("take_out"),
        title="landsim",
        fillable=False,
    )

    _internal = make_internal(explorer)

    def server(input, output, session):  # noqa: A002 — Shiny's signature
        chosen = reactive.value(explorer.default_key)
        uploads: dict[str, object] = {}
        upload_text = reactive.value("")
        answer = reactive.value(None)  # the latest finished stage: an explorer.Answer
        failure = reactive.value("")
        take = reactive.value(None)
        charts = reactive.value({})
        state = {"ticket": None, "take_ticket": None, "sequence": 0}

        def lang() -> str:
            return input.lang() if input.lang() in ("en", "zh") else "en"

        @reactive.calc
        def base():
            key = chosen()
            if key in uploads:
                return uploads[key]
            return explorer.load(key)

        @reactive.calc
        def modes() -> list[str]:
            return explorer.modes_of(base())

        @reactive.calc
        def shown_controls() -> list[Control]:
            return controls_for(base(), lang())

        @render.ui
        def picker():
            lg = lang()
            names = {k: k for k in keys}
            names.update({k: k.removeprefix("upload:") + " ↑" for k in uploads})
            with reactive.isolate():
                selected = chosen()
            return ui.TagList(
                ui.input_select("scenario", t("app.scenario", lg), names, selected=selected),
                ui.input_file("upload", t("app.upload", lg), accept=[".yaml", ".yml"],
                              multiple=False),
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
            lg = lang()
            try:
                scenario = explorer.read_upload(info["name"], Path(info["datapath"]),
                                                int(info.get("size") or 0))
            except LandsimError as exc:  # ScenarioError too: its lines, file names only
                upload_text.set(f'<p>{escape(t("app.upload_bad", lg, file=info["name"]))}</p>'
                                f'<pre class="problems" id="upload-problems">'
                                f'{escape(shown_to_user(exc))}</pre>')
                return
            key = f"upload:{Path(info['name']).name}"
            uploads[key] = scenario
            upload_text.set(f'<p class="note" id="upload-ok">'
                            f'{escape(t("app.upload_ok", lg, file=info["name"]))}</p>')
            chosen.set(key)

        @render.ui
        def upload_note():
            return ui.HTML(upload_text.get())

        @render.ui
        def mode_ui():
            lg, offered = lang(), modes()
            if not offered:
                return None
            with reactive.isolate():
                now = input.mode() if "mode" in input and input.mode() in offered else offered[0]
            return ui.input_radio_buttons(
                "mode", t("app.mode", lg), {m: t(f"app.mode.{m}", lg) for m in offered},
                selected=now)

        @render.ui
        def controls():
            lg, scenario, shown = lang(), base(), shown_controls()
            with reactive.isolate():
                current = {c.id: input[c.id]() for c in shown if c.id in input}
            blocks, group = [], None
            for c in shown:
                if c.group != group:
                    group = c.group
                    title = (t("app.levers", lg) if group == "levers" else
                             t("app.office", lg) if group == "office" else
                             label_of_pathway(scenario, group, lg))
                    blocks.append(ui.h6(title, class_="mt-3"))
                value = current.get(c.id, c.value)
                blocks.append(ui.input_slider(
                    c.id, ui.HTML(f"{escape(c.label)}<br><code class=\"keypath\">"
                                  f"{escape(c.path)}</code>"),
                    min=c.low, max=c.high, value=value, step=c.step, sep="", ticks=False))
            blocks.append(ui.input_action_button("reset", t("app.reset", lg),
                                                 class_="btn-sm mt-2"))
            return ui.TagList(*blocks)

        @reactive.effect
        @reactive.event(input.reset)
        def _reset():
            for c in shown_controls():
                ui.update_slider(c.id, value=c.value)

        def refused(text: str) -> None:
            """A message the page cannot take (a forged value or name): one line on stderr,
            the refusal in the page, the session goes on."""
            print(f"landsim explorer: refused: {text}", file=sys.stderr)
            failure.set(f'<p>{escape(t("app.bad_value", lang()))}</p>'
                        f'<pre class="problems" id="value-problems">{escape(text)}</pre>')

        @reactive.calc
        def request() -> Request | None:
            scenario, shown = base(), shown_controls()
            values = {c.id: input[c.id]() for c in shown if c.id in input}
            mode = input.mode() if "mode" in input and input.mode() in modes() else None
            try:
                changed = changed_values(shown, values)
            except LandsimError as exc:
                with reactive.isolate():
                    refused(shown_to_user(exc))
                return None
            return Request(key=chosen(), base=scenario, mode=mode,
                           values=tuple(changed.items()), lang=lang())

        @reactive.effect
        def _start():
            req = request()
            if req is None:
                return
            _log.debug("request %s %s", req.values, time.perf_counter())
            same = (req.key, req.mode or explorer.shipped_mode(req.base), req.values, req.lang)
            if same == state.get("asked"):  # e.g. the mode switch appearing at its default
                return
            state["asked"] = same
            if state["ticket"] is not None:
                state["ticket"].cancel()
            ticket = explorer.ticket()
            state["ticket"] = ticket
            state["sequence"] += 1
            sequence = state["sequence"]
            asyncio.create_task(_run(req, ticket, sequence))

        async def _run(req: Request, ticket, sequence: int):
            try:
                async for found in explorer.answers(req, ticket):
                    if ticket.cancelled:
                        return
                    async with reactive.lock():
                        _log.debug("answer %s n=%d charts=%d %s", req.values,
                                   found.estimate.replications, bool(found.view.fan),
                                   time.perf_counter())
                        answer.set(dataclasses.replace(found, sequence=sequence))
                        if found.view.fan:
                            charts.set({"fan": found.view.fan,
                                        "pathways": found.view.pathways})
                        failure.set("")
                        await reactive.flush()
            except LandsimError as exc:  # ScenarioError too
                lines = shown_to_user(exc)
                async with reactive.lock():
                    failure.set(f'<p>{escape(t("app.bad_value", req.lang))}</p>'
                                f'<pre class="problems" id="value-problems">{escape(lines)}'
                                "</pre>")
                    await reactive.flush()
            except explorer.Cancelled:
                return
            except Exception as exc:  # noqa: BLE001 — the page says so; the server goes on
                said = _internal(exc)
                if said is None:
                    return
                async with reactive.lock():
                    failure.set(said)
                    await reactive.flush()

        @render.ui
        def answer_meta():
            found, lg = answer(), lang()
            if found is None:
                return ui.HTML(f'<p class="meta" id="answer-meta" data-state="working">'
                               f'{escape(t("app.working", lg))}</p>')
            view = found.view
            more = (t("app.refining", lg, n=f"{found.target:,}") if not found.final
                    else t("app.final", lg))
            command = shlex.join(explorer.command(found))
            if found.request.mode not in (None, explorer.shipped_mode(found.request.base)):
                command += f"  # {t(f'app.mode.{found.request.mode}', lg)}: not a --set"
            title = scenario_name(found.scenario, lg)
            return ui.HTML(
                f'<p class="meta" id="answer-meta" data-state="{found.state}"'
                f' data-replications="{view.replications}" data-seed="{view.seed}"'
                f' data-sequence="{found.sequence}" data-charts="{int(bool(found.view.fan))}"'
                f' data-values="{escape(";".join(set_arguments(dict(found.request.values))))}">'
                f"<strong>{escape(title)}</strong> · "
                f'{escape(t("app.meta", lg, n=f"{view.replications:,}", seed=view.seed))} · '
                f"{escape(more)}</p>"
                + failure.get()
                + f'<p class="note">{escape(t("app.reproduce", lg))} '
                f'<code id="reproduce">{escape(command)}</code></p>')

        @render.ui
        def headline():
            found = answer()
            return None if found is None else ui.HTML(found.view.headline)

        @render.ui
        def table():
            found = answer()
            return None if found is None else ui.HTML(found.view.table)

        @render.ui
        def fan():
            return _chart("fan")

        @render.ui
        def pathways():
            return _chart("pathways")

        def _chart(name: str):
            # the last charts drawn stay, greyed, until the new answer's are in
            found, drawn = answer(), charts.get()
            if found is None or name not in drawn:
                return None
            stale = "" if found.view.fan else " stale"
            return ui.HTML(f'<div class="chart{stale}">{drawn[name]}</div>')

        @render.ui
        def actions():
            lg = lang()
            buttons = [ui.download_button("dl_yaml", t("app.download_yaml", lg),
                                          class_="btn-sm me-2"),
                       ui.download_button("dl_report", t("app.download_report", lg),
                                          class_="btn-sm me-2")]
            if base().levers:
                buttons.append(ui.input_action_button("take", t("app.take", lg),
                                                      class_="btn-sm"))
            return ui.div(*buttons, class_="mt-3")

        @reactive.effect
        @reactive.event(input.take)
        def _take():
            found = answer()
            if found is None:
                return
            if state["take_ticket"] is not None:
                state["take_ticket"].cancel()
            ticket = explorer.ticket()
            state["take_ticket"] = ticket
            take.set(("working", found))

            async def work():
                try:
                    levers, html = await explorer.what_it_would_take(found, ticket)
                except explorer.Cancelled:
                    return
                except Exception as exc:  # noqa: BLE001 — said in the page, as above
                    html, levers = _internal(exc), None
                    if html is None:
                        return
                async with reactive.lock():
                    take.set(("done", html, levers) if levers is not None
                             else ("failed", html))
                    await reactive.flush()

            asyncio.create_task(work())

        @render.ui
        def take_out():
            got = take()
            if got is None:
                return None
            if got[0] == "failed":
                return ui.HTML(got[1])
            if got[0] == "working":
                n = f"{explorer.lever_replications():,}"
                return ui.HTML(f'<p class="meta" id="take-working">'
                               f'{escape(t("app.take_wait", lang(), n=n))}</p>')
            return ui.HTML(f'<div id="take">{got[1]}</div>')

        @render.download(filename=lambda: f"{_current_name()}.yaml")
        def dl_yaml():
            found = answer()
            yield explorer.scenario_yaml(found.scenario if found is not None else base())

        @render.download(filename=lambda: f"{_current_name()}-report"
                                          f"{'' if lang() == 'en' else '.zh'}.html")
        async def dl_report():
            found = answer()
            if found is None:
                return
            with reactive.isolate():
                levers = take()
            data = await explorer.report_html(found, lang(),
                                              levers[2] if levers and levers[0] == "done"
                                              else None)
            yield data

        def _current_name() -> str:
            found = answer()
            return found.scenario.name if found is not None else base().name

        def _ended():
            for key in ("ticket", "take_ticket"):
                if state[key] is not None:
                    state[key].cancel()

        session.on_ended(_ended)

    return App(app_ui, server)
