// Duibiao's BPMN lint for the designer (bpmn-js-bpmnlint's `linting.bpmnlint` option) and for
// cli.mjs: the platform's deploy checks (engine/validation.py is the authority; each duibiao/ rule
// mirrors one of its checks with its words) plus bpmnlint's recommended rules where they fit.
//
// Server-only, not mirrored here: conditions, scripts and timer expressions through the safe
// evaluator, the variables and functions they may use, the hardened XML parser (DOCTYPE, size) and
// SpiffWorkflow's own parse. The designer's 保存/部署 still goes through `duibiao workflows validate`.
//
// bpmnlint's recommended rules, chosen by running them over workflows/*.bpmn (which the server
// accepts) and the server's fixtures (tests/engine/bpmn_fixtures.py):
//   kept as errors: start-event-required, end-event-required, no-duplicate-sequence-flows,
//     no-implicit-split, no-implicit-start, no-implicit-end, single-blank-start-event,
//     single-event-definition, no-complex-gateway (SpiffWorkflow does not run it), event-based-gateway,
//     ad-hoc-sub-process, sub-process-blank-start-event, event-sub-process-typed-start-event, link-event
//   warnings: no-gateway-join-fork (compliance_review's institution_gateway joins and forks, and runs),
//     label-required (the server runs unnamed events and gateways; only user task names are shown),
//     superfluous-gateway, superfluous-label, superfluous-termination, global
//   dropped: fake-join (fires on every 退回修改 loop that re-enters a task: the shipped idiom),
//     no-disconnected (duibiao/reachable is the server's check, and stricter), conditional-flows
//     (duibiao/gateway-flow-condition is the server's check; both would name the same flow),
//     no-inclusive-gateway (the platform runs inclusive gateways), no-bpmndi and
//     no-overlapping-elements (layout: the server needs no diagram; the modeler always draws one).

import adHocSubProcess from "bpmnlint/rules/ad-hoc-sub-process.js";
import endEventRequired from "bpmnlint/rules/end-event-required.js";
import eventBasedGateway from "bpmnlint/rules/event-based-gateway.js";
import eventSubProcessTypedStartEvent from "bpmnlint/rules/event-sub-process-typed-start-event.js";
import globalElements from "bpmnlint/rules/global.js";
import labelRequired from "bpmnlint/rules/label-required.js";
import linkEvent from "bpmnlint/rules/link-event.js";
import noComplexGateway from "bpmnlint/rules/no-complex-gateway.js";
import noDuplicateSequenceFlows from "bpmnlint/rules/no-duplicate-sequence-flows.js";
import noGatewayJoinFork from "bpmnlint/rules/no-gateway-join-fork.js";
import noImplicitEnd from "bpmnlint/rules/no-implicit-end.js";
import noImplicitSplit from "bpmnlint/rules/no-implicit-split.js";
import noImplicitStart from "bpmnlint/rules/no-implicit-start.js";
import singleBlankStartEvent from "bpmnlint/rules/single-blank-start-event.js";
import singleEventDefinition from "bpmnlint/rules/single-event-definition.js";
import startEventRequired from "bpmnlint/rules/start-event-required.js";
import subProcessBlankStartEvent from "bpmnlint/rules/sub-process-blank-start-event.js";
import superfluousGateway from "bpmnlint/rules/superfluous-gateway.js";
import superfluousLabel from "bpmnlint/rules/superfluous-label.js";
import superfluousTermination from "bpmnlint/rules/superfluous-termination.js";

import { MESSAGES, translateBpmnlint } from "./messages.js";
import { DUIBIAO_RULES } from "./rules/index.js";

export { MESSAGES } from "./messages.js";

const DUIBIAO_PACKAGE = "bpmnlint-plugin-duibiao";

// bpmnlint rule name → [its factory, the category Duibiao gives it]
export const BPMNLINT_RULES = {
  "start-event-required": [startEventRequired, "error"],
  "end-event-required": [endEventRequired, "error"],
  "no-duplicate-sequence-flows": [noDuplicateSequenceFlows, "error"],
  "no-implicit-split": [noImplicitSplit, "error"],
  "no-implicit-start": [noImplicitStart, "error"],
  "no-implicit-end": [noImplicitEnd, "error"],
  "single-blank-start-event": [singleBlankStartEvent, "error"],
  "single-event-definition": [singleEventDefinition, "error"],
  "no-complex-gateway": [noComplexGateway, "error"],
  "event-based-gateway": [eventBasedGateway, "error"],
  "ad-hoc-sub-process": [adHocSubProcess, "error"],
  "sub-process-blank-start-event": [subProcessBlankStartEvent, "error"],
  "event-sub-process-typed-start-event": [eventSubProcessTypedStartEvent, "error"],
  "link-event": [linkEvent, "error"],
  "no-gateway-join-fork": [noGatewayJoinFork, "warn"],
  "label-required": [labelRequired, "warn"],
  "superfluous-gateway": [superfluousGateway, "warn"],
  "superfluous-label": [superfluousLabel, "warn"],
  "superfluous-termination": [superfluousTermination, "warn"],
  global: [globalElements, "warn"],
};

/** The rules config: every Duibiao rule an error, bpmnlint's as BPMNLINT_RULES says. */
export function rulesConfig() {
  const rules = {};
  for (const name of Object.keys(DUIBIAO_RULES)) rules[`duibiao/${name}`] = "error";
  for (const [name, [, category]] of Object.entries(BPMNLINT_RULES)) rules[`bpmnlint/${name}`] = category;
  return rules;
}

/** bpmnlint's rule with its reports in the words of ``table`` (check may be a function or {enter, leave}). */
function translated(factory, table) {
  const wrap = (visit) => visit && ((node, reporter) => visit(node, {
    report: (id, message, path) => reporter.report(id, translateBpmnlint(message, table), path),
  }));
  return (config) => {
    const rule = factory(config);
    const { check } = rule;
    return { ...rule, check: typeof check === "function" ? wrap(check) : { enter: wrap(check.enter), leave: wrap(check.leave) } };
  };
}

/**
 * The `linting.bpmnlint` option of bpmn-js-bpmnlint (and the options of bpmnlint's Linter):
 * ``catalogue`` says what the platform implements ({roles, formKeys, services, processes, …}, each a
 * list of {value, label}; a missing list is not checked), ``messages`` the words (MESSAGES or a
 * translation of it).
 */
export function lintConfig(catalogue = {}, messages = MESSAGES) {
  const context = { catalogue: catalogue || {}, messages };
  const config = { rules: rulesConfig() };
  const resolver = {
    resolveRule(pkg, ruleName) {
      if (pkg === DUIBIAO_PACKAGE && DUIBIAO_RULES[ruleName]) return DUIBIAO_RULES[ruleName](context);
      if (pkg === "bpmnlint" && BPMNLINT_RULES[ruleName]) {
        return translated(BPMNLINT_RULES[ruleName][0], messages.bpmnlint);
      }
      return undefined; // the Linter reports an unknown rule
    },
    resolveConfig(pkg, configName) {
      // "plugin:duibiao/recommended" names the same set, for configs that extend it
      return pkg === DUIBIAO_PACKAGE && configName === "recommended" ? config : undefined;
    },
  };
  return { config, resolver };
}
