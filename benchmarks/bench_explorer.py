"""The explorer's latency: from moving a slider to the new odds, and to the new charts.

    python benchmarks/bench_explorer.py [--scenario plan-2024] [--moves 20] [--pause 2]

Starts ``landsim serve`` (two workers) on the scenario, opens it in headless Chromium,
and moves the consolidation throughput slider ``--moves`` times, ``--pause`` seconds
apart (the answer of the move before is still refining then, as in a meeting). For each
move it measures, in the browser, the time until the page shows (1) the odds and headline
for the new value and (2) its fan chart and release by pathway; prints the median and the
95th percentile of each, and the replications of the first answer. The time includes
Shiny's 250 ms debounce of a slider. Needs Debian's chromium and chromium-driver.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium  # noqa: E402

CONTROL = "c_pathways_consolidation_annual_cap"
VALUES = (5, 6, 7, 4.5, 8, 5.5, 9, 4, 6.5, 7.5)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _meta(driver) -> dict:
    return driver.execute_script(
        "const m = document.getElementById('answer-meta');"
        "return m ? {values: m.dataset.values, charts: m.dataset.charts,"
        " n: m.dataset.replications} : {};") or {}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="plan-2024")
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    port = _port()
    server = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve",
         str(ROOT / "scenarios" / f"{args.scenario}.yaml"), "--port", str(port),
         "--workers", str(args.workers)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        began = time.perf_counter()
        assert "open http" in server.stdout.readline()
        start = time.perf_counter() - began
        with chromium("1400,1800") as driver:
            driver.get(f"http://127.0.0.1:{port}/")
            while _meta(driver).get("charts") != "1":
                time.sleep(0.02)
            odds, charts, first = [], [], []
            for i in range(args.moves):
                time.sleep(args.pause)
                value = float(VALUES[i % len(VALUES)] + (i // len(VALUES)) * 0.1)
                want = f"pathways.consolidation.annual_cap={value}"
                t0 = time.perf_counter()
                driver.execute_script(
                    f"$('#{CONTROL}').data('ionRangeSlider').update({{from: {value}}});"
                    f"$('#{CONTROL}').trigger('change');")
                seen = None
                while True:
                    m = _meta(driver)
                    if m.get("values") == want:
                        seen = seen or (time.perf_counter() - t0, m.get("n"))
                        if m.get("charts") == "1":
                            break
                    time.sleep(0.01)
                odds.append(seen[0])
                first.append(int(seen[1]))
                charts.append(time.perf_counter() - t0)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(f"landsim serve {args.scenario}: {args.workers} workers, server ready in {start:.1f} s; "
          f"{args.moves} moves, {args.pause:g} s apart; first answers at "
          f"{statistics.median(first):,.0f} replications")
    print(f"{'':<22} {'median':>7} {'p95':>7} {'max':>7}")
    for name, values in (("slider → odds (s)", odds), ("slider → charts (s)", charts)):
        print(f"{name:<22} {statistics.median(values):>7.2f} {percentile(values, 95):>7.2f} "
              f"{max(values):>7.2f}")


if __name__ == "__main__":
    main()
