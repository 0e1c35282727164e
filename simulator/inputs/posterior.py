"""A calibration's posterior as a scenario's uncertain parameters (``uncertain: {from: FILE}``).

``landsim calibrate`` writes ``posterior.parquet``: parameter draws, one column per key
path (and a ``weight`` column when the draws are weighted rather than resampled), with the
calibration's identity (scenario digest, seed, replications, effective sample size) in the
file's metadata. A scenario names it instead of writing priors::

    uncertain:
      from: posteriors/city-2019.parquet   # relative to the scenario, inside its folder
      correlation.global_factor_sigma: {dist: uniform, min: 0.1, max: 0.3}   # may add priors

On loading, each column becomes an ``empirical`` distribution of its draws (the marginal,
for validation, the ceiling and the report), and the scenario's ``posterior`` block says
that the columns are one joint draw: each replication picks a row (by weight) from the
stream ``uncertain:posterior`` of its own (seed, chunk), so parameters keep their
posterior correlation, results depend only on (scenario, seed, replications), and the
other random inputs are the replication's own — fresh, not the calibration's.
The resolved scenario carries the draws themselves, so it reloads without the file.
Like every file a scenario names, the posterior must lie inside the scenario's folder or a
folder named with ``--data DIR``, and be a regular file (at most :data:`MAX_POSTERIOR_BYTES`).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from simulator.inputs.errors import Problem, ScenarioError, quote
from simulator.inputs.limits import MAX_POSTERIOR_BYTES, MAX_POSTERIOR_COLUMNS, MAX_POSTERIOR_ROWS
from simulator.inputs.yamlsource import read_named_file, read_regular_file

__all__ = [
    "MAX_POSTERIOR_COLUMNS",
    "MAX_POSTERIOR_ROWS",
    "METADATA_KEY",
    "POSTERIOR_STREAM",
    "Posterior",
    "check_posterior",
    "merge_posterior_file",
    "read_posterior",
    "write_posterior",
]

POSTERIOR_STREAM = "uncertain:posterior"
"""The random stream a replication's posterior row is drawn from."""

WEIGHT = "weight"
METADATA_KEY = b"landsim.posterior"


class Posterior(BaseModel):
    """Where a scenario's joint posterior draws came from, and their weights."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    file: str = Field(max_length=500, description="The posterior file, as the scenario names it.")
    sha256: str = Field("", max_length=64, description="SHA-256 of the file's bytes.")
    paths: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, description="Key paths drawn jointly (each an empirical prior in "
                                  "uncertain, one value a row).")
    weights: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, description="Each row's weight (None: equally likely).")
    calibration: dict[str, str | int | float] = Field(
        default_factory=dict, description="The calibration that wrote the file.")

    @property
    def rows(self) -> int | None:
        """Number of rows, if weighted (else the length of any path's values)."""
        return None if self.weights is None else len(self.weights)

    def draw_rows(self, rng: np.random.Generator, size: int, rows: int) -> np.ndarray:
        """(size,) row indices, by weight (inverse CDF of one uniform each) or equally likely."""
        if self.weights is None:
            return rng.integers(0, rows, size)
        cumulative = np.cumsum(np.asarray(self.weights, dtype=float))
        pick = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
        return np.minimum(pick, rows - 1)


def write_posterior(path: Path, values: np.ndarray, paths: list[str], *,
                    weights: np.ndarray | None = None, metadata: dict | None = None) -> None:
    """Write ``values`` (rows × len(paths)) as a posterior file, ``metadata`` in its schema."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.DataFrame(np.asarray(values, dtype=float), columns=list(paths))
    if weights is not None:
        frame[WEIGHT] = np.asarray(weights, dtype=float)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = json.dumps(metadata or {}, sort_keys=True).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(meta), path)


def read_posterior(path: Path, data: bytes | None = None
                   ) -> tuple[list[str], np.ndarray, np.ndarray | None, dict]:
    """(paths, values (rows × paths), weights or None, metadata) of a posterior file.

    ``data``: the file's bytes, already read (else the regular file ``path`` is read, at
    most :data:`MAX_POSTERIOR_BYTES`). Raises ``ValueError`` with a plain message for a
    file that is not a usable posterior.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if data is None:
        try:
            data = read_regular_file(path, MAX_POSTERIOR_BYTES)
        except FileNotFoundError:
            raise ValueError(f"no posterior file {path}") from None
        except ValueError as exc:
            raise ValueError(f"{path} {exc}") from None
    try:
        # the footer first: rows and column types are checked before any page is inflated
        # (a few MB of a compressed constant can hold hundreds of millions of rows)
        footer = pq.ParquetFile(pa.BufferReader(data))
        rows, schema = footer.metadata.num_rows, footer.schema_arrow
    except Exception as exc:  # noqa: BLE001 — pyarrow raises several kinds for a bad file
        raise ValueError(f"cannot read {path} as a Parquet file ({str(exc)[:200]})") from None
    if rows > MAX_POSTERIOR_ROWS:
        raise ValueError(f"{path} has {rows:,} rows (at most {MAX_POSTERIOR_ROWS:,}); resample "
                         "it — landsim calibrate writes posterior.parquet with a few thousand "
                         "resampled draws")
    if len(schema) > MAX_POSTERIOR_COLUMNS:
        raise ValueError(f"{path} has {len(schema):,} columns (at most {MAX_POSTERIOR_COLUMNS}: "
                         "one per uncertain key path, and optionally 'weight')")
    for field in schema:
        if not (pa.types.is_floating(field.type) or pa.types.is_integer(field.type)):
            raise ValueError(f"column {quote(field.name, 200)} of {path} is not numeric "
                             f"({str(field.type)[:40]})")
    try:
        table = footer.read()
    except Exception as exc:  # noqa: BLE001 — pyarrow raises several kinds for a bad file
        raise ValueError(f"cannot read {path} as a Parquet file ({str(exc)[:200]})") from None
    if table.num_rows != rows:
        raise ValueError(f"{path} holds {table.num_rows:,} rows where its footer says {rows:,}")
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    try:
        metadata = json.loads(raw) if raw else {}
    except ValueError:
        metadata = {}
    columns = [c for c in table.column_names if c != WEIGHT]
    if not columns:
        raise ValueError(f"{path} has no parameter columns (one column per uncertain key path, "
                         "and optionally 'weight')")
    if table.num_rows == 0:
        raise ValueError(f"{path} has no rows")
    if table.num_rows > MAX_POSTERIOR_ROWS:
        raise ValueError(f"{path} has {table.num_rows:,} rows (at most "
                         f"{MAX_POSTERIOR_ROWS:,}); resample it — landsim calibrate writes "
                         "posterior.parquet with a few thousand resampled draws")
    values = np.empty((table.num_rows, len(columns)))
    for k, name in enumerate(columns):
        try:
            col = np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"column {quote(name, 200)} of {path} is not numeric") from None
        if not np.all(np.isfinite(col)):
            raise ValueError(f"column {quote(name, 200)} of {path} has missing or infinite "
                             "values")
        values[:, k] = col
    weights = None
    if WEIGHT in table.column_names:
        try:
            weights = np.asarray(table.column(WEIGHT).to_numpy(zero_copy_only=False), dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"column 'weight' of {path} is not numeric") from None
        if not np.all(np.isfinite(weights)) or np.any(weights < 0) or not weights.max() > 0:
            raise ValueError(f"column 'weight' of {path} must be finite, ≥ 0 and not all 0")
        keep = weights > 0
        # scaled by the largest first: weights near the float maximum would overflow their
        # sum to inf and normalise to all 0 (one row drawn every time)
        scaled = weights[keep] / weights[keep].max()
        values, weights = values[keep], scaled / scaled.sum()
    return columns, values, weights, metadata


def merge_posterior_file(data: dict, scenario_file: str | None, line_of,
                         data_dirs: tuple | list = ()) -> tuple[dict, dict]:
    """``data`` with ``uncertain.from``'s draws in ``uncertain`` and a ``posterior`` block.

    Returns the merged data and, for each key path that came from the file, the file it came
    from (so that later problems with it say so and point at the ``from:`` line). The file is
    found relative to the scenario's folder, and must lie inside it or inside one of
    ``data_dirs`` (``--data``) and be a regular file. Raises ``ScenarioError`` (file, line,
    key path) for a file the scenario may not name, a missing or unusable file, or a column
    the scenario's ``uncertain`` also sets.
    """
    uncertain = data.get("uncertain")
    if not isinstance(uncertain, dict) or "from" not in uncertain:
        return data, {}
    here = ("uncertain", "from")

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem("uncertain.from", message, scenario_file,
                                      line_of(here))])

    name = uncertain["from"]
    if not isinstance(name, str) or not name:
        raise fail("give the posterior file's name (e.g. from: posterior.parquet, written by "
                   "landsim calibrate)")
    if "posterior" in data:
        raise fail("give the posterior either as uncertain.from or as a posterior block, "
                   "not both")
    try:
        path, raw = read_named_file(
            name, scenario_file, data_dirs, MAX_POSTERIOR_BYTES,
            lambda where: f"no posterior file {where} (landsim calibrate writes "
                          "posterior.parquet into its output folder)")
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        paths, values, weights, metadata = read_posterior(path, raw)
    except ValueError as exc:
        raise fail(str(exc)) from None
    others = {k: v for k, v in uncertain.items() if k != "from"}
    both = [p for p in paths if p in others]
    if both:
        raise fail(f"{', '.join(both)}: both a column of {path} and a prior here; give it "
                   "once")
    merged = {**others}
    for k, p in enumerate(paths):
        merged[p] = {"dist": "empirical", "values": values[:, k].tolist()}
    calibration = {k: v for k, v in metadata.items()
                   if isinstance(v, (str, int, float)) and not isinstance(v, bool)
                   and not (isinstance(v, float) and not math.isfinite(v))}
    out = {**data, "uncertain": merged,
           "posterior": {"file": name, "sha256": hashlib.sha256(raw).hexdigest(), "paths": paths,
                         "weights": None if weights is None else weights.tolist(),
                         "calibration": calibration}}
    provenance = data.get("provenance")
    if provenance is None or isinstance(provenance, dict):
        what = calibration.get("scenario") or (
            f"the history cases {calibration['cases']}" if calibration.get("cases")
            else "a calibration")
        label = (f"derived: posterior of the calibration of {what} ({name})"
                 f" | zh: 校准所得后验（{what}；{name}）")
        out["provenance"] = {**{f"uncertain.{p}": label for p in paths}, **(provenance or {})}
    return out, {p: str(path) for p in paths}


def check_posterior(scenario) -> list[tuple[tuple, str]]:
    """A ``posterior`` block's paths must be empirical priors of one length (its rows)."""
    post = scenario.posterior
    if post is None:
        return []
    out: list[tuple[tuple, str]] = []
    lengths = set()
    for p in post.paths:
        prior = scenario.uncertain.get(p)
        if prior is None or prior.dist != "empirical":
            out.append((("posterior", "paths"), f"'{p}' must be in uncertain as an empirical "
                                                "distribution of the posterior's draws"))
            continue
        lengths.add(len(prior.values))
    if post.weights is not None:
        lengths.add(len(post.weights))
    if len(lengths) > 1:
        out.append((("posterior",), "the posterior's draws and weights must have one length "
                                    f"(found {sorted(lengths)})"))
    return out
