// Server twin: "ad-hoc completion conditions are refused" (not read through the safe evaluator).
import { bpmnKind, flowNodesOf } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) === "adHocSubProcess" && node.completionCondition) report(node.id, "adHocCompletionCondition");
  }
});
