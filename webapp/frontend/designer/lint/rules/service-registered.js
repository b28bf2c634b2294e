// Server twin: "service is registered" — the function is one the platform registered (catalogue.services).
import { bpmnKind, flowNodesOf, serviceOperator } from "../model.js";
import { catalogueValues, processRule } from "../rule.js";

export default processRule((process, report, context) => {
  const services = catalogueValues(context, "services");
  if (services === null) return;
  for (const node of flowNodesOf(process)) {
    const operator = bpmnKind(node) === "serviceTask" && serviceOperator(node);
    if (operator && operator.id && !services.has(operator.id)) report(node.id, "serviceUnknown", { name: operator.id });
  }
});
