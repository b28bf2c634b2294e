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


# Statuses that are no process's: an organisation's account (pending / active / disabled: what its users
# may do) and an article's (草稿 / 发布 / 撤下 by the office, no BPMN).
NOT_PROCESS_STATUS = {"organization", "article", "Organization", "Article"}
SUBJECTS = {"Plan", "Application", "Declaration"}


def status_writes(source: str) -> list[int]:
    """Lines assigning ``x.status`` (x not an account or article) or building a subject with a status."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AugAssign | ast.AnnAssign) else []
        for target in targets:
            for item in (target.elts if isinstance(target, ast.Tuple) else [target]):
                if isinstance(item, ast.Attribute) and item.attr == "status" and not (
                        isinstance(item.value, ast.Name) and item.value.id in NOT_PROCESS_STATUS):
                    found.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SUBJECTS and any(
                keyword.arg == "status" for keyword in node.keywords):
            found.append(node.lineno)
    return found


def test_the_status_check_finds_what_it_looks_for():
    assert status_writes('plan.status = "drafting"') == [1]
    assert status_writes('plan.status, plan.updated_at = "drafting", now') == [1]
    assert status_writes('row = Application(status="issued")') == [1]
    assert status_writes('organization.status = "active"') == []


def test_no_status_column_is_written_outside_the_engines_save():
    found = [f"{path.relative_to(ROOT)}:{line}" for path in _sources()
             if path.parts[-2:] != ("engine", "projection.py")
             for line in status_writes(path.read_text(encoding="utf-8"))]
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
