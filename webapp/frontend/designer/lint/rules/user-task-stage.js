// Server twin: "user task has a stage" — where the instance stands while the task is open.
import { bpmnKind, flowNodesOf, properties } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) === "userTask" && !properties(node).stage) report(node.id, "stageMissing");
  }
});
