"""Writes a draft → review BPMN with 通过 / 退回修改 / 不予通过 and 撤回 (developer tool).

Used once to lay out comparison_report.bpmn and formal_plan.bpmn; designers edit
the files themselves afterwards (they are ordinary BPMN with diagram data).
"""
from __future__ import annotations

import sys
from string import Template

TEMPLATE = Template('''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="${key}_definitions" targetNamespace="http://duibiao.example/bpmn">
  <bpmn:collaboration id="${key}_collaboration">
    <bpmn:participant id="${key}_participant" name="${name}" processRef="${key}" />
  </bpmn:collaboration>
  <bpmn:message id="withdraw_${p}_message" name="withdraw_${p}" />
  <bpmn:process id="${key}" name="${name}" isExecutable="true">
    <bpmn:laneSet id="${key}_lanes">
      <bpmn:lane id="lane_institution" name="institution">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>draft_${p}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>correct_${p}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>resubmit_${p}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>record_withdrawal</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_office" name="office">
        <bpmn:flowNodeRef>review_${p}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>withdrawn_boundary</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>decision_gateway</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>approve_${p}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>after_approval</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>return_${p}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>reject_${p}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>approved_end</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>rejected_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"><bpmn:outgoing>flow_start</bpmn:outgoing></bpmn:startEvent>
${draft}
${review}
    <bpmn:boundaryEvent id="withdrawn_boundary" name="机构撤回" attachedToRef="review_${p}">
      <bpmn:outgoing>flow_withdrawn</bpmn:outgoing>
      <bpmn:messageEventDefinition id="withdraw_definition" messageRef="withdraw_${p}_message" />
    </bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="decision_gateway" name="审核结论">
      <bpmn:incoming>flow_reviewed</bpmn:incoming>
      <bpmn:outgoing>flow_approve</bpmn:outgoing><bpmn:outgoing>flow_return</bpmn:outgoing><bpmn:outgoing>flow_reject</bpmn:outgoing>
    </bpmn:exclusiveGateway>
${approve}
${after}
${ret}
${reject}
${withdraw}
${correct}
${resubmit}
    <bpmn:endEvent id="approved_end" name="${approved_name}">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="stage" value="${approved_stage}" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>flow_approved_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:endEvent id="rejected_end" name="不予通过">
      <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="stage" value="rejected" /></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>flow_rejected_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="draft_${p}" />
    <bpmn:sequenceFlow id="flow_drafted" sourceRef="draft_${p}" targetRef="review_${p}" />
    <bpmn:sequenceFlow id="flow_reviewed" sourceRef="review_${p}" targetRef="decision_gateway" />
    <bpmn:sequenceFlow id="flow_approve" name="通过" sourceRef="decision_gateway" targetRef="approve_${p}"><bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="flow_return" name="退回修改" sourceRef="decision_gateway" targetRef="return_${p}"><bpmn:conditionExpression>decision == "return"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="flow_reject" name="不予通过" sourceRef="decision_gateway" targetRef="reject_${p}"><bpmn:conditionExpression>decision == "reject"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="flow_after_approval" sourceRef="approve_${p}" targetRef="after_approval" />
    <bpmn:sequenceFlow id="flow_approved_end" sourceRef="after_approval" targetRef="approved_end" />
    <bpmn:sequenceFlow id="flow_rejected_end" sourceRef="reject_${p}" targetRef="rejected_end" />
    <bpmn:sequenceFlow id="flow_to_correct" sourceRef="return_${p}" targetRef="correct_${p}" />
    <bpmn:sequenceFlow id="flow_corrected" sourceRef="correct_${p}" targetRef="review_${p}" />
    <bpmn:sequenceFlow id="flow_withdrawn" sourceRef="withdrawn_boundary" targetRef="record_withdrawal" />
    <bpmn:sequenceFlow id="flow_to_resubmit" sourceRef="record_withdrawal" targetRef="resubmit_${p}" />
    <bpmn:sequenceFlow id="flow_resubmitted" sourceRef="resubmit_${p}" targetRef="review_${p}" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="${key}_diagram">
    <bpmndi:BPMNPlane id="${key}_plane" bpmnElement="${key}_collaboration">
${shapes}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
''')


def user_task(element_id, name, form_key, stage, incoming, outgoing):
    ins = "".join(f"<bpmn:incoming>{i}</bpmn:incoming>" for i in incoming)
    return (f'    <bpmn:userTask id="{element_id}" name="{name}">\n'
            f'      <bpmn:extensionElements><spiffworkflow:properties>'
            f'<spiffworkflow:property name="formKey" value="{form_key}" />'
            f'<spiffworkflow:property name="stage" value="{stage}" />'
            f'</spiffworkflow:properties></bpmn:extensionElements>\n'
            f'      {ins}<bpmn:outgoing>{outgoing}</bpmn:outgoing>\n    </bpmn:userTask>')


def service_task(element_id, name, operation, incoming, outgoing):
    return (f'    <bpmn:serviceTask id="{element_id}" name="{name}">\n'
            f'      <bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="{operation}" '
            f'resultVariable="{element_id}_result" /></bpmn:extensionElements>\n'
            f'      <bpmn:incoming>{incoming}</bpmn:incoming><bpmn:outgoing>{outgoing}</bpmn:outgoing>\n'
            f'    </bpmn:serviceTask>')


SHAPES = {  # element: (x, y, w, h)
    "start": (190, 130, 36, 36), "draft": (260, 108, 100, 80), "correct": (560, 108, 100, 80),
    "resubmit": (410, 108, 100, 80), "record_withdrawal": (410, 220, 100, 60),
    "review": (260, 360, 100, 80), "withdrawn_boundary": (292, 342, 36, 36),
    "decision_gateway": (415, 375, 50, 50), "approve": (520, 300, 100, 60),
    "after_approval": (670, 300, 100, 60), "return": (520, 370, 100, 60),
    "reject": (520, 450, 100, 60), "approved_end": (822, 312, 36, 36), "rejected_end": (822, 462, 36, 36),
}


def shapes(key, p):
    rows = [f'      <bpmndi:BPMNShape id="{key}_participant_di" bpmnElement="{key}_participant" isHorizontal="true"><dc:Bounds x="120" y="60" width="800" height="490" /></bpmndi:BPMNShape>',
            '      <bpmndi:BPMNShape id="lane_institution_di" bpmnElement="lane_institution" isHorizontal="true"><dc:Bounds x="150" y="60" width="770" height="240" /></bpmndi:BPMNShape>',
            '      <bpmndi:BPMNShape id="lane_office_di" bpmnElement="lane_office" isHorizontal="true"><dc:Bounds x="150" y="300" width="770" height="250" /></bpmndi:BPMNShape>']
    for short, (x, y, w, h) in SHAPES.items():
        element = f"{short}_{p}" if short in ("draft", "correct", "resubmit", "review", "approve", "return", "reject") else short
        rows.append(f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"><dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>')
    return "\n".join(rows)


def render(key, name, p, labels, stages, operations, after):
    return TEMPLATE.substitute(
        key=key, name=name, p=p, approved_name=labels["approved"], approved_stage=stages["approved"],
        draft=user_task(f"draft_{p}", labels["draft"], f"draft_{p}", stages["drafting"], ["flow_start"], "flow_drafted"),
        review=user_task(f"review_{p}", labels["review"], f"review_{p}", stages["review"],
                         ["flow_drafted", "flow_corrected", "flow_resubmitted"], "flow_reviewed"),
        approve=service_task(f"approve_{p}", "审核通过", f"{operations}.approve", "flow_approve", "flow_after_approval"),
        after=service_task("after_approval", after[0], after[1], "flow_after_approval", "flow_approved_end"),
        ret=service_task(f"return_{p}", "退回通知", f"{operations}.return", "flow_return", "flow_to_correct"),
        reject=service_task(f"reject_{p}", "不予通过通知", f"{operations}.reject", "flow_reject", "flow_rejected_end"),
        withdraw=service_task("record_withdrawal", "记录撤回", f"{operations}.withdraw", "flow_withdrawn", "flow_to_resubmit"),
        correct=user_task(f"correct_{p}", labels["correct"], f"draft_{p}", "returned", ["flow_to_correct"], "flow_corrected"),
        resubmit=user_task(f"resubmit_{p}", labels["resubmit"], f"draft_{p}", "withdrawn", ["flow_to_resubmit"], "flow_resubmitted"),
        shapes=shapes(key, p),
    )


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "workflows"
    with open(f"{target}/comparison_report.bpmn", "w", encoding="utf-8") as handle:
        handle.write(render(
            "comparison_report", "比对分析报告", "report",
            {"draft": "编制方案（上传比对分析报告）", "review": "平台备案及形式审核", "approved": "审核通过",
             "correct": "修改比对分析报告", "resubmit": "重新提交比对分析报告"},
            {"drafting": "report_drafting", "review": "report_review", "approved": "report_approved"},
            "report", ("开启方案编制", "report.open_formal_plan")))
    with open(f"{target}/formal_plan.bpmn", "w", encoding="utf-8") as handle:
        handle.write(render(
            "formal_plan", "正式版方案", "plan",
            {"draft": "提交正式版", "review": "正式版方案审核", "approved": "待公示",
             "correct": "修改正式版方案", "resubmit": "重新提交正式版方案"},
            {"drafting": "plan_drafting", "review": "plan_review", "approved": "awaiting_publicity"},
            "plan", ("标记待公示", "plan.await_publicity")))
