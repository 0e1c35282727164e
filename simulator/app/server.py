"""``landsim serve``'s process: the pool, the web server, and a clean stop.

Ctrl-C or SIGTERM stops the web server (uvicorn's own handlers), then the pool's workers
and the worker threads; uploads are removed. Nothing is left running.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path

from simulator.app.catalogue import MAX_UPLOAD_BYTES, Catalogue
from simulator.app.estimates import SharedPool
from simulator.app.explorer import Explorer
from simulator.inputs.errors import LandsimError

__all__ = ["serve"]


def _limit_uploads(app, most: int):
    """Refuse a request body larger than ``most`` bytes (413) before the app sees any of it,
    whatever its framing: a stated Content-Length is refused at once; a body without one
    (chunked transfer encoding) is read here, counting, and handed on only once it is known
    to fit — so a refused upload writes nothing, and cannot fill the disk or the memory."""

    async def refuse(send) -> None:
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body",
                    "body": f"larger than {most:,} bytes\n".encode()})

    async def limited(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        size = headers.get(b"content-length")
        if size is not None and size.isdigit():
            if int(size) > most:
                await refuse(send)
                return
            await app(scope, receive, send)  # the server stops reading at its length
            return
        if b"transfer-encoding" not in headers:
            await app(scope, receive, send)  # no body
            return
        held, total = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nothing was handed on
            total += len(message.get("body", b""))
            if total > most:
                await refuse(send)
                return
            held.append(message)
            if not message.get("more_body", False):
                break

        async def replay():
            return held.pop(0) if held else await receive()

        await app(scope, replay, send)

    return limited


def _check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise LandsimError(f"cannot listen on {host}:{port}: {exc.strerror or exc} "
                               "(another program has the port? try --port)") from None


def serve(scenarios: list[Path], *, host: str = "127.0.0.1", port: int = 8050,
          workers: int | None = None, seed: int = 0, replications: int = 20_000,
          ready: Callable[[str], None] | None = None,
          starting: Callable[[str, int], None] | None = None,
          warmed: Callable[[float], None] | None = None) -> None:
    """Run the explorer until Ctrl-C or SIGTERM. It listens at once and warms its workers
    in the background (the page says so until they are): ``starting(scenario, workers)``
    is called as the workers start, ``ready(address)`` when it listens and
    ``warmed(seconds)`` once the first scenario's first answer is in. Raises
    ``LandsimError`` for a scenario file that is not there or a port that is taken (before
    anything starts)."""
    catalogue = Catalogue.of(scenarios)
    for key in catalogue.files:  # a broken file is said now, not in the page
        catalogue.load(key)
    _check_port(host, port)
    pool = SharedPool(workers)  # before any thread: its workers are forked
    explorer = Explorer(catalogue, pool, seed=seed, replications=replications)
    try:
        if starting is not None:
            starting(explorer.default_key, pool.workers)
        explorer.start_warming()  # forks the workers: before uvicorn starts any thread
        import uvicorn

        from simulator.app.page import make_app

        app = _limit_uploads(make_app(explorer), MAX_UPLOAD_BYTES + 64 * 1024)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                                timeout_graceful_shutdown=2, lifespan="off")
        server = uvicorn.Server(config)
        shown = f"[{host}]" if ":" in host else host
        address = f"http://{shown}:{port}/"

        original = server.startup

        def said_warm(future) -> None:
            if warmed is not None and not future.cancelled() and future.exception() is None:
                warmed(future.result())

        async def startup(sockets=None):
            await original(sockets=sockets)
            if not server.started:
                return
            if ready is not None:
                ready(address)
            # the first answer in the background: the page answers (warming up) meanwhile
            warming = asyncio.get_running_loop().run_in_executor(explorer.threads,
                                                                 explorer.finish_warming)
            warming.add_done_callback(said_warm)

        server.startup = startup
        server.run()
    finally:
        explorer.close()
