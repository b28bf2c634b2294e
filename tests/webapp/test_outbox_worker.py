"""As deployed (OUTBOX_SYNC off): a commit that queued mail wakes the worker, which sends the burst."""
from __future__ import annotations

import threading
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


def test_with_the_outbox_in_its_own_process_the_web_process_sends_nothing(app):
    """DUIBIAO_OUTBOX_WORKER=0 (production under load): the commit wakes no thread in the request worker;
    `duibiao outbox` (outbox_worker.run_process) sends what the requests queued, in one batch."""
    from webapp import outbox_worker

    app.config.update(OUTBOX_SYNC=False, OUTBOX_WORKER=False)
    worker = app.extensions["duibiao.outbox_worker"]
    saved, worker.wake = worker.wake, threading.Event()  # an earlier test may have started the thread
    with app.app_context():
        member = active_member(db.session(), "process@test.cn", "enterprise", "某某企业")
        db.commit()
        for n in range(2):
            notify(db.session(), member.organization_id, f"通知 {n}", "正文")
            db.commit()
    woken, worker.wake = worker.wake.is_set(), saved
    assert not woken and outbox(app) == []
    rounds = iter([True, True, False])  # two polls: the first sends both, the second finds nothing
    assert outbox_worker.run_process(app, poll=0, keep_going=lambda: next(rounds)) == 2
    assert [m["subject"] for m in outbox(app)] == [f"【全国对标达标信息服务平台】通知 {n}" for n in range(2)]


def test_duibiao_outbox_is_a_command(app):
    result = app.test_cli_runner().invoke(args=["outbox", "--help"])
    assert result.exit_code == 0 and "DUIBIAO_OUTBOX_WORKER=0" in result.output
    refused = app.test_cli_runner().invoke(args=["outbox", "--poll", "0"])
    assert refused.exit_code != 0  # at least 0.1 s between polls
