"""我要对标 → 撤回: an enterprise takes back a self-declaration the office has not checked yet."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import workflows
from engine import definitions
from storage.models import Declaration, HumanTask
from tests.engine.test_self_declaration import without_withdrawal
from tests.webapp.helpers import first, flashes, page, text_of
from tests.webapp.pilot_flow import (
    MEMBER_PASSWORD,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_member,
)
from tests.webapp.test_declarations import ENT_EMAIL, ENT_NAME, check_task, declared, table

CONFIRM_TEXT = "确定撤回该自我声明？撤回后将不在对标结果中显示。"
OLD_VERSION_REFUSAL = "该自我声明发布时的流程版本不支持撤回，如需撤下请联系专项办"


@pytest.fixture
def ent_client(app, session_factory, make_client):
    make_member(session_factory, ENT_EMAIL, "enterprise", ENT_NAME)
    return make_client(ENT_EMAIL, MEMBER_PASSWORD)


def withdraw(client, declaration: Declaration):
    return client.post(f"/my/declarations/{declaration.id}/withdraw")


def my_row(client) -> list[str]:
    (row,) = table(client.get("/my/declarations"), "data-my-declarations")[1]
    return row


def reread(session_factory, declaration: Declaration) -> Declaration:
    return first(session_factory, select(Declaration).where(Declaration.id == declaration.id))


def inbox_ids(client) -> list[str]:
    return page(client.get("/tasks/")).xpath("//tr[@data-task-id]/@data-task-id")


def test_the_withdraw_button_asks_for_confirmation(ent_client, session_factory):
    declaration = declared(ent_client, session_factory)
    (form,) = page(ent_client.get("/my/declarations")).xpath("//form[contains(@action, '/withdraw')]")
    assert form.get("action") == f"/my/declarations/{declaration.id}/withdraw"
    assert form.get("method") == "post"
    assert form.get("data-confirm") == CONFIRM_TEXT and not form.get("onsubmit")  # asked by confirm.js
    assert form.xpath(".//button")[0].text_content().strip() == "撤回"


def test_withdrawing_before_the_check(client, ent_client, other_client, office_client, session_factory):
    declaration = declared(ent_client, session_factory)
    task = check_task(session_factory, declaration)
    assert inbox_ids(office_client) == [str(task.id)]

    response = withdraw(ent_client, declaration)
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/declarations")
    mine = ent_client.get("/my/declarations")
    assert flashes(mine)[-1:] == ["自我声明已撤回，已不在对标结果中显示"]
    row = table(mine, "data-my-declarations")[1][0]
    assert (row[1], row[4], row[5]) == ("LY-TDR2025", "已撤回", "查看")  # no second 撤回
    assert reread(session_factory, declaration).status == "withdrawn"

    assert table(client.get("/declarations/"), "data-declarations")[1] == [["暂无对标结果"]]
    assert inbox_ids(office_client) == []  # the 核查 left the office's 待办
    assert first(session_factory, select(HumanTask).where(HumanTask.id == task.id)).state == "cancelled"
    assert client.get(f"/declarations/{declaration.id}").status_code == 404
    assert other_client.get(f"/declarations/{declaration.id}").status_code == 404
    own = ent_client.get(f"/declarations/{declaration.id}")
    assert own.status_code == 200 and page(own).xpath("//*[@data-withdrawn]")
    assert "该自我声明已由本企业撤回" in text_of(own)

    again = withdraw(ent_client, declaration)
    assert again.status_code == 302
    assert flashes(ent_client.get("/my/declarations")) == ["该自我声明已撤回"]
    assert reread(session_factory, declaration).status == "withdrawn"


def test_only_the_declaring_enterprise_may_withdraw(ent_client, other_client, institution_client, session_factory):
    declaration = declared(ent_client, session_factory)
    assert withdraw(other_client, declaration).status_code == 404
    assert institution_client.post(f"/my/declarations/{declaration.id}/withdraw").status_code == 403
    assert ent_client.post("/my/declarations/999999/withdraw").status_code == 404
    assert reread(session_factory, declaration).status == "published"


def test_a_checked_declaration_cannot_be_withdrawn(client, ent_client, office_client, session_factory):
    declaration = declared(ent_client, session_factory)
    task = check_task(session_factory, declaration)
    assert office_client.post(f"/tasks/{task.id}", data={"decision": "confirm", "reason": ""}).status_code == 302
    assert my_row(ent_client)[4:] == ["已核查", "查看"]  # no 撤回 button
    late = withdraw(ent_client, declaration)  # a page loaded before the 核查
    assert late.status_code == 302
    assert flashes(ent_client.get("/my/declarations")) == ["专项办已核查该自我声明，无法撤回"]
    assert reread(session_factory, declaration).status == "confirmed"
    assert len(table(client.get("/declarations/"), "data-declarations")[1]) == 1


def test_an_instance_of_the_version_without_withdrawal_is_refused_clearly(
        app, ent_client, office_client, session_factory):
    with session_factory() as session:  # the version running before 撤回 existed
        old = without_withdrawal(dict(workflows.bpmn_files())["self_declaration.bpmn"])
        definitions.deploy_documents(session, [("self_declaration.bpmn", old)])
        session.commit()
    declaration = declared(ent_client, session_factory)
    task = check_task(session_factory, declaration)
    response = withdraw(ent_client, declaration)
    assert response.status_code == 302
    assert flashes(ent_client.get("/my/declarations"))[-1:] == [OLD_VERSION_REFUSAL]
    assert reread(session_factory, declaration).status == "published"
    assert inbox_ids(office_client) == [str(task.id)]  # the office still checks it
