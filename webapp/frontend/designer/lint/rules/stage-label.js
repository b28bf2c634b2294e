// Server twin: "stage has a label" — any element with a stage says what pages show for it.
import { flowNodesOf, properties } from "../model.js";
import { processRule } from "../rule.js";

export default processRule((process, report) => {
  for (const node of flowNodesOf(process)) {
    const { stage, stageLabel } = properties(node);
    if (stage && !stageLabel) report(node.id, "stageLabelMissing", { stage });
  }
});
