"""Bad scenarios produce one clear problem each: file, line, key path, what is allowed."""


import pytest

from simulator import ScenarioError, load_scenario

GOOD = """\
name: tiny
horizon: {start: 2022, end: 2030}
targets:
  - {name: t, by: 2025, km2: 3}
pathways:
  consolidation:
    plan: {2023: 2.0, 2024: 2.0}
    projects: 4
    stages:
      - name: negotiation
        duration: {dist: lognormal, median: 2.0, sigma: 0.6}
        dropout: 0.1
        capacity: 3
      - name: clearance
        duration: 1.0
  renewal:
    plan: {2024: 1.0}
    projects: 2
    stages:
      - {name: unit-plan, duration: 2}
  undetermined:
    plan: {2028: 1.0}
    projects: 2
    route: {after: 2026, delay: {dist: exponential, mean: 1}, to: {consolidation: 0.7, renewal: 0.3}}
events:
  - {name: downturn, probability: 0.1, lasts: 2, pathways: [renewal], duration_multiplier: 1.5}
"""


def load_text(write_yaml, text):
    path = write_yaml(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return path, info.value.problems


def test_the_base_scenario_is_valid(write_yaml):
    scn = load_scenario(write_yaml(GOOD))
    assert scn.name == "tiny" and list(scn.pathways) == ["consolidation", "renewal", "undetermined"]


# (replace this line of GOOD, with this one) → (key path, message fragment, line)
CASES = {
    "unknown key with a suggestion": (
        "duration: {dist: lognormal, median: 2.0, sigma: 0.6}",
        "duration: {dist: lognormal, median: 2.0, sigm: 0.6}",
        "pathways.consolidation.stages[0].duration.sigm",
        "did you mean 'sigma'",
        11,
    ),
    "unknown pathway key": (
        "    projects: 4\n",
        "    projects: 4\n    colour: red\n",
        "pathways.consolidation.colour",
        "allowed here: label, label_zh, plan, projects, stages, route, yield, annual_cap",
        9,
    ),
    "wrong type": (
        "{name: t, by: 2025, km2: 3}",
        "{name: t, by: 2025, km2: three}",
        "targets[0].km2",
        "must be a number (got text 'three')",
        4,
    ),
    "a quoted number is text, not a number": (
        "dropout: 0.1",
        "dropout: '0.1'",
        "pathways.consolidation.stages[0].dropout",
        "must be a number",
        12,
    ),
    "negative area": (
        "plan: {2024: 1.0}",
        "plan: {2024: -1.0}",
        "pathways.renewal.plan.2024",
        "must be > 0",
        17,
    ),
    "zero duration": (
        "duration: 1.0",
        "duration: 0",
        "pathways.consolidation.stages[1].duration",
        "durations must be positive",
        15,
    ),
    "negative sigma": (
        "sigma: 0.6}",
        "sigma: -0.6}",
        "pathways.consolidation.stages[0].duration.sigma",
        "must be ≥ 0",
        11,
    ),
    "probability above one": (
        "dropout: 0.1",
        "dropout: 1.5",
        "pathways.consolidation.stages[0].dropout",
        "must be ≤ 1",
        12,
    ),
    "event probability below zero": (
        "probability: 0.1",
        "probability: -0.1",
        "events[0].probability",
        "must be ≥ 0",
        26,
    ),
    "from after by": (
        "{name: t, by: 2025, km2: 3}",
        "{name: t, from: 2026, by: 2025, km2: 3}",
        "targets[0].from",
        "from (2026) is after by (2025)",
        4,
    ),
    "target year outside the horizon": (
        "{name: t, by: 2025, km2: 3}",
        "{name: t, by: 2040, km2: 3}",
        "targets[0].by",
        "outside the horizon",
        4,
    ),
    "plan year outside the horizon": (
        "plan: {2024: 1.0}",
        "plan: {2024: 1.0, 2031: 1.0}",
        "pathways.renewal.plan.2031",
        "outside the horizon; the horizon is 2022–2030",
        17,
    ),
    "route to an unknown pathway": (
        "to: {consolidation: 0.7, renewal: 0.3}",
        "to: {consolidaton: 0.7, renewal: 0.3}",
        "pathways.undetermined.route.to.consolidaton",
        "did you mean 'consolidation'",
        24,
    ),
    "target pathway unknown": (
        "{name: t, by: 2025, km2: 3}",
        "{name: t, by: 2025, km2: 3, pathways: [renewl]}",
        "targets[0].pathways[0]",
        "'renewl' is not a pathway (did you mean 'renewal'?)",
        4,
    ),
    "event pathway unknown": (
        "pathways: [renewal], duration",
        "pathways: [housing], duration",
        "events[0].pathways[0]",
        "'housing' is not a pathway",
        26,
    ),
    "route weights not summing to one": (
        "to: {consolidation: 0.7, renewal: 0.3}",
        "to: {consolidation: 0.7, renewal: 0.2}",
        "pathways.undetermined.route.to",
        "weights sum to 0.9, not 1",
        24,
    ),
    "empty plan": (
        "plan: {2024: 1.0}",
        "plan: {}",
        "pathways.renewal.plan",
        "must not be empty",
        17,
    ),
    "missing required key": (
        "horizon: {start: 2022, end: 2030}\n",
        "",
        "horizon",
        "required key is missing",
        None,
    ),
    "unknown distribution": (
        "{dist: exponential, mean: 1}",
        "{dist: expo, mean: 1}",
        "pathways.undetermined.route.delay.dist",
        "unknown distribution 'expo'",
        24,
    ),
    "too many projects": (
        "    projects: 4\n",
        "    projects: 2000000\n",
        "pathways.consolidation.projects.count",
        "must be ≤ 10000",
        8,
    ),
    "fewer projects than planned years": (
        "    projects: 4\n",
        "    projects: 1\n",
        "pathways.consolidation.projects",
        "1 projects cannot cover 2 planned years",
        8,
    ),
    "bad scenario name": (
        "name: tiny",
        "name: Tiny Scenario",
        "name",
        "not a valid name",
        1,
    ),
    "duplicate key": (
        "    projects: 4\n",
        "    projects: 4\n    projects: 5\n",
        "pathways.consolidation.projects",
        "duplicate key (first given at line 8)",
        9,
    ),
    "headline that is not a target": (
        "name: tiny\n",
        "name: tiny\nheadline: tt\n",
        "headline",
        "'tt' is not a target (did you mean 't'?)",
        2,
    ),
    "yield outside [0, 1]": (
        "    projects: 2\n    stages:",
        "    projects: 2\n    yield: 1.2\n    stages:",
        "pathways.renewal.yield",
        "a yield must lie in [0, 1]",
        19,
    ),
    "capacity zero": (
        "capacity: 3",
        "capacity: 0",
        "pathways.consolidation.stages[0].capacity",
        "must be ≥ 1",
        13,
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_reported_precisely(write_yaml, case):
    old, new, path, fragment, line = CASES[case]
    assert old in GOOD, "test case does not apply to GOOD"
    file, problems = load_text(write_yaml, GOOD.replace(old, new, 1))
    matching = [p for p in problems if p.path == path]
    assert matching, f"no problem at {path}: {[str(p) for p in problems]}"
    problem = matching[0]
    assert fragment in problem.message
    assert problem.file == str(file)
    assert problem.line == line
    assert str(problem).startswith(f"{file}:{line}: {path}: " if line else f"{file}: {path}: ")


def test_every_problem_is_reported_at_once(write_yaml):
    text = GOOD.replace("dropout: 0.1", "dropout: 1.5").replace("km2: 3", "km2: -3")
    _, problems = load_text(write_yaml, text)
    assert {p.path for p in problems} >= {
        "pathways.consolidation.stages[0].dropout",
        "targets[0].km2",
    }


def test_yaml_syntax_error_names_the_line(write_yaml):
    _, problems = load_text(write_yaml, GOOD.replace("plan: {2024: 1.0}", "plan: {2024: 1.0"))
    assert len(problems) == 1
    assert "YAML syntax error" in problems[0].message and problems[0].line is not None


def test_python_tags_are_refused(write_yaml):
    text = GOOD.replace("name: tiny", "name: !!python/object/apply:os.system ['echo pwned']")
    _, problems = load_text(write_yaml, text)
    assert "!!python/object/apply:os.system" in problems[0].message
    assert "safe loader" in problems[0].message and problems[0].line == 1


@pytest.mark.parametrize(
    "text, fragment",
    [("- a\n- b\n", "must be a mapping of keys, not list"), ("", "the file is empty"),
     ("just text\n", "must be a mapping of keys, not str")],
)
def test_a_file_that_is_not_a_mapping(write_yaml, text, fragment):
    _, problems = load_text(write_yaml, text)
    assert fragment in problems[0].message


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(binary)


def test_provenance_comments_are_collected(write_yaml):
    text = GOOD.replace("dropout: 0.1", "dropout: 0.1  # sourced: annual review 2021").replace(
        "{2023: 2.0, 2024: 2.0}", "{2023: 2.0, 2024: 2.0}  # derived: 4 km² over two years"
    )
    scn = load_scenario(write_yaml(text))
    assert scn.label_of("pathways.consolidation.stages[0].dropout") == "sourced: annual review 2021"
    assert scn.label_of("pathways.consolidation.plan.2024") == "derived: 4 km² over two years"
    assert scn.label_of("pathways.consolidation.stages[0].capacity") is None


def test_hash_inside_quotes_is_not_a_comment(write_yaml):
    text = GOOD.replace("name: tiny", 'name: tiny\ntitle: "Plan #2 # assumption: no"')
    scn = load_scenario(write_yaml(text))
    assert scn.title == "Plan #2 # assumption: no"
    assert scn.label_of("title") is None
