"""The office's other lists with the record lists' tools (engine.record_lists, engine.list_filters): 试点管理
(every recruitment, with 报名数 and 待审核), 内容管理 (every article in any status) and 报名情况 (the
enrolments of one pilot). Each is a ``RecordList``: what it selects and what it is searched, filtered and
sorted by; the web layer pages, renders and exports it (webapp.office_lists).
"""
from __future__ import annotations

from sqlalchemy import and_, func, not_, select

from engine.domain import pilots
from engine.list_filters import ListSpec
from engine.record_lists import ENROLLMENTS, RecordList
from storage.models import Article, Enrollment, EnrollmentSubmission, HumanTask, Pilot, ProcessInstance

RECRUITING, ENDED = "recruiting", "ended"  # 招募中 / 已结束 (engine.domain.pilots.is_recruiting)


def _recruiting():
    """招募中, as engine.domain.pilots.is_recruiting says, in SQL: not ended early, 报名截止 not passed."""
    return and_(Pilot.closed_at.is_(None), Pilot.deadline >= pilots.today())


def _pilot_state(value: str):
    return _recruiting() if value == RECRUITING else not_(_recruiting())


_open_office_tasks = (HumanTask.state == "ready", HumanTask.role == pilots.OFFICE_LANE)
_enrolled = select(func.count(Enrollment.id)).where(Enrollment.pilot_id == Pilot.id).scalar_subquery()
_pending = (select(func.count(HumanTask.id)).join(Enrollment, Enrollment.instance_id == HumanTask.instance_id)
            .where(Enrollment.pilot_id == Pilot.id, *_open_office_tasks).scalar_subquery())

# 试点管理: rows (pilot, enrolled, pending).
PILOTS = RecordList(
    statement=select(Pilot, _enrolled.label("enrolled"), _pending.label("pending")),
    id_column=Pilot.id,
    spec=ListSpec(
        sorts={"published": Pilot.published_at, "deadline": Pilot.deadline, "title": Pilot.title},
        default_sort="published",
        search=lambda text, _: Pilot.title.contains(text, autoescape=True)
        | Pilot.product_name.contains(text, autoescape=True),
        choices={"recruit_type": lambda kind: Pilot.recruit_type == kind, "field": lambda code: Pilot.field == code,
                 "state": _pilot_state},
        dates={"published": Pilot.published_at}))

# 内容管理: rows are articles, last changed first.
ARTICLES = RecordList(
    statement=select(Article),
    id_column=Article.id,
    spec=ListSpec(
        sorts={"updated": Article.updated_at, "published": Article.published_at, "title": Article.title},
        default_sort="updated",
        search=lambda text, _: Article.title.contains(text, autoescape=True),
        choices={"column": lambda key: Article.column_key == key, "status": lambda status: Article.status == status},
        dates={"published": Article.published_at, "updated": Article.updated_at}))

_submitted = (select(func.max(EnrollmentSubmission.created_at))
              .where(EnrollmentSubmission.enrollment_id == Enrollment.id).scalar_subquery())
_stage = select(ProcessInstance.stage).where(ProcessInstance.id == Enrollment.instance_id).scalar_subquery()
_office_task = (select(func.min(HumanTask.id)).where(HumanTask.instance_id == Enrollment.instance_id,
                                                      *_open_office_tasks).scalar_subquery())


def pilot_enrollments(pilot_id: int) -> RecordList:
    """报名情况 of one pilot: 报名记录's rows, filters and sorts (engine.record_lists.ENROLLMENTS) narrowed to
    the pilot; rows (enrolment, organisation, stage_label, stage, submitted_at, office_task_id)."""
    return RecordList(
        statement=ENROLLMENTS.statement.add_columns(_stage.label("stage"), _submitted.label("submitted_at"),
                                                    _office_task.label("office_task_id"))
        .where(Enrollment.pilot_id == pilot_id),
        id_column=ENROLLMENTS.id_column, spec=ENROLLMENTS.spec)
