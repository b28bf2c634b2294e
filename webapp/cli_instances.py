"""``duibiao instances``: list and inspect process instances, and act on them as an operator would
(suspend, resume, cancel, retry, fire a timer, migrate, reassign a task), each with ``--reason``.

A refusal prints its Chinese reason and exits 1; nothing is changed then. The actions are recorded
in ``operator_action`` with no actor (the command line).
"""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import func, select

from engine import clock
from engine.domain import operations, operator_actions
from engine.stages import status_label
from storage.models import Organization, ProcessInstance, User
from webapp import db
from webapp.i18n import localized


@click.group("instances", cls=AppGroup, help="流程实例（运维操作）")
def instances_group():
    pass


@instances_group.command("list", help="列出流程实例（最新在前）")
@click.option("--process", "key", default=None, help="流程 key")
@click.option("--status", default=None, type=click.Choice(operations.STATUSES), help="状态")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def instances_list(key, status, limit):
    rows, total = operations.instances(db.session(), key, status, "", 1, per_page=limit)
    for row in rows:
        click.echo(f"{row.id:>6}  {row.process_key:28} v{row.definition.version:<3} "
                   f"{localized(status_label(row.status)):6} {row.stage or '-':14} {row.subject}")
    click.echo(_("共 %(total)s 个实例", total=total))


@instances_group.command("show", help="显示一个流程实例：状态、错误、待办任务与操作记录")
@click.argument("instance_id", type=int)
def instances_show(instance_id):
    detail = operations.instance_detail(db.session(), instance_id)
    if detail is None:
        _refuse(_("流程实例不存在"))
    instance = detail.instance
    click.echo(f"#{instance.id} {instance.subject}")
    click.echo(_("流程：%(key)s v%(version)s", key=instance.process_key, version=instance.definition.version))
    click.echo(_("状态：%(status)s", status=localized(status_label(instance.status))))
    if instance.stage:
        click.echo(_("阶段：%(stage)s", stage=instance.stage_label or instance.stage))
    if instance.error:
        click.echo(_("错误：%(error)s", error=instance.error))
    if instance.next_timer_at:
        click.echo(_("下次定时器：%(due)s", due=f"{clock.to_china(instance.next_timer_at):%Y-%m-%d %H:%M}"))
    for row in detail.tasks:
        task = row.task
        if task.state in operator_actions.OPEN_TASK_STATES:
            click.echo(f"  [{task.id}] {task.title} ({task.role}, {row.organization or '-'}) {task.state}")
    for event in detail.events:
        click.echo(f"  {event.event.sequence:>3} {clock.to_china(event.event.created_at):%Y-%m-%d %H:%M} "
                   f"{event.event.kind} {event.event.task_name or ''} {event.actor or ''}".rstrip())


def _refuse(message) -> None:
    click.echo(localized(message), err=True)
    sys.exit(1)


def _run(action, *args, **kwargs) -> None:
    """Take the action and commit, or print the refusal and exit 1 (nothing changed)."""
    try:
        row = action(db.session(), *args, **kwargs)
    except operator_actions.ActionRefused as refused:
        db.rollback()
        _refuse(refused.message)
    db.commit()
    instance = row.instance_id
    status = localized(status_label(db.session().get(ProcessInstance, instance).status))
    click.echo(_("已%(action)s：实例 %(id)s，当前状态：%(status)s",
                 action=localized(operator_actions.ACTION_LABELS[row.action]), id=instance, status=status))


REASON = click.option("--reason", required=True, help="操作原因（必填，不超过 500 字）")


def _instance_command(name: str, action: str, help_text: str) -> None:
    @instances_group.command(name, help=help_text)
    @click.argument("instance_id", type=int)
    @REASON
    def command(instance_id, reason):
        _run(operator_actions.ACTIONS[action], instance_id, None, reason)


for _name, _action, _help in (
    ("suspend", "suspend", "挂起：任务暂不办理，定时器暂停"),
    ("resume", "resume", "恢复被挂起的实例"),
    ("cancel", "cancel", "取消实例（通知相关单位）"),
    ("retry", "retry", "重试出错的步骤"),
    ("fire-timer", "fire_timer", "立即触发待触发的定时器"),
    ("migrate", "migrate", "迁移到流程的当前版本（当前位置安全时）"),
):
    _instance_command(_name, _action, _help)


@instances_group.command("reassign", help="转办一个待办任务给用户（--user 邮箱）或单位（--org 单位名称）")
@click.argument("task_id", type=int)
@click.option("--user", "email", default=None, help="用户邮箱")
@click.option("--org", "org_name", default=None, help="单位名称")
@REASON
def instances_reassign(task_id, email, org_name, reason):
    session = db.session()
    if (email is None) == (org_name is None):
        _refuse(_("请用 --user 或 --org 指定转办对象（二选一）"))
    if email is not None:
        user_id = session.scalar(select(User.id).where(func.lower(User.email) == email.strip().lower()))
        if user_id is None:
            _refuse(_("用户不存在：%(email)s", email=email))
        _run(operator_actions.reassign, task_id, None, reason, user_id=user_id)
    else:
        org_ids = session.scalars(select(Organization.id).where(Organization.name == org_name.strip())).all()
        if len(org_ids) != 1:
            _refuse(_("单位不存在：%(name)s", name=org_name) if not org_ids
                    else _("有多个同名单位：%(name)s", name=org_name))
        _run(operator_actions.reassign, task_id, None, reason, organization_id=org_ids[0])
