"""One checker a section, every problem at once, and one home for the limits (issue 36)."""

import ast
from pathlib import Path

import pytest

from simulator import ScenarioError, load_scenario
from simulator.inputs import limits
from simulator.inputs.semantics import CHECKERS, check_semantics
from tests.test_scenario_errors import GOOD

# One cross-field mistake in each section; pydantic accepts every one of them.
BROKEN = {
    "targets": ("  - {name: t, by: 2025, km2: 3}\n",
                "  - {name: t, by: 2025, km2: 3}\n  - {name: t, by: 2099, km2: 3}\n"),
    "pathways": ("    projects: 2\n    stages:\n      - {name: unit-plan, duration: 2}\n",
                 "    projects: 2\n    stages:\n      - {name: unit-plan, duration: 2}\n"
                 "      - {name: unit-plan, duration: 1}\n"),
    "events": ("pathways: [renewal]", "pathways: [renewl]"),
    "levers": ("events:\n", "levers:\n  - {path: pathways.renewal.nothing, min: 0, max: 1, description: x}\n"
                            "events:\n"),
    "provenance": ("events:\n", "provenance: {pathways.renewal.plan: 'a guess'}\nevents:\n"),
}
SECTION_OF = {"check_targets": {"targets", "headline"}, "check_pathways": {"pathways"},
              "check_events": {"events"}, "check_levers": {"levers"},
              "check_provenance": {"provenance"}}


def _broken_text(sections):
    text = GOOD
    for section in sections:
        old, new = BROKEN[section]
        assert old in text
        text = text.replace(old, new, 1)
    return text


def test_every_sections_problem_is_reported_at_once(write_yaml):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(_broken_text(BROKEN)))
    paths = [p.path for p in info.value.problems]
    for section in BROKEN:
        assert any(p.startswith(section) for p in paths), (section, paths)
    assert "targets[1].name" in paths and "targets[1].by" in paths
    assert "pathways.renewal.stages[1].name" in paths
    assert all(p.line for p in info.value.problems)  # each points at its line


@pytest.mark.parametrize("section", sorted(BROKEN))
def test_each_mistake_alone_is_found_by_its_sections_checker_only(write_yaml, section):
    """A checker reports its own section and nothing else; another section's mistake leaves it
    silent — so a problem is never reported twice or by the wrong checker."""
    import yaml

    from simulator.inputs.scenario import Scenario

    good = load_scenario(write_yaml(GOOD))
    data = yaml.safe_load(_broken_text([section]))
    broken = Scenario.model_validate(data)  # structurally valid: pydantic passes it
    assert check_semantics(good) == []
    found = {checker.__name__: checker(broken) for checker in CHECKERS}
    owner = next(name for name, sections in SECTION_OF.items() if section in sections)
    assert found[owner], (section, found)
    for name, problems in found.items():
        for path, _ in problems:
            assert name == owner and path[0] in SECTION_OF[owner], (name, path)


def test_limits_live_in_one_module():
    """No inputs module (nor the run's entry points) defines a limit of its own: validate and
    run read the same number from simulator.inputs.limits."""
    root = Path(__file__).resolve().parents[1] / "simulator"
    files = [*sorted((root / "inputs").glob("*.py")), root / "cli" / "args.py",
             root / "run" / "montecarlo.py"]
    defined = {}
    for file in files:
        if file.name == "limits.py":
            continue
        for node in ast.parse(file.read_text()).body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.startswith("MAX_"):
                        defined[target.id] = file.name
    defined.pop("MAX_QUOTE", None)  # how much of a bad value a message quotes: not a limit
    assert defined == {}
    from simulator.cli.args import MAX_REPLICATIONS as cli_max
    from simulator.inputs.posterior import MAX_POSTERIOR_COLUMNS
    from simulator.inputs.scenario import MAX_PROJECTS
    from simulator.run.montecarlo import MAX_REPLICATIONS as run_max

    assert cli_max is run_max is limits.MAX_REPLICATIONS
    assert MAX_PROJECTS is limits.MAX_PROJECTS
    assert MAX_POSTERIOR_COLUMNS == limits.MAX_UNCERTAIN + 1
