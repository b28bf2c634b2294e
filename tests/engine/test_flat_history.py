"""Flat history (issue 15): the saved state does not grow with the passes through a loop, and nothing a
user or an operator sees changes (engine.pruning). Every step is checked with the save-and-restore
round trip; each scenario also runs with pruning switched off, and the two must look the same."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock, definitions, history, instance_state, pruning, runtime, serializer, timers
from engine.domain import registration
from storage.models import HumanTask, ProcessInstance
from tests.conftest import START
from tests.engine.helpers import round_trip
from tests.factories import office_user, registered

DATA = Path(__file__).parent / "data"


@pytest.fixture
def demo(deployed):
    definitions.deploy_documents(deployed, [(name, (DATA / name).read_bytes())
                                            for name in ("flat_child.bpmn", "flat_loop.bpmn")])
    deployed.commit()
    return deployed


def open_tasks(session, instance) -> dict[str, HumanTask]:
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                   HumanTask.state == "ready")).all()
    return {row.task_name: row for row in rows}


def finish(session, instance, name: str, decision: str | None = None) -> None:
    runtime.complete_task(session, open_tasks(session, instance)[name], None,
                          lambda ctx: {"decision": decision} if decision else {})
    session.commit()
    round_trip(session, instance)


def shape(session, instance) -> tuple[int, int, int]:
    """Saved state size, tasks in it (subprocesses too), subprocesses in it."""
    spec, subprocess_specs = definitions.specs_for(session, instance.definition)
    workflow = serializer.loads(instance.state, spec, subprocess_specs)
    tasks = sum(len(wf.tasks) for wf in (workflow, *workflow.subprocesses.values()))
    return len(instance.state), tasks, len(workflow.subprocesses)


def assert_flat(shapes: list[tuple[int, int, int]]) -> None:
    """From the third pass on (once the kept chain and the trail have met every element of the loop) the
    state stays the same size; the first pass is a few tasks and a tenth smaller."""
    (size_1, tasks_1, _), (size, tasks, subprocesses) = shapes[0], shapes[2]
    for size_later, tasks_later, subprocesses_later in shapes[3:]:
        assert (tasks_later, subprocesses_later) == (tasks, subprocesses)
        assert abs(size_later - size) <= 64, (size, size_later)  # float timestamps vary in length
    assert tasks - tasks_1 <= 3 and size < size_1 * 1.2, shapes[:3]


def demo_pass(session, instance, decision: str = "return") -> None:
    """One pass of flat_loop: both branches (the join waits for the second), the call activity, the review."""
    assert set(open_tasks(session, instance)) == {"draft_a", "draft_b"}
    finish(session, instance, "draft_a")
    assert set(open_tasks(session, instance)) == {"draft_b"}  # the join waits for the other branch
    finish(session, instance, "draft_b")
    assert set(open_tasks(session, instance)) == {"child_check"}
    assert (instance.status, instance.stage) == ("running", "countersign")
    finish(session, instance, "child_check")
    assert set(open_tasks(session, instance)) == {"review"}
    finish(session, instance, "review", decision)


def what_people_see(session, instance) -> dict:
    """办理记录 / 已办 (the decision records), the console's diagram, timers and data, the instance row."""
    view = instance_state.read(session, instance, instance.definition.bpmn_xml)
    records = [(r.task_name, r.title, r.decision, r.reason, r.kind)
               for r in history.of_subject(session, instance_id=instance.id, limit=10_000)]
    return {"records": records, "markers": view.markers, "timers": [(t.element_id, t.due) for t in view.timers],
            "data": view.data, "readable": view.readable, "row": (instance.status, instance.stage, instance.stage_label,
                                               instance.next_timer_at),
            "open": sorted(open_tasks(session, instance))}


def run_demo(session, passes: int) -> tuple[ProcessInstance, list]:
    instance = runtime.start_instance(session, "flat_loop", subject="循环")
    session.commit()
    round_trip(session, instance)
    shapes = []
    for _ in range(passes):
        demo_pass(session, instance)
        shapes.append(shape(session, instance))
    return instance, shapes


def test_every_construct_keeps_working_in_a_flat_loop(demo):
    instance, shapes = run_demo(demo, 30)
    assert_flat(shapes)
    assert shapes[-1][2] == 0  # no finished call activity is kept
    assert len(history.of_subject(demo, instance_id=instance.id, limit=10_000)) == 30 * 4
    # Mid-pass: two branches open, one waiting at the join, a call activity running.
    finish(demo, instance, "draft_a")
    finish(demo, instance, "draft_b")
    assert shape(demo, instance)[2] == 1
    finish(demo, instance, "child_check")
    # The reminder timer on the review, set when the review opened, fires and starts the round again.
    assert instance.next_timer_at == START + timedelta(days=3)
    clock.set_now(START + timedelta(days=4))
    assert timers.fire_instance(demo, instance)
    demo.commit()
    round_trip(demo, instance)
    assert (set(open_tasks(demo, instance)), instance.next_timer_at) == ({"draft_a", "draft_b"}, None)
    for name in ("draft_a", "draft_b", "child_check"):
        finish(demo, instance, name)
    assert instance.next_timer_at == START + timedelta(days=7)
    # The withdrawal (a message caught by a boundary event) ends it.
    runtime.send_message(demo, instance, "withdraw_flat", None, must_cancel="review")
    demo.commit()
    round_trip(demo, instance)
    assert (instance.status, open_tasks(demo, instance)) == ("completed", {})
    view = instance_state.read(demo, instance, instance.definition.bpmn_xml)
    assert {"start", "split", "draft_a", "join", "countersign", "review", "reminder", "withdrawn_end"} <= set(
        view.markers["completed"])
    assert {"f_start", "f_return", "f_b_join", "f_remind", "f_withdrawn"} <= set(view.markers["flows"])


def test_a_late_completion_of_a_task_cut_from_the_state_is_already_handled(demo):
    instance, _ = run_demo(demo, 2)
    stale = demo.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                 HumanTask.task_name == "review")).first()
    stale.state = "ready"  # as a request that read the row before another one completed it would see it
    with pytest.raises(runtime.AlreadyHandled):
        runtime.complete_task(demo, stale, None, lambda ctx: {"decision": "approve"})
    demo.rollback()


def test_what_people_see_is_the_same_as_with_the_whole_tree(demo):
    def scenario():
        instance, _ = run_demo(demo, 6)
        demo_pass(demo, instance, "approve")
        return instance

    with pruning.disabled():
        whole = scenario()
    flat = scenario()
    assert len(flat.state) < len(whole.state) / 3
    seen, seen_whole = what_people_see(demo, flat), what_people_see(demo, whole)
    assert seen == seen_whole
    assert flat.status == "completed" and len(seen["records"]) == 7 * 4


def registration_loop(session, tmp_path, passes: int, email: str):
    office = office_user(session)
    user, instance = registered(session, tmp_path, email=email)
    session.commit()
    fields = {k: getattr(user.organization, k) for k in registration.REGISTRATION_FIELDS}
    shapes = []
    for _ in range(passes):
        for actor, apply in ((office, lambda ctx: registration.decide(ctx, "return", "再改")),
                             (user, lambda ctx: registration.resubmit(ctx, fields, registration.Documents()))):
            (task,) = open_tasks(session, instance).values()
            runtime.complete_task(session, task, actor.id, apply)
            session.commit()
            round_trip(session, instance)
        shapes.append(shape(session, instance))
    return instance, shapes


def test_registration_loop_is_flat_and_shows_the_same(deployed, tmp_path):
    with pruning.disabled():
        whole, _ = registration_loop(deployed, tmp_path, 12, "whole@test.cn")
    flat, shapes = registration_loop(deployed, tmp_path, 12, "flat@test.cn")
    assert_flat(shapes)
    seen, seen_whole = what_people_see(deployed, flat), what_people_see(deployed, whole)
    assert seen["records"] == seen_whole["records"] and len(seen["records"]) == 2 * 12
    assert seen["data"].keys() == seen_whole["data"].keys()  # the ids in it are the instances' own
    assert {key: value for key, value in seen.items() if key not in ("records", "data")} == {
        key: value for key, value in seen_whole.items() if key not in ("records", "data")}
    # 撤回 after many passes: the boundary message is still caught.
    runtime.withdraw(deployed, open_tasks(deployed, flat)["vet_registration"], None)
    deployed.commit()
    round_trip(deployed, flat)
    assert history.latest_decision(deployed, flat.id) == history.WITHDRAWN


def test_an_old_unpruned_state_is_cut_at_its_next_save(deployed, tmp_path):
    with pruning.disabled():
        old, shapes = registration_loop(deployed, tmp_path, 8, "old@test.cn")
    assert shapes[-1][1] > 8 * 8
    new, _ = registration_loop(deployed, tmp_path, 8, "new@test.cn")
    office = office_user(deployed)
    for instance in (old, new):
        (task,) = open_tasks(deployed, instance).values()
        runtime.complete_task(deployed, task, office.id, lambda ctx: registration.decide(ctx, "return", "再改"))
        deployed.commit()
        round_trip(deployed, instance)
    assert shape(deployed, old)[1] == shape(deployed, new)[1]
