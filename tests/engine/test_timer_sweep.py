"""Timers real deployments can trust: racing sweepers fire each timer once; none is lost to a restart."""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from engine import definitions, runtime, timers
from storage.models import HumanTask, ProcessEvent, ProcessInstance

TIMER_BPMN = Path(__file__).parent / "data" / "timer_demo.bpmn"


def start_waiting(session, count):
    definitions.deploy_documents(session, [("timer_demo.bpmn", TIMER_BPMN.read_bytes())])
    for number in range(count):
        runtime.start_instance(session, "timer_demo", subject=f"公示 {number}")
    session.commit()


def test_two_sweepers_fire_every_timer_exactly_once(deployed, session_factory, frozen_clock, db_engine):
    # PostgreSQL: rows claimed with SKIP LOCKED; SQLite: BEGIN IMMEDIATE serialises the sweepers.
    start_waiting(deployed, 300)
    due = frozen_clock.now() + timedelta(days=7, seconds=1)
    fired, barrier = [], threading.Barrier(2)

    def sweep():
        barrier.wait(10)
        fired.append(timers.fire_due(session_factory, due))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(fired) == 300, fired
    if db_engine.dialect.name == "postgresql":
        assert all(count > 0 for count in fired), fired  # both really worked in parallel
    with session_factory() as session:
        per_instance = session.execute(
            select(ProcessEvent.instance_id, func.count()).where(ProcessEvent.kind == "timer")
            .group_by(ProcessEvent.instance_id)).all()
        assert len(per_instance) == 300 and {n for _, n in per_instance} == {1}
        ready = session.scalar(select(func.count(HumanTask.id)).where(HumanTask.state == "ready"))
        assert ready == 300


def test_a_timer_due_while_nothing_ran_fires_at_the_next_sweep(deployed, session_factory, frozen_clock):
    start_waiting(deployed, 3)
    frozen_clock.advance(timedelta(days=30))  # "the server was down" for a month
    assert timers.fire_due(session_factory) == 3
    with session_factory() as session:
        statuses = session.scalars(select(ProcessInstance.status).where(
            ProcessInstance.process_key == "timer_demo")).all()
        assert statuses == ["running"] * 3
    assert timers.fire_due(session_factory) == 0


def test_the_sweep_uses_the_index_and_skips_waiting_instances_not_due(deployed, session_factory,
                                                                         frozen_clock, db_engine):
    start_waiting(deployed, 5)
    statements = []
    from sqlalchemy import event

    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db_engine, "before_cursor_execute", listener)
    try:
        assert timers.fire_due(session_factory, frozen_clock.now() + timedelta(days=1)) == 0
    finally:
        event.remove(db_engine, "before_cursor_execute", listener)
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "next_timer_at <=" in selects[0]
    assert "process_instance.state" not in selects[0]  # waiting instances are not loaded
