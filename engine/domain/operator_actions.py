"""运维操作: what an operator does to a running instance, without touching the database by hand.

Each action takes a reason (required, at most 500 characters), checks the instance's status, changes
the engine state, the inbox and the instance row together, and writes an ``operator_action`` row.
A refusal (unknown id, wrong status, missing reason, a reassignment to someone without the role)
raises ActionRefused before anything is written. The caller commits.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock, definitions, instance_migration, runtime, timers
from engine.domain import messages
from engine.projection import APPLICANT_LANE
from engine.services import ServiceContext
from engine.stages import status_label
from engine.text import N_, Text
from storage.models import HumanTask, OperatorAction, Organization, ProcessInstance, User

REASON_MAX = 500
OPEN_TASK_STATES = ("ready", "suspended")


class ActionRefused(Exception):
    """The action cannot be taken now; ``message`` says why (engine text, Chinese)."""

    def __init__(self, message: Text):
        super().__init__(message)
        self.message = message


# --- shared checks -----------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ActionRefused(N_("请填写操作原因"))
    if len(text) > REASON_MAX:
        raise ActionRefused(N_("操作原因不能超过 %(max)s 个字", max=REASON_MAX))
    return text


def _instance(session: Session, instance_id: int, allowed: tuple[str, ...]) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id, options=[undefer(ProcessInstance.state)])
    if instance is None:
        raise ActionRefused(N_("流程实例不存在"))
    if instance.status not in allowed:
        raise ActionRefused(N_("流程当前状态为“%(status)s”，不能执行此操作", status=status_label(instance.status)))
    return instance


def _audit(session: Session, action: str, instance: ProcessInstance, actor_id: int | None, reason: str,
           task: HumanTask | None = None, **details) -> OperatorAction:
    row = OperatorAction(action=action, instance_id=instance.id, human_task_id=task.id if task else None,
                         actor_id=actor_id, reason=reason, details=details, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def _set_status(session: Session, instance: ProcessInstance, status: str) -> None:
    """A status change with no engine step (the runtime writes it, guarded by the version column)."""
    try:
        runtime.set_status(session, instance, status)
    except runtime.AlreadyHandled as exc:
        raise ActionRefused(N_("流程刚被其他人处理，请刷新后重试")) from exc


def _set_open_tasks(session: Session, instance: ProcessInstance, from_state: tuple[str, ...], to_state: str,
                    **values) -> list[HumanTask]:
    rows = list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state.in_(from_state))))
    for row in rows:
        row.state = to_state
        for key, value in values.items():
            setattr(row, key, value)
    return rows


def _engine_step(session: Session, instance: ProcessInstance, actor_id: int | None, kind: str, reason: str,
                 change: Callable) -> ServiceContext:
    """Load the workflow, let ``change`` move it, save it with an audit event; the context tells how it ended."""
    context = ServiceContext(session, instance, actor_id)
    workflow = runtime.load(session, instance, context)
    runtime.record(context, kind, summary={"reason": reason[:200]})
    status = change(workflow, context)
    try:
        runtime.save(session, instance, workflow, context, status=status)
    except runtime.AlreadyHandled as exc:
        raise ActionRefused(N_("流程刚被其他人处理，请刷新后重试")) from exc
    return context


# --- instance actions --------------------------------------------------------------------------


def suspend(session: Session, instance_id: int, actor_id: int | None, reason: str) -> OperatorAction:
    """挂起: its tasks leave every inbox (state 'suspended'), its timers wait, nothing can complete it."""
    reason = _reason(reason)
    instance = _instance(session, instance_id, ("running", "waiting"))
    previous = instance.status
    _set_open_tasks(session, instance, ("ready",), "suspended")
    _set_status(session, instance, "suspended")
    return _audit(session, "suspend", instance, actor_id, reason, previous_status=previous)


def resume(session: Session, instance_id: int, actor_id: int | None, reason: str) -> OperatorAction:
    """恢复: its tasks are offered again; timers that fell due meanwhile fire at the next sweep."""
    reason = _reason(reason)
    instance = _instance(session, instance_id, ("suspended",))
    reopened = _set_open_tasks(session, instance, ("suspended",), "ready")
    _set_status(session, instance, "running" if reopened else "waiting")
    return _audit(session, "resume", instance, actor_id, reason, status=instance.status)


def cancel(session: Session, instance_id: int, actor_id: int | None, reason: str) -> OperatorAction:
    """取消: every open task and timer is cancelled; the organisations concerned learn why (我的消息)."""
    reason = _reason(reason)
    instance = _instance(session, instance_id, ("running", "waiting", "suspended", "error"))
    now = clock.now()
    closed = _set_open_tasks(session, instance, OPEN_TASK_STATES, "cancelled", completed_at=now)
    session.flush()

    def cancel_workflow(workflow, context):
        workflow.cancel()
        context.open_task_ids = set()  # the rows are closed above, suspended ones too
        return "cancelled"

    _engine_step(session, instance, actor_id, "cancelled", reason, cancel_workflow)
    organizations = {instance.started_by_org_id, *(row.organization_id for row in closed)} - {None}
    for organization_id in sorted(organizations):
        messages.notify(session, organization_id, N_("流程已取消：%(subject)s", subject=instance.subject),
                        N_("“%(subject)s”的办理流程已被平台运维人员取消。原因：%(reason)s", subject=instance.subject,
                           reason=reason))
    return _audit(session, "cancel", instance, actor_id, reason, cancelled_tasks=[row.id for row in closed])


def retry(session: Session, instance_id: int, actor_id: int | None, reason: str) -> OperatorAction:
    """重试: run the failed step again (once its cause is fixed); failing again, the instance stays 出错
    with the new message (saved: the attempt is part of its history)."""
    reason = _reason(reason)
    instance = _instance(session, instance_id, ("error",))
    retried = {}

    def run_again(workflow, context):
        failed = runtime.failed_task(workflow)
        if failed is not None:  # else the error was the platform's (a form not implemented): re-check
            retried["task"] = failed.task_spec.name
            workflow.reset_from_task_id(failed.id)
        runtime.run_engine(workflow, context)
        return None

    context = _engine_step(session, instance, actor_id, "retried", reason, run_again)
    return _audit(session, "retry", instance, actor_id, reason, task=None, element=retried.get("task"),
                  status=instance.status, error=context.failure)


def fire_timer(session: Session, instance_id: int, actor_id: int | None, reason: str) -> OperatorAction:
    """立即触发: fire the instance's earliest pending timer now, as if it were due."""
    reason = _reason(reason)
    instance = _instance(session, instance_id, ("running", "waiting"))
    due = instance.next_timer_at
    if due is None:
        raise ActionRefused(N_("该流程没有待触发的定时器"))
    with clock.timers_due_at(max(due, clock.now()) + timedelta(seconds=1)):
        try:
            fired = timers.fire_instance(session, instance)
        except runtime.AlreadyHandled as exc:
            raise ActionRefused(N_("流程刚被其他人处理，请刷新后重试")) from exc
    if not fired:
        raise ActionRefused(N_("该流程没有待触发的定时器"))
    return _audit(session, "fire_timer", instance, actor_id, reason, due=due.isoformat(), status=instance.status)


def migrate(session: Session, instance_id: int, actor_id: int | None, reason: str) -> OperatorAction:
    """迁移: move the instance onto the current version of its process when that is safe where it stands."""
    reason = _reason(reason)
    instance = _instance(session, instance_id, ("running", "waiting"))
    target = definitions.current(session, instance.process_key)
    source = instance.definition
    if target is None or target.id == instance.definition_id:
        raise ActionRefused(N_("该流程已在当前版本（v%(version)s）上运行", version=source.version))
    spec, subprocess_specs = definitions.specs_for(session, target)

    def move(workflow, context):
        try:
            instance_migration.migrate(workflow, spec, subprocess_specs)
        except instance_migration.Refusal as refusal:
            raise ActionRefused(refusal.message) from refusal
        runtime.run_engine(workflow, context)
        return None

    _engine_step(session, instance, actor_id, "migrated", reason, move)
    table = ProcessInstance.__table__
    session.connection().execute(update(table).where(table.c.id == instance.id).values(definition_id=target.id))
    set_committed_value(instance, "definition_id", target.id)
    set_committed_value(instance, "definition", target)
    return _audit(session, "migrate", instance, actor_id, reason, from_version=source.version,
                  to_version=target.version)


ACTIONS: dict[str, Callable[[Session, int, int | None, str], OperatorAction]] = {
    "suspend": suspend, "resume": resume, "cancel": cancel, "retry": retry,
    "fire_timer": fire_timer, "migrate": migrate,
}

ACTION_LABELS = {
    "suspend": N_("挂起"), "resume": N_("恢复"), "cancel": N_("取消流程"), "retry": N_("重试"),
    "fire_timer": N_("立即触发定时器"), "migrate": N_("迁移到当前版本"), "reassign": N_("转办"),
}


def available(instance: ProcessInstance) -> list[str]:
    """The instance-level actions that make sense for its status (what the page offers)."""
    by_status = {
        "running": ["suspend", "cancel"],
        "waiting": ["suspend", "cancel"],
        "suspended": ["resume", "cancel"],
        "error": ["retry", "cancel"],
    }
    names = list(by_status.get(instance.status, []))
    if instance.status in ("running", "waiting"):
        if instance.next_timer_at is not None:
            names.insert(1, "fire_timer")
        if not instance.definition.is_current:  # a newer version is what new instances start on
            names.append("migrate")
    return names


# --- reassigning one task ----------------------------------------------------------------------


def reassign(session: Session, task_id: int, actor_id: int | None, reason: str, *,
             user_id: int | None = None, organization_id: int | None = None) -> OperatorAction:
    """转办: give an open task to one user (only they see it) or to another organisation of the task's
    role (its users see it); the previous holders no longer do."""
    reason = _reason(reason)
    task = session.get(HumanTask, task_id)
    if task is None:
        raise ActionRefused(N_("任务不存在"))
    if task.state not in OPEN_TASK_STATES:
        raise ActionRefused(N_("只能转办未完成的任务"))
    if (user_id is None) == (organization_id is None):
        raise ActionRefused(N_("请指定转办给一个用户或一个单位"))
    before = {"user_id": task.assignee_id, "organization_id": task.organization_id}
    if user_id is not None:
        _assign_user(session, task, user_id)
    else:
        _assign_organization(session, task, organization_id)
    session.flush()
    return _audit(session, "reassign", task.instance, actor_id, reason, task=task, before=before,
                  after={"user_id": task.assignee_id, "organization_id": task.organization_id})


def _assign_user(session: Session, task: HumanTask, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is None or not user.is_enabled or not user.organization.is_active:
        raise ActionRefused(N_("用户不存在或已停用"))
    fits = task.role in user.role_set or (
        task.role == APPLICANT_LANE and user.organization_id == task.organization_id)
    if not fits:
        raise ActionRefused(N_("该用户没有办理此任务所需的角色"))
    task.assignee_id = user.id
    if task.organization_id is not None:  # an organisation's task follows its new holder's organisation
        task.organization_id = user.organization_id


def _assign_organization(session: Session, task: HumanTask, organization_id: int) -> None:
    organization = session.get(Organization, organization_id)
    if organization is None or not organization.is_active:
        raise ActionRefused(N_("单位不存在或未启用"))
    if task.role == APPLICANT_LANE:
        raise ActionRefused(N_("申请单位的任务不能转给其他单位"))
    if organization.kind != task.role:
        raise ActionRefused(N_("该单位不是办理此任务所需的单位类型"))
    task.organization_id = organization.id
    task.assignee_id = None
