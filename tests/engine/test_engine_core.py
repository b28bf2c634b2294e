"""Definitions, state by reference, the hardened parser, timers on the injectable clock."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import workflows
from engine import bpmn, definitions, runtime, serializer, timers, validation
from storage.models import HumanTask, ProcessDefinition
from tests.engine.helpers import round_trip

DATA = Path(__file__).parent / "data"
REGISTRATION = dict(workflows.bpmn_files())["registration_vetting.bpmn"]


def test_deploy_by_content_hash_and_instances_keep_their_version(deployed, tmp_path):
    again = definitions.deploy_documents(deployed, workflows.bpmn_files())
    assert sorted((r.key, r.version, r.created) for r in again) == [
        ("certificate_issuance", 1, False), ("comparison_report", 1, False), ("compliance_review", 1, False),
        ("formal_plan", 1, False), ("pilot_enrollment", 1, False), ("publicity", 1, False),
        ("registration_vetting", 1, False), ("self_declaration", 1, False)]
    from tests.factories import registered

    _user, old_instance = registered(deployed, tmp_path)
    changed = REGISTRATION.replace("注册审核".encode(), "注册审核（新版）".encode(), 1)
    result = definitions.deploy_documents(deployed, [("registration_vetting.bpmn", changed)])
    deployed.commit()
    assert [(r.version, r.created) for r in result] == [(2, True)]
    assert old_instance.definition.version == 1
    _user2, new_instance = registered(deployed, tmp_path, email="second@test.cn")
    assert new_instance.definition.version == 2
    versions = deployed.scalars(select(ProcessDefinition.version).where(
        ProcessDefinition.key == "registration_vetting")).all()
    assert sorted(versions) == [1, 2]


def test_state_keeps_specs_out_and_is_smaller(deployed, tmp_path):
    from tests.factories import registered

    _user, instance = registered(deployed, tmp_path)
    spec, subprocess_specs = definitions.specs_for(deployed, instance.definition)
    workflow = serializer.loads(instance.state, spec, subprocess_specs)
    embedded = serializer.default_serializer().serialize_json(workflow)
    assert "spec" in json.loads(embedded) and "spec" not in json.loads(instance.state)
    assert len(instance.state) * 2 < len(embedded)


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b'<!DOCTYPE bpmn:definitions><bpmn:definitions xmlns:bpmn="x"/>',
    b'<?xml version="1.0"?><!ENTITY a "b"><x/>',
])
def test_hardened_parser_refuses_doctype_and_entities(payload):
    with pytest.raises(bpmn.BpmnError):
        bpmn.parse_xml(payload)


def test_parser_refuses_broken_xml():
    with pytest.raises(bpmn.BpmnError, match="well-formed"):
        bpmn.parse_xml(b"<bpmn:definitions")


def test_shipped_workflows_validate():
    assert validation.validate_shipped() == []


def test_validation_reports_missing_form_key_and_unknown_service():
    broken = REGISTRATION.replace(b'value="vet_registration"', b'value=""', 1)
    broken = broken.replace(b'id="registration.approve"', b'id="no.such.service"')
    problems = validation.problems_of({"r.bpmn": broken}, "registration_vetting")
    assert any("formKey" in p for p in problems)
    assert any("no.such.service" in p for p in problems)


def test_condition_with_dunder_is_refused_at_run_time(deployed, tmp_path):
    hostile = REGISTRATION.replace(
        b'decision == "approve"', b'().__class__.__base__.__subclasses__()')
    definitions.deploy_documents(deployed, [("registration_vetting.bpmn", hostile)])
    from engine.domain import registration
    from tests.factories import office_user, registered

    office = office_user(deployed)
    _user, instance = registered(deployed, tmp_path)
    task = deployed.scalars(select(HumanTask).where(HumanTask.state == "ready")).one()
    # Refused, not run: the instance stops in 出错 at the gateway with the reason, for operators.
    runtime.complete_task(deployed, task, office.id, lambda ctx: registration.decide(ctx, "approve", ""))
    assert instance.status == "error"
    assert instance.error.startswith("decision_gateway: ") and "not allowed" in instance.error
    deployed.rollback()


def test_timer_fires_on_the_injectable_clock(deployed, session_factory, frozen_clock):
    source = (DATA / "timer_demo.bpmn").read_bytes()
    definitions.deploy_documents(deployed, [("timer_demo.bpmn", source)])
    instance = runtime.start_instance(deployed, "timer_demo", subject="定时器")
    deployed.commit()
    assert (instance.status, instance.stage) == ("waiting", "publicity")
    assert instance.next_timer_at == frozen_clock.now() + timedelta(days=7)
    round_trip(deployed, instance)
    deployed.commit()  # the sweeper works in its own sessions
    assert timers.fire_due(session_factory, frozen_clock.now() + timedelta(days=6)) == 0
    frozen_clock.advance(timedelta(days=7, seconds=1))
    assert timers.fire_due(session_factory, frozen_clock.now()) == 1
    deployed.expire_all()
    assert (instance.status, instance.stage, instance.next_timer_at) == ("running", "vetting", None)
    ready = deployed.scalars(select(HumanTask).where(HumanTask.state == "ready")).one()
    assert ready.task_name == "review"
    deployed.commit()
    assert timers.fire_due(session_factory, frozen_clock.now()) == 0
