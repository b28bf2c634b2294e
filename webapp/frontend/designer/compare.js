// 比较: two BPMN versions side by side, their differences drawn (bpmn-js-differ), bundled by esbuild.
// The page's wrapper ([data-compare-diagrams], webapp/templates/design/_compare_diagrams.html) names
// both XML addresses; its data-compare-state says how it went: loading → rendered | error, and
// data-added / data-removed / data-changed / data-layout-changed list the ids (JSON) of what changed.

import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

import "./compare/compare.css";
import { diffDocuments } from "./compare/diagram-diff.js";
import { markDifferences } from "./compare/markers.js";
import { syncViewboxes } from "./compare/sync.js";
import { _ } from "../shared/text.js";

async function fetchXml(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${url}`);
  return response.text();
}

async function drawDiagram(container, xml) {
  const viewer = new NavigatedViewer({ container });
  await viewer.importXML(xml);
  return viewer;
}

function fail(wrapper, error) {
  wrapper.dataset.compareState = "error";
  const message = document.createElement("div");
  message.className = "alert alert-danger m-2";
  message.setAttribute("role", "alert");
  message.textContent = wrapper.dataset.errorText || _("流程图比较失败");
  wrapper.querySelector("[data-compare-message]").replaceChildren(message);
  if (window.console) console.error(error);
}

function publish(wrapper, changes) {
  wrapper.dataset.added = JSON.stringify(changes.added);
  wrapper.dataset.removed = JSON.stringify(changes.removed);
  wrapper.dataset.changed = JSON.stringify(changes.changed);
  wrapper.dataset.layoutChanged = JSON.stringify(changes.layoutChanged);
}

async function render(wrapper) {
  try {
    const [oldXml, newXml] = await Promise.all([fetchXml(wrapper.dataset.oldUrl), fetchXml(wrapper.dataset.newUrl)]);
    const changes = await diffDocuments(oldXml, newXml);
    const oldViewer = await drawDiagram(wrapper.querySelector('[data-compare-side="old"]'), oldXml);
    const newViewer = await drawDiagram(wrapper.querySelector('[data-compare-side="new"]'), newXml);
    const marked = { old: markDifferences(oldViewer, changes, "old"), new: markDifferences(newViewer, changes, "new") };
    newViewer.get("canvas").zoom("fit-viewport", "auto");
    oldViewer.get("canvas").viewbox(newViewer.get("canvas").viewbox());
    syncViewboxes(oldViewer, newViewer);
    publish(wrapper, changes);
    wrapper.dataset.marked = JSON.stringify(marked);
    wrapper.dataset.compareState = "rendered";
  } catch (error) {
    fail(wrapper, error);
  }
}

document.querySelectorAll("[data-compare-diagrams]").forEach(render);
