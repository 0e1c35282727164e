"""What the explorer lets a user move: the scenario's levers, its programme office, and
each pathway's cap, stage capacities and drop-outs — each a key path with a range.

Only controls moved away from the scenario's own value change it, so an untouched page
is the scenario as shipped, and every change is a ``--set PATH=VALUE`` of ``landsim run``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from simulator.inputs.errors import LandsimError
from simulator.inputs.params import get_value
from simulator.inputs.scenario import Scenario
from simulator.report.i18n import bilingual, label_of_pathway, stage_label, t

__all__ = ["Control", "change_words", "changed_values", "controls_for", "set_arguments"]


@dataclass(frozen=True)
class Control:
    """A slider: the key path it sets, its range and step, the scenario's own value."""

    id: str  # an HTML id: letters, digits and underscores
    path: str
    group: str  # levers, office, or a pathway's name
    label: str
    low: float
    high: float
    step: float
    value: float
    integer: bool = False


def _id(path: str) -> str:
    return "c_" + re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_")


def _nice_step(low: float, high: float, integer: bool) -> float:
    if integer:
        return 1.0
    span = max(high - low, 1e-9)
    step = 10 ** math.floor(math.log10(span / 50))
    return step * 5 if span / step > 250 else step * 2 if span / step > 100 else step


def _range(value: float, floor: float = 0.0, *, wide: float = 3.0, least: float = 1.0):
    return floor, max(value * wide, value + least, floor + least)


def controls_for(scenario: Scenario, lang: str = "en") -> list[Control]:
    """Every control the explorer offers for ``scenario``, in the order shown."""
    out: list[Control] = []

    def add(path: str, group: str, label: str, low: float, high: float,
            integer: bool = False) -> None:
        value = get_value(scenario, path)
        if value is None or isinstance(value, bool) or any(c.path == path for c in out):
            return
        low, high = min(low, value), max(high, value)
        step = _nice_step(low, high, integer)
        high = round(math.ceil(high / step - 1e-9) * step, 10)  # an end the slider can reach
        out.append(Control(_id(path), path, group, label, float(low), float(high), step,
                           float(value), integer))

    for lever in scenario.levers:
        whole = isinstance(get_value(scenario, lever.path), int)
        add(lever.path, "levers", bilingual(lever.description, lang), lever.min, lever.max,
            whole)
    if scenario.management is not None:
        m = scenario.management
        add("management.review", "office", t("app.control.review", lang), 0.25,
            max(3.0, m.review))
        add("management.pool_km2", "office", t("app.control.pool", lang),
            *_range(m.pool_km2, least=10.0))
        add("management.trigger", "office", t("app.control.trigger", lang),
            *_range(m.trigger, least=5.0))
    for name, pathway in scenario.pathways.items():
        if pathway.annual_cap is not None:
            add(f"pathways.{name}.annual_cap", name, t("app.control.cap", lang),
                *_range(pathway.annual_cap, 0.1))
        for i, stage in enumerate(pathway.stages or []):
            shown = stage_label(stage.name, lang)
            if stage.capacity is not None:
                add(f"pathways.{name}.stages[{i}].capacity", name,
                    t("app.control.capacity", lang, stage=shown),
                    *_range(stage.capacity, 1, least=10), integer=True)
            add(f"pathways.{name}.stages[{i}].dropout", name,
                t("app.control.dropout", lang, stage=shown), 0.0, 0.9)
    return out


def changed_values(controls: list[Control], values: dict[str, float | None]
                   ) -> dict[str, float | int]:
    """``{path: value}`` of the controls whose value (``values``, by control id) differs
    from the scenario's; whole numbers for integer controls, rounded to the step."""
    out: dict[str, float | int] = {}
    for c in controls:
        v = values.get(c.id)
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            # a slider sends numbers; anything else is a forged message
            raise LandsimError(f"{c.path}: {str(v)[:40]!r} is not a number (a slider moves "
                               f"from {c.low:g} to {c.high:g})")
        v = int(round(v)) if c.integer else round(float(v), 10)
        if not math.isclose(v, c.value, rel_tol=0, abs_tol=c.step / 1000):
            out[c.path] = v
    return out


def set_arguments(values: dict[str, float | int]) -> list[str]:
    """The ``--set PATH=VALUE`` arguments of ``landsim run`` for ``values``."""
    return [f"{path}={value!r}" if isinstance(value, float) else f"{path}={value}"
            for path, value in values.items()]


def change_words(scenario: Scenario, values: dict[str, float | int], lang: str) -> str:
    """The changed ``values`` (key path → value) as a reader says them, with each control's
    label ("Consolidation throughput, km²/yr = 7.5"; a pathway's own controls name the
    pathway); a path the explorer has no control for stays a path ('' if none changed)."""
    labels = {}
    for c in controls_for(scenario, lang):
        labels[c.path] = c.label if c.group in ("levers", "office") else t(
            "app.change_in", lang, label=c.label,
            pathway=label_of_pathway(scenario, c.group, lang))
    said = [t("app.change", lang, label=labels.get(path, path),
              value=f"{value:g}" if isinstance(value, float) else str(value))
            for path, value in values.items()]
    return t("app.change_sep", lang).join(said)
