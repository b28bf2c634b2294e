"""流程管理: designers and operators read process instances and deployed definitions (read-only)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

import demodata
from engine.domain import operations as operations_domain
from storage.models import ProcessDefinition, ProcessInstance
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    all_rows,
    decide,
    first,
    open_task,
    page,
    remembered_password_hashes,
    statements_of,
    text_of,
)
from webapp import operations as operations_views

OPERATOR = ("operator@test.cn", "Operate#123")
DESIGNER = ("designer@test.cn", "Design#123")
OFFICE_ORG = "对标达标提升专项行动办公室"
CONSOLE_PAGES = ["/operations/instances", "/operations/definitions"]


@pytest.fixture
def console_users(app, session_factory):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        demodata.ensure_user(session, *DESIGNER, "designer", OFFICE_ORG)
        session.commit()


@pytest.fixture
def operator_client(console_users, make_client):
    return make_client(*OPERATOR)


@pytest.fixture
def designer_client(console_users, make_client):
    return make_client(*DESIGNER)


def registration_definition_id(session_factory) -> int:
    return first(session_factory, select(ProcessDefinition.id).where(
        ProcessDefinition.key == "registration_vetting"))


def side_menu(response) -> list[str]:
    return [" ".join(a.text_content().split()) for a in page(response).xpath("//nav[@class='side-menu']/*")]


def instance_ids(response) -> list[int]:
    return [int(i) for i in page(response).xpath("//tr/@data-instance-id")]


# --- access ------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, session_factory):
    urls = [*CONSOLE_PAGES, "/operations/instances/1",
            f"/operations/definitions/{registration_definition_id(session_factory)}",
            f"/operations/definitions/{registration_definition_id(session_factory)}/bpmn"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


def test_other_roles_get_403(applicant, office_client, other_client, applicant_client, session_factory):
    definition_id = registration_definition_id(session_factory)
    urls = [*CONSOLE_PAGES, f"/operations/instances/{applicant.instance_id}",
            f"/operations/definitions/{definition_id}", f"/operations/definitions/{definition_id}/bpmn"]
    for client in (office_client, other_client, applicant_client):  # office, active enterprise, pending
        for url in urls:
            assert client.get(url).status_code == 403, url
    assert "流程管理" not in side_menu(office_client.get("/account/password"))


@pytest.mark.parametrize("who", ["operator", "designer"])
def test_operators_and_designers_find_both_consoles_in_the_menu(who, operator_client, designer_client):
    client = operator_client if who == "operator" else designer_client
    menu = side_menu(client.get("/account/password"))
    assert menu[menu.index("流程管理"):menu.index("流程管理") + 3] == ["流程管理", "流程实例", "流程定义"]
    for url in CONSOLE_PAGES:
        assert client.get(url).status_code == 200, url


# --- 流程实例 ------------------------------------------------------------------------------------


def test_instance_list_shows_the_newest_first_with_labels(applicant, new_applicant, operator_client):
    second = new_applicant("second@test.cn", name="广州第二科技有限公司", phone="13900000002")
    response = operator_client.get("/operations/instances")
    assert response.status_code == 200
    assert instance_ids(response) == [second.instance_id, applicant.instance_id]
    row = page(response).xpath(f"//tr[@data-instance-id='{applicant.instance_id}']")[0]
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells[1].startswith("注册审核") and row.xpath("string(td[@data-process]//code)") == "registration_vetting"
    assert cells[2] == "1"
    assert cells[3] == "深圳测试科技有限公司"
    assert cells[4] == "进行中"
    assert cells[5] == "待审核"
    assert cells[6] == cells[7] == "2026-11-02 09:30"  # China time of the frozen clock
    assert row.xpath(".//a/@href") == [f"/operations/instances/{applicant.instance_id}"]


def test_instance_list_filters_by_process_status_and_subject(
        applicant, new_applicant, office_client, operator_client, session_factory):
    second = new_applicant("second@test.cn", name="广州第二科技有限公司", phone="13900000002")
    assert decide(office_client, open_task(session_factory, second.instance_id).id, "approve").status_code == 302

    def ids(**args):
        response = operator_client.get("/operations/instances", query_string=args)
        assert response.status_code == 200
        return instance_ids(response)

    assert ids(process="registration_vetting") == [second.instance_id, applicant.instance_id]
    assert ids(process="formal_plan") == []
    assert ids(status="completed") == [second.instance_id]
    assert ids(status="running") == [applicant.instance_id]
    assert ids(q="广州") == [second.instance_id]
    assert ids(q="  深圳测试 ") == [applicant.instance_id]
    assert ids(q="100%") == []  # LIKE wildcards are searched for literally
    assert ids(process="no_such_process", status="bogus") == [second.instance_id, applicant.instance_id]
    response = operator_client.get("/operations/instances?q=无此主题")
    assert "未找到符合条件的流程实例" in text_of(response)
    options = page(response).xpath("//select[@name='process']/option/text()")
    assert "注册审核 · registration_vetting" in options and "参与达标 · compliance_review" in options


def test_instance_list_pages(new_applicant, operator_client, monkeypatch):
    monkeypatch.setattr(operations_views, "PER_PAGE", 2)
    created = [new_applicant(f"a{n}@test.cn", name=f"分页测试企业{n}", phone=f"1390000001{n}").instance_id
               for n in range(3)]
    first_page = operator_client.get("/operations/instances?q=分页测试")
    assert instance_ids(first_page) == [created[2], created[1]]
    assert "共 3 条" in text_of(first_page)
    next_link = page(first_page).xpath("//nav[contains(@class, 'pager')]//a/@href")
    assert len(next_link) == 1 and "page=2" in next_link[0] and "q=" in next_link[0]
    assert instance_ids(operator_client.get(next_link[0])) == [created[0]]



def reads_state(statement: str) -> bool:
    return re.search(r"process_instance\.state\b", statement) is not None


def test_instance_list_statements_do_not_grow_with_rows_and_never_read_state(app, new_applicant, operator_client):
    def list_statements():
        response, statements = statements_of(app, operator_client, "/operations/instances")
        return instance_ids(response), statements

    new_applicant("s0@test.cn", name="语句计数企业0", phone="13900000020")
    operator_client.get("/operations/instances")  # process names are read from BPMN once, then cached
    one_ids, one = list_statements()
    for n in (1, 2, 3):
        new_applicant(f"s{n}@test.cn", name=f"语句计数企业{n}", phone=f"1390000002{n}")
    four_ids, four = list_statements()
    assert (len(one_ids), len(four_ids)) == (1, 4)
    assert len(four) == len(one), (one, four)
    # BEGIN, the user, the process names, the count, one page of rows, the unread badge.
    assert len(four) <= 6, four
    assert not [s for s in four if reads_state(s) or "bpmn_xml" in s], four


# --- 实例详情 ------------------------------------------------------------------------------------


def test_instance_detail_shows_tasks_timeline_and_ready_highlight(
        app, applicant, office_client, operator_client, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    url = f"/operations/instances/{applicant.instance_id}"
    waiting = operator_client.get(url)
    assert waiting.status_code == 200
    diagram = page(waiting).xpath("//*[@data-bpmn-diagram]")[0]
    assert diagram.get("data-highlight") == f'["{task.task_name}"]'
    definition_id = registration_definition_id(session_factory)
    assert diagram.get("data-bpmn-url") == f"/operations/definitions/{definition_id}/bpmn?lanes=labels"
    drawn = operator_client.get(diagram.get("data-bpmn-url")).get_data(as_text=True)
    assert 'name="专项办"' in drawn and 'name="office"' not in drawn  # lanes named for readers …
    raw = operator_client.get(f"/operations/definitions/{definition_id}/bpmn").get_data(as_text=True)
    assert 'name="office"' in raw  # … while the download is the deployed file as it is
    assert page(waiting).xpath("//tr[@data-task-id]/@data-task-state") == ["ready"]

    assert decide(office_client, task.id, "return", "营业执照不清晰").status_code == 302
    response = operator_client.get(url)
    text = text_of(response)
    for expected in ("注册审核", "registration_vetting", "深圳测试科技有限公司",
                     f"organization:{applicant.organization_id}", "已退回", "专项办", "申请单位",
                     OFFICE_EMAIL, "流程启动", "完成任务", "办理「注册审核」：退回修改", "意见：营业执照不清晰"):
        assert expected in text, expected
    assert "decision=" not in text  # the history in words, never the recorded keys
    states = page(response).xpath("//tr[@data-task-id]/@data-task-state")
    assert states == ["completed", "ready"]
    done_row = page(response).xpath(f"//tr[@data-task-id='{task.id}']")[0]
    assert done_row.xpath("string(td[@data-completed-by])").strip() == OFFICE_EMAIL
    ready_row = page(response).xpath("//tr[@data-task-state='ready']")[0]
    assert "深圳测试科技有限公司" in ready_row.text_content()  # the applicant's organisation
    kinds = page(response).xpath("//li[@data-event-kind]/@data-event-kind")
    assert kinds[:2] == ["started", "task_completed"]
    _, statements = statements_of(app, operator_client, url)
    # The detail page is the one page that reads the state (the path taken, timers, data): once.
    assert len([s for s in statements if reads_state(s)]) == 1, statements
    correction = open_task(session_factory, applicant.instance_id)
    assert page(response).xpath("//*[@data-bpmn-diagram]/@data-highlight") == [f'["{correction.task_name}"]']


def test_instance_detail_of_a_missing_instance_is_404(operator_client):
    assert operator_client.get("/operations/instances/999999").status_code == 404


def test_detail_highlights_the_call_activity_of_a_called_process_task():
    source = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="outer" isExecutable="true">
    <bpmn:userTask id="draft" />
    <bpmn:callActivity id="call_publicity" calledElement="publicity" />
    <bpmn:callActivity id="call_other" calledElement="other" />
  </bpmn:process>
</bpmn:definitions>"""

    class Ready:
        def __init__(self, process_key, task_name):
            self.process_key, self.task_name = process_key, task_name

    ready = [Ready("outer", "draft"), Ready("publicity", "review_comments")]
    assert operations_domain.highlighted_elements(source, "outer", ready) == ["call_publicity", "draft"]
    assert operations_domain.highlighted_elements(source, "outer", []) == []


# --- 流程定义 ------------------------------------------------------------------------------------


def test_definition_list_names_versions_and_instance_counts(applicant, new_applicant, designer_client):
    new_applicant("second@test.cn", name="广州第二科技有限公司", phone="13900000002")
    response = designer_client.get("/operations/definitions")
    assert response.status_code == 200
    rows = {row.get("data-key"): row for row in page(response).xpath("//tr[@data-definition-id]")}
    assert {"registration_vetting", "formal_plan", "publicity", "compliance_review",
            "certificate_issuance", "self_declaration", "pilot_enrollment", "comparison_report"} <= set(rows)
    registration = rows["registration_vetting"]
    assert registration.xpath("string(td[@data-name])") == "注册审核"
    assert registration.xpath("string(td[@data-version])") == "1"
    assert registration.xpath("string(td[@data-state])").strip() == "当前版本"
    assert registration.xpath("string(td[@data-instances])").strip() == "2"
    assert rows["publicity"].xpath("string(td[@data-name])") == "方案公示"
    assert rows["publicity"].xpath("string(td[@data-instances])").strip() == "0"


def test_definition_diagram_page_and_its_xml(designer_client, session_factory):
    definition_id = registration_definition_id(session_factory)
    response = designer_client.get(f"/operations/definitions/{definition_id}")
    assert response.status_code == 200
    assert "流程图：注册审核" in text_of(response)
    scripts = page(response).xpath("//script/@src")
    assert "/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in scripts
    assert "/static/bpmn_view.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)  # no CDN

    xml = designer_client.get(f"/operations/definitions/{definition_id}/bpmn")
    assert xml.status_code == 200
    assert xml.mimetype == "application/xml"
    assert xml.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "registration_vetting-v1.bpmn" in xml.headers["Content-Disposition"]
    (source,) = all_rows(session_factory, select(ProcessDefinition.bpmn_xml).where(
        ProcessDefinition.id == definition_id))
    assert xml.get_data(as_text=True) == source
    assert designer_client.get("/operations/definitions/999999").status_code == 404
    assert designer_client.get("/operations/definitions/999999/bpmn").status_code == 404


def test_operators_open_an_instance_diagram_whose_version_they_see(applicant, operator_client, session_factory):
    instance = first(session_factory, select(ProcessInstance).where(ProcessInstance.id == applicant.instance_id))
    response = operator_client.get(f"/operations/instances/{applicant.instance_id}")
    links = page(response).xpath("//td[@data-version]/a/@href")
    assert links == [f"/operations/definitions/{instance.definition_id}"]
