"""Every word a reader sees comes through the word tables, and both halves of each entry take
the same arguments (issue 38, 'while you are in these rooms')."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from simulator.report.i18n import _TEXT, LANGS, t

# entries whose halves differ on purpose: English needs a word the Chinese sentence does not
ALLOWED = {
    "as_of.date": "English names the month (January), Chinese numbers it (1月)",
    "solve.nth_project": "English says an ordinal (the 3rd), Chinese a number (第3个)",
    "solve.nth_projects": "English names the first and last, Chinese the count from the first",
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_halves_of_every_entry_take_the_same_arguments():
    differ = {}
    for key, halves in _TEXT.items():
        assert len(halves) == len(LANGS), key
        en, zh = (_fields(h) for h in halves)
        if en != zh and key not in ALLOWED:
            differ[key] = (sorted(en), sorted(zh))
    assert differ == {}
    for key, halves in _TEXT.items():  # and both format with them
        values = {name: "7" for name in _fields(halves[0]) | _fields(halves[1])}
        for lang in LANGS:
            assert t(key, lang, **values) if values else t(key, lang)


def _strings_with_both_languages(path: Path) -> list[tuple[int, str]]:
    """String literals that hold a Chinese sentence beside English words in a module's code
    (not in its docstrings): words that bypass the tables."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr)
                  and isinstance(n.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings
                and any("\u4e00" <= c <= "\u9fff" for c in node.value)
                and len(node.value) > 12):
            found.append((node.lineno, node.value[:40]))
    return found


def test_no_study_module_writes_chinese_sentences_of_its_own():
    root = Path(__file__).resolve().parents[1] / "simulator"
    offenders = {}
    for path in sorted((root / "study").glob("*.py")):
        found = _strings_with_both_languages(path)
        if found:
            offenders[path.name] = found
    assert offenders == {}


def test_only_the_word_tables_split_a_bilingual_text():
    """"English | zh: 中文" is split by i18n.bilingual alone (optimize split it by hand)."""
    root = Path(__file__).resolve().parents[1] / "simulator"
    by_hand = [str(p.relative_to(root)) for p in sorted(root.rglob("*.py"))
               if p.name != "i18n.py" and '.split("| zh:")' in p.read_text(encoding="utf-8")
               or '.split(" | zh:")' in p.read_text(encoding="utf-8")]
    assert by_hand == []


def test_a_chinese_study_page_names_its_scenarios_keys_in_words():
    """Study reports (and so their Word briefings) in Chinese: key paths, target names and
    the scenario's id in words; the manifest (for those who reproduce) keeps them."""
    import re

    import pandas as pd

    from simulator import load_scenario
    from simulator.report.study_report import StudyPage, render_study_report

    root = Path(__file__).resolve().parents[1]
    scenario = load_scenario(root / "scenarios" / "baseline.yaml")
    page = StudyPage(
        "求解 — baseline", "情景 baseline；政策抓手 pathways.consolidation.annual_cap，3–8",
        "当 pathways.consolidation.annual_cap ≥ 5.2 时，binding-2025 的实现概率达到 50%。", 0.5,
        [("评估", pd.DataFrame({"pathways.consolidation.annual_cap": [3.0, 5.2],
                               "target": ["binding-2025", "plan-2035"]}))],
        [], {"command": "landsim solve scenarios/baseline.yaml --target binding-2025"},
        scenario=scenario)
    zh = render_study_report(page, lang="zh")
    body = zh.split('<table id="manifest">')[0]
    visible = re.sub(r"<[^>]+>", "", body.split("<body>")[1])
    for key in ("pathways.consolidation.annual_cap", "binding-2025", "plan-2035", "baseline"):
        assert key not in visible, key
    assert "土地整备" in visible and "约束性目标" in visible
    assert "--target binding-2025" in zh.split('<table id="manifest">')[1]  # kept to reproduce
    en = render_study_report(page, lang="en")
    assert "pathways.consolidation.annual_cap" in en  # English pages keep the keys
