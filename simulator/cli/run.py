"""``landsim run``: simulate a scenario and write its folder."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from simulator import __version__
from simulator.cli.args import (
    ENGINE_CHOICES,
    add_data,
    add_force,
    add_lang,
    check_fonts,
    half_width,
    progress_bar,
    replication_count,
    seed_or_random,
    worker_count,
)
from simulator.cli.costs import say_cost
from simulator.cli.text import district_tables, format_table, quotable
from simulator.inputs.errors import Problem, ScenarioError
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import scenario_argument


def add(sub) -> None:
    """Register the command's parser."""
    run = sub.add_parser("run", help="simulate a scenario and write its outputs")
    run.add_argument("scenario", type=scenario_argument,
                     help="scenario YAML file, or a shipped scenario's name (plan-2024)")
    run.add_argument("-n", "--replications", type=replication_count, default=2000,
                     help="Monte Carlo replications (default 2000)")
    run.add_argument("--seed", type=seed_or_random, default=0,
                     help="random seed, a whole number ≥ 0 or 'random' (default 0)")
    run.add_argument("--out", type=Path, help="output folder (default outputs/<scenario name>)")
    run.add_argument("--engine", default="auto", choices=ENGINE_CHOICES,
                     help="auto (= fast, vectorised) or des (SimPy); both give the same answer")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=worker_count, default=None,
                       help="processes to use (default: all cores); never changes the answer")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="run the chunks on a Dask scheduler (tcp://host:8786), or local:N "
                            "for a LocalCluster; the same answer, bit for bit")
    run.add_argument("--precision", type=half_width, metavar="HALF_WIDTH",
                     help="add replications until every target's 95%% interval half-width "
                          "is at most this (e.g. 0.005); then -n is not used")
    run.add_argument("--max-replications", type=replication_count, default=1_000_000,
                     help="with --precision: the most replications to run (default 1,000,000)")
    raw = run.add_mutually_exclusive_group()
    raw.add_argument("--no-parquet", dest="parquet", action="store_false", default=None,
                     help="skip replications.parquet (the raw per-replication release)")
    raw.add_argument("--parquet", dest="parquet", action="store_true",
                     help="write replications.parquet whatever its size (default: up to "
                          "50 million rows); it is streamed, so memory does not grow with it")
    add_lang(run)
    run.add_argument("--no-report", action="store_true", help="skip the charts and report.html")
    run.add_argument("--no-levers", action="store_true",
                     help="skip the report's 'what would change the odds' section (the "
                          "scenario's levers: a few seconds of extra runs)")
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                     help="change a value, e.g. pathways.consolidation.annual_cap=5 (repeatable)")
    run.add_argument("--by", choices=["district"], default=None,
                     help="also print each district's km² (p10–p50–p90) and odds of reaching "
                          "its part of each city-wide target, and which districts carry the "
                          "city's misses (a scenario with district shares)")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="only the results table and where it was written (no progress)")
    run.add_argument("--discard-previous", action="store_true",
                     help="replace a different earlier run in the output folder instead of "
                          "keeping it beside as <folder>.<date>-<time>")
    add_force(run)
    add_data(run)
    run.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, data_dirs=args.data)
    if args.set:
        from simulator.inputs.params import parse_assignment, variant_of

        # a changed scenario gets its own name (and default folder) and says what changed
        scenario = variant_of(scenario, dict(parse_assignment(a) for a in args.set))
    if args.by == "district" and not scenario.district_names:
        raise ScenarioError([Problem("districts", "--by district needs districts: give the "
                                     "scenario (or its pathways) shares, districts: {NAME: "
                                     "share, …} (docs/districts.md)", scenario.file)])
    # input errors are reported above, before the run wing's imports (about a second)
    from simulator.run.backends import make_backend
    from simulator.run.montecarlo import fresh_seed, resolve_engine
    from simulator.run.output import Previous, check_output, simulate_to_folder

    if scenario.levers and not args.no_report and not args.no_levers:
        from simulator.study.levers import check_levers

        check_levers(scenario)  # a lever the analysis cannot run fails now, not after
    if not args.no_report:
        check_fonts(args.lang)  # fail before simulating, not after
    seed = fresh_seed() if args.seed is None else args.seed
    out = args.out if args.out is not None else Path("outputs") / scenario.name
    check_output(out, force=args.force, inputs=[args.scenario])  # before simulating
    total = total_n = args.max_replications if args.precision else args.replications
    if not args.quiet:
        count = (f"up to {total:,} replications, precision ±{args.precision}"
                 if args.precision else f"{total:,} replications")
        where = f" · dask {args.dask}" if args.dask else ""
        print(f"landsim {__version__} · {scenario.name} ({args.scenario}) · "
              f"engine {resolve_engine(args.engine)} · seed {seed} · {count}{where}")
        say_cost(scenario, total, args.workers,
                 levers=not (args.no_levers or args.no_report),
                 langs=0 if args.no_report else len(args.lang))
    started = time.perf_counter()
    bar = progress_bar(total, disable=args.quiet)

    spent_on_levers = [0.0]
    levers_ran = [False]

    def after(result):
        """The levers' analysis, then what writes the reports (None with --no-report)."""
        bar.close()
        levers = None
        began = time.perf_counter()
        if scenario.levers and not args.no_report and not args.no_levers:
            from simulator.study.levers import LEVER_REPLICATIONS, lever_effects

            n = min(result.replications, LEVER_REPLICATIONS)
            if not args.quiet:
                print(f"levers: each of {len(scenario.levers)} alone, {n:,} replications a "
                      "point (common random numbers) …", file=sys.stderr)
            with progress_bar(len(scenario.levers), disable=args.quiet, unit="lever") as lbar:
                levers = lever_effects(scenario, replications=n, seed=seed, engine=args.engine,
                                       backend=make_backend(args.workers), progress=lbar.update)
            levers_ran[0] = True
        spent_on_levers[0] = time.perf_counter() - began
        if not args.quiet:
            step = ("files" if args.no_report
                    else f"files, charts and report ({', '.join(args.lang)})")
            print(f"{step} …", file=sys.stderr)
        return None if args.no_report else reporter(args.lang, levers, quiet=args.quiet)

    previous = None if args.discard_previous else Previous()
    with bar:
        result, path, wall = simulate_to_folder(
            scenario, out, replications=total, parquet=args.parquet, command=args.argv,
            force=args.force, inputs=[args.scenario], after=after, previous=previous, seed=seed,
            engine=args.engine, workers=args.workers,
            backend=make_backend(args.workers, args.dask) if args.dask else None,
            precision=args.precision, progress=bar.update)
    total = time.perf_counter() - started
    print(quotable(result))  # the report's headline: the sentence a policy team quotes
    print(format_table(result))  # the answer, also with --quiet
    if args.by == "district":
        print(district_tables(result))
    if result.stopping is not None:
        stop = result.stopping
        verdict = "reached" if stop["reached"] else "NOT reached"
        print(f"\nprecision ±{stop['precision']} {verdict} after {stop['replications']:,} "
              f"replications (at most {stop['max_replications']:,})")
    names = ", ".join(str(path / report_name(lang)) for lang in args.lang)
    report = "" if args.no_report else f" (report: {names})"
    simulating, lever_s = wall - spent_on_levers[0], spent_on_levers[0]
    spent = (f"{wall:.1f} s" if args.no_report else
             f"{simulating:.1f} s simulation"
             + (f", {lever_s:.1f} s levers (--no-levers skips them)" if levers_ran[0] else "")
             + f", {total - wall:.1f} s files, charts and report, {total:.1f} s in all")
    again = (f"--seed {seed} --precision {args.precision} --max-replications "
             f"{args.max_replications}" if args.precision else f"--seed {seed} -n {total_n}")
    print(f"\n{spent} · engine {result.engine} · wrote {path}/{report} · "
          f"rerun with {again} to reproduce")
    for line in previous_lines(previous, out):
        print(line, file=sys.stderr)
    return 0


def previous_lines(previous, out: Path) -> list[str]:
    """What a run did with what its folder held before (kept beside, or carried over)."""
    if previous is None:
        return []
    lines = []
    if previous.kept:
        lines.append(f"kept from the earlier run with the same numbers: "
                     f"{', '.join(previous.kept)}")
    if previous.archived is not None:
        where = os.path.relpath(previous.archived)
        shown = where if not where.startswith("..") else str(previous.archived)
        lines.append(f"the earlier run in {out} ({previous.described}) is kept as "
                     f"{shown}/ (--discard-previous replaces it instead)")
    return lines


def report_name(lang: str) -> str:
    from simulator.report import report_file

    return report_file(lang)


def reporter(langs: list[str], levers: dict | None = None, *, quiet: bool = True):
    from simulator.report import build_report

    def build(folder: Path) -> None:
        if levers is not None:
            (folder / "levers.json").write_text(json.dumps(levers, indent=2, ensure_ascii=False)
                                                + "\n", encoding="utf-8")
        with progress_bar(None, disable=quiet, unit="chart") as bar:
            for lang in langs:
                build_report(folder, lang=lang, progress=bar.update)

    return build
