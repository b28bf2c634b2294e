"""Search, filters and sorting of the work lists (待办, 已办, 证书管理, the office's record lists).

A list declares a ``ListSpec``: its search (``q``), its choice filters (a value from a list of
options, e.g. a GB/T 2260 province code), its date ranges (``<name>_from`` / ``<name>_to``, whole
China-time days) and its whitelisted sort keys. ``parse`` reads the query string into a ``Wanted``:
a bad value gets a message for its field and the list is then shown unfiltered (never an error page).
``Wanted.args()`` gives the query arguments back, for the pager, the sort links and the export links.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from engine import clock
from engine.domain.console import InstanceFilter
from engine.domain.console import _between as between  # whole China-time days, inclusive
from engine.domain.console import conditions as instance_conditions
from engine.domain.keys import clean_query
from engine.text import N_
from storage.models import HumanTask, Organization, ProcessInstance

MAX_QUERY = 100
BAD_CHOICE = N_("请从列表中选择")
BAD_DATE = N_("请输入正确的日期，如 2026-12-05")
REVERSED_DATES = N_("起始日期不能晚于截止日期")


@dataclass(frozen=True)
class ListSpec:
    """What one list can be searched, filtered and sorted by.

    ``search(text, dialect)`` and each ``choices[name](value)`` return a SQL condition; ``dates`` maps a
    range's name to its column; ``sorts`` maps a sort key (the only ones accepted) to its column."""

    sorts: Mapping[str, object]
    default_sort: str
    search: Callable[[str, str], object] | None = None
    choices: Mapping[str, Callable[[str], object]] = field(default_factory=dict)
    dates: Mapping[str, object] = field(default_factory=dict)
    nulls_last: frozenset[str] = frozenset()  # sort keys whose empty values go last either way


@dataclass
class Wanted:
    """A list's query arguments, cleaned, with a message per bad field (``errors``)."""

    spec: ListSpec
    query: str = ""
    chosen: dict[str, str] = field(default_factory=dict)
    ranges: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)
    sort: str = ""
    descending: bool = True
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # what was typed, shown again in the form

    def value(self, name: str) -> str:
        return self.raw.get(name, "")

    def args(self) -> dict[str, str]:
        """The query arguments reproducing this list (what was typed, so a bad value stays visible)."""
        values = dict(self.raw)
        if self.sort != self.spec.default_sort:
            values["sort"] = self.sort
        if not self.descending:
            values["dir"] = "asc"
        return {key: value for key, value in values.items() if value}

    def sort_args(self, key: str) -> dict[str, str]:
        """The arguments of a column header's link: sort by ``key``, the other way round when it is
        the current sort (newest / largest first otherwise)."""
        values = {k: v for k, v in self.args().items() if k not in ("sort", "dir")}
        values["sort"] = key
        if self.sort == key and self.descending:
            values["dir"] = "asc"
        return values

    def conditions(self, dialect: str) -> list:
        """The SQL conditions of the filters; none while any value is bad (the list unfiltered)."""
        if self.errors:
            return []
        found = []
        if self.query and self.spec.search is not None:
            found.append(self.spec.search(self.query, dialect))
        found.extend(self.spec.choices[name](value) for name, value in self.chosen.items())
        for name, (start, end) in self.ranges.items():
            found.extend(between(self.spec.dates[name], start, end))
        return found

    def order(self, id_column) -> list:
        column = self.spec.sorts[self.sort]
        ordered = column.desc() if self.descending else column.asc()
        if self.sort in self.spec.nulls_last:
            ordered = ordered.nulls_last()
        return [ordered, id_column.desc() if self.descending else id_column.asc()]


def parse(spec: ListSpec, args: Mapping, options: Mapping[str, Mapping[str, str]] | None = None) -> Wanted:
    """The list's arguments from ``args`` (a request's query string); ``options[name]`` are the values
    a choice filter accepts (value → label)."""
    options = options or {}
    wanted = Wanted(spec=spec)
    if spec.search is not None:
        wanted.query = clean_query(args.get("q"), MAX_QUERY)
        wanted.raw["q"] = wanted.query
    for name in spec.choices:
        _parse_choice(wanted, name, args.get(name) or "", options.get(name, {}))
    for name in spec.dates:
        _parse_range(wanted, name, args)
    sort = args.get("sort")
    wanted.sort = sort if sort in spec.sorts else spec.default_sort
    wanted.descending = args.get("dir") != "asc"
    return wanted


def _parse_choice(wanted: Wanted, name: str, value: str, allowed: Mapping[str, str]) -> None:
    value = clean_query(value, MAX_QUERY)
    if not value:
        return
    wanted.raw[name] = value
    if value in allowed:
        wanted.chosen[name] = value
    else:
        wanted.errors[name] = BAD_CHOICE


def _parse_range(wanted: Wanted, name: str, args: Mapping) -> None:
    ends = []
    for end in ("from", "to"):
        key = f"{name}_{end}"
        typed = clean_query(args.get(key), 20)
        wanted.raw[key] = typed
        ends.append(_date(typed))
        if typed and ends[-1] is None:
            wanted.errors[key] = BAD_DATE
    start, stop = ends
    if start and stop and start > stop:
        wanted.errors[f"{name}_from"] = REVERSED_DATES
    if start or stop:
        wanted.ranges[name] = (start, stop)


def _date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is None or 2000 <= day.year <= 2100 else None


# --- the organisations and instances behind a row ----------------------------------------------


def organizations_in(province_code: str):
    """A SELECT of the ids of the organisations registered in ``province_code`` (GB/T 2260)."""
    return select(Organization.id).where(Organization.province_code == province_code)


def instances_where(*conditions):
    return HumanTask.instance_id.in_(select(ProcessInstance.id).where(*conditions))


def instances_at_stage(stage: str):
    """A SELECT of the ids of the instances at ``stage`` (a code a deployed BPMN declares): the one 环节
    filter of every list (待办, 已办, 报名记录 …), matched the way the operator console matches it."""
    return select(ProcessInstance.id).where(*instance_conditions(InstanceFilter(stage=stage)))


def _task_search(text: str, dialect: str):
    """主题, 单位名称, 标准号 or 申请编号 of the task's instance (the operator console's search)."""
    return instances_where(*instance_conditions(InstanceFilter(query=text), dialect))


TASK_CHOICES = {
    "province": lambda code: instances_where(ProcessInstance.started_by_org_id.in_(organizations_in(code))),
    "process": lambda key: HumanTask.process_key == key,
    "stage": lambda stage: HumanTask.instance_id.in_(instances_at_stage(stage)),
}

DUE_SOON_DAYS = 3  # 即将到期: due within this many days (DUIBIAO_DUE_SOON_DAYS)
OVERDUE, DUE_SOON = "overdue", "soon"


def due_condition(value: str, soon_days: int = DUE_SOON_DAYS):
    """已超期: due before now; 即将到期: not yet, but within ``soon_days`` days (engine.task_due sets due_at
    from the BPMN; a task without a time limit is neither)."""
    now = clock.now()
    if value == OVERDUE:
        return HumanTask.due_at < now
    return HumanTask.due_at.between(now, now + timedelta(days=soon_days))


def inbox_spec(soon_days: int = DUE_SOON_DAYS) -> ListSpec:
    """待办: arrived (到达时间), waiting since as a date range, due (期限) as 已超期 / 即将到期."""
    return ListSpec(
        sorts={"arrived": HumanTask.created_at, "title": HumanTask.title, "process": HumanTask.process_key,
               "due": HumanTask.due_at},
        default_sort="arrived", search=_task_search,
        choices={**TASK_CHOICES, "due": lambda value: due_condition(value, soon_days)},
        dates={"waiting": HumanTask.created_at}, nulls_last=frozenset({"due"}))


INBOX = inbox_spec()

# 已办: the same filters, by the time it was done.
DONE = ListSpec(
    sorts={"completed": HumanTask.completed_at, "title": HumanTask.title, "process": HumanTask.process_key},
    default_sort="completed", search=_task_search, choices=TASK_CHOICES,
    dates={"completed": HumanTask.completed_at, "waiting": HumanTask.created_at})


def task_rows(statement):
    """待办 / 已办's SELECT as plain columns for an export (no ORM objects: 100k rows stay cheap), each row
    with ``id, title, subject, process_key, stage_label, created_at, completed_at, due_at``."""
    return statement.with_only_columns(
        HumanTask.id, HumanTask.title, ProcessInstance.subject, HumanTask.process_key, ProcessInstance.stage_label,
        HumanTask.created_at, HumanTask.completed_at, HumanTask.due_at,
    ).join_from(HumanTask, ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
