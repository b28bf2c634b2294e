// Server twin: "no unreachable element" — every flow node is reached from a start event along
// sequence flows, boundary events of reached activities, and the contents of reached sub-processes.
// (Stricter than bpmnlint's no-disconnected: a loop with no way in from a start is found too.)
import { bpmnKind, flowNodesOf, isContainer, isFlowNode, sequenceFlowsOf } from "../model.js";
import { processRule } from "../rule.js";

function successors(process) {
  const next = new Map();
  const add = (from, to) => next.set(from, [...(next.get(from) || []), to]);
  for (const flow of sequenceFlowsOf(process)) {
    if (flow.sourceRef && flow.targetRef) add(flow.sourceRef.id, flow.targetRef.id);
  }
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) === "boundaryEvent" && node.attachedToRef) add(node.attachedToRef.id, node.id);
    if (isContainer(node)) (node.flowElements || []).filter(isFlowNode).forEach((child) => add(node.id, child.id));
  }
  return next;
}

export default processRule((process, report) => {
  const nodes = flowNodesOf(process);
  const next = successors(process);
  const reached = new Set();
  const stack = nodes.filter((node) => bpmnKind(node) === "startEvent").map((node) => node.id);
  while (stack.length) {
    const id = stack.pop();
    if (reached.has(id)) continue;
    reached.add(id);
    stack.push(...(next.get(id) || []));
  }
  for (const node of nodes) {
    if (!reached.has(node.id)) report(node.id, "unreachable");
  }
});
