"""``duibiao workflows``: the designer's workspace on the command line — list, validate, test, diff,
deploy, export — with exit codes CI can use (0: fine, 1: problems, failing scenarios or differences)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from engine import bpmn, bpmn_diff, clock, definitions, designs, validation
from forms import tasks, workspace
from storage.models import ProcessDefinition
from webapp import db
from webapp.cli import _echo_problems, designer_folder, shipped_by_key, workflow_documents
from webapp.i18n import localized


@click.group("workflows", cls=AppGroup, help="BPMN 流程定义")
def workflows_group():
    pass


@workflows_group.command("list", help="列出已部署的流程定义（* 为当前版本）与实例数")
def workflows_list():
    session = db.session()
    rows = session.scalars(select(ProcessDefinition).order_by(
        ProcessDefinition.key, ProcessDefinition.version)).all()
    counts = designs.instance_counts(session, [row.id for row in rows])
    for row in rows:
        running, finished = counts.get(row.id, (0, 0))
        click.echo(f"{row.key:28} v{row.version:<4}{'*' if row.is_current else ' '} {row.sha256[:12]}  "
                   f"{clock.to_china(row.deployed_at):%Y-%m-%d %H:%M}  "
                   + _("运行中 %(running)s，已结束 %(finished)s", running=running, finished=finished))


@workflows_group.command("validate", help="检查 BPMN 文件（默认 workflows/ 中的全部文件）")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def workflows_validate(paths):
    given = [(Path(p).name, Path(p).read_bytes()) for p in paths]
    documents = _with_context(given) if given else workflow_documents()
    problems = validation.validate_documents(
        documents, tasks.deployed_catalogue(db.session(), definitions.deployed_keys(db.session())))
    if given:  # the rest of the set is context (what the given files call); its problems are not theirs
        problems = [p for p in problems if p.where.split(":")[0] in {name for name, _source in given}]
    _echo_problems(problems)
    if problems:
        click.echo(_("%(count)s 个问题", count=len(problems)), err=True)
        sys.exit(1)
    click.echo(json.dumps({"status": "ok", "files": [name for name, _source in (given or documents)]}))


def _with_context(given: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The given files with the platform's others (shipped and the designer's folder) that define none of
    the same processes, so that calls and the data callees set are checked as they will run."""
    keys = set()
    for _name, source in given:
        keys |= _process_keys(source)
    names = {name for name, _source in given}
    return given + [(name, source) for name, source in workflow_documents()
                    if name not in names and not _process_keys(source) & keys]


def _process_keys(source: bytes) -> set[str]:
    try:
        return {info.key for info in bpmn.describe(bpmn.parse_xml(source))}
    except bpmn.BpmnError:
        return set()


@workflows_group.command("test", help="运行流程的场景测试（默认全部流程），用 workflows/ 中的文件")
@click.argument("process_key", required=False)
def workflows_test(process_key):
    from forms import scenarios

    shipped = shipped_by_key()
    keys = [process_key] if process_key else sorted(shipped)
    if process_key and process_key not in shipped:
        raise click.BadParameter(_("没有这个流程：%(key)s", key=process_key), param_hint="PROCESS")
    # Scenarios run the BPMN for real: only what the validation accepts (the designer's folder included).
    # The whole set is validated together, so no database is needed (make test runs this on a fresh clone).
    problems = validation.validate_documents(workflow_documents(), tasks.catalogue())
    if problems:
        _echo_problems(problems)
        click.echo(_("BPMN 检查未通过，没有运行场景"), err=True)
        sys.exit(1)
    failed = total = 0
    for key in keys:
        for result in scenarios.run(key, overrides={key: shipped[key]}, workflows_dir=designer_folder()):
            total += 1
            failed += not result.passed
            click.echo(f"{'通过' if result.passed else '未通过'}  {key}: {result.scenario.name}")
            for step in result.steps:
                if not step.passed:
                    click.echo(f"    {localized(step.text)}: {localized(step.message)}", err=True)
            if result.error:
                click.echo(f"    {localized(result.error)}", err=True)
    click.echo(_("%(total)s 个场景，%(failed)s 个未通过", total=total, failed=failed))
    sys.exit(1 if failed else 0)


def _version_xml(key: str, version: int | None) -> str:
    session = db.session()
    if version is None:
        found = definitions.current(session, key)
    else:
        found = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version)).first()
    if found is None:
        raise click.BadParameter(_("%(key)s 没有这个版本", key=key))
    return found.bpmn_xml


@workflows_group.command("diff", help="比较两个版本：--from 默认当前版本，--to 为版本号或文件"
                                      "（默认 workflows/ 中的文件）；有差异时退出码为 1")
@click.argument("process_key")
@click.option("--from", "from_version", type=int, default=None, help="版本号（默认当前版本）")
@click.option("--to", "to", default=None, help="版本号或 BPMN 文件路径（默认 workflows/ 中的文件）")
def workflows_diff(process_key, from_version, to):
    old = _version_xml(process_key, from_version)
    if to is None:
        new = shipped_by_key().get(process_key)
        if new is None:
            raise click.BadParameter(_("workflows/ 中没有这个流程"), param_hint="--to")
    elif to.isdigit():
        new = _version_xml(process_key, int(to))
    elif Path(to).is_file():
        new = Path(to).read_bytes()
    else:
        raise click.BadParameter(_("应为版本号或文件路径"), param_hint="--to")
    changes = bpmn_diff.diff(old, new)
    for line in changes.lines():
        click.echo(localized(line))
    click.echo(_("新增 %(a)s，删除 %(r)s，修改 %(c)s", a=len(changes.added), r=len(changes.removed),
                 c=len(changes.changed)))
    sys.exit(0 if changes.empty else 1)


@workflows_group.command("deploy", help="检查并运行场景测试后部署一个 BPMN 文件，成为新实例使用的版本")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--note", default="", help="备注")
def workflows_deploy(path, note):
    session = db.session()
    data = Path(path).read_bytes()
    try:
        keys = sorted(_process_keys(data)) or [""]
        scenarios = workspace.initial_scenarios(session, keys[0], designer_folder()) if keys[0] else None
        draft = designs.save_draft(session, keys[0], data, note, None, scenarios=scenarios)
        check = workspace.deploy_check(session, designer_folder())
        definition = designs.deploy_draft(session, draft, None, note, check)
    except designs.DraftRefused as refused:
        db.rollback()
        for messages in refused.errors.values():
            for message in messages:
                click.echo(localized(message), err=True)
        sys.exit(1)
    except workspace.DeployRefused as refused:
        db.rollback()
        _echo_problems(refused.problems)
        for result in refused.failed:
            click.echo(_("场景未通过：%(name)s", name=result.scenario.name), err=True)
        click.echo(_("没有部署"), err=True)
        sys.exit(1)
    db.commit()
    click.echo(_("已部署 %(key)s v%(version)s（当前版本）", key=definition.key, version=definition.version))


@workflows_group.command("export", help="输出一个流程的 BPMN（默认当前版本）")
@click.argument("process_key")
@click.option("--version", "version", type=int, default=None)
def workflows_export(process_key, version):
    click.echo(_version_xml(process_key, version), nl=False)
