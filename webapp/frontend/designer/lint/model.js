// Reading a BPMN moddle tree the way engine/validation.py reads the XML. Works with the modeler's
// moddle (which knows the spiffworkflow extension) and with a moddle that does not (generic
// elements with $children), so the rules give the same answers in the browser and in cli.mjs.

// The server's FLOW_NODES: the elements it checks (stages, timers, reachability).
export const FLOW_NODE_TYPES = new Set([
  "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
  "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask", "task",
  "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
  "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
]);
export const CHOICE_GATEWAY_TYPES = new Set(["exclusiveGateway", "inclusiveGateway", "complexGateway"]);
const CONTAINER_TYPES = new Set(["subProcess", "transaction", "adHocSubProcess"]);
const SPIFF = "spiffworkflow:";

/** The element's BPMN type with a lower-case first letter, as the XML writes it ("userTask"). */
export function bpmnKind(element) {
  const type = (element && element.$type) || "";
  if (!type.startsWith("bpmn:")) return "";
  const local = type.slice(5);
  return local.charAt(0).toLowerCase() + local.slice(1);
}

export function isFlowNode(element) {
  return FLOW_NODE_TYPES.has(bpmnKind(element));
}

/** The extension element's type in lower case ("spiffworkflow:properties"), typed or generic. */
function spiffKind(element) {
  const type = (element && element.$type) || "";
  return type.toLowerCase().startsWith(SPIFF) ? SPIFF + type.slice(SPIFF.length).toLowerCase() : "";
}

function extensionValues(element) {
  return (element && element.extensionElements && element.extensionElements.values) || [];
}

// The contained elements of ``kind``, whatever the descriptor calls the list holding them
// (``properties`` in ours; another copy of the descriptor may name it otherwise) or $children.
function children(element, kind) {
  const lists = Object.values(element).filter(Array.isArray);
  const found = new Set([...lists.flat(), ...(element.$children || [])]);
  return [...found].filter((child) => spiffKind(child) === kind);
}

/** The spiffworkflow:property name → value pairs of an element (engine.validation._props). */
export function properties(element) {
  const found = {};
  for (const value of extensionValues(element)) {
    if (spiffKind(value) !== "spiffworkflow:properties") continue;
    for (const property of children(value, "spiffworkflow:property")) {
      found[property.name] = property.value || "";
    }
  }
  return found;
}

/** The spiffworkflow:serviceTaskOperator of a service task, or null. */
export function serviceOperator(element) {
  return extensionValues(element).find((value) => spiffKind(value) === "spiffworkflow:servicetaskoperator") || null;
}

/** Every extension element of ``kind`` anywhere under ``element`` (for the generic case, too). */
export function extensionElementsOfKind(element, kind) {
  return extensionValues(element).filter((value) => spiffKind(value) === kind);
}

/** The flow elements of a process or sub-process and of every sub-process in it, in document order. */
export function allFlowElements(container) {
  const found = [];
  for (const element of container.flowElements || []) {
    found.push(element);
    if (CONTAINER_TYPES.has(bpmnKind(element))) found.push(...allFlowElements(element));
  }
  return found;
}

export function flowNodesOf(container) {
  return allFlowElements(container).filter(isFlowNode);
}

export function sequenceFlowsOf(container) {
  return allFlowElements(container).filter((element) => bpmnKind(element) === "sequenceFlow");
}

/** Whether ``element`` directly contains flow elements (a sub-process, transaction, ad-hoc). */
export function isContainer(element) {
  return CONTAINER_TYPES.has(bpmnKind(element));
}

/** Flow node id → the name of its lane (the innermost lane, as the server's dict keeps the last). */
export function laneNamesOf(process) {
  const names = new Map();
  const visit = (laneSet) => {
    for (const lane of (laneSet && laneSet.lanes) || []) {
      for (const node of lane.flowNodeRef || []) {
        if (node && node.id) names.set(node.id, lane.name);
      }
      visit(lane.childLaneSet);
    }
  };
  (process.laneSets || []).forEach(visit);
  return names;
}

/** The ids of the processes defined next to ``element`` (in the same definitions). */
export function processIdsOfFile(element) {
  let root = element;
  while (root && root.$parent) root = root.$parent;
  return ((root && root.rootElements) || []).filter((e) => bpmnKind(e) === "process").map((e) => e.id);
}

/** The text of a FormalExpression (or a generic element's body), trimmed. */
export function expressionText(expression) {
  if (!expression) return "";
  const body = expression.body !== undefined ? expression.body : expression.$body;
  return typeof body === "string" ? body.trim() : "";
}
