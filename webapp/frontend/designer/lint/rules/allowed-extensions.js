// Server twin: "only the extension elements the platform reads" — SpiffWorkflow runs some of its own
// extension elements (pre- and post-scripts, message payloads…) outside the checks; the platform
// reads only spiffworkflow:properties / property / serviceTaskOperator / parameters / parameter.
import { allFlowElements } from "../model.js";
import { processRule } from "../rule.js";

const ALLOWED = new Set(["properties", "property", "servicetaskoperator", "parameters", "parameter"]);
const PREFIX = "spiffworkflow:";

function extensionName(value) {
  const type = (value && value.$type) || "";
  if (!type.toLowerCase().startsWith(PREFIX)) return null;
  const local = type.slice(PREFIX.length);
  return local.charAt(0).toLowerCase() + local.slice(1); // "PreScript" (typed) or "preScript" (generic)
}

export default processRule((process, report) => {
  for (const element of [process, ...allFlowElements(process)]) {
    const values = (element.extensionElements && element.extensionElements.values) || [];
    for (const value of values) {
      const name = extensionName(value);
      if (name && !ALLOWED.has(name.toLowerCase())) report(element.id, "extensionNotAllowed", { name });
    }
  }
});
