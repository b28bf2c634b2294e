// The server's validation problems (检查, 保存): a list under the toolbar, each clickable to select
// its element, and a red 服务器 badge + outline on each element named, apart from the lint markers.
import { is } from "bpmn-js/lib/util/ModelUtil";

const OVERLAY_TYPE = "duibiao-server";
const MARKER = "duibiao-server-problem";

function messagesByElement(problems) {
  const byElement = new Map();
  for (const problem of problems) {
    if (!problem.element_id) continue;
    byElement.set(problem.element_id, [...(byElement.get(problem.element_id) || []), problem.message]);
  }
  return byElement;
}

export class ServerProblems {
  constructor(modeler, container, words) {
    this.canvas = modeler.get("canvas");
    this.overlays = modeler.get("overlays");
    this.registry = modeler.get("elementRegistry");
    this.selection = modeler.get("selection");
    this.container = container;
    this.list = container.querySelector("ul");
    this.heading = container.querySelector("[data-problems-heading]");
    this.words = words;
    this.marked = [];
    // A new diagram (importXML) has new shapes: the old pins mean nothing there.
    modeler.on("import.done", () => this.clear());
  }

  /** The shape for an id: the element itself, or the pool drawing the process of that id. */
  shapeFor(elementId) {
    return this.registry.get(elementId) || this.registry.find((element) => is(element, "bpmn:Participant")
      && element.businessObject.processRef && element.businessObject.processRef.id === elementId) || null;
  }

  clear() {
    this.overlays.remove({ type: OVERLAY_TYPE });
    this.marked.forEach((shape) => this.canvas.removeMarker(shape, MARKER));
    this.marked = [];
    this.list.replaceChildren();
    this.setVisible(false);
  }

  /** Show or hide the list; the canvas below it changes size, which diagram-js must be told. */
  setVisible(visible) {
    if (this.container.hidden === !visible) return;
    this.container.hidden = !visible;
    this.canvas.resized();
  }

  pin(elementId, messages) {
    const shape = this.shapeFor(elementId);
    if (!shape) return;
    const badge = document.createElement("div");
    badge.className = "duibiao-server-badge";
    badge.textContent = this.words.serverBadge;
    badge.title = messages.join("\n");
    this.overlays.add(shape, OVERLAY_TYPE, { position: { bottom: -4, left: -8 }, html: badge });
    this.canvas.addMarker(shape, MARKER);
    this.marked.push(shape);
  }

  focus(elementId) {
    const shape = this.shapeFor(elementId);
    if (!shape) return;
    this.selection.select(shape);
    this.canvas.scrollToElement(shape);
  }

  listItem(message, where, elementId) {
    const item = document.createElement("li");
    const text = document.createElement(elementId ? "button" : "span");
    text.textContent = message;
    if (elementId) {
      text.type = "button";
      text.className = "btn btn-link btn-sm p-0 text-start text-danger";
      text.dataset.elementId = elementId;
      text.addEventListener("click", () => this.focus(elementId));
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

  /** Show `problems` ([{element_id, where, message}]) and refused fields' `errors` ({field: [message]}). */
  show(problems, errors) {
    this.clear();
    const refusals = Object.values(errors || {}).flat();
    const found = problems || [];
    refusals.forEach((message) => this.list.append(this.listItem(message, "", null)));
    found.forEach((p) => this.list.append(this.listItem(p.message, p.where, p.element_id)));
    messagesByElement(found).forEach((messages, elementId) => this.pin(elementId, messages));
    const count = refusals.length + found.length;
    this.heading.textContent = count
      ? this.words.problemsHeading.replace("{count}", String(count)) : this.words.noProblems;
    this.container.classList.toggle("designer-problems-clean", !count);
    this.setVisible(true);
  }
}
