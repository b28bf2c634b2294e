"""`duibiao engine check [--repair]`: the instance rows and the inbox against the engine states."""
from __future__ import annotations

import sys

import click
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import consistency
from webapp import db

COLUMN_WORDS = {"status": _l("状态"), "stage": _l("阶段"), "stage_label": _l("阶段名称"),
                "stage_element": _l("阶段环节"), "next_timer_at": _l("下一定时器")}


@click.command("check", help="核对每个流程实例的状态、阶段和待办与引擎状态是否一致；--repair 按引擎状态修正")
@click.option("--repair", is_flag=True, help="按引擎状态修正发现的不一致")
def check_command(repair):
    session = db.session()
    findings = consistency.check(session, repair=repair)
    for finding in findings:
        click.echo(_("流程实例 %(id)s：", id=finding.instance_id))
        if finding.unreadable:
            click.echo(_("  引擎状态无法读取（%(error)s）", error=finding.unreadable))
        for column, (stored, expected) in finding.columns.items():
            click.echo(_("  %(column)s 记录为 %(stored)s，引擎状态为 %(expected)s",
                         column=str(COLUMN_WORDS[column]), stored=_shown(stored), expected=_shown(expected)))
        for engine_id in finding.missing_tasks:
            click.echo(_("  缺少待办（引擎任务 %(task)s）", task=engine_id))
        for engine_id in finding.extra_tasks:
            click.echo(_("  多余的待办（引擎任务 %(task)s 已不在待办理状态）", task=engine_id))
    if not findings:
        click.echo(_("全部流程实例与引擎状态一致"))
        return
    unrepaired = [finding for finding in findings if finding.unreadable]
    if repair:
        db.commit()
        click.echo(_("已修正 %(count)s 个流程实例", count=len(findings) - len(unrepaired)))
        if not unrepaired:
            return
    left = unrepaired if repair else findings
    click.echo(_("%(count)s 个流程实例与引擎状态不一致（可用 --repair 修正）", count=len(left)), err=True)
    sys.exit(1)


def _shown(value) -> str:
    return _("（空）") if value is None else str(value)
