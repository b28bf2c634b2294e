// Tables of designer-made forms: 新增一行 copies the last row with the next index, 删除 removes a row.
(function () {
  function renumber(table) {
    table.querySelectorAll("tbody tr").forEach(function (row, index) {
      var cellNumber = row.querySelector("[data-row-number]");
      if (cellNumber) cellNumber.textContent = String(index + 1);
    });
  }
  function addRow(container) {
    var body = container.querySelector("tbody");
    var rows = body.querySelectorAll("tr");
    if (!rows.length) return;
    var copy = rows[rows.length - 1].cloneNode(true);
    var next = 0;  // past every index in use (a removed row leaves a gap the next one must not fill twice)
    body.querySelectorAll("[name]").forEach(function (input) {
      var found = /-(\d+)-/.exec(input.getAttribute("name"));
      if (found) next = Math.max(next, Number(found[1]) + 1);
    });
    copy.querySelectorAll("input, select, textarea").forEach(function (input) {
      ["name", "id"].forEach(function (attribute) {
        var value = input.getAttribute(attribute);
        if (value) input.setAttribute(attribute, value.replace(/-\d+-/, "-" + next + "-"));
      });
      if (input.type === "checkbox" || input.type === "radio") input.checked = false;
      else input.value = "";
      input.classList.remove("is-invalid");
    });
    copy.querySelectorAll(".invalid-feedback").forEach(function (node) { node.remove(); });
    body.appendChild(copy);
    renumber(container);
  }
  document.addEventListener("click", function (event) {
    var container = event.target.closest("[data-form-table]");
    if (!container) return;
    if (event.target.closest("[data-add-row]")) addRow(container);
    var remove = event.target.closest("[data-remove-row]");
    if (remove && container.querySelectorAll("tbody tr").length > 1) {
      remove.closest("tr").remove();
      renumber(container);
    }
  });
})();
