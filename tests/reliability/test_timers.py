"""Timers across processes: timers that fell due while no scheduler ran fire once each when schedulers
come back — even with a scheduler killed in the middle of its sweep and two started together."""
from __future__ import annotations

import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import clock, consistency, definitions, runtime, timers
from storage.models import HumanTask, ProcessEvent
from tests.reliability.conftest import DUIBIAO

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TIMERS = 120
TIMER_BPMN = Path(__file__).parents[1] / "engine" / "data" / "timer_demo.bpmn"  # waits "P7D", then 审核


def started_eight_days_ago(platform, count: int) -> list[int]:
    """Instances whose 7-day timers fell due yesterday, while nothing was running."""
    clock.set_now(clock.now() - timedelta(days=8))
    try:
        with platform.factory() as session:
            definitions.deploy_documents(session, [("timer_demo.bpmn", TIMER_BPMN.read_bytes())])
            ids = [runtime.start_instance(session, "timer_demo", subject=f"公示 {n}").id for n in range(count)]
            session.commit()
            return ids
    finally:
        clock.set_now(None)


def scheduler(platform, log_path: Path) -> subprocess.Popen:
    """`duibiao scheduler`: sweeps once at start (what fell due while it was down), then every hour."""
    with log_path.open("a") as log:
        return subprocess.Popen([DUIBIAO, "scheduler", "--interval", "3600"], env=platform.env,
                                stdout=log, stderr=subprocess.STDOUT)


def timer_events(platform, instance_ids: list[int]) -> dict[int, int]:
    with platform.factory() as session:
        return dict(session.execute(select(ProcessEvent.instance_id, func.count()).where(
            ProcessEvent.instance_id.in_(instance_ids), ProcessEvent.kind == "timer")
            .group_by(ProcessEvent.instance_id)).all())


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_missed_timers_fire_once_after_a_killed_sweep_and_two_racing_schedulers(platform, tmp_path):
    instance_ids = started_eight_days_ago(platform, TIMERS)
    first = scheduler(platform, tmp_path / "first.log")
    try:
        wait_for(lambda: sum(timer_events(platform, instance_ids).values()) >= 10, "the first sweep")
    finally:
        first.send_signal(signal.SIGKILL)  # mid-sweep: the instance it was firing is rolled back
        first.wait(10)
    fired_before_the_kill = sum(timer_events(platform, instance_ids).values())
    assert fired_before_the_kill < TIMERS, "the first scheduler finished before it could be killed"

    racers = [scheduler(platform, tmp_path / f"racer-{n}.log") for n in range(2)]
    try:
        wait_for(lambda: sum(timer_events(platform, instance_ids).values()) >= TIMERS, "the racing schedulers")
        with platform.factory() as session:
            assert timers.overdue(session, clock.now())[0] == 0  # none is left due
    finally:
        for racer in racers:
            racer.send_signal(signal.SIGTERM)
            racer.wait(30)

    per_instance = timer_events(platform, instance_ids)
    assert len(per_instance) == TIMERS and set(per_instance.values()) == {1}
    with platform.factory() as session:
        inbox = dict(session.execute(select(HumanTask.instance_id, func.count()).where(
            HumanTask.instance_id.in_(instance_ids)).group_by(HumanTask.instance_id)).all())
        assert len(inbox) == TIMERS and set(inbox.values()) == {1}  # one 审核 task each, never two
        assert consistency.check(session) == []
    print(f"\n{TIMERS} missed timers: {fired_before_the_kill} fired before the scheduler was killed, "  # noqa: T201
          f"the rest once each by two racing schedulers")
