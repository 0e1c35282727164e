"""Address and change any value of a scenario by its key path.

``pathways.consolidation.stages[0].duration.median``, ``correlation.pathway_factor_sigma``,
``events[0].probability``, ``pathways.renewal.plan.2024``: paths run through the
*resolved* scenario (every default filled in), so defaults can be varied too. A changed
scenario is validated again; the change is recorded in its provenance.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from simulator.inputs.errors import LandsimError, Problem, ScenarioError, did_you_mean
from simulator.inputs.keypath import format_path, parse_path
from simulator.inputs.limits import MAX_NAME
from simulator.inputs.scenario import Scenario, scenario_from_dict
from simulator.inputs.yamlsource import parse_yaml_value

__all__ = [
    "variant_of",
    "ParameterError",
    "get_value",
    "numeric_paths",
    "parse_assignment",
    "with_values",
]


class ParameterError(LandsimError):
    """A key path that does not exist, or a value of the wrong kind for it."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _walk(data: Any, parts: tuple, text: str) -> tuple[Any, Any]:
    """The container holding the last part of the path, and that part."""
    node = data
    for depth, part in enumerate(parts):
        here = format_path(parts[:depth]) or "the scenario"
        last = depth == len(parts) - 1
        if isinstance(node, Mapping):
            if part not in node:
                keys = [str(k) for k in node]
                hint = did_you_mean(part, keys)
                raise ParameterError(
                    f"{text}: '{part}' is not a key of {here}{hint}; keys there: "
                    f"{', '.join(keys) or 'none'}"
                )
        elif isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise ParameterError(
                    f"{text}: {here} is a list of {len(node)}; use an index 0–{len(node) - 1}"
                )
        else:
            raise ParameterError(f"{text}: {here} is a value ({node!r}), not a mapping or list")
        if last:
            return node, part
        node = node[part]
    raise ParameterError(f"{text}: empty path")


def _parts(path: str) -> tuple:
    try:
        return parse_path(path)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


def get_value(scenario: Scenario, path: str) -> Any:
    """The value at ``path`` in the resolved scenario. Raises ``ParameterError``."""
    container, key = _walk(scenario.resolved(), _parts(path), path)
    return container[key]


def numeric_paths(scenario: Scenario) -> list[str]:
    """Every numeric leaf of the resolved scenario, as key paths (provenance and the
    ``uncertain`` priors excluded)."""
    out: list[str] = []

    def visit(node: Any, parts: tuple) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                if not parts and k in ("provenance", "uncertain"):
                    continue  # labels; priors are keyed by paths, which a path cannot address
                visit(v, parts + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                visit(v, parts + (i,))
        elif _is_number(node):
            out.append(format_path(parts))

    visit(scenario.resolved(), ())
    return out


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"PATH=VALUE"`` → (path, value); the value is read as YAML (``3``, ``0.5``, ``[1, 2]``).

    Raises ``ParameterError`` for text without ``=``.
    """
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise ParameterError(f"--set expects PATH=VALUE, got {text!r}")
    if len(raw) > 10_000:
        raise ParameterError(f"--set {path.strip()}: the value is longer than 10,000 characters")
    try:
        value = parse_yaml_value(raw, what=f"--set {path.strip()}") if raw.strip() else None
    except ScenarioError as exc:
        raise ParameterError(f"--set {text!r}: {exc.problems[0].message}") from None
    return path.strip(), value


def with_values(
    scenario: Scenario, values: Mapping[str, Any], *, origin: str = "--set",
    label: str | None = None,
) -> Scenario:
    """A copy of ``scenario`` with the value at each path replaced, validated again.

    A path that is ``uncertain:`` becomes fixed at the value (the other uncertain values
    keep their joint draws). Whole numbers are accepted for integer fields (``25.0`` for a
    capacity). Each changed path's provenance reads "assumption: set to V by ORIGIN (was
    X)", or "LABEL (set to V, was X)" when ``label`` is given. Raises
    ``ParameterError`` for a path that does not exist or a value of the wrong kind, and
    ``ScenarioError`` if the changed scenario is not valid.
    """
    if not values:
        return scenario
    data = scenario.resolved()
    provenance = dict(data.get("provenance") or {})
    for path, value in values.items():
        container, key = _walk(data, _parts(path), path)
        old = container[key]
        if _is_number(old):
            if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
                raise ParameterError(f"{path}: needs a number (it is {old!r}), got {value!r}")
            if isinstance(old, int) and isinstance(value, float):
                if not value.is_integer():
                    raise ParameterError(f"{path}: needs a whole number, got {value!r}")
                value = int(value)
        container[key] = value
        note = (f"assumption: set to {value!r} by {origin} (was {old!r})" if label is None
                else f"{label} (set to {value!r}, was {old!r})")
        canonical = format_path(_parts(path))
        if canonical in (data.get("uncertain") or {}):
            # a value set on purpose is the question asked ("what if the cap were 12?"):
            # it replaces the path's uncertainty, which would otherwise overwrite it in
            # every replication; the other uncertain values keep their joint draws
            del data["uncertain"][canonical]
            provenance.pop(f"uncertain.{canonical}", None)
            posterior = data.get("posterior")
            if posterior and canonical in posterior.get("paths", []):
                posterior["paths"] = [p for p in posterior["paths"] if p != canonical]
            note += "; no longer uncertain"
        provenance[canonical] = note
    data["provenance"] = provenance
    try:
        changed = scenario_from_dict(data, file=scenario.file)
    except ScenarioError as exc:
        what = ", ".join(f"{p}={v!r}" for p, v in values.items())
        raise ScenarioError(
            [Problem(p.path, f"{p.message} (after {origin} {what})", p.file, None)
             for p in exc.problems]
        ) from None
    return changed


def variant_of(
    scenario: Scenario, values: Mapping[str, Any], *, origin: str = "--set",
    label: str | None = None,
) -> Scenario:
    """``with_values``, renamed so that the variant never overwrites its base's outputs.

    The name becomes ``<base>-set-<8 hex digits of the changes>`` (the same changes give
    the same name), and the titles say what was changed. Raises as :func:`with_values`.
    """
    if not values:
        return scenario
    changed = with_values(scenario, values, origin=origin, label=label)
    listing = ", ".join(f"{path} = {_plain_value(changed, path)}" for path in values)
    key = hashlib.sha256(json.dumps(
        {p: _plain_value(changed, p) for p in sorted(values)}, sort_keys=True, default=str
    ).encode()).hexdigest()[:8]
    name = f"{scenario.name[: MAX_NAME - 13]}-set-{key}"
    title = scenario.title or scenario.name
    renamed = {
        "name": name,
        "title": f"{title} — changed: {listing}"[:300],
        "title_zh": f"{scenario.title_zh or title}（修改：{listing}）"[:300],
    }
    data = changed.resolved()
    data.update(renamed)
    return scenario_from_dict(data, file=scenario.file)


def _plain_value(scenario: Scenario, path: str) -> Any:
    value = get_value(scenario, path)
    return f"{value:g}" if isinstance(value, float) else value
