"""Deploying a designer's draft: new instances start on it, running ones finish on the version they
started on; a version made current again (rollback); callers re-bound to a callee's new version;
the audit trail with the diff; the BPMN diff itself."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import workflows
from engine import bpmn_diff, definitions, designs, validation
from forms import tasks
from storage.models import DesignAudit, ProcessDefinition
from tests.engine.helpers import decide, open_task
from tests.factories import office_user, registered

SHIPPED = {name: source.decode() for name, source in workflows.bpmn_files()}
VETTING = SHIPPED["registration_vetting.bpmn"]
RELABELLED = VETTING.replace('value="待审核"', 'value="待专项办审核"')


def validated(process_key: str, xml: str, _scenarios=None) -> None:
    """The check the workspace runs before scenarios: the server's full validation."""
    validation.refuse_problems([(f"{process_key}.bpmn", xml.encode())], tasks.catalogue({"publicity"}))


@pytest.fixture
def office(deployed):
    user = office_user(deployed)
    deployed.commit()
    return user


def deploy(session, key: str, xml: str, note: str = ""):
    draft = designs.save_draft(session, key, xml, note, None)
    definition = designs.deploy_draft(session, draft, None, note, validated)
    session.commit()
    return draft, definition


def test_new_instances_start_on_the_deployed_draft_and_old_ones_finish_on_theirs(deployed, office, tmp_path):
    _user, before = registered(deployed, tmp_path)
    deployed.commit()
    draft, v2 = deploy(deployed, "registration_vetting", RELABELLED, "改阶段名称")
    assert (v2.version, v2.is_current, draft.state) == (2, True, "deployed")
    _other, after = registered(deployed, tmp_path, email="second@test.cn")
    deployed.commit()
    assert (before.definition.version, before.stage_label) == (1, "待审核")
    assert (after.definition.version, after.stage_label) == (2, "待专项办审核")
    decide(deployed, before, office, "approve")  # the old instance goes on, on version 1
    assert (before.status, before.definition.version) == ("completed", 1)
    assert open_task(deployed, after).task_name == "vet_registration"


def test_rollback_makes_an_earlier_version_current_again_and_is_audited(deployed, office, tmp_path):
    _draft, v2 = deploy(deployed, "registration_vetting", RELABELLED)
    v1 = deployed.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == "registration_vetting", ProcessDefinition.version == 1)).one()
    previous = designs.make_current_again(deployed, v1, None, "回退", validated)
    deployed.commit()
    assert previous.id == v2.id and definitions.current(deployed, "registration_vetting").id == v1.id
    _user, instance = registered(deployed, tmp_path)
    assert instance.stage_label == "待审核"
    audit = deployed.scalars(select(DesignAudit).order_by(DesignAudit.id.desc())).first()
    assert (audit.action, audit.version, audit.note, audit.summary["previous_version"]) == \
        ("made_current", 1, "回退", 2)
    assert audit.summary["changed"] == ["vet_registration"]


def test_a_refused_check_deploys_nothing(deployed):
    broken = VETTING.replace('<spiffworkflow:property name="stageLabel" value="待审核" />', "", 1)
    draft = designs.save_draft(deployed, "registration_vetting", broken, "", None)
    with pytest.raises(validation.Refused) as refused:
        designs.deploy_draft(deployed, draft, None, "", validated)
    assert "stageLabel" in str(refused.value)
    assert draft.state == "open" and definitions.current(deployed, "registration_vetting").version == 1


def test_re_deploying_the_shipped_files_never_undoes_a_designers_deploy(deployed):
    deploy(deployed, "registration_vetting", RELABELLED)
    results = definitions.deploy_documents(deployed, workflows.bpmn_files())
    assert not any(r.created for r in results)
    assert definitions.current(deployed, "registration_vetting").version == 2


def test_a_callee_deployed_rebinds_its_callers(deployed):
    caller = definitions.current(deployed, "compliance_review")
    _draft, callee = deploy(deployed, "certificate_issuance",
                            SHIPPED["certificate_issuance.bpmn"].replace('name="发证"', 'name="发放证书"', 1))
    rebound = definitions.current(deployed, "compliance_review")
    assert rebound.version == caller.version + 1 and rebound.dependencies == [callee.id]
    assert rebound.bpmn_xml == caller.bpmn_xml
    assert deployed.scalars(select(DesignAudit.action).order_by(DesignAudit.id)).all() == \
        ["draft_saved", "deployed", "rebound"]


def test_the_diff_sees_what_the_engine_reads_and_not_the_layout():
    moved = VETTING.replace('<dc:Bounds x="', '<dc:Bounds x="1', 1)
    assert bpmn_diff.diff(VETTING, moved).empty
    changed = bpmn_diff.diff(VETTING, RELABELLED)
    assert changed.summary() == {"added": [], "removed": [], "changed": ["vet_registration"]}
    assert changed.changed[0].changes == (("stageLabel", "待审核", "待专项办审核"),)
    added = bpmn_diff.diff(VETTING, VETTING.replace(
        "</bpmn:process>", '<bpmn:endEvent id="spare_end" name="备用结束" /></bpmn:process>', 1))
    assert [(e.id, e.type_label, e.name) for e in added.added] == [("spare_end", "结束事件", "备用结束")]
    spare = VETTING.replace("</bpmn:process>", '<bpmn:endEvent id="spare_end" /></bpmn:process>', 1)
    assert bpmn_diff.diff(spare, VETTING).summary()["removed"] == ["spare_end"]


def test_a_deploy_that_loses_a_race_is_refused_with_a_message(deployed, session_factory):
    """Another designer's deploy committed between this one's check and its write: the unique current
    version refuses the second, which says so and changes nothing."""
    draft = designs.save_draft(deployed, "registration_vetting", RELABELLED, "", None)
    deployed.commit()
    with session_factory() as other:
        rival = designs.save_draft(other, "registration_vetting", VETTING.replace('name="审核结论"', 'name="结论"'),
                                   "", None)
        designs.deploy_draft(other, rival, None, "", validated)
        other.commit()
    stale = definitions.current  # this session still believes version 1 is current
    deployed.expire_all()
    from unittest import mock

    version_1 = deployed.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == "registration_vetting", ProcessDefinition.version == 1)).one()
    with mock.patch.object(definitions, "current", lambda session, key: version_1 if key == "registration_vetting"
                           else stale(session, key)), pytest.raises(designs.DraftRefused) as refused:
        designs.deploy_draft(deployed, draft, None, "", validated)
    assert "其他设计者刚刚部署了这个流程" in str(refused.value)
    deployed.rollback()
    assert [d.version for d in deployed.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == "registration_vetting", ProcessDefinition.is_current))] == [2]
