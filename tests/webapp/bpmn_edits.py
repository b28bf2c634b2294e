"""BPMN a designer would write, made from the shipped files by editing only BPMN: a 专家评审 step with
the generic review form in formal_plan, and a renamed stage in registration_vetting."""
from __future__ import annotations

import workflows

EXPERT_TITLE, EXPERT_STAGE, EXPERT_LABEL = "专家评审", "expert_review", "专家评审中"


def shipped(name: str) -> str:
    return dict(workflows.bpmn_files())[name].decode()


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def formal_plan_with_expert_review() -> bytes:
    """After the office's 通过, a 专家评审 in the office lane (通过 / 退回修改 only, no 撤回):
    its 通过 goes on to 公示, its 退回修改 back to the institution."""
    text = shipped("formal_plan.bpmn")
    text = _replace(text, "<bpmn:flowNodeRef>review_plan</bpmn:flowNodeRef>",
                    "<bpmn:flowNodeRef>review_plan</bpmn:flowNodeRef><bpmn:flowNodeRef>expert_review"
                    "</bpmn:flowNodeRef><bpmn:flowNodeRef>expert_gateway</bpmn:flowNodeRef>")
    text = _replace(text, '<bpmn:sequenceFlow id="flow_approve" name="通过" sourceRef="decision_gateway" '
                          'targetRef="approve_plan">',
                    '<bpmn:sequenceFlow id="flow_approve" name="通过" sourceRef="decision_gateway" '
                    'targetRef="expert_review">')
    approve = '    <bpmn:serviceTask id="approve_plan"'
    text = _replace(text, approve, EXPERT_STEP + approve)
    return text.encode()


EXPERT_STEP = f'''    <bpmn:userTask id="expert_review" name="{EXPERT_TITLE}">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="generic_review" />
        <spiffworkflow:property name="stage" value="{EXPERT_STAGE}" />
        <spiffworkflow:property name="stageLabel" value="{EXPERT_LABEL}" />
        <spiffworkflow:property name="reviewOptions" value="approve,return" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>flow_approve</bpmn:incoming><bpmn:outgoing>flow_expert_done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="expert_gateway" name="专家评审结论">
      <bpmn:incoming>flow_expert_done</bpmn:incoming>
      <bpmn:outgoing>flow_expert_approve</bpmn:outgoing><bpmn:outgoing>flow_expert_return</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="flow_expert_done" sourceRef="expert_review" targetRef="expert_gateway" />
    <bpmn:sequenceFlow id="flow_expert_approve" sourceRef="expert_gateway" targetRef="approve_plan">
      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="flow_expert_return" sourceRef="expert_gateway" targetRef="return_plan">
      <bpmn:conditionExpression>decision == "return"</bpmn:conditionExpression></bpmn:sequenceFlow>
'''


def formal_plan_with_expert_opinion() -> bytes:
    """After the office's 通过, a 专家意见 (generic_opinion: text and an optional PDF), then 公示."""
    text = shipped("formal_plan.bpmn")
    text = _replace(text, "<bpmn:flowNodeRef>review_plan</bpmn:flowNodeRef>",
                    "<bpmn:flowNodeRef>review_plan</bpmn:flowNodeRef><bpmn:flowNodeRef>expert_opinion"
                    "</bpmn:flowNodeRef>")
    text = _replace(text, 'sourceRef="decision_gateway" targetRef="approve_plan">',
                    'sourceRef="decision_gateway" targetRef="expert_opinion">')
    approve = '    <bpmn:serviceTask id="approve_plan"'
    return _replace(text, approve, f'''    <bpmn:userTask id="expert_opinion" name="{OPINION_TITLE}">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="generic_opinion" />
        <spiffworkflow:property name="stage" value="expert_opinion" />
        <spiffworkflow:property name="stageLabel" value="专家意见征询中" />
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_opinion_given" sourceRef="expert_opinion" targetRef="approve_plan" />
''' + approve).encode()


OPINION_TITLE = "专家意见"


def registration_with_renamed_stage(code: str, label: str) -> bytes:
    """注册审核's stage ``vetting`` (待审核) renamed, code and words, in the BPMN only."""
    text = shipped("registration_vetting.bpmn")
    return _replace(text, '<spiffworkflow:property name="stage" value="vetting" />'
                          '<spiffworkflow:property name="stageLabel" value="待审核" />',
                    f'<spiffworkflow:property name="stage" value="{code}" />'
                    f'<spiffworkflow:property name="stageLabel" value="{label}" />').encode()
