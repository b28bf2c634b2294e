"""`duibiao db upgrade` says what it did: an empty database is migrated (not "already up to date")."""
from __future__ import annotations

from webapp import create_app, db
from webapp.cli import main


def test_db_upgrade_on_an_empty_database_says_it_migrated_then_that_it_is_current(tmp_path, monkeypatch):
    monkeypatch.setenv("DUIBIAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DUIBIAO_SECRET_KEY", "upgrade-test")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db", "DATA_DIR": str(tmp_path),
                      "SCHEDULER_ENABLED": False})
    runner = app.test_cli_runner()
    first = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "数据库已迁移：空数据库 → " in first.output and "数据库已是最新版本" not in first.output
    assert "formal_plan v1（新部署）" in first.output
    second = runner.invoke(main, ["db", "upgrade"])
    assert second.exit_code == 0, second.output
    assert "数据库已是最新版本" in second.output and "新部署" not in second.output
    db.dispose(app)
