"""The audit trail's hash chain: every process_event row the engine writes is chained to the one before it
in its instance, and ``engine.audit_chain.verify`` finds the first edited, deleted or inserted row."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select, text, update

from engine import audit_chain
from storage import event_chain, migrate
from storage.db import make_engine, make_session_factory
from storage.models import ProcessEvent, ProcessInstance
from tests.engine.helpers import decide, resubmit
from tests.factories import office_user, registered
from tests.webapp.helpers import remembered_password_hashes

pytestmark = pytest.mark.postgres


@pytest.fixture
def trails(deployed, tmp_path):
    """Two registrations: one returned, corrected and approved (five events), one waiting (one event)."""
    with remembered_password_hashes():
        office = office_user(deployed)
        user, first = registered(deployed, tmp_path / "a")
        _, second = registered(deployed, tmp_path / "b", email="second@test.cn", name="第二家测试有限公司")
    deployed.commit()
    decide(deployed, first, office, "return", "营业执照不清晰")
    resubmit(deployed, first, user, name="深圳测试科技股份有限公司")
    decide(deployed, first, office, "approve")
    return first.id, second.id


def _events(session, instance_id):
    return session.scalars(select(ProcessEvent).where(ProcessEvent.instance_id == instance_id)
                           .order_by(ProcessEvent.sequence)).all()


def _broken(session, instance_id=None):
    session.expire_all()
    report = audit_chain.verify(session, instance_id)
    return [(row.instance_id, row.sequence, str(row.problem)) for row in report.broken]


def test_the_engine_chains_every_event_it_writes(deployed, trails):
    first, second = trails
    events = _events(deployed, first)
    assert [event.kind for event in events] == ["started", "task_completed", "task_completed", "task_completed",
                                                "completed"]
    previous = None
    for event in events:  # each row's hash covers its fields and the row before it
        assert event.hash == event_chain.event_hash(event.__dict__, previous)
        previous = event.hash
    instance = deployed.get(ProcessInstance, first)
    assert (instance.last_event_sequence, instance.last_event_hash) == (5, events[-1].hash)
    report = audit_chain.verify(deployed, batch=1)  # one instance per batch: the batches join up
    assert (report.instances, report.events, report.broken) == (2, 6, [])
    assert audit_chain.verify(deployed, second).events == 1


def test_an_edited_row_breaks_its_chain_there(deployed, trails):
    first, second = trails
    deployed.execute(update(ProcessEvent).where(ProcessEvent.instance_id == first, ProcessEvent.sequence == 2)
                     .values(reason="资料齐全"))
    deployed.commit()
    assert _broken(deployed) == [(first, 2, "第 2 条事件的哈希不符：这一条被改动过，或它之前的事件被改动、删除或插入")]
    assert _broken(deployed, second) == []


def test_every_meaningful_field_is_covered(deployed, trails):
    first, _ = trails
    row = ProcessEvent.__table__.c
    where = (row.instance_id == first) & (row.sequence == 2)
    original = deployed.execute(select(ProcessEvent.__table__).where(where)).mappings().one()
    for column, value in [("actor_id", None), ("created_at", datetime(2026, 1, 1, tzinfo=UTC)),
                          ("decision", "approve"), ("summary", {"decision": "approve"}), ("kind", "message"),
                          ("task_name", "correct_registration"), ("title", "改"), ("human_task_id", None)]:
        deployed.execute(update(ProcessEvent.__table__).where(where).values({column: value}))
        assert [(found[0], found[1]) for found in _broken(deployed)] == [(first, 2)], column
        deployed.execute(update(ProcessEvent.__table__).where(where).values({column: original[column]}))
        assert _broken(deployed) == [], column


def test_a_row_rehashed_after_an_edit_breaks_the_next_link(deployed, trails):
    """Recomputing the edited row's own hash does not help: the row after it chained to the old one."""
    first, _ = trails
    events = _events(deployed, first)
    forged = {**events[1].__dict__, "reason": "资料齐全"}
    deployed.execute(update(ProcessEvent).where(ProcessEvent.id == events[1].id).values(
        reason="资料齐全", hash=event_chain.event_hash(forged, events[0].hash)))
    deployed.commit()
    assert [(row[0], row[1]) for row in _broken(deployed)] == [(first, 3)]


def test_a_deleted_row_is_a_gap(deployed, trails):
    first, _ = trails
    deployed.execute(delete(ProcessEvent).where(ProcessEvent.instance_id == first, ProcessEvent.sequence == 3))
    deployed.commit()
    assert _broken(deployed) == [(first, 3, "第 3 条事件缺失（序号不连续）：有事件被删除")]


def test_deleted_last_rows_are_told_by_the_instance(deployed, trails):
    first, _ = trails
    deployed.execute(delete(ProcessEvent).where(ProcessEvent.instance_id == first, ProcessEvent.sequence >= 4))
    deployed.commit()
    assert _broken(deployed) == [(first, 4, "最后的事件被删除：实例记录有 5 条，表中只有 3 条")]


def test_an_appended_row_is_found_even_when_chained(deployed, trails):
    first, _ = trails
    last = _events(deployed, first)[-1]
    row = {"instance_id": first, "sequence": 6, "kind": "task_completed", "task_name": "vet_registration",
           "actor_id": None, "summary": {}, "created_at": last.created_at, "human_task_id": None,
           "title": "注册审核", "decision": "approve", "reason": None}
    event_chain.link([row], last.hash)
    deployed.execute(insert(ProcessEvent), [row])
    deployed.commit()
    assert _broken(deployed) == [
        (first, 6, "表中有 6 条事件，多于实例记录的 5 条：有事件不是由平台写入的")]


def test_a_replaced_last_row_is_told_by_the_instance(deployed, trails):
    first, _ = trails
    last = _events(deployed, first)[-1]
    previous = _events(deployed, first)[-2].hash
    forged = {**last.__dict__, "summary": {"stage": "rejected"}}
    deployed.execute(update(ProcessEvent).where(ProcessEvent.id == last.id).values(
        summary={"stage": "rejected"}, hash=event_chain.event_hash(forged, previous)))
    deployed.commit()
    assert _broken(deployed) == [(first, 5, "最后一条事件（第 5 条）与实例记录的链尾不符：事件被替换过")]


def test_the_migration_hashes_existing_rows(tmp_path):
    """Rows written before 0019 get their chain on upgrade, across the migration's batches."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0017")
    moment = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
    counts = {1: 5003, 2: 3}  # instance 1 spans two batches of the migration (5000 rows each)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO process_definition (id, key, version, sha256, bpmn_xml, dependencies, deployed_at, "
            "is_current) VALUES (1, 'p', 1, 'x', '<x/>', '[]', '2026-11-01 00:00:00.000000', 1)"))
        for instance_id, count in counts.items():
            connection.execute(text(
                "INSERT INTO process_instance (id, definition_id, process_key, subject, status, state, version, "
                "last_event_sequence, created_at, updated_at) VALUES (:id, 1, 'p', 's', 'running', '', 1, :n, "
                "'2026-11-01 00:00:00.000000', '2026-11-01 00:00:00.000000')"), {"id": instance_id, "n": count})
        rows = [{"instance_id": instance_id, "sequence": sequence, "kind": "task_completed", "task_name": "t",
                 "actor_id": None, "summary": {"n": sequence, "word": "退回"}, "created_at": moment,
                 "human_task_id": None, "title": "审核", "decision": "return", "reason": "原因"}
                for instance_id, count in counts.items() for sequence in range(1, count + 1)]
        columns = ", ".join(rows[0])
        connection.execute(text(f"INSERT INTO process_event ({columns}) VALUES "  # noqa: S608 - test's own names
                                f"({', '.join(':' + name for name in rows[0])})"),
                           [{**row, "summary": json.dumps(row["summary"]),
                             "created_at": "2026-11-02 01:30:00.000000"} for row in rows])
    migrate.upgrade(engine)
    with make_session_factory(engine)() as session:
        report = audit_chain.verify(session)
        assert (report.instances, report.events, report.broken) == (2, 5006, [])
        session.execute(update(ProcessEvent).where(ProcessEvent.instance_id == 1, ProcessEvent.sequence == 5002)
                        .values(title="改"))
        assert [(row.instance_id, row.sequence) for row in audit_chain.verify(session).broken] == [(1, 5002)]
    engine.dispose()
