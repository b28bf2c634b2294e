"""`duibiao doctor`: is this installation able to run? Font, database, data directory, scheduler.

Each check gives one line: OK, 问题 (with what to do) or 信息 (informational, never a failure).
The database is opened with an engine of its own (closed afterwards), so the checks do not depend
on how the web layer holds its sessions.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from engine import clock, definitions, validation
from engine.domain import certificate_pdf
from forms import tasks
from storage import migrate
from storage.db import make_engine
from storage.models import ProcessInstance

log = logging.getLogger("duibiao")
OVERDUE_AFTER = timedelta(minutes=5)  # a sweep runs every 30 s: later than this, nothing is sweeping


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok", "problem" or "info"
    detail: str
    advice: str = ""

    def line(self) -> str:
        label = {"ok": "OK", "problem": _("问题"), "info": _("信息")}[self.status]
        width = sum(2 if ord(character) >= 0x2E80 else 1 for character in label)  # CJK: two columns
        advice = f" — {self.advice}" if self.advice else ""
        return f"{label}{' ' * max(4 - width, 0)} {self.name}：{self.detail}{advice}"


def _ok(name: str, detail: str) -> Check:
    return Check(name, "ok", detail)


def _problem(name: str, detail: str, advice: str) -> Check:
    return Check(name, "problem", detail, advice)


def run_checks(app: Flask) -> list[Check]:
    """Every check, in the order printed."""
    checks = [check_font(), check_data_dir(Path(app.config["DATA_DIR"]))]
    url = app.config["DATABASE_URL"]
    missing_file = _missing_sqlite_file(url)
    if missing_file:
        checks.append(_problem(_("数据库"), _("SQLite 数据库文件 %(path)s 不存在", path=missing_file),
                               _("运行 duibiao db upgrade 创建数据库")))
    else:
        engine = _engine(url)
        try:
            checks.extend(check_database(engine, app.config.get("SCHEDULER_ENABLED", True)))
        finally:
            engine.dispose()
    checks.append(check_chromium())
    return checks


def check_font() -> Check:
    name = _("证书字体")
    path = certificate_pdf.font_path()
    advice = _("安装 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei）或设置 DUIBIAO_CERTIFICATE_FONT "
               "指向 TrueType 中文字体；否则证书 PDF 无法生成")
    try:
        certificate_pdf.font_name()
    except certificate_pdf.CertificateFontMissing:
        return _problem(name, _("缺少字体文件 %(path)s", path=path), advice)
    except Exception as error:  # a file that is there but is no usable TrueType font
        return _problem(name, _("字体文件 %(path)s 无法读取（%(error)s）", path=path, error=error), advice)
    return _ok(name, path)


def check_data_dir(data_dir: Path) -> Check:
    name = _("数据目录")
    advice = _("创建该目录并让运行 duibiao 的用户可写（DUIBIAO_DATA_DIR；多台服务器时放在共享存储上）")
    if not data_dir.is_dir():
        return _problem(name, _("%(path)s 不存在", path=data_dir), advice)
    for folder in (data_dir, data_dir / "files"):
        if not folder.is_dir():
            continue  # files/ is created with the first upload
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            return _problem(name, _("%(path)s 不可写（%(error)s）", path=folder, error=error.strerror), advice)
    return _ok(name, str(data_dir))


def check_database(engine: Engine, scheduler_enabled: bool) -> list[Check]:
    name = _("数据库")
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return [_problem(name, _("无法连接 %(url)s（%(error)s）", url=shown, error=first_line),
                         _("检查 DUIBIAO_DATABASE_URL 和数据库服务"))]
    checks = [_ok(name, shown), check_migrations(engine)]
    if checks[-1].status == "ok":
        with Session(engine) as session:
            checks.append(check_workflows(session))
            checks.append(check_timers(session, scheduler_enabled))
    return checks


def check_migrations(engine: Engine) -> Check:
    name = _("数据库迁移")
    current, heads = migrate.revisions(engine)
    if not current:
        return _problem(name, _("数据库尚未初始化"), _("运行 duibiao db upgrade"))
    if current != heads:
        return _problem(name, _("当前版本 %(current)s，最新版本 %(heads)s", current=", ".join(sorted(current)),
                                heads=", ".join(sorted(heads))), _("运行 duibiao db upgrade"))
    return _ok(name, _("已是最新版本（%(heads)s）", heads=", ".join(sorted(heads))))


def check_workflows(session: Session) -> Check:
    """Checks the BPMN (shipped, and the designer's folder) and deploys it inside a transaction that is
    rolled back: anything new is not deployed."""
    from webapp.cli import workflow_documents

    name = _("流程定义")
    documents = workflow_documents()
    catalogue = tasks.deployed_catalogue(session, definitions.deployed_keys(session))
    problems = validation.validate_documents(documents, catalogue)
    if problems:
        return _problem(name, _("%(count)s 个 BPMN 问题，首个：%(first)s", count=len(problems), first=str(problems[0])),
                        _("运行 duibiao workflows validate 查看全部问题并修正"))
    try:
        results = definitions.deploy_documents(session, documents)
    finally:
        session.rollback()
    stale = sorted(result.key for result in results if result.created)
    if stale:
        return _problem(name, _("未部署或不是最新版本：%(keys)s", keys=", ".join(stale)),
                        _("运行 duibiao db upgrade"))
    return _ok(name, _("%(count)s 个流程均已部署", count=len(results)))


def check_timers(session: Session, scheduler_enabled: bool) -> Check:
    name = _("定时任务")
    where = (_("在 Web 进程内运行（DUIBIAO_SCHEDULER=1）") if scheduler_enabled
             else _("Web 进程内已关闭（DUIBIAO_SCHEDULER=0），须另行运行 duibiao scheduler"))
    overdue = session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.next_timer_at < clock.now() - OVERDUE_AFTER)) or 0
    if overdue:
        return _problem(
            name, _("%(where)s；%(count)s 个流程实例的定时器已到期超过 5 分钟仍未触发", where=where, count=overdue),
            _("确认 duibiao scheduler 或开启定时任务的 Web 进程正在运行（可先运行 duibiao engine tick）"))
    return _ok(name, _("%(where)s；没有逾期的定时器", where=where))


def check_chromium() -> Check:
    path = shutil.which("chromium")
    detail = path or _("未安装")
    return Check("Chromium", "info", _("%(detail)s（仅浏览器测试需要，make test 会自动安装）", detail=detail))


def warn_at_start(app: Flask) -> None:
    """create_app: the one check cheap enough for every start, in the log (not when testing)."""
    if app.config.get("TESTING"):
        return
    path = certificate_pdf.font_path()
    if not Path(path).is_file():
        log.warning("Certificate font %s is missing: certificate PDFs answer 503 until fonts-wqy-zenhei is "
                    "installed or DUIBIAO_CERTIFICATE_FONT names a TrueType CJK font (see `duibiao doctor`).",
                    path)


def _missing_sqlite_file(url: str) -> str | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return None if Path(parsed.database).exists() else parsed.database


def _engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "postgresql":
        return make_engine(url, connect_args={"connect_timeout": 5})
    return make_engine(url)
