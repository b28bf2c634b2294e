"""已办: each row says what was decided and why, links to a read-only view, and tells the current state."""
from __future__ import annotations

from sqlalchemy import event

from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    enterprise_client_fixture,  # noqa: F401
    evaluate,
    issued_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
    ready_task,
    return_form,
)
from tests.webapp.helpers import decide, flashes, multipart, open_task, page, text_of
from tests.webapp.pilot_flow import (
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401
from tests.webapp.test_return_flow import correction_form

REASON = "营业执照不清晰，请重新上传"
OPINION = "检测报告缺少第 3 项的检测值，请补充"


def done_rows(client) -> list[dict]:
    rows = []
    for tr in page(client.get("/tasks/done")).xpath("//tr[@data-task-id]"):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("td")]
        decision = " ".join(tr.xpath("string(.//*[@data-decision])").split())
        reason = " ".join(tr.xpath("string(.//*[@data-reason])").split())
        rows.append({"id": int(tr.get("data-task-id")), "title": cells[1],
                     "decision": f"{decision} {reason}".strip(),
                     "state": cells[5], "links": tr.xpath(".//a/@href")})
    return rows


def return_then_approve(office_client, applicant_client, session_factory, applicant) -> tuple[int, int]:
    returned = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, returned.id, "return", REASON).status_code == 302
    correction = open_task(session_factory, applicant.instance_id)
    response = applicant_client.post(f"/tasks/{correction.id}", **multipart(correction_form()))
    assert response.status_code == 302
    approved = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, approved.id, "approve").status_code == 302
    return returned.id, approved.id


def test_a_return_and_a_later_approval_are_told_apart(office_client, applicant, applicant_client, session_factory):
    returned, approved = return_then_approve(office_client, applicant_client, session_factory, applicant)
    rows = done_rows(office_client)
    assert [row["id"] for row in rows] == [approved, returned]
    assert rows[0]["decision"] == "通过"
    assert rows[1]["decision"] == f"退回修改 原因：{REASON}"
    assert all(row["links"] == [f"/tasks/done/{row['id']}"] for row in rows)
    # The applicant's own 已办 says it resubmitted.
    assert [row["decision"] for row in done_rows(applicant_client)] == ["已提交"]


def test_a_completed_task_opens_read_only_for_whoever_completed_it(
        office_client, applicant, applicant_client, session_factory):
    returned, _approved = return_then_approve(office_client, applicant_client, session_factory, applicant)
    response = office_client.get(f"/tasks/done/{returned}")
    assert response.status_code == 200
    outcome = " ".join(page(response).xpath("string(//table[@data-done-outcome])").split())
    assert "退回修改" in outcome and REASON in outcome
    assert "深圳测试科技有限公司" in text_of(response)
    assert not page(response).xpath("//input[@name='decision'] | //textarea")
    # The task itself still refuses to be handled again.
    posted = office_client.post(f"/tasks/{returned}", data={"decision": "approve", "reason": ""})
    assert posted.status_code == 302 and posted.headers["Location"] == "/tasks/"


def test_only_whoever_completed_a_task_sees_it_in_done(office_client, applicant, applicant_client,
                                                       session_factory, make_client, new_applicant):
    import demodata
    from tests.webapp.helpers import OFFICE_PASSWORD
    returned, _approved = return_then_approve(office_client, applicant_client, session_factory, applicant)
    with session_factory() as session:
        demodata.ensure_user(session, "office2@test.cn", OFFICE_PASSWORD, "office", "对标达标专项办")
        session.commit()
    colleague = make_client("office2@test.cn", OFFICE_PASSWORD)
    assert colleague.get(f"/tasks/done/{returned}").status_code == 404
    assert applicant_client.get(f"/tasks/done/{returned}").status_code == 404
    pending = new_applicant("second@test.cn", name="广州第二科技有限公司", phone="13900000002")
    assert office_client.get(f"/tasks/done/{open_task(session_factory, pending.instance_id).id}").status_code == 404
    assert office_client.get("/tasks/done/999999").status_code == 404


def test_the_institutions_return_and_evaluation_show_the_opinion_and_conclusion(
        application, institution_client, enterprise_client, session_factory):
    first = ready_task(session_factory, "evaluate_application", application.instance_id)
    assert institution_client.post(f"/tasks/{first.id}", data=return_form(OPINION)).status_code == 302
    correction = ready_task(session_factory, "correct_application", application.instance_id)
    assert enterprise_client.get(f"/tasks/{correction.id}").status_code == 200
    from tests.webapp.compliance_flow import application_form
    response = enterprise_client.post(f"/tasks/{correction.id}", **multipart(application_form()))
    assert response.status_code == 302, text_of(response)
    second = evaluate(institution_client, session_factory, application.instance_id)
    rows = [row for row in done_rows(institution_client) if row["title"] == "达标产品评价"]
    assert [row["id"] for row in rows] == [second.id, first.id]
    assert rows[0]["decision"] == "审核：达标"
    assert rows[1]["decision"] == f"退回修改 原因：{OPINION}"


def filing_rows(client) -> list[dict]:
    return [row for row in done_rows(client) if row["title"] == "达标结果形式审核及备案"]


def test_a_revoked_certificate_is_not_shown_as_issued(issued, office_client):
    (row,) = filing_rows(office_client)
    assert row["decision"] == "通过" and row["state"] == "已发证"
    url = f"/office/certificates/{issued.certificate_id}/revoke"
    assert office_client.post(url, data={"reason": "抽查不合格"}).status_code == 302
    (row,) = filing_rows(office_client)
    assert row["state"] == "已撤销"
    detail = office_client.get(row["links"][0])
    assert "已撤销" in page(detail).xpath("string(//*[@data-current-state])")


def test_the_list_takes_the_same_queries_for_one_row_or_many(office_client, new_applicant, session_factory, app):
    def decide_one(email, name, phone):
        created = new_applicant(email, name=name, phone=phone)
        assert decide(office_client, open_task(session_factory, created.instance_id).id,
                      "reject", "材料不符").status_code == 302

    def statements():
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        engine = app.extensions["duibiao.engine"]
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert office_client.get("/tasks/done").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return seen

    decide_one("a1@test.cn", "甲科技有限公司", "13900000011")
    one = statements()
    for n in range(2, 5):
        decide_one(f"a{n}@test.cn", f"乙{n}科技有限公司", f"1390000002{n}")
    many = statements()
    assert len(many) == len(one), (one, many)
    assert not any("process_instance.state" in sql for sql in many)
    assert all(row["decision"] == "不予通过 原因：材料不符" for row in done_rows(office_client))


def test_every_done_task_of_the_flows_opens_read_only(issued, office_client, institution_client):
    for client in (office_client, institution_client):
        rows = done_rows(client)
        assert rows
        for row in rows:
            response = client.get(row["links"][0])
            assert response.status_code == 200, (row, flashes(response))
            assert page(response).xpath("//table[@data-done-outcome]")
            assert row["decision"], row  # every completion tells what it decided or that it was submitted
