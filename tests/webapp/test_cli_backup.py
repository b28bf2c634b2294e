"""``duibiao backup`` / ``restore`` and ``duibiao audit verify`` through the CLI runner.

A populated platform (the demo drives every process, with uploaded files) is backed up, restored into a new
database and data directory — of the other kind when PostgreSQL is configured, so the archive crosses
databases — and compared table by table and file by file with the original.
"""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import JSON, create_engine, select, text, update
from sqlalchemy.engine import make_url

import demodata
from engine.domain import catalog
from storage import migrate
from storage.db import Base
from storage.files import FileStore
from storage.models import Plan, ProcessEvent, ProcessInstance, User
from tests.conftest import PG_URL
from tests.factories import registered
from tests.webapp.helpers import remembered_password_hashes
from webapp import create_app, db
from webapp.cli import main

pytestmark = pytest.mark.postgres


def _run(app, *args):
    return app.test_cli_runner().invoke(main, [str(arg) for arg in args])


def _files(app) -> Path:
    return Path(app.config["DATA_DIR"]) / "files"


def _empty_postgres() -> str:
    """``<test database>_restore``, created when missing, with an empty public schema."""
    url = make_url(PG_URL)
    target = url.set(database=f"{url.database}_restore")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": target.database}):
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(target)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return target.render_as_string(hide_password=False)


@pytest.fixture
def target(db_engine, tmp_path, monkeypatch):
    """A second platform with an empty database and data directory: PostgreSQL when the source is SQLite
    and PostgreSQL is configured, else a new SQLite file."""
    data_dir = tmp_path / "restored"
    url = (_empty_postgres() if PG_URL and db_engine.dialect.name == "sqlite"
           else f"sqlite:///{tmp_path / 'restored.db'}")
    monkeypatch.setenv("DUIBIAO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DUIBIAO_SECRET_KEY", "restore-tests")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(data_dir),
                      "SCHEDULER_ENABLED": False})
    yield app
    db.dispose(app)


def _contents(app) -> dict[str, list]:
    """Every table's rows in primary-key order, read through the models' types (times in UTC, JSON parsed),
    with whether each JSON value is SQL NULL (the ORM reads JSON null and SQL NULL both as None)."""
    with app.extensions["duibiao.engine"].connect() as connection:
        return {table.name: connection.execute(
            select(table, *[column.is_(None) for column in table.columns if isinstance(column.type, JSON)])
            .order_by(*table.primary_key.columns)).all() for table in Base.metadata.sorted_tables}


def _blobs(app) -> dict[str, bytes]:
    root = _files(app)
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _backup(app, tmp_path) -> Path:
    archive = tmp_path / "duibiao.tar.gz"
    result = _run(app, "backup", "--output", archive)
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output
    return archive


@pytest.mark.slow
def test_a_populated_platform_round_trips(app, session_factory, target, tmp_path):
    with session_factory() as session, remembered_password_hashes():
        demodata.load_all(session, session_factory, FileStore(_files(app)))
        session.commit()
    original = _contents(app)
    assert original["process_event"] and original["stored_file"] and original["plan_search"]
    archive = _backup(app, tmp_path)

    result = _run(target, "restore", archive)
    assert result.exit_code == 0, result.output
    assert "行数与校验和一致" in result.output
    assert _contents(target) == original
    assert _blobs(target) == _blobs(app)
    verified = _run(target, "audit", "verify")
    assert verified.exit_code == 0 and "审计链完整" in verified.output, verified.output
    engine = target.extensions["duibiao.engine"]
    assert migrate.revisions(engine)[0] == migrate.revisions(engine)[1]
    # The restored platform goes on: new rows get new ids (PostgreSQL's sequences start after the restored),
    # and the catalogue's search index (SQLite: FTS5 filled by triggers) finds the restored plans.
    with target.extensions["duibiao.sessions"].session_factory() as session, remembered_password_hashes():
        plan = session.get(Plan, original["plan_search"][0].plan_id)
        assert plan.id in [row.plan_id for row in catalog.search(session, plan.standard_number)[0]]
        user, instance = registered(session, _files(target), email="after@test.cn", name="恢复后注册有限公司")
        session.commit()
        assert user.id > max(row.id for row in original["user_account"])
        assert instance.id > max(row.id for row in original["process_instance"])
    assert _run(target, "audit", "verify").exit_code == 0


def test_restore_refuses_a_database_that_is_not_empty(app, applicant, tmp_path):
    archive = _backup(app, tmp_path)
    before = _contents(app)
    result = _run(app, "restore", archive)
    assert result.exit_code == 1
    assert "目标数据库不是空的" in result.output and "--force" in result.output
    assert _contents(app) == before
    damaged = _rewritten(archive, tmp_path, lambda name, data: data.replace(b"applicant@test.cn", b"x@test.cn"))
    assert _run(app, "restore", "--force", damaged).exit_code == 1
    assert _contents(app) == before  # the old rows are deleted in the transaction that failed
    forced = _run(app, "restore", "--force", archive)
    assert forced.exit_code == 0, forced.output
    assert _contents(app) == before


def _rewritten(archive: Path, tmp_path: Path, change) -> Path:
    """A copy of the archive with ``change(name, bytes)`` applied to each member's content."""
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return damaged


def test_a_damaged_archive_restores_nothing(app, applicant, target, tmp_path):
    archive = _backup(app, tmp_path)
    with tarfile.open(archive, "r:gz") as source:
        manifest = json.loads(source.extractfile("manifest.json").read())
    first = manifest["files"][0]["sha256"]

    def edit_file(name, data):
        return data + b"%tampered" if name == f"files/{first[:2]}/{first[2:]}" else data

    result = _run(target, "restore", _rewritten(archive, tmp_path, edit_file))
    assert result.exit_code == 1
    assert f"文件 {first} 的内容与其校验和不符" in result.output

    def edit_row(name, data):
        return data.replace(b"applicant@test.cn", b"intruder@test.cn") if name == "tables/user_account.jsonl" else data

    result = _run(target, "restore", _rewritten(archive, tmp_path, edit_row))
    assert result.exit_code == 1
    assert "表 user_account 的数据与清单的行数或校验和不符" in result.output
    with target.extensions["duibiao.engine"].connect() as connection:
        assert connection.scalar(select(User.id).limit(1)) is None
    assert _run(target, "restore", archive).exit_code == 0  # the intact archive still restores


def test_not_an_archive(target, tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not a tar file")
    result = _run(target, "restore", bogus)
    assert result.exit_code == 1 and "无法读取归档文件" in result.output


def test_audit_verify_reports_an_edited_row(app, applicant, new_applicant, session_factory):
    other = new_applicant("other@test.cn", name="另一家测试有限公司")
    clean = _run(app, "audit", "verify")
    assert clean.exit_code == 0 and "审计链完整" in clean.output
    with session_factory() as session:
        session.execute(update(ProcessEvent).where(ProcessEvent.instance_id == applicant.instance_id)
                        .values(summary={"key": "registration_vetting", "version": 99}))
        session.commit()
    broken = _run(app, "audit", "verify")
    assert broken.exit_code == 1
    assert f"实例 {applicant.instance_id}：第 1 条事件的哈希不符" in broken.output
    assert "审计链断裂：1 个实例" in broken.output
    assert _run(app, "audit", "verify", "--instance", other.instance_id).exit_code == 0
    with session_factory() as session:
        missing = (session.scalar(select(ProcessInstance.id).order_by(ProcessInstance.id.desc())) or 0) + 1
    unknown = _run(app, "audit", "verify", "--instance", missing)
    assert unknown.exit_code == 1 and "流程实例不存在" in unknown.output


def test_a_blob_that_no_longer_matches_its_name_stops_the_backup(app, applicant, tmp_path):
    bogus = _files(app) / "ff" / ("f" * 62)
    bogus.parent.mkdir(parents=True, exist_ok=True)
    bogus.write_bytes(b"changed on disk")
    try:
        result = _run(app, "backup", "--output", tmp_path / "duibiao.tar.gz")
    finally:
        bogus.unlink()
    assert result.exit_code == 1
    assert f"文件 {'f' * 64} 的内容与其校验和不符" in result.output
    assert list(tmp_path.iterdir()) == []  # no archive, not even a partial one
