"""`duibiao engine check`: after the shipped flows have run (the demo drives every process), each
instance's row and inbox agree with its engine state; a tampered projection is reported and repaired."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

import demodata
from engine import consistency
from storage.files import FileStore
from storage.models import HumanTask, ProcessInstance
from tests.factories import remembered_password_hashes


@pytest.fixture
def demo(deployed, session_factory, tmp_path):
    with remembered_password_hashes():
        demodata.load_all(deployed, session_factory, FileStore(tmp_path / "files"))
    deployed.commit()
    deployed.expunge_all()
    return deployed


def test_the_shipped_flows_leave_every_instance_consistent(demo):
    statuses = set(demo.scalars(select(ProcessInstance.status)).all())
    assert {"running", "completed"} <= statuses  # the demo reaches open and finished instances
    assert consistency.check(demo) == []


def test_a_tampered_projection_is_reported_then_repaired(demo):
    deleted = demo.scalars(select(HumanTask).where(HumanTask.state == "ready").order_by(HumanTask.id)).first()
    deleted_id, deleted_engine_id, deleted_instance = deleted.id, deleted.engine_task_id, deleted.instance_id
    staged = demo.scalars(select(ProcessInstance).where(ProcessInstance.id != deleted_instance,
                                                        ProcessInstance.stage.is_not(None))
                          .order_by(ProcessInstance.id)).first()
    staged_id, stage, stage_label, element = staged.id, staged.stage, staged.stage_label, staged.stage_element
    assert element  # the element that set the stage, recorded by the save
    reopened = demo.scalars(select(HumanTask).where(HumanTask.state == "completed",
                                                    HumanTask.instance_id.not_in([deleted_instance, staged_id]))
                            .order_by(HumanTask.id)).first()
    reopened_instance, reopened_engine_id = reopened.instance_id, reopened.engine_task_id
    demo.execute(delete(HumanTask).where(HumanTask.id == deleted_id).execution_options(synchronize_session=False))
    demo.execute(update(HumanTask).where(HumanTask.id == reopened.id).values(state="ready", completed_at=None))
    demo.execute(update(ProcessInstance).where(ProcessInstance.id == staged_id)
                 .values(stage="tampered", stage_label="篡改", stage_element=None))
    demo.commit()
    demo.expunge_all()

    found = {finding.instance_id: finding for finding in consistency.check(demo)}
    assert set(found) == {deleted_instance, staged_id, reopened_instance}
    assert found[deleted_instance].missing_tasks == [deleted_engine_id]
    assert found[staged_id].columns == {"stage": ("tampered", stage), "stage_label": ("篡改", stage_label),
                                        "stage_element": (None, element)}
    assert found[reopened_instance].extra_tasks == [reopened_engine_id]

    assert len(consistency.check(demo, repair=True)) == 3
    assert consistency.check(demo) == []
    assert demo.execute(select(ProcessInstance.stage, ProcessInstance.stage_element)
                        .where(ProcessInstance.id == staged_id)).one() == (stage, element)
    open_rows = demo.scalars(select(HumanTask.engine_task_id).where(
        HumanTask.instance_id == deleted_instance, HumanTask.state == "ready")).all()
    assert deleted_engine_id in open_rows



def test_an_unreadable_state_is_reported_and_left_alone(demo):
    broken = demo.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)).first()
    demo.execute(update(ProcessInstance).where(ProcessInstance.id == broken).values(state="{not json"))
    demo.commit()
    demo.expunge_all()
    for repair in (False, True):
        found = consistency.check(demo, repair=repair)
        assert [finding.instance_id for finding in found] == [broken]
        assert found[0].unreadable and not found[0].columns
