"""流程管理 (designers and operators): read-only views of deployed definitions and process instances.

Everything here reads the tables only (process_definition, process_instance, human_task,
process_event): the instance list never fetches the workflow state, and nothing deserializes it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine import bpmn
from engine.counting import capped_count
from engine.domain.keys import clean_query
from engine.stages import STATUS_LABELS
from engine.text import N_
from engine.text_search import ids_containing
from storage.models import HumanTask, Organization, ProcessDefinition, ProcessEvent, ProcessInstance, User
from storage.models.search import SUBJECT_FTS, subject_columns

STATUSES = tuple(STATUS_LABELS)
MAX_QUERY = 100

ROLE_LABELS = {
    "applicant": N_("申请单位"),
    "office": N_("专项办"),
    "institution": N_("第三方技术机构"),
    "enterprise": N_("企业"),
    "designer": N_("流程设计"),
    "operator": N_("运维"),
}

TASK_STATE_LABELS = {
    "ready": N_("待办理"),
    "completed": N_("已完成"),
    "cancelled": N_("已取消"),
    "suspended": N_("已挂起"),
}

EVENT_LABELS = {
    "started": N_("流程启动"),
    "task_completed": N_("完成任务"),
    "message": N_("收到消息"),
    "timer": N_("定时器触发"),
    "completed": N_("流程结束"),
    "withdrawn": N_("撤回"),
    "operator": N_("运维操作"),
    "error": N_("出错"),
    "cancelled": N_("取消流程"),
    "retried": N_("重试"),
    "migrated": N_("迁移版本"),
}

# Process names read from deployed BPMN, by (key, sha256): a deployed version never changes.
_names: dict[tuple[str, str], str] = {}
# The (stage, stageLabel) pairs each version's elements declare, read with the name.
_stages: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
_names_lock = threading.Lock()


def role_label(role: str | None) -> str:
    return ROLE_LABELS.get(role or "", role or "")


def task_state_label(state: str | None) -> str:
    return TASK_STATE_LABELS.get(state or "", state or "")


def event_label(kind: str | None) -> str:
    return EVENT_LABELS.get(kind or "", kind or "")


# --- definitions -------------------------------------------------------------------------


@dataclass
class DefinitionRow:
    id: int
    key: str
    name: str
    version: int
    sha256: str
    deployed_at: datetime
    instances: int  # instances started on this version
    is_current: bool = False  # the version new instances start on


def _names_for(session: Session, rows) -> dict[tuple[str, str], str]:
    """The BPMN process name of each (key, sha256), parsing only versions not seen before."""
    missing = {(key, digest) for key, digest in rows if (key, digest) not in _names}
    if missing:
        sources = session.execute(
            select(ProcessDefinition.key, ProcessDefinition.sha256, ProcessDefinition.bpmn_xml)
            .where(ProcessDefinition.sha256.in_(sorted({digest for _, digest in missing})))).all()
        found, stages = {}, {}
        for key, digest, source in sources:
            if (key, digest) in missing:
                found[(key, digest)] = _process_name(source, key)
                stages[(key, digest)] = _declared_stages(source)
        with _names_lock:
            _names.update(found)
            _stages.update(stages)
    return {pair: _names.get(pair, "") for pair in rows}


def _process_name(source: str, key: str) -> str:
    try:
        infos = bpmn.describe(bpmn.parse_xml(source))
    except bpmn.BpmnError:
        return ""
    return next((info.name for info in infos if info.key == key), "")


def _declared_stages(source: str) -> tuple[tuple[str, str], ...]:
    try:
        found = {props["stage"]: props.get("stageLabel") or props["stage"]
                 for props in bpmn.element_properties(source) if props.get("stage")}
    except bpmn.BpmnError:
        return ()
    return tuple(found.items())


def known_stages() -> list[tuple[str, str]]:
    """(stage, stageLabel) of every version whose name was read (``process_names`` reads the
    newest of each process): the stage filter's choices, without a query."""
    with _names_lock:
        found = {stage: label for pairs in _stages.values() for stage, label in pairs}
    return sorted(found.items(), key=lambda pair: pair[0])


def forget_read_versions() -> None:
    """Drop what ``process_names`` remembered (a process that switches databases: the tests)."""
    with _names_lock:
        _names.clear()
        _stages.clear()


def stage_labels() -> dict[str, str]:
    """stage → stageLabel of every version read so far (see ``known_stages``)."""
    return dict(known_stages())


def definitions(session: Session) -> list[DefinitionRow]:
    """Every deployed version, by key then newest version first, with its instance count."""
    counts = (select(ProcessInstance.definition_id, func.count().label("n"))
              .group_by(ProcessInstance.definition_id).subquery())
    rows = session.execute(
        select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.version,
               ProcessDefinition.sha256, ProcessDefinition.deployed_at, func.coalesce(counts.c.n, 0),
               ProcessDefinition.is_current)
        .outerjoin(counts, counts.c.definition_id == ProcessDefinition.id)
        .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())).all()
    names = _names_for(session, [(row[1], row[3]) for row in rows])
    return [DefinitionRow(id=id_, key=key, name=names[(key, digest)], version=version, sha256=digest,
                          deployed_at=deployed_at, instances=int(n), is_current=current)
            for id_, key, version, digest, deployed_at, n, current in rows]


def newest_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The version of ``key`` new instances start on."""
    return session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                           ProcessDefinition.is_current)).first()


def with_lane_labels(source: str, label: Callable[[str], str]) -> bytes:
    """The BPMN with each lane named for readers (专项办, not ``office``); lanes are role keys in BPMN."""
    tree = bpmn.parse_xml(source)
    for lane in tree.iter(f"{{{bpmn.BPMN_NS}}}lane"):
        role = lane.get("name")
        if role in ROLE_LABELS:
            lane.set("name", label(role))
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


def process_names(session: Session) -> dict[str, str]:
    """Key → process name of its newest deployed version, keys in alphabetical order."""
    rows = session.execute(
        select(ProcessDefinition.key, ProcessDefinition.sha256)
        .order_by(ProcessDefinition.key, ProcessDefinition.version.desc())).all()
    newest = {}
    for key, digest in rows:
        newest.setdefault(key, digest)
    names = _names_for(session, list(newest.items()))
    return {key: names[(key, digest)] for key, digest in newest.items()}


def definition(session: Session, definition_id: int) -> ProcessDefinition | None:
    return session.get(ProcessDefinition, definition_id)


def definition_name(session: Session, found: ProcessDefinition) -> str:
    return _names_for(session, [(found.key, found.sha256)])[(found.key, found.sha256)]


# --- instances ---------------------------------------------------------------------------


def instances(session: Session, key: str | None, status: str | None, query: str, page: int,
              per_page: int = 20) -> tuple[list[ProcessInstance], int]:
    """Process instances, newest first (with their definition; never their state), filtered by
    process key, engine status and a text in the subject (the operator API's list). Each filter is
    answered from an index (key / status with creation time: migration 0021; the subject: the trigram
    index or FTS table of engine.text_search) and the count stops COUNT_CAP rows past the page's first
    (engine.counting)."""
    conditions = []
    if key:
        conditions.append(ProcessInstance.process_key == key)
    if status in STATUSES:
        conditions.append(ProcessInstance.status == status)
    text = clean_query(query, MAX_QUERY)
    if text:
        dialect = session.get_bind().dialect.name
        conditions.append(ProcessInstance.id.in_(
            ids_containing(dialect, *subject_columns(dialect), SUBJECT_FTS, text, session)))
    total = capped_count(session, select(ProcessInstance.id).where(*conditions),
                         (max(page, 1) - 1) * per_page)
    rows = session.scalars(
        select(ProcessInstance).where(*conditions)
        .order_by(ProcessInstance.created_at.desc(), ProcessInstance.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return list(rows), total


@dataclass
class TaskRow:
    task: HumanTask
    organization: str | None
    completed_by: str | None


@dataclass
class EventRow:
    event: ProcessEvent
    actor: str | None
    task_title: str | None


@dataclass
class InstanceDetail:
    instance: ProcessInstance
    tasks: list[TaskRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)

    @property
    def ready_tasks(self) -> list[HumanTask]:
        return [row.task for row in self.tasks if row.task.state == "ready"]


def instance_detail(session: Session, instance_id: int) -> InstanceDetail | None:
    """An instance with its inbox rows (oldest first) and its audit trail (by sequence)."""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        return None
    completer = aliased(User)
    tasks = [TaskRow(task, organization, email) for task, organization, email in session.execute(
        select(HumanTask, Organization.name, completer.email)
        .outerjoin(Organization, Organization.id == HumanTask.organization_id)
        .outerjoin(completer, completer.id == HumanTask.completed_by_id)
        .where(HumanTask.instance_id == instance.id)
        .order_by(HumanTask.created_at, HumanTask.id)).all()]
    titles = {row.task.task_name: row.task.title for row in tasks}
    events = [EventRow(event, email, titles.get(event.task_name)) for event, email in session.execute(
        select(ProcessEvent, User.email).outerjoin(User, User.id == ProcessEvent.actor_id)
        .where(ProcessEvent.instance_id == instance.id)
        .order_by(ProcessEvent.sequence)).all()]
    return InstanceDetail(instance, tasks, events)


def highlighted_elements(source: str, process_key: str, ready: list[HumanTask]) -> list[str]:
    """BPMN element ids of ``process_key``'s diagram to mark for the READY tasks: the task itself,
    or, for a task of a called process, the call activities that call that process."""
    tasks_here = {task.task_name for task in ready if task.process_key == process_key}
    called = {task.process_key for task in ready if task.process_key != process_key}
    marked = set()
    if tasks_here or called:
        try:
            root = bpmn.parse_xml(source).getroot()
        except bpmn.BpmnError:
            return []
        for process in root.iterfind(f"{{{bpmn.BPMN_NS}}}process"):
            if process.get("id") != process_key:
                continue
            for node in process.iter():
                element_id = node.get("id")
                if element_id in tasks_here:
                    marked.add(element_id)
                elif node.tag == f"{{{bpmn.BPMN_NS}}}callActivity" and node.get("calledElement") in called:
                    marked.add(element_id)
    return sorted(marked)


def summary_text(summary: dict | None) -> str:
    """An audit row's data summary as ``key=value`` pairs (short scalars only, as recorded)."""
    if not summary:
        return ""
    return ", ".join(f"{key}={value}" for key, value in sorted(summary.items(), key=lambda item: item[0]))

