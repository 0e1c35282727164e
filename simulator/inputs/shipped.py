"""The scenarios landsim ships: found in a checkout, or where an installed package put them.

A checkout keeps them in ``scenarios/`` beside the package; ``pip install`` copies them to
``<prefix>/share/landsim/scenarios`` (the project's data files), so ``landsim serve`` and
``landsim run plan-2024`` work from any folder once landsim is installed.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

__all__ = ["scenario_argument", "shipped_folder"]


def shipped_folder() -> Path | None:
    """The shipped ``scenarios/`` folder: the checkout's, else the installed one, else None."""
    checkout = Path(__file__).resolve().parents[2] / "scenarios"
    candidates = [checkout, Path(sys.prefix) / "share" / "landsim" / "scenarios",
                  Path(sysconfig.get_path("data")) / "share" / "landsim" / "scenarios"]
    return next((folder for folder in candidates if (folder / "plan-2024.yaml").is_file()),
                None)


def scenario_argument(text: str) -> Path:
    """A scenario named on the command line: a file, or the name of a shipped scenario
    (``plan-2024``) when no such file is there."""
    given = Path(text)
    if given.exists() or given.suffix or "/" in text:
        return given
    folder = shipped_folder()
    if folder is not None and (folder / f"{text}.yaml").is_file():
        return folder / f"{text}.yaml"
    return given
