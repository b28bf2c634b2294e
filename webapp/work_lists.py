"""What the filtered lists share in the web layer: reading a list's filters from the query string (with
its choices: provinces from GB/T 2260, processes and BPMN stages), the pager over the filtered rows, and
the export of the same rows (webapp.exports)."""
from __future__ import annotations

import os

from flask import current_app, request
from flask_babel import gettext as _

from engine import exports, list_filters
from engine.counting import capped_count
from engine.domain import operations
from webapp import code_names, db
from webapp.i18n import localized
from webapp.views_util import Pager, bpmn_text


def province_options() -> dict[str, str]:
    return code_names.province_options()


def task_options() -> dict[str, dict[str, str]]:
    """The choices of 待办 / 已办's filters: province, process (name · key), step (BPMN stage label)."""
    names = operations.process_names(db.session())  # also reads each process's stage labels
    return {"province": province_options(),
            "process": {key: bpmn_text(name) or key for key, name in names.items()},
            "stage": {stage: bpmn_text(label) for stage, label in operations.known_stages()},
            "due": {list_filters.OVERDUE: _("已超期"),
                    list_filters.DUE_SOON: _("即将到期（%(days)s 天内）", days=due_soon_days())}}


def due_soon_days() -> int:
    """DUIBIAO_DUE_SOON_DAYS (default 3): a task due within this many days is 即将到期."""
    value = current_app.config.get("DUE_SOON_DAYS") or os.environ.get("DUIBIAO_DUE_SOON_DAYS")
    return int(value) if str(value or "").isdigit() and int(value) > 0 else list_filters.DUE_SOON_DAYS


def inbox_spec() -> list_filters.ListSpec:
    return list_filters.inbox_spec(due_soon_days())


def parse(spec: list_filters.ListSpec, options=None) -> list_filters.Wanted:
    """The list's filters from this request; the messages of bad values in the reader's language."""
    wanted = list_filters.parse(spec, request.args, options)
    wanted.errors = {name: localized(message) for name, message in wanted.errors.items()}
    return wanted


def dialect() -> str:
    return db.session().get_bind().dialect.name


def paged(statement, wanted: list_filters.Wanted, id_column, per_page: int = 20) -> Pager:
    """A pager over ``statement`` narrowed and sorted by ``wanted`` (count capped, engine.counting)."""
    session = db.session()
    narrowed = statement.where(*wanted.conditions(dialect()))

    def fetch(page, size):
        total = capped_count(session, narrowed.with_only_columns(id_column), (page - 1) * size)
        statement = narrowed.order_by(*wanted.order(id_column)).offset((page - 1) * size).limit(size)
        rows = session.execute(statement).all() if len(narrowed.column_descriptions) > 1 \
            else session.scalars(statement).all()
        return rows, total

    return Pager(fetch, per_page)


def export_rows(statement, wanted: list_filters.Wanted, id_column):
    """Every row of the filtered list in its order, read in batches (engine.exports.streamed)."""
    narrowed = statement.where(*wanted.conditions(dialect())).order_by(*wanted.order(id_column))
    return exports.streamed(db.session(), narrowed)


def task_columns(done: bool, process_names: dict[str, str]) -> exports.Columns:
    """待办 / 已办's export: the task, its subject, process, stage and times, headers in Chinese (over
    engine.list_filters.task_rows' columns)."""
    columns = [
        (_("任务编号"), lambda t: t.id),
        (_("事项"), lambda t: bpmn_text(t.title)),
        (_("申请单位 / 主题"), lambda t: t.subject),
        (_("流程"), lambda t: process_names.get(t.process_key, t.process_key)),
        (_("流程当前状态") if done else _("当前状态"), lambda t: bpmn_text(t.stage_label)),
        (_("到达时间"), lambda t: t.created_at),
    ]
    if done:
        columns.append((_("办理时间"), lambda t: t.completed_at))
    else:
        columns.append((_("期限"), lambda t: t.due_at))
    return columns

