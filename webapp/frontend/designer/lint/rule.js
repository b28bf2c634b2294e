// The shape shared by Duibiao's rules: a rule module exports a factory taking the lint context
// ({catalogue, messages}) and giving a bpmnlint RuleFactory. Most rules check one executable process
// at a time, as engine/validation.py's _ProcessChecker does (a process with isExecutable="false" is
// not checked there, so not here either).

import { format } from "./messages.js";
import { bpmnKind } from "./model.js";

const DOCS = "docs/bpmn-conventions.md";

function reportIn(reporter, context) {
  return (id, key, params) => reporter.report(id, format(context.messages.duibiao[key], params));
}

/** A rule whose ``checkProcess(process, report, context)`` runs once per executable process. */
export function processRule(checkProcess) {
  return (context) => () => ({
    meta: { documentation: { url: DOCS } },
    check(node, reporter) {
      if (bpmnKind(node) !== "process") return undefined;
      if (node.isExecutable !== false) checkProcess(node, reportIn(reporter, context), context);
      return false; // the process was read as a whole: no need to descend
    },
  });
}

/** A rule whose ``checkDefinitions(definitions, report, context)`` runs once per file. */
export function definitionsRule(checkDefinitions) {
  return (context) => () => ({
    meta: { documentation: { url: DOCS } },
    check(node, reporter) {
      if (bpmnKind(node) !== "definitions") return false;
      checkDefinitions(node, reportIn(reporter, context), context);
      return false;
    },
  });
}

/** The catalogue's values of ``list`` as a Set, or null when the catalogue has no such list
 * (a rule then does not check). */
export function catalogueValues(context, list) {
  const entries = context.catalogue && context.catalogue[list];
  if (!Array.isArray(entries)) return null;
  return new Set(entries.map((entry) => (entry && typeof entry === "object" ? entry.value : entry)));
}
