// Reading and writing the spiffworkflow extension elements the platform reads (properties,
// serviceTaskOperator). Every write is one undoable command on the modeler's command stack and
// creates bpmn:extensionElements / spiffworkflow:properties only when they are missing.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const MULTI_COMMAND = "properties-panel.multi-command-executor";

export function findExtension(businessObject, type) {
  const extensionElements = businessObject.get("extensionElements");
  const values = (extensionElements && extensionElements.get("values")) || [];
  return values.find((value) => is(value, type));
}

/** The value of `<spiffworkflow:property name=…>` on the element, or "" when absent. */
export function getPlatformProperty(element, name) {
  const properties = findExtension(getBusinessObject(element), "spiffworkflow:Properties");
  const property = properties && properties.get("values").find((entry) => entry.name === name);
  return (property && property.value) || "";
}

export function getServiceOperator(element) {
  return findExtension(getBusinessObject(element), "spiffworkflow:ServiceTaskOperator");
}

function createChild(bpmnFactory, type, attrs, parent) {
  const child = bpmnFactory.create(type, attrs);
  child.$parent = parent;
  return child;
}

function update(element, moddleElement, properties) {
  return { cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } };
}

/** The extension of `type` on the element, with the commands that create it (and its container). */
function ensureExtension(element, type, bpmnFactory) {
  const businessObject = getBusinessObject(element);
  const commands = [];
  let extensionElements = businessObject.get("extensionElements");
  if (!extensionElements) {
    extensionElements = createChild(bpmnFactory, "bpmn:ExtensionElements", { values: [] }, businessObject);
    commands.push(update(element, businessObject, { extensionElements }));
  }
  let extension = extensionElements.get("values").find((value) => is(value, type));
  if (!extension) {
    extension = createChild(bpmnFactory, type, {}, extensionElements);
    commands.push(update(element, extensionElements, {
      values: [...extensionElements.get("values"), extension],
    }));
  }
  return { extension, commands };
}

/** Set (or, with an empty value, remove) one spiffworkflow property; the others stay as they are. */
export function setPlatformProperty(element, name, value, { bpmnFactory, commandStack }) {
  const wanted = (value || "").trim();
  if (wanted === getPlatformProperty(element, name)) {
    return;
  }
  const { extension: properties, commands } = ensureExtension(element, "spiffworkflow:Properties", bpmnFactory);
  const values = properties.get("values");
  const existing = values.find((entry) => entry.name === name);
  if (!wanted) {
    commands.push(update(element, properties, { values: values.filter((entry) => entry !== existing) }));
  } else if (existing) {
    commands.push(update(element, existing, { value: wanted }));
  } else {
    const property = createChild(bpmnFactory, "spiffworkflow:Property", { name, value: wanted }, properties);
    commands.push(update(element, properties, { values: [...values, property] }));
  }
  commandStack.execute(MULTI_COMMAND, commands);
}

/** Set an attribute (`id`, `resultVariable`) of the service task's serviceTaskOperator. */
export function setServiceOperatorAttribute(element, attribute, value, { bpmnFactory, commandStack }) {
  const wanted = (value || "").trim() || undefined;
  const current = getServiceOperator(element);
  if (current && current.get(attribute) === wanted) {
    return;
  }
  const { extension: operator, commands } = ensureExtension(
    element, "spiffworkflow:ServiceTaskOperator", bpmnFactory);
  commands.push(update(element, operator, { [attribute]: wanted }));
  commandStack.execute(MULTI_COMMAND, commands);
}
