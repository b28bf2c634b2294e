// Forms marked data-confirm="…" ask before they are sent (撤下, 发布): one click is not enough.
// Forms marked data-submit-once are sent once: their submit buttons are disabled as they go
// (a second click or Enter would file the same thing twice; the server refuses that too).
(function () {
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (!form) return;
    // A required field left empty: no question yet, the server answers with its message at the field.
    const empty = Array.from(form.querySelectorAll("[required]")).some((el) => !el.value.trim());
    if (!empty && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-submit-once]");
    if (!form) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    // After this turn of the event loop: a question above may still cancel it, and a disabled
    // button would not send its own name and value.
    setTimeout(function () {
      if (event.defaultPrevented) return;
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach((b) => { b.disabled = true; });
    }, 0);
  });
  // Back to a page the browser kept: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submit-once][data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach((b) => { b.disabled = false; });
    });
  });
})();
