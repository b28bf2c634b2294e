"""Small BPMN documents for the validation rules: one valid process, and a way to break it one rule
at a time (each failing fixture differs from the valid one in one element)."""
from __future__ import annotations

from engine.validation import Catalogue

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="d" targetNamespace="http://duibiao.example/bpmn">
"""

VALID = HEADER + """  <bpmn:process id="mini" name="小流程" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_office" name="office">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gateway</bpmn:flowNodeRef><bpmn:flowNodeRef>notify</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>wait</bpmn:flowNodeRef><bpmn:flowNodeRef>approved_end</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>returned_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="generic_review" />
        <spiffworkflow:property name="stage" value="reviewing" />
        <spiffworkflow:property name="stageLabel" value="审核中" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="gateway" default="f_return"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_approve</bpmn:outgoing><bpmn:outgoing>f_return</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:serviceTask id="notify" name="通知">
      <bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="mini.notify" resultVariable="notify_result" />
      </bpmn:extensionElements>
      <bpmn:incoming>f_approve</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:intermediateCatchEvent id="wait" name="等待">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P7D"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="approved_end"><bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="stage" value="approved"
        /><spiffworkflow:property name="stageLabel" value="通过" /></spiffworkflow:properties>
      </bpmn:extensionElements><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gateway" />
    <bpmn:sequenceFlow id="f_approve" sourceRef="gateway" targetRef="notify">
      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_return" sourceRef="gateway" targetRef="returned_end" />
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="wait" />
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="approved_end" />
  </bpmn:process>
</bpmn:definitions>
"""

CATALOGUE = Catalogue(form_keys={"generic_review"}, form_outputs={"generic_review": {"decision"}},
                      services={"mini.notify"}, process_inputs={"mini": {"subject_id"}}, processes=set())

# rule → (what to replace in VALID, its replacement, the element the problem must name, words it says)
BROKEN = {
    "lane is a role": ('<bpmn:lane id="lane_office" name="office">', '<bpmn:lane id="lane_office" name="reviewers">',
                       "mini.review", "不是角色"),
    "form key implemented": ('value="generic_review"', 'value="genric_review"', "mini.review", "genric_review"),
    "user task has a stage": ('<spiffworkflow:property name="stage" value="reviewing" />', "", "mini.review",
                              "stage"),
    "stage has a label": ('<spiffworkflow:property name="stageLabel" value="审核中" />', "", "mini.review",
                          "stageLabel"),
    "one label per stage": ('value="approved"\n        /><spiffworkflow:property name="stageLabel" value="通过"',
                            'value="reviewing"\n        /><spiffworkflow:property name="stageLabel" value="已通过"',
                            "mini.approved_end", "不一致"),
    "gateway flows have conditions or a default": ('<bpmn:exclusiveGateway id="gateway" default="f_return">',
                                                   '<bpmn:exclusiveGateway id="gateway">', "mini.f_return",
                                                   "默认流"),
    "condition passes the safe evaluator": ('decision == "approve"', "().__class__.__base__", "mini.f_approve",
                                            "安全求值器"),
    "condition names known variables": ('decision == "approve"', 'desicion == "approve"', "mini.f_approve",
                                        "desicion"),
    "condition names known functions": ('decision == "approve"', 'lookup(decision) == "approve"',
                                        "mini.f_approve", "lookup"),
    "service is registered": ('id="mini.notify"', 'id="mini.notfiy"', "mini.notify", "mini.notfiy"),
    "timer is ISO 8601": ('"P7D"', '"7 days"', "mini.wait", "ISO 8601"),
    "timer expression is safe": ('"P7D"', "__import__('os')", "mini.wait", "安全求值器"),
    "no unreachable element": ('<bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="approved_end" />',
                               '<bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="returned_end" />',
                               "mini.approved_end", "不可到达"),
    "call activity target exists": (
        '<bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:callActivity id="returned_end" calledElement="no_such_process"><bpmn:incoming>f_return'
        '</bpmn:incoming></bpmn:callActivity>', "mini.returned_end", "no_such_process"),
    "script passes the safe evaluator": (
        '<bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:scriptTask id="returned_end"><bpmn:incoming>f_return</bpmn:incoming>'
        '<bpmn:script>while True: pass</bpmn:script></bpmn:scriptTask>', "mini.returned_end", "安全求值器"),
    "correlation expressions are refused": (
        '<bpmn:process id="mini"',
        '<bpmn:correlationProperty id="cp"><bpmn:correlationPropertyRetrievalExpression messageRef="m">'
        '<bpmn:formalExpression>__import__("os")</bpmn:formalExpression>'
        '</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>\n  <bpmn:process id="mini"',
        "mini.cp", "关联表达式"),
    "ad-hoc completion conditions are refused": (
        '<bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:adHocSubProcess id="returned_end"><bpmn:incoming>f_return</bpmn:incoming>'
        '<bpmn:completionCondition>__import__("os")</bpmn:completionCondition></bpmn:adHocSubProcess>',
        "mini.returned_end", "完成条件"),
    "only the extension elements the platform reads": (
        '<spiffworkflow:serviceTaskOperator id="mini.notify" resultVariable="notify_result" />',
        '<spiffworkflow:serviceTaskOperator id="mini.notify" resultVariable="notify_result" />'
        '<spiffworkflow:preScript>notify_result = 1</spiffworkflow:preScript>', "mini.notify", "preScript"),
    "the hardened parser": ('<?xml version="1.0" encoding="UTF-8"?>',
                            '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY e "e">]>',
                            "mini.bpmn", "DOCTYPE"),
}


def broken(rule: str) -> bytes:
    old, new, _element, _words = BROKEN[rule]
    assert old in VALID, rule
    return VALID.replace(old, new, 1).encode()
