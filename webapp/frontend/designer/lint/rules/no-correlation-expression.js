// Server twin: "correlation expressions are refused" — SpiffWorkflow would evaluate them outside
// the safe evaluator. Named by the element holding the expression (a correlationProperty).
import { bpmnKind } from "../model.js";
import { definitionsRule } from "../rule.js";

const VARIABLE_CORRELATION = "spiffworkflow:processvariablecorrelation";

function holdersOfExpressions(element, found = new Set(), parent = null) {
  if (!element || typeof element !== "object") return found;
  const type = (element.$type || "").toLowerCase();
  if (bpmnKind(element) === "correlationPropertyRetrievalExpression" || type === VARIABLE_CORRELATION) {
    found.add((parent && parent.id) || "correlation");
  }
  for (const [name, value] of Object.entries(element)) {
    if (name.startsWith("$") && name !== "$children") continue;
    const values = Array.isArray(value) ? value : [value];
    for (const child of values) {
      // contained elements only: a child whose $parent is this element (not a reference)
      if (child && child.$type && (child.$parent === element || name === "$children")) {
        holdersOfExpressions(child, found, element);
      }
    }
  }
  return found;
}

export default definitionsRule((definitions, report) => {
  const executable = (definitions.rootElements || []).some((e) => bpmnKind(e) === "process" && e.isExecutable !== false);
  if (!executable) return;
  for (const id of holdersOfExpressions(definitions)) report(id, "correlationExpression");
});
