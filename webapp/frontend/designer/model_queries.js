// Questions about the diagram the panel and the lint ask: which lane holds a flow node, whether an
// element carries a stage, whether a flow leaves a gateway that chooses by condition.
import { getBusinessObject, is, isAny } from "bpmn-js/lib/util/ModelUtil";

import { getPlatformProperty } from "./extension_elements.js";

/** The innermost lane whose flowNodeRef lists the element (what the engine reads), or null. */
export function findLane(elementRegistry, element) {
  const businessObject = getBusinessObject(element);
  const holding = elementRegistry.filter((candidate) => is(candidate, "bpmn:Lane")
    && (getBusinessObject(candidate).get("flowNodeRef") || []).includes(businessObject));
  const innermost = holding.filter((lane) => {
    const children = getBusinessObject(lane).get("childLaneSet");
    return !children || !(children.get("lanes") || []).length;
  });
  return innermost[0] || holding[0] || null;
}

const STAGE_CARRIERS = [
  "bpmn:UserTask", "bpmn:StartEvent", "bpmn:EndEvent", "bpmn:IntermediateCatchEvent", "bpmn:ReceiveTask",
  "bpmn:ManualTask",
];

/** Elements whose stage the platform shows while they are current (and any that already has one). */
export function carriesStage(element) {
  return isAny(element, STAGE_CARRIERS)
    || (is(element, "bpmn:FlowNode") && Boolean(getPlatformProperty(element, "stage")));
}

export function leavesChoosingGateway(element) {
  return is(element, "bpmn:SequenceFlow") && Boolean(element.source)
    && isAny(element.source, ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"]);
}

export function isDefaultFlow(element) {
  return Boolean(element.source) && getBusinessObject(element.source).get("default") === getBusinessObject(element);
}

export function isTimerEvent(element) {
  const definitions = getBusinessObject(element).get("eventDefinitions") || [];
  return is(element, "bpmn:Event") && definitions.some((definition) => is(definition, "bpmn:TimerEventDefinition"));
}
