"""办理期限 from the BPMN: a boundary timer on the user task, else its timeLimitDays; 待办's 期限 filter."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import definitions, inbox, list_filters, runtime
from storage.models import HumanTask
from tests.engine.bpmn_fixtures import HEADER
from tests.factories import office_user, registered

PROCESS = HEADER + """  <bpmn:process id="due_demo" name="期限演示" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_office" name="office">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef>{extra_refs}</bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="generic_review" />
        <spiffworkflow:property name="stage" value="reviewing" />
        <spiffworkflow:property name="stageLabel" value="审核中" />{limit}
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>{boundary}
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />{extra_flows}
  </bpmn:process>
</bpmn:definitions>
"""

BOUNDARY = """
    <bpmn:boundaryEvent id="remind" name="提醒" attachedToRef="review" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P2DT12H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="reminded"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>"""


def _process(limit: str = "", boundary: bool = False) -> bytes:
    text = PROCESS.format(
        limit=f'\n        <spiffworkflow:property name="timeLimitDays" value="{limit}" />' if limit else "",
        boundary=BOUNDARY if boundary else "",
        extra_refs="<bpmn:flowNodeRef>remind</bpmn:flowNodeRef><bpmn:flowNodeRef>reminded</bpmn:flowNodeRef>"
        if boundary else "",
        extra_flows='\n    <bpmn:sequenceFlow id="f3" sourceRef="remind" targetRef="reminded" />' if boundary else "")
    return text.encode()


def _task_of(session, document: bytes) -> HumanTask:
    definitions.deploy_documents(session, [("due_demo.bpmn", document)])
    instance = runtime.start_instance(session, "due_demo", subject="期限")
    session.commit()
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)).one()


def test_time_limit_property_sets_the_due_date(session, frozen_clock):
    task = _task_of(session, _process(limit="5"))
    assert task.created_at == frozen_clock.now()
    assert task.due_at == frozen_clock.now() + timedelta(days=5)


def test_boundary_timer_sets_the_due_date_before_the_property(session, frozen_clock):
    task = _task_of(session, _process(limit="5", boundary=True))
    assert task.due_at == frozen_clock.now() + timedelta(days=2, hours=12)


def test_no_limit_declared_no_due_date(session, frozen_clock):
    assert _task_of(session, _process()).due_at is None


def test_shipped_review_tasks_are_due_as_their_bpmn_declares(deployed, tmp_path, frozen_clock):
    registered(deployed, tmp_path)  # 注册审核: timeLimitDays 5 in registration_vetting.bpmn
    deployed.commit()
    task = deployed.scalars(select(HumanTask).where(HumanTask.task_name == "vet_registration")).one()
    assert task.due_at == task.created_at + timedelta(days=5)


def _inbox_ids(session, user, value, soon_days=3):
    spec = list_filters.inbox_spec(soon_days)
    wanted = list_filters.parse(spec, {"due": value}, {"due": {"overdue": "已超期", "soon": "即将到期"}})
    assert not wanted.errors
    return {task.id for task in inbox.inbox(session, user, where=wanted.conditions("x"))[0]}


def test_overdue_and_due_soon_filters(deployed, tmp_path, frozen_clock):
    office = office_user(deployed)
    registered(deployed, tmp_path)  # due in 5 days
    frozen_clock.advance(timedelta(days=3))
    registered(deployed, tmp_path, email="later@test.cn")  # due in 5 days from now
    deployed.commit()
    early, late = deployed.scalars(select(HumanTask.id).order_by(HumanTask.id)).all()
    assert _inbox_ids(deployed, office, "overdue") == set()
    assert _inbox_ids(deployed, office, "soon") == {early}  # due in 2 days
    assert _inbox_ids(deployed, office, "soon", soon_days=5) == {early, late}
    frozen_clock.advance(timedelta(days=2, seconds=1))
    assert _inbox_ids(deployed, office, "overdue") == {early}
    assert _inbox_ids(deployed, office, "soon") == {late}


def test_a_bad_due_value_is_refused_at_the_field(frozen_clock):
    wanted = list_filters.parse(list_filters.INBOX, {"due": "yesterday"}, {"due": {"overdue": "已超期"}})
    assert wanted.errors == {"due": list_filters.BAD_CHOICE} and wanted.conditions("sqlite") == []
