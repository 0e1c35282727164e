"""Engine speed and memory on the baseline scenario.

    python benchmarks/bench_engines.py            # all figures, about a minute
    python benchmarks/bench_engines.py --quick    # skip the million-replication run

Reports, per replication: the SimPy engine, the fast engine and drawing the random
inputs alone (the floor no engine can beat), each on one core; then a run of
1,000,000 replications on all cores, its wall time and peak memory (the run's own
process plus its workers, measured in a fresh process). Exits 1 if a target is missed:
fast ≥ 150× the SimPy engine; fast's simulation step no slower than the draws;
1M replications in ≤ 30 s with ≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import load_scenario  # noqa: E402
from simulator.model.engines import des, fast  # noqa: E402
from simulator.model.layout import build_layout  # noqa: E402
from simulator.model.sampling import CHUNK_SIZE, draw_chunk  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"


def per_replication(fn, repeats: int) -> float:
    """Best-of-3 seconds per call of fn (after a warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def million(workers: int) -> dict:
    """Run 1M replications in a fresh interpreter and report its time and peak memory."""
    code = f"""
import json, resource, time
from simulator import load_scenario, simulate
scenario = load_scenario({str(BASELINE)!r})
start = time.perf_counter()
result = simulate(scenario, replications=1_000_000, seed=0, workers={workers})
simulated = time.perf_counter() - start
result.summary()
total = time.perf_counter() - start
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({{"simulate_s": simulated, "total_s": total, "parent_mb": own,
                  "largest_worker_mb": kids}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the largest one; all workers run the same chunks
    figures["peak_mb"] = figures["parent_mb"] + workers * figures["largest_worker_mb"]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-replication run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    layout = build_layout(load_scenario(BASELINE))
    chunk = draw_chunk(layout, 0, 0, CHUNK_SIZE)
    small = chunk.rows(0, 100)
    counter = iter(range(10**9))

    draws_us = per_replication(lambda: draw_chunk(layout, 0, next(counter), CHUNK_SIZE), 5)
    draws_us = draws_us / CHUNK_SIZE * 1e6
    fast_us = per_replication(lambda: fast.run_chunk(layout, chunk), 5) / CHUNK_SIZE * 1e6
    des_us = per_replication(lambda: des.run_chunk(layout, small), 1) / 100 * 1e6

    speedup = des_us / fast_us
    speedup_with_draws = (des_us + draws_us) / (fast_us + draws_us)
    print(f"baseline: {layout.n_projects} projects, {len(layout.pathways)} pathways; one core")
    print(f"  SimPy engine     {des_us:10.1f} µs per replication")
    print(f"  fast engine      {fast_us:10.1f} µs per replication  ({speedup:,.0f}× SimPy; "
          f"{speedup_with_draws:,.0f}× counting the draws both need)")
    print(f"  draws alone      {draws_us:10.1f} µs per replication  (fast step / draws = "
          f"{fast_us / draws_us:.2f})")
    ok = speedup >= 150 and fast_us <= draws_us

    if not args.quick:
        m = million(args.workers)
        print(f"1,000,000 replications, {args.workers} workers: {m['simulate_s']:.1f} s simulate, "
              f"{m['total_s']:.1f} s with the summary; peak memory {m['peak_mb']:,.0f} MB "
              f"(run {m['parent_mb']:,.0f} MB + {args.workers} × {m['largest_worker_mb']:,.0f} MB)")
        ok = ok and m["total_s"] <= 30 and m["peak_mb"] <= 1536

    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
