"""The inbox is a plain indexed query: it never fetches workflow state."""
from __future__ import annotations

from sqlalchemy import event

from engine import inbox
from tests.factories import office_user, registered


def test_inbox_never_fetches_workflow_state(deployed, db_engine, tmp_path):
    office = office_user(deployed)
    for number in range(3):
        registered(deployed, tmp_path, email=f"a{number}@test.cn")
    deployed.commit()
    deployed.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db_engine, "before_cursor_execute", listener)
    try:
        rows, total = inbox.inbox(deployed, office, page=1, per_page=2)
        subjects = [row.instance.subject for row in rows]
        stages = [row.instance.stage for row in rows]
    finally:
        event.remove(db_engine, "before_cursor_execute", listener)
    assert total == 3 and len(rows) == 2
    assert subjects == ["深圳测试科技有限公司"] * 2 and stages == ["vetting"] * 2
    queries = [sql for sql in statements if sql.startswith("SELECT")]
    # user refresh after expire_all, the count, one page with the instances joined in
    assert len(queries) <= 3, queries
    assert not any("process_instance.state" in sql for sql in statements), statements


def test_tasks_go_to_the_lane_and_organisation_only(deployed, tmp_path):
    office = office_user(deployed)
    applicant, _instance = registered(deployed, tmp_path)
    other, _ = registered(deployed, tmp_path, email="other@test.cn")
    deployed.commit()
    assert inbox.inbox(deployed, office)[1] == 2
    assert inbox.inbox(deployed, applicant)[1] == 0  # the vetting task is the office's
    task = inbox.inbox(deployed, office)[0][0]
    assert inbox.may_act(office, task) and not inbox.may_act(applicant, task)
    assert not inbox.may_act(other, task)
