"""``duibiao backup --output FILE`` and ``duibiao restore FILE`` (storage.backup): the database's rows and
the stored files in one archive, restored into an empty database and data directory and checked.

A refusal prints its Chinese reason and exits 1.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from storage import backup as archive


def _engine():
    return current_app.extensions["duibiao.engine"]


def _files_root() -> Path:
    return Path(current_app.extensions["duibiao.files"].root)


@click.command("backup", help="备份：数据库全部数据与上传的文件，写入一个归档文件（tar.gz）")
@click.option("--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="归档文件的路径")
@with_appcontext
def backup_command(output: Path):
    started = time.perf_counter()
    try:
        manifest = archive.backup(_engine(), _files_root(), output)
    except archive.Refused as refused:
        _refuse(refused)
    rows = sum(table["rows"] for table in manifest["tables"])
    click.echo(_("已备份到 %(path)s：%(tables)s 张表 %(rows)s 行，%(files)s 个文件（数据库版本 %(revision)s，"
                 "%(seconds).1f 秒）", path=output, tables=len(manifest["tables"]), rows=rows,
                 files=len(manifest["files"]), revision=manifest["revision"], seconds=time.perf_counter() - started))
    if manifest["missing_files"]:
        click.echo(_("注意：%(count)s 个文件记录在文件目录中找不到（已备份的是现有文件），例如 %(sha256)s",
                     count=len(manifest["missing_files"]), sha256=manifest["missing_files"][0]), err=True)


@click.command("restore", help="恢复：把备份归档载入空数据库与数据目录，并核对行数与校验和")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="数据库不为空时先删除其中全部数据再恢复")
@with_appcontext
def restore_command(path: Path, force: bool):
    started = time.perf_counter()
    try:
        manifest = archive.restore(_engine(), _files_root(), path, force=force)
    except archive.Refused as refused:
        _refuse(refused)
    rows = sum(table["rows"] for table in manifest["tables"])
    click.echo(_("已恢复 %(tables)s 张表 %(rows)s 行、%(files)s 个文件，行数与校验和一致（%(seconds).1f 秒）",
                 tables=len(manifest["tables"]), rows=rows, files=len(manifest["files"]),
                 seconds=time.perf_counter() - started))
    click.echo(_("建议接着运行 duibiao audit verify 校验审计链"))


def _refuse(refused: archive.Refused) -> None:
    click.echo(_message(refused.reason, refused.params), err=True)
    sys.exit(1)


def _message(reason: str, params: dict) -> str:
    """The refusal in the operator's words."""
    messages = {
        "not_current": lambda: _("数据库版本 %(current)s 不是最新的 %(head)s：请先运行 duibiao db upgrade 再备份",
                                 **params),
        "unreadable": lambda: _("无法读取归档文件：%(error)s", **params),
        "not_a_backup": lambda: _("这不是 duibiao backup 生成的备份归档，或归档已损坏"),
        "unknown_revision": lambda: _("备份的数据库版本 %(revision)s 比本程序新：请用相同或更新版本的 duibiao 恢复",
                                      **params),
        "revision_differs": lambda: _("目标数据库的版本是 %(current)s，备份是 %(revision)s：请恢复到一个新建的空数据库"
                                      "（不要先运行 duibiao db upgrade）", **params),
        "not_empty": lambda: _("目标数据库不是空的（例如表 %(tables)s 中已有数据）：恢复会覆盖它。"
                               "确认要删除其中全部数据再恢复，请加 --force", **params),
        "columns_differ": lambda: _("表 %(table)s 的列与备份不一致：数据库版本不符", **params),
        "truncated": lambda: _("归档不完整：缺少部分表的数据"),
        "table_corrupt": lambda: _("归档中表 %(table)s 的数据与清单的行数或校验和不符：归档已损坏，没有恢复任何数据",
                                   **params),
        "table_differs": lambda: _("恢复后表 %(table)s 的数据与备份不一致，已撤销，没有恢复任何数据", **params),
        "file_corrupt": lambda: _("文件 %(sha256)s 的内容与其校验和不符", **params),
        "file_missing": lambda: _("归档中缺少文件 %(sha256)s", **params),
    }
    return messages[reason]()
