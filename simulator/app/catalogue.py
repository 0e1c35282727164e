"""Which scenarios the explorer may open, and reading an uploaded one.

Only the shipped ``scenarios/`` folder and the files named on the command line are read;
a scenario may name files (a pipeline CSV, a posterior) only inside its own folder, as
``landsim run`` without ``--data`` allows. An upload goes through the same safe reader,
limits and messages as ``landsim validate``, from a private folder of its own.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from simulator.inputs.errors import LandsimError, ScenarioError
from simulator.inputs.limits import MAX_FILE_BYTES
from simulator.inputs.scenario import Scenario, load_scenario
from simulator.inputs.shipped import shipped_folder

__all__ = ["MAX_UPLOAD_BYTES", "Catalogue", "shipped_folder"]

MAX_UPLOAD_BYTES = MAX_FILE_BYTES
"""Largest upload accepted (the same limit as a scenario file read from disk)."""


_ABSOLUTE = re.compile(r"(?:/[^\s/:'\"()]+)+/([^\s/:'\"()]+)")


def shown_to_user(exc: BaseException) -> str:
    """An error's lines as the page shows them: file names only, never a folder of the
    server's (the uploads' private folder, where landsim is installed)."""
    from simulator.inputs.errors import printable

    if isinstance(exc, ScenarioError):
        lines = []
        for p in exc.problems:
            where = Path(str(p.file)).name if p.file else "<scenario>"
            where += f":{p.line}" if p.line is not None else ""
            lines.append(f"{where}: {p.path}: {p.message}" if p.path else f"{where}: {p.message}")
        text = "\n".join(printable(line) for line in lines)
    else:
        text = str(exc)
    return _ABSOLUTE.sub(r"\1", text)


@dataclass
class Catalogue:
    """The scenarios on offer: ``{key: path}``, keys as shown in the picker."""

    files: dict[str, Path] = field(default_factory=dict)
    named: list[str] = field(default_factory=list)  # keys of the files named, in order
    uploads: Path | None = None  # a private folder for uploads, made on first use

    @classmethod
    def of(cls, named: list[Path], *, shipped: bool = True) -> Catalogue:
        """The shipped scenarios (top level of ``scenarios/``) and the ``named`` files.

        Raises ``LandsimError`` for a named path that is not a YAML file.
        """
        files: dict[str, Path] = {}
        for path in named:
            if not path.is_file():
                raise LandsimError(f"{path}: not a file (give scenario YAML files)")
            files[path.stem if path.stem not in files else str(path)] = path.resolve()
        keys = list(files)
        folder = shipped_folder() if shipped else None
        if folder is not None:
            for path in sorted(folder.glob("*.yaml")):
                files.setdefault(path.stem, path)
        if not files:
            raise LandsimError("no scenario to explore: name scenario files "
                               "(landsim serve scenarios/plan-2024.yaml)")
        return cls(files=files, named=keys)

    def load(self, key: str) -> Scenario:
        """The scenario offered as ``key``. Raises ``ScenarioError``/``LandsimError``."""
        if key not in self.files:
            raise LandsimError(f"no scenario {key!r} here")
        return load_scenario(self.files[key])

    def load_upload(self, name: str, data: bytes) -> Scenario:
        """An uploaded scenario, read from a folder of its own (so it can name no other
        file). Raises ``ScenarioError`` with the problems ``landsim validate`` would list,
        or ``LandsimError`` for a file above :data:`MAX_UPLOAD_BYTES`."""
        shown = Path(name).name or "upload.yaml"
        if len(data) > MAX_UPLOAD_BYTES:
            raise LandsimError(f"{shown}: {len(data):,} bytes; a scenario file may have at "
                               f"most {MAX_UPLOAD_BYTES:,}")
        if self.uploads is None:
            self.uploads = Path(tempfile.mkdtemp(prefix="landsim-uploads-"))
        folder = Path(tempfile.mkdtemp(dir=self.uploads))
        path = folder / shown
        path.write_bytes(data)
        try:
            return load_scenario(path)
        except ScenarioError as exc:
            # the messages name the file as the user knows it, not our private folder
            raise ScenarioError([type(p)(p.path, p.message, shown, p.line)
                                 for p in exc.problems]) from None

    def calibration_priors(self, scenario: Scenario) -> tuple[str | None, dict]:
        """The priors of the calibration behind ``scenario``'s posterior: (its name, key
        path → distribution), found among the shipped scenarios by name and checked by
        digest; (None, {}) if there is none to be found."""
        post = scenario.posterior
        folder = shipped_folder()
        if post is None or folder is None:
            return None, {}
        if post.calibration.get("cases"):  # a backtest's posterior: the cases file's priors
            return _cases_priors(folder, str(post.calibration["cases"]),
                                 post.calibration.get("cases_sha256"))
        name = str(post.calibration.get("scenario", ""))
        digest = post.calibration.get("scenario_sha256")
        for path in sorted(folder.rglob(f"{name}.yaml")) if name else []:
            try:
                found = load_scenario(path)
            except ScenarioError:
                continue
            if found.digest() == digest:
                return name, found.resolved()["uncertain"]
        return None, {}

    def close(self) -> None:
        """Remove the uploads' folder."""
        import shutil

        if self.uploads is not None:
            shutil.rmtree(self.uploads, ignore_errors=True)
            self.uploads = None


def _cases_priors(folder, name: str, digest) -> tuple[str | None, dict]:
    """(name, key path → prior) of the shipped cases file ``name`` whose cases digest is
    ``digest``; (None, {}) if none is."""
    from simulator.study.backtest import cases_digest, load_cases

    for path in sorted(folder.rglob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "\ncases:" not in text or f"name: {name}\n" not in text:
            continue  # not a cases file, or not this one
        try:
            spec, scenarios = load_cases(path)
        except (LandsimError, ValueError):
            continue
        if spec.name == name and cases_digest(spec, scenarios) == digest:
            return name, {p: d.model_dump(mode="python") for p, d in spec.priors.items()}
    return None, {}
