"""Exceptions that carry user-facing problems (file, line, key path, message)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["LandsimError", "Problem", "RunConfigError", "ScenarioError", "did_you_mean",
           "printable", "quote"]

_UNPRINTABLE = ("Cc", "Cf", "Cs", "Zl", "Zp")
"""Unicode categories escaped in messages: C0/C1 controls, format characters (bidi overrides,
zero-width marks), surrogates and the line and paragraph separators."""
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
MAX_QUOTE = 40
"""Most characters of a user's value :func:`quote` shows."""


def printable(text: str) -> str:
    """``text`` with every control, format or line-separator character escaped as Python
    writes it (``\\x1b``, ``\\r``, ``\\u2028``): a message stays one line and cannot
    drive the terminal."""
    if text.isprintable():  # the usual case: nothing to do
        return text
    out = []
    for ch in text:
        if ch in _SHORT:
            out.append(_SHORT[ch])
        elif unicodedata.category(ch) in _UNPRINTABLE:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def quote(value: object, limit: int = MAX_QUOTE) -> str:
    """A user's value for a message: in quotes, escaped, at most ``limit`` characters."""
    text = printable(str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input.

    ``path`` is the key path into the scenario (``pathways.renewal.stages[1].duration``),
    empty for the document as a whole; ``line`` is 1-based where the YAML has one.
    """

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        # every part may hold text from a user's file: escaped, so one problem is one line
        where = printable(str(self.file)) if self.file else "<scenario>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        message = printable(str(self.message))
        if not self.path:
            return f"{where}: {message}"
        return f"{where}: {printable(str(self.path))}: {message}"


class LandsimError(Exception):
    """Base class of the errors landsim raises for bad input (CLI exit status 2)."""


class ScenarioError(LandsimError, ValueError):
    """A scenario failed to load or validate; ``problems`` lists every issue found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RunConfigError(LandsimError, ValueError):
    """Run settings (replications, seed, engine, output folder) are not usable."""


def did_you_mean(word: str, options) -> str:
    """`` (did you mean 'x'?)`` naming the option closest to ``word``, or '' when none is."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
