"""Migration 0022: every account that exists when it runs becomes 单位管理员 of its organisation."""
from __future__ import annotations

from sqlalchemy import text

from storage import migrate
from storage.db import make_engine


def test_existing_accounts_get_every_right(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    migrate.upgrade(engine, "0020")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO organization (id, kind, name, status, created_at, updated_at) "
            "VALUES (1, 'enterprise', '老企业有限公司', 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        for user_id, email in ((1, "first@old.cn"), (2, "second@old.cn")):
            connection.execute(text(
                "INSERT INTO user_account (id, email, password_hash, organization_id, roles, is_enabled, "
                "failed_logins, created_at) VALUES (:id, :email, 'x', 1, 'enterprise', 1, 0, '2026-01-01 00:00:00')"),
                {"id": user_id, "email": email})
    migrate.upgrade(engine, "0022")
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT email, rights, session_epoch, full_name FROM user_account ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("first@old.cn", "view submit review admin", 0, ""),
                                            ("second@old.cn", "view submit review admin", 0, "")]
    engine.dispose()
