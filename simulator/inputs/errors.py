"""Exceptions that carry user-facing problems (file, line, key path, message)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LandsimError", "Problem", "RunConfigError", "ScenarioError"]


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
        where = self.file or "<scenario>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class LandsimError(Exception):
    """Base class of the errors landsim raises for bad input (CLI exit status 2)."""


class ScenarioError(LandsimError, ValueError):
    """A scenario failed to load or validate; ``problems`` lists every issue found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RunConfigError(LandsimError, ValueError):
    """Run settings (replications, seed, engine, output folder) are not usable."""
