import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from forms import industries

REPO_ROOT = Path(__file__).resolve().parents[2]

# Counts of the embedded GB/T 4754-2017 table per level (see scripts/build_industries.py).
EXPECTED_LEVELS = {1: 20, 3: 97, 4: 473, 5: 1381}

SECTIONS = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


def test_counts_per_level():
    counts = Counter(len(code) for code, _ in industries.entries())
    assert dict(counts) == EXPECTED_LEVELS


def test_sections_exact():
    sections = {code: name for code, name in industries.entries() if len(code) == 1}
    assert sections == SECTIONS


def test_entries_in_code_order_and_hierarchical():
    entries = industries.entries()
    assert entries[:4] == [
        ("A", "农、林、牧、渔业"),
        ("A01", "农业"),
        ("A011", "谷物种植"),
        ("A0111", "稻谷种植"),
    ]
    assert entries[-1] == ("T9700", "国际组织")
    codes = [code for code, _ in entries]
    assert len(set(codes)) == len(codes)
    assert [c[1:] for c in codes if len(c) > 1] == sorted(c[1:] for c in codes if len(c) > 1)
    known = set(codes)
    for code in codes:
        if len(code) == 3:
            assert code[0] in known
        elif len(code) > 3:
            assert code[:-1] in known, code
    # The 97 divisions are numbered 01..97 without gaps.
    divisions = [c for c in codes if len(c) == 3]
    assert [int(c[1:]) for c in divisions] == list(range(1, 98))
    assert divisions[0] == "A01" and divisions[-1] == "T97"


def test_entries_returns_a_copy():
    first = industries.entries()
    first.clear()
    assert len(industries.entries()) == sum(EXPECTED_LEVELS.values())


def test_standardization_class():
    assert industries.name_of("M7454") == "标准化服务"
    assert industries.name_of("M745") == "质检技术服务"
    assert industries.name_of("M74") == "专业技术服务业"
    assert industries.name_of("M") == "科学研究和技术服务业"
    assert industries.is_valid_code("M7454")


def test_some_known_classes():
    assert industries.name_of("I6513") == "应用软件开发"
    assert industries.name_of("C3874") == "智能照明器具制造"
    assert industries.name_of("A0532") == "畜禽粪污处理活动"
    assert industries.name_of("M7517") == "三维（3D）打印技术推广服务"
    # A group with a single class: group and class share the name.
    assert industries.name_of("M752") == industries.name_of("M7520") == "知识产权服务"


def test_name_of_unknown():
    assert industries.name_of("M7458") is None
    assert industries.name_of("") is None
    assert industries.name_of("m7454") is None
    assert industries.name_of(None) is None  # type: ignore[arg-type]


def test_label():
    assert industries.label("M7454") == "M7454 标准化服务"
    assert industries.label("M74") == "M74 专业技术服务业"
    assert industries.label("X9999") == ""
    assert industries.label("") == ""


def test_is_valid_code_only_for_classes():
    assert industries.is_valid_code("A0111")
    assert industries.is_valid_code("T9700")
    for code in ["M", "M74", "M745", "T", "T97", "T970"]:
        assert not industries.is_valid_code(code), code
    for code in ["", "7454", "m7454", "M74540", "M7458", "Z7454", "xyz", " M7454", "M7454 "]:
        assert not industries.is_valid_code(code), code
    assert not industries.is_valid_code(None)  # type: ignore[arg-type]
    assert not industries.is_valid_code(7454)  # type: ignore[arg-type]


def test_every_class_is_valid():
    classes = [code for code, _ in industries.entries() if len(code) == 5]
    assert len(classes) == EXPECTED_LEVELS[5]
    assert all(industries.is_valid_code(code) for code in classes)


def test_search_by_code_prefix():
    for query in ["7454", "M7454", "m7454", " 7454 ", "M7454 标准"]:
        assert [r["code"] for r in industries.search(query)] == ["M7454"], query
    assert [r["code"] for r in industries.search("M745")] == [
        "M7451",
        "M7452",
        "M7453",
        "M7454",
        "M7455",
        "M7459",
    ]
    assert [r["code"] for r in industries.search("745")] == [
        r["code"] for r in industries.search("m745")
    ]


def test_search_result_shape():
    assert industries.search("7454") == [
        {"code": "M7454", "name": "标准化服务", "label": "M7454 标准化服务"}
    ]


def test_search_by_name():
    codes = [r["code"] for r in industries.search("标准化")]
    assert codes == ["M7454"]
    codes = [r["code"] for r in industries.search("检测")]
    assert "M7452" in codes
    assert all(len(c) == 5 for c in codes)


def test_search_returns_classes_only():
    # "质检技术服务" is the name of group M745; only classes are returned.
    assert [r["code"] for r in industries.search("质检技术服务")] == ["M7459"]
    assert all(len(r["code"]) == 5 for r in industries.search("M"))


def test_search_limit():
    assert len(industries.search("C")) == 20
    assert len(industries.search("C", limit=5)) == 5
    assert [r["code"] for r in industries.search("C", limit=3)] == ["C1311", "C1312", "C1313"]
    assert 20 < len(industries.search("制造", limit=1000)) < 1000
    assert industries.search("C", limit=0) == []
    assert industries.search("C", limit=-1) == []


def test_search_no_match_or_empty():
    assert industries.search("") == []
    assert industries.search("   ") == []
    assert industries.search("zzz") == []
    assert industries.search("99999") == []
    assert industries.search(None) == []  # type: ignore[arg-type]


def test_source_and_json_file():
    assert "4754-2017" in industries.source()
    path = REPO_ROOT / "forms" / "data" / "industries.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"source", "entries"}
    assert [(code, name) for code, name, _ in data["entries"]] == industries.entries()
    assert [(code, name_en) for code, _, name_en in data["entries"]] == industries.entries(english=True)


def test_build_script_output_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "build_industries.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def test_every_level_has_an_english_name():
    chinese, english = industries.entries(), industries.entries(english=True)
    assert [code for code, _ in english] == [code for code, _ in chinese]
    assert all(name.strip() and name.isascii() and not CJK.search(name) for _, name in english)
    sections = {code: name for code, name in english if len(code) == 1}
    assert sections["C"] == "Manufacturing"
    assert sections["M"] == "Scientific research and technical services"


def test_names_and_labels_in_english():
    assert industries.name_of("M745", english=True) == "Quality inspection technical services"
    assert industries.name_of("M745") == "质检技术服务"
    assert industries.label("M7454", english=True) == "M7454 Standardization services"
    assert industries.label("M7454") == "M7454 标准化服务"
    assert industries.label("Z9999", english=True) == ""
    assert industries.name_of("C3761", english=True) == "Manufacture of bicycles"


def test_search_in_english():
    found = industries.search("standardiz", english=True)
    assert found == [{"code": "M7454", "name": "Standardization services", "label": "M7454 Standardization services"}]
    # by code and by Chinese name too, the names in English
    assert industries.search("7454", english=True) == found
    assert industries.search("标准化", english=True) == found
    assert industries.search("m7454 STAND", english=True) == found
    assert [r["code"] for r in industries.search("bicycles", english=True)] == ["C3761", "F5238", "O8191"]
    # a Chinese reader's search does not read the English names
    assert industries.search("standardiz") == []
    assert industries.search("标准化")[0]["name"] == "标准化服务"
