"""办理进度 on the pages of an application, a plan, an enrolment and a registration: ``subject_progress``.

A template global, so each detail page shows the step bar and 办理记录 with one line:
``{% with progress = subject_progress(instance) %}{% include "_progress.html" %}{% endwith %}``. The page's
view has already checked that the reader may see the subject the instance belongs to.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask
from flask_babel import gettext as _

from engine import progress
from forms.generic_tasks import decisions
from storage.models import ProcessInstance, User
from webapp import db


@dataclass
class SubjectProgress:
    bars: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    timeline: bool = True  # False where the page shows 办理记录 itself (a task page)


def subject_progress(instance: ProcessInstance | int | None, timeline: bool = True) -> SubjectProgress | None:
    """The bars and 办理记录 of the subject ``instance`` (or the instance of that id) belongs to."""
    session = db.session()
    if isinstance(instance, int):
        instance = session.get(ProcessInstance, instance)
    if instance is None:
        return None
    bars = progress.bars_of_subject(session, instance)
    return SubjectProgress(bars, _timeline(session, bars, instance) if timeline else [], timeline)


def _timeline(session, bars: list, instance: ProcessInstance) -> list[dict]:
    """办理记录: who filed the subject and when (the start of its first process), then every decision."""
    records = decisions(session, instance)
    first = bars[0].instance if bars else None
    if first is None or first.started_by_id is None:
        return records
    user = session.get(User, first.started_by_id)
    actor = "" if user is None else user.email
    if user is not None and user.organization:
        actor = _("%(organization)s（%(email)s）", organization=user.organization.name, email=user.email)
    filed = {"title": bars[0].process_name, "decision": "started", "decision_label": _("提交"), "reason": None,
             "actor": actor, "at": first.created_at, "file_id": None, "answers": []}
    return [filed, *records]


def init_app(app: Flask) -> None:
    app.add_template_global(subject_progress)
