"""The 20 parks of the Layout Plan 2024–2035 (art. 11, table 2), shipped as data."""

from pathlib import Path

import pytest

from simulator.inputs.errors import ScenarioError
from simulator.inputs.parks import load_parks

ROOT = Path(__file__).resolve().parents[1]


def test_the_table_has_twenty_parks_of_333_67_km2():
    parks = load_parks()
    assert [p.number for p in parks] == list(range(1, 21))
    assert sum(p.area_km2 for p in parks) == pytest.approx(333.67, abs=1e-9)
    assert max(parks, key=lambda p: p.area_km2).name_zh.startswith("深汕特别合作区鹅埠")
    assert parks[0].name_zh == "宝安区燕罗先进制造业园区" and parks[0].area_km2 == 22.50
    assert all(p.provenance.startswith("sourced: Layout Plan 2024–2035 art. 11, table 2")
               for p in parks)


def test_two_parks_span_two_districts_in_both_languages():
    spanning = {p.name: (p.districts, p.districts_zh) for p in load_parks()
                if len(p.districts) > 1}
    assert spanning == {
        "Shiyan–Baiwang": (("Bao'an", "Nanshan"), ("宝安区", "南山区")),
        "Yantian–Dapeng Eastern Coast": (("Yantian", "Dapeng"), ("盐田区", "大鹏新区")),
    }
    districts = {d for p in load_parks() for d in p.districts_zh}
    # art. 11: eight districts hold the parks (Nanshan only through Shiyan–Baiwang)
    assert districts == {"宝安区", "南山区", "龙岗区", "龙华区", "坪山区", "光明区", "盐田区",
                         "大鹏新区", "深汕特别合作区"}


def test_a_bad_row_is_refused_with_its_file_line_and_column(tmp_path):
    text = (ROOT / "scenarios" / "parks" / "parks-2024.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[3] = lines[3].replace(",15.40,", ",-1,")  # park 3, on line 4
    lines[5] = lines[5].replace(",Longgang,", ",Longgang; Pingshan,")  # 2 in English, 1 in zh
    bad = tmp_path / "parks.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        load_parks(bad)
    found = {(p.path, p.line) for p in raised.value.problems}
    assert found == {("area_km2", 4), ("districts", 6)}
