"""``landsim backtest``: forecasts scored against known outcomes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from simulator import __version__
from simulator.cli.args import (
    add_force,
    add_lang,
    check_fonts,
    fixed_seed,
    progress_bar,
    replication_count,
    worker_count,
)
from simulator.inputs.errors import RunConfigError


def add(sub) -> None:
    """Register the command's parser."""
    back = sub.add_parser("backtest",
                          help="score forecasts against outcomes that are known (PIT, CRPS)")
    back.add_argument("cases", type=Path,
                      help="cases YAML file (e.g. scenarios/history/cases.yaml)")
    back.add_argument("-n", "--replications", type=replication_count,
                      help="replications a case (default: the file's, else 4000)")
    back.add_argument("--seed", type=fixed_seed, default=0)
    back.add_argument("--loo", action="store_true",
                      help="also leave one out: calibrate on all cases but one (over the cases "
                           "file's priors) and forecast the one left out, for every case")
    back.add_argument("--draws", type=replication_count,
                      help="with --loo: posterior draws resampled per case (default "
                           "min(4000, replications))")
    back.add_argument("--forecast-replications", type=replication_count,
                      help="with --loo: replications of each held-out forecast (default: -n)")
    back.add_argument("--particles", type=replication_count, default=None,
                      help="with --loo: parameter draws proposed per generation (default 1000)")
    back.add_argument("--min-ess", type=float, default=None,
                      help="with --loo: effective posterior draws a held-out case needs to be "
                           "scored; generations are added until every case has them "
                           "(default 100)")
    back.add_argument("--workers", type=worker_count, default=None,
                      help="local processes (default: all cores)")
    back.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_lang(back)
    back.add_argument("--out", type=Path, help="output folder (default outputs/backtest/<name>)")
    add_force(back)
    back.set_defaults(func=_cmd_backtest)


def _cmd_backtest(args: argparse.Namespace) -> int:
    import dataclasses

    from simulator.run.output import check_output, replace_folder
    from simulator.study.backtest import load_cases, run_backtest, sentence, write_backtest

    spec, scenarios = load_cases(args.cases)
    if args.loo and not spec.priors:
        raise RunConfigError(f"{args.cases}: --loo needs priors: in the cases file (key path: "
                             "prior, put on every case scenario that has the path)")
    check_fonts(args.lang)  # before any work: Chinese needs a CJK font
    out = args.out or Path("outputs") / "backtest" / spec.name
    check_output(out, force=args.force, inputs=[args.cases])
    n = args.replications or spec.replications
    workers = args.workers or (os.cpu_count() or 1)
    print(f"backtest {spec.name}: {len(spec.cases)} cases × {n:,} replications · seed {args.seed}"
          + (" · leave-one-out" if args.loo else ""))
    steps = len(spec.cases) * (2 if args.loo else 1) + (3 if args.loo else 0)  # + generations
    with progress_bar(steps, disable=args.quiet, unit="case") as bar:
        found = run_backtest(spec, scenarios, seed=args.seed, replications=args.replications,
                             progress=bar.update)
        if args.loo:
            from simulator.study.loo import run_loo

            extra = {k: v for k, v in (("particles", args.particles),
                                        ("min_ess", args.min_ess)) if v is not None}
            loo = run_loo(spec, scenarios, seed=args.seed, replications=args.replications,
                          forecast_replications=args.forecast_replications, draws=args.draws,
                          workers=workers, progress=bar.update, **extra)
            found = dataclasses.replace(found, loo=loo)

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
    print(f"wrote {path}/ (cases.csv, backtest.json, report.html"
          + (", loo.csv, posterior.parquet)" if found.loo is not None else ")"))
    return 0
