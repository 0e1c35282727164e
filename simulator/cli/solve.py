"""``landsim solve``: the lever value that gives a target a probability."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulator.cli.args import (
    add_data,
    add_execution,
    add_lang,
    add_sampling,
    check_fonts,
    replication_count,
)
from simulator.cli.costs import study_cost
from simulator.inputs.errors import LandsimError
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import scenario_argument


def add(sub) -> None:
    """Register the command's parser."""
    solve = sub.add_parser("solve", help="find the lever value that gives a target a probability")
    solve.add_argument("scenario", type=scenario_argument,
                     help="scenario YAML file, or a shipped scenario's name (plan-2024)")
    solve.add_argument("--target", required=True, help="target name (e.g. binding-2025)")
    solve.add_argument("--probability", type=float, required=True,
                       help="the probability to reach, between 0 and 1 (e.g. 0.8)")
    solve.add_argument("--lever", action="append", required=True, metavar="PATH=LOW:HIGH",
                       help="a numeric key path and its range, e.g. "
                            "pathways.consolidation.annual_cap=2:12; twice for a frontier")
    add_sampling(solve, 2000, "evaluation")
    solve.add_argument("--points", type=replication_count, default=7,
                       help="with two levers: values of the first to solve at (default 7)")
    solve.add_argument("--resolution", default="1/16", metavar="SHARE",
                       help="spacing of the first scan as a share of the lever's range, e.g. "
                            "1/16 or 0.0625 (default 1/16: 17 points); a rise above the "
                            "level narrower than this could be missed")
    solve.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                       help="change a value of the scenario first (repeatable)")
    add_lang(solve)
    solve.add_argument("--out", type=Path,
                       help="output folder (default outputs/solve/<scenario>-<target>-<p>-<lever>)")
    add_execution(solve, resume=False)  # a solve takes seconds: nothing to resume
    add_data(solve)
    solve.set_defaults(func=_cmd_solve)


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
    evaluations = (evaluation_budget(levers[0], resolution) if len(levers) == 1
                   else args.points * evaluation_budget(levers[1], resolution,
                                                        tolerance=TOLERANCE * 10))
    study_cost(scenario, args.replications, evaluations, args, "solve")
    check_fonts(args.lang)  # before any work: Chinese needs a CJK font
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
