"""The outbox's drain reads its queue through ix_outbox_unsent (migration 0036), on both databases: a table of
sent rows is never walked to find the few unsent ones, and the drain sends those, oldest first. On
PostgreSQL even with statistics autovacuum took while every row was still waiting (SQLite keeps none unless
told to)."""
from __future__ import annotations

import json

from sqlalchemy import event, insert, select, text, update

from storage import outbox
from storage.db import utcnow
from storage.models import OutboxItem

SENT, WAITING = 3_000, 12


def _queue(session, count: int, prefix: str) -> None:
    now = utcnow()
    session.execute(insert(OutboxItem.__table__), [
        {"channel": "email", "recipient": f"{prefix}{n}@outbox.test", "subject": "通知", "body": "正文",
         "created_at": now, "attempts": 0} for n in range(count)])
    session.commit()


def _drain_statement(session, backend) -> tuple[int, str, object]:
    """What the drain sent, and its SELECT with the parameters it carried."""
    seen = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM outbox" in statement:
            seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        sent = outbox.drain(session, backend, limit=outbox.DRAIN_BATCH)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 1
    return sent, *seen[0]


def _plan_text(session, statement: str, parameters) -> str:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))  # a table this small would be read whole
        raw = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
        plan = json.dumps(json.loads(raw) if isinstance(raw, str) else raw)
    else:
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                             parameters))
    session.rollback()
    return plan


class _Collected:
    def __init__(self):
        self.recipients: list[str] = []

    def send(self, item) -> None:
        self.recipients.append(item.recipient)


def test_the_drain_reads_the_queue_from_its_own_index_past_thousands_of_sent_rows(session):
    _queue(session, SENT, "old")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))  # statistics of a full queue: every sent_at empty
    session.execute(update(OutboxItem.__table__).values(sent_at=utcnow(), attempts=1))
    session.commit()
    _queue(session, WAITING, "new")

    backend = _Collected()
    sent, statement, parameters = _drain_statement(session, backend)

    assert sent == WAITING
    assert backend.recipients == [f"new{n}@outbox.test" for n in range(WAITING)]
    assert "ix_outbox_unsent" in _plan_text(session, statement, parameters)
    assert session.scalar(select(OutboxItem.id).where(OutboxItem.sent_at.is_(None))) is None


def test_the_queue_index_replaces_the_index_of_every_sent_at(session):
    indexes = session.connection().dialect.get_indexes(session.connection(), "outbox")
    assert [(index["name"], index["column_names"]) for index in indexes] == [("ix_outbox_unsent", ["id"])]
