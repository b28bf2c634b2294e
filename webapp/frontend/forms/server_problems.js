// The server's problems with the form (检查, 保存): a list under the toolbar, each clickable to select
// its component, and a red outline with a 有问题 badge on each component named. The outline is a style
// rule per component id (not a class on the element: form-js re-renders its elements' classes).

function selectorFor(componentId) {
  return `.fjs-editor-container .fjs-element[data-id="${CSS.escape(componentId)}"]`;
}

export class ServerProblems {
  constructor(editor, container, words) {
    this.editor = editor;
    this.container = container;
    this.list = container.querySelector("ul");
    this.heading = container.querySelector("[data-problems-heading]");
    this.words = words;
    this.sheet = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, this.sheet];
  }

  focus(componentId) {
    const field = this.editor.get("formFieldRegistry").get(componentId);
    if (!field) return;
    this.editor.get("selection").set(field);
    const element = document.querySelector(selectorFor(componentId));
    if (element) element.scrollIntoView({ block: "center" });
  }

  listItem(problem) {
    const item = document.createElement("li");
    const known = problem.component_id && this.editor.get("formFieldRegistry").get(problem.component_id);
    const text = document.createElement(known ? "button" : "span");
    text.textContent = problem.message;
    if (known) {
      text.type = "button";
      text.className = "btn btn-link btn-sm p-0 text-start text-danger";
      text.dataset.componentId = problem.component_id;
      text.addEventListener("click", () => this.focus(problem.component_id));
    }
    item.append(text);
    if (problem.key) {
      const place = document.createElement("code");
      place.className = "ms-2 small";
      place.textContent = problem.key;
      item.append(place);
    }
    return item;
  }

  mark(componentIds) {
    const rules = [...new Set(componentIds)].map((id) => `${selectorFor(id)} { outline: 2px solid #dc3545; outline-offset: 2px; }
      ${selectorFor(id)}::after { content: "${this.words.problemBadge}"; position: absolute; right: 4px; top: 4px;
        background: #dc3545; color: #fff; font-size: 11px; line-height: 1; padding: 3px 5px; border-radius: 3px; }`);
    this.sheet.replaceSync(rules.join("\n"));
  }

  clear() {
    this.sheet.replaceSync("");
    this.list.replaceChildren();
    this.container.hidden = true;
  }

  /** Show `problems` ([{component_id, key, message}]) and refused fields' `errors` ({field: [message]}). */
  show(problems, errors) {
    this.clear();
    const refusals = Object.values(errors || {}).flat().map((message) => ({ message }));
    const found = problems || [];
    [...refusals, ...found].forEach((problem) => this.list.append(this.listItem(problem)));
    this.mark(found.map((p) => p.component_id).filter(Boolean));
    const count = refusals.length + found.length;
    this.heading.textContent = count ? this.words.problemsHeading.replace("{count}", String(count)) : this.words.noProblems;
    this.container.classList.toggle("designer-problems-clean", !count);
    this.container.hidden = false;
  }
}
