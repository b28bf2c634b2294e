"""Told when work arrives: a 我的消息 entry and an e-mail when a task becomes READY, and the daily digest.

``tasks_ready`` runs inside the engine's save, in the transaction that creates the inbox rows: the
message rows and the outbox items roll back with the step, so a step that fails tells nobody.

Who is told: ``recipients_for_task`` — the one place that chooses (the enabled people of the
organisation the task is addressed to who may act on it, for the office lane the office's staff, an
operator's 转办 only its assignee). The person whose action created the task is not told of it: it
is in their 待办 the moment their page reloads, and an e-mail about one's own click is noise. Their
colleagues are told as usual.

E-mails follow each user's 消息设置 (``NotificationPreference``: 新待办, 每日汇总, 办理结果); 我的消息
entries are always written. Text comes from the templates in ``engine/templates/notifications``
(first line: the subject, the rest: the body), rendered in the user's language.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import jinja2
from babel.support import NullTranslations, Translations
from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from engine import clock, progress, text
from engine.domain import messages, team_rights
from engine.inbox import may_act
from storage import outbox
from storage.fast_sql import Outcome, Prepared, ReadAhead
from storage.models import (
    DigestSent,
    HumanTask,
    Message,
    NotificationPreference,
    Organization,
    PersonRoles,
    ProcessInstance,
    User,
)

DEFAULT_LOCALE = messages.DEFAULT_LOCALE
STAFF_KINDS = ("office", "platform")  # organisations whose people work lanes without an organisation
_settings = {"translations": None, "base_url": ""}


def configure(*, translations_dir: Path | str | None = None, base_url: str | None = None) -> None:
    """The web layer's translations (its catalogues hold these templates' messages) and public address."""
    _settings["translations"] = str(translations_dir) if translations_dir else None
    _settings["base_url"] = (base_url or "").rstrip("/")
    outbox.use_localizer(mail_in_language)
    _environment.cache_clear()
    _translations.cache_clear()


# --- who is told -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person(PersonRoles):
    """Someone told of a task: the columns the choice and the message need, read as plain values (an ORM
    row each cost more than the query itself). Reads like a ``User`` where the checks look (PersonRoles)."""

    id: int
    email: str
    full_name: str
    organization_id: int
    organization_name: str
    roles: str
    rights: str
    is_enabled: bool


@dataclass(frozen=True)
class Choices:
    """A person's 消息设置."""

    new_task: bool
    daily_digest: bool
    outcomes: bool
    locale: str


_USER, _ORG, _PREFERENCE = User.__table__, Organization.__table__, NotificationPreference.__table__
_PEOPLE = (
    select(_USER.c.id, _USER.c.email, _USER.c.full_name, _USER.c.organization_id, _ORG.c.name, _USER.c.roles,
           _USER.c.rights,
           _USER.c.is_enabled, _PREFERENCE.c.user_id, _PREFERENCE.c.new_task, _PREFERENCE.c.daily_digest,
           _PREFERENCE.c.outcomes, _PREFERENCE.c.locale)
    .join(_ORG, _ORG.c.id == _USER.c.organization_id)
    .outerjoin(_PREFERENCE, _PREFERENCE.c.user_id == _USER.c.id)
    .where(_USER.c.is_enabled.is_(True))
)
# The three ways a task is addressed, built once (a request tells people of each new task; storage.fast_sql,
# so the staff kinds are spelt out rather than an IN list, which would be expanded at each execution).
_PEOPLE_BY_LANE = {
    "assignee": Prepared(_PEOPLE.where(_USER.c.id == bindparam("key")).order_by(_USER.c.id)),
    "organization": Prepared(_PEOPLE.where(_USER.c.organization_id == bindparam("key")).order_by(_USER.c.id)),
    "staff": Prepared(_PEOPLE.where(or_(*(_ORG.c.kind == kind for kind in STAFF_KINDS)),
                                    _USER.c.roles.contains(bindparam("key"))).order_by(_USER.c.id)),
}


def recipients_with_preferences(session: Session, task: HumanTask) -> list[tuple[Person, Choices]]:
    """The people told that ``task`` waits for them, each with their 消息设置 (one query): enabled users
    offered it (engine.inbox.may_act) who hold the right to act on it in their organisation (单位成员:
    提交和修改 or 办理评审). Users who never chose get the defaults (every e-mail)."""
    lane, key = _lane(task.assignee_id, task.organization_id, task.role)
    return _chosen(task, _PEOPLE_BY_LANE[lane].execute(session.connection(), {"key": key}))  # no ORM layer


def read_people_ahead(session: Session, rows: list[dict]) -> list[ReadAhead]:
    """The people of the inbox rows about to be inserted (engine.projection.new_rows), read with the
    INSERT (PostgreSQL: one round trip; storage.deferred); ``tasks_ready`` takes them."""
    ahead = []
    for row in rows:
        lane, key = _lane(row.get("assignee_id"), row["organization_id"], row["role"])
        ahead.append(_PEOPLE_BY_LANE[lane].read_ahead(session.connection(), {"key": key}))
    return ahead


def _lane(assignee_id: int | None, organization_id: int | None, role: str) -> tuple[str, int | str]:
    if assignee_id is not None:
        return "assignee", assignee_id
    if organization_id is not None:
        return "organization", organization_id
    return "staff", role  # the programme's own staff: its people are in the office's (or platform's) organisation


def _chosen(task: HumanTask, people: Outcome) -> list[tuple[Person, Choices]]:
    found = []
    for row in people.rows:
        person = Person(*row[:8])
        if may_act(person, task) and team_rights.may_act_on_task(person, task):
            found.append((person, Choices(*row[9:]) if row[8] is not None else _DEFAULT_CHOICES))
    return found


# One who never chose: the defaults of engine.domain.messages (every e-mail, in Chinese).
_DEFAULT_CHOICES = Choices(*(getattr(messages.default_preference(0), name) for name in Choices.__dataclass_fields__))


def recipients_for_task(session: Session, task: HumanTask) -> list[Person]:
    """The people told that ``task`` waits for them (see recipients_with_preferences)."""
    return [user for user, _ in recipients_with_preferences(session, task)]


def preferences(session: Session, user_ids) -> dict[int, NotificationPreference]:
    """Each user's 消息设置; users who never chose get the defaults (every e-mail)."""
    ids = sorted(set(user_ids))
    found = {p.user_id: p for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id.in_(ids)))} if ids else {}
    return {user_id: found.get(user_id) or messages.default_preference(user_id) for user_id in ids}


# --- a task became READY --------------------------------------------------------------------------------


def tasks_ready(session: Session, instance: ProcessInstance, workflow, created: list[HumanTask],
                actor_id: int | None, people: list[ReadAhead]) -> None:
    """Tell the people of each new task (a message each; an e-mail to those who want one).

    One piece of news per step: where the step already wrote the task's organisation a notice (退回,
    审核通过 …: engine.domain.messages.notify), that notice is the news; the task adds no message, and
    its e-mail goes only to those who turned 办理结果 e-mails off but kept 新待办. ``people``: each new
    task's read ahead (``read_people_ahead``)."""
    if not created:
        return
    noticed = messages.notified_in_transaction(session)
    for task, ahead in zip(created, people, strict=True):
        told = [(user, chosen) for user, chosen in _chosen(task, ahead.outcome()) if user.id != actor_id]
        if not told:
            continue
        facts = _task_facts(instance, workflow, task)
        for user, chosen in told:
            _tell(session, user, chosen, facts, already_told=user.organization_id in noticed)


def _tell(session: Session, user: Person, preference: Choices, facts: dict, already_told: bool):
    send_email = preference.new_task and not (already_told and preference.outcomes)
    if already_told and not send_email:
        return  # the step's own notice was the news, and this person wants no second e-mail
    subject, body = render("new_task.txt", preference.locale, organization=user.organization_name, **facts)
    if not already_told:
        _INSERT_MESSAGE.defer(session.connection(), {
            "organization_id": user.organization_id, "user_id": user.id, "title": subject[:200],
            "body": body, "link": facts["path"], "created_at": clock.now()})
    if send_email:
        outbox.enqueue(session, "email", user.email, subject, body)


_INSERT_MESSAGE = Prepared(insert(Message.__table__))


def _task_facts(instance: ProcessInstance, workflow, task: HumanTask) -> dict:
    """What the message names: the process, the step (its BPMN name and stageLabel), the subject, the link."""
    spiff_task = _spiff_task(workflow, task.engine_task_id)
    spec = spiff_task.task_spec if spiff_task is not None else None
    process = spiff_task.workflow.spec.description if spiff_task is not None else None
    stage = ((getattr(spec, "extensions", None) or {}).get("properties", {}).get("stageLabel")
             if spec is not None else None)
    path = f"/tasks/{task.id}"
    return {"process": process or task.process_key, "step": task.title, "stage": stage,
            "subject": instance.subject, "path": path, "link": _settings["base_url"] + path}


def _spiff_task(workflow, engine_task_id: str):
    from uuid import UUID

    try:
        return workflow.get_task_from_id(UUID(engine_task_id))
    except Exception:  # noqa: BLE001 - the words are a courtesy: the message goes out without them
        return None


# --- the daily digest ---------------------------------------------------------------------------------


def send_digests(session: Session, after_days: int) -> int:
    """每日汇总: one e-mail per user who may act on tasks READY for more than ``after_days`` days.

    Once per user per China day (``DigestSent``): running the job again that day sends nothing.
    Returns the number of digests queued; the caller commits."""
    now = clock.now()
    day = clock.to_china(now).date()
    waiting = session.scalars(
        select(HumanTask).options(joinedload(HumanTask.instance))
        .where(HumanTask.state == "ready", HumanTask.created_at <= now - timedelta(days=after_days))
        .order_by(HumanTask.created_at, HumanTask.id)).all()
    per_user: dict[int, list[HumanTask]] = defaultdict(list)
    users: dict[int, Person] = {}
    for task in waiting:
        for user in recipients_for_task(session, task):
            users[user.id] = user
            per_user[user.id].append(task)
    chosen = preferences(session, per_user)
    sent_today = set(session.scalars(select(DigestSent.user_id).where(
        DigestSent.day == day, DigestSent.user_id.in_(list(per_user))))) if per_user else set()
    sent = 0
    for user_id, tasks in per_user.items():
        if not chosen[user_id].daily_digest or user_id in sent_today:
            continue
        if _send_digest(session, users[user_id], tasks, chosen[user_id].locale, day, after_days):
            sent += 1
    return sent


def _send_digest(session: Session, user: Person, tasks: list[HumanTask], locale: str, day, days: int) -> bool:
    try:
        with session.begin_nested():  # a second sweeper that got there first wins; this one skips
            session.add(DigestSent(user_id=user.id, day=day, sent_at=clock.now()))
            session.flush()
    except IntegrityError:
        return False
    rows = [{"process": _process_name(session, t), "step": t.title, "subject": t.instance.subject,
             "since": clock.to_china(t.created_at).strftime("%Y-%m-%d"),
             "link": f"{_settings['base_url']}/tasks/{t.id}"} for t in tasks]
    subject, body = render("digest.txt", locale, organization=user.organization_name, tasks=rows, days=days)
    outbox.enqueue(session, "email", user.email, subject, body)
    return True


def _process_name(session: Session, task: HumanTask) -> str:
    """The BPMN name of the task's process (a called process's tasks: its key)."""
    instance = task.instance
    if task.process_key != instance.process_key:
        return task.process_key
    return progress.main_path_of(session, instance.definition).process_name


# --- text ---------------------------------------------------------------------------------------------


TEMPLATES = Path(__file__).resolve().parent / "templates" / "notifications"


def render(template: str, locale: str | None, **context) -> tuple[str, str]:
    """(subject, body) of a notification template in ``locale``: its first line and the rest."""
    text = _environment(locale or DEFAULT_LOCALE).get_template(template).render(**context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def mail_in_language(words: dict, locale: str) -> tuple[str, str] | None:
    """An organisation's e-mail (storage.outbox words: subject and body as engine text) in ``locale``; None
    for the source language, whose text the outbox row holds already."""
    if locale == DEFAULT_LOCALE:
        return None
    subject, body = (text.from_data(words.get(part)) for part in ("subject", "body"))
    return (in_language(locale, subject) if subject else "", in_language(locale, body) if body else "")


def in_language(locale: str | None, value) -> str:
    """Engine text (``N_``) in ``locale``: an e-mail to one person in their language (消息设置's locale)."""
    return str(text.localized_with(value, _translations(locale or DEFAULT_LOCALE).gettext))


@lru_cache(maxsize=16)
def _translations(locale: str):
    if _settings["translations"]:
        return Translations.load(_settings["translations"], [locale])
    return NullTranslations()


@lru_cache(maxsize=16)
def _environment(locale: str) -> jinja2.Environment:
    # Plain text (e-mail bodies; 我的消息 escapes them where it shows them): nothing to escape here.
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,  # noqa: S701
                                     trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    translations = _translations(locale)
    environment.install_gettext_translations(translations, newstyle=True)
    # Words the BPMN declares (process, step, stage) in the recipient's language: ``{{ step|words }}``.
    environment.filters["words"] = lambda words: translations.gettext(str(words)) if words else ""
    return environment
