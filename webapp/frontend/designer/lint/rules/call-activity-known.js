// Server twin: "call activity target exists" — the called process is deployed (catalogue.processes)
// or defined in the same file.
import { bpmnKind, flowNodesOf, processIdsOfFile } from "../model.js";
import { catalogueValues, processRule } from "../rule.js";

export default processRule((process, report, context) => {
  const deployed = catalogueValues(context, "processes");
  if (deployed === null) return;
  const known = new Set([...deployed, ...processIdsOfFile(process)]);
  for (const node of flowNodesOf(process)) {
    const key = bpmnKind(node) === "callActivity" && node.calledElement;
    if (key && !known.has(key)) report(node.id, "calledElementUnknown", { key });
  }
});
