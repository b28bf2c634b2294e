// Server twin: "time limit is a whole number of days" — timeLimitDays (办理期限) on a user task, 1 … 365.
import { bpmnKind, flowNodesOf, properties } from "../model.js";
import { processRule } from "../rule.js";

const MAX_DAYS = 365; // engine/task_due.py MAX_DAYS

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (bpmnKind(node) !== "userTask") continue;
    const value = String(properties(node).timeLimitDays || "").trim();
    if (value && !(/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_DAYS)) {
      report(node.id, "timeLimitNotDays", { max: MAX_DAYS });
    }
  }
});
