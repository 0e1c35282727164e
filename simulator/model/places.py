"""Where land is released: each project placed in one district (or park) of its pathway.

A pathway with district shares (``districts: {宝安区: 0.25, …}``, adding up to 1) has each of
its projects in exactly one district. The placement is deterministic:

* a pipeline row that names its district keeps it;
* a replacement lies where the project it replaces lay;
* the others are placed class by class — the plan's (and unplaced pipeline) projects, a
  drawn programme's reserve, a programme office's pool (by the pool's own shares,
  ``management.districts``, where it gives them) — so that each class's count by
  district is the largest-remainder (Hamilton) apportionment of its count by the shares,
  and in column order (that is, by planned year) each district's projects are spread as
  evenly as the counts allow: position k goes to the district furthest behind its quota
  ``share × (k + 1)`` among those with projects left (ties: the first listed).

Placing projects changes nothing of the simulation: the city's (and each pathway's)
release is the same, replication for replication, however the pathway is split. What the
engines add is the release of each *cell* — a (pathway, district) pair, the district
``-1`` for a pathway without districts — so targets and tables can count one district.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Places", "apportion", "build_places", "cells_in", "place_cells", "spread"]


def apportion(shares, n: int) -> list[int]:
    """Counts of ``n`` items by ``shares`` (adding up to 1), by largest remainder.

    Each count is ⌊share·n⌋ or one more; the remaining items go to the largest remainders,
    ties to the first listed. The counts add up to ``n``.
    """
    quota = [float(w) * n for w in shares]
    counts = [int(np.floor(q + 1e-9)) for q in quota]
    left = n - sum(counts)
    order = sorted(range(len(quota)), key=lambda d: (-(quota[d] - counts[d]), d))
    for d in order[:max(left, 0)]:
        counts[d] += 1
    return counts


def spread(counts: list[int]) -> list[int]:
    """A sequence of district indices holding ``counts[d]`` of each ``d``, each district's
    items as evenly spread through the sequence as the counts allow (see the module)."""
    n = sum(counts)
    given = [0] * len(counts)
    out = []
    for k in range(n):
        best, gap = -1, -np.inf
        for d, c in enumerate(counts):
            if given[d] >= c:
                continue
            behind = c * (k + 1) / n - given[d]
            if behind > gap + 1e-12:
                best, gap = d, behind
        given[best] += 1
        out.append(best)
    return out


@dataclass(frozen=True)
class Places:
    """The districts of a scenario and the cell of each project column.

    ``cells[c]`` is (pathway index, district index or -1); ``place[j]`` the cell of column
    j; ``actual[y, c]`` the km² released before the status date in cell c (facts).
    """

    districts: tuple[str, ...]
    cells: tuple[tuple[int, int], ...]
    place: np.ndarray  # (N,) cell index of each column
    actual: np.ndarray | None  # (Y, C) km² before as_of, or None without a status

    @property
    def n_cells(self) -> int:
        """Number of (pathway, district) cells."""
        return len(self.cells)

    def cells_of(self, district: str | None = None,
                 pathways: list[int] | None = None) -> list[int]:
        """Cells of ``district`` (None: every cell) among ``pathways`` (None: all)."""
        d = None if district is None else self.districts.index(district)
        return cells_in(self.cells, d, pathways)

    def district_of_cell(self) -> np.ndarray:
        """(C,) district index of each cell, -1 for a pathway without districts."""
        return np.array([d for _, d in self.cells], dtype=np.int64)


def _pool_shares(scenario, pathway: str) -> dict[str, float] | None:
    """Where the pool that tops up ``pathway`` has its sites (``management.districts`` of
    the pathway's own office, else of the scenario's), or None."""
    own = scenario.pathways[pathway].management
    office = own if own is not None else scenario.management
    return None if office is None or office.districts is None else dict(office.districts)


def cells_in(cells, district: int | None, pathways=None) -> list[int]:
    """Indices of the ``cells`` ((pathway, district) pairs) of district index ``district``
    (None: any) among pathway indices ``pathways`` (None: all)."""
    return [c for c, (p, d) in enumerate(cells)
            if (district is None or d == district) and (pathways is None or p in pathways)]


def place_cells(scenario) -> tuple[tuple[tuple[int, int], ...], np.ndarray]:
    """A scenario's cells — (pathway index, district index or -1), pathway by pathway, each
    pathway's districts in its shares' order — and the shares (P, D)."""
    names = scenario.district_names
    shares = np.zeros((len(scenario.pathways), len(names)))
    cells: list[tuple[int, int]] = []
    for p, name in enumerate(scenario.pathways):
        own = scenario.districts_of(name)
        if own is None:
            cells.append((p, -1))
            continue
        for district, share in own.items():
            d = names.index(district)
            shares[p, d] = share
            cells.append((p, d))
    return tuple(cells), shares


def build_places(scenario, pathway: np.ndarray, kind: np.ndarray, replaces: np.ndarray | None,
                 fixed: np.ndarray, years: list[int]) -> Places | None:
    """The placement of a layout's columns, or None for a scenario without districts.

    ``pathway`` (N,) is each column's pathway; ``kind`` (N,) its class (0 plan or pipeline,
    1 a drawn programme's reserve, 2 an office's pool); ``replaces`` (N,) the column a
    replacement replaces (-1: none); ``fixed`` (N,) a district name a pipeline row gives, or
    "" for none.
    """
    names = scenario.district_names
    if not names:
        return None
    cells, _ = place_cells(scenario)
    first_cell = {cell: c for c, cell in enumerate(cells)}
    N = pathway.size
    place = np.full(N, -1, dtype=np.int64)
    for p, name in enumerate(scenario.pathways):
        own = scenario.districts_of(name)
        cols = np.flatnonzero(pathway == p)
        if own is None:
            place[cols] = first_cell[(p, -1)]
            continue
        for j in cols:
            if fixed[j]:
                place[j] = first_cell[(p, names.index(fixed[j]))]
        for k in (0, 1, 2):
            free = [j for j in cols if kind[j] == k and not fixed[j]
                    and (replaces is None or replaces[j] < 0)]
            if not free:
                continue
            # an office's pool may say where its sites lie; else the pathway's shares
            shares = (_pool_shares(scenario, name) or own) if k == 2 else own
            index = [names.index(d) for d in shares]
            order = spread(apportion(list(shares.values()), len(free)))
            for j, slot in zip(free, order, strict=True):
                place[j] = first_cell[(p, index[slot])]
    if replaces is not None:
        for j in np.flatnonzero(replaces >= 0):  # generation by generation: parents come first
            place[j] = place[replaces[j]]
    actual = None
    status = scenario.status
    if status is not None:
        actual = np.zeros((len(years), len(cells)))
        for year, by_pathway in status.released.items():
            for pname, figure in by_pathway.items():
                p = list(scenario.pathways).index(pname)
                own = scenario.districts_of(pname)
                if isinstance(figure, dict):
                    parts = {names.index(d): km2 for d, km2 in figure.items()}
                elif own is None:
                    parts = {-1: float(figure)}
                else:  # a pathway's figure without districts: split by its shares
                    parts = {names.index(d): float(figure) * w for d, w in own.items()}
                for d, km2 in parts.items():
                    actual[year - years[0], first_cell[(p, d)]] += km2
    return Places(tuple(names), cells, place, actual)
