"""Read a scenario YAML file safely, remembering where each key is and how it is labelled.

Only safe loading is used (libyaml's C parser where available, else PyYAML's): tags such
as ``!!python/object`` are refused. Input is bounded before anything is built from it: a
file larger than :data:`MAX_FILE_BYTES`, a NUL byte, nesting deeper than :data:`MAX_DEPTH`,
a recursive alias, or aliases that would expand past :data:`MAX_NODES` items (the "billion
laughs" pattern) are rejected with a message. Keys that resolve to the same value (``2022``,
``0x7E6`` and ``03746`` are all 2022 in YAML 1.1) are duplicates; merge keys
(``<<: *defaults``) are supported, later keys overriding merged ones.

Besides the data, the reader returns the 1-based line of every key path (so errors can
point at a line) and the provenance labels written as trailing comments (``# sourced: …``,
``# derived: …``, ``# assumption …``) on the lines of those keys.

Files a scenario names (``status.pipeline_file``, ``uncertain.from``) are found with
:func:`resolve_named_file` — inside the scenario's folder or a folder the user names
(``--data DIR``), symbolic links and ``..`` resolved — and read with
:func:`read_regular_file`: regular files only (never a FIFO, device, socket or a file of
/proc or /sys), bounded in size, opened so that nothing can block.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.inputs.errors import Problem, ScenarioError
from simulator.inputs.keypath import format_path
from simulator.inputs.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "YamlSource", "parse_yaml_text",
           "read_named_file", "read_regular_file", "read_yaml", "resolve_named_file"]


LABELS = ("sourced", "derived", "assumption")
_LABEL = re.compile(r"^#\s*(sourced|derived|assumption)\b\s*[:,;—-]?\s*(.*)$", re.IGNORECASE)
_MERGE = "tag:yaml.org,2002:merge"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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

    Reads at most :data:`MAX_FILE_BYTES` (so a device such as /dev/zero cannot exhaust
    memory). Raises ``ScenarioError`` for a missing, unreadable or too large file, a
    syntax error, a forbidden tag, an empty document, duplicate keys, or a document that
    nests or expands too far.
    """
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([Problem("", "file not found", name)]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "is a directory, not a YAML file", name)]) from None
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot read file: {exc.strerror}", name)]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(
            "", f"file is larger than {MAX_FILE_BYTES // 1024:,} kB; a scenario is a short "
            "text file", name)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError([Problem("", f"not UTF-8 text ({exc.reason})", name, line)]) from None
    return parse_yaml_text(text, file=name)


def resolve_named_file(name: str, scenario_file: str | None,
                       data_dirs: tuple | list = ()) -> Path:
    """The real path of the file ``name`` that a scenario names, if the scenario may name it.

    A relative ``name`` is relative to the scenario file's folder (the working directory for
    a scenario without a file). Once symbolic links and ``..`` are resolved, the file must
    lie inside that folder or inside one of ``data_dirs`` (the CLI's ``--data DIR``).
    Raises ``ValueError`` saying what is allowed; whether the file exists is not looked at
    (nothing is said about files outside).
    """
    from simulator.inputs.errors import quote

    try:
        base = Path(scenario_file).parent if scenario_file else Path.cwd()
        given = Path(name)
        real = Path(os.path.realpath(given if given.is_absolute() else base / given))
        roots = [Path(os.path.realpath(folder)) for folder in (base, *data_dirs)]
    except (ValueError, OSError) as exc:  # a NUL character, a name too long
        raise ValueError(f"{quote(name, 100)} is not a usable file name ({exc})") from None
    if any(real == root or real.is_relative_to(root) for root in roots):
        return real
    where = f"the scenario's folder ({roots[0]})"
    if data_dirs:
        where += " or a --data folder (" + ", ".join(str(r) for r in roots[1:]) + ")"
    raise ValueError(f"{quote(name, 100)} is outside {where} once links and '..' are "
                     "resolved; a scenario may name files inside its own folder, or inside a "
                     "folder given on the command line with --data DIR")


def read_named_file(name: str, scenario_file: str | None, data_dirs: tuple | list,
                    limit: int, missing) -> tuple[Path, bytes]:
    """The path (as the scenario names it, joined to its folder — or, when it is not there,
    to the first ``--data`` folder that holds it) and the bytes of a file a scenario names:
    :func:`resolve_named_file`, then :func:`read_regular_file`.

    Raises ``ValueError`` with one message for every way it can fail: ``missing(path)``
    for a file that does not exist, what is wrong and what is allowed otherwise.
    """
    from simulator.inputs.errors import quote

    path = Path(name)
    if not path.is_absolute() and scenario_file:
        path = Path(scenario_file).parent / path
    if not Path(name).is_absolute() and not os.path.lexists(path):
        # not beside the scenario: the first --data folder that holds it (a copy of a
        # shipped scenario finds posteriors/… with --data scenarios)
        for folder in data_dirs:
            if os.path.lexists(Path(folder) / name):
                path = Path(os.path.abspath(Path(folder) / name))
                name = str(path)
                break
    real = resolve_named_file(name, scenario_file, data_dirs)
    try:
        return path, read_regular_file(real, limit)
    except FileNotFoundError:
        raise ValueError(missing(path)) from None
    except ValueError as exc:
        raise ValueError(f"{quote(name, 100)} {exc}") from None


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, what in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


def _system_view(path: Path, st: os.stat_result) -> bool:
    """Whether ``path`` is a file of /proc or /sys (regular to stat, but a view of the running
    system: the environment, memory maps, kernel state)."""
    if path.parts[1:2] in (("proc",), ("sys",)):
        return True
    try:
        root = os.stat("/").st_dev
        return any(os.stat(mount).st_dev == st.st_dev != root
                   for mount in ("/proc", "/sys") if os.path.isdir(mount))
    except OSError:
        return False


def read_regular_file(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    A FIFO, device, socket, folder or file of /proc or /sys is refused before it is opened,
    and the file is opened non-blocking and checked again once open (the same file, still
    regular), so that no file can make the read wait. Raises ``FileNotFoundError`` for a
    missing file and ``ValueError`` (what is wrong and what is allowed) otherwise.
    """
    try:
        before = os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror})") from None
    kind = _kind(before.st_mode)
    if kind is not None:
        raise ValueError(f"is {kind}, not a regular file; only regular files are read")
    if _system_view(Path(os.path.realpath(path)), before):
        raise ValueError("is a file of /proc or /sys (a view of the running system), not a "
                         "data file; only regular files of a file system are read")
    too_large = (f"is larger than {limit // 1024:,} KiB, the most such a file may have"
                 if limit >= 1024 else f"is larger than {limit} bytes")
    if before.st_size > limit:
        raise ValueError(too_large)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror})") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev,
                                                                          before.st_ino):
            raise ValueError("changed while it was being opened; only regular files are read")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if size > limit:
        raise ValueError(too_large)
    return b"".join(chunks)


def parse_yaml_text(text: str, *, file: str | None = None, what: str = "a scenario") -> YamlSource:
    """Parse YAML ``text`` (a document that must be a mapping); see :func:`read_yaml`."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ScenarioError([Problem("", "contains a NUL byte: not a YAML text file", file, line)])
    node = _compose(text, file)
    if node is None:
        raise ScenarioError([Problem("", f"the file is empty: {what} is a mapping", file, 1)])
    _check_size(node, file)
    _check_numbers(node, file)

    loader = _Loader("")
    source = YamlSource(data=None, file=file)
    problems: list[Problem] = []
    _index(node, (), source, problems, loader)
    if problems:
        raise ScenarioError(problems)
    try:
        source.data = loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = _tag_in(str(exc.problem))
        message = (
            f"YAML tag {tag} is not allowed: scenarios are plain data, loaded with a safe loader"
            if tag
            else f"YAML error: {exc.problem}"
        )
        raise ScenarioError([Problem("", message, file, line)]) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise ScenarioError([Problem("", f"YAML error: {exc}", file)]) from None
    finally:
        loader.dispose()
    source.labels = _labels(text.splitlines(), source.lines)
    return source


def parse_yaml_value(text: str, *, what: str = "value") -> Any:
    """Parse a short YAML value (a ``--set`` value), bounded like a file; raises ``ScenarioError``."""
    node = _compose(text, None)
    if node is None:
        return None
    _check_size(node, None)
    _check_numbers(node, None)
    loader = _Loader("")
    try:
        return loader.construct_document(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise ScenarioError([Problem("", f"{what} is not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()


def _compose(text: str, file: str | None) -> yaml.Node | None:
    """The document's node graph (aliases still shared, nothing constructed yet)."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.composer.ComposerError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScenarioError([Problem("", f"YAML error: {exc.problem}", file, line)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in what:  # PyYAML ≥ 6.0.3 stops deep nesting itself
            raise ScenarioError([Problem(
                "", f"nested too deeply (at most {MAX_DEPTH} levels)", file, line)]) from None
        raise ScenarioError([Problem("", f"YAML syntax error: {what}", file, line)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem("", f"YAML error: {exc}", file)]) from None
    except RecursionError:
        raise ScenarioError([Problem(
            "", f"nested too deeply (at most {MAX_DEPTH} levels)", file)]) from None
    finally:
        loader.dispose()


def _check_size(root: yaml.Node, file: str | None) -> None:
    """Refuse recursive aliases, deep nesting and documents that expand past MAX_NODES.

    The expanded size of a node is counted once per node (aliases share nodes), so the
    check costs what the text costs, not what its expansion would.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            line = node.start_mark.line + 1
            if depth[key] > MAX_DEPTH:
                raise ScenarioError([Problem(
                    "", f"nested too deeply (at most {MAX_DEPTH} levels)", file, line)])
            if size[key] > MAX_NODES:
                raise ScenarioError([Problem(
                    "", f"aliases expand to more than {MAX_NODES:,} items (an 'alias bomb'?); "
                    "write the values out or use fewer aliases", file, line)])
            continue
        if key in size:
            continue
        if key in on_path:
            raise ScenarioError([Problem(
                "", "recursive alias: a list or mapping contains itself", file,
                node.start_mark.line + 1)])
        on_path.add(key)
        stack.append((node, True))
        if len(on_path) > MAX_DEPTH + 1:
            raise ScenarioError([Problem(
                "", f"nested too deeply (at most {MAX_DEPTH} levels)", file,
                node.start_mark.line + 1)])
        for child in children:
            if id(child) in on_path:
                raise ScenarioError([Problem(
                    "", "recursive alias: a list or mapping contains itself", file,
                    child.start_mark.line + 1)])
            if id(child) not in size:
                stack.append((child, False))


_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_PLAIN_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?\.(inf|Inf|INF)|"
                           r"\.(nan|NaN|NAN)")
_OCTAL = re.compile(r"[-+]?0\d+")  # YAML 1.1 reads 03746 as octal 2022


def _check_numbers(root: yaml.Node, file: str | None) -> None:
    """Numbers only in the plain decimal forms the docs show (2022, 0.5, 1e3).

    YAML 1.1 also reads ``1_000``, ``0x7E6``, ``017`` (octal) and ``190:20`` (base 60) as
    numbers; a scenario meant none of them, and ``2_0`` read as 20 is a silent typo.
    """
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if (node.tag in (_INT, _FLOAT) and not node.style
                    and (not _PLAIN_NUMBER.fullmatch(node.value)
                         or (node.tag == _INT and _OCTAL.fullmatch(node.value)))):
                shown = node.value if len(node.value) <= 40 else node.value[:40] + "…"
                raise ScenarioError([Problem(
                    "", f"{shown!r}: write numbers as plain decimals (1000, 2.5, 1e3); YAML "
                    "would read this form (underscores, hex, octal, base 60) as a number",
                    file, node.start_mark.line + 1)])
            continue
        stack.extend(_children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _tag_in(problem: str) -> str | None:
    match = re.search(r"tag '([^']+)'", problem)
    if not match:
        return None
    return "!!" + match.group(1).removeprefix("tag:yaml.org,2002:")


def _key(node: yaml.Node, loader) -> Any:
    """A key as the constructor will resolve it (0x7E6 → 2022), for duplicate detection."""
    if isinstance(node, yaml.ScalarNode):
        try:
            value = loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value
        try:
            hash(value)
        except TypeError:
            return node.value
        return value
    return str(node.value)


def _entries(node: yaml.MappingNode, problems, source, depth: int = 0):
    """(key node, value node) pairs of a mapping with its merge keys resolved.

    Explicit keys come first (and win); merged mappings follow in the order given, an
    earlier one winning over a later one — YAML's merge-key rule.
    """
    explicit, merged = [], []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for src in sources:
                if not isinstance(src, yaml.MappingNode):
                    problems.append(Problem(
                        "", "a merge key (<<) takes a mapping or a list of mappings",
                        source.file, key_node.start_mark.line + 1))
                    continue
                merged.extend(_entries(src, problems, source, depth + 1))
        else:
            explicit.append((key_node, value_node, False))
    return explicit + [(k, v, True) for k, v, _ in merged]


def _index(node: yaml.Node, path: tuple, source: YamlSource, problems: list[Problem],
           loader) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[tuple, tuple[int, str]] = {}
        for key_node, value_node, inherited in _entries(node, problems, source):
            key = _key(key_node, loader)
            ident = (type(key) is bool, key)  # True and 1 are different keys to a reader
            line = key_node.start_mark.line + 1
            spelled = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
            if ident in seen:
                if inherited:
                    continue  # a merged key overridden by an explicit or earlier one
                first_line, first_spelled = seen[ident]
                same = (f"'{spelled}' and '{first_spelled}' are both {key!r}; "
                        if spelled != first_spelled else "")
                problems.append(
                    Problem(
                        format_path(path + (key,)),
                        f"duplicate key ({same}first given at line {first_line})",
                        source.file,
                        line,
                    )
                )
                continue
            seen[ident] = (line, spelled)
            source.lines[path + (key,)] = line
            _index(value_node, path + (key,), source, problems, loader)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            source.lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), source, problems, loader)


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
