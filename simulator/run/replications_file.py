"""Per-replication data on disk, written chunk by chunk: memory independent of its size.

``replications.parquet`` is long: one row per (replication, year, pathway) with the km²
released — ``replication`` int64, ``year`` int16, ``pathway`` a dictionary (categorical)
of int8 codes, ``km2`` float64 — one row group per chunk. A scenario with ``uncertain``
keys also gets ``uncertain.parquet``: one row per replication, a column per key path
with the value that replication drew. Both are read with ``pandas.read_parquet``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.inputs.scenario import Scenario
from simulator.model.engines import ChunkOutcome

__all__ = ["REPLICATIONS_FILE", "UNCERTAIN_FILE", "ReplicationsWriter", "long_frame"]

REPLICATIONS_FILE = "replications.parquet"
UNCERTAIN_FILE = "uncertain.parquet"


def _long_table(first: int, annual: np.ndarray, years: list[int], pathways: list[str]) -> pa.Table:
    n, Y, P = annual.shape
    codes = pa.array(np.tile(np.arange(P, dtype=np.int8), n * Y), type=pa.int8())
    return pa.table({
        "replication": np.repeat(np.arange(first, first + n, dtype=np.int64), Y * P),
        "year": np.tile(np.repeat(np.asarray(years, dtype=np.int16), P), n),
        "pathway": pa.DictionaryArray.from_arrays(codes, pa.array(pathways, type=pa.string())),
        "km2": annual.reshape(-1),
    })


def long_frame(annual: np.ndarray, years: list[int], pathways: list[str]) -> pd.DataFrame:
    """(R, Y, P) km² as the long frame replications.parquet holds (pathway categorical)."""
    return _long_table(0, annual, years, pathways).to_pandas()


class ReplicationsWriter:
    """Stream a run's per-replication data into ``folder`` as chunks arrive (in order).

    Use as a context manager and pass it as ``simulate(..., on_chunk=writer)``; the files
    (in ``folder``, made if missing) are complete when it closes. Raises ``ValueError`` if chunks skip replications.
    """

    def __init__(self, folder: str | Path, scenario: Scenario):
        from simulator.model.uncertain import uncertain_params

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.years = scenario.years
        self.pathways = list(scenario.pathways)
        self.paths = [u.path for u in uncertain_params(scenario)]
        self.rows = 0  # replications written
        self._main: pq.ParquetWriter | None = None
        self._params: pq.ParquetWriter | None = None

    def __enter__(self) -> ReplicationsWriter:
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def __call__(self, first: int, part: ChunkOutcome) -> None:
        """Append the chunk whose first replication is ``first``."""
        if first != self.rows:
            raise ValueError(f"replications must arrive in order: expected {self.rows}, "
                             f"got {first}")
        table = _long_table(first, part.annual, self.years, self.pathways)
        if self._main is None:
            self._main = pq.ParquetWriter(self.folder / REPLICATIONS_FILE, table.schema)
        self._main.write_table(table)
        if self.paths:
            n = part.annual.shape[0]
            columns = {"replication": np.arange(first, first + n, dtype=np.int64)}
            columns.update({path: part.params[:, k] for k, path in enumerate(self.paths)})
            table = pa.table(columns)
            if self._params is None:
                self._params = pq.ParquetWriter(self.folder / UNCERTAIN_FILE, table.schema)
            self._params.write_table(table)
        self.rows += part.annual.shape[0]

    def close(self) -> None:
        """Finish the files (their footers); safe to call twice."""
        for writer in (self._main, self._params):
            if writer is not None:
                writer.close()
        self._main = self._params = None
