// A form split into tabs: after a refused save, open the first tab that holds an error.
(function () {
  const form = document.querySelector("[data-tabbed-form]");
  if (!form || !window.bootstrap) return;
  const error = form.querySelector(".tab-pane [data-field-error]");
  if (!error) return;
  const pane = error.closest(".tab-pane");
  const button = form.querySelector(`[data-bs-target="#${pane.id}"]`);
  if (button) bootstrap.Tab.getOrCreateInstance(button).show();
})();
