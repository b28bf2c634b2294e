// Read-only BPMN diagrams (流程管理): draws the deployed XML with bpmn-js's NavigatedViewer
// and marks the elements listed in data-highlight (the instance's READY tasks) and, on an
// instance's page, data-markers: {completed, current, waiting, error, flows} (the path it took).
// The container's data-bpmn-state says how it went: loading → rendered | error.
(function () {
  "use strict";

  function fail(container, error) {
    container.dataset.bpmnState = "error";
    const message = document.createElement("div");
    message.className = "alert alert-danger m-2";
    message.setAttribute("role", "alert");
    message.textContent = container.dataset.errorText || "BPMN";
    container.replaceChildren(message);
    if (window.console) console.error(error);
  }

  async function render(container) {
    if (!window.BpmnJS) {
      fail(container, new Error("bpmn-js is not loaded"));
      return;
    }
    let highlights = [];
    try {
      highlights = JSON.parse(container.dataset.highlight || "[]");
    } catch (error) {
      highlights = [];
    }
    try {
      const response = await fetch(container.dataset.bpmnUrl, {credentials: "same-origin"});
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const xml = await response.text();
      const viewer = new window.BpmnJS({container: container});
      const result = await viewer.importXML(xml);
      const canvas = viewer.get("canvas");
      const registry = viewer.get("elementRegistry");
      const marked = [];
      for (const id of highlights) {
        if (registry.get(id)) {
          canvas.addMarker(id, "bpmn-ready");
          marked.push(id);
        }
      }
      let markers = {};
      try {
        markers = JSON.parse(container.dataset.markers || "{}");
      } catch (error) {
        markers = {};
      }
      const classes = {completed: "bpmn-completed", current: "bpmn-current", waiting: "bpmn-waiting",
                       error: "bpmn-error", flows: "bpmn-taken"};
      const path = [];
      for (const [kind, ids] of Object.entries(markers)) {
        if (!classes[kind] || !Array.isArray(ids)) continue;
        for (const id of ids) {
          if (registry.get(id)) {
            canvas.addMarker(id, classes[kind]);
            path.push(`${kind}:${id}`);
          }
        }
      }
      container.dataset.bpmnPath = path.join(" ");
      canvas.zoom("fit-viewport", "auto");
      container.dataset.bpmnMarked = marked.join(" ");
      container.dataset.bpmnWarnings = String((result && result.warnings || []).length);
      container.dataset.bpmnState = "rendered";
    } catch (error) {
      fail(container, error);
    }
  }

  document.querySelectorAll("[data-bpmn-diagram]").forEach(render);
})();
