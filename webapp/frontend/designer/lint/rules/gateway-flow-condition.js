// Server twin: "gateway flows have conditions or a default" — each flow out of an exclusive,
// inclusive or complex gateway with two or more exits has a condition or is the default.
import { CHOICE_GATEWAY_TYPES, bpmnKind, expressionText, flowNodesOf, sequenceFlowsOf } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  const flows = sequenceFlowsOf(process);
  for (const gateway of flowNodesOf(process)) {
    if (!CHOICE_GATEWAY_TYPES.has(bpmnKind(gateway))) continue;
    // the server reads sourceRef, not the gateway's <outgoing> list
    const outgoing = flows.filter((flow) => flow.sourceRef && flow.sourceRef.id === gateway.id);
    if (outgoing.length < 2) continue;
    const defaultId = gateway.default && gateway.default.id;
    for (const flow of outgoing) {
      if (flow.id !== defaultId && !expressionText(flow.conditionExpression)) {
        report(flow.id, "gatewayFlowUnguarded", { gateway: gateway.id });
      }
    }
  }
});
