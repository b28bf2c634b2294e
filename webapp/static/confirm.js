// Forms marked data-confirm="…" ask before they are sent (撤下, 发布): one click is not enough.
(function () {
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
