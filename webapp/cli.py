"""The ``duibiao`` command: a Flask CLI group over the same services as the web pages."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from flask_babel import gettext as _

import demodata
from engine import bpmn, clock, definitions, validation
from engine.domain import auth as accounts
from forms import designed, form_deploy, tasks
from storage import migrate
from webapp import cli_server, db
from webapp.i18n import localized


def _create_app():
    from webapp import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             help="全国对标达标信息服务平台 (Duibiao) 管理命令")
def main():
    pass


# On the group itself: `duibiao serve` starts gunicorn without building an app in its master.
main.add_command(cli_server.serve_command)


def init_app(app: Flask) -> None:
    from webapp.cli_audit import audit_group
    from webapp.cli_backup import backup_command, restore_command
    from webapp.cli_engine_check import check_command
    from webapp.cli_instances import instances_group
    from webapp.cli_workflows import workflows_group

    engine_group.add_command(check_command)
    for group in (db_group, users_group, engine_group, workflows_group, instances_group, audit_group):
        app.cli.add_command(group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(cli_server.doctor_command)
    app.cli.add_command(cli_server.outbox_command)


@click.group("db", cls=AppGroup, help="数据库")
def db_group():
    pass


@db_group.command("upgrade", help="运行数据库迁移，检查并部署 BPMN 流程")
def db_upgrade():
    before, after = migrate.upgrade(current_app.extensions["duibiao.engine"])
    if before == after:
        click.echo(_("数据库已是最新版本（%(revision)s）", revision=after))
    else:
        click.echo(_("数据库已迁移：%(before)s → %(after)s", before=before or _("空数据库"), after=after))
    session = db.session()
    try:
        deployed = deploy_workflows(session)
    except validation.Refused as refused:
        db.rollback()
        _echo_problems(refused.problems)
        click.echo(_("BPMN 检查未通过，没有部署任何流程"), err=True)
        sys.exit(1)
    db.commit()
    click.echo(_("流程：%(workflows)s", workflows=", ".join(deployed)))


def deploy_workflows(session, documents=None) -> list[str]:
    """Validate, then deploy ``documents`` (file name, bytes) — workflows/*.bpmn by default; a single
    problem deploys nothing (validation.Refused)."""
    documents = list(documents if documents is not None else workflow_documents())
    form_deploy.deploy_all(session, form_schemas())  # the forms first: the processes are bound to them
    validation.refuse_problems(documents, tasks.deployed_catalogue(session, definitions.deployed_keys(session)))
    results = definitions.deploy_documents(session, documents)
    return [_("%(key)s v%(version)s（新部署）", key=r.key, version=r.version) if r.created
            else f"{r.key} v{r.version}" for r in results]


def form_schemas() -> dict[str, dict]:
    """workflows/forms/*.form, with the designer's folder (DUIBIAO_WORKFLOWS_DIR/forms) over them."""
    schemas = designed.shipped_forms()
    folder = current_app.config.get("WORKFLOWS_DIR")
    if folder:
        schemas.update((path.stem, designed.parse(path.read_bytes()))
                       for path in sorted(Path(folder, "forms").glob("*.form")))
    return schemas


def workflow_documents() -> list[tuple[str, bytes]]:
    """workflows/*.bpmn, with the designer's folder (DUIBIAO_WORKFLOWS_DIR) replacing or adding files."""
    import workflows

    documents = dict(workflows.bpmn_files())
    folder = current_app.config.get("WORKFLOWS_DIR")
    if folder:
        documents.update((path.name, path.read_bytes()) for path in sorted(Path(folder).glob("*.bpmn")))
    return sorted(documents.items())


def shipped_by_key() -> dict[str, str]:
    """Process key → the XML of the file that ships it (workflows/, the designer's folder over it)."""
    found = {}
    for _name, source in workflow_documents():
        for info in bpmn.describe(bpmn.parse_xml(source)):
            found[info.key] = source.decode("utf-8")
    return found


def designer_folder() -> str | None:
    """DUIBIAO_WORKFLOWS_DIR: the designer's folder, whose files (and scenarios/) add to or replace the
    shipped ones."""
    return current_app.config.get("WORKFLOWS_DIR") or None


def _echo_problems(problems) -> None:
    for problem in problems:
        click.echo(f"  {problem.where}: {localized(problem.message)}", err=True)


@click.command("demo", help="载入演示数据（可重复运行）")
@with_appcontext
def demo_command():
    session = db.session()
    deploy_workflows(session)
    db.commit()
    accounts_made = demodata.load_all(session, current_app.extensions["duibiao.sessions"].session_factory,
                                      db.file_store())
    db.commit()
    click.echo(_("演示帐号（用户名 / 密码 / 角色）："))
    for email, password, role in accounts_made:
        click.echo(f"  {email:28} {password:16} {role}")


@click.group("users", cls=AppGroup, help="用户")
def users_group():
    pass


@users_group.command("create", help="创建一个已激活的帐号（单位不存在时一并创建）")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True,
              type=click.Choice(["enterprise", "institution", "office", "designer", "operator"]))
@click.option("--org", "org_name", required=True, help="单位名称")
def users_create(email, password, role, org_name):
    for problem, option in ((accounts.email_problem(email), "--email"),
                            (accounts.password_problem(password), "--password")):
        if problem:
            raise click.BadParameter(problem, param_hint=option)
    session = db.session()
    if accounts.find_user(session, email):
        raise click.BadParameter(_("该用户名已存在"), param_hint="--email")
    user = demodata.ensure_user(session, email, password, role, org_name)
    db.commit()
    click.echo(_("已创建 %(email)s（%(role)s，%(organization)s）", email=user.email, role=role, organization=org_name))


@users_group.command("token", help="为用户签发 API 访问令牌")
@click.argument("email")
def users_token(email):
    session = db.session()
    user = accounts.find_user(session, email)
    if user is None:
        click.echo(_("用户不存在"), err=True)
        sys.exit(1)
    token = accounts.issue_token(session, user)
    db.commit()
    click.echo(token)


@click.group("engine", cls=AppGroup, help="流程引擎")
def engine_group():
    pass


@engine_group.command("tick", help="触发到期的定时器。--now（ISO 8601 时刻，无时区视为北京时间）"
                                    "或 --in（从现在起的 ISO 8601 时长，如 P8D）只用于判断哪些定时器到期，"
                                    "记录的时间仍为实际时间")
@click.option("--now", "now_text", default=None, help="按此时刻判断到期，如 2026-12-05T00:00:00")
@click.option("--in", "in_text", default=None, help="按现在之后的这段时长判断到期，如 P8D、PT12H")
def engine_tick(now_text, in_text):
    from engine import timers

    moment = _tick_moment(now_text, in_text)
    factory = current_app.extensions["duibiao.sessions"].session_factory
    fired = timers.fire_due(factory, moment)
    click.echo(_("%(moment)s（北京时间）：触发 %(count)s 个流程实例的定时器",
                 moment=clock.to_china(moment).strftime("%Y-%m-%d %H:%M:%S"), count=fired))


def _tick_moment(now_text: str | None, in_text: str | None):
    if now_text and in_text:
        raise click.UsageError(_("--now 与 --in 只能选一个"))
    try:
        if now_text:
            return clock.parse_moment(now_text)
        return clock.now() + (clock.parse_duration(in_text) if in_text else timedelta())
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--now" if now_text else "--in") from error


@click.command("scheduler", help="独立运行定时任务（定时器与发件箱），可与 Web 进程并行多份运行")
@click.option("--interval", default=30, show_default=True, help="扫描间隔（秒）")
@with_appcontext
def scheduler_command(interval):
    from apscheduler.schedulers.blocking import BlockingScheduler

    from webapp import metrics, scheduler

    app = current_app._get_current_object()
    if metrics.start_scheduler_exporter(app):  # the timer lag is observed here, not in the web nodes
        click.echo(_("指标：http://%(host)s:%(port)s/metrics", host=app.config["SCHEDULER_METRICS_HOST"],
                     port=app.config["SCHEDULER_METRICS_PORT"]))
    blocking = BlockingScheduler(timezone="UTC")
    blocking.add_job(scheduler.sweep, "interval", seconds=interval, args=[app], id="sweep",
                     max_instances=1, coalesce=True)
    scheduler.add_digest_job(blocking, app)  # 每日汇总
    click.echo(_("定时任务已启动：每 %(seconds)s 秒扫描一次到期的定时器（Ctrl+C 退出）", seconds=interval))
    scheduler.sweep(app)  # timers that fell due while nothing was running fire now
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo(_("定时任务已停止"))
