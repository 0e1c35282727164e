"""The explorer's latency: from starting it, moving a slider and asking what it would take.

    python benchmarks/bench_explorer.py [--scenario plan-2024] [--moves 20] [--pause 2]

Starts ``landsim serve`` (two workers) on the scenario and opens it in headless Chromium.
Measures, from the command's start, (1) when it listens and the page answers, and (2) when
the first answer is on the page, with its charts. Then moves the consolidation throughput
slider ``--moves`` times, ``--pause`` seconds apart (the answer of the move before is still
refining then, as in a meeting), and for each move times in the browser (3) the odds and
headline for the new value and (4) its fan chart and release by pathway. After the last
move it times (5) the refined answer (``-n``, 20,000 replications by default) and (6)
"What would it take?": its first look (each value to within a step of the scan) and the
full analysis. Prints the median and the 95th percentile of (3) and (4), of the charts
after the odds, and the other times. The slider times include Shiny's 250 ms debounce.
Needs Debian's chromium and chromium-driver.
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

CONTROL = "controls-c_pathways_consolidation_annual_cap"
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
    parser.add_argument("--replications", type=int, default=20_000,
                        help="what the explorer refines to (landsim serve's default)")
    args = parser.parse_args()
    port = _port()
    began = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve",
         str(ROOT / "scenarios" / f"{args.scenario}.yaml"), "--port", str(port),
         "--workers", str(args.workers)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert "open http" in server.stdout.readline()
        listening = time.perf_counter() - began
        with chromium("1400,1800") as driver:
            driver.get(f"http://127.0.0.1:{port}/")
            page = time.perf_counter() - began  # the page is there (warming up, maybe)
            while _meta(driver).get("charts") != "1":
                time.sleep(0.02)
            ready = time.perf_counter() - began
            odds, charts, first = [], [], []
            want = ""
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
            refined = None
            while refined is None and time.perf_counter() - t0 < 120:
                m = _meta(driver)
                if m.get("values") == want and int(m.get("n") or 0) >= args.replications:
                    refined = time.perf_counter() - t0
                time.sleep(0.05)
            t1 = time.perf_counter()
            driver.find_element("id", "levers-take").click()
            look = full = None
            while full is None and time.perf_counter() - t1 < 300:
                found = driver.execute_script(
                    "return [!!document.getElementById('take-first-look'),"
                    " !!document.getElementById('take-table')];")
                if found[0] and look is None:
                    look = time.perf_counter() - t1
                if found[1]:
                    full = time.perf_counter() - t1
                time.sleep(0.05)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    gaps = [c - o for o, c in zip(odds, charts, strict=True)]
    print(f"landsim serve {args.scenario}: {args.workers} workers; {args.moves} moves, "
          f"{args.pause:g} s apart; first answers at {statistics.median(first):,.0f} "
          "replications")
    print(f"listening {listening:.1f} s, page answers {page:.1f} s, first answer with its "
          f"charts {ready:.1f} s after the command started")
    print(f"{'':<26} {'median':>7} {'p95':>7} {'max':>7}")
    for name, values in (("slider → odds (s)", odds), ("slider → charts (s)", charts),
                         ("odds → charts (s)", gaps)):
        print(f"{name:<26} {statistics.median(values):>7.2f} {percentile(values, 95):>7.2f} "
              f"{max(values):>7.2f}")
    said = "not within 120 s" if refined is None else f"{refined:.1f} s"
    print(f"refined to {args.replications:,} replications after the last move: {said}")
    print("What would it take?: first look "
          + ("never" if look is None else f"{look:.1f} s") + ", full analysis "
          + ("not within 300 s" if full is None else f"{full:.1f} s"))


if __name__ == "__main__":
    main()
