"""``landsim trace``: the event log of one replication."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulator.cli.args import (
    add_data,
    add_force,
    fixed_seed,
    replication_index,
)
from simulator.cli.text import status_lines
from simulator.inputs.errors import LandsimError
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import scenario_argument


def add(sub) -> None:
    """Register the command's parser."""
    trace = sub.add_parser("trace", help="write the event log of one replication (SimPy engine)")
    trace.add_argument("scenario", type=scenario_argument,
                     help="scenario YAML file, or a shipped scenario's name (plan-2024)")
    trace.add_argument("--replication", "-r", type=replication_index, required=True,
                       help="replication number (0-based), as in replications.parquet")
    trace.add_argument("--seed", type=fixed_seed, default=0, help="the run's seed (default 0)")
    trace.add_argument("--out", type=Path,
                       help="CSV file (default outputs/<name>-trace-seed<S>-rep<K>.csv; "
                            "- for standard output)")
    add_force(trace, wait=False)  # a trace is one file, written atomically: no lock
    add_data(trace)
    trace.set_defaults(func=_cmd_trace)


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
    if out.exists() and not args.force and not is_trace(out, text):
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


def is_trace(path: Path, text: str) -> bool:
    """Whether ``path`` starts with the header a trace CSV starts with."""
    header = text.split("\n", 1)[0]
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline(len(header) + 2).rstrip("\r\n") == header
    except (OSError, UnicodeDecodeError):
        return False
