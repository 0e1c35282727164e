"""The Word briefing (landsim report --format docx): read back with python-docx and set
against the HTML report it is made from."""

import html
import io
import re
import shutil
import subprocess

import pandas as pd
import pytest
from conftest import ROOT
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

import simulator.cli as cli
from simulator.report.charts import save_chart
from simulator.report.study_report import StudyPage, write_study_report
from simulator.report.style import chart_style, cjk_font


def landsim(*args) -> int:
    return cli.main([str(a) for a in args])


# ---------------------------------------------------------------- the HTML side, read plainly

def html_text(fragment: str) -> str:
    """What a reader sees of an HTML fragment: no hidden spans, no tags, entities decoded."""
    fragment = re.sub(r"<span hidden>.*?</span>", "", fragment, flags=re.S)
    fragment = re.sub(r"<br>", "\n", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def html_paragraph(page: str, ident: str) -> str:
    return html_text(re.search(rf'<p [^>]*id="{ident}"[^>]*>(.*?)</p>', page, re.S).group(1))


def html_table(page: str, ident: str) -> list[list[str]]:
    """A table's cells by row, a cell spanning n columns repeated n times (as python-docx
    gives a merged cell once for each column it covers)."""
    table = re.search(rf'<table id="{ident}">(.*?)</table>', page, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", table, re.S):
        cells = []
        for attrs, inner in re.findall(r"<t[hd]\b([^>]*)>(.*?)</t[hd]>", row, re.S):
            span = re.search(r'colspan="(\d+)"', attrs)
            cells += [html_text(inner)] * (int(span.group(1)) if span else 1)
        rows.append(cells)
    return rows


def docx_table(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def every_paragraph(doc):
    """Body, table-cell, header and footer paragraphs of a document."""
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    for section in doc.sections:
        yield from section.header.paragraphs
        yield from section.footer.paragraphs


def pictures(doc) -> list[bytes]:
    """The images of a document's inline pictures."""
    out = []
    for shape in doc.inline_shapes:
        rid = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        out.append(doc.part.related_parts[rid].blob)
    return out


def assert_a4(doc) -> None:
    for section in doc.sections:
        size = sorted((section.page_width.mm, section.page_height.mm))
        assert size == [pytest.approx(210, abs=1), pytest.approx(297, abs=1)]
    first = doc.sections[0]
    assert first.page_width.mm == pytest.approx(210, abs=1)  # the briefing opens in portrait


# ---------------------------------------------------------------- a run's briefing

@pytest.fixture(scope="module")
def status_run(made_once):
    """status-2026 (illustrative releases: the banner; observed targets: merged cells)."""
    def make(out):
        assert landsim("run", ROOT / "scenarios" / "status-2026.yaml", "-n", 300, "--seed", 0,
                       "--no-levers", "-q", "--out", out) == 0

    return made_once("docx-status-2026", make)


@pytest.fixture(scope="module")
def status_docx(status_run, tmp_path_factory):
    """A copy of the run with its English briefing written by `landsim report`."""
    folder = tmp_path_factory.mktemp("docx") / "status"
    shutil.copytree(status_run, folder)
    assert landsim("report", folder, "--format", "docx") == 0
    return folder


@pytest.mark.slow
def test_a_run_briefing_says_what_the_html_report_says(status_docx):
    page = (status_docx / "report.html").read_text(encoding="utf-8")
    doc = Document(str(status_docx / "report.docx"))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == html_text(re.search(r"<h1>(.*?)</h1>", page).group(1))
    # the quotable sentence first, word for word the HTML report's
    assert paragraphs[1] == html_paragraph(page, "headline")
    assert "the chance of releasing at least 59 km² by the end of 2035 is" in paragraphs[1]
    # the provenance banner: in the body under the headline, and atop every page
    banner = html_paragraph(page, "notice")
    assert banner.startswith("Illustrative inputs") and paragraphs[2] == banner
    assert doc.sections[0].header.paragraphs[0].text == banner
    assert html_paragraph(page, "coverage") in paragraphs  # what the intervals cover
    # the targets table is a Word table with the HTML table's cells (missed targets merged)
    targets = docx_table(doc.tables[0])
    assert targets == html_table(page, "targets")
    assert targets[0][:2] == ["Target", "Years"] and targets[-1][0] == "All targets"
    assert "missed (observed, illustrative)" in targets[1]
    # the fan chart and the S-curve as PNG pictures at print resolution
    images = pictures(doc)
    assert len(images) >= 2
    for blob in images:
        image = Image.open(io.BytesIO(blob))
        assert image.format == "PNG" and image.width >= 2000  # 7 in at 300 dpi
        image.verify()
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions[0].startswith("Cumulative release. Scenario status-2026 · 300 replications")
    assert captions[1].startswith("Probability of having reached each target")
    assert_a4(doc)
    assert "page" in doc.sections[0].footer.paragraphs[0].text


@pytest.mark.slow
def test_the_chinese_briefing_names_no_key_and_sets_chinese_in_the_cjk_font(
        bilingual_baseline, tmp_path):
    folder = tmp_path / "baseline"
    shutil.copytree(bilingual_baseline, folder)
    assert landsim("report", folder, "--format", "docx", "--lang", "zh") == 0
    doc = Document(str(folder / "report.zh.docx"))
    page = (folder / "report.zh.html").read_text(encoding="utf-8")
    assert doc.paragraphs[1].text == html_paragraph(page, "headline")
    from simulator import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    keys = [t.name for t in scenario.targets] + list(scenario.pathways)
    assert {"binding-2025", "consolidation"} <= set(keys)
    texts = [p.text for p in every_paragraph(doc)]
    raw = [(k, x) for x in texts for k in keys if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", x)]
    assert raw == []
    font = cjk_font()
    runs = [r for p in every_paragraph(doc) for r in p.runs if r.text.strip()]
    assert runs and all(r._element.rPr.rFonts.get(qn("w:eastAsia")) == font for r in runs)
    # the lever table (levers.json) in Chinese, as the HTML report's
    levers = next(t for t in doc.tables if t.rows[0].cells[0].text == "政策抓手")
    assert len(levers.rows) == 1 + len(scenario.levers)
    # (a header too wide for its column breaks at its bracket: a line break, not a word)
    assert [c.replace("\n", "") for c in docx_table(levers)[0]] == html_table(page, "levers")[0]
    assert len(pictures(doc)) >= 2
    assert_a4(doc)


def test_a_folder_that_is_not_a_run_exits_2_with_one_line(tmp_path, capsys):
    assert landsim("report", tmp_path, "--format", "docx") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("landsim: ") and "not a complete landsim run folder" in err
    assert "\n" not in err and list(tmp_path.iterdir()) == []
    with pytest.raises(SystemExit) as refused:  # argparse: an unknown format
        landsim("report", tmp_path, "--format", "pdf")
    assert refused.value.code == 2


# ---------------------------------------------------------------- a study's briefing

@pytest.mark.slow
def test_a_study_folder_gets_its_briefing_from_its_report(tmp_path, capsys):
    out = tmp_path / "solve"
    assert landsim("solve", ROOT / "scenarios" / "baseline.yaml", "--target", "batch-3",
                   "--probability", "0.5", "--lever", "pathways.consolidation.annual_cap=2:8",
                   "-n", 100, "-q", "--out", out) == 0
    assert landsim("report", out, "--format", "docx") == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    doc = Document(str(out / "report.docx"))
    assert doc.paragraphs[0].text == html_text(re.search(r"<h1>(.*?)</h1>", page).group(1))
    assert doc.paragraphs[1].text == html_paragraph(page, "headline")
    assert docx_table(doc.tables[0]) == html_table(page, "table-0")  # the evaluations
    assert docx_table(doc.tables[-1]) == html_table(page, "manifest")
    assert len(pictures(doc)) == 1 and pictures(doc)[0].startswith(b"\x89PNG")
    assert_a4(doc)
    capsys.readouterr()
    # its report.html is the study's own; a language it was not run in is refused
    assert landsim("report", out) == 2
    assert "study's folder" in capsys.readouterr().err
    assert landsim("report", out, "--format", "docx", "--lang", "zh") == 2
    assert "no report.zh.html" in capsys.readouterr().err and not (out / "report.zh.docx").exists()


def test_write_study_report_writes_the_same_page_as_a_docx(tmp_path):
    import matplotlib.figure

    with chart_style("en"):
        ax = matplotlib.figure.Figure(figsize=(4, 2), layout="constrained").add_subplot()
        ax.plot([0, 1], [0, 1])
        ax.set_title("A line")
        chart = save_chart(ax, tmp_path / "charts", "line", "caption")
    wide = pd.DataFrame({"point": range(3), **{f"output.{i}": [0.5 + i, 1.0, 2.0]
                                               for i in range(24)}})
    page = StudyPage("Sweep wide", "A design.", "The finding.", 1.0,
                     [("Evaluations", wide)], [chart], {"seed": "0"}, notes=["A caveat."])
    path = write_study_report(tmp_path, page, "en", formats=("html", "docx"))
    assert path == tmp_path / "report.html" and path.exists()
    doc = Document(str(tmp_path / "report.docx"))
    assert [p.text for p in doc.paragraphs[:4]] == ["Sweep wide", "The finding.", "A caveat.",
                                                    "A design."]
    # 25 columns: parts of at most 12 on landscape pages, each led by the first column
    parts = doc.tables[:-1]
    assert len(parts) == 3 and all(len(t.columns) <= 12 for t in parts)
    assert all([r.cells[0].text for r in t.rows] == ["point", "0", "1", "2"] for t in parts)
    shown = [c.text for t in parts for c in t.rows[0].cells[1:]]
    assert shown == list(wide.columns[1:])
    assert docx_table(doc.tables[-1]) == [["seed", "0"]]
    assert [round(s.page_width.mm) for s in doc.sections] == [210, 297, 210]
    assert_a4(doc)
    assert pictures(doc) == [chart.png.read_bytes()]
    # the default writes the HTML page only, as before
    write_study_report(tmp_path / "charts", page, "en")
    assert not (tmp_path / "charts" / "report.docx").exists()


# ---------------------------------------------------------------- as Word would print it

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_prints_the_briefing_on_a4_pages(status_docx, tmp_path):
    profile = tmp_path / "profile"  # its own profile: no clash with a desktop LibreOffice
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(status_docx / "report.docx")],
        capture_output=True, text=True, timeout=180)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert done.returncode == 0 and pdf.startswith(b"%PDF"), done.stderr
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert 2 <= len(boxes) <= 4  # headline, table, two charts, manifest: a short briefing
    for width, height in boxes:  # A4 in points: 595.3 × 841.9
        assert float(width) == pytest.approx(595.3, abs=3)
        assert float(height) == pytest.approx(841.9, abs=3)
