"""PostgreSQL's subject search table (migration 0034): process_instance_subject follows every instance
created, renamed or deleted, and an instance's saves leave it alone (its trigram index is not rewritten
on every completion, as it was when the index sat on process_instance)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update

from engine.domain import operations
from storage.models import ProcessInstance
from storage.models.search import SUBJECT_SEARCH
from tests.engine.helpers import decide
from tests.factories import office_user, registered

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(deployed):
    if deployed.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    return deployed


def _kept(session, instance_id: int):
    """(subject, xmin) of the instance's search row: xmin changes whenever the row is written."""
    return session.execute(select(SUBJECT_SEARCH.c.subject, text("xmin::text"))
                           .where(SUBJECT_SEARCH.c.instance_id == instance_id)).first()


def test_the_subject_table_follows_the_instances_and_not_their_saves(pg, tmp_path):
    office = office_user(pg)
    user, instance = registered(pg, tmp_path)
    pg.commit()
    subject, written = _kept(pg, instance.id)
    assert subject == instance.subject == user.organization.name

    decide(pg, instance, office, "return")  # the instance's row is saved; its subject stays
    pg.commit()
    assert instance.version > 1 and _kept(pg, instance.id) == (subject, written)

    pg.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(subject="改名后的企业 0077"))
    pg.commit()
    assert _kept(pg, instance.id)[0] == "改名后的企业 0077"
    found, total = operations.instances(pg, None, None, "企业 0077", 1)
    assert [row.id for row in found] == [instance.id] and total == 1
    assert operations.instances(pg, None, None, subject, 1) == ([], 0)

    # An instance deleted (nothing refers to this bare one) takes its search row with it.
    bare = ProcessInstance(definition_id=instance.definition_id, process_key=instance.process_key,
                           subject="待删除的实例", status="running", state="", created_at=instance.created_at,
                           updated_at=instance.created_at)
    pg.add(bare)
    pg.commit()
    assert _kept(pg, bare.id)[0] == "待删除的实例"
    pg.execute(delete(ProcessInstance).where(ProcessInstance.id == bare.id))
    pg.commit()
    assert _kept(pg, bare.id) is None
