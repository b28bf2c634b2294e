// Server twin: "timer has an expression" — every timer says when it fires.
import { expressionText, flowNodesOf } from "../model.js";
import { processRule } from "../rule.js";
import { timerExpressions } from "../timers.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    if (timerExpressions(node).some(({ expression }) => !expressionText(expression))) report(node.id, "timerEmpty");
  }
});
