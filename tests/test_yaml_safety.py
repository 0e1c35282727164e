"""YAML that cannot exhaust memory or time, and that means what it says."""

import time
from pathlib import Path

import pytest
import yaml
from conftest import NEGOTIATION, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator.cli as cli
from simulator import ScenarioError, load_scenario
from simulator.inputs.yamlsource import MAX_FILE_BYTES, parse_yaml_text

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "\n".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]" for p, c in zip("abcdefgh", "bcdefghi")
)  # the "billion laughs": ten lines, 9**9 items once expanded


def validate(path, capsys) -> tuple[int, str, float]:
    started = time.perf_counter()
    code = cli.main(["validate", str(path)])
    return code, capsys.readouterr().err, time.perf_counter() - started


def test_an_alias_bomb_is_refused_within_a_second(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + "\nname: x\n")
    code, err, seconds = validate(path, capsys)
    assert code == 2 and "aliases expand to more than" in err and seconds < 1.0


@pytest.mark.parametrize("command", ["sweep", "sensitivity-params", "set"])
def test_every_yaml_input_is_bounded(tmp_path, capsys, command):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB + "\n")
    (tmp_path / "tiny.yaml").write_text(NEGOTIATION)
    args = {
        "sweep": ["sweep", str(bomb)],
        "sensitivity-params": ["sensitivity", str(tmp_path / "tiny.yaml"), "--params", str(bomb)],
        "set": ["run", str(tmp_path / "tiny.yaml"), "--set",
                "correlation.pathway_factor_sigma=" + "[&a [1,1,1,1,1,1,1,1,1,1], "
                + ", ".join(f"&{c} [" + ",".join([f"*{p}"] * 10) + "]"
                            for p, c in zip("abcdefg", "bcdefgh")) + "]"],
    }[command]
    started = time.perf_counter()
    assert cli.main(args) == 2
    assert time.perf_counter() - started < 1.0
    assert "expand to more than" in capsys.readouterr().err


@pytest.mark.parametrize("text, message", [
    ("a: &a [*a]\n", "recursive alias"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ("a: " + "[" * 45 + "]" * 45 + "\n", "nested too deeply"),
    ("name: x\x00\n", "NUL byte"),
    ("a: !!python/object/apply:os.system ['true']\n", "not allowed"),
])
def test_hostile_documents_get_a_message_not_a_traceback(tmp_path, capsys, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, err, seconds = validate(path, capsys)
    assert code == 2 and message in err and seconds < 1.0


def test_large_files_and_devices_are_read_only_up_to_the_limit(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    code, err, seconds = validate(big, capsys)
    assert code == 2 and "larger than" in err and seconds < 1.0
    if Path("/dev/zero").exists():
        code, err, seconds = validate("/dev/zero", capsys)
        assert code == 2 and "larger than" in err and seconds < 1.0


def test_keys_that_resolve_to_the_same_year_are_duplicates(tmp_path, capsys):
    text = NEGOTIATION.replace("plan: {2025: 3.0, 2026: 3.0}",
                               "plan:\n      2022: 3.0\n      2022.0: 3.0\n      2026: 1.0")
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    code, err, _ = validate(path, capsys)
    assert code == 2 and "duplicate key" in err
    assert ":8:" in err and "line 7" in err  # both lines named


@pytest.mark.parametrize("spelling", ["0x7E6", "03746", "33:42", "2_022", "1_000.5"])
def test_numbers_other_than_plain_decimals_are_refused(tmp_path, capsys, spelling):
    """YAML 1.1 reads these as numbers (hex, octal, base 60, underscores): a scenario meant
    none of them — `2_0` read as 20 is a silent typo."""
    text = NEGOTIATION.replace("plan: {2025: 3.0, 2026: 3.0}",
                               f"plan:\n      2022: 3.0\n      {spelling}: 3.0\n      2026: 1.0")
    path = tmp_path / "num.yaml"
    path.write_text(text)
    code, err, _ = validate(path, capsys)
    assert code == 2 and f"num.yaml:8: '{spelling}': write numbers as plain decimals" in err


def test_merge_keys_are_supported_and_later_keys_win(tmp_path):
    text = NEGOTIATION.replace(
        "    stages:\n      - {name: negotiation, duration: {dist: lognormal, median: 2.0, "
        "sigma: 0.5}, capacity: 4}\n      - {name: clearance, duration: 1.0, dropout: 0.1}",
        "    stages:\n      - &stage {name: negotiation, duration: {dist: lognormal, median: 2.0,"
        " sigma: 0.5}, capacity: 4}\n      - <<: *stage\n        name: clearance\n"
        "        duration: 1.0\n        dropout: 0.1\n        capacity: 9")
    assert text != NEGOTIATION
    path = tmp_path / "merge.yaml"
    path.write_text(text)
    stages = load_scenario(path).pathways["c"].stages
    assert stages[1].name == "clearance" and stages[1].capacity == 9
    assert stages[1].dropout == 0.1 and stages[1].duration.nominal_value() == 1.0


def test_a_real_duplicate_next_to_a_merge_is_still_reported(tmp_path):
    with pytest.raises(ScenarioError, match="duplicate key"):
        parse_yaml_text("base: &b {x: 1}\nthing:\n  <<: *b\n  y: 2\n  y: 3\n")


# ---------------------------------------------------------------- fuzzing validate

SHIPPED = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
TOKENS = ["", " ", "\n", ":", "- ", "[", "]", "{", "}", "&a ", "*a", "<<: ", "!!", "#", "'",
          '"', "0x7E6", "1e400", "-1", "null", "~", "\t", "\x00", "é", "2022:", "    "]

yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.text(max_size=10) | st.integers(1900, 2200), inner, max_size=5),
    max_leaves=30,
)


@st.composite
def mutated_scenarios(draw):
    text = draw(st.sampled_from(SHIPPED))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 20))
        text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at + cut:]
    return text


@pytest.fixture(scope="module", autouse=True)
def _warm():
    """Import what a valid scenario's validate uses (the engine for its ceilings, the cost
    estimate; scipy's distributions for a schedule quantile) once, so that the one-second
    bounds below time the input, not the imports."""
    import scipy.stats  # noqa: F401

    cli.main(["validate", str(Path(__file__).resolve().parents[1] / "scenarios" /
                              "baseline-uncertain.yaml")])


def assert_validate_is_clean(tmp_path, text: str) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    # CPU seconds of this process, not wall time: the bound is on the work an input causes,
    # which a shared machine's load does not change
    started = time.process_time()
    code = cli.main(["validate", str(path)])  # an exception here is a failure: a traceback
    assert code in (0, 2)
    assert time.process_time() - started < 1.0


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated_scenarios())
def test_fuzz_mutated_scenarios(tmp_path, capsys, text):
    assert_validate_is_clean(tmp_path, text)
    capsys.readouterr()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=yaml_values)
def test_fuzz_random_documents(tmp_path, capsys, doc):
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except (yaml.YAMLError, UnicodeEncodeError):
        return
    assert_validate_is_clean(tmp_path, text)
    capsys.readouterr()
