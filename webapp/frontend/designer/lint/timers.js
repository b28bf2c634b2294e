// Timer expressions as engine/validation.py reads them: each timeDate / timeDuration / timeCycle
// of a timer event definition, and whether a literal string in one is ISO 8601.

import { bpmnKind } from "./model.js";

const ISO_DURATION = /^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const ISO_CYCLE = /^R\d*\//;
const TIME_KINDS = ["timeDate", "timeDuration", "timeCycle"];
// Python literals that are not strings: the server's ast.literal_eval gives a number, bool or None
const NON_STRING_LITERAL = /^([-+]?(\d[\d_]*\.?\d*([eE][-+]?\d+)?|\.\d+)j?|True|False|None)$/;

/** Each {kind, expression} of the node's timer event definitions; a definition with no time at
 * all counts as one empty expression (the server refuses it in its SpiffWorkflow parse). */
export function timerExpressions(node) {
  const found = [];
  for (const definition of node.eventDefinitions || []) {
    if (bpmnKind(definition) !== "timerEventDefinition") continue;
    const kinds = TIME_KINDS.filter((kind) => definition[kind]);
    if (!kinds.length) found.push({ kind: "timeDuration", expression: null });
    for (const kind of kinds) found.push({ kind, expression: definition[kind] });
  }
  return found;
}

/** The value of a Python string literal ("P7D" or 'P7D'), undefined when ``text`` is another
 * literal, null when it is an expression (the server's safe evaluator reads those). */
export function pythonLiteral(text) {
  const quoted = /^[uU]?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')$/.exec(text);
  if (quoted) {
    const inner = quoted[1].slice(1, -1);
    return inner.includes("\\") ? null : inner; // escapes: leave the judgement to the server
  }
  return NON_STRING_LITERAL.test(text) ? undefined : null;
}

export function isIso8601(kind, value) {
  if (kind === "timeDuration") return ISO_DURATION.test(value);
  if (kind === "timeDate") return ISO_DATE.test(value);
  if (kind === "timeCycle") {
    const parts = value.split("/");
    const last = parts[parts.length - 1];
    return ISO_CYCLE.test(value) && (parts.length === 2 || parts.length === 3)
      && (ISO_DURATION.test(last) || ISO_DATE.test(last));
  }
  return false;
}
