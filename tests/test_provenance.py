"""What the reader is told about the inputs and the intervals: illustrative or assumed
status figures, status dates as dates, and what a 95 % interval covers."""

import datetime

import pytest
from conftest import ROOT

from simulator import load_scenario, scenario_from_dict, simulate
from simulator.cli import format_table, main
from simulator.inputs.status import status_provenance
from simulator.report.i18n import as_of_text, interval_text, notice_text, observed_text, status_date


@pytest.mark.parametrize("as_of, expected", [
    (2026.75, datetime.date(2026, 10, 1)),
    (2026.5, datetime.date(2026, 7, 1)),
    (2026.0, datetime.date(2026, 1, 1)),
    (2024 + 1 / 12, datetime.date(2024, 2, 1)),
    (2024.3, datetime.date(2024, 4, 19)),  # 0.3 × 366 days = day 109.8 of a leap year
])
def test_a_status_date_is_a_calendar_date(as_of, expected):
    assert status_date(as_of) == expected


def test_status_dates_read_as_dates_in_both_languages():
    assert as_of_text(2026.75, "en") == "1 October 2026"
    assert as_of_text(2026.75, "zh") == "2026年10月1日"
    assert as_of_text(2026, "en") == "the start of 2026"


def test_the_shipped_labels_give_each_status_part_its_kind():
    assert status_provenance(load_scenario(ROOT / "scenarios/status-2026.yaml")) == {
        "released": "illustrative", "pipeline": "illustrative", "notice": "illustrative"}
    plan = status_provenance(load_scenario(ROOT / "scenarios/plan-2024.yaml"))
    # batch 1 "released" is an inference from dates, not a reported figure: an assumption
    assert plan == {"released": "assumption", "pipeline": "assumption", "notice": "assumption"}
    assert notice_text(plan, "en") == ("Assumed inputs — not reported data: the released "
                                       "figures and the projects in progress at the status "
                                       "date. The odds hold only as far as they do.")
    assert observed_text(True, plan, "en") == "met (observed, assumed)"
    assert observed_text(True, {"released": "derived"}, "en") == "met (observed, derived)"
    assert observed_text(False, {"released": "sourced"}, "zh") == "未实现（实际）"
    assert notice_text({"released": "sourced", "pipeline": "derived", "notice": None}, "en") is None


def _fractional(released: dict) -> dict:
    return {
        "name": "mid-year",
        "horizon": {"start": 2024, "end": 2027},
        "targets": [{"name": "by-2027", "by": 2027, "km2": 2.0}],
        "pathways": {"p": {"plan": {2024: 1.0, 2026: 1.0}, "projects": 2,
                           "stages": [{"name": "s", "duration": 1.0}]}},
        "status": {"as_of": 2026.75, "released": released},
        "provenance": {"status.released": "sourced: the annual plan's report"},
    }


def test_a_fractional_status_date_with_no_figures_for_its_year_says_it_counts_zero():
    result = simulate(scenario_from_dict(_fractional({2024: {"p": 1.0}, 2025: {}})), replications=20,
                      seed=1)
    text = format_table(result)
    assert "as of 1 October 2026: forecast from the status date, given the releases up to " \
           "1 October 2026" in text
    assert "No release is recorded for 2026 yet: 2026 counts 0 km² up to 1 October 2026." in text
    assert result.summary()["status"]["zero_so_far"] == 2026
    assert "Illustrative" not in text and "Assumed" not in text  # sourced figures: no banner
    # with a figure for 2026, nothing to say
    other = simulate(scenario_from_dict(_fractional({2024: {"p": 1.0}, 2025: {}, 2026: {"p": 0.2}})),
                     replications=20, seed=1)
    assert "No release is recorded" not in format_table(other)
    assert other.summary()["status"]["zero_so_far"] is None


def test_the_printed_table_says_what_the_intervals_cover(tmp_path, capsys):
    assert main(["run", str(ROOT / "scenarios/baseline-uncertain.yaml"), "-n", "400",
                 "--no-report", "--no-levers", "--out", str(tmp_path / "u")]) == 0
    out = capsys.readouterr().out
    k = len(load_scenario(ROOT / "scenarios/baseline-uncertain.yaml").uncertain)
    assert (f"The 95% intervals cover Monte Carlo error only (400 replications); the "
            f"probabilities integrate the uncertainty of {k} parameters, drawn from their "
            "priors in each replication.") in out
    assert interval_text(400, 3, 3, "en").endswith("drawn from the calibrated posterior in "
                                                   "each replication.")
    assert "from the calibrated posterior (2 of them) and from their priors" in interval_text(
        400, 3, 2, "en")


def test_the_printed_table_flags_illustrative_history(tmp_path, capsys):
    assert main(["run", str(ROOT / "scenarios/status-2026.yaml"), "-n", "200",
                 "--no-report", "--no-levers", "--out", str(tmp_path / "s")]) == 0
    lines = capsys.readouterr().out.splitlines()
    banner = next(i for i, x in enumerate(lines) if x.startswith("Illustrative inputs"))
    header = next(i for i, x in enumerate(lines) if x.startswith("target ") and "P(meet)" in x)
    assert banner < header
    assert "released 23.80 km² (illustrative)" in "\n".join(lines)
    rows = {x.split()[0]: x for x in lines[header + 1:] if x.strip()}
    for name in ("batch-1", "batch-2", "binding-2025"):
        assert "missed  (observed, illustrative)" in rows[name]
    assert "missed  (observed, illustrative)" in rows["all"] and "%" not in rows["all"]
