"""Crashes under load: SIGKILL one worker, then the whole server (master and workers), while clients keep
completing tasks. After the restart every acknowledged completion is there, nothing is half-applied, a
request whose answer was lost is retried with its Idempotency-Key and acts at most once, and
`duibiao engine check` finds every instance in agreement with its engine state."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from storage.models import HumanTask
from tests.reliability.conftest import Answer, Server, complete, run_threads, single_effects

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TASKS = 150
SENDERS = 4


@dataclass
class Ledger:
    """What the clients know: the tasks still to send, the acknowledged answers, the requests whose
    answer never came (the connection died: committed or not, the client cannot tell)."""

    to_send: list[int]
    acknowledged: dict[int, Answer] = field(default_factory=dict)
    unanswered: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # any other answer is a failure of the platform
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_task(self) -> int | None:
        with self.lock:
            return self.to_send.pop(0) if self.to_send else None


def send_until(ledger: Ledger, port: int, token: str, stop: threading.Event) -> None:
    while not stop.is_set() and (task_id := ledger.next_task()) is not None:
        try:
            answer = complete(port, token, task_id, key=f"crash-{task_id}")
        except ConnectionRefusedError:  # nothing listens (the server is down): the request never left
            with ledger.lock:
                ledger.to_send.insert(0, task_id)
            time.sleep(0.05)
            continue
        except OSError:  # the connection died with the request in it
            ledger.unanswered.append(task_id)
            continue
        if answer.status == 200:
            ledger.acknowledged[task_id] = answer
        else:
            ledger.refused.append(f"task {task_id}: {answer.status} {answer.body}")


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_killed_worker_and_killed_server_lose_no_acknowledged_completion(platform, tmp_path):
    task_ids = platform.vetting_tasks(TASKS)
    ledger, stop = Ledger(list(task_ids)), threading.Event()
    server = Server(platform, tmp_path / "serve.log").start()
    token = platform.office_token
    load = threading.Thread(target=run_threads, daemon=True,
                            args=([lambda: send_until(ledger, server.port, token, stop)] * SENDERS,))
    load.start()
    try:
        wait_for(lambda: len(ledger.acknowledged) >= 30, "the first completions")
        victim = server.kill_worker()  # gunicorn's master replaces it; the others keep serving
        server.wait_until(lambda: victim not in server.worker_pids() and len(server.worker_pids()) == 3,
                          "a new worker")
        cut_by_worker_kill = len(ledger.unanswered)
        wait_for(lambda: len(ledger.acknowledged) >= 75, "completions after the worker was killed")
        server.crash()  # the master and every worker, with requests in flight
    finally:
        stop.set()
        load.join(60)
        server.stop()
    assert ledger.refused == []
    cut_by_crash = len(ledger.unanswered) - cut_by_worker_kill
    assert cut_by_crash >= 1, "the crash should have cut requests in flight"
    acknowledged_before_crash = len(ledger.acknowledged)

    restarted = Server(platform, tmp_path / "serve-again.log").start()
    try:
        retried = [complete(restarted.port, token, task_id, key=f"crash-{task_id}")
                   for task_id in ledger.unanswered]  # the client retries what it never heard back about
        assert [(a.status, a.body.get("code")) for a in retried if a.status != 200] == []
        replayed = sum(a.headers.get("Idempotent-Replayed") == "true" for a in retried)
        stop.clear()
        run_threads([lambda: send_until(ledger, restarted.port, token, stop)] * SENDERS)  # the rest
        assert ledger.refused == [] and ledger.to_send == []
    finally:
        restarted.stop()

    # Every task completed once; the states are compared with the rows by `duibiao engine check` below.
    assert single_effects(platform.factory, task_ids, compare_states=False) == []
    created = {a.body["tasks"][0]["id"] for a in ledger.acknowledged.values()}
    assert len(created) == len(ledger.acknowledged)  # each acknowledged answer names its own new task
    with platform.factory() as session:
        kept = set(session.scalars(select(HumanTask.id).where(HumanTask.id.in_(created),
                                                              HumanTask.state == "ready")))
    assert kept == created  # ... and that task is in the database, open
    for log in (server.log_path, restarted.log_path):  # killed workers are logged, failed requests not
        assert "Traceback" not in log.read_text(), log.read_text()[-4000:]
    check = platform.duibiao("engine", "check")
    assert "全部流程实例与引擎状态一致" in check.stdout
    print(f"\n{TASKS} completions: {acknowledged_before_crash} acknowledged before the crash, "  # noqa: T201
          f"{cut_by_worker_kill} cut by killing a worker, {cut_by_crash} by killing the server, "
          f"{replayed} of those had committed (replayed on retry)")
