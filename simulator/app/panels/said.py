"""What the page says when something goes wrong: a value it refuses, a request that
fails, an unexpected failure (one line in the page and on stderr, no traceback)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool

from shiny import ui

from simulator.app.explorer import Explorer

__all__ = ["make_internal", "problems"]

_log = logging.getLogger("landsim.explorer")


def problems(words: str, lines: str) -> ui.TagList:
    """``words``, then the problem's ``lines`` as the page shows a refused value."""
    return ui.TagList(ui.tags.p(words),
                      ui.tags.pre(lines, class_="problems", id="value-problems"))


def make_internal(explorer: Explorer) -> Callable[[BaseException], str | None]:
    """What an unexpected failure of a request shows in the page (HTML) and says on
    stderr, in one line each and with no traceback (None while the explorer is stopping,
    or when its workers were stopped with it: nothing to say then)."""

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
        return str(ui.tags.pre(text, class_="problems", id="value-problems"))

    return internal
