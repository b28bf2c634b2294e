"""The operator's console in Chromium: a registration whose approval fails in its service task is in
出错; the demo operator finds it by the organisation's name, reads why (the message, the failing element
marked on the diagram), retries it once the cause is fixed, and the enterprise sees its status move."""
from __future__ import annotations

import json

import pytest

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

OPERATOR = ("operator@demo.duibiao.cn", "Operate#2026")
APPLICANT = ("console-applicant@test.cn", "Secret#123")
COMPANY = "杭州控制台测试有限公司"



def approval_fails_in_its_service_task(live_server) -> None:
    """A new enterprise registers; the office approves while registration.approve is broken (an SMS
    gateway down, say): the submission is kept, the instance is in 出错."""
    from engine import runtime, services
    from engine.domain import registration
    from engine.domain.auth import find_user
    from storage.models import HumanTask
    from tests.factories import registered
    from webapp import db

    def broken(context, task):
        raise ConnectionError("短信网关无响应")

    working = services.registry["registration.approve"]
    services.registry["registration.approve"] = broken
    try:
        with live_server.app.app_context():
            session = db.session()
            _user, instance = registered(session, live_server.data_dir / "files", email=APPLICANT[0],
                                         name=COMPANY, phone="13900001111")
            session.commit()
            task = session.query(HumanTask).filter_by(instance_id=instance.id, state="ready").one()
            office = find_user(session, "office@demo.duibiao.cn")
            runtime.complete_task(session, task, office.id, lambda ctx: registration.decide(ctx, "approve", ""))
            session.commit()
            assert instance.status == "error", instance.status
    finally:
        services.registry["registration.approve"] = working


def test_the_operator_finds_an_errored_instance_reads_why_and_retries_it(new_context, live_server):
    approval_fails_in_its_service_task(live_server)
    _, applicant, _ = new_context()
    log_in(applicant, *APPLICANT)
    applicant.goto("/account/status")
    before = applicant.text_content("[data-org-status]").strip()
    assert before != "审核通过"

    _, page, js_errors = new_context()
    log_in(page, *OPERATOR)
    page.goto("/operations/instances")
    page.fill("input[name='q']", COMPANY)
    page.select_option("select[name='status']", "error")
    with page.expect_navigation():
        page.click("button:has-text('查询')")
    rows = page.locator("tr[data-instance-id]")
    assert rows.count() == 1 and "出错" in rows.first.text_content()
    with page.expect_navigation():
        rows.first.locator("a:has-text('详情')").click()

    # Why: the message, the element, and the element marked on the diagram.
    assert "短信网关无响应" in page.text_content("[data-error-message]")
    element = page.text_content("[data-error-element]").strip()
    page.wait_for_selector("[data-bpmn-diagram][data-bpmn-state='rendered']")
    assert page.locator(f".djs-element.bpmn-error[data-element-id='{element}']").count() == 1

    # The cause fixed (the service works again): 重试 with a reason.
    retry = page.locator("form[data-action='retry']")
    retry.locator("input[name='reason']").fill("短信网关已恢复")
    with page.expect_navigation():
        retry.locator("button").click()
    assert page.locator("[data-error]").count() == 0
    assert "短信网关已恢复" in page.text_content("body")

    applicant.reload()
    assert applicant.text_content("[data-org-status]").strip() == "审核通过"
    assert js_errors == [] and live_server.errors == [], json.dumps(js_errors, ensure_ascii=False)
