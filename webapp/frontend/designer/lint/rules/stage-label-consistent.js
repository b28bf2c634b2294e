// Server twin: "one label per stage" — the first label of a stage code in the process is the one;
// a later element giving another label is named (the server keeps one label table per process).
import { flowNodesOf, properties } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  const labels = new Map();
  for (const node of flowNodesOf(process)) {
    const { stage, stageLabel: label } = properties(node);
    if (!stage || !label) continue;
    if (!labels.has(stage)) labels.set(stage, label);
    else if (labels.get(stage) !== label) {
      report(node.id, "stageLabelDiffers", { stage, label, other: labels.get(stage) });
    }
  }
});
