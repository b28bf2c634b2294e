"""Two requests completing the same task at once: exactly one wins, no duplicate task."""
from __future__ import annotations

import threading

from sqlalchemy import select

from engine import runtime
from engine.domain import registration
from storage.models import HumanTask
from tests.factories import office_user, registered


def test_racing_completions(deployed, session_factory, tmp_path):
    office = office_user(deployed)
    _user, instance = registered(deployed, tmp_path)
    deployed.commit()
    task_id = deployed.scalars(select(HumanTask.id).where(HumanTask.state == "ready")).one()
    deployed.commit()  # release SQLite's write lock before the racers start
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(decision):
        with session_factory() as session:
            task = session.get(HumanTask, task_id)
            task.instance  # noqa: B018 - load before the race starts
            session.commit()  # end the read; SQLite's BEGIN IMMEDIATE would serialise it
            barrier.wait(10)
            try:
                runtime.complete_task(session, task, office.id,
                                      lambda ctx: registration.decide(ctx, decision, "原因"))
                session.commit()
                outcomes.append("won")
            except runtime.AlreadyHandled:
                session.rollback()
                outcomes.append("already handled")

    threads = [threading.Thread(target=attempt, args=(d,)) for d in ("return", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["already handled", "won"]
    with session_factory() as session:
        rows = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id).order_by(HumanTask.id)).all()
        states = [(r.task_name, r.state) for r in rows]
    assert states[0] == ("vet_registration", "completed")
    assert len([s for s in states if s[1] == "ready"]) <= 1
    assert len(states) <= 2
