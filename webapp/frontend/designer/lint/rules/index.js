// Duibiao's rules by their stable names ("duibiao/<name>" in a bpmnlint config).
import allowedExtensions from "./allowed-extensions.js";
import callActivityCalledElement from "./call-activity-called-element.js";
import callActivityKnown from "./call-activity-known.js";
import formKeyImplemented from "./form-key-implemented.js";
import gatewayFlowCondition from "./gateway-flow-condition.js";
import laneRole from "./lane-role.js";
import noAdHocCompletionCondition from "./no-ad-hoc-completion-condition.js";
import noCorrelationExpression from "./no-correlation-expression.js";
import reachable from "./reachable.js";
import scriptTaskScript from "./script-task-script.js";
import serviceRegistered from "./service-registered.js";
import serviceTaskOperator from "./service-task-operator.js";
import stageLabel from "./stage-label.js";
import stageLabelConsistent from "./stage-label-consistent.js";
import timeLimitDays from "./time-limit-days.js";
import timerExpression from "./timer-expression.js";
import timerIso8601 from "./timer-iso-8601.js";
import userTaskFormKey from "./user-task-form-key.js";
import userTaskStage from "./user-task-stage.js";

export const DUIBIAO_RULES = {
  "lane-role": laneRole,
  "user-task-form-key": userTaskFormKey,
  "form-key-implemented": formKeyImplemented,
  "user-task-stage": userTaskStage,
  "time-limit-days": timeLimitDays,
  "stage-label": stageLabel,
  "stage-label-consistent": stageLabelConsistent,
  "service-task-operator": serviceTaskOperator,
  "service-registered": serviceRegistered,
  "script-task-script": scriptTaskScript,
  "call-activity-called-element": callActivityCalledElement,
  "call-activity-known": callActivityKnown,
  "gateway-flow-condition": gatewayFlowCondition,
  "timer-expression": timerExpression,
  "timer-iso-8601": timerIso8601,
  "no-correlation-expression": noCorrelationExpression,
  "no-ad-hoc-completion-condition": noAdHocCompletionCondition,
  reachable,
  "allowed-extensions": allowedExtensions,
};
