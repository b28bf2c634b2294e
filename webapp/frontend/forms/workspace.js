// The form editor page's toolbar: 保存 (with 备注, Ctrl+S, the draft revision), 检查, 预览, the status
// line and the unsaved-changes guard — the twin of the modeler's (designer/workspace.js).
import { postReporting, saveOnce, watchEdits } from "../designer/workspace.js";

export class FormWorkspace {
  constructor({ editor, page, problems, words }) {
    this.editor = editor;
    this.page = page;
    this.problems = problems;
    this.words = words;
    this.status = page.querySelector("[data-form-status]");
    this.note = page.querySelector("[data-form-note]");
    this.preview = page.querySelector("[data-form-preview]");
    this.previewBody = page.querySelector("[data-form-preview-body]");
    this.urls = { save: page.dataset.saveUrl, check: page.dataset.checkUrl, preview: page.dataset.previewUrl };
    // The draft revision this page holds: a save over a colleague's later one is refused by the server.
    this.revision = Number(page.dataset.revision);
    this.changes = 0;
    this.savedChanges = 0;
    this.pendingSave = null;
    this.listen();
  }

  listen() {
    watchEdits(this, this.editor, this.page.querySelector("[data-form-save]"));
    this.page.querySelector("[data-form-check]").addEventListener("click", () => this.check());
    this.page.querySelector("[data-form-preview-toggle]").addEventListener("click", () => this.showPreview());
    this.page.querySelector("[data-form-preview-close]").addEventListener("click", () => {
      this.preview.hidden = true;
    });
    // The preview is a look, not a form to send: its buttons submit nothing.
    this.previewBody.addEventListener("submit", (event) => event.preventDefault());
    // Leaving through 放弃草稿 asks its own question; the unsaved-changes guard would ask twice.
    // (confirm.js asks first, on the document: a cancelled question leaves the guard on.)
    document.addEventListener("submit", (event) => {
      if (event.target.matches("[data-form-discard]") && !event.defaultPrevented) this.savedChanges = this.changes;
    });
  }

  isDirty() {
    return this.changes !== this.savedChanges;
  }

  setStatus(text, tone) {
    this.status.textContent = text.trim();
    this.status.dataset.tone = tone;
  }

  /** POST the current schema (and extra fields); {ok, data} or a failure already shown. */
  post(url, extra, failedWords) {
    return postReporting(this, url, async () => {
      this.applyTyping();
      return { schema: this.editor.saveSchema(), ...extra };
    }, failedWords, (data) => this.problems.show((data && data.problems) || [], data && data.errors));
  }

  /** One save at a time: a second Ctrl+S while the first is on its way gets the first's answer. */
  save() {
    return saveOnce(this);
  }

  /** What was typed in the properties in the last 300 ms is applied first (it goes with the schema). */
  applyTyping() {
    this.editor.get("debounce").flushAll();
  }

  async saveNow() {
    this.applyTyping();
    const savingChanges = this.changes;
    this.setStatus(this.words.saving, "info");
    const result = await this.post(this.urls.save, { note: this.note.value, revision: this.revision },
      this.words.saveFailed);
    if (!result.ok) return result;
    this.savedChanges = savingChanges;
    this.revision = result.data.revision;
    this.page.dataset.revision = String(this.revision);
    if (this.isDirty()) this.setStatus(this.words.unsaved, "warning");
    else this.setStatus(this.words.saved.replace("{at}", result.data.saved_at || ""), "success");
    this.problems.show(result.data.problems || []);
    return result;
  }

  async check() {
    this.setStatus(this.words.checking, "info");
    const result = await this.post(this.urls.check, {}, this.words.checkFailed);
    if (!result.ok) return result;
    const found = (result.data.problems || []).length;
    this.problems.show(result.data.problems || []);
    if (found) this.setStatus(this.words.checked.replace("{count}", String(found)), "warning");
    else this.setStatus(this.words.checkedClean, "success");
    return result;
  }

  /** 预览: the form as the task page renders it, from the server (same macros), beside the editor. */
  async showPreview() {
    this.setStatus(this.words.previewing, "info");
    const result = await this.post(this.urls.preview, {}, this.words.previewFailed);
    if (!result.ok) return result;
    this.previewBody.innerHTML = result.data.html;
    this.preview.hidden = false;
    this.problems.show(result.data.problems || []);
    this.setStatus(this.isDirty() ? this.words.unsaved : this.words.previewed, this.isDirty() ? "warning" : "success");
    return result;
  }
}
