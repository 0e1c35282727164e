"""The report of a study (solve; sweeps and others can use it too), on the run report's machinery.

A study report is a self-contained HTML page: the study's design, its headline in one
plain sentence, tables, inlined charts and the manifest — the same page, stylesheet and
figure markup as a run's report (:func:`simulator.report.html.render_page`,
:func:`simulator.report.html.figure_html`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.report.charts import ChartFile
from simulator.report.html import figure_html, render_page
from simulator.report.i18n import t

__all__ = ["StudyPage", "charts_by_language", "render_study_report", "table_html",
           "write_study_report"]


@dataclass(frozen=True)
class StudyPage:
    """What a study report shows; texts are already in the report's language."""

    title: str
    design: str  # one paragraph: base scenario, parameters and ranges, replications, seed
    headline: str  # the finding, one plain sentence
    headline_value: float | None  # the number the headline states (data-value, for checks)
    tables: Sequence[tuple[str, pd.DataFrame]]  # (heading, table)
    charts: Sequence[ChartFile]
    manifest: dict
    notes: Sequence[str] = ()  # plain sentences under the headline (caveats, checks)
    scenario: Any = None  # the study's base scenario: a Chinese page names its keys in words


def table_html(frame: pd.DataFrame, table_id: str = "") -> str:
    """A plain HTML table of ``frame`` (numbers right-aligned, 4 significant digits)."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(f'<td class="num">{value:.4g}</td>')
            elif isinstance(value, (int,)) and not isinstance(value, bool):
                cells.append(f'<td class="num">{value}</td>')
            else:
                cells.append(f"<td>{escape('' if value is None else str(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    ident = f' id="{escape(table_id)}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def in_words(page: StudyPage, lang: str) -> StudyPage:
    """``page`` with its scenario's keys in words for a Chinese reader (key paths, target
    names, the scenario's id: :func:`simulator.report.path_words.without_keys`) — in its
    texts, table headings, column names and cells; unchanged in English or without a
    scenario."""
    if lang != "zh" or page.scenario is None:
        return page
    from simulator.report.path_words import without_keys

    def words(text):
        return without_keys(text, page.scenario, lang) if isinstance(text, str) else text

    tables = []
    for heading, frame in page.tables:
        frame = frame.rename(columns={c: words(c) for c in frame.columns})
        frame = frame.apply(lambda col: col.map(words) if col.dtype == object
                            or pd.api.types.is_string_dtype(col) else col)
        tables.append((words(heading), frame))
    return dataclasses.replace(page, title=words(page.title), design=words(page.design),
                               headline=words(page.headline),
                               notes=[words(n) for n in page.notes], tables=tables)


def render_study_report(page: StudyPage, *, lang: str = "en") -> str:
    """A study's report as one self-contained HTML page (in Chinese, with its scenario's
    keys in words: :func:`in_words`)."""
    page = in_words(page, lang)
    value = "" if page.headline_value is None else f' data-value="{page.headline_value!r}"'
    body = [
        f"<h1>{escape(page.title)}</h1>",
        f'<p class="meta">{escape(page.design)}</p>',
        f'<p class="headline" id="headline"{value}>{escape(page.headline)}</p>',
        *[f'<p class="note">{escape(note)}</p>' for note in page.notes],
    ]
    for i, (heading, frame) in enumerate(page.tables):
        body.append(f"<h2>{escape(heading)}</h2>{table_html(frame, f'table-{i}')}")
    if page.charts:
        body.append(f"<h2>{escape(t('section.charts', lang))}</h2>")
        body += [figure_html(c, lang) for c in page.charts]
    body.append(f"<h2>{escape(t('section.manifest', lang))}</h2>")
    items = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                    for k, v in page.manifest.items())
    body.append(f'<table id="manifest"><tbody>{items}</tbody></table>')
    return render_page(page.title, "".join(body), lang)


def charts_by_language(draw: Callable[[Path, str], list[ChartFile]], folder: Path,
                       langs: Sequence[str] = ("en", "zh")) -> dict[str, list[ChartFile]]:
    """Each language's charts, ``draw(charts_folder, lang)`` into ``charts/`` (English) or
    ``charts-<lang>/``; a language whose font is missing gets the English charts."""
    from simulator.report.style import ReportError

    out: dict[str, list[ChartFile]] = {}
    for lang in langs:
        try:
            out[lang] = draw(Path(folder) / ("charts" if lang == "en" else f"charts-{lang}"), lang)
        except ReportError:
            if lang == "en":
                raise
            out[lang] = out.get("en", [])
    return out


def write_study_report(folder, page: StudyPage, lang: str = "en", *,
                       formats: Sequence[str] = ("html",)) -> Path:
    """Write ``page`` as ``report.html`` (``report.zh.html``) in ``folder`` and, with
    ``"docx"`` in ``formats``, as the Word briefing ``report.docx`` (``report.zh.docx``):
    the same page, its tables as Word tables and its charts' PNGs as pictures. Returns the
    first path written. Raises ``ReportError`` for ``lang="zh"`` without a CJK font (docx).
    """
    html = render_study_report(page, lang=lang)
    written = []
    if "html" in formats:
        path = Path(folder) / ("report.html" if lang == "en" else f"report.{lang}.html")
        path.write_text(html, encoding="utf-8")
        written.append(path)
    if "docx" in formats:
        from simulator.report.docx_report import write_study_docx

        written.append(write_study_docx(folder, html, page.charts, lang=lang))
    return written[0]
