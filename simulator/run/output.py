"""Write output folders atomically, and only where landsim may write.

A folder is built under a temporary name next to its destination and swapped into place
only when every file is complete: on Linux with ``renameat2(RENAME_EXCHANGE)``, so that at
every instant either the previous folder or the new one stands at the destination. A landsim
command replaces only a folder it recognisably wrote itself (a marker file, or the manifest
of an earlier landsim version) or an empty one; never the folder it reads from, nor one that
contains the working directory; it follows symbolic links rather than replacing them.
Temporary folders of runs that were killed are removed by the next write to the same place.

A folder being written is locked: :func:`output_lock` holds an exclusive ``flock`` on a
hidden lock file next to it (``.<name>.lock``, holding the owner's PID and command line),
so a second writer, or ``landsim report`` reading it, stops with a message naming the
owner (or waits for it). The kernel releases the lock when the owner exits, even after
``kill -9``; the file itself is removed when the owner is done.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import platform
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from simulator.inputs.errors import RunConfigError
from simulator.model.engines import ChunkOutcome
from simulator.run.results import FORMAT_VERSION, SimulationResult

__all__ = [
    "MARKER",
    "PARQUET_MAX_ROWS",
    "Previous",
    "check_output",
    "command_locks",
    "install_folder",
    "is_landsim_output",
    "lock_file",
    "manifest_of",
    "mark_folder",
    "output_lock",
    "parquet_plan",
    "replace_folder",
    "run_identity",
    "run_manifest",
    "simulate_to_folder",
    "staged_folder",
    "write_run",
    "write_run_files",
    "write_text_atomically",
]

PARQUET_MAX_ROWS = 50_000_000
"""Above this many (replication, year, pathway) rows replications.parquet is skipped."""

MARKER = ".landsim-output"
"""File that marks a folder as written by landsim (JSON: format, kind, landsim version)."""
_LEGACY_MANIFESTS = ("run.json", "sweep.json", "sensitivity.json")


def mark_folder(folder: Path, kind: str) -> None:
    """Write the marker that lets later commands recognise ``folder`` as landsim's."""
    from simulator import __version__

    record = {"format": "landsim-output", "format_version": FORMAT_VERSION, "kind": kind,
              "landsim_version": __version__}
    (Path(folder) / MARKER).write_text(json.dumps(record) + "\n", encoding="utf-8")


def is_landsim_output(folder: Path) -> bool:
    """Whether ``folder`` was written by landsim (marker, or an earlier version's manifest)."""
    folder = Path(folder)
    try:
        record = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if isinstance(record, dict) and record.get("format") == "landsim-output":
            return True
    except (OSError, ValueError):
        pass
    for name in _LEGACY_MANIFESTS:
        try:
            record = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and "format_version" in record and "landsim_version" in record:
            return True
    return False


def check_output(
    final: str | Path, *, force: bool = False, inputs: Iterable[str | Path] = (),
    option: str = "--out", lock: bool = True,
) -> Path:
    """Check, before any work, that ``final`` may be (re)placed; returns the path to write.

    A symbolic link is followed (its target is written, the link kept). Within
    :func:`command_locks` it also takes ``final``'s lock (:func:`output_lock`) for the rest
    of the command, unless ``lock`` is false (a folder inside another landsim folder, which
    that folder's lock covers). Raises
    ``RunConfigError`` if ``final`` is a file, contains the working directory or one of
    ``inputs``, is an existing folder landsim did not write (unless ``force``), or cannot
    be written (read-only, a missing parent that cannot be made, a name too long), or
    another process holds its lock.
    """
    given = Path(final)
    try:
        final = _check_output(given, force, inputs, option)
        if lock and _lock_for_command(final, given):  # another writer finished: look again
            final = _check_output(given, force, inputs, option)
        return final
    except OSError as exc:  # a name too long, a parent that is a file, no permission …
        reason = "the name is too long" if exc.errno == errno.ENAMETOOLONG else exc.strerror
        raise RunConfigError(f"{option} {given}: cannot write there ({reason})") from None


def _check_output(given: Path, force: bool, inputs, option: str) -> Path:
    final = Path(os.path.realpath(given))
    if final.exists() and not final.is_dir():
        raise RunConfigError(f"{option} {given}: exists and is not a folder")
    cwd = Path(os.path.realpath(os.getcwd()))
    if cwd == final or final in cwd.parents:
        raise RunConfigError(
            f"{option} {given}: this folder contains the working directory; choose another")
    for item in inputs:
        real = Path(os.path.realpath(item))
        if real == final or final in real.parents:
            raise RunConfigError(
                f"{option} {given}: this folder holds an input of the command ({item}); "
                "choose another output folder")
    if final.is_dir() and not force and any(final.iterdir()) and not is_landsim_output(final):
        raise RunConfigError(
            f"{option} {given}: the folder exists and was not written by landsim, so it "
            "is left as it is; choose another output folder (or add --force to replace it)")
    final.parent.mkdir(parents=True, exist_ok=True)
    probe = Path(tempfile.mkdtemp(prefix=_tmp_prefix(final), dir=final.parent))
    probe.rmdir()
    return final


def _tmp_prefix(final: Path) -> str:
    return f".{final.name}.tmp-{os.getpid()}-"


def clean_stale(final: Path) -> None:
    """Remove temporary folders that killed landsim processes left next to ``final``."""
    final = Path(final)
    for path in final.parent.glob(f".{final.name}.tmp-*"):
        try:
            pid = int(path.name[len(f".{final.name}.tmp-"):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


LOCK_WAIT_NOTICE = "landsim: waiting for"
"""How the line that says a command waits for another one's lock begins (on stderr)."""


@dataclass
class _Held:
    fd: int
    path: Path
    count: int


@dataclass
class _Scope:
    wait: bool
    command: list[str]
    held: list[Path]


_GUARD = threading.Lock()
_HELD: dict[Path, _Held] = {}
_SCOPE: _Scope | None = None


def lock_file(final: str | Path) -> Path:
    """The lock file of the output ``final``: ``.<name>.lock`` next to it (never inside)."""
    final = Path(os.path.realpath(final))
    return final.parent / f".{final.name}.lock"


@contextlib.contextmanager
def command_locks(*, wait: bool = False, command: list[str] | None = None) -> Iterator[None]:
    """The scope of one command: within it, :func:`check_output` locks what it checks
    (:func:`output_lock`) until the block ends, so a command holds its output's lock from
    its first check to its last byte. ``wait``: wait for another process's lock instead of
    refusing; ``command``: what the lock file records (default ``sys.argv``)."""
    global _SCOPE
    previous = _SCOPE
    scope = _Scope(bool(wait), list(command) if command else list(sys.argv), [])
    _SCOPE = scope
    try:
        yield
    finally:
        _SCOPE = previous
        for key in reversed(scope.held):
            _release(key)


@contextlib.contextmanager
def output_lock(
    final: str | Path, *, wait: bool | None = None, reader: bool = False,
) -> Iterator[Path]:
    """Hold the exclusive lock of the output folder ``final`` within the block.

    The lock is an ``flock`` on :func:`lock_file`, which records this process's PID and
    command; it is re-entrant within a process, released by the kernel if the process
    dies, and the file is removed when the block ends (by its holder only). ``wait``: wait
    for another holder (default: as the enclosing :func:`command_locks`, else no);
    ``reader``: for a command that only reads and rebuilds inside ``final`` (``report``),
    which needs no lock where no writer could work (a parent it may not write in).
    Yields the real path of ``final``. Raises ``RunConfigError`` naming the other
    process's PID and command when another process holds the lock and ``wait`` is false.
    """
    key = Path(os.path.realpath(final))
    if wait is None:
        wait = _SCOPE.wait if _SCOPE is not None else False
    try:
        held, _ = _acquire(key, shown=Path(final), wait=wait, reader=reader)
    except OSError as exc:
        raise RunConfigError(f"{final}: cannot lock it ({exc.strerror})") from None
    try:
        yield key
    finally:
        if held:
            _release(key)


def _lock_for_command(final: Path, shown: Path) -> bool:
    """Within :func:`command_locks`, lock ``final`` until the command ends; True if this
    had to wait for another process."""
    scope = _SCOPE
    if scope is None or final in scope.held:
        return False
    held, waited = _acquire(final, shown=shown, wait=scope.wait, reader=False)
    if held:
        scope.held.append(final)
    return waited


def _acquire(key: Path, *, shown: Path, wait: bool, reader: bool) -> tuple[bool, bool]:
    """Lock ``key`` (re-entrantly); returns (held, waited)."""
    import fcntl

    with _GUARD:
        if key in _HELD:
            _HELD[key].count += 1
            return True, False
    path = lock_file(key)
    if reader and not (path.parent.is_dir() and os.access(path.parent, os.W_OK)):
        return False, False  # no writer can build or swap a folder there
    waited = False
    while True:
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(path, flags, 0o666)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise RunConfigError(f"{path} is a symbolic link, not a landsim lock file; "
                                     "remove it") from None
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise RunConfigError(f"{path} is not a regular file, not a landsim lock file; "
                                     "remove it")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                if not wait:
                    advice = ("add --wait to wait until it is done" if reader else
                              "choose another --out, or add --wait to wait until it is done")
                    raise RunConfigError(
                        f"{shown}: another landsim process ({holder}) is using it right now; "
                        f"{advice}") from None
                if not waited:
                    print(f"{LOCK_WAIT_NOTICE} {holder} to finish with {shown} …",
                          file=sys.stderr, flush=True)
                waited = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            # the holder before us may have removed the file it locked: start again if the
            # name no longer leads to the file we locked
            try:
                now = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                now = None
            mine = os.fstat(fd)
            if now is None or (now.st_dev, now.st_ino) != (mine.st_dev, mine.st_ino):
                os.close(fd)
                continue
            record = json.dumps({"pid": os.getpid(),
                                 "command": _SCOPE.command if _SCOPE is not None else sys.argv})
            os.ftruncate(fd, 0)
            os.pwrite(fd, (record + "\n").encode(), 0)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        with _GUARD:
            _HELD[key] = _Held(fd, path, 1)
        return True, waited


def _holder(fd: int) -> str:
    """"pid N: command" of the process holding the lock on ``fd`` (as it recorded them)."""
    for _ in range(50):  # the holder writes its record just after taking the lock
        try:
            record = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
            pid, command = int(record["pid"]), record["command"]
            text = shlex.join(command) if isinstance(command, list) else str(command)
            return f"pid {pid}: {_printable(text)[:300]}"
        except (OSError, ValueError, KeyError, TypeError):
            time.sleep(0.01)
    return "pid unknown"


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _release(key: Path) -> None:
    import fcntl

    with _GUARD:
        held = _HELD.get(key)
        if held is None:
            return
        held.count -= 1
        if held.count > 0:
            return
        del _HELD[key]
    try:  # remove the file while still holding its lock, and only if it is still ours
        now = os.stat(held.path, follow_symlinks=False)
        mine = os.fstat(held.fd)
        if (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino):
            os.unlink(held.path)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        fcntl.flock(held.fd, fcntl.LOCK_UN)  # also for forked workers sharing the descriptor
    with contextlib.suppress(OSError):
        os.close(held.fd)


def install_folder(built: Path, final: Path, *, archive: Path | None = None) -> None:
    """Move the complete folder ``built`` to ``final``, replacing what is there atomically.

    With ``archive``, the folder that stood at ``final`` is moved there instead of removed.
    """
    if not final.exists():
        os.rename(built, final)
        return
    if _exchange(built, final):
        if archive is not None:
            os.rename(built, archive)  # now holds the previous folder
        else:
            shutil.rmtree(built, ignore_errors=True)
        return
    # No atomic exchange (not Linux, or a file system without it): two renames, with a
    # moment where only the hidden old folder exists.
    if archive is not None:
        os.rename(final, archive)
        os.rename(built, final)
        return
    old = Path(tempfile.mkdtemp(prefix=_tmp_prefix(final), dir=final.parent))
    os.rename(final, old / "old")
    os.rename(built, final)
    shutil.rmtree(old, ignore_errors=True)


_IDENTITY = ("format_version", "landsim_version", "git_commit", "scenario_sha256", "seed",
             "replications", "engine")
"""run.json fields that fix a run's numbers: two runs equal in them are the same run."""


def run_identity(folder: str | Path) -> dict | None:
    """The fields of ``folder``'s run.json that fix its numbers, or None when it has none.

    Two run folders with the same identity hold the same numbers bit for bit (results
    depend only on scenario, seed, replications and engine), so a report or levers file
    of one is true of the other.
    """
    path = Path(folder) / "run.json"
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > 1 << 20:
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("scenario_sha256") is None:
        return None
    return {key: record.get(key) for key in _IDENTITY}


@dataclass
class Previous:
    """What became of the run that stood in a folder a new run was written to.

    ``kept``: artefacts of an earlier run with the same numbers (same scenario, seed,
    replications, engine, landsim) that the new run did not make and that were carried
    into the new folder — a report in another language, levers.json; ``archived``: where
    an earlier, different run was moved whole (``<folder>.<date>-<time>``), with
    ``described`` saying which run it was.
    """

    kept: list[str] = field(default_factory=list)
    archived: Path | None = None
    described: str = ""


def _carry_over(old: Path, new: Path) -> list[str]:
    """Copy into ``new`` each artefact of ``old`` that ``new`` lacks; returns their names."""
    kept = []
    for entry in sorted(old.iterdir()):
        if entry.name.startswith(".") or entry.is_symlink() or (new / entry.name).exists():
            continue  # markers and locks are the new run's; landsim writes no links
        if entry.is_dir():
            shutil.copytree(entry, new / entry.name, copy_function=_link_or_copy)
            kept.append(entry.name + "/")
        elif entry.is_file():
            _link_or_copy(entry, new / entry.name)
            kept.append(entry.name)
    return kept


def _link_or_copy(source, target) -> None:
    # a hard link costs nothing and the old folder is removed right after the swap
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _archive_name(final: Path) -> Path:
    """A free sibling name for the run at ``final``, stamped with when it was written."""
    written = final / "run.json" if (final / "run.json").is_file() else final
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(written.stat().st_mtime))
    path, n = final.parent / f"{final.name}.{stamp}", 1
    while path.exists() or path.is_symlink():
        n += 1
        path = final.parent / f"{final.name}.{stamp}-{n}"
    return path


def _describe(identity: dict | None) -> str:
    if identity is None:
        return "not a run of this landsim"
    return f"{identity['replications']:,} replications, seed {identity['seed']}"


def _settle_previous(final: Path, built: Path, previous: Previous) -> Path | None:
    """Carry over a same run's other artefacts, or choose where a different run goes.

    Returns the archive path for :func:`install_folder` (None: nothing to keep aside).
    """
    if not final.is_dir() or not any(not p.name.startswith(".") for p in final.iterdir()):
        return None
    old = run_identity(final) if is_landsim_output(final) else None
    if old is not None and old == run_identity(built):
        previous.kept = _carry_over(final, built)
        return None
    previous.archived = _archive_name(final)
    previous.described = _describe(old)
    return previous.archived


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False if unsupported."""
    if not platform.system() == "Linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def staged_folder(
    final: Path, *, kind: str | None = "run", force: bool = False,
    inputs: Iterable[str | Path] = (), previous: Previous | None = None,
) -> Iterator[Path]:
    """A temporary folder next to ``final``, swapped into ``final`` when the block succeeds.

    ``final`` is checked first (:func:`check_output`); an existing folder is replaced only
    when the block finished without an exception, and the swap is atomic; on an exception
    (Ctrl-C and SIGTERM included) the temporary folder is removed. ``kind`` names what the
    marker records (None: no marker, for a folder inside another landsim folder; no lock).
    ``final`` is locked (:func:`output_lock`) from the check to the swap. With
    ``previous`` (runs), nothing the folder held is lost: an earlier run with the same
    numbers gives the new folder the artefacts it did not make itself, and a different
    earlier run is moved beside it whole; ``previous`` records which (:class:`Previous`).
    Raises ``RunConfigError`` when ``final`` may not be written or another process holds
    its lock.
    """
    final = check_output(final, force=force, inputs=inputs, lock=kind is not None)
    # a folder of its own is locked while it is built and swapped; one inside another
    # landsim folder (kind None: a report's charts) is covered by that folder's lock
    with output_lock(final) if kind is not None else contextlib.nullcontext():
        clean_stale(final)
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(final), dir=final.parent))
        try:
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; outputs are shared
            yield tmp
            if kind is not None:
                mark_folder(tmp, kind)
            archive = _settle_previous(final, tmp, previous) if previous is not None else None
            install_folder(tmp, final, archive=archive)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def replace_folder(
    final: Path, build: Callable[[Path], None], *, kind: str | None = "run", force: bool = False,
    inputs: Iterable[str | Path] = (), previous: Previous | None = None,
) -> Path:
    """Call ``build(tmp)`` to fill a temporary folder, then swap it into ``final``
    (see :func:`staged_folder`); returns the folder written."""
    with staged_folder(final, kind=kind, force=force, inputs=inputs, previous=previous) as tmp:
        build(tmp)
    return Path(os.path.realpath(final))


def write_text_atomically(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run_manifest(
    result: SimulationResult, *, command: list[str] | None = None, wall_seconds: float | None = None
) -> dict:
    """What ``run.json`` holds: versions, scenario hash, command line, wall time.

    ``wall_seconds`` is the simulation's (and the levers' analysis); :func:`write_run` adds
    ``report_seconds`` when it draws charts and reports.
    """
    return manifest_of(result.scenario, seed=result.seed, replications=result.replications,
                       engine=result.engine, command=command, wall_seconds=wall_seconds)


def manifest_of(scenario, *, seed: int, replications: int, engine: str,
                command: list[str] | None = None, wall_seconds: float | None = None) -> dict:
    """:func:`run_manifest` of a run known by its scenario, seed, replications and engine
    (the explorer keeps these, not the run's result)."""
    import pandas
    import scipy
    import simpy

    from simulator import __version__

    return {
        "format_version": FORMAT_VERSION,
        "landsim_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "simpy": simpy.__version__,
        "scenario": scenario.name,
        "scenario_file": scenario.file,
        "scenario_sha256": scenario.digest(),
        "seed": seed,
        "replications": replications,
        "engine": engine,
        "command": command,
        "wall_seconds": wall_seconds,
    }


def parquet_plan(replications: int, scenario, *, parquet: bool | None) -> str | None:
    """Why replications.parquet is not written, or None when it is.

    ``parquet``: True always, False never, None (default) up to ``PARQUET_MAX_ROWS`` rows.
    """
    rows = replications * len(scenario.years) * len(scenario.pathways)
    if parquet is False:
        return "skipped"
    if parquet is None and rows > PARQUET_MAX_ROWS:
        return f"not written: {rows:,} rows exceed {PARQUET_MAX_ROWS:,} (--parquet writes it)"
    return None


def write_run_files(
    result: SimulationResult,
    folder: Path,
    *,
    command: list[str] | None = None,
    wall_seconds: float | None = None,
    parquet_note: str | None = None,
    extra: Callable[[Path], None] | None = None,
    started: float | None = None,
) -> None:
    """Write a run's summary files into ``folder`` (replications.parquet is streamed
    separately, see :mod:`simulator.run.replications_file`).

    Files: summary.json, targets.csv, annual.csv, pathways.csv, scurve.csv,
    histograms.csv, districts.csv (a scenario with districts: each city-wide target by
    district), scenario.resolved.yaml and run.json — everything the report needs, so
    it can be rebuilt without simulating again. ``parquet_note`` says in summary.json why
    replications.parquet is missing. ``extra(folder)``, if given, adds files (a report).
    ``started`` (a ``time.perf_counter()`` reading at the command's start) adds the whole
    command's time so far to run.json as ``command_seconds``.
    """
    summary = result.summary()
    if parquet_note is not None:
        summary["replications_parquet"] = parquet_note
    _write_json(folder / "summary.json", summary)
    result.target_odds().to_csv(folder / "targets.csv", float_format="%.6g")
    result.annual_summary().to_csv(folder / "annual.csv", index=False, float_format="%.6g")
    result.pathway_summary().to_csv(folder / "pathways.csv", float_format="%.6g")
    result.s_curve().to_csv(folder / "scurve.csv", index=False, float_format="%.6g")
    result.histograms().to_csv(folder / "histograms.csv", index=False, float_format="%.6g")
    if result.tally.districts is not None:
        result.by_district().to_csv(folder / "districts.csv", index=False, float_format="%.6g")
    header = (
        f"# {result.scenario.name}: resolved scenario (every default filled in).\n"
        f"# sha256 {result.scenario.digest()}\n"
    )
    text = yaml.safe_dump(result.scenario.resolved(), sort_keys=False, allow_unicode=True)
    (folder / "scenario.resolved.yaml").write_text(header + text, encoding="utf-8")
    manifest = run_manifest(result, command=command, wall_seconds=wall_seconds)
    _write_json(folder / "run.json", manifest)
    if extra is not None:
        began = time.perf_counter()
        extra(folder)
        # the report reads run.json, so its own time is added afterwards
        manifest["report_seconds"] = round(time.perf_counter() - began, 3)
    if started is not None:
        manifest["command_seconds"] = round(time.perf_counter() - started, 3)
    if extra is not None or started is not None:
        _write_json(folder / "run.json", manifest)


def write_run(
    result: SimulationResult,
    out_dir: str | Path,
    *,
    command: list[str] | None = None,
    wall_seconds: float | None = None,
    parquet: bool | None = None,
    extra: Callable[[Path], None] | None = None,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    previous: Previous | None = None,
) -> Path:
    """Write a run's files into ``out_dir``, replacing it atomically; returns the folder.

    The files of :func:`write_run_files`, and replications.parquet (and uncertain.parquet)
    from the kept arrays when ``parquet`` allows (see :func:`parquet_plan`; a run that
    kept no arrays has none to write). With ``previous``, what ``out_dir`` held is kept
    (see :func:`staged_folder`). Raises ``RunConfigError`` if ``out_dir`` may not be
    written (see :func:`check_output`).
    """
    from simulator.model.sampling import CHUNK_SIZE
    from simulator.run.replications_file import ReplicationsWriter

    note = parquet_plan(result.replications, result.scenario, parquet=parquet)
    if note is None and not result.kept:
        note = "not written: the run kept only its summaries"

    def build(tmp: Path) -> None:
        if note is None:
            with ReplicationsWriter(tmp, result.scenario) as writer:
                for first in range(0, result.replications, CHUNK_SIZE):
                    rows = slice(first, first + CHUNK_SIZE)
                    writer(first, ChunkOutcome(*(None if a is None else a[rows] for a in (
                        result.annual, result.late, result.dropped, result.yield_loss,
                        result.params, None))))
        write_run_files(result, tmp, command=command, wall_seconds=wall_seconds,
                        parquet_note=note, extra=extra)

    return replace_folder(Path(out_dir), build, kind="run", force=force, inputs=inputs,
                          previous=previous)


def simulate_to_folder(
    scenario,
    out: str | Path,
    *,
    replications: int,
    parquet: bool | None = None,
    command: list[str] | None = None,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    after: Callable[[SimulationResult], Callable[[Path], None] | None] | None = None,
    previous: Previous | None = None,
    **simulate_kw,
) -> tuple[SimulationResult, Path, float]:
    """Simulate ``scenario`` straight into the run folder ``out`` (what ``landsim run`` does).

    replications.parquet (and uncertain.parquet) are streamed into the new folder as the
    chunks arrive, when :func:`parquet_plan` allows, so memory does not grow with
    ``replications``; then the files of :func:`write_run_files`, and the folder is swapped
    in atomically. ``after(result)``, if given, runs before the files are written (the
    levers' analysis, say) and returns what adds a report to the folder, or None. With
    ``previous``, what the folder held is kept (see :func:`staged_folder`).
    ``simulate_kw`` go to :func:`simulator.run.montecarlo.simulate`. Returns the result, the
    folder, and the seconds spent simulating and in ``after``. Raises ``RunConfigError`` as
    ``simulate`` and :func:`check_output` do.
    """
    from simulator.run.montecarlo import simulate
    from simulator.run.replications_file import ReplicationsWriter

    started = time.perf_counter()
    note = parquet_plan(replications, scenario, parquet=parquet)
    with staged_folder(Path(out), kind="run", force=force, inputs=inputs,
                       previous=previous) as tmp:
        writer = ReplicationsWriter(tmp, scenario) if note is None else None
        with writer or contextlib.nullcontext():
            result = simulate(scenario, replications=replications, keep_replications=False,
                              on_chunk=writer, **simulate_kw)
        extra = after(result) if after is not None else None
        wall = time.perf_counter() - started
        write_run_files(result, tmp, command=command, wall_seconds=round(wall, 3),
                        parquet_note=note, extra=extra, started=started)
    return result, Path(os.path.realpath(out)), wall


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
