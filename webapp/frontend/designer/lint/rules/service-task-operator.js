// Server twin: "service task names a function" — spiffworkflow:serviceTaskOperator id="…".
import { bpmnKind, flowNodesOf, serviceOperator } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) !== "serviceTask") continue;
    const operator = serviceOperator(node);
    if (!operator || !operator.id) report(node.id, "serviceOperatorMissing");
  }
});
