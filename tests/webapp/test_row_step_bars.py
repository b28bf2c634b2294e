"""我参与的 and 我的方案: each row's compact step bar (engine.progress.bars, drawn from its BPMN), read for
the whole page at once: the page runs as many statements for three rows as for one."""
from __future__ import annotations

from tests.webapp.helpers import decide, field_errors, multipart, open_task, page, pdf, statements_of
from tests.webapp.pilot_flow import (
    enrolled,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_pilot,
    my_row,
    return_it,
)
from tests.webapp.plan_flow import REPORT, report_form

TITLES = ("智能门锁产品试点第三方技术机构招募", "电动汽车充电桩产品试点第三方技术机构招募",
          "扫地机器人产品试点第三方技术机构招募")


def row_bar(row) -> tuple[str, list[tuple[str, str]]]:
    """(the bar's process, [(a step's words as a screen reader reads them, its state)])."""
    [bar] = row.xpath(".//*[@data-row-step-bar]")
    return bar.get("data-row-step-bar"), [(" ".join(li.text_content().split()), li.get("data-step"))
                                          for li in bar.xpath(".//li[@data-step]")]



def test_my_enrolments_show_where_each_stands(app, office, office_client, institution, institution_client,
                                              session_factory):
    def enrolment(title: str):
        return enrolled(institution_client, session_factory, make_pilot(session_factory, office, title=title),
                        institution)

    approved = enrolment(TITLES[0])
    assert decide(office_client, open_task(session_factory, approved.instance_id).id, "approve").status_code == 302
    statements_of(app, institution_client, "/my/enrollments")  # each version's main path read once
    alone, one = statements_of(app, institution_client, "/my/enrollments?page=1")
    assert len(page(alone).xpath("//tr[@data-enrollment-id]")) == 1
    waiting, returned = enrolment(TITLES[1]), enrolment(TITLES[2])
    return_it(office_client, session_factory, returned)
    statements_of(app, institution_client, "/my/enrollments")  # the enrolment's version read once
    mine, three = statements_of(app, institution_client, "/my/enrollments?page=1")
    assert len(page(mine).xpath("//tr[@data-enrollment-id]")) == 3
    assert len(three) == len(one), (one, three)

    assert row_bar(my_row(mine, waiting.id)) == ("pilot_enrollment", [
        ("待审核（当前）", "current"), ("审核通过（待办理）", "next")])
    process, steps = row_bar(my_row(mine, returned.id))
    assert process == "pilot_enrollment"
    assert steps == [("✓ 待审核（已完成）", "done"), ("已退回（当前）", "detour"), ("审核通过（待办理）", "next")]
    # Approved: the row says where its plan stands, and its bar is the plan's process (编制方案 now).
    process, steps = row_bar(my_row(mine, approved.id))
    assert process == "comparison_report" and steps[0] == ("待编制方案（当前）", "current")
    assert {state for _, state in steps[1:]} == {"next"}
    [current] = my_row(mine, approved.id).xpath(".//li[@aria-current='step']")
    assert current.get("data-step") == "current"


def test_my_plans_show_where_each_stands(app, office, office_client, institution, institution_client,
                                        session_factory):
    drafting, in_review = (enrolled(institution_client, session_factory,
                                    make_pilot(session_factory, office, title=title), institution)
                           for title in TITLES[:2])
    for enrollment in (drafting, in_review):
        assert decide(office_client, open_task(session_factory, enrollment.instance_id).id,
                      "approve").status_code == 302
    [report] = [t for t in _ready(session_factory, in_review.id) if t.form_key == "draft_report"]
    response = institution_client.post(f"/tasks/{report.id}", **multipart(
        report_form("扫地机器人对标方案", pdf("比对分析报告.pdf", REPORT))))
    assert response.status_code == 302, field_errors(response)
    mine = page(institution_client.get("/my/plans"))
    bars = {tr.get("data-plan-id"): row_bar(tr) for tr in mine.xpath("//tr[@data-plan-id]")}
    assert len(bars) == 2
    shown = sorted(([state for _, state in steps] for _, steps in bars.values()), key=lambda s: s.index("current"))
    assert shown[0][:2] == ["current", "next"]  # 待编制方案
    assert shown[1][:3] == ["done", "current", "next"]  # 比对分析报告审核中
    assert {process for process, _ in bars.values()} == {"comparison_report"}


def _ready(session_factory, enrollment_id: int):
    from sqlalchemy import select

    from storage.models import HumanTask, ProcessInstance
    from tests.webapp.helpers import all_rows

    return all_rows(session_factory, select(HumanTask).join(
        ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
        ProcessInstance.business_key == f"enrollment:{enrollment_id}", HumanTask.state == "ready"))
