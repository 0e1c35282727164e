"""Finished blocks of a calibration, one .npz each, written durably (what lets it resume).

A block carries its index, its row count, the study's digest and a SHA-256 checksum of all
that and of its arrays; one that does not verify is computed again, and the user is told.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["BlockStore", "block_checksum"]


class BlockStore:
    """Finished blocks of one calibration, one .npz each, written durably (resumable).

    Each block carries its index, its row count (the draws the design puts in it), the
    study's digest and a SHA-256 checksum of all that and of its arrays (names, types,
    shapes and bytes). A block is used only if every one of those verifies, its arrays are
    the ones the design produces (names, types, shapes) and its parameters and simulated
    figures are finite; otherwise it is computed again, and ``notice`` (default: a line on
    standard error) names it.
    """

    _META = ("study", "index", "rows", "sha256")

    def __init__(self, folder: Path, digest: str, *, columns: dict[str, tuple[str, int]],
                 rows: Sequence[int], notice: Callable[[str], None] | None = None):
        self.folder, self.digest = Path(folder), digest
        self.columns = dict(columns)  # array name → (dtype, columns)
        self.rows = list(rows)  # block → the draws it holds
        self.notice = notice if notice is not None else _stderr
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, block: int) -> Path:
        return self.folder / f"{block:06d}.npz"

    def load(self, block: int) -> dict[str, np.ndarray] | None:
        """A finished block that verifies, else None (absent, or said why and recomputed)."""
        path = self._path(block)
        if not os.path.lexists(path):
            return None
        problem, arrays = self._verify(block, path)
        if problem is None:
            return arrays
        self.notice(f"landsim: calibration block {block} ({path}) does not verify "
                    f"({problem}); computing it again")
        return None

    def _verify(self, block: int, path: Path) -> tuple[str | None, dict | None]:
        import zipfile

        rows = self.rows[block]
        names = set(self.columns) | set(self._META)
        try:
            if not path.is_file():
                return "not a regular file", None
            with zipfile.ZipFile(path) as archive:  # sizes first: nothing big is inflated
                members = {i.filename: i.file_size for i in archive.infolist()}
            if set(members) != {f"{n}.npy" for n in names}:
                return "not the arrays a block holds", None
            for name, (dtype, cols) in self.columns.items():
                if members[f"{name}.npy"] > rows * max(cols, 1) * np.dtype(dtype).itemsize + 4096:
                    return f"{name} is larger than {rows:,} rows", None
            if any(members[f"{n}.npy"] > 4096 + 64 * 4 for n in self._META):
                return "its header is too large", None
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return "unreadable", None
        try:
            study, index = str(arrays.pop("study")), int(arrays.pop("index"))
            held, checksum = int(arrays.pop("rows")), str(arrays.pop("sha256"))
        except (TypeError, ValueError):
            return "its header is not a block's", None
        if checksum != block_checksum(study, index, held, arrays):
            return "its checksum does not match its content", None
        if study != self.digest:
            return "it belongs to another calibration", None
        if index != block:
            return f"it holds block {index}", None
        if held != rows:
            return f"it holds {held:,} draws, the design puts {rows:,} in it", None
        for name, (dtype, cols) in self.columns.items():
            a = arrays[name]
            if a.dtype != np.dtype(dtype) or a.shape != (rows, cols):
                return (f"{name} is {a.dtype}{list(a.shape)}, the design makes "
                        f"{np.dtype(dtype)}{[rows, cols]}"), None
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                return f"{name} holds NaN or infinite values", None
        return None, arrays

    def save(self, block: int, arrays: dict[str, np.ndarray]) -> None:
        """Write a block with its header: temporary file, fsync, rename, fsync the folder."""
        arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
        rows = int(next(iter(arrays.values())).shape[0]) if arrays else 0
        header = {"study": np.array(self.digest), "index": np.array(block, dtype=np.int64),
                  "rows": np.array(rows, dtype=np.int64),
                  "sha256": np.array(block_checksum(self.digest, block, rows, arrays))}
        fd, tmp = tempfile.mkstemp(prefix=".block-", suffix=".npz", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **header, **arrays)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path(block))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        directory = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def block_checksum(study: str, index: int, rows: int, arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of a block's header and of each array's name, type, shape and bytes."""
    import hashlib

    digest = hashlib.sha256(json.dumps({"study": study, "index": index, "rows": rows},
                                       sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
