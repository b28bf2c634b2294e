// 指标项: 新增 and 删除 rows; names are renumbered so WTForms reads indicators-N-field.
(function () {
  var table = document.querySelector('#indicator-table tbody');
  var template = document.getElementById('indicator-template');
  function renumber() {
    table.querySelectorAll('tr.indicator-row').forEach(function (row, index) {
      row.querySelector('.row-number').textContent = index + 1;
      row.querySelectorAll('input, select').forEach(function (input) {
        var name = input.getAttribute('data-name') || input.name.replace(/^indicators-\d+-/, '');
        input.setAttribute('data-name', name);
        input.name = 'indicators-' + index + '-' + name;
        input.id = input.name;
      });
    });
  }
  document.getElementById('add-indicator').addEventListener('click', function () {
    table.appendChild(template.content.cloneNode(true));
    renumber();
  });
  table.addEventListener('click', function (event) {
    if (event.target.classList.contains('remove-row')) {
      event.target.closest('tr').remove();
      renumber();
    }
  });
  if (!table.querySelector('tr.indicator-row')) {
    ['safety', 'performance', 'low_carbon'].forEach(function (level) {
      table.appendChild(template.content.cloneNode(true));
      table.lastElementChild.querySelector('select').value = level;
    });
  }
  renumber();
})();
