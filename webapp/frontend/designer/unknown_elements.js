// Keep spiffworkflow elements this descriptor does not describe: moddle would drop an unknown type
// of a registered namespace on import (and the save would lose it), so read it as a generic element,
// the way elements of unregistered namespaces are read and written back unchanged.
const PREFIX = "spiffworkflow:";

export function keepUnknownSpiffworkflowElements(moddle) {
  const getType = moddle.getType.bind(moddle);
  moddle.getType = (name) => {
    try {
      return getType(name);
    } catch (error) {
      if (typeof name === "string" && name.startsWith(PREFIX)) return getType("Element");
      throw error;
    }
  };
}
