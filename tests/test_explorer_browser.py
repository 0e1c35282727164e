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
# the page's parts are Shiny modules: their ids carry the module's namespace
CAP = "controls-c_pathways_consolidation_annual_cap"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(*args: str, scenario=BASELINE) -> tuple[subprocess.Popen, str]:
    """``landsim serve`` in a subprocess; (the process, its address) once it listens."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", str(scenario), "--port", str(port), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()  # blocks until it listens (or fails)
    if "open http" not in line:
        proc.kill()
        raise AssertionError(f"serve did not start: {line}{proc.stderr.read()}")
    return proc, f"http://127.0.0.1:{port}/"


def meta(driver) -> dict:
    got = driver.execute_script(
        "const m = document.getElementById('answer-meta');"
        "if (!m) return {};"
        "const h = document.getElementById('headline-probability');"
        "return {state: m.dataset.state, n: m.dataset.replications, values: m.dataset.values,"
        " charts: m.dataset.charts, p: h ? h.dataset.probability : null,"
        " target: h ? h.dataset.target : null};")
    return got or {}


def wait_for(driver, ok, timeout: float = 180.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = meta(driver)
        if got and ok(got):
            return got
        time.sleep(0.05)
    raise AssertionError(f"no such answer within {timeout} s; last {meta(driver)}")


def shown_text(driver, element: str, words: str, seconds: float = 30) -> str:
    """The text of element ``element`` once it holds ``words`` (re-found while the page
    re-renders it), or what it holds after ``seconds``."""
    from selenium.common.exceptions import StaleElementReferenceException

    end, text = time.monotonic() + seconds, ""
    while time.monotonic() < end:
        try:
            found = driver.find_elements("id", element)
            text = found[0].text if found else ""
        except StaleElementReferenceException:
            continue
        if words in text:
            break
        time.sleep(0.05)
    return text


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


def test_a_policy_teams_session(tmp_path):
    """One server, as a meeting uses it: the page loads with no external request and
    answers; a broken upload shows its error lines; a slider changes the headline to what
    `landsim run --set` gives at the same seed and replications; a second session at the
    same time gets its own answers; SIGTERM then stops the server and every worker. (One
    test, not five: each server and browser start costs seconds of the suite.)"""
    proc, server = start_server("--workers", "2", "-n", "3000")
    children = psutil.Process(proc.pid).children(recursive=True)
    assert len(children) >= 2  # the quick lane and the refining lane
    broken = tmp_path / "broken.yaml"
    broken.write_text(BASELINE.read_text(encoding="utf-8").replace(
        "dropout: 0.35", "dropout: 1.35", 1), encoding="utf-8")
    try:
        with chromium() as driver, chromium() as other:
            driver.get(server)
            got = wait_for(driver, lambda m: m.get("charts") == "1" and m.get("p"))
            urls = requested_urls(driver, server)
            assert len(urls) > 10 and all(u.startswith((server, "data:")) for u in urls), [
                u for u in urls if not u.startswith((server, "data:"))]
            assert got["values"] == ""
            # the headline leads with the km² the window releases, then the odds
            head = driver.find_element("id", "headline").text
            assert head.startswith("Release by the end of") and "The chance of" in head
            assert driver.find_element("id", "chart-fan") and driver.find_element(
                "id", "chart-pathways")

            # an upload that is not a valid scenario: its lines, as validate gives them
            driver.find_element("css selector", "input#picker-upload").send_keys(str(broken))
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

            # a forged message (a slider value that is no number, a scenario not on offer):
            # refused in the page, the session goes on (issue 36, item 6)
            driver.execute_script(
                "Shiny.setInputValue(arguments[0], 'abc', {priority: 'event'})", CAP)
            assert "is not a number" in shown_text(driver, "value-problems", "is not a number")
            driver.execute_script(
                "Shiny.setInputValue('picker-scenario', 'no-such', {priority: 'event'})")
            assert "'no-such'" in shown_text(driver, "value-problems", "no scenario")

            # a slider, and at the same time a second session moving another
            before = wait_for(driver, lambda m: m.get("state") == "final" and m.get("p"))
            other.get(server)
            wait_for(other, lambda m: m.get("p"))
            move(driver, CAP, 8)
            move(other, "controls-c_pathways_renewal_annual_cap", 1.6)
            after = wait_for(driver, lambda m: m.get("values")
                             == "pathways.consolidation.annual_cap=8.0"
                             and m.get("state") == "final")
            mine = wait_for(other, lambda m: m.get("values") == "pathways.renewal.annual_cap=1.6"
                            and m.get("charts") == "1")
            assert after["p"] != before["p"] and mine["p"]
            text = driver.find_element("id", "reproduce").text
            assert "--set pathways.consolidation.annual_cap=8.0 -n 3000 --seed 0" in text
            out = tmp_path / "run"
            assert cli.main(["run", str(BASELINE), "--set",
                             "pathways.consolidation.annual_cap=8.0", "-n", after["n"],
                             "--seed", "0", "--no-report", "-q", "--out", str(out)]) == 0
            summary = json.loads((out / "summary.json").read_text())
            ran = next(x for x in summary["targets"] if x["name"] == after["target"])
            assert float(after["p"]) == ran["probability"]

            # work in progress when the signal comes
            move(driver, CAP, 7)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 143  # as every landsim command on SIGTERM
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert alive == []
        assert "terminated" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
