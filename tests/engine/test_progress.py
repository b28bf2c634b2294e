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


# --- by BPMN elements: the element that set the stage, recorded by the save ----------------------------


def test_the_save_records_the_element_that_set_the_stage(deployed, tmp_path):
    office = office_user(deployed)
    user, returned = registered(deployed, tmp_path)
    other, approved = registered(deployed, tmp_path, email="b@test.cn", credit_code="91110000600037341L")
    deployed.commit()
    assert returned.stage_element == "vet_registration"  # the open user task
    decide(deployed, returned, office, "return", "营业执照不清晰")
    decide(deployed, approved, office, "approve")
    assert (returned.stage, returned.stage_element) == ("returned", "correct_registration")
    assert (approved.status, approved.stage_element) == ("completed", "approved_end")  # the end event reached


def test_the_bar_follows_the_element_not_the_stage_code(deployed, tmp_path):
    """Two instances with the same stage code and different stage-setting elements stand in different places:
    the bar is decided by the element (and the tasks completed), never by comparing stage codes."""
    user, instance = registered(deployed, tmp_path)
    deployed.commit()
    assert states(progress.bar(deployed, instance)) == [("待审核", "current"), ("审核通过", "next")]
    instance.stage = "approved"  # a code on the main path, but the element that set the stage is the open task
    assert states(progress.bar(deployed, instance)) == [("待审核", "current"), ("审核通过", "next")]
    instance.stage, instance.stage_element = "vetting", "approved_end"
    assert states(progress.bar(deployed, instance)) == [("待审核", "done"), ("审核通过", "current")]
    deployed.rollback()


def test_a_step_stands_for_its_twins_in_another_lane():
    """提交正式版 is drawn twice (the institution's lane, the enterprise's): both are the bar's first step."""
    path = progress.main_path(shipped("formal_plan.bpmn"), "formal_plan")
    first = path.steps[0]
    assert {"draft_plan", "draft_plan_enterprise"} <= first.elements
    assert path.step_of["draft_plan_enterprise"] == path.step_of["draft_plan"] == 0
    assert "correct_plan" not in path.step_of  # 已退回: a detour, not a step


def test_the_bars_of_a_page_are_read_in_the_same_statements_however_many(deployed, tmp_path):
    from storage.models import ProcessInstance
    from tests.engine.test_enrollment_process import enrolled, review
    from tests.engine.test_service_context import statements_during
    from tests.factories import active_member

    institution = active_member(deployed, "inst@test.cn", "institution", "华标检测认证有限公司")
    enrollments = [enrolled(deployed, tmp_path, institution) for _ in range(3)]
    office = office_user(deployed)
    review(deployed, enrollments[1], office, "approve")
    review(deployed, enrollments[2], office, "return", "资质证书不清晰")
    rows = [deployed.get(ProcessInstance, enrollment.instance_id) for enrollment in enrollments]
    progress.bars(deployed, rows[:1])  # the version's main path cached, as on every page after the first
    found = {}
    one = statements_during(deployed, lambda: found.update(progress.bars(deployed, rows[:1])))
    three = statements_during(deployed, lambda: found.update(progress.bars(deployed, rows)))
    assert len(one) == len(three) == 1, (one, three)
    assert [states(found[row.id]) for row in rows] == [states(progress.bar(deployed, row)) for row in rows]
    assert [s.state for s in found[rows[1].id].steps] == ["done", "done"]
    assert [s.state for s in found[rows[2].id].steps] == ["done", "detour", "next"]
    assert progress.bars(deployed, []) == {}


def test_one_stage_filter_for_the_record_list_and_the_work_lists(deployed, tmp_path):
    """报名记录's 当前状态 and 待办 / 已办's 环节 filter through the same engine helper as the console."""
    from sqlalchemy import select

    from engine.domain.console import InstanceFilter, instances
    from engine.list_filters import TASK_CHOICES, instances_at_stage
    from engine.record_lists import ENROLLMENTS
    from storage.models import Enrollment, HumanTask
    from tests.engine.test_enrollment_process import enrolled, review
    from tests.factories import active_member

    institution = active_member(deployed, "inst@test.cn", "institution", "华标检测认证有限公司")
    waiting, approved = (enrolled(deployed, tmp_path, institution) for _ in range(2))
    review(deployed, approved, office_user(deployed), "approve")
    for stage, expected in (("vetting", waiting), ("approved", approved)):
        console, _ = instances(deployed, InstanceFilter(stage=stage), 1)
        assert set(deployed.scalars(instances_at_stage(stage))) == {row.id for row in console}
        assert deployed.scalars(select(Enrollment.id).where(ENROLLMENTS.spec.choices["stage"](stage))).all() == [
            expected.id]
        tasks = deployed.scalars(select(HumanTask.instance_id).where(TASK_CHOICES["stage"](stage))).all()
        assert set(tasks) <= {row.id for row in console} and (expected.instance_id in tasks)
