"""How the sweep claims due timers: batch after batch with statements that do not grow with what was
fired, every due timer fired however many batches it takes, each once even with two sweepers, and an
instance whose firing fails left to the next sweep without holding up the others."""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, select, update

from engine import definitions, runtime, timers
from storage.models import HumanTask, ProcessEvent, ProcessInstance

TIMER_BPMN = Path(__file__).parent / "data" / "timer_demo.bpmn"  # waits "P7D", then 审核
WEEK = timedelta(days=7, seconds=1)


def start_waiting(session, count: int) -> list[int]:
    if definitions.current(session, "timer_demo") is None:
        definitions.deploy_documents(session, [("timer_demo.bpmn", TIMER_BPMN.read_bytes())])
    ids = [runtime.start_instance(session, "timer_demo", subject=f"公示 {n}").id for n in range(count)]
    session.commit()
    return ids


@contextmanager
def recorded(db_engine):
    """The statements sent meanwhile, each with the number of parameters it carried."""
    sent: list[tuple[str, int]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany):
        sent.append((statement, 0 if executemany else len(parameters or ())))

    event.listen(db_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db_engine, "before_cursor_execute", record)


def timer_events(session_factory) -> dict[int, int]:
    with session_factory() as session:
        return dict(session.execute(select(ProcessEvent.instance_id, func.count())
                                    .where(ProcessEvent.kind == "timer").group_by(ProcessEvent.instance_id)).all())


def test_claiming_costs_the_same_per_batch_however_many_were_fired_before(session, session_factory,
                                                                         frozen_clock, db_engine):
    start_waiting(session, 5)
    frozen_clock.advance(timedelta(days=1))
    start_waiting(session, 17)  # due a day after the first five
    first_due = frozen_clock.now() - timedelta(days=1) + WEEK
    with recorded(db_engine) as few:
        assert timers.fire_due(session_factory, first_due, batch=5) == 5
    with recorded(db_engine) as many:
        assert timers.fire_due(session_factory, first_due + timedelta(days=1), batch=5) == 17

    claims = [sql for sql, _ in many if "next_timer_at <=" in sql]
    # 5 + 5 + 5 + 2 in the first pass, then a second pass's empty claim: nothing is due any more.
    assert len(claims) == 5
    assert claims[0] == claims[4] and len(set(claims[1:4])) == 1  # no statement grows with each batch
    assert max(n for _, n in many) == max(n for _, n in few)  # no list of what was fired before
    assert max(len(sql) for sql, _ in many) == max(len(sql) for sql, _ in few)
    assert len(many) / 17 <= len(few) / 5  # statements per timer do not grow with the number fired


def test_a_sweep_fires_every_due_timer_however_many_batches_it_takes(session, session_factory,
                                                                     frozen_clock):
    due_ids = start_waiting(session, 11)
    frozen_clock.advance(timedelta(days=2))
    later_ids = start_waiting(session, 2)
    moment = frozen_clock.now() - timedelta(days=2) + WEEK
    assert timers.fire_due(session_factory, moment, batch=4) == 11
    assert timer_events(session_factory) == dict.fromkeys(due_ids, 1)
    with session_factory() as check:
        assert timers.overdue(check, moment) == (0, None)
        waiting = check.scalars(select(ProcessInstance.next_timer_at).where(ProcessInstance.id.in_(later_ids)))
        assert all(due > moment for due in waiting)  # not due yet: untouched
        assert check.scalar(select(func.count(HumanTask.id)).where(HumanTask.state == "ready")) == 11
    assert timers.fire_due(session_factory, moment, batch=4) == 0


def test_two_sweepers_with_small_batches_fire_each_timer_once(session, session_factory, frozen_clock,
                                                            db_engine):
    # PostgreSQL: batches claimed with SKIP LOCKED go past each other; SQLite: BEGIN IMMEDIATE queues them.
    ids = start_waiting(session, 60)
    moment, fired, barrier = frozen_clock.now() + WEEK, [], threading.Barrier(2)

    def sweep():
        barrier.wait(10)
        fired.append(timers.fire_due(session_factory, moment, batch=3))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(fired) == 60, fired
    if db_engine.dialect.name == "postgresql":
        assert all(count > 0 for count in fired), fired  # both claimed batches at the same time
    assert timer_events(session_factory) == dict.fromkeys(ids, 1)
    with session_factory() as check:
        tasks = dict(check.execute(select(HumanTask.instance_id, func.count())
                                   .group_by(HumanTask.instance_id)).all())
        assert tasks == dict.fromkeys(ids, 1)  # one 审核 each, never two


def attempts_of(monkeypatch) -> list[int]:
    """The instances ``fire_instance`` is called for, in order (the real firing still runs)."""
    calls, real = [], timers.fire_instance

    def counted(session, instance):
        calls.append(instance.id)
        return real(session, instance)

    monkeypatch.setattr(timers, "fire_instance", counted)
    return calls


def test_a_failing_timer_neither_stops_the_others_nor_is_retried_within_the_sweep(
        session, session_factory, frozen_clock, monkeypatch, caplog):
    ids = start_waiting(session, 10)
    broken = ids[2]
    session.execute(update(ProcessInstance).where(ProcessInstance.id == broken).values(state="{not json"))
    session.commit()
    calls = attempts_of(monkeypatch)
    moment = frozen_clock.now() + WEEK
    with caplog.at_level(logging.ERROR, logger="engine.timers"):
        assert timers.fire_due(session_factory, moment, batch=4) == 9
    assert calls.count(broken) == 2  # in its batch, then alone after the batch was rolled back
    assert f"timer of instance {broken} failed" in caplog.text
    events = timer_events(session_factory)
    assert events == {instance_id: 1 for instance_id in ids if instance_id != broken}  # batch-mates once
    with session_factory() as check:
        assert timers.overdue(check, moment)[0] == 1  # still due: the next sweep tries it again
    calls.clear()
    assert timers.fire_due(session_factory, moment, batch=4) == 0
    assert calls == [broken, broken]


def test_an_instance_with_nothing_really_due_is_tried_once_per_sweep(session, session_factory, frozen_clock,
                                                                     monkeypatch):
    ids = start_waiting(session, 6)
    early = ids[0]  # its row says due now, its timer says in a week: SpiffWorkflow fires nothing
    session.execute(update(ProcessInstance).where(ProcessInstance.id == early)
                    .values(next_timer_at=frozen_clock.now() - timedelta(hours=1)))
    session.commit()
    calls = attempts_of(monkeypatch)
    assert timers.fire_due(session_factory, frozen_clock.now(), batch=2) == 0
    assert calls == [early]
    calls.clear()
    assert timers.fire_due(session_factory, frozen_clock.now() + WEEK, batch=2) == 6  # once really due
    assert sorted(calls) == sorted(ids)


def test_on_sqlite_a_claim_reads_the_due_range_of_the_timer_index_in_order(session, session_factory,
                                                                           frozen_clock, db_engine):
    if db_engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner goes by its statistics (bench/timers.py measures it at 100k)
    start_waiting(session, 3)
    with recorded(db_engine) as sent:
        timers.fire_due(session_factory, frozen_clock.now() + WEEK, batch=2)
    claims = [sql for sql, _ in sent if "next_timer_at <=" in sql]
    assert len(claims) == 3  # 2 + 1, then the second pass's empty claim
    with db_engine.connect() as connection:
        for sql in claims:
            arguments = [None] * sql.count("?")  # the plan does not depend on the values
            plan = " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}",
                                                                          tuple(arguments)))
            # Not the status index with every active instance sorted (what SQLite picks without the hint).
            assert "USING INDEX ix_process_instance_next_timer_at" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
