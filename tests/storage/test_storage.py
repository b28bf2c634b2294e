"""Migrations, content-addressed files, the outbox and SQLite's settings."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from storage import migrate, outbox
from storage.files import FileStore, looks_like_pdf, safe_display_name
from storage.models import Organization, OutboxItem, StoredFile, User
from tests.factories import PDF_BYTES


def test_migrations_match_the_models(db_engine):
    assert migrate.differences(db_engine) == []


def test_times_come_back_aware_in_utc(session):
    moment = datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    organization = Organization(kind="office", name="专项办", created_at=moment)
    session.add(organization)
    session.commit()
    session.expire_all()
    stored = session.get(Organization, organization.id).created_at
    assert stored == moment and stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(session):
    session.add(Organization(kind="office", name="x", created_at=datetime(2026, 1, 1)))
    with pytest.raises(Exception, match="naive"):
        session.commit()
    session.rollback()


def test_files_are_content_addressed_and_names_sanitised(session, tmp_path):
    store = FileStore(tmp_path)
    first = store.save(session, PDF_BYTES, "../../etc/营业执照.pdf", "application/pdf")
    second = store.save(session, PDF_BYTES, "copy.pdf", "application/pdf")
    session.commit()
    assert first.sha256 == second.sha256
    assert first.original_name == "营业执照.pdf"
    assert store.read(first) == PDF_BYTES
    assert list(tmp_path.rglob("*")) == [tmp_path / first.sha256[:2],
                                         tmp_path / first.sha256[:2] / first.sha256[2:]]
    assert len(session.scalars(select(StoredFile)).all()) == 2


def test_path_for_refuses_anything_but_a_digest(tmp_path):
    with pytest.raises(ValueError):
        FileStore(tmp_path).path_for("../../etc/passwd")


@pytest.mark.parametrize(("data", "expected"), [
    (PDF_BYTES, True),
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, False),
    (b"%PDF-1.4 but never ends", False),
    (b"", False),
])
def test_pdf_sniffing(data, expected):
    assert looks_like_pdf(data) is expected


def test_display_names():
    assert safe_display_name("C:\\Users\\a\\报告.pdf") == "报告.pdf"
    assert safe_display_name("a\x00b.pdf") == "ab.pdf"
    assert safe_display_name("") == "file.pdf"


def test_outbox_sends_once_after_commit(session, tmp_path):
    backend = outbox.LogBackend(tmp_path / "outbox.jsonl")
    outbox.enqueue(session, "sms", "13800000000", "手机验证码", "验证码 123456")
    session.rollback()  # a request that lost its race
    assert outbox.drain(session, backend) == 0
    outbox.enqueue(session, "email", "a@b.cn", "通知", "正文")
    session.commit()
    assert outbox.drain(session, backend) == 1
    assert outbox.drain(session, backend) == 0
    lines = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [(x["channel"], x["to"], x["subject"], x["text"]) for x in lines] == [
        ("email", "a@b.cn", "通知", "正文")]
    assert datetime.fromisoformat(lines[0]["at"]).tzinfo is not None


def test_failed_sends_are_retried(session, tmp_path):
    class Broken:
        def send(self, item):
            raise OSError("smtp down")

    outbox.enqueue(session, "email", "a@b.cn", "通知", "正文")
    session.commit()
    assert outbox.drain(session, Broken()) == 0
    item = session.scalars(select(OutboxItem)).one()
    assert item.sent_at is None and "smtp down" in item.last_error
    assert outbox.drain(session, outbox.LogBackend(tmp_path / "o.jsonl")) == 1


def test_mail_to_an_organisation_reaches_each_enabled_user_when_drained(session, tmp_path):
    from tests.factories import active_member

    first = active_member(session, "first@org.cn", "enterprise", "某某企业")
    active_member(session, "first@other.cn", "enterprise", "另一企业")
    session.commit()
    outbox.enqueue_for_organization(session, first.organization_id, "通知", "正文")
    session.commit()
    # Users added (or disabled) before the drain are addressed as they are then.
    second = User(email="second@org.cn", password_hash="x", roles="enterprise",
                  organization_id=first.organization_id)
    gone = User(email="gone@org.cn", password_hash="x", roles="enterprise",
                organization_id=first.organization_id, is_enabled=False)
    session.add_all([second, gone])
    session.commit()
    assert outbox.drain(session, outbox.LogBackend(tmp_path / "outbox.jsonl")) == 1
    lines = [json.loads(line) for line in (tmp_path / "outbox.jsonl").read_text().splitlines()]
    assert [(x["to"], x["subject"]) for x in lines] == [("first@org.cn", "通知"), ("second@org.cn", "通知")]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db_engine):
    if db_engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db_engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_utc_helper_is_aware():
    from storage.db import utcnow

    assert utcnow().tzinfo is UTC
