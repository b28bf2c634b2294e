"""Regenerate forms/data/industries.json: GB/T 4754-2017 国民经济行业分类.

Source
------
No package on the registries reachable here ships this table.  Searched: the PyPI
and npm package lists (only ``patent-taxo-sdk``, which queries a remote service
and bundles no data), Debian (``apt-cache search``), and a handful of plausible
npm names (``gb4754``, ``china-industry``, ...: all 404).  The table is
therefore embedded below as ``TABLE``.  It was typed from GB/T 4754-2017 and
then cross-checked item by item against an independent public transcription of
the standard; the two agreed on every code and, after fixing two names
(3445 液力动力机械元件制造, 278/2780 药用辅料及包装材料), on every name.

Known uncertainty: the 2017 release notes quote 1380 classes (小类), later
sources (after 第1号修改单, 2019) quote 1381 or 1382.  This table has 1381
classes and matches the public transcription exactly; the 2019 amendment was
not available to verify against, so any class it may have added is missing.

Format of ``TABLE``: one entry per line, ``CODE NAME``.  ``CODE`` is a section
letter (门类) or a 2/3/4-digit division/group/class code (大类/中类/小类).  In the
output every code is prefixed with its section letter ("7454" -> "M7454"),
which is how the profile form stores the chosen class.

English: every entry is ``[code, name, name_en]``; the English names are in
scripts/data/gbt4754-2017-en.txt (``CODE<TAB>English``, prefixed codes), written
for this project in ISIC-style wording (the standard's own English edition was
not available); every code must have one.

Usage::

    python scripts/build_industries.py            # write forms/data/industries.json
    python scripts/build_industries.py --check    # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "forms" / "data" / "industries.json"

SOURCE = "GB/T 4754-2017 国民经济行业分类 (table in scripts/data/gbt4754-2017.txt)"

# Entries per level: 门类, 大类, 中类, 小类.
EXPECTED_COUNTS = {"section": 20, "division": 97, "group": 473, "class": 1381}

# Division (大类) range of every section (门类), inclusive.
SECTION_DIVISIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50),
    "F": (51, 52), "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69),
    "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82),
    "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}  # fmt: skip

# Level of a prefixed code by its length ("M", "M74", "M745", "M7454").
LEVEL_BY_LENGTH = {1: "section", 3: "division", 4: "group", 5: "class"}

TABLE = (Path(__file__).resolve().parent / "data" / "gbt4754-2017.txt").read_text(encoding="utf-8")
ENGLISH = Path(__file__).resolve().parent / "data" / "gbt4754-2017-en.txt"


def english_names(path: Path = ENGLISH) -> dict[str, str]:
    """Prefixed code -> English name, from the ``CODE<TAB>English`` table (``#`` lines are comments)."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return {code: name.strip() for code, name in rows}



def parse(text: str) -> list[tuple[str, str]]:
    """Parse ``TABLE`` into ``[(prefixed_code, name)]``, validating the hierarchy."""
    entries: list[tuple[str, str]] = []
    section = division = group = ""
    previous_digits = ""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        code, sep, name = line.partition(" ")
        name = name.strip()
        if not sep or not name or name != line[len(code) + 1 :]:
            raise SystemExit(f"line {lineno}: expected 'CODE NAME', got {line!r}")
        if len(code) == 1:
            if not ("A" <= code <= "T"):
                raise SystemExit(f"line {lineno}: bad section letter {code!r}")
            if section and code <= section:
                raise SystemExit(f"line {lineno}: section {code} out of order")
            section, division, group = code, "", ""
            entries.append((code, name))
            continue
        if not code.isdigit() or len(code) not in (2, 3, 4):
            raise SystemExit(f"line {lineno}: bad code {code!r}")
        if not section:
            raise SystemExit(f"line {lineno}: code {code} before any section")
        # Pre-order of the tree is plain string order ("01" < "011" < "0111" < "012").
        if code <= previous_digits:
            raise SystemExit(f"line {lineno}: code {code} out of order")
        if len(code) == 2:
            low, high = SECTION_DIVISIONS[section]
            if not low <= int(code) <= high:
                raise SystemExit(f"line {lineno}: division {code} not in section {section}")
            division, group = code, ""
        elif len(code) == 3:
            if code[:2] != division:
                raise SystemExit(f"line {lineno}: group {code} not under division {division}")
            group = code
        elif code[:3] != group:
            raise SystemExit(f"line {lineno}: class {code} not under group {group}")
        previous_digits = code
        entries.append((section + code, name))
    return entries


def check_structure(entries: list[tuple[str, str]]) -> dict[str, int]:
    """Structural checks on parsed entries; returns the count per level."""
    codes = [code for code, _ in entries]
    if len(set(codes)) != len(codes):
        raise SystemExit("duplicate codes")
    names = dict(entries)
    children: dict[str, list[str]] = {code: [] for code in codes}
    for code in codes:
        if len(code) > 1:
            parent = code[:-1] if len(code) > 3 else code[0]
            children[parent].append(code)
    for code, kids in children.items():
        if len(code) < 5 and not kids:
            raise SystemExit(f"{code} {names[code]} has no children")
        if len(code) == 4:
            # A group with a single class uses class code <group>0 and the same
            # name; otherwise classes are numbered 1-9 and never end in 0.
            single = [k for k in kids if k.endswith("0")]
            if single and (len(kids) != 1 or names[single[0]] != names[code]):
                raise SystemExit(f"{code}: inconsistent single-class group {kids}")
            if len(kids) == 1 and not single:
                raise SystemExit(f"{code}: lone class {kids[0]} should end in 0")
    counts = {level: 0 for level in EXPECTED_COUNTS}
    for code in codes:
        counts[LEVEL_BY_LENGTH[len(code)]] += 1
    if counts != EXPECTED_COUNTS:
        raise SystemExit(f"expected {EXPECTED_COUNTS}, got {counts}")
    return counts


def build() -> dict:
    entries = parse(TABLE)
    check_structure(entries)
    english = english_names()
    missing = [code for code, _ in entries if not english.get(code)]
    if missing:
        raise SystemExit(f"no English name for {missing[:10]}")
    return {"source": SOURCE, "entries": [[code, name, english[code]] for code, name in entries]}


def dump(data: dict) -> str:
    """Compact JSON with one entry per line (diff-friendly)."""

    def compact(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    rows = ",\n".join(compact(entry) for entry in data["entries"])
    return f'{{"source":{compact(data["source"])},"entries":[\n{rows}\n]}}\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="only verify that --output is up to date"
    )
    args = parser.parse_args(argv)

    text = dump(build())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run scripts/build_industries.py")
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    counts = check_structure([(e[0], e[1]) for e in json.loads(text)["entries"]])
    print(f"wrote {args.output}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
