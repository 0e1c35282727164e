"""The explorer's page (Shiny for Python): pick a scenario, move its controls, read the
odds. Every number comes from :mod:`simulator.app.estimates` and every sentence, table and
chart from the run report's own functions (:mod:`simulator.app.views`).

A change starts a request: its estimates in stages, each drawn as soon as it is in; a
newer change, or a closed tab, cancels the older request's remaining work.

Every panel belongs to what is on screen (issue 38): its content is kept with the
:class:`Tag` of the request it answers (scenario, uncertainty mode, values moved,
language), and :func:`fit` decides, at each render, whether it is shown as it is, greyed
(the same scenario before a slider moved, until the new answer), said again in the page's
language (the levers' table), or cleared. Another scenario (picked or uploaded), another
mode or both another language and other values clear every panel and cancel "What would
it take?"; the downloads are of the scenario on screen, never of an answer left over.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import shlex
import sys
import time
import warnings
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from html import escape
from pathlib import Path

from shiny import App, reactive, render, ui

from simulator.app.catalogue import shown_to_user
from simulator.app.controls import Control, changed_values, controls_for, set_arguments
from simulator.app.explorer import Answer, Explorer, Request
from simulator.app.views import keep_years
from simulator.inputs.errors import LandsimError
from simulator.inputs.scenario import Scenario
from simulator.report.html import levers_section
from simulator.report.i18n import label_of_pathway, t

__all__ = ["Tag", "fit", "make_app"]

_log = logging.getLogger("landsim.explorer")

# Shiny Express users are steered to render.download_button; with Core's ui.download_button
# in a rendered block (its label follows the page's language), render.download is the way
warnings.filterwarnings("ignore", message="render.download is deprecated")

_CSS = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
.wide { overflow-x: auto; }
table#targets { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table#targets th, table#targets td { border-bottom: 1px solid #ddd; padding: 3px 5px;
  vertical-align: top; }
table#levers { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table#levers th, table#levers td { border-bottom: 1px solid #ddd; padding: 3px 6px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table#targets td.num, table#levers td.num, .years { white-space: nowrap; }
:lang(zh) table#targets th, :lang(zh) table#targets td,
:lang(zh) table#levers th, :lang(zh) table#levers td { word-break: keep-all; }
.headline { font-size: 1.15rem; }
.coverage, .note, .meta { color: #555; font-size: 0.85rem; }
.problems { color: #a00; font-family: monospace; font-size: 0.8rem; white-space: pre-wrap; }
figure img { width: 100%; } figcaption { font-size: 0.75rem; color: #555; }
code.keypath { font-size: 0.75rem; color: #666; }
td.change { white-space: nowrap; }
:lang(zh) table#targets td.change { white-space: normal; } /* after its "，" (keep-all) */
.stale { opacity: 0.45; }
h2 { font-size: 1.1rem; margin-top: 1rem; }
"""


@dataclass(frozen=True)
class Tag:
    """What a panel's content answers: a scenario (its key and digest: a file uploaded
    again under the same name is another scenario), how its uncertain values are taken,
    the values moved (key path, value) and the language."""

    key: str
    digest: str
    mode: str | None
    values: tuple[tuple[str, float | int], ...]
    lang: str


def fit(made_for: Tag | None, on_screen: Tag | None) -> str:
    """How a panel made for ``made_for`` stands to what is on screen: ``"same"`` (show it),
    ``"language"`` (only the language differs: say it again in the page's language, or
    clear it), ``"values"`` (the same scenario, mode and language before a slider moved:
    greyed until the new answer), ``"other"`` (another scenario or mode, other values in
    another language, or nothing on one side: clear it)."""
    if made_for is None or on_screen is None:
        return "other"
    if (made_for.key, made_for.digest, made_for.mode) != (
            on_screen.key, on_screen.digest, on_screen.mode):
        return "other"
    same_values, same_lang = made_for.values == on_screen.values, made_for.lang == on_screen.lang
    if same_values:
        return "same" if same_lang else "language"
    return "values" if same_lang else "other"


@dataclass(frozen=True)
class Take:
    """The levers' analysis ("What would it take?") for the request ``tag``: waiting for
    its answer, working, done (its ``levers``) or failed (``said``)."""

    state: str
    tag: Tag
    answer: Answer | None = None
    levers: dict | None = None
    said: str = ""


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

    def tag_of(request: Request) -> Tag:
        # no mode and the shipped mode are one request (the switch appears at its default)
        return Tag(request.key, explorer.digest(request.base),
                   request.mode or explorer.shipped_mode(request.base), request.values,
                   request.lang)

    def server(input, output, session):  # noqa: A002 — Shiny's signature
        chosen = reactive.value(explorer.default_key)
        uploads: dict[str, Scenario] = {}
        uploaded = reactive.value(0)  # one more at each upload (a name may come again)
        upload_said = reactive.value(None)  # ("ok" or "bad", the file's name, its problems)
        answer = reactive.value(None)  # (Tag, the latest finished stage: an Answer)
        failure = reactive.value(None)  # (Tag, what the page says)
        take = reactive.value(None)  # a Take
        charts = reactive.value(None)  # (Tag, {chart name: HTML})
        state = {"ticket": None, "take_ticket": None, "sequence": 0, "asked": None,
                 "screen": None, "generation": 0}

        def lang() -> str:
            return input.lang() if input.lang() in ("en", "zh") else "en"

        @reactive.calc
        def base() -> Scenario:
            uploaded()
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

        @reactive.calc
        def generation() -> int:
            """How many scenarios were shown before this one: its sliders' ids say it,
            so that the values of another scenario's sliders (the same key path, hence
            the same id) never reach this one's request. The first keeps the plain ids."""
            base()
            state["generation"] += 1
            return state["generation"] - 1

        def slider_id(c: Control) -> str:
            g = generation()
            return c.id if g == 0 else f"{c.id}_g{g}"

        def slider_values() -> dict[str, object]:
            """The sliders' values on screen, by control id (those not yet drawn left out)."""
            return {c.id: input[slider_id(c)]() for c in shown_controls()
                    if slider_id(c) in input}

        def names() -> dict[str, str]:
            out = {k: k for k in keys}
            out.update({k: k.removeprefix("upload:") + " ↑" for k in uploads})
            return out

        @render.ui
        def picker():
            lg = lang()
            with reactive.isolate():
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
                upload_said.set(("bad", info["name"], shown_to_user(exc)))
                return
            key = f"upload:{Path(info['name']).name}"
            uploads[key] = scenario
            with reactive.isolate():
                uploaded.set(uploaded() + 1)
            upload_said.set(("ok", info["name"], key))
            chosen.set(key)
            ui.update_select("scenario", choices=names(), selected=key)

        @render.ui
        def upload_note():
            said, lg = upload_said(), lang()
            if said is None:
                return None
            kind, name, more = said
            if kind == "bad":
                return ui.HTML(f'<p>{escape(t("app.upload_bad", lg, file=name))}</p>'
                               f'<pre class="problems" id="upload-problems">{escape(more)}'
                               "</pre>")
            if chosen() != more:  # said of a scenario no longer on screen
                return None
            return ui.HTML(f'<p class="note" id="upload-ok">'
                           f'{escape(t("app.upload_ok", lg, file=name))}</p>')

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
            with reactive.isolate():  # a language switch keeps the values moved
                current = slider_values()
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
                    slider_id(c), ui.HTML(f"{escape(c.label)}<br><code class=\"keypath\">"
                                  f"{escape(c.path)}</code>"),
                    min=c.low, max=c.high, value=value, step=c.step, sep="", ticks=False))
            blocks.append(ui.input_action_button("reset", t("app.reset", lg),
                                                 class_="btn-sm mt-2"))
            return ui.TagList(*blocks)

        @reactive.effect
        @reactive.event(input.reset)
        def _reset():
            for c in shown_controls():
                ui.update_slider(slider_id(c), value=c.value)

        def refused(text: str) -> None:
            """A message the page cannot take (a forged value or name): one line on stderr,
            the refusal in the page (with what is on screen), the session goes on."""
            print(f"landsim explorer: refused: {text}", file=sys.stderr)
            # a refusal (marked by its third item) shows while the page's inputs are refused:
            # a stage of the answer already under way must not clear it (it did, under load)
            screen = state["screen"]
            failure.set((screen[1] if screen else None,
                         f'<p>{escape(t("app.bad_value", lang()))}</p>'
                         f'<pre class="problems" id="value-problems">{escape(text)}</pre>',
                         "refused"))

        @reactive.calc
        def request() -> Request | None:
            scenario, shown, values = base(), shown_controls(), slider_values()
            mode = input.mode() if "mode" in input and input.mode() in modes() else None
            try:
                changed = changed_values(shown, values)
            except LandsimError as exc:
                with reactive.isolate():
                    refused(shown_to_user(exc))
                return None
            return Request(key=chosen(), base=scenario, mode=mode,
                           values=tuple(changed.items()), lang=lang())

        @reactive.calc
        def on_screen() -> tuple[Request, Tag] | None:
            """The request the page's controls make, and its tag (a refused message
            leaves the last one on screen)."""
            req = request()
            if req is not None:
                state["screen"] = (req, tag_of(req))
            return state["screen"]

        def now() -> Tag | None:
            got = on_screen()
            return None if got is None else got[1]

        @reactive.calc
        def shown() -> tuple[Answer | None, str]:
            """The latest answer and how it stands to what is on screen (:func:`fit`)."""
            got = answer()
            if got is None:
                return None, "other"
            return got[1], fit(got[0], now())

        def said_failure() -> str:
            got = failure()
            if got is not None and len(got) > 2 and request() is not None:
                return ""  # a refusal is over once the inputs are ones the page takes
            return got[1] if got is not None and fit(got[0], now()) == "same" else ""

        @reactive.effect
        def _start():
            got = on_screen()
            if got is None:
                return
            req, tag = got
            _log.debug("request %s %s", req.values, time.perf_counter())
            if tag == state["asked"]:  # e.g. the mode switch appearing at its default
                return
            state["asked"] = tag
            if state["ticket"] is not None:
                state["ticket"].cancel()
            ticket = explorer.ticket()
            state["ticket"] = ticket
            state["sequence"] += 1
            sequence = state["sequence"]
            asyncio.create_task(_run(req, tag, ticket, sequence))

        async def _run(req: Request, tag: Tag, ticket, sequence: int):
            try:
                async for found in explorer.answers(req, ticket):
                    if ticket.cancelled:
                        return
                    async with reactive.lock():
                        _log.debug("answer %s n=%d charts=%d %s", req.values,
                                   found.estimate.replications, bool(found.view.fan),
                                   time.perf_counter())
                        found = dataclasses.replace(found, sequence=sequence)
                        answer.set((tag, found))
                        if found.view.fan:
                            charts.set((tag, {"fan": found.view.fan,
                                              "pathways": found.view.pathways}))
                        with reactive.isolate():
                            now_failed = failure()
                        if now_failed is None or len(now_failed) < 3:  # not a refusal
                            failure.set(None)
                        with reactive.isolate():
                            waiting = take()
                        if waiting is not None and waiting.state == "waiting" and fit(
                                waiting.tag, tag) in ("same", "language"):
                            _start_take(found, waiting.tag)
                        await reactive.flush()
            except LandsimError as exc:  # ScenarioError too
                lines = shown_to_user(exc)
                async with reactive.lock():
                    with reactive.isolate():  # is the answer before these values shown?
                        before = answer()
                    stays = before is not None and fit(before[0], tag) == "values"
                    words = t("app.bad_value" if stays else "app.failed", req.lang)
                    failure.set((tag, f"<p>{escape(words)}</p>"
                                      f'<pre class="problems" id="value-problems">'
                                      f"{escape(lines)}</pre>"))
                    _drop_waiting(tag)
                    await reactive.flush()
            except explorer.Cancelled:
                return
            except Exception as exc:  # noqa: BLE001 — the page says so; the server goes on
                said = _internal(exc)
                if said is None:
                    return
                async with reactive.lock():
                    failure.set((tag, said))
                    _drop_waiting(tag)
                    await reactive.flush()

        def _panel(html: str, how: str, ident: str = "") -> ui.HTML:
            """A panel's HTML in the page's language, greyed if it answers the values
            before a slider moved."""
            stale = " stale" if how == "values" else ""
            ident = f' id="{ident}"' if ident else ""
            return ui.HTML(f'<div{ident} class="panel{stale}" lang="{lang()}">{html}</div>')

        @render.ui
        def answer_meta():
            (found, how), lg = shown(), lang()
            failed = said_failure()
            if how not in ("same", "values"):  # nothing yet of what is on screen
                words = "" if failed else escape(t("app.working", lg))
                return ui.HTML(f'<p class="meta" id="answer-meta" lang="{lg}"'
                               f' data-state="{"failed" if failed else "working"}">'
                               f"{words}</p>{failed}")
            view = found.view
            more = (t("app.refining", lg, n=f"{found.target:,}") if not found.final
                    else t("app.final", lg))
            command = shlex.join(explorer.command(found))
            if found.request.mode not in (None, explorer.shipped_mode(found.request.base)):
                command += (f"  # {t(f'app.mode.{found.request.mode}', lg)}: "
                            f"{t('app.not_a_set', lg)}")
            title = explorer.shown_name(dataclasses.replace(found.request, lang=lg))
            return ui.HTML(
                f'<p class="meta" id="answer-meta" lang="{lg}" data-state="{found.state}"'
                f' data-fit="{how}" data-key="{escape(found.request.key)}"'
                f' data-lang="{found.request.lang}"'
                f' data-replications="{view.replications}" data-seed="{view.seed}"'
                f' data-sequence="{found.sequence}" data-charts="{int(bool(found.view.fan))}"'
                f' data-values="{escape(";".join(set_arguments(dict(found.request.values))))}">'
                f"<strong>{escape(title)}</strong> · "
                f'{escape(t("app.meta", lg, n=f"{view.replications:,}", seed=view.seed))} · '
                f"{escape(more)}</p>"
                + failed
                + f'<p class="note">{escape(t("app.reproduce", lg))} '
                f'<code id="reproduce">{escape(command)}</code></p>')

        @render.ui
        def headline():
            found, how = shown()
            if how not in ("same", "values"):
                return None
            return _panel(found.view.headline, how)

        @render.ui
        def table():
            found, how = shown()
            if how not in ("same", "values"):
                return None
            return _panel(f'<div class="wide">{found.view.table}</div>', how)

        @render.ui
        def fan():
            return _chart("fan")

        @render.ui
        def pathways():
            return _chart("pathways")

        def _chart(name: str):
            # the last charts drawn for this scenario stay, greyed, until the new answer's
            # are in; another scenario's, mode's or language's go at once
            got, (found, how) = charts(), shown()
            if got is None:
                return None
            made_for, drawn = got
            drawn_how = fit(made_for, now())
            if drawn_how not in ("same", "values"):
                return None
            fresh = drawn_how == how == "same" and bool(found.view.fan)
            return _panel(f'<div class="chart{"" if fresh else " stale"}">{drawn[name]}</div>',
                          "same")

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

        def _cancel_take() -> None:
            if state["take_ticket"] is not None:
                state["take_ticket"].cancel()
                state["take_ticket"] = None

        def _drop_waiting(tag: Tag) -> None:
            with reactive.isolate():
                got = take()
            if got is not None and got.state == "waiting" and got.tag == tag:
                take.set(None)

        def _start_take(found: Answer, tag: Tag) -> None:
            """Work out the levers' table of ``found`` for the request ``tag``."""
            _cancel_take()
            ticket = explorer.ticket()
            state["take_ticket"] = ticket
            take.set(Take("working", tag, found))

            async def work():
                try:
                    levers = (await explorer.what_it_would_take(found, ticket))[0]
                    done = Take("done", tag, found, levers)
                except explorer.Cancelled:
                    return
                except Exception as exc:  # noqa: BLE001 — said in the page, as above
                    said = _internal(exc)
                    if said is None:
                        return
                    done = Take("failed", tag, found, said=said)
                if ticket.cancelled:  # another scenario, or asked again, meanwhile
                    return
                async with reactive.lock():
                    take.set(done)
                    await reactive.flush()

            asyncio.create_task(work())

        @reactive.effect
        @reactive.event(input.take)
        def _take():
            got = on_screen()
            if got is None:
                return
            found, how = shown()
            if how in ("same", "language"):
                _start_take(found, got[1])
            else:  # its answer is still on its way: the work starts when it is in
                _cancel_take()
                take.set(Take("waiting", got[1]))

        @reactive.effect
        def _forget_take():
            # an upload, a scenario picked, a mode switched (or other values in another
            # language) take the levers' table away, and stop its work
            tag = now()
            with reactive.isolate():
                got = take()
            if got is None:
                return
            how = fit(got.tag, tag)
            if how == "other" or (got.state == "waiting" and how == "values"):
                _cancel_take()
                take.set(None)

        @render.ui
        def take_out():
            got, tag = take(), now()
            how = fit(got.tag if got is not None else None, tag)
            if how == "other":
                return None
            if got.state in ("waiting", "working"):
                n = f"{explorer.lever_replications():,}"
                return ui.HTML(f'<p class="meta" id="take-working" lang="{tag.lang}">'
                               f'{escape(t("app.take_wait", tag.lang, n=n))}</p>')
            if got.state == "failed":
                return ui.HTML(got.said)
            # said in the page's language, from the numbers worked out
            run = dataclasses.replace(got.answer.estimate.run, levers=got.levers)
            note = (f'<p class="note" id="take-earlier">{escape(t("app.take_earlier", tag.lang))}'
                    "</p>" if how == "values" else "")
            stale = " stale" if how == "values" else ""
            return ui.HTML(f'<div id="take-table" lang="{tag.lang}"'
                           f' data-key="{escape(got.tag.key)}" data-fit="{how}">'
                           f'{note}<div class="wide{stale}">'
                           f"{keep_years(levers_section(run, tag.lang))}</div></div>")

        def _scenario_on_screen() -> Scenario:
            """The scenario the page shows, with its values moved (for the downloads)."""
            found, how = shown()
            if how in ("same", "language"):
                return found.scenario
            got = on_screen()
            if got is None:
                return base()
            try:
                return explorer.scenario_of(got[0])[1]
            except LandsimError:
                return got[0].base

        @render.download(filename=lambda: f"{_scenario_on_screen().name}.yaml")
        def dl_yaml():
            yield explorer.scenario_yaml(_scenario_on_screen())

        @render.download(filename=lambda: f"{_scenario_on_screen().name}-report"
                                          f"{'' if lang() == 'en' else '.zh'}.html")
        async def dl_report():
            (found, how), got, lg = shown(), on_screen(), lang()
            if how not in ("same", "language"):  # the answer on screen is still coming
                if got is None:
                    return
                req = got[0]
                try:
                    found = await asyncio.get_running_loop().run_in_executor(
                        explorer.threads, functools.partial(
                            explorer.answer_stage, req, explorer.stages(req)[0],
                            explorer.ticket(), quick=True, charts=False))
                except LandsimError:
                    return
            with reactive.isolate():
                levers = take()
            wanted = (levers.levers if levers is not None and levers.state == "done"
                      and fit(levers.tag, tag_of(found.request)) in ("same", "language")
                      else None)
            yield await explorer.report_html(found, lg, wanted)

        def _ended():
            for key in ("ticket", "take_ticket"):
                if state[key] is not None:
                    state[key].cancel()

        session.on_ended(_ended)

    return App(app_ui, server)
