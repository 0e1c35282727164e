"""Key paths into a scenario: ``pathways.renewal.stages[1].duration.sigma``.

A path is a tuple of components: ``str`` or ``int`` mapping keys and ``int`` list
indices. Plan years are mapping keys, written ``plan.2024``.
"""

from __future__ import annotations

import re

__all__ = ["format_path", "lookup", "parse_path"]

_KEY = r"[^.\[\]\s]+"
_WHOLE = re.compile(rf"(?:{_KEY}|\[\d+\])(?:\.{_KEY}|\[\d+\])*")
_TOKEN = re.compile(rf"\[(\d+)\]|({_KEY})")


def format_path(path: tuple) -> str:
    """Write a path tuple in the dotted form users see (list indices in brackets)."""
    out = ""
    for i, part in enumerate(path):
        if isinstance(part, int) and not isinstance(part, bool) and _is_index(path, i):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _is_index(path: tuple, i: int) -> bool:
    # Integers after a plan or release key are years (mapping keys), elsewhere list indices.
    return not (i > 0 and path[i - 1] in ("plan", "release"))


def parse_path(text: str) -> tuple:
    """Split ``a.b[2].c`` into ``("a", "b", 2, "c")``; numeric keys (plan years) become int.

    Raises ``ValueError`` for an empty or malformed path.
    """
    if not _WHOLE.fullmatch(text or ""):
        raise ValueError(f"malformed key path {text!r}")
    return tuple(
        int(index) if index else (int(key) if key.isdigit() else key)
        for index, key in _TOKEN.findall(text)
    )


def lookup(data, parts: tuple):
    """The value at ``parts`` in plain nested data (mappings and lists).

    Raises ``LookupError`` whose message says where the path stops ("pathways.a has no
    'x'"), for callers to wrap in their own wording.
    """
    node = data
    for depth, part in enumerate(parts):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            where = format_path(parts[:depth]) or "the scenario"
            raise LookupError(f"{where} has no '{part}'")
    return node
