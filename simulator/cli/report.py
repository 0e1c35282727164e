"""``landsim report`` and ``landsim compare``: reports of finished runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.args import (
    add_force,
    add_wait,
    worker_count,
)


def add(sub) -> None:
    """Register the commands' parsers."""
    report = sub.add_parser("report", help="rebuild a finished run's charts and report")
    report.add_argument("folder", type=Path, help="the output folder of a run")
    report.add_argument("--lang", choices=["en", "zh"], default="en",
                        help="en: report.html + charts/; zh: report.zh.html + charts-zh/")
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
    from simulator.report import build_report
    from simulator.run.output import output_lock

    # the same lock as a run writing the folder: never read it while it is swapped
    with output_lock(args.folder, reader=True):
        path = build_report(args.folder, lang=args.lang)
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
