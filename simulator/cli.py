"""The ``landsim`` command. It parses arguments and calls the library; nothing more.

Exit status: 0 success, 2 bad input (scenario, arguments, an output folder it may not
replace), 1 unexpected internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

from simulator import __version__
from simulator.inputs.errors import LandsimError, RunConfigError, ScenarioError
from simulator.inputs.scenario import load_scenario, scenario_json_schema

# The run and report wings import pandas, scipy and matplotlib (a second or more); the
# commands import them when they need them, so `validate` and error messages stay quick.
MAX_REPLICATIONS = 10_000_000  # = simulator.run.montecarlo.MAX_REPLICATIONS (tested)
ENGINE_CHOICES = ("auto", "des", "fast")  # = simulator.run.montecarlo.ENGINE_CHOICES (tested)

__all__ = ["console", "main"]


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, ``timeout``): cleaned up exactly like Ctrl-C."""


_MAIN_PID: int | None = None


def _on_sigterm(signum, frame):  # noqa: ARG001 — signal handler signature

    if os.getpid() != _MAIN_PID:
        # a worker forked before it could reset the handler: stop as SIGTERM stops
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    # Workers go first, whatever the main thread was doing when the signal came; then the
    # exception unwinds it, removing temporary folders on the way.
    from simulator.run.backends import stop_children

    stop_children()
    raise Terminated()


def _count(text: str) -> int:
    value = _whole(text)
    if not 1 <= value <= MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_REPLICATIONS:,}")
    return value


def _seed(text: str) -> int | None:
    if text == "random":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number or 'random': {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be ≥ 0")
    return value


def _workers(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _index(text: str) -> int:
    value = _whole(text)
    if not 0 <= value < MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_REPLICATIONS - 1:,}")
    return value


def _seed_value(text: str) -> int:
    value = _seed(text)
    if value is None:
        raise argparse.ArgumentTypeError("needs a fixed seed (a whole number ≥ 0), not 'random'")
    return value


def _langs(text: str) -> list[str]:
    langs = [part.strip() for part in text.split(",") if part.strip()]
    bad = [lang for lang in langs if lang not in ("en", "zh")]
    if not langs or bad:
        raise argparse.ArgumentTypeError(f"languages are en, zh or en,zh (got {text!r})")
    return list(dict.fromkeys(langs))


def _whole(text: str) -> int:
    try:
        return int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _precision(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError("must be between 0 and 0.5, e.g. 0.005")
    return value


def _add_execution(parser: argparse.ArgumentParser, *, resume: bool = True) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, default=None,
                       help="local processes (default: all cores)")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="a Dask scheduler (tcp://host:8786), or local:N for a LocalCluster")
    if resume:
        parser.add_argument("--resume", action="store_true",
                            help="keep the points an interrupted run already finished")
    _add_force(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _add_sampling(parser: argparse.ArgumentParser, replications: int, unit: str) -> None:
    """-n, --seed and --engine of a study: every point runs the same (seed, replications)."""
    parser.add_argument("-n", "--replications", type=_count, default=replications,
                        help=f"replications per {unit} (default {replications})")
    parser.add_argument("--seed", type=_seed_value, default=0)
    parser.add_argument("--engine", default="auto", choices=ENGINE_CHOICES)


def _add_lang(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", type=_langs, default=["en"], metavar="en|zh|en,zh",
                        help="language(s) of the charts and report: en (default), zh or en,zh "
                             "(zh needs a CJK font)")


def _data_dir(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text!r}")
    return path


def _add_data(parser: argparse.ArgumentParser) -> None:
    """--data DIR: a folder outside the scenario's own whose files the scenario may name."""
    parser.add_argument("--data", type=_data_dir, action="append", default=[], metavar="DIR",
                        help="a folder the scenario may read files from (pipeline_file, "
                             "uncertain.from) besides its own folder; repeatable")


def _add_force(parser: argparse.ArgumentParser, *, wait: bool = True) -> None:
    parser.add_argument("--force", action="store_true",
                        help="replace --out even if it is a folder landsim did not write")
    if wait:
        _add_wait(parser)


def _add_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", action="store_true",
                        help="if another landsim process is using the folder, wait for it "
                             "(default: exit 2 at once, naming it)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="landsim",
        description="Odds of meeting land-release targets, from YAML scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"landsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a scenario and write its outputs")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("-n", "--replications", type=_count, default=2000,
                     help="Monte Carlo replications (default 2000)")
    run.add_argument("--seed", type=_seed, default=0,
                     help="random seed, a whole number ≥ 0 or 'random' (default 0)")
    run.add_argument("--out", type=Path, help="output folder (default outputs/<scenario name>)")
    run.add_argument("--engine", default="auto", choices=ENGINE_CHOICES,
                     help="auto (= fast, vectorised) or des (SimPy); both give the same answer")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, default=None,
                       help="processes to use (default: all cores); never changes the answer")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="run the chunks on a Dask scheduler (tcp://host:8786), or local:N "
                            "for a LocalCluster; the same answer, bit for bit")
    run.add_argument("--precision", type=_precision, metavar="HALF_WIDTH",
                     help="add replications until every target's 95%% interval half-width "
                          "is at most this (e.g. 0.005); then -n is not used")
    run.add_argument("--max-replications", type=_count, default=1_000_000,
                     help="with --precision: the most replications to run (default 1,000,000)")
    raw = run.add_mutually_exclusive_group()
    raw.add_argument("--no-parquet", dest="parquet", action="store_false", default=None,
                     help="skip replications.parquet (the raw per-replication release)")
    raw.add_argument("--parquet", dest="parquet", action="store_true",
                     help="write replications.parquet whatever its size (default: up to "
                          "50 million rows); it is streamed, so memory does not grow with it")
    _add_lang(run)
    run.add_argument("--no-report", action="store_true", help="skip the charts and report.html")
    run.add_argument("--no-levers", action="store_true",
                     help="skip the report's 'what would change the odds' section (the "
                          "scenario's levers: a few seconds of extra runs)")
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                     help="change a value, e.g. pathways.consolidation.annual_cap=5 (repeatable)")
    run.add_argument("-q", "--quiet", action="store_true",
                     help="only the results table and where it was written (no progress)")
    run.add_argument("--discard-previous", action="store_true",
                     help="replace a different earlier run in the output folder instead of "
                          "keeping it beside as <folder>.<date>-<time>")
    _add_force(run)
    _add_data(run)
    run.set_defaults(func=_cmd_run)

    trace = sub.add_parser("trace", help="write the event log of one replication (SimPy engine)")
    trace.add_argument("scenario", type=Path, help="scenario YAML file")
    trace.add_argument("--replication", "-r", type=_index, required=True,
                       help="replication number (0-based), as in replications.parquet")
    trace.add_argument("--seed", type=_seed_value, default=0, help="the run's seed (default 0)")
    trace.add_argument("--out", type=Path,
                       help="CSV file (default outputs/<name>-trace-seed<S>-rep<K>.csv; "
                            "- for standard output)")
    _add_force(trace, wait=False)  # a trace is one file, written atomically: no lock
    _add_data(trace)
    trace.set_defaults(func=_cmd_trace)

    report = sub.add_parser("report", help="rebuild a finished run's charts and report")
    report.add_argument("folder", type=Path, help="the output folder of a run")
    report.add_argument("--lang", choices=["en", "zh"], default="en",
                        help="en: report.html + charts/; zh: report.zh.html + charts-zh/")
    report.add_argument("--workers", type=_workers, default=None,
                        help="processes that draw the charts (default: all cores)")
    _add_wait(report)
    report.set_defaults(func=_cmd_report)

    compare = sub.add_parser("compare", help="put several finished runs side by side")
    compare.add_argument("folders", type=Path, nargs="+", help="output folders of runs")
    compare.add_argument("--out", type=Path, required=True, help="folder for the comparison")
    compare.add_argument("--lang", choices=["en", "zh"], default="en")
    _add_force(compare)
    compare.set_defaults(func=_cmd_compare)

    sweep = sub.add_parser("sweep", help="run a parameter sweep (grid, lhs or sobol design)")
    sweep.add_argument("sweep", type=Path, help="sweep YAML file")
    sweep.add_argument("--out", type=Path, help="output folder (default outputs/sweeps/<name>)")
    sweep.add_argument("-n", "--replications", type=_count,
                       help="replications per point (default: the sweep file's)")
    sweep.add_argument("--seed", type=_seed_value, help="seed (default: the sweep file's)")
    _add_lang(sweep)
    _add_execution(sweep)
    sweep.set_defaults(func=_cmd_sweep)

    sens = sub.add_parser("sensitivity", help="one-at-a-time, Morris or Sobol sensitivity")
    sens.add_argument("scenario", type=Path, help="scenario YAML file")
    sens.add_argument("--params", nargs="+", required=True, metavar="FILE|PATH[=LOW:HIGH]",
                      help="parameters: key paths (±20%% if no range) or a YAML file of "
                           "{path, min, max}")
    sens.add_argument("--method", choices=["oat", "morris", "sobol"], default="oat")
    sens.add_argument("--samples", type=_count,
                      help="morris: trajectories (default 10); sobol: base sample, a power of 2 "
                           "(default 64)")
    sens.add_argument("--second-order", action="store_true",
                      help="sobol: also the second-order index S2 of every pair of parameters "
                           "(indices_s2.csv; N × (2 × parameters + 2) points instead of "
                           "N × (parameters + 2))")
    _add_sampling(sens, 1000, "point")
    sens.add_argument("--out", type=Path,
                      help="output folder (default outputs/sensitivity/<scenario>-<method>)")
    _add_lang(sens)
    _add_execution(sens)
    _add_data(sens)
    sens.set_defaults(func=_cmd_sensitivity)

    solve = sub.add_parser("solve", help="find the lever value that gives a target a probability")
    solve.add_argument("scenario", type=Path, help="scenario YAML file")
    solve.add_argument("--target", required=True, help="target name (e.g. binding-2025)")
    solve.add_argument("--probability", type=float, required=True,
                       help="the probability to reach, between 0 and 1 (e.g. 0.8)")
    solve.add_argument("--lever", action="append", required=True, metavar="PATH=LOW:HIGH",
                       help="a numeric key path and its range, e.g. "
                            "pathways.consolidation.annual_cap=2:12; twice for a frontier")
    _add_sampling(solve, 2000, "evaluation")
    solve.add_argument("--points", type=_count, default=7,
                       help="with two levers: values of the first to solve at (default 7)")
    solve.add_argument("--resolution", default="1/16", metavar="SHARE",
                       help="spacing of the first scan as a share of the lever's range, e.g. "
                            "1/16 or 0.0625 (default 1/16: 17 points); a rise above the "
                            "level narrower than this could be missed")
    solve.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                       help="change a value of the scenario first (repeatable)")
    _add_lang(solve)
    solve.add_argument("--out", type=Path,
                       help="output folder (default outputs/solve/<scenario>-<target>-<p>-<lever>)")
    _add_execution(solve, resume=False)  # a solve takes seconds: nothing to resume
    _add_data(solve)
    solve.set_defaults(func=_cmd_solve)

    disc = sub.add_parser("discover",
                          help="which combinations of assumptions make a target fail (PRIM)")
    disc.add_argument("source", type=Path,
                      help="a finished sweep's (or Morris / Sobol analysis's) folder, or a "
                           "scenario file (then a Latin "
                           "hypercube over --params, default the scenario's levers)")
    disc.add_argument("--target", required=True, help="target name (e.g. plan-2035)")
    disc.add_argument("--below", type=float, default=0.5,
                      help="a point is a case when the target's probability is below this "
                           "(default 0.5: more likely missed than met)")
    disc.add_argument("--params", nargs="+", metavar="FILE|PATH=LOW:HIGH",
                      help="with a scenario: parameters and ranges (default: its levers)")
    disc.add_argument("--samples", type=_count, default=200,
                      help="with a scenario: points of the Latin hypercube (default 200)")
    disc.add_argument("--box", type=int, help="choose this box of the trajectory (default: "
                                              "the knee)")
    _add_sampling(disc, 1000, "point")
    _add_lang(disc)
    disc.add_argument("--out", type=Path,
                      help="output folder (default outputs/discover/<name>-<target>)")
    _add_execution(disc)
    _add_data(disc)
    disc.set_defaults(func=_cmd_discover)

    opt = sub.add_parser("optimize",
                         help="the programmes no other beats on every objective (NSGA-II over "
                              "the levers, robust to the uncertain values)")
    opt.add_argument("scenario", type=Path, help="scenario YAML file with levers: (and costs)")
    opt.add_argument("--objective", action="append", default=[], metavar="OBJECTIVE",
                     help="'max P(TARGET)', 'max km2(TARGET)' or 'min cost'; two or more")
    opt.add_argument("--constraint", action="append", default=[], metavar="CONSTRAINT",
                     help="'P(TARGET) >= LEVEL' (or <=), e.g. 'P(binding-2025) >= 0.5'")
    opt.add_argument("--robustness", choices=("mean", "p10", "regret"), default="mean",
                     help="the odds the search maximises: over the uncertain values (mean, "
                          "default), their 10th percentile across draws (p10), or the mean "
                          "with the front ranked by largest regret (regret)")
    opt.add_argument("--evaluations", type=_count, default=480,
                     help="candidate programmes the search may evaluate (default 480)")
    opt.add_argument("--final-replications", type=_count, default=None,
                     help="replications of the front's re-evaluation (default 4 × -n)")
    opt.add_argument("--posterior", type=Path, metavar="FILE",
                     help="a calibration's posterior.parquet: the front is also re-evaluated "
                          "with it in place of the priors it shares (odds under the prior and "
                          "under the posterior)")
    opt.add_argument("--level", type=float, default=0.8,
                     help="the odds the headline's cheapest programme must reach (default 0.8)")
    _add_sampling(opt, 1000, "candidate")
    _add_lang(opt)
    opt.add_argument("--out", type=Path,
                     help="output folder (default outputs/optimize/<scenario>)")
    _add_execution(opt)
    _add_data(opt)
    opt.set_defaults(func=_cmd_optimize)

    cal = sub.add_parser("calibrate",
                         help="posterior of the uncertain parameters given observed release")
    cal.add_argument("scenario", type=Path,
                     help="scenario YAML file with uncertain: and observed: blocks")
    cal.add_argument("-n", "--replications", type=_count, default=100_000,
                     help="draws of the parameters, one replication each (default 100,000)")
    cal.add_argument("--seed", type=_seed_value, default=0)
    cal.add_argument("--method", choices=("auto", "smc", "importance"), default="auto",
                     help="smc: generations of proposals fitted to the draws so far; "
                          "importance: every draw from the prior; auto (default): smc "
                          "where every prior is continuous (docs/calibration.md)")
    cal.add_argument("--forecast", type=Path, action="append", default=[], metavar="SCENARIO",
                     help="also give this scenario's target odds under the posterior (it must "
                          "share uncertain parameters, with the same priors); repeatable")
    _add_lang(cal)
    cal.add_argument("--out", type=Path,
                     help="output folder (default outputs/calibrate/<scenario>)")
    _add_execution(cal)
    _add_data(cal)
    cal.set_defaults(func=_cmd_calibrate)

    back = sub.add_parser("backtest",
                          help="score forecasts against outcomes that are known (PIT, CRPS)")
    back.add_argument("cases", type=Path,
                      help="cases YAML file (e.g. scenarios/history/cases.yaml)")
    back.add_argument("-n", "--replications", type=_count,
                      help="replications a case (default: the file's, else 4000)")
    back.add_argument("--seed", type=_seed_value, default=0)
    back.add_argument("--loo", action="store_true",
                      help="also leave one out: calibrate on all cases but one (over the cases "
                           "file's priors) and forecast the one left out, for every case")
    back.add_argument("--draws", type=_count,
                      help="with --loo: posterior draws resampled per case (default "
                           "min(4000, replications))")
    back.add_argument("--forecast-replications", type=_count,
                      help="with --loo: replications of each held-out forecast (default: -n)")
    back.add_argument("--workers", type=_workers, default=None,
                      help="local processes (default: all cores)")
    back.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    _add_lang(back)
    back.add_argument("--out", type=Path, help="output folder (default outputs/backtest/<name>)")
    _add_force(back)
    back.set_defaults(func=_cmd_backtest)

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", type=Path, nargs="+")
    _add_data(validate)
    validate.set_defaults(func=_cmd_validate)

    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format "
                                           "(or of a run's summary.json)")
    schema.add_argument("format", nargs="?", choices=["scenario", "summary"],
                        default="scenario", help="which format (default: scenario)")
    schema.set_defaults(func=_cmd_schema)
    return parser


def console() -> None:
    """The ``landsim`` command: :func:`main`, then exit with its status.

    After Ctrl-C or SIGTERM everything landsim made has been cleaned up by then; the exit
    skips Python's wait for process-pool threads, which can block for good on the pipe of a
    worker that was stopped in the middle of sending a result.
    """
    code = main()
    if code in (130, 143):

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = ["landsim", *argv]
    global _MAIN_PID

    from simulator.run.backends import process_limit
    from simulator.run.output import command_locks

    _MAIN_PID = os.getpid()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        # --workers bounds every local pool of the command, the charts' included; the
        # folders it writes are locked from their check to the command's end
        with process_limit(getattr(args, "workers", None)), \
                command_locks(wait=getattr(args, "wait", False), command=args.argv):
            return args.func(args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except LandsimError as exc:
        print(f"landsim: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("landsim: terminated; nothing was written or replaced", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("landsim: interrupted; nothing was written or replaced", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`landsim … | head`): what was written stays
        # written; stop quietly, and keep Python from complaining at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 — the last line of defence for users
        if args.debug:
            raise
        print(
            f"landsim: internal error: {type(exc).__name__}: {exc}\n"
            "  rerun with --debug for the traceback, and please report it",
            file=sys.stderr,
        )
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def _cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, data_dirs=args.data)
    if args.set:
        from simulator.inputs.params import parse_assignment, variant_of

        # a changed scenario gets its own name (and default folder) and says what changed
        scenario = variant_of(scenario, dict(parse_assignment(a) for a in args.set))
    # input errors are reported above, before the run wing's imports (about a second)
    from simulator.run.backends import make_backend
    from simulator.run.montecarlo import fresh_seed, resolve_engine
    from simulator.run.output import Previous, check_output, simulate_to_folder

    if not args.no_report and "zh" in args.lang:
        from simulator.report.style import cjk_font

        cjk_font()  # fail before simulating, not after
    seed = fresh_seed() if args.seed is None else args.seed
    out = args.out if args.out is not None else Path("outputs") / scenario.name
    check_output(out, force=args.force, inputs=[args.scenario])  # before simulating
    total = args.max_replications if args.precision else args.replications
    if not args.quiet:
        count = (f"up to {total:,} replications, precision ±{args.precision}"
                 if args.precision else f"{total:,} replications")
        where = f" · dask {args.dask}" if args.dask else ""
        print(f"landsim {__version__} · {scenario.name} ({args.scenario}) · "
              f"engine {resolve_engine(args.engine)} · seed {seed} · {count}{where}")
        _say_cost(scenario, total, args.workers)
    started = time.perf_counter()
    bar = _progress(total, disable=args.quiet)

    spent_on_levers = [0.0]

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
            with _progress(len(scenario.levers), disable=args.quiet, unit="lever") as lbar:
                levers = lever_effects(scenario, replications=n, seed=seed, engine=args.engine,
                                       backend=make_backend(args.workers), progress=lbar.update)
        spent_on_levers[0] = time.perf_counter() - began
        if not args.quiet:
            step = ("files" if args.no_report
                    else f"files, charts and report ({', '.join(args.lang)})")
            print(f"{step} …", file=sys.stderr)
        return None if args.no_report else _reporter(args.lang, levers, quiet=args.quiet)

    previous = None if args.discard_previous else Previous()
    with bar:
        result, path, wall = simulate_to_folder(
            scenario, out, replications=total, parquet=args.parquet, command=args.argv,
            force=args.force, inputs=[args.scenario], after=after, previous=previous, seed=seed,
            engine=args.engine, workers=args.workers,
            backend=make_backend(args.workers, args.dask) if args.dask else None,
            precision=args.precision, progress=bar.update)
    total = time.perf_counter() - started
    print(format_table(result))  # the answer, also with --quiet
    if result.stopping is not None:
        stop = result.stopping
        verdict = "reached" if stop["reached"] else "NOT reached"
        print(f"\nprecision ±{stop['precision']} {verdict} after {stop['replications']:,} "
              f"replications (at most {stop['max_replications']:,})")
    names = ", ".join(str(path / _report_name(lang)) for lang in args.lang)
    report = "" if args.no_report else f" (report: {names})"
    simulating, lever_s = wall - spent_on_levers[0], spent_on_levers[0]
    spent = (f"{wall:.1f} s" if args.no_report else
             f"{simulating:.1f} s simulation"
             + (f", {lever_s:.1f} s levers (--no-levers skips them)" if lever_s > 0 else "")
             + f", {total - wall:.1f} s files, charts and report, {total:.1f} s in all")
    print(f"\n{spent} · engine {result.engine} · wrote {path}/{report} · "
          f"rerun with --seed {seed} to reproduce")
    for line in _previous_lines(previous, out):
        print(line, file=sys.stderr)
    return 0


def _previous_lines(previous, out: Path) -> list[str]:
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


def _report_name(lang: str) -> str:
    from simulator.report import report_file

    return report_file(lang)


def _reporter(langs: list[str], levers: dict | None = None, *, quiet: bool = True):
    from simulator.report import build_report

    def build(folder: Path) -> None:
        if levers is not None:
            (folder / "levers.json").write_text(json.dumps(levers, indent=2, ensure_ascii=False)
                                                + "\n", encoding="utf-8")
        with _progress(None, disable=quiet, unit="chart") as bar:
            for lang in langs:
                build_report(folder, lang=lang, progress=bar.update)

    return build


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


def _cmd_sweep(args: argparse.Namespace) -> int:
    from simulator.inputs.yamlsource import read_yaml

    read_yaml(args.sweep)  # a bad file is reported before the heavy imports below
    from simulator.run.backends import make_backend
    from simulator.study.sweep import design_points, load_sweep, run_sweep

    sweep = load_sweep(args.sweep).with_run(replications=args.replications, seed=args.seed)
    out = args.out or Path("outputs") / "sweeps" / sweep.spec.name
    total = _design_size(sweep.spec)
    _study_cost(sweep.base, sweep.spec.replications, total, args, f"sweep {sweep.spec.name}")
    total = len(design_points(sweep.spec))
    backend = make_backend(args.workers, args.dask)
    print(f"sweep {sweep.spec.name}: {total} points × {sweep.spec.replications:,} replications "
          f"of {sweep.base.name} (seed {sweep.spec.seed}, common random numbers) on {backend.name}")
    with _interruptible(out), _progress(total, disable=args.quiet, unit="point") as bar:
        result = run_sweep(sweep, out, backend=backend, resume=args.resume, progress=bar.update,
                           force=args.force, langs=args.lang)
    print(f"{result.manifest['wall_seconds']:.1f} s ({result.manifest['points_per_second']} "
          f"points/s) · wrote {result.folder}/points.csv")
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from simulator.inputs.yamlsource import read_yaml

    scenario = load_scenario(args.scenario, data_dirs=args.data)
    for spec in args.params:  # parameter files are checked before the heavy imports below
        if spec.endswith((".yaml", ".yml")) and "=" not in spec:
            read_yaml(spec)
    from simulator.run.backends import make_backend
    from simulator.study.sensitivity import design_size, parse_params, run_sensitivity

    if args.second_order and args.method != "sobol":
        raise RunConfigError(f"--second-order is for --method sobol ({args.method} has no "
                             "second-order indices)")
    params = parse_params(scenario, args.params)
    out = args.out or Path("outputs") / "sensitivity" / f"{scenario.name}-{args.method}"
    backend = make_backend(args.workers, args.dask)
    samples = args.samples or {"oat": 1, "morris": 10, "sobol": 64}[args.method]
    if args.method != "oat" and len(params) < 2:
        raise LandsimError(f"{args.method} needs at least two parameters")
    total = design_size(args.method, len(params), samples, args.second_order)
    _study_cost(scenario, args.replications, total, args, f"{args.method} analysis")
    print(f"{args.method} sensitivity of {scenario.name}: {len(params)} parameters, {total} points "
          f"× {args.replications:,} replications (seed {args.seed}) on {backend.name}")
    with _interruptible(out), _progress(total, disable=args.quiet, unit="point") as bar:
        result = run_sensitivity(scenario, params, args.method, replications=args.replications,
                                 seed=args.seed, samples=samples, engine=args.engine,
                                 backend=backend, out=out, resume=args.resume,
                                 progress=bar.update, force=args.force, langs=args.lang,
                                 second_order=args.second_order,
                                 inputs=[args.scenario, *[p for p in args.params
                                                          if Path(p).is_file()]])
    print((out / "sensitivity.md").read_text(encoding="utf-8"))
    written = "indices.csv, indices_s2.csv" if result.pairs is not None else "indices.csv"
    print(f"wrote {result.folder}/ ({written}, sensitivity.md, charts/)")
    return 0


def _cmd_solve(args: argparse.Namespace) -> int:
    import re

    from simulator.report.formatting import pct

    scenario = load_scenario(args.scenario, data_dirs=args.data)
    if args.set:
        from simulator.inputs.params import parse_assignment, variant_of

        scenario = variant_of(scenario, dict(parse_assignment(a) for a in args.set))
    if not 0 < args.probability < 1:
        raise LandsimError(f"--probability must be between 0 and 1 (got {args.probability:g})")
    if args.target not in [t.name for t in scenario.targets]:
        raise LandsimError(f"--target {args.target!r} is not a target of {scenario.name}; "
                           f"targets: {', '.join(t.name for t in scenario.targets)}")
    if len(args.lever) > 2:
        raise LandsimError("--lever: give one lever (an answer) or two (a frontier)")
    from simulator.study.solve import TOLERANCE, evaluation_budget, parse_lever, parse_resolution

    resolution = parse_resolution(args.resolution)
    levers = [parse_lever(text, scenario) for text in args.lever]  # checked before running
    # the most evaluations the solver makes: scan, refinement and k-section brackets, one
    # answer a frontier point (a frontier solves at ten times the tolerance)
    workers = args.workers or os.cpu_count() or 1
    evaluations = (evaluation_budget(levers[0], resolution, workers) if len(levers) == 1
                   else args.points * evaluation_budget(levers[1], resolution, workers,
                                                        TOLERANCE * 10))
    _study_cost(scenario, args.replications, evaluations, args, "solve")
    if "zh" in args.lang:
        from simulator.report.style import cjk_font

        cjk_font()
    from simulator.run.backends import make_backend
    from simulator.run.output import check_output
    from simulator.study.solve import (
        Evaluator,
        describe,
        evaluation_rows,
        frontier,
        solve,
        text_table,
        write_solve,
    )

    out = args.out or Path("outputs") / "solve" / (  # named for the levers too
        f"{scenario.name}-{args.target}-{round(args.probability * 100):g}-"
        + "-".join(re.sub(r"[^A-Za-z0-9]+", "-", lv.path).strip("-") for lv in levers))
    check_output(out, force=args.force, inputs=[args.scenario])
    backend = make_backend(args.workers, args.dask)
    print(f"solve {scenario.name}: {args.target} at {pct(args.probability)} by "
          f"{' and '.join(lv.path for lv in levers)} · {args.replications:,} replications a "
          f"point · seed {args.seed} (common random numbers) · {backend.name}")
    started = time.perf_counter()
    with backend:
        if len(levers) == 1:
            evaluator = Evaluator(scenario, args.target, replications=args.replications,
                                  seed=args.seed, engine=args.engine, backend=backend)
            answers = [solve(scenario, args.target, args.probability, levers[0],
                             evaluator=evaluator, resolution=resolution)]
        else:
            answers, evaluator = frontier(scenario, args.target, args.probability, *levers,
                                          points=args.points, replications=args.replications,
                                          seed=args.seed, engine=args.engine, backend=backend,
                                          resolution=resolution)
    wall = time.perf_counter() - started
    path = write_solve(out, scenario, evaluator, answers, levers, langs=tuple(args.lang),
                       command=args.argv, wall_seconds=round(wall, 3), force=args.force,
                       inputs=[args.scenario])
    if len(levers) == 1:
        print(describe(answers[0]))
        print()
        print(text_table(evaluation_rows(evaluator.table(), [levers[0].path])))
        print()
    else:
        for a in answers:
            print(f"  {levers[0].path} = {a.fixed[levers[0].path]:g}: "
                  + (describe(a) if a.reachable else a.note))
    print(f"{wall:.1f} s · {len(evaluator.rows)} evaluations ({evaluator.runs} simulated) · "
          f"wrote {path}/ (solve.json, report.html)")
    return 0


def _cmd_discover(args: argparse.Namespace) -> int:
    if not 0 < args.below < 1:
        raise LandsimError(f"--below must be between 0 and 1 (got {args.below:g})")
    if "zh" in args.lang:
        from simulator.report.style import cjk_font

        cjk_font()
    if args.source.is_dir():
        from simulator.study.discover import discover_sweep

        out = args.out or Path("outputs") / "discover" / f"{args.source.name}-{args.target}"
        found = discover_sweep(args.source, args.target, out, below=args.below, choose=args.box,
                               force=args.force, langs=tuple(args.lang), command=args.argv)
    else:
        scenario = load_scenario(args.source, data_dirs=args.data)
        from simulator.run.backends import make_backend
        from simulator.study.discover import discover_scenario
        from simulator.study.sensitivity import parse_params

        specs = args.params or [f"{lv.path}={lv.min:g}:{lv.max:g}" for lv in scenario.levers]
        params = parse_params(scenario, specs)
        _study_cost(scenario, args.replications, args.samples, args, "discovery")
        out = args.out or Path("outputs") / "discover" / f"{scenario.name}-{args.target}"
        backend = make_backend(args.workers, args.dask)
        print(f"discover {scenario.name}: {args.target}, {args.samples} points (Latin "
              f"hypercube over {len(params)} parameters) × {args.replications:,} replications "
              f"(seed {args.seed}, common random numbers) on {backend.name}")
        with _interruptible(out), _progress(args.samples, disable=args.quiet,
                                            unit="point") as bar:
            found = discover_scenario(
                scenario, params, args.target, out, samples=args.samples,
                replications=args.replications, seed=args.seed, below=args.below,
                choose=args.box, engine=args.engine, backend=backend, resume=args.resume,
                force=args.force, langs=tuple(args.lang), progress=bar.update,
                inputs=[args.source], command=args.argv)
    from simulator.study.discover import sentence

    print(sentence(found))
    box = found.result.box()[["parameter", "min", "max", "qp"]]
    if len(box):  # no box (nothing significant): the sentence says so
        print(box.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"wrote {out}/ (boxes.csv, discover.json, trajectory.csv, report.html)")
    return 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    from simulator.run.backends import make_backend
    from simulator.study.optimize import (
        POPULATION,
        headline,
        optimize_to_folder,
        parse_constraint,
        parse_objective,
        under_posterior,
    )

    scenario = load_scenario(args.scenario, data_dirs=args.data)
    objectives = [parse_objective(o, scenario) for o in args.objective]
    constraints = [parse_constraint(c, scenario) for c in args.constraint]
    posterior = under_posterior(scenario, args.posterior) if args.posterior else None
    if len(objectives) < 2:
        raise LandsimError("optimize needs two or more --objective, e.g. --objective "
                           "'max P(plan-2035)' --objective 'min cost'")
    if not 0 < args.level < 1:
        raise LandsimError(f"--level must be between 0 and 1 (got {args.level:g})")
    if "zh" in args.lang:
        from simulator.report.style import cjk_font

        cjk_font()
    final = args.final_replications or 4 * args.replications
    _study_cost(scenario, args.replications, args.evaluations, args, "optimize")
    out = args.out or Path("outputs") / "optimize" / scenario.name
    backend = make_backend(args.workers, args.dask)
    print(f"optimize {scenario.name}: {len(scenario.levers)} levers, objectives "
          f"{'; '.join(args.objective)}"
          + (f"; constraints {'; '.join(args.constraint)}" if args.constraint else "")
          + f" · NSGA-II, up to {args.evaluations:,} candidates ({POPULATION} a generation) × "
          f"{args.replications:,} replications, front re-evaluated at {final:,} · robustness "
          f"{args.robustness} · seed {args.seed} · {backend.name}")
    started = time.perf_counter()
    with _interruptible(out), _progress(args.evaluations, disable=args.quiet,
                                        unit="candidate") as bar:
        found = optimize_to_folder(
            scenario, objectives, out, constraints=constraints, evaluations=args.evaluations,
            replications=args.replications, final_replications=final, seed=args.seed,
            robustness=args.robustness, backend=backend, resume=args.resume,
            force=args.force, langs=tuple(args.lang), progress=bar.update,
            inputs=[args.scenario, *([args.posterior] if args.posterior else [])],
            command=args.argv, level=args.level, posterior=posterior)
    print(headline(found, args.level))
    if not found.front.empty:
        cols = [lv.path for lv in found.levers] + [c for c in found.front.columns
                                                   if c not in {lv.path for lv in found.levers}]
        print(found.front[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"{time.perf_counter() - started:.1f} s · {len(found.evaluations):,} candidates · "
          f"{len(found.front)} on the front · wrote {out}/ (front.csv, evaluations.csv, "
          "convergence.csv, optimize.json, report.html)")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, data_dirs=args.data)
    forecasts = [load_scenario(path, data_dirs=args.data) for path in args.forecast]
    from simulator.run.backends import make_backend
    from simulator.study.calibrate import (
        calibrate_to_folder,
        check_calibratable,
        resolve_method,
        sentence,
    )

    check_calibratable(scenario, forecasts)  # before the font check and the banner
    method = resolve_method(scenario, args.method)
    if "zh" in args.lang:
        from simulator.report.style import cjk_font

        cjk_font()
    out = args.out or Path("outputs") / "calibrate" / scenario.name
    backend = make_backend(args.workers, args.dask)
    print(f"calibrate {scenario.name}: {len(scenario.uncertain)} uncertain parameters against "
          f"{len(scenario.observed.cells())} observed figures · {args.replications:,} "
          f"draws ({'sequential proposals' if method == 'smc' else 'from the prior'}) · "
          f"seed {args.seed} · {backend.name}")
    started = time.perf_counter()
    with _interruptible(out), _progress(args.replications, disable=args.quiet) as bar:
        found = calibrate_to_folder(
            scenario, out, replications=args.replications, seed=args.seed,
            forecasts=forecasts, backend=backend, resume=args.resume, force=args.force,
            langs=tuple(args.lang), progress=bar.update,
            inputs=[args.scenario, *args.forecast], command=args.argv, method=method)
    print(sentence(found))
    for note in found.advice():
        print(f"note: {note}")
    post = found.posterior()
    print(post[["parameter", "prior_mean", "posterior_mean", "posterior_p10",
                "posterior_p90"]].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    for name in found.forecasts:
        for row in found.forecast_odds(name):
            lo, hi = row["posterior_ci95"]
            print(f"  {name} {row['target']}: {row['prior_probability']:.1%} under the prior, "
                  f"{row['posterior_probability']:.1%} ({lo:.1%}–{hi:.1%}) under the posterior "
                  "(fresh random inputs)")
    print(f"{time.perf_counter() - started:.1f} s · effective sample size {found.ess:,.0f} · "
          f"wrote {out}/ (posterior.csv, posterior.parquet, draws.parquet, summary.json, "
          "report.html)")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    import dataclasses

    from simulator.inputs.errors import RunConfigError
    from simulator.run.output import check_output, replace_folder
    from simulator.study.backtest import load_cases, run_backtest, sentence, write_backtest

    spec, scenarios = load_cases(args.cases)
    if args.loo and not spec.priors:
        raise RunConfigError(f"{args.cases}: --loo needs priors: in the cases file (key path: "
                             "prior, put on every case scenario that has the path)")
    if "zh" in args.lang:
        from simulator.report.style import cjk_font

        cjk_font()
    out = args.out or Path("outputs") / "backtest" / spec.name
    check_output(out, force=args.force, inputs=[args.cases])
    n = args.replications or spec.replications
    workers = args.workers or (os.cpu_count() or 1)
    print(f"backtest {spec.name}: {len(spec.cases)} cases × {n:,} replications · seed {args.seed}"
          + (" · leave-one-out" if args.loo else ""))
    steps = len(spec.cases) * (3 if args.loo else 1)
    with _progress(steps, disable=args.quiet, unit="case") as bar:
        found = run_backtest(spec, scenarios, seed=args.seed, replications=args.replications,
                             progress=bar.update)
        if args.loo:
            from simulator.study.backtest import run_loo

            loo = run_loo(spec, scenarios, seed=args.seed, replications=args.replications,
                          forecast_replications=args.forecast_replications, draws=args.draws,
                          workers=workers, progress=bar.update)
            found = dataclasses.replace(found, loo=loo)
    from simulator import __version__

    manifest = {"landsim_version": __version__, "command": " ".join(args.argv)}
    path = replace_folder(out, lambda tmp: write_backtest(found, tmp, langs=tuple(args.lang),
                                                          manifest=manifest),
                          kind="backtest", force=args.force, inputs=[args.cases])
    print(found.table()[["case", "observed", "reference", "forecast_p10", "forecast_p50",
                         "forecast_p90", "pit", "crps"]].to_string(
        index=False, float_format=lambda v: f"{v:.3g}"))
    print(sentence(found))
    if found.loo is not None:
        from simulator.study.backtest import loo_sentence

        print(loo_sentence(found))
    print(f"wrote {path}/ (cases.csv, backtest.json, report.html)")
    return 0


@contextlib.contextmanager
def _interruptible(out: Path):
    try:
        yield
    except KeyboardInterrupt:
        print(f"\nlandsim: interrupted; finished points are kept in {out}.partial/ — "
              "rerun the same command with --resume to continue", file=sys.stderr)
        raise


def _cmd_trace(args: argparse.Namespace) -> int:
    from simulator.run.output import write_text_atomically
    from simulator.run.trace import trace_replication

    scenario = load_scenario(args.scenario, data_dirs=args.data)
    trace = trace_replication(scenario, replication=args.replication, seed=args.seed)
    text = trace.events.to_csv(index=False, float_format="%.6f")
    if args.out is not None and str(args.out) == "-":
        sys.stdout.write(text)
        return 0
    name = f"{scenario.name}-trace-seed{args.seed}-rep{args.replication}.csv"
    out = args.out or Path("outputs") / name
    if out.is_dir():
        raise LandsimError(f"--out {out}: is a folder; give a file name for the trace CSV")
    if out.exists() and not args.force and not _is_trace(out, text):
        raise LandsimError(f"--out {out}: the file exists and is not a landsim trace, so it is "
                           "left as it is; choose another name (or add --force to replace it)")
    write_text_atomically(out, text)
    print(f"replication {args.replication} of seed {args.seed}: "
          f"{len(trace.events):,} events → {out}")
    if scenario.status is not None:
        print("\n".join(status_lines(scenario)[:2]))
        state = trace.events[trace.events.event == "in-progress"]
        if len(state):
            grouped = state.groupby(["pathway", "stage"], sort=False).km2.agg(["count", "sum"])
            for (pathway, stage), row in grouped.iterrows():
                print(f"  in {pathway}.{stage} at the status date: {int(row['count'])} projects, "
                      f"{row['sum']:.2f} km²")
        print()
    print(trace.targets().to_string(float_format=lambda x: f"{x:.2f}"))
    return 0


def _is_trace(path: Path, text: str) -> bool:
    """Whether ``path`` starts with the header a trace CSV starts with."""
    header = text.split("\n", 1)[0]
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline(len(header) + 2).rstrip("\r\n") == header
    except (OSError, UnicodeDecodeError):
        return False


def _progress(total: int | None, *, disable: bool, unit: str = "rep"):
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes may be forked
    # disable=None turns the bar off when stderr is not a terminal (CI logs, pipes);
    # delay keeps quick runs quiet.
    return tqdm(
        total=total, unit=unit, file=sys.stderr, delay=1.0, leave=False,
        disable=True if disable else None, dynamic_ncols=True,
    )


def format_table(result) -> str:
    """The target table printed after a run (of a ``SimulationResult``): a line on what the
    status figures are when they are illustrative or assumed, the table, what the
    intervals cover, and why a target cannot be met."""
    from simulator.inputs.status import status_provenance
    from simulator.report.formatting import num, pct, pct_range
    from simulator.report.i18n import interval_text, notice_text, observed_text

    scenario = result.scenario
    provenance = status_provenance(scenario) if scenario.status is not None else None
    odds = result.target_odds()
    joint = result.joint()
    width = max(17, *(len(observed_text(met, provenance, "en").partition(" ")[2])
                      for met in (True, False)))
    lines = [
        "",
        f"{'target':<16} {'years':<11} {'km²':>6} {'ceiling':>7} {'P(meet)':>8}  "
        f"{'95% interval':<{width}} {'mean km²':>9} {'shortfall':>9}",
    ]
    for name, row in odds.iterrows():
        years = f"{row['from']}–{row['by']}"
        scope = "" if row["pathways"] == "all" else f"  [{row['pathways']}]"
        interval = pct_range(row["ci95_low"], row["ci95_high"])
        shown = pct(row["probability"])
        if row["observed"]:  # history: no probability about it
            shown, _, interval = observed_text(row["probability"] >= 1, provenance,
                                               "en").partition(" ")
        elif row["impossible"]:  # no replication can meet it: the sentence below says why
            interval = "(impossible)"
        lines.append(
            f"{name:<16} {years:<11} {row['km2']:>6.1f} {row['ceiling_km2']:>7.1f} {shown:>8}  "
            f"{interval:<{width}} {num(row['mean_km2'], 1):>9} "
            f"{num(row['mean_shortfall_km2'], 2):>9}{scope}"
        )
    lo, hi = joint["ci95"]
    shown, interval = pct(joint["probability"]), pct_range(lo, hi)
    if joint["missed_observed"]:  # an observed target was missed: so were all together
        shown, _, interval = observed_text(False, provenance, "en").partition(" ")
    lines.append(f"{'all targets':<16} {'':<11} {'':>6} {'':>7} {shown:>8}  {interval}")
    lines += ["", interval_text(result.replications, len(scenario.uncertain),
                                _posterior_count(scenario), "en")]
    lines += ceiling_lines(result.summary()["targets"])
    if scenario.status is not None:
        notice = notice_text(provenance, "en")
        lines[1:1] = status_lines(scenario) + ([notice, ""] if notice else [])
    return "\n".join(lines)


MAX_DESIGN_POINTS = 1_000_000
"""Most points a study may have, --force or not (its design is held in memory)."""


def _design_size(spec) -> int:
    """Points of a sweep's design, before it is built (a grid: the product of its levels)."""
    if spec.design == "grid":
        return math.prod(len(p.levels) if p.levels is not None else spec.levels
                         for p in spec.parameters)
    return int(spec.points or 0)


def _study_cost(scenario, replications: int, points: int, args, what: str) -> None:
    """Refuse a study whose estimated time on this machine is above the ceiling (unless
    --force) or whose design is too large to hold; say the estimate otherwise."""

    from simulator.run.cost import STUDY_CEILING_SECONDS, estimate_run, format_seconds

    if points > MAX_DESIGN_POINTS:
        raise LandsimError(f"{what}: {points:,} points to evaluate; at most "
                           f"{MAX_DESIGN_POINTS:,}, --force or not (a design is held in memory)")
    workers = getattr(args, "workers", None) or os.cpu_count() or 1
    seconds = estimate_run(scenario, replications).seconds * points / max(1, workers)
    if seconds > STUDY_CEILING_SECONDS and not args.force:
        raise LandsimError(
            f"{what}: {points:,} points × {replications:,} replications is estimated at "
            f"{format_seconds(seconds)} on this machine, above the "
            f"{format_seconds(STUDY_CEILING_SECONDS)} a study may take; use fewer points or "
            "replications, or add --force to run it anyway")
    if not getattr(args, "quiet", False) and seconds > 10:
        print(f"{what}: estimated {format_seconds(seconds)} on this machine", file=sys.stderr)


def _posterior_count(scenario) -> int:
    """How many of the scenario's uncertain parameters come from a calibrated posterior."""
    return len(scenario.posterior.paths) if scenario.posterior is not None else 0


def ceiling_lines(targets: list[dict]) -> list[str]:
    """The printed note on targets that no replication can meet (summary.json's targets)."""
    from simulator.report.ceiling_text import impossible_sentences

    said = impossible_sentences({"targets": targets})
    if not said:
        return []
    return ["", "ceiling: the most km² the scenario can release in a target's window in the "
                "best case (no drop-out, shortest durations)", *said]


def status_lines(scenario) -> list[str]:
    """What a status date leaves to forecast, in a few printed lines."""
    from simulator.inputs.status import status_provenance
    from simulator.model.status import status_plan
    from simulator.report.formatting import num
    from simulator.report.i18n import as_of_text, t, until_text

    plan = status_plan(scenario)
    label = status_provenance(scenario)["released"]
    kind = {"illustrative": "illustrative", "assumption": "assumed",
            "derived": "derived"}.get(label, "actual")
    total = {k: sum(getattr(a, k) for a in plan.accounts)
             for k in ("released_km2", "pipeline_km2", "pipeline_projects", "not_started_km2",
                       "late_start_km2", "excess_km2")}
    out = [f"as of {as_of_text(plan.as_of, 'en')}: forecast from the status date, given the "
           f"releases up to {until_text(plan.as_of, 'en')} and the projects in progress",
           f"  released {num(total['released_km2'], 2)} km² ({kind}) · in progress "
           f"{num(total['pipeline_km2'], 2)} km² ({total['pipeline_projects']} projects) · not "
           f"yet started {num(total['not_started_km2'], 2)} km²"
           + (f", of which {num(total['late_start_km2'], 2)} km² late already"
              if total["late_start_km2"] > 0 else "")
           + (f" · {num(total['excess_km2'], 2)} km² beyond the plan"
              if total["excess_km2"] > 0 else ""),
           ""]
    year = math.floor(plan.as_of)
    if plan.as_of > year and year in scenario.years and not scenario.status.released.get(year):
        out[-1:-1] = ["  " + t("status.zero_so_far", "en", year=year,
                               date=as_of_text(plan.as_of, "en"))]
    return out


def counted(n: int, noun: str) -> str:
    """``1 pathway``, ``5 pathways``, ``1,200 projects``: a count with its noun."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path, data_dirs=args.data)
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        n = sum(p.projects.count for p in scenario.pathways.values())
        print(
            f"ok  {path}: {scenario.name} · {counted(len(scenario.pathways), 'pathway')} · "
            f"{counted(n, 'project')} · {scenario.planned_km2:.1f} km² planned · "
            f"{counted(len(scenario.targets), 'target')}"
        )
        for line in _validate_ceilings(scenario):
            print(f"    {line}")
        print(f"    {_cost_line(scenario, 2000)}")
    return 2 if failed else 0


def _say_cost(scenario, replications: int, workers: int | None) -> None:
    """On stderr, the estimated time of a run when it is long enough to wait for."""

    from simulator.run.cost import estimate_run, format_seconds

    estimate = estimate_run(scenario, replications, workers=workers or os.cpu_count() or 1)
    if estimate.wall_seconds > 10:
        print(f"estimated {format_seconds(estimate.wall_seconds)} on this machine",
              file=sys.stderr)


def _cost_line(scenario, replications: int) -> str:
    """The estimated time of a run of ``replications`` on this machine, for validate."""

    from simulator.run.cost import estimate_run, format_seconds

    estimate = estimate_run(scenario, replications, workers=os.cpu_count() or 1)
    return (f"cost: {replications:,} replications ≈ {format_seconds(estimate.wall_seconds)} "
            f"on this machine ({estimate.steps:,.0f} project-stage steps"
            + (f", {estimate.queue_steps:,.0f} queue steps" if estimate.queue_steps else "")
            + (f", about {estimate.passes:.0f} engine passes" if estimate.passes > 1 else "")
            + ")")


def _validate_ceilings(scenario) -> list[str]:
    """Each target's ceiling, and a sentence for those no replication can meet (a finding,
    not an error: validate still exits 0)."""
    from simulator.model.ceiling import target_ceilings
    from simulator.report.ceiling_text import ceiling_sentence
    from simulator.run.results import observed_targets

    observed = observed_targets(scenario)
    out = []
    for c, seen in zip(target_ceilings(scenario), observed, strict=True):
        if seen:
            continue
        out.append(f"{c.target}: ceiling {c.ceiling_km2:.1f} km² in {c.first}–{c.last} "
                   f"(target {c.km2:g})")
        if c.impossible:
            binding = {"caps": list(c.binding_caps), "capacity": list(c.binding_capacity),
                       "schedule": list(c.binding_schedule), "plan_km2": c.plan_km2}
            out.append("  " + ceiling_sentence(c.target, c.first, c.last, c.km2,
                                               c.ceiling_km2, binding))
    return out


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.format == "summary":
        from simulator.run.summary_schema import summary_json_schema

        print(json.dumps(summary_json_schema(), indent=2, ensure_ascii=False))
        return 0
    print(json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False))
    return 0
