// The modeler page's toolbar: 保存 (with 备注), 检查, the status line, the unsaved-changes guard,
// and the move to the draft's own page after the first save of a new draft.

const CARRIED_SAVE_KEY = "duibiao-designer-carried-save";

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

/** POST JSON; resolves to {status, data} (data null when the body is not JSON). */
export async function postJSON(url, payload) {
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
  return Object.values(errors || {}).flat()[0] || "";
}

function enableLink(link, url) {
  if (!link || !url) return;
  link.href = url;
  link.classList.remove("disabled");
  link.removeAttribute("aria-disabled");
  link.removeAttribute("tabindex");
}


/** What both editors' pages share: an edit (on the canvas — ``source``'s command stack — or in the 备注)
 * counts as unsaved, leaving with unsaved edits asks first, and 保存 / Ctrl+S call ``workspace.save()``.
 * ``workspace`` has ``changes``, ``note``, ``words.unsaved``, ``setStatus``, ``isDirty`` and ``save``. */
export function watchEdits(workspace, source, saveButton) {
  const markChanged = () => {
    workspace.changes += 1;
    workspace.setStatus(workspace.words.unsaved, "warning");
  };
  source.on("commandStack.changed", markChanged);
  workspace.note.addEventListener("input", markChanged);
  window.addEventListener("beforeunload", (event) => {
    if (!workspace.isDirty()) return;
    event.preventDefault();
    event.returnValue = "";
  });
  saveButton.addEventListener("click", () => workspace.save());
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      workspace.save();
    }
  });
}


/** POST what ``payload()`` gives to ``url``; {ok, data}, or a failure already told on the status line
 * (and the answer's problems handed to ``showProblems``). */
export async function postReporting(workspace, url, payload, failedWords, showProblems) {
  let result;
  try {
    result = await postJSON(url, await payload());
  } catch (error) {
    workspace.setStatus(failedWords + workspace.words.networkError, "danger");
    return { ok: false, error: String(error) };
  }
  const { status, data } = result;
  if (status !== 200 || !data) {
    const reason = (data && firstError(data.errors)) || workspace.words.httpError.replace("{status}", String(status));
    showProblems(data);
    workspace.setStatus(failedWords + reason, "danger");
    return { ok: false, status, data };
  }
  return { ok: true, data };
}

/** One save at a time: a save asked for while one is on its way gets that one's answer. */
export function saveOnce(workspace) {
  if (!workspace.pendingSave) {
    workspace.pendingSave = workspace.saveNow().finally(() => {
      workspace.pendingSave = null;
    });
  }
  return workspace.pendingSave;
}

export class Workspace {
  constructor({ modeler, page, problems, words }) {
    this.modeler = modeler;
    this.page = page;
    this.problems = problems;
    this.words = words;
    this.status = page.querySelector("[data-designer-status]");
    this.note = page.querySelector("[data-designer-note]");
    this.urls = { save: page.dataset.saveUrl, validate: page.dataset.validateUrl };
    // The draft revision this page holds: a save over a colleague's later one is refused by the server.
    this.revision = page.dataset.revision ? Number(page.dataset.revision) : null;
    // Edits are counted; the page is dirty while the count differs from the one last saved.
    this.changes = 0;
    this.savedChanges = 0;
    this.pendingSave = null;
    this.listen();
  }

  listen() {
    watchEdits(this, this.modeler, this.page.querySelector("[data-designer-save]"));
    this.page.querySelector("[data-designer-validate]").addEventListener("click", () => this.validate());
  }

  isDirty() {
    return this.changes !== this.savedChanges;
  }

  setStatus(text, tone) {
    this.status.textContent = text.trim();
    this.status.dataset.tone = tone;
  }

  /** Once the diagram is open: nothing unsaved; on a draft's page, what its first save carried over. */
  imported() {
    this.changes = 0;
    this.savedChanges = 0;
    const draftOpen = Boolean(this.page.dataset.draftId);
    this.setStatus(draftOpen ? this.words.saved.replace("{at}", "") : this.words.notSavedYet,
      draftOpen ? "success" : "secondary");
    this.restoreCarried();
  }

  /** POST the current XML (and extra fields); {ok, data} or a failure already shown. */
  post(url, extra, failedWords) {
    return postReporting(this, url, async () => {
      const { xml } = await this.modeler.saveXML({ format: true });
      return { xml, ...extra };
    }, failedWords, (data) => this.problems.show([], data && data.errors));
  }

  /** One save at a time: a second click while the first is on its way gets the first's answer
   * (two posts of a new draft would make two drafts). */
  save() {
    return saveOnce(this);
  }

  async saveNow() {
    const savingChanges = this.changes;
    this.setStatus(this.words.saving, "info");
    const extra = this.revision === null ? { note: this.note.value } : { note: this.note.value, revision: this.revision };
    const result = await this.post(this.urls.save, extra, this.words.saveFailed);
    if (!result.ok) return result;
    this.savedChanges = savingChanges;
    if (typeof result.data.revision === "number") this.revision = result.data.revision;
    const data = result.data;
    if (this.isDirty()) this.setStatus(this.words.unsaved, "warning");
    else this.setStatus(this.words.saved.replace("{at}", data.saved_at || ""), "success");
    this.problems.show(data.problems || []);
    this.adoptDraft(data);
    return result;
  }

  async validate() {
    this.setStatus(this.words.validating, "info");
    const result = await this.post(this.urls.validate, {}, this.words.validateFailed);
    if (!result.ok) return result;
    const found = (result.data.problems || []).length;
    this.problems.show(result.data.problems || []);
    if (found) this.setStatus(this.words.validated.replace("{count}", String(found)), "warning");
    else this.setStatus(this.words.validatedClean, "success");
    return result;
  }

  /** After the first save of a new draft, continue on the draft's own page (its own save address):
   * in place when the answer names that address (save_url), else by loading edit_url. */
  adoptDraft(data) {
    if (!data.edit_url) return;
    const target = new URL(data.edit_url, window.location.href);
    if (target.pathname === window.location.pathname) return;
    if (data.save_url) {
      this.urls.save = data.save_url;
      history.replaceState(null, "", target.href);
      enableLink(this.page.querySelector("[data-designer-compare]"), data.compare_url);
      enableLink(this.page.querySelector("[data-designer-scenarios]"), data.scenarios_url);
      return;
    }
    sessionStorage.setItem(CARRIED_SAVE_KEY, JSON.stringify({ path: target.pathname, data }));
    window.location.replace(target.href);
  }

  /** The saved state and problems carried over the move to the draft's page. */
  restoreCarried() {
    const carried = sessionStorage.getItem(CARRIED_SAVE_KEY);
    sessionStorage.removeItem(CARRIED_SAVE_KEY);
    if (!carried) return;
    const { path, data } = JSON.parse(carried);
    if (path !== window.location.pathname) return;
    this.setStatus(this.words.saved.replace("{at}", data.saved_at || ""), "success");
    this.problems.show(data.problems || []);
  }
}
