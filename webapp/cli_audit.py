"""``duibiao audit verify``: check the hash chain of every instance's audit trail (engine.audit_chain).

Prints the first broken link of each instance whose trail was edited, cut or added to behind the
platform's back, and exits 1 then; exits 0 when every chain is whole.
"""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from engine import audit_chain
from webapp import db
from webapp.i18n import localized


@click.group("audit", cls=AppGroup, help="审计记录")
def audit_group():
    pass


@audit_group.command("verify", help="校验流程事件的哈希链：发现被改动、删除或插入的事件")
@click.option("--instance", "instance_id", type=int, default=None, help="只校验这个流程实例")
def audit_verify(instance_id):
    started = time.perf_counter()
    report = audit_chain.verify(db.session(), instance_id)
    db.session().rollback()  # read only
    if instance_id is not None and not report.instances:
        click.echo(_("流程实例不存在"), err=True)
        sys.exit(1)
    for broken in report.broken:
        click.echo(_("实例 %(instance)s：%(problem)s", instance=broken.instance_id,
                     problem=localized(broken.problem)))
    click.echo(_("已校验 %(instances)s 个实例、%(events)s 条事件（%(seconds).1f 秒）",
                 instances=report.instances, events=report.events, seconds=time.perf_counter() - started))
    if report.broken:
        click.echo(_("审计链断裂：%(count)s 个实例的事件记录被改动过", count=len(report.broken)), err=True)
        sys.exit(1)
    click.echo(_("审计链完整"))
