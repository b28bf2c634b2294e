"""`duibiao engine check [--repair]`: the instance rows and the inbox against the engine states."""
from __future__ import annotations

import sys

import click
from flask_babel import gettext as _

from engine import consistency
from webapp import db


@click.command("check", help="核对每个流程实例的状态、阶段和待办与引擎状态是否一致；--repair 按引擎状态修正")
@click.option("--repair", is_flag=True, help="按引擎状态修正发现的不一致")
def check_command(repair):
    session = db.session()
    findings = consistency.check(session, repair=repair)
    for finding in findings:
        click.echo(_("流程实例 %(id)s：", id=finding.instance_id))
        for column, (stored, expected) in finding.columns.items():
            click.echo(_("  %(column)s 记录为 %(stored)s，引擎状态为 %(expected)s",
                         column=column, stored=_shown(stored), expected=_shown(expected)))
        for engine_id in finding.missing_tasks:
            click.echo(_("  缺少待办（引擎任务 %(task)s）", task=engine_id))
        for engine_id in finding.extra_tasks:
            click.echo(_("  多余的待办（引擎任务 %(task)s 已不在待办理状态）", task=engine_id))
    if not findings:
        click.echo(_("全部流程实例与引擎状态一致"))
        return
    if repair:
        db.commit()
        click.echo(_("已修正 %(count)s 个流程实例", count=len(findings)))
        return
    click.echo(_("%(count)s 个流程实例与引擎状态不一致（可用 --repair 修正）", count=len(findings)), err=True)
    sys.exit(1)


def _shown(value) -> str:
    return _("（空）") if value is None else str(value)
