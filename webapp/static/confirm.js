// Forms marked data-confirm="…" ask before they are sent (撤下, 发布): one click is not enough.
(function () {
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (!form) return;
    // A required field left empty: no question yet, the server answers with its message at the field.
    const empty = Array.from(form.querySelectorAll("[required]")).some((el) => !el.value.trim());
    if (!empty && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
