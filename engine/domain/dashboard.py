"""运行概况: what the instances and the inbox look like now, computed with SQL aggregates only.

No instance is loaded (never the workflow state, never one row per instance into Python): each
figure is one GROUP BY over process_instance or human_task. Times go through the dialect: PostgreSQL
and SQLite store timestamps differently (SQLite: UTC text), so the day and duration expressions are
written for each.

Median time per step: PostgreSQL's ``percentile_cont(0.5)``; SQLite has no percentile aggregate, so
there the median is read with window functions (rank each duration in its group, keep the one or two
middle ranks, average them) — still one statement, still no row per task in Python beyond the groups.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from engine.domain.console import china_day_start
from engine.text import N_
from storage.models import HumanTask, Organization, ProcessInstance

# A task without a due time counts as overdue once it has waited this long (said on the page).
STALE_AFTER = timedelta(days=7)
COMPLETION_DAYS = 30
AGE_BUCKETS = ((timedelta(days=1), N_("1 天内")), (timedelta(days=3), N_("1–3 天")),
               (timedelta(days=7), N_("3–7 天")), (None, N_("7 天以上")))
OVERDUE_LIMIT = 50


@dataclass
class RoleWaiting:
    role: str
    count: int
    by_age: list[int]  # one count per AGE_BUCKETS entry
    oldest: datetime | None


@dataclass
class OverdueTask:
    task: HumanTask
    organization: str | None
    past_due: bool  # True: its due time passed; False: no due time and older than STALE_AFTER


@dataclass
class StepDuration:
    process_key: str
    task_name: str
    title: str
    completed: int
    median_seconds: float


def instances_by_process_and_status(session: Session) -> list[tuple[str, str, int]]:
    return [tuple(row) for row in session.execute(
        select(ProcessInstance.process_key, ProcessInstance.status, func.count())
        .group_by(ProcessInstance.process_key, ProcessInstance.status)
        .order_by(ProcessInstance.process_key, ProcessInstance.status)).all()]


def waiting_by_role(session: Session, now: datetime) -> list[RoleWaiting]:
    """Open inbox rows per lane, counted by how long they have waited."""
    bounds, columns, lower = [], [], None
    for upper, _label in AGE_BUCKETS:
        older = HumanTask.created_at <= now - lower if lower else None
        newer = HumanTask.created_at > now - upper if upper else None
        condition = and_(*[c for c in (older, newer) if c is not None])
        columns.append(func.sum(case((condition, 1), else_=0)))
        bounds.append(upper)
        lower = upper
    rows = session.execute(select(HumanTask.role, func.count(), func.min(HumanTask.created_at), *columns)
                           .where(HumanTask.state == "ready").group_by(HumanTask.role)
                           .order_by(HumanTask.role)).all()
    return [RoleWaiting(role, count, [int(n or 0) for n in buckets], oldest)
            for role, count, oldest, *buckets in rows]


def _overdue_condition(now: datetime):
    return and_(HumanTask.state == "ready",
                or_(HumanTask.due_at < now, and_(HumanTask.due_at.is_(None), HumanTask.created_at < now - STALE_AFTER)))


def overdue_tasks(session: Session, now: datetime, limit: int = OVERDUE_LIMIT) -> tuple[list[OverdueTask], int]:
    """The longest-waiting overdue open tasks (at most ``limit``) and how many there are."""
    condition = _overdue_condition(now)
    total = session.scalar(select(func.count()).select_from(HumanTask).where(condition)) or 0
    rows = session.execute(select(HumanTask, Organization.name)
                           .outerjoin(Organization, Organization.id == HumanTask.organization_id)
                           .where(condition).order_by(HumanTask.created_at, HumanTask.id).limit(limit)).all()
    return [OverdueTask(task, name, task.due_at is not None and task.due_at < now) for task, name in rows], total


def _china_day(session: Session, column):
    """The China-time calendar day of a UTC timestamp column, as 'YYYY-MM-DD' text."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return func.date(column, "+8 hours")


def completions_per_day(session: Session, today: date, days: int = COMPLETION_DAYS) -> list[tuple[date, int]]:
    """Instances finished on each of the last ``days`` China-time days (today included), zeros kept."""
    first = today - timedelta(days=days - 1)
    day = _china_day(session, ProcessInstance.completed_at).label("day")
    counted = dict(session.execute(
        select(day, func.count()).where(ProcessInstance.completed_at >= china_day_start(first),
                                        ProcessInstance.status == "completed")
        .group_by(day)).all())
    return [(first + timedelta(days=n), int(counted.get((first + timedelta(days=n)).isoformat(), 0)))
            for n in range(days)]


def _duration_seconds(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", HumanTask.completed_at - HumanTask.created_at)
    return (func.julianday(HumanTask.completed_at) - func.julianday(HumanTask.created_at)) * 86400.0


def median_step_durations(session: Session) -> list[StepDuration]:
    """Per (process, task): completed tasks and the median time from created to completed."""
    done = and_(HumanTask.state == "completed", HumanTask.completed_at.is_not(None))
    seconds = _duration_seconds(session)
    group = (HumanTask.process_key, HumanTask.task_name)
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(select(*group, func.max(HumanTask.title), func.count(),
                                      func.percentile_cont(0.5).within_group(seconds))
                               .where(done).group_by(*group).order_by(*group)).all()
    else:
        rows = session.execute(_windowed_median(group, seconds, done)).all()
    return [StepDuration(key, name, title, int(count), float(median)) for key, name, title, count, median in rows]


def _windowed_median(group, seconds, done):
    ranked = select(*group, HumanTask.title, seconds.label("seconds"),
                    func.row_number().over(partition_by=group, order_by=seconds).label("rank"),
                    func.count().over(partition_by=group).label("n")).where(done).subquery()
    middle = or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2)
    keys = (ranked.c.process_key, ranked.c.task_name)
    return (select(*keys, func.max(ranked.c.title), func.max(ranked.c.n), func.avg(ranked.c.seconds))
            .where(middle).group_by(*keys).order_by(*keys))


def age_labels() -> list:
    return [label for _, label in AGE_BUCKETS]


