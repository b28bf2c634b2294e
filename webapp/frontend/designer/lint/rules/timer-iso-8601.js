// Server twin: "timer is ISO 8601" — a literal timer expression is a quoted ISO 8601 string such as
// "P7D". An expression that is not a literal is the server's to judge (its safe evaluator).
import { expressionText, flowNodesOf } from "../model.js";
import { processRule } from "../rule.js";
import { isIso8601, pythonLiteral, timerExpressions } from "../timers.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    for (const { kind, expression } of timerExpressions(node)) {
      const text = expressionText(expression);
      const value = text ? pythonLiteral(text) : null;
      if (value === null) continue;
      if (value === undefined || !isIso8601(kind, value)) report(node.id, "timerNotIso", { text });
    }
  }
});
