"""The HTML report and comparison, and the report/compare commands."""

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import simulator.cli as cli
from simulator.report.formatting import pct
from simulator.report import RunData, build_report, compare_runs
from simulator.report.style import ReportError


class _Runs:
    """``runs / name``: the run folder of a shipped scenario (1,000 replications, English
    report), made the first time any worker asks for it and shared by both — each on its
    own, so the two workers can make two of them side by side. Tests read them, and copy
    one before changing it."""

    def __init__(self, made_once):
        self.made_once = made_once

    def __truediv__(self, name: str):
        def make(out):
            levers = [] if name == "baseline" else ["--no-levers"]  # the baseline's are tested
            assert cli.main(["run", str(ROOT / "scenarios" / f"{name}.yaml"), "-n", "1000",
                             "--out", str(out), "-q", *levers]) == 0

        return self.made_once(f"report-run-{name}", make)


@pytest.fixture(scope="session")
def runs(made_once):
    return _Runs(made_once)


@pytest.mark.slow
def test_run_writes_a_self_contained_report(runs):
    folder = runs / "baseline"
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in (folder / "charts").iterdir()) == sorted(
        f"{n}.{ext}" for n in ("fan", "target-odds", "pathway-release", "shortfall", "s-curve",
                               "distributions", "levers") for ext in ("png", "svg"))
    # nothing to fetch: no external URLs in src/href, no scripts
    assert not re.search(r'(src|href)="(?!data:)', html)
    assert "<script" not in html
    assert html.count('src="data:image/svg+xml;base64,') == 7  # six, and the levers' tornado
    summary = json.loads((folder / "summary.json").read_text())
    binding = next(t for t in summary["targets"] if t["name"] == "binding-2025")
    match = re.search(r'id="headline-probability" data-probability="([^"]+)"', html)
    assert float(match.group(1)) == binding["probability"]
    assert "at least 32 km² by the end of 2025 is <strong" in html
    assert "@page { size: A4" in html
    # assumptions carry their labels and the manifest its hash
    assert 'class="label-sourced"' in html and 'class="label-assumption"' in html
    assert json.loads((folder / "run.json").read_text())["scenario_sha256"] in html


@pytest.mark.slow
def test_report_rebuilds_from_saved_files_without_simulating(runs, monkeypatch, tmp_path):
    folder = tmp_path / "consolidation-push"
    shutil.copytree(runs / "consolidation-push", folder)
    before = (folder / "report.html").read_text(encoding="utf-8")
    monkeypatch.setattr("simulator.run.montecarlo.simulate", lambda *a, **k: 1 / 0)
    (folder / "report.html").unlink()
    assert cli.main(["report", str(folder)]) == 0
    after = (folder / "report.html").read_text(encoding="utf-8")
    # the same page, and the same charts to within layout noise: matplotlib's text extents
    # can differ by 1e-6 pt with what the process drew before, which moves coordinates in
    # the sixth decimal; every number of every chart must agree to 1e-3, all else exactly
    assert _without_images(after) == _without_images(before)
    old, new = _images(before), _images(after)
    assert len(old) == len(new)
    for a, b in zip(old, new, strict=True):
        assert _NUMBER.sub("#", a) == _NUMBER.sub("#", b)
        x = np.array([float(v) for v in _NUMBER.findall(a)])
        y = np.array([float(v) for v in _NUMBER.findall(b)])
        assert x.shape == y.shape and (x.size == 0 or np.abs(x - y).max() < 1e-3)


_NUMBER = re.compile(r"-?\d+\.\d+")


def _without_images(html: str) -> str:
    return re.sub(r'src="data:image/svg\+xml;base64,[^"]*"', "", html)


def _images(html: str) -> list[str]:
    import base64

    return [base64.b64decode(i).decode("utf-8")
            for i in re.findall(r'src="data:image/svg\+xml;base64,([^"]*)"', html)]


@pytest.mark.slow
def test_chinese_report(runs, tmp_path):
    shutil.copytree(runs / "baseline", tmp_path / "baseline")
    path = build_report(tmp_path / "baseline", lang="zh")
    assert path.name == "report.zh.html"
    html = re.sub(r'<span class="nowrap">(.*?)</span>', r"\1", path.read_text(encoding="utf-8"))
    assert '<html lang="zh-Hans">' in html
    assert "到2025年底累计释放不少于32平方公里的概率为" in html
    assert "Noto Sans CJK SC" in html and (tmp_path / "baseline" / "charts-zh" / "fan.svg").exists()
    assert "<h1>深圳市20个先进制造业园区工业用地释放（2022—2035年）</h1>" in html  # title_zh
    english = (runs / "baseline" / "report.html").read_text(encoding="utf-8")
    assert "<h1>Shenzhen 20 advanced-manufacturing parks" in english


def test_headline_follows_the_scenarios_headline_key():
    from simulator import load_scenario, simulate
    from simulator.inputs.params import with_values
    from simulator.report.html import render_report

    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    for headline in ("binding-2025", "batch-3"):
        scenario = with_values(base, {"headline": headline})
        html = render_report(RunData.from_result(simulate(scenario, replications=200)), [])
        assert f'data-target="{headline}"' in html


@pytest.mark.slow
def test_compare(runs, tmp_path):
    out = compare_runs([runs / n for n in ("baseline", "renewal-downturn", "consolidation-push")],
                       tmp_path / "cmp")
    table = pd.read_csv(out / "comparison.csv")
    for name in ("baseline", "consolidation-push"):
        summary = json.loads((runs / name / "summary.json").read_text())
        for target in summary["targets"]:
            row = table[(table.scenario == name) & (table.target == target["name"])].iloc[0]
            assert row.probability == pytest.approx(target["probability"])
    html = (out / "comparison.html").read_text(encoding="utf-8")
    assert html.count("<th class=\"num\">") == 3 and "data:image/svg+xml" in html
    assert (out / "charts" / "compare-fan.png").stat().st_size > 10_000
    with pytest.raises(ReportError, match="at least two"):
        compare_runs([runs / "baseline"], tmp_path / "x")


def test_report_and_compare_commands_fail_cleanly(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "not a complete landsim run folder" in capsys.readouterr().err
    assert cli.main(["compare", str(tmp_path), str(tmp_path / "nope"), "--out",
                     str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_run_without_cjk_font_fails_before_simulating(tmp_path, monkeypatch, capsys):
    from simulator.report.style import ReportError as Err

    def no_font():
        raise Err("no font with Chinese characters found; install fonts-noto-cjk")

    monkeypatch.setattr("simulator.report.style.cjk_font", no_font)
    monkeypatch.setattr("simulator.run.montecarlo.simulate", lambda *a, **k: 1 / 0)
    out = tmp_path / "o"
    assert cli.main(["run", str(ROOT / "scenarios" / "longgang-2025.yaml"), "--lang", "zh",
                     "--out", str(out)]) == 2
    assert "fonts-noto-cjk" in capsys.readouterr().err and not out.exists()


def test_no_report_flag(tmp_path):
    out = tmp_path / "o"
    cli.main(["run", str(ROOT / "scenarios" / "longgang-2025.yaml"), "-n", "50", "--out",
              str(out), "--no-report", "-q"])
    assert not (out / "report.html").exists() and (out / "summary.json").exists()


@pytest.mark.slow
def test_headline_percentages_match_the_table(runs):
    run = RunData.load(runs / "renewal-downturn")
    html = (runs / "renewal-downturn" / "report.html").read_text(encoding="utf-8")
    for target in run.targets:
        assert f'<td class="num">{pct(target["probability"])}</td>' in html


@pytest.mark.slow
def test_a_statused_run_reports_history_as_history(tmp_path):
    """As of 2026: the headline says so, 2022–2025 targets are observed, the status shows."""
    out = tmp_path / "status"
    assert cli.main(["run", str(ROOT / "scenarios" / "status-2026.yaml"), "-n", "1000",
                     "--out", str(out), "-q", "--lang", "en,zh", "--no-levers"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    html = (out / "report.html").read_text(encoding="utf-8")
    headline = re.search(r'<p class="headline".*?</p>', html, re.S).group(0)
    assert "As of the start of 2026, given the releases up to the end of 2025" in headline
    plan = next(t for t in summary["targets"] if t["name"] == "plan-2035")
    assert f'data-probability="{plan["probability"]!r}"' in headline
    for name in ("batch-1", "batch-2", "binding-2025"):
        row = re.search(rf'<tr data-target="{name}">.*?</tr>', html).group(0)
        assert "missed (observed, illustrative)" in row and "%" not in row
    # the figures are illustrative: a banner at the top, the joint row and the headline say
    # that missing batch 1 means missing all targets together
    assert summary["status"]["provenance"] == {"released": "illustrative",
                                               "pipeline": "illustrative",
                                               "notice": "illustrative"}
    assert html.index('id="notice"') < html.index('id="headline"')
    assert "Illustrative inputs — not real data: the released figures and the projects" in html
    assert summary["joint"]["missed_observed"] == ["batch-1", "batch-2", "binding-2025"]
    joint = re.search(r'<tr data-target="all">.*?</tr>', html).group(0)
    assert "missed (observed, illustrative)" in joint and "%" not in joint
    assert "All 5 targets together cannot be met: Batch 1 (2022–2023) was missed" in re.sub(
        r'<span class="nowrap">(.*?)</span>', r"\1", headline)  # the years kept on one line
    coverage = re.search(r'<p class="coverage".*?</p>', html).group(0)
    assert ("Monte Carlo error only (1,000 replications); the probabilities integrate the "
            "uncertainty of 12 parameters, drawn in each replication from the calibrated "
            "posterior (8 of them)") in coverage
    # the accounting, with the numbers of summary.json, and the status chart
    accounting = summary["status"]["accounting"]
    row = re.search(r'<tr data-pathway="consolidation">.*?</tr>', html).group(0)
    for key in ("released_km2", "pipeline_km2", "not_started_km2"):
        assert f">{accounting['consolidation'][key]:.2f}<" in row
    # seven charts and the programme office's (status-2026 has an office), and the district
    # section's map and fans (status-2026 has districts), inside that section
    assert (out / "charts" / "status.svg").exists() and html.count("data:image/svg+xml") == 10
    districts = html[html.index('id="section-districts"'):]
    assert "chart-district-map" in districts and "chart-district-fans" in districts
    zh = (out / "report.zh.html").read_text(encoding="utf-8")
    assert "截至2026年初，根据2025年底前的实际释放和在途项目" in zh
    assert "未实现（实际，示意）" in zh and "当前进展" in zh
    assert "示意输入（非真实数据）：已释放数据和状态日期在途项目" in zh
    assert zh.index('id="notice"') < zh.index('id="headline"')
    # the charts: no 0 % bars or histogram panels for the three observed targets
    odds = (out / "charts" / "target-odds.svg").read_text()
    assert "missed (observed, illustrative)" in odds
    dist = (out / "charts" / "distributions.svg").read_text()
    for label in ("Batch 1", "Batch 2", "Binding target"):
        assert label not in dist
    assert "Batch 3" in dist and "Plan total" in dist


@pytest.mark.slow
def test_the_levers_section_matches_levers_json(runs, bilingual_baseline):
    """What would change the odds: one row per declared lever, numbers as in levers.json."""
    folder = runs / "baseline"
    levers = json.loads((folder / "levers.json").read_text())
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "What would change the odds" in html and levers["target"] == "binding-2025"
    for lever in levers["levers"]:
        row = re.search(rf'<tr data-lever="{re.escape(lever["path"])}">.*?</tr>', html).group(0)
        assert pct(lever["low"]["probability"]) in row and pct(lever["high"]["probability"]) in row
        for level in ("for50", "for80"):
            if not lever[level]["reachable"]:
                assert "out of reach" in row
    # the Chinese section: the shared bilingual run's, not a second Chinese build of this one
    zh = (bilingual_baseline / "report.zh.html").read_text(encoding="utf-8")
    assert "哪些因素会改变概率" in zh and "土地整备年度释放能力" in zh
