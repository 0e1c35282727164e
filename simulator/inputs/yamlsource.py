"""Read a scenario YAML file safely, remembering where each key is and how it is labelled.

Only PyYAML's ``SafeLoader`` is used: tags such as ``!!python/object`` are refused.
Besides the data, the reader returns the 1-based line of every key path (so errors
can point at a line) and the provenance labels written as trailing comments
(``# sourced: …``, ``# derived: …``, ``# assumption …``) on the lines of those keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.inputs.errors import Problem, ScenarioError
from simulator.inputs.keypath import format_path

__all__ = ["YamlSource", "read_yaml"]

LABELS = ("sourced", "derived", "assumption")
_LABEL = re.compile(r"^#\s*(sourced|derived|assumption)\b\s*[:,;—-]?\s*(.*)$", re.IGNORECASE)
_TAGS = {
    "tag:yaml.org,2002:int": int,
}


@dataclass
class YamlSource:
    """A parsed YAML document with the line and provenance label of each key path."""

    data: Any
    file: str | None = None
    lines: dict[tuple, int] = field(default_factory=dict)
    labels: dict[tuple, str] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        """Line of ``path``, else of its nearest ancestor that has one."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None


def read_yaml(path: str | Path) -> YamlSource:
    """Read ``path`` with a safe loader.

    Raises ``ScenarioError`` for a missing or unreadable file, a syntax error, a
    forbidden tag, an empty document or duplicate keys.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem("", "file not found", name)]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "is a directory, not a scenario file", name)]) from None
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem("", f"not UTF-8 text ({exc.reason})", name)]) from None
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot read file: {exc.strerror}", name)]) from None
    return parse_yaml_text(text, file=name)


def parse_yaml_text(text: str, *, file: str | None = None) -> YamlSource:
    """Parse YAML ``text``; see :func:`read_yaml` for what is raised."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = _tag_in(str(exc.problem))
        message = (
            f"YAML tag {tag} is not allowed: scenarios are plain data, loaded with a safe loader"
            if tag
            else f"YAML error: {exc.problem}"
        )
        raise ScenarioError([Problem("", message, file, line)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError([Problem("", f"YAML syntax error: {what}", file, line)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem("", f"YAML error: {exc}", file)]) from None
    finally:
        loader.dispose()
    if node is None:
        raise ScenarioError([Problem("", "the file is empty: a scenario is a mapping", file, 1)])

    source = YamlSource(data=data, file=file)
    problems: list[Problem] = []
    _index(node, (), source, problems)
    if problems:
        raise ScenarioError(problems)
    source.labels = _labels(text.splitlines(), source.lines)
    return source


def _tag_in(problem: str) -> str | None:
    match = re.search(r"tag '([^']+)'", problem)
    if not match:
        return None
    return "!!" + match.group(1).removeprefix("tag:yaml.org,2002:")


def _key(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode) and node.tag in _TAGS:
        try:
            return _TAGS[node.tag](node.value)
        except ValueError:
            return node.value
    return node.value if isinstance(node, yaml.ScalarNode) else str(node.value)


def _index(node: yaml.Node, path: tuple, source: YamlSource, problems: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _key(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        format_path(path + (key,)),
                        f"duplicate key (first given at line {seen[key]})",
                        source.file,
                        line,
                    )
                )
                continue
            seen[key] = line
            source.lines[path + (key,)] = line
            _index(value_node, path + (key,), source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            source.lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), source, problems)


def _comment(line: str) -> str | None:
    """The trailing comment of a YAML line, ignoring '#' inside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i:]
    return None


def _labels(text_lines: list[str], lines: dict[tuple, int]) -> dict[tuple, str]:
    """Label of each line's shallowest key; deeper keys on that line inherit it."""
    shallowest: dict[int, tuple] = {}
    for path, line in lines.items():
        if line not in shallowest or len(path) < len(shallowest[line]):
            shallowest[line] = path
    labels: dict[tuple, str] = {}
    for line, path in shallowest.items():
        comment = _comment(text_lines[line - 1]) if line <= len(text_lines) else None
        match = _LABEL.match(comment.strip()) if comment else None
        if match:
            label, note = match.group(1).lower(), match.group(2).strip()
            labels[path] = f"{label}: {note}" if note else label
    return labels
