"""A returned 信息变更 is corrected in what is vetted (单位名称, 统一社会信用代码, documents): the corrected
credit code is what the office approves and what takes effect; 联系人 and 手机号 stay with 用户信息."""
from __future__ import annotations

from storage.models import HumanTask
from tests.webapp.helpers import decide, field_errors, page, ready_tasks, text_of
from tests.webapp.test_account_change_withdrawal import organization, profile_form

FIRST_CODE, CORRECTED_CODE = "91440300MA5F00001A", "91440300MA5F00002D"


def task_named(session_factory, name: str) -> HumanTask:
    (task,) = [t for t in ready_tasks(session_factory) if t.task_name == name]
    return task


def test_a_returned_change_is_corrected_and_its_credit_code_takes_effect(
        other_client, office_client, session_factory):
    before = organization(session_factory)
    form = profile_form(before, name="其他企业集团有限公司", credit_code=FIRST_CODE)
    assert other_client.post("/account/profile", data=form).status_code == 302
    # 注册状态 (and the office's 待办) name the change by the name asked for.
    assert f"其他企业集团有限公司（信息变更，原名称：{before.name}）" in text_of(other_client.get("/account/status"))
    vet = task_named(session_factory, "vet_registration")
    assert decide(office_client, vet.id, "return", "统一社会信用代码与营业执照不符").status_code == 302

    correction = task_named(session_factory, "correct_registration")
    shown = page(other_client.get(f"/tasks/{correction.id}"))
    names = set(shown.xpath("//form//*[@name]/@name")) - {"csrf_token"}
    assert names == {"name", "credit_code", "business_license"}  # an enterprise has no 资质文件
    assert shown.xpath("string(//input[@name='credit_code']/@value)") == FIRST_CODE
    assert shown.xpath("string(//input[@name='name']/@value)") == "其他企业集团有限公司"

    refused = other_client.post(f"/tasks/{correction.id}", data={"name": "其他企业集团有限公司",
                                                                 "credit_code": "91440300MA5F00002X"})
    assert refused.status_code == 422 and field_errors(refused)["credit_code"] == ["统一社会信用代码校验位不正确"]
    done = other_client.post(f"/tasks/{correction.id}", data={"name": "其他企业集团有限公司",
                                                              "credit_code": CORRECTED_CODE})
    assert done.status_code == 302, field_errors(done)
    assert organization(session_factory).credit_code == before.credit_code  # not before the office approves

    assert decide(office_client, task_named(session_factory, "vet_registration").id, "approve").status_code == 302
    after = organization(session_factory)
    assert (after.name, after.credit_code) == ("其他企业集团有限公司", CORRECTED_CODE)
    assert (after.contact, after.phone, after.city_code) == (before.contact, before.phone, before.city_code)
