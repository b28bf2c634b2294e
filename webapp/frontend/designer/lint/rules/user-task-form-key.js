// Server twin: "user task has a form key" — the form the user fills in.
import { bpmnKind, flowNodesOf, properties } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) === "userTask" && !properties(node).formKey) report(node.id, "formKeyMissing");
  }
});
