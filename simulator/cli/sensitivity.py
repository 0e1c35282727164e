"""``landsim sensitivity``: one-at-a-time, Morris or Sobol."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.args import (
    add_data,
    add_execution,
    add_lang,
    add_sampling,
    interruptible,
    progress_bar,
    replication_count,
)
from simulator.cli.costs import study_cost
from simulator.inputs.errors import LandsimError, RunConfigError
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import scenario_argument


def add(sub) -> None:
    """Register the command's parser."""
    sens = sub.add_parser("sensitivity", help="one-at-a-time, Morris or Sobol sensitivity")
    sens.add_argument("scenario", type=scenario_argument,
                     help="scenario YAML file, or a shipped scenario's name (plan-2024)")
    sens.add_argument("--params", nargs="+", required=True, metavar="FILE|PATH[=LOW:HIGH]",
                      help="parameters: key paths (±20%% if no range) or a YAML file of "
                           "{path, min, max}")
    sens.add_argument("--method", choices=["oat", "morris", "sobol"], default="oat")
    sens.add_argument("--samples", type=replication_count,
                      help="morris: trajectories (default 10); sobol: base sample, a power of 2 "
                           "(default 64)")
    sens.add_argument("--second-order", action="store_true",
                      help="sobol: also the second-order index S2 of every pair of parameters "
                           "(indices_s2.csv; N × (2 × parameters + 2) points instead of "
                           "N × (parameters + 2))")
    add_sampling(sens, 1000, "point")
    sens.add_argument("--out", type=Path,
                      help="output folder (default outputs/sensitivity/<scenario>-<method>)")
    add_lang(sens)
    add_execution(sens)
    add_data(sens)
    sens.set_defaults(func=_cmd_sensitivity)


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
    study_cost(scenario, args.replications, total, args, f"{args.method} analysis")
    print(f"{args.method} sensitivity of {scenario.name}: {len(params)} parameters, {total} points "
          f"× {args.replications:,} replications (seed {args.seed}) on {backend.name}")
    with interruptible(out), progress_bar(total, disable=args.quiet, unit="point") as bar:
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
