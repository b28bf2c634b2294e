"""ServiceContext.get: a row read by a form handler is not read again by the service task after it."""
from __future__ import annotations

import gc

from sqlalchemy import event

from engine.services import ServiceContext
from storage.models import Organization


def statements_during(session, action) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def test_a_row_is_read_once_per_request(session):
    session.add(Organization(kind="enterprise", name="甲企业", status="active"))
    session.commit()
    organization_id = session.query(Organization.id).scalar()
    session.expunge_all()
    context = ServiceContext(session, None)

    def read_twice():
        first = context.get(Organization, organization_id)
        first_id = id(first)
        del first
        gc.collect()  # the identity map alone would have let the row go
        assert id(context.get(Organization, str(organization_id))) == first_id

    assert len(statements_during(session, read_twice)) == 1


def test_a_missing_row_is_looked_up_again(session):
    context = ServiceContext(session, None)
    assert context.get(Organization, 424242) is None
    session.add(Organization(id=424242, kind="enterprise", name="乙企业", status="active"))
    session.flush()
    assert context.get(Organization, 424242).name == "乙企业"
