"""self_declaration (我要对标): published at once, then confirmed or taken down by the office."""
from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import select

from engine import definitions, projection, runtime, serializer
from engine.domain import declarations
from engine.domain.declarations import DeclarationDraft
from engine.domain.errors import InputError
from engine.services import ServiceContext
from storage.files import FileStore
from storage.models import Declaration, HumanTask, Message, OutboxItem, ProcessInstance
from tests.conftest import START
from tests.engine.helpers import round_trip
from tests.factories import PDF_BYTES, active_member, office_user, registered

INDICATORS = [
    {"name": "整车质量", "own_value": "≤55kg", "benchmark_value": "≤55kg", "benchmark_standard": "GB 17761-2024"},
    {"name": "续驶里程", "own_value": "85km", "benchmark_value": "≥60km", "benchmark_standard": "EN 15194:2017"},
]


def draft(product="两轮电动自行车", model="LY-TDR2025", number="GB 17761-2024", attachment=None):
    return DeclarationDraft(product, model, [{"number": number, "name": "电动自行车安全技术规范"}],
                            [dict(row) for row in INDICATORS], "本企业产品主要指标已对标国家标准。", attachment)


@pytest.fixture
def office(deployed):
    return office_user(deployed)


@pytest.fixture
def enterprise(deployed):
    return active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")


def declared(session, user, **kwargs) -> Declaration:
    declaration = declarations.declare(session, user, draft(**kwargs))
    session.commit()
    return declaration


def check_task(session, declaration) -> HumanTask:
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == declaration.instance_id, HumanTask.state == "ready")).one()


def check_in_new_session(session_factory, declaration_id, office_id, decision, reason=""):
    """The office's 核查 in a session of its own: the instance is loaded from the database."""
    with session_factory() as other:
        declaration = other.get(Declaration, declaration_id)
        runtime.complete_task(other, check_task(other, declaration), office_id,
                              lambda ctx: declarations.check(ctx, decision, reason))
        other.commit()


def test_declaring_publishes_at_once_and_opens_the_office_check(deployed, enterprise, office):
    declaration = declared(deployed, enterprise)
    instance = deployed.get(ProcessInstance, declaration.instance_id)
    assert (declaration.status, declaration.published_at) == ("published", START)
    assert (instance.status, instance.stage, instance.business_key) == (
        "running", "published", f"declaration:{declaration.id}")
    task = check_task(deployed, declaration)
    assert (task.task_name, task.form_key, task.role, task.organization_id, task.process_key) == (
        "check_declaration", "check_declaration", "office", None, "self_declaration")
    assert [d.position for d in declaration.indicators] == [1, 2]
    assert deployed.scalars(select(Message).where(Message.user_id.is_(None))).all() == []  # publishing notifies nobody
    round_trip(deployed, instance)


def test_instance_data_holds_ids_only(deployed, enterprise):
    declaration = declared(deployed, enterprise)
    instance = deployed.get(ProcessInstance, declaration.instance_id)
    workflow = runtime.load(deployed, instance, ServiceContext(deployed, instance))
    (task,) = projection.ready_user_tasks(workflow)
    assert task.data == {"declaration_id": declaration.id, "enterprise_org_id": enterprise.organization_id,
                         "publish_declaration_result": {"declaration_id": declaration.id}}


def test_confirm(deployed, session_factory, enterprise, office):
    declaration = declared(deployed, enterprise)
    check_in_new_session(session_factory, declaration.id, office.id, "confirm")
    deployed.expire_all()
    instance = deployed.get(ProcessInstance, declaration.instance_id)
    assert (declaration.status, declaration.taken_down_at, declaration.taken_down_reason) == ("confirmed", None, None)
    assert (instance.status, instance.stage) == ("completed", "confirmed")
    assert deployed.scalars(select(Message).where(Message.user_id.is_(None))).all() == []
    assert declarations.public_list(deployed, "")[1] == 1
    round_trip(deployed, instance)


def test_take_down_tells_the_enterprise_why(deployed, session_factory, enterprise, office, frozen_clock):
    declaration = declared(deployed, enterprise)
    frozen_clock.advance(timedelta(days=2))
    check_in_new_session(session_factory, declaration.id, office.id, "take_down", "  续驶里程缺少检测依据  ")
    deployed.expire_all()
    instance = deployed.get(ProcessInstance, declaration.instance_id)
    assert (declaration.status, declaration.taken_down_reason) == ("taken_down", "续驶里程缺少检测依据")
    assert declaration.taken_down_at == frozen_clock.now() and declaration.published_at == START
    assert (instance.status, instance.stage) == ("completed", "taken_down")
    (message,) = deployed.scalars(select(Message).where(Message.user_id.is_(None))).all()
    assert message.organization_id == enterprise.organization_id
    assert message.title == "自我声明已被专项办撤下"
    assert "续驶里程缺少检测依据" in message.body and "LY-TDR2025" in message.body
    # and an e-mail to the enterprise (the office's 新待办 e-mails go to its people)
    (mail,) = deployed.scalars(select(OutboxItem).where(OutboxItem.recipient.startswith("organization:"))).all()
    assert mail.channel == "email" and "自我声明已被专项办撤下" in mail.subject and "续驶里程缺少检测依据" in mail.body
    assert declarations.public_list(deployed, "") == ([], 0)
    round_trip(deployed, instance)


def test_take_down_needs_a_reason_and_a_known_decision(deployed, enterprise, office):
    declaration = declared(deployed, enterprise)
    for decision, reason, field in (("take_down", "   ", "reason"), ("approve", "", "decision")):
        with pytest.raises(InputError) as refused:
            runtime.complete_task(deployed, check_task(deployed, declaration), office.id,
                                  lambda ctx, d=decision, r=reason: declarations.check(ctx, d, r))
        assert refused.value.field == field
        deployed.rollback()
    deployed.expire_all()
    assert declaration.status == "published"
    assert check_task(deployed, declaration).task_name == "check_declaration"


def test_a_stale_reason_does_not_survive_a_confirm(deployed, enterprise, office):
    declaration = declared(deployed, enterprise)
    runtime.complete_task(deployed, check_task(deployed, declaration), office.id,
                          lambda ctx: declarations.check(ctx, "confirm", "写了但选择通过"))
    deployed.commit()
    assert (declaration.status, declaration.taken_down_reason) == ("confirmed", None)


def test_only_active_enterprises_may_declare(deployed, tmp_path, office):
    institution = active_member(deployed, "inst@test.cn", "institution", "华标检测认证有限公司")
    pending, _instance = registered(deployed, tmp_path, email="pending@test.cn")
    for user, message in ((institution, "只有企业用户"), (office, "只有企业用户"), (pending, "审核通过后")):
        with pytest.raises(declarations.DeclarationRefused, match=message):
            declarations.declare(deployed, user, draft())
    assert deployed.scalars(select(Declaration)).all() == []


def test_incomplete_input_is_refused_by_the_domain_too(deployed, enterprise):
    empty = draft()
    empty.indicators = []
    with pytest.raises(InputError, match="指标"):
        declarations.declare(deployed, enterprise, empty)
    deployed.rollback()
    assert deployed.scalars(select(Declaration)).all() == []


def test_public_search(deployed, session_factory, enterprise, office):
    other = active_member(deployed, "ent2@test.cn", "enterprise", "Yadi Smart Tech 有限公司")
    first = declared(deployed, enterprise, product="两轮电动自行车", model="LY-TDR2025", number="GB/T 1234-2020")
    second = declared(deployed, other, product="锂离子蓄电池", model="YD-48V20AH", number="T/ABC 001-2023")
    taken = declared(deployed, other, product="充电器", model="YD-CH360", number="GB 42295-2022")
    check_in_new_session(session_factory, taken.id, office.id, "take_down", "不实")

    def found(query):
        return [d.id for d in declarations.public_list(deployed, query)[0]]

    assert found("") == [second.id, first.id]  # newest first; the taken-down one is gone
    assert found("绿源") == [first.id]
    assert found("yadi smart") == [second.id]  # 企业名称, case and spaces ignored
    assert found("蓄电池") == [second.id]
    assert found("ly-tdr") == [first.id]  # 产品型号, case-insensitive
    assert found("gb/t 1234—2020") == [first.id]  # 标准号 however it is written
    assert found("abc001") == [second.id]
    assert found("充电器") == []  # taken down
    assert found("%") == [] and found("_") == []  # no wildcards
    assert found("x" * 500) == []
    rows, total = declarations.public_list(deployed, "", page=2, per_page=1)
    assert ([d.id for d in rows], total) == ([first.id], 2)


def test_attachment_is_public_while_published(deployed, session_factory, tmp_path, enterprise, office):
    attachment = FileStore(tmp_path).save(deployed, PDF_BYTES, "检测报告.pdf", "application/pdf")
    declaration = declared(deployed, enterprise, attachment=attachment)
    assert declarations.is_public_declaration_file(deployed, attachment.id)
    assert declarations.declaration_owner(deployed, attachment.id) == {enterprise.organization_id}
    assert declarations.declaration_owner(deployed, attachment.id + 1) == set()
    deployed.commit()  # SQLite: one writer at a time, and the check runs in its own session
    check_in_new_session(session_factory, declaration.id, office.id, "take_down", "不实")
    deployed.expire_all()
    assert not declarations.is_public_declaration_file(deployed, attachment.id)
    assert declarations.declaration_owner(deployed, attachment.id) == {enterprise.organization_id}


def test_mine_lists_the_stage_of_each_declaration(deployed, session_factory, enterprise, office):
    first = declared(deployed, enterprise, model="A-1")
    second = declared(deployed, enterprise, model="A-2")
    check_in_new_session(session_factory, first.id, office.id, "confirm")
    deployed.expire_all()
    rows, total = declarations.of_enterprise(deployed, enterprise.organization_id)
    assert ([(d.id, instance.stage) for d, instance in rows], total) == (
        [(second.id, "published"), (first.id, "confirmed")], 2)
    assert declarations.of_enterprise(deployed, office.organization_id) == ([], 0)


def test_the_saved_state_restores_from_the_database(deployed, session_factory, enterprise):
    declaration = declared(deployed, enterprise)
    with session_factory() as other:
        instance = other.get(ProcessInstance, declaration.instance_id)
        spec, subprocess_specs = definitions.specs_for(other, instance.definition)
        restored = serializer.loads(instance.state, spec, subprocess_specs)
        assert serializer.dumps(restored) == instance.state
        assert [t.task_spec.name for t in projection.ready_user_tasks(restored)] == ["check_declaration"]


def test_demo_declarations_are_idempotent(deployed):
    import demodata
    from demodata import declarations as demo_declarations

    for email, password, role, org_name, province, city in demodata.DEMO_ACCOUNTS[:5]:
        if role != "institution":
            demodata.ensure_user(deployed, email, password, role, org_name, province, city)
    demo_declarations.load_declarations(deployed)
    deployed.commit()
    demo_declarations.load_declarations(deployed)
    deployed.commit()
    statuses = sorted(deployed.scalars(select(Declaration.status)))
    assert statuses == ["confirmed", "published", "taken_down"]
    assert deployed.scalars(select(Message.title).where(Message.user_id.is_(None))).all() == ["自我声明已被专项办撤下"]


# --- one public declaration per 产品型号 -------------------------------------------------------------


def refused_model(session, user, model, said: str = "原声明撤回后方可重新发布") -> None:
    with pytest.raises(InputError) as refused:
        declarations.declare(session, user, draft(product="另一个产品名称", model=model))
    assert refused.value.field == "product_model"
    assert said in refused.value.message
    session.rollback()


def test_the_same_model_is_refused_while_the_first_is_public(deployed, session_factory, enterprise, office):
    first_id, office_id = declared(deployed, enterprise, model="LY-TDR2025").id, office.id
    for model in ("LY-TDR2025", " ly-tdr2025 ", "LY - TDR 2025", "ＬＹ－ＴＤＲ２０２５"):  # as compliance compares
        refused_model(deployed, enterprise, model)
    check_in_new_session(session_factory, first_id, office_id, "confirm")
    deployed.expire_all()
    # A confirmed one holds the model too, and the refusal does not offer a withdrawal it cannot have.
    refused_model(deployed, enterprise, "ly-tdr2025", said="已核查通过并在“对标结果”中公布，不能重复发布")
    assert [d.id for d in declarations.public_list(deployed, "")[0]] == [first_id]
    assert deployed.scalars(select(Declaration.id)).all() == [first_id]
    other = active_member(deployed, "ent2@test.cn", "enterprise", "雅迪科技集团有限公司")
    assert declared(deployed, other, model="LY-TDR2025").enterprise_id == other.organization_id
    assert declared(deployed, enterprise, model="LY-TDR2026").status == "published"


def test_a_taken_down_or_withdrawn_model_may_be_declared_again(deployed, session_factory, enterprise, office):
    taken = declared(deployed, enterprise, model="LY-TDR2025")
    check_in_new_session(session_factory, taken.id, office.id, "take_down", "不实")
    deployed.expire_all()
    again = declared(deployed, enterprise, model="ly-tdr2025")
    assert again.status == "published"
    withdraw(deployed, again, enterprise.id)
    deployed.commit()
    third = declared(deployed, enterprise, product="两轮电动自行车（新款）", model="LY-TDR2025")
    assert [d.id for d in declarations.public_list(deployed, "")[0]] == [third.id]


# --- 撤回 before the office's 核查 ----------------------------------------------------------------


def withdraw(session, declaration, actor_id):
    instance = session.get(ProcessInstance, declaration.instance_id)
    return runtime.send_message(session, instance, declarations.WITHDRAW_MESSAGE, actor_id,
                                must_cancel=declarations.CHECK_TASK)


def test_withdrawing_before_the_check_leaves_the_public_list_and_closes_the_task(
        deployed, tmp_path, enterprise, office):
    attachment = FileStore(tmp_path).save(deployed, PDF_BYTES, "检测报告.pdf", "application/pdf")
    declaration = declared(deployed, enterprise, attachment=attachment)
    task = check_task(deployed, declaration)
    assert declarations.withdrawal_refusal(deployed, declaration) is None
    assert withdraw(deployed, declaration, enterprise.id) == []
    deployed.commit()
    deployed.expire_all()
    instance = deployed.get(ProcessInstance, declaration.instance_id)
    assert declaration.status == "withdrawn"
    assert (instance.status, instance.stage) == ("completed", "withdrawn")
    assert deployed.get(HumanTask, task.id).state == "cancelled"  # gone from the office's 待办
    assert declarations.public_list(deployed, "") == ([], 0)
    assert not declarations.is_public_declaration_file(deployed, attachment.id)
    assert declarations.shown(deployed, declaration.id) is None  # not for the public
    assert declarations.shown(deployed, declaration.id, office.organization_id) is None
    assert declarations.shown(deployed, declaration.id, enterprise.organization_id) is declaration
    rows, _total = declarations.of_enterprise(deployed, enterprise.organization_id)
    assert [(d.id, instance.stage) for d, instance in rows] == [(declaration.id, "withdrawn")]
    assert deployed.scalars(select(Message).where(Message.user_id.is_(None))).all() == []
    assert declarations.withdrawal_refusal(deployed, declaration) == "该自我声明已撤回"
    round_trip(deployed, instance)


def test_a_checked_declaration_cannot_be_withdrawn(deployed, session_factory, enterprise, office):
    declaration = declared(deployed, enterprise)
    check_in_new_session(session_factory, declaration.id, office.id, "confirm")
    deployed.expire_all()
    assert declarations.withdrawal_refusal(deployed, declaration) == "专项办已核查该自我声明，无法撤回"
    with pytest.raises(runtime.AlreadyHandled):
        withdraw(deployed, declaration, enterprise.id)
    deployed.rollback()
    assert declaration.status == "confirmed"


def without_withdrawal(source: bytes) -> bytes:
    """self_declaration as first deployed: every element, flow and shape of the withdrawal removed."""
    root = etree.fromstring(source)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        names = (element.get("id") or "", element.get("bpmnElement") or "",
                 element.text if element.tag.endswith("flowNodeRef") else "")
        if any("withdraw" in (name or "") for name in names) and element.getparent() is not None:
            element.getparent().remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_an_instance_of_the_version_without_withdrawal_gets_a_clear_refusal(deployed, enterprise):
    import workflows

    old = without_withdrawal(dict(workflows.bpmn_files())["self_declaration.bpmn"])
    assert b"withdraw" not in old
    (result,) = definitions.deploy_documents(deployed, [("self_declaration.bpmn", old)])
    deployed.commit()
    declaration = declared(deployed, enterprise)
    instance = deployed.get(ProcessInstance, declaration.instance_id)
    assert instance.definition.version == result.version == 2
    assert declarations.withdrawal_refusal(deployed, declaration) == (
        "该自我声明发布时的流程版本不支持撤回，如需撤下请联系专项办")
    # A declaration of the current version may be withdrawn again.
    definitions.deploy_documents(deployed, [("self_declaration.bpmn", dict(workflows.bpmn_files())[
        "self_declaration.bpmn"] + b"\n<!-- redeployed -->\n")])
    deployed.commit()
    newer = declared(deployed, enterprise, model="LY-TDR2026")
    assert deployed.get(ProcessInstance, newer.instance_id).definition.version == 3
    assert declarations.withdrawal_refusal(deployed, newer) is None
    assert declarations.withdrawal_refusal(deployed, declaration) is not None  # the old one keeps its version
