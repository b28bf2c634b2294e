// 提交正式版 → 参编单位: search registered enterprises and add them, instead of listing all of them.
// The (hidden) multiple select stays the form field: each chosen enterprise is a selected option.
(function () {
  const root = document.querySelector("[data-co-drafters]");
  if (!root) return;
  const select = root.querySelector("select");
  const chosen = root.querySelector("[data-chosen]");
  const results = root.querySelector("[data-results]");
  const search = root.querySelector("input[type=search]");
  const label = (name) => root.dataset[name + "Label"];
  select.classList.add("d-none");

  function button(text, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  function renderChosen() {
    chosen.replaceChildren();
    const options = Array.from(select.options).filter((o) => o.selected);
    if (!options.length) {
      const empty = document.createElement("li");
      empty.className = "list-group-item text-secondary small";
      empty.textContent = label("empty");
      chosen.append(empty);
    }
    for (const option of options) {
      const item = document.createElement("li");
      item.className = "list-group-item d-flex justify-content-between align-items-center";
      item.dataset.chosenId = option.value;
      item.append(option.textContent, button(label("remove"), "btn btn-sm btn-link text-danger", () => {
        option.remove();
        renderChosen();
        renderResults(lastResults);
      }));
      chosen.append(item);
    }
  }

  let lastResults = null;
  function renderResults(found) {
    lastResults = found;
    results.replaceChildren();
    if (found === null) return;
    if (!found.length) {
      const none = document.createElement("div");
      none.className = "list-group-item text-secondary small";
      none.textContent = label("none");
      results.append(none);
      return;
    }
    const taken = new Set(Array.from(select.options).filter((o) => o.selected).map((o) => o.value));
    for (const enterprise of found) {
      const item = document.createElement("div");
      item.className = "list-group-item d-flex justify-content-between align-items-center";
      item.dataset.resultId = enterprise.id;
      const added = taken.has(String(enterprise.id));
      const action = button(added ? label("added") : label("add"), "btn btn-sm btn-outline-primary", () => {
        select.append(new Option(enterprise.name, enterprise.id, true, true));
        renderChosen();
        renderResults(lastResults);
      });
      action.disabled = added;
      item.append(enterprise.name, action);
      results.append(item);
    }
  }

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    const query = search.value.trim();
    if (!query) { renderResults(null); return; }
    timer = setTimeout(() => {
      fetch(root.dataset.url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : []))
        .then((found) => { if (search.value.trim() === query) renderResults(found); })
        .catch(() => renderResults([]));
    }, 250);
  });
  search.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  renderChosen();
})();
