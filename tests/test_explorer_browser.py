"""`landsim serve` as a policy team uses it: a real server in a subprocess, driven in
headless Chromium. Needs Debian's chromium and chromium-driver (see tests/browser.py)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest
from browser import chromium
from conftest import ROOT

import simulator.cli as cli

pytestmark = pytest.mark.slow

BASELINE = ROOT / "scenarios" / "baseline.yaml"
CAP = "c_pathways_consolidation_annual_cap"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(*args: str) -> tuple[subprocess.Popen, str]:
    """``landsim serve`` in a subprocess; (the process, its address) once it listens."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", str(BASELINE), "--port", str(port), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()  # blocks until it listens (or fails)
    if "open http" not in line:
        proc.kill()
        raise AssertionError(f"serve did not start: {line}{proc.stderr.read()}")
    return proc, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def server():
    proc, url = start_server("--workers", "2", "-n", "4000")
    yield url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def meta(driver) -> dict:
    got = driver.execute_script(
        "const m = document.getElementById('answer-meta');"
        "if (!m) return {};"
        "const h = document.getElementById('headline-probability');"
        "return {state: m.dataset.state, n: m.dataset.replications, values: m.dataset.values,"
        " charts: m.dataset.charts, p: h ? h.dataset.probability : null,"
        " target: h ? h.dataset.target : null};")
    return got or {}


def wait_for(driver, ok, timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = meta(driver)
        if got and ok(got):
            return got
        time.sleep(0.05)
    raise AssertionError(f"no such answer within {timeout} s; last {meta(driver)}")


def move(driver, control: str, value: float) -> None:
    driver.execute_script(
        f"$('#{control}').data('ionRangeSlider').update({{from: {value}}});"
        f"$('#{control}').trigger('change');")


def requested_urls(driver, page: str) -> list[str]:
    """What the page asked for (not what a browser just started loads for its new tab)."""
    events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
    return [e["params"]["request"]["url"] for e in events
            if e["method"] == "Network.requestWillBeSent"
            and e["params"].get("documentURL", "").startswith(page)]


def test_the_page_loads_offline_answers_and_shows_a_broken_uploads_error_lines(server,
                                                                                  tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(BASELINE.read_text(encoding="utf-8").replace(
        "dropout: 0.35", "dropout: 1.35", 1), encoding="utf-8")
    with chromium() as driver:
        driver.get(server)
        got = wait_for(driver, lambda m: m.get("charts") == "1" and m.get("p"))
        urls = requested_urls(driver, server)
        assert len(urls) > 10 and all(u.startswith((server, "data:")) for u in urls), [
            u for u in urls if not u.startswith((server, "data:"))]
        assert got["values"] == ""
        assert driver.find_element("id", "headline").text.startswith("The chance of")
        assert driver.find_element("id", "chart-fan") and driver.find_element(
            "id", "chart-pathways")
        # an upload that is not a valid scenario: its lines, as validate gives them
        driver.find_element("css selector", "input#upload").send_keys(str(broken))
        end = time.monotonic() + 30
        while time.monotonic() < end:
            found = driver.find_elements("id", "upload-problems")
            if found and found[0].text:
                break
            time.sleep(0.05)
        lines = driver.find_element("id", "upload-problems").text.splitlines()
        assert lines and lines[0].startswith("broken.yaml:")
        assert "pathways.renewal.stages[0].dropout" in lines[0]
        assert meta(driver)["p"] == got["p"]  # the answer shown before stays


def test_a_slider_changes_the_headline_to_what_landsim_run_set_gives(server, tmp_path):
    with chromium() as driver:
        driver.get(server)
        before = wait_for(driver, lambda m: m.get("state") == "final" and m.get("p"))
        move(driver, CAP, 8)
        after = wait_for(driver, lambda m: "annual_cap=8.0" in (m.get("values") or "")
                         and m.get("state") == "final")
        assert after["p"] != before["p"]
        text = driver.find_element("id", "reproduce").text
        assert "--set pathways.consolidation.annual_cap=8.0 -n 4000 --seed 0" in text
        out = tmp_path / "run"
        assert cli.main(["run", str(BASELINE), "--set", "pathways.consolidation.annual_cap=8.0",
                         "-n", after["n"], "--seed", "0", "--no-report", "-q",
                         "--out", str(out)]) == 0
        summary = json.loads((out / "summary.json").read_text())
        ran = next(x for x in summary["targets"] if x["name"] == after["target"])
        assert float(after["p"]) == ran["probability"]


def test_two_sessions_at_once_both_get_their_answers(server):
    with chromium() as one, chromium() as two:
        for driver in (one, two):
            driver.get(server)
        for driver in (one, two):
            wait_for(driver, lambda m: m.get("p"))
        move(one, CAP, 6)
        move(two, "c_pathways_renewal_annual_cap", 1.6)
        a = wait_for(one, lambda m: m.get("values") == "pathways.consolidation.annual_cap=6.0"
                     and m.get("charts") == "1")
        b = wait_for(two, lambda m: m.get("values") == "pathways.renewal.annual_cap=1.6"
                     and m.get("charts") == "1")
        assert a["p"] and b["p"]


def test_sigterm_stops_the_server_and_every_worker():
    proc, url = start_server("--workers", "2", "-n", "2000")
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) >= 2  # the quick lane and the refining lane
    with chromium() as driver:
        driver.get(url)
        wait_for(driver, lambda m: m.get("p"))
        move(driver, CAP, 7)  # work in progress when the signal comes
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 143  # as every landsim command on SIGTERM
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert "terminated" in proc.stderr.read()
