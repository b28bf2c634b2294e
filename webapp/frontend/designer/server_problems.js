// The server's validation problems (检查, 保存): a list under the toolbar, each clickable to select
// its element, and a red 服务器 badge + outline on each element named, apart from the lint markers.
import { is } from "bpmn-js/lib/util/ModelUtil";

const OVERLAY_TYPE = "duibiao-server";
const MARKER = "duibiao-server-problem";

function groupByElement(problems) {
  const byElement = new Map();
  for (const problem of problems) {
    if (!problem.element_id) continue;
    const messages = byElement.get(problem.element_id) || [];
    messages.push(problem.message);
    byElement.set(problem.element_id, messages);
  }
  return byElement;
}

export function createServerProblems(modeler, container, words) {
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  const registry = modeler.get("elementRegistry");
  const selection = modeler.get("selection");
  let marked = [];

  /** The shape for an id: the element itself, or the pool drawing the process of that id. */
  function shapeFor(elementId) {
    return registry.get(elementId) || registry.find((element) => is(element, "bpmn:Participant")
      && element.businessObject.processRef && element.businessObject.processRef.id === elementId) || null;
  }

  function clear() {
    overlays.remove({ type: OVERLAY_TYPE });
    marked.forEach((element) => canvas.removeMarker(element, MARKER));
    marked = [];
    container.querySelector("ul").replaceChildren();
    container.hidden = true;
  }

  function pin(elementId, messages) {
    const shape = shapeFor(elementId);
    if (!shape) return;
    const badge = document.createElement("div");
    badge.className = "duibiao-server-badge";
    badge.textContent = words.serverBadge;
    badge.title = messages.join("\n");
    overlays.add(shape, OVERLAY_TYPE, { position: { bottom: -4, left: -8 }, html: badge });
    canvas.addMarker(shape, MARKER);
    marked.push(shape);
  }

  function focus(elementId) {
    const shape = shapeFor(elementId);
    if (!shape) return;
    selection.select(shape);
    canvas.scrollToElement(shape);
  }

  function listItem(message, where, elementId) {
    const item = document.createElement("li");
    const text = document.createElement(elementId ? "button" : "span");
    text.textContent = message;
    if (elementId) {
      text.type = "button";
      text.className = "btn btn-link btn-sm p-0 text-start text-danger";
      text.dataset.elementId = elementId;
      text.addEventListener("click", () => focus(elementId));
    }
    item.append(text);
    if (where) {
      const place = document.createElement("small");
      place.className = "text-muted ms-2";
      place.textContent = where;
      item.append(place);
    }
    return item;
  }

  /** Show `problems` ([{element_id, where, message}]) and refused-field `errors` ({field: [msg]}). */
  function show(problems, errors) {
    clear();
    const list = container.querySelector("ul");
    const refusals = Object.values(errors || {}).flat();
    refusals.forEach((message) => list.append(listItem(message, "", null)));
    (problems || []).forEach((p) => list.append(listItem(p.message, p.where, p.element_id)));
    groupByElement(problems || []).forEach((messages, elementId) => pin(elementId, messages));
    const count = refusals.length + (problems || []).length;
    container.querySelector("[data-problems-heading]").textContent = count
      ? words.problemsHeading.replace("{count}", String(count)) : words.noProblems;
    container.classList.toggle("designer-problems-clean", !count);
    container.hidden = false;
  }

  return { show, clear };
}
