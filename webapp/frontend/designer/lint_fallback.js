// Stand-in for ./lint/index.js (written separately): the same lintConfig(catalogue) shape that
// bpmn-js-bpmnlint accepts ({config, resolver}), with one rule — a stage without its label.
const PLUGIN = "bpmnlint-plugin-duibiao";

function platformProperties(node) {
  const extensionElements = node.extensionElements;
  const values = (extensionElements && extensionElements.values) || [];
  const properties = values.find((value) => value.$type === "spiffworkflow:Properties");
  const result = {};
  for (const property of (properties && properties.values) || []) {
    result[property.name] = property.value;
  }
  return result;
}

function stageLabelRule() {
  return {
    check(node, reporter) {
      const { stage, stageLabel } = platformProperties(node);
      if (stage && !stageLabel) {
        reporter.report(node.id, `阶段“${stage}”缺少显示名称（stageLabel）`);
      }
    },
  };
}

const RULES = { "stage-label": stageLabelRule };

// eslint-disable-next-line no-unused-vars
export function lintConfig(catalogue) {
  return {
    config: { rules: { "duibiao/stage-label": "error" } },
    resolver: {
      resolveRule: (pkg, ruleName) => (pkg === PLUGIN ? RULES[ruleName] || null : null),
      resolveConfig: () => null,
    },
  };
}
