"""The engine's save writes the instance with one UPDATE guarded by its version, of the columns whose values
changed: SQLite leaves the indexes of the others alone (issue 15). A column the session has not loaded
counts as changed, so nothing the step decided is left unwritten."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, select

from engine import clock, runtime
from engine.domain import registration
from storage import deferred
from storage.models import HumanTask, ProcessInstance
from tests.factories import office_user, registered


def _instance_updates(session, run) -> list[set[str]]:
    """The columns each UPDATE of process_instance that ``run`` sends sets."""
    found = []
    engine = session.get_bind()

    def capture(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().upper().startswith("UPDATE PROCESS_INSTANCE"):
            assignments = statement.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
            found.append({re.split(r"\s*=", part.strip())[0].strip('"') for part in assignments.split(",")})

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return found


def test_a_completion_writes_what_changed_and_the_row_holds_every_value(deployed, tmp_path):
    office = office_user(deployed)
    _user, instance = registered(deployed, tmp_path)
    deployed.commit()
    before = deployed.get(ProcessInstance, instance.id)
    status, version, timer, completed = before.status, before.version, before.next_timer_at, before.completed_at
    task_id = deployed.scalars(select(HumanTask.id).where(HumanTask.state == "ready")).one()
    deployed.expunge_all()
    clock.advance(timedelta(minutes=5))  # the office decides later (the tests' clock stands still)

    def complete():
        task = runtime.load_task(deployed, task_id)
        runtime.complete_task(deployed, task, office.id, lambda context: registration.decide(context, "return", "补充"))
        deployed.commit()

    (columns,) = _instance_updates(deployed, complete)
    # The step moved the stage and the state; the status (running), the timer and the completion did not.
    assert {"state", "stage", "stage_label", "stage_element", "updated_at", "version"} <= columns, columns
    assert not columns & {"status", "next_timer_at", "completed_at"}, columns
    deployed.expunge_all()
    after = deployed.get(ProcessInstance, instance.id)
    assert (after.status, after.stage, after.version) == (status, "returned", version + 1)
    assert (after.next_timer_at, after.completed_at) == (timer, completed)
    assert after.updated_at > before.updated_at


def test_a_column_not_loaded_is_written(deployed, tmp_path):
    _user, instance = registered(deployed, tmp_path)
    deployed.commit()
    deployed.expunge_all()
    loaded = deployed.get(ProcessInstance, instance.id)  # the state is deferred: not loaded
    stage, version = loaded.stage, loaded.version
    deployed.expire(loaded, ["status"])
    values = {"state": '{"written": true}', "status": "running", "stage": stage}

    def write():
        runtime._update_instance(deployed, loaded, values)
        deferred.check(deployed.connection())

    (columns,) = _instance_updates(deployed, write)
    assert columns == {"state", "status", "version"}, columns  # the stage was loaded and is the same
    deployed.commit()
    deployed.expunge_all()
    row = deployed.get(ProcessInstance, instance.id)
    assert (row.state, row.status, row.stage, row.version) == ('{"written": true}', "running", stage, version + 1)
