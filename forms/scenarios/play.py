"""One scenario being played in its sandbox copy: its clock, its accounts, its subject, and the
things a step does (complete a task, withdraw, file a 修订意见, move the clock, look)."""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from engine import clock, inbox, pruning, runtime, timers
from engine.domain import publicity
from engine.domain.auth import find_user
from engine.domain.errors import InputError
from engine.services import ServiceContext
from engine.text import N_, listing
from forms.publicity import CommentForm
from forms.scenarios import formfill
from forms.scenarios.formfill import StepFailed
from forms.scenarios.sandbox import START, WORLD, Copy
from storage.models import HumanTask, Plan, ProcessInstance, User

STEP_PAUSE = timedelta(minutes=1)  # between two steps, so rows keep the order they happened in


@dataclass
class Subject:
    """What a starter made: the instance the scenario follows and the row whose status it projects."""

    instance_id: int
    row: tuple[type, int] | None = None  # (model, id): ``subject_status`` reads its ``status``
    submitter: str = "applicant"  # the role that withdraws when a step names none


@dataclass
class Play:
    copy: Copy
    session: Session
    moment: datetime = START
    users: dict[str, User] = field(default_factory=dict)
    subject: Subject | None = None
    _clock: ExitStack = field(default_factory=ExitStack)

    @classmethod
    def open(cls, copy: Copy, moment: datetime = START, more_users: dict[str, int] | None = None) -> Play:
        play = cls(copy, copy.sessions(), moment)
        play._clock.enter_context(clock.frozen_at(moment))  # this thread only: the web app's requests go on
        play.users = {role: find_user(play.session, email) for role, (email, _kind, _name) in WORLD.items()}
        play.users.update({role: play.session.get(User, user_id) for role, user_id in (more_users or {}).items()})
        return play

    def close(self) -> None:
        self._clock.close()
        self.session.close()

    # --- time -------------------------------------------------------------------------------------

    def move_to(self, moment: datetime) -> None:
        self.moment = moment
        self._clock.enter_context(clock.frozen_at(moment))

    def pause(self) -> None:
        self.move_to(self.moment + STEP_PAUSE)

    def advance(self, duration: timedelta) -> None:
        """Move the clock and fire the timers due by then, as the scheduler's sweep would."""
        self.session.commit()
        self.move_to(self.moment + duration)
        timers.fire_due(self.copy.sessions)
        self.session.expire_all()  # the timers ran in sessions of their own

    # --- who --------------------------------------------------------------------------------------

    def user(self, role: str) -> User:
        user = self.users.get(role)
        if user is None:
            raise StepFailed(N_("场景中没有角色 %(role)s（可用：%(known)s）", role=role,
                                known=listing(sorted(self.users))))
        return user

    def default_actor(self, task: HumanTask) -> User:
        """Whoever the task is offered to: a user of its organisation, else of its role."""
        if task.organization_id is not None:
            user = self.session.scalars(select(User).where(User.organization_id == task.organization_id)
                                        .order_by(User.id)).first()
            if user is not None:
                return user
        for user in self.users.values():
            if inbox.may_act(user, task):
                return user
        raise StepFailed(N_("场景中没有人能办理「%(task)s」（%(lane)s）", task=task.title, lane=task.role))

    # --- what is open -----------------------------------------------------------------------------

    def instance(self) -> ProcessInstance:
        return self.session.get(ProcessInstance, self.subject.instance_id)

    def open_tasks(self, instance: ProcessInstance | None = None) -> list[HumanTask]:
        """READY tasks of the subject's instance and of the instances it chained to (its business key)."""
        instance = instance or self.instance()
        scope = (ProcessInstance.business_key == instance.business_key if instance.business_key
                 else ProcessInstance.id == instance.id)
        return list(self.session.scalars(
            select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(scope, HumanTask.state == "ready").order_by(HumanTask.id)))

    def find_task(self, name: str) -> HumanTask:
        for task in self.open_tasks():
            if name in (task.title, task.task_name):
                return task
        instance = self.instance()
        if instance.status == "error":  # a step failed: the engine's reason says more than the open tasks
            raise StepFailed(N_("流程出错：%(error)s", error=instance.error or ""))
        raise StepFailed(N_("没有待办任务「%(task)s」，当前待办：%(open)s", task=name,
                            open=names(self.open_tasks())))

    # --- what a step does -------------------------------------------------------------------------

    def complete(self, task: HumanTask, values: dict, role: str | None = None) -> None:
        user = self.user(role) if role else self.default_actor(task)
        if not inbox.may_act(user, task):
            raise StepFailed(N_("%(role)s 不能办理「%(task)s」（该任务交给 %(lane)s）", role=role,
                                task=task.title, lane=task.role))
        formfill.complete(self.session, task, user, values, self.copy.store)
        self.session.commit()

    def withdraw(self, name: str, role: str | None) -> None:
        instance = self.instance()
        task = inbox.withdrawable(self.session, business_key=instance.business_key) if instance.business_key \
            else inbox.withdrawable(self.session, instance_ids=[instance.id])
        if task is None or name not in (task.title, task.task_name):
            raise StepFailed(N_("「%(task)s」现在不能撤回（可撤回的：%(open)s）", task=name,
                                open=names([task] if task else [])))
        runtime.withdraw(self.session, task, self.user(role or self.subject.submitter).id)
        self.session.commit()

    def comment(self, text: str, role: str | None) -> None:
        """修订意见 during 公示, through the form of the 公示 page."""
        if not self.subject.row or self.subject.row[0] is not Plan:
            raise StepFailed(N_("只有对标方案的场景可以提出修订意见"))
        form = CommentForm(MultiDict([("text", text)]))
        if not form.validate():
            raise StepFailed(N_("修订意见未通过校验：%(errors)s", errors=formfill.joined(formfill.form_errors(form))))
        try:
            publicity.file_comment(self.session, self.user(role or "enterprise"), self.subject.row[1],
                                   form.text.data.strip(), None)
        except InputError as exc:
            raise StepFailed(N_("修订意见被拒绝：%(error)s", error=exc.message)) from exc
        self.session.commit()

    def subject_status(self) -> str | None:
        if not self.subject.row:
            return None
        model, row_id = self.subject.row
        row = self.session.get(model, row_id)
        return getattr(row, "status", None)

    def visited(self) -> set[tuple[str, str]]:
        """(process key, element id) of every element the subject's instances completed."""
        found = set()
        instance = self.instance()
        scope = [instance] if not instance.business_key else list(self.session.scalars(
            select(ProcessInstance).where(ProcessInstance.business_key == instance.business_key,
                                          ProcessInstance.id >= instance.id)))
        for each in scope:
            workflow = runtime.load(self.session, each, ServiceContext(self.session, each, None))
            found.update(pruning.completed_specs(workflow))  # the tasks cut from the state too
        return found


def names(tasks: list[HumanTask]) -> str:
    return "[" + ", ".join(task.title for task in tasks) + "]"
