"""The package's wings import only wings below them:
input → model → run → report → study → app → cli.

``app`` (the explorer, ``landsim serve``) uses run, report and study; only ``cli`` may
import it (``landsim serve`` starts it)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simulator"
ORDER = ["inputs", "model", "run", "report", "study", "app", "cli"]


def wing_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "simulator" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ORDER else ("cli" if parts[1] in ("cli", "__main__") else None)


def imports_of(path: Path, package_root: Path) -> list[tuple[int, str]]:
    package = list(path.relative_to(package_root.parent).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return found


def layering_violations(package: Path = PACKAGE) -> list[str]:
    bad = []
    for path in sorted(package.rglob("*.py")):
        own = wing_of(".".join(path.relative_to(package.parent).with_suffix("").parts))
        if own is None:
            continue
        for line, module in imports_of(path, package):
            other = wing_of(module)
            if other is not None and ORDER.index(other) > ORDER.index(own) and not any(
                    b.startswith(f"{path.relative_to(package.parent)}:{line} ") for b in bad
            ):
                bad.append(f"{path.relative_to(package.parent)}:{line} ({own}) imports {module} ({other})")
    return bad


def test_every_module_belongs_to_a_wing():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py", "cli.py")]
    assert loose == [], f"modules outside the wings: {loose}"


def test_no_wing_imports_a_higher_wing():
    assert layering_violations() == []


@pytest.mark.parametrize("low, high", [("inputs", "run"), ("model", "study"), ("run", "report"),
                                       ("study", "app"), ("report", "app"), ("app", "cli")])
def test_the_check_catches_an_upward_import(tmp_path, low, high):
    fake = tmp_path / "simulator"
    (fake / low).mkdir(parents=True)
    (fake / low / "bad.py").write_text(f"from ..{high}.x import y\nimport simulator.{high}.z\n")
    found = layering_violations(fake)
    assert len(found) == 2 and all(f"({high})" in f for f in found)


def test_the_explorer_is_a_wing_between_study_and_cli():
    assert wing_of("simulator.app.page") == "app"
    assert wing_of("simulator.app") == "app"
    assert ORDER.index("study") < ORDER.index("app") < ORDER.index("cli")


def test_the_explorer_may_use_study_and_be_used_by_cli_only(tmp_path):
    fake = tmp_path / "simulator"
    for wing in ("app", "cli", "study"):
        (fake / wing).mkdir(parents=True)
    (fake / "app" / "page.py").write_text("from simulator.study.levers import lever_effects\n"
                                          "from ..report.html import levers_section\n")
    (fake / "cli" / "serve.py").write_text("from simulator.app.server import serve\n")
    (fake / "study" / "bad.py").write_text("from simulator.app.page import make_app\n")
    found = layering_violations(fake)
    assert found == ["simulator/study/bad.py:1 (study) imports simulator.app.page (app)"]
