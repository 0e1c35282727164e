"""``landsim validate`` and ``landsim schema``: input checks without a run."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.cli.args import (
    add_data,
)
from simulator.cli.costs import cost_line
from simulator.cli.text import counted
from simulator.inputs.errors import ScenarioError
from simulator.inputs.scenario import load_scenario, scenario_json_schema


def add(sub) -> None:
    """Register the commands' parsers."""
    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", type=Path, nargs="+")
    add_data(validate)
    validate.set_defaults(func=_cmd_validate)

    schema = sub.add_parser("schema", help="print the JSON Schema of the scenario format "
                                           "(or of a run's summary.json)")
    schema.add_argument("format", nargs="?", choices=["scenario", "summary"],
                        default="scenario", help="which format (default: scenario)")
    schema.set_defaults(func=_cmd_schema)


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path, data_dirs=args.data)
            if scenario.levers:  # what run's report will move, checked as run checks it
                from simulator.study.levers import check_levers

                check_levers(scenario)
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
        for line in validate_ceilings(scenario):
            print(f"    {line}")
        print(f"    {cost_line(scenario, 2000)}")
    return 2 if failed else 0


def validate_ceilings(scenario) -> list[str]:
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
