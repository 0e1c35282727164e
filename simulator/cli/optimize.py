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
    opt.add_argument("--keep", action="append", default=None, metavar="TARGET",
                     help="a target every programme on the front must keep (repeatable); "
                          "by default every binding target (kind: floor, the default kind) "
                          "is kept; 'none' drops the default")
    opt.add_argument("--keep-odds", default="shipped", metavar="WHAT",
                     help="what keeping a target asks: 'shipped' (default: possible by "
                          "construction, and odds at least those of the scenario as shipped), "
                          "'possible' (only that its best case reaches it), or a level "
                          "(0.5 or 50%%: possible, and odds at least that)")
    opt.add_argument("--robustness", choices=("mean", "p10", "regret"), default="mean",
                     help="the odds the search maximises: over the uncertain values (mean, "
                          "default), their 10th percentile across draws (p10), or the mean "
                          "with the front ranked by largest regret (regret)")
    opt.add_argument("--evaluations", type=replication_count, default=480,
                     help="candidate programmes the search may evaluate (default 480); it "
                          "stops sooner once the front settles, and says why")
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


class _SearchBar:
    """The progress bar of a search: candidates proposed, with the generation and the size
    of the front found so far; then the members re-evaluated and their robustness."""

    def __init__(self, bar):
        self.bar = bar
        self.stage = "search"

    def update(self, n: int = 1) -> None:
        """Count ``n`` candidates (or members)."""
        self.bar.update(n)

    def status(self, status) -> None:
        """Show a :class:`~simulator.study.optimize.SearchStatus`."""
        if status.stage != self.stage:  # a new stage counts its own members
            self.stage = status.stage
            self.bar.reset(total=status.total)
            self.bar.unit = "member"
            self.bar.set_description("re-evaluating the front" if status.stage == "reevaluation"
                                     else "robustness across draws", refresh=False)
            self.bar.set_postfix_str(f"{status.evaluated:,} simulated · front {status.front}",
                                     refresh=True)
            return
        self.bar.total = status.total
        self.bar.set_postfix_str(f"generation {status.generation}/{status.generations} done · "
                                 f"{status.evaluated:,} simulated · front {status.front}",
                                 refresh=True)


def _cmd_optimize(args: argparse.Namespace) -> int:
    from simulator.run.backends import make_backend
    from simulator.study.optimize import (
        POPULATION,
        SETTLE_FTOL,
        SETTLE_WINDOW,
        final_replications_of,
        generations_of,
        keep_targets,
        parse_constraint,
        parse_keep_odds,
        parse_objective,
        under_posterior,
    )
    from simulator.study.optimize_output import headline, notes, optimize_to_folder

    scenario = load_scenario(args.scenario, data_dirs=args.data)
    objectives = [parse_objective(o, scenario) for o in args.objective]
    constraints = [parse_constraint(c, scenario) for c in args.constraint]
    keeps = keep_targets(scenario, args.keep, parse_keep_odds(args.keep_odds))
    posterior = under_posterior(scenario, args.posterior) if args.posterior else None
    if len(objectives) < 2:
        raise LandsimError("optimize needs two or more --objective, e.g. --objective "
                           "'max P(plan-2035)' --objective 'min cost'")
    if not 0 < args.level < 1:
        raise LandsimError(f"--level must be between 0 and 1 (got {args.level:g})")
    check_fonts(args.lang)  # before any work: Chinese needs a CJK font
    final = final_replications_of(args.replications, args.final_replications)
    generations = generations_of(args.evaluations)
    # the candidates, about as many again on held-out numbers (the fronts found on the
    # way), and a front of about a tenth of them at the final replications: the most it
    # costs (a search whose front settles stops sooner)
    candidates = generations * POPULATION
    study_cost(scenario, args.replications,
               2 * candidates + (candidates // 10) * final // args.replications, args,
               "optimize")
    out = args.out or Path("outputs") / "optimize" / scenario.name
    backend = make_backend(args.workers, args.dask)
    print(f"optimize {scenario.name}: {len(scenario.levers)} levers, objectives "
          f"{'; '.join(args.objective)}"
          + (f"; constraints {'; '.join(args.constraint)}" if args.constraint else "")
          + f"; keeps {'; '.join(k.name for k in keeps) or 'none'}"
          + f" · NSGA-II, up to {generations} generations of {POPULATION} candidates × "
          f"{args.replications:,} replications (stops sooner once the front moves less than "
          f"{SETTLE_FTOL:g} in {SETTLE_WINDOW} generations in a row), front re-evaluated on "
          "independent random "
          f"numbers at {final:,} · robustness {args.robustness} · seed {args.seed} · "
          f"{backend.name}")
    started = time.perf_counter()
    with interruptible(out), progress_bar(generations * POPULATION, disable=args.quiet,
                                        unit="candidate") as bar:
        shown = _SearchBar(bar)
        found = optimize_to_folder(
            scenario, objectives, out, constraints=constraints, keeps=keeps,
            evaluations=args.evaluations, replications=args.replications,
            final_replications=final, seed=args.seed, robustness=args.robustness,
            backend=backend, resume=args.resume, force=args.force, langs=tuple(args.lang),
            progress=shown.update, status=shown.status,
            inputs=[args.scenario, *([args.posterior] if args.posterior else [])],
            command=args.argv, level=args.level, posterior=posterior)
    print(headline(found, args.level))
    for line in notes(found, args.level):
        print(line)
    if not found.front.empty:
        cols = [lv.path for lv in found.levers] + [c for c in found.front.columns
                                                   if c not in {lv.path for lv in found.levers}]
        print(found.front[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    stop = found.settings["stop"]
    print(f"{time.perf_counter() - started:.1f} s · {len(found.evaluations):,} candidates in "
          f"{stop['generation']} of {stop['generations']} generations ("
          + ("front settled" if stop["reason"] == "settled" else "budget") + ") · "
          f"{len(found.on_front)} on the front after re-evaluation (of {len(found.front)}) · "
          f"wrote {out}/ (front.csv, evaluations.csv, convergence.csv, optimize.json, "
          "report.html)")
    return 0
