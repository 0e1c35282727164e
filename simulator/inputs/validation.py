"""From pydantic's validation errors to problem lines a user can act on: file, line, key
path, what is allowed.

The seam every input file goes through — scenarios, sweeps, parameter and cases files:
:func:`validate_document` validates a YAML document against a model and raises
``ScenarioError`` with every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from simulator.inputs.distributions import DIST_TYPES, Fixed
from simulator.inputs.errors import Problem, ScenarioError, did_you_mean
from simulator.inputs.keypath import format_path
from simulator.inputs.yamlsource import YamlSource

__all__ = ["KEY_PATTERN", "NAME_PATTERN", "problem_from", "relevant_errors", "unique_problems",
           "validate_document"]

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            out.append(p)
    return out




_KIND = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "bool_type": "true or false",
    "finite_number": "a finite number",
}
_BOUND = {
    "greater_than": ">",
    "greater_than_equal": "≥",
    "less_than": "<",
    "less_than_equal": "≤",
}


def validate_document(model: type[BaseModel], source: YamlSource) -> BaseModel:
    """Validate ``source.data`` against ``model``; every problem with its path and line.

    Raises ``ScenarioError``. Used for scenario, sweep and parameter files alike.
    """
    if not isinstance(source.data, Mapping):
        kind = type(source.data).__name__ if source.data is not None else "empty"
        raise ScenarioError(
            [Problem("", f"the file must be a mapping of keys, not {kind}", source.file, 1)]
        )
    try:
        return model.model_validate(dict(source.data))
    except ValidationError as exc:
        problems = [_problem_from(err, source, model) for err in exc.errors(include_url=False)]
        raise ScenarioError(_unique(problems)) from None


def _problem_from(err: dict, source: YamlSource, root: type[BaseModel]) -> Problem:
    loc, tag_class = _clean_loc(err["loc"], source.data)
    kind, value = err["type"], err.get("input")
    ctx = err.get("ctx") or {}
    path = loc
    if kind == "extra_forbidden":
        allowed = _allowed_keys(err["loc"][:-1], root)
        key = str(loc[-1])
        message = f"unknown key '{key}'{did_you_mean(key, allowed)}"
        if allowed:
            message += f"; allowed here: {', '.join(allowed)}"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "union_tag_invalid":
        path = loc + ("dist",)
        tag = str(ctx.get("tag"))
        message = (
            f"unknown distribution '{tag}'{did_you_mean(tag, DIST_TYPES)}; "
            f"allowed: {', '.join(DIST_TYPES)}"
        )
    elif kind == "union_tag_not_found":
        message = (
            "a distribution needs `dist` (one of: "
            f"{', '.join(DIST_TYPES)}), or write a bare number for a fixed value"
        )
    elif kind in _KIND:
        wanted = _KIND[kind]
        if tag_class is None and kind.startswith("model") and _is_distribution(err["loc"], root):
            wanted = "a number or a distribution mapping"
        message = f"must be {wanted} (got {_describe(value)})"
    elif kind in _BOUND:
        bound = ctx.get(kind.replace("greater_than_equal", "ge").replace("greater_than", "gt")
                        .replace("less_than_equal", "le").replace("less_than", "lt"))
        message = f"must be {_BOUND[kind]} {bound} (got {_describe(value)})"
    elif kind == "too_short":
        message = "must not be empty" if ctx.get("min_length") == 1 else err["msg"]
    elif kind == "too_long":
        message = f"has too many items (at most {ctx.get('max_length')})"
    elif kind == "string_pattern_mismatch":
        message = (
            f"'{value}' is not a valid name: use lowercase letters, digits and '-'"
            + (" or '_'" if ctx.get("pattern") == KEY_PATTERN else "")
        )
    elif kind == "value_error":
        message = str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    else:
        message = err["msg"]
    return Problem(format_path(path), message, source.file, source.line_of(path))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


_BRANCHES = ("constrained-float", "float")
"""Location parts pydantic gives the number branch of a number-or-distribution union."""


def _branch_errors(errors: list[dict]) -> list[dict]:
    """Of a number-or-distribution union's errors, those of the branch the input chose: the
    number's for a number, the distribution's for a mapping."""
    def wrong_branch(err: dict) -> bool:
        parts = [p for p in err["loc"] if isinstance(p, str)]
        number_branch = any(p in _BRANCHES for p in parts)
        dist_branch = any(p.startswith("tagged-union[") for p in parts)
        if not (number_branch or dist_branch):
            return False
        value = err.get("input")
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (number_branch and isinstance(value, Mapping)) or (dist_branch and is_number)

    kept = [e for e in errors if not wrong_branch(e)]
    return kept or errors


def _clean_loc(loc: tuple, data: Any) -> tuple[tuple, type | None]:
    """Drop the union-tag parts pydantic inserts into locations (``duration.lognormal.sigma``)."""
    out, node, tag_class = [], data, None
    for part in loc:
        if isinstance(part, str) and (part.startswith(("function-", "tagged-union["))
                                      or part in _BRANCHES):
            continue  # a branch of a union (``programme``: a number or a distribution)
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, Mapping) and node.get("dist") == part and part in DIST_TYPES:
            tag_class = DIST_TYPES[part]
            continue
        elif part in DIST_TYPES and not isinstance(node, Mapping):
            # a bare number turned into {dist: fixed, value: …}
            tag_class = DIST_TYPES[part]
            continue
        else:
            node = None
        out.append(part)
    return tuple(out), tag_class


def _unwrap(tp: Any) -> list:
    """Concrete types behind Annotated / Optional / Union."""
    if get_origin(tp) is Annotated:
        return _unwrap(get_args(tp)[0])
    if get_origin(tp) is Union or type(tp).__name__ == "UnionType":
        return [t for arg in get_args(tp) for t in _unwrap(arg) if t is not type(None)]
    return [tp]


def _descend(tp: Any, part: Any) -> Any:
    for t in _unwrap(tp):
        if isinstance(part, str) and part in DIST_TYPES and t is DIST_TYPES[part]:
            return t
        origin = get_origin(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            for name, f in t.model_fields.items():
                if part in (name, f.alias):
                    return f.annotation
        elif origin is list and isinstance(part, int):
            return get_args(t)[0]
        elif origin is dict:
            return get_args(t)[1]
    return None


def _allowed_keys(loc: tuple, root: type[BaseModel]) -> list[str]:
    tp: Any = root
    for part in loc:
        if isinstance(part, str) and (part.startswith(("function-", "tagged-union["))
                                      or part in _BRANCHES):
            continue  # a branch of a union (``programme``: a number or a distribution)
        tp = _descend(tp, part)
        if tp is None:
            return []
    models = [t for t in _unwrap(tp) if isinstance(t, type) and issubclass(t, BaseModel)]
    if len(models) != 1:
        return []
    keys = [f.alias or name for name, f in models[0].model_fields.items()]
    return sorted(keys, key=lambda k: k != "dist")  # `dist` first: it decides the rest


def _is_distribution(loc: tuple, root: type[BaseModel]) -> bool:
    tp: Any = root
    for part in loc:
        tp = _descend(tp, part)
        if tp is None:
            return False
    return set(_unwrap(tp)) >= {Fixed}


problem_from = _problem_from
"""One pydantic error as a :class:`Problem` (file, line, key path, what is allowed)."""

relevant_errors = _branch_errors
"""Of a number-or-distribution union's errors, those of the branch the input chose."""

unique_problems = _unique
"""Problems without repeats, in order."""


def without_unset(data: dict, keys: tuple[str, ...]) -> dict:
    """``data`` (a model's dump) without those of ``keys`` that are None: keys added to a
    format later are left out when unset, so older files keep their digest (study folders
    and posterior files record it)."""
    for key in keys:
        if data.get(key) is None:
            data.pop(key, None)
    return data
