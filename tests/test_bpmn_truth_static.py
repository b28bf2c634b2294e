"""The BPMN decides stages and their words: no Python or template compares a stage to a literal, and
no Python maps stage codes to words (a designer who renames a stage in the BPMN breaks nothing)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "forms", "webapp", "storage", "demodata")
TEMPLATE_COMPARISON = re.compile(r"\.stage\s*(==|!=|\bin\b|\bnot in\b)\s*[\[('\"]")


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _is_stage(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "stage") or (
        isinstance(node, ast.Name) and node.id == "stage")


def _is_literal(node) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.Tuple | ast.List | ast.Set) and any(_is_literal(e) for e in node.elts)


def stage_comparisons(source: str) -> list[int]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_is_stage(o) for o in operands) and any(_is_literal(o) for o in operands):
                found.append(node.lineno)
    return found


def test_the_check_finds_what_it_looks_for():
    assert stage_comparisons('if instance.stage in ("returned", "withdrawn"): pass') == [1]
    assert stage_comparisons('ok = stage == "published"') == [1]
    assert stage_comparisons('ok = instance.status == "completed"') == []
    assert TEMPLATE_COMPARISON.search("{% if instance.stage == 'publicity' %}")


def test_no_python_compares_a_stage_to_a_literal():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in _sources()
             for line in stage_comparisons(path.read_text(encoding="utf-8"))]
    assert found == []


def test_no_template_compares_a_stage_to_a_literal():
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in sorted((ROOT / "webapp" / "templates").rglob("*.html"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if TEMPLATE_COMPARISON.search(line)]
    assert found == []


def test_no_python_holds_a_table_of_stage_words():
    found = [str(path.relative_to(ROOT)) for path in _sources()
             if re.search(r"STAGE_LABELS|def stage_label\b", path.read_text(encoding="utf-8"))]
    assert found == []
