"""SpiffWorkflow stops iterating at depth 1000; a long return loop must still complete."""
from __future__ import annotations

from sqlalchemy import select

from engine import runtime
from engine.domain import registration
from storage.models import HumanTask, RegistrationSubmission
from tests.engine.helpers import round_trip
from tests.factories import office_user, registered

PASSES = 250


def test_250_return_loops_then_approve(deployed, tmp_path, db_engine):
    if db_engine.dialect.name != "sqlite":
        import pytest

        pytest.skip("the long loop runs once, on SQLite; the engine is the same")
    office = office_user(deployed)
    user, instance = registered(deployed, tmp_path)
    deployed.commit()
    fields = {k: getattr(user.organization, k) for k in registration.REGISTRATION_FIELDS}

    def ready():
        return deployed.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "ready")).one()

    for _ in range(PASSES):
        runtime.complete_task(deployed, ready(), office.id,
                              lambda ctx: registration.decide(ctx, "return", "再改"))
        runtime.complete_task(deployed, ready(), user.id,
                              lambda ctx: registration.resubmit(ctx, fields,
                                                                registration.Documents()))
    deployed.commit()
    assert instance.status == "running" and ready().task_name == "vet_registration"
    runtime.complete_task(deployed, ready(), office.id,
                          lambda ctx: registration.decide(ctx, "approve", ""))
    deployed.commit()
    round_trip(deployed, instance)
    assert (instance.status, instance.stage) == ("completed", "approved")
    assert user.organization.status == "active"
    count = deployed.query(RegistrationSubmission).count()
    assert count == PASSES + 1
