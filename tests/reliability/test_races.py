"""Races through the served API (gunicorn, 3 workers, PostgreSQL): two completions of one task at once
(registration vetting ×500, the filing that issues a certificate ×20), a retry racing its own first
copy, parallel wrong passwords."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from engine import consistency
from engine.domain import auth
from storage.models import Application, Certificate, HumanTask, ProcessEvent, ProcessInstance
from tests.reliability.conftest import Answer, complete, request, run_threads, single_effects

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PAIRS = 500
DRIVERS = 3  # pairs in flight at once: with 3 workers most pairs land on two workers at the same moment


def race_pairs(task_ids: list[int], attempt: Callable[[str, int], Answer]) -> dict[int, list[Answer]]:
    """For each task, ``attempt("A", task)`` and ``attempt("B", task)`` by two clients released together
    by a barrier; their answers by task, in the order they came."""
    answers: dict[int, list[Answer]] = {task_id: [] for task_id in task_ids}
    failures: list[str] = []

    def racer(lane: list[int], side: str, barrier: threading.Barrier):
        for task_id in lane:
            barrier.wait(60)
            sent = time.monotonic()
            try:
                answer = attempt(side, task_id)
            except OSError as exc:
                failures.append(f"task {task_id}: {exc!r}")
                continue
            answer.side, answer.timing = side, (sent, time.monotonic())
            answers[task_id].append(answer)

    racers = []
    for driver in range(DRIVERS):
        lane, barrier = task_ids[driver::DRIVERS], threading.Barrier(2)
        racers += [lambda lane=lane, side=side, barrier=barrier: racer(lane, side, barrier) for side in "AB"]
    run_threads(racers)
    assert failures == []
    return answers


def test_500_pairs_of_racing_completions_one_wins_each_and_nothing_is_doubled(platform, server):
    task_ids = platform.vetting_tasks(PAIRS)
    started = time.monotonic()
    answers = race_pairs(task_ids, lambda side, task_id: complete(
        server.port, platform.office_token, task_id, reason=f"{side} 退回"))
    elapsed = time.monotonic() - started
    outcomes = {task_id: sorted(a.status for a in pair) for task_id, pair in answers.items()}
    # Both requests of a pair were out before either answer came back: they were in the server together.
    overlapped = sum(max(a.timing[0] for a in pair) < min(a.timing[1] for a in pair) for pair in answers.values())
    assert overlapped >= PAIRS * 0.9, overlapped
    assert {task_id: o for task_id, o in outcomes.items() if o != [200, 409]} == {}
    losers = [a for pair in answers.values() for a in pair if a.status == 409]
    assert {(a.body["code"], a.body["error"]) for a in losers} == {("already_handled", "该任务已被处理")}
    assert single_effects(platform.factory, task_ids) == []
    winners = {task_id: next(a for a in pair if a.status == 200) for task_id, pair in answers.items()}
    assert all(a.body["tasks"][0]["name"] == "correct_registration" for a in winners.values())
    print(f"\n{PAIRS} pairs raced through 3 workers in {elapsed:.1f} s, {overlapped} overlapped")  # noqa: T201 — the figure in docs


def test_a_retry_racing_its_first_copy_gets_the_same_answer(platform, server):
    """Both copies carry one Idempotency-Key: one completes the task, the other (finding the task
    handled, or the key's record) answers with the first answer instead of 409."""
    task_ids = platform.vetting_tasks(60)
    answers = race_pairs(task_ids, lambda _side, task_id: complete(
        server.port, platform.office_token, task_id, reason="同一请求", key=f"retry-{task_id}"))
    for task_id, (one, other) in answers.items():
        assert (one.status, other.status) == (200, 200), (task_id, one, other)
        assert one.body == other.body
        replayed = [a.headers.get("Idempotent-Replayed") for a in (one, other)]
        assert sorted(map(str, replayed)) == ["None", "true"], (task_id, replayed)
    assert single_effects(platform.factory, task_ids) == []


def test_50_parallel_wrong_passwords_check_exactly_the_limit(platform, server):
    """401 means the password was checked (and wrong); 429 that the attempt was refused before any check."""
    statuses, barrier = [], threading.Barrier(50)

    def attempt():
        barrier.wait(30)
        statuses.append(request(server.port, "POST", "/api/v1/tokens",
                                {"email": "office@test.cn", "password": "wrong-password-1"})[0])

    run_threads([attempt] * 50)
    assert sorted(statuses) == [401] * auth.MAX_FAILURES + [429] * (50 - auth.MAX_FAILURES)
    # The account stays locked for the right password too, until the block ends.
    assert request(server.port, "POST", "/api/v1/tokens",
                   {"email": "office@test.cn", "password": "Office#123"})[0] == 429


def test_racing_filings_issue_one_certificate_each(platform, server):
    """达标结果形式审核及备案 approved twice at once: one certificate (PDF, number) per application, never
    two, and the loser gets 409, not a 500 from the certificate's unique constraints."""
    task_ids = platform.filing_tasks(20)
    answers = race_pairs(task_ids, lambda _side, task_id: complete(
        server.port, platform.office_token, task_id, body={"decision": "approve", "reason": ""}))
    assert {task_id: sorted(a.status for a in pair) for task_id, pair in answers.items()
            if sorted(a.status for a in pair) != [200, 409]} == {}
    with platform.factory() as session:
        rows = session.execute(select(HumanTask.id, Application.id, func.count(Certificate.id))
                               .join(Application, Application.instance_id == HumanTask.instance_id)
                               .outerjoin(Certificate, Certificate.application_id == Application.id)
                               .where(HumanTask.id.in_(task_ids)).group_by(HumanTask.id, Application.id)).all()
        assert len(rows) == len(task_ids) and {count for *_ids, count in rows} == {1}
        filed = session.scalar(select(func.count()).select_from(ProcessEvent).join(
            HumanTask, HumanTask.id == ProcessEvent.human_task_id).where(
            HumanTask.id.in_(task_ids), ProcessEvent.kind == "task_completed"))
        assert filed == len(task_ids)


def test_an_operator_suspending_while_the_office_completes_never_half_applies(platform, server):
    """挂起 (operator API) and 注册审核 at once: whichever comes second is refused in Chinese or finds the
    other done, never a 500; a suspended instance holds its tasks out of every inbox, in step with its state."""
    task_ids = platform.vetting_tasks(60)
    with platform.factory() as session:
        instance_of = dict(session.execute(select(HumanTask.id, HumanTask.instance_id)
                                           .where(HumanTask.id.in_(task_ids))).all())

    def attempt(side: str, task_id: int) -> Answer:
        if side == "A":
            return complete(server.port, platform.office_token, task_id)
        path = f"/api/v1/operator/instances/{instance_of[task_id]}/suspend"
        status, body, headers = request(server.port, "POST", path, {"reason": "系统维护"},
                                        {"Authorization": f"Bearer {platform.operator_token}"})
        return Answer(status, body, headers)

    answers = race_pairs(task_ids, attempt)
    seen = {tuple(a.status for a in sorted(pair, key=lambda a: a.side)) for pair in answers.values()}
    assert seen <= {(200, 200), (409, 200), (200, 422)}, seen
    completed = {task_id for task_id, pair in answers.items() if any(a.side == "A" and a.status == 200 for a in pair)}
    with platform.factory() as session:
        events = dict(session.execute(select(ProcessEvent.instance_id, func.count()).where(
            ProcessEvent.instance_id.in_(instance_of.values()), ProcessEvent.kind == "task_completed")
            .group_by(ProcessEvent.instance_id)).all())
        assert {task_id for task_id in task_ids if events.get(instance_of[task_id])} == completed
        assert set(events.values()) <= {1}
        findings = [consistency.check_instance(session, row) for row in session.scalars(
            select(ProcessInstance).where(ProcessInstance.id.in_(instance_of.values()))
            .options(undefer(ProcessInstance.state)))]
        assert [finding for finding in findings if finding] == []
    print(f"\nsuspend against complete: {sorted(seen)}")  # noqa: T201
