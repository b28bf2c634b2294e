"""Driving registration_vetting through the runtime, with a save-and-restore check each step."""
from __future__ import annotations

from sqlalchemy import select

from engine import definitions, projection, runtime, serializer
from engine.domain import registration
from engine.services import ServiceContext
from storage.models import HumanTask


def round_trip(session, instance) -> None:
    """The saved state restores to a workflow that serializes to the same state."""
    spec, subprocess_specs = definitions.specs_for(session, instance.definition)
    context = ServiceContext(session, instance)
    restored = serializer.loads(instance.state, spec, subprocess_specs)
    restored.script_engine.context = context  # noqa: B010 - same shape as runtime.load
    assert serializer.dumps(restored) == instance.state
    summary = projection.summarize(restored)
    assert summary.status == instance.status
    assert summary.stage == instance.stage
    assert summary.next_timer_at == instance.next_timer_at
    assert [t.id for t in summary.ready] == [t.id for t in projection.ready_user_tasks(restored)]
    # The inbox holds open exactly the READY user tasks (the runtime relies on it to skip a query).
    open_rows = session.scalars(select(HumanTask.engine_task_id).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "ready")).all()
    assert sorted(open_rows) == sorted(str(t.id) for t in summary.ready)


def open_task(session, instance) -> HumanTask:
    rows = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "ready")).all()
    assert len(rows) == 1, [r.task_name for r in rows]
    return rows[0]


def decide(session, instance, office, decision, reason=""):
    task = open_task(session, instance)
    assert task.task_name == "vet_registration" and task.role == "office"
    runtime.complete_task(session, task, office.id,
                          lambda ctx: registration.decide(ctx, decision, reason))
    session.commit()
    round_trip(session, instance)


def resubmit(session, instance, user, **fields):
    task = open_task(session, instance)
    assert task.role == "applicant" and task.organization_id == user.organization_id
    data = {**{k: getattr(user.organization, k) for k in registration.REGISTRATION_FIELDS},
            **fields}
    runtime.complete_task(session, task, user.id,
                          lambda ctx: registration.resubmit(ctx, data, registration.Documents()))
    session.commit()
    round_trip(session, instance)
