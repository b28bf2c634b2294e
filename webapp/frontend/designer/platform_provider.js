// The properties panel provider adding 平台属性: the properties Duibiao's engine reads, per element.
import { is } from "bpmn-js/lib/util/ModelUtil";
import { isSelectEntryEdited, isTextFieldEntryEdited, Group } from "@bpmn-io/properties-panel";

import { getPlatformProperty } from "./extension_elements.js";
import { carriesStage, isDefaultFlow, isTimerEvent, leavesChoosingGateway } from "./model_queries.js";
import {
  CalledElementEntry, ConditionEntry, DefaultFlowEntry, FormKeyEntry, LaneRoleEntry, ResultVariableEntry,
  ReviewOptionsEntry, ServiceOperatorEntry, StageEntry, StageLabelEntry, TaskLaneEntry, TimeLimitEntry,
  TimerHintEntry,
} from "./platform_entries.js";

const LOW_PRIORITY = 500;

function entry(id, component, isEdited = isTextFieldEntryEdited) {
  return { id, component, isEdited };
}

function userTaskEntries(element) {
  const entries = [entry("duibiao-formKey", FormKeyEntry, isSelectEntryEdited)];
  if (getPlatformProperty(element, "formKey") === "generic_review") {
    entries.push(entry("duibiao-reviewOptions", ReviewOptionsEntry, () => false));
  }
  entries.push(entry("duibiao-timeLimit", TimeLimitEntry));
  entries.push(entry("duibiao-lane", TaskLaneEntry, () => false));
  return entries;
}

/** The platform's entries for an element, in the order the designer fills them in. */
export function platformEntries(element) {
  const entries = [];
  if (is(element, "bpmn:Lane")) entries.push(entry("duibiao-laneRole", LaneRoleEntry, isSelectEntryEdited));
  if (is(element, "bpmn:UserTask")) entries.push(...userTaskEntries(element));
  if (carriesStage(element)) {
    entries.push(entry("duibiao-stage", StageEntry), entry("duibiao-stageLabel", StageLabelEntry));
  }
  if (is(element, "bpmn:ServiceTask")) {
    entries.push(entry("duibiao-service", ServiceOperatorEntry, isSelectEntryEdited),
      entry("duibiao-resultVariable", ResultVariableEntry));
  }
  if (is(element, "bpmn:CallActivity")) {
    entries.push(entry("duibiao-calledElement", CalledElementEntry, isSelectEntryEdited));
  }
  if (leavesChoosingGateway(element)) {
    // bpmn-js drops a flow's condition when it becomes the default (and the reverse): one or the other.
    if (!isDefaultFlow(element)) entries.push(entry("duibiao-condition", ConditionEntry));
    entries.push(entry("duibiao-default", DefaultFlowEntry, () => false));
  }
  if (isTimerEvent(element)) entries.push(entry("duibiao-timerHint", TimerHintEntry, () => false));
  return entries;
}

export default function PlatformPropertiesProvider(propertiesPanel, platformConfig) {
  const words = (platformConfig && platformConfig.words) || {};
  this.getGroups = (element) => (groups) => {
    const entries = platformEntries(element);
    if (!entries.length) return groups;
    const group = { id: "duibiao", label: words.group, entries, component: Group, shouldOpen: true };
    const general = groups.findIndex((g) => g.id === "general");
    groups.splice(general + 1, 0, group);
    return groups;
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

PlatformPropertiesProvider.$inject = ["propertiesPanel", "config.duibiao"];

export const platformPropertiesModule = {
  __init__: ["platformPropertiesProvider"],
  platformPropertiesProvider: ["type", PlatformPropertiesProvider],
};
