"""As deployed (OUTBOX_SYNC off): a commit that queued mail wakes the worker, which sends the burst."""
from __future__ import annotations

import time

from engine.domain.messages import notify
from tests.factories import active_member
from tests.webapp.helpers import outbox
from webapp import db


def test_the_worker_sends_after_the_commit_in_one_batch(app):
    app.config["OUTBOX_SYNC"] = False
    with app.app_context():
        member = active_member(db.session(), "worker@test.cn", "enterprise", "某某企业")
        db.commit()
        for n in range(3):  # a burst of requests, each queuing a notice
            notify(db.session(), member.organization_id, f"通知 {n}", "正文")
            db.commit()
            if n == 0:
                assert outbox(app) == []  # the request does not wait for the mail
    deadline = time.monotonic() + 10
    while len(outbox(app)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(m["to"], m["subject"]) for m in outbox(app)] == [
        ("worker@test.cn", f"【全国对标达标信息服务平台】通知 {n}") for n in range(3)]
