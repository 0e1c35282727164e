"""Sensitivity never ranks noise: the measurability test, known answers (Ishigami), Morris on
integer parameters in their units, Sobol's convergence checks and second order, the words."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import NEGOTIATION, ROOT, scenario
from SALib.analyze import morris as salib_morris
from SALib.test_functions import Ishigami

import simulator.cli as cli
from simulator import load_scenario
from simulator.run.backends import LocalBackend
from simulator.run.montecarlo import simulate
from simulator.run.stats import wilson_interval
from simulator.study.points import achieved_sd
from simulator.study.sensitivity import (
    ParamRange,
    build_design,
    design_size,
    parse_params,
    run_sensitivity,
)
from simulator.study.sensitivity_analysis import (
    analyse_output,
    noise_threshold,
    output_noise,
    probability_variance,
    suggested_samples,
)
from simulator.study.sensitivity_text import describe

ISHIGAMI = [ParamRange(f"x{i}", -math.pi, math.pi, 0.0) for i in (1, 2, 3)]
# Ishigami (a = 7, b = 0.1): S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244), S13 = 0.244
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])
S1_TRUE = np.array([0.3139, 0.4424, 0.0])


def _wilson_variance(hits: np.ndarray, n: int) -> np.ndarray:
    low, high = np.array([wilson_interval(int(h), n) for h in hits]).T
    return probability_variance(low, high)


@pytest.mark.parametrize("method,samples", [("oat", 1), ("morris", 10), ("sobol", 64)])
def test_a_constant_output_is_not_measurable_and_not_ranked(method, samples):
    design = build_design(ISHIGAMI, method, samples, seed=0)
    y = np.full(len(design), 0.25)
    found = analyse_output(method, ISHIGAMI, design, y, np.full(len(design), 1e-4))
    assert not found.noise.measurable and not found.rows.measurable.any()
    assert not found.rows.output_measurable.any()


@pytest.mark.parametrize("method,samples", [("oat", 1), ("morris", 10), ("sobol", 64)])
def test_pure_monte_carlo_noise_is_not_measurable(method, samples):
    # what a parameter that does nothing looks like: each point an estimate of the same
    # probability from 1,000 replications, drawn independently (no common random numbers)
    design = build_design(ISHIGAMI, method, samples, seed=0)
    hits = np.random.default_rng(1).binomial(1000, 0.3, size=len(design))
    y = hits / 1000
    found = analyse_output(method, ISHIGAMI, design, y, _wilson_variance(hits, 1000), seed=0)
    assert not found.noise.measurable and not found.rows.measurable.any()
    assert 0.5 < found.noise.ratio < found.noise.threshold


def test_the_noise_test_calls_noise_measurable_about_once_in_a_hundred():
    rng = np.random.default_rng(0)
    v = np.full(384, 1e-4)
    called = sum(output_noise(0.3 + rng.normal(0, 1e-2, 384), v).measurable
                 for _ in range(1000))
    assert called <= 20  # level 1 % (0.5 % with ddof = 1 at this seed)
    assert noise_threshold(9) == pytest.approx(20.09 / 8, rel=1e-3)
    assert noise_threshold(384) == pytest.approx(1.18, abs=0.005)


def test_a_probability_at_zero_still_has_monte_carlo_noise():
    low, high = wilson_interval(0, 1000)
    assert probability_variance(low, high) == pytest.approx(0.96 / 1000**2, rel=0.01)
    low, high = wilson_interval(500, 1000)
    assert probability_variance(low, high) == pytest.approx(0.25 / 1000, rel=0.01)
    assert probability_variance(0.4, 0.4) == 0  # an observed outcome: no sampling error


def test_oat_two_replications_in_a_thousand_are_not_an_effect():
    params = ISHIGAMI[:2]
    hits = np.array([0, 2, 0, 0, 1])  # base; x1 low, high; x2 low, high
    found = analyse_output("oat", params, build_design(params, "oat", 1, 0), hits / 1000,
                           _wilson_variance(hits, 1000))
    assert not found.rows.measurable.any()
    swing = found.rows.set_index("parameter").loc["x1"]
    assert swing.swing == pytest.approx(0.002) and swing.swing_conf > 0.002
    # a real effect: 30 % → 40 % of 1,000
    hits = np.array([300, 300, 400, 300, 300])
    found = analyse_output("oat", params, build_design(params, "oat", 1, 0), hits / 1000,
                           _wilson_variance(hits, 1000))
    assert found.rows.measurable.tolist() == [True, False]


def test_ishigami_sobol_ranking_and_checks():
    design = build_design(ISHIGAMI, "sobol", 4096, seed=0, second_order=True)
    y = Ishigami.evaluate(design.to_numpy())
    found = analyse_output("sobol", ISHIGAMI, design, y, np.zeros(len(y)), seed=0,
                           second_order=True)
    rows = found.rows
    assert rows.sort_values("ST", ascending=False).parameter.tolist() == ["x1", "x2", "x3"]
    # within the bootstrap intervals (plus the estimators' small bias at N = 4,096)
    assert np.all(np.abs(rows.ST - ST_TRUE) <= rows.ST_conf + 0.01)
    assert np.all(np.abs(rows.S1 - S1_TRUE) <= rows.S1_conf + 0.01)
    assert not rows.s1_above_st.any() and rows.converged.all() and rows.measurable.all()
    assert rows.set_index("parameter").ST_conf.max() < 0.05
    # second order: only x1 × x3 interacts (S13 = 0.244)
    pairs = found.pairs.set_index(["parameter", "parameter_2"])
    assert pairs.measurable.tolist() == [False, True, False]
    assert abs(pairs.loc[("x1", "x3")].S2 - 0.2437) <= pairs.loc[("x1", "x3")].S2_conf


def test_sobol_flags_a_small_n_and_suggests_one():
    design = build_design(ISHIGAMI, "sobol", 32, seed=0)
    y = Ishigami.evaluate(design.to_numpy())
    rows = analyse_output("sobol", ISHIGAMI, design, y, np.zeros(len(y))).rows
    assert (rows.ST_conf > 0.1).any() and not rows.converged.all()
    width = float(rows.ST_conf.max())
    suggested = suggested_samples(width, 32)
    assert suggested & (suggested - 1) == 0  # a power of two
    # half-widths fall as 1/√N: at the suggestion, the widest is expected at ≤ 0.05
    assert width * math.sqrt(32 / suggested) <= 0.05 < width * math.sqrt(32 / (suggested / 2))
    assert suggested_samples(0.01, 64) == 128  # converged already: at least a doubling


def test_sobol_flags_s1_above_st():
    params = ISHIGAMI[:2]
    design = build_design(params, "sobol", 16, seed=0)
    x = design.to_numpy()
    # an additive output; then, at the A and B points only (blocks of 4: A, AB1, AB2, B),
    # a large x1 term that AB points lack: S1 (from B·(AB − A)) and ST disagree
    y = x[:, 0] + 0.1 * x[:, 1]
    found = analyse_output("sobol", params, design, y, np.zeros(len(y)), seed=0)
    assert not found.rows.s1_above_st.any()
    broken = y.copy()
    broken[3::4] += 30 * x[3::4, 0]
    found = analyse_output("sobol", params, design, broken, np.zeros(len(y)), seed=0)
    rows = found.rows.set_index("parameter")
    assert rows.loc["x1"].s1_above_st and not rows.loc["x1"].converged


def test_morris_integer_parameter_in_its_units():
    # y = 3 × capacity on an integer range 17:19: μ* is the change over the whole range, 6
    params = [ParamRange("capacity", 17, 19, 18, integer=True),
              ParamRange("median", 2.0, 4.0, 3.0)]
    design = build_design(params, "morris", 20, seed=0)
    assert set(design.capacity) <= {17, 18, 19}
    y = 3.0 * design.capacity.to_numpy(float) + 0.5 * design["median"].to_numpy()
    rows = analyse_output("morris", params, design, y, np.zeros(len(y))).rows.set_index(
        "parameter")
    assert rows.loc["capacity"].mu_star == pytest.approx(3.0 * (19 - 17), abs=1e-12)
    assert rows.loc["capacity"].mu == pytest.approx(6.0, abs=1e-12)
    assert rows.loc["capacity"].sigma == pytest.approx(0.0, abs=1e-12)
    assert rows.loc["median"].mu_star == pytest.approx(0.5 * (4.0 - 2.0), abs=1e-12)
    # SALib divides the rounded step by the nominal Δ = 2/3 of the range: 25 % low
    problem = {"num_vars": 2, "names": ["capacity", "median"], "bounds": [[17, 19], [2, 4]]}
    salib = salib_morris.analyze(problem, design.to_numpy(float), y, num_levels=4, seed=0)
    assert salib["mu_star"][0] == pytest.approx(4.5)


def test_morris_continuous_parameters_equal_salib():
    design = build_design(ISHIGAMI, "morris", 20, seed=3)
    y = Ishigami.evaluate(design.to_numpy())
    ours = analyse_output("morris", ISHIGAMI, design, y, np.zeros(len(y)), seed=3).rows
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    salib = salib_morris.analyze(problem, design.to_numpy(), y, num_levels=4, seed=3)
    for key in ("mu_star", "mu", "sigma", "mu_star_conf"):
        np.testing.assert_allclose(ours[key], salib[key], rtol=1e-12, atol=1e-12)


def test_design_size_counts_the_points_built():
    for method, samples, second in [("oat", 1, False), ("morris", 5, False),
                                    ("sobol", 8, False), ("sobol", 8, True)]:
        built = build_design(ISHIGAMI, method, samples, 0, second_order=second)
        assert design_size(method, 3, samples, second) == len(built)
    assert design_size("sobol", 4, 64) == 384 and design_size("sobol", 4, 64, True) == 640


def test_achieved_sd_is_the_replications_sd():
    scn = scenario(NEGOTIATION)
    result = simulate(scn, replications=300, seed=2, keep_replications=True)
    np.testing.assert_allclose(achieved_sd(result.tally), result.achieved.std(axis=0, ddof=1),
                               rtol=1e-9)


def test_unmeasurable_outputs_in_words_in_both_reports(tmp_path):
    scn = scenario(NEGOTIATION + """
events:
  - {name: never, probability: 0.0, lasts: 2, pathways: [c], duration_multiplier: 2.0}
""")
    unread = ["events[0].duration_multiplier=1:3", "events[0].dropout_add=0:0.5"]
    result = run_sensitivity(scn, parse_params(scn, unread), "sobol", replications=50,
                             samples=4, out=tmp_path / "s", langs=("en", "zh"))
    assert not result.indices.measurable.any() and not result.indices.output_measurable.any()
    assert all(result.ranking(o).empty for o in result.indices.output.unique())
    indices = pd.read_csv(tmp_path / "s" / "indices.csv")
    assert {"measurable", "output_measurable", "converged", "ST_noise"} <= set(indices.columns)
    html = (tmp_path / "s" / "report.html").read_text(encoding="utf-8").replace("<wbr>", "")
    # an event that never happens moves nothing: each output is the same at every point
    assert "the same at every one of the 16 points" in html
    assert "is the same at every one of the 16 points: nothing in these ranges" in html
    zh = (tmp_path / "s" / "report.zh.html").read_text(encoding="utf-8").replace("<wbr>", "")
    assert "全部16个点取值相同" in zh.replace(" ", "")
    assert not list((tmp_path / "s").glob("charts*/*"))  # no bars of noise


def test_second_order_on_the_command_line(tmp_path, capsys):
    scn = str(ROOT / "scenarios" / "longgang-2025.yaml")
    params = ["pathways.consolidation.annual_cap=0.3:1",
              "pathways.consolidation.stages[0].duration.median"]
    assert cli.main(["sensitivity", scn, "--params", *params, "--method", "oat",
                     "--second-order", "-q"]) == 2
    assert "--second-order is for --method sobol" in capsys.readouterr().err
    out = tmp_path / "s2"
    assert cli.main(["sensitivity", scn, "--params", *params, "--method", "sobol",
                     "--samples", "4", "-n", "50", "--second-order", "--out", str(out),
                     "--workers", "1", "-q"]) == 0
    printed = capsys.readouterr().out
    assert "24 points" in printed and "indices_s2.csv" in printed  # 4 × (2 × 2 + 2)
    pairs = pd.read_csv(out / "indices_s2.csv")
    assert list(pairs.columns[:8]) == ["output", "target", "measure", "unit", "parameter",
                                       "parameter_2", "S2", "S2_conf"]
    assert len(pairs) == 2  # one pair, two outputs


def _baseline_sobol(samples: int, replications: int, workers: int = 1):
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    params = parse_params(base, [str(ROOT / "scenarios" / "sensitivity" /
                                     "baseline-params.yaml")])
    return run_sensitivity(base, params, "sobol", replications=replications, samples=samples,
                           backend=LocalBackend(workers))


BATCH_2 = ("## batch-2\n- **probability of meeting it**: out of reach over the whole design: "
           "0 % at every one of the")


def test_baseline_sobol_batch_2_probability_is_out_of_reach_over_the_whole_design():
    result = _baseline_sobol(8, 200)
    rows = result.indices[result.indices.output == "batch-2 probability"]
    assert not rows.measurable.any() and not rows.output_measurable.any()
    assert BATCH_2 in describe(result)
    assert set(rows.output_state) == {"out of reach"}
    assert result.ranking("batch-2 probability").empty


@pytest.mark.slow
def test_baseline_sobol_at_the_issue_size():  # N = 64, 1,000 replications: ~60 CPU-s
    # two processes (the answer does not depend on them): when this is the suite's last
    # test, the core the other pytest worker left idle shortens the tail by half
    result = _baseline_sobol(64, 1000, workers=2)
    text = describe(result)
    # three probabilities are 0 at every point: out of reach, not "no measurable effect";
    # batch 2's is not (7 of 384 points above 0), and with the noise of differences under
    # common random numbers its variance is measurable (before: called noise)
    for name in ("batch-1", "binding-2025", "plan-2035"):
        assert (f"## {name}\n- **probability of meeting it**: out of reach over the whole "
                "design: 0 % at every one of the 384 points") in text
    assert "no measurable effect (variance" not in text
    assert result.manifest["measurable_outputs"] == [
        "batch-1 km²", "batch-2 probability", "batch-2 km²", "binding-2025 km²",
        "batch-3 probability", "batch-3 km²", "plan-2035 km²"]
    # plan-2035 km²: the negotiation median first; the cap last (measurable only once the
    # noise is the noise of differences: ST 0.063 ± 0.048 against a floor of ~0.001)
    ranked = result.ranking("plan-2035 km²")
    assert ranked.parameter.iloc[0] == "pathways.consolidation.stages[0].duration.median"
    assert ranked.parameter.iloc[-1] == "pathways.consolidation.annual_cap"
    assert "Indices not converged at N = 64" in text
    # batch 2's probability, measurable now, has the widest ST interval (±2.3 at N = 64)
    assert result.manifest["suggested_samples"] == 262144
