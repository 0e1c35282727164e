"""Charts and self-contained HTML reports of finished runs, in English and Chinese.

>>> from simulator.report import RunData, build_report, charts
>>> run = RunData.load("outputs/baseline")                    # doctest: +SKIP
>>> ax = charts.fan_chart(run)                                # a matplotlib Axes to restyle
>>> build_report("outputs/baseline", lang="zh")               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from simulator.report import charts
from simulator.report.compare import compare_runs
from simulator.report.html import render_report
from simulator.report.i18n import LANGS
from simulator.report.rundata import RunData
from simulator.report.style import ReportError
from simulator.run.output import replace_folder, write_text_atomically

__all__ = [
    "LANGS",
    "ReportError",
    "RunData",
    "build_report",
    "charts",
    "charts_folder",
    "compare_runs",
    "report_file",
]


def report_file(lang: str) -> str:
    """File name of the report in ``lang``: report.html, report.zh.html."""
    return "report.html" if lang == "en" else f"report.{lang}.html"


def charts_folder(lang: str) -> str:
    """Folder name of the charts in ``lang``: charts, charts-zh."""
    return "charts" if lang == "en" else f"charts-{lang}"


def build_report(folder: str | Path, *, lang: str = "en",
                 progress: Callable[[int], None] | None = None,
                 workers: int | None = None) -> Path:
    """(Re)build a run folder's charts and HTML report from its saved files; no simulation.

    ``progress(1)`` is called as each chart is drawn; ``workers``: processes that draw
    them (default: as :func:`~simulator.report.charts.draw_all`). Returns the report's
    path. Raises ``ReportError`` if ``folder`` is not a complete run folder, ``lang`` is
    unknown, or Chinese is asked for without a CJK font — in which case nothing in the
    folder is changed.
    """
    if lang not in LANGS:
        raise ReportError(f"unknown language '{lang}'; available: {', '.join(LANGS)}")
    folder = Path(folder)
    run = RunData.load(folder)
    drawn: list[charts.ChartFile] = []
    # The run folder was checked by RunData.load; its charts folder is ours to replace.
    replace_folder(folder / charts_folder(lang),
                   lambda tmp: drawn.extend(charts.draw_charts(run, tmp, lang=lang,
                                                                  workers=workers,
                                                                  progress=progress)),
                   kind=None, force=True)
    return write_text_atomically(folder / report_file(lang), render_report(run, drawn, lang=lang))
