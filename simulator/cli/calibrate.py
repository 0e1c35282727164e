"""``landsim calibrate``: the posterior of uncertain parameters."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulator.cli.args import (
    add_data,
    add_execution,
    add_lang,
    check_fonts,
    fixed_seed,
    interruptible,
    progress_bar,
    replication_count,
)
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import scenario_argument


def add(sub) -> None:
    """Register the command's parser."""
    cal = sub.add_parser("calibrate",
                         help="posterior of the uncertain parameters given observed release")
    cal.add_argument("scenario", type=scenario_argument,
                     help="scenario YAML file with uncertain: and observed: blocks")
    cal.add_argument("-n", "--replications", type=replication_count, default=100_000,
                     help="draws of the parameters, one replication each (default 100,000)")
    cal.add_argument("--seed", type=fixed_seed, default=0)
    cal.add_argument("--method", choices=("auto", "smc", "importance"), default="auto",
                     help="smc: generations of proposals fitted to the draws so far; "
                          "importance: every draw from the prior; auto (default): smc "
                          "where every prior is continuous (docs/calibration.md)")
    cal.add_argument("--forecast", type=Path, action="append", default=[], metavar="SCENARIO",
                     help="also give this scenario's target odds under the posterior (it must "
                          "share uncertain parameters, with the same priors); repeatable")
    add_lang(cal)
    cal.add_argument("--out", type=Path,
                     help="output folder (default outputs/calibrate/<scenario>)")
    add_execution(cal)
    add_data(cal)
    cal.set_defaults(func=_cmd_calibrate)


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
    check_fonts(args.lang)  # before any work: Chinese needs a CJK font
    out = args.out or Path("outputs") / "calibrate" / scenario.name
    backend = make_backend(args.workers, args.dask)
    print(f"calibrate {scenario.name}: {len(scenario.uncertain)} uncertain parameters against "
          f"{len(scenario.observed.cells())} observed figures · {args.replications:,} "
          f"draws ({'sequential proposals' if method == 'smc' else 'from the prior'}) · "
          f"seed {args.seed} · {backend.name}")
    started = time.perf_counter()
    with interruptible(out), progress_bar(args.replications, disable=args.quiet) as bar:
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
