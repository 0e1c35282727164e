"""Argument types and the options several commands share (parsing only)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from simulator.inputs.limits import MAX_REPLICATIONS

ENGINE_CHOICES = ("auto", "des", "fast")  # = simulator.run.montecarlo.ENGINE_CHOICES (tested)


def replication_count(text: str) -> int:
    value = whole_number(text)
    if not 1 <= value <= MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_REPLICATIONS:,}")
    return value


def seed_or_random(text: str) -> int | None:
    if text == "random":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number or 'random': {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be ≥ 0")
    return value


def worker_count(text: str) -> int:
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def replication_index(text: str) -> int:
    value = whole_number(text)
    if not 0 <= value < MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_REPLICATIONS - 1:,}")
    return value


def fixed_seed(text: str) -> int:
    value = seed_or_random(text)
    if value is None:
        raise argparse.ArgumentTypeError("needs a fixed seed (a whole number ≥ 0), not 'random'")
    return value


def languages(text: str) -> list[str]:
    langs = [part.strip() for part in text.split(",") if part.strip()]
    bad = [lang for lang in langs if lang not in ("en", "zh")]
    if not langs or bad:
        raise argparse.ArgumentTypeError(f"languages are en, zh or en,zh (got {text!r})")
    return list(dict.fromkeys(langs))


def whole_number(text: str) -> int:
    try:
        return int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def half_width(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError("must be between 0 and 0.5, e.g. 0.005")
    return value


def add_execution(parser: argparse.ArgumentParser, *, resume: bool = True) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=worker_count, default=None,
                       help="local processes (default: all cores)")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="a Dask scheduler (tcp://host:8786), or local:N for a LocalCluster")
    if resume:
        parser.add_argument("--resume", action="store_true",
                            help="keep the points an interrupted run already finished")
    add_force(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def add_sampling(parser: argparse.ArgumentParser, replications: int, unit: str) -> None:
    """-n, --seed and --engine of a study: every point runs the same (seed, replications)."""
    parser.add_argument("-n", "--replications", type=replication_count, default=replications,
                        help=f"replications per {unit} (default {replications})")
    parser.add_argument("--seed", type=fixed_seed, default=0)
    parser.add_argument("--engine", default="auto", choices=ENGINE_CHOICES)


def add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", type=languages, default=["en"], metavar="en|zh|en,zh",
                        help="language(s) of the charts and report: en (default), zh or en,zh "
                             "(zh needs a CJK font)")


def data_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text!r}")
    return path


def add_data(parser: argparse.ArgumentParser) -> None:
    """--data DIR: a folder outside the scenario's own whose files the scenario may name."""
    parser.add_argument("--data", type=data_dir, action="append", default=[], metavar="DIR",
                        help="a folder the scenario may read files from (pipeline_file, "
                             "uncertain.from) besides its own folder; repeatable")


def add_force(parser: argparse.ArgumentParser, *, wait: bool = True) -> None:
    parser.add_argument("--force", action="store_true",
                        help="replace --out even if it is a folder landsim did not write")
    if wait:
        add_wait(parser)


def add_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true",
                        help="if another landsim process is using the folder, wait for it "
                             "(default: exit 2 at once, naming it)")


def progress_bar(total: int | None, *, disable: bool, unit: str = "rep"):
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes may be forked
    # disable=None turns the bar off when stderr is not a terminal (CI logs, pipes);
    # delay keeps quick runs quiet.
    return tqdm(
        total=total, unit=unit, file=sys.stderr, delay=1.0, leave=False,
        disable=True if disable else None, dynamic_ncols=True,
    )


@contextlib.contextmanager
def interruptible(out: Path):
    try:
        yield
    except KeyboardInterrupt:
        print(f"\nlandsim: interrupted; finished points are kept in {out}.partial/ — "
              "rerun the same command with --resume to continue", file=sys.stderr)
        raise



def check_fonts(langs) -> None:
    """Raise ``ReportError`` now if Chinese is asked for and no CJK font is installed."""
    if "zh" in langs:
        from simulator.report.style import cjk_font

        cjk_font()
