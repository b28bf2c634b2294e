// The modeler page's toolbar: 保存 (with 备注), 检查, the status line, the unsaved-changes guard,
// and the switch to the draft's own address after the first save of a new draft.

const CARRIED_PROBLEMS_KEY = "duibiao-designer-carried-problems";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** POST JSON; resolves to {status, data} (data null when the body is not JSON). */
async function postJSON(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: JSON.stringify(payload),
  });
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  return { status: response.status, data };
}

function firstError(errors) {
  const messages = Object.values(errors || {}).flat();
  return messages[0] || "";
}

export function createWorkspace({ modeler, page, problems, words }) {
  const status = page.querySelector("[data-designer-status]");
  const noteInput = page.querySelector("[data-designer-note]");
  const urls = { save: page.dataset.saveUrl, validate: page.dataset.validateUrl };
  let changes = 0;
  let savedChanges = 0;

  function setStatus(text, tone) {
    status.textContent = text.trim();
    status.dataset.tone = tone;
  }

  const isDirty = () => changes !== savedChanges;
  const markChanged = () => {
    changes += 1;
    setStatus(words.unsaved, "warning");
  };

  modeler.on("commandStack.changed", markChanged);
  noteInput.addEventListener("input", markChanged);
  window.addEventListener("beforeunload", (event) => {
    if (!isDirty()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  async function currentXML() {
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  async function save() {
    const savingChanges = changes;
    setStatus(words.saving, "info");
    let result;
    try {
      result = await postJSON(urls.save, { xml: await currentXML(), note: noteInput.value });
    } catch (error) {
      setStatus(words.saveFailed + words.networkError, "danger");
      return { ok: false, error: String(error) };
    }
    const { status: code, data } = result;
    if (code !== 200 || !data) {
      const reason = (data && firstError(data.errors)) || words.httpError.replace("{status}", String(code));
      problems.show([], data && data.errors);
      setStatus(words.saveFailed + reason, "danger");
      return { ok: false, status: code, data };
    }
    savedChanges = savingChanges;
    setStatus(isDirty() ? words.unsaved : words.saved.replace("{at}", data.saved_at || ""), isDirty() ? "warning" : "success");
    problems.show(data.problems || []);
    adoptDraft(data);
    return { ok: true, data };
  }

  async function validate() {
    setStatus(words.validating, "info");
    let result;
    try {
      result = await postJSON(urls.validate, { xml: await currentXML() });
    } catch (error) {
      setStatus(words.validateFailed + words.networkError, "danger");
      return { ok: false, error: String(error) };
    }
    const { status: code, data } = result;
    if (code !== 200 || !data) {
      const reason = (data && firstError(data.errors)) || words.httpError.replace("{status}", String(code));
      problems.show([], data && data.errors);
      setStatus(words.validateFailed + reason, "danger");
      return { ok: false, status: code, data };
    }
    const found = (data.problems || []).length;
    problems.show(data.problems || []);
    setStatus(found ? words.validated.replace("{count}", String(found)) : words.validatedClean,
      found ? "warning" : "success");
    return { ok: true, data };
  }

  /** After the first save of a new draft, continue on the draft's own page (its own save address):
   * in place when the answer names that address (save_url), else by loading edit_url. */
  function adoptDraft(data) {
    if (!data.edit_url) return;
    const target = new URL(data.edit_url, window.location.href);
    if (target.pathname === window.location.pathname) return;
    if (data.save_url) {
      urls.save = data.save_url;
      history.replaceState(null, "", target.href);
      updateLink(page.querySelector("[data-designer-compare]"), data.compare_url);
      updateLink(page.querySelector("[data-designer-scenarios]"), data.scenarios_url);
      return;
    }
    sessionStorage.setItem(CARRIED_PROBLEMS_KEY, JSON.stringify({ path: target.pathname, data }));
    window.location.replace(target.href);
  }

  /** The saved state and problems carried over the switch to the draft's page. */
  function restoreCarried() {
    const carried = sessionStorage.getItem(CARRIED_PROBLEMS_KEY);
    sessionStorage.removeItem(CARRIED_PROBLEMS_KEY);
    if (!carried) return;
    const { path, data } = JSON.parse(carried);
    if (path !== window.location.pathname) return;
    setStatus(words.saved.replace("{at}", data.saved_at || ""), "success");
    problems.show(data.problems || []);
  }

  page.querySelector("[data-designer-save]").addEventListener("click", () => save());
  page.querySelector("[data-designer-validate]").addEventListener("click", () => validate());

  function imported() {
    changes = 0;
    savedChanges = 0;
    const draftOpen = Boolean(page.dataset.draftId);
    setStatus(draftOpen ? words.saved.replace("{at}", "") : words.notSavedYet, draftOpen ? "success" : "secondary");
    restoreCarried();
  }

  return { save, validate, imported, isDirty };
}

function updateLink(link, url) {
  if (!link || !url) return;
  link.href = url;
  link.classList.remove("disabled");
  link.removeAttribute("aria-disabled");
  link.removeAttribute("tabindex");
}
