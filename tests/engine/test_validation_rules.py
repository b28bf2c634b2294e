"""Checked deploys: every validation rule refuses its failing fixture with the element named, and the
valid fixture and the shipped files pass."""
from __future__ import annotations

import pytest

import workflows
from engine import validation
from forms import tasks
from tests.engine.bpmn_fixtures import BROKEN, CATALOGUE, VALID, broken


def problems(source: bytes) -> list[validation.Problem]:
    return validation.validate_documents([("mini.bpmn", source)], CATALOGUE)


def test_the_valid_fixture_passes():
    assert problems(VALID.encode()) == []


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_each_rule_refuses_its_fixture_naming_the_element(rule):
    _old, _new, element, words = BROKEN[rule]
    found = problems(broken(rule))
    assert found, rule
    assert any(p.where.endswith(element) and words in p.message for p in found), [str(p) for p in found]


def test_the_shipped_files_pass_with_the_platforms_catalogue():
    assert validation.validate_documents(workflows.bpmn_files(), tasks.catalogue()) == []


def test_refuse_problems_raises_with_every_problem_and_remembers_a_pass():
    with pytest.raises(validation.Refused) as refused:
        validation.refuse_problems([("mini.bpmn", broken("form key implemented"))], CATALOGUE)
    assert any("genric_review" in p.message for p in refused.value.problems)
    validation.refuse_problems([("mini.bpmn", VALID.encode())], CATALOGUE)  # passes: no exception


def test_a_typo_in_a_shipped_form_key_is_named():
    documents = dict(workflows.bpmn_files())
    documents["formal_plan.bpmn"] = documents["formal_plan.bpmn"].replace(
        b'name="formKey" value="generic_review"', b'name="formKey" value="generic_reveiw"', 1)
    found = validation.validate_documents(sorted(documents.items()), tasks.catalogue())
    assert [str(p) for p in found] == [
        "formal_plan.bpmn: formal_plan.review_plan: 表单“generic_reveiw”不存在（平台没有实现这个 formKey）"]
