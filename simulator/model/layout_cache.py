"""A process's compiled layouts, kept between the work items of a study.

Building a layout (and freezing its priors as scipy distributions) costs milliseconds that
every chunk of a study would otherwise pay again. Worker processes keep one
:class:`LayoutCache` (:data:`LAYOUTS`); a study of several scenarios (a backtest's cases)
keeps them all, up to :data:`LayoutCache.size`, the least recently used leaving first.
"""

from __future__ import annotations

from collections import OrderedDict

from simulator.inputs.scenario import Scenario
from simulator.model.layout import Layout, build_layout

__all__ = ["LAYOUTS", "LayoutCache", "layout_for"]


class LayoutCache:
    """Layouts (and frozen priors) by scenario digest, least recently used out first."""

    def __init__(self, size: int = 32):
        self.size = size
        self._items: OrderedDict[str, tuple[Layout, list | None]] = OrderedDict()

    def _entry(self, scenario: Scenario, key: str | None = None) -> tuple[Layout, list | None]:
        key = key or scenario.digest()
        if key in self._items:
            self._items.move_to_end(key)
        else:
            self.put(key, build_layout(scenario))
        return self._items[key]

    def layout(self, scenario: Scenario, key: str | None = None) -> Layout:
        """``scenario``'s layout, built once per process. ``key`` names it (default: the
        scenario's digest, which costs milliseconds on a scenario with a posterior)."""
        return self._entry(scenario, key)[0]

    def put(self, key: str, layout: Layout) -> None:
        """Keep ``layout`` under ``key`` (the calling process built it already)."""
        self._items[key] = (layout, None)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def priors(self, scenario: Scenario) -> list:
        """The uncertain parameters' priors as frozen scipy distributions, in θ's column
        order (freezing one costs a millisecond, and every chunk needs them)."""
        layout, frozen = self._entry(scenario)
        if frozen is None:
            frozen = [scenario.uncertain[u.path].to_scipy() for u in layout.uncertain]
            self._items[scenario.digest()] = (layout, frozen)
        return frozen

    def clear(self) -> None:
        """Forget every layout."""
        self._items.clear()


LAYOUTS = LayoutCache()
"""This process's cache."""


def layout_for(scenario: Scenario, key: str | None = None) -> Layout:
    """``scenario``'s layout, built once per process and kept in :data:`LAYOUTS`.

    ``key`` names it (default: the scenario's digest). Raises what
    :func:`~simulator.model.layout.build_layout` raises for a scenario it cannot lay out.
    """
    return LAYOUTS.layout(scenario, key)
