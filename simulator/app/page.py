"""The explorer's page (Shiny for Python): pick a scenario, move its controls, read the
odds. Every number comes from :mod:`simulator.app.estimates` and every sentence, table and
chart from the run report's own functions (:mod:`simulator.app.views`).

A change starts a request: its estimates in stages, each drawn as soon as it is in; a
newer change, or a closed tab, cancels the older request's remaining work
(:class:`~simulator.app.runner.Runner`).

Every panel belongs to what is on screen (issue 38): its content is kept with the
:class:`Tag` of the request it answers (scenario, uncertainty mode, values moved,
language), and :func:`fit` decides, at each render, whether it is shown as it is, greyed
(the same scenario before a slider moved, until the new answer), said again in the page's
language (the levers' table), or cleared. Another scenario (picked or uploaded), another
mode or both another language and other values clear every panel and cancel "What would
it take?"; the downloads are of the scenario on screen, never of an answer left over.
(:class:`Tag` and :func:`fit` live in :mod:`simulator.app.screen`, without Shiny.)

The page's parts are Shiny modules (:mod:`simulator.app.panels`), each its namespace of
ids: ``picker``, ``controls``, ``answer``, ``district`` (one district's view, for a
scenario with districts), ``levers`` and ``downloads``. The page makes
the request they share from the picker's scenario and the controls' values, and refuses
what it cannot take (a forged message): one line on stderr, the refusal in the page.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from shiny import App, reactive, render, ui

from simulator.app.catalogue import shown_to_user
from simulator.app.explorer import Explorer, Request
from simulator.app.panels import answer, controls, district, downloads, levers, picker
from simulator.app.panels.said import make_internal, problems
from simulator.app.screen import Screen, Tag, fit, tag_of
from simulator.inputs.errors import LandsimError
from simulator.report.i18n import t

__all__ = ["Tag", "fit", "make_app", "make_internal"]

_log = logging.getLogger("landsim.explorer")

_CSS = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
.wide { overflow-x: auto; }
table#targets { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table#targets th, table#targets td { border-bottom: 1px solid #ddd; padding: 3px 5px;
  vertical-align: top; }
table#levers { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table#levers th, table#levers td { border-bottom: 1px solid #ddd; padding: 3px 6px; }
table#district-table { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table#district-table th, table#district-table td { border-bottom: 1px solid #ddd;
  padding: 3px 5px; }
table#district-table td.num { white-space: nowrap; }
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


@dataclass(frozen=True, eq=False)
class _Refusal:
    """What the page says of a message it refused, and the tag on screen then."""

    tag: Tag | None
    said: ui.TagChild


def make_app(explorer: Explorer) -> App:
    """The Shiny app over ``explorer`` (its catalogue, pool and caches)."""
    app_ui = ui.page_sidebar(
        ui.sidebar(
            ui.input_radio_buttons("lang", None, {"en": "English", "zh": "中文"},
                                   selected="en", inline=True),
            picker.panel("picker"),
            controls.panel("controls"),
            width=400,
        ),
        ui.tags.style(_CSS),
        ui.output_ui("warming"),
        answer.panel("answer"),
        district.panel("district"),
        ui.div(downloads.panel("downloads"), levers.button("levers"), class_="mt-3"),
        levers.panel("levers"),
        title="landsim",
        fillable=False,
    )

    def server(input, output, session):  # noqa: A002 — Shiny's signature
        refusal = reactive.value(None)  # a _Refusal
        last: Screen | None = None  # the last request the page took

        @reactive.calc
        def lang() -> str:
            return input.lang() if input.lang() in ("en", "zh") else "en"

        def refused(text: str) -> None:
            """A message the page cannot take (a forged value or name): one line on stderr,
            the refusal in the page (with what is on screen), the session goes on."""
            print(f"landsim explorer: refused: {text}", file=sys.stderr)
            refusal.set(_Refusal(last.tag if last is not None else None,
                                 problems(t("app.bad_value", lang()), text)))

        picked = picker.server("picker", explorer, lang, refused)
        moved = controls.server("controls", explorer, lang, picked.base)

        @reactive.calc
        def request() -> Request | None:
            scenario = picked.base()
            try:
                values = moved.values()
            except LandsimError as exc:
                with reactive.isolate():
                    refused(shown_to_user(exc))
                return None
            return Request(key=picked.key(), base=scenario, mode=moved.mode(),
                           values=values, lang=lang())

        @reactive.calc
        def screen() -> Screen | None:
            """The request the page's controls make, and its tag (a refused message
            leaves the last one on screen)."""
            nonlocal last
            got = request()
            if got is not None:
                last = Screen(got, tag_of(explorer, got))
            return last

        def refusal_said() -> ui.TagChild:
            # a refusal shows while the page's inputs are refused: a stage of the answer
            # already under way must not clear it (it did, under load)
            got = refusal()
            if got is None or request() is not None:
                return None  # a refusal is over once the inputs are ones the page takes
            now = screen()
            return got.said if fit(got.tag, now.tag if now is not None else None) == "same" \
                else None

        @render.ui
        def warming():
            # said at once while the workers start (the server listens before they are
            # warm), and gone when the first answer is in
            k, n, answered_first = explorer.warm_status()
            if answered_first:
                return None
            reactive.invalidate_later(0.25)
            return ui.tags.p(t("app.warming", lang(), k=k, n=n), class_="meta",
                             id="warming", lang=lang())

        answered = answer.server("answer", explorer, lang, screen, refusal_said)
        district.server("district", explorer, lang, screen, answered, refused)
        studied = levers.server("levers", explorer, lang, screen, picked.base, answered)
        downloads.server("downloads", explorer, lang, screen, picked.base, answered, studied)

    return App(app_ui, server)
