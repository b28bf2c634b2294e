"""`duibiao engine check` and a suspended (挂起) instance: its open tasks are held as ``suspended`` rows,
which is in step with the engine — not a missing 待办 — and a repair keeps them out of every inbox."""
from __future__ import annotations

from sqlalchemy import delete, select

from engine import consistency
from engine.domain import operator_actions
from storage.models import HumanTask, ProcessInstance
from tests.factories import office_user, registered


def _suspended_registration(session, tmp_path) -> int:
    office = office_user(session)
    _user, instance = registered(session, tmp_path)
    session.commit()
    operator_actions.suspend(session, instance.id, office.id, "系统维护")
    session.commit()
    return instance.id


def _rows(session, instance_id: int) -> list[tuple[str, str]]:
    return sorted(tuple(row) for row in session.execute(select(HumanTask.task_name, HumanTask.state)
                                                        .where(HumanTask.instance_id == instance_id)))


def test_a_suspended_instance_is_consistent(deployed, tmp_path):
    instance_id = _suspended_registration(deployed, tmp_path)
    assert _rows(deployed, instance_id) == [("vet_registration", "suspended")]
    assert consistency.check(deployed) == []


def test_a_repair_of_a_suspended_instance_keeps_its_tasks_held(deployed, tmp_path):
    instance_id = _suspended_registration(deployed, tmp_path)
    deployed.execute(delete(HumanTask).where(HumanTask.instance_id == instance_id))
    deployed.commit()
    (finding,) = consistency.check(deployed)
    assert finding.instance_id == instance_id and len(finding.missing_tasks) == 1

    consistency.check(deployed, repair=True)
    assert consistency.check(deployed) == []
    assert _rows(deployed, instance_id) == [("vet_registration", "suspended")]  # in no inbox
    assert deployed.scalar(select(ProcessInstance.status).where(ProcessInstance.id == instance_id)) == "suspended"
