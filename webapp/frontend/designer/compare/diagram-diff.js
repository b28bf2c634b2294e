// What changed between two BPMN versions, by bpmn-js-differ over both documents read by bpmn-moddle
// (with the spiffworkflow extension, so a changed formKey or stageLabel counts as a change).

import { BpmnModdle } from "bpmn-moddle";
import { diff } from "bpmn-js-differ";

import spiffworkflow from "../spiffworkflow.json";

async function readDefinitions(xml) {
  const { rootElement } = await new BpmnModdle({ spiffworkflow }).fromXML(xml);
  return rootElement;
}

/** {added, removed, changed, layoutChanged}: sorted element ids; an element moved and changed
 * counts as changed only. */
export async function diffDocuments(oldXml, newXml) {
  const [oldDefinitions, newDefinitions] = await Promise.all([readDefinitions(oldXml), readDefinitions(newXml)]);
  const changes = diff(oldDefinitions, newDefinitions);
  const ids = (found) => Object.keys(found || {}).sort();
  const added = ids(changes._added);
  const removed = ids(changes._removed);
  const changed = ids(changes._changed);
  const semantic = new Set([...added, ...removed, ...changed]);
  const layoutChanged = ids(changes._layoutChanged).filter((id) => !semantic.has(id));
  return { added, removed, changed, layoutChanged };
}
