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
    "time limit is a whole number of days": (
        '<spiffworkflow:property name="stageLabel" value="审核中" />',
        '<spiffworkflow:property name="stageLabel" value="审核中" />'
        '<spiffworkflow:property name="timeLimitDays" value="五天" />', "mini.review", "timeLimitDays"),
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


# More of the server's rules, with a failing fixture each (the designer's lint mirrors them too).
BROKEN.update({
    "user task has a form key": ('<spiffworkflow:property name="formKey" value="generic_review" />', "",
                                 "mini.review", "formKey"),
    "service task names a function": (
        '<spiffworkflow:serviceTaskOperator id="mini.notify" resultVariable="notify_result" />', "",
        "mini.notify", "serviceTaskOperator"),
    "script task has a script": (
        '<bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:scriptTask id="returned_end"><bpmn:incoming>f_return</bpmn:incoming>'
        '<bpmn:script>  </bpmn:script></bpmn:scriptTask>', "mini.returned_end", "没有脚本"),
    "call activity names a process": (
        '<bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:callActivity id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:callActivity>',
        "mini.returned_end", "calledElement"),
    "timer has an expression": ('<bpmn:timeDuration>"P7D"</bpmn:timeDuration>',
                                "<bpmn:timeDuration></bpmn:timeDuration>", "mini.wait", "没有时间表达式"),
})

# The designer's lint (webapp/frontend/designer/lint) also runs some of bpmnlint's recommended rules,
# which the server does not have: rule → ([(what to replace in VALID, its replacement), …], the
# element it must name (an id), words its message says). tests/test_lint_rules_js.py runs them.
_END_RETURNED = '<bpmn:endEvent id="returned_end"><bpmn:incoming>f_return</bpmn:incoming></bpmn:endEvent>'
_FLOW_F1 = '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />'
_FLOW_F3 = '<bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="wait" />'
_TIMER = '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P7D"</bpmn:timeDuration></bpmn:timerEventDefinition>'


def _around_returned_end(kind: str, inside: str, attributes: str = "") -> tuple[str, str]:
    """returned_end becomes a ``kind`` sub-process holding ``inside``."""
    return (_END_RETURNED, f'<bpmn:{kind} id="returned_end" name="收尾"{attributes}><bpmn:incoming>f_return'
                           f'</bpmn:incoming>{inside}</bpmn:{kind}>')


BROKEN_JS_ONLY = {
    "bpmnlint/start-event-required": (
        [('<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
          '<bpmn:task id="start" name="开始"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:task>')], "mini", "缺少开始事件"),
    "bpmnlint/end-event-required": (
        [('<bpmn:endEvent id="approved_end">', '<bpmn:task id="approved_end" name="通过">'),
         ("</bpmn:endEvent>", "</bpmn:task>"),
         ('<bpmn:endEvent id="returned_end">', '<bpmn:task id="returned_end" name="退回">'),
         ("</bpmn:endEvent>", "</bpmn:task>")], "mini", "缺少结束事件"),
    "bpmnlint/no-duplicate-sequence-flows": (
        [(_FLOW_F1, _FLOW_F1 + '<bpmn:sequenceFlow id="f1_again" sourceRef="start" targetRef="review" />')],
        "f1_again", "重复"),
    "bpmnlint/no-implicit-split": (
        [("<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>",
          "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f2_also</bpmn:outgoing>"),
         (_FLOW_F1, _FLOW_F1 + '<bpmn:sequenceFlow id="f2_also" sourceRef="review" targetRef="returned_end" />')],
        "review", "隐式分支"),
    "bpmnlint/no-implicit-start": (
        [(_FLOW_F1, _FLOW_F1 + '<bpmn:task id="orphan" name="孤立"><bpmn:outgoing>f_orphan</bpmn:outgoing></bpmn:task>'
                               '<bpmn:sequenceFlow id="f_orphan" sourceRef="orphan" targetRef="approved_end" />')],
        "orphan", "隐式开始"),
    "bpmnlint/no-implicit-end": (
        [(_FLOW_F1, _FLOW_F1 + '<bpmn:task id="dead_end" name="无出口" />')], "dead_end", "隐式结束"),
    "bpmnlint/single-blank-start-event": (
        [(_FLOW_F1, _FLOW_F1 + '<bpmn:startEvent id="start_again"><bpmn:outgoing>f_again</bpmn:outgoing>'
                               '</bpmn:startEvent><bpmn:sequenceFlow id="f_again" sourceRef="start_again" '
                               'targetRef="review" />')], "mini", "多个空白开始事件"),
    "bpmnlint/single-event-definition": (
        [(_TIMER, _TIMER + '<bpmn:timerEventDefinition id="t2"><bpmn:timeDuration>"P1D"</bpmn:timeDuration>'
                           '</bpmn:timerEventDefinition>')], "wait", "多个事件定义"),
    "bpmnlint/no-complex-gateway": (
        [('<bpmn:exclusiveGateway id="gateway" default="f_return">',
          '<bpmn:complexGateway id="gateway" default="f_return">'),
         ("</bpmn:exclusiveGateway>", "</bpmn:complexGateway>")], "gateway", "复杂网关"),
    "bpmnlint/event-based-gateway": (
        [('<bpmn:exclusiveGateway id="gateway" default="f_return">', '<bpmn:eventBasedGateway id="gateway">'),
         ("</bpmn:exclusiveGateway>", "</bpmn:eventBasedGateway>")], "f_approve", "事件网关"),
    "bpmnlint/ad-hoc-sub-process": (
        [_around_returned_end("adHocSubProcess", '<bpmn:startEvent id="inner_start" />')], "inner_start", "临时子流程"),
    "bpmnlint/sub-process-blank-start-event": (
        [_around_returned_end("subProcess", '<bpmn:startEvent id="inner_start"><bpmn:timerEventDefinition id="t3">'
                                            '<bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
                                            '</bpmn:startEvent>')], "inner_start", "空白开始事件"),
    "bpmnlint/event-sub-process-typed-start-event": (
        [(_FLOW_F1, _FLOW_F1 + '<bpmn:subProcess id="on_event" name="事件子流程" triggeredByEvent="true">'
                               '<bpmn:startEvent id="inner_start" /></bpmn:subProcess>')],
        "inner_start", "缺少事件定义"),
    "bpmnlint/link-event": (
        [(_FLOW_F1, _FLOW_F1 + '<bpmn:intermediateThrowEvent id="jump" name="跳转"><bpmn:linkEventDefinition id="l" />'
                               '</bpmn:intermediateThrowEvent>')], "jump", "链接名称"),
    "bpmnlint/no-gateway-join-fork": (
        [(_FLOW_F1, _FLOW_F1 + '<bpmn:sequenceFlow id="f_join" sourceRef="notify" targetRef="gateway" />'),
         ("<bpmn:incoming>f2</bpmn:incoming>",
          "<bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f_join</bpmn:incoming>")],
        "gateway", "合并和分支"),
    "bpmnlint/label-required": ([('<bpmn:userTask id="review" name="审核">', '<bpmn:userTask id="review">')],
                                "review", "缺少名称"),
    "bpmnlint/superfluous-gateway": (
        [(_FLOW_F3, '<bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="pass" /><bpmn:exclusiveGateway id="pass">'
                    '<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f3_on</bpmn:outgoing></bpmn:exclusiveGateway>'
                    '<bpmn:sequenceFlow id="f3_on" sourceRef="pass" targetRef="wait" />')], "pass", "网关多余"),
    "bpmnlint/superfluous-label": (
        [(_FLOW_F3, '<bpmn:sequenceFlow id="f3" name="然后" sourceRef="notify" targetRef="wait" />')],
        "f3", "名称多余"),
    "bpmnlint/superfluous-termination": (  # the one end event terminates: nothing else could run
        [('<bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>',
          '<bpmn:incoming>f4</bpmn:incoming><bpmn:terminateEventDefinition id="stop" /></bpmn:endEvent>'),
         (_END_RETURNED, ""), ('targetRef="returned_end"', 'targetRef="approved_end"')],
        "approved_end", "终止结束事件多余"),
    "bpmnlint/global": ([('<bpmn:process id="mini"', '<bpmn:message id="unused_message" name="没人用" />\n'
                                                     '  <bpmn:process id="mini"')], "unused_message", "未被使用"),
}


def broken_js(rule: str) -> bytes:
    replacements, _element, _words = BROKEN_JS_ONLY[rule]
    source = VALID
    for old, new in replacements:
        assert old in source, (rule, old)
        source = source.replace(old, new, 1)
    return source.encode()
