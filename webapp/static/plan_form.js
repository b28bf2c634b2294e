// 提交正式版: the common mistakes are shown at their fields before the page posts, so that the chosen
// PDFs are not lost to a refused round trip. The server checks everything again; 保存 is checked for
// file types only (a draft may be incomplete).
(function () {
  var _ = window.duibiaoText;
  var form = document.getElementById('plan-form');
  var checks = JSON.parse(document.getElementById('plan-form-checks').textContent);
  var DOCUMENTS = Object.keys(checks.documents);

  function container(input) {
    return input.closest('td') || input.parentNode;
  }

  function clearAt(input) {
    input.classList.remove('is-invalid');
    container(input).querySelectorAll('.invalid-feedback, [data-file-not-kept]').forEach(function (node) {
      node.remove();
    });
  }

  function flag(input, message) {
    input.classList.add('is-invalid');
    var note = document.createElement('div');
    note.className = 'invalid-feedback d-block';
    note.setAttribute('data-client-error', input.getAttribute('data-name') || input.name);
    note.textContent = message;
    input.insertAdjacentElement('afterend', note);
  }

  function fileProblem(input, required) {
    var file = input.files && input.files[0];
    if (!file) {
      return required && !input.hasAttribute('data-saved') ? checks.documents[input.name] : null;
    }
    // Whether it is a PDF the server judges by content, not by name (a scan may have no .pdf ending).
    return file.size > checks.max_bytes ? checks.too_big : null;
  }

  function missingLevels(rows) {
    var present = {};
    rows.forEach(function (row) {
      present[row.querySelector('select').value] = true;
    });
    return Object.keys(checks.levels).filter(function (level) { return !present[level]; })
      .map(function (level) { return checks.levels[level]; });
  }

  function problems(submitting) {
    var found = [];
    DOCUMENTS.forEach(function (kind) {
      var message = fileProblem(form.elements[kind], submitting);
      if (message) { found.push([form.elements[kind], message]); }
    });
    if (!submitting) { return found; }
    ['standard_number', 'standard_name'].forEach(function (name) {
      if (!form.elements[name].value.trim()) { found.push([form.elements[name], checks.required[name]]); }
    });
    var rows = Array.prototype.slice.call(document.querySelectorAll('#indicator-table tr.indicator-row'));
    rows.forEach(function (row) {
      row.querySelectorAll('input, select').forEach(function (input) {
        if (!input.value.trim()) { found.push([input, checks.required[input.getAttribute('data-name')]]); }
      });
    });
    return found;
  }

  function showLevels(missing) {
    var table = document.getElementById('indicator-table');
    table.parentNode.querySelectorAll('[data-field-error="indicators"], [data-client-error="indicators"]')
      .forEach(function (node) { node.remove(); });
    if (!missing.length) { return; }
    var note = document.createElement('div');
    note.className = 'invalid-feedback d-block';
    note.setAttribute('data-client-error', 'indicators');
    var message = missing.length > 1 ? checks.missing_levels : checks.missing_level;
    note.textContent = message.replace('%(m)s', missing.join(_('、')));
    table.insertAdjacentElement('beforebegin', note);
  }

  form.addEventListener('submit', function (event) {
    var submitting = !event.submitter || event.submitter.value === 'submit';
    form.querySelectorAll('[data-client-error]').forEach(function (node) { node.remove(); });
    var found = problems(submitting);
    var missing = submitting
      ? missingLevels(Array.prototype.slice.call(document.querySelectorAll('#indicator-table tr.indicator-row')))
      : [];
    if (!found.length && !missing.length) { return; }
    event.preventDefault();
    found.forEach(function (problem) { clearAt(problem[0]); });
    found.forEach(function (problem) { flag(problem[0], problem[1]); });
    showLevels(missing);
    var first = found.length ? found[0][0] : document.getElementById('add-indicator');
    first.focus();
  });

  // A field the user changes loses the message it had (from the server or from the check above).
  form.addEventListener('change', function (event) {
    var target = event.target;
    if (target.matches('input, select') && !target.closest('[data-co-drafters]')) { clearAt(target); }
  });
})();
