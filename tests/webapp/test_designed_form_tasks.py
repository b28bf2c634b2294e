"""A step with a designer-made form, end to end on the real engine: the page and the API show the form of the
version the instance was started with, validate it with Chinese messages at the field, keep the answers in
form_submission (shown in 历史 and to operators), and put only the declared outcomes into the workflow data,
where a gateway routes on them."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from engine import definitions, instance_state, runtime, validation
from forms import designed, form_deploy, tasks
from storage.models import FormDefinition, FormSubmission, FormSubmissionFile, HumanTask, ProcessInstance
from tests.factories import PDF_BYTES
from tests.forms.test_designed_forms import EVERY_TYPE
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    all_rows,
    api_token,
    field_errors,
    multipart,
    open_task,
    page,
    pdf,
    text_of,
)

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="d" targetNamespace="http://duibiao.example/bpmn">
  <bpmn:process id="site_visit" name="现场核查" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_office" name="office">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>check</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>verdict</bpmn:flowNodeRef><bpmn:flowNodeRef>passed</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>failed</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="check" name="现场核查">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="site_check" />
        <spiffworkflow:property name="stage" value="checking" />
        <spiffworkflow:property name="stageLabel" value="核查中" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="verdict" default="f_fail"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_pass</bpmn:outgoing><bpmn:outgoing>f_fail</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="passed"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="stage" value="passed" />
      <spiffworkflow:property name="stageLabel" value="核查合格" />
      </spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>f_pass</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="failed"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="stage" value="failed" />
      <spiffworkflow:property name="stageLabel" value="核查不合格" />
      </spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>f_fail</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="verdict" />
    <bpmn:sequenceFlow id="f_pass" sourceRef="verdict" targetRef="passed">
      <bpmn:conditionExpression>CONDITION</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_fail" sourceRef="verdict" targetRef="failed" />
  </bpmn:process>
</bpmn:definitions>
"""
PASSES = 'result == "pass" and score >= 60'
ANSWERS = {"place": "东莞工厂", "code": "AB1234", "score": "86", "visited_on": "2026-11-30", "result": "pass",
           "items": ["line", "lab"], "signed": "y", "findings-0-what": "标识不清", "findings-0-level": "minor"}


def deploy(session, schema: dict, condition: str = PASSES) -> None:
    form_deploy.deploy_all(session, {"site_check": schema}, reactivate=True)
    documents = [("site_visit.bpmn", PROCESS.replace("CONDITION", condition).encode())]
    validation.refuse_problems(documents, tasks.deployed_catalogue(session, definitions.deployed_keys(session)))
    definitions.deploy_documents(session, documents, reactivate=True)


def start(session_factory, office) -> int:
    with session_factory() as session:
        instance = runtime.start_instance(session, "site_visit", subject="某公司现场核查", actor_id=office)
        session.commit()
        return instance.id


@pytest.fixture(name="visit")
def visit_fixture(app, session_factory, office) -> int:
    with session_factory() as session:
        deploy(session, EVERY_TYPE)
        session.commit()
    return start(session_factory, office)


def post(client, task_id: int, answers: dict, photo=("现场照片.pdf", PDF_BYTES)):
    form = dict(answers)
    if photo is not None:
        form["photos"] = pdf(photo[0], photo[1])
    return client.post(f"/tasks/{task_id}", **multipart(form))


def test_the_page_shows_every_field_of_the_form_with_the_subjects_context(office_client, visit, session_factory):
    task = open_task(session_factory, visit)
    assert task.form_key == "site_check"
    shown = page(office_client.get(f"/tasks/{task.id}"))
    names = set(shown.xpath("//form[@data-designed-form]//*[@name]/@name"))
    assert {"place", "code", "remarks", "score", "ratio", "visited_on", "result", "industry", "items", "signed",
            "photos", "findings-0-what", "findings-0-level", "reason"} <= names
    assert shown.xpath("//input[@name='visited_on']/@type") == ["date"]
    assert shown.xpath("//input[@name='photos']/@accept") == ["application/pdf,.pdf"]
    assert "某公司现场核查" in shown.xpath("string(//*[@data-context-field='subject'])")
    assert "请如实填写现场核查情况" in shown.xpath("string(//*[@data-form-text])")
    assert len(shown.xpath("//select[@name='industry']/option")) > 1000  # 数据字典: 国民经济行业分类


def test_bad_input_is_refused_at_the_field_and_nothing_is_stored(office_client, visit, session_factory):
    task = open_task(session_factory, visit)
    response = post(office_client, task.id, {**ANSWERS, "score": "120", "result": "fail", "place": ""}, photo=None)
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["score"] == ["应在 0 至 100 之间"] and errors["place"] == ["请填写核查地点"]
    assert errors["reason"] == ["请填写不合格原因"] and errors["photos"] == ["请上传 PDF 文件"]
    assert all_rows(session_factory, select(FormSubmission)) == []
    assert open_task(session_factory, visit).id == task.id


def test_answers_are_kept_and_the_outcome_routes_the_gateway(office_client, visit, session_factory):
    task = open_task(session_factory, visit)
    response = post(office_client, task.id, ANSWERS)
    assert response.status_code == 302, field_errors(response)
    (submission,) = all_rows(session_factory, select(FormSubmission))
    values = submission.answers["values"]
    assert values["score"] == 86 and values["visited_on"] == "2026-11-30" and values["items"] == ["line", "lab"]
    assert values["findings"] == [{"what": "标识不清", "level": "minor"}]
    assert values["photos"]["name"] == "现场照片.pdf"
    assert submission.human_task_id == task.id and submission.form_definition_id is not None
    (attached,) = all_rows(session_factory, select(FormSubmissionFile))
    assert attached.file_id == values["photos"]["file_id"]
    with session_factory() as session:
        instance = session.get(ProcessInstance, visit)
        assert (instance.status, instance.stage) == ("completed", "passed")
        data = instance_state.read(session, instance, instance.definition.bpmn_xml).data
        assert data["result"] == "pass" and data["score"] == 86, data
        assert "place" not in data and "findings" not in data  # only the declared outcomes


def test_a_failing_outcome_takes_the_other_path(office_client, visit, session_factory):
    task = open_task(session_factory, visit)
    response = post(office_client, task.id, {**ANSWERS, "result": "fail", "reason": "无质量记录"})
    assert response.status_code == 302, field_errors(response)
    with session_factory() as session:
        assert session.get(ProcessInstance, visit).stage == "failed"


def test_history_the_done_page_and_the_operator_show_the_answers(office_client, visit, session_factory, make_client):
    task = open_task(session_factory, visit)
    assert post(office_client, task.id, {**ANSWERS, "result": "fail", "reason": "无质量记录"}).status_code == 302
    done = page(office_client.get(f"/tasks/done/{task.id}"))
    answers = {a.get("data-answer"): a.text_content().strip() for a in done.xpath("//*[@data-answer]")}
    assert answers["place"] == "东莞工厂" and answers["items"] == "生产线、检测设备"
    assert answers["signed"] == "是" and answers["photos"] == "现场照片.pdf"
    assert "1. 标识不清 / 一般" in answers["findings"]
    assert "无质量记录" in done.xpath("string(//*[@data-reason])")
    assert done.xpath("//*[@data-decisions]//tr/@data-decision") == ["submitted"]
    assert "已提交" in text_of(office_client.get(f"/tasks/done/{task.id}"))


def test_the_api_gives_the_schema_and_completes_with_json(client, office, visit, session_factory):
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    task = open_task(session_factory, visit)
    body = client.get(f"/api/v1/tasks/{task.id}", headers=headers).get_json()
    properties = body["form"]["properties"]
    assert properties["visited_on"] == {"title": "核查日期", "type": "string", "format": "date"}
    assert [o["const"] for o in properties["result"]["oneOf"]] == ["pass", "fail"]
    assert properties["findings"]["items"]["properties"]["what"]["type"] == "string"
    assert properties["photos"]["format"] == "binary"
    assert {"place", "score", "visited_on", "result", "items", "signed"} <= set(body["form"]["required"])
    assert body["context"]["values"]["subject"] == "某公司现场核查"
    bad = client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={**_json(ANSWERS), "score": 300})
    assert bad.status_code == 422, bad.get_json()
    assert bad.get_json()["errors"]["score"] == ["应在 0 至 100 之间"], bad.get_json()
    assert all_rows(session_factory, select(FormSubmission)) == []


def _json(answers: dict) -> dict:
    found = {k: v for k, v in answers.items() if "-" not in k}
    found.update(score=int(answers["score"]), signed=True)
    found["findings"] = [{"what": "标识不清", "level": "minor"}]
    return found


def test_the_openapi_document_includes_the_deployed_designer_form(client, visit):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "TaskForm.site_check" in schemas
    assert schemas["TaskForm.site_check"]["properties"]["score"]["type"] in ("number", "string", "integer")


def test_running_instances_keep_their_form_version(office_client, visit, session_factory, office):
    changed = copy.deepcopy(EVERY_TYPE)
    changed["components"].append({"id": "c_inspector", "type": "textfield", "key": "inspector", "label": "核查人",
                                  "validate": {"required": True}})
    with session_factory() as session:
        deploy(session, changed)
        session.commit()
        versions = session.scalars(select(FormDefinition.version).where(FormDefinition.key == "site_check")).all()
        assert sorted(versions) == [1, 2]
    newer = start(session_factory, office)
    old_task, new_task = open_task(session_factory, visit), open_task(session_factory, newer)
    assert not page(office_client.get(f"/tasks/{old_task.id}")).xpath("//*[@name='inspector']")
    assert page(office_client.get(f"/tasks/{new_task.id}")).xpath("//*[@name='inspector']")
    assert post(office_client, old_task.id, ANSWERS).status_code == 302  # v1 needs no 核查人
    refused = post(office_client, new_task.id, ANSWERS)
    assert refused.status_code == 422 and field_errors(refused)["inspector"] == ["请填写核查人"]


def test_a_condition_on_an_undeclared_outcome_is_refused_at_deploy(app, session_factory):
    with session_factory() as session, pytest.raises(validation.Refused) as refused:
        deploy(session, EVERY_TYPE, condition='place == "东莞工厂"')
    assert any("place" in str(p) for p in refused.value.problems), refused.value.problems


def test_a_form_mistake_is_refused_at_deploy_with_the_component_named(app, session_factory):
    broken = copy.deepcopy(EVERY_TYPE)
    broken["components"][12]["components"][0]["properties"] = {}
    with app.app_context(), session_factory() as session, pytest.raises(validation.Refused) as refused:
        deploy(session, broken)
    (problem,) = refused.value.problems
    assert problem.where == "forms/site_check.form: site_check.c_photos" and "文件大小上限" in problem.message


def test_a_form_key_naming_no_form_is_refused(app, session_factory):
    with session_factory() as session:
        documents = [("site_visit.bpmn", PROCESS.replace("CONDITION", PASSES).encode())]
        problems = validation.validate_documents(documents, tasks.deployed_catalogue(session))
    assert any("site_check" in str(p) and "不存在" in str(p) for p in problems)
    assert designed.shipped_forms().get("site_check") is None
    assert all_rows(session_factory, select(HumanTask).where(HumanTask.form_key == "site_check")) == []


def test_the_api_completes_with_multipart_and_the_answers_are_kept(client, office, visit, session_factory):
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    task = open_task(session_factory, visit)
    form = {**ANSWERS, "photos": pdf("照片.pdf", PDF_BYTES)}
    response = client.post(f"/api/v1/tasks/{task.id}", headers=headers, **multipart(form))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["instance"]["stage"] == "passed"
    (submission,) = all_rows(session_factory, select(FormSubmission))
    assert submission.answers["values"]["place"] == "东莞工厂" and submission.answers["values"]["signed"] is True
