"""``landsim discover``: PRIM boxes where a target fails."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.args import (
    add_data,
    add_execution,
    add_lang,
    add_sampling,
    check_fonts,
    interruptible,
    progress_bar,
    replication_count,
)
from simulator.cli.costs import study_cost
from simulator.inputs.errors import LandsimError
from simulator.inputs.scenario import load_scenario


def add(sub) -> None:
    """Register the command's parser."""
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
    disc.add_argument("--samples", type=replication_count, default=200,
                      help="with a scenario: points of the Latin hypercube (default 200)")
    disc.add_argument("--box", type=int, help="choose this box of the trajectory (default: "
                                              "the knee)")
    add_sampling(disc, 1000, "point")
    add_lang(disc)
    disc.add_argument("--out", type=Path,
                      help="output folder (default outputs/discover/<name>-<target>)")
    add_execution(disc)
    add_data(disc)
    disc.set_defaults(func=_cmd_discover)


def _cmd_discover(args: argparse.Namespace) -> int:
    if not 0 < args.below < 1:
        raise LandsimError(f"--below must be between 0 and 1 (got {args.below:g})")
    check_fonts(args.lang)  # before any work: Chinese needs a CJK font
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
        study_cost(scenario, args.replications, args.samples, args, "discovery")
        out = args.out or Path("outputs") / "discover" / f"{scenario.name}-{args.target}"
        backend = make_backend(args.workers, args.dask)
        print(f"discover {scenario.name}: {args.target}, {args.samples} points (Latin "
              f"hypercube over {len(params)} parameters) × {args.replications:,} replications "
              f"(seed {args.seed}, common random numbers) on {backend.name}")
        with interruptible(out), progress_bar(args.samples, disable=args.quiet,
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
