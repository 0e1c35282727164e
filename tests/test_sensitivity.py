"""Sensitivity: ranges, known answers for OAT, Morris and Sobol, and the command."""

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import NEGOTIATION, ROOT, scenario

import simulator.cli as cli
from simulator.inputs.params import ParameterError
from simulator.study.sensitivity import parse_params, run_sensitivity

# negotiation median dominates; the pathway factor matters a little; the event never
# happens (probability 0), so its multiplier is a parameter the model never reads.
SCN = scenario(NEGOTIATION + """
events:
  - {name: never, probability: 0.0, lasts: 2, pathways: [c], duration_multiplier: 2.0}
""")
PARAMS = ["pathways.c.stages[0].duration.median=1:4", "correlation.pathway_factor_sigma=0.3:0.5",
          "events[0].duration_multiplier=1:3"]


def test_parse_params(tmp_path):
    default = parse_params(SCN, ["correlation.pathway_factor_sigma"])[0]
    assert (default.low, default.high, default.base) == pytest.approx((0.32, 0.48, 0.4))
    capacity = parse_params(SCN, ["pathways.c.stages[0].capacity"])[0]
    assert capacity.integer and (capacity.low, capacity.high) == (3, 5)
    dropout = parse_params(SCN, ["pathways.c.stages[1].dropout=0:0.3"])[0]
    assert (dropout.low, dropout.high) == (0, 0.3)
    file = tmp_path / "params.yaml"
    file.write_text(yaml.safe_dump([{"path": "correlation.pathway_factor_sigma", "min": 0.1,
                                     "max": 0.2}]))
    assert parse_params(SCN, [str(file)])[0].high == 0.2
    with pytest.raises(ParameterError, match="is 0: give a range"):
        parse_params(SCN, ["correlation.global_factor_sigma"])
    with pytest.raises(ParameterError, match="LOW:HIGH"):
        parse_params(SCN, ["correlation.pathway_factor_sigma=1-2"])
    with pytest.raises(ParameterError, match="not a key"):
        parse_params(SCN, ["pathways.d.annual_cap"])


def test_oat_tornado_in_native_units(tmp_path):
    result = run_sensitivity(SCN, parse_params(SCN, PARAMS), "oat", replications=400,
                             out=tmp_path / "oat")
    rows = result.indices.set_index(["output", "parameter"])
    median = rows.loc[("t probability", "pathways.c.stages[0].duration.median")]
    assert median.delta_low > 0 > median.delta_high  # faster → more likely, in pp
    assert median.unit == "pp" and abs(median.delta_low) > 5
    never = rows.loc[("t km²", "events[0].duration_multiplier")]
    assert never.swing == 0  # the model never reads it
    assert result.ranking("t km²").parameter.iloc[0] == "pathways.c.stages[0].duration.median"
    charts = sorted(p.name for p in (tmp_path / "oat" / "charts").iterdir())
    assert charts == ["tornado-t-km2.png", "tornado-t-km2.svg", "tornado-t-probability.png",
                      "tornado-t-probability.svg"]  # one readable figure per output
    text = (tmp_path / "oat" / "sensitivity.md").read_text()
    assert "most sensitive to `pathways.c.stages[0].duration.median`" in text
    # the unread parameter is not ranked: its effect is nothing at all
    assert "`events[0].duration_multiplier`" not in text
    assert "1 other parameter with no measurable effect" in text


@pytest.mark.slow
def test_sobol_unread_parameter_is_zero_and_dominant_ranks_first(tmp_path):
    result = run_sensitivity(SCN, parse_params(SCN, PARAMS), "sobol", replications=200,
                             samples=64, out=tmp_path / "sobol")
    for output in ("t probability", "t km²"):
        rows = result.indices[result.indices.output == output].set_index("parameter")
        unread = rows.loc["events[0].duration_multiplier"]
        assert abs(unread.ST) <= unread.ST_conf + 1e-9 and abs(unread.ST) < 0.02
        assert result.ranking(output).parameter.iloc[0] == "pathways.c.stages[0].duration.median"
        assert rows.loc["pathways.c.stages[0].duration.median"].ST > 0.5
    assert len(result.points) == 64 * (3 + 2)
    assert {"sobol-t-probability.png", "sobol-t-km2.svg"} <= {
        p.name for p in (tmp_path / "sobol" / "charts").iterdir()}
    text = (tmp_path / "sobol" / "sensitivity.md").read_text()
    assert "ST 0.00 ± 0.00" not in text and "`events[0].duration_multiplier`" not in text


def test_morris_ranks_the_dominant_parameter_first(tmp_path):
    result = run_sensitivity(SCN, parse_params(SCN, PARAMS), "morris", replications=200,
                             samples=8, out=tmp_path / "morris")
    ranking = result.ranking("t km²")
    assert ranking.parameter.iloc[0] == "pathways.c.stages[0].duration.median"
    unread = ranking.set_index("parameter").loc["events[0].duration_multiplier"]
    assert unread.mu_star == 0 and unread.sigma == 0
    assert np.isfinite(ranking.mu_star_conf).all()


def test_sensitivity_command(tmp_path, capsys):
    out = tmp_path / "s"
    # ±20 % of the cap moves the km² by 0.01 against a Monte Carlo error of 0.07: a range
    # that measurably moves it, so there is a chart and a headline to check
    assert cli.main(["sensitivity", str(ROOT / "scenarios" / "longgang-2025.yaml"), "--params",
                     "pathways.consolidation.annual_cap=0.3:1", "--method", "oat", "-n", "200",
                     "--out", str(out), "--workers", "1", "--lang", "en,zh", "-q"]) == 0
    assert "oat sensitivity of longgang-2025" in capsys.readouterr().out
    assert {"indices.csv", "points.csv", "sensitivity.md", "sensitivity.json", "charts",
            "charts-zh", "report.html", "report.zh.html"} <= {p.name for p in out.iterdir()}
    html = (out / "report.html").read_text(encoding="utf-8")
    swing = pd.read_csv(out / "indices.csv").query("output == 'consolidation-4 km²'").swing
    shown = float(re.search(r'id="headline" data-value="([^"]+)"', html).group(1))
    assert shown == pytest.approx(float(swing.abs().max()), rel=1e-5)  # CSV keeps 6 digits
    assert html.count("data:image/svg+xml;base64,") == len(list((out / "charts").glob("*.svg")))
    assert cli.main(["sensitivity", str(ROOT / "scenarios" / "longgang-2025.yaml"), "--params",
                     "pathways.consolidation.annual_cap", "--method", "sobol", "-q"]) == 2
    assert "sobol needs at least two parameters" in capsys.readouterr().err


def test_nothing_measurable_is_said_in_words(tmp_path):
    only_unread = ["events[0].duration_multiplier=1:3", "events[0].dropout_add=0:0.5"]
    result = run_sensitivity(SCN, parse_params(SCN, only_unread), "morris", replications=100,
                             samples=4, out=tmp_path / "m")
    text = (tmp_path / "m" / "sensitivity.md").read_text()
    assert all(result.ranking(o).empty for o in result.indices.output.unique())
    assert "most sensitive" not in text
    # outputs these parameters cannot move are said to be constant, not "without effect"
    assert "no measurable effect (variance" not in text
    assert sum(text.count(s) for s in ("the same at every one of the", "out of reach over the "
                                       "whole design", "certain over the whole design")
               ) == 2 * len(SCN.targets)
    assert not list((tmp_path / "m").glob("charts*/*"))  # no chart of nothing


def test_each_chart_fits_a_page_without_overlap(tmp_path):
    from PIL import Image

    run_sensitivity(SCN, parse_params(SCN, PARAMS), "oat", replications=100, out=tmp_path / "o")
    for png in (tmp_path / "o" / "charts").glob("*.png"):
        width, height = Image.open(png).size
        assert width == 1400 and height <= 2000, (png.name, width, height)  # A4-ish aspect
