"""Scenario tests of the processes (forms.scenarios): the shipped scenarios pass and cover every
element of every shipped process; a draft that routes differently fails them with words a designer
reads; a designer extends them in YAML for a new step; nothing of the app's database is touched."""
from __future__ import annotations

import textwrap
import threading
import time
from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import func, select

import workflows
from engine import clock
from engine import text as engine_text
from forms import scenarios
from forms.scenarios import format
from forms.scenarios.sandbox import START, Sandbox
from storage.db import Base
from tests.conftest import START as APP_NOW
from tests.webapp.bpmn_edits import (
    EXPERT_STEP,
    formal_plan_with_expert_review,
    registration_with_renamed_stage,
    shipped,
)

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
NOT_ELEMENTS = {"laneSet", "lane", "sequenceFlow", "extensionElements", "documentation", "ioSpecification"}


@pytest.fixture(scope="module")
def sandbox():
    made = Sandbox()
    yield made
    made.close()


@pytest.fixture(scope="module")
def shipped_results():
    return scenarios.run_all()


def _failures(results) -> list[str]:
    return [f"{r.scenario.file}: {r.error or ''} " + "; ".join(f"{s.text} → {s.message}" for s in r.steps
                                                               if not s.passed)
            for r in results if not r.passed]


def test_every_shipped_scenario_passes(shipped_results):
    assert set(shipped_results) == {"registration_vetting", "pilot_enrollment", "comparison_report", "formal_plan",
                                    "publicity", "compliance_review", "certificate_issuance", "self_declaration"}
    failures = [failure for results in shipped_results.values() for failure in _failures(results)]
    assert failures == []
    assert all(len(results) >= 1 for results in shipped_results.values())


def _elements() -> dict[tuple[str, str], str]:
    """(process key, element id) → element kind, of every flow node of every shipped process."""
    found = {}
    for _name, source in workflows.bpmn_files():
        for process in etree.fromstring(source).iter(f"{BPMN}process"):
            for element in process:
                kind = etree.QName(element).localname
                if kind not in NOT_ELEMENTS:
                    found[(process.get("id"), element.get("id"))] = kind
    return found


def test_every_end_event_and_every_element_is_reached_by_a_scenario(shipped_results):
    visited = set().union(*(r.visited for results in shipped_results.values() for r in results if r.passed))
    elements = _elements()
    ends = {key for key, kind in elements.items() if kind == "endEvent"}
    assert len(ends) >= 17
    assert sorted(ends - visited) == []
    # Every gateway branch, boundary event and timer path leads to an element only it reaches.
    assert sorted(set(elements) - visited) == []


def _swapped_approve_and_return() -> str:
    text = shipped("formal_plan.bpmn")
    approve, back = '>decision == "approve"<', '>decision == "return"<'
    assert text.count(approve) == 1 and text.count(back) == 1
    return text.replace(approve, ">SWAP<").replace(back, approve).replace(">SWAP<", back)


def test_a_draft_that_routes_differently_fails_naming_expected_and_actual_tasks(sandbox):
    results = scenarios.run("formal_plan", overrides={"formal_plan": _swapped_approve_and_return()},
                            sandbox=sandbox)
    by_file = {r.scenario.file.rsplit("/", 1)[-1]: r for r in results}
    approved = by_file["approve_publish.yaml"]
    assert not approved.passed and approved.error is None
    failed = [step for step in approved.steps if not step.passed]
    assert "期望待办任务 []，实际 [修改正式版方案]" in failed[0].message
    assert failed[0].text.startswith("检查 tasks=[]")
    assert all(step.message == "未执行" for step in failed[1:])
    assert by_file["reject.yaml"].passed  # the path the draft did not change still passes
    english = {"期望待办任务 %(expected)s，实际 %(actual)s": "expected open tasks %(expected)s, found %(actual)s",
               "%(first)s；%(next)s": "%(first)s; %(next)s"}
    installed = engine_text._translate  # the web app's translator, when a test app exists in this worker
    engine_text.use_translator(lambda message: english.get(message, message))
    try:  # the page shows the message in the reader's language
        assert engine_text.localized(failed[0].message).startswith("expected open tasks [], found [修改正式版方案]; ")
    finally:
        engine_text.use_translator(installed)


EXPERT_SCENARIO = """
name: 审核通过后专家评审，公示期满发布
given: formal_plan
steps:
  - complete: 提交正式版
    as: institution
    with:
      standard_number: T/ABC 1-2025
      standard_name: 两轮电动自行车对标达标评价标准
      standard_text: pdf
      scheme: pdf
      explanation: pdf
      indicators:
        - {level1: safety, level2: 防撞击, value: 10N, basis: ISO 12345-2020, method: GB/T 1234-2020}
        - {level1: performance, level2: 转速, value: "650", basis: JIS 12345-2021, method: GB/T 1234-2020}
        - {level1: low_carbon, level2: 百公里耗电, value: 4度, basis: GB 2233-2022, method: GB/T 1234-2020}
  - complete: 正式版方案审核
    as: office
    with: {decision: approve}
%(expert)s  - expect: {tasks: [], stage: publicity, status: waiting}
  - clock: P8D
  - expect: {status: completed, stage: published, reached: [approved_end]}
"""
EXPERT_STEPS = """  - expect: {tasks: [专家评审], stage: expert_review, stage_label: 专家评审中}
  - complete: 专家评审
    as: office
    with: {decision: approve}
"""


def _scenario_root(tmp_path, files: dict[str, str], process: str = "formal_plan"):
    folder = tmp_path / process
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_a_designer_extends_a_scenario_for_a_new_generic_review_step(sandbox, tmp_path):
    root = _scenario_root(tmp_path, {"with_expert.yaml": EXPERT_SCENARIO % {"expert": EXPERT_STEPS},
                                     "without_expert.yaml": EXPERT_SCENARIO % {"expert": ""}})
    draft = {"formal_plan": formal_plan_with_expert_review()}
    results = {r.scenario.file.rsplit("/", 1)[-1]: r
               for r in scenarios.run("formal_plan", overrides=draft, root=root, sandbox=sandbox)}
    assert _failures([results["with_expert.yaml"]]) == []
    assert ("formal_plan", "expert_review") in results["with_expert.yaml"].visited
    without = results["without_expert.yaml"]
    assert not without.passed
    assert [s.message for s in without.steps if not s.passed][0] == \
        "期望待办任务 []，实际 [专家评审]；期望阶段 publicity，实际 expert_review；期望流程状态 waiting，实际 running"
    # The shipped process, without the step, fails the extended scenario at the step it lacks.
    shipped_run = scenarios.run("formal_plan", root=root, sandbox=sandbox)
    extended = next(r for r in shipped_run if r.scenario.file.endswith("with_expert.yaml"))
    assert "期望待办任务 [专家评审]，实际 []" in next(s.message for s in extended.steps if not s.passed)


def test_a_form_value_the_form_refuses_fails_with_the_forms_own_message(sandbox, tmp_path):
    root = _scenario_root(tmp_path, {"bad.yaml": """
        name: 标准号写错
        steps:
          - complete: 提交正式版
            with: {standard_number: 没有标准号, standard_text: pdf}
        """, "stranger.yaml": """
        name: 专项办不能替机构提交
        steps:
          - complete: 提交正式版
            as: office
        """, "unknown_field.yaml": """
        name: 表单没有的字段
        steps:
          - complete: 提交正式版
            with: {standard_nummer: T/ABC 1-2025}
        """})
    results = {r.scenario.name: r for r in scenarios.run("formal_plan", root=root, sandbox=sandbox)}
    bad = next(s.message for s in results["标准号写错"].steps if not s.passed)
    assert bad.startswith("「提交正式版」的表单未通过校验：")
    assert "标准名称：请填写标准名称" in bad and "对标方案（PDF）：请上传对标方案（PDF）" in bad
    assert "标准号：" in bad
    stranger = next(s.message for s in results["专项办不能替机构提交"].steps if not s.passed)
    assert stranger == "office 不能办理「提交正式版」（该任务交给 institution）"
    unknown = next(s.message for s in results["表单没有的字段"].steps if not s.passed)
    assert unknown.startswith("表单中没有字段 standard_nummer（可填：standard_number、")


@pytest.mark.parametrize(("text", "message"), [
    ("name: [unclosed", "场景文件无法读取："),
    ("- just a list", "场景文件应为一个 YAML 映射（name、given、steps）"),
    ("name: 无步骤\nsteps: []", "场景缺少步骤（steps）"),
    ("name: 未知动作\nsteps:\n  - approve: 注册审核",
     "第 1 步须有且只有一个动作（complete、withdraw、comment、clock、expect）"),
    ("name: 时长\nsteps:\n  - clock: 8 days", "第 1 步的 clock 应为 ISO 8601 时长，如 P8D"),
    ("name: 检查\nsteps:\n  - expect: {task: []}",
     "第 1 步的 expect 有未知的键：task（可用：tasks、stage、stage_label、status、subject_status、reached）"),
    ("name: 流程\nprocess: formal_plan\nsteps:\n  - clock: P1D",
     "场景写的流程 formal_plan 与所在目录 registration_vetting 不一致"),
])
def test_a_malformed_scenario_file_is_a_failed_result_not_a_crash(sandbox, tmp_path, text, message):
    root = _scenario_root(tmp_path, {"broken.yaml": text}, process="registration_vetting")
    [result] = scenarios.run("registration_vetting", root=root, sandbox=sandbox)
    assert not result.passed
    assert result.steps[0].text == "读取场景文件"
    assert result.steps[0].message.startswith(message)


def test_an_unknown_starter_and_an_undeployable_draft_fail_every_scenario_with_the_reason(sandbox, tmp_path):
    root = _scenario_root(tmp_path, {"given.yaml": "name: 起点\ngiven: nowhere\nsteps:\n  - clock: P1D"},
                          process="self_declaration")
    [unknown] = scenarios.run("self_declaration", root=root, sandbox=sandbox)
    assert unknown.steps[0].message.startswith("没有名为 nowhere 的起点（可用：comparison_report、compliance_review、")
    assert [s.message for s in unknown.steps[1:]] == ["未执行"]
    broken = scenarios.run("self_declaration", overrides={"self_declaration": "<bpmn:definitions"}, sandbox=sandbox)
    assert broken and all(not r.passed and r.steps[0].message.startswith("草稿无法部署：") for r in broken)


def test_load_reads_the_shipped_scenarios_and_a_designers_folder_replaces_them_by_name(tmp_path):
    shipped_names = [s.name for s in scenarios.load("self_declaration")]
    assert "自我声明核查通过" in shipped_names
    designer = tmp_path / "bpmn"
    _scenario_root(designer / "scenarios", {"confirm.yaml": "name: 设计者的核查\nsteps:\n  - clock: P1D"},
                   process="self_declaration")
    mine = scenarios.load("self_declaration", workflows_dir=designer)
    assert len(mine) == len(shipped_names)
    assert "设计者的核查" in [s.name for s in mine] and "自我声明核查通过" not in [s.name for s in mine]
    assert format.process_keys(format.roots()) == sorted(
        ["registration_vetting", "pilot_enrollment", "comparison_report", "formal_plan", "publicity",
         "compliance_review", "certificate_issuance", "self_declaration"])


def _row_counts(session) -> dict[str, int]:
    return {table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


def test_a_run_leaves_the_apps_database_and_clock_alone(deployed, sandbox):
    before = _row_counts(deployed)
    results = scenarios.run("publicity", sandbox=sandbox)
    assert results and all(r.passed for r in results)
    deployed.expire_all()
    assert _row_counts(deployed) == before
    assert before["process_definition"] > 0 and before["process_instance"] == 0
    assert clock.now() == APP_NOW != START  # the sandbox's clock was this thread's, for the run only


def test_a_draft_of_a_called_process_is_what_its_caller_calls(sandbox):
    """publicity runs inside formal_plan: formal_plan is deployed again so its call activity binds to the draft."""
    old = '<spiffworkflow:property name="stageLabel" value="公示中" />'
    draft = shipped("publicity.bpmn").replace(old, old.replace("公示中", "公示进行中"))
    results = {r.scenario.file.rsplit("/", 1)[-1]: r
               for r in scenarios.run("publicity", overrides={"publicity": draft}, sandbox=sandbox)}
    no_comments = results["no_comments.yaml"]
    assert not no_comments.passed
    assert next(s.message for s in no_comments.steps if not s.passed) == "期望阶段名称 公示中，实际 公示进行中"
    assert results["comments_upheld.yaml"].passed  # it expects no stage label of 公示


def test_a_step_whose_form_key_no_form_implements_fails_naming_it(sandbox, tmp_path):
    # The expert step's form key (the last generic_review of the draft: 正式版方案审核 has one too).
    before, _sep, after = formal_plan_with_expert_review().decode().rpartition('name="formKey" value="generic_review"')
    draft = before + 'name="formKey" value="expert_form"' + after
    root = _scenario_root(tmp_path, {"expert.yaml": EXPERT_SCENARIO % {"expert": EXPERT_STEPS}})
    [result] = scenarios.run("formal_plan", overrides={"formal_plan": draft}, root=root, sandbox=sandbox)
    assert next(s.message for s in result.steps if not s.passed) == "「专家评审」的表单 expert_form 平台没有实现"


def test_scenarios_run_in_another_thread_leave_this_threads_clock_alone(sandbox):
    """The web app runs scenarios inside a request's thread: the sandbox's clock is that thread's only."""
    results, seen = [], []
    worker = threading.Thread(target=lambda: results.extend(scenarios.run("self_declaration", sandbox=sandbox)))
    worker.start()
    while worker.is_alive():
        seen.append(clock.now())
        time.sleep(0.001)
    worker.join()
    assert results and all(r.passed for r in results)
    sandbox_days = (START, START + timedelta(days=60))
    assert len(seen) > 10 and not [moment for moment in seen if sandbox_days[0] <= moment <= sandbox_days[1]]


def _expert_review_before_the_office() -> str:
    """专家评审 (generic_review, 通过 / 退回修改) between 提交正式版 and 正式版方案审核."""
    text = shipped("formal_plan.bpmn")
    text = text.replace('<bpmn:sequenceFlow id="flow_drafted" sourceRef="draft_plan" targetRef="review_plan" />',
                        '<bpmn:sequenceFlow id="flow_drafted" sourceRef="draft_plan" targetRef="expert_review" />')
    text = text.replace("<bpmn:incoming>flow_drafted</bpmn:incoming><bpmn:incoming>flow_corrected",
                        "<bpmn:incoming>flow_expert_approve</bpmn:incoming><bpmn:incoming>flow_corrected")
    text = text.replace("<bpmn:flowNodeRef>review_plan</bpmn:flowNodeRef>",
                        "<bpmn:flowNodeRef>review_plan</bpmn:flowNodeRef><bpmn:flowNodeRef>expert_review"
                        "</bpmn:flowNodeRef><bpmn:flowNodeRef>expert_gateway</bpmn:flowNodeRef>")
    step = EXPERT_STEP.replace("<bpmn:incoming>flow_approve</bpmn:incoming>",
                               "<bpmn:incoming>flow_drafted</bpmn:incoming>")
    step = step.replace('sourceRef="expert_gateway" targetRef="approve_plan"',
                        'sourceRef="expert_gateway" targetRef="review_plan"')
    return text.replace('    <bpmn:serviceTask id="approve_plan"', step + '    <bpmn:serviceTask id="approve_plan"', 1)


def test_an_expert_review_before_the_office_review_fails_the_shipped_scenario_at_that_step(sandbox):
    results = {r.scenario.file.rsplit("/", 1)[-1]: r for r in scenarios.run(
        "formal_plan", overrides={"formal_plan": _expert_review_before_the_office()}, sandbox=sandbox)}
    failed = next(s for s in results["approve_publish.yaml"].steps if not s.passed)
    assert failed.message == ("期望待办任务 [正式版方案审核]，实际 [专家评审]；"
                              "期望阶段 plan_review，实际 expert_review；期望阶段名称 正式版审核中，实际 专家评审中")


def test_scenarios_given_as_texts_run_and_are_checked_before_they_run(sandbox):
    texts = {"confirm.yaml": "name: 核查通过\nsteps:\n  - complete: 自我声明核查\n    with: {decision: confirm}\n"
                             "  - expect: {status: completed, stage: confirmed}",
             "broken.yaml": "name: 坏的\nsteps:\n  - approve: 自我声明核查"}
    results = {r.scenario.file: r for r in scenarios.run_texts("self_declaration", texts, sandbox=sandbox)}
    assert results["confirm.yaml"].passed and not results["broken.yaml"].passed
    assert scenarios.problems_of_text("confirm.yaml", texts["confirm.yaml"]) == []
    assert scenarios.problems_of_text("broken.yaml", texts["broken.yaml"]) == [
        "第 1 步须有且只有一个动作（complete、withdraw、comment、clock、expect）"]
    assert scenarios.problems_of_text("x.yaml", "name: 起点\ngiven: nowhere\nsteps:\n  - clock: P1D")[0].startswith(
        "没有名为 nowhere 的起点")
    assert scenarios.problems_of_text("x.yaml", "name: [")[0].startswith("场景文件无法读取：")


def test_the_base_may_hold_the_apps_current_versions_instead_of_the_shipped_files():
    documents = dict(workflows.bpmn_files())
    documents["registration_vetting.bpmn"] = registration_with_renamed_stage("screening", "初审中")
    base = Sandbox(documents=sorted(documents.items()))
    try:
        [approve] = [r for r in scenarios.run("registration_vetting", sandbox=base) if r.scenario.file.endswith(
            "/approve.yaml")]
    finally:
        base.close()
    assert next(s.message for s in approve.steps if not s.passed) == \
        "期望阶段 vetting，实际 screening；期望阶段名称 待审核，实际 初审中"
