"""A warm `landsim` for the README test: its commands start in milliseconds, not seconds.

Each `landsim` command spends 1.5–2 s importing numpy, pandas, pyarrow, pydantic and
matplotlib before it does anything; the README's shell blocks run about 25 of them.
``serve`` imports all that once and then forks a child for each command, which runs
:func:`simulator.cli.main` with the command's arguments, working directory, environment
and standard streams (passed over a Unix socket), and exits with its status — what a fresh
``python -m simulator`` would do, minus the imports. ``client`` is the ``landsim`` the
README's blocks call: it forwards its arguments and streams and exits with the status.

A fresh interpreter per command is still tested elsewhere (test_cli's entry points, the
process tests, ``make demo``).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys


def serve(path: str) -> None:
    """Import what the commands use, then run one forked child per connection, in turn."""
    import atexit
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for module in ("simulator.cli", "simulator.run.montecarlo", "simulator.run.output",
                   "simulator.report", "simulator.report.charts", "simulator.study.levers",
                   "simulator.study.sweep", "simulator.study.sensitivity",
                   "simulator.study.solve", "simulator.study.discover",
                   "simulator.study.calibrate", "simulator.study.backtest", "pyarrow.parquet"):
        importlib.import_module(module)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)
    while True:
        conn, _ = server.accept()
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:  # the command
            server.close()
            conn.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = ["landsim", *request["argv"]]
            code = 1
            try:
                from simulator.cli import main

                code = main(request["argv"])
            except SystemExit as exc:  # argparse's errors and --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                atexit._run_exitfuncs()
                os._exit(code)
        for fd in fds:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        conn.sendall(struct.pack("i", code if code >= 0 else 128 - code))
        conn.close()


def client(path: str, argv: list[str]) -> int:
    """Run ``landsim argv`` on the server at ``path`` with this process's streams."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
    reply = b""
    while len(reply) < 4:
        chunk = conn.recv(4 - len(reply))
        if not chunk:
            return 1  # the server went away
        reply += chunk
    return struct.unpack("i", reply)[0]


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(client(sys.argv[2], sys.argv[3:]))
