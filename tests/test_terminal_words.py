"""What a run prints (issue 38, item 6): the report's quotable headline above the table, how
many inputs are assumptions and which drive the answer, no levers' time without levers, and
a rerun line that reproduces a --precision run."""

from __future__ import annotations

import re
import textwrap

import pytest
from conftest import ROOT

from simulator import load_scenario
from simulator.cli import main
from simulator.report.html import headline_sentence
from simulator.report.rundata import RunData


def test_the_headline_sentence_is_printed_above_the_table(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["run", str(ROOT / "scenarios/status-2026.yaml"), "-n", "300", "--no-report",
                 "--no-levers", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    sentence = headline_sentence(RunData.load(out), "en")
    assert sentence.startswith("Release by the end of 2035:")
    assert textwrap.fill(sentence, 100) in printed
    assert printed.index(textwrap.fill(sentence, 100)) < printed.index("P(meet)")
    # inputs: how many of each label, and what the odds depend on most
    scenario = load_scenario(ROOT / "scenarios/status-2026.yaml")
    kinds = [v.partition(":")[0].strip() for v in scenario.provenance.values()]
    line = next(x for x in printed.splitlines() if x.startswith("Inputs: "))
    assert line.startswith(f"Inputs: {len(kinds)} labelled values — {kinds.count('sourced')} "
                           f"sourced, {kinds.count('derived')} derived, "
                           f"{kinds.count('assumption')} assumptions")
    # a target that needs nearly all the plan has left says so (it read as a bug)
    import json

    accounting = json.loads((out / "summary.json").read_text())["status"]["accounting"]
    released = sum(a["released_km2"] for a in accounting.values())
    left = sum(a["pipeline_km2"] + a["not_started_km2"] for a in accounting.values())
    assert (f"plan-2035: {released:.1f} km² were released by the start of 2026; the "
            f"{59 - released:.1f} km² still needed are {(59 - released) / left:.0%} of the "
            f"{left:.1f} km² the plan has left") in printed
    depends = next(x for x in printed.splitlines() if x.startswith("The odds of plan-2035 "))
    assert re.search(r"depend most on: \S+ \(0\.\d\d, (derived|assumption|sourced)\)", depends)


@pytest.mark.slow
def test_a_scenario_without_levers_prints_no_levers_time(tmp_path, capsys):
    assert main(["run", str(ROOT / "scenarios/longgang-2025.yaml"), "-n", "200",
                 "--out", str(tmp_path / "l")]) == 0
    printed = capsys.readouterr().out
    assert " s levers" not in printed  # before: "0.0 s levers (--no-levers skips them)"
    assert "rerun with --seed 0 -n 200 to reproduce" in printed


def test_a_precision_run_says_how_to_reproduce_it(tmp_path, capsys):
    assert main(["run", str(ROOT / "scenarios/baseline.yaml"), "--precision", "0.05",
                 "--max-replications", "4000", "--no-report", "-q",
                 "--out", str(tmp_path / "p")]) == 0
    printed = capsys.readouterr().out
    assert "rerun with --seed 0 --precision 0.05 --max-replications 4000 to reproduce" in printed


def test_charts_that_would_mislead_say_what_they_show():
    """The fan chart's history says what its figures are; two targets with the same S-curve
    say so instead of one hiding the other (issue 38, item 4)."""
    import yaml

    from simulator import scenario_from_dict
    from simulator.report.charts import fan_chart, s_curve_chart
    from simulator.run.montecarlo import simulate

    status = simulate(load_scenario(ROOT / "scenarios/status-2026.yaml"), replications=200,
                      seed=0, keep_replications=False)
    legend = [x.get_text() for x in fan_chart(RunData.from_result(status)).get_legend().texts]
    assert "Actual (illustrative)" in legend and "Actual" not in legend
    data = yaml.safe_load((ROOT / "scenarios/baseline.yaml").read_text(encoding="utf-8"))
    twin = dict(data["targets"][1], name="batch-2-again", label="Batch 2 again")
    data["targets"].insert(2, twin)
    run = RunData.from_result(simulate(scenario_from_dict(data), replications=200, seed=0,
                                       keep_replications=False))
    for lang, words in (("en", "the same line as"), ("zh", "重合")):
        texts = [x.get_text() for x in s_curve_chart(run, lang=lang).get_legend().texts]
        same = [x for x in texts if words in x]
        assert len(same) == 1 and same[0].startswith(
            "Batch 2 again" if lang == "en" else "第二批"), texts  # the twin copies label_zh
