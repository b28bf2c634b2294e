"""流程实例 of the operator console: the instance list with its filters and sorting.

Only the instance, definition and (through EXISTS / IN sub-queries) task and subject tables are read:
never the workflow state. One count and one page of rows, whatever the page's length.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import String, cast, exists, literal, literal_column, or_, quoted_name, select, table, union
from sqlalchemy.orm import Session

from engine import clock, projection
from engine.counting import CappedCount, capped_count
from engine.domain.keys import clean_query
from engine.text import N_
from engine.text_search import ids_containing, like_pattern
from storage.models import (
    Application,
    HumanTask,
    Organization,
    Plan,
    ProcessDefinition,
    ProcessInstance,
)
from storage.models.search import ORGANIZATION_FTS, SUBJECT_FTS, subject_columns

MAX_QUERY = 100

# What an operator asks about, not only the engine's own status codes: 等待人工 / 等待定时器 are
# read from the inbox projection and next_timer_at.
CONSOLE_STATUS_LABELS = {
    "running": N_("进行中"),
    "on_person": N_("等待人工办理"),
    "on_timer": N_("等待定时器"),
    "completed": N_("已完成"),
    "cancelled": N_("已取消"),
    "suspended": N_("已挂起"),
    "error": N_("出错"),
}
ACTIVE = ("running", "waiting")

SORTS = {
    "started": ProcessInstance.created_at,
    "updated": ProcessInstance.updated_at,
    "process": ProcessInstance.process_key,
    "status": ProcessInstance.status,
}
SORT_LABELS = {"started": N_("开始时间"), "updated": N_("更新时间"), "process": N_("流程"), "status": N_("状态")}


@dataclass(frozen=True)
class InstanceFilter:
    """The list's query arguments, already cleaned (see ``from_args``)."""

    process: str | None = None
    version: int | None = None
    status: str | None = None
    stage: str | None = None
    organization: str = ""  # a part of an organisation's name
    query: str = ""  # subject or business key: 标准号, application number, organisation name
    started_from: date | None = None
    started_to: date | None = None
    updated_from: date | None = None
    updated_to: date | None = None
    sort: str = "started"
    descending: bool = True

    @classmethod
    def from_args(cls, args, process_keys) -> InstanceFilter:
        """Anything unknown or malformed is ignored, never an error."""
        process = args.get("process") if args.get("process") in process_keys else None
        status = args.get("status") if args.get("status") in CONSOLE_STATUS_LABELS else None
        sort = args.get("sort") if args.get("sort") in SORTS else "started"
        return cls(process=process, version=_positive_int(args.get("version")), status=status,
                   stage=clean_query(args.get("stage"), 50) or None,
                   organization=clean_query(args.get("org"), MAX_QUERY), query=clean_query(args.get("q"), MAX_QUERY),
                   started_from=_date(args.get("started_from")), started_to=_date(args.get("started_to")),
                   updated_from=_date(args.get("updated_from")), updated_to=_date(args.get("updated_to")),
                   sort=sort, descending=args.get("dir") != "asc")

    def args(self) -> dict:
        """The query arguments that reproduce this filter (for the pager's and sort links)."""
        values = {"process": self.process, "version": self.version, "status": self.status, "stage": self.stage,
                  "org": self.organization, "q": self.query, "started_from": self.started_from,
                  "started_to": self.started_to, "updated_from": self.updated_from, "updated_to": self.updated_to,
                  "sort": self.sort if self.sort != "started" else None, "dir": None if self.descending else "asc"}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


def _positive_int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2 ** 31 else None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def china_day_start(day: date) -> datetime:
    """Midnight of ``day`` in China time, as the UTC moment the columns store."""
    return datetime.combine(day, time(), tzinfo=clock.CHINA).astimezone(UTC)


def _between(column, start: date | None, end: date | None) -> list:
    """``start`` to ``end`` inclusive, whole China-time days."""
    conditions = []
    if start:
        conditions.append(column >= china_day_start(start))
    if end:
        conditions.append(column < china_day_start(end + timedelta(days=1)))
    return conditions


def _open_task_exists():
    return exists().where(HumanTask.instance_id == ProcessInstance.id, HumanTask.state == "ready")


def _status_conditions(status: str | None) -> list:
    if status is None:
        return []
    if status == "running":
        return [ProcessInstance.status.in_(ACTIVE)]
    if status == "on_person":
        return [ProcessInstance.status.in_(ACTIVE), _open_task_exists()]
    if status == "on_timer":
        return [ProcessInstance.status.in_(ACTIVE), ProcessInstance.next_timer_at.is_not(None), ~_open_task_exists()]
    return [ProcessInstance.status == status]


# An organisation filter matching at most this many organisations looks their instances up by the ids
# found first (console.organizations_named); one matching more (a common word) keeps the name in the query.
FEW_ORGANIZATIONS = 100
# human_task, read through its organisation index (SQLite's INDEXED BY; columns unqualified).
_TASKS_BY_ORGANIZATION = table(quoted_name("human_task INDEXED BY ix_human_task_organization_id", quote=False))


def _organization_condition(name: str, dialect: str, found: list[int] | None = None):
    """Started by, or a task of, an organisation whose name contains ``name``: one id IN over a UNION of
    the two, each answered from its index (an OR scans the instances).

    Given the organisations ``found`` (at most FEW_ORGANIZATIONS + 1) and when they are few, the UNION is
    over their ids. On PostgreSQL that lets the statement keep one plan for every name (psycopg prepares
    it): with the name inside, a cached generic plan cannot know how few instances match (at 100k it scans
    them all), so each run was planned anew, which cost more than running it. On SQLite the tasks'
    organisation index is named (INDEXED BY): its statistics can make that index look useless (office
    tasks have none). Many organisations, or none looked up: the name stays in the query; SQLite then
    tests each instance with an OR as the list is walked (every instance would be in the UNION)."""
    if found is not None and len(found) <= FEW_ORGANIZATIONS:
        ids = found
        by_task = (select(literal_column("instance_id")).select_from(_TASKS_BY_ORGANIZATION)
                   .where(literal_column("organization_id").in_(found)) if dialect == "sqlite"
                   else select(HumanTask.instance_id).where(HumanTask.organization_id.in_(found)))
    else:
        ids = select(Organization.id).where(Organization.name.like(like_pattern(name), escape="\\"))
        by_task = select(HumanTask.instance_id).where(HumanTask.organization_id.in_(ids))
        if dialect == "sqlite":
            return or_(ProcessInstance.started_by_org_id.in_(ids), ProcessInstance.id.in_(by_task))
    return ProcessInstance.id.in_(union(
        select(ProcessInstance.id).where(ProcessInstance.started_by_org_id.in_(ids)), by_task))


def organizations_named(session: Session, name: str) -> list[int]:
    """The ids of at most FEW_ORGANIZATIONS + 1 organisations whose name contains ``name`` (through the
    name's trigram index or FTS table: names_containing), for the 单位 filter."""
    dialect = session.get_bind().dialect.name
    return list(session.scalars(names_containing(name, dialect, session).limit(FEW_ORGANIZATIONS + 1)))


def names_containing(text: str, dialect: str, session=None):
    """The ids of the organisations whose name contains ``text`` (``LIKE``, as ever): found through the
    name's trigram index (PostgreSQL) or FTS5 table (SQLite, migration 0033), each candidate's name then
    tested with ``LIKE`` itself, so the FTS table's wider case folding changes nothing (hence ``folded``:
    candidates through the rare trigrams are safe for any key)."""
    pattern = like_pattern(text)
    found = ids_containing(dialect, Organization.id, Organization.name, ORGANIZATION_FTS, text, session, folded=True)
    return select(Organization.id).where(Organization.id.in_(found), Organization.name.like(pattern, escape="\\"))


def _subject_condition(text: str, dialect: str, session=None):
    """The subject, the business key itself, or what the business key points at: a plan's 标准号
    (``enrollment:<id>``), an application's number (``application:<id>``), an organisation's name
    (``organization:<id>``). One id IN over a UNION: each arm uses its own index (subject: trigrams,
    engine.text_search; business_key: b-tree), where an OR of them would scan the instances."""
    enrollment_keys = select(literal("enrollment:") + cast(Plan.enrollment_id, String)).where(
        Plan.standard_number.contains(text, autoescape=True))
    organization_keys = select(literal("organization:") + cast(Organization.id, String)).where(
        Organization.id.in_(names_containing(text, dialect, session)))
    keys = [literal(text), enrollment_keys, organization_keys]
    number = _positive_int(text.removeprefix("#"))
    if number is not None:
        keys.append(select(literal("application:") + cast(Application.id, String)).where(Application.id == number))
    by_key = [select(ProcessInstance.id).where(ProcessInstance.business_key == keys[0])] + [
        select(ProcessInstance.id).where(ProcessInstance.business_key.in_(key)) for key in keys[1:]]
    by_subject = ids_containing(dialect, *subject_columns(dialect), SUBJECT_FTS, text, session)
    return ProcessInstance.id.in_(union(by_subject, *by_key))


def conditions(wanted: InstanceFilter, dialect: str = "postgresql", organizations: list[int] | None = None,
               session: Session | None = None) -> list:
    found = []
    if wanted.process:
        found.append(ProcessInstance.process_key == wanted.process)
    if wanted.version is not None:
        versions = select(ProcessDefinition.id).where(ProcessDefinition.version == wanted.version)
        if wanted.process:
            versions = versions.where(ProcessDefinition.key == wanted.process)
        found.append(ProcessInstance.definition_id.in_(versions))
    found.extend(_status_conditions(wanted.status))
    if wanted.stage:
        found.append(projection.at_stage(wanted.stage))
    if wanted.organization:
        found.append(_organization_condition(wanted.organization, dialect, organizations))
    if wanted.query:
        found.append(_subject_condition(wanted.query, dialect, session))
    found.extend(_between(ProcessInstance.created_at, wanted.started_from, wanted.started_to))
    found.extend(_between(ProcessInstance.updated_at, wanted.updated_from, wanted.updated_to))
    return found


def _order(wanted: InstanceFilter, by_id: bool) -> list:
    """The page's ORDER BY. SQLite plans it before knowing how many rows match: given a short id list
    (a few organisations' instances) it would walk the sort column's index and test every instance.
    ``by_id`` (SQLite, few found): the sort column is written ``+column``, which no index serves, so the
    listed rows are read by id and sorted (PostgreSQL chooses by its statistics)."""
    column = SORTS[wanted.sort]
    if by_id:
        column = literal_column(f"+{ProcessInstance.__tablename__}.{column.key}")
    return [column.desc() if wanted.descending else column.asc(),
            ProcessInstance.id.desc() if wanted.descending else ProcessInstance.id.asc()]


def instances(session: Session, wanted: InstanceFilter, page: int, per_page: int = 20
              ) -> tuple[list[ProcessInstance], int]:
    """One page of instances (with their definition, never their state) and the number found, counted
    up to engine.counting.COUNT_CAP past the page's first row (a CappedCount beyond: 共 200+ 条)."""
    dialect = session.get_bind().dialect.name
    named = organizations_named(session, wanted.organization) if wanted.organization else None
    where = conditions(wanted, dialect, named, session)
    total = capped_count(session, select(ProcessInstance.id).where(*where), (max(page, 1) - 1) * per_page)
    by_id = (dialect == "sqlite" and named is not None and len(named) <= FEW_ORGANIZATIONS
             and not isinstance(total, CappedCount))
    rows = session.scalars(select(ProcessInstance).where(*where).order_by(*_order(wanted, by_id))
                           .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return list(rows), total
