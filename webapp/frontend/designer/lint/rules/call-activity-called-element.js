// Server twin: "call activity names a process" — calledElement is set.
import { bpmnKind, flowNodesOf } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) === "callActivity" && !node.calledElement) report(node.id, "calledElementMissing");
  }
});
