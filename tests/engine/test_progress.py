"""The step bar: the main path read from the BPMN, and where an instance stands on it (engine.progress)."""
from __future__ import annotations

from engine import definitions, progress
from tests.engine.helpers import decide
from tests.factories import office_user, registered
from tests.webapp.bpmn_edits import EXPERT_LABEL, formal_plan_with_expert_review, shipped


def labels(path) -> list[str]:
    return [step.label for step in path.steps]


def test_the_main_path_follows_the_approved_flows_and_skips_loops_and_withdrawals():
    path = progress.main_path(shipped("compliance_review.bpmn"), "compliance_review")
    assert path.process_name == "参与达标"
    # Not 已退回 / 已撤回 (loop-backs, a withdrawal boundary), not 不予通过 or 未达标 (shorter or later drawn).
    assert labels(path) == ["待机构审核", "待专项办审核", "已发证"]
    assert [step.name for step in path.steps][:2] == ["达标产品评价", "达标结果形式审核及备案"]


def test_a_step_a_designer_adds_appears_without_code(session):
    before = progress.main_path(shipped("formal_plan.bpmn"), "formal_plan")
    after = progress.main_path(formal_plan_with_expert_review(), "formal_plan")
    assert EXPERT_LABEL not in labels(before)
    position = labels(before).index("正式版审核中") + 1
    assert labels(after) == [*labels(before)[:position], EXPERT_LABEL, *labels(before)[position:]]
    # Deployed as a new version, the version's bar has it (cached per version, the old one unchanged).
    import workflows

    definitions.deploy_documents(session, workflows.bpmn_files())
    old = definitions.current(session, "formal_plan")
    definitions.deploy_documents(session, [("formal_plan.bpmn", formal_plan_with_expert_review())])
    new = definitions.current(session, "formal_plan")
    assert new.version == old.version + 1
    assert EXPERT_LABEL in labels(progress.main_path_of(session, new))
    assert EXPERT_LABEL not in labels(progress.main_path_of(session, old))


def states(bar) -> list[tuple[str, str]]:
    return [(step.label, step.state) for step in bar.steps]


def test_where_a_registration_stands(deployed, tmp_path):
    office = office_user(deployed)
    user, instance = registered(deployed, tmp_path)
    deployed.commit()
    assert states(progress.bar(deployed, instance)) == [("待审核", "current"), ("审核通过", "next")]
    decide(deployed, instance, office, "return", "营业执照不清晰")
    shown = states(progress.bar(deployed, instance))
    assert shown[0] == ("待审核", "done") and shown[1][1] == "detour" and shown[2] == ("审核通过", "next")
    assert shown[1][0] == instance.stage_label


def test_a_finished_registration(deployed, tmp_path):
    office = office_user(deployed)
    user, instance = registered(deployed, tmp_path)
    deployed.commit()
    decide(deployed, instance, office, "approve")
    assert states(progress.bar(deployed, instance)) == [("待审核", "done"), ("审核通过", "done")]
    other, rejected = registered(deployed, tmp_path, email="b@test.cn", credit_code="91110000600037341L")
    deployed.commit()
    decide(deployed, rejected, office, "reject", "不属于平台服务范围")
    assert states(progress.bar(deployed, rejected)) == [
        ("待审核", "done"), (rejected.stage_label, "detour"), ("审核通过", "skipped")]
