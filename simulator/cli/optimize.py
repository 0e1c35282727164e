"""``landsim optimize``: the programmes no other beats on every objective."""

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
    interruptible,
    progress_bar,
    replication_count,
)
from simulator.cli.costs import study_cost
from simulator.inputs.errors import LandsimError
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import scenario_argument


def add(sub) -> None:
    """Register the command's parser."""
    opt = sub.add_parser("optimize",
                         help="the programmes no other beats on every objective (NSGA-II over "
                              "the levers, robust to the uncertain values)")
    opt.add_argument("scenario", type=scenario_argument,
                     help="scenario YAML file with levers: (and costs), or a shipped name")
    opt.add_argument("--objective", action="append", default=[], metavar="OBJECTIVE",
                     help="'max P(TARGET)', 'max km2(TARGET)' or 'min cost'; two or more")
    opt.add_argument("--constraint", action="append", default=[], metavar="CONSTRAINT",
                     help="'P(TARGET) >= LEVEL' (or <=), e.g. 'P(binding-2025) >= 0.5'")
    opt.add_argument("--robustness", choices=("mean", "p10", "regret"), default="mean",
                     help="the odds the search maximises: over the uncertain values (mean, "
                          "default), their 10th percentile across draws (p10), or the mean "
                          "with the front ranked by largest regret (regret)")
    opt.add_argument("--evaluations", type=replication_count, default=480,
                     help="candidate programmes the search may evaluate (default 480)")
    opt.add_argument("--final-replications", type=replication_count, default=None,
                     help="replications of the front's re-evaluation (default 4 × -n)")
    opt.add_argument("--posterior", type=Path, metavar="FILE",
                     help="a calibration's posterior.parquet: the front is also re-evaluated "
                          "with it in place of the priors it shares (odds under the prior and "
                          "under the posterior)")
    opt.add_argument("--level", type=float, default=0.8,
                     help="the odds the headline's cheapest programme must reach (default 0.8)")
    add_sampling(opt, 1000, "candidate")
    add_lang(opt)
    opt.add_argument("--out", type=Path,
                     help="output folder (default outputs/optimize/<scenario>)")
    add_execution(opt)
    add_data(opt)
    opt.set_defaults(func=_cmd_optimize)


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
    check_fonts(args.lang)  # before any work: Chinese needs a CJK font
    final = args.final_replications or 4 * args.replications
    study_cost(scenario, args.replications, args.evaluations, args, "optimize")
    out = args.out or Path("outputs") / "optimize" / scenario.name
    backend = make_backend(args.workers, args.dask)
    print(f"optimize {scenario.name}: {len(scenario.levers)} levers, objectives "
          f"{'; '.join(args.objective)}"
          + (f"; constraints {'; '.join(args.constraint)}" if args.constraint else "")
          + f" · NSGA-II, up to {args.evaluations:,} candidates ({POPULATION} a generation) × "
          f"{args.replications:,} replications, front re-evaluated at {final:,} · robustness "
          f"{args.robustness} · seed {args.seed} · {backend.name}")
    started = time.perf_counter()
    with interruptible(out), progress_bar(args.evaluations, disable=args.quiet,
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
