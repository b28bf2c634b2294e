// Every word the lint rules show, in ONE object so that a translated copy can be passed to
// lintConfig(catalogue, messages). The Duibiao messages are the server's (engine/validation.py),
// word for word, with {name} placeholders where the server has %(name)s.
import { _, pageIsChinese } from "../../shared/text.js";

export const MESSAGES = {
  duibiao: {
    laneNotRole: _("用户任务所在泳道“{lane}”不是角色（可用：{roles}）"),
    formKeyMissing: _("用户任务缺少表单（formKey）"),
    formKeyUnknown: _("表单“{form}”不存在（平台没有实现这个 formKey）"),
    stageMissing: _("用户任务缺少阶段（stage）"),
    timeLimitNotDays: _("办理期限（timeLimitDays）应为 1 至 {max} 之间的整数天数"),
    stageLabelMissing: _("阶段“{stage}”缺少显示名称（stageLabel）"),
    stageLabelDiffers: _("阶段“{stage}”的显示名称“{label}”与本文件中的“{other}”不一致"),
    serviceOperatorMissing: _("服务任务没有指定平台函数（serviceTaskOperator）"),
    serviceUnknown: _("服务任务的平台函数“{name}”没有注册"),
    scriptMissing: _("脚本任务没有脚本"),
    calledElementMissing: _("调用活动没有指定被调用的流程（calledElement）"),
    calledElementUnknown: _("调用活动调用的流程“{key}”既未部署也不在本次部署的文件中"),
    gatewayFlowUnguarded: _("网关“{gateway}”的出口既没有条件也不是默认流"),
    timerEmpty: _("定时器没有时间表达式"),
    timerNotIso: _("定时器表达式 {text} 不是有效的 ISO 8601 字符串（例如 \"P7D\"）"),
    correlationExpression: _("不支持消息关联表达式（它们不经过安全求值器）"),
    adHocCompletionCondition: _("不支持临时子流程的完成条件（它不经过安全求值器）"),
    unreachable: _("元素不可到达（没有从开始事件通向它的顺序流）"),
    extensionNotAllowed: _("不支持的扩展元素“spiffworkflow:{name}”（平台不执行它）"),
  },
  // bpmnlint's own rules report in English: their messages, translated (exact text, or a pattern
  // whose groups fill the {1}, {2} of the translation). A message not listed is shown as is.
  bpmnlint: {
    exact: {
      "Incoming flows do not join": "传入的顺序流没有合并",
      "SequenceFlow is a duplicate": "重复的顺序流",
      "Duplicate outgoing sequence flows": "有重复的传出顺序流",
      "Duplicate incoming sequence flows": "有重复的传入顺序流",
      "Flow splits implicitly": "顺序流隐式分支（请使用网关）",
      "Element is an implicit start": "元素是隐式开始（没有传入的顺序流）",
      "Element is an implicit end": "元素是隐式结束（没有传出的顺序流）",
      "Gateway forks and joins": "网关同时合并和分支",
      "Element is missing label/name": "元素缺少名称",
      "Event has multiple event definitions": "事件有多个事件定义",
      "An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>":
        "事件网关至少需要两条传出的顺序流",
      "A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional":
        "事件网关的传出顺序流不能带条件",
      "A <Start Event> is not allowed in <Ad Hoc Sub Process>": "临时子流程中不允许开始事件",
      "An <End Event> is not allowed in <Ad Hoc Sub Process>": "临时子流程中不允许结束事件",
      "Start event must be blank": "子流程的开始事件必须是空白开始事件",
      "Start event is missing event definition": "事件子流程的开始事件缺少事件定义",
      "Link event is missing link name": "链接事件缺少链接名称",
      "Gateway is superfluous. It only has one source and target.": "网关多余：它只有一个来源和一个目标",
      "Sequence flow has superfluous label": "顺序流的名称多余",
      "Termination is superfluous.": "终止结束事件多余",
      "Element is missing name": "元素缺少名称",
      "Element is unused": "元素未被使用",
      "Element name is not unique": "元素名称不唯一",
    },
    patterns: [
      [/^(.+) is missing start event$/, "{1}缺少开始事件"],
      [/^(.+) is missing end event$/, "{1}缺少结束事件"],
      [/^(.+) has multiple blank start events$/, "{1}有多个空白开始事件"],
      [/^Element type <bpmn:ComplexGateway> is discouraged$/, "平台不支持复杂网关"],
      [/^Element has disallowed type <(.+)>$/, "不允许的元素类型 <{1}>"],
      [/^Link (catch|throw) event with link name <(.*)> missing in scope$/, "链接名称 <{2}> 在此范围内缺少对应的链接事件"],
      [/^Duplicate link catch event with link name <(.*)> in scope$/, "链接名称 <{1}> 的链接捕获事件重复"],
      [/^Link catch event with link name <(.*)> missing in scope$/, "链接名称 <{1}> 缺少链接捕获事件"],
    ],
    // bpmnlint writes the scope of some messages as the type's name
    types: { Process: "流程", "Sub process": "子流程", "Sub Process": "子流程" },
  },
};

/** A message template with its {placeholders} filled. */
export function format(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** bpmnlint's English message in the words of ``table`` (MESSAGES.bpmnlint or its translation). */
export function translateBpmnlint(message, table) {
  // bpmnlint writes English: an English page shows its messages as written.
  if (!table || typeof message !== "string" || !pageIsChinese()) return message;
  if (table.exact && message in table.exact) return table.exact[message];
  for (const [pattern, template] of table.patterns || []) {
    const match = pattern.exec(message);
    if (match) {
      const groups = {};
      match.slice(1).forEach((value, index) => {
        groups[index + 1] = (table.types && table.types[value]) || value;
      });
      return format(template, groups);
    }
  }
  return message;
}
