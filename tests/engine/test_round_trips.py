"""A task completion on PostgreSQL waits for the server four times (issue 15: it was fourteen): the
transaction's BEGIN goes with its first read, the claim with the next read, the domain writes, the audit
rows and the instance's UPDATE with the new inbox row's INSERT, and the COMMIT alone (storage.deferred)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import runtime
from engine.domain import registration
from storage.models import HumanTask, Message, OutboxItem, ProcessEvent, RegistrationSubmission
from tests.factories import office_user, registered
from tests.round_trips import server_waits


def test_a_completion_waits_for_postgresql_four_times(deployed, tmp_path):
    if deployed.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no round trips")
    office = office_user(deployed)
    _user, instance = registered(deployed, tmp_path)
    deployed.commit()
    task_id = deployed.scalars(select(HumanTask.id).where(HumanTask.state == "ready")).one()
    deployed.expunge_all()
    with server_waits() as waits:
        task = runtime.load_task(deployed, task_id)
        created = runtime.complete_task(deployed, task, office.id,
                                        lambda context: registration.decide(context, "return", "补充材料"))
        deployed.commit()
    assert waits[0] == 4
    # Everything the completion wrote is there.
    assert [t.task_name for t in created] == ["correct_registration"]
    assert deployed.get(HumanTask, task_id).state == "completed"
    assert deployed.scalars(select(RegistrationSubmission.decision)).all() == ["return"]
    assert deployed.scalar(select(ProcessEvent.kind).where(ProcessEvent.human_task_id == task_id)) \
        == "task_completed"
    assert "注册申请被退回" in deployed.scalars(select(Message.title)).all()
    assert "【全国对标达标信息服务平台】注册申请被退回" in deployed.scalars(select(OutboxItem.subject)).all()
    assert deployed.get(type(instance), instance.id).stage == "returned"
