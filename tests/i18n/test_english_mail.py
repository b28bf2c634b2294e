"""Issue 17: a user who chose English gets the new-task 我的消息 entry, its e-mail and the daily digest in
English (the language stored on them by the header's switch), their Chinese colleagues in Chinese."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import task_notifications
from engine.domain import messages
from storage.models import Message, OutboxItem
from tests.factories import active_member, office_user, registered
from tests.test_i18n import ROOT

CJK_TEXT = re.compile("[\u4e00-\u9fff]")


@pytest.fixture
def office(deployed):
    user = office_user(deployed)
    deployed.commit()
    return user


@pytest.fixture(autouse=True)
def catalogues():
    saved = dict(task_notifications._settings)
    task_notifications.configure(translations_dir=ROOT / "webapp/translations")
    yield
    task_notifications.configure(translations_dir=saved["translations"], base_url=saved["base_url"])


def test_the_new_task_message_and_mail_follow_each_users_language(deployed, office, tmp_path):
    colleague = active_member(deployed, "office2@test.cn", "office", "对标达标提升专项行动办公室")
    messages.save_locale(deployed, office.id, "en")
    deployed.commit()
    registered(deployed, tmp_path, name="Acme Ltd")
    deployed.commit()
    [english] = deployed.scalars(select(Message).where(Message.user_id == office.id)).all()
    assert english.title.endswith("New to-do: Registration review")
    assert "Process: Registration review" in english.body and "A task is awaiting action" in english.body
    [chinese] = deployed.scalars(select(Message).where(Message.user_id == colleague.id)).all()
    assert chinese.title.endswith("新待办：注册审核")
    [mail] = deployed.scalars(select(OutboxItem).where(OutboxItem.recipient == office.email)).all()
    assert mail.subject == english.title and "Registration review" in mail.body


def test_the_digest_is_in_english_for_an_english_reader(deployed, office, tmp_path, frozen_clock):
    messages.save_locale(deployed, office.id, "en")
    registered(deployed, tmp_path, name="Acme Ltd")
    deployed.commit()
    frozen_clock.advance(timedelta(days=4))
    assert task_notifications.send_digests(deployed, after_days=3) == 1
    deployed.commit()
    digest = deployed.scalars(select(OutboxItem).where(OutboxItem.recipient == office.email)
                              .order_by(OutboxItem.id.desc())).first()
    assert "1. Registration review / Registration review: Acme Ltd (since 2026-" in digest.body


def test_an_organisations_outcome_mail_reaches_each_member_in_their_language(deployed, office):
    """An outcome notice (我的消息 for the whole organisation) is e-mailed to each member who keeps 办理结果
    e-mails, addressed when the outbox is drained: the member who chose English reads it in English."""
    from engine.text import N_
    from storage import outbox

    colleague = active_member(deployed, "office2@test.cn", "office", "对标达标提升专项行动办公室")
    messages.save_locale(deployed, colleague.id, "en")
    deployed.commit()
    messages.notify(deployed, office.organization_id, N_("达标证书已撤销"),
                    N_("证书编号：%(number)s", number="DB-2026-0001"))
    deployed.commit()
    [item] = deployed.scalars(select(OutboxItem).where(OutboxItem.recipient.startswith("organization:"))).all()
    sent = {message.recipient: message for message in outbox.addressed(deployed, [item])[item.id]}
    assert sent[office.email].subject == "【全国对标达标信息服务平台】达标证书已撤销"
    assert sent[office.email].body == "证书编号：DB-2026-0001"
    english = sent[colleague.email]
    assert english.subject.startswith("[National Benchmarking and Compliance Information Service Platform] ")
    assert "证" not in english.subject + english.body and "DB-2026-0001" in english.body


def test_an_invitation_is_written_in_the_inviters_language_and_an_sms_in_the_asked_one(deployed, office):
    from engine.domain import sms, teams

    messages.save_locale(deployed, office.id, "en")
    deployed.commit()
    teams.invite(deployed, office, "new.colleague@test.cn", ["review"], lambda raw: f"/invitation/{raw}",
                 roles=["office"])
    sms.issue_code(deployed, "13800000001", locale="en")
    sms.issue_code(deployed, "13800000002")
    deployed.commit()
    mails = {item.recipient: item for item in deployed.scalars(select(OutboxItem))}
    invitation = mails["new.colleague@test.cn"]
    assert invitation.subject.endswith("invites you to join") and "/invitation/" in invitation.body
    assert not CJK_TEXT.search(invitation.body.replace(office.organization.name, ""))
    assert mails["13800000001"].body.startswith("Your verification code is ")
    assert mails["13800000002"].body.startswith("您的验证码为 ")

