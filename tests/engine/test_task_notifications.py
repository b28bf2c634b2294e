"""Told when work arrives: 我的消息 and e-mail for a READY task, the 每日汇总, 消息设置 (engine level)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import task_notifications
from engine.domain import messages
from storage import outbox
from storage.models import HumanTask, Message, OutboxItem, User
from tests.engine.helpers import decide, resubmit
from tests.engine.test_compliance_review import applied, published  # noqa: F401
from tests.engine.test_plan_chain import approved_enrollment  # noqa: F401
from tests.engine.test_publicity import in_publicity  # noqa: F401
from tests.factories import active_member, office_user, registered

NEW_TASK = "【全国对标达标信息服务平台】新待办"


@pytest.fixture(autouse=True)
def relative_links():
    """Links as a deployment without DUIBIAO_PUBLIC_URL writes them, whatever app an earlier test of this
    worker created (create_app configures the module: the certificate tests start one with a public URL)."""
    saved = dict(task_notifications._settings)
    task_notifications.configure()
    yield
    task_notifications.configure(translations_dir=saved["translations"], base_url=saved["base_url"])


def told(session, user) -> list[Message]:
    return session.scalars(select(Message).where(Message.user_id == user.id).order_by(Message.id)).all()


def mailed(session, user) -> list[OutboxItem]:
    return session.scalars(select(OutboxItem).where(OutboxItem.recipient == user.email,
                                                    OutboxItem.channel == "email").order_by(OutboxItem.id)).all()


def colleague(session, member, email, enabled=True, rights="view submit review admin"):
    """A second person of ``member``'s organisation, with the same role (and by default every right)."""
    user = User(email=email, password_hash="x", organization_id=member.organization_id, roles=member.roles,
                is_enabled=enabled, rights=rights)
    session.add(user)
    session.flush()
    return user


def test_an_application_tells_the_chosen_institution_at_once(deployed, tmp_path, published):  # noqa: F811
    """The acceptance case: an enterprise files 参与达标 → the institution's people get 我的消息 and e-mail."""
    office, institution, enterprise, plan = published
    second = colleague(deployed, institution, "second@inst.cn")
    disabled = colleague(deployed, institution, "gone@inst.cn", enabled=False)
    other = active_member(deployed, "other@inst.cn", "institution", "另一家检测机构")
    deployed.commit()
    before = {u.id: len(told(deployed, u)) for u in (office, enterprise, other, institution)}
    mails_before = len(mailed(deployed, institution))
    application = applied(deployed, tmp_path, enterprise, institution, plan)
    task = deployed.scalars(select(HumanTask).where(HumanTask.instance_id == application.instance_id)).one()
    for person in (institution, second):
        [message] = told(deployed, person)[before.get(person.id, 0):]
        assert message.organization_id == institution.organization_id and message.link == f"/tasks/{task.id}"
        assert message.title == f"{NEW_TASK}：达标产品评价"
        for words in ("参与达标", "达标产品评价", "待机构审核", application.product_name):
            assert words in message.body
        [mail] = mailed(deployed, person)[mails_before if person is institution else 0:]
        assert mail.subject == message.title and f"/tasks/{task.id}" in mail.body
    assert told(deployed, disabled) == [] and mailed(deployed, disabled) == []
    # Nobody else: not the other institution, not the office, not the enterprise that acted.
    assert {u.id: len(told(deployed, u)) for u in (office, enterprise, other)} == {
        u.id: before[u.id] for u in (office, enterprise, other)}
    assert mailed(deployed, other) == []


def test_only_colleagues_with_the_right_to_act_are_told(deployed, tmp_path, published):  # noqa: F811
    """单位成员: a review addressed to the institution goes to its people holding 办理评审, not to those
    who may only look (查看) or only file their own organisation's work (提交和修改)."""
    office, institution, enterprise, plan = published
    reviewer = colleague(deployed, institution, "reviewer@inst.cn", rights="view review")
    looker = colleague(deployed, institution, "looker@inst.cn", rights="view")
    filer = colleague(deployed, institution, "filer@inst.cn", rights="view submit")
    deployed.commit()
    applied(deployed, tmp_path, enterprise, institution, plan)
    assert len(told(deployed, reviewer)) == 1 and len(mailed(deployed, reviewer)) == 1
    for person in (looker, filer):
        assert told(deployed, person) == [] and mailed(deployed, person) == []


@pytest.fixture
def office(deployed):
    user = office_user(deployed)
    deployed.commit()
    return user


def test_the_office_lane_tells_office_staff_only(deployed, office, tmp_path):
    designer = active_member(deployed, "designer@test.cn", "designer", "对标达标提升专项行动办公室")
    deployed.commit()
    user, instance = registered(deployed, tmp_path)
    deployed.commit()
    [message] = told(deployed, office)
    assert "注册审核" in message.title and instance.subject in message.body
    assert len(mailed(deployed, office)) == 1
    assert told(deployed, designer) == [] and told(deployed, user) == []


def test_opted_out_people_get_the_message_without_the_mail(deployed, office, tmp_path):
    messages.save_preferences(deployed, office.id, new_task=False)
    deployed.commit()
    registered(deployed, tmp_path)
    deployed.commit()
    assert len(told(deployed, office)) == 1
    assert mailed(deployed, office) == []


def test_a_step_that_rolls_back_tells_nobody(deployed, office, tmp_path):
    registered(deployed, tmp_path)
    deployed.flush()
    assert len(told(deployed, office)) == 1  # 注册审核 waits for the office …
    deployed.rollback()  # … until the request fails before its commit
    assert told(deployed, office) == [] and mailed(deployed, office) == []


def test_a_return_is_one_piece_of_news(deployed, office, tmp_path):
    """The 退回 notice tells the applicant its registration is back with it: the 修改注册信息 task adds no
    second message, and an e-mail only for someone who turned 办理结果 e-mails off but kept 新待办."""
    user, instance = registered(deployed, tmp_path)
    second = colleague(deployed, user, "second@test.cn")
    messages.save_preferences(deployed, second.id, outcomes=False)
    deployed.commit()
    decide(deployed, instance, office, "return", "营业执照不清晰")
    assert told(deployed, user) == [] and told(deployed, second) == []
    assert mailed(deployed, user) == []
    [mail] = mailed(deployed, second)
    assert mail.subject == f"{NEW_TASK}：修改注册信息"
    # The person who acted is not told of work they created.
    assert [m.title for m in told(deployed, office)] == [f"{NEW_TASK}：注册审核"]
    resubmit(deployed, instance, user)
    assert [m.title for m in told(deployed, office)] == [f"{NEW_TASK}：注册审核"] * 2


def test_a_message_to_one_person_is_not_shown_to_colleagues(deployed, office, tmp_path):
    colleague_of_office = colleague(deployed, office, "office2@test.cn")
    deployed.commit()
    registered(deployed, tmp_path)
    deployed.commit()
    mine, total = messages.list_for(deployed, office.organization_id, 1, user_id=office.id)
    assert total == 1 and mine[0].user_id == office.id
    assert messages.unread_count(deployed, office.organization_id, colleague_of_office.id) == 1  # its own
    messages.mark_read(deployed, office.organization_id, [mine[0].id], user_id=colleague_of_office.id)
    assert messages.unread_count(deployed, office.organization_id, office.id) == 1  # a colleague cannot read it


def test_outcome_mails_follow_the_choice(deployed, office, tmp_path):
    user, instance = registered(deployed, tmp_path)
    deployed.commit()
    messages.save_preferences(deployed, user.id, outcomes=False)
    deployed.commit()
    decide(deployed, instance, office, "approve")
    notices = deployed.scalars(select(OutboxItem).where(
        OutboxItem.recipient == f"{outbox.ORGANIZATION_PREFIX}{user.organization_id}")).all()
    assert notices, "the outcome notice is queued for the organisation"
    assert outbox.addressed(deployed, notices)[notices[0].id] == []  # its one user turned 办理结果 off
    messages.save_preferences(deployed, user.id, outcomes=True)
    assert [m.recipient for m in outbox.addressed(deployed, notices)[notices[0].id]] == [user.email]


# --- 每日汇总 -------------------------------------------------------------------------------------------


def digests(session, user) -> list[OutboxItem]:
    return [m for m in mailed(session, user) if "每日汇总" in m.subject]


def test_the_digest_lists_tasks_waiting_longer_than_the_days(deployed, office, tmp_path, frozen_clock):
    registered(deployed, tmp_path)
    deployed.commit()
    frozen_clock.advance(timedelta(days=2))
    registered(deployed, tmp_path, email="second@test.cn", credit_code="91110000600037341L")
    deployed.commit()
    assert task_notifications.send_digests(deployed, after_days=3) == 0  # nothing waits 3 days yet
    frozen_clock.advance(timedelta(days=1, minutes=1))
    assert task_notifications.send_digests(deployed, after_days=3) == 1
    deployed.commit()
    [digest] = digests(deployed, office)
    assert "1 项待办已等待超过 3 天" in digest.subject
    assert "1. 注册审核 / 注册审核：" in digest.body  # the BPMN's process name, the step's
    assert "（自 2026-11-02 起） /tasks/" in digest.body
    assert task_notifications.send_digests(deployed, after_days=3) == 0  # once a day, however often run
    frozen_clock.advance(timedelta(days=2))  # the second registration has waited 3 days too
    assert task_notifications.send_digests(deployed, after_days=3) == 1
    deployed.commit()
    assert "2 项待办" in digests(deployed, office)[-1].subject


def test_the_digest_respects_the_choice(deployed, office, tmp_path, frozen_clock):
    registered(deployed, tmp_path)
    messages.save_preferences(deployed, office.id, daily_digest=False)
    deployed.commit()
    frozen_clock.advance(timedelta(days=5))
    assert task_notifications.send_digests(deployed, after_days=3) == 0
    assert digests(deployed, office) == []


def test_templates_render_subject_and_body():
    subject, body = task_notifications.render(
        "new_task.txt", "zh_CN", organization="华标", process="参与达标", step="达标产品评价", stage=None,
        subject="XX20", link="https://example.cn/tasks/1", path="/tasks/1")
    assert subject == f"{NEW_TASK}：达标产品评价"
    assert body.startswith("华标，您好：") and "https://example.cn/tasks/1" in body and "当前状态" not in body
