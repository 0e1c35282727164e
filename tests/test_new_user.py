"""What a new user reads and gets: own folders, own sources, a Chinese report in Chinese."""

import json
import re
from html import unescape

import pytest
from conftest import ROOT

import simulator.cli as cli
from simulator import load_scenario, simulate
from simulator.inputs.params import variant_of
from simulator.report import RunData
from simulator.report.formatting import num, pct, pct_range


def run(*args) -> int:
    return cli.main([str(a) for a in args])


# ---------------------------------------------------------------- own folders


def test_a_set_run_gets_its_own_folder_and_says_what_changed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    baseline = ROOT / "scenarios" / "baseline.yaml"
    assert run("run", baseline, "-n", 50, "-q", "--no-report") == 0
    assert run("run", baseline, "-n", 50, "-q", "--no-levers", "--set",
               "pathways.consolidation.annual_cap=5") == 0
    folders = sorted(p.name for p in (tmp_path / "outputs").iterdir())
    assert folders[0] == "baseline" and re.fullmatch(r"baseline-set-[0-9a-f]{8}", folders[1])
    assert (tmp_path / "outputs" / "baseline" / "summary.json").exists()  # untouched
    html = (tmp_path / "outputs" / folders[1] / "report.html").read_text(encoding="utf-8")
    assert "changed: pathways.consolidation.annual_cap = 5" in html  # the title
    headline = re.search(r'<p class="headline" id="headline">(.*?)</p>', html).group(1)
    assert headline.startswith("With Land consolidation: throughput cap, km²/yr = 5 (changed")
    # the same change again: the same folder; another change: another folder
    again = variant_of(load_scenario(baseline), {"pathways.consolidation.annual_cap": 5.0})
    other = variant_of(load_scenario(baseline), {"pathways.consolidation.annual_cap": 6.0})
    assert again.name == folders[1] and other.name != again.name


@pytest.mark.slow
def test_a_second_language_adds_and_never_removes(tmp_path):
    out = tmp_path / "run"
    baseline = ROOT / "scenarios" / "longgang-2025.yaml"  # small: the test is about languages
    assert run("run", baseline, "-n", 100, "-q", "--lang", "en,zh", "--out", out,
               "--no-levers") == 0
    assert {"report.html", "report.zh.html", "charts", "charts-zh"} <= {
        p.name for p in out.iterdir()}
    assert run("run", baseline, "-n", 100, "-q", "--out", out, "--no-levers") == 0
    assert run("report", out, "--lang", "zh") == 0  # adds Chinese to an English run
    assert (out / "report.html").exists() and (out / "report.zh.html").exists()
    with pytest.raises(SystemExit) as exit_:  # argparse refuses it before anything runs
        run("run", baseline, "-n", 10, "--lang", "fr", "--out", out)
    assert exit_.value.code == 2


# ---------------------------------------------------------------- sources inside the project

READ_BY_USERS = ["README.md", "docs", "scenarios", "simulator", "notebooks"]
OUTSIDE = re.compile(r"shared/|\.\./shared|00[0-4]_[0-9a-f]{16}\.txt|parameters\.md")


def test_nothing_a_user_reads_points_outside_the_repository():
    offenders = []
    for entry in READ_BY_USERS:
        paths = [ROOT / entry] if (ROOT / entry).is_file() else (ROOT / entry).rglob("*")
        for path in paths:
            if not path.is_file() or path.suffix not in {".md", ".py", ".yaml", ".ipynb"}:
                continue
            if path.name == "sources.md":  # file names as secondary references, by design
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert offenders == []


def test_sources_and_evidence_are_shipped_and_cited_by_title():
    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    evidence = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    for title in ("Layout Plan 2024–2035", "Two 100 km² Scheme 2020",
                  "Longgang Industry Plan 2022"):
        assert f"**{title}**" in sources
    assert "| 2021 | land consolidation, industrial | 5 km² | 5.05 km² |" in evidence
    cited = set()
    for path in (ROOT / "scenarios").glob("*.yaml"):
        cited |= set(re.findall(r"(Layout Plan 2024–2035|Two 100 km² Scheme 2020|"
                                r"Longgang Industry Plan 2022)", path.read_text("utf-8")))
    assert len(cited) == 3


# ---------------------------------------------------------------- the Chinese report

ALLOWED_LATIN = {"landsim", "SHA", "Git", "P50", "P80", "PERT", "docs", "evidence", "md", "km"}


def visible_text(page: str) -> str:
    body = page[page.index("<body"):].replace("<wbr>", "")  # a break opportunity, no text
    body = re.sub(r'<span class="nowrap">(.*?)</span>', r"\1", body)  # inline: no space
    body = re.sub(r"<code\b.*?</code>", " ", body, flags=re.S)  # key paths and commands
    body = re.sub(r"<img[^>]*>", " ", body)
    return unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def chinese(bilingual_baseline):
    return bilingual_baseline


def test_the_chinese_report_has_no_untranslated_words(chinese):
    text = visible_text((chinese / "report.zh.html").read_text(encoding="utf-8"))
    words = re.findall(r"[A-Za-z][A-Za-z']+", text)
    untranslated = [w for w in words if w not in ALLOWED_LATIN and w != "baseline"]
    assert untranslated == [], sorted(set(untranslated))
    assert "第一批（2022—2023年）" in text and "土地整备" in text and "有据可查" in text
    assert "。" in text and ". " not in re.sub(r"\d\. ", "", text)


def test_the_english_report_has_no_chinese_halves(chinese):
    text = visible_text((chinese / "report.html").read_text(encoding="utf-8"))
    assert "| zh:" not in text and "第一批" not in text
    assert "Batch 1 (2022–2023)" in text and "Layout Plan 2024–2035 art. 21" in text


def test_every_shipped_note_has_a_chinese_half():
    for path in (ROOT / "scenarios").glob("*.yaml"):
        for provenance in load_scenario(path).provenance.values():
            assert " | zh: " in provenance, (path.name, provenance)


# ---------------------------------------------------------------- numbers and charts


@pytest.mark.parametrize("p, shown", [
    (0.0, "0.0%"), (1.0, "100.0%"), (0.5, "50.0%"), (0.016, "1.6%"), (0.0019, "0.19%"),
    (3.7e-5, "0.0037%"), (3e-9, "< 0.0001%"), (0.99999, "99.9990%")])
def test_probabilities_keep_enough_digits(p, shown):
    assert pct(p) == shown


def test_intervals_keep_enough_digits_and_nothing_is_minus_zero():
    assert pct_range(0, 3.7e-5) == "0.0000–0.0037%"  # was "0.0–0.00%"
    assert pct_range(0.4012, 0.4231) == "40.1–42.3%"
    assert num(-1e-12) == "0.00" and num(-0.006) == "-0.01"


def test_no_minus_zero_in_a_report(chinese):
    for name in ("report.html", "report.zh.html"):
        assert "-0.00" not in (chinese / name).read_text(encoding="utf-8")


def test_odds_chart_shows_km2_when_every_probability_is_small(tmp_path):
    from simulator.report import charts
    from simulator.report.style import chart_style

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    run_data = RunData.from_result(simulate(scenario, replications=300))
    assert max(t["probability"] for t in run_data.targets) < charts.SMALL
    with chart_style("en"):
        ax = charts.target_odds_chart(run_data)
    assert "below 5%" in ax.get_title(loc="left")
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == pytest.approx([t["mean_km2"] for t in run_data.targets])


def test_fan_chart_shows_window_targets():
    from simulator.report import charts
    from simulator.report.style import chart_style

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    run_data = RunData.from_result(simulate(scenario, replications=300))
    with chart_style("en"):
        ax = charts.fan_chart(run_data)
    texts = [t.get_text().replace("\n", " ") for t in ax.texts]
    assert any(t.startswith("Batch 2 (2024–2025): +15 km²") for t in texts)
    assert any(t.startswith("Batch 3 (2026–2035): +27 km²") for t in texts)


def test_comparison_shows_km2_and_shortfall(tmp_path):
    for name in ("baseline", "consolidation-push"):
        assert run("run", ROOT / "scenarios" / f"{name}.yaml", "-n", 100, "-q", "--no-report",
                   "--out", tmp_path / name) == 0
    assert run("compare", tmp_path / "baseline", tmp_path / "consolidation-push", "--out",
               tmp_path / "cmp") == 0
    html = (tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "baseline" / "summary.json").read_text())
    mean = [t for t in summary["targets"] if t["name"] == "binding-2025"][0]["mean_km2"]
    assert f"mean {mean:.1f} km², shortfall" in html
    import pandas as pd

    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert {"mean_km2", "mean_shortfall_km2"} <= set(table.columns)


def test_a_sweep_of_near_zero_odds_says_so(tmp_path):
    from simulator.report.style import chart_style
    from simulator.report.sweep_charts import sweep_figures
    from simulator.study.sweep import load_sweep, run_sweep

    sweep_file = tmp_path / "zero.yaml"
    sweep_file.write_text(f"""\
name: zero
base: {ROOT / "scenarios" / "baseline.yaml"}
replications: 100
design: grid
target: binding-2025
parameters:
  - {{path: "pathways.consolidation.stages[0].capacity", levels: [10, 30]}}
  - {{path: correlation.pathway_factor_sigma, levels: [0.2, 0.4]}}
""")
    result = run_sweep(load_sweep(sweep_file), tmp_path / "out", charts=False)
    with chart_style("en"):
        figures = sweep_figures(result)
    notes = [t.get_text() for t in figures["heatmap"].axes[0].texts]
    assert any("below 1%" in n for n in notes)
    assert not any("below 1%" in t.get_text() for t in figures["heatmap-km2"].axes[0].texts)


@pytest.mark.slow
def test_study_charts_are_drawn_in_each_language(tmp_path):
    """The Chinese report of a sweep and of a sensitivity analysis shows Chinese charts."""
    from simulator.report.style import chart_style
    from simulator.report.sweep_charts import sweep_figures
    from simulator.study.sensitivity import parse_params, run_sensitivity
    from simulator.study.sweep import load_sweep, run_sweep

    sweep_file = tmp_path / "two.yaml"
    sweep_file.write_text(f"""\
name: two
base: {ROOT / "scenarios" / "baseline.yaml"}
replications: 100
design: grid
target: batch-3
parameters:
  - {{path: pathways.consolidation.annual_cap, levels: [3, 6],
      description: "Consolidation cap (km²/yr) | zh: 整备年度上限（平方公里/年）"}}
  - {{path: correlation.pathway_factor_sigma, levels: [0.2, 0.4]}}
""")
    result = run_sweep(load_sweep(sweep_file), tmp_path / "sweep", langs=("en", "zh"))
    with chart_style("zh"):
        ax = sweep_figures(result, "zh")["heatmap"].axes[0]
    assert ax.get_xlabel().startswith("整备年度上限") and "实现batch-3的概率" in ax.get_title("left")
    assert sorted(p.name for p in (tmp_path / "sweep" / "charts-zh").glob("*.png")) == [
        "heatmap-km2.png", "heatmap.png"]
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    # the cap moves the km² well beyond the Monte Carlo noise of 100 replications, so
    # there are charts (outputs within noise get none)
    params = parse_params(scenario, ["pathways.consolidation.annual_cap=2:6"])
    sens = run_sensitivity(scenario, params, method="oat", replications=100,
                           out=tmp_path / "sens", langs=("en", "zh"))
    for folder in (tmp_path / "sweep", sens.folder):
        page = (folder / "report.zh.html").read_text(encoding="utf-8")
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S)
        assert captions and all(re.search(r"[\u3400-\u9fff]", c) for c in captions)
        assert "charts-zh" in {p.name for p in folder.iterdir()}
