"""``landsim report`` and ``landsim compare``: reports of finished runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.args import (
    add_force,
    add_wait,
    worker_count,
)

FORMATS = ("html", "docx")


def report_formats(text: str) -> tuple[str, ...]:
    """``--format``: html, docx or both (``html,docx``), in that order."""
    asked = {part.strip() for part in text.split(",")}
    unknown = sorted(asked - set(FORMATS))
    if unknown or not asked:
        raise argparse.ArgumentTypeError(
            f"unknown format {unknown[0]!r}; choose html, docx or html,docx" if unknown
            else "choose html, docx or html,docx")
    return tuple(f for f in FORMATS if f in asked)


def add(sub) -> None:
    """Register the commands' parsers."""
    report = sub.add_parser("report", help="rebuild a finished run's charts and report, or "
                                           "write a run's or study's Word briefing")
    report.add_argument("folder", type=Path,
                        help="the output folder of a run (or, for --format docx, of a study)")
    report.add_argument("--lang", choices=["en", "zh"], default="en",
                        help="en: report.html + charts/; zh: report.zh.html + charts-zh/")
    report.add_argument("--format", type=report_formats, default=("html",),
                        metavar="html|docx|html,docx",
                        help="html (default): report.html and its charts; docx: the Word "
                             "briefing report.docx (report.zh.docx) for a run or a study")
    report.add_argument("--workers", type=worker_count, default=None,
                        help="processes that draw the charts (default: all cores)")
    add_wait(report)
    report.set_defaults(func=_cmd_report)

    compare = sub.add_parser("compare", help="put several finished runs side by side")
    compare.add_argument("folders", type=Path, nargs="+", help="output folders of runs")
    compare.add_argument("--out", type=Path, required=True, help="folder for the comparison")
    compare.add_argument("--lang", choices=["en", "zh"], default="en")
    add_force(compare)
    compare.set_defaults(func=_cmd_compare)


def _cmd_report(args: argparse.Namespace) -> int:
    from simulator.report import ReportError, build_report
    from simulator.report.docx_report import is_study_folder, write_docx
    from simulator.run.output import output_lock

    written = []
    # the same lock as a run writing the folder: never read it while it is swapped
    with output_lock(args.folder, reader=True):
        if "html" in args.format:
            if is_study_folder(args.folder):
                raise ReportError(
                    f"{args.folder} is a study's folder: its report.html is written by the "
                    "study itself (rerun it to rebuild the report); --format docx writes "
                    "its Word briefing")
            written.append(build_report(args.folder, lang=args.lang))
        if "docx" in args.format:
            written.append(write_docx(args.folder, lang=args.lang))
    for path in written:
        print(f"wrote {path}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from simulator.report import compare_runs
    from simulator.report.compare import compare_text

    path = compare_runs(args.folders, args.out, lang=args.lang, force=args.force)
    # the table it wrote, rather than every run folder read a second time
    print(compare_text(pd.read_csv(path / "comparison.csv"), lang=args.lang))
    print(f"\nwrote {path / 'comparison.html'}")
    return 0
