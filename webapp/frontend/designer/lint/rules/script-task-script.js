// Server twin: "script task has a script" (whether the script is safe stays the server's to say).
import { bpmnKind, flowNodesOf } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) === "scriptTask" && !(node.script || "").trim()) report(node.id, "scriptMissing");
  }
});
