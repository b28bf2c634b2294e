// Server twin: "lane is a role" — a user task's lane names the role offered its tasks.
import { bpmnKind, flowNodesOf, laneNamesOf } from "../model.js";
import { catalogueValues, processRule } from "../rule.js";

export default processRule((process, report, context) => {
  const roles = catalogueValues(context, "roles");
  if (roles === null) return;
  const lanes = laneNamesOf(process);
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) !== "userTask") continue;
    const lane = lanes.get(node.id);
    if (!roles.has(lane)) {
      report(node.id, "laneNotRole", { lane: lane || "", roles: [...roles].sort().join(", ") });
    }
  }
});
