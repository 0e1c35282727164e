"""Browser sessions of ``landsim serve`` without a browser: Shiny's websocket protocol,
spoken directly, and the server's resident memory (tests/test_explorer_memory.py and
benchmarks/bench_explorer_memory.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

OUTPUTS = ("picker-choice", "controls-mode_choice", "controls-sliders", "answer-about",
           "answer-headline", "answer-table", "answer-fan", "answer-pathways",
           "downloads-buttons", "levers-take_button")
"""The page's outputs a tab shows (Shiny renders only outputs a client says are visible);
each page part is a Shiny module, its namespace the first part of its ids."""
SLIDERS = "controls-"
"""The namespace of the sliders' ids (the controls' module)."""
INIT = {"lang": "en", **{f".clientdata_output_{name}_hidden": False for name in OUTPUTS}}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(scenario: Path, workers: int, *extra: str) -> tuple[subprocess.Popen, int]:
    """``landsim serve`` in a subprocess: (the process, its port) once it listens."""
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", str(scenario), "--port", str(port),
         "--workers", str(workers), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    if "open http" not in line:
        proc.kill()
        raise RuntimeError(f"serve did not start: {line}{proc.stderr.read()}")
    return proc, port


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, then wait (a clean stop takes its workers with it)."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rss_mb(proc: subprocess.Popen) -> tuple[float, float]:
    """(the main process's RSS, the sum of its children's) in MB."""
    main = psutil.Process(proc.pid)
    children = sum(c.memory_info().rss for c in main.children(recursive=True))
    return main.memory_info().rss / 2**20, children / 2**20


async def session(port: int, control: str, values: list[float], pause: float,
                  settle: float) -> tuple[int, int]:
    """One tab: open the websocket, move ``control`` through ``values``, wait ``settle``
    seconds for the last answer, close. Returns (messages received, answers among
    them)."""
    import websockets

    received = answers = 0
    async with websockets.connect(f"ws://127.0.0.1:{port}/websocket/",
                                  max_size=None) as ws:
        await ws.send(json.dumps({"method": "init", "data": INIT}))

        async def read() -> None:
            nonlocal received, answers
            async for message in ws:
                received += 1
                answers += "data-replications" in message

        reader = asyncio.create_task(read())
        for value in values:
            await asyncio.sleep(pause)
            await ws.send(json.dumps({"method": "update", "data": {control: value}}))
        await asyncio.sleep(settle)
        # a loaded machine answers later, not never: wait for the tab's first answer (as
        # long as PATIENCE) rather than fail on the clock
        waited = 0.0
        while answers == 0 and waited < PATIENCE:
            await asyncio.sleep(0.2)
            waited += 0.2
        reader.cancel()
    return received, answers


PATIENCE = 120.0
"""Seconds a tab waits, after its ``settle``, for its first answer on a loaded machine."""


def wait_warm(proc: subprocess.Popen, timeout: float = 300.0) -> None:
    """Wait for the server's "warm" line (its first answer is in), so that a round's
    sessions do not race the warm-up; raises ``RuntimeError`` if it stops or is silent."""
    import selectors

    with selectors.DefaultSelector() as pick:
        pick.register(proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pick.select(timeout=max(deadline - time.monotonic(), 0.0)):
                break
            line = proc.stderr.readline()
            if not line:
                raise RuntimeError("the server stopped before it was warm")
            if "warm in" in line:
                return
    raise RuntimeError(f"the server was not warm within {timeout:g} s")


def controls(scenario: Path) -> list[tuple[str, float, float]]:
    """(input id, low, high) of the explorer's sliders for ``scenario``."""
    from simulator.app.controls import controls_for
    from simulator.inputs.scenario import load_scenario

    return [(SLIDERS + c.id, c.low, c.high) for c in controls_for(load_scenario(scenario), "en")
            if not c.integer]


async def one_round(port: int, shown: list, sessions: int, moves: int, pause: float,
                    settle: float, round_number: int) -> tuple[int, int]:
    """``sessions`` tabs at once, each moving its own slider: (messages, answers)."""
    jobs = []
    for s in range(sessions):
        cid, low, high = shown[(s + round_number) % len(shown)]
        values = [round(low + (high - low) * ((s + k * 7 + round_number * 3) % 19 + 1) / 20, 6)
                  for k in range(moves)]
        jobs.append(session(port, cid, values, pause, settle))
    got = await asyncio.gather(*jobs)
    return sum(g[0] for g in got), sum(g[1] for g in got)


def measure(scenario: Path, *, rounds: int, sessions: int, moves: int, pause: float,
            settle: float, workers: int, report=print) -> list[tuple[float, float, int]]:
    """(main RSS, workers' RSS) in MB and the answers received, before the first round
    (0 answers) and after each round."""
    shown = controls(scenario)
    proc, port = start_server(scenario, workers)
    try:
        wait_warm(proc)
        time.sleep(1.0)
        out = [(*rss_mb(proc), 0)]
        report(f"before      main {out[0][0]:7.0f} MB   workers {out[0][1]:7.0f} MB")
        for r in range(rounds):
            began = time.perf_counter()
            got, answers = asyncio.run(one_round(port, shown, sessions, moves, pause, settle, r))
            time.sleep(1.0)  # the server notices the closed sockets
            out.append((*rss_mb(proc), answers))
            report(f"round {r + 1:<3}   main {out[-1][0]:7.0f} MB   workers {out[-1][1]:7.0f} MB"
                   f"   ({sessions} sessions × {moves} moves, {got} messages, {answers} answers, "
                   f"{time.perf_counter() - began:.1f} s)")
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped: {proc.stderr.read()}")
        return out
    finally:
        stop_server(proc)
