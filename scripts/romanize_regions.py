"""Write scripts/data/gbt2260-en.tsv: the English names of the GB/T 2260 regions in forms/data/regions.json.

A dev-time generator (pypinyin is not a dependency of the platform: ``pip install pypinyin`` in a
throwaway environment, run this, review and commit the TSV; scripts/build_regions.py merges it in as
``name_en``). Provinces carry their standard English names (PROVINCES). A prefecture-level city is its
name without 市, in pinyin without tones, syllables joined, an apostrophe before a syllable that starts
with a vowel (Xi'an, Ji'an) — or, for a few places named in a minority language, their established
English form (READINGS: Hohhot, Lhasa, Urumqi…); 地区 → "… Prefecture", 盟 → "… League", an autonomous prefecture
(…族自治州) → "<place> Prefecture" (its place name without the peoples: 延边朝鲜族自治州 → Yanbian
Prefecture); the county-level cities directly under a province keep a descriptive name.

Usage::

    python scripts/romanize_regions.py            # rewrites scripts/data/gbt2260-en.tsv
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "forms" / "data" / "regions.json"
OUTPUT = ROOT / "scripts" / "data" / "gbt2260-en.tsv"

PROVINCES = {
    "110000": "Beijing", "120000": "Tianjin", "130000": "Hebei", "140000": "Shanxi",
    "150000": "Inner Mongolia", "210000": "Liaoning", "220000": "Jilin", "230000": "Heilongjiang",
    "310000": "Shanghai", "320000": "Jiangsu", "330000": "Zhejiang", "340000": "Anhui", "350000": "Fujian",
    "360000": "Jiangxi", "370000": "Shandong", "410000": "Henan", "420000": "Hubei",
    "430000": "Hunan", "440000": "Guangdong", "450000": "Guangxi", "460000": "Hainan", "500000": "Chongqing",
    "510000": "Sichuan", "520000": "Guizhou", "530000": "Yunnan", "540000": "Tibet", "610000": "Shaanxi",
    "620000": "Gansu", "630000": "Qinghai", "640000": "Ningxia", "650000": "Xinjiang",
}
DIRECT_COUNTIES = {"省直辖县级行政区划": "County-level cities under the province",
                   "自治区直辖县级行政区划": "County-level cities under the region"}
# Readings pypinyin gets wrong in place names (polyphones), and the places whose name comes from a minority
# language and has an established English form (the one the prefecture itself uses), by the Chinese.
READINGS = {"漯河": "Luohe", "吕梁": "Lüliang", "昌都": "Qamdo", "蚌埠": "Bengbu", "六安": "Lu'an",
            "大兴安岭": "Daxing'anling", "呼和浩特": "Hohhot", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir",
            "巴彦淖尔": "Bayannur", "乌兰察布": "Ulanqab", "锡林郭勒": "Xilingol", "阿拉善": "Alxa",
            "哈尔滨": "Harbin", "齐齐哈尔": "Qiqihar", "拉萨": "Lhasa", "日喀则": "Shigatse", "林芝": "Nyingchi",
            "那曲": "Nagqu", "阿里": "Ngari", "阿坝": "Ngawa", "甘孜": "Garze", "果洛": "Golog",
            "乌鲁木齐": "Urumqi", "克拉玛依": "Karamay", "吐鲁番": "Turpan", "博尔塔拉": "Bortala",
            "巴音郭楞": "Bayingolin", "阿克苏": "Aksu", "克孜勒苏": "Kizilsu", "喀什": "Kashgar", "和田": "Hotan",
            "伊犁": "Ili", "阿勒泰": "Altay"}
# An autonomous prefecture's place name is its first two characters, except these longer ones.
LONG_PLACES = ("西双版纳", "博尔塔拉", "巴音郭楞", "克孜勒苏", "黔西南", "黔东南")
VOWEL_START = re.compile(r"^[aoe]")


def romanize(chinese: str) -> str:
    if chinese in READINGS:
        return READINGS[chinese]
    syllables = lazy_pinyin(chinese, style=Style.NORMAL, errors="ignore")
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if VOWEL_START.match(syllable) else "") + syllable
    return word.capitalize()


def city_name(name: str) -> str:
    if name in DIRECT_COUNTIES:
        return DIRECT_COUNTIES[name]
    if name.endswith("自治州"):
        place = next((long for long in LONG_PLACES if name.startswith(long)), name[:2])
        return romanize(place) + " Prefecture"
    for suffix, english in (("地区", " Prefecture"), ("盟", " League")):
        if name.endswith(suffix):
            return romanize(name[: -len(suffix)]) + english
    return romanize(name.removesuffix("市"))


def main() -> int:
    provinces = json.loads(REGIONS.read_text("utf-8"))["provinces"]
    rows = []
    for province in provinces:
        rows.append((province["code"], province["name"], PROVINCES[province["code"]]))
        rows += [(city["code"], city["name"], PROVINCES[province["code"]] if city["name"] == province["name"]
                  else city_name(city["name"])) for city in province["cities"]]
    OUTPUT.write_text("".join(f"{code}\t{english}\t{chinese}\n" for code, chinese, english in rows), "utf-8")
    print(f"wrote {OUTPUT}: {len(rows)} names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
