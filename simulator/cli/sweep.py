"""``landsim sweep``: a parameter sweep from a sweep file."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.cli.args import (
    add_execution,
    add_lang,
    fixed_seed,
    interruptible,
    progress_bar,
    replication_count,
)
from simulator.cli.costs import study_cost, sweep_design_size


def add(sub) -> None:
    """Register the command's parser."""
    sweep = sub.add_parser("sweep", help="run a parameter sweep (grid, lhs or sobol design)")
    sweep.add_argument("sweep", type=Path, help="sweep YAML file")
    sweep.add_argument("--out", type=Path, help="output folder (default outputs/sweeps/<name>)")
    sweep.add_argument("-n", "--replications", type=replication_count,
                       help="replications per point (default: the sweep file's)")
    sweep.add_argument("--seed", type=fixed_seed, help="seed (default: the sweep file's)")
    add_lang(sweep)
    add_execution(sweep)
    sweep.set_defaults(func=_cmd_sweep)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from simulator.inputs.yamlsource import read_yaml

    read_yaml(args.sweep)  # a bad file is reported before the heavy imports below
    from simulator.run.backends import make_backend
    from simulator.study.sweep import design_points, load_sweep, run_sweep

    sweep = load_sweep(args.sweep).with_run(replications=args.replications, seed=args.seed)
    out = args.out or Path("outputs") / "sweeps" / sweep.spec.name
    total = sweep_design_size(sweep.spec)
    study_cost(sweep.base, sweep.spec.replications, total, args, f"sweep {sweep.spec.name}")
    total = len(design_points(sweep.spec))
    backend = make_backend(args.workers, args.dask)
    print(f"sweep {sweep.spec.name}: {total} points × {sweep.spec.replications:,} replications "
          f"of {sweep.base.name} (seed {sweep.spec.seed}, common random numbers) on {backend.name}")
    with interruptible(out), progress_bar(total, disable=args.quiet, unit="point") as bar:
        result = run_sweep(sweep, out, backend=backend, resume=args.resume, progress=bar.update,
                           force=args.force, langs=args.lang)
    print(f"{result.manifest['wall_seconds']:.1f} s ({result.manifest['points_per_second']} "
          f"points/s) · wrote {result.folder}/points.csv")
    return 0
