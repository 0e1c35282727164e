"""The README's screenshot of the explorer: plan-2024 with consolidation throughput at 6.

Run: .venv/bin/python notebooks/explorer-screenshot.py [OUT]   (default
docs/img/explorer.png; about a minute). Needs Debian's chromium and chromium-driver (`make
browser`). Starts `landsim serve` on a free port, moves the slider, waits until the answer is
refined to the 20,000 replications asked for, and saves the page.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import chromium  # noqa: E402
from test_explorer_browser import meta, move, wait_for  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img" / "explorer.png"
    proc, url = _start(ROOT / "scenarios" / "plan-2024.yaml")
    try:
        with chromium("1400,1250") as driver:
            driver.get(url)
            wait_for(driver, lambda m: m.get("charts") == "1")
            move(driver, "c_pathways_consolidation_annual_cap", 6)
            wait_for(driver, lambda m: "annual_cap=6.0" in (m.get("values") or "")
                     and m.get("state") == "final" and m.get("charts") == "1", timeout=300)
            time.sleep(1)
            driver.save_screenshot(str(out))
            print(f"wrote {out} ({meta(driver)})")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def _start(scenario: Path):
    import os
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "serve", str(scenario),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert "open http" in proc.stdout.readline()
    return proc, f"http://127.0.0.1:{port}/"


if __name__ == "__main__":
    main()
