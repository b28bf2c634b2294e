// Server twin: "form key implemented" — a form the platform implements (catalogue.formKeys).
import { bpmnKind, flowNodesOf, properties } from "../model.js";
import { catalogueValues, processRule } from "../rule.js";

export default processRule((process, report, context) => {
  const formKeys = catalogueValues(context, "formKeys");
  if (formKeys === null) return;
  for (const node of flowNodesOf(process)) {
    const form = bpmnKind(node) === "userTask" && properties(node).formKey;
    if (form && !formKeys.has(form)) report(node.id, "formKeyUnknown", { form });
  }
});
