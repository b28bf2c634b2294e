"""A sweep for a moment ahead of now (``duibiao engine tick --now``/``--in``) decides which timers
are due by that moment, while everything it records carries the real time."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock, definitions, runtime, timers
from storage.models import HumanTask, ProcessEvent, ProcessInstance

TIMER_BPMN = Path(__file__).parent / "data" / "timer_demo.bpmn"


def waiting_instance(session) -> int:
    definitions.deploy_documents(session, [("timer_demo.bpmn", TIMER_BPMN.read_bytes())])
    instance = runtime.start_instance(session, "timer_demo", subject="公示")
    session.commit()
    return instance.id


def test_a_sweep_ahead_of_now_fires_what_is_due_then_but_stamps_the_real_time(
        deployed, session_factory, frozen_clock):
    instance_id = waiting_instance(deployed)
    started = frozen_clock.now()
    assert timers.fire_due(session_factory, started + timedelta(days=6)) == 0  # due in 7 days
    assert timers.fire_due(session_factory, started + timedelta(days=8)) == 1
    assert frozen_clock.now() == started  # the clock itself never moved
    with session_factory() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert (instance.status, instance.next_timer_at, instance.updated_at) == ("running", None, started)
        (task,) = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                          HumanTask.state == "ready"))
        assert task.created_at == started
        events = session.scalars(select(ProcessEvent).where(ProcessEvent.instance_id == instance_id)).all()
        assert {event.created_at for event in events} == {started}
        assert "timer" in {event.kind for event in events}


def test_the_due_moment_is_seen_only_by_the_timers_and_only_inside(frozen_clock):
    ahead = frozen_clock.now() + timedelta(days=8)
    with clock.timers_due_at(ahead):
        assert (clock.timer_now(), clock.now()) == (ahead, frozen_clock.now())
    assert clock.timer_now() == clock.now()


@pytest.mark.parametrize(("text", "delta"), [
    ("P8D", timedelta(days=8)), ("pt12h", timedelta(hours=12)), ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
    ("P2W", timedelta(weeks=2)), ("PT90S", timedelta(seconds=90))])
def test_durations_read_as_iso_8601(text, delta):
    assert clock.parse_duration(text) == delta


@pytest.mark.parametrize("text", ["8D", "P", "PT", "P1DT", "P1M2", "P-1D", "", "P1Y"])
def test_what_is_not_such_a_duration_is_refused(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        clock.parse_duration(text)
